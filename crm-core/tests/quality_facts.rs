//! The quality facts a store keeps per customer answer like the record they came from.

use crm_core::import::facts::CustomerFacts;
use crm_core::import::fields;

#[test]
fn phones_are_checked_again_in_another_region() {
    let mut c = crm_core::testing::conformance::customer("c-1", None, 1);
    // Valid in China (the default region), not in the United States; and the reverse.
    c.phones = vec!["13900139000".into()];
    let facts = CustomerFacts::of(&c);
    let us = fields::region(Some("US")).unwrap();
    assert!(facts.phones_valid && facts.phones_valid_in(fields::region(None).unwrap()));
    assert!(!facts.phones_valid_in(us));
    c.phones = vec!["6502530000".into()];
    let facts = CustomerFacts::of(&c);
    assert!(!facts.phones_valid && facts.phones_valid_in(us));
}
