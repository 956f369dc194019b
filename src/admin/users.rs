//! Admin users: creation (the first super admin, or from the command line), lookup, listing.

use crate::admin::roles::{self, Role};
use crate::db::DbConnection;
use crate::db::schema::{admin_users, admin_users_roles};
use crate::tokens::service::{Change, TokenError, Tokens};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::fmt;

/// An admin user as stored. `Debug` leaves the password hash out.
#[derive(Clone, Queryable)]
pub struct AdminUser {
    pub id: i32,
    pub firstname: String,
    pub lastname: Option<String>,
    pub email: String,
    pub password_hash: String,
    pub is_active: bool,
    pub blocked: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The hash of an invited admin's registration token (`None` once registered).
    pub registration_token_hash: Option<String>,
}

impl fmt::Debug for AdminUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminUser")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("is_active", &self.is_active)
            .field("blocked", &self.blocked)
            .finish_non_exhaustive()
    }
}

impl AdminUser {
    /// Whether this user may sign in and use sessions.
    pub fn can_sign_in(&self) -> bool {
        self.is_active && !self.blocked
    }
}

/// What is needed to create an admin; the email is already normalised (trimmed, lower case).
#[derive(Debug, Clone)]
pub struct NewAdmin {
    pub firstname: String,
    pub lastname: Option<String>,
    pub email: String,
    pub password_hash: String,
}

/// Why an admin could not be created.
#[derive(Debug)]
pub enum CreateError {
    /// `register-admin` after the first admin exists.
    AdminExists,
    EmailTaken,
    UnknownRole(String),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for CreateError {
    fn from(error: diesel::result::Error) -> Self {
        CreateError::Database(error)
    }
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::AdminExists => f.write_str("an admin already exists"),
            CreateError::EmailTaken => f.write_str("this email is already used by an admin"),
            CreateError::UnknownRole(code) => write!(f, "there is no role `{code}`"),
            CreateError::Database(e) => write!(f, "database: {e}"),
        }
    }
}

/// Emails are compared trimmed and in lower case, as Strapi stores them.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    admin_users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<AdminUser>> {
    admin_users::table.find(id).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<AdminUser>> {
    admin_users::table
        .filter(admin_users::email.eq(email))
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<AdminUser>> {
    admin_users::table.order(admin_users::id.asc()).load(conn)
}

/// Creates the first admin as Super Admin, refusing once any admin exists. The check and the
/// insert hold the write lock together, so two concurrent registrations give one admin.
pub fn register_first(
    conn: &mut DbConnection,
    admin: NewAdmin,
    now: NaiveDateTime,
) -> Result<(AdminUser, Vec<Role>), CreateError> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        if count(conn)? > 0 {
            return Err(CreateError::AdminExists);
        }
        insert_with_role(conn, admin, roles::SUPER_ADMIN, now)
    })
}

/// Creates an admin with the role `role_code` (used by `vellum admin create`).
pub fn create(
    conn: &mut DbConnection,
    admin: NewAdmin,
    role_code: &str,
    now: NaiveDateTime,
) -> Result<(AdminUser, Vec<Role>), CreateError> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        insert_with_role(conn, admin, role_code, now)
    })
}

fn insert_with_role(
    conn: &mut DbConnection,
    admin: NewAdmin,
    role_code: &str,
    now: NaiveDateTime,
) -> Result<(AdminUser, Vec<Role>), CreateError> {
    let role = roles::find_by_code(conn, role_code)?
        .ok_or_else(|| CreateError::UnknownRole(role_code.to_string()))?;
    if find_by_email(conn, &admin.email)?.is_some() {
        return Err(CreateError::EmailTaken);
    }
    diesel::insert_into(admin_users::table)
        .values((
            admin_users::firstname.eq(&admin.firstname),
            admin_users::lastname.eq(&admin.lastname),
            admin_users::email.eq(&admin.email),
            admin_users::password_hash.eq(&admin.password_hash),
            admin_users::is_active.eq(true),
            admin_users::blocked.eq(false),
            admin_users::created_at.eq(now),
            admin_users::updated_at.eq(now),
        ))
        .execute(conn)?;
    let user = find_by_email(conn, &admin.email)?.ok_or(diesel::result::Error::NotFound)?;
    diesel::insert_into(admin_users_roles::table)
        .values((
            admin_users_roles::user_id.eq(user.id),
            admin_users_roles::role_id.eq(role.id),
        ))
        .execute(conn)?;
    Ok((user, vec![role]))
}

/// Why a user could not be changed or deleted.
#[derive(Debug)]
pub enum ChangeError {
    NotFound,
    /// The change would leave no active Super Admin.
    LastSuperAdmin,
    /// Only a Super Admin turns a Super Admin on or off, or deletes one: whoever else did
    /// would act past their own rights (turning one on gives every right back).
    SuperAdminOnly,
    Database(diesel::result::Error),
    /// Deleting the user's tokens failed.
    Tokens(TokenError),
}

impl From<TokenError> for ChangeError {
    fn from(error: TokenError) -> Self {
        ChangeError::Tokens(error)
    }
}

impl From<diesel::result::Error> for ChangeError {
    fn from(error: diesel::result::Error) -> Self {
        ChangeError::Database(error)
    }
}

/// The number of active, unblocked Super Admins other than `except`.
fn other_super_admins(conn: &mut DbConnection, except: i32) -> QueryResult<i64> {
    admin_users::table
        .inner_join(admin_users_roles::table.inner_join(crate::db::schema::admin_roles::table))
        .filter(crate::db::schema::admin_roles::code.eq(roles::SUPER_ADMIN))
        .filter(admin_users::id.ne(except))
        .filter(admin_users::is_active.eq(true))
        .filter(admin_users::blocked.eq(false))
        .count()
        .get_result(conn)
}

/// Turns a user on or off; a deactivated admin can neither sign in nor use their admin tokens.
pub fn set_active(
    conn: &mut DbConnection,
    id: i32,
    active: bool,
    by_super_admin: bool,
    now: NaiveDateTime,
) -> Result<AdminUser, ChangeError> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        find(conn, id)?.ok_or(ChangeError::NotFound)?;
        if !by_super_admin && is_super_admin(conn, id)? {
            return Err(ChangeError::SuperAdminOnly);
        }
        if !active && other_super_admins(conn, id)? == 0 && is_super_admin(conn, id)? {
            return Err(ChangeError::LastSuperAdmin);
        }
        diesel::update(admin_users::table.find(id))
            .set((
                admin_users::is_active.eq(active),
                admin_users::updated_at.eq(now),
            ))
            .execute(conn)?;
        find(conn, id)?.ok_or(ChangeError::NotFound)
    })
}

fn is_super_admin(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    Ok(roles::of_user(conn, id)?
        .iter()
        .any(|role| role.code == roles::SUPER_ADMIN))
}

/// Deletes a user with their sessions and their admin tokens (as Strapi does; each token's
/// deletion through `tokens` with its audit event, as part of `change`).
pub fn delete(
    conn: &mut DbConnection,
    tokens: &Tokens,
    change: &Change,
    id: i32,
    by_super_admin: bool,
) -> Result<AdminUser, ChangeError> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        let user = find(conn, id)?.ok_or(ChangeError::NotFound)?;
        if !by_super_admin && is_super_admin(conn, id)? {
            return Err(ChangeError::SuperAdminOnly);
        }
        if other_super_admins(conn, id)? == 0 && is_super_admin(conn, id)? {
            return Err(ChangeError::LastSuperAdmin);
        }
        tokens.delete_owned_by(conn, change, id)?;
        diesel::delete(admin_users::table.find(id)).execute(conn)?;
        Ok(user)
    })
}

/// Who is invited: their names, their email (normalised), the ids of their roles.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub firstname: String,
    pub lastname: Option<String>,
    pub email: String,
    pub role_ids: Vec<i32>,
}

/// Why an invitation or a change of roles was refused.
#[derive(Debug)]
pub enum RolesError {
    EmailTaken,
    UnknownRole(i32),
    NotFound,
    /// The roles grant what the granter does not hold (these actions).
    Exceeding(Vec<String>),
    /// The change would leave no active Super Admin.
    LastSuperAdmin,
    /// Only a Super Admin changes a Super Admin's roles.
    SuperAdminOnly,
    /// The operating system gave no randomness for a registration token.
    NoRandomness,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for RolesError {
    fn from(error: diesel::result::Error) -> Self {
        RolesError::Database(error)
    }
}

/// The hash a registration token is kept as.
fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The roles of these ids, refused when one is unknown or when together they grant what
/// `granter` does not hold.
fn grantable_roles(
    conn: &mut DbConnection,
    role_ids: &[i32],
    granter: &roles::Grants,
) -> Result<Vec<Role>, RolesError> {
    let all = roles::list(conn)?;
    let mut chosen = Vec::new();
    for id in role_ids {
        let role = all
            .iter()
            .find(|role| role.id == *id)
            .ok_or(RolesError::UnknownRole(*id))?;
        if !chosen.contains(role) {
            chosen.push(role.clone());
        }
    }
    let exceeding = roles::grants_of(conn, &chosen)?.beyond(granter);
    if exceeding.is_empty() {
        Ok(chosen)
    } else {
        Err(RolesError::Exceeding(exceeding))
    }
}

fn replace_roles(conn: &mut DbConnection, id: i32, chosen: &[Role]) -> QueryResult<()> {
    diesel::delete(admin_users_roles::table.filter(admin_users_roles::user_id.eq(id)))
        .execute(conn)?;
    for role in chosen {
        diesel::insert_into(admin_users_roles::table)
            .values((
                admin_users_roles::user_id.eq(id),
                admin_users_roles::role_id.eq(role.id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Invites an admin (as Strapi's `POST /admin/users`): inactive, without a password, with
/// roles that grant no more than `granter` holds. Returns them with the registration token of
/// their invitation link, shown this once (only its hash is kept).
pub fn invite(
    conn: &mut DbConnection,
    invitation: Invitation,
    granter: &roles::Grants,
    now: NaiveDateTime,
) -> Result<(AdminUser, Vec<Role>, String), RolesError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| RolesError::NoRandomness)?;
    let token = hex::encode(bytes);
    crate::db::exclusive(conn, "admin_users", |conn| {
        if find_by_email(conn, &invitation.email)?.is_some() {
            return Err(RolesError::EmailTaken);
        }
        let chosen = grantable_roles(conn, &invitation.role_ids, granter)?;
        diesel::insert_into(admin_users::table)
            .values((
                admin_users::firstname.eq(&invitation.firstname),
                admin_users::lastname.eq(&invitation.lastname),
                admin_users::email.eq(&invitation.email),
                // No password: none verifies against an empty hash.
                admin_users::password_hash.eq(""),
                admin_users::is_active.eq(false),
                admin_users::blocked.eq(false),
                admin_users::created_at.eq(now),
                admin_users::updated_at.eq(now),
                admin_users::registration_token_hash.eq(token_hash(&token)),
            ))
            .execute(conn)?;
        let user =
            find_by_email(conn, &invitation.email)?.ok_or(diesel::result::Error::NotFound)?;
        replace_roles(conn, user.id, &chosen)?;
        Ok((user, chosen, token))
    })
}

/// The invited admin a registration token names, while they have not registered.
pub fn invited_by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<AdminUser>> {
    admin_users::table
        .filter(admin_users::registration_token_hash.eq(token_hash(token)))
        .first(conn)
        .optional()
}

/// An invited admin registers: their names and password are set, they become active, and the
/// token stops working. `None` when the token names no invitation.
pub fn register_invited(
    conn: &mut DbConnection,
    token: &str,
    firstname: &str,
    lastname: Option<&str>,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<AdminUser>> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        let Some(user) = invited_by_token(conn, token)? else {
            return Ok(None);
        };
        diesel::update(admin_users::table.find(user.id))
            .set((
                admin_users::firstname.eq(firstname),
                admin_users::lastname.eq(lastname),
                admin_users::password_hash.eq(password_hash),
                admin_users::is_active.eq(true),
                admin_users::registration_token_hash.eq(None::<String>),
                admin_users::updated_at.eq(now),
            ))
            .execute(conn)?;
        find(conn, user.id)
    })
}

/// Gives a user these roles (as `PUT /admin/users/{id}` with `roles`), never granting what
/// `granter` does not hold; only a super admin changes a super admin's, and the last active
/// super admin keeps the role.
pub fn set_roles(
    conn: &mut DbConnection,
    id: i32,
    role_ids: &[i32],
    granter: &roles::Grants,
    by_super_admin: bool,
    now: NaiveDateTime,
) -> Result<(AdminUser, Vec<Role>), RolesError> {
    crate::db::exclusive(conn, "admin_users", |conn| {
        find(conn, id)?.ok_or(RolesError::NotFound)?;
        let was_super_admin = is_super_admin(conn, id)?;
        if was_super_admin && !by_super_admin {
            return Err(RolesError::SuperAdminOnly);
        }
        let chosen = grantable_roles(conn, role_ids, granter)?;
        let stays = chosen.iter().any(|role| role.code == roles::SUPER_ADMIN);
        if was_super_admin && !stays && other_super_admins(conn, id)? == 0 {
            return Err(RolesError::LastSuperAdmin);
        }
        replace_roles(conn, id, &chosen)?;
        diesel::update(admin_users::table.find(id))
            .set(admin_users::updated_at.eq(now))
            .execute(conn)?;
        let user = find(conn, id)?.ok_or(RolesError::NotFound)?;
        Ok((user, chosen))
    })
}
