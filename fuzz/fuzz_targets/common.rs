//! A content type with every attribute type, for the content targets.
use vellum::content::schema::{ContentType, parse};

pub fn gadget() -> ContentType {
    let document = serde_json::json!({
        "kind": "collectionType",
        "info": {"singularName": "gadget", "pluralName": "gadgets"},
        "options": {"draftAndPublish": true},
        "attributes": {
            "name": {"type": "string", "maxLength": 40, "unique": true},
            "notes": {"type": "richtext"},
            "contact": {"type": "email"},
            "slug": {"type": "uid"},
            "kind": {"type": "enumeration", "enum": ["tool", "toy"]},
            "count": {"type": "integer", "min": 0, "max": 100},
            "serial": {"type": "biginteger"},
            "weight": {"type": "float"},
            "price": {"type": "decimal"},
            "active": {"type": "boolean"},
            "madeOn": {"type": "date"},
            "opensAt": {"type": "time"},
            "seenAt": {"type": "datetime"},
            "specs": {"type": "json"},
            "secret": {"type": "string", "private": true}
        }
    });
    parse(&document).expect("the fuzz schema is valid")
}
