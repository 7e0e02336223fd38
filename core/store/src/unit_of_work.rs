//! One unit of work: the transaction every change to a council's data runs in.
//!
//! A write begins a [`UnitOfWork`] for the council it changes, does its statements through
//! it (it is a connection), and commits. Committing moves the council's data version on
//! *inside the same transaction*, so a change and the news that answers read before it are
//! out of date become visible together, in every process, or not at all: a request dropped
//! right after the commit (a client that goes away, a timeout) cannot leave answers stale.
//! Dropping a unit of work without committing rolls everything back, the data version too.
use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use crate::{Database, StoreError, data_version};

/// A write transaction and the councils whose data it changes.
pub struct UnitOfWork {
    txn: DatabaseTransaction,
    changed: BTreeSet<i64>,
}

impl UnitOfWork {
    /// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite) that changes the data of the
    /// council `organisation_id`.
    pub async fn begin(db: &Database, organisation_id: i64) -> Result<Self, StoreError> {
        let mut unit = Self::begin_unscoped(db).await?;
        unit.changes(organisation_id);
        Ok(unit)
    }

    /// Begins a write transaction before the council it changes is known (creating one):
    /// name it with [`UnitOfWork::changes`] before committing.
    pub async fn begin_unscoped(db: &Database) -> Result<Self, StoreError> {
        Ok(Self {
            txn: db.begin_write().await?,
            changed: BTreeSet::new(),
        })
    }

    /// Records that this unit of work changes `organisation_id`'s data too.
    pub fn changes(&mut self, organisation_id: i64) {
        self.changed.insert(organisation_id);
    }

    /// Moves the data version of every council changed on, and commits, in one transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        for organisation_id in &self.changed {
            data_version::touch_organisation(&self.txn, *organisation_id).await?;
        }
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
