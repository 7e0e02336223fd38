//! What every migration builds its tables with: named foreign keys and indexes.
use sea_orm_migration::prelude::*;

/// A foreign key `fk_{table}_{column}` to `to.id`.
pub fn fk(
    table: &'static str,
    column: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
        .on_delete(on_delete)
        .to_owned()
}

/// An index `ix_{table}_{name}` (or `uq_…` when unique).
pub fn index(
    table: &'static str,
    name: &str,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!(
        "{}_{table}_{name}",
        if unique { "uq" } else { "ix" }
    ))
    .table(table);
    for c in columns {
        stmt.col(*c);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}
