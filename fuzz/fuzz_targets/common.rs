//! A content type with every attribute type, for the content targets.
use vellum::content::schema::{ContentType, parse};

#[allow(dead_code)]
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

/// The relations test fixture (every relation kind, both sides), linked.
#[allow(dead_code)]
pub fn blog() -> vellum::content::Registry {
    let mut types: Vec<_> = [
        include_str!("../../tests/fixtures/relations/article.json"),
        include_str!("../../tests/fixtures/relations/author.json"),
        include_str!("../../tests/fixtures/relations/category.json"),
        include_str!("../../tests/fixtures/relations/profile.json"),
        include_str!("../../tests/fixtures/relations/tag.json"),
    ]
    .iter()
    .map(|text| parse(&serde_json::from_str(text).unwrap()).unwrap())
    .collect();
    vellum::content::link_relations(&mut types).unwrap();
    vellum::content::Registry::new(types)
}
