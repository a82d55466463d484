//! The undo journal of the memory store's open write transaction: each change records what it
//! replaced, and a rollback puts it back, newest first.

use super::{set_child, set_entry, Key, State};
use crate::access::{Team, User};
use crate::customer::{Contact, Customer, FollowUp};
use crate::settings::OrgSettings;
use crate::store::{Doc, DocKind};
use std::sync::Arc;

/// What one change replaced. Large records are boxed, so the entries of the common changes
/// (customers, events) stay small in a journal of tens of thousands.
pub(super) enum Undo {
    Settings(Box<Option<OrgSettings>>),
    Sequence(String, Option<u64>),
    User(Box<(String, Option<User>)>),
    Team(Box<(String, Option<Team>)>),
    Customer(Key, Option<Arc<Customer>>),
    Doc(Box<(DocKind, String, Option<Doc>)>),
    DedupKeys(String, Vec<String>),
    Contact(Box<(String, Option<Contact>)>),
    FollowUp(Box<(String, Option<FollowUp>)>),
    /// The newest event was appended.
    Event,
}

/// The changes of the open transaction. Snapshots and forks start with an empty journal: it
/// belongs to the transaction, not to the data.
#[derive(Default)]
pub(super) struct Journal(Vec<Undo>);

impl Clone for Journal {
    fn clone(&self) -> Self {
        Journal::default()
    }
}

impl Journal {
    pub(super) fn push(&mut self, undo: Undo) {
        self.0.push(undo);
    }

    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A write transaction on the state in place: rolled back when dropped uncommitted, which also
/// covers a panic in the middle of the work.
pub(super) struct Open<'a> {
    state: &'a mut State,
    committed: bool,
}

impl<'a> Open<'a> {
    pub(super) fn new(state: &'a mut State) -> Self {
        // A journal left over (a panic during an earlier rollback) cannot be trusted to undo.
        state.journal.0.clear();
        Open {
            state,
            committed: false,
        }
    }

    pub(super) fn state(&mut self) -> &mut State {
        self.state
    }

    pub(super) fn commit(mut self) {
        self.state.journal.0.clear();
        self.committed = true;
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let changes = std::mem::take(&mut self.state.journal.0);
            for undo in changes.into_iter().rev() {
                self.state.undo(undo);
            }
        }
    }
}

impl State {
    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Settings(old) => self.settings = *old,
            Undo::Sequence(name, old) => {
                set_entry(&mut self.sequences, &name, old);
            }
            Undo::User(undo) => {
                let (id, old) = *undo;
                set_entry(&mut self.users, &id, old);
            }
            Undo::Team(undo) => {
                let (id, old) = *undo;
                set_entry(&mut self.teams, &id, old);
            }
            Undo::Customer(id, old) => {
                self.set_customer(&id, old);
            }
            Undo::Doc(undo) => {
                let (kind, id, old) = *undo;
                self.set_doc(kind, &id, old);
            }
            Undo::DedupKeys(customer_id, old) => {
                self.set_keys(&customer_id, &old);
            }
            Undo::Contact(undo) => {
                let (id, old) = *undo;
                set_child(
                    &mut self.contacts,
                    &mut self.contacts_by_customer,
                    &id,
                    old,
                    |c| &c.customer_id,
                );
            }
            Undo::FollowUp(undo) => {
                let (id, old) = *undo;
                set_child(
                    &mut self.follow_ups,
                    &mut self.follow_ups_by_customer,
                    &id,
                    old,
                    |f| &f.customer_id,
                );
            }
            Undo::Event => {
                let Some(event) = self.events.pop_back() else {
                    return;
                };
                for customer in event.kind.customer_ids() {
                    if let Some(seqs) = self.events_by_customer.get_mut(customer.as_str()) {
                        seqs.pop_back();
                        if seqs.is_empty() {
                            self.events_by_customer.remove(customer.as_str());
                        }
                    }
                }
            }
        }
    }
}
