//! The records and enums of the mobile API. Field names and serde forms are the core's, so a record
//! converts to and from the core through the operation table's JSON.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::SystemTime;

macro_rules! simple_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),* }
    };
}
pub(crate) use simple_enum;

simple_enum!(Role {
    Rep,
    Manager,
    Admin
});
simple_enum!(DataScope { Own, Team, All });
simple_enum!(CustomerKind { Company, Person });
simple_enum!(CustomerStatus { Active, Merged });
simple_enum!(DealStatus { None, Won });
simple_enum!(Channel {
    Call,
    Visit,
    Email,
    Message,
    Meeting,
    Other
});
simple_enum!(MatchField { Phone, Email, Name });
simple_enum!(DuplicateMode { Off, Warn, Block });
simple_enum!(
    /// Which kind of record an error is about.
    EntityKind {
        User,
        Team,
        Customer,
        Contact,
        FollowUp,
        Settings,
        Pool,
        Lead,
        Opportunity,
        Allocator,
        Pipeline,
        Contract
    }
);
simple_enum!(OwnershipReason {
    Created,
    Claimed,
    Assigned,
    Transferred,
    Recycled,
    Released,
    Merged,
    Handover
});

/// A custom field value. Numbers are decimal strings (exact, never floats); dates `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(String),
    Bool(bool),
    Date(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicatePolicy {
    pub on_create: DuplicateMode,
    pub name_threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OrgSettings {
    /// IANA time zone: local midnight (daily claim limits) and local dates are taken here.
    pub timezone: String,
    pub duplicates: DuplicatePolicy,
    /// Claim limits of the public pools.
    #[uniffi(default)]
    pub claims: ClaimPolicy,
    /// Protection (lock) limits.
    #[uniffi(default)]
    pub locks: LockPolicy,
    /// Where customers without a pool of their own are recycled and released to.
    #[uniffi(default = None)]
    pub default_pool_id: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub scope: DataScope,
    pub team_id: Option<String>,
    pub active: bool,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    #[uniffi(default = None)]
    pub scope: Option<DataScope>,
    #[uniffi(default = None)]
    pub team_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub owner_id: Option<String>,
    pub previous_owner_id: Option<String>,
    pub pool_id: Option<String>,
    #[serde(with = "crate::time::option")]
    pub pooled_at: Option<SystemTime>,
    pub status: CustomerStatus,
    pub merged_into: Option<String>,
    pub merged_from: Vec<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    #[serde(with = "crate::time")]
    pub updated_at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub owned_since: Option<SystemTime>,
    #[serde(with = "crate::time::option")]
    pub last_follow_up_at: Option<SystemTime>,
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
    pub deal_status: DealStatus,
    /// Protected from recycling (保护); see `locked_until`.
    pub locked: bool,
    /// When the protection ends (`None`: until unlocked).
    #[serde(with = "crate::time::option")]
    pub locked_until: Option<SystemTime>,
    /// The latest won deal, for the "no won deal" recycling rule.
    #[serde(with = "crate::time::option")]
    pub last_won_at: Option<SystemTime>,
    /// Open opportunities, for the "no open opportunity" rule and its exemption.
    pub open_opportunities: u32,
    /// When the recycling sweep will return it to its pool under the rules in force when it was
    /// last written (`None`: no rule will).
    #[serde(with = "crate::time::option")]
    pub recycle_due_at: Option<SystemTime>,
    pub custom_fields: HashMap<String, FieldValue>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewCustomer {
    pub name: String,
    #[uniffi(default = None)]
    pub kind: Option<CustomerKind>,
    #[uniffi(default = None)]
    pub level: Option<String>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    #[uniffi(default = None)]
    pub source: Option<String>,
    #[uniffi(default = None)]
    pub industry: Option<String>,
    #[uniffi(default = None)]
    pub region: Option<String>,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
    /// The owner; defaults to the acting user, unless `pool_id` is given without an owner.
    #[uniffi(default = None)]
    pub owner_id: Option<String>,
    /// The customer's pool. Without `owner_id` the customer enters it unowned (公海), waiting to
    /// be claimed (the pool's admins only); with one, it is the pool recycling returns it to.
    #[uniffi(default = None)]
    pub pool_id: Option<String>,
    #[uniffi(default)]
    pub custom_fields: HashMap<String, FieldValue>,
}

/// Only what is given changes. `clear_level` empties the level; a custom field mapped to null is
/// removed.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct CustomerPatch {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub kind: Option<CustomerKind>,
    #[uniffi(default = None)]
    pub level: Option<String>,
    #[uniffi(default = false)]
    pub clear_level: bool,
    #[uniffi(default = [])]
    pub add_tags: Vec<String>,
    #[uniffi(default = [])]
    pub remove_tags: Vec<String>,
    #[uniffi(default = None)]
    pub source: Option<String>,
    #[uniffi(default = None)]
    pub industry: Option<String>,
    #[uniffi(default = None)]
    pub region: Option<String>,
    #[uniffi(default = None)]
    pub phones: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub emails: Option<Vec<String>>,
    #[uniffi(default)]
    pub custom_fields: HashMap<String, Option<FieldValue>>,
}

impl CustomerPatch {
    /// The core's patch form (`level: null` clears, an absent key leaves alone).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut patch = json!({
            "add_tags": self.add_tags, "remove_tags": self.remove_tags, "custom_fields": self.custom_fields,
        });
        let fields: [(&str, serde_json::Value); 8] = [
            ("name", json!(self.name)),
            ("kind", json!(self.kind)),
            ("level", json!(self.level)),
            ("source", json!(self.source)),
            ("industry", json!(self.industry)),
            ("region", json!(self.region)),
            ("phones", json!(self.phones)),
            ("emails", json!(self.emails)),
        ];
        for (key, value) in fields {
            if !value.is_null() {
                patch[key] = value;
            }
        }
        if self.clear_level {
            patch["level"] = serde_json::Value::Null;
        }
        patch
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicateMatch {
    pub customer_id: String,
    pub customer_name: String,
    pub matched_on: MatchField,
    pub matched_value: String,
    pub similarity: f64,
    pub owner_id: Option<String>,
    pub pool_id: Option<String>,
    pub locked: bool,
    pub deal_status: DealStatus,
}

impl From<crm_core::EntityKind> for EntityKind {
    fn from(k: crm_core::EntityKind) -> Self {
        use crm_core::EntityKind as K;
        match k {
            K::User => EntityKind::User,
            K::Team => EntityKind::Team,
            K::Customer => EntityKind::Customer,
            K::Contact => EntityKind::Contact,
            K::FollowUp => EntityKind::FollowUp,
            K::Settings => EntityKind::Settings,
            K::Pool => EntityKind::Pool,
            K::Lead => EntityKind::Lead,
            K::Opportunity => EntityKind::Opportunity,
            K::Allocator => EntityKind::Allocator,
            K::Pipeline => EntityKind::Pipeline,
            K::Contract => EntityKind::Contract,
        }
    }
}

impl From<crm_core::DuplicateMatch> for DuplicateMatch {
    fn from(m: crm_core::DuplicateMatch) -> Self {
        DuplicateMatch {
            customer_id: m.customer_id,
            customer_name: m.customer_name,
            matched_on: match m.matched_on {
                crm_core::MatchField::Phone => MatchField::Phone,
                crm_core::MatchField::Email => MatchField::Email,
                crm_core::MatchField::Name => MatchField::Name,
            },
            matched_value: m.matched_value,
            similarity: m.similarity,
            owner_id: m.owner_id,
            pool_id: m.pool_id,
            locked: m.locked,
            deal_status: match m.deal_status {
                crm_core::DealStatus::None => DealStatus::None,
                crm_core::DealStatus::Won => DealStatus::Won,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CustomerCreated {
    pub customer: Customer,
    pub duplicates: Vec<DuplicateMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicateProbe {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub role: Option<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewContact {
    pub name: String,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
    #[uniffi(default = None)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct FollowUp {
    pub id: String,
    pub customer_id: String,
    pub rep_id: String,
    pub channel: Channel,
    pub note: String,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewFollowUp {
    pub channel: Channel,
    #[uniffi(default = "")]
    pub note: String,
    #[uniffi(default = None)]
    #[serde(with = "crate::time::option")]
    pub at: Option<SystemTime>,
    #[uniffi(default = None)]
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OverdueFollowUp {
    pub customer_id: String,
    pub customer_name: String,
    pub owner_id: String,
    #[serde(with = "crate::time")]
    pub due_at: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OwnershipChange {
    pub seq: u64,
    pub customer_id: String,
    /// The previous owner.
    #[serde(rename = "from")]
    pub from_owner: Option<String>,
    /// The new owner.
    #[serde(rename = "to")]
    pub to_owner: Option<String>,
    pub cause: OwnershipReason,
    pub actor_id: Option<String>,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    UserCreated {
        user_id: String,
    },
    UserDeactivated {
        user_id: String,
    },
    TeamCreated {
        team_id: String,
    },
    SettingsChanged,
    CustomerCreated {
        customer_id: String,
    },
    CustomerUpdated {
        customer_id: String,
        fields: Vec<String>,
    },
    OwnerChanged {
        customer_id: String,
        #[serde(rename = "from")]
        from_owner: Option<String>,
        #[serde(rename = "to")]
        to_owner: Option<String>,
        cause: OwnershipReason,
    },
    ContactAdded {
        customer_id: String,
        contact_id: String,
    },
    FollowUpRecorded {
        customer_id: String,
        follow_up_id: String,
    },
    CustomersMerged {
        survivor_id: String,
        merged_id: String,
    },
    PoolCreated {
        pool_id: String,
    },
    PoolUpdated {
        pool_id: String,
    },
    PoolDeleted {
        pool_id: String,
    },
    /// A customer's pool changed (moved between pools, or put into one).
    CustomerPoolChanged {
        customer_id: String,
        /// The previous pool.
        #[serde(rename = "from")]
        from_pool: Option<String>,
        /// The new pool.
        #[serde(rename = "to")]
        to_pool: String,
    },
    /// A recycling rule returned the customer to its pool; the figures say why.
    CustomerRecycled {
        customer_id: String,
        pool_id: String,
        rule: RecycleKind,
        days: u32,
        #[serde(with = "crate::time")]
        clock_start: SystemTime,
        #[serde(with = "crate::time")]
        due_at: SystemTime,
    },
    CustomerLocked {
        customer_id: String,
        /// `None`: until unlocked.
        #[serde(with = "crate::time::option")]
        until: Option<SystemTime>,
    },
    CustomerUnlocked {
        customer_id: String,
    },
    AllocatorCreated {
        allocator_id: String,
    },
    LeadCaptured {
        lead_id: String,
    },
    /// Allocation placed a lead with a rep or in a pool.
    LeadAllocated {
        lead_id: String,
        /// The previous owner.
        #[serde(rename = "from")]
        from_owner: Option<String>,
        /// The new owner (`None` when the lead went into a pool).
        #[serde(rename = "to")]
        to_owner: Option<String>,
        pool_id: Option<String>,
    },
    LeadConverted {
        lead_id: String,
        customer_id: String,
        opportunity_id: Option<String>,
    },
    OpportunityCreated {
        opportunity_id: String,
        customer_id: String,
    },
    /// A stage transition (won and lost included); the event's reason holds a loss's reason.
    OpportunityMoved {
        opportunity_id: String,
        customer_id: String,
        #[serde(rename = "from")]
        from_stage: String,
        #[serde(rename = "to")]
        to_stage: String,
        transition: crate::pipelines::Move,
    },
    OpportunityUpdated {
        opportunity_id: String,
        customer_id: String,
        fields: Vec<String>,
    },
    /// A note or completed task on the opportunity.
    OpportunityActivity {
        opportunity_id: String,
        customer_id: String,
    },
    PipelineSaved {
        pipeline_id: String,
    },
    ContractCreated {
        contract_id: String,
        customer_id: String,
        opportunity_id: String,
    },
    /// Money received or refunded on a contract.
    PaymentRecorded {
        contract_id: String,
        customer_id: String,
        payment_id: String,
        kind: crate::pipelines::PaymentKind,
        amount: String,
    },
    ContractCancelled {
        contract_id: String,
        customer_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Event {
    pub seq: u64,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    pub actor_id: Option<String>,
    pub kind: EventKind,
    pub reason: String,
}

// ---- the public pool (公海): limits, pools, claims, locks and recycling ----

/// Organisation-wide claim limits (each optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ClaimPolicy {
    /// Claims per rep per local day (the organisation's time zone), across all pools.
    #[uniffi(default = None)]
    pub daily_limit: Option<u64>,
    /// Caps on customers owned per rep; the strictest that matches a rep applies.
    #[uniffi(default = [])]
    pub caps: Vec<OwnershipCap>,
}

/// Whom an ownership cap applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CapScope {
    Everyone,
    /// Every rep of the team.
    Team {
        team_id: String,
    },
    Rep {
        user_id: String,
    },
}

/// Each rep the scope matches may own at most `max_owned` customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OwnershipCap {
    pub scope: CapScope,
    pub max_owned: u64,
    /// Whether won customers count against the cap.
    #[uniffi(default = false)]
    pub count_won: bool,
}

/// Organisation-wide protection (lock) limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct LockPolicy {
    /// Locked customers per rep.
    #[uniffi(default = None)]
    pub max_locked: Option<u64>,
    /// The longest a lock may last, in days.
    #[uniffi(default = None)]
    pub max_days: Option<u32>,
}

simple_enum!(
    /// What a recycling rule measures.
    RecycleKind {
        /// No follow-up for N days; the clock is the later of the last follow-up and the start of
        /// ownership.
        NoFollowUp,
        /// No won deal for N days since the start of ownership.
        NoWonDeal,
        /// No open opportunity for N days since the start of ownership.
        NoOpenOpportunity
    }
);

/// One recycling rule: `days` of 24 hours after its clock starts, or `days_by_level[level]` for
/// customers of that level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RecycleRule {
    pub kind: RecycleKind,
    pub days: u32,
    #[uniffi(default)]
    pub days_by_level: HashMap<String, u32>,
}

/// The timing rules of one pool. The defaults are the core's: no cool-down, no waiting period, no
/// recycling, won customers and customers with an open opportunity exempt, no warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct PoolRules {
    /// The previous owner may not re-claim a customer for this many days after it was recycled
    /// or released (0: no cool-down).
    #[uniffi(default = 0)]
    pub cool_down_days: u32,
    /// A customer newly put into the pool cannot be claimed for this many hours (0: at once).
    #[uniffi(default = 0)]
    pub waiting_hours: u32,
    /// Enabled recycling rules for customers whose pool this is; any one matching recycles.
    #[uniffi(default = [])]
    pub recycle: Vec<RecycleRule>,
    /// Won customers are never recycled.
    #[uniffi(default = true)]
    pub exempt_won: bool,
    /// Customers with an open opportunity are never recycled.
    #[uniffi(default = true)]
    pub exempt_open_opportunity: bool,
    /// Owners are warned this many days before a rule recycles a customer (0: no warnings).
    #[uniffi(default = 0)]
    pub warn_days: u32,
}

impl Default for PoolRules {
    fn default() -> Self {
        PoolRules {
            cool_down_days: 0,
            waiting_hours: 0,
            recycle: Vec::new(),
            exempt_won: true,
            exempt_open_opportunity: true,
            warn_days: 0,
        }
    }
}

/// A pool with its members, admins and rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Pool {
    pub id: String,
    pub name: String,
    /// Users who may claim from it.
    pub member_ids: Vec<String>,
    /// Teams whose members may claim from it.
    pub member_team_ids: Vec<String>,
    /// Users who may manage it; organisation admins always may.
    pub admin_ids: Vec<String>,
    pub rules: PoolRules,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewPool {
    pub name: String,
    #[uniffi(default = [])]
    pub member_ids: Vec<String>,
    #[uniffi(default = [])]
    pub member_team_ids: Vec<String>,
    #[uniffi(default = [])]
    pub admin_ids: Vec<String>,
    #[uniffi(default)]
    pub rules: PoolRules,
}

/// When a customer falls due under the first rule to run out, and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Due {
    pub rule: RecycleKind,
    pub days: u32,
    pub level: Option<String>,
    /// When the rule's clock started (last follow-up or start of ownership).
    #[serde(with = "crate::time")]
    pub clock_start: SystemTime,
    /// When the rule runs out.
    #[serde(with = "crate::time")]
    pub due_at: SystemTime,
    /// A lock that holds the customer past `due_at`: a sweep recycles it at the later of the two.
    #[serde(with = "crate::time::option")]
    pub locked_until: Option<SystemTime>,
}

/// A customer returned to its pool by a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Recycled {
    pub customer_id: String,
    pub customer_name: String,
    /// The owner it was taken from.
    pub owner_id: String,
    pub pool_id: String,
    pub due: Due,
}

/// A customer that a rule will recycle within its pool's `warn_days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RecycleWarning {
    pub customer_id: String,
    pub customer_name: String,
    pub owner_id: String,
    pub pool_id: String,
    pub due: Due,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct SweepReport {
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    /// Customers the index offered as possibly due.
    pub examined: u64,
    pub recycled: Vec<Recycled>,
}

// ---- opportunities (商机) ----

simple_enum!(OpportunityStatus { Open, Won, Lost });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Opportunity {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    /// An exact decimal string (`"5000.00"`).
    pub amount: String,
    pub owner_id: Option<String>,
    pub status: OpportunityStatus,
    pub lost_reason: Option<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub closed_at: Option<SystemTime>,
    pub pipeline_id: String,
    pub stage: String,
    /// Percent; cleared when the stage changes.
    pub probability_override: Option<String>,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    /// Custom fields stage guards may require.
    pub fields: HashMap<String, String>,
    pub history: Vec<crate::pipelines::StageEntry>,
    #[serde(with = "crate::time::option")]
    pub last_activity_at: Option<SystemTime>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewOpportunity {
    pub name: String,
    /// An exact decimal string, validated by the core (`"lots"` is `InvalidInput`); not negative.
    pub amount: String,
    /// Default: the organisation's `default` pipeline.
    #[uniffi(default = None)]
    pub pipeline_id: Option<String>,
    /// Default: the pipeline's first open stage (its guards apply).
    #[uniffi(default = None)]
    pub stage: Option<String>,
    #[uniffi(default = None)]
    pub expected_close: Option<String>,
    #[uniffi(default = None)]
    pub probability_override: Option<String>,
    #[uniffi(default)]
    #[serde(default)]
    pub fields: HashMap<String, String>,
}

// ---- leads (线索) ----

simple_enum!(LeadStatus { Open, Converted });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Lead {
    pub id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub source: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub level: Option<String>,
    pub custom_fields: HashMap<String, FieldValue>,
    /// Capacity the lead consumes when allocated.
    pub weight: u64,
    pub owner_id: Option<String>,
    /// Where allocation rules parked it, waiting for a rep.
    pub pool_id: Option<String>,
    pub status: LeadStatus,
    /// The customer it was converted into.
    pub customer_id: Option<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    #[serde(with = "crate::time")]
    pub updated_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewLead {
    pub name: String,
    #[uniffi(default = None)]
    pub kind: Option<CustomerKind>,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
    #[uniffi(default = None)]
    pub source: Option<String>,
    #[uniffi(default = None)]
    pub region: Option<String>,
    #[uniffi(default = None)]
    pub industry: Option<String>,
    #[uniffi(default = None)]
    pub level: Option<String>,
    #[uniffi(default)]
    pub custom_fields: HashMap<String, FieldValue>,
    /// Capacity the lead consumes; 1 when absent.
    #[uniffi(default = None)]
    pub weight: Option<u64>,
    /// A rep to own it at once (the actor must manage them); otherwise it waits for allocation.
    #[uniffi(default = None)]
    pub owner_id: Option<String>,
}

/// A captured lead and the existing customers it may duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct LeadCaptured {
    pub lead: Lead,
    pub duplicates: Vec<DuplicateMatch>,
}

/// What to convert a lead into besides the customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Conversion {
    #[uniffi(default = None)]
    pub opportunity: Option<NewOpportunity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct LeadConversion {
    pub lead: Lead,
    pub customer: Customer,
    pub duplicates: Vec<DuplicateMatch>,
    pub opportunity: Option<Opportunity>,
}

// ---- lead allocation ----

/// How a rule picks among its reps (a rule cannot nest rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RepStrategy {
    /// In turn, from a persisted pointer.
    RoundRobin,
    /// Smooth weighted round robin.
    Weighted,
    /// The rep with the fewest open leads.
    LeastLoaded,
    /// The rep with the least capacity used per unit of weight.
    Capacity,
}

/// An allocator's strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Strategy {
    /// In turn, from a persisted pointer.
    RoundRobin,
    /// Smooth weighted round robin (deterministic, as nginx's upstream balancing).
    Weighted,
    /// The rep with the fewest open leads.
    LeastLoaded,
    /// The rep with the least capacity used per unit of weight (ties by id), among reps with
    /// capacity left.
    Capacity,
    /// Ordered rules; the first that matches decides; otherwise `default_target`.
    Rules {
        rules: Vec<Rule>,
        /// Where leads no rule matches go.
        #[serde(rename = "default")]
        default_target: RuleTarget,
    },
}

/// A lead field (`source`, `region`, `industry`, `level` or a custom field by name) equal to one
/// of the values (an empty list never matches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Condition {
    pub field: String,
    pub one_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleTarget {
    /// Allocate among these reps (each one of the allocator's reps) with this strategy.
    Reps {
        rep_ids: Vec<String>,
        strategy: RepStrategy,
    },
    /// Put the lead into a pool.
    Pool { pool_id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Rule {
    pub name: String,
    /// All must hold.
    pub conditions: Vec<Condition>,
    pub target: RuleTarget,
}

/// One of an allocator's reps, with its share and caps (in lead weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct AllocatorRep {
    pub rep_id: String,
    /// Share in the weighted and capacity strategies.
    #[uniffi(default = 1)]
    pub weight: u32,
    #[uniffi(default = None)]
    pub daily_cap: Option<u64>,
    #[uniffi(default = None)]
    pub total_cap: Option<u64>,
}

/// What an allocator remembers between batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct AllocatorState {
    /// Round robin: the last rep chosen.
    pub pointer: Option<String>,
    /// Smooth weighted round robin: each rep's current weight.
    pub current: HashMap<String, i64>,
}

/// How much a rep has taken from an allocator, in lead weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RepUsage {
    /// The local day (`YYYY-MM-DD`, the organisation's time zone) `today` counts.
    pub day: String,
    pub today: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Allocator {
    pub id: String,
    pub name: String,
    pub strategy: Strategy,
    pub reps: Vec<AllocatorRep>,
    pub state: AllocatorState,
    /// By rep id.
    pub usage: HashMap<String, RepUsage>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewAllocator {
    pub name: String,
    pub strategy: Strategy,
    pub reps: Vec<AllocatorRep>,
}

/// Where allocation put a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Placement {
    Rep {
        rep_id: String,
    },
    Pool {
        pool_id: String,
    },
    /// Already owned and not to be re-allocated.
    Kept {
        owner_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Allocation {
    pub lead_id: String,
    pub placement: Placement,
    /// Why: the rule that matched and the strategy that chose.
    pub reason: String,
}
