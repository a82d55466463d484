//! Attribution (influence) of won deals and collected cash to the campaigns that touched the
//! customer before the win (DOMAIN.md section 10). Pure: a deal with its touches in, exact shares
//! and money lines out, each line explaining itself.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How a deal's amount is shared among the touches that led to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum AttributionModel {
    /// 100% to the earliest touch.
    FirstTouch,
    /// 100% to the latest touch before the win.
    LastTouch,
    /// Equal shares (linear).
    Even,
    /// 40% first, 40% last, 20% shared evenly by the touches between.
    UShaped,
    /// 30% first, 30% the lead-creation touch, 30% the opportunity-creation touch, 10% shared
    /// evenly by the rest.
    WShaped,
    /// Weights halving every `half_life_days` before the win.
    TimeDecay,
    /// 100% to the opportunity's primary campaign source.
    PrimarySource,
}

/// The model and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct AttributionSettings {
    pub model: AttributionModel,
    /// Touches more than this many days before the win are ignored (default 180).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub lookback_days: Option<u32>,
    /// Time decay: a touch this many days before the win weighs half as much (default 7).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub half_life_days: Option<u32>,
}

/// One campaign touching one of the customer's members (stored campaigns: its first response if
/// it came by the win, else its joining the campaign).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Touch {
    pub campaign_id: String,
    pub at: DateTime<Utc>,
}

/// A won opportunity with what attribution needs of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct AttributedDeal {
    /// The opportunity's id.
    pub id: String,
    pub amount: Decimal,
    pub won_at: DateTime<Utc>,
    /// When the opportunity was created (W-shaped: the touch at or before it).
    pub created_at: DateTime<Utc>,
    /// When the lead it came from was created (W-shaped), if it came from a lead.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub lead_created_at: Option<DateTime<Utc>>,
    /// The opportunity's primary campaign source.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub primary_campaign_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub touches: Vec<Touch>,
}

/// One touch's part of a deal: an exact share and its money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttributionLine {
    pub campaign_id: String,
    /// The touch's time (none for the primary source model).
    pub touch_at: Option<DateTime<Utc>>,
    /// 1-based place among the counted touches, in time order.
    pub position: u32,
    /// A fraction of 1 with four places (6.67% is 0.0667); the lines of a deal sum to exactly 1.
    pub share: Decimal,
    /// The share of the amount; the lines of a deal sum to exactly the amount.
    pub amount: Decimal,
    /// How the share came about: "third of 5 touches, U-shaped: 20% / 3 = 6.67%".
    pub explanation: String,
}

/// A deal's attribution under one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DealAttribution {
    pub deal_id: String,
    pub model: AttributionModel,
    pub amount: Decimal,
    /// Touches counted (inside the lookback window, not after the win).
    pub touches: u32,
    /// Touches left out: after the win or before the lookback window.
    pub ignored: u32,
    /// Empty when nothing touched the deal (its amount is unattributed).
    pub lines: Vec<AttributionLine>,
}

use crate::error::{CrmError, Result};
use crate::limits;
use chrono::TimeDelta;
use rust_decimal::RoundingStrategy;
use rustc_hash::FxHashMap;

/// Touches older than this many days before the win are ignored unless the settings say otherwise.
pub const DEFAULT_LOOKBACK_DAYS: u32 = 180;
/// The time decay model's half-life unless the settings say otherwise.
pub const DEFAULT_HALF_LIFE_DAYS: u32 = 7;

/// Shares are fractions of 1 with this many places (basis points).
const SHARE_PLACES: u32 = 4;
/// 1 as a share in basis points.
const WHOLE: u128 = 10_000;
/// Time decay weights are taken to 18 places (units of 10^-18) before the shares are cut.
const DECAY_UNIT: u128 = 1_000_000_000_000_000_000;
/// ln 2 to 28 places.
const LN_2: Decimal = Decimal::from_parts(0xAA7A_65BF, 0x81F5_2F01, 0x1665_943F, false, 28);

impl AttributionModel {
    /// Every model, in the order of DOMAIN.md.
    pub const ALL: [AttributionModel; 7] = [
        AttributionModel::FirstTouch,
        AttributionModel::LastTouch,
        AttributionModel::Even,
        AttributionModel::UShaped,
        AttributionModel::WShaped,
        AttributionModel::TimeDecay,
        AttributionModel::PrimarySource,
    ];

    /// The model's name as written in settings and files (`u_shaped`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttributionModel::FirstTouch => "first_touch",
            AttributionModel::LastTouch => "last_touch",
            AttributionModel::Even => "even",
            AttributionModel::UShaped => "u_shaped",
            AttributionModel::WShaped => "w_shaped",
            AttributionModel::TimeDecay => "time_decay",
            AttributionModel::PrimarySource => "primary_source",
        }
    }

    /// The model's name in explanations (`U-shaped`).
    pub fn label(self) -> &'static str {
        match self {
            AttributionModel::FirstTouch => "first touch",
            AttributionModel::LastTouch => "last touch",
            AttributionModel::Even => "even",
            AttributionModel::UShaped => "U-shaped",
            AttributionModel::WShaped => "W-shaped",
            AttributionModel::TimeDecay => "time decay",
            AttributionModel::PrimarySource => "primary source",
        }
    }
}

impl std::fmt::Display for AttributionModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AttributionModel {
    type Err = CrmError;

    /// `first_touch`, `last_touch`, `even`, `u_shaped`, `w_shaped`, `time_decay`, `primary_source`.
    fn from_str(s: &str) -> Result<Self> {
        AttributionModel::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = AttributionModel::ALL.iter().map(|m| m.as_str()).collect();
                CrmError::invalid("model", format!("must be one of {}", names.join(", ")))
            })
    }
}

impl AttributionSettings {
    /// The model with the default lookback (180 days) and half-life (7 days).
    pub fn new(model: AttributionModel) -> Self {
        AttributionSettings {
            model,
            lookback_days: None,
            half_life_days: None,
        }
    }

    /// The lookback window in days (default 180).
    pub fn lookback(&self) -> u32 {
        self.lookback_days.unwrap_or(DEFAULT_LOOKBACK_DAYS)
    }

    /// The time decay half-life in days (default 7).
    pub fn half_life(&self) -> u32 {
        self.half_life_days.unwrap_or(DEFAULT_HALF_LIFE_DAYS)
    }

    /// Lookback at most 36,500 days; half-life from 1 to 36,500 days.
    pub fn validate(&self) -> Result<()> {
        limits::days("lookback_days", self.lookback())?;
        let half_life = self.half_life();
        if half_life == 0 || half_life > limits::DAYS {
            return Err(CrmError::invalid(
                "half_life_days",
                format!("must lie between 1 and {}", limits::DAYS),
            ));
        }
        Ok(())
    }
}

/// A touch as [`Attributor`] reads it, its campaign id borrowed (from an [`AttributedDeal`]'s
/// touches, or straight from a file or a column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TouchRef<'a> {
    pub campaign_id: &'a str,
    pub at: DateTime<Utc>,
}

impl<'a> From<&'a Touch> for TouchRef<'a> {
    fn from(touch: &'a Touch) -> Self {
        TouchRef {
            campaign_id: &touch.campaign_id,
            at: touch.at,
        }
    }
}

/// A won deal as [`Attributor`] reads it: an [`AttributedDeal`] with its ids borrowed and its
/// touches apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DealRef<'a> {
    pub id: &'a str,
    pub amount: Decimal,
    pub won_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub lead_created_at: Option<DateTime<Utc>>,
    pub primary_campaign_id: Option<&'a str>,
}

impl<'a> From<&'a AttributedDeal> for DealRef<'a> {
    fn from(deal: &'a AttributedDeal) -> Self {
        DealRef {
            id: &deal.id,
            amount: deal.amount,
            won_at: deal.won_at,
            created_at: deal.created_at,
            lead_created_at: deal.lead_created_at,
            primary_campaign_id: deal.primary_campaign_id.as_deref(),
        }
    }
}

/// An amount no larger than 10^18 in size; a deal's id and its touches' campaign ids non-empty
/// and no longer than ids may be.
fn check_deal(deal: &DealRef<'_>, touches: &[TouchRef<'_>]) -> Result<()> {
    limits::text("id", deal.id, limits::ID)?;
    if deal.amount.is_sign_negative() && !deal.amount.is_zero() {
        return Err(CrmError::invalid("amount", "must not be negative"));
    }
    limits::amount("amount", deal.amount)?;
    if let Some(primary) = deal.primary_campaign_id {
        campaign_id("primary_campaign_id", primary)?;
    }
    for (i, touch) in touches.iter().enumerate() {
        let id = touch.campaign_id;
        // No more bytes than the bound: no more characters either, without counting them.
        if id.is_empty() || (id.len() > limits::ID && id.chars().nth(limits::ID).is_some()) {
            return campaign_id(&format!("touches[{i}].campaign_id"), id);
        }
    }
    Ok(())
}

fn campaign_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(CrmError::invalid(field, "must not be empty"));
    }
    limits::text(field, id, limits::ID)
}

/// Shares `deal.amount` among the campaigns that touched it under `settings`.
///
/// Touches count when they lie inside `[won_at - lookback, won_at]`; the others are counted in
/// `ignored`. Counted touches are ordered by time, ties broken by campaign id, so the order of
/// `deal.touches` never matters. Each model weighs the counted touches (positions a model has no
/// touch for drop out, a touch holding several positions gets every weight it holds, and the
/// weights are renormalised to 1); the running total of the weights is then cut to 4 places
/// (half to even) and each line's share is the step of that total, so the shares sum to exactly 1.
/// A line's money is its share of the amount, rounded the same running way to the amount's places
/// (at least 2), so the lines sum to exactly the amount. `primary_source` gives one line of 100%
/// to the deal's primary campaign, or none.
///
/// Refused with `INVALID_INPUT`: a negative amount or one above 10^18, a lookback above 36,500
/// days, a half-life outside 1..=36,500 days, an empty campaign id.
pub fn attribute(deal: &AttributedDeal, settings: &AttributionSettings) -> Result<DealAttribution> {
    Attributor::one_shot(settings)?.owned(deal, &mut Vec::new())
}

/// [`attribute`] for every deal, in order; fails with the first refused deal, naming its index
/// and id. Deals alike (as many counted touches, under W-shaped in the same places) share the
/// work of their shares and explanations.
pub fn attribute_all(
    deals: &[AttributedDeal],
    settings: &AttributionSettings,
) -> Result<Vec<DealAttribution>> {
    let mut attributor = Attributor::new(settings)?;
    let mut scratch = Vec::new();
    deals
        .iter()
        .enumerate()
        .map(|(i, deal)| {
            attributor.owned(deal, &mut scratch).map_err(|e| match e {
                CrmError::InvalidInput { field, reason } => CrmError::invalid(
                    format!("deals[{i}].{field}"),
                    format!("deal {}: {reason}", short(&deal.id)),
                ),
                other => other,
            })
        })
        .collect()
}

/// The shares of a deal's lines with their explanations. They follow from the model and the
/// places of the counted touches alone (first and last touch, even and U-shaped: how many there
/// are; W-shaped: how many and which hold the lead and the opportunity creation; time decay:
/// their ages; primary source: nothing), so an [`Attributor`] works each out once and the deals
/// alike share it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    lines: Vec<ShapeLine>,
}

/// One line of a [`Shape`].
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeLine {
    /// The running share in basis points (the last is 10,000).
    cumulative: u128,
    /// A fraction of 1 with four places; the lines of a shape sum to exactly 1.
    pub share: Decimal,
    /// How the share came about.
    pub explanation: String,
}

impl Shape {
    /// The lines in the order of the counted touches.
    pub fn lines(&self) -> &[ShapeLine] {
        &self.lines
    }
}

/// What a shape is known by among the deals of one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ShapeKey {
    Primary,
    Touches(usize),
    WShaped {
        touches: usize,
        lead: Option<usize>,
        opportunity: Option<usize>,
    },
}

/// At most this many lines of shapes are kept for the deals to come (W-shaped deals with many
/// touches can have many shapes); past it the kept shapes are let go and worked out anew.
const KEPT_LINES: usize = 1 << 16;

/// Attributes deal after deal under one model: the one implementation behind [`attribute`] and
/// [`attribute_all`] (so every binding), and the fast path of the CSV tool. A deal and its
/// touches come borrowed, the touches are put in order in place, and every shape of shares and
/// explanations ([`Shape`]) is worked out once and shared by the deals alike, so a deal costs
/// little more than sorting its touches and rounding its money. With every shape goes an `X`
/// that the caller makes of it once (the CSV tool: the fixed bytes of its lines; `()`: nothing).
pub struct Attributor<X = ()> {
    settings: AttributionSettings,
    make: fn(&Shape) -> X,
    keep: bool,
    kept: FxHashMap<ShapeKey, (Shape, X)>,
    kept_lines: usize,
    fresh: Option<(Shape, X)>,
    amounts: Vec<Decimal>,
}

/// What the deal's shape needs.
enum Need {
    Nothing,
    Kept(ShapeKey),
    Fresh,
}

impl Attributor<()> {
    /// An attributor under `settings` (refused as [`attribute`] refuses them).
    pub fn new(settings: &AttributionSettings) -> Result<Self> {
        Attributor::with(settings, |_| ())
    }

    /// One deal's worth: nothing kept for others.
    fn one_shot(settings: &AttributionSettings) -> Result<Self> {
        let mut attributor = Attributor::new(settings)?;
        attributor.keep = false;
        Ok(attributor)
    }
}

impl<X> Attributor<X> {
    /// An attributor under `settings` that makes `make(shape)` of every shape it works out.
    pub fn with(settings: &AttributionSettings, make: fn(&Shape) -> X) -> Result<Self> {
        settings.validate()?;
        Ok(Attributor {
            settings: settings.clone(),
            make,
            keep: true,
            kept: FxHashMap::default(),
            kept_lines: 0,
            fresh: None,
            amounts: Vec::new(),
        })
    }

    /// The settings it attributes under.
    pub fn settings(&self) -> &AttributionSettings {
        &self.settings
    }

    /// [`attribute`] of `deal` with `touches` (its touches, in any order), without allocating
    /// but for shapes not seen before: the lines borrow from the attributor and from `touches`,
    /// which is reordered (the counted touches first, in time order, ties by campaign id).
    /// Refused as [`attribute`] refuses (a bad campaign id named by its index in `touches` as
    /// given).
    pub fn attribute<'r, 'a>(
        &'r mut self,
        deal: &DealRef<'a>,
        touches: &'r mut [TouchRef<'a>],
    ) -> Result<Attributed<'r, 'a, X>> {
        check_deal(deal, touches)?;
        let start = deal
            .won_at
            .checked_sub_signed(TimeDelta::days(i64::from(self.settings.lookback())));
        let mut n = 0;
        for i in 0..touches.len() {
            let at = touches[i].at;
            if at <= deal.won_at && start.is_none_or(|s| at >= s) {
                touches.swap(n, i);
                n += 1;
            }
        }
        touches[..n].sort_unstable_by(|a, b| {
            a.at.cmp(&b.at)
                .then_with(|| a.campaign_id.cmp(b.campaign_id))
        });
        let counted_touches = count_u32(n)?;
        let ignored = count_u32(touches.len() - n)?;
        let touches: &'r [TouchRef<'a>] = touches;
        let counted = &touches[..n];
        let model = self.settings.model;
        let need = match (model, deal.primary_campaign_id) {
            (AttributionModel::PrimarySource, None) => Need::Nothing,
            (AttributionModel::PrimarySource, Some(_)) => Need::Kept(ShapeKey::Primary),
            _ if n == 0 => Need::Nothing,
            (AttributionModel::TimeDecay, _) => Need::Fresh,
            (AttributionModel::WShaped, _) => {
                let (lead, opportunity) = w_places(deal, counted);
                Need::Kept(ShapeKey::WShaped {
                    touches: n,
                    lead,
                    opportunity,
                })
            }
            _ => Need::Kept(ShapeKey::Touches(n)),
        };
        let Attributor {
            settings,
            make,
            keep,
            kept,
            kept_lines,
            fresh,
            amounts,
        } = self;
        let shaped: Option<&'r (Shape, X)> = match need {
            Need::Nothing => None,
            Need::Kept(key) if *keep => {
                if !kept.contains_key(&key) {
                    let shape = shape(deal, settings, counted)?;
                    if *kept_lines + shape.lines.len() > KEPT_LINES {
                        kept.clear();
                        *kept_lines = 0;
                    }
                    *kept_lines += shape.lines.len();
                    let made = make(&shape);
                    kept.insert(key, (shape, made));
                }
                kept.get(&key)
            }
            Need::Kept(_) | Need::Fresh => {
                let shape = shape(deal, settings, counted)?;
                let made = make(&shape);
                Some(&*fresh.insert((shape, made)))
            }
        };
        amounts.clear();
        if let Some((shape, _)) = shaped {
            carried_amounts_into(
                shape.lines.iter().map(|l| l.cumulative),
                deal.amount,
                amounts,
            )?;
        }
        Ok(Attributed {
            touches: counted_touches,
            ignored,
            counted,
            primary: match model {
                AttributionModel::PrimarySource => deal.primary_campaign_id,
                _ => None,
            },
            shaped,
            amounts,
        })
    }

    /// [`attribute`] through this attributor (`scratch`: room for the touches).
    fn owned<'a>(
        &mut self,
        deal: &'a AttributedDeal,
        scratch: &mut Vec<TouchRef<'a>>,
    ) -> Result<DealAttribution> {
        scratch.clear();
        scratch.extend(deal.touches.iter().map(TouchRef::from));
        let model = self.settings.model;
        let attributed = self.attribute(&DealRef::from(deal), scratch)?;
        Ok(DealAttribution {
            deal_id: deal.id.clone(),
            model,
            amount: deal.amount,
            touches: attributed.touches,
            ignored: attributed.ignored,
            lines: attributed
                .lines()
                .map(|l| AttributionLine {
                    campaign_id: l.campaign_id.to_string(),
                    touch_at: l.touch_at,
                    position: l.position,
                    share: l.share,
                    amount: l.amount,
                    explanation: l.explanation.to_string(),
                })
                .collect(),
        })
    }
}

/// A deal as an [`Attributor`] attributed it: [`DealAttribution`] borrowed.
pub struct Attributed<'r, 'a, X = ()> {
    /// Touches counted (inside the lookback window, not after the win).
    pub touches: u32,
    /// Touches left out: after the win or before the lookback window.
    pub ignored: u32,
    counted: &'r [TouchRef<'a>],
    /// The primary campaign, under the primary source model.
    primary: Option<&'a str>,
    shaped: Option<&'r (Shape, X)>,
    amounts: &'r [Decimal],
}

/// One line of an [`Attributed`] deal: [`AttributionLine`] borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineRef<'r> {
    pub campaign_id: &'r str,
    pub touch_at: Option<DateTime<Utc>>,
    pub position: u32,
    pub share: Decimal,
    pub amount: Decimal,
    pub explanation: &'r str,
}

impl<'r, X> Attributed<'r, '_, X> {
    /// How many lines (none when nothing touched the deal).
    pub fn len(&self) -> usize {
        self.amounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.amounts.is_empty()
    }

    /// The shape of the lines (the same for the deals alike), with what the attributor's caller
    /// made of it; none without lines.
    pub fn shape(&self) -> Option<&'r (Shape, X)> {
        self.shaped
    }

    /// The money of each line.
    pub fn amounts(&self) -> &'r [Decimal] {
        self.amounts
    }

    /// The touch of line `i` (none under the primary source model): its campaign and time.
    pub fn touch(&self, i: usize) -> (&'r str, Option<DateTime<Utc>>) {
        match self.primary {
            Some(primary) => (primary, None),
            None => (self.counted[i].campaign_id, Some(self.counted[i].at)),
        }
    }

    /// The lines, in order.
    pub fn lines(&self) -> impl Iterator<Item = LineRef<'r>> + '_ {
        let lines = self.shaped.map_or(&[][..], |(shape, _)| &shape.lines[..]);
        lines
            .iter()
            .zip(self.amounts)
            .enumerate()
            .map(|(i, (line, &amount))| {
                let (campaign_id, touch_at) = self.touch(i);
                LineRef {
                    campaign_id,
                    touch_at,
                    position: i as u32 + 1,
                    share: line.share,
                    amount,
                    explanation: &line.explanation,
                }
            })
    }
}

/// The shape of a deal's lines under the settings' model (`counted`: in time order, not empty
/// unless the model is primary source).
fn shape(
    deal: &DealRef<'_>,
    settings: &AttributionSettings,
    counted: &[TouchRef<'_>],
) -> Result<Shape> {
    if settings.model == AttributionModel::PrimarySource {
        return Ok(Shape {
            lines: vec![ShapeLine {
                cumulative: WHOLE,
                share: share_decimal(WHOLE),
                explanation: "primary campaign source: 100%".to_string(),
            }],
        });
    }
    let (units, explanations) = weigh(settings.model, deal, settings, counted)?;
    let cumulative = cumulative_shares(&units)?;
    let mut previous = 0;
    let lines = cumulative
        .into_iter()
        .zip(explanations)
        .map(|(cum, explanation)| {
            let share = share_decimal(cum - previous);
            previous = cum;
            // The carried rounding can move a line off the exact share it explains.
            let shown = format!("{}%", (share * Decimal::ONE_HUNDRED).normalize());
            let explanation = if explanation.contains(&shown) {
                explanation
            } else {
                format!("{explanation}; {shown} after carrying the rounding")
            };
            ShapeLine {
                cumulative: cum,
                share,
                explanation,
            }
        })
        .collect();
    Ok(Shape { lines })
}

/// `amount` (a payment collected on the deal's contract, or a refund as a negative amount)
/// shared by the same shares as `attribution`'s lines: `(index into attribution.lines, money)`
/// for every line, rounded to the amount's places (at least 2) with the running-total carry, so
/// the money sums to exactly `amount`. No lines (an unattributed deal): nothing.
///
/// Refused with `INVALID_INPUT`: an amount above 10^18 in size, or lines whose shares are not
/// 4-place fractions of 1 summing to 1 (an attribution not made by [`attribute`]).
pub fn split_amount(
    attribution: &DealAttribution,
    amount: Decimal,
) -> Result<Vec<(usize, Decimal)>> {
    limits::amount("amount", amount)?;
    if attribution.lines.is_empty() {
        return Ok(Vec::new());
    }
    let bad = || {
        CrmError::invalid(
            "attribution.lines",
            "shares must be fractions of 1 with at most 4 places summing to 1",
        )
    };
    let mut cumulative = Vec::with_capacity(attribution.lines.len());
    let mut total = 0u128;
    for line in &attribution.lines {
        let share = line.share.normalize();
        if share.is_sign_negative() || share > Decimal::ONE || share.scale() > SHARE_PLACES {
            return Err(bad());
        }
        total += share.mantissa().unsigned_abs() * 10u128.pow(SHARE_PLACES - share.scale());
        cumulative.push(total);
    }
    if total != WHOLE {
        return Err(bad());
    }
    Ok(carried_amounts(&cumulative, amount)?
        .into_iter()
        .enumerate()
        .collect())
}

fn count_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| CrmError::invalid("touches", "has too many items"))
}

/// At most 20 characters of a value quoted in a message.
fn short(value: &str) -> String {
    match value.char_indices().nth(20) {
        Some((end, _)) => format!("{:?}...", &value[..end]),
        None => format!("{value:?}"),
    }
}

fn overflow() -> CrmError {
    CrmError::invalid("amount", "is too large to attribute exactly")
}

/// `num / den` rounded half to even (`den > 0`).
fn round_div(num: u128, den: u128) -> u128 {
    // Most fit 64 bits, whose division is much cheaper than 128-bit division.
    if let (Ok(num), Ok(den)) = (u64::try_from(num), u64::try_from(den)) {
        let (q, r) = (num / den, num % den);
        return u128::from(if r > den - r || (r == den - r && q % 2 == 1) {
            q + 1
        } else {
            q
        });
    }
    let (q, r) = (num / den, num % den);
    if r > den - r || (r == den - r && q % 2 == 1) {
        q + 1
    } else {
        q
    }
}

#[inline]
fn round_div_signed(num: i128, den: u128) -> i128 {
    let q = round_div(num.unsigned_abs(), den) as i128;
    if num < 0 {
        -q
    } else {
        q
    }
}

/// The running total of the weights in basis points of their sum, half to even; the last is
/// exactly 1 (10,000).
fn cumulative_shares(units: &[u128]) -> Result<Vec<u128>> {
    let total = units
        .iter()
        .try_fold(0u128, |s, &u| s.checked_add(u))
        .filter(|&t| t > 0)
        .ok_or_else(overflow)?;
    let mut running = 0u128;
    units
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            running += u;
            if i + 1 == units.len() {
                Ok(WHOLE)
            } else {
                let scaled = running.checked_mul(WHOLE).ok_or_else(overflow)?;
                Ok(round_div(scaled, total))
            }
        })
        .collect()
}

fn share_decimal(basis_points: u128) -> Decimal {
    Decimal::new(basis_points as i64, SHARE_PLACES)
}

/// The money of each line from the running shares (basis points, the last 10,000): the running
/// total of `share x amount` rounded half to even to the amount's places (at least 2), each line
/// the step of that total.
fn carried_amounts(cumulative: &[u128], amount: Decimal) -> Result<Vec<Decimal>> {
    let mut out = Vec::with_capacity(cumulative.len());
    carried_amounts_into(cumulative.iter().copied(), amount, &mut out)?;
    Ok(out)
}

/// [`carried_amounts`] into `out`.
fn carried_amounts_into(
    cumulative: impl Iterator<Item = u128>,
    amount: Decimal,
    out: &mut Vec<Decimal>,
) -> Result<()> {
    let places = amount.scale().max(2);
    let units = amount
        .mantissa()
        .checked_mul(10i128.pow(places - amount.scale()))
        .ok_or_else(overflow)?;
    let mut previous = 0i128;
    for cum in cumulative {
        let scaled = units.checked_mul(cum as i128).ok_or_else(overflow)?;
        let running = round_div_signed(scaled, WHOLE);
        let line = running - previous;
        previous = running;
        out.push(Decimal::try_from_i128_with_scale(line, places).map_err(|_| overflow())?);
    }
    Ok(())
}

/// The place of touch `.0` (0-based) among `.1` counted touches, written without allocating:
/// "only touch", "first of 5 touches", "third of 5 touches", "4th of 5 touches", "last of 5
/// touches" (ordinals: first, second, third, then 4th, 21st, 22nd, 113th...).
struct Place(usize, usize);

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (i, n) = (self.0 + 1, self.1);
        if n == 1 {
            return f.write_str("only touch");
        }
        match i {
            _ if i == n => f.write_str("last")?,
            1 => f.write_str("first")?,
            2 => f.write_str("second")?,
            3 => f.write_str("third")?,
            _ => {
                let suffix = match (i % 10, i % 100) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                write!(f, "{i}{suffix}")?
            }
        }
        write!(f, " of {n} touches")
    }
}

/// A percentage from hundredths of a percent, without trailing zeros: "40%", "6.67%", "12.5%".
fn percent(hundredths: u128) -> String {
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// `part / total` as a percentage to 2 places.
fn percent_of(part: u128, total: u128) -> String {
    percent(round_div(part * WHOLE, total))
}

/// A decimal without trailing zeros, to at most `places`.
fn plain(value: Decimal, places: u32) -> String {
    value
        .round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven)
        .normalize()
        .to_string()
}

/// Each counted touch's weight as a whole number of units (their sum is the whole) and its
/// explanation.
fn weigh(
    model: AttributionModel,
    deal: &DealRef<'_>,
    settings: &AttributionSettings,
    counted: &[TouchRef<'_>],
) -> Result<(Vec<u128>, Vec<String>)> {
    let n = counted.len();
    let label = model.label();
    let n128 = n as u128;
    Ok(match model {
        AttributionModel::FirstTouch | AttributionModel::LastTouch => {
            let holder = if model == AttributionModel::FirstTouch {
                0
            } else {
                n - 1
            };
            let units = (0..n).map(|i| u128::from(i == holder)).collect();
            let notes = (0..n)
                .map(|i| {
                    let pct = if i == holder { "100%" } else { "0%" };
                    format!("{}, {label}: {pct}", Place(i, n))
                })
                .collect();
            (units, notes)
        }
        AttributionModel::Even => {
            let body = if n == 1 {
                "100%".to_string()
            } else {
                format!("100% / {n} = {}", percent_of(1, n128))
            };
            (
                vec![1; n],
                (0..n)
                    .map(|i| format!("{}, {label}: {body}", Place(i, n)))
                    .collect(),
            )
        }
        AttributionModel::UShaped => match n {
            1 => (
                vec![1],
                vec![format!(
                    "only touch, {label}: first 40% + last 40% = 80%, renormalised to 100%"
                )],
            ),
            2 => (
                vec![1, 1],
                vec![
                    format!(
                        "{}, {label}: first 40%, renormalised from 80% to 50%",
                        Place(0, 2)
                    ),
                    format!(
                        "{}, {label}: last 40%, renormalised from 80% to 50%",
                        Place(1, 2)
                    ),
                ],
            ),
            _ => {
                // In units of 1 / (100 (n - 2)): first and last 40 (n - 2) each, middle 20 each.
                let middle = n128 - 2;
                let body = if middle == 1 {
                    "middle 20%".to_string()
                } else {
                    format!("20% / {middle} = {}", percent_of(20, 100 * middle))
                };
                let units = (0..n)
                    .map(|i| {
                        if i == 0 || i + 1 == n {
                            40 * middle
                        } else {
                            20
                        }
                    })
                    .collect();
                let notes = (0..n)
                    .map(|i| {
                        let what = if i == 0 {
                            "first 40%"
                        } else if i + 1 == n {
                            "last 40%"
                        } else {
                            &body
                        };
                        format!("{}, {label}: {what}", Place(i, n))
                    })
                    .collect();
                (units, notes)
            }
        },
        AttributionModel::WShaped => {
            let (lead, opportunity) = w_places(deal, counted);
            w_shaped(n, lead, opportunity)
        }
        AttributionModel::TimeDecay => time_decay(deal, settings.half_life(), counted)?,
        // Handled by `attribute` before any touch is weighed.
        AttributionModel::PrimarySource => {
            return Err(CrmError::invalid(
                "model",
                "primary_source does not weigh touches",
            ))
        }
    })
}

/// The counted touches (in time order) holding the lead creation and the opportunity creation:
/// the last at or before each.
fn w_places(deal: &DealRef<'_>, counted: &[TouchRef<'_>]) -> (Option<usize>, Option<usize>) {
    let last_at_or_before = |moment| counted.iter().rposition(|t| t.at <= moment);
    (
        deal.lead_created_at.and_then(last_at_or_before),
        last_at_or_before(deal.created_at),
    )
}

/// W-shaped weights of `n` counted touches, `lead` and `opportunity` holding those positions.
fn w_shaped(n: usize, lead: Option<usize>, opportunity: Option<usize>) -> (Vec<u128>, Vec<String>) {
    let roles = |i: usize| -> Vec<&'static str> {
        let mut held = Vec::new();
        if i == 0 {
            held.push("first touch");
        }
        if lead == Some(i) {
            held.push("lead creation");
        }
        if opportunity == Some(i) {
            held.push("opportunity creation");
        }
        held
    };
    let held: Vec<Vec<&str>> = (0..n).map(roles).collect();
    let rest = held.iter().filter(|r| r.is_empty()).count() as u128;
    let positions = 1 + u128::from(lead.is_some()) + u128::from(opportunity.is_some());
    // Percent of the whole before renormalising: 30 per position present, 10 when a rest exists.
    let present = 30 * positions + if rest > 0 { 10 } else { 0 };
    // Units of 1 / rest percent (or of 1 percent with no rest): a position 30, a rest touch 10 / rest.
    let scale = rest.max(1);
    let units: Vec<u128> = held
        .iter()
        .map(|r| {
            if r.is_empty() {
                10
            } else {
                30 * scale * r.len() as u128
            }
        })
        .collect();
    let total = present * scale;
    let notes = held
        .iter()
        .zip(&units)
        .enumerate()
        .map(|(i, (r, &u))| {
            let body = if r.is_empty() {
                if rest == 1 {
                    "rest 10%".to_string()
                } else {
                    format!("rest 10% / {rest} = {}", percent(round_div(1000, rest)))
                }
            } else if r.len() == 1 {
                format!("{} 30%", r[0])
            } else {
                let parts: Vec<String> = r.iter().map(|role| format!("{role} 30%")).collect();
                format!(
                    "{} = {}",
                    parts.join(" + "),
                    percent(3000 * r.len() as u128)
                )
            };
            if present == 100 {
                format!("{}, W-shaped: {body}", Place(i, n))
            } else {
                format!(
                    "{}, W-shaped: {body}, renormalised from {} to {}",
                    Place(i, n),
                    percent(present * 100),
                    percent_of(u, total)
                )
            }
        })
        .collect();
    (units, notes)
}

/// 2^(-x) for `x >= 0`, exactly as decimal arithmetic gives it (no floating point): 2^(-k) for the
/// whole part, e^(-f ln 2) by its series for the fraction. In units of 10^-18, half to even.
fn decay_units(x: Decimal) -> u128 {
    let whole = x.trunc();
    let Ok(k) = u32::try_from(whole.mantissa() / 10i128.pow(whole.scale())) else {
        return 0;
    };
    if k >= 63 {
        return 0; // below 10^-19: nothing at 18 places
    }
    let y = (x - whole) * LN_2;
    let (mut sum, mut term) = (Decimal::ONE, Decimal::ONE);
    for i in 1..=40u32 {
        term = -(term * y) / Decimal::from(i);
        if term.is_zero() {
            break;
        }
        sum += term;
    }
    let scaled = sum * Decimal::from(DECAY_UNIT as u64) / Decimal::from(1u64 << k);
    let rounded = scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    rounded.mantissa().unsigned_abs() / 10u128.pow(rounded.scale())
}

fn time_decay(
    deal: &DealRef<'_>,
    half_life: u32,
    counted: &[TouchRef<'_>],
) -> Result<(Vec<u128>, Vec<String>)> {
    let n = counted.len();
    let nanos = |t: &TouchRef<'_>| -> i128 {
        let age = deal.won_at - t.at;
        age.num_nanoseconds()
            .map_or(i128::from(age.num_seconds()) * 1_000_000_000, i128::from)
    };
    let ages: Vec<i128> = counted.iter().map(nanos).collect();
    let youngest = ages.iter().copied().min().unwrap_or(0);
    let per_half_life = Decimal::from(86_400_000_000_000u64 * u64::from(half_life));
    // Weights relative to the latest touch (which weighs 1): the same shares as 2^(-age / h),
    // and no weight underflows however old all the touches are.
    let units: Vec<u128> = ages
        .iter()
        .map(|&age| {
            let x = Decimal::from_i128_with_scale(age - youngest, 0) / per_half_life;
            decay_units(x)
        })
        .collect();
    let total: u128 = units.iter().sum();
    let weight = |u: u128| plain(Decimal::from_i128_with_scale(u as i128, 18), 4);
    let relative = if youngest > 0 {
        " (weights relative to the latest touch)"
    } else {
        ""
    };
    let day = Decimal::from(86_400_000_000_000u64);
    let notes = ages
        .iter()
        .zip(&units)
        .enumerate()
        .map(|(i, (&age, &u))| {
            let days = plain(Decimal::from_i128_with_scale(age, 0) / day, 2);
            let unit = if days == "1" { "day" } else { "days" };
            format!(
                "{}, time decay: {days} {unit} before the win, half-life {half_life} days: weight {} of {} = {}{relative}",
                Place(i, n),
                weight(u),
                weight(total),
                percent_of(u, total)
            )
        })
        .collect();
    Ok((units, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A deterministic stream of numbers (xorshift).
    struct Numbers(u64);

    impl Numbers {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap()
    }

    fn deal(numbers: &mut Numbers, id: usize, most_touches: u64) -> AttributedDeal {
        let touches = numbers.below(most_touches + 1);
        AttributedDeal {
            id: format!("opp-{id}"),
            amount: Decimal::new(
                numbers.below(10_000_000_000) as i64,
                numbers.below(4) as u32,
            ),
            won_at: at(0),
            created_at: at(-(numbers.below(200 * 86_400) as i64)),
            lead_created_at: (numbers.below(3) > 0)
                .then(|| at(-(numbers.below(250 * 86_400) as i64))),
            primary_campaign_id: (numbers.below(2) == 0).then(|| "c-primary".to_string()),
            touches: (0..touches)
                .map(|_| Touch {
                    campaign_id: format!("c-{}", numbers.below(7)),
                    // Whole hours from 10 days after the win to 200 days before: some tie.
                    at: at(3600 * (240 - numbers.below(5040) as i64)),
                })
                .collect(),
        }
    }

    #[test]
    fn shared_shapes_give_every_deal_what_it_gets_alone() {
        let mut numbers = Numbers(0x5eed);
        let deals: Vec<AttributedDeal> = (0..600).map(|i| deal(&mut numbers, i, 14)).collect();
        for model in AttributionModel::ALL {
            for lookback_days in [None, Some(30)] {
                let settings = AttributionSettings {
                    model,
                    lookback_days,
                    half_life_days: Some(10),
                };
                let all = attribute_all(&deals, &settings).unwrap();
                for (d, a) in deals.iter().zip(&all) {
                    assert_eq!(a, &attribute(d, &settings).unwrap(), "{model} {}", d.id);
                }
            }
        }
    }

    #[test]
    fn kept_shapes_are_let_go_past_the_bound_and_worked_out_again() {
        // W-shaped deals of 300 touches with the lead and the opportunity in many places: more
        // lines of shapes than are kept.
        let mut numbers = Numbers(42);
        let deals: Vec<AttributedDeal> = (0..300)
            .map(|i| {
                let mut d = deal(&mut numbers, i, 0);
                d.touches = (0..300)
                    .map(|k| Touch {
                        campaign_id: format!("c-{}", k % 11),
                        at: at(-3600 * (k + 1)),
                    })
                    .collect();
                d.created_at = at(-3600 * (1 + numbers.below(300) as i64));
                d.lead_created_at = Some(at(-3600 * (1 + numbers.below(300) as i64)));
                d
            })
            .collect();
        let settings = AttributionSettings::new(AttributionModel::WShaped);
        let all = attribute_all(&deals, &settings).unwrap();
        assert!(all.iter().map(|a| a.lines.len()).sum::<usize>() > KEPT_LINES);
        for (d, a) in deals.iter().zip(&all) {
            assert_eq!(a, &attribute(d, &settings).unwrap(), "{}", d.id);
        }
    }

    static MADE: AtomicUsize = AtomicUsize::new(0);

    #[test]
    fn a_shape_is_made_once_and_shared_by_the_deals_alike() {
        fn make(shape: &Shape) -> usize {
            MADE.fetch_add(1, Ordering::Relaxed);
            shape.lines().len()
        }
        let mut numbers = Numbers(7);
        let mut attributor =
            Attributor::with(&AttributionSettings::new(AttributionModel::UShaped), make).unwrap();
        let mut first: Option<*const (Shape, usize)> = None;
        for i in 0..50 {
            let mut d = deal(&mut numbers, i, 0);
            d.touches = (0..4)
                .map(|k| Touch {
                    campaign_id: format!("c-{}", numbers.below(3)),
                    at: at(-86_400 * (k + 1)),
                })
                .collect();
            let mut touches: Vec<TouchRef<'_>> = d.touches.iter().map(TouchRef::from).collect();
            let a = attributor
                .attribute(&DealRef::from(&d), &mut touches)
                .unwrap();
            let shape = a.shape().unwrap();
            assert_eq!(shape.1, 4);
            assert_eq!(*first.get_or_insert(shape), shape as *const _);
            let owned =
                attribute(&d, &AttributionSettings::new(AttributionModel::UShaped)).unwrap();
            let lines: Vec<LineRef<'_>> = a.lines().collect();
            assert_eq!(lines.len(), owned.lines.len());
            for (l, o) in lines.iter().zip(&owned.lines) {
                assert_eq!(
                    (
                        l.campaign_id,
                        l.touch_at,
                        l.position,
                        l.share,
                        l.amount,
                        l.explanation
                    ),
                    (
                        o.campaign_id.as_str(),
                        o.touch_at,
                        o.position,
                        o.share,
                        o.amount,
                        o.explanation.as_str()
                    )
                );
            }
        }
        assert_eq!(MADE.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_bad_campaign_id_is_named_by_its_place_as_given() {
        let mut numbers = Numbers(9);
        let mut d = deal(&mut numbers, 1, 0);
        d.touches = vec![
            Touch {
                campaign_id: "c-late".into(),
                at: at(86_400),
            },
            Touch {
                campaign_id: String::new(),
                at: at(-86_400),
            },
        ];
        let err = attribute(&d, &AttributionSettings::new(AttributionModel::Even)).unwrap_err();
        assert!(err.to_string().contains("touches[1].campaign_id"), "{err}");
    }
}
