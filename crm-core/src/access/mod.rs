//! Users, roles, teams and data scopes (数据权限): who may see and change which customers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub type UserId = String;
pub type TeamId = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Rep,
    Manager,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// The scope a role gets when none is given.
    pub fn default_scope(self) -> DataScope {
        match self {
            Role::Rep => DataScope::Own,
            Role::Manager => DataScope::Team,
            Role::Admin => DataScope::All,
        }
    }
}

/// Which customers a user sees and changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum DataScope {
    /// Customers the user owns.
    Own,
    /// Customers owned by anyone in the user's team (and the user's own).
    Team,
    /// Every customer.
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub scope: DataScope,
    pub team_id: Option<TeamId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// Input for a new user; the scope defaults to the role's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub scope: Option<DataScope>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub team_id: Option<TeamId>,
}

impl User {
    /// Whether this user's scope covers a record owned by `owner` (`None`: nobody).
    /// Unowned records are visible to `All` scope only; pools widen this in their own rules.
    pub fn covers(&self, owner: Option<&User>) -> bool {
        match (self.scope, owner) {
            (DataScope::All, _) => true,
            (_, None) => false,
            (DataScope::Own, Some(o)) => o.id == self.id,
            (DataScope::Team, Some(o)) => {
                o.id == self.id || (self.team_id.is_some() && o.team_id == self.team_id)
            }
        }
    }

    /// Whether this user may act on another user's affairs (assign to them, hand over their customers).
    pub fn manages(&self, other: &User) -> bool {
        self.covers(Some(other)) && (self.role != Role::Rep || self.id == other.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, role: Role, team: Option<&str>) -> User {
        User {
            id: id.into(),
            name: id.into(),
            role,
            scope: role.default_scope(),
            team_id: team.map(Into::into),
            active: true,
            created_at: DateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn scopes_cover_what_they_say() {
        let rep = user("r1", Role::Rep, Some("t1"));
        let mate = user("r2", Role::Rep, Some("t1"));
        let other = user("r3", Role::Rep, Some("t2"));
        let mgr = user("m1", Role::Manager, Some("t1"));
        let admin = user("a", Role::Admin, None);
        assert!(rep.covers(Some(&rep)));
        assert!(!rep.covers(Some(&mate)));
        assert!(mgr.covers(Some(&mate)) && mgr.covers(Some(&rep)));
        assert!(!mgr.covers(Some(&other)));
        assert!(!mgr.covers(None) && !rep.covers(None));
        assert!(admin.covers(Some(&other)) && admin.covers(None));
        assert!(!rep.manages(&mate) && rep.manages(&rep) && mgr.manages(&rep));
    }
}
