//! Entries as the Content API shows them, kept as JSON text: a row's JSON becomes the entry's
//! text once, populated relations are spliced into it, and a REST answer writes it as it is. A
//! transport that works on values (GraphQL, the content manager) parses it (`Value::from`).
//!
//! The text is exactly what serialising the entry as a `serde_json::Value` gives (the unit
//! tests compare the two on every attribute type): values that need no conversion and no
//! escaping are copied from the row, anything else goes through `value::to_api`.

use crate::content::query::Field;
use crate::content::schema::{Attribute, AttributeType, ContentType};
use crate::content::value;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;

/// One entry: its row id and the JSON text of its object, keys in Strapi's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    id: i64,
    json: String,
}

const TIMESTAMPS: [(&str, Field); 3] = [
    ("createdAt", Field::CreatedAt),
    ("updatedAt", Field::UpdatedAt),
    ("publishedAt", Field::PublishedAt),
];

impl Entry {
    /// A row's JSON (keys in any order, values as stored) → the entry as the API shows it:
    /// `id`, `documentId`, the attributes the row holds in the schema's order, then the
    /// timestamps it holds; of those, only `fields` when the read names them (the row holds
    /// the others as `null`, see `sql::Builder::push_json_select`).
    pub fn from_row(content_type: &ContentType, fields: Option<&[Field]>, row: &str) -> Entry {
        let pairs = match serde_json::from_str::<Pairs>(row) {
            Ok(Pairs(pairs)) => pairs,
            // Keys are the schema's names, never escaped; anything else is read as values.
            Err(_) => return Entry::from_value(content_type, fields, row),
        };
        let shown = |field: Field| fields.is_none_or(|fields| fields.contains(&field));
        let mut json = String::with_capacity(row.len() + 32);
        let mut id = 0;
        let mut cursor = 0;
        // Rows list their keys in the entry's order on SQLite (not PostgreSQL's jsonb): each
        // search starts where the last one ended.
        let mut take = |name: &str| -> Option<&RawValue> {
            let at = (cursor..pairs.len())
                .chain(0..cursor)
                .find(|&i| pairs[i].0 == name)?;
            cursor = at + 1;
            Some(pairs[at].1)
        };
        json.push('{');
        for key in ["id", "documentId"] {
            let raw = take(key);
            if key == "id" {
                id = raw.and_then(|raw| raw.get().parse().ok()).unwrap_or(0);
            }
            push_key(&mut json, key);
            match raw {
                Some(raw) => push_verbatim(&mut json, raw, |v| v),
                None => json.push_str("null"),
            }
        }
        for (index, attribute) in content_type.attributes.iter().enumerate() {
            if let Some(raw) = take(&attribute.name)
                && shown(Field::Attribute(index))
            {
                push_key(&mut json, &attribute.name);
                push_attribute(&mut json, attribute, raw);
            }
        }
        for (key, field) in TIMESTAMPS {
            if let Some(raw) = take(key)
                && shown(field)
            {
                push_key(&mut json, key);
                push_timestamp(&mut json, raw);
            }
        }
        json.push('}');
        Entry { id, json }
    }

    /// The same entry built through values: for a row whose keys cannot be borrowed.
    fn from_value(content_type: &ContentType, fields: Option<&[Field]>, row: &str) -> Entry {
        let shown = |field: Field| fields.is_none_or(|fields| fields.contains(&field));
        let mut raw: serde_json::Map<String, Value> = serde_json::from_str(row).unwrap_or_default();
        let mut entry = serde_json::Map::with_capacity(raw.len());
        for key in ["id", "documentId"] {
            entry.insert(key.into(), raw.remove(key).unwrap_or(Value::Null));
        }
        for (index, attribute) in content_type.attributes.iter().enumerate() {
            if let Some(value) = raw.remove(&attribute.name)
                && shown(Field::Attribute(index))
            {
                entry.insert(attribute.name.clone(), value::to_api(attribute, value));
            }
        }
        for (key, field) in TIMESTAMPS {
            if let Some(value) = raw.remove(key)
                && shown(field)
            {
                entry.insert(key.into(), value::timestamp_to_api(value));
            }
        }
        let id = entry["id"].as_i64().unwrap_or(0);
        Entry {
            id,
            json: Value::Object(entry).to_string(),
        }
    }

    /// The row's id (`0` for a row read without one, which the statements never do).
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The entry's JSON object.
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn into_json(self) -> String {
        self.json
    }

    /// Adds `key` with a value given as JSON text (a populated relation).
    pub(crate) fn insert(&mut self, key: &str, value: &str) {
        self.json.pop();
        push_key(&mut self.json, key);
        self.json.push_str(value);
        self.json.push('}');
    }
}

/// Serialised as its JSON text.
impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(&self.json).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl From<Entry> for Value {
    fn from(entry: Entry) -> Value {
        serde_json::from_str(&entry.json).unwrap_or(Value::Null)
    }
}

/// `[a,b,…]` of entries' JSON.
pub fn json_list(entries: &[Entry]) -> String {
    let mut json =
        String::with_capacity(entries.iter().map(|e| e.json.len() + 1).sum::<usize>() + 2);
    json.push('[');
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&entry.json);
    }
    json.push(']');
    json
}

/// `"key":` after a `{` or a previous value.
fn push_key(json: &mut String, key: &str) {
    if !json.ends_with('{') {
        json.push(',');
    }
    push_string(json, key);
    json.push(':');
}

/// A JSON string; quoted as it is when nothing in it needs escaping.
fn push_string(json: &mut String, text: &str) {
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        json.push_str(&Value::from(text).to_string());
    } else {
        json.push('"');
        json.push_str(text);
        json.push('"');
    }
}

/// `raw` as it is when it holds no escape (so that any serialiser writes it the same), or
/// else converted by `convert` and serialised.
fn push_verbatim(json: &mut String, raw: &RawValue, convert: impl FnOnce(Value) -> Value) {
    let text = raw.get();
    if text.contains('\\') {
        push_value(json, raw, convert);
    } else {
        json.push_str(text);
    }
}

/// `raw` parsed, converted and serialised.
fn push_value(json: &mut String, raw: &RawValue, convert: impl FnOnce(Value) -> Value) {
    let value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    json.push_str(&convert(value).to_string());
}

fn push_attribute(json: &mut String, attribute: &Attribute, raw: &RawValue) {
    let text = raw.get();
    if text == "null" {
        json.push_str("null");
        return;
    }
    let convert = |value| value::to_api(attribute, value);
    match &attribute.kind {
        AttributeType::Boolean => match text {
            "0" | "false" => json.push_str("false"),
            "1" | "true" => json.push_str("true"),
            _ => push_value(json, raw, convert),
        },
        AttributeType::DateTime => push_timestamp(json, raw),
        // Integers print as they are read; strings without escapes are written as read.
        AttributeType::String
        | AttributeType::Text
        | AttributeType::RichText
        | AttributeType::Email
        | AttributeType::Uid
        | AttributeType::Enumeration(_)
        | AttributeType::Date => push_verbatim(json, raw, convert),
        AttributeType::Integer if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
            json.push_str(text)
        }
        // Floats and decimals are printed as serde_json prints them; the rest is converted.
        AttributeType::Integer
        | AttributeType::BigInteger
        | AttributeType::Float
        | AttributeType::Decimal
        | AttributeType::Time
        | AttributeType::Json => push_value(json, raw, convert),
    }
}

/// A stored timestamp in ISO form, rearranged without parsing where it has the stored shape.
fn push_timestamp(json: &mut String, raw: &RawValue) {
    let text = raw.get();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('\\'));
    match inner.and_then(value::stored_to_iso) {
        Some(iso) => {
            json.push('"');
            json.push_str(&iso);
            json.push('"');
        }
        None => push_value(json, raw, value::timestamp_to_api),
    }
}

/// A JSON object's pairs in order, keys and values borrowed from the text.
struct Pairs<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(pair) = map.next_entry::<&'de str, &'de RawValue>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::schema::parse as parse_schema;
    use serde_json::json;

    fn every_type() -> ContentType {
        parse_schema(&json!({
            "kind": "collectionType",
            "info": {"singularName": "thing", "pluralName": "things"},
            "options": {"draftAndPublish": true},
            "attributes": {
                "title": {"type": "string"},
                "body": {"type": "richtext"},
                "mail": {"type": "email"},
                "kind": {"type": "enumeration", "enum": ["a", "b"]},
                "count": {"type": "integer"},
                "big": {"type": "biginteger"},
                "ratio": {"type": "float"},
                "price": {"type": "decimal"},
                "on": {"type": "boolean"},
                "day": {"type": "date"},
                "at": {"type": "time"},
                "when": {"type": "datetime"},
                "meta": {"type": "json"}
            }
        }))
        .unwrap()
    }

    /// The entry as values give it: the definition the text must match byte for byte.
    fn through_values(content_type: &ContentType, row: &str) -> String {
        Entry::from_value(content_type, None, row).json
    }

    #[test]
    fn the_text_is_what_the_values_serialise_to() {
        let content_type = every_type();
        let rows = [
            // SQLite's shape: keys in order, booleans as 0/1, JSON as text.
            r#"{"id":7,"documentId":"abc","title":"Hello","body":"a\nb \"q\" \\ é","mail":"a@b.c","kind":"a","count":-3,"big":9007199254740993,"ratio":1e20,"price":2.50,"on":1,"day":"2024-01-02","at":"10:11:12","when":"2024-05-01 12:00:00.123","meta":"{\"b\":1,\"a\":[true]}","createdAt":"2024-05-01 12:00:00.000","updatedAt":"2024-05-01 12:00:00","publishedAt":null}"#,
            // PostgreSQL's jsonb: keys in its own order, real booleans, JSON as JSON.
            r#"{"at": "10:11:12", "id": 8, "on": false, "big": 12, "day": null, "meta": {"x": null}, "when": "2024-05-01T12:00:00.5", "title": "x\u0001y", "createdAt": "2024-05-01T12:00:00", "documentId": "d", "publishedAt": "2024-05-01T12:00:00.123456"}"#,
            // Fields chosen, a value of an odd shape, an unknown key.
            r#"{"id":9,"documentId":"e","on":0,"when":"yesterday","count":1.0,"stray":1}"#,
            r#"{"id":10,"documentId":"f","meta":"not json","ratio":0.1,"price":null,"on":2}"#,
        ];
        for row in rows {
            let entry = Entry::from_row(&content_type, None, row);
            assert_eq!(entry.json, through_values(&content_type, row), "{row}");
            let value: Value = entry.clone().into();
            assert_eq!(value.to_string(), entry.json);
        }
        assert_eq!(Entry::from_row(&content_type, None, rows[0]).id(), 7);
        // A read of chosen fields holds the others as null: they are left out.
        let fields = [Field::Attribute(0), Field::UpdatedAt];
        let masked = r#"{"id":3,"documentId":"m","title":"T","body":null,"on":null,"createdAt":null,"updatedAt":"2024-05-01 12:00:00.000","publishedAt":null}"#;
        for entry in [
            Entry::from_row(&content_type, Some(&fields), masked),
            Entry::from_value(&content_type, Some(&fields), masked),
        ] {
            assert_eq!(
                entry.json,
                r#"{"id":3,"documentId":"m","title":"T","updatedAt":"2024-05-01T12:00:00.000Z"}"#
            );
        }
    }

    #[test]
    fn relations_are_spliced_into_the_object() {
        let content_type = every_type();
        let mut entry = Entry::from_row(&content_type, None, r#"{"id":1,"documentId":"a"}"#);
        entry.insert("author", "null");
        entry.insert("tags", &json_list(&[entry.clone()]));
        assert_eq!(
            entry.json(),
            r#"{"id":1,"documentId":"a","author":null,"tags":[{"id":1,"documentId":"a","author":null}]}"#
        );
        assert_eq!(json_list(&[]), "[]");
    }
}
