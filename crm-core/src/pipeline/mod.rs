//! Pipelines (section 4 of DOMAIN.md) as data: ordered stages with a default probability, a
//! forecast category, guards (fields required to enter) and won/lost flags; the transitions they
//! allow; and the reasons a loss may give. Rules here are pure; the service stores pipelines and
//! moves opportunities through them.
//!
//! Choices where the spec is silent:
//! - Probabilities are percentages (0-100). A won stage is always 100 and closed, a lost stage 0
//!   and omitted; an override on an opportunity applies to open stages and is cleared when the
//!   stage changes, as the new stage's default is the better estimate.
//! - Without explicit transitions: forward one or more open stages or to a won stage, back any
//!   number of open stages, to a lost stage from any open stage. Leaving a won or lost stage for an
//!   open one is a reopen: it must be allowed (explicitly, or by default) and the actor's role
//!   must be in `reopen_roles` (default managers and admins). Won to lost and back is refused.
//! - The organisation's `default` pipeline is [`Pipeline::standard`] until one is stored with
//!   that id; it takes any non-empty loss reason, a stored pipeline may list the allowed ones.

pub mod opportunity;
mod reports;
mod transition;

pub use reports::{
    conversion, forecast, rotting, time_in_stage, velocity, ForecastRow, Rotting, StageConversion,
    StageTime, Velocity,
};
pub use transition::{check_move, missing_fields, StageMove};

use crate::access::Role;
use crate::error::{CrmError, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The id of the pipeline opportunities use when they name none.
pub const DEFAULT_PIPELINE: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Stable key opportunities store (`proposal`).
    pub key: String,
    pub name: String,
    #[serde(default = "open")]
    pub kind: StageKind,
    /// Default win probability in percent.
    pub probability: Decimal,
    pub category: ForecastCategory,
    /// Opportunity fields that must be filled to enter: `amount`, `expected_close`, or a custom
    /// field name.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub required_fields: Vec<String>,
    /// Days without activity after which an open opportunity in this stage is rotting.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rot_days: Option<u32>,
}

fn open() -> StageKind {
    StageKind::Open
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Stored pipelines before 0.2 spelt it `from`.
    #[serde(alias = "from")]
    pub from_stage: String,
    #[serde(alias = "to")]
    pub to_stage: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    pub stages: Vec<Stage>,
    /// Allowed moves; empty means the default rule (see the module doc).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub transitions: Vec<Transition>,
    /// The reasons a loss may give; empty accepts any non-empty reason.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub lost_reasons: Vec<String>,
    /// Roles that may reopen a won or lost opportunity.
    #[serde(default = "reopeners")]
    pub reopen_roles: Vec<Role>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub version: u64,
}

fn reopeners() -> Vec<Role> {
    vec![Role::Manager, Role::Admin]
}

impl Pipeline {
    /// The built-in B2B pipeline.
    pub fn standard() -> Pipeline {
        let stage = |key: &str, name: &str, kind, p: i64, category, rot: Option<u32>| Stage {
            key: key.into(),
            name: name.into(),
            kind,
            probability: Decimal::from(p),
            category,
            required_fields: match key {
                "proposal" | "negotiation" => vec!["amount".into(), "expected_close".into()],
                _ => vec![],
            },
            rot_days: rot,
        };
        use ForecastCategory as C;
        use StageKind as K;
        Pipeline {
            id: DEFAULT_PIPELINE.into(),
            name: "Standard".into(),
            stages: vec![
                stage("qualify", "Qualify", K::Open, 10, C::Pipeline, Some(14)),
                stage(
                    "needs_analysis",
                    "Needs analysis",
                    K::Open,
                    25,
                    C::Pipeline,
                    Some(14),
                ),
                stage("proposal", "Proposal", K::Open, 50, C::BestCase, Some(10)),
                stage(
                    "negotiation",
                    "Negotiation",
                    K::Open,
                    75,
                    C::Commit,
                    Some(7),
                ),
                stage("won", "Won", K::Won, 100, C::Closed, None),
                stage("lost", "Lost", K::Lost, 0, C::Omitted, None),
            ],
            transitions: vec![],
            lost_reasons: vec![],
            reopen_roles: reopeners(),
            version: 0,
        }
    }

    pub fn stage(&self, key: &str) -> Result<&Stage> {
        self.stages.iter().find(|s| s.key == key).ok_or_else(|| {
            CrmError::invalid(
                "stage",
                format!("unknown stage {key:?} in pipeline {}", self.id),
            )
        })
    }

    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }

    /// The first stage of a kind (where new opportunities start, or `close` leads).
    pub fn first(&self, kind: StageKind) -> Result<&Stage> {
        self.stages.iter().find(|s| s.kind == kind).ok_or_else(|| {
            CrmError::invalid(
                "stages",
                format!("pipeline {} has no {} stage", self.id, kind.as_str()),
            )
        })
    }

    /// Refuses a pipeline whose stages or transitions cannot be run, naming the problem.
    pub fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(CrmError::invalid("id", "must not be empty"));
        }
        let mut keys = BTreeSet::new();
        for (i, s) in self.stages.iter().enumerate() {
            let field = |f: &str| format!("stages[{i}].{f}");
            if s.key.trim().is_empty() {
                return Err(CrmError::invalid(field("key"), "must not be empty"));
            }
            if !keys.insert(s.key.as_str()) {
                return Err(CrmError::invalid(
                    field("key"),
                    format!("stage {:?} appears twice", s.key),
                ));
            }
            if s.probability < Decimal::ZERO || s.probability > Decimal::ONE_HUNDRED {
                return Err(CrmError::invalid(
                    field("probability"),
                    "must lie between 0 and 100",
                ));
            }
            let (p, category) = match s.kind {
                StageKind::Won => (Decimal::ONE_HUNDRED, ForecastCategory::Closed),
                StageKind::Lost => (Decimal::ZERO, ForecastCategory::Omitted),
                StageKind::Open => (s.probability, s.category),
            };
            if s.probability != p || s.category != category {
                return Err(CrmError::invalid(
                    field("kind"),
                    format!(
                        "a {} stage has probability {p} and category {category:?}",
                        s.kind.as_str()
                    ),
                ));
            }
            if s.kind == StageKind::Open && s.category == ForecastCategory::Closed {
                return Err(CrmError::invalid(
                    field("category"),
                    "an open stage cannot be closed",
                ));
            }
        }
        for kind in [StageKind::Open, StageKind::Won, StageKind::Lost] {
            self.first(kind)?;
        }
        for (i, t) in self.transitions.iter().enumerate() {
            for (end, key) in [("from_stage", &t.from_stage), ("to_stage", &t.to_stage)] {
                if !keys.contains(key.as_str()) {
                    return Err(CrmError::invalid(
                        format!("transitions[{i}].{end}"),
                        format!("unknown stage {key:?}"),
                    ));
                }
            }
            if t.from_stage == t.to_stage {
                return Err(CrmError::invalid(
                    format!("transitions[{i}]"),
                    "a stage cannot move to itself",
                ));
            }
        }
        if self.lost_reasons.iter().any(|r| r.trim().is_empty()) {
            return Err(CrmError::invalid(
                "lost_reasons",
                "a reason must not be empty",
            ));
        }
        Ok(())
    }

    /// The probability an opportunity in `stage` carries, given its override.
    pub fn probability(&self, stage: &Stage, over: Option<Decimal>) -> Decimal {
        match (stage.kind, over) {
            (StageKind::Open, Some(p)) => p,
            _ => stage.probability,
        }
    }

    pub(crate) fn check_lost_reason(&self, reason: Option<&str>) -> Result<String> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        match reason {
            None => Err(CrmError::invalid(
                "lost_reason",
                "a lost opportunity needs a reason",
            )),
            Some(r)
                if !self.lost_reasons.is_empty() && !self.lost_reasons.iter().any(|x| x == r) =>
            {
                Err(CrmError::invalid(
                    "lost_reason",
                    format!("{r:?} is not one of {:?}", self.lost_reasons),
                ))
            }
            Some(r) => Ok(r.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(p: &Pipeline) -> String {
        match p.validate() {
            Err(CrmError::InvalidInput { field, .. }) => field,
            other => panic!("expected INVALID_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn the_standard_pipeline_is_valid() {
        Pipeline::standard().validate().unwrap();
    }

    #[test]
    fn bad_pipelines_are_refused_naming_the_problem() {
        let mut p = Pipeline::standard();
        p.stages[1].key = "qualify".into();
        assert_eq!(field_of(&p), "stages[1].key");

        let mut p = Pipeline::standard();
        p.stages[2].probability = Decimal::from(101);
        assert_eq!(field_of(&p), "stages[2].probability");

        let mut p = Pipeline::standard();
        p.stages[4].probability = Decimal::from(90);
        assert_eq!(field_of(&p), "stages[4].kind");

        let mut p = Pipeline::standard();
        p.stages.retain(|s| s.kind != StageKind::Lost);
        assert_eq!(field_of(&p), "stages");

        let mut p = Pipeline::standard();
        p.transitions = vec![Transition {
            from_stage: "qualify".into(),
            to_stage: "closing".into(),
        }];
        assert_eq!(field_of(&p), "transitions[0].to_stage");

        let mut p = Pipeline::standard();
        p.stages[0].category = ForecastCategory::Closed;
        assert_eq!(field_of(&p), "stages[0].category");
    }

    #[test]
    fn probability_override_applies_to_open_stages_only() {
        let p = Pipeline::standard();
        let over = Some(Decimal::from(33));
        assert_eq!(
            p.probability(p.stage("proposal").unwrap(), over),
            Decimal::from(33)
        );
        assert_eq!(
            p.probability(p.stage("won").unwrap(), over),
            Decimal::ONE_HUNDRED
        );
        assert_eq!(p.probability(p.stage("lost").unwrap(), over), Decimal::ZERO);
    }
}
