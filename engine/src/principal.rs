//! Who is calling: a user (person or service account) with groups and roles, and the rules of
//! who may work on a human task. The rules are enforced inside the completing transaction.

use crate::audit::Actor;

/// A role: a fixed set of permissions (see the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, plus user management; still cannot complete a task assigned to someone else.
    Admin,
    /// Deploy definitions.
    Deployer,
    /// Read all instances, cancel, set variables, resolve incidents, correlate, reassign.
    Operator,
    /// Read and export the audit trail.
    Auditor,
    /// Activate, complete and fail jobs.
    Worker,
}

impl Role {
    /// Every role, for validation and listings.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Deployer,
        Role::Operator,
        Role::Auditor,
        Role::Worker,
    ];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Deployer => "deployer",
            Role::Operator => "operator",
            Role::Auditor => "auditor",
            Role::Worker => "worker",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user_id: String,
    /// User name (what tasks name as assignee / candidate user).
    pub name: String,
    /// Group names.
    pub groups: Vec<String>,
    /// Role names.
    pub roles: Vec<String>,
}

impl Principal {
    /// True when the user has `role`, or is admin (admin includes every role).
    pub fn has_role(&self, role: Role) -> bool {
        self.roles
            .iter()
            .any(|r| r == role.as_str() || r == Role::Admin.as_str())
    }

    /// The audit actor for this caller.
    pub fn actor(&self) -> Actor {
        Actor::user(&self.user_id, &self.name)
    }

    /// May this caller work on (claim, complete) a task with this assignment? Its assignee;
    /// or, while it has no assignee, a candidate user or a member of a candidate group.
    pub fn may_work_on(
        &self,
        assignee: Option<&str>,
        candidate_users: &[String],
        candidate_groups: &[String],
    ) -> bool {
        match assignee {
            Some(a) => a == self.name,
            None => {
                candidate_users.contains(&self.name)
                    || candidate_groups.iter().any(|g| self.groups.contains(g))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Principal {
        Principal {
            user_id: "u1".into(),
            name: "alice".into(),
            groups: vec!["approvers".into()],
            roles: vec![],
        }
    }

    #[test]
    fn task_rules() {
        let a = alice();
        assert!(a.may_work_on(Some("alice"), &[], &[]));
        assert!(!a.may_work_on(Some("bob"), &["alice".into()], &["approvers".into()]));
        assert!(a.may_work_on(None, &[], &["approvers".into()]));
        assert!(a.may_work_on(None, &["alice".into()], &[]));
        assert!(!a.may_work_on(None, &["bob".into()], &["finance".into()]));
        let mut admin = alice();
        admin.roles = vec!["admin".into()];
        assert!(admin.has_role(Role::Operator));
        assert!(!admin.may_work_on(Some("bob"), &[], &[]));
    }
}
