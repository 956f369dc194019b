//! Values of attributes: from a request (JSON body or query string) to what is bound in SQL, and
//! from what the database returns to what the API shows.

use crate::content::schema::{Attribute, AttributeType};
use crate::support::time::{parse_date, parse_datetime, parse_time};
use serde_json::Value;

/// A value bound as a SQL parameter. Dates and times travel as text in a fixed format.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
}

/// The SQL text formats of dates and times; fixed width, so they sort as text on SQLite.
pub const DATE_FORMAT: &str = "%Y-%m-%d";
pub const TIME_FORMAT: &str = "%H:%M:%S%.3f";
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// Why a body value was refused, as Strapi words and shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// A field error showing the value given.
    Given(String),
    /// A field error Strapi shows with the value `null`: after a failed cast to a number, or
    /// for a required attribute given (or, with drafts, left) as null.
    Cast(String),
    /// A malformed date, time or date-time: Strapi refuses it apart from the field errors, with
    /// only this message, once they all pass.
    Format(&'static str),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Given(message) | Refusal::Cast(message) => message,
            Refusal::Format(message) => message,
        }
    }
}

/// Strapi's message for a date, time or date-time it cannot read, in a body or a filter.
pub fn format_message(kind: &AttributeType) -> Option<&'static str> {
    match kind {
        AttributeType::Date => Some("Invalid format, expected yyyy-MM-dd"),
        AttributeType::DateTime => Some("Invalid format, expected a timestamp or an ISO date"),
        AttributeType::Time => Some("Invalid time format, expected HH:mm:ss.SSS"),
        _ => None,
    }
}

/// A value from a JSON body, checked against the attribute's type (not its other rules).
pub fn from_json(attribute: &Attribute, value: &Value) -> Result<SqlValue, Refusal> {
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    let name = &attribute.name;
    // yup's name of the type: every text is a `string`.
    let type_name = match &attribute.kind {
        kind if kind.is_textual() => "string",
        kind => kind.name(),
    };
    let wrong = || {
        Refusal::Given(format!(
            "{name} must be a `{type_name}` type, but the final value was: `{}`.",
            short(value)
        ))
    };
    match &attribute.kind {
        AttributeType::Json => Ok(SqlValue::Text(value.to_string())),
        AttributeType::Boolean => value.as_bool().map(SqlValue::Boolean).ok_or_else(wrong),
        AttributeType::Integer => {
            let n = number_of(name, value)?;
            if n.fract() != 0.0 {
                Err(Refusal::Given(format!("{name} must be an integer")))
            } else if n < f64::from(i32::MIN) || n > f64::from(i32::MAX) {
                Err(Refusal::Given(format!("{name} must be a 32-bit integer")))
            } else {
                Ok(SqlValue::Integer(n as i64))
            }
        }
        AttributeType::BigInteger => match value {
            Value::Number(n) => n.as_i64().map(SqlValue::Integer).ok_or_else(wrong),
            Value::String(text) => text
                .trim()
                .parse()
                .map(SqlValue::Integer)
                .map_err(|_| wrong()),
            _ => Err(wrong()),
        },
        AttributeType::Float | AttributeType::Decimal => number_of(name, value).map(SqlValue::Real),
        kind => match value {
            Value::String(text) => from_text(name, kind, text).map_err(|message| {
                match format_message(kind).filter(|_| refuse_nul(name, text).is_ok()) {
                    Some(format) => Refusal::Format(format),
                    None => Refusal::Given(message),
                }
            }),
            _ => Err(wrong()),
        },
    }
}

/// The refusal of a text holding a NUL character, which PostgreSQL cannot store (SQLite
/// would): refused on both backends alike.
pub fn refuse_nul(name: &str, text: &str) -> Result<(), String> {
    if text.contains('\0') {
        Err(format!("{name} must not contain NUL characters"))
    } else {
        Ok(())
    }
}

/// A number as Strapi's (yup's) `number()` reads a body value: a JSON number, or a text that
/// holds one (`"12"` is 12); anything else is refused in yup's words.
fn number_of(name: &str, value: &Value) -> Result<f64, Refusal> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) if !text.trim().is_empty() => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    number.filter(|n| n.is_finite()).ok_or_else(|| {
        Refusal::Cast(format!(
            "{name} must be a `number` type, but the final value was: `NaN` (cast from the value `{}`).",
            short(value)
        ))
    })
}

/// A value from the query string (always text), converted by the attribute's type.
pub fn from_text(name: &str, kind: &AttributeType, text: &str) -> Result<SqlValue, String> {
    refuse_nul(name, text)?;
    let expected = |what: &str| format!("{name} must be {what}, not `{}`", short_text(text));
    match kind {
        AttributeType::Integer => text
            .trim()
            .parse::<i32>()
            .map(|n| SqlValue::Integer(n.into()))
            .map_err(|_| expected("an integer")),
        AttributeType::BigInteger => text
            .trim()
            .parse::<i64>()
            .map(SqlValue::Integer)
            .map_err(|_| expected("an integer")),
        AttributeType::Float | AttributeType::Decimal => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(SqlValue::Real)
            .ok_or_else(|| expected("a number")),
        // Strapi's boolean field: the words, else JavaScript's truthiness of the text.
        AttributeType::Boolean => Ok(SqlValue::Boolean(!matches!(text, "false" | "f" | "0" | ""))),
        AttributeType::Date => parse_date(text)
            .map(|d| SqlValue::Text(d.format(DATE_FORMAT).to_string()))
            .ok_or_else(|| expected("a date (YYYY-MM-DD)")),
        AttributeType::Time => parse_time(text)
            .map(|t| SqlValue::Text(t.format(TIME_FORMAT).to_string()))
            .ok_or_else(|| expected("a time (HH:mm:ss.SSS)")),
        AttributeType::DateTime => parse_datetime(text)
            .map(|t| SqlValue::Text(t.format(DATETIME_FORMAT).to_string()))
            .ok_or_else(|| expected("a date-time (ISO 8601)")),
        AttributeType::Json => Ok(SqlValue::Text(text.to_string())),
        _ => Ok(SqlValue::Text(text.to_string())),
    }
}

/// Checks a schema's `default` the way a write would.
pub fn check_default(attribute: &Attribute, default: &Value) -> Result<(), String> {
    from_json(attribute, default)
        .map(|_| ())
        .map_err(|refusal| refusal.message().to_string())
}

/// A value as the database returned it (inside its JSON row) → as the API shows it.
pub fn to_api(attribute: &Attribute, raw: Value) -> Value {
    if raw.is_null() {
        return raw;
    }
    match &attribute.kind {
        AttributeType::Boolean => match raw {
            Value::Number(n) => Value::Bool(n.as_i64() != Some(0)),
            other => other,
        },
        AttributeType::BigInteger => match raw {
            Value::Number(n) => Value::String(n.to_string()),
            other => other,
        },
        AttributeType::Json => match raw {
            Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            other => other,
        },
        AttributeType::Time => match raw.as_str().and_then(parse_time) {
            Some(time) => Value::String(time.format(TIME_FORMAT).to_string()),
            None => raw,
        },
        AttributeType::DateTime => timestamp_to_api(raw),
        _ => raw,
    }
}

/// A stored timestamp (`2024-05-01 12:00:00.000` or PostgreSQL's `2024-05-01T12:00:00`) → ISO Z.
pub fn timestamp_to_api(raw: Value) -> Value {
    let Some(text) = raw.as_str() else {
        return raw;
    };
    if let Some(iso) = stored_to_iso(text) {
        return Value::String(iso);
    }
    match parse_datetime(text) {
        Some(time) => Value::String(crate::clock::iso(time)),
        None => raw,
    }
}

/// The shapes both backends store (`YYYY-MM-DD HH:MM:SS.mmm`, `YYYY-MM-DDTHH:MM:SS[.f…]`) →
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` by rearranging characters, without parsing: every row read shows
/// three timestamps. Anything else is `None` (and goes through the parser).
pub(crate) fn stored_to_iso(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let digits_at = |positions: &[usize]| positions.iter().all(|&i| bytes[i].is_ascii_digit());
    let shaped = bytes.len() >= 19
        && digits_at(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
        && (bytes[4], bytes[7], bytes[13], bytes[16]) == (b'-', b'-', b':', b':')
        && matches!(bytes[10], b' ' | b'T');
    let fraction = match bytes.get(19) {
        None => "",
        Some(b'.') if bytes.len() > 20 && bytes[20..].iter().all(u8::is_ascii_digit) => &text[20..],
        _ => return None,
    };
    if !shaped {
        return None;
    }
    let mut iso = String::with_capacity(24);
    iso.push_str(&text[..10]);
    iso.push('T');
    iso.push_str(&text[11..19]);
    iso.push('.');
    // Milliseconds, truncated as chrono's `%.3f` does.
    for i in 0..3 {
        iso.push(fraction.as_bytes().get(i).map_or('0', |&b| b as char));
    }
    iso.push('Z');
    Some(iso)
}

fn short(value: &Value) -> String {
    short_text(&value.to_string())
}

fn short_text(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::schema::parse;
    use serde_json::json;

    fn attribute(kind: &str) -> Attribute {
        let doc = json!({
            "kind": "collectionType",
            "info": {"singularName": "thing", "pluralName": "things"},
            "attributes": {"field": {"type": kind}}
        });
        parse(&doc).unwrap().attributes.remove(0)
    }

    fn text(kind: &str, value: &str) -> Result<SqlValue, String> {
        from_text("field", &attribute(kind).kind, value)
    }

    #[test]
    fn from_text_types_values() {
        assert_eq!(text("integer", "42"), Ok(SqlValue::Integer(42)));
        assert!(text("integer", "4x").is_err());
        assert!(text("integer", "99999999999").is_err());
        assert_eq!(text("boolean", "t"), Ok(SqlValue::Boolean(true)));
        assert_eq!(
            text("datetime", "2024-05-01T12:00:00+02:00"),
            Ok(SqlValue::Text("2024-05-01 10:00:00.000".into()))
        );
        assert_eq!(
            text("time", "09:30"),
            Ok(SqlValue::Text("09:30:00.000".into()))
        );
        assert!(text("date", "2024-13-01").is_err());
    }

    #[test]
    fn from_json_checks_types() {
        assert!(from_json(&attribute("string"), &json!(5)).is_err());
        assert_eq!(
            from_json(&attribute("biginteger"), &json!("9007199254740993")),
            Ok(SqlValue::Integer(9_007_199_254_740_993))
        );
        assert!(from_json(&attribute("integer"), &json!(1.5)).is_err());
        assert_eq!(
            from_json(&attribute("json"), &json!({"a": [1]})),
            Ok(SqlValue::Text("{\"a\":[1]}".into()))
        );
    }

    #[test]
    fn stored_timestamps_rearrange_like_the_parser() {
        for stored in [
            "2024-05-01 12:34:56.789",
            "2024-05-01T12:34:56",
            "2024-05-01T12:34:56.5",
            "2024-05-01T12:34:56.123456",
            "1999-12-31 23:59:59.000",
        ] {
            let parsed = crate::clock::iso(parse_datetime(stored).unwrap());
            assert_eq!(
                stored_to_iso(stored).as_deref(),
                Some(parsed.as_str()),
                "{stored}"
            );
        }
        for other in [
            "2024-05-01",
            "2024-05-01T12:34",
            "2024-05-01T12:34:56Z",
            "2024-05-01 12:34:56.",
            "x",
        ] {
            assert_eq!(stored_to_iso(other), None, "{other}");
        }
    }

    #[test]
    fn to_api_shapes_stored_values() {
        assert_eq!(to_api(&attribute("boolean"), json!(1)), json!(true));
        assert_eq!(to_api(&attribute("biginteger"), json!(12)), json!("12"));
        assert_eq!(
            to_api(&attribute("json"), json!("{\"a\":1}")),
            json!({"a": 1})
        );
        assert_eq!(
            to_api(&attribute("datetime"), json!("2024-05-01T10:00:00")),
            json!("2024-05-01T10:00:00.000Z")
        );
    }
}
