//! One unit of work: the transaction every change to a council's data runs in.
//!
//! A write begins a [`UnitOfWork`] for the council it changes, as someone (a user, or
//! nobody for an operator's command) at a time, does its statements through it (it is a
//! connection), writes its audit entries through it ([`UnitOfWork::audit`]), and commits.
//! Committing moves the council's data version on *inside the same transaction*, so a
//! change, its audit entry and the news that answers read before it are out of date become
//! visible together, in every process, or not at all: a request dropped right after the
//! commit (a client that goes away, a timeout) cannot leave answers stale. Dropping a unit
//! of work without committing rolls everything back, the data version too.
use std::{collections::BTreeSet, sync::Mutex};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use serde::Serialize;

use crate::{Database, StoreError, audit, data_version, kept_results, outstanding};

/// A write transaction, who makes it and when, and the councils whose data it changes.
pub struct UnitOfWork {
    txn: DatabaseTransaction,
    changed: BTreeSet<i64>,
    /// The council whose data this unit of work is for (its audit entries' council).
    organisation_id: Option<i64>,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
    /// What the audited changes so far may have changed of what is outstanding and of
    /// indicators' results.
    touched: Mutex<outstanding::Touched>,
}

impl UnitOfWork {
    /// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite) that changes the data of the
    /// council `organisation_id`, made by `actor_id` (`None`: an operator's command) at
    /// `now`.
    pub async fn begin(
        db: &Database,
        organisation_id: i64,
        actor_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let mut unit = Self::begin_unscoped(db, actor_id, now).await?;
        unit.changes(organisation_id);
        Ok(unit)
    }

    /// Begins a write transaction before the council it changes is known (creating one):
    /// name it with [`UnitOfWork::changes`] before committing.
    pub async fn begin_unscoped(
        db: &Database,
        actor_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            txn: db.begin_write().await?,
            changed: BTreeSet::new(),
            organisation_id: None,
            actor_id,
            now,
            touched: Mutex::default(),
        })
    }

    /// Records that this unit of work changes `organisation_id`'s data too (the first named
    /// is the council it is for).
    pub fn changes(&mut self, organisation_id: i64) {
        self.organisation_id.get_or_insert(organisation_id);
        self.changed.insert(organisation_id);
    }

    /// The council this unit of work is for.
    pub fn organisation_id(&self) -> Result<i64, StoreError> {
        self.organisation_id.ok_or_else(|| {
            StoreError::Db(DbErr::Custom(
                "a unit of work wrote before naming its council".into(),
            ))
        })
    }

    /// Who makes the change (`None`: an operator's command).
    pub fn actor_id(&self) -> Option<i64> {
        self.actor_id
    }

    /// When the change is made.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Writes the audit entry of a change in this transaction: who, when, what (`entity`,
    /// `entity_id`, `operation`), and the record before (none for a creation) and after.
    pub async fn audit<B: Serialize, A: Serialize>(
        &self,
        entity: &str,
        entity_id: i64,
        operation: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<(), StoreError> {
        audit::record(
            self,
            audit::Change {
                organisation_id: self.organisation_id()?,
                actor_id: self.actor_id,
                at: self.now,
                entity,
                entity_id: Some(entity_id),
                operation,
                before,
                after,
            },
        )
        .await?;
        self.touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .note(entity, entity_id, before, after)
    }

    /// [`UnitOfWork::audit`] of a creation.
    pub async fn audit_create<A: Serialize>(
        &self,
        entity: &str,
        entity_id: i64,
        after: &A,
    ) -> Result<(), StoreError> {
        self.audit(entity, entity_id, "create", None::<&()>, Some(after))
            .await
    }

    /// Brings what is kept of the changes audited so far up to date: the council's
    /// outstanding items ([`outstanding::refresh`]) and the results version of every
    /// indicator whose results they may change ([`kept_results`]). [`UnitOfWork::commit`]
    /// does, last.
    pub async fn keep_up_to_date(&self) -> Result<(), StoreError> {
        let touched = std::mem::take(
            &mut *self
                .touched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if touched.is_empty() {
            return Ok(());
        }
        let organisation_id = self.organisation_id()?;
        kept_results::move_versions_on(&self.txn, organisation_id, &touched).await?;
        outstanding::refresh(&self.txn, organisation_id, touched).await
    }

    /// Moves the data version of every council changed on, keeps what is outstanding and
    /// the indicators' results versions up to date with the changes, and commits, in one transaction. (The data version's update
    /// locks the council's row first, so two writers of a council derive one after the
    /// other, each from what the other committed.)
    pub async fn commit(self) -> Result<(), StoreError> {
        for organisation_id in &self.changed {
            data_version::touch_organisation(&self.txn, *organisation_id).await?;
        }
        self.keep_up_to_date().await?;
        self.txn.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for UnitOfWork {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}
