//! Pipeline behaviour through the service: the probability override and its end at a stage
//! change, and forecasts as of past instants reading the stage history.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crm_core::opportunity::{NewOpportunity, OpportunityPatch};
use crm_core::performance::PeriodKind;
use crm_core::{Crm, FixedClock, NewCustomer, NewUser, Role};
use rust_decimal::Decimal;
use std::sync::Arc;

#[test]
fn the_override_weights_the_forecast_until_the_stage_changes_and_past_forecasts_stay_answerable() {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let crm = Crm::in_memory(clock.clone());
    crm.bootstrap("Ada", None).unwrap();
    crm.create_user(
        "u-1",
        NewUser {
            name: "Li".into(),
            role: Role::Rep,
            scope: None,
            team_id: None,
        },
    )
    .unwrap();
    let c = crm
        .create_customer(
            "u-2",
            NewCustomer {
                name: "Acme".into(),
                ..NewCustomer::default()
            },
        )
        .unwrap()
        .customer;
    let mut new = NewOpportunity::new("ERP", Decimal::from(1000));
    new.expected_close = NaiveDate::from_ymd_opt(2026, 4, 30);
    let o = crm.create_opportunity("u-2", &c.id, new).unwrap();
    // Qualify: 10% of 1000 = 100.
    assert_eq!(
        crm.forecast("u-2", PeriodKind::Month, None).unwrap()[0].weighted,
        Decimal::from(100)
    );
    clock.advance(Duration::days(1));
    let o = crm
        .update_opportunity(
            "u-2",
            &o.id,
            o.version,
            OpportunityPatch {
                amount: Some(Decimal::from(2000)),
                probability_override: Some(Decimal::from(40)),
                ..OpportunityPatch::default()
            },
        )
        .unwrap();
    // Overridden: 40% of 2000 = 800; a day earlier the forecast said 100.
    assert_eq!(
        crm.forecast("u-2", PeriodKind::Month, None).unwrap()[0].weighted,
        Decimal::from(800)
    );
    let earlier = crm
        .forecast("u-2", PeriodKind::Month, Some(t0 + Duration::hours(1)))
        .unwrap();
    assert_eq!(earlier[0].weighted, Decimal::from(100));
    assert_eq!(earlier[0].amount, Decimal::from(1000));
    assert!(crm
        .forecast("u-2", PeriodKind::Month, Some(t0 - Duration::hours(1)))
        .unwrap()
        .is_empty());
    clock.advance(Duration::days(1));
    // A stage change ends the override: needs_analysis is 25% of 2000 = 500.
    let o = crm
        .move_opportunity("u-2", &o.id, o.version, "needs_analysis", None)
        .unwrap();
    assert_eq!(o.probability_override, None);
    assert_eq!(
        crm.forecast("u-2", PeriodKind::Month, None).unwrap()[0].weighted,
        Decimal::from(500)
    );
    assert_eq!(o.history.len(), 3);
    assert_eq!(o.history[1].probability, Decimal::from(40));
    // Out-of-range overrides are refused.
    let e = crm
        .update_opportunity(
            "u-2",
            &o.id,
            o.version,
            OpportunityPatch {
                probability_override: Some(Decimal::from(101)),
                ..OpportunityPatch::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
}
