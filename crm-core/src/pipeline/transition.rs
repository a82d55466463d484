//! Which moves a pipeline allows and what a stage requires on entry.

use super::opportunity::Opportunity;
use super::{Pipeline, Stage, StageKind};
use crate::access::Role;
use crate::error::{CrmError, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum StageMove {
    Forward,
    Back,
    Win,
    Lose,
    Reopen,
}

/// Classifies the move `from` -> `to` and refuses it when the pipeline does not allow it or
/// `role` may not reopen.
pub fn check_move(
    p: &Pipeline,
    opportunity_id: &str,
    from: &str,
    to: &str,
    role: Role,
) -> Result<StageMove> {
    let refuse = |reason: String| CrmError::TransitionNotAllowed {
        opportunity_id: opportunity_id.to_string(),
        from_stage: from.to_string(),
        to_stage: to.to_string(),
        reason,
    };
    let (a, b) = (p.stage(from)?, p.stage(to)?);
    if from == to {
        return Err(refuse("the opportunity is already in that stage".into()));
    }
    let (i, j) = (p.position(from), p.position(to));
    let kind = match (a.kind, b.kind) {
        (StageKind::Open, StageKind::Open) if j > i => StageMove::Forward,
        (StageKind::Open, StageKind::Open) => StageMove::Back,
        (StageKind::Open, StageKind::Won) => StageMove::Win,
        (StageKind::Open, StageKind::Lost) => StageMove::Lose,
        (_, StageKind::Open) => StageMove::Reopen,
        _ => {
            return Err(refuse(format!(
                "a {} opportunity can only be reopened into an open stage",
                a.kind.as_str()
            )))
        }
    };
    if !p.transitions.is_empty()
        && !p
            .transitions
            .iter()
            .any(|t| t.from_stage == from && t.to_stage == to)
    {
        return Err(refuse(format!(
            "pipeline {} lists no such transition",
            p.id
        )));
    }
    if kind == StageMove::Reopen && !p.reopen_roles.contains(&role) {
        let roles: Vec<&str> = p.reopen_roles.iter().map(|r| r.as_str()).collect();
        return Err(refuse(format!(
            "reopening needs the role {}",
            roles.join(" or ")
        )));
    }
    Ok(kind)
}

/// The guard fields of `stage` that `o` leaves empty.
pub fn missing_fields(stage: &Stage, o: &Opportunity) -> Vec<String> {
    stage
        .required_fields
        .iter()
        .filter(|f| match f.as_str() {
            "amount" => o.amount.is_zero(),
            "expected_close" => o.expected_close.is_none(),
            "name" => o.name.trim().is_empty(),
            other => o.fields.get(other).is_none_or(|v| v.trim().is_empty()),
        })
        .cloned()
        .collect()
}
