//! Attribution of won deals to campaigns (DOMAIN.md section 10, "Influence"): golden cases worked
//! out by hand in the comments, then properties over random deals for every model.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crm_core::campaign::attribution::{
    attribute, attribute_all, split_amount, AttributedDeal, AttributionModel, AttributionSettings,
    DealAttribution, Touch,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

use AttributionModel::*;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn won_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap()
}

/// `days` (may be fractional: 3.5) before the win.
fn before(days: f64) -> DateTime<Utc> {
    won_at() - TimeDelta::seconds((days * 86_400.0).round() as i64)
}

fn touch(campaign: &str, days_before: f64) -> Touch {
    Touch {
        campaign_id: campaign.to_string(),
        at: before(days_before),
    }
}

fn deal(amount: &str, touches: Vec<Touch>) -> AttributedDeal {
    AttributedDeal {
        id: "opp-1".to_string(),
        amount: dec(amount),
        won_at: won_at(),
        created_at: before(15.0),
        lead_created_at: None,
        primary_campaign_id: None,
        touches,
    }
}

fn settings(model: AttributionModel) -> AttributionSettings {
    AttributionSettings::new(model)
}

/// (campaign, share, amount) of every line.
fn lines(a: &DealAttribution) -> Vec<(&str, String, String)> {
    a.lines
        .iter()
        .map(|l| {
            (
                l.campaign_id.as_str(),
                l.share.to_string(),
                l.amount.to_string(),
            )
        })
        .collect()
}

fn explanations(a: &DealAttribution) -> Vec<&str> {
    a.lines.iter().map(|l| l.explanation.as_str()).collect()
}

/// Five touches, 50, 40, 30, 20 and 10 days before the win of a 10000.00 deal, given out of order.
fn five() -> AttributedDeal {
    deal(
        "10000.00",
        vec![
            touch("c-c", 30.0),
            touch("c-a", 50.0),
            touch("c-e", 10.0),
            touch("c-b", 40.0),
            touch("c-d", 20.0),
        ],
    )
}

#[test]
fn five_touches_u_shaped() {
    // First and last 40% each; 20% / 3 = 6.666...% for each middle touch.
    // Running totals 0.4, 0.46666.., 0.53333.., 0.6, 1 cut to 4 places: 0.4, 0.4667, 0.5333,
    // 0.6, 1; steps 0.4, 0.0667, 0.0666, 0.0667, 0.4. Money: the running shares x 10000.00 =
    // 4000, 4667, 5333, 6000, 10000: steps 4000.00, 667.00, 666.00, 667.00, 4000.00.
    let a = attribute(&five(), &settings(UShaped)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.4000".into(), "4000.00".into()),
            ("c-b", "0.0667".into(), "667.00".into()),
            ("c-c", "0.0666".into(), "666.00".into()),
            ("c-d", "0.0667".into(), "667.00".into()),
            ("c-e", "0.4000".into(), "4000.00".into()),
        ]
    );
    assert_eq!((a.touches, a.ignored), (5, 0));
    assert_eq!(
        a.lines.iter().map(|l| l.position).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(a.lines[0].touch_at, Some(before(50.0)));
    assert_eq!(
        explanations(&a),
        [
            "first of 5 touches, U-shaped: first 40%",
            "second of 5 touches, U-shaped: 20% / 3 = 6.67%",
            "third of 5 touches, U-shaped: 20% / 3 = 6.67%; 6.66% after carrying the rounding",
            "4th of 5 touches, U-shaped: 20% / 3 = 6.67%",
            "last of 5 touches, U-shaped: last 40%",
        ]
    );
}

#[test]
fn five_touches_first_last_and_even() {
    let first = attribute(&five(), &settings(FirstTouch)).unwrap();
    assert_eq!(
        lines(&first),
        [
            ("c-a", "1.0000".into(), "10000.00".into()),
            ("c-b", "0.0000".into(), "0.00".into()),
            ("c-c", "0.0000".into(), "0.00".into()),
            ("c-d", "0.0000".into(), "0.00".into()),
            ("c-e", "0.0000".into(), "0.00".into()),
        ]
    );
    assert_eq!(
        first.lines[0].explanation,
        "first of 5 touches, first touch: 100%"
    );
    assert_eq!(
        first.lines[1].explanation,
        "second of 5 touches, first touch: 0%"
    );
    let last = attribute(&five(), &settings(LastTouch)).unwrap();
    assert_eq!(lines(&last)[4], ("c-e", "1.0000".into(), "10000.00".into()));
    assert_eq!(lines(&last)[0], ("c-a", "0.0000".into(), "0.00".into()));
    // 100% / 5 = 20% each: running 0.2, 0.4, 0.6, 0.8, 1 -> 2000.00 each.
    let even = attribute(&five(), &settings(Even)).unwrap();
    assert!(even
        .lines
        .iter()
        .all(|l| l.share == dec("0.2") && l.amount == dec("2000.00")));
    assert_eq!(
        even.lines[2].explanation,
        "third of 5 touches, even: 100% / 5 = 20%"
    );
}

#[test]
fn even_thirds_carry_the_rounding() {
    // 1/3 each: running 0.3333.., 0.6666.., 1 -> 0.3333, 0.6667, 1: shares 0.3333, 0.3334,
    // 0.3333. Money on 100.00: running 33.33, 66.67, 100.00: 33.33, 33.34, 33.33.
    let d = deal(
        "100",
        vec![touch("c-a", 3.0), touch("c-b", 2.0), touch("c-c", 1.0)],
    );
    let a = attribute(&d, &settings(Even)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.3333".into(), "33.33".into()),
            ("c-b", "0.3334".into(), "33.34".into()),
            ("c-c", "0.3333".into(), "33.33".into()),
        ]
    );
    assert_eq!(
        a.lines[1].explanation,
        "second of 3 touches, even: 100% / 3 = 33.33%; 33.34% after carrying the rounding"
    );
}

#[test]
fn five_touches_w_shaped() {
    // The lead was created 35 days before the win: its touch is the last at or before, c-b (40
    // days). The opportunity 15 days before: c-d (20 days). First c-a 30%, lead c-b 30%,
    // opportunity c-d 30%, the rest (c-c, c-e) 10% / 2 = 5% each: 3000, 3000, 500, 3000, 500.
    let mut d = five();
    d.lead_created_at = Some(before(35.0));
    let a = attribute(&d, &settings(WShaped)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.3000".into(), "3000.00".into()),
            ("c-b", "0.3000".into(), "3000.00".into()),
            ("c-c", "0.0500".into(), "500.00".into()),
            ("c-d", "0.3000".into(), "3000.00".into()),
            ("c-e", "0.0500".into(), "500.00".into()),
        ]
    );
    assert_eq!(
        explanations(&a),
        [
            "first of 5 touches, W-shaped: first touch 30%",
            "second of 5 touches, W-shaped: lead creation 30%",
            "third of 5 touches, W-shaped: rest 10% / 2 = 5%",
            "4th of 5 touches, W-shaped: opportunity creation 30%",
            "last of 5 touches, W-shaped: rest 10% / 2 = 5%",
        ]
    );
}

#[test]
fn w_shaped_with_the_lead_touch_first() {
    // Touches 50, 40, 30, 20 days before; the lead 45 days before (its touch: the first, 50), the
    // opportunity 25 days before (its touch: 30). The first touch holds two positions: 30% + 30%
    // = 60%; the opportunity touch 30%; the rest (40 and 20 days) 10% / 2 = 5% each. Sum 100%.
    let mut d = deal(
        "999.99",
        vec![
            touch("c-a", 50.0),
            touch("c-b", 40.0),
            touch("c-c", 30.0),
            touch("c-d", 20.0),
        ],
    );
    d.lead_created_at = Some(before(45.0));
    d.created_at = before(25.0);
    let a = attribute(&d, &settings(WShaped)).unwrap();
    // Money on 999.99: running 0.6, 0.65, 0.95, 1 x 999.99 = 599.994 -> 599.99, 649.9935 ->
    // 649.99, 949.9905 -> 949.99, 999.99: steps 599.99, 50.00, 300.00, 50.00.
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.6000".into(), "599.99".into()),
            ("c-b", "0.0500".into(), "50.00".into()),
            ("c-c", "0.3000".into(), "300.00".into()),
            ("c-d", "0.0500".into(), "50.00".into()),
        ]
    );
    assert_eq!(
        a.lines[0].explanation,
        "first of 4 touches, W-shaped: first touch 30% + lead creation 30% = 60%"
    );
}

#[test]
fn w_shaped_without_a_lead_renormalises() {
    // No lead: first 30%, opportunity (the last touch, all are before the opportunity's creation)
    // 30%, one rest touch 10%: 70% in all, renormalised: 3/7, 1/7, 3/7. Running 0.428571..,
    // 0.571428.., 1 -> 0.4286, 0.5714, 1: shares 0.4286, 0.1428, 0.4286; on 70.00: running
    // 30.002 -> 30.00, 39.998 -> 40.00, 70.00: 30.00, 10.00, 30.00.
    let d = deal(
        "70.00",
        vec![touch("c-a", 30.0), touch("c-b", 25.0), touch("c-c", 20.0)],
    );
    let a = attribute(&d, &settings(WShaped)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.4286".into(), "30.00".into()),
            ("c-b", "0.1428".into(), "10.00".into()),
            ("c-c", "0.4286".into(), "30.00".into()),
        ]
    );
    assert_eq!(
        a.lines[0].explanation,
        "first of 3 touches, W-shaped: first touch 30%, renormalised from 70% to 42.86%"
    );
    assert_eq!(
        a.lines[1].explanation,
        "second of 3 touches, W-shaped: rest 10%, renormalised from 70% to 14.29%; 14.28% after carrying the rounding"
    );
}

#[test]
fn ties_in_time_are_broken_by_campaign_id() {
    // c-b and c-a at the same moment: c-a comes first. U-shaped over 3: 40, 20, 40.
    let at = before(10.0);
    let mk = |order: &[&str]| {
        let mut touches: Vec<Touch> = order
            .iter()
            .map(|c| Touch {
                campaign_id: c.to_string(),
                at,
            })
            .collect();
        touches.push(touch("c-z", 1.0));
        deal("500", touches)
    };
    let a = attribute(&mk(&["c-b", "c-a"]), &settings(UShaped)).unwrap();
    let b = attribute(&mk(&["c-a", "c-b"]), &settings(UShaped)).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.4000".into(), "200.00".into()),
            ("c-b", "0.2000".into(), "100.00".into()),
            ("c-z", "0.4000".into(), "200.00".into()),
        ]
    );
    assert_eq!(
        a.lines[1].explanation,
        "second of 3 touches, U-shaped: middle 20%"
    );
    // First touch with a tie: the smaller id takes it all.
    let first = attribute(&mk(&["c-b", "c-a"]), &settings(FirstTouch)).unwrap();
    assert_eq!(first.lines[0].campaign_id, "c-a");
    assert_eq!(first.lines[0].share, Decimal::ONE);
}

#[test]
fn a_single_touch_takes_everything_under_every_model() {
    let mut d = deal("1234.5", vec![touch("c-a", 3.0)]);
    d.lead_created_at = Some(before(2.0));
    d.created_at = before(1.0);
    for model in AttributionModel::ALL {
        if model == PrimarySource {
            continue;
        }
        let a = attribute(&d, &settings(model)).unwrap();
        // The amount has one place: money has two.
        assert_eq!(
            lines(&a),
            [("c-a", "1.0000".into(), "1234.50".into())],
            "{model}"
        );
        assert!(
            a.lines[0].explanation.starts_with("only touch, "),
            "{model}"
        );
    }
    let u = attribute(&d, &settings(UShaped)).unwrap();
    assert_eq!(
        u.lines[0].explanation,
        "only touch, U-shaped: first 40% + last 40% = 80%, renormalised to 100%"
    );
    // Two touches U-shaped: 40 + 40 = 80, renormalised 50/50.
    let two = deal("10", vec![touch("c-a", 3.0), touch("c-b", 2.0)]);
    let a = attribute(&two, &settings(UShaped)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.5000".into(), "5.00".into()),
            ("c-b", "0.5000".into(), "5.00".into()),
        ]
    );
    assert_eq!(
        a.lines[1].explanation,
        "last of 2 touches, U-shaped: last 40%, renormalised from 80% to 50%"
    );
    // W-shaped: the one touch (3 days before the win) is first, lead (2 days) and opportunity (1
    // day) touch: 90%, renormalised; with the lead and the opportunity created before it, it is
    // the first touch alone: 30%, renormalised.
    let w = attribute(&d, &settings(WShaped)).unwrap();
    assert_eq!(
        w.lines[0].explanation,
        "only touch, W-shaped: first touch 30% + lead creation 30% + opportunity creation 30% = 90%, renormalised from 90% to 100%"
    );
    d.lead_created_at = Some(before(20.0));
    d.created_at = before(15.0);
    let w = attribute(&d, &settings(WShaped)).unwrap();
    assert_eq!(
        w.lines[0].explanation,
        "only touch, W-shaped: first touch 30%, renormalised from 30% to 100%"
    );
}

#[test]
fn touches_after_the_win_are_ignored() {
    // The touch one second after the win is ignored; the one at the very moment of the win counts.
    let mut d = deal("300", vec![touch("c-a", 2.0), touch("c-b", 0.0)]);
    d.touches.push(Touch {
        campaign_id: "c-late".into(),
        at: won_at() + TimeDelta::seconds(1),
    });
    let a = attribute(&d, &settings(LastTouch)).unwrap();
    assert_eq!((a.touches, a.ignored), (2, 1));
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.0000".into(), "0.00".into()),
            ("c-b", "1.0000".into(), "300.00".into()),
        ]
    );
}

#[test]
fn touches_before_the_lookback_window_are_ignored() {
    // Lookback 30 days: a touch exactly 30 days before counts, one a second earlier does not;
    // by default (180 days) a touch 181 days before is ignored.
    let d = deal(
        "90",
        vec![
            Touch {
                campaign_id: "c-old".into(),
                at: before(30.0) - TimeDelta::seconds(1),
            },
            touch("c-a", 30.0),
            touch("c-b", 10.0),
            touch("c-c", 181.0),
        ],
    );
    let s = AttributionSettings {
        lookback_days: Some(30),
        ..settings(Even)
    };
    let a = attribute(&d, &s).unwrap();
    assert_eq!((a.touches, a.ignored), (2, 2));
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.5000".into(), "45.00".into()),
            ("c-b", "0.5000".into(), "45.00".into()),
        ]
    );
    let default = attribute(&d, &settings(Even)).unwrap();
    assert_eq!((default.touches, default.ignored), (3, 1));
    // Nothing counted: no lines, the amount stays unattributed.
    let none = attribute(&deal("90", vec![touch("c-c", 181.0)]), &settings(UShaped)).unwrap();
    assert!(none.lines.is_empty());
    assert_eq!((none.touches, none.ignored), (0, 1));
}

#[test]
fn time_decay_with_a_half_life_of_7_days() {
    // Touches 14, 7, 3.5 and 0 days before the win, half-life 7 days: weights 2^(-14/7) = 0.25,
    // 2^(-1) = 0.5, 2^(-0.5) = 0.70710678.., 2^0 = 1; sum S = 2.45710678...
    // Running totals: 0.25 / S = 0.101745.. -> 0.1017; 0.75 / S = 0.305237.. -> 0.3052;
    // 1.45710678 / S = 0.593017.. -> 0.5930; 1. Shares 0.1017, 0.2035, 0.2878, 0.4070; on
    // 10000.00: 1017.00, 2035.00, 2878.00, 4070.00.
    let d = deal(
        "10000.00",
        vec![
            touch("c-a", 14.0),
            touch("c-b", 7.0),
            touch("c-c", 3.5),
            touch("c-d", 0.0),
        ],
    );
    let a = attribute(&d, &settings(TimeDecay)).unwrap();
    assert_eq!(
        lines(&a),
        [
            ("c-a", "0.1017".into(), "1017.00".into()),
            ("c-b", "0.2035".into(), "2035.00".into()),
            ("c-c", "0.2878".into(), "2878.00".into()),
            ("c-d", "0.4070".into(), "4070.00".into()),
        ]
    );
    // 0.70710678 / 2.45710678 = 0.287778.. = 28.78%.
    assert_eq!(
        a.lines[2].explanation,
        "third of 4 touches, time decay: 3.5 days before the win, half-life 7 days: weight 0.7071 of 2.4571 = 28.78%"
    );
    // Moving every touch 12 hours earlier keeps the shares: the weights are taken relative to
    // the latest touch (2^(-age/h) / 2^(-youngest/h)), which says so.
    let mut older = d.clone();
    for t in &mut older.touches {
        t.at -= TimeDelta::hours(12);
    }
    let b = attribute(&older, &settings(TimeDecay)).unwrap();
    assert_eq!(lines(&b), lines(&a));
    assert_eq!(
        b.lines[0].explanation,
        "first of 4 touches, time decay: 14.5 days before the win, half-life 7 days: weight 0.25 of 2.4571 = 10.17% (weights relative to the latest touch)"
    );
    // Touches at the edge of a 100-year window with a half-life of 1 day: the old one weighs
    // nothing, and nothing underflows to a division by zero.
    let far = deal("1", vec![touch("c-a", 36_000.0), touch("c-b", 35_000.0)]);
    let s = AttributionSettings {
        lookback_days: Some(36_500),
        half_life_days: Some(1),
        ..settings(TimeDecay)
    };
    let c = attribute(&far, &s).unwrap();
    assert_eq!(
        lines(&c),
        [
            ("c-a", "0.0000".into(), "0.00".into()),
            ("c-b", "1.0000".into(), "1.00".into()),
        ]
    );
}

#[test]
fn primary_source_gives_everything_to_the_deal_s_campaign() {
    let mut d = five();
    d.primary_campaign_id = Some("c-src".into());
    let a = attribute(&d, &settings(PrimarySource)).unwrap();
    assert_eq!(lines(&a), [("c-src", "1.0000".into(), "10000.00".into())]);
    assert_eq!(a.lines[0].touch_at, None);
    assert_eq!(a.lines[0].position, 1);
    assert_eq!(a.lines[0].explanation, "primary campaign source: 100%");
    assert_eq!((a.touches, a.ignored), (5, 0));
    // Even with no touch at all; and no primary source: no lines.
    d.touches.clear();
    assert_eq!(
        attribute(&d, &settings(PrimarySource)).unwrap().lines.len(),
        1
    );
    d.primary_campaign_id = None;
    assert!(attribute(&d, &settings(PrimarySource))
        .unwrap()
        .lines
        .is_empty());
}

#[test]
fn split_amount_shares_a_payment_or_a_refund_the_same_way() {
    // U-shaped shares 0.4, 0.0667, 0.0666, 0.0667, 0.4 of a 3333.33 payment: running 1333.332 ->
    // 1333.33, 1555.66511 -> 1555.67, 1777.66489 -> 1777.66, 1999.998 -> 2000.00, 3333.33.
    let a = attribute(&five(), &settings(UShaped)).unwrap();
    let paid = split_amount(&a, dec("3333.33")).unwrap();
    assert_eq!(
        paid,
        [
            (0, dec("1333.33")),
            (1, dec("222.34")),
            (2, dec("221.99")),
            (3, dec("222.34")),
            (4, dec("1333.33")),
        ]
    );
    let refund = split_amount(&a, dec("-3333.33")).unwrap();
    assert!(refund.iter().zip(&paid).all(|(r, p)| r.1 == -p.1));
    let nothing = attribute(&deal("5", vec![]), &settings(UShaped)).unwrap();
    assert!(split_amount(&nothing, dec("5")).unwrap().is_empty());
    // Shares not made by attribute are refused.
    let mut bad = a.clone();
    bad.lines[0].share = dec("0.5");
    assert_eq!(
        split_amount(&bad, dec("1")).unwrap_err().code(),
        "INVALID_INPUT"
    );
}

#[test]
fn refused_inputs_are_invalid_input() {
    let negative = deal("-0.01", vec![touch("c-a", 1.0)]);
    let err = attribute(&negative, &settings(Even)).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("amount"), "{err}");
    let zero_half_life = AttributionSettings {
        half_life_days: Some(0),
        ..settings(TimeDecay)
    };
    let err = attribute(&five(), &zero_half_life).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("half_life_days"), "{err}");
    let long_lookback = AttributionSettings {
        lookback_days: Some(36_501),
        ..settings(Even)
    };
    assert_eq!(
        attribute(&five(), &long_lookback).unwrap_err().code(),
        "INVALID_INPUT"
    );
    let mut empty_id = five();
    empty_id.touches[2].campaign_id.clear();
    let err = attribute(&empty_id, &settings(Even)).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("touches[2].campaign_id"), "{err}");
    // Near Decimal::MAX: refused, never an overflow.
    for amount in [Decimal::MAX, Decimal::MIN, dec("1000000000000000000.01")] {
        let mut huge = five();
        huge.amount = amount;
        for model in AttributionModel::ALL {
            let err = attribute(&huge, &settings(model)).unwrap_err();
            assert_eq!(err.code(), "INVALID_INPUT");
        }
        assert_eq!(
            split_amount(&attribute(&five(), &settings(Even)).unwrap(), amount)
                .unwrap_err()
                .code(),
            "INVALID_INPUT"
        );
    }
    // The largest amount accepted, with as many places as a Decimal holds there, splits exactly.
    let mut top = five();
    top.amount = dec("1000000000000000000");
    let a = attribute(&top, &settings(UShaped)).unwrap();
    assert_eq!(
        a.lines.iter().map(|l| l.amount).sum::<Decimal>(),
        top.amount
    );
    let fine = dec("7.9228162514264337593543950335");
    let s = split_amount(&a, fine).unwrap();
    assert_eq!(s.iter().map(|l| l.1).sum::<Decimal>(), fine);
    // attribute_all names the first bad deal.
    let mut bad = five();
    bad.id = "opp-bad".into();
    bad.amount = dec("-1");
    let err = attribute_all(&[five(), bad, negative], &settings(Even)).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    let text = err.to_string();
    assert!(
        text.contains("deals[1].amount") && text.contains("opp-bad"),
        "{text}"
    );
    assert_eq!(
        attribute_all(&[five(), five()], &settings(Even))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        "u_shaped".parse::<AttributionModel>().unwrap(),
        AttributionModel::UShaped
    );
    assert_eq!(
        "linear".parse::<AttributionModel>().unwrap_err().code(),
        "INVALID_INPUT"
    );
}

fn model() -> impl Strategy<Value = AttributionModel> {
    prop::sample::select(AttributionModel::ALL.to_vec())
}

prop_compose! {
    fn random_deal()(
        // Seconds before the win (negative: after it), some in the same second as another.
        offsets in prop::collection::vec((0u8..6, -86_400i64..40_000_000), 0..12),
        cents in 0i64..1_000_000_000_000,
        scale in 0u32..5,
        created in 0i64..20_000_000,
        lead in prop::option::of(0i64..30_000_000),
        primary in prop::option::of("[a-c]"),
    ) -> AttributedDeal {
        AttributedDeal {
            id: "opp-p".into(),
            amount: Decimal::new(cents, scale),
            won_at: won_at(),
            created_at: won_at() - TimeDelta::seconds(created),
            lead_created_at: lead.map(|s| won_at() - TimeDelta::seconds(s)),
            primary_campaign_id: primary,
            touches: offsets
                .into_iter()
                .map(|(c, s)| Touch {
                    campaign_id: format!("c-{c}"),
                    at: won_at() - TimeDelta::seconds(s - s % 3600),
                })
                .collect(),
        }
    }
}

prop_compose! {
    fn random_settings()(
        model in model(),
        lookback in prop::option::of(0u32..500),
        half_life in prop::option::of(1u32..60),
    ) -> AttributionSettings {
        AttributionSettings { model, lookback_days: lookback, half_life_days: half_life }
    }
}

proptest! {
    #[test]
    fn shares_sum_to_one_and_money_to_the_amount(d in random_deal(), s in random_settings()) {
        let a = attribute(&d, &s).unwrap();
        prop_assert_eq!(a.touches + a.ignored, d.touches.len() as u32);
        if !a.lines.is_empty() {
            prop_assert_eq!(a.lines.iter().map(|l| l.share).sum::<Decimal>(), Decimal::ONE);
            prop_assert_eq!(a.lines.iter().map(|l| l.amount).sum::<Decimal>(), d.amount);
        }
        for l in &a.lines {
            prop_assert!(l.share >= Decimal::ZERO && l.share <= Decimal::ONE);
            prop_assert!(l.share.scale() <= 4);
            prop_assert!(l.amount >= Decimal::ZERO && l.amount <= d.amount);
            prop_assert!(!l.explanation.is_empty());
        }
        if s.model != PrimarySource {
            prop_assert_eq!(a.lines.len(), a.touches as usize);
            let positions: Vec<u32> = a.lines.iter().map(|l| l.position).collect();
            prop_assert_eq!(positions, (1..=a.touches).collect::<Vec<_>>());
            prop_assert!(a.lines.windows(2).all(|w| (w[0].touch_at, &w[0].campaign_id) <= (w[1].touch_at, &w[1].campaign_id)));
        }
    }

    #[test]
    fn a_touch_after_the_win_and_the_order_of_touches_change_nothing(
        d in random_deal(),
        s in random_settings(),
        late in 1i64..10_000_000,
        seed in any::<u64>(),
    ) {
        let a = attribute(&d, &s).unwrap();
        let mut later = d.clone();
        later.touches.insert((seed as usize) % (d.touches.len() + 1), Touch {
            campaign_id: "c-late".into(),
            at: won_at() + TimeDelta::seconds(late),
        });
        let b = attribute(&later, &s).unwrap();
        prop_assert_eq!(&b.lines, &a.lines);
        prop_assert_eq!((b.touches, b.ignored), (a.touches, a.ignored + 1));
        // A deterministic shuffle from the seed.
        let mut shuffled = d.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.touches.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.touches.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(attribute(&shuffled, &s).unwrap(), a);
    }

    #[test]
    fn split_amount_sums_exactly(
        d in random_deal(),
        s in random_settings(),
        cents in -1_000_000_000_000i64..1_000_000_000_000,
        scale in 0u32..6,
    ) {
        let a = attribute(&d, &s).unwrap();
        let amount = Decimal::new(cents, scale);
        let split = split_amount(&a, amount).unwrap();
        prop_assert_eq!(split.len(), a.lines.len());
        if !split.is_empty() {
            prop_assert_eq!(split.iter().map(|l| l.1).sum::<Decimal>(), amount);
        }
        // The deal's own amount splits into the lines' own money.
        let own = split_amount(&a, d.amount).unwrap();
        prop_assert!(own.iter().zip(&a.lines).all(|(o, l)| o.1 == l.amount));
    }
}
