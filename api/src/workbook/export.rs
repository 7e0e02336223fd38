//! The export (issue 16): the council's register in the workbook layout, so that export →
//! edit in Excel → import is a round trip, and a `Results` sheet (each indicator's actual,
//! target, status and trend per period) that the import ignores.
use std::collections::HashMap;

use pmf_core::{Unit, human_word, layout};
use pmf_store::{OrganisationSettings, export::Register};

use super::write::{Out, SheetRows};

fn word(api: &str) -> Out {
    Out::Text(human_word(api))
}

fn yes_no(b: bool) -> Out {
    Out::Text(if b { "Yes" } else { "No" }.into())
}

fn date(d: Option<chrono::NaiveDate>) -> Out {
    d.map_or(Out::Empty, Out::Date)
}

/// The register as the layout's sheets. An action without a reference, which no row could
/// name, is left out; of an action's updates for a quarter only the latest is written (the
/// import adds an update only when it differs from that one).
pub fn sheets(register: &Register) -> Vec<SheetRows> {
    let plan_title: HashMap<i64, &str> = register
        .plans
        .iter()
        .map(|p| (p.id, p.title.as_str()))
        .collect();
    let priority: HashMap<i64, (&str, Option<&str>)> = register
        .priorities
        .iter()
        .map(|p| {
            (
                p.id,
                (
                    plan_title.get(&p.plan_id).copied().unwrap_or_default(),
                    p.code.as_deref(),
                ),
            )
        })
        .collect();
    let objective_code: HashMap<i64, Option<&str>> = register
        .objectives
        .iter()
        .map(|o| (o.id, o.code.as_deref()))
        .collect();
    let email: HashMap<i64, &str> = register
        .users
        .iter()
        .map(|u| (u.id, u.email.as_str()))
        .collect();
    let user = |id: Option<i64>| -> Out {
        id.and_then(|i| email.get(&i))
            .map_or(Out::Empty, |e| Out::Text((*e).to_string()))
    };
    let plan_and_priority = |id: Option<i64>| -> (Out, Out) {
        match id.and_then(|i| priority.get(&i)) {
            Some((plan, code)) => ((*plan).into(), code.map(str::to_string).into()),
            None => (Out::Empty, Out::Empty),
        }
    };
    let indicator: HashMap<i64, (&str, Unit)> = register
        .indicators
        .iter()
        .map(|i| (i.id, (i.reference.as_str(), *i.unit)))
        .collect();
    let action_ref: HashMap<i64, &str> = register
        .actions
        .iter()
        .filter_map(|a| a.reference.as_deref().map(|r| (a.id, r)))
        .collect();

    let plans = register
        .plans
        .iter()
        .map(|p| {
            vec![
                p.title.as_str().into(),
                word(p.kind.as_str()),
                Out::Date(p.start_date),
                Out::Date(p.end_date),
                word(p.status.as_str()),
                p.parent_id
                    .and_then(|id| plan_title.get(&id))
                    .map_or(Out::Empty, |t| (*t).into()),
                p.vision.clone().into(),
                p.mission.clone().into(),
            ]
        })
        .collect();
    let priorities = register
        .priorities
        .iter()
        .map(|p| {
            vec![
                plan_title
                    .get(&p.plan_id)
                    .map_or(Out::Empty, |t| (*t).into()),
                p.code.clone().into(),
                p.title.as_str().into(),
                p.description.clone().into(),
            ]
        })
        .collect();
    let objectives = register
        .objectives
        .iter()
        .map(|o| {
            let (plan, code) = plan_and_priority(Some(o.priority_id));
            vec![plan, code, o.code.clone().into(), o.title.as_str().into()]
        })
        .collect();
    let users = register
        .users
        .iter()
        .map(|u| {
            vec![
                u.email.as_str().into(),
                u.name.as_str().into(),
                word(u.role.as_str()),
                user(u.manager_id),
                yes_no(u.active),
            ]
        })
        .collect();
    let indicators = register
        .indicators
        .iter()
        .map(|i| {
            let (plan, code) = plan_and_priority(i.priority_id);
            let relative = i.tolerance_kind.eq_ignore_ascii_case("RELATIVE");
            vec![
                i.reference.as_str().into(),
                i.title.as_str().into(),
                plan,
                code,
                user(i.owner_id),
                word(i.level.as_str()),
                word(i.indicator_type.as_str()),
                word(i.unit.as_str()),
                Out::Number(f64::from(i.decimals)),
                word(i.polarity.as_str()),
                word(i.frequency.as_str()),
                yes_no(i.cumulative),
                yes_no(i.monitor_only),
                if relative {
                    Out::Percent(i.tolerance_value / 100.0)
                } else {
                    Out::Empty
                },
                if relative {
                    Out::Empty
                } else {
                    Out::Number(i.tolerance_value)
                },
                yes_no(i.published),
                word(i.lifecycle.as_str()),
                i.definition.clone().into(),
                i.data_source.clone().into(),
                i.first_period.map_or(Out::Empty, |p| p.to_string().into()),
                i.benchmark_metric.clone().into(),
            ]
        })
        .collect();
    let reference = |id: i64| indicator.get(&id).map(|(r, _)| *r);
    let targets = register
        .targets
        .iter()
        .filter_map(|t| {
            Some(vec![
                reference(t.indicator_id)?.into(),
                t.period.to_string().into(),
                Out::Number(t.value),
            ])
        })
        .collect();
    let values = register
        .measurements
        .iter()
        .filter_map(|m| {
            Some(vec![
                reference(m.indicator_id)?.into(),
                m.period.to_string().into(),
                m.value.map_or(Out::Empty, Out::Number),
                m.commentary.clone().into(),
                m.no_value_reason.clone().into(),
            ])
        })
        .collect();
    let actions = register
        .actions
        .iter()
        .filter_map(|a| {
            let (plan, code) = plan_and_priority(a.priority_id);
            let due = match (a.due_date, &a.due_kind) {
                (Some(d), _) => Out::Date(d),
                (None, Some(kind)) => word(kind.as_str()),
                (None, None) => Out::Empty,
            };
            Some(vec![
                a.reference.as_deref()?.into(),
                a.title.as_str().into(),
                plan,
                code,
                a.objective_id
                    .and_then(|o| objective_code.get(&o).copied().flatten())
                    .map_or(Out::Empty, Into::into),
                user(a.owner_id),
                word(a.delivery.as_str()),
                due,
                date(a.estimated_completion),
                date(a.completed_on),
            ])
        })
        .collect();
    // The latest update of each action for each quarter (updates are in order).
    let mut latest: Vec<&pmf_store::entity::action_update::Model> = Vec::new();
    let mut at: HashMap<(i64, pmf_core::Period), usize> = HashMap::new();
    for u in &register.action_updates {
        match at.get(&(u.action_id, *u.period)) {
            Some(&i) => latest[i] = u,
            None => {
                at.insert((u.action_id, *u.period), latest.len());
                latest.push(u);
            }
        }
    }
    let action_updates = latest
        .iter()
        .filter_map(|u| {
            Some(vec![
                (*action_ref.get(&u.action_id)?).into(),
                u.period.to_string().into(),
                word(u.status.as_str()),
                u.commentary.clone().into(),
                u.next_steps.clone().into(),
            ])
        })
        .collect();
    vec![
        SheetRows {
            layout: &layout::PLANS,
            rows: plans,
        },
        SheetRows {
            layout: &layout::PRIORITIES,
            rows: priorities,
        },
        SheetRows {
            layout: &layout::OBJECTIVES,
            rows: objectives,
        },
        SheetRows {
            layout: &layout::USERS,
            rows: users,
        },
        SheetRows {
            layout: &layout::INDICATORS,
            rows: indicators,
        },
        SheetRows {
            layout: &layout::TARGETS,
            rows: targets,
        },
        SheetRows {
            layout: &layout::VALUES,
            rows: values,
        },
        SheetRows {
            layout: &layout::ACTIONS,
            rows: actions,
        },
        SheetRows {
            layout: &layout::ACTION_UPDATES,
            rows: action_updates,
        },
    ]
}

/// The Results sheet's columns.
pub const RESULTS_HEADERS: &[&str] = &[
    "Indicator ref",
    "Period",
    "Actual",
    "Target",
    "Status",
    "Trend",
];

/// Each indicator's result for every period it has a value for.
pub async fn results(
    db: &pmf_store::Database,
    org: &OrganisationSettings,
    register: &Register,
) -> Result<Vec<Vec<Out>>, pmf_store::StoreError> {
    let by_id: HashMap<i64, &pmf_store::entity::indicator::Model> =
        register.indicators.iter().map(|i| (i.id, i)).collect();
    let asked: Vec<(&pmf_store::entity::indicator::Model, pmf_core::Period)> = register
        .measurements
        .iter()
        .filter_map(|m| Some((*by_id.get(&m.indicator_id)?, *m.period)))
        .collect();
    let mut rows = Vec::with_capacity(asked.len());
    for chunk in asked.chunks(5_000) {
        let evaluations = pmf_store::results::evaluate_many(&db.conn, org, chunk).await?;
        for ((row, period), e) in chunk.iter().zip(evaluations) {
            rows.push(vec![
                row.reference.as_str().into(),
                period.to_string().into(),
                e.actual.map_or(Out::Empty, Out::Number),
                e.target.map_or(Out::Empty, Out::Number),
                word(e.status.as_str()),
                word(e.trend.as_str()),
            ]);
        }
    }
    Ok(rows)
}

/// What the audience may see of the council's register as an `.xlsx` workbook, with its
/// Results sheet.
pub async fn xlsx(
    db: &pmf_store::Database,
    org: &OrganisationSettings,
    audience: pmf_store::Audience,
) -> anyhow::Result<Vec<u8>> {
    let register = pmf_store::export::register_for(&db.conn, org.id, audience).await?;
    let results = results(db, org, &register).await?;
    Ok(super::write::workbook(
        &sheets(&register),
        Some((RESULTS_HEADERS, &results)),
    )?)
}
