//! Generated data sets, as plain `pmf_demo` structs that `pmf_store::demo::insert` loads.
//!
//! Deterministic (a fixed-seed generator, no clock, no OS randomness), so every run measures
//! the same rows.
use chrono::{Days, NaiveDate};
use pmf_core::{DeadlineDay, Frequency, FyStart, Period};
use pmf_demo::{
    DemoAction, DemoActionUpdate, DemoDataset, DemoIndicator, DemoMeasurement, DemoOrganisation,
    DemoPlan, DemoPriority, DemoTarget, DemoUser,
};

/// SplitMix64: small, fast and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

const PRIORITY_TITLES: [&str; 6] = [
    "Our Greener Future",
    "Developing Our Communities",
    "Meeting Local Housing Need",
    "Boosting Business Sustainability and Growth",
    "Customer Focus",
    "Financial Sustainability and Growth",
];

const UNITS: [(&str, u8); 5] = [
    ("PERCENT", 1),
    ("COUNT", 0),
    ("DAYS", 1),
    ("CURRENCY", 0),
    ("RATIO", 2),
];

const COMMENTARY: [&str; 4] = [
    "Two vacancies in the team; recruitment under way and cover arranged from March.",
    "Seasonal peak in demand; additional resource agreed at management team.",
    "System migration delayed processing for three weeks; backlog now being cleared.",
    "Performance affected by a change in national guidance; recovery plan in place.",
];

/// An indicator's shape: what it measures and how values fall around its target.
struct Shape {
    unit: &'static str,
    decimals: u8,
    polarity: &'static str,
    cumulative: bool,
    monitor_only: bool,
    /// Annual target of the first year, and its yearly stretch.
    target: f64,
    stretch: f64,
}

fn shape(rng: &mut Rng) -> Shape {
    let (unit, decimals) = UNITS[rng.below(UNITS.len())];
    let roll = rng.unit();
    let polarity = if roll < 0.62 {
        "HIGHER_IS_BETTER"
    } else if roll < 0.95 {
        "LOWER_IS_BETTER"
    } else {
        "NEUTRAL"
    };
    let target = match unit {
        "PERCENT" => 60.0 + rng.unit() * 35.0,
        "DAYS" => 5.0 + rng.unit() * 40.0,
        "CURRENCY" => 10_000.0 + rng.unit() * 500_000.0,
        "RATIO" => 0.5 + rng.unit() * 2.0,
        _ => 20.0 + rng.unit() * 2_000.0,
    };
    let stretch = if polarity == "LOWER_IS_BETTER" {
        -0.01
    } else {
        0.01
    };
    Shape {
        unit,
        decimals,
        polarity,
        cumulative: unit == "COUNT" && rng.unit() < 0.3,
        monitor_only: rng.unit() < 0.05,
        target,
        stretch,
    }
}

fn round(value: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    (value * f).round() / f
}

fn fy_label(year: i32) -> String {
    Period::year(year).to_string()
}

/// A value around `target`: 60 % on or better than target, 20 % just off (AMBER), 20 % well
/// off (RED); with commentary where the rules want it (`commentary_rate` of those).
fn value_near(
    rng: &mut Rng,
    s: &Shape,
    target: f64,
    commentary_rate: f64,
) -> (f64, Option<String>) {
    let higher = s.polarity != "LOWER_IS_BETTER";
    let pick = rng.unit();
    let (better, off) = if pick < 0.6 {
        (true, rng.unit() * 0.08)
    } else if pick < 0.8 {
        (false, 0.005 + rng.unit() * 0.04)
    } else {
        (false, 0.06 + rng.unit() * 0.2)
    };
    let sign = if better == higher { 1.0 } else { -1.0 };
    let mut value = target + sign * target.abs() * off;
    if s.unit == "PERCENT" {
        value = value.clamp(0.0, 100.0);
    }
    let value = round(value.max(0.0), s.decimals);
    let commentary = (!better && rng.unit() < commentary_rate)
        .then(|| COMMENTARY[rng.below(COMMENTARY.len())].to_string());
    (value, commentary)
}

fn indicator(
    reference: String,
    priority: &str,
    owner: String,
    s: &Shape,
    freq: &str,
) -> DemoIndicator {
    DemoIndicator {
        title: format!("Indicator {reference}"),
        definition: Some(format!(
            "Definition of indicator {reference}, as agreed with the data owner."
        )),
        reference,
        priority_code: Some(priority.to_string()),
        level: "KPM",
        indicator_type: "OUTCOME",
        unit: s.unit,
        decimals: s.decimals,
        polarity: s.polarity,
        frequency: match freq {
            "MONTHLY" => "MONTHLY",
            "QUARTERLY" => "QUARTERLY",
            _ => "ANNUAL",
        },
        cumulative: s.cumulative,
        monitor_only: s.monitor_only,
        tolerance_pct: 5.0,
        owner_email: Some(owner),
        data_source: Some("Service system extract".into()),
        published: true,
    }
}

/// Part 1's data set: one council, `priorities` priorities, `indicators` monthly indicators
/// with `months` values each (ending with [`DASHBOARD_LAST_MONTH`]), and annual targets for
/// every financial year those months touch.
pub fn dashboard_dataset(priorities: usize, indicators: usize, months: usize) -> DemoDataset {
    let fy = FyStart::default();
    let mut rng = Rng::new(1);
    let last = DASHBOARD_LAST_MONTH;
    let mut periods = vec![last];
    while periods.len() < months {
        let p = periods.last().expect("not empty").previous(fy);
        periods.push(p);
    }
    periods.reverse();
    let first_year = periods[0].financial_year_start(fy);
    let last_year = last.financial_year_start(fy);
    let domain = "bench.example";
    let mut users = vec![
        DemoUser {
            email: format!("admin@{domain}"),
            name: "Performance Team".into(),
            role: "ADMIN",
            manager_email: None,
            active: true,
        },
        DemoUser {
            email: format!("councillor@{domain}"),
            name: "Cllr Dashboard Reader".into(),
            role: "VIEWER",
            manager_email: None,
            active: true,
        },
    ];
    for p in 0..priorities {
        users.push(DemoUser {
            email: format!("manager{p}@{domain}"),
            name: format!("Service Manager {p}"),
            role: "MANAGER",
            manager_email: None,
            active: true,
        });
    }
    let officers = (indicators / 10).max(1);
    for o in 0..officers {
        users.push(DemoUser {
            email: format!("officer{o}@{domain}"),
            name: format!("Officer {o}"),
            role: "OFFICER",
            manager_email: Some(format!("manager{}@{domain}", o % priorities.max(1))),
            active: true,
        });
    }
    let plan = DemoPlan {
        key: "corporate".into(),
        parent_key: None,
        kind: "CORPORATE_PLAN",
        title: "Corporate Plan".into(),
        start_date: periods[0].start_date(fy),
        end_date: last.end_date(fy),
        status: "ADOPTED",
        vision: None,
        mission: None,
        published: true,
    };
    let priority_rows: Vec<DemoPriority> = (0..priorities)
        .map(|p| DemoPriority {
            plan_key: "corporate".into(),
            code: format!("P{}", p + 1),
            title: PRIORITY_TITLES[p % PRIORITY_TITLES.len()].into(),
            description: None,
        })
        .collect();
    let mut out_indicators = Vec::with_capacity(indicators);
    let mut targets = Vec::new();
    let mut measurements = Vec::with_capacity(indicators * months);
    for n in 0..indicators {
        let s = shape(&mut rng);
        let priority = format!("P{}", n % priorities.max(1) + 1);
        let reference = format!(
            "{}.{}",
            n % priorities.max(1) + 1,
            n / priorities.max(1) + 1
        );
        let owner = format!("officer{}@{domain}", n % officers);
        out_indicators.push(indicator(
            reference.clone(),
            &priority,
            owner.clone(),
            &s,
            "MONTHLY",
        ));
        for year in first_year..=last_year {
            let t = round(
                s.target * (1.0 + s.stretch * f64::from(year - first_year)),
                s.decimals,
            );
            targets.push(DemoTarget {
                indicator_ref: reference.clone(),
                period: fy_label(year),
                value: t,
            });
        }
        for p in &periods {
            let year = p.financial_year_start(fy);
            let annual = s.target * (1.0 + s.stretch * f64::from(year - first_year));
            let target = if s.cumulative {
                annual * f64::from(p.months_elapsed_in_year(fy)) / 12.0
            } else {
                annual
            };
            let (value, commentary) = value_near(&mut rng, &s, target, 0.9);
            let due = pmf_core::due_date(p, DeadlineDay::default(), fy);
            measurements.push(DemoMeasurement {
                indicator_ref: reference.clone(),
                period: p.to_string(),
                value: Some(value),
                no_value_reason: None,
                commentary,
                entered_by_email: owner.clone(),
                entered_on: due - Days::new(1 + rng.below(5) as u64),
            });
        }
    }
    DemoDataset {
        organisation: DemoOrganisation {
            name: "Bench Borough Council".into(),
            slug: "bench".into(),
            time_zone: "Europe/London".into(),
        },
        users,
        plans: vec![plan],
        priorities: priority_rows,
        objectives: vec![],
        actions: vec![],
        action_updates: vec![],
        indicators: out_indicators,
        targets,
        measurements,
        benchmarking: None,
        exception_recipients: vec![],
    }
}

/// The last month of the dashboard data set: March 2026, the end of 2025-26.
pub const DASHBOARD_LAST_MONTH: Period = Period::month_opt(2026, 3).expect("a month");

/// The deadline morning the sweep benchmark runs at: Monday 10 November 2025, 08:00 London
/// (= UTC in November), when October's monthly values are due.
pub fn deadline_morning() -> chrono::DateTime<chrono::Utc> {
    "2025-11-10T08:00:00Z".parse().expect("a valid instant")
}

/// The Thursday before: every council's outstanding items are derived as of this morning
/// (what the first sweep after the upgrade does once), so the Friday's sweep adds the items
/// that fall due on the Monday, as a live system's would.
pub fn derived_morning() -> chrono::DateTime<chrono::Utc> {
    "2025-11-06T08:00:00Z".parse().expect("a valid instant")
}

/// The Friday before: the `DUE_SOON` sweep for the same deadline, run first so the deadline
/// morning finds the history a live system would have.
pub fn due_soon_morning() -> chrono::DateTime<chrono::Utc> {
    "2025-11-07T08:00:00Z".parse().expect("a valid instant")
}

/// How complete a council's data is.
#[derive(Debug, Clone, Copy)]
pub struct Completeness {
    /// Share of values entered by their due date ("on time").
    pub on_time: f64,
    /// Share of the late ones entered since (so `1 − on_time × … ` stay outstanding).
    pub late_then_entered: f64,
}

impl Default for Completeness {
    /// 90 % on time; four in five of the late ones arrive within weeks, so 2 % of past
    /// periods stay outstanding.
    fn default() -> Self {
        Self {
            on_time: 0.9,
            late_then_entered: 0.8,
        }
    }
}

/// One council of the national data set (part 3): 500 indicators (half monthly, 35 %
/// quarterly, 15 % annual) in a corporate plan from April 2024 to March 2028, 40 actions,
/// 151 users (officers own the indicators and report to managers, who report to directors),
/// values for every period due by `today` with the given completeness.
pub fn council_dataset(
    n: usize,
    indicators: usize,
    today: NaiveDate,
    completeness: Completeness,
) -> DemoDataset {
    let fy = FyStart::default();
    let mut rng = Rng::new(1_000 + n as u64);
    let domain = format!("council{n:03}.example");
    let plan_start = date(2024, 4, 1);
    let plan_end = date(2028, 3, 31);
    let mut users = vec![DemoUser {
        email: format!("performance@{domain}"),
        name: "Performance Team".into(),
        role: "ADMIN",
        manager_email: None,
        active: true,
    }];
    let (directors, managers, officers) = (6, 24, 120);
    for d in 0..directors {
        users.push(DemoUser {
            email: format!("director{d}@{domain}"),
            name: format!("Director {d}"),
            role: "EXECUTIVE",
            manager_email: None,
            active: true,
        });
    }
    for m in 0..managers {
        users.push(DemoUser {
            email: format!("manager{m}@{domain}"),
            name: format!("Manager {m}"),
            role: "MANAGER",
            manager_email: Some(format!("director{}@{domain}", m % directors)),
            active: true,
        });
    }
    for o in 0..officers {
        users.push(DemoUser {
            email: format!("officer{o}@{domain}"),
            name: format!("Officer {o}"),
            role: "OFFICER",
            manager_email: Some(format!("manager{}@{domain}", o % managers)),
            // A few leavers whose items the performance team has yet to reassign.
            active: rng.unit() >= 0.02,
        });
    }
    let priorities: Vec<DemoPriority> = (0..6)
        .map(|p| DemoPriority {
            plan_key: "corporate".into(),
            code: format!("P{}", p + 1),
            title: PRIORITY_TITLES[p].into(),
            description: None,
        })
        .collect();
    let mut out_indicators = Vec::with_capacity(indicators);
    let mut targets = Vec::new();
    let mut measurements = Vec::new();
    let due_of = |p: &Period| pmf_core::due_date(p, DeadlineDay::default(), fy);
    for i in 0..indicators {
        let s = shape(&mut rng);
        let roll = rng.unit();
        let (freq_name, freq) = if roll < 0.5 {
            ("MONTHLY", Frequency::Monthly)
        } else if roll < 0.85 {
            ("QUARTERLY", Frequency::Quarterly)
        } else {
            ("ANNUAL", Frequency::Annual)
        };
        let priority = format!("P{}", i % 6 + 1);
        let reference = format!("{}.{}", i % 6 + 1, i / 6 + 1);
        let owner = format!("officer{}@{domain}", i % officers);
        out_indicators.push(indicator(
            reference.clone(),
            &priority,
            owner.clone(),
            &s,
            freq_name,
        ));
        for year in [2024, 2025] {
            let t = round(
                s.target * (1.0 + s.stretch * f64::from(year - 2024)),
                s.decimals,
            );
            targets.push(DemoTarget {
                indicator_ref: reference.clone(),
                period: fy_label(year),
                value: t,
            });
        }
        for p in pmf_core::expected_periods(freq, plan_start, plan_end, None, fy) {
            let due = due_of(&p);
            if due > today {
                break;
            }
            let on_time = rng.unit() < completeness.on_time;
            let entered = if due == today {
                on_time
            } else {
                on_time || rng.unit() < completeness.late_then_entered
            };
            if !entered {
                continue;
            }
            let year = p.financial_year_start(fy);
            let annual = s.target * (1.0 + s.stretch * f64::from(year - 2024));
            let target = if s.cumulative {
                annual * f64::from(p.months_elapsed_in_year(fy)) / 12.0
            } else {
                annual
            };
            let (value, commentary) = value_near(&mut rng, &s, target, 0.95);
            let entered_on = if on_time {
                due - Days::new(1 + rng.below(5) as u64)
            } else {
                due + Days::new(3)
            };
            measurements.push(DemoMeasurement {
                indicator_ref: reference.clone(),
                period: p.to_string(),
                value: Some(value),
                no_value_reason: None,
                commentary,
                entered_by_email: owner.clone(),
                entered_on: entered_on.min(today),
            });
        }
    }
    let mut actions = Vec::new();
    let mut action_updates = Vec::new();
    for a in 0..40 {
        let reference = format!("A{}", a + 1);
        let owner = format!("manager{}@{domain}", a % managers);
        actions.push(DemoAction {
            priority_code: format!("P{}", a % 6 + 1),
            objective_code: None,
            reference: reference.clone(),
            title: format!("Action {}", a + 1),
            description: None,
            owner_email: Some(owner.clone()),
            sponsor_email: Some(format!("director{}@{domain}", a % directors)),
            delivery: "COUNCIL",
            planned_start: Some(plan_start),
            actual_start: Some(plan_start),
            due_date: Some(plan_end),
            due_kind: None,
            estimated_completion: Some(plan_end),
            completed_on: None,
        });
        for q in pmf_core::expected_periods(Frequency::Quarterly, plan_start, plan_end, None, fy) {
            let due = due_of(&q);
            if due > today {
                break;
            }
            if rng.unit()
                >= completeness.on_time
                    + (1.0 - completeness.on_time) * completeness.late_then_entered
            {
                continue;
            }
            action_updates.push(DemoActionUpdate {
                action_ref: reference.clone(),
                period: q.to_string(),
                status: ["GREEN", "GREEN", "AMBER", "RED"][rng.below(4)],
                commentary: Some("Progress as planned; see the programme board's minutes.".into()),
                next_steps: None,
                author_email: owner.clone(),
                recorded_on: (due - Days::new(2)).min(today),
            });
        }
    }
    DemoDataset {
        organisation: DemoOrganisation {
            name: format!("Council {n:03}"),
            slug: format!("council-{n:03}"),
            time_zone: "Europe/London".into(),
        },
        users,
        plans: vec![DemoPlan {
            key: "corporate".into(),
            parent_key: None,
            kind: "CORPORATE_PLAN",
            title: "Corporate Plan 2024–2028".into(),
            start_date: plan_start,
            end_date: plan_end,
            status: "ADOPTED",
            vision: None,
            mission: None,
            published: true,
        }],
        priorities,
        objectives: vec![],
        actions,
        action_updates,
        indicators: out_indicators,
        targets,
        measurements,
        benchmarking: None,
        exception_recipients: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_data_set_has_the_issue_s_shape() {
        let d = dashboard_dataset(6, 500, 120);
        assert_eq!(d.priorities.len(), 6);
        assert_eq!(d.indicators.len(), 500);
        assert_eq!(d.measurements.len(), 60_000);
        assert_eq!(
            d.measurements.last().map(|m| m.period.as_str()),
            Some("2026-03")
        );
        // Ten financial years (2016-17 … 2025-26) of annual targets.
        assert_eq!(d.targets.len(), 500 * 10);
        assert_eq!(d, dashboard_dataset(6, 500, 120), "deterministic");
    }

    #[test]
    fn a_council_is_about_ninety_percent_complete_on_the_deadline_morning() {
        let today = deadline_morning().date_naive();
        let d = council_dataset(7, 500, today, Completeness::default());
        assert_eq!(d.indicators.len(), 500);
        let due_today = d
            .measurements
            .iter()
            .filter(|m| m.period == "2025-10")
            .count();
        let monthly = d
            .indicators
            .iter()
            .filter(|i| i.frequency == "MONTHLY")
            .count();
        let share = due_today as f64 / monthly as f64;
        assert!((0.85..0.95).contains(&share), "{share}");
        // Nothing for periods not yet due.
        assert!(
            d.measurements
                .iter()
                .all(|m| m.period != "2025-11" && m.period != "2025-26 Q3")
        );
    }
}
