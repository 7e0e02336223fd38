//! Who may do what (rules §12): role checks, and "may write what this owner owns", which reads
//! the owner's line-management chain from the store.
use async_graphql::Context;
use pmf_core::Role;
use pmf_store::{entity::user, people};

use super::context::{request, scope, signed_in};
use crate::error::{GqlResult, gql};

/// Roles that keep the register (plans, priorities, objectives, users, settings).
pub const ADMIN: &[Role] = &[Role::Admin];
/// Roles that may create actions, set targets, edit and approve indicators, grant
/// extensions, and read the audit trail.
pub const SENIOR: &[Role] = &[Role::Admin, Role::Executive];
/// Roles that may propose indicators.
pub const PROPOSERS: &[Role] = &[Role::Admin, Role::Executive, Role::Manager, Role::Officer];

/// The signed-in user, refused unless their role is one of `roles`.
pub fn require_role<'a>(
    ctx: &Context<'a>,
    roles: &[Role],
    doing: &str,
) -> GqlResult<&'a user::Model> {
    let user = signed_in(ctx)?;
    if roles.contains(&*user.role) {
        Ok(user)
    } else {
        Err(gql::forbidden(format!(
            "your role ({}) may not {doing}",
            user.role
        )))
    }
}

/// Whether the signed-in user is an ADMIN.
pub fn is_admin(user: &user::Model) -> bool {
    *user.role == Role::Admin
}

/// Refuses unless the signed-in user may write what `owner_id` owns.
pub async fn require_owner_write<'a>(
    ctx: &Context<'a>,
    owner_id: Option<i64>,
    what: &str,
) -> GqlResult<&'a user::Model> {
    let scope = scope(ctx)?;
    let user = signed_in(ctx)?;
    let role = *user.role;
    let chain = match owner_id {
        Some(owner) if matches!(role, Role::Manager | Role::Executive) => {
            people::manager_chain(&request(ctx).db.conn, scope.org.id, owner).await?
        }
        _ => Vec::new(),
    };
    if pmf_core::can_write(role, user.id, owner_id, &chain) {
        Ok(user)
    } else {
        Err(gql::forbidden(match role {
            Role::Viewer => "viewers cannot change anything".to_string(),
            Role::Officer => format!("only the owner of this {what} may change it"),
            _ => format!("this {what} is owned by someone who does not report to you"),
        }))
    }
}
