//! Admin roles and permission actions. The catalogue of actions lives here; the default roles
//! (Super Admin, Editor, Author, as in Strapi) are kept in the database and completed at start.

use crate::db::DbConnection;
use crate::db::schema::{admin_permissions, admin_roles, admin_users_roles};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// An admin action, as a route requires it and a role grants it: one of `actions::ALL` (grants
/// read from the database stay names, checked against the catalogue where they come in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Action(&'static str);

impl Action {
    /// Its name, as Strapi writes it (`admin::api-tokens.read`).
    pub const fn name(self) -> &'static str {
        self.0
    }

    /// The action of this name, when there is one.
    pub fn parse(name: &str) -> Option<Action> {
        actions::ALL.iter().copied().find(|action| action.0 == name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The catalogue of admin actions.
pub mod actions {
    use super::Action;

    pub const USERS_CREATE: Action = Action("admin::users.create");
    pub const USERS_READ: Action = Action("admin::users.read");
    pub const USERS_UPDATE: Action = Action("admin::users.update");
    pub const USERS_DELETE: Action = Action("admin::users.delete");
    pub const ROLES_CREATE: Action = Action("admin::roles.create");
    pub const ROLES_READ: Action = Action("admin::roles.read");
    pub const ROLES_UPDATE: Action = Action("admin::roles.update");
    pub const ROLES_DELETE: Action = Action("admin::roles.delete");
    pub const API_TOKENS_ACCESS: Action = Action("admin::api-tokens.access");
    pub const API_TOKENS_CREATE: Action = Action("admin::api-tokens.create");
    pub const API_TOKENS_READ: Action = Action("admin::api-tokens.read");
    pub const API_TOKENS_UPDATE: Action = Action("admin::api-tokens.update");
    pub const API_TOKENS_DELETE: Action = Action("admin::api-tokens.delete");
    pub const API_TOKENS_REGENERATE: Action = Action("admin::api-tokens.regenerate");
    pub const ADMIN_TOKENS_CREATE: Action = Action("admin::admin-tokens.create");
    pub const ADMIN_TOKENS_READ: Action = Action("admin::admin-tokens.read");
    pub const ADMIN_TOKENS_UPDATE: Action = Action("admin::admin-tokens.update");
    pub const ADMIN_TOKENS_DELETE: Action = Action("admin::admin-tokens.delete");
    pub const ADMIN_TOKENS_REGENERATE: Action = Action("admin::admin-tokens.regenerate");
    pub const AUDIT_LOGS_READ: Action = Action("admin::audit-logs.read");
    pub const CONTENT_TYPES_READ: Action = Action("admin::content-types.read");
    pub const CONTENT_TYPES_CREATE: Action = Action("admin::content-types.create");
    pub const CONTENT_TYPES_UPDATE: Action = Action("admin::content-types.update");
    pub const EXPLORER_CREATE: Action = Action("plugin::content-manager.explorer.create");
    pub const EXPLORER_READ: Action = Action("plugin::content-manager.explorer.read");
    pub const EXPLORER_UPDATE: Action = Action("plugin::content-manager.explorer.update");
    pub const EXPLORER_DELETE: Action = Action("plugin::content-manager.explorer.delete");
    pub const EXPLORER_PUBLISH: Action = Action("plugin::content-manager.explorer.publish");

    /// Every action an admin can be granted.
    pub const ALL: &[Action] = &[
        USERS_CREATE,
        USERS_READ,
        USERS_UPDATE,
        USERS_DELETE,
        ROLES_CREATE,
        ROLES_READ,
        ROLES_UPDATE,
        ROLES_DELETE,
        API_TOKENS_ACCESS,
        API_TOKENS_CREATE,
        API_TOKENS_READ,
        API_TOKENS_UPDATE,
        API_TOKENS_DELETE,
        API_TOKENS_REGENERATE,
        ADMIN_TOKENS_CREATE,
        ADMIN_TOKENS_READ,
        ADMIN_TOKENS_UPDATE,
        ADMIN_TOKENS_DELETE,
        ADMIN_TOKENS_REGENERATE,
        AUDIT_LOGS_READ,
        CONTENT_TYPES_READ,
        CONTENT_TYPES_CREATE,
        CONTENT_TYPES_UPDATE,
        EXPLORER_CREATE,
        EXPLORER_READ,
        EXPLORER_UPDATE,
        EXPLORER_DELETE,
        EXPLORER_PUBLISH,
    ];
}

/// Strapi's condition: the action applies only to what the admin created.
pub const IS_CREATOR: &str = "admin::is-creator";

/// What roles grant: every action, and those of them granted only on what the admin created
/// (`IS_CREATOR`; an action some role grants without condition is not among them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub actions: BTreeSet<String>,
    pub own_only: BTreeSet<String>,
}

impl Grants {
    /// Actions granted without condition.
    pub fn unconditional(actions: &BTreeSet<String>) -> Grants {
        Grants {
            actions: actions.clone(),
            own_only: BTreeSet::new(),
        }
    }

    /// The grants of one role, as a role change asks them: each action, and whether it is
    /// granted on what the admin created only.
    pub fn from_pairs(pairs: &BTreeMap<String, bool>) -> Grants {
        Grants {
            actions: pairs.keys().cloned().collect(),
            own_only: pairs
                .iter()
                .filter(|(_, own)| **own)
                .map(|(action, _)| action.clone())
                .collect(),
        }
    }

    /// What `self` gives that `granter` does not hold: actions it lacks, or holds only on its
    /// own creations while `self` gives them without condition.
    pub fn beyond(&self, granter: &Grants) -> Vec<String> {
        self.actions
            .iter()
            .filter(|action| {
                !granter.actions.contains(*action)
                    || (granter.own_only.contains(*action) && !self.own_only.contains(*action))
            })
            .cloned()
            .collect()
    }
}

pub const SUPER_ADMIN: &str = "strapi-super-admin";
pub const EDITOR: &str = "strapi-editor";
pub const AUTHOR: &str = "strapi-author";

/// A default role: its code, name, description and the actions it starts with (`own_only`:
/// granted on what the admin created only, as Strapi's Author).
struct DefaultRole {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    actions: &'static [Action],
    own_only: bool,
}

const DEFAULT_ROLES: &[DefaultRole] = &[
    DefaultRole {
        code: SUPER_ADMIN,
        name: "Super Admin",
        description: "Super Admins can access and manage all features and settings.",
        actions: actions::ALL,
        own_only: false,
    },
    DefaultRole {
        code: EDITOR,
        name: "Editor",
        description: "Editors can manage and publish contents including those of other users.",
        actions: &[
            actions::CONTENT_TYPES_READ,
            actions::EXPLORER_CREATE,
            actions::EXPLORER_READ,
            actions::EXPLORER_UPDATE,
            actions::EXPLORER_DELETE,
            actions::EXPLORER_PUBLISH,
        ],
        own_only: false,
    },
    DefaultRole {
        code: AUTHOR,
        name: "Author",
        description: "Authors can manage the content they have created.",
        actions: &[
            actions::CONTENT_TYPES_READ,
            actions::EXPLORER_CREATE,
            actions::EXPLORER_READ,
            actions::EXPLORER_UPDATE,
        ],
        own_only: true,
    },
];

/// The `conditions` column of a grant.
fn conditions_of(own_only: bool) -> &'static str {
    if own_only {
        "[\"admin::is-creator\"]"
    } else {
        "[]"
    }
}

/// A role as stored.
#[derive(Debug, Clone, Queryable, PartialEq, Eq)]
pub struct Role {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Creates the default roles that are missing with their default actions, and gives the Super
/// Admin every action it lacks (so actions added by a newer Vellum reach existing databases).
/// The other roles keep what admins made of them: an action taken away stays away.
pub fn ensure_defaults(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    crate::db::exclusive(conn, "admin_roles", |conn| {
        for role in DEFAULT_ROLES {
            let existing = admin_roles::table
                .filter(admin_roles::code.eq(role.code))
                .select(admin_roles::id)
                .first::<i32>(conn)
                .optional()?;
            let role_id = match existing {
                Some(_) if role.code != SUPER_ADMIN => continue,
                Some(id) => id,
                None => {
                    diesel::insert_into(admin_roles::table)
                        .values((
                            admin_roles::code.eq(role.code),
                            admin_roles::name.eq(role.name),
                            admin_roles::description.eq(role.description),
                            admin_roles::created_at.eq(now),
                            admin_roles::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    admin_roles::table
                        .filter(admin_roles::code.eq(role.code))
                        .select(admin_roles::id)
                        .first::<i32>(conn)?
                }
            };
            let granted: BTreeSet<String> = admin_permissions::table
                .filter(admin_permissions::role_id.eq(role_id))
                .select(admin_permissions::action)
                .load(conn)?
                .into_iter()
                .collect();
            for action in role.actions.iter().filter(|a| !granted.contains(a.name())) {
                // The explorer's actions are the ones a condition applies to.
                let own_only =
                    role.own_only && action.name().starts_with("plugin::content-manager.");
                diesel::insert_into(admin_permissions::table)
                    .values((
                        admin_permissions::role_id.eq(role_id),
                        admin_permissions::action.eq(action.name()),
                        admin_permissions::conditions.eq(conditions_of(own_only)),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// The role with this code.
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Role>> {
    admin_roles::table
        .filter(admin_roles::code.eq(code))
        .first(conn)
        .optional()
}

/// Every role, by id.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Role>> {
    admin_roles::table.order(admin_roles::id.asc()).load(conn)
}

/// The roles of a user.
pub fn of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<Role>> {
    admin_users_roles::table
        .inner_join(admin_roles::table)
        .filter(admin_users_roles::user_id.eq(user_id))
        .select(admin_roles::all_columns)
        .order(admin_roles::id.asc())
        .load(conn)
}

/// The union of the actions granted to `roles`.
pub fn actions_of(conn: &mut DbConnection, roles: &[Role]) -> QueryResult<BTreeSet<String>> {
    Ok(grants_of(conn, roles)?.actions)
}

/// What `roles` grant together: an action is granted on the admin's own creations only when
/// every role that grants it does so under `IS_CREATOR`.
pub fn grants_of(conn: &mut DbConnection, roles: &[Role]) -> QueryResult<Grants> {
    let ids: Vec<i32> = roles.iter().map(|role| role.id).collect();
    let rows: Vec<(String, String)> = admin_permissions::table
        .filter(admin_permissions::role_id.eq_any(ids))
        .select((admin_permissions::action, admin_permissions::conditions))
        .load(conn)?;
    let mut grants = Grants::default();
    let mut unconditional = BTreeSet::new();
    for (action, conditions) in rows {
        if conditions.contains(IS_CREATOR) {
            grants.own_only.insert(action.clone());
        } else {
            unconditional.insert(action.clone());
        }
        grants.actions.insert(action);
    }
    grants
        .own_only
        .retain(|action| !unconditional.contains(action));
    Ok(grants)
}

/// A role's own grants: each action, and whether it is granted on own creations only.
fn pairs_of(conn: &mut DbConnection, role: &Role) -> QueryResult<BTreeMap<String, bool>> {
    let grants = grants_of(conn, std::slice::from_ref(role))?;
    Ok(grants
        .actions
        .iter()
        .map(|action| (action.clone(), grants.own_only.contains(action)))
        .collect())
}

/// Why a role's actions could not be set.
#[derive(Debug)]
pub enum SetActionsError {
    NotFound,
    /// The Super Admin role always holds every action.
    SuperAdmin,
    /// Actions the role would gain that the granter does not hold.
    Exceeding(Vec<String>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for SetActionsError {
    fn from(error: diesel::result::Error) -> Self {
        SetActionsError::Database(error)
    }
}

/// Replaces what a role grants (each action known; `true`: on own creations only), for a
/// granter holding `granter`: what the role gains (an action, or an action's condition lifted)
/// must be the granter's own; what it already grants, or loses, is no grant. Admin tokens of
/// the role's users lose what the role loses, since a token's rights are bounded by its
/// owner's on every request.
pub fn set_actions(
    conn: &mut DbConnection,
    role_id: i32,
    granted: &BTreeMap<String, bool>,
    granter: &Grants,
) -> Result<(), SetActionsError> {
    crate::db::exclusive(conn, "admin_roles", |conn| {
        let role: Role = admin_roles::table
            .find(role_id)
            .first(conn)
            .optional()?
            .ok_or(SetActionsError::NotFound)?;
        if role.code == SUPER_ADMIN {
            return Err(SetActionsError::SuperAdmin);
        }
        let current = pairs_of(conn, &role)?;
        let gained: BTreeMap<String, bool> = granted
            .iter()
            .filter(|(action, own)| match current.get(*action) {
                None => true,
                Some(was_own) => *was_own && !**own,
            })
            .map(|(action, own)| (action.clone(), *own))
            .collect();
        let exceeding = Grants::from_pairs(&gained).beyond(granter);
        if !exceeding.is_empty() {
            return Err(SetActionsError::Exceeding(exceeding));
        }
        diesel::delete(admin_permissions::table.filter(admin_permissions::role_id.eq(role_id)))
            .execute(conn)?;
        for (action, own_only) in granted {
            diesel::insert_into(admin_permissions::table)
                .values((
                    admin_permissions::role_id.eq(role_id),
                    admin_permissions::action.eq(action),
                    admin_permissions::conditions.eq(conditions_of(*own_only)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
