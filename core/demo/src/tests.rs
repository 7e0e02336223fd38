use std::collections::{HashMap, HashSet};

use super::*;

fn today() -> NaiveDate {
    date(2026, 11, 22)
}

#[test]
fn the_same_day_gives_the_same_council() {
    assert_eq!(demo_dataset(today()), demo_dataset(today()));
    assert_ne!(
        demo_dataset(today()).measurements,
        demo_dataset(date(2026, 12, 22)).measurements
    );
}

#[test]
fn every_reference_resolves() {
    let d = demo_dataset(today());
    let emails: HashSet<&str> = d.users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails.len(), d.users.len(), "e-mails are unique");
    assert_eq!(d.users[0].email, "admin@demo.example");
    assert_eq!(d.users[0].role, "ADMIN");
    let plans: HashSet<&str> = d.plans.iter().map(|p| p.key.as_str()).collect();
    let priorities: HashSet<&str> = d.priorities.iter().map(|p| p.code.as_str()).collect();
    let objectives: HashSet<&str> = d.objectives.iter().map(|o| o.code.as_str()).collect();
    let indicators: HashSet<&str> = d.indicators.iter().map(|i| i.reference.as_str()).collect();
    let actions: HashSet<&str> = d.actions.iter().map(|a| a.reference.as_str()).collect();
    assert_eq!(
        indicators.len(),
        d.indicators.len(),
        "indicator refs are unique"
    );
    assert_eq!(actions.len(), d.actions.len(), "action refs are unique");
    for u in &d.users {
        if let Some(m) = &u.manager_email {
            assert!(
                emails.contains(m.as_str()),
                "{} has an unknown manager",
                u.email
            );
        }
    }
    for p in &d.plans {
        assert!(p.parent_key.as_deref().is_none_or(|k| plans.contains(k)));
    }
    for p in &d.priorities {
        assert!(plans.contains(p.plan_key.as_str()));
    }
    for a in &d.actions {
        assert!(priorities.contains(a.priority_code.as_str()));
        assert!(
            a.objective_code
                .as_deref()
                .is_none_or(|o| objectives.contains(o))
        );
        assert!(a.owner_email.as_deref().is_some_and(|e| emails.contains(e)));
    }
    for i in &d.indicators {
        assert!(
            i.priority_code
                .as_deref()
                .is_some_and(|p| priorities.contains(p))
        );
        assert!(i.owner_email.as_deref().is_some_and(|e| emails.contains(e)));
    }
    for t in &d.targets {
        assert!(indicators.contains(t.indicator_ref.as_str()));
    }
    for m in &d.measurements {
        assert!(indicators.contains(m.indicator_ref.as_str()));
        assert!(emails.contains(m.entered_by_email.as_str()));
    }
    for u in &d.action_updates {
        assert!(actions.contains(u.action_ref.as_str()));
    }
    for (p, e) in &d.exception_recipients {
        assert!(priorities.contains(p.as_str()) && emails.contains(e.as_str()));
    }
}

#[test]
fn line_management_has_no_cycles() {
    let d = demo_dataset(today());
    let manager: HashMap<&str, &str> = d
        .users
        .iter()
        .filter_map(|u| u.manager_email.as_deref().map(|m| (u.email.as_str(), m)))
        .collect();
    for u in &d.users {
        let mut seen = HashSet::new();
        let mut current = u.email.as_str();
        while let Some(m) = manager.get(current) {
            assert!(seen.insert(*m), "cycle through {m}");
            current = m;
        }
    }
}

#[test]
fn it_covers_every_kind_of_thing() {
    let d = demo_dataset(today());
    assert!(
        d.indicators.len() >= 40,
        "{} indicators",
        d.indicators.len()
    );
    let has = |f: &dyn Fn(&DemoIndicator) -> bool| d.indicators.iter().any(f);
    for freq in ["MONTHLY", "QUARTERLY", "ANNUAL"] {
        assert!(has(&|i| i.frequency == freq), "{freq}");
    }
    for polarity in ["HIGHER_IS_BETTER", "LOWER_IS_BETTER", "NEUTRAL"] {
        assert!(has(&|i| i.polarity == polarity), "{polarity}");
    }
    for unit in ["PERCENT", "COUNT", "CURRENCY", "DAYS", "RATIO", "OTHER"] {
        assert!(has(&|i| i.unit == unit), "{unit}");
    }
    assert!(has(&|i| i.cumulative) && has(&|i| i.monitor_only) && has(&|i| !i.published));
    let roles: HashSet<&str> = d.users.iter().map(|u| u.role).collect();
    assert_eq!(roles.len(), 5);
    assert!(d.users.iter().any(|u| !u.active));
    let statuses: HashSet<&str> = d.action_updates.iter().map(|u| u.status).collect();
    for s in ["RED", "AMBER", "GREEN", "BLUE", "COMPLETED", "NOT_STARTED"] {
        assert!(statuses.contains(s), "no {s} action update");
    }
    assert!(d.actions.iter().any(|a| a.delivery == "PARTNERSHIP"));
    assert!(d.actions.len() >= 28);
    assert!(d.targets.iter().any(|t| t.value < 0.0), "a negative target");
    assert!(d.targets.iter().any(|t| t.value == 0.0), "a zero target");
    let lh2_q1 = d
        .targets
        .iter()
        .find(|t| t.indicator_ref == "LH 2" && t.period == "2025-26 Q1");
    assert_eq!(
        lh2_q1.map(|t| t.value),
        Some(18.0),
        "124 for the year, 18 by Q1"
    );
    assert!(
        d.measurements
            .iter()
            .any(|m| m.value.is_none() && m.no_value_reason.is_some())
    );
    let b = d.benchmarking.as_ref().expect("comparator data");
    assert_eq!(b.areas.len(), 15);
    assert!(
        b.values.len() >= 15 * b.metrics.len(),
        "a year of values for each metric"
    );
    assert_eq!(d.plans.iter().filter(|p| p.published).count(), 2);
}

#[test]
fn values_are_only_for_ended_periods_of_the_right_form_and_within_their_units() {
    let fy = FyStart::default();
    let d = demo_dataset(today());
    let by_ref: HashMap<&str, &DemoIndicator> = d
        .indicators
        .iter()
        .map(|i| (i.reference.as_str(), i))
        .collect();
    for m in &d.measurements {
        let i = by_ref[m.indicator_ref.as_str()];
        let p = Period::parse(&m.period).unwrap();
        assert_eq!(
            p.frequency().as_str(),
            i.frequency,
            "{} {}",
            i.reference,
            m.period
        );
        assert!(
            p.end_date(fy) < today(),
            "{} {} has not ended",
            i.reference,
            m.period
        );
        assert!(m.entered_on <= today());
        if let Some(v) = m.value {
            assert!(v.is_finite());
            if i.unit == "PERCENT" {
                assert!((0.0..=100.0).contains(&v), "{} {v}", i.reference);
            }
            if matches!(i.unit, "COUNT" | "DAYS" | "RATIO") {
                assert!(v >= 0.0, "{} {v}", i.reference);
            }
            let scaled = v * 10f64.powi(i32::from(i.decimals));
            assert!(
                (scaled - scaled.round()).abs() < 1e-6,
                "{} {v} has too many decimals",
                i.reference
            );
        }
    }
    // Three financial years of values.
    let years: HashSet<i32> = d
        .measurements
        .iter()
        .map(|m| Period::parse(&m.period).unwrap().financial_year_start(fy))
        .collect();
    assert_eq!(years, HashSet::from([2024, 2025, 2026]));
}

#[test]
fn statuses_vary_realistically() {
    use pmf_core::{IndicatorStatus, Polarity, RatingRule, Tolerance};
    let fy = FyStart::default();
    let d = demo_dataset(today());
    let mut counts: HashMap<IndicatorStatus, usize> = HashMap::new();
    for i in d
        .indicators
        .iter()
        .filter(|i| !i.monitor_only && i.polarity != "NEUTRAL")
    {
        let rule = RatingRule {
            monitor_only: false,
            polarity: i.polarity.parse::<Polarity>().unwrap(),
            tolerance: Tolerance::relative_pct(i.tolerance_pct).unwrap(),
            on_tolerance: pmf_core::OnTolerance::default(),
        };
        for m in d
            .measurements
            .iter()
            .filter(|m| m.indicator_ref == i.reference)
        {
            let p = Period::parse(&m.period).unwrap();
            let profile = d
                .targets
                .iter()
                .find(|t| t.indicator_ref == i.reference && t.period == m.period)
                .map(|t| t.value);
            let annual = d
                .targets
                .iter()
                .find(|t| {
                    t.indicator_ref == i.reference && t.period == p.financial_year(fy).to_string()
                })
                .map(|t| t.value);
            let target =
                pmf_core::target_for_period(&p, i.cumulative, profile, annual, fy).map(|t| t.value);
            *counts
                .entry(pmf_core::indicator_status(&rule, m.value, target))
                .or_default() += 1;
        }
    }
    let rated = (counts[&IndicatorStatus::Green]
        + counts[&IndicatorStatus::Amber]
        + counts[&IndicatorStatus::Red]) as f64;
    let share = |s| counts[&s] as f64 / rated;
    assert!(
        (0.5..0.8).contains(&share(IndicatorStatus::Green)),
        "{counts:?}"
    );
    assert!(
        (0.1..0.3).contains(&share(IndicatorStatus::Amber)),
        "{counts:?}"
    );
    assert!(
        (0.08..0.25).contains(&share(IndicatorStatus::Red)),
        "{counts:?}"
    );
    assert!(
        counts.contains_key(&IndicatorStatus::NoTarget),
        "{counts:?}"
    );
}
