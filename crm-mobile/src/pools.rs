//! The public pool (公海): pools and their rules, claims and their typed refusals, release, locks,
//! recycling sweeps; then leads, their allocation to reps and their conversion.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use crm_core::allocation::{Allocator, LeadAllocation, NewAllocator};
use crm_core::lead::{Lead, LeadCaptured, LeadConversion, NewLead};
use crm_core::opportunity::NewOpportunity;
use crm_core::pool::{NewPool, Pool, PoolRulesPatch, RecycleWarning, SweepReport};
use crm_core::Customer;

operations! {
    /// Creates a pool (administrators).
    pub fn create_pool(&self, actor: String, input: NewPool) -> Result<Pool> {
        self.inner.create_pool(&actor, input)
    }

    /// The pools the actor belongs to or manages (administrators: all).
    pub fn pools(&self, actor: String) -> Result<Vec<Pool>> {
        self.inner.pools(&actor)
    }

    /// Changes the rules the patch gives (the others stay), checking the version read.
    pub fn update_pool_rules(
        &self,
        actor: String,
        pool_id: String,
        expected_version: u64,
        patch: PoolRulesPatch,
    ) -> Result<Pool> {
        self.inner
            .update_pool_rules(&actor, &pool_id, expected_version, patch)
    }

    /// Deletes an empty pool; a pool with customers in it is `INVALID_STATE`.
    pub fn delete_pool(&self, actor: String, pool_id: String) -> Result<()> {
        self.inner.delete_pool(&actor, &pool_id)
    }

    /// The customers waiting in a pool, for its members, in id order.
    pub fn pool_customers(&self, actor: String, pool_id: String) -> Result<Vec<Customer>> {
        self.inner.pool_customers(&actor, &pool_id)
    }

    /// Takes a customer from its pool (领取). Refusals are typed: `AlreadyOwned`,
    /// `WaitingPeriod`, `CoolDown`, `DailyLimitReached`, `OwnershipCapReached`,
    /// `PermissionDenied` (not a member).
    pub fn claim_customer(&self, actor: String, customer_id: String) -> Result<Customer> {
        self.inner.claim_customer(&actor, &customer_id)
    }

    /// Claims every customer in the list, or none: the first refusal fails the whole batch.
    pub fn claim_customers(
        &self,
        actor: String,
        customer_ids: Vec<String>,
    ) -> Result<Vec<Customer>> {
        self.inner.claim_customers(&actor, &customer_ids)
    }

    /// Gives an owned customer back to its pool (or the organisation's default pool) (释放).
    pub fn release_customer(
        &self,
        actor: String,
        customer_id: String,
        reason: String,
    ) -> Result<Customer> {
        self.inner.release_customer(&actor, &customer_id, &reason)
    }

    /// Moves a customer into another pool (an owned one keeps its owner and will be recycled
    /// to the new pool).
    pub fn move_to_pool(
        &self,
        actor: String,
        customer_id: String,
        pool_id: String,
        reason: String,
    ) -> Result<Customer> {
        self.inner
            .move_to_pool(&actor, &customer_id, &pool_id, &reason)
    }

    /// Protects an owned customer from recycling (保护) for `days`, at most the policy's
    /// maximum; `None` locks until unlocked (or for the maximum when the policy sets one).
    #[uniffi::method(default(days = None))]
    pub fn lock_customer(
        &self,
        actor: String,
        customer_id: String,
        days: Option<u32>,
    ) -> Result<Customer> {
        self.inner.lock_customer(&actor, &customer_id, days)
    }

    pub fn unlock_customer(&self, actor: String, customer_id: String) -> Result<Customer> {
        self.inner.unlock_customer(&actor, &customer_id)
    }

    /// Recycles every customer whose rule has run out now (administrators); running it again at
    /// the same instant changes nothing.
    pub fn sweep_pools(&self, actor: String) -> Result<SweepReport> {
        self.inner.sweep_pools(&actor)
    }

    /// Customers a rule will recycle within their pool's `warn_days`, soonest first, in the
    /// actor's scope (or only `owner_id`'s).
    #[uniffi::method(default(owner_id = None))]
    pub fn recycle_warnings(
        &self,
        actor: String,
        owner_id: Option<String>,
    ) -> Result<Vec<RecycleWarning>> {
        self.inner.recycle_warnings(&actor, owner_id.as_deref())
    }

    /// Creates a lead allocator (administrators).
    pub fn create_allocator(&self, actor: String, input: NewAllocator) -> Result<Allocator> {
        self.inner.create_allocator(&actor, input)
    }

    /// Every allocator, with its state and usage (managers and administrators).
    pub fn allocators(&self, actor: String) -> Result<Vec<Allocator>> {
        self.inner.allocators(&actor)
    }

    /// Captures a lead, with the existing customers it may duplicate.
    pub fn capture_lead(&self, actor: String, input: NewLead) -> Result<LeadCaptured> {
        self.inner.capture_lead(&actor, input)
    }

    pub fn lead(&self, actor: String, id: String) -> Result<Lead> {
        self.inner.lead(&actor, &id)
    }

    /// The leads in the actor's scope, in id order.
    pub fn leads(&self, actor: String) -> Result<Vec<Lead>> {
        self.inner.leads(&actor)
    }

    /// Places the leads by the allocator's strategy, all or none (`NoEligibleRep` refuses the
    /// batch). Owned leads are kept unless `reassign_owned`.
    #[uniffi::method(default(reassign_owned = false))]
    pub fn allocate_leads(
        &self,
        actor: String,
        allocator_id: String,
        lead_ids: Vec<String>,
        reassign_owned: bool,
    ) -> Result<Vec<LeadAllocation>> {
        self.inner
            .allocate_leads(&actor, &allocator_id, &lead_ids, reassign_owned)
    }

    /// Turns an open lead into a customer owned by the lead's owner (or the actor), and
    /// optionally an opportunity, in one step.
    #[uniffi::method(default(opportunity = None))]
    pub fn convert_lead(
        &self,
        actor: String,
        lead_id: String,
        opportunity: Option<NewOpportunity>,
    ) -> Result<LeadConversion> {
        self.inner.convert_lead(&actor, &lead_id, opportunity)
    }
}
