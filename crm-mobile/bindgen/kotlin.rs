//! Kotlin with signed numbers: the core's `u64`/`u32`/`u16`/`u8` as `Long`/`Int`/`Short`/`Byte`.
//!
//! uniffi writes them as Kotlin's unsigned types, which are inline classes: Kotlin mangles the
//! name of every function taking one (`updateCustomer-x1y2z3`) and hides the constructors of
//! records holding one, so Java can neither call most methods nor build most inputs, and Kotlin
//! callers write `1UL` and `.toULong()` everywhere. uniffi has no setting for this (uniffi-rs
//! #216), and the core keeps its unsigned types, which say "never negative" to Rust, TypeScript
//! and Python alike. So the generated Kotlin is edited: the public types become signed, and the
//! four converters check the sign where the two meet. The wire is unchanged (the same bits), so
//! the library and its checksums are untouched.
//!
//! The values fit: versions, counts and positions stay far below `Long.MAX_VALUE`, and numbers
//! with a range (days, hours, limits, scores) are bounded by the core well inside `Int`/`Byte`. A
//! negative number from Kotlin is refused before the call as `CrmException.InvalidInput` (field
//! `number`), like an instant or a decimal the core cannot hold; a stored number beyond the signed
//! range (only a cap another surface set above 2^63) is `CrmException.InvalidState` when read.

/// An unsigned Kotlin type, the signed one that replaces it, and how its converter moves it.
struct Width {
    unsigned: &'static str,
    signed: &'static str,
    /// `ByteBuffer`'s accessor suffix (`getLong`, `putLong`).
    buffer: &'static str,
    size: &'static str,
    /// uniffi reads 8- and 16-bit callback returns as `Int` and converts them with `lift(Int)`.
    lifts_int: bool,
}

const WIDTHS: [Width; 4] = [
    Width {
        unsigned: "ULong",
        signed: "Long",
        buffer: "Long",
        size: "8UL",
        lifts_int: false,
    },
    Width {
        unsigned: "UInt",
        signed: "Int",
        buffer: "Int",
        size: "4UL",
        lifts_int: false,
    },
    Width {
        unsigned: "UShort",
        signed: "Short",
        buffer: "Short",
        size: "2UL",
        lifts_int: true,
    },
    Width {
        unsigned: "UByte",
        signed: "Byte",
        buffer: "",
        size: "1UL",
        lifts_int: true,
    },
];

/// The edited file; an error when a converter is not where uniffi 0.32 puts it, or an unsigned
/// type is left over.
pub fn signed(source: &str) -> Result<String, String> {
    let mut out = source.to_string();
    for w in &WIDTHS {
        out = converter(&out, w)?;
        out = out.replace(
            &format!("kotlin.{}", w.unsigned),
            &format!("kotlin.{}", w.signed),
        );
    }
    let out = defaults(&out);
    for w in &WIDTHS {
        let left = format!("kotlin.{}", w.unsigned);
        let used = format!("FfiConverter<{},", w.unsigned);
        if out.contains(&left) || out.contains(&used) {
            return Err(format!("an unsigned {} is left after the edit", w.unsigned));
        }
    }
    Ok(out)
}

/// Replaces uniffi's converter of one width (if the file has it) with the checked signed one.
fn converter(source: &str, w: &Width) -> Result<String, String> {
    let head = format!(
        "public object FfiConverter{}: FfiConverter<{}, {}> {{\n",
        w.unsigned, w.unsigned, w.signed
    );
    let Some(start) = source.find(&head) else {
        if source.contains(&format!("FfiConverter{}.", w.unsigned)) {
            return Err(format!(
                "FfiConverter{} is used but not where expected",
                w.unsigned
            ));
        }
        return Ok(source.to_string());
    };
    let end = source[start..]
        .find("\n}\n")
        .map(|i| start + i + 3)
        .ok_or_else(|| format!("FfiConverter{} has no end", w.unsigned))?;
    Ok(format!(
        "{}{}{}",
        &source[..start],
        signed_converter(w),
        &source[end..]
    ))
}

fn signed_converter(w: &Width) -> String {
    let (u, s, b, size) = (w.unsigned, w.signed, w.buffer, w.size);
    let lift_int = if w.lifts_int {
        format!("\n    fun lift(value: Int): {s} = lift(value.to{s}())\n")
    } else {
        String::new()
    };
    format!(
        "// crm: the core's unsigned number as a signed {s} (crm-mobile/bindgen/kotlin.rs), never negative.
public object FfiConverter{u}: FfiConverter<{s}, {s}> {{
    override fun lift(value: {s}): {s} {{
        if (value < 0) throw CrmException.InvalidState(
            \"the number ${{value.to{u}()}} is beyond Kotlin's {s}.MAX_VALUE (${{{s}.MAX_VALUE}})\")
        return value
    }}
{lift_int}
    override fun read(buf: ByteBuffer): {s} = lift(buf.get{b}())

    override fun lower(value: {s}): {s} {{
        if (value < 0) throw CrmException.InvalidInput(
            \"number\", \"must be a whole number from 0 to ${{{s}.MAX_VALUE}} (got $value)\")
        return value
    }}

    override fun allocationSize(value: {s}) = {size}

    override fun write(value: {s}, buf: ByteBuffer) {{
        buf.put{b}(lower(value))
    }}
}}
"
    )
}

/// Unsigned literals of parameter and field defaults (`kotlin.Int = 75u`, `kotlin.Long = 0UL`)
/// without their suffix, now that the type is signed.
fn defaults(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(i) = rest.find(" = ") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        rest = after;
        let typed = ["Long", "Int", "Short", "Byte"].iter().any(|t| {
            before.ends_with(&format!("kotlin.{t} = "))
                || before.ends_with(&format!("kotlin.{t}? = "))
        });
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if typed && digits > 0 {
            let suffix = rest[digits..]
                .bytes()
                .take_while(|c| matches!(c, b'u' | b'U' | b'L'))
                .count();
            if rest[digits..digits + suffix].contains(['u', 'U']) {
                out.push_str(&rest[..digits]);
                rest = &rest[digits + suffix..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = "public object FfiConverterULong: FfiConverter<ULong, Long> {
    override fun lift(value: Long): ULong {
        return value.toULong()
    }
}

fun `update`(`expectedVersion`: kotlin.ULong, `limit`: kotlin.UInt? = null, `days`: kotlin.UInt = 75u, `after`: kotlin.ULong = 0UL): List<kotlin.ULong> =
    FfiConverterULong.lift(1)
val size = 4UL
";

    #[test]
    fn public_types_become_signed_and_defaults_lose_their_suffix() {
        let out = signed(GENERATED).unwrap();
        assert!(out.contains(
            "fun `update`(`expectedVersion`: kotlin.Long, `limit`: kotlin.Int? = null, `days`: kotlin.Int = 75, `after`: kotlin.Long = 0): List<kotlin.Long>"
        ), "{out}");
        assert!(out.contains("public object FfiConverterULong: FfiConverter<Long, Long> {"));
        assert!(out.contains("throw CrmException.InvalidInput("));
        // uniffi's own unsigned sizes are internal and stay.
        assert!(out.contains("val size = 4UL"));
        assert!(!out.contains("value.toULong()\n    }\n}"));
    }

    #[test]
    fn a_converter_used_but_not_found_fails_generation() {
        let moved = GENERATED.replace(
            "public object FfiConverterULong",
            "object FfiConverterULong",
        );
        assert!(signed(&moved).is_err());
    }

    #[test]
    fn every_width_has_a_checked_converter() {
        for w in &WIDTHS {
            let c = signed_converter(w);
            assert!(
                c.contains(&format!("FfiConverter<{}, {}>", w.signed, w.signed)),
                "{c}"
            );
            assert_eq!(c.matches("if (value < 0) throw").count(), 2, "{c}");
            assert_eq!(c.contains("\n    fun lift(value: Int)"), w.lifts_int, "{c}");
        }
    }
}
