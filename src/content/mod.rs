//! The content domain, no HTTP: content types (Strapi `schema.json`), their tables, the query
//! language, SQL building, and entries.

pub mod entry;
pub mod links;
pub mod query;
pub mod schema;
pub mod seed;
pub mod sql;
pub mod storage;
pub mod store;
pub mod value;

use schema::{ContentType, Kind, Link, Relation, snake_case};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The five actions of a content type's routes, the permissions tokens and roles grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAction {
    Find,
    FindOne,
    Create,
    Update,
    Delete,
}

impl ContentAction {
    pub const ALL: [ContentAction; 5] = [
        ContentAction::Find,
        ContentAction::FindOne,
        ContentAction::Create,
        ContentAction::Update,
        ContentAction::Delete,
    ];

    /// The action's name in a permission (`api::article.article.findOne`).
    pub fn name(self) -> &'static str {
        match self {
            ContentAction::Find => "find",
            ContentAction::FindOne => "findOne",
            ContentAction::Create => "create",
            ContentAction::Update => "update",
            ContentAction::Delete => "delete",
        }
    }
}

/// The loaded content types, looked up by the name a route uses.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    pub types: Vec<Arc<ContentType>>,
}

/// What a route name resolves to.
pub enum RouteTarget {
    Collection(Arc<ContentType>),
    Single(Arc<ContentType>),
}

impl Registry {
    /// The registry of types already checked with `check_names`, linked with
    /// `link_relations`, and synced.
    pub fn new(types: Vec<ContentType>) -> Registry {
        Registry {
            types: types.into_iter().map(Arc::new).collect(),
        }
    }

    /// Checks that names, uids and tables are unique across types.
    pub fn check_names(types: &[ContentType]) -> Result<(), String> {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for content_type in types {
            // Singular and plural names share one space: a route is either.
            for (name, what) in [
                (content_type.uid.clone(), "uid"),
                (content_type.singular_name.clone(), "name"),
                (content_type.plural_name.clone(), "name"),
                (format!("table:{}", content_type.table), "table"),
            ] {
                if seen.iter().any(|(other, _)| other == &name) {
                    return Err(format!(
                        "{}: its {what} `{}` is already used by another content type",
                        content_type.uid,
                        name.trim_start_matches("table:")
                    ));
                }
                seen.push((name, what));
            }
        }
        Ok(())
    }

    /// `/api/{name}`: a collection type by plural name or a single type by singular name.
    pub fn route(&self, name: &str) -> Option<RouteTarget> {
        self.types.iter().find_map(|t| match t.kind {
            Kind::Collection if t.plural_name == name => Some(RouteTarget::Collection(t.clone())),
            Kind::Single if t.singular_name == name => Some(RouteTarget::Single(t.clone())),
            _ => None,
        })
    }

    /// Every action the types offer: `api::article.article.find`, … (a token's permissions).
    pub fn actions(&self) -> std::collections::BTreeSet<String> {
        self.types
            .iter()
            .flat_map(|t| ContentAction::ALL.map(|action| t.action(action.name())))
            .collect()
    }

    pub fn by_uid(&self, uid: &str) -> Option<Arc<ContentType>> {
        self.types.iter().find(|t| t.uid == uid).cloned()
    }

    /// The types with `content_type` added, or replacing the type of the same uid; names are
    /// checked across all of them.
    pub fn with_type(&self, content_type: ContentType) -> Result<Registry, String> {
        self.with_types(vec![content_type])
    }

    /// `with_type` for several types at once (a type and the other sides of its relations).
    pub fn with_types(&self, changed: Vec<ContentType>) -> Result<Registry, String> {
        let mut types: Vec<ContentType> = self
            .types
            .iter()
            .filter(|t| !changed.iter().any(|c| c.uid == t.uid))
            .map(|t| (**t).clone())
            .collect();
        types.extend(changed);
        Registry::check_names(&types)?;
        link_relations(&mut types)?;
        Ok(Registry::new(types))
    }

    /// The other sides that a change to `content_type` needs, as Strapi's content-type builder
    /// writes them: each target of a bidirectional relation that lacks the attribute the
    /// relation names, with that attribute added (`mappedBy` for an `inversedBy`, and the other
    /// way round) to its schema.
    pub fn inverse_sides(&self, content_type: &ContentType) -> Result<Vec<ContentType>, String> {
        let mut changed: Vec<ContentType> = Vec::new();
        for relation in &content_type.relations {
            let Some(other) = relation.inverse() else {
                continue;
            };
            if relation.target == content_type.uid {
                continue;
            }
            let current = changed
                .iter()
                .find(|t| t.uid == relation.target)
                .cloned()
                .or_else(|| self.by_uid(&relation.target).map(|t| (*t).clone()));
            // An unknown target is refused by `link_relations`, with its path.
            let Some(target) = current else {
                continue;
            };
            if target.has_attribute(other) {
                continue;
            }
            let side = if relation.inversed_by.is_some() {
                "mappedBy"
            } else {
                "inversedBy"
            };
            let mut source = target.source.clone();
            source["attributes"][other] = serde_json::json!({
                "type": "relation",
                "relation": relation.cardinality.inverse().name(),
                "target": content_type.uid,
                side: relation.name,
            });
            let mut completed =
                schema::parse(&source).map_err(|e| format!("{}: {e}", target.uid))?;
            completed.file = target.file.clone();
            changed.retain(|t| t.uid != completed.uid);
            changed.push(completed);
        }
        Ok(changed)
    }
}

/// Where a type was read from, for an error: its file, else its uid.
fn origin(content_type: &ContentType) -> String {
    match &content_type.file {
        Some(file) => file.display().to_string(),
        None => content_type.uid.clone(),
    }
}

/// Checks every relation against its target (that it exists, and that both sides of a
/// bidirectional relation agree) and works out where its links are stored, as Strapi 5 does.
pub fn link_relations(types: &mut [ContentType]) -> Result<(), String> {
    let mut links: Vec<Vec<(Link, String, bool)>> = Vec::with_capacity(types.len());
    let mut incoming: Vec<(String, String, String)> = Vec::new();
    for content_type in types.iter() {
        let mut own = Vec::with_capacity(content_type.relations.len());
        for relation in &content_type.relations {
            let at = |key: &str, message: String| {
                format!(
                    "{}: attributes.{}{key}: {message}",
                    origin(content_type),
                    relation.name
                )
            };
            let target = types
                .iter()
                .find(|t| t.uid == relation.target)
                .ok_or_else(|| {
                    at(
                        ".target",
                        format!("`{}` is not a content type", relation.target),
                    )
                })?;
            let link = match (&relation.inversed_by, &relation.mapped_by) {
                (None, None) => owner_link(content_type, relation, target),
                (Some(other), None) | (None, Some(other)) => {
                    let key = if relation.mapped_by.is_some() {
                        ".mappedBy"
                    } else {
                        ".inversedBy"
                    };
                    let expected = if relation.mapped_by.is_some() {
                        "inversedBy"
                    } else {
                        "mappedBy"
                    };
                    let back = target.relation(other).filter(|back| {
                        back.target == content_type.uid
                            && back.cardinality == relation.cardinality.inverse()
                            && if relation.mapped_by.is_some() {
                                back.inversed_by.as_deref() == Some(&relation.name)
                            } else {
                                back.mapped_by.as_deref() == Some(&relation.name)
                            }
                    });
                    let Some(back) = back else {
                        return Err(at(
                            key,
                            format!(
                                "the other side must be `{other}` in `{}`: a {} relation to `{}` \
                                 with {expected} `{}`",
                                target.uid,
                                relation.cardinality.inverse().name(),
                                content_type.uid,
                                relation.name
                            ),
                        ));
                    };
                    if relation.mapped_by.is_some() {
                        let owned = owner_link(target, back, content_type);
                        Link {
                            table: owned.table,
                            source_column: owned.target_column,
                            target_column: owned.source_column,
                            order_column: owned.inverse_order_column,
                            inverse_order_column: owned.order_column,
                            owner: false,
                        }
                    } else {
                        owner_link(content_type, relation, target)
                    }
                }
                (Some(_), Some(_)) => unreachable!("refused by schema::parse"),
            };
            // Strapi shortens names past 55 characters with a hash, which Vellum does not: a
            // longer one would not be the table Strapi uses.
            if link.table.len() > 55 {
                return Err(at(
                    "",
                    format!(
                        "its link table `{}` is longer than 55 characters, which Strapi would \
                         shorten; set a shorter collectionName or attribute name",
                        link.table
                    ),
                ));
            }
            if let Some(other) = types.iter().find(|t| t.table == link.table) {
                return Err(at(
                    "",
                    format!(
                        "its link table `{}` is the table of `{}`",
                        link.table, other.uid
                    ),
                ));
            }
            if relation.inverse().is_none() {
                incoming.push((
                    target.uid.clone(),
                    link.table.clone(),
                    link.target_column.clone(),
                ));
            }
            own.push((link, target.table.clone(), target.draft_and_publish));
        }
        links.push(own);
    }
    for (content_type, own) in types.iter_mut().zip(links) {
        for (relation, (link, table, draft_and_publish)) in
            content_type.relations.iter_mut().zip(own)
        {
            relation.link = link;
            relation.target_table = table;
            relation.target_draft_and_publish = draft_and_publish;
        }
        content_type.incoming = incoming
            .iter()
            .filter(|(uid, _, _)| *uid == content_type.uid)
            .map(|(_, table, column)| (table.clone(), column.clone()))
            .collect();
    }
    Ok(())
}

/// The link table of a relation on its owning side, named as Strapi 5 names it.
fn owner_link(owner: &ContentType, relation: &Relation, target: &ContentType) -> Link {
    let own = snake_case(&owner.singular_name.replace('-', "_"));
    let other = snake_case(&target.singular_name.replace('-', "_"));
    let source_column = format!("{own}_id");
    let mut target_column = format!("{other}_id");
    if target_column == source_column {
        target_column = format!("inv_{other}_id");
    }
    let order = format!("{other}_ord");
    let mut inverse_order = format!("{own}_ord");
    if relation.cardinality == schema::Cardinality::ManyToMany && inverse_order == order {
        inverse_order = format!("inv_{inverse_order}");
    }
    let bidirectional = relation.inversed_by.is_some();
    Link {
        table: format!(
            "{}_{}_lnk",
            owner.table,
            snake_case(&relation.name).to_ascii_lowercase()
        ),
        source_column,
        target_column,
        order_column: relation.cardinality.to_many().then_some(order),
        inverse_order_column: (bidirectional && relation.cardinality.from_many())
            .then_some(inverse_order),
        owner: true,
    }
}

/// Reads every `*.json` and `*/schema.json` under `dir`, in name order. Any problem stops with
/// the file, the path inside it and what is wrong. A missing folder holds no types.
pub fn load_dir(dir: &Path) -> Result<Vec<ContentType>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(dir = %dir.display(), "no content-types folder: no content types");
            return Ok(Vec::new());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            let schema = path.join("schema.json");
            if schema.is_file() {
                files.push(schema);
            }
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    files.iter().map(|file| load_file(file)).collect()
}

fn load_file(file: &Path) -> Result<ContentType, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot be read: {e}", file.display()))?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", file.display()))?;
    let mut content_type =
        schema::parse(&document).map_err(|e| format!("{}: {e}", file.display()))?;
    content_type.file = Some(file.to_path_buf());
    Ok(content_type)
}

/// Writes a schema document to its file (through a temporary file and a rename, so a reader
/// never sees half of it).
pub fn write_file(file: &Path, document: &Value) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(document).map_err(std::io::Error::other)?;
    // Written aside, flushed to disk, then renamed over the old file: a crash at any point leaves
    // either the old or the new schema, never a part of one.
    let temporary = file.with_extension("json.tmp");
    let mut written = std::fs::File::create(&temporary)?;
    std::io::Write::write_all(&mut written, (text + "\n").as_bytes())?;
    written.sync_all()?;
    std::fs::rename(&temporary, file)
}
