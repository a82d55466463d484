//! Mapping targets: which fields a column may fill for each kind of record, and how one row's
//! cells become a typed draft (or the errors of its bad cells).

use super::divisions::{self, Division};
use super::fields::{self, CellError};
use super::model::{ImportKind, ImportMapping, MatchKey, RowError};
use crate::customer::{ConsentChannel, CustomerKind, FieldValue};
use crate::error::{CrmError, Result};
use phonenumber::country::Id as Country;
use std::collections::BTreeMap;

/// A custom field's type, written after a colon: `custom.birthday:date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomType {
    Text,
    Number,
    Bool,
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Id,
    Name,
    Kind,
    Level,
    Tags,
    Source,
    Industry,
    Region,
    Phones,
    Emails,
    OwnerId,
    PoolId,
    OptOuts,
    CampaignId,
    Role,
    Weight,
    /// A contact's customer by id.
    CustomerId,
    /// A contact's customer by its phone, email or exact name.
    Customer,
    Province,
    City,
    District,
    /// A free-text Chinese address, its division checked against GB/T 2260.
    Address,
    Custom(String, CustomType),
}

impl Target {
    fn parse(kind: ImportKind, spec: &str) -> Option<Target> {
        use ImportKind::*;
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("custom.") {
            if kind == Contacts {
                return None;
            }
            let (name, ty) = rest.split_once(':').unwrap_or((rest, "text"));
            let ty = match ty {
                "text" => CustomType::Text,
                "number" => CustomType::Number,
                "bool" => CustomType::Bool,
                "date" => CustomType::Date,
                _ => return None,
            };
            return (!name.trim().is_empty()).then(|| Target::Custom(name.trim().into(), ty));
        }
        let target = match spec {
            "id" => Target::Id,
            "name" => Target::Name,
            "phones" | "phone" => Target::Phones,
            "emails" | "email" => Target::Emails,
            "opt_outs" => Target::OptOuts,
            "kind" if kind != Contacts => Target::Kind,
            "level" if kind != Contacts => Target::Level,
            "source" if kind != Contacts => Target::Source,
            "industry" if kind != Contacts => Target::Industry,
            "region" if kind != Contacts => Target::Region,
            "owner_id" if kind != Contacts => Target::OwnerId,
            "campaign_id" if kind != Contacts => Target::CampaignId,
            "tags" if kind == Customers => Target::Tags,
            "pool_id" if kind == Customers => Target::PoolId,
            "province" if kind == Customers => Target::Province,
            "city" if kind == Customers => Target::City,
            "district" if kind == Customers => Target::District,
            "address" if kind == Customers => Target::Address,
            "weight" if kind == Leads => Target::Weight,
            "role" if kind == Contacts => Target::Role,
            "customer_id" if kind == Contacts => Target::CustomerId,
            "customer" if kind == Contacts => Target::Customer,
            _ => return None,
        };
        Some(target)
    }
}

/// A mapping checked against a file's header: the column index of every target.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: ImportKind,
    pub columns: Vec<(usize, String, Target)>,
    pub region: Country,
    pub match_on: Vec<MatchKey>,
}

impl Plan {
    /// Refuses targets the kind lacks, columns the file lacks and a target mapped twice.
    pub fn new(mapping: &ImportMapping, header: &[String]) -> Result<Plan> {
        let region = fields::region(mapping.default_region.as_deref())
            .map_err(|(_, m)| CrmError::invalid("default_region", m))?;
        let mut columns = Vec::new();
        for (column, spec) in &mapping.columns {
            let target = Target::parse(mapping.kind, spec).ok_or_else(|| {
                CrmError::invalid(
                    "columns",
                    format!(
                        "{spec} is not a field {:?} can import (column {column})",
                        mapping.kind
                    )
                    .to_lowercase(),
                )
            })?;
            let index = header
                .iter()
                .position(|h| h.trim() == column.trim())
                .ok_or_else(|| {
                    CrmError::invalid("columns", format!("the file has no column {column}"))
                })?;
            if columns.iter().any(|(_, _, t)| *t == target) {
                return Err(CrmError::invalid(
                    "columns",
                    format!("{spec} is mapped from more than one column"),
                ));
            }
            columns.push((index, column.clone(), target));
        }
        columns.sort_by_key(|(index, _, _)| *index);
        let has = |t: Target| columns.iter().any(|(_, _, c)| *c == t);
        let mut match_on = mapping.match_on.clone();
        if match_on.is_empty() {
            match_on = match mapping.mode {
                super::ImportMode::Update => vec![MatchKey::Id],
                _ => vec![MatchKey::Phone, MatchKey::Email],
            };
            match_on.retain(|k| match k {
                MatchKey::Id => has(Target::Id),
                MatchKey::Phone => has(Target::Phones),
                MatchKey::Email => has(Target::Emails),
                MatchKey::Name => has(Target::Name),
            });
        }
        match_on.sort();
        match_on.dedup();
        if mapping.mode != super::ImportMode::Create && match_on.is_empty() {
            return Err(CrmError::invalid(
                "match_on",
                "updating needs a field to match rows on (id, phone, email or name)",
            ));
        }
        if mapping.mode != super::ImportMode::Update && !has(Target::Name) {
            return Err(CrmError::invalid(
                "columns",
                "creating records needs a name column",
            ));
        }
        if mapping.kind == ImportKind::Contacts
            && mapping.mode != super::ImportMode::Update
            && !has(Target::CustomerId)
            && !has(Target::Customer)
        {
            return Err(CrmError::invalid(
                "columns",
                "contacts need a customer_id or customer column",
            ));
        }
        Ok(Plan {
            kind: mapping.kind,
            columns,
            region,
            match_on,
        })
    }
}

/// One row's values, typed and normalised; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<CustomerKind>,
    pub level: Option<String>,
    pub tags: Option<Vec<String>>,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub owner_id: Option<String>,
    pub pool_id: Option<String>,
    pub opt_outs: Option<Vec<ConsentChannel>>,
    pub campaign_id: Option<String>,
    pub role: Option<String>,
    pub weight: Option<u64>,
    pub customer_id: Option<String>,
    pub customer: Option<String>,
    pub custom: BTreeMap<String, FieldValue>,
}

/// The longest cell read at all (bytes): longer ones are refused before any parsing.
pub const MAX_CELL: usize = 10_000;

/// The longest cell a row error quotes.
const RAW_CHARS: usize = 200;

pub(crate) fn clip(raw: &str) -> String {
    match raw.char_indices().nth(RAW_CHARS) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_string(),
    }
}

/// Types one row. Blank cells are skipped; every bad cell is reported, not only the first.
pub fn draft(plan: &Plan, values: &[Option<String>]) -> (Draft, Vec<RowError>) {
    let mut d = Draft::default();
    let mut errors = Vec::new();
    let mut address: [Option<(String, String)>; 4] = Default::default();
    for (index, column, target) in &plan.columns {
        let Some(raw) = values.get(*index).and_then(|v| v.as_deref()) else {
            continue;
        };
        if raw.len() > MAX_CELL {
            errors.push(RowError {
                row: 0,
                line: None,
                field: Some(column.clone()),
                code: "CELL_TOO_LONG".into(),
                message: format!("the cell holds {} bytes; at most {MAX_CELL}", raw.len()),
                raw: Some(clip(raw)),
            });
            continue;
        }
        let text = fields::fold(raw);
        if text.is_empty() {
            continue;
        }
        let mut fail = |(code, message): CellError| {
            errors.push(RowError {
                row: 0,
                line: None,
                field: Some(column.clone()),
                code: code.to_string(),
                message,
                raw: Some(clip(raw)),
            })
        };
        match target {
            Target::Id => d.id = Some(text),
            Target::Name => d.name = Some(text),
            Target::Kind => match text.to_lowercase().as_str() {
                "company" | "公司" | "企业" | "单位" => d.kind = Some(CustomerKind::Company),
                "person" | "个人" | "自然人" => d.kind = Some(CustomerKind::Person),
                _ => fail(("INVALID_KIND", format!("{text} is not company or person"))),
            },
            Target::Level => d.level = Some(text),
            Target::Tags => d.tags = Some(fields::list(&text)),
            Target::Source => d.source = Some(text),
            Target::Industry => d.industry = Some(text),
            Target::Region => d.region = Some(text),
            Target::OwnerId => d.owner_id = Some(text),
            Target::PoolId => d.pool_id = Some(text),
            Target::CampaignId => d.campaign_id = Some(text),
            Target::Role => d.role = Some(text),
            Target::CustomerId => d.customer_id = Some(text),
            Target::Customer => d.customer = Some(text),
            Target::Phones => {
                let mut phones = Vec::new();
                for p in fields::list(&text) {
                    match fields::phone(&p, plan.region) {
                        Ok(p) if !phones.contains(&p) => phones.push(p),
                        Ok(_) => {}
                        Err(e) => fail(e),
                    }
                }
                d.phones = Some(phones);
            }
            Target::Emails => {
                let mut emails = Vec::new();
                for e in fields::list(&text) {
                    match fields::email(&e) {
                        Ok(e) if !emails.contains(&e) => emails.push(e),
                        Ok(_) => {}
                        Err(e) => fail(e),
                    }
                }
                d.emails = Some(emails);
            }
            Target::OptOuts => {
                let mut channels = Vec::new();
                for c in fields::list(&text) {
                    match c.to_lowercase().as_str() {
                        "email" | "邮件" => channels.push(ConsentChannel::Email),
                        "sms" | "短信" => channels.push(ConsentChannel::Sms),
                        "phone" | "电话" => channels.push(ConsentChannel::Phone),
                        _ => fail(("INVALID_CHANNEL", format!("{c} is not email, sms or phone"))),
                    }
                }
                d.opt_outs = Some(channels);
            }
            Target::Weight => match text.parse::<u64>() {
                Ok(w) if (1..=1_000_000).contains(&w) => d.weight = Some(w),
                _ => fail((
                    "INVALID_NUMBER",
                    format!("{text} is not a weight from 1 to 1000000"),
                )),
            },
            Target::Province => address[0] = Some((column.clone(), text)),
            Target::City => address[1] = Some((column.clone(), text)),
            Target::District => address[2] = Some((column.clone(), text)),
            Target::Address => address[3] = Some((column.clone(), text)),
            Target::Custom(name, ty) => {
                let value = match ty {
                    CustomType::Text => Ok(FieldValue::Text(text)),
                    CustomType::Number => fields::decimal(&text).map(FieldValue::Number),
                    CustomType::Bool => fields::boolean(&text).map(FieldValue::Bool),
                    CustomType::Date => fields::date(&text).map(FieldValue::Date),
                };
                match value {
                    Ok(v) => {
                        d.custom.insert(name.clone(), v);
                    }
                    Err(e) => fail(e),
                }
            }
        }
    }
    if address.iter().any(Option::is_some) {
        match resolve_address(&address) {
            Ok((division, detail)) => {
                let mut full = String::new();
                for part in [
                    Some(&division.province),
                    division.city.as_ref(),
                    division.district.as_ref(),
                ]
                .into_iter()
                .flatten()
                {
                    if !full.ends_with(part.as_str()) {
                        full.push_str(part);
                    }
                }
                full.push_str(&detail);
                d.custom.insert("address".into(), FieldValue::Text(full));
                d.custom.insert(
                    "division_code".into(),
                    FieldValue::Text(division.code.clone()),
                );
            }
            Err((column, code, message)) => errors.push(RowError {
                row: 0,
                line: None,
                raw: address
                    .iter()
                    .flatten()
                    .find(|(c, _)| *c == column)
                    .map(|(_, v)| clip(v)),
                field: Some(column),
                code: code.to_string(),
                message,
            }),
        }
    }
    (d, errors)
}

type AddressFault = (String, &'static str, String);

/// Separate province / city / district cells, a free-text address, or both (the text's own
/// division names, when it repeats them, must agree with the cells).
fn resolve_address(
    cells: &[Option<(String, String)>; 4],
) -> std::result::Result<(Division, String), AddressFault> {
    let text = |i: usize| cells[i].as_ref().map(|(_, v)| v.as_str());
    let column = |i: usize| cells[i].as_ref().map(|(c, _)| c.clone());
    let fault = |col: Option<String>, e: divisions::AddressError| {
        (col.unwrap_or_default(), e.code(), e.to_string())
    };
    let parts_given = (0..3).any(|i| cells[i].is_some());
    if !parts_given {
        let raw = text(3).unwrap_or_default();
        return divisions::parse_address(raw).map_err(|e| fault(column(3), e));
    }
    let blame = (0..3).rev().find_map(column);
    let division = divisions::resolve(text(0), text(1), text(2)).map_err(|e| {
        let col = match &e {
            divisions::AddressError::UnknownProvince { .. } => column(0),
            divisions::AddressError::UnknownCity { .. } => column(1),
            _ => None,
        };
        fault(col.or(blame.clone()), e)
    })?;
    let detail = match text(3) {
        None => String::new(),
        Some(raw) => match divisions::parse_address(raw) {
            Ok((own, rest)) if division.code.starts_with(own.code.trim_end_matches("00")) => rest,
            Ok((own, _)) => {
                return Err((
                    column(3).unwrap_or_default(),
                    "ADDRESS_MISMATCH",
                    format!(
                        "the address names {} but the division cells say {}",
                        own.code, division.code
                    ),
                ))
            }
            Err(_) => raw.to_string(),
        },
    };
    Ok((division, detail))
}
