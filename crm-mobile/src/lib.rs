//! crm for iOS and Android: a `Crm` object with typed records, exported with uniffi. Each method
//! maps its records to the core's operation table and back; no rule lives here.

// The error crosses the FFI by value with every fact a caller branches on (uniffi cannot box a
// variant's fields), so it is as large as its largest variant.
#![allow(clippy::result_large_err)]

mod analytics;
mod error;
mod pipelines;
mod records;
mod sla;
mod time;

pub use analytics::*;
pub use error::CrmError;
pub use pipelines::*;
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

    // ---- the public pool (公海) ----

    /// Creates a pool (administrators).
    pub fn create_pool(&self, actor: String, input: NewPool) -> Result<Pool> {
        self.call("create_pool", &actor, to_json(&input)?)
    }

    /// The pools the actor belongs to or manages (administrators: all).
    pub fn pools(&self, actor: String) -> Result<Vec<Pool>> {
        self.call("pools", &actor, json!({}))
    }

    /// Replaces a pool's rules (its admins), checking the version read.
    pub fn update_pool_rules(
        &self,
        actor: String,
        pool_id: String,
        expected_version: u64,
        rules: PoolRules,
    ) -> Result<Pool> {
        self.call(
            "update_pool_rules",
            &actor,
            json!({"pool_id": pool_id, "expected_version": expected_version, "rules": to_json(&rules)?}),
        )
    }

    /// Deletes an empty pool; a pool with customers in it is `InvalidState`.
    pub fn delete_pool(&self, actor: String, pool_id: String) -> Result<()> {
        self.call("delete_pool", &actor, json!({"pool_id": pool_id}))
    }

    /// The customers waiting in a pool, for its members, in id order.
    pub fn pool_customers(&self, actor: String, pool_id: String) -> Result<Vec<Customer>> {
        self.call("pool_customers", &actor, json!({"pool_id": pool_id}))
    }

    /// Takes a customer from its pool (领取). Refusals are typed: `AlreadyOwned`, `WaitingPeriod`,
    /// `CoolDown`, `DailyLimitReached`, `OwnershipCapReached`, `PermissionDenied` (not a member).
    pub fn claim_customer(&self, actor: String, customer_id: String) -> Result<Customer> {
        self.call(
            "claim_customer",
            &actor,
            json!({"customer_id": customer_id}),
        )
    }

    /// Claims every customer in the list, or none: the first refusal fails the whole batch.
    pub fn claim_customers(
        &self,
        actor: String,
        customer_ids: Vec<String>,
    ) -> Result<Vec<Customer>> {
        self.call(
            "claim_customers",
            &actor,
            json!({"customer_ids": customer_ids}),
        )
    }

    /// Gives an owned customer back to its pool (or the organisation's default pool) (释放).
    pub fn release_customer(
        &self,
        actor: String,
        customer_id: String,
        reason: String,
    ) -> Result<Customer> {
        self.call(
            "release_customer",
            &actor,
            json!({"customer_id": customer_id, "reason": reason}),
        )
    }

    /// Moves a customer into another pool (a pool admin's move; an owned customer keeps its owner
    /// and will be recycled to the new pool).
    pub fn move_to_pool(
        &self,
        actor: String,
        customer_id: String,
        pool_id: String,
        reason: String,
    ) -> Result<Customer> {
        self.call(
            "move_to_pool",
            &actor,
            json!({"customer_id": customer_id, "pool_id": pool_id, "reason": reason}),
        )
    }

    /// Protects an owned customer from recycling (保护) for `days`, at most the policy's maximum;
    /// `null` locks until unlocked (or for the maximum when the policy sets one).
    #[uniffi::method(default(days = None))]
    pub fn lock_customer(
        &self,
        actor: String,
        customer_id: String,
        days: Option<u32>,
    ) -> Result<Customer> {
        self.call(
            "lock_customer",
            &actor,
            json!({"customer_id": customer_id, "days": days}),
        )
    }

    pub fn unlock_customer(&self, actor: String, customer_id: String) -> Result<Customer> {
        self.call(
            "unlock_customer",
            &actor,
            json!({"customer_id": customer_id}),
        )
    }

    /// Runs every pool's recycling rules at `now()` (administrators). Running it again at the same
    /// instant changes nothing.
    pub fn sweep_pools(&self, actor: String) -> Result<SweepReport> {
        self.call("sweep_pools", &actor, json!({}))
    }

    /// Customers a rule will recycle within their pool's `warn_days`, soonest first, in the
    /// actor's scope (or only `owner_id`'s).
    #[uniffi::method(default(owner_id = None))]
    pub fn recycle_warnings(
        &self,
        actor: String,
        owner_id: Option<String>,
    ) -> Result<Vec<RecycleWarning>> {
        self.call("recycle_warnings", &actor, json!({"owner_id": owner_id}))
    }

    // ---- leads, allocation and opportunities ----

    /// Creates a lead allocator (administrators).
    pub fn create_allocator(&self, actor: String, input: NewAllocator) -> Result<Allocator> {
        self.call("create_allocator", &actor, to_json(&input)?)
    }

    /// Every allocator, with its state and usage (managers and administrators).
    pub fn allocators(&self, actor: String) -> Result<Vec<Allocator>> {
        self.call("allocators", &actor, json!({}))
    }

    /// Captures a lead, with the existing customers it may duplicate (blocked when the duplicate
    /// policy blocks).
    pub fn capture_lead(&self, actor: String, input: NewLead) -> Result<LeadCaptured> {
        self.call("capture_lead", &actor, to_json(&input)?)
    }

    pub fn lead(&self, actor: String, id: String) -> Result<Lead> {
        self.call("lead", &actor, json!({"id": id}))
    }

    /// The leads in the actor's scope (unowned ones: administrators), in id order.
    pub fn leads(&self, actor: String) -> Result<Vec<Lead>> {
        self.call("leads", &actor, json!({}))
    }

    /// Places the leads with the allocator's strategy, all or none (`NoEligibleRep` refuses the
    /// batch). Owned leads are kept unless `reassign_owned`.
    #[uniffi::method(default(reassign_owned = false))]
    pub fn allocate_leads(
        &self,
        actor: String,
        allocator_id: String,
        lead_ids: Vec<String>,
        reassign_owned: bool,
    ) -> Result<Vec<Allocation>> {
        self.call(
            "allocate_leads",
            &actor,
            json!({"allocator_id": allocator_id, "lead_ids": lead_ids, "reassign_owned": reassign_owned}),
        )
    }

    /// Turns an open lead into a customer owned by the lead's owner (or the actor), and optionally
    /// an opportunity, in one step.
    #[uniffi::method(default(conversion))]
    pub fn convert_lead(
        &self,
        actor: String,
        lead_id: String,
        conversion: Conversion,
    ) -> Result<LeadConversion> {
        let mut args = to_json(&conversion)?;
        args["lead_id"] = json!(lead_id);
        self.call("convert_lead", &actor, args)
    }

    pub fn create_opportunity(
        &self,
        actor: String,
        customer_id: String,
        input: NewOpportunity,
    ) -> Result<Opportunity> {
        self.call(
            "create_opportunity",
            &actor,
            json!({"customer_id": customer_id, "opportunity": to_json(&input)?}),
        )
    }

    /// Closes an open opportunity as won (the customer becomes won) or lost (`lost_reason`
    /// required).
    #[uniffi::method(default(lost_reason = None))]
    pub fn close_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        won: bool,
        lost_reason: Option<String>,
    ) -> Result<Opportunity> {
        self.call(
            "close_opportunity",
            &actor,
            json!({"opportunity_id": opportunity_id, "won": won, "lost_reason": lost_reason}),
        )
    }

    pub fn opportunities(&self, actor: String, customer_id: String) -> Result<Vec<Opportunity>> {
        self.call("opportunities", &actor, json!({"customer_id": customer_id}))
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
            pool_id: None,
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

    const HOUR: u64 = 3_600;
    const DAY: u64 = 86_400;

    fn at(secs: u64) -> SystemTime {
        start() + Duration::from_secs(secs)
    }

    fn user(crm: &Crm, admin: &User, name: &str) -> User {
        crm.create_user(
            admin.id.clone(),
            NewUser {
                name: name.into(),
                role: Role::Rep,
                scope: None,
                team_id: None,
            },
        )
        .unwrap()
    }

    fn pooled(crm: &Crm, admin: &User, name: &str, pool_id: &str) -> Customer {
        let mut input = new_customer(name);
        input.phones = vec![];
        input.pool_id = Some(pool_id.into());
        crm.create_customer(admin.id.clone(), input)
            .unwrap()
            .customer
    }

    fn east_pool(crm: &Crm, admin: &User, members: Vec<String>) -> Pool {
        crm.create_pool(
            admin.id.clone(),
            NewPool {
                name: "East".into(),
                member_ids: members,
                member_team_ids: vec![],
                admin_ids: vec![],
                rules: PoolRules {
                    waiting_hours: 24,
                    cool_down_days: 7,
                    warn_days: 5,
                    recycle: vec![RecycleRule {
                        kind: RecycleKind::NoFollowUp,
                        days: 30,
                        days_by_level: HashMap::from([("A".to_string(), 60)]),
                    }],
                    ..PoolRules::default()
                },
            },
        )
        .unwrap()
    }

    #[test]
    fn claims_are_refused_with_typed_errors_and_sweeps_recycle() {
        let (crm, admin, rep) = org();
        let other = user(&crm, &admin, "Han Meimei");
        let pool = east_pool(&crm, &admin, vec![rep.id.clone(), other.id.clone()]);
        assert!(pool.rules.exempt_won && pool.rules.exempt_open_opportunity);
        let c = pooled(&crm, &admin, "Acme", &pool.id);
        assert_eq!((c.owner_id.as_deref(), c.pooled_at), (None, Some(start())));

        let e = crm
            .claim_customer(rep.id.clone(), c.id.clone())
            .unwrap_err();
        assert_eq!(
            e,
            CrmError::WaitingPeriod {
                code: "WAITING_PERIOD".into(),
                description: format!(
                    "customer {} entered its pool recently and cannot be claimed before 2026-03-03 01:00:00 UTC",
                    c.id
                ),
                customer_id: c.id.clone(),
                until: at(24 * HOUR),
            }
        );
        crm.set_now(at(25 * HOUR)).unwrap();
        let claimed = crm.claim_customer(rep.id.clone(), c.id.clone()).unwrap();
        assert_eq!(claimed.owner_id.as_ref(), Some(&rep.id));
        assert_eq!(claimed.owned_since, Some(at(25 * HOUR)));
        let e = crm
            .claim_customer(other.id.clone(), c.id.clone())
            .unwrap_err();
        assert!(matches!(
            e,
            CrmError::AlreadyOwned { ref customer_id, ref owner_id, .. }
                if customer_id == &c.id && owner_id == &rep.id
        ));

        let locked = crm
            .lock_customer(rep.id.clone(), c.id.clone(), Some(3))
            .unwrap();
        assert!(locked.locked);
        assert_eq!(locked.locked_until, Some(at(25 * HOUR + 3 * DAY)));

        // Due 30 days after the claim; warned 5 days before.
        crm.set_now(at(25 * HOUR + 26 * DAY)).unwrap();
        let warnings = crm.recycle_warnings(rep.id.clone(), None).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].due.due_at, at(25 * HOUR + 30 * DAY));
        assert_eq!(warnings[0].due.rule, RecycleKind::NoFollowUp);

        crm.set_now(at(25 * HOUR + 31 * DAY)).unwrap();
        let report = crm.sweep_pools(admin.id.clone()).unwrap();
        assert_eq!(report.at, at(25 * HOUR + 31 * DAY));
        assert_eq!(report.recycled.len(), 1);
        let r = &report.recycled[0];
        assert_eq!(
            (&r.customer_id, &r.owner_id, &r.pool_id),
            (&c.id, &rep.id, &pool.id)
        );
        assert_eq!(r.due.clock_start, at(25 * HOUR));
        assert_eq!((r.due.days, r.due.level.as_deref()), (30, Some("B")));
        assert!(crm
            .sweep_pools(admin.id.clone())
            .unwrap()
            .recycled
            .is_empty());
        let back = crm.customer(admin.id.clone(), c.id.clone()).unwrap();
        assert_eq!(back.owner_id, None);
        assert_eq!(back.previous_owner_id.as_ref(), Some(&rep.id));
        assert_eq!((back.locked, back.locked_until), (false, None));

        crm.set_now(at(25 * HOUR + 33 * DAY)).unwrap();
        let e = crm
            .claim_customer(rep.id.clone(), c.id.clone())
            .unwrap_err();
        assert!(matches!(
            e,
            CrmError::CoolDown { until, ref user_id, .. }
                if until == at(25 * HOUR + 38 * DAY) && user_id == &rep.id
        ));
        let events = crm.customer_events(admin.id.clone(), c.id.clone()).unwrap();
        assert!(events.iter().any(|e| matches!(
            &e.kind,
            EventKind::CustomerRecycled { rule: RecycleKind::NoFollowUp, days: 30, due_at, .. }
                if *due_at == at(25 * HOUR + 30 * DAY)
        )));
        assert!(events.iter().any(|e| matches!(
            &e.kind,
            EventKind::CustomerLocked { until: Some(t), .. } if *t == at(25 * HOUR + 3 * DAY)
        )));
    }

    #[test]
    fn claim_limits_and_lock_limits_are_typed() {
        let crm = Crm::in_memory(Some(start())).unwrap();
        let settings = OrgSettings {
            timezone: "Asia/Shanghai".into(),
            duplicates: DuplicatePolicy {
                on_create: DuplicateMode::Warn,
                name_threshold: 0.85,
            },
            claims: ClaimPolicy {
                daily_limit: Some(1),
                caps: vec![OwnershipCap {
                    scope: CapScope::Everyone,
                    max_owned: 2,
                    count_won: false,
                }],
            },
            locks: LockPolicy {
                max_locked: Some(1),
                max_days: Some(10),
            },
            default_pool_id: None,
            version: 0,
        };
        let admin = crm.bootstrap("Ada".into(), Some(settings.clone())).unwrap();
        let read = crm.settings().unwrap();
        assert_eq!((read.claims, read.locks), (settings.claims, settings.locks));
        let rep = user(&crm, &admin, "Li Lei");
        let mut pool = east_pool(&crm, &admin, vec![rep.id.clone()]);
        pool = crm
            .update_pool_rules(
                admin.id.clone(),
                pool.id.clone(),
                pool.version,
                PoolRules::default(),
            )
            .unwrap();
        assert_eq!((pool.version, pool.rules.waiting_hours), (2, 0));
        let ids: Vec<String> = ["A", "B", "C"]
            .iter()
            .map(|n| pooled(&crm, &admin, n, &pool.id).id)
            .collect();
        let e = crm
            .claim_customers(rep.id.clone(), ids[..2].to_vec())
            .unwrap_err();
        assert!(matches!(
            e,
            CrmError::DailyLimitReached { limit: 1, ref date, .. } if date == "2026-03-02"
        ));
        assert!(
            crm.customers(rep.id.clone()).unwrap().is_empty(),
            "all or nothing"
        );
        crm.claim_customer(rep.id.clone(), ids[0].clone()).unwrap();
        crm.set_now(at(DAY)).unwrap();
        crm.claim_customer(rep.id.clone(), ids[1].clone()).unwrap();
        crm.set_now(at(2 * DAY)).unwrap();
        let e = crm
            .claim_customer(rep.id.clone(), ids[2].clone())
            .unwrap_err();
        assert!(matches!(
            e,
            CrmError::OwnershipCapReached { ref cap, limit: 2, owned: 2, .. } if cap == "everyone"
        ));
        let locked = crm
            .lock_customer(rep.id.clone(), ids[0].clone(), None)
            .unwrap();
        assert_eq!(
            locked.locked_until,
            Some(at(12 * DAY)),
            "the policy's maximum"
        );
        let e = crm
            .lock_customer(rep.id.clone(), ids[1].clone(), Some(1))
            .unwrap_err();
        assert!(matches!(e, CrmError::LockLimitReached { limit: 1, .. }));
        crm.unlock_customer(rep.id.clone(), ids[0].clone()).unwrap();
        let released = crm
            .release_customer(rep.id.clone(), ids[1].clone(), "not a fit".into())
            .unwrap();
        assert_eq!(released.pool_id.as_ref(), Some(&pool.id));
        let e = crm
            .delete_pool(admin.id.clone(), pool.id.clone())
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_STATE");
        let west = crm
            .create_pool(
                admin.id.clone(),
                NewPool {
                    name: "West".into(),
                    member_ids: vec![],
                    member_team_ids: vec![],
                    admin_ids: vec![],
                    rules: PoolRules::default(),
                },
            )
            .unwrap();
        let moved = crm
            .move_to_pool(
                admin.id.clone(),
                ids[2].clone(),
                west.id.clone(),
                "west".into(),
            )
            .unwrap();
        assert_eq!(moved.pool_id.as_ref(), Some(&west.id));
        assert_eq!(
            crm.pool_customers(admin.id.clone(), pool.id.clone())
                .unwrap()
                .len(),
            1
        );
        crm.move_to_pool(
            admin.id.clone(),
            ids[2].clone(),
            pool.id.clone(),
            "back".into(),
        )
        .unwrap();
        crm.delete_pool(admin.id.clone(), west.id.clone()).unwrap();
        assert_eq!(crm.pools(rep.id).unwrap(), vec![pool]);
    }

    #[test]
    fn leads_are_allocated_converted_and_refused_as_a_batch() {
        let (crm, admin, rep) = org();
        let other = user(&crm, &admin, "Han Meimei");
        let allocator = crm
            .create_allocator(
                admin.id.clone(),
                NewAllocator {
                    name: "Inbound".into(),
                    strategy: Strategy::Rules {
                        rules: vec![Rule {
                            name: "VIPs".into(),
                            conditions: vec![Condition {
                                field: "level".into(),
                                one_of: vec!["VIP".into()],
                            }],
                            target: RuleTarget::Reps {
                                rep_ids: vec![other.id.clone()],
                                strategy: RepStrategy::LeastLoaded,
                            },
                        }],
                        default_target: RuleTarget::Reps {
                            rep_ids: vec![rep.id.clone(), other.id.clone()],
                            strategy: RepStrategy::RoundRobin,
                        },
                    },
                    reps: vec![
                        AllocatorRep {
                            rep_id: rep.id.clone(),
                            weight: 1,
                            daily_cap: Some(1),
                            total_cap: None,
                        },
                        AllocatorRep {
                            rep_id: other.id.clone(),
                            weight: 1,
                            daily_cap: None,
                            total_cap: None,
                        },
                    ],
                },
            )
            .unwrap();
        let lead = |name: &str, level: Option<&str>| {
            crm.capture_lead(
                admin.id.clone(),
                NewLead {
                    name: name.into(),
                    kind: None,
                    phones: vec![],
                    emails: vec![],
                    source: Some("web".into()),
                    region: None,
                    industry: None,
                    level: level.map(str::to_string),
                    custom_fields: HashMap::new(),
                    weight: None,
                    owner_id: None,
                },
            )
            .unwrap()
            .lead
        };
        let (l1, l2) = (lead("One", None), lead("Two", Some("VIP")));
        assert_eq!((l1.weight, l1.status), (1, LeadStatus::Open));
        let placed = crm
            .allocate_leads(
                admin.id.clone(),
                allocator.id.clone(),
                vec![l1.id.clone(), l2.id.clone()],
                false,
            )
            .unwrap();
        assert_eq!(
            placed.iter().map(|a| &a.placement).collect::<Vec<_>>(),
            [
                &Placement::Rep {
                    rep_id: rep.id.clone()
                },
                &Placement::Rep {
                    rep_id: other.id.clone()
                }
            ]
        );
        let read = crm.allocators(admin.id.clone()).unwrap().remove(0);
        assert_eq!(read.state.pointer.as_ref(), Some(&rep.id));
        assert_eq!(read.usage[&rep.id].day, "2026-03-02");
        assert_eq!(read.strategy, allocator.strategy);

        // Rep A is at its daily cap and the default only holds A and B: B takes the next two,
        // but a batch with no rep left is refused whole.
        let only_a = crm
            .create_allocator(
                admin.id.clone(),
                NewAllocator {
                    name: "A only".into(),
                    strategy: Strategy::Capacity,
                    reps: vec![AllocatorRep {
                        rep_id: rep.id.clone(),
                        weight: 1,
                        daily_cap: Some(0),
                        total_cap: None,
                    }],
                },
            )
            .unwrap();
        let l3 = lead("Three", None);
        let e = crm
            .allocate_leads(admin.id.clone(), only_a.id, vec![l3.id.clone()], false)
            .unwrap_err();
        assert!(matches!(e, CrmError::NoEligibleRep { ref lead_id, .. } if lead_id == &l3.id));
        assert_eq!(crm.lead(admin.id.clone(), l3.id.clone()).unwrap(), l3);

        let converted = crm
            .convert_lead(
                rep.id.clone(),
                l1.id.clone(),
                Conversion {
                    opportunity: Some(NewOpportunity {
                        name: "First order".into(),
                        amount: "5000.00".into(),
                        pipeline_id: None,
                        stage: None,
                        expected_close: None,
                        probability_override: None,
                        fields: HashMap::new(),
                    }),
                },
            )
            .unwrap();
        assert_eq!(converted.lead.status, LeadStatus::Converted);
        assert_eq!(converted.customer.open_opportunities, 1);
        let o = converted.opportunity.unwrap();
        assert_eq!(
            (o.amount.as_str(), o.status),
            ("5000.00", OpportunityStatus::Open)
        );
        let e = crm
            .create_opportunity(
                rep.id.clone(),
                converted.customer.id.clone(),
                NewOpportunity {
                    name: "More".into(),
                    amount: "lots".into(),
                    pipeline_id: None,
                    stage: None,
                    expected_close: None,
                    probability_override: None,
                    fields: HashMap::new(),
                },
            )
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
        let lost = crm
            .close_opportunity(rep.id.clone(), o.id.clone(), false, None)
            .unwrap_err();
        assert!(matches!(lost, CrmError::InvalidInput { ref field, .. } if field == "lost_reason"));
        let won = crm
            .close_opportunity(rep.id.clone(), o.id.clone(), true, None)
            .unwrap();
        assert_eq!(
            (won.status, won.closed_at),
            (OpportunityStatus::Won, Some(start()))
        );
        let c = crm
            .customer(rep.id.clone(), converted.customer.id.clone())
            .unwrap();
        assert_eq!(
            (c.deal_status, c.last_won_at, c.open_opportunities),
            (DealStatus::Won, Some(start()), 0)
        );
        assert_eq!(crm.opportunities(rep.id.clone(), c.id).unwrap(), vec![won]);
        assert_eq!(crm.leads(rep.id).unwrap().len(), 1);
    }

    /// Decoding the core's JSON into a mobile record and encoding it again gives the same JSON:
    /// no field of the core is dropped on the way to Kotlin and Swift.
    fn lossless<T: DeserializeOwned + Serialize>(crm: &Crm, op: &str, actor: &str, args: Value) {
        let core = api::call(&crm.inner, op, actor, &args).unwrap();
        let mobile: T = serde_json::from_value(core.clone()).unwrap();
        assert_eq!(to_json(&mobile).unwrap(), core, "{op}");
    }

    #[test]
    fn records_carry_every_field_of_the_core() {
        let (crm, admin, rep) = org();
        let a = admin.id.as_str();
        let pool = east_pool(&crm, &admin, vec![rep.id.clone()]);
        let mut s = crm.settings().unwrap();
        s.default_pool_id = Some(pool.id.clone());
        s.claims.caps = vec![OwnershipCap {
            scope: CapScope::Rep {
                user_id: rep.id.clone(),
            },
            max_owned: 9,
            count_won: true,
        }];
        crm.update_settings(admin.id.clone(), s).unwrap();
        let c = pooled(&crm, &admin, "Acme", &pool.id);
        crm.set_now(at(2 * DAY)).unwrap();
        crm.claim_customer(rep.id.clone(), c.id.clone()).unwrap();
        crm.lock_customer(rep.id.clone(), c.id.clone(), Some(2))
            .unwrap();
        crm.unlock_customer(rep.id.clone(), c.id.clone()).unwrap();
        crm.set_now(at(30 * DAY)).unwrap();
        assert_eq!(
            crm.recycle_warnings(admin.id.clone(), None).unwrap().len(),
            1
        );
        lossless::<Vec<RecycleWarning>>(&crm, "recycle_warnings", a, json!({}));
        crm.set_now(at(40 * DAY)).unwrap();
        lossless::<SweepReport>(&crm, "sweep_pools", a, json!({}));
        let west = crm
            .create_pool(
                admin.id.clone(),
                NewPool {
                    name: "West".into(),
                    member_ids: vec![],
                    member_team_ids: vec![],
                    admin_ids: vec![rep.id.clone()],
                    rules: PoolRules::default(),
                },
            )
            .unwrap();
        crm.update_pool_rules(admin.id.clone(), west.id.clone(), 1, PoolRules::default())
            .unwrap();
        let moved = crm
            .move_to_pool(admin.id.clone(), c.id.clone(), west.id.clone(), "x".into())
            .unwrap();
        assert_eq!(moved.pooled_at, Some(at(40 * DAY)));
        let new = NewAllocator {
            name: "Weighted".into(),
            strategy: Strategy::Weighted,
            reps: vec![AllocatorRep {
                rep_id: rep.id.clone(),
                weight: 3,
                daily_cap: None,
                total_cap: Some(10),
            }],
        };
        let allocator = crm.create_allocator(admin.id.clone(), new).unwrap();
        let rules = NewAllocator {
            name: "Rules".into(),
            strategy: Strategy::Rules {
                rules: vec![Rule {
                    name: "west".into(),
                    conditions: vec![Condition {
                        field: "region".into(),
                        one_of: vec!["West".into()],
                    }],
                    target: RuleTarget::Pool {
                        pool_id: west.id.clone(),
                    },
                }],
                default_target: RuleTarget::Reps {
                    rep_ids: vec![rep.id.clone()],
                    strategy: RepStrategy::Capacity,
                },
            },
            reps: vec![AllocatorRep {
                rep_id: rep.id.clone(),
                weight: 1,
                daily_cap: Some(5),
                total_cap: None,
            }],
        };
        lossless::<Allocator>(&crm, "create_allocator", a, to_json(&rules).unwrap());
        let mut input = NewLead {
            name: "Lead".into(),
            kind: Some(CustomerKind::Person),
            phones: vec!["13800000001".into()],
            emails: vec!["x@example.com".into()],
            source: Some("web".into()),
            region: Some("East".into()),
            industry: Some("Food".into()),
            level: Some("A".into()),
            custom_fields: HashMap::from([("budget".into(), FieldValue::Number("1.50".into()))]),
            weight: Some(2),
            owner_id: None,
        };
        let l = crm
            .capture_lead(admin.id.clone(), input.clone())
            .unwrap()
            .lead;
        input.name = "Second".into();
        lossless::<LeadCaptured>(&crm, "capture_lead", a, to_json(&input).unwrap());
        lossless::<Vec<Allocation>>(
            &crm,
            "allocate_leads",
            a,
            json!({"allocator_id": allocator.id, "lead_ids": [l.id]}),
        );
        lossless::<LeadConversion>(
            &crm,
            "convert_lead",
            a,
            json!({"lead_id": l.id, "opportunity": {"name": "Deal", "amount": "12.50"}}),
        );
        let o = crm.leads(admin.id.clone()).unwrap()[0]
            .customer_id
            .clone()
            .unwrap();
        let opp = crm
            .opportunities(admin.id.clone(), o.clone())
            .unwrap()
            .remove(0);
        crm.close_opportunity(admin.id.clone(), opp.id, false, Some("price".into()))
            .unwrap();
        crm.delete_pool(
            admin.id.clone(),
            crm.create_pool(
                admin.id.clone(),
                NewPool {
                    name: "Empty".into(),
                    member_ids: vec![],
                    member_team_ids: vec![],
                    admin_ids: vec![],
                    rules: PoolRules::default(),
                },
            )
            .unwrap()
            .id,
        )
        .unwrap();
        lossless::<OrgSettings>(&crm, "settings", "", json!({}));
        lossless::<Vec<Pool>>(&crm, "pools", a, json!({}));
        lossless::<Vec<Customer>>(&crm, "customers", a, json!({}));
        lossless::<Vec<Lead>>(&crm, "leads", a, json!({}));
        lossless::<Vec<Allocator>>(&crm, "allocators", a, json!({}));
        lossless::<Vec<Opportunity>>(&crm, "opportunities", a, json!({"customer_id": o}));
        lossless::<Vec<Event>>(&crm, "events", a, json!({"after": 0}));
        let kinds: std::collections::BTreeSet<String> = crm
            .events(admin.id.clone(), 0, None)
            .unwrap()
            .iter()
            .map(|e| {
                to_json(&e.kind).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        for kind in [
            "pool_created",
            "pool_updated",
            "pool_deleted",
            "customer_pool_changed",
            "customer_recycled",
            "customer_locked",
            "customer_unlocked",
            "allocator_created",
            "lead_captured",
            "lead_allocated",
            "lead_converted",
            "opportunity_created",
            "opportunity_moved",
        ] {
            assert!(kinds.contains(kind), "{kind} in {kinds:?}");
        }
    }
}
