//! Content types in Strapi's `schema.json` format: parsing and validation, with errors that name
//! the path inside the document.

use serde_json::{Map, Value};
use std::fmt;

/// `collectionType` (many documents) or `singleType` (at most one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Collection,
    Single,
}

/// The type of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeType {
    String,
    Text,
    RichText,
    Email,
    Uid,
    Enumeration(Vec<String>),
    Integer,
    BigInteger,
    Float,
    Decimal,
    Boolean,
    Date,
    Time,
    DateTime,
    Json,
}

/// How a type is stored; a change of type is allowed only within one storage class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Text,
    Integer,
    BigInteger,
    Real,
    Boolean,
    Date,
    Time,
    DateTime,
    Json,
}

impl AttributeType {
    /// Strapi's name of the type.
    pub fn name(&self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Text => "text",
            AttributeType::RichText => "richtext",
            AttributeType::Email => "email",
            AttributeType::Uid => "uid",
            AttributeType::Enumeration(_) => "enumeration",
            AttributeType::Integer => "integer",
            AttributeType::BigInteger => "biginteger",
            AttributeType::Float => "float",
            AttributeType::Decimal => "decimal",
            AttributeType::Boolean => "boolean",
            AttributeType::Date => "date",
            AttributeType::Time => "time",
            AttributeType::DateTime => "datetime",
            AttributeType::Json => "json",
        }
    }

    pub fn storage(&self) -> Storage {
        match self {
            AttributeType::String
            | AttributeType::Text
            | AttributeType::RichText
            | AttributeType::Email
            | AttributeType::Uid
            | AttributeType::Enumeration(_) => Storage::Text,
            AttributeType::Integer => Storage::Integer,
            AttributeType::BigInteger => Storage::BigInteger,
            AttributeType::Float | AttributeType::Decimal => Storage::Real,
            AttributeType::Boolean => Storage::Boolean,
            AttributeType::Date => Storage::Date,
            AttributeType::Time => Storage::Time,
            AttributeType::DateTime => Storage::DateTime,
            AttributeType::Json => Storage::Json,
        }
    }

    /// Whether string operators (`$contains`, `$startsWith`, …) and lengths apply.
    pub fn is_textual(&self) -> bool {
        self.storage() == Storage::Text
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self.storage(),
            Storage::Integer | Storage::BigInteger | Storage::Real
        )
    }
}

/// One attribute of a content type.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The name in the API (`publishedDate`).
    pub name: String,
    /// The column in the table (`published_date`).
    pub column: String,
    pub kind: AttributeType,
    pub required: bool,
    pub unique: bool,
    /// Vellum's extension: an index on the column, for attributes that filters and sorts use.
    pub index: bool,
    pub private: bool,
    pub default: Option<Value>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The four relation kinds of Strapi v5 (the morph kinds belong to media, not yet here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    OneToOne,
    OneToMany,
    ManyToOne,
    ManyToMany,
}

impl Cardinality {
    fn parse(name: &str) -> Option<Cardinality> {
        Some(match name {
            "oneToOne" => Cardinality::OneToOne,
            "oneToMany" => Cardinality::OneToMany,
            "manyToOne" => Cardinality::ManyToOne,
            "manyToMany" => Cardinality::ManyToMany,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Cardinality::OneToOne => "oneToOne",
            Cardinality::OneToMany => "oneToMany",
            Cardinality::ManyToOne => "manyToOne",
            Cardinality::ManyToMany => "manyToMany",
        }
    }

    /// Whether this side holds a list (`…ToMany`).
    pub fn to_many(self) -> bool {
        matches!(self, Cardinality::OneToMany | Cardinality::ManyToMany)
    }

    /// Whether a target may be linked from several entries of this side (`many…`).
    pub fn from_many(self) -> bool {
        matches!(self, Cardinality::ManyToOne | Cardinality::ManyToMany)
    }

    /// The kind the other side of a bidirectional relation must declare.
    pub fn inverse(self) -> Cardinality {
        match self {
            Cardinality::OneToMany => Cardinality::ManyToOne,
            Cardinality::ManyToOne => Cardinality::OneToMany,
            same => same,
        }
    }
}

/// Where a relation's links are stored, seen from one side: Strapi 5's link table
/// (`{table}_{attribute}_lnk`, owned by the side without `mappedBy`) and its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    pub table: String,
    /// The column holding this side's row id.
    pub source_column: String,
    /// The column holding the linked row's id.
    pub target_column: String,
    /// The order of the targets in this side's list (a `…ToMany` side).
    pub order_column: Option<String>,
    /// The order of this side's rows in the other side's list.
    pub inverse_order_column: Option<String>,
    /// Whether this side owns the table (has no `mappedBy`).
    pub owner: bool,
}

/// A relation attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub name: String,
    pub cardinality: Cardinality,
    /// The target's uid (`api::author.author`).
    pub target: String,
    pub inversed_by: Option<String>,
    pub mapped_by: Option<String>,
    pub private: bool,
    /// Filled in once every type is known (`content::link_relations`): where the links are,
    /// and the target's table and whether it has draft & publish.
    pub link: Link,
    pub target_table: String,
    pub target_draft_and_publish: bool,
}

impl Relation {
    /// The attribute on the target that is this relation's other side, if any.
    pub fn inverse(&self) -> Option<&str> {
        self.inversed_by.as_deref().or(self.mapped_by.as_deref())
    }
}

/// A content type.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentType {
    /// `api::article.article`.
    pub uid: String,
    pub kind: Kind,
    pub singular_name: String,
    pub plural_name: String,
    pub display_name: String,
    pub table: String,
    pub draft_and_publish: bool,
    pub attributes: Vec<Attribute>,
    /// Relation attributes, in schema order (stored in link tables, not in columns).
    pub relations: Vec<Relation>,
    /// The links of other relations that point at this type's rows without this type having
    /// an attribute for them (unidirectional relations targeting it): a link table and its
    /// column of this type's ids. Publishing moves them to the new published row.
    pub incoming: Vec<(String, String)>,
    /// Columns of attributes that left the schema: kept with their data, copied on publish.
    pub retired_columns: Vec<String>,
    /// The document as given, kept to show and to store.
    pub source: Value,
    /// The file it was read from, where changes made through the Admin API are written.
    pub file: Option<std::path::PathBuf>,
}

impl ContentType {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.name == name)
    }

    /// Whether the type has an attribute of this name, of any kind.
    pub fn has_attribute(&self, name: &str) -> bool {
        self.attribute(name).is_some() || self.relation(name).is_some()
    }

    /// The full name of an action on this type: `api::article.article.find`.
    pub fn action(&self, action: &str) -> String {
        format!("{}.{action}", self.uid)
    }
}

/// What is wrong with a schema document: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn error(path: &str, message: impl Into<String>) -> SchemaError {
    SchemaError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// The fields every entry has besides its attributes.
pub const SYSTEM_FIELDS: &[&str] = &[
    "id",
    "documentId",
    "createdAt",
    "updatedAt",
    "publishedAt",
    "locale",
];

/// Names an attribute cannot take: the system fields, and names Strapi gives other meanings.
const RESERVED: &[&str] = &["createdBy", "updatedBy", "localizations", "status"];

/// Name prefixes of what is not a content type's to take: Vellum's own tables and their
/// indexes, sequences and keys (all named after their tables), the indexes Vellum makes on
/// content tables (`storage::INDEX_PREFIX`), and the backends' own (`sqlite_`, `pg_`).
const RESERVED_TABLE_PREFIXES: &[&str] = &[
    "admin_",
    "api_token",
    "audit_logs",
    "content_types",
    "__diesel",
    crate::content::storage::INDEX_PREFIX,
    "sqlite_",
    "pg_",
];

/// Parses one schema document.
pub fn parse(document: &Value) -> Result<ContentType, SchemaError> {
    let root = document
        .as_object()
        .ok_or_else(|| error("", "a schema must be a JSON object"))?;
    // Strapi reads a missing (or empty) kind as a collection type: `schema.kind ||
    // 'collectionType'` where it creates a content type.
    let kind = match root.get("kind") {
        None | Some(Value::Null) => Kind::Collection,
        Some(Value::String(text)) => match text.as_str() {
            "collectionType" | "" => Kind::Collection,
            "singleType" => Kind::Single,
            other => {
                return Err(error(
                    "kind",
                    format!("must be `collectionType` or `singleType`, not `{other}`"),
                ));
            }
        },
        Some(other) => {
            return Err(error(
                "kind",
                format!("must be `collectionType` or `singleType`, not {other}"),
            ));
        }
    };
    let info = root
        .get("info")
        .and_then(Value::as_object)
        .ok_or_else(|| error("info", "is required and must be an object"))?;
    let singular_name = kebab_name(info, "singularName")?;
    let plural_name = kebab_name(info, "pluralName")?;
    if singular_name == plural_name {
        return Err(error("info.pluralName", "must differ from singularName"));
    }
    let display_name = match info.get("displayName") {
        None => singular_name.clone(),
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
        Some(_) => return Err(error("info.displayName", "must be a non-empty string")),
    };
    let table = match root.get("collectionName") {
        None => plural_name.replace('-', "_"),
        Some(Value::String(name)) if is_snake_identifier(name) => name.clone(),
        Some(_) => {
            return Err(error(
                "collectionName",
                "must be lower-case letters, digits and underscores, starting with a letter",
            ));
        }
    };
    if RESERVED_TABLE_PREFIXES.iter().any(|p| table.starts_with(p)) || table.len() > 50 {
        return Err(error(
            "collectionName",
            format!("`{table}` is reserved or too long; set another collectionName"),
        ));
    }
    let draft_and_publish = match root.get("options").map(|o| o.get("draftAndPublish")) {
        None | Some(None) | Some(Some(Value::Null)) => false,
        Some(Some(Value::Bool(flag))) => *flag,
        Some(Some(_)) => return Err(error("options.draftAndPublish", "must be true or false")),
    };
    let attributes_value = root
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| error("attributes", "is required and must be an object"))?;
    let mut attributes = Vec::with_capacity(attributes_value.len());
    let mut relations = Vec::new();
    for (name, definition) in attributes_value {
        check_attribute_name(name)?;
        if definition.get("type").and_then(Value::as_str) == Some("relation") {
            relations.push(parse_relation(name, definition)?);
            continue;
        }
        let attribute = parse_attribute(name, definition)?;
        if attributes
            .iter()
            .any(|a: &Attribute| a.column == attribute.column)
        {
            return Err(error(
                &format!("attributes.{name}"),
                format!(
                    "is stored in column `{}` like another attribute",
                    attribute.column
                ),
            ));
        }
        attributes.push(attribute);
    }
    Ok(ContentType {
        uid: format!("api::{singular_name}.{singular_name}"),
        kind,
        singular_name,
        plural_name,
        display_name,
        table,
        draft_and_publish,
        attributes,
        relations,
        incoming: Vec::new(),
        retired_columns: Vec::new(),
        source: document.clone(),
        file: None,
    })
}

fn kebab_name(info: &Map<String, Value>, key: &str) -> Result<String, SchemaError> {
    let path = format!("info.{key}");
    let name = info
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| error(&path, "is required and must be a string"))?;
    let valid = name.len() <= 60
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid {
        return Err(error(
            &path,
            format!("`{name}` must be kebab-case: lower-case letters, digits and dashes"),
        ));
    }
    Ok(name.to_string())
}

fn is_snake_identifier(name: &str) -> bool {
    name.len() <= 60
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `publishedDate` → `published_date`.
pub fn snake_case(name: &str) -> String {
    let mut column = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !column.ends_with('_') {
                column.push('_');
            }
            column.push(c.to_ascii_lowercase());
        } else {
            column.push(c);
        }
    }
    column
}

/// An attribute's name, of any kind: its syntax and the reserved names.
fn check_attribute_name(name: &str) -> Result<(), SchemaError> {
    let path = format!("attributes.{name}");
    let valid_name = name.len() <= 60
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(error(
            &path,
            "an attribute name must be letters, digits and underscores, starting with a letter",
        ));
    }
    if SYSTEM_FIELDS.contains(&name) || RESERVED.contains(&name) {
        return Err(error(&path, format!("`{name}` is a reserved name")));
    }
    Ok(())
}

/// A `"type": "relation"` attribute: its kind, target and other side. Whether the target
/// exists and agrees is checked once every type is read (`content::link_relations`).
fn parse_relation(name: &str, definition: &Value) -> Result<Relation, SchemaError> {
    let path = format!("attributes.{name}");
    let text = |key: &str| -> Result<Option<String>, SchemaError> {
        match definition.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
            Some(_) => Err(error(
                &format!("{path}.{key}"),
                "must be a non-empty string",
            )),
        }
    };
    let kind = text("relation")?
        .ok_or_else(|| error(&format!("{path}.relation"), "is required for a relation"))?;
    let cardinality = Cardinality::parse(&kind).ok_or_else(|| {
        error(
            &format!("{path}.relation"),
            format!("`{kind}` is not supported: use oneToOne, oneToMany, manyToOne or manyToMany"),
        )
    })?;
    let target = text("target")?
        .ok_or_else(|| error(&format!("{path}.target"), "is required for a relation"))?;
    let inversed_by = text("inversedBy")?;
    let mapped_by = text("mappedBy")?;
    if inversed_by.is_some() && mapped_by.is_some() {
        return Err(error(
            &path,
            "a relation has either inversedBy (the side that owns the links) or mappedBy, not both",
        ));
    }
    let private = match definition.get("private") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(error(&format!("{path}.private"), "must be true or false")),
    };
    Ok(Relation {
        name: name.to_string(),
        cardinality,
        target,
        inversed_by,
        mapped_by,
        private,
        link: Link::default(),
        target_table: String::new(),
        target_draft_and_publish: false,
    })
}

fn parse_attribute(name: &str, definition: &Value) -> Result<Attribute, SchemaError> {
    let path = format!("attributes.{name}");
    let column = snake_case(name);
    if [
        "id",
        "document_id",
        "created_at",
        "updated_at",
        "published_at",
        "locale",
        "created_by_id",
        "updated_by_id",
    ]
    .contains(&column.as_str())
    {
        return Err(error(&path, format!("`{name}` is a reserved name")));
    }
    let definition = definition
        .as_object()
        .ok_or_else(|| error(&path, "must be an object"))?;
    let type_name = definition
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| error(&format!("{path}.type"), "is required and must be a string"))?;
    let kind = match type_name {
        "string" => AttributeType::String,
        "text" => AttributeType::Text,
        "richtext" => AttributeType::RichText,
        "email" => AttributeType::Email,
        "uid" => AttributeType::Uid,
        "enumeration" => AttributeType::Enumeration(enum_values(definition, &path)?),
        "integer" => AttributeType::Integer,
        "biginteger" => AttributeType::BigInteger,
        "float" => AttributeType::Float,
        "decimal" => AttributeType::Decimal,
        "boolean" => AttributeType::Boolean,
        "date" => AttributeType::Date,
        "time" => AttributeType::Time,
        "datetime" => AttributeType::DateTime,
        "json" => AttributeType::Json,
        other => {
            return Err(error(
                &format!("{path}.type"),
                format!("unknown type `{other}`"),
            ));
        }
    };
    let flag = |key: &str| -> Result<bool, SchemaError> {
        match definition.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(_) => Err(error(&format!("{path}.{key}"), "must be true or false")),
        }
    };
    let length = |key: &str| -> Result<Option<u64>, SchemaError> {
        match definition.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) if kind.is_textual() => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| error(&format!("{path}.{key}"), "must be a whole number ≥ 0")),
            Some(_) => Err(error(
                &format!("{path}.{key}"),
                format!("does not apply to type `{type_name}`"),
            )),
        }
    };
    let bound = |key: &str| -> Result<Option<f64>, SchemaError> {
        match definition.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) if kind.is_numeric() => value
                .as_f64()
                .map(Some)
                .ok_or_else(|| error(&format!("{path}.{key}"), "must be a number")),
            Some(_) => Err(error(
                &format!("{path}.{key}"),
                format!("does not apply to type `{type_name}`"),
            )),
        }
    };
    let attribute = Attribute {
        name: name.to_string(),
        column,
        required: flag("required")?,
        unique: flag("unique")?,
        index: flag("index")?,
        private: flag("private")?,
        default: definition.get("default").filter(|v| !v.is_null()).cloned(),
        min_length: length("minLength")?,
        max_length: length("maxLength")?,
        min: bound("min")?,
        max: bound("max")?,
        kind,
    };
    if let (Some(min), Some(max)) = (attribute.min_length, attribute.max_length)
        && min > max
    {
        return Err(error(&path, "minLength is greater than maxLength"));
    }
    if let (Some(min), Some(max)) = (attribute.min, attribute.max)
        && min > max
    {
        return Err(error(&path, "min is greater than max"));
    }
    if attribute.unique && matches!(attribute.kind, AttributeType::Json) {
        return Err(error(
            &format!("{path}.unique"),
            "json attributes cannot be unique",
        ));
    }
    if let Some(default) = &attribute.default
        && let Err(message) = crate::content::value::check_default(&attribute, default)
    {
        return Err(error(&format!("{path}.default"), message));
    }
    Ok(attribute)
}

fn enum_values(definition: &Map<String, Value>, path: &str) -> Result<Vec<String>, SchemaError> {
    let path = format!("{path}.enum");
    let values = definition
        .get("enum")
        .and_then(Value::as_array)
        .ok_or_else(|| error(&path, "is required for an enumeration and must be a list"))?;
    let mut names: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        match value.as_str() {
            Some(name) if !name.is_empty() && !names.iter().any(|n| n == name) => {
                names.push(name.to_string())
            }
            _ => {
                return Err(error(
                    &format!("{path}.{i}"),
                    "must be a non-empty string, listed once",
                ));
            }
        }
    }
    if names.is_empty() {
        return Err(error(&path, "must list at least one value"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article() -> Value {
        json!({
            "kind": "collectionType",
            "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
            "options": {"draftAndPublish": true},
            "attributes": {
                "title": {"type": "string", "required": true, "maxLength": 120},
                "views": {"type": "integer", "min": 0},
                "publishedDate": {"type": "date"},
                "category": {"type": "enumeration", "enum": ["news", "blog"]}
            }
        })
    }

    #[test]
    fn parse_reads_names_table_and_attributes() {
        let parsed = parse(&article()).unwrap();
        assert_eq!(parsed.uid, "api::article.article");
        assert_eq!(parsed.table, "articles");
        assert!(parsed.draft_and_publish);
        let names: Vec<_> = parsed.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["title", "views", "publishedDate", "category"]);
        assert_eq!(
            parsed.attribute("publishedDate").unwrap().column,
            "published_date"
        );
        assert_eq!(parsed.action("find"), "api::article.article.find");
    }

    #[test]
    fn parse_names_the_path_of_the_problem() {
        let mut doc = article();
        doc["attributes"]["views"]["type"] = json!("integr");
        assert_eq!(
            parse(&doc).unwrap_err().to_string(),
            "attributes.views.type: unknown type `integr`"
        );
        let mut doc = article();
        doc["info"]["pluralName"] = json!("Articles");
        assert_eq!(parse(&doc).unwrap_err().path, "info.pluralName");
        let mut doc = article();
        doc["attributes"]["documentId"] = json!({"type": "string"});
        assert_eq!(parse(&doc).unwrap_err().path, "attributes.documentId");
        let mut doc = article();
        doc["attributes"]["title"]["maxLength"] = json!(-1);
        assert_eq!(parse(&doc).unwrap_err().path, "attributes.title.maxLength");
        let mut doc = article();
        doc["attributes"]["views"]["default"] = json!("many");
        assert_eq!(parse(&doc).unwrap_err().path, "attributes.views.default");
    }

    #[test]
    fn a_missing_kind_is_a_collection_type_and_a_wrong_one_refused() {
        for kind in [None, Some(json!(null)), Some(json!(""))] {
            let mut doc = article();
            match kind {
                Some(kind) => doc["kind"] = kind,
                None => drop(doc.as_object_mut().unwrap().remove("kind")),
            }
            assert_eq!(parse(&doc).unwrap().kind, Kind::Collection);
        }
        let mut doc = article();
        doc["kind"] = json!("single");
        assert_eq!(
            parse(&doc).unwrap_err().to_string(),
            "kind: must be `collectionType` or `singleType`, not `single`"
        );
        doc["kind"] = json!(1);
        assert_eq!(parse(&doc).unwrap_err().path, "kind");
    }
}
