//! What is outstanding, kept (issue 19, point 3): after any sequence of changes made through
//! the store's own writes, and of days passing, the kept rows equal a full re-derivation by
//! the rules (`deadlines::outstanding_of` of every item, up to the council's date).
//!
//! The property runs on the demo council, each case inside one unit of work that is never
//! committed (so rolled back): every change is applied, then the unit of work keeps what is
//! outstanding as its commit would, then the kept rows are compared. `PROPTEST_CASES` sets
//! how many cases (24 by default; a few hundred by hand).
use std::collections::HashMap;

use super::worker::at;
use chrono::{DateTime, Days, NaiveDate, Utc};
use pmf_core::{
    ActionStatus, DeadlineDay, DefaultTolerance, Frequency, Lifecycle, OnTolerance, Period,
    Polarity, Role, Tolerance,
};
use pmf_mail::Links;
use pmf_store::{
    Change, Database, OrganisationSettings, StoreError, UnitOfWork,
    actions::{self, ActionUpdateEntry},
    deadlines::{self, Which},
    entity::{action, indicator, organisation, user},
    indicators::{
        self, IndicatorChange,
        extensions::{self, Extended, ExtensionGrant},
        measurements::{self, MeasurementChange},
        targets::{self, TargetEntry},
    },
    organisations::{self, SettingsChange},
    outstanding,
    people::{self, UserChange},
    testing::FreshDb,
};
use proptest::{prelude::*, test_runner::TestRunner};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// One change, with its indicator, action, user and period chosen by index (modulo what
/// the council has).
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Value {
        indicator: usize,
        period: usize,
        value: Option<u8>,
        commentary: bool,
    },
    Target {
        indicator: usize,
        period: usize,
        annual: bool,
        value: u8,
    },
    Extension {
        indicator: Option<usize>,
        action: usize,
        period: usize,
        days: u8,
    },
    ActionUpdate {
        action: usize,
        period: usize,
        completed: bool,
    },
    Retire(usize),
    Approve(usize),
    Owner {
        indicator: usize,
        user: Option<usize>,
    },
    IndicatorTolerance {
        indicator: usize,
        pct: u8,
    },
    Role {
        user: usize,
        role: usize,
    },
    /// How an indicator is rated: its polarity, whether cumulative, whether monitor only.
    Rating {
        indicator: usize,
        polarity: usize,
        cumulative: bool,
        monitor_only: bool,
    },
    DeadlineDay(u8),
    OnTolerance(bool),
    DefaultTolerance(u8),
    DaysPass(u8),
}

pub(crate) fn step() -> impl Strategy<Value = Step> {
    let i = 0..64usize;
    let p = 0..48usize;
    prop_oneof![
        4 => (i.clone(), p.clone(), proptest::option::of(0..120u8), any::<bool>()).prop_map(
            |(indicator, period, value, commentary)| Step::Value {
                indicator,
                period,
                value,
                commentary
            }
        ),
        2 => (i.clone(), p.clone(), any::<bool>(), 0..120u8).prop_map(
            |(indicator, period, annual, value)| Step::Target {
                indicator,
                period,
                annual,
                value
            }
        ),
        2 => (proptest::option::of(i.clone()), 0..16usize, p.clone(), 1..60u8).prop_map(
            |(indicator, action, period, days)| Step::Extension {
                indicator,
                action,
                period,
                days
            }
        ),
        1 => (0..16usize, p.clone(), any::<bool>()).prop_map(|(action, period, completed)| {
            Step::ActionUpdate {
                action,
                period,
                completed,
            }
        }),
        1 => i.clone().prop_map(Step::Retire),
        1 => i.clone().prop_map(Step::Approve),
        1 => (i.clone(), proptest::option::of(0..32usize))
            .prop_map(|(indicator, user)| Step::Owner { indicator, user }),
        1 => (i.clone(), 0..30u8).prop_map(|(indicator, pct)| Step::IndicatorTolerance { indicator, pct }),
        1 => (i, 0..3usize, any::<bool>(), any::<bool>()).prop_map(
            |(indicator, polarity, cumulative, monitor_only)| Step::Rating {
                indicator,
                polarity,
                cumulative,
                monitor_only
            }
        ),
        1 => (0..32usize, 0..5usize).prop_map(|(user, role)| Step::Role { user, role }),
        1 => (1..29u8).prop_map(Step::DeadlineDay),
        1 => any::<bool>().prop_map(Step::OnTolerance),
        1 => (0..30u8).prop_map(Step::DefaultTolerance),
        2 => (1..50u8).prop_map(Step::DaysPass),
    ]
}

/// The demo council, derived once up to three days after `now`.
pub(crate) struct World {
    _fresh: FreshDb,
    pub(crate) db: Database,
    pub(crate) organisation_id: i64,
    pub(crate) admin: i64,
    pub(crate) indicators: Vec<i64>,
    actions: Vec<i64>,
    users: Vec<i64>,
    pub(crate) now: DateTime<Utc>,
    links: Links,
}

pub(crate) fn today(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

/// A fresh database, migrated, with the demo council loaded as of `now`.
async fn demo_council(now: DateTime<Utc>) -> (FreshDb, Database, organisation::Model) {
    let fresh = FreshDb::create().await;
    let db = Database::connect(&fresh.url).await.expect("connect");
    db.migrate().await.expect("migrate");
    pmf_store::demo::load(&db, now).await.expect("demo");
    let org = organisations::by_slug(&db.conn, "demo")
        .await
        .expect("read")
        .expect("the demo council");
    (fresh, db, org)
}

impl World {
    pub(crate) async fn seed() -> World {
        let now = at("2025-11-05T09:00:00Z");
        let (fresh, db, org) = demo_council(now).await;
        let indicators = indicator::Entity::find()
            .filter(indicator::Column::OrganisationId.eq(org.id))
            .order_by_asc(indicator::Column::Id)
            .all(&db.conn)
            .await
            .expect("indicators")
            .into_iter()
            .map(|i| i.id)
            .collect();
        let actions = action::Entity::find()
            .filter(action::Column::OrganisationId.eq(org.id))
            .order_by_asc(action::Column::Id)
            .all(&db.conn)
            .await
            .expect("actions")
            .into_iter()
            .map(|a| a.id)
            .collect();
        let people: Vec<user::Model> = user::Entity::find()
            .filter(user::Column::OrganisationId.eq(org.id))
            .order_by_asc(user::Column::Id)
            .all(&db.conn)
            .await
            .expect("users");
        let admin = people
            .iter()
            .find(|u| u.active && *u.role == Role::Admin)
            .expect("an admin")
            .id;
        let txn = db.begin_write().await.expect("begin");
        let through = today(now) + Days::new(3);
        outstanding::derive_through(&txn, org.id, through)
            .await
            .expect("derive");
        txn.commit().await.expect("commit");
        World {
            _fresh: fresh,
            db,
            organisation_id: org.id,
            admin,
            indicators,
            actions,
            users: people.iter().map(|u| u.id).collect(),
            now,
            links: Links::new("http://127.0.0.1:8080"),
        }
    }

    pub(crate) async fn settings(&self, uow: &UnitOfWork) -> OrganisationSettings {
        let row = organisations::by_id(uow, self.organisation_id)
            .await
            .expect("read")
            .expect("the council");
        OrganisationSettings::try_from(&row).expect("settings")
    }

    /// One of the periods of `freq` up to today, by index.
    pub(crate) fn period(&self, freq: Frequency, fy: pmf_core::FyStart, n: usize) -> Period {
        let to = today(self.now);
        let from = to - Days::new(3 * 366);
        let periods = Period::periods_within(freq, from, to, fy);
        periods[n % periods.len()]
    }

    pub(crate) async fn apply(&self, uow: &UnitOfWork, step: &Step) -> Result<(), StoreError> {
        let org = self.settings(uow).await;
        let fy = org.fy_start;
        let pick = |ids: &[i64], n: usize| ids[n % ids.len()];
        let indicator_row = |n: usize| {
            let id = pick(&self.indicators, n);
            async move { indicators::indicator(uow, self.organisation_id, id).await }
        };
        match step {
            Step::Value {
                indicator,
                period,
                value,
                commentary,
            } => {
                let row = indicator_row(*indicator).await?;
                let period = self.period(*row.frequency, fy, *period);
                measurements::record(
                    uow,
                    &org,
                    &self.links,
                    &row,
                    period,
                    MeasurementChange {
                        value: value.map(f64::from),
                        commentary: commentary.then(|| "Explained to the committee".to_string()),
                        no_value_reason: value
                            .is_none()
                            .then(|| "Not collected this period".to_string()),
                        expected_version: None,
                    },
                )
                .await?;
            }
            Step::Target {
                indicator,
                period,
                annual,
                value,
            } => {
                let row = indicator_row(*indicator).await?;
                let mut period = self.period(*row.frequency, fy, *period);
                if *annual {
                    period = period.financial_year(fy);
                }
                targets::set(
                    uow,
                    &org,
                    row.id,
                    TargetEntry {
                        period,
                        value: f64::from(*value),
                    },
                )
                .await?;
            }
            Step::Extension {
                indicator,
                action,
                period,
                days,
            } => {
                let (item, freq) = match indicator {
                    Some(n) => {
                        let row = indicator_row(*n).await?;
                        (Extended::Indicator(row.id), *row.frequency)
                    }
                    None => (
                        Extended::Action(pick(&self.actions, *action)),
                        Frequency::Quarterly,
                    ),
                };
                let period = self.period(freq, fy, *period);
                let normal = pmf_core::due_date(&period, org.deadline_day, fy);
                extensions::grant(
                    uow,
                    &org,
                    ExtensionGrant {
                        item,
                        period,
                        due_date: normal + Days::new(u64::from(*days)),
                        reason: "Data from the partner arrives late".into(),
                    },
                )
                .await?;
            }
            Step::ActionUpdate {
                action,
                period,
                completed,
            } => {
                let period = self.period(Frequency::Quarterly, fy, *period);
                actions::record_update(
                    uow,
                    &org,
                    &self.links,
                    pick(&self.actions, *action),
                    ActionUpdateEntry {
                        period,
                        status: if *completed {
                            ActionStatus::Completed
                        } else {
                            ActionStatus::Green
                        },
                        commentary: Some("On track".into()),
                        next_steps: None,
                        estimated_completion: None,
                    },
                )
                .await?;
            }
            Step::Retire(n) => {
                indicators::retire(uow, pick(&self.indicators, *n)).await?;
            }
            Step::Approve(n) => {
                indicators::approve(uow, pick(&self.indicators, *n)).await?;
            }
            Step::Owner { indicator, user } => {
                let owner = match user {
                    Some(u) => Change::To(pick(&self.users, *u)),
                    None => Change::Clear,
                };
                indicators::update(
                    uow,
                    pick(&self.indicators, *indicator),
                    IndicatorChange {
                        owner_id: owner,
                        ..IndicatorChange::default()
                    },
                )
                .await?;
            }
            Step::IndicatorTolerance { indicator, pct } => {
                let tolerance = Tolerance::relative_pct(f64::from(*pct))
                    .map_err(|e| StoreError::invalid(e.to_string()))?;
                indicators::update(
                    uow,
                    pick(&self.indicators, *indicator),
                    IndicatorChange {
                        tolerance: Some(tolerance),
                        ..IndicatorChange::default()
                    },
                )
                .await?;
            }
            Step::Role { user, role } => {
                let roles = [
                    Role::Admin,
                    Role::Executive,
                    Role::Manager,
                    Role::Officer,
                    Role::Viewer,
                ];
                people::update_user(
                    uow,
                    pick(&self.users, *user),
                    UserChange {
                        role: Some(roles[role % roles.len()]),
                        ..UserChange::default()
                    },
                )
                .await?;
            }
            Step::Rating {
                indicator,
                polarity,
                cumulative,
                monitor_only,
            } => {
                let polarities = [
                    Polarity::HigherIsBetter,
                    Polarity::LowerIsBetter,
                    Polarity::Neutral,
                ];
                indicators::update(
                    uow,
                    pick(&self.indicators, *indicator),
                    IndicatorChange {
                        polarity: Some(polarities[polarity % polarities.len()]),
                        cumulative: Some(*cumulative),
                        monitor_only: Some(*monitor_only),
                        ..IndicatorChange::default()
                    },
                )
                .await?;
            }
            Step::DefaultTolerance(pct) => {
                let tolerance = DefaultTolerance::new(f64::from(*pct))
                    .map_err(|e| StoreError::invalid(e.to_string()))?;
                organisations::update_settings(
                    uow,
                    SettingsChange {
                        default_tolerance: Some(tolerance),
                        ..SettingsChange::default()
                    },
                )
                .await?;
            }
            Step::DeadlineDay(day) => {
                let day =
                    DeadlineDay::try_from(*day).map_err(|e| StoreError::invalid(e.to_string()))?;
                organisations::update_settings(
                    uow,
                    SettingsChange {
                        deadline_day: Some(day),
                        ..SettingsChange::default()
                    },
                )
                .await?;
            }
            Step::OnTolerance(amber) => {
                organisations::update_settings(
                    uow,
                    SettingsChange {
                        on_tolerance: Some(if *amber {
                            OnTolerance::Amber
                        } else {
                            OnTolerance::Red
                        }),
                        ..SettingsChange::default()
                    },
                )
                .await?;
            }
            Step::DaysPass(days) => {
                let through = outstanding::through(uow, self.organisation_id)
                    .await?
                    .unwrap_or(today(self.now));
                outstanding::derive_through(
                    uow,
                    self.organisation_id,
                    through + Days::new(u64::from(*days)),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Applies the steps in one unit of work, checking after each; never commits.
    async fn case(&self, steps: &[Step]) -> Result<(), String> {
        let uow = UnitOfWork::begin(&self.db, self.organisation_id, Some(self.admin), self.now)
            .await
            .map_err(|e| e.to_string())?;
        let mut applied: HashMap<&'static str, usize> = HashMap::new();
        for (n, step) in steps.iter().enumerate() {
            match self.apply(&uow, step).await {
                Ok(()) => *applied.entry("applied").or_default() += 1,
                // Refusals (a retired indicator, a period outside the plan, a VIEWER as
                // owner…) change nothing.
                Err(e) if e.is_refusal() => *applied.entry("refused").or_default() += 1,
                Err(e) => return Err(format!("step {n} {step:?}: {e}")),
            }
            uow.keep_up_to_date().await.map_err(|e| e.to_string())?;
            let org = self.settings(&uow).await;
            let kept = outstanding::kept(&uow, &org)
                .await
                .map_err(|e| e.to_string())?;
            let through = outstanding::through(&uow, org.id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the council's date was lost")?;
            let derived =
                deadlines::outstanding_of(&uow, &org, NaiveDate::MIN, through, &Which::default())
                    .await
                    .map_err(|e| e.to_string())?;
            if kept != derived {
                let only_kept: Vec<_> = kept.iter().filter(|k| !derived.contains(k)).collect();
                let only_derived: Vec<_> = derived.iter().filter(|d| !kept.contains(d)).collect();
                return Err(format!(
                    "after step {n} {step:?} ({applied:?}): {} kept, {} derived; only kept: {only_kept:#?}; only derived: {only_derived:#?}",
                    kept.len(),
                    derived.len()
                ));
            }
        }
        // Dropped without committing: rolled back.
        drop(uow);
        Ok(())
    }
}

/// What a property over random changes to the demo council runs on: a runtime, the seeded
/// council, and a runner of `PROPTEST_CASES` cases (24 by default) that forgets failures.
pub(crate) fn property_world() -> (tokio::runtime::Runtime, World, TestRunner) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let world = rt.block_on(World::seed());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    (rt, world, runner)
}

#[test]
fn kept_outstanding_items_equal_a_full_derivation_after_any_changes() {
    let (rt, world, mut runner) = property_world();
    let result = runner.run(&proptest::collection::vec(step(), 1..40), |steps| {
        rt.block_on(world.case(&steps)).map_err(TestCaseError::fail)
    });
    // The seeded council stays as it was: every case was rolled back.
    rt.block_on(async {
        let uow = UnitOfWork::begin(&world.db, world.organisation_id, None, world.now)
            .await
            .expect("begin");
        let through = outstanding::through(&uow, world.organisation_id)
            .await
            .expect("read");
        assert_eq!(through, Some(today(world.now) + Days::new(3)));
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    drop(world);
}

/// A council derived once (as its first sweep does) keeps what is outstanding with each
/// committed write.
#[tokio::test]
async fn a_council_derived_once_is_kept_by_each_write() {
    let world = World::seed().await;
    let uow = UnitOfWork::begin(
        &world.db,
        world.organisation_id,
        Some(world.admin),
        world.now,
    )
    .await
    .expect("begin");
    let org = world.settings(&uow).await;
    let kept = outstanding::kept(&uow, &org).await.expect("kept");
    let derived = deadlines::outstanding_of(
        &uow,
        &org,
        NaiveDate::MIN,
        today(world.now) + Days::new(3),
        &Which::default(),
    )
    .await
    .expect("derived");
    assert!(!kept.is_empty(), "the demo council has outstanding items");
    assert_eq!(kept, derived);
    // A value with its commentary for an outstanding item takes it off the list on commit.
    let missing = kept
        .iter()
        .find(|i| i.indicator_id.is_some())
        .expect("an outstanding value")
        .clone();
    let row = indicators::indicator(&uow, org.id, missing.indicator_id.expect("an indicator"))
        .await
        .expect("the indicator");
    assert_eq!(*row.lifecycle, Lifecycle::Active);
    measurements::record(
        &uow,
        &org,
        &world.links,
        &row,
        missing.period,
        MeasurementChange {
            value: Some(50.0),
            commentary: Some("Explained".into()),
            no_value_reason: None,
            expected_version: None,
        },
    )
    .await
    .expect("recorded");
    uow.commit().await.expect("commit");
    let kept = outstanding::kept(&world.db.conn, &org).await.expect("kept");
    assert!(
        !kept
            .iter()
            .any(|i| i.indicator_id == missing.indicator_id && i.period == missing.period),
        "{missing:?} is no longer outstanding"
    );
}

/// A database from before outstanding items were kept: migrating up gives each council its
/// row with no date, and its first sweep derives everything once, the same as the rules.
#[tokio::test]
async fn an_existing_database_is_derived_by_its_first_sweep() {
    use migration::{Migrator, MigratorTrait};
    use pmf_store::reminders::{self, Mode, SweepStatus};
    let now = at("2025-11-07T08:00:00Z");
    let fresh = FreshDb::create().await;
    let db = Database::connect(&fresh.url).await.expect("connect");
    db.migrate().await.expect("up");
    pmf_store::demo::load(&db, now).await.expect("demo");
    // Back to the schema before this migration (its tables dropped), the council's data
    // staying, then up again: as an existing database is upgraded.
    let steps = pmf_tests::steps_down_through("m20270301_000001_outstanding_items");
    Migrator::down(&db.conn, Some(steps)).await.expect("down");
    db.migrate().await.expect("up again");
    let org = organisations::by_slug(&db.conn, "demo")
        .await
        .expect("read")
        .expect("the demo council");
    let org = OrganisationSettings::try_from(&org).expect("settings");
    assert_eq!(
        outstanding::through(&db.conn, org.id).await.expect("read"),
        None
    );
    assert!(
        outstanding::kept(&db.conn, &org)
            .await
            .expect("kept")
            .is_empty()
    );
    let outcome = reminders::sweep(
        &db,
        &org,
        &Links::new("http://127.0.0.1:8080"),
        now.date_naive(),
        now,
        Mode::Commit,
    )
    .await
    .expect("sweep");
    assert_eq!(outcome.status, SweepStatus::Done);
    let through = now.date_naive() + Days::new(3);
    assert_eq!(
        outstanding::through(&db.conn, org.id).await.expect("read"),
        Some(through)
    );
    let derived =
        deadlines::outstanding_of(&db.conn, &org, NaiveDate::MIN, through, &Which::default())
            .await
            .expect("derived");
    assert!(!derived.is_empty());
    assert_eq!(
        outstanding::kept(&db.conn, &org).await.expect("kept"),
        derived
    );
}

/// The sweep's markers keep one foreign key, to their message (migration
/// `m20270401_000001_marker_keys`): down and up again (on SQLite the table is built again
/// each way) keeps every marker with its id; after it a marker still cannot name a message
/// that does not exist, and a stage already marked for a person still cannot be marked again.
#[tokio::test]
async fn the_markers_keep_their_rows_and_their_message_key_through_the_migration() {
    use migration::{Migrator, MigratorTrait};
    use pmf_store::{
        outbox::{self, Covered, notification_item},
        reminders::{self, Mode, SweepStatus},
    };
    let now = at("2025-11-10T08:00:00Z");
    let (_fresh, db, org) = demo_council(now).await;
    let org = OrganisationSettings::try_from(&org).expect("settings");
    let links = Links::new("http://127.0.0.1:8080");
    let outcome = reminders::sweep(&db, &org, &links, now.date_naive(), now, Mode::Commit)
        .await
        .expect("sweep");
    assert_eq!(outcome.status, SweepStatus::Done);
    let markers = || async {
        notification_item::Entity::find()
            .order_by_asc(notification_item::Column::Id)
            .all(&db.conn)
            .await
            .expect("markers")
    };
    let before = markers().await;
    assert!(
        !before.is_empty(),
        "the demo's deadline morning marks items"
    );

    let steps = pmf_tests::steps_down_through("m20270401_000001_marker_keys");
    Migrator::down(&db.conn, Some(steps)).await.expect("down");
    assert_eq!(markers().await, before);
    db.migrate().await.expect("up again");
    assert_eq!(markers().await, before);

    let first = before[0].clone();
    let again = |notification_id: i64| Covered {
        notification_id,
        item_kind: if first.item_kind == "INDICATOR" {
            "INDICATOR"
        } else {
            "ACTION"
        },
        item_id: first.item_id,
        period: first.period.clone(),
        stage: first.stage.clone(),
        recipient_id: first.recipient_id,
    };
    // The same stage to the same person again, under its own message: refused, nothing kept.
    let txn = db.begin_write().await.expect("begin");
    let twice = outbox::record_items(&txn, org.id, vec![again(first.notification_id)], now).await;
    assert!(twice.is_err(), "a stage marked twice: {twice:?}");
    txn.rollback().await.expect("rollback");
    // A marker of a message that does not exist: refused.
    let txn = db.begin_write().await.expect("begin");
    let mut unknown = again(i64::MAX);
    unknown.stage = "OVERDUE-99".to_string();
    let orphan = outbox::record_items(&txn, org.id, vec![unknown], now).await;
    assert!(orphan.is_err(), "a marker without its message: {orphan:?}");
    txn.rollback().await.expect("rollback");
    assert_eq!(markers().await, before);
}

/// A sweep's digests go into the outbox in one call (`outbox::enqueue_all`: one `UNNEST`
/// statement on PostgreSQL, multi-row `INSERT`s on SQLite): the ids come back in the order
/// given, a message without a recipient row keeps a NULL recipient, and a dedupe key already
/// in the outbox fails the whole call, so the caller's transaction writes nothing.
#[tokio::test]
async fn the_outbox_takes_a_sweeps_messages_in_one_call_in_order() {
    use pmf_store::{entity::notification, outbox};
    let now = at("2025-11-10T08:00:00Z");
    let (_fresh, db, org) = demo_council(now).await;
    let someone = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .order_by_asc(user::Column::Id)
        .one(&db.conn)
        .await
        .expect("read")
        .expect("the demo has people");
    let message = |key: &str, recipient: Option<i64>| outbox::NewMessage {
        organisation_id: org.id,
        recipient_id: recipient,
        recipient_email: format!("{key}@example.gov.uk"),
        kind: outbox::KIND_REMINDER,
        dedupe_key: key.to_string(),
        subject: format!("Subject {key}"),
        body_text: format!("Text {key}"),
        body_html: format!("<p>HTML {key}</p>"),
        status: outbox::PENDING,
    };
    let keys = ["test:b", "test:a", "test:c"];
    let txn = db.begin_write().await.expect("begin");
    let ids = outbox::enqueue_all(
        &txn,
        vec![
            message(keys[0], Some(someone.id)),
            message(keys[1], None),
            message(keys[2], Some(someone.id)),
        ],
        now,
    )
    .await
    .expect("enqueue");
    txn.commit().await.expect("commit");
    assert_eq!(ids.len(), 3);
    let written = || async {
        notification::Entity::find()
            .filter(notification::Column::DedupeKey.starts_with("test:"))
            .all(&db.conn)
            .await
            .expect("read")
    };
    let rows = written().await;
    let by_id: HashMap<i64, &notification::Model> = rows.iter().map(|r| (r.id, r)).collect();
    for (id, key) in ids.iter().zip(keys) {
        let row = by_id.get(id).expect("each id is a row written");
        assert_eq!(row.dedupe_key, key, "ids come back in the order given");
        assert_eq!(row.subject, format!("Subject {key}"));
        assert_eq!(row.body_text, format!("Text {key}"));
        assert_eq!(row.body_html, format!("<p>HTML {key}</p>"));
        assert_eq!(row.status, outbox::PENDING);
        assert_eq!(row.attempts, 0);
        assert_eq!(row.next_attempt_at, now);
    }
    assert_eq!(by_id[&ids[0]].recipient_id, Some(someone.id));
    assert_eq!(by_id[&ids[1]].recipient_id, None, "no recipient row: NULL");
    assert_eq!(by_id[&ids[1]].recipient_email, "test:a@example.gov.uk");

    // A key already there fails the call; the transaction it was in keeps nothing.
    let txn = db.begin_write().await.expect("begin");
    let again = outbox::enqueue_all(
        &txn,
        vec![message("test:d", None), message(keys[1], None)],
        now,
    )
    .await;
    assert!(again.is_err(), "a dedupe key written twice: {again:?}");
    txn.rollback().await.expect("rollback");
    assert_eq!(
        written().await.len(),
        3,
        "nothing of the failed call is kept"
    );
}
