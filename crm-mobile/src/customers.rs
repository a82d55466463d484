//! The organisation, its people and its customers: settings, teams, users, customers, contacts,
//! follow-ups (跟进), duplicates (撞单), merging, handover (离职交接) and the event log.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use crm_core::customer::{
    Contact, Customer, CustomerPatch, DuplicateMatch, DuplicateProbe, FollowUp, NewContact,
    NewCustomer, NewFollowUp, OverdueFollowUp,
};
use crm_core::{CustomerCreated, Event, NewUser, OrgSettings, OwnershipChange, SettingsPatch};
use crm_core::{Team, User};

operations! {
    /// Creates the first administrator of an empty organisation (no actor yet).
    #[uniffi::method(default(settings = None))]
    [no_actor]
    pub fn bootstrap(&self, admin_name: String, settings: Option<OrgSettings>) -> Result<User> {
        self.inner.bootstrap(&admin_name, settings)
    }

    /// The organisation's settings (readable by anyone).
    [no_actor]
    pub fn settings(&self) -> Result<OrgSettings> {
        self.inner.settings()
    }

    /// Changes the parts of the settings the patch gives, checking the version read.
    pub fn update_settings(
        &self,
        actor: String,
        expected_version: u64,
        patch: SettingsPatch,
    ) -> Result<OrgSettings> {
        self.inner.update_settings(&actor, expected_version, patch)
    }

    pub fn create_team(&self, actor: String, name: String) -> Result<Team> {
        self.inner.create_team(&actor, &name)
    }

    pub fn teams(&self, actor: String) -> Result<Vec<Team>> {
        self.inner.teams(&actor)
    }

    pub fn create_user(&self, actor: String, input: NewUser) -> Result<User> {
        self.inner.create_user(&actor, input)
    }

    pub fn user(&self, actor: String, id: String) -> Result<User> {
        self.inner.user(&actor, &id)
    }

    pub fn users(&self, actor: String) -> Result<Vec<User>> {
        self.inner.users(&actor)
    }

    /// A leaver can no longer act; hand their customers over first.
    pub fn deactivate_user(&self, actor: String, id: String, reason: String) -> Result<User> {
        self.inner.deactivate_user(&actor, &id, &reason)
    }

    /// Without `owner_id` the actor owns the new customer, unless `pool_id` puts it into that
    /// pool unowned; the possible duplicates come back with it.
    pub fn create_customer(&self, actor: String, input: NewCustomer) -> Result<CustomerCreated> {
        self.inner.create_customer(&actor, input)
    }

    pub fn customer(&self, actor: String, id: String) -> Result<Customer> {
        self.inner.customer(&actor, &id)
    }

    /// The customers in the actor's scope.
    pub fn customers(&self, actor: String) -> Result<Vec<Customer>> {
        self.inner.customers(&actor)
    }

    /// Only what the patch gives changes; `clear_level` removes the level, a `None` custom field
    /// removes that field.
    pub fn update_customer(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        patch: CustomerPatch,
    ) -> Result<Customer> {
        self.inner
            .update_customer(&actor, &id, expected_version, patch)
    }

    pub fn transfer_customer(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        to_user_id: String,
        reason: String,
    ) -> Result<Customer> {
        self.inner
            .transfer_customer(&actor, &id, expected_version, &to_user_id, &reason)
    }

    pub fn add_contact(
        &self,
        actor: String,
        customer_id: String,
        contact: NewContact,
    ) -> Result<Contact> {
        self.inner.add_contact(&actor, &customer_id, contact)
    }

    pub fn contacts(&self, actor: String, customer_id: String) -> Result<Vec<Contact>> {
        self.inner.contacts(&actor, &customer_id)
    }

    /// Records a follow-up; its `next_follow_up_at` becomes the customer's plan.
    pub fn record_follow_up(
        &self,
        actor: String,
        customer_id: String,
        follow_up: NewFollowUp,
    ) -> Result<FollowUp> {
        self.inner.record_follow_up(&actor, &customer_id, follow_up)
    }

    pub fn follow_ups(&self, actor: String, customer_id: String) -> Result<Vec<FollowUp>> {
        self.inner.follow_ups(&actor, &customer_id)
    }

    /// Planned follow-ups that are due, for one rep or everyone in scope.
    #[uniffi::method(default(rep_id = None))]
    pub fn overdue_follow_ups(
        &self,
        actor: String,
        rep_id: Option<String>,
    ) -> Result<Vec<OverdueFollowUp>> {
        self.inner.overdue_follow_ups(&actor, rep_id.as_deref())
    }

    /// Customers that would clash with these details, whoever owns them.
    pub fn find_duplicates(
        &self,
        actor: String,
        probe: DuplicateProbe,
    ) -> Result<Vec<DuplicateMatch>> {
        self.inner.find_duplicates(&actor, probe)
    }

    pub fn duplicates_of(&self, actor: String, customer_id: String) -> Result<Vec<DuplicateMatch>> {
        self.inner.duplicates_of(&actor, &customer_id)
    }

    /// Merges `merged_id` into `survivor_id`, losing nothing; the merged record stays as a
    /// tombstone.
    pub fn merge_customers(
        &self,
        actor: String,
        survivor_id: String,
        merged_id: String,
    ) -> Result<Customer> {
        self.inner.merge_customers(&actor, &survivor_id, &merged_id)
    }

    /// Hands every customer of a leaving rep to another in one step; the ids handed over.
    pub fn handover(
        &self,
        actor: String,
        from_user_id: String,
        to_user_id: String,
        reason: String,
    ) -> Result<Vec<String>> {
        self.inner
            .handover(&actor, &from_user_id, &to_user_id, &reason)
    }

    pub fn ownership_history(
        &self,
        actor: String,
        customer_id: String,
    ) -> Result<Vec<OwnershipChange>> {
        self.inner.ownership_history(&actor, &customer_id)
    }

    pub fn customer_events(&self, actor: String, customer_id: String) -> Result<Vec<Event>> {
        self.inner.customer_events(&actor, &customer_id)
    }

    /// Events after sequence number `after`, at most `limit` of them (all when left out).
    #[uniffi::method(default(limit = None))]
    pub fn events(&self, actor: String, after: u64, limit: Option<u64>) -> Result<Vec<Event>> {
        let limit = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        self.inner.events(&actor, after, limit)
    }
}
