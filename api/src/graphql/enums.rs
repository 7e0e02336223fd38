//! The contract's enums: each the GraphQL face of a `pmf-core` type, so a stored or computed
//! value goes to the client without being spelled or parsed here.
use async_graphql::Enum;

macro_rules! face {
    ($name:ident = $remote:literal { $($variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        #[graphql(remote = $remote)]
        pub enum $name { $($variant),+ }
    };
}

face!(Role = "pmf_core::Role" { Admin, Executive, Manager, Officer, Viewer });
face!(PlanKind = "pmf_core::PlanKind" {
    CorporatePlan,
    DeliveryPlan,
    ServicePlan,
    PeerChallenge,
    Transformation,
    Other
});
face!(PlanStatus = "pmf_core::PlanStatus" { Draft, Adopted, Archived });
face!(Delivery = "pmf_core::Delivery" { Council, Partnership });
face!(ActionStatus = "pmf_core::ActionStatus" {
    Red,
    Amber,
    Green,
    Blue,
    Completed,
    NotStarted
});
face!(DueKind = "pmf_core::DueKind" { Ongoing, Annual, NotSet });
face!(IndicatorLevel = "pmf_core::IndicatorLevel" { Contextual, Kpm, Management, Service });
face!(IndicatorType = "pmf_core::IndicatorType" { Outcome, Output, Input, Perception });
face!(Unit = "pmf_core::Unit" { Percent, Count, Currency, Days, Ratio, Other });
face!(Polarity = "pmf_core::Polarity" { HigherIsBetter, LowerIsBetter, Neutral });
face!(Frequency = "pmf_core::Frequency" { Monthly, Quarterly, Annual });
face!(IndicatorStatus = "pmf_core::IndicatorStatus" {
    Green,
    Amber,
    Red,
    MonitorOnly,
    NoData,
    NoTarget
});
face!(Trend = "pmf_core::Trend" { Improving, Deteriorating, NoChange, NotComparable });
face!(Direction = "pmf_core::Direction" { Up, Down, Same });
face!(Lifecycle = "pmf_core::Lifecycle" { Proposed, Active, Retired });
face!(NotificationPreference = "pmf_core::NotificationPreference" { Immediate, DailyDigest });
face!(OnTolerance = "pmf_core::OnTolerance" { Red, Amber });

/// The GraphQL face of a stored core value.
pub fn face<T: Copy, F: From<T>>(stored: &pmf_store::Stored<T>) -> F {
    F::from(**stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::resolver_utils::EnumType;

    /// Every face has exactly its core type's values, under the same spelling.
    #[test]
    fn faces_spell_as_their_core_types() {
        fn same<F: EnumType + Copy + Into<T>, T: Copy + std::fmt::Display>() {
            for item in F::items() {
                let core: T = item.value.into();
                assert_eq!(core.to_string(), item.name);
            }
        }
        same::<Role, pmf_core::Role>();
        same::<PlanKind, pmf_core::PlanKind>();
        same::<PlanStatus, pmf_core::PlanStatus>();
        same::<Delivery, pmf_core::Delivery>();
        same::<ActionStatus, pmf_core::ActionStatus>();
        same::<DueKind, pmf_core::DueKind>();
        same::<IndicatorLevel, pmf_core::IndicatorLevel>();
        same::<IndicatorType, pmf_core::IndicatorType>();
        same::<Unit, pmf_core::Unit>();
        same::<Polarity, pmf_core::Polarity>();
        same::<Frequency, pmf_core::Frequency>();
        same::<IndicatorStatus, pmf_core::IndicatorStatus>();
        same::<Trend, pmf_core::Trend>();
        same::<Direction, pmf_core::Direction>();
        same::<Lifecycle, pmf_core::Lifecycle>();
        same::<NotificationPreference, pmf_core::NotificationPreference>();
        same::<OnTolerance, pmf_core::OnTolerance>();
        assert_eq!(pmf_core::Role::ALL.len(), Role::items().len());
    }
}
face!(Urgency = "pmf_core::Urgency" { Overdue, DueToday, DueSoon, Upcoming });
