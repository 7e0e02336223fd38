//! The contract's enums, each the GraphQL face of a core type or a stored spelling.
use async_graphql::Enum;

macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The spelling stored in the database and used in the schema.
            pub fn as_str(self) -> &'static str {
                <Self as async_graphql::resolver_utils::EnumType>::items()
                    .iter()
                    .find(|i| i.value == self)
                    .map(|i| i.name)
                    .unwrap_or_default()
            }

            /// Reads a stored spelling; `None` when the database holds something unknown.
            pub fn from_stored(s: &str) -> Option<Self> {
                <Self as async_graphql::resolver_utils::EnumType>::items().iter().find(|i| i.name == s).map(|i| i.value)
            }
        }
    };
}

stored_enum!(Role {
    Admin,
    Executive,
    Manager,
    Officer,
    Viewer
});
stored_enum!(PlanKind {
    CorporatePlan,
    DeliveryPlan,
    ServicePlan,
    PeerChallenge,
    Transformation,
    Other
});
stored_enum!(PlanStatus {
    Draft,
    Adopted,
    Archived
});
stored_enum!(Delivery {
    Council,
    Partnership
});
stored_enum!(ActionStatus {
    Red,
    Amber,
    Green,
    Blue,
    Completed,
    NotStarted
});
stored_enum!(DueKind {
    Ongoing,
    Annual,
    NotSet
});
stored_enum!(IndicatorLevel {
    Contextual,
    Kpm,
    Management,
    Service
});
stored_enum!(IndicatorType {
    Outcome,
    Output,
    Input,
    Perception
});
stored_enum!(Unit {
    Percent,
    Count,
    Currency,
    Days,
    Ratio,
    Other
});
stored_enum!(Polarity {
    HigherIsBetter,
    LowerIsBetter,
    Neutral
});
stored_enum!(Frequency {
    Monthly,
    Quarterly,
    Annual
});
stored_enum!(IndicatorStatus {
    Green,
    Amber,
    Red,
    MonitorOnly,
    NoData,
    NoTarget
});
stored_enum!(Trend {
    Improving,
    Deteriorating,
    NoChange,
    NotComparable
});
stored_enum!(Direction { Up, Down, Same });
stored_enum!(Lifecycle {
    Proposed,
    Active,
    Retired
});
stored_enum!(NotificationPreference {
    Immediate,
    DailyDigest
});

impl From<pmf_core::IndicatorStatus> for IndicatorStatus {
    fn from(s: pmf_core::IndicatorStatus) -> Self {
        use pmf_core::IndicatorStatus as S;
        match s {
            S::Green => Self::Green,
            S::Amber => Self::Amber,
            S::Red => Self::Red,
            S::MonitorOnly => Self::MonitorOnly,
            S::NoData => Self::NoData,
            S::NoTarget => Self::NoTarget,
        }
    }
}

impl From<IndicatorStatus> for pmf_core::IndicatorStatus {
    fn from(s: IndicatorStatus) -> Self {
        use IndicatorStatus as S;
        match s {
            S::Green => Self::Green,
            S::Amber => Self::Amber,
            S::Red => Self::Red,
            S::MonitorOnly => Self::MonitorOnly,
            S::NoData => Self::NoData,
            S::NoTarget => Self::NoTarget,
        }
    }
}

impl From<pmf_core::Trend> for Trend {
    fn from(t: pmf_core::Trend) -> Self {
        match t {
            pmf_core::Trend::Improving => Self::Improving,
            pmf_core::Trend::Deteriorating => Self::Deteriorating,
            pmf_core::Trend::NoChange => Self::NoChange,
            pmf_core::Trend::NotComparable => Self::NotComparable,
        }
    }
}

impl From<pmf_core::Direction> for Direction {
    fn from(d: pmf_core::Direction) -> Self {
        match d {
            pmf_core::Direction::Up => Self::Up,
            pmf_core::Direction::Down => Self::Down,
            pmf_core::Direction::Same => Self::Same,
        }
    }
}

impl From<pmf_core::ActionStatus> for ActionStatus {
    fn from(s: pmf_core::ActionStatus) -> Self {
        use pmf_core::ActionStatus as S;
        match s {
            S::Red => Self::Red,
            S::Amber => Self::Amber,
            S::Green => Self::Green,
            S::Blue => Self::Blue,
            S::Completed => Self::Completed,
            S::NotStarted => Self::NotStarted,
        }
    }
}

impl From<ActionStatus> for pmf_core::ActionStatus {
    fn from(s: ActionStatus) -> Self {
        use ActionStatus as S;
        match s {
            S::Red => Self::Red,
            S::Amber => Self::Amber,
            S::Green => Self::Green,
            S::Blue => Self::Blue,
            S::Completed => Self::Completed,
            S::NotStarted => Self::NotStarted,
        }
    }
}

impl From<Frequency> for pmf_core::Frequency {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Monthly => Self::Monthly,
            Frequency::Quarterly => Self::Quarterly,
            Frequency::Annual => Self::Annual,
        }
    }
}

impl From<Role> for pmf_core::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => Self::Admin,
            Role::Executive => Self::Executive,
            Role::Manager => Self::Manager,
            Role::Officer => Self::Officer,
            Role::Viewer => Self::Viewer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_spellings_round_trip() {
        assert_eq!(Polarity::HigherIsBetter.as_str(), "HIGHER_IS_BETTER");
        assert_eq!(IndicatorLevel::Kpm.as_str(), "KPM");
        assert_eq!(ActionStatus::NotStarted.as_str(), "NOT_STARTED");
        assert_eq!(
            Frequency::from_stored("QUARTERLY"),
            Some(Frequency::Quarterly)
        );
        assert_eq!(Frequency::from_stored("weekly"), None);
        for s in [IndicatorStatus::Green, IndicatorStatus::NoTarget] {
            assert_eq!(IndicatorStatus::from_stored(s.as_str()), Some(s));
            assert_eq!(pmf_core::IndicatorStatus::from(s).as_str(), s.as_str());
        }
    }
}
