//! Results in JavaScript's spelling, written straight from the typed records: a serde serializer
//! adapter that spells every record field (serde's struct fields) in camelCase and leaves map keys
//! (custom fields, rep ids, levels: the user's data) and every value as they are. serde tells the
//! two apart, so nothing here knows a record or a key name. Only the WASM build turns it on (the
//! `camel-case-json` feature); every other surface reads the core's snake_case form.
//!
//! Written by hand because no maintained crate renames at serialisation time without tracking a
//! path per value (serde_hooks does, at a cost a one-record read cannot pay).

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};
use std::fmt::Display;

/// `value` written as JSON text with camelCase record fields.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    value.serialize(Camel(&mut serde_json::Serializer::new(&mut out)))?;
    // serde_json writes only valid UTF-8.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// `snake_case` as `camelCase` into `buf`; names longer than `buf` come back unchanged.
fn camel_into<'b>(name: &'b str, buf: &'b mut [u8; 64]) -> &'b str {
    if !name.contains('_') || name.len() > buf.len() {
        return name;
    }
    let (mut len, mut upper) = (0, false);
    for b in name.bytes() {
        if b == b'_' {
            upper = true;
            continue;
        }
        buf[len] = if upper { b.to_ascii_uppercase() } else { b };
        upper = false;
        len += 1;
    }
    std::str::from_utf8(&buf[..len]).unwrap_or(name)
}

/// Text of at most 64 bytes on the stack; longer text is refused (`fmt::Error`).
struct Short {
    bytes: [u8; 64],
    len: usize,
}

impl Default for Short {
    fn default() -> Self {
        Short {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl Short {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are copied in.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for Short {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

struct Camel<S>(S);

/// A value to serialise with the adapter.
struct Wrap<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Wrap<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Camel(s))
    }
}

macro_rules! forward {
    ($($method:ident($t:ty)),* $(,)?) => {
        $(fn $method(self, v: $t) -> Result<Self::Ok, Self::Error> {
            self.0.$method(v)
        })*
    };
}

impl<S: Serializer> Serializer for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Camel<S::SerializeSeq>;
    type SerializeTuple = Camel<S::SerializeTuple>;
    type SerializeTupleStruct = Camel<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Camel<S::SerializeTupleVariant>;
    type SerializeMap = Camel<S::SerializeMap>;
    /// Records are written as maps, so a field name needs no `'static` lifetime.
    type SerializeStruct = Camel<S::SerializeMap>;
    /// serde's struct variants take `'static` field names, which renamed ones are not: their
    /// fields are gathered first (as `serde_json::Value`s, so records nested in them come out
    /// with their fields in name order) and written as a one-entry map, as serde_json writes
    /// them. No core record has one today (its enums are internally tagged); this keeps the
    /// adapter whole without a cache of leaked names.
    type SerializeStructVariant = Variant<S>;

    forward!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Wrap(v))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Wrap(v))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Wrap(v))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Camel)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Camel)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Camel)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Camel)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Camel)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_map(Some(len)).map(Camel)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Variant {
            outer: self.0,
            variant,
            fields: Vec::with_capacity(len),
        })
    }

    /// Formats into a buffer first: serde_json escapes each piece a `Display` writes as it
    /// comes, and chrono writes an instant in a dozen pieces (a fifth of a one-record read's
    /// serialising in WASM).
    fn collect_str<T: Display + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        let mut short = Short::default();
        match std::fmt::write(&mut short, format_args!("{v}")) {
            Ok(()) => self.0.serialize_str(short.as_str()),
            Err(_) => self.0.collect_str(v),
        }
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! elements {
    ($trait:ident, $method:ident) => {
        impl<S: $trait> $trait for Camel<S> {
            type Ok = S::Ok;
            type Error = S::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
                self.0.$method(&Wrap(v))
            }

            fn end(self) -> Result<S::Ok, S::Error> {
                self.0.end()
            }
        }
    };
}

elements!(SerializeSeq, serialize_element);
elements!(SerializeTuple, serialize_element);
elements!(SerializeTupleStruct, serialize_field);
elements!(SerializeTupleVariant, serialize_field);

impl<S: SerializeMap> SerializeMap for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), S::Error> {
        self.0.serialize_key(&Wrap(k))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_value(&Wrap(v))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

/// A record's fields, written as a map's entries under their camelCase names.
impl<S: SerializeMap> SerializeStruct for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        let mut buf = [0u8; 64];
        self.0.serialize_entry(camel_into(key, &mut buf), &Wrap(v))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

/// A struct variant's fields, gathered (see `Serializer::SerializeStructVariant` above).
struct Variant<S> {
    outer: S,
    variant: &'static str,
    fields: Vec<(String, serde_json::Value)>,
}

/// Gathered fields, written in their order.
struct Fields<'a>(&'a [(String, serde_json::Value)]);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<S: Serializer> SerializeStructVariant for Variant<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        let value = serde_json::to_value(Wrap(v)).map_err(serde::ser::Error::custom)?;
        let mut buf = [0u8; 64];
        self.fields
            .push((camel_into(key, &mut buf).to_string(), value));
        Ok(())
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        let mut map = self.outer.serialize_map(Some(1))?;
        map.serialize_entry(self.variant, &Fields(&self.fields))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Kind {
        OwnerChanged {
            customer_id: String,
            from_owner_id: Option<String>,
        },
        Plain,
    }

    /// Externally tagged, so its variants are serde struct variants.
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Change {
        Moved {
            to_pool_id: String,
            at_ms: u64,
            custom_fields: BTreeMap<&'static str, u8>,
        },
    }

    #[test]
    fn struct_variants_are_camel_cased_in_field_order() {
        let change = Change::Moved {
            to_pool_id: "p-2".into(),
            at_ms: 7,
            custom_fields: [("po_number", 1)].into(),
        };
        assert_eq!(
            super::to_json(&[&change, &change]).unwrap(),
            r#"[{"moved":{"toPoolId":"p-2","atMs":7,"customFields":{"po_number":1}}},{"moved":{"toPoolId":"p-2","atMs":7,"customFields":{"po_number":1}}}]"#
        );
    }

    #[derive(Serialize)]
    struct Record {
        created_at: &'static str,
        custom_fields: BTreeMap<&'static str, u8>,
        kind: Kind,
        nested: Vec<Kind>,
    }

    #[test]
    fn record_fields_are_camel_case_and_data_keys_stay() {
        let r = Record {
            created_at: "2026-01-01T00:00:00Z",
            custom_fields: [("po_number", 1)].into(),
            kind: Kind::OwnerChanged {
                customer_id: "c-1".into(),
                from_owner_id: None,
            },
            nested: vec![Kind::Plain],
        };
        assert_eq!(
            super::to_json(&r).unwrap(),
            r#"{"createdAt":"2026-01-01T00:00:00Z","customFields":{"po_number":1},"kind":{"type":"owner_changed","customerId":"c-1","fromOwnerId":null},"nested":[{"type":"plain"}]}"#
        );
    }

    /// Text written through `Display`, as chrono and rust_decimal write theirs.
    struct Shown(String);

    impl Serialize for Shown {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&self.0)
        }
    }

    #[test]
    fn displayed_values_read_as_serde_json_writes_them() {
        let at: chrono::DateTime<chrono::Utc> = "2026-03-05T02:00:00.123456789Z".parse().unwrap();
        let amount: rust_decimal::Decimal = "-1234567.8900".parse().unwrap();
        assert_eq!(
            super::to_json(&at).unwrap(),
            serde_json::to_string(&at).unwrap()
        );
        assert_eq!(
            super::to_json(&amount).unwrap(),
            serde_json::to_string(&amount).unwrap()
        );
        // Escaped as any text; longer than the buffer (multibyte across its end) written whole.
        for text in [
            "a\"b\\c\n",
            &"é".repeat(40),
            &"x".repeat(63),
            &"x".repeat(65),
        ] {
            let shown = Shown(text.to_string());
            assert_eq!(
                super::to_json(&shown).unwrap(),
                serde_json::to_string(text).unwrap(),
                "{text}"
            );
        }
    }
}
