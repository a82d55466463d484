//! The RFM configuration file (TOML): a person writes it by hand, every surface reads it the same
//! way, and errors name the problem.
//!
//! ```toml
//! method = "thresholds"          # or "quantile" (default)
//! buckets = 5                    # quantile buckets
//! window_days = 365              # F and M count orders in this window (default: all)
//! segment_map = "codes"         # default map: "codes" (125 R,F,M codes) or "grid" (25 R x FM cells)
//! [weights]                      # total score = r*R + f*F + m*M (default 1, 1, 1)
//! r = 4
//! f = 8
//! m = 8
//! [thresholds]                   # first break point that holds gives the points, else 1
//! recency = [[30, 5], [90, 4], [180, 3], [365, 2]]     # at most N days -> points
//! frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]         # at least N orders -> points
//! monetary = [["50000", 5], ["20000", 4], ["5000", 3]] # at least this amount -> points
//! [[levels]]
//! min_score = 80
//! name = "VIP1"
//! [segments]                     # optional: replaces the default map (3-digit codes or 2-digit cells)
//! Champions = ["555", "554"]
//! ```

use super::{RfmConfig, RfmLevel, RfmMethod, RfmThresholds, RfmWeights, SegmentMap};
use crate::error::{CrmError, Result};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// An exact number written as a TOML integer or a decimal string (never a float).
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "an integer or a decimal string such as \"1.5\" (floats are not exact)"
)]
enum Number {
    Int(i64),
    Text(String),
}

impl Number {
    fn decimal(&self, field: &str) -> Result<Decimal> {
        match self {
            Number::Int(i) => Ok(Decimal::from(*i)),
            Number::Text(s) => Decimal::from_str(s)
                .map_err(|_| CrmError::invalid(field, format!("{s:?} is not a decimal number"))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    method: Option<RfmMethod>,
    buckets: Option<u8>,
    window_days: Option<u32>,
    weights: Option<WeightsFile>,
    thresholds: Option<ThresholdsFile>,
    #[serde(default)]
    levels: Vec<LevelFile>,
    segment_map: Option<String>,
    segments: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightsFile {
    r: Number,
    f: Number,
    m: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    recency: Vec<(i64, u8)>,
    frequency: Vec<(u64, u8)>,
    monetary: Vec<(Number, u8)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    min_score: Number,
    name: String,
}

/// Parses and validates an RFM configuration; absent settings keep the defaults of DOMAIN.md.
pub fn parse_config(source: &str) -> Result<RfmConfig> {
    let file: File = toml::from_str(source)
        .map_err(|e| CrmError::invalid("rfm config", e.to_string().trim().replace('\n', " ")))?;
    let mut config = RfmConfig::default();
    if let Some(method) = file.method {
        config.method = method;
    }
    if let Some(buckets) = file.buckets {
        config.buckets = buckets;
    }
    config.window_days = file.window_days;
    if let Some(w) = file.weights {
        config.weights = RfmWeights {
            r: w.r.decimal("weights.r")?,
            f: w.f.decimal("weights.f")?,
            m: w.m.decimal("weights.m")?,
        };
    }
    if let Some(t) = file.thresholds {
        let monetary = t
            .monetary
            .iter()
            .map(|(n, p)| Ok((n.decimal("thresholds.monetary")?, *p)))
            .collect::<Result<Vec<_>>>()?;
        config.thresholds = RfmThresholds {
            recency: t.recency,
            frequency: t.frequency,
            monetary,
        };
    }
    config.levels = file
        .levels
        .iter()
        .map(|l| {
            Ok(RfmLevel {
                min_score: l.min_score.decimal("levels.min_score")?,
                name: l.name.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match file.segment_map.as_deref() {
        None | Some("codes") => {}
        Some("grid") => config.segments = SegmentMap::default_grid(),
        Some(other) => {
            return Err(CrmError::invalid(
                "segment_map",
                format!("{other:?} is neither \"codes\" nor \"grid\""),
            ))
        }
    }
    if let Some(groups) = file.segments {
        let groups: Vec<(String, Vec<String>)> = groups.into_iter().collect();
        config.segments = SegmentMap::new(&groups)?;
    }
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text: String = include_str!("config.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .skip_while(|l| !l.starts_with("```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("```"))
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse_config(&text).unwrap();
        assert_eq!(config.method, RfmMethod::Thresholds);
        assert_eq!(config.weights.m, Decimal::from(8));
        assert_eq!(config.thresholds.monetary[1], (Decimal::from(20_000), 4));
        assert_eq!(config.segments.segment(5, 5, 5), "Champions");
        assert_eq!(config.segments.segment(1, 1, 1), super::super::UNMAPPED);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_config("method = \"median\"")
            .unwrap_err()
            .to_string()
            .contains("median"));
        assert!(
            parse_config("[weights]\nr = 1.5\nf = 1\nm = 1").is_err(),
            "floats are refused"
        );
        assert!(parse_config("[weights]\nr = \"x\"\nf = 1\nm = 1")
            .unwrap_err()
            .to_string()
            .contains("weights.r"));
        assert!(parse_config("method = \"thresholds\"")
            .unwrap_err()
            .to_string()
            .contains("break point"));
        assert!(parse_config("bucket = 5")
            .unwrap_err()
            .to_string()
            .contains("bucket"));
        assert_eq!(parse_config("").unwrap(), RfmConfig::default());
    }

    #[test]
    fn the_grid_map_is_chosen_by_name() {
        let config = parse_config("segment_map = \"grid\"").unwrap();
        assert!(config.segments.is_grid());
        assert_eq!(config.segments.segment(5, 5, 4), "Champions");
        let err = parse_config("segment_map = \"cube\"").unwrap_err();
        assert!(err.to_string().contains("cube"), "{err}");
    }

    #[test]
    fn a_float_weight_is_refused_with_the_reason() {
        let err = parse_config("[weights]\nr = 1.5\nf = 1\nm = 1\n").unwrap_err();
        assert!(err.to_string().contains("floats are not exact"), "{err}");
    }
}
