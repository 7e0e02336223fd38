//! Exception alerts (docs/rules.md §11).
//!
//! > When a value is recorded or changed so that an indicator's status for a period becomes
//! > RED (or an action update is RED), the responsible manager … receives an alert … At most
//! > one alert per (item, period, status): editing a red value again does not re-alert; going
//! > green and red again does. AMBER alerts are an organisation setting (off by default).

use crate::status::IndicatorStatus;
use crate::summary::ActionStatus;

/// Whether a change of an indicator's status for one period raises an exception alert.
///
/// `previous` is the status for that period before the change (`None` for a first value).
/// An alert is due when the new status is RED and the previous one was not ("editing a red
/// value again does not re-alert; going green and red again does"). When the organisation
/// has AMBER alerts on, also when the new status is AMBER and the previous one was neither
/// AMBER nor RED (improving from RED to AMBER is not an exception).
pub fn alert_due(
    previous: Option<IndicatorStatus>,
    new: IndicatorStatus,
    amber_alerts: bool,
) -> bool {
    use IndicatorStatus::{Amber, Red};
    match new {
        Red => previous != Some(Red),
        Amber => amber_alerts && !matches!(previous, Some(Amber | Red)),
        _ => false,
    }
}

/// The same rule for action updates ("or an action update is RED"): `previous` is the
/// action's status for the quarter before this update (`None` when there was none).
pub fn action_alert_due(
    previous: Option<ActionStatus>,
    new: ActionStatus,
    amber_alerts: bool,
) -> bool {
    use ActionStatus::{Amber, Red};
    match new {
        Red => previous != Some(Red),
        Amber => amber_alerts && !matches!(previous, Some(Amber | Red)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndicatorStatus::*;

    #[test]
    fn red_alerts_once() {
        assert!(alert_due(None, Red, false), "first value red");
        assert!(alert_due(Some(Green), Red, false));
        assert!(alert_due(Some(Amber), Red, false));
        assert!(alert_due(Some(NoData), Red, false));
        assert!(alert_due(Some(NoTarget), Red, false));
        assert!(
            !alert_due(Some(Red), Red, false),
            "editing a red value again"
        );
        assert!(!alert_due(Some(Red), Red, true));
        assert!(!alert_due(Some(Red), Green, false));
        assert!(!alert_due(None, Green, true));
        assert!(!alert_due(None, MonitorOnly, true));
        assert!(!alert_due(None, NoData, true));
    }

    #[test]
    fn green_then_red_again_alerts_again() {
        let history = [None, Some(Red), Some(Green)];
        let news = [Red, Green, Red];
        let alerts: Vec<bool> = history
            .iter()
            .zip(news)
            .map(|(p, n)| alert_due(*p, n, false))
            .collect();
        assert_eq!(alerts, vec![true, false, true]);
    }

    #[test]
    fn amber_alerts_are_a_setting() {
        assert!(!alert_due(Some(Green), Amber, false), "off by default");
        assert!(alert_due(Some(Green), Amber, true));
        assert!(alert_due(None, Amber, true));
        assert!(!alert_due(Some(Amber), Amber, true));
        assert!(
            !alert_due(Some(Red), Amber, true),
            "improving is not an exception"
        );
    }

    #[test]
    fn action_updates() {
        use ActionStatus as A;
        assert!(action_alert_due(None, A::Red, false));
        assert!(action_alert_due(Some(A::Green), A::Red, false));
        assert!(!action_alert_due(Some(A::Red), A::Red, false));
        assert!(!action_alert_due(Some(A::Green), A::Amber, false));
        assert!(action_alert_due(Some(A::NotStarted), A::Amber, true));
        assert!(!action_alert_due(Some(A::Red), A::Amber, true));
        assert!(!action_alert_due(None, A::Completed, true));
        assert!(!action_alert_due(None, A::Blue, true));
    }
}
