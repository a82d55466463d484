//! Organisation set-up: settings, teams and users.

use super::{check_expected, non_empty, Crm};
use crate::access::{NewUser, Role, Team, User};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::{EventKind, NewEvent};
use crate::ids::record_order;
use crate::limits::Bounded;
use crate::settings::{OrgSettings, SettingsPatch};
use crate::store;

impl Crm {
    /// Creates the first administrator (and the settings) of an empty organisation.
    pub fn bootstrap(&self, admin_name: &str, settings: Option<OrgSettings>) -> Result<User> {
        crate::limits::text("admin_name", admin_name, crate::limits::NAME)?;
        if let Some(s) = &settings {
            SettingsPatch::from(s.clone()).check_bounds()?;
        }
        let now = self.now();
        let name = non_empty("name", admin_name)?;
        let mut settings = settings.unwrap_or_default();
        settings.validate()?;
        settings.version = 1;
        store::write(self.store.as_ref(), |tx| {
            if !tx.users()?.is_empty() {
                return Err(CrmError::InvalidState {
                    reason: "the organisation already has users".into(),
                });
            }
            tx.put_settings(&settings)?;
            let admin = User {
                id: format!("u-{}", tx.next_id("u")?),
                name,
                role: Role::Admin,
                scope: Role::Admin.default_scope(),
                team_id: None,
                active: true,
                created_at: now,
                version: 1,
            };
            tx.put_user(&admin)?;
            for (kind, reason) in [
                (EventKind::SettingsChanged, "organisation created"),
                (
                    EventKind::UserCreated {
                        user_id: admin.id.clone(),
                    },
                    "first administrator",
                ),
            ] {
                tx.append_event(NewEvent {
                    at: now,
                    actor_id: Some(admin.id.clone()),
                    kind,
                    reason: reason.into(),
                })?;
            }
            Ok(admin)
        })
    }

    pub fn settings(&self) -> Result<OrgSettings> {
        store::read(self.store.as_ref(), |tx| {
            Ok(tx.settings()?.unwrap_or_default())
        })
    }

    /// Changes the parts of the settings `patch` gives; `expected_version` is the version read.
    pub fn update_settings(
        &self,
        actor: &str,
        expected_version: u64,
        patch: SettingsPatch,
    ) -> Result<OrgSettings> {
        patch.check_bounds()?;
        self.act(actor, |cx| {
            cx.require_admin("change settings")?;
            let current = cx.tx.settings()?.unwrap_or_default();
            check_expected(
                EntityKind::Settings,
                "settings",
                expected_version,
                current.version,
            )?;
            let mut next = patch.apply(&current);
            next.validate()?;
            next.version = current.version + 1;
            if let Some(pool) = &next.default_pool_id {
                super::pools::load_pool(cx.tx, pool)?;
            }
            cx.tx.put_settings(&next)?;
            if next.default_pool_id != current.default_pool_id {
                super::pools::reschedule_all(cx)?;
            }
            cx.emit(EventKind::SettingsChanged, "settings updated")?;
            Ok(next)
        })
    }

    pub fn create_team(&self, actor: &str, name: &str) -> Result<Team> {
        crate::limits::text("name", name, crate::limits::NAME)?;
        let name = non_empty("name", name)?;
        self.act(actor, |cx| {
            cx.require_admin("create teams")?;
            let team = Team {
                id: cx.new_id("t")?,
                name,
                created_at: cx.now,
                version: 1,
            };
            cx.tx.put_team(&team)?;
            cx.emit(
                EventKind::TeamCreated {
                    team_id: team.id.clone(),
                },
                "team created",
            )?;
            Ok(team)
        })
    }

    pub fn teams(&self, actor: &str) -> Result<Vec<Team>> {
        self.look(actor, |cx| {
            let mut teams = cx.tx.teams()?;
            teams.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(teams)
        })
    }

    pub fn create_user(&self, actor: &str, new: NewUser) -> Result<User> {
        new.check_bounds()?;
        let name = non_empty("name", &new.name)?;
        self.act(actor, |cx| {
            cx.require_admin("create users")?;
            if let Some(team) = &new.team_id {
                if cx.tx.team(team)?.is_none() {
                    return Err(CrmError::not_found(EntityKind::Team, team));
                }
            }
            let user = User {
                id: cx.new_id("u")?,
                name,
                role: new.role,
                scope: new.scope.unwrap_or(new.role.default_scope()),
                team_id: new.team_id,
                active: true,
                created_at: cx.now,
                version: 1,
            };
            cx.tx.put_user(&user)?;
            cx.emit(
                EventKind::UserCreated {
                    user_id: user.id.clone(),
                },
                format!("{:?} created", user.role).to_lowercase(),
            )?;
            Ok(user)
        })
    }

    pub fn user(&self, actor: &str, id: &str) -> Result<User> {
        self.look(actor, |cx| cx.user(id))
    }

    pub fn users(&self, actor: &str) -> Result<Vec<User>> {
        self.look(actor, |cx| {
            let mut users = cx.tx.users()?;
            users.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(users)
        })
    }

    /// Deactivates a user (e.g. a rep who left); their customers stay theirs until handed over.
    pub fn deactivate_user(&self, actor: &str, id: &str, reason: &str) -> Result<User> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        self.act(actor, |cx| {
            cx.require_admin("deactivate users")?;
            let mut user = cx.user(id)?;
            if user.id == cx.actor.id {
                return Err(CrmError::InvalidState {
                    reason: "a user cannot deactivate themselves".into(),
                });
            }
            if !user.active {
                return Err(CrmError::InactiveUser { id: user.id });
            }
            user.active = false;
            user.version += 1;
            cx.tx.put_user(&user)?;
            cx.emit(
                EventKind::UserDeactivated {
                    user_id: user.id.clone(),
                },
                reason,
            )?;
            Ok(user)
        })
    }
}
