//! "Demo District Council": a fictional council modelled on North Norfolk's corporate plan
//! themes and key performance measures and on King's Lynn & West Norfolk's peer-challenge
//! action plan (`shared/seeds/`). Three financial years of targets and values with realistic
//! variation, actions with quarterly updates in every status, users in every role.
//!
//! Deterministic: the same `today` always gives the same council. Pure: no I/O, no clock.
mod data;
mod rng;

use chrono::{Duration, NaiveDate};
use pmf_core::{DeadlineDay, Frequency, FyStart, Period, PeriodKind};

use data::{ACTIONS, INDICATORS, IndicatorDef, PRIORITIES, USERS};
use rng::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct DemoDataset {
    pub organisation: DemoOrganisation,
    pub users: Vec<DemoUser>,
    pub plans: Vec<DemoPlan>,
    pub priorities: Vec<DemoPriority>,
    pub objectives: Vec<DemoObjective>,
    pub actions: Vec<DemoAction>,
    pub action_updates: Vec<DemoActionUpdate>,
    pub indicators: Vec<DemoIndicator>,
    pub targets: Vec<DemoTarget>,
    pub measurements: Vec<DemoMeasurement>,
    /// Where the council is, its comparator group, and a year of comparator data.
    pub benchmarking: Option<DemoBenchmarking>,
    /// (priority code, user e-mail)
    pub exception_recipients: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrganisation {
    pub name: String,
    pub slug: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub manager_email: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoPlan {
    pub key: String,
    pub parent_key: Option<String>,
    pub kind: &'static str,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: &'static str,
    pub vision: Option<String>,
    pub mission: Option<String>,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoPriority {
    pub plan_key: String,
    pub code: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoObjective {
    pub priority_code: String,
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoAction {
    pub priority_code: String,
    pub objective_code: Option<String>,
    pub reference: String,
    pub title: String,
    pub description: Option<String>,
    pub owner_email: Option<String>,
    pub sponsor_email: Option<String>,
    pub delivery: &'static str,
    pub planned_start: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub due_kind: Option<&'static str>,
    pub estimated_completion: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoActionUpdate {
    pub action_ref: String,
    pub period: String,
    pub status: &'static str,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub author_email: String,
    pub recorded_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoIndicator {
    pub reference: String,
    pub title: String,
    pub definition: Option<String>,
    pub priority_code: Option<String>,
    pub level: &'static str,
    pub indicator_type: &'static str,
    pub unit: &'static str,
    pub decimals: u8,
    pub polarity: &'static str,
    pub frequency: &'static str,
    pub cumulative: bool,
    pub monitor_only: bool,
    pub tolerance_pct: f64,
    pub owner_email: Option<String>,
    pub data_source: Option<String>,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoTarget {
    pub indicator_ref: String,
    pub period: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoMeasurement {
    pub indicator_ref: String,
    pub period: String,
    pub value: Option<f64>,
    pub no_value_reason: Option<String>,
    pub commentary: Option<String>,
    pub entered_by_email: String,
    pub entered_on: NaiveDate,
}

/// The council's area, its comparator group (fifteen districts, its "CIPFA nearest
/// neighbours") and their values, as LG Inform would give them, for the indicators that
/// name a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoBenchmarking {
    pub area_code: String,
    pub group_name: String,
    /// (GSS code, name)
    pub areas: Vec<(String, String)>,
    /// (indicator ref, LG Inform metric id)
    pub metrics: Vec<(String, String)>,
    pub values: Vec<DemoComparatorValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoComparatorValue {
    pub metric: String,
    pub area_code: String,
    pub area_name: String,
    pub period: String,
    pub value: f64,
}

/// The demo council's own area code: not a real district's.
pub const DEMO_AREA_CODE: &str = "E07000999";

/// Fifteen real English districts, the demo council's comparator group.
const COMPARATORS: &[(&str, &str)] = &[
    ("E07000146", "King's Lynn and West Norfolk"),
    ("E07000147", "North Norfolk"),
    ("E07000143", "Breckland"),
    ("E07000149", "South Norfolk"),
    ("E07000144", "Broadland"),
    ("E07000145", "Great Yarmouth"),
    ("E07000200", "Babergh"),
    ("E07000203", "Mid Suffolk"),
    ("E07000244", "East Suffolk"),
    ("E07000245", "West Suffolk"),
    ("E07000010", "Fenland"),
    ("E07000011", "Huntingdonshire"),
    ("E07000137", "East Lindsey"),
    ("E07000140", "South Holland"),
    ("E07000112", "Folkestone and Hythe"),
];

/// The LG Inform metric id each benchmarked indicator names.
const METRICS: &[(&str, &str)] = &[
    ("LH 1", "2172"),
    ("LH 5", "9613"),
    ("BB 1", "1120"),
    ("CC 1", "3017"),
    ("QL 2", "8114"),
    ("FS 1", "4053"),
];

fn benchmark_metric(def: &IndicatorDef) -> Option<&'static str> {
    if !def.benchmark {
        return None;
    }
    METRICS
        .iter()
        .find(|(r, _)| *r == def.reference)
        .map(|m| m.1)
}

/// Whether comparator data would be out for `period`: ended in the last twelve months, and
/// more than two months ago.
fn within_comparator_year(period: Period, today: NaiveDate, fy: FyStart) -> bool {
    let end = period.end_date(fy);
    end >= today - Duration::days(365) && end < today - Duration::days(60)
}

const EMAIL_DOMAIN: &str = "demo.example";

fn email(local: &str) -> String {
    format!("{local}@{EMAIL_DOMAIN}")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// The demo council as of `today`.
pub fn demo_dataset(today: NaiveDate) -> DemoDataset {
    let fy = FyStart::default();
    let this_year = Period::containing(today, Frequency::Annual, fy).financial_year_start(fy);
    let first_year = this_year - 2;
    let plan_start = date(first_year, 4, 1);
    let plan_end = date(this_year + 2, 3, 31);

    let users = USERS
        .iter()
        .map(|u| DemoUser {
            email: email(u.local),
            name: u.name.to_string(),
            role: u.role,
            manager_email: u.manager.map(email),
            active: u.active,
        })
        .collect();

    let plans = vec![
        DemoPlan {
            key: "corporate".into(),
            parent_key: None,
            kind: "CORPORATE_PLAN",
            title: format!("Corporate Plan {first_year}–{}", this_year + 2),
            start_date: plan_start,
            end_date: plan_end,
            status: "ADOPTED",
            vision: Some(
                "Making Demo District an even better place to live, work, do business and visit."
                    .into(),
            ),
            mission: Some(
                "Engaging with our communities to create a fair, welcoming and inclusive district \
                 where everyone can thrive and secure quality homes and good jobs, while \
                 protecting and conserving our natural and built environment."
                    .into(),
            ),
            published: true,
        },
        DemoPlan {
            key: "delivery".into(),
            parent_key: Some("corporate".into()),
            kind: "DELIVERY_PLAN",
            title: format!("Delivery Plan {this_year}-{:02}", (this_year + 1) % 100),
            start_date: date(this_year, 4, 1),
            end_date: date(this_year + 1, 3, 31),
            status: "ADOPTED",
            vision: None,
            mission: None,
            published: true,
        },
        DemoPlan {
            key: "peer".into(),
            parent_key: None,
            kind: "PEER_CHALLENGE",
            title: "Corporate Peer Challenge Action Plan".into(),
            start_date: plan_start,
            end_date: date(this_year + 1, 3, 31),
            status: "ADOPTED",
            vision: None,
            mission: None,
            published: false,
        },
    ];

    let priorities = PRIORITIES
        .iter()
        .map(|p| DemoPriority {
            plan_key: p.plan.into(),
            code: p.code.into(),
            title: p.title.into(),
            description: p.description.map(str::to_string),
        })
        .collect();
    let objectives = PRIORITIES
        .iter()
        .flat_map(|p| {
            p.objectives
                .iter()
                .enumerate()
                .map(move |(i, title)| DemoObjective {
                    priority_code: p.code.into(),
                    code: format!("{}.{}", p.code, i + 1),
                    title: (*title).into(),
                })
        })
        .collect();

    let (actions, action_updates) = actions(today, plan_start, fy);
    let (indicators, targets, measurements, values) = indicators(today, first_year, fy);
    let exception_recipients = PRIORITIES
        .iter()
        .map(|p| (p.code.to_string(), email(p.director)))
        .collect();

    DemoDataset {
        organisation: DemoOrganisation {
            name: "Demo District Council".into(),
            slug: "demo".into(),
            time_zone: "Europe/London".into(),
        },
        users,
        plans,
        priorities,
        objectives,
        actions,
        action_updates,
        indicators,
        targets,
        measurements,
        benchmarking: Some(DemoBenchmarking {
            area_code: DEMO_AREA_CODE.into(),
            group_name: "CIPFA nearest neighbours".into(),
            areas: COMPARATORS
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string()))
                .collect(),
            metrics: METRICS
                .iter()
                .map(|(r, m)| (r.to_string(), m.to_string()))
                .collect(),
            values,
        }),
        exception_recipients,
    }
}

/// Quarters from `from` that have ended before `today`.
fn ended_quarters(from: NaiveDate, today: NaiveDate, fy: FyStart) -> Vec<Period> {
    let mut out = Vec::new();
    let mut q = Period::containing(from, Frequency::Quarterly, fy);
    while q.end_date(fy) < today {
        out.push(q);
        q = q.next(fy);
    }
    out
}

fn actions(
    today: NaiveDate,
    plan_start: NaiveDate,
    fy: FyStart,
) -> (Vec<DemoAction>, Vec<DemoActionUpdate>) {
    let mut actions = Vec::new();
    let mut updates = Vec::new();
    for (n, a) in ACTIONS.iter().enumerate() {
        let planned_start = plan_start + Duration::days(a.start_offset_days);
        let started = planned_start < today;
        let quarters = if started {
            ended_quarters(planned_start, today, fy)
        } else {
            Vec::new()
        };
        let mut completed_on = None;
        for (i, quarter) in quarters.iter().enumerate() {
            let status = a.story[i.min(a.story.len() - 1)];
            let recorded_on = quarter.end_date(fy) + Duration::days(5 + (n as i64 % 4));
            if recorded_on > today {
                continue;
            }
            let (commentary, next_steps) = data::action_commentary(status, n + i);
            updates.push(DemoActionUpdate {
                action_ref: a.reference.into(),
                period: quarter.to_string(),
                status,
                commentary: Some(commentary.into()),
                next_steps: next_steps.map(str::to_string),
                author_email: email(a.owner),
                recorded_on,
            });
            if status == "COMPLETED" {
                completed_on = Some(quarter.end_date(fy) - Duration::days(12));
                break;
            }
        }
        let due_date = a.due_offset_days.map(|d| planned_start + Duration::days(d));
        actions.push(DemoAction {
            priority_code: a.priority.into(),
            objective_code: a.objective.map(str::to_string),
            reference: a.reference.into(),
            title: a.title.into(),
            description: Some(a.description.into()),
            owner_email: Some(email(a.owner)),
            sponsor_email: Some(email(a.sponsor)),
            delivery: a.delivery,
            planned_start: Some(planned_start),
            actual_start: updates
                .iter()
                .any(|u: &DemoActionUpdate| {
                    u.action_ref == a.reference && u.status != "NOT_STARTED"
                })
                .then_some(planned_start + Duration::days(14)),
            due_date,
            due_kind: if due_date.is_some() {
                None
            } else {
                Some(a.due_kind)
            },
            estimated_completion: due_date.map(|d| {
                if a.story.contains(&"RED") {
                    d + Duration::days(90)
                } else {
                    d
                }
            }),
            completed_on,
        });
    }
    (actions, updates)
}

type IndicatorData = (
    Vec<DemoIndicator>,
    Vec<DemoTarget>,
    Vec<DemoMeasurement>,
    Vec<DemoComparatorValue>,
);

fn indicators(today: NaiveDate, first_year: i32, fy: FyStart) -> IndicatorData {
    let mut indicators = Vec::new();
    let mut targets = Vec::new();
    let mut measurements = Vec::new();
    let mut values = Vec::new();
    let this_year = first_year + 2;
    for def in INDICATORS {
        indicators.push(DemoIndicator {
            reference: def.reference.into(),
            title: def.title.into(),
            definition: Some(def.definition.into()),
            priority_code: Some(def.priority.into()),
            level: def.level,
            indicator_type: def.kind,
            unit: def.unit,
            decimals: def.decimals,
            polarity: def.polarity,
            frequency: def.frequency,
            cumulative: def.cumulative,
            monitor_only: def.monitor_only,
            tolerance_pct: 5.0,
            owner_email: Some(email(def.owner)),
            data_source: Some(def.source.into()),
            published: def.published,
        });
        let frequency: Frequency = def.frequency.parse().expect("a frequency");
        for year in first_year..=this_year {
            let fy_period = Period::year(year);
            let annual = def
                .target
                .map(|t| t * (1.0 + def.yearly_stretch * f64::from(year - first_year)));
            let annual = annual.map(|t| round_to(t, def));
            if let Some(t) = annual
                && !(year == this_year && def.no_target_this_year)
            {
                targets.push(DemoTarget {
                    indicator_ref: def.reference.into(),
                    period: fy_period.to_string(),
                    value: t,
                });
            }
            if let Some(profile) = def.profile {
                for (q, share) in profile.iter().enumerate() {
                    let quarter = Period::quarter(year, q as u8 + 1).expect("a quarter");
                    targets.push(DemoTarget {
                        indicator_ref: def.reference.into(),
                        period: quarter.to_string(),
                        value: round_to(annual.unwrap_or(0.0) * share, def),
                    });
                }
            }
            let periods = Period::periods_within(
                frequency,
                fy_period.start_date(fy),
                fy_period.end_date(fy),
                fy,
            );
            for period in periods {
                if period.end_date(fy) >= today {
                    continue;
                }
                if let Some(m) = measurement(def, period, annual, today, fy) {
                    measurements.push(m);
                }
                // A year of comparator data: the periods ended in the last twelve months
                // (LG Inform's lag shows in the report: the latest quarter has none yet).
                // Monthly measures are compared on whole years (below).
                if frequency != Frequency::Monthly
                    && let Some(metric) = benchmark_metric(def)
                    && within_comparator_year(period, today, fy)
                {
                    values.extend(comparator_values(def, metric, period, annual));
                }
            }
            if frequency == Frequency::Monthly
                && let Some(metric) = benchmark_metric(def)
                && within_comparator_year(fy_period, today, fy)
            {
                values.extend(comparator_values(def, metric, fy_period, annual));
            }
        }
    }
    (indicators, targets, measurements, values)
}

/// The comparator areas' values of one period: spread around the target (or the typical
/// value), some better and some worse than the council's, rounded like its own.
fn comparator_values(
    def: &IndicatorDef,
    metric: &str,
    period: Period,
    annual: Option<f64>,
) -> Vec<DemoComparatorValue> {
    let base = annual.or(def.target).unwrap_or(def.baseline);
    COMPARATORS
        .iter()
        .map(|(code, name)| {
            let mut rng = Rng::for_item(code, &format!("{metric} {period}"));
            // ±12 %; a percentage near 100 spreads below it as much as above.
            let mut spread = base.abs() * 0.12;
            if def.unit == "PERCENT" {
                spread = spread.min((100.0 - base).max(0.5));
            }
            let mut value = round_to(base + spread * (2.0 * rng.unit() - 1.0), def);
            if def.unit == "PERCENT" {
                value = value.clamp(0.0, 100.0);
            }
            DemoComparatorValue {
                metric: metric.into(),
                area_code: code.to_string(),
                area_name: name.to_string(),
                period: period.to_string(),
                value,
            }
        })
        .collect()
}

/// How far through the year a cumulative target has reached by the end of `period`.
fn share_of_year(def: &IndicatorDef, period: Period, fy: FyStart) -> f64 {
    if !def.cumulative {
        return 1.0;
    }
    if let (Some(profile), PeriodKind::Quarter { quarter, .. }) = (def.profile, period.kind()) {
        return profile[usize::from(quarter) - 1];
    }
    f64::from(period.months_elapsed_in_year(fy)) / 12.0
}

fn round_to(value: f64, def: &IndicatorDef) -> f64 {
    let factor = 10f64.powi(i32::from(def.decimals));
    (value * factor).round() / factor
}

fn measurement(
    def: &IndicatorDef,
    period: Period,
    annual: Option<f64>,
    today: NaiveDate,
    fy: FyStart,
) -> Option<DemoMeasurement> {
    let mut rng = Rng::for_item(def.reference, &period.to_string());
    let due = pmf_core::due_date(&period, DeadlineDay::default(), fy);
    let days_to_due = (due - today).num_days();
    // Recent periods: some not in yet (due soon) or late (overdue).
    let missing_chance = match days_to_due {
        d if d >= 0 => 0.55,
        d if d >= -40 => 0.15,
        _ => 0.02,
    };
    let roll = rng.unit();
    let entered_on = (due - Duration::days(1 + (rng.below(6) as i64))).min(today);
    let owner = email(def.owner);
    if roll < missing_chance {
        // Older gaps are explained; recent ones are simply outstanding.
        return (days_to_due < -40).then(|| DemoMeasurement {
            indicator_ref: def.reference.into(),
            period: period.to_string(),
            value: None,
            no_value_reason: Some(
                data::NO_VALUE_REASONS[rng.below(data::NO_VALUE_REASONS.len())].into(),
            ),
            commentary: None,
            entered_by_email: owner.clone(),
            entered_on,
        });
    }
    let share = share_of_year(def, period, fy);
    let higher = def.polarity != "LOWER_IS_BETTER";
    let (value, status) = match annual.filter(|_| !def.monitor_only && def.polarity != "NEUTRAL") {
        Some(annual) => {
            let target = annual * share;
            let pick = rng.unit();
            let (better, off) = if pick < def.green_share {
                (true, rng.unit() * 0.08)
            } else if pick < def.green_share + (1.0 - def.green_share) * 0.55 {
                (false, 0.006 + rng.unit() * 0.038)
            } else {
                (false, 0.07 + rng.unit() * 0.18)
            };
            let status = if better {
                "GREEN"
            } else if off < 0.05 {
                "AMBER"
            } else {
                "RED"
            };
            let value = if target == 0.0 {
                // A zero target (e.g. reportable incidents) is met only by zero.
                if better {
                    0.0
                } else {
                    1.0 + rng.below(3) as f64
                }
            } else {
                let sign = if better == higher { 1.0 } else { -1.0 };
                target + sign * target.abs() * off
            };
            let status = if target == 0.0 && !better {
                "RED"
            } else {
                status
            };
            (value, status)
        }
        None => {
            let base = def.baseline * share;
            (base * (0.85 + rng.unit() * 0.3), "UNRATED")
        }
    };
    let value = match def.unit {
        "PERCENT" => value.clamp(0.0, 100.0),
        "DAYS" | "COUNT" | "RATIO" => value.max(0.0),
        _ => value,
    };
    let value = round_to(value, def);
    let needs_commentary = matches!(status, "AMBER" | "RED");
    let commentary = if needs_commentary {
        // A few amber and red values still lack their commentary (incomplete).
        (rng.unit() < 0.85).then(|| data::commentary(status, rng.below(1000)).to_string())
    } else if rng.unit() < 0.3 {
        Some(data::commentary("GREEN", rng.below(1000)).to_string())
    } else {
        None
    };
    Some(DemoMeasurement {
        indicator_ref: def.reference.into(),
        period: period.to_string(),
        value: Some(value),
        no_value_reason: None,
        commentary,
        entered_by_email: owner,
        entered_on,
    })
}

#[cfg(test)]
mod tests;
