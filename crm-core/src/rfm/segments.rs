//! Segment maps: RFM score codes (R, F, M digits) to segment names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The label of a code that no segment of the map covers: never a silent default.
pub const UNMAPPED: &str = "Unmapped";

/// A map from three-digit codes (`"555"`) to segment names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentMap {
    codes: BTreeMap<String, String>,
}

/// DOMAIN.md section 5: covers each of the 125 codes exactly once.
const DEFAULT: &[(&str, &str)] = &[
    ("Champions", "555 554 544 545 454 455 445"),
    ("Loyal", "543 444 435 355 354 345 344 335"),
    ("Potential loyalist", "553 551 552 541 542 533 532 531 452 451 442 441 431 453 433 432 423 353 352 351 342 341 333 323"),
    ("New", "512 511 422 421 412 411 311"),
    ("Promising", "525 524 523 522 521 515 514 513 425 424 413 414 415 315 314 313"),
    ("Need attention", "535 534 443 434 343 334 325 324"),
    ("About to sleep", "331 321 312 221 213 231 241 251"),
    ("At risk", "255 254 245 244 253 252 243 242 235 234 225 224 153 152 145 143 142 135 134 133 125 124"),
    ("Cannot lose them", "155 154 144 214 215 115 114 113"),
    ("Hibernating", "332 322 233 232 223 222 132 123 122 212 211"),
    ("Lost", "111 112 121 131 141 151"),
];

impl SegmentMap {
    /// The default map of DOMAIN.md.
    pub fn default_map() -> Self {
        let groups: Vec<(String, Vec<String>)> = DEFAULT
            .iter()
            .map(|(name, codes)| {
                (
                    name.to_string(),
                    codes.split_whitespace().map(str::to_string).collect(),
                )
            })
            .collect();
        SegmentMap::new(&groups).expect("the default map is well formed")
    }

    /// A user map: segment name to its codes. A code listed twice is refused; codes left out are
    /// labelled `Unmapped`.
    pub fn new(groups: &[(String, Vec<String>)]) -> crate::Result<Self> {
        let mut codes = BTreeMap::new();
        for (name, list) in groups {
            for code in list {
                let valid =
                    code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit() && b != b'0');
                if !valid {
                    return Err(crate::CrmError::invalid(
                        "segments",
                        format!("{code:?} is not a three-digit RFM code"),
                    ));
                }
                if let Some(other) = codes.insert(code.clone(), name.clone()) {
                    return Err(crate::CrmError::invalid(
                        "segments",
                        format!("code {code} is in both {other:?} and {name:?}"),
                    ));
                }
            }
        }
        Ok(SegmentMap { codes })
    }

    pub fn segment(&self, r: u8, f: u8, m: u8) -> &str {
        let code = format!("{r}{f}{m}");
        self.codes.get(&code).map_or(UNMAPPED, String::as_str)
    }

    pub fn codes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.codes.iter().map(|(c, n)| (c.as_str(), n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_map_covers_each_of_the_125_codes_exactly_once() {
        let mut seen = std::collections::BTreeMap::new();
        for (name, codes) in DEFAULT {
            for code in codes.split_whitespace() {
                assert!(seen.insert(code, *name).is_none(), "{code} listed twice");
            }
        }
        assert_eq!(seen.len(), 125);
        let map = SegmentMap::default_map();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    assert_ne!(map.segment(r, f, m), UNMAPPED, "{r}{f}{m}");
                }
            }
        }
        assert_eq!(map.segment(5, 5, 5), "Champions");
        assert_eq!(map.segment(1, 1, 1), "Lost");
    }

    #[test]
    fn user_maps_refuse_duplicates_and_label_gaps() {
        let map = SegmentMap::new(&[("Best".into(), vec!["555".into()])]).unwrap();
        assert_eq!(map.segment(5, 5, 5), "Best");
        assert_eq!(map.segment(1, 2, 3), UNMAPPED);
        let twice = SegmentMap::new(&[
            ("A".into(), vec!["555".into()]),
            ("B".into(), vec!["555".into()]),
        ]);
        assert!(twice.unwrap_err().to_string().contains("555"));
        assert!(SegmentMap::new(&[("A".into(), vec!["505".into()])]).is_err());
    }
}
