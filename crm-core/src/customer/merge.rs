//! Merging two customer records into one without losing anything.

use super::model::{Customer, CustomerStatus, DealStatus};
use super::normalize::{normalize_email, normalize_phone};
use chrono::{DateTime, Utc};

/// Folds `merged` into `survivor`. The survivor keeps its own values and takes the merged record's
/// where it has none; lists and tags are united, dates take the most informative value (earliest
/// creation, latest follow-up, soonest planned follow-up). The merged record becomes a tombstone
/// pointing at the survivor. Returns (survivor, tombstone), both with bumped versions.
pub(crate) fn merge_into(
    survivor: &Customer,
    merged: &Customer,
    now: DateTime<Utc>,
) -> (Customer, Customer) {
    let mut s = survivor.clone();
    let m = merged;
    s.level = s.level.or_else(|| m.level.clone());
    s.tags.extend(m.tags.iter().cloned());
    s.source = s.source.or_else(|| m.source.clone());
    s.industry = s.industry.or_else(|| m.industry.clone());
    s.region = s.region.or_else(|| m.region.clone());
    unite(&mut s.phones, &m.phones, |p| normalize_phone(p).ok());
    unite(&mut s.emails, &m.emails, |e| normalize_email(e).ok());
    if s.owner_id.is_none() {
        s.owner_id = m.owner_id.clone();
        s.owned_since = m.owned_since;
        s.pool_id = m.pool_id.clone();
        s.pooled_at = m.pooled_at;
    }
    s.created_at = s.created_at.min(m.created_at);
    s.last_follow_up_at = s.last_follow_up_at.max(m.last_follow_up_at);
    s.next_follow_up_at = match (s.next_follow_up_at, m.next_follow_up_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if m.deal_status == DealStatus::Won {
        s.deal_status = DealStatus::Won;
    }
    if !s.locked && m.locked {
        s.locked_until = m.locked_until;
    }
    s.locked |= m.locked;
    s.last_won_at = s.last_won_at.max(m.last_won_at);
    s.open_opportunities += m.open_opportunities;
    for (key, value) in &m.custom_fields {
        s.custom_fields
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
    s.merged_from.push(m.id.clone());
    s.merged_from.extend(m.merged_from.iter().cloned());
    s.updated_at = now;
    s.version += 1;

    let mut t = m.clone();
    t.status = CustomerStatus::Merged;
    t.merged_into = Some(s.id.clone());
    if t.owner_id.is_some() {
        t.previous_owner_id = t.owner_id.take();
    }
    t.owned_since = None;
    t.next_follow_up_at = None;
    t.open_opportunities = 0;
    t.locked = false;
    t.locked_until = None;
    t.updated_at = now;
    t.version += 1;
    (s, t)
}

/// Appends the values of `extra` whose normal form `target` does not already hold.
fn unite(target: &mut Vec<String>, extra: &[String], norm: impl Fn(&str) -> Option<String>) {
    let mut seen: Vec<Option<String>> = target.iter().map(|v| norm(v)).collect();
    for value in extra {
        let key = norm(value);
        if !seen.contains(&key) {
            seen.push(key);
            target.push(value.clone());
        }
    }
}
