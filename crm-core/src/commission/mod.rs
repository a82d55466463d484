//! Commission (section 6 of DOMAIN.md): a plan is data (base, rate structure, period, quota bands,
//! gate, caps and floors, clawback window, draw, rounding) applied to credits (won deals with their
//! splits, payments, refunds, cancellations). Pure: statements are computed from the credits given.
//!
//! Choices where the spec is silent:
//! - Rates, splits, attainment and band thresholds are percentages; all decimals are exact
//!   (strings in TOML, never floats).
//! - A deal's split is given by its `won` rows (one per rep, summing to exactly 100); payments,
//!   refunds and cancellations name only the deal and are credited by that split.
//! - Booked plans credit `amount x split` on the win date. Collected plans credit cash: a payment
//!   earns what the deal's rate gives on `payment x split` (a fixed per-deal amount is prorated by
//!   payment / contract total), in the payment's period; for flat and per-deal rates this is
//!   exactly deal commission x payment / contract total.
//! - Tiers are on the rep's period base total; slices are filled by the credits in date order
//!   (then deal id). A total exactly on a boundary belongs to the lower tier unless the plan says
//!   `boundary = "upper"`. Tiers start at 0, follow each other without gaps or overlaps, and only
//!   the last may be open-ended.
//! - Order of adjustments within a period: rate lines, per-deal cap and floor, the quota band
//!   (accelerator or decelerator: the highest band whose `min_attainment` the attainment reaches),
//!   the gate (below `min_attainment` the period's commission is multiplied by `factor`, 0 = pays
//!   nothing), clawbacks, the period cap and floor, then the draw.
//! - Clawbacks: a refund reverses the commission earned per unit of the deal's credited amount,
//!   at that original rate; a cancellation reverses what the deal earned and was not yet clawed
//!   back. Only within `clawback_days` (default 90; 0 disables) of the deal's first earning; later
//!   ones get a zero line that says so.
//! - Draws: recoverable draws carry the shortfall and recover it from later earnings above the
//!   draw; non-recoverable ones pay max(earnings, draw). Statements are computed period by period
//!   from the first credit, so carried balances and clawbacks of earlier periods are exact; at
//!   most [`MAX_PERIODS`] periods are replayed (older credits are refused), bounding the work.
//! - Arithmetic is checked: a Decimal overflow anywhere is `InvalidInput` on `amount`, never a
//!   panic.
//! - Rounding: every line is exact; the rounded amount of line i is round(running exact total
//!   through i) - round(running exact total before i), so the lines sum to the rounded exact total.

mod credits;
mod plan;
mod rates;
mod statement;

pub use credits::{split_credits, CommissionCredit, CommissionCreditKind};
pub use plan::{
    parse_plan, CommissionBase, CommissionDraw, CommissionGate, CommissionPeriod, CommissionPlan,
    CommissionQuota, CommissionRates, CommissionRounding, CommissionTier, QuotaBand, RoundingMode,
    TierBoundary,
};
pub use statement::{
    statement, statements, CommissionLine, CommissionLineKind, CommissionStatement, MAX_PERIODS,
};
