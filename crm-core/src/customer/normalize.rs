//! Normal forms for duplicate detection (撞单): two spellings of one phone, email or company name
//! must produce the same key.

use crate::error::{CrmError, Result};
use unicode_normalization::UnicodeNormalization;

/// Full-width forms (＋８６, ＡＢＣ) folded to their ASCII equivalents.
fn fold_width(input: &str) -> String {
    input.nfkc().collect()
}

/// Phone numbers: digits only; an international prefix (`+` or `00`) is kept as `+CC…`, except China
/// (+86), whose numbers normalise to the national form, so `+86 138-0013-8000`, `0086 13800138000`,
/// `86 13800138000` and `13800138000` are one key; `+86 10 1234 5678` becomes `01012345678`.
pub fn normalize_phone(input: &str) -> Result<String> {
    let folded = fold_width(input);
    let trimmed = folded.trim();
    let invalid = |reason: &str| CrmError::InvalidPhone {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let mut digits = String::with_capacity(trimmed.len());
    let mut international = false;
    for ch in trimmed.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            '+' if digits.is_empty() && !international => international = true,
            ' ' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return Err(invalid("only digits, spaces, + - ( ) . / are allowed")),
        }
    }
    if !international && digits.starts_with("00") {
        digits.drain(..2);
        international = true;
    }
    if !international && digits.len() == 13 && digits.starts_with("861") {
        digits.drain(..2);
    } else if international && digits.starts_with("86") {
        digits.drain(..2);
        let mobile = digits.len() == 11 && digits.starts_with('1');
        if !mobile && !digits.starts_with('0') {
            digits.insert(0, '0');
        }
        international = false;
    }
    if digits.len() < 5 || digits.len() > 15 {
        return Err(invalid("a phone number has 5 to 15 digits"));
    }
    Ok(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

/// Emails: trimmed and lower-cased; must look like `local@domain.tld`.
pub fn normalize_email(input: &str) -> Result<String> {
    let email = fold_width(input).trim().to_lowercase();
    let invalid = || CrmError::InvalidEmail {
        input: input.to_string(),
    };
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace);
    if well_formed {
        Ok(email)
    } else {
        Err(invalid())
    }
}

/// Legal-form words dropped from the end of Latin-script company names.
const LATIN_SUFFIXES: &[&str] = &[
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "gmbh",
    "plc",
    "ag",
    "sa",
    "pte",
    "pty",
    "srl",
    "bv",
];

/// Legal-form endings dropped from Chinese company names, longest first.
const CJK_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
];

/// Company or person names: width-folded, lower-cased, punctuation and whitespace removed, legal
/// suffixes (有限公司, Co., Ltd., Inc. ...) stripped. Never strips a name down to nothing.
pub fn normalize_name(input: &str) -> String {
    let folded = fold_width(input).to_lowercase();
    let spaced: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    while tokens.len() > 1 && LATIN_SUFFIXES.contains(tokens.last().unwrap_or(&"")) {
        tokens.pop();
    }
    let mut name = tokens.concat();
    'strip: while !CJK_SUFFIXES.contains(&name.as_str()) {
        for suffix in CJK_SUFFIXES {
            if name.len() > suffix.len() && name.ends_with(suffix) {
                name.truncate(name.len() - suffix.len());
                continue 'strip;
            }
        }
        break;
    }
    name
}

/// Similarity of two normalised names in [0, 1] (normalised Levenshtein over characters).
pub use super::similarity::name_similarity;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_phone_forms_match() {
        let key = "13800138000";
        for form in [
            "+86 138-0013-8000",
            "13800138000",
            "0086 138 0013 8000",
            "86 13800138000",
            "(+86) 138.0013.8000",
            "＋８６ １３８００１３８０００",
        ] {
            assert_eq!(normalize_phone(form).unwrap(), key, "{form}");
        }
        assert_eq!(normalize_phone("+86 10 1234 5678").unwrap(), "01012345678");
        assert_eq!(normalize_phone("010-1234-5678").unwrap(), "01012345678");
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        assert_eq!(
            normalize_phone("+1 (212) 555-0100").unwrap(),
            "+12125550100"
        );
        assert_eq!(normalize_phone("001 212 555 0100").unwrap(), "+12125550100");
    }

    #[test]
    fn bad_phones_are_refused() {
        for bad in [
            "",
            "12",
            "138-0013-800a",
            "1234567890123456",
            "+86",
            "138+0013",
        ] {
            let err = normalize_phone(bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_PHONE", "{bad}");
        }
    }

    #[test]
    fn emails_fold_case_and_space() {
        assert_eq!(
            normalize_email("  Li.Lei@Example.COM ").unwrap(),
            "li.lei@example.com"
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.com",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@com.",
        ] {
            assert_eq!(
                normalize_email(bad).unwrap_err().code(),
                "INVALID_EMAIL",
                "{bad}"
            );
        }
    }

    #[test]
    fn company_names_fold_width_and_suffixes() {
        let key = normalize_name("北京星辰科技有限公司");
        assert_eq!(key, "北京星辰科技");
        assert_eq!(normalize_name("北京星辰科技 股份有限公司"), key);
        assert_eq!(normalize_name("北京星辰科技（集团）有限公司"), key);
        assert_eq!(normalize_name("Acme Trading Co., Ltd."), "acmetrading");
        assert_eq!(
            normalize_name("ＡＣＭＥ　Ｔｒａｄｉｎｇ ｃｏ．，ＬＴＤ"),
            "acmetrading"
        );
        assert_eq!(normalize_name("Acme Trading Inc"), "acmetrading");
        assert_eq!(normalize_name("有限公司"), "有限公司");
        assert_eq!(normalize_name("Ltd"), "ltd");
    }
}
