//! The core's pure rules as top-level functions (no organisation): SLA calendar arithmetic and
//! ticket clocks, RFM scoring and segment movement, performance (业绩) and commission statements.
//! Each batch crosses the FFI once, as typed lists, and goes straight to the core's rule function
//! (what `crm_core::api`'s pure table runs for JSON callers).
//!
//! [`AsyncRules`] has the same functions as Kotlin `suspend` / Swift `async` methods, from the same
//! list (the `rules!` macro), each run on a worker thread like `AsyncCrm`'s: a large batch (an RFM
//! scoring of a million orders) never holds up the caller's thread.

use crate::Result;
use chrono::{DateTime, NaiveDate, Utc};
use crm_core::api::pure;
use crm_core::commission::{CommissionCredit, CommissionPlan, CommissionStatement};
use crm_core::performance::{Achievement, Attainment, PerformanceBasis, PerformanceTarget};
use crm_core::pipeline::Pipeline;
use crm_core::rfm::{ChurnRule, ChurnWarning, RfmFlow, RfmMovement, RfmOrder, RfmRow};
use crm_core::sla::{SlaClockStatus, SlaDue, SlaElapsed, SlaHistoryEntry};
use crm_core::sla::{SlaPolicy, SlaWorkingAt};

/// Exports each rule twice from one list: as the blocking top-level function written here, and as
/// an `async` method of the same name, doc and defaults on [`AsyncRules`] that runs it on a worker
/// thread. `[default(...)]` gives the defaults of both.
macro_rules! rules {
    ($(
        $(#[doc = $doc:expr])*
        $([default($($default:tt)*)])?
        pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[uniffi::export$((default($($default)*)))?]
            pub fn $name($($arg: $ty),*) -> $ret $body
        )*

        #[uniffi::export]
        impl AsyncRules {
            $(
                $(#[doc = $doc])*
                $(#[uniffi::method(default($($default)*))])?
                pub async fn $name(&self, $($arg: $ty),*) -> $ret {
                    crate::unblock(move || self::$name($($arg),*)).await
                }
            )*
        }
    };
}

/// The pure rules (`rfmScore`, `slaDueBatch`, `attribute`, ...) as `suspend` (Kotlin) and `async`
/// (Swift) functions: `AsyncRules().rfmScore(orders, asOf)`. Each call runs the blocking function
/// on a worker thread of `AsyncCrm`'s pool; cancelling the caller returns at once (a call already
/// running finishes on its worker, its result dropped).
#[derive(uniffi::Object, Default)]
pub struct AsyncRules;

#[uniffi::export]
impl AsyncRules {
    #[uniffi::constructor]
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(AsyncRules)
    }
}

rules! {
    /// When a target of `minutes` business minutes from `start` runs out on the calendar (TOML).
    pub fn sla_due(calendar: String, start: DateTime<Utc>, minutes: i64) -> Result<SlaDue> {
        pure::sla_due(&calendar, start, minutes)
    }

    /// `sla_due` for many tickets at once: one due time per start.
    pub fn sla_due_batch(
        calendar: String,
        starts: Vec<DateTime<Utc>>,
        minutes: Vec<i64>,
    ) -> Result<Vec<DateTime<Utc>>> {
        pure::sla_due_batch(&calendar, &starts, &minutes)
    }

    /// Business time between two instants, in whole minutes (negative when `end` is before `start`).
    pub fn sla_elapsed(
        calendar: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<SlaElapsed> {
        pure::sla_elapsed(&calendar, start, end)
    }

    /// Whether `at` is working time, and the next working instant from it.
    pub fn sla_working_at(calendar: String, at: DateTime<Utc>) -> Result<SlaWorkingAt> {
        pure::sla_working_at(&calendar, at)
    }

    /// Every clock of a ticket at `now`, replayed from its history under the policy.
    pub fn sla_ticket_status(
        calendar: String,
        policy: SlaPolicy,
        history: Vec<SlaHistoryEntry>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SlaClockStatus>> {
        pure::sla_ticket_status(&calendar, &policy, &history, now)
    }

    /// RFM scores of the customers in `orders` as of a day, in customer id order; `config` is the RFM
    /// configuration's TOML text (the default quintiles when left out).
    [default(config = None)]
    pub fn rfm_score(
        orders: Vec<RfmOrder>,
        as_of: NaiveDate,
        config: Option<String>,
    ) -> Result<Vec<RfmRow>> {
        pure::rfm_score(&orders, as_of, config.as_deref())
    }

    /// Customers whose segment differs between two scorings.
    pub fn rfm_movements(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Vec<RfmMovement> {
        crm_core::rfm::movements(&before, &after)
    }

    /// How many customers went from each segment to each other.
    pub fn rfm_flows(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Vec<RfmFlow> {
        crm_core::rfm::flows(&before, &after)
    }

    /// Valuable customers sliding into a cooling segment (the core's default rule when left out).
    [default(rule = None)]
    pub fn rfm_churn_warnings(
        before: Vec<RfmRow>,
        after: Vec<RfmRow>,
        rule: Option<ChurnRule>,
    ) -> Vec<ChurnWarning> {
        crm_core::rfm::churn_warnings(&before, &after, &rule.unwrap_or_default())
    }

    /// Attainment of each target on won or collected amounts, ranked per kind of subject and period.
    pub fn performance(
        targets: Vec<PerformanceTarget>,
        achievements: Vec<Achievement>,
        basis: PerformanceBasis,
    ) -> Result<Vec<Attainment>> {
        crm_core::performance::evaluate(&targets, &achievements, basis)
    }

    /// Attainments of one period, best first: reps, or teams with `teams`.
    [default(teams = false)]
    pub fn leaderboard(
        targets: Vec<PerformanceTarget>,
        achievements: Vec<Achievement>,
        basis: PerformanceBasis,
        period: String,
        teams: bool,
    ) -> Result<Vec<Attainment>> {
        pure::leaderboard(&targets, &achievements, basis, &period, teams)
    }

    /// Commission statements over the credits given: one rep's, or every rep's; the plan as a record
    /// or as TOML text (`plan_toml`), exactly one of them.
    [default(plan = None, plan_toml = None, rep_id = None)]
    pub fn commission_statement(
        credits: Vec<CommissionCredit>,
        period: String,
        plan: Option<CommissionPlan>,
        plan_toml: Option<String>,
        rep_id: Option<String>,
    ) -> Result<Vec<CommissionStatement>> {
        let plan = pure::plan_of(plan, plan_toml.as_deref())?;
        pure::commission_statement(&plan, &credits, &period, rep_id.as_deref())
    }

    /// Shares of won deals among the campaigns that touched them, by a model: exact shares summing
    /// to 1 and money summing to each deal's amount, each line explaining itself.
    pub fn attribute(
        deals: Vec<crm_core::campaign::AttributedDeal>,
        attribution: crm_core::campaign::AttributionSettings,
    ) -> Result<Vec<crm_core::campaign::DealAttribution>> {
        crm_core::campaign::attribution::attribute_all(&deals, &attribution)
    }
}

// uniffi can give a Kotlin or Swift parameter no enum and no non-empty list as its default, so the
// core's defaults of such fields come as whole records to adjust (Kotlin `copy`).

/// The core's churn rule (its valuable and cooling segments, R falling by 2).
#[uniffi::export]
pub fn default_churn_rule() -> ChurnRule {
    ChurnRule::default()
}

/// The built-in B2B pipeline (`default` until an admin stores another), a template for new ones.
#[uniffi::export]
pub fn standard_pipeline() -> Pipeline {
    Pipeline::standard()
}
