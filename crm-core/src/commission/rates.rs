//! Tier arithmetic, apart from the engine so it can be read (and checked) on its own: which tier
//! a period total reaches (retroactive) and which slices of the period total a credit fills
//! (graduated).

use super::plan::{CommissionTier, TierBoundary};
use rust_decimal::Decimal;

/// The 0-based tier a period `total` reaches. Tiers are validated (contiguous from 0, only the
/// last open-ended), so the search always ends; a total exactly on a boundary belongs to the
/// lower tier unless `boundary` is `Upper`.
pub fn tier_of(tiers: &[CommissionTier], total: Decimal, boundary: TierBoundary) -> usize {
    tiers
        .iter()
        .position(|t| match (t.upper, boundary) {
            (None, _) => true,
            (Some(to), TierBoundary::Lower) => total <= to,
            (Some(to), TierBoundary::Upper) => total < to,
        })
        .unwrap_or(tiers.len().saturating_sub(1))
}

/// One slice of a credit inside one tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// 0-based tier index.
    pub tier: usize,
    pub lo: Decimal,
    pub hi: Decimal,
}

impl Slice {
    /// `hi > lo` always, and both lie in `[running, end]`, so this cannot overflow.
    pub fn width(&self) -> Decimal {
        self.hi - self.lo
    }
}

/// The slices a credit filling the period total from `running` to `end` covers, lowest first
/// (graduated pay: each slice at its own tier's rate, like income tax).
pub fn slices(tiers: &[CommissionTier], running: Decimal, end: Decimal) -> Vec<Slice> {
    tiers
        .iter()
        .enumerate()
        .filter_map(|(tier, t)| {
            let lo = running.max(t.lower);
            let hi = t.upper.map_or(end, |to| end.min(to));
            (hi > lo).then_some(Slice { tier, lo, hi })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<CommissionTier> {
        let t = |from: i64, to: Option<i64>, rate: i64| CommissionTier {
            lower: from.into(),
            upper: to.map(Decimal::from),
            rate: rate.into(),
        };
        vec![t(0, Some(100), 1), t(100, Some(200), 2), t(200, None, 3)]
    }

    #[test]
    fn a_boundary_total_belongs_to_the_lower_tier_unless_upper() {
        let t = tiers();
        assert_eq!(tier_of(&t, Decimal::from(100), TierBoundary::Lower), 0);
        assert_eq!(tier_of(&t, Decimal::from(100), TierBoundary::Upper), 1);
        assert_eq!(tier_of(&t, Decimal::from(5000), TierBoundary::Lower), 2);
    }

    #[test]
    fn a_credit_crossing_two_edges_fills_three_slices() {
        let s = slices(&tiers(), Decimal::from(50), Decimal::from(250));
        let got: Vec<(usize, i64)> = s
            .iter()
            .map(|s| (s.tier, s.width().try_into().unwrap()))
            .collect();
        assert_eq!(got, [(0, 50), (1, 100), (2, 50)]);
    }
}
