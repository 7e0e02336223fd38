//! Roles and who may write what (docs/rules.md §12).
//!
//! > OFFICERs write only what they own; MANAGERs and EXECUTIVEs what their reports own;
//! > ADMIN everything in their organisation.

use crate::value::string_enum;

/// A user's role within their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Role {
    /// Everything in the organisation.
    Admin,
    /// Senior leadership: writes what their reports own, approves indicators and agrees
    /// deadline extensions.
    Executive,
    /// Writes what they and their reports own.
    Manager,
    /// Writes only what they own.
    Officer,
    /// Reads only.
    Viewer,
}

string_enum!(Role, "role", {
    Admin => "ADMIN",
    Executive => "EXECUTIVE",
    Manager => "MANAGER",
    Officer => "OFFICER",
    Viewer => "VIEWER",
});

impl Role {
    /// Whether the role approves proposed indicators: others propose, and an ADMIN or
    /// EXECUTIVE approves (docs/rules.md §12).
    pub const fn can_approve(self) -> bool {
        matches!(self, Role::Admin | Role::Executive)
    }

    /// Whether someone with the role may own an indicator or an action: only someone who
    /// may record it (OFFICER or above). A VIEWER reads only, so chasing them for values
    /// they cannot enter would help nobody.
    pub const fn can_own(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

/// Whether a user may write an item (indicator value, action update, …) owned by
/// `owner_id`.
///
/// * ADMIN: always ("everything in their organisation" — the organisation check is the
///   caller's);
/// * VIEWER: never;
/// * OFFICER: only when they are the owner;
/// * MANAGER, EXECUTIVE: when they are the owner or appear in `owner_manager_chain`, the
///   owner's line managers from the nearest up (owner's manager, their manager, …), so
///   "what their reports own" includes indirect reports.
///
/// An item without an owner is writable by ADMIN only.
pub fn can_write(
    actor_role: Role,
    actor_id: i64,
    owner_id: Option<i64>,
    owner_manager_chain: &[i64],
) -> bool {
    match actor_role {
        Role::Admin => true,
        Role::Viewer => false,
        Role::Officer => owner_id == Some(actor_id),
        Role::Manager | Role::Executive => {
            owner_id.is_some()
                && (owner_id == Some(actor_id) || owner_manager_chain.contains(&actor_id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn write_rules() {
        // Officer 3 reports to manager 2, who reports to executive 1.
        let chain = [2, 1];
        for role in Role::ALL {
            let own = can_write(*role, 3, Some(3), &chain);
            assert_eq!(own, *role != Viewer, "{role} writes own");
        }
        assert!(can_write(Admin, 99, Some(3), &chain));
        assert!(can_write(Admin, 99, None, &[]));
        assert!(!can_write(Viewer, 3, Some(3), &chain));
        assert!(!can_write(Officer, 4, Some(3), &chain));
        assert!(
            !can_write(Officer, 2, Some(3), &chain),
            "an officer in the chain still cannot"
        );
        assert!(can_write(Manager, 2, Some(3), &chain));
        assert!(can_write(Executive, 1, Some(3), &chain), "indirect report");
        assert!(can_write(Manager, 1, Some(3), &chain));
        assert!(
            !can_write(Manager, 5, Some(3), &chain),
            "someone else's report"
        );
        assert!(!can_write(Executive, 5, Some(3), &chain));
        assert!(
            !can_write(Manager, 2, None, &chain),
            "unowned items: admin only"
        );
        assert!(!can_write(Officer, 3, None, &[]));
    }

    #[test]
    fn roles() {
        assert_eq!(Admin.as_str(), "ADMIN");
        assert_eq!(Role::parse("EXECUTIVE"), Ok(Executive));
        assert_eq!("officer".parse::<Role>(), Ok(Officer));
        let e = Role::parse("SUPERUSER").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"SUPERUSER\" is not a valid role: use one of ADMIN, EXECUTIVE, MANAGER, OFFICER, VIEWER"
        );
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(*r));
        }
        assert!(Admin.can_approve() && Executive.can_approve());
        assert!(!Manager.can_approve() && !Officer.can_approve() && !Viewer.can_approve());
        for r in Role::ALL {
            assert_eq!(r.can_own(), *r != Viewer, "{r} owns");
        }
    }
}
