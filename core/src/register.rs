//! The register's vocabulary: the kinds and states of plans, actions, indicators and users
//! that are stored and shown as they are, with no rule of their own beyond their spelling.
//!
//! Like every stored enum, each has one spelling (`"CORPORATE_PLAN"`, `"KPM"`, …) shared by
//! the database, the GraphQL API and JSON (see [`crate::value`]).
use crate::value::string_enum;

/// What a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum PlanKind {
    CorporatePlan,
    DeliveryPlan,
    ServicePlan,
    PeerChallenge,
    Transformation,
    Other,
}

string_enum!(PlanKind, "plan kind", {
    CorporatePlan => "CORPORATE_PLAN",
    DeliveryPlan => "DELIVERY_PLAN",
    ServicePlan => "SERVICE_PLAN",
    PeerChallenge => "PEER_CHALLENGE",
    Transformation => "TRANSFORMATION",
    Other => "OTHER",
});

/// Where a plan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum PlanStatus {
    Draft,
    Adopted,
    Archived,
}

string_enum!(PlanStatus, "plan status", {
    Draft => "DRAFT",
    Adopted => "ADOPTED",
    Archived => "ARCHIVED",
});

/// When an action has no due date: why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum DueKind {
    /// Continues without an end date.
    Ongoing,
    /// Happens every year.
    Annual,
    /// No date set yet.
    NotSet,
}

string_enum!(DueKind, "due kind", {
    Ongoing => "ONGOING",
    Annual => "ANNUAL",
    NotSet => "NOT_SET",
});

/// How prominent an indicator is: key performance measure, management, service, context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum IndicatorLevel {
    Contextual,
    Kpm,
    Management,
    Service,
}

string_enum!(IndicatorLevel, "indicator level", {
    Contextual => "CONTEXTUAL",
    Kpm => "KPM",
    Management => "MANAGEMENT",
    Service => "SERVICE",
});

/// What an indicator measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum IndicatorType {
    Outcome,
    Output,
    Input,
    Perception,
}

string_enum!(IndicatorType, "indicator type", {
    Outcome => "OUTCOME",
    Output => "OUTPUT",
    Input => "INPUT",
    Perception => "PERCEPTION",
});

/// The unit of an indicator's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Unit {
    Percent,
    Count,
    Currency,
    Days,
    Ratio,
    Other,
}

string_enum!(Unit, "unit", {
    Percent => "PERCENT",
    Count => "COUNT",
    Currency => "CURRENCY",
    Days => "DAYS",
    Ratio => "RATIO",
    Other => "OTHER",
});

impl Unit {
    /// The decimals an indicator in this unit shows unless told otherwise.
    pub const fn default_decimals(self) -> u8 {
        match self {
            Unit::Percent | Unit::Ratio | Unit::Days => 1,
            Unit::Currency => 2,
            Unit::Count | Unit::Other => 0,
        }
    }
}

/// Where an indicator is in its life: proposed (awaiting approval), active, retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Lifecycle {
    Proposed,
    Active,
    Retired,
}

string_enum!(Lifecycle, "lifecycle", {
    Proposed => "PROPOSED",
    Active => "ACTIVE",
    Retired => "RETIRED",
});

/// How a user wants exception alerts: at once, or in one message a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum NotificationPreference {
    Immediate,
    DailyDigest,
}

string_enum!(NotificationPreference, "notification preference", {
    Immediate => "IMMEDIATE",
    DailyDigest => "DAILY_DIGEST",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in PlanKind::ALL {
            assert_eq!(PlanKind::parse(k.as_str()), Ok(*k));
        }
        assert_eq!(PlanKind::CorporatePlan.as_str(), "CORPORATE_PLAN");
        assert_eq!(IndicatorLevel::Kpm.as_str(), "KPM");
        assert_eq!(NotificationPreference::DailyDigest.as_str(), "DAILY_DIGEST");
        assert!(Lifecycle::parse("GONE").is_err());
        assert_eq!(Unit::Currency.default_decimals(), 2);
    }
}
