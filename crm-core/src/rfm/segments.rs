//! Segment maps: RFM score codes (R, F, M digits) to segment names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The label of a code that no segment of the map covers: never a silent default.
pub const UNMAPPED: &str = "Unmapped";

/// A map from score codes to segment names: three-digit R, F, M codes (`"555"`, 125 of them), or
/// two-digit cells of the R x FM grid (`"55"`, 25 of them) where FM is the mean of F and M rounded
/// half up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SegmentMap {
    codes: BTreeMap<String, String>,
    /// Keyed by R x FM cells rather than R, F, M codes.
    #[serde(default)]
    grid: bool,
}

/// The default R x FM grid: rows R 5..1, columns FM 1..5; covers each of the 25 cells exactly once.
const GRID: &[(&str, &str)] = &[
    ("Champions", "55 54 45"),
    ("Loyal", "44 35 34 33"),
    ("Potential loyalist", "52 53 42 43"),
    ("New", "51"),
    ("Promising", "41"),
    ("Need attention", "32"),
    ("About to sleep", "31"),
    ("At risk", "23 24 14"),
    ("Cannot lose them", "25 15"),
    ("Hibernating", "22 21 13"),
    ("Lost", "11 12"),
];

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
        Self::from_table(DEFAULT)
    }

    /// The default R x FM grid of 25 cells.
    pub fn default_grid() -> Self {
        Self::from_table(GRID)
    }

    fn from_table(table: &[(&str, &str)]) -> Self {
        let groups: Vec<(String, Vec<String>)> = table
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

    /// A user map: segment name to its codes, all three-digit RFM codes or all two-digit grid
    /// cells. A code listed twice is refused; codes left out are labelled `Unmapped`.
    pub fn new(groups: &[(String, Vec<String>)]) -> crate::Result<Self> {
        let mut codes = BTreeMap::new();
        let width = groups
            .iter()
            .flat_map(|(_, list)| list.first())
            .map(String::len)
            .next()
            .unwrap_or(3);
        for (name, list) in groups {
            for code in list {
                let valid = (width == 2 || width == 3)
                    && code.len() == width
                    && code.bytes().all(|b| b.is_ascii_digit() && b != b'0');
                if !valid {
                    return Err(crate::CrmError::invalid(
                        "segments",
                        format!(
                            "{code:?} is not a {} code (digits 1-9; one map uses one kind)",
                            if width == 2 {
                                "two-digit R x FM grid"
                            } else {
                                "three-digit RFM"
                            }
                        ),
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
        Ok(SegmentMap {
            codes,
            grid: width == 2,
        })
    }

    /// Whether this map is keyed by R x FM grid cells.
    pub fn is_grid(&self) -> bool {
        self.grid
    }

    pub fn segment(&self, r: u8, f: u8, m: u8) -> &str {
        let code = if self.grid {
            format!("{r}{}", (f + m).div_ceil(2))
        } else {
            format!("{r}{f}{m}")
        };
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
    fn the_default_grid_covers_each_of_the_25_cells_exactly_once() {
        let mut seen = std::collections::BTreeMap::new();
        for (name, cells) in GRID {
            for cell in cells.split_whitespace() {
                assert!(seen.insert(cell, *name).is_none(), "{cell} listed twice");
            }
        }
        assert_eq!(seen.len(), 25);
        let grid = SegmentMap::default_grid();
        assert!(grid.is_grid());
        for r in 1..=5u8 {
            for fm in 1..=5u8 {
                assert!(seen.contains_key(format!("{r}{fm}").as_str()), "{r}{fm}");
            }
        }
        // FM is the mean of F and M rounded half up: 5 and 4 give 5, 4 and 3 give 4.
        assert_eq!(grid.segment(5, 5, 4), "Champions");
        assert_eq!(grid.segment(4, 4, 3), "Loyal");
        assert_eq!(grid.segment(5, 1, 2), "Potential loyalist");
        assert_eq!(grid.segment(1, 5, 5), "Cannot lose them");
        assert_eq!(grid.segment(1, 1, 1), "Lost");
    }

    #[test]
    fn user_grids_are_two_digit_and_never_mixed() {
        let grid = SegmentMap::new(&[("Top".into(), vec!["55".into()])]).unwrap();
        assert_eq!(grid.segment(5, 5, 5), "Top");
        assert_eq!(grid.segment(5, 4, 4), UNMAPPED);
        let mixed = SegmentMap::new(&[("A".into(), vec!["55".into(), "555".into()])]);
        assert!(mixed.unwrap_err().to_string().contains("555"));
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
