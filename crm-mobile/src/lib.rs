//! crm for iOS and Android: a `Crm` object with typed records, exported with uniffi. Each method
//! maps its records to the core's operation table and back; no rule lives here.

mod error;
mod records;
mod sla;
mod time;

pub use error::CrmError;
pub use records::*;
pub use sla::*;

use crm_core::{api, Clock, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::SystemTime;

uniffi::setup_scaffolding!();

type Result<T> = std::result::Result<T, CrmError>;

fn invalid(field: &str, reason: impl Into<String>) -> CrmError {
    crm_core::CrmError::InvalidInput {
        field: field.into(),
        reason: reason.into(),
    }
    .into()
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| invalid("input", e.to_string()))
}

/// A CRM organisation on the in-memory store or a SQLite file.
#[derive(uniffi::Object)]
pub struct Crm {
    inner: crm_core::Crm,
    fixed: Option<Arc<FixedClock>>,
}

impl Crm {
    /// The settable clock for `now`, checked before any store is opened.
    fn fixed_clock(now: Option<SystemTime>) -> Result<Option<Arc<FixedClock>>> {
        now.map(|t| Ok(Arc::new(FixedClock::new(time::utc("now", t)?))))
            .transpose()
    }

    fn build(store: Option<SqliteStore>, fixed: Option<Arc<FixedClock>>) -> Arc<Self> {
        let clock: Arc<dyn Clock> = match &fixed {
            Some(f) => f.clone(),
            None => Arc::new(SystemClock),
        };
        let inner = match store {
            Some(store) => crm_core::Crm::new(store, clock),
            None => crm_core::Crm::in_memory(clock),
        };
        Arc::new(Crm { inner, fixed })
    }

    fn call<T: DeserializeOwned>(&self, op: &str, actor: &str, args: Value) -> Result<T> {
        let result = api::call(&self.inner, op, actor, &args)?;
        serde_json::from_value(result).map_err(|e| {
            crm_core::CrmError::storage(format!("unexpected result of {op}: {e}")).into()
        })
    }
}

#[uniffi::export]
impl Crm {
    /// An in-memory CRM. With `now`, its clock stands still until `set_now` moves it.
    #[uniffi::constructor]
    pub fn in_memory(now: Option<SystemTime>) -> Result<Arc<Self>> {
        Ok(Crm::build(None, Crm::fixed_clock(now)?))
    }

    /// A CRM on a SQLite file, created if missing.
    #[uniffi::constructor]
    pub fn open(path: String, now: Option<SystemTime>) -> Result<Arc<Self>> {
        let fixed = Crm::fixed_clock(now)?;
        Ok(Crm::build(Some(SqliteStore::open(path)?), fixed))
    }

    /// Moves the fixed clock; throws InvalidState when the CRM runs on the system clock.
    pub fn set_now(&self, now: SystemTime) -> Result<()> {
        match &self.fixed {
            Some(clock) => {
                clock.set(time::utc("now", now)?);
                Ok(())
            }
            None => Err(crm_core::CrmError::InvalidState {
                reason: "this CRM runs on the system clock; pass now to use a settable clock"
                    .into(),
            }
            .into()),
        }
    }

    pub fn now(&self) -> SystemTime {
        self.inner.now().into()
    }

    pub fn bootstrap(&self, admin_name: String, settings: Option<OrgSettings>) -> Result<User> {
        self.call(
            "bootstrap",
            "",
            json!({"admin_name": admin_name, "settings": to_json(&settings)?}),
        )
    }

    pub fn settings(&self) -> Result<OrgSettings> {
        self.call("settings", "", json!({}))
    }

    pub fn update_settings(&self, actor: String, settings: OrgSettings) -> Result<OrgSettings> {
        self.call(
            "update_settings",
            &actor,
            json!({"settings": to_json(&settings)?}),
        )
    }

    pub fn create_team(&self, actor: String, name: String) -> Result<Team> {
        self.call("create_team", &actor, json!({"name": name}))
    }

    pub fn teams(&self, actor: String) -> Result<Vec<Team>> {
        self.call("teams", &actor, json!({}))
    }

    pub fn create_user(&self, actor: String, input: NewUser) -> Result<User> {
        self.call("create_user", &actor, to_json(&input)?)
    }

    pub fn user(&self, actor: String, id: String) -> Result<User> {
        self.call("user", &actor, json!({"id": id}))
    }

    pub fn users(&self, actor: String) -> Result<Vec<User>> {
        self.call("users", &actor, json!({}))
    }

    pub fn deactivate_user(&self, actor: String, id: String, reason: String) -> Result<User> {
        self.call(
            "deactivate_user",
            &actor,
            json!({"id": id, "reason": reason}),
        )
    }

    pub fn create_customer(&self, actor: String, input: NewCustomer) -> Result<CustomerCreated> {
        self.call("create_customer", &actor, to_json(&input)?)
    }

    pub fn customer(&self, actor: String, id: String) -> Result<Customer> {
        self.call("customer", &actor, json!({"id": id}))
    }

    pub fn customers(&self, actor: String) -> Result<Vec<Customer>> {
        self.call("customers", &actor, json!({}))
    }

    pub fn update_customer(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        patch: CustomerPatch,
    ) -> Result<Customer> {
        self.call(
            "update_customer",
            &actor,
            json!({"id": id, "expected_version": expected_version, "patch": patch.to_json()}),
        )
    }

    pub fn transfer_customer(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        to: String,
        reason: String,
    ) -> Result<Customer> {
        self.call(
            "transfer_customer",
            &actor,
            json!({"id": id, "expected_version": expected_version, "to": to, "reason": reason}),
        )
    }

    pub fn add_contact(
        &self,
        actor: String,
        customer_id: String,
        contact: NewContact,
    ) -> Result<Contact> {
        self.call(
            "add_contact",
            &actor,
            json!({"customer_id": customer_id, "contact": to_json(&contact)?}),
        )
    }

    pub fn contacts(&self, actor: String, customer_id: String) -> Result<Vec<Contact>> {
        self.call("contacts", &actor, json!({"customer_id": customer_id}))
    }

    pub fn record_follow_up(
        &self,
        actor: String,
        customer_id: String,
        follow_up: NewFollowUp,
    ) -> Result<FollowUp> {
        self.call(
            "record_follow_up",
            &actor,
            json!({"customer_id": customer_id, "follow_up": to_json(&follow_up)?}),
        )
    }

    pub fn follow_ups(&self, actor: String, customer_id: String) -> Result<Vec<FollowUp>> {
        self.call("follow_ups", &actor, json!({"customer_id": customer_id}))
    }

    pub fn overdue_follow_ups(
        &self,
        actor: String,
        rep_id: Option<String>,
    ) -> Result<Vec<OverdueFollowUp>> {
        self.call("overdue_follow_ups", &actor, json!({"rep_id": rep_id}))
    }

    pub fn find_duplicates(
        &self,
        actor: String,
        probe: DuplicateProbe,
    ) -> Result<Vec<DuplicateMatch>> {
        self.call("find_duplicates", &actor, to_json(&probe)?)
    }

    pub fn duplicates_of(&self, actor: String, customer_id: String) -> Result<Vec<DuplicateMatch>> {
        self.call("duplicates_of", &actor, json!({"customer_id": customer_id}))
    }

    pub fn merge_customers(
        &self,
        actor: String,
        survivor_id: String,
        merged_id: String,
    ) -> Result<Customer> {
        self.call(
            "merge_customers",
            &actor,
            json!({"survivor_id": survivor_id, "merged_id": merged_id}),
        )
    }

    /// Hands every customer of `from_user` to `to_user` in one step (离职交接); returns their ids.
    pub fn handover(
        &self,
        actor: String,
        from_user: String,
        to_user: String,
        reason: String,
    ) -> Result<Vec<String>> {
        self.call(
            "handover",
            &actor,
            json!({"from": from_user, "to": to_user, "reason": reason}),
        )
    }

    pub fn ownership_history(
        &self,
        actor: String,
        customer_id: String,
    ) -> Result<Vec<OwnershipChange>> {
        self.call(
            "ownership_history",
            &actor,
            json!({"customer_id": customer_id}),
        )
    }

    pub fn customer_events(&self, actor: String, customer_id: String) -> Result<Vec<Event>> {
        self.call(
            "customer_events",
            &actor,
            json!({"customer_id": customer_id}),
        )
    }

    pub fn events(&self, actor: String, after: u64, limit: Option<u64>) -> Result<Vec<Event>> {
        self.call("events", &actor, json!({"after": after, "limit": limit}))
    }
}

/// Every operation of the core, for completeness checks of the generated bindings.
#[uniffi::export]
pub fn operations() -> Vec<String> {
    api::OPERATIONS.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::{Duration, UNIX_EPOCH};

    fn start() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_772_413_200) // 2026-03-02T01:00:00Z
    }

    fn org() -> (Arc<Crm>, User, User) {
        let crm = Crm::in_memory(Some(start())).unwrap();
        let admin = crm.bootstrap("Ada".into(), None).unwrap();
        let rep = crm
            .create_user(
                admin.id.clone(),
                NewUser {
                    name: "Li Lei".into(),
                    role: Role::Rep,
                    scope: None,
                    team_id: None,
                },
            )
            .unwrap();
        (crm, admin, rep)
    }

    fn new_customer(name: &str) -> NewCustomer {
        NewCustomer {
            name: name.into(),
            kind: None,
            level: Some("B".into()),
            tags: vec![],
            source: None,
            industry: None,
            region: None,
            phones: vec!["+86 139 1234 5678".into()],
            emails: vec![],
            owner_id: None,
            custom_fields: HashMap::from([(
                "budget".to_string(),
                FieldValue::Number("125000.50".into()),
            )]),
        }
    }

    #[test]
    fn records_carry_the_core_values_both_ways() {
        let (crm, _, rep) = org();
        let created = crm
            .create_customer(rep.id.clone(), new_customer("Acme"))
            .unwrap();
        let c = created.customer;
        assert_eq!((c.id.as_str(), c.owner_id.as_deref()), ("c-1", Some("u-2")));
        assert_eq!(c.created_at, start());
        assert_eq!(c.owned_since, Some(start()));
        assert_eq!(
            c.custom_fields["budget"],
            FieldValue::Number("125000.50".into())
        );
        assert_eq!(crm.customer(rep.id.clone(), c.id.clone()).unwrap(), c);
    }

    #[test]
    fn the_patch_clears_only_what_it_names() {
        let (crm, _, rep) = org();
        let c = crm
            .create_customer(rep.id.clone(), new_customer("Acme"))
            .unwrap()
            .customer;
        let untouched = crm
            .update_customer(
                rep.id.clone(),
                c.id.clone(),
                c.version,
                CustomerPatch {
                    region: Some("East".into()),
                    ..CustomerPatch::default()
                },
            )
            .unwrap();
        assert_eq!(untouched.level.as_deref(), Some("B"));
        assert_eq!(untouched.custom_fields.len(), 1);
        let cleared = crm
            .update_customer(
                rep.id.clone(),
                c.id.clone(),
                untouched.version,
                CustomerPatch {
                    clear_level: true,
                    custom_fields: HashMap::from([("budget".to_string(), None)]),
                    ..CustomerPatch::default()
                },
            )
            .unwrap();
        assert_eq!(cleared.level, None);
        assert!(cleared.custom_fields.is_empty());
        assert_eq!(cleared.version, untouched.version + 1);
    }

    #[test]
    fn bad_input_is_a_typed_error_and_changes_nothing() {
        let (crm, admin, rep) = org();
        let events = crm.events(admin.id.clone(), 0, None).unwrap().len();
        let mut bad = new_customer("Acme");
        bad.custom_fields =
            HashMap::from([("budget".to_string(), FieldValue::Number("lots".into()))]);
        let e = crm.create_customer(rep.id.clone(), bad).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT", "{e}");
        let e = crm
            .create_customer(rep.id.clone(), {
                let mut c = new_customer("Acme");
                c.phones = vec!["12".into()];
                c
            })
            .unwrap_err();
        assert!(matches!(e, CrmError::InvalidPhone { ref input, .. } if input == "12"));
        let e = crm.customer(rep.id.clone(), "c-404".into()).unwrap_err();
        assert!(matches!(
            e,
            CrmError::NotFound { kind: EntityKind::Customer, ref id, .. } if id == "c-404"
        ));
        assert!(crm.customers(rep.id.clone()).unwrap().is_empty());
        assert_eq!(crm.events(admin.id, 0, None).unwrap().len(), events);
    }

    #[test]
    fn the_clock_is_fixed_only_when_now_is_given() {
        let (crm, _, _) = org();
        let later = start() + Duration::from_nanos(86_400_000_000_123);
        crm.set_now(later).unwrap();
        assert_eq!(crm.now(), later);
        let far = UNIX_EPOCH + Duration::from_secs(31_556_889_864_403_199);
        assert_eq!(crm.set_now(far).unwrap_err().code(), "INVALID_INPUT");
        assert_eq!(
            crm.now(),
            later,
            "a rejected instant leaves the clock alone"
        );
        assert!(Crm::in_memory(Some(far)).is_err());
        let system = Crm::in_memory(None).unwrap();
        let e = system.set_now(start()).unwrap_err();
        assert_eq!(e.code(), "INVALID_STATE");
        assert!(system.now() > start());
    }

    #[test]
    fn every_operation_of_the_core_is_listed() {
        assert_eq!(operations().len(), api::OPERATIONS.len());
        assert!(operations().contains(&"merge_customers".to_string()));
        assert!(sla_operations().contains(&"sla_ticket_status".to_string()));
    }
}
