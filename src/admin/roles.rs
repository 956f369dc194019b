//! Admin roles and permission actions. The catalogue of actions lives here; the default roles
//! (Super Admin, Editor, Author, as in Strapi) are kept in the database and completed at start.

use crate::db::DbConnection;
use crate::db::schema::{admin_permissions, admin_roles, admin_users_roles};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

/// The names of admin actions, as routes declare them.
pub mod actions {
    pub const USERS_CREATE: &str = "admin::users.create";
    pub const USERS_READ: &str = "admin::users.read";
    pub const USERS_UPDATE: &str = "admin::users.update";
    pub const USERS_DELETE: &str = "admin::users.delete";
    pub const ROLES_CREATE: &str = "admin::roles.create";
    pub const ROLES_READ: &str = "admin::roles.read";
    pub const ROLES_UPDATE: &str = "admin::roles.update";
    pub const ROLES_DELETE: &str = "admin::roles.delete";
    pub const API_TOKENS_ACCESS: &str = "admin::api-tokens.access";
    pub const API_TOKENS_CREATE: &str = "admin::api-tokens.create";
    pub const API_TOKENS_READ: &str = "admin::api-tokens.read";
    pub const API_TOKENS_UPDATE: &str = "admin::api-tokens.update";
    pub const API_TOKENS_DELETE: &str = "admin::api-tokens.delete";
    pub const API_TOKENS_REGENERATE: &str = "admin::api-tokens.regenerate";
    pub const ADMIN_TOKENS_CREATE: &str = "admin::admin-tokens.create";
    pub const ADMIN_TOKENS_READ: &str = "admin::admin-tokens.read";
    pub const ADMIN_TOKENS_UPDATE: &str = "admin::admin-tokens.update";
    pub const ADMIN_TOKENS_DELETE: &str = "admin::admin-tokens.delete";
    pub const ADMIN_TOKENS_REGENERATE: &str = "admin::admin-tokens.regenerate";
    pub const AUDIT_LOGS_READ: &str = "admin::audit-logs.read";
    pub const CONTENT_TYPES_READ: &str = "admin::content-types.read";
    pub const CONTENT_TYPES_CREATE: &str = "admin::content-types.create";
    pub const CONTENT_TYPES_UPDATE: &str = "admin::content-types.update";
    pub const EXPLORER_CREATE: &str = "plugin::content-manager.explorer.create";
    pub const EXPLORER_READ: &str = "plugin::content-manager.explorer.read";
    pub const EXPLORER_UPDATE: &str = "plugin::content-manager.explorer.update";
    pub const EXPLORER_DELETE: &str = "plugin::content-manager.explorer.delete";
    pub const EXPLORER_PUBLISH: &str = "plugin::content-manager.explorer.publish";

    /// Every action an admin can be granted.
    pub const ALL: &[&str] = &[
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

pub const SUPER_ADMIN: &str = "strapi-super-admin";
pub const EDITOR: &str = "strapi-editor";
pub const AUTHOR: &str = "strapi-author";

/// A default role: its code, name, description and the actions it starts with.
struct DefaultRole {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    actions: &'static [&'static str],
}

const DEFAULT_ROLES: &[DefaultRole] = &[
    DefaultRole {
        code: SUPER_ADMIN,
        name: "Super Admin",
        description: "Super Admins can access and manage all features and settings.",
        actions: actions::ALL,
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
    },
];

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
            for action in role.actions.iter().filter(|a| !granted.contains(**a)) {
                diesel::insert_into(admin_permissions::table)
                    .values((
                        admin_permissions::role_id.eq(role_id),
                        admin_permissions::action.eq(*action),
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
    let ids: Vec<i32> = roles.iter().map(|role| role.id).collect();
    Ok(admin_permissions::table
        .filter(admin_permissions::role_id.eq_any(ids))
        .select(admin_permissions::action)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The actions of `asked` that `held` lacks. No principal grants (to a token or to a role) an
/// action it does not hold itself at that moment: this is what it would be exceeding.
pub fn beyond<'a>(asked: &'a BTreeSet<String>, held: &BTreeSet<String>) -> Vec<&'a str> {
    asked
        .iter()
        .filter(|action| !held.contains(*action))
        .map(String::as_str)
        .collect()
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

/// Replaces the actions a role grants (each one known), for a granter holding `granter`: the
/// actions the role gains must all be the granter's own (what it already grants, or loses, is
/// not a grant). Admin tokens of the role's users lose what the role loses, since a token's
/// rights are bounded by its owner's on every request.
pub fn set_actions(
    conn: &mut DbConnection,
    role_id: i32,
    granted: &BTreeSet<String>,
    granter: &BTreeSet<String>,
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
        let current = actions_of(conn, std::slice::from_ref(&role))?;
        let gained: BTreeSet<String> = granted.difference(&current).cloned().collect();
        let exceeding = beyond(&gained, granter);
        if !exceeding.is_empty() {
            return Err(SetActionsError::Exceeding(
                exceeding.into_iter().map(str::to_string).collect(),
            ));
        }
        diesel::delete(admin_permissions::table.filter(admin_permissions::role_id.eq(role_id)))
            .execute(conn)?;
        for action in granted {
            diesel::insert_into(admin_permissions::table)
                .values((
                    admin_permissions::role_id.eq(role_id),
                    admin_permissions::action.eq(action),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
