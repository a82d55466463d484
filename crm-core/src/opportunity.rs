//! Opportunities (商机) as far as ownership rules need them: open, won or lost, with an amount.
//! The pipeline of stages that moves them lives with section 4's state machines.

use crate::access::UserId;
use crate::customer::CustomerId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: String,
    pub customer_id: CustomerId,
    pub name: String,
    pub amount: Decimal,
    pub owner_id: Option<UserId>,
    pub status: OpportunityStatus,
    pub lost_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOpportunity {
    pub name: String,
    pub amount: Decimal,
}
