//! The contract's enums, each the GraphQL face of a core type or a stored spelling.
use async_graphql::Enum;

macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        $(#[$m])*
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

stored_enum!(
    #[graphql(remote = "pmf_core::Role")]
    Role {
        Admin,
        Executive,
        Manager,
        Officer,
        Viewer
    }
);
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
stored_enum!(
    #[graphql(remote = "pmf_core::Delivery")]
    Delivery {
        Council,
        Partnership
    }
);
stored_enum!(
    #[graphql(remote = "pmf_core::ActionStatus")]
    ActionStatus {
        Red,
        Amber,
        Green,
        Blue,
        Completed,
        NotStarted
    }
);
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
stored_enum!(
    #[graphql(remote = "pmf_core::Polarity")]
    Polarity {
        HigherIsBetter,
        LowerIsBetter,
        Neutral
    }
);
stored_enum!(
    #[graphql(remote = "pmf_core::Frequency")]
    Frequency {
        Monthly,
        Quarterly,
        Annual
    }
);
stored_enum!(
    #[graphql(remote = "pmf_core::IndicatorStatus")]
    IndicatorStatus {
        Green,
        Amber,
        Red,
        MonitorOnly,
        NoData,
        NoTarget
    }
);
stored_enum!(
    #[graphql(remote = "pmf_core::Trend")]
    Trend {
        Improving,
        Deteriorating,
        NoChange,
        NotComparable
    }
);
stored_enum!(
    #[graphql(remote = "pmf_core::Direction")]
    Direction { Up, Down, Same }
);
stored_enum!(Lifecycle {
    Proposed,
    Active,
    Retired
});
stored_enum!(NotificationPreference {
    Immediate,
    DailyDigest
});

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
