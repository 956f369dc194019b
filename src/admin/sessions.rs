//! Admin sessions: each sign-in stores a session row and gets an HS256 JWT naming it, so that
//! logging out (deleting the row) makes the JWT useless before it expires.

use crate::config::Secret;
use crate::db::DbConnection;
use crate::db::schema::admin_sessions;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What an admin JWT carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The admin user's id (Strapi's claim name).
    pub id: i32,
    /// The session row this JWT belongs to.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks admin JWTs with `ADMIN_JWT_SECRET`.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: chrono::Duration,
}

impl SessionKeys {
    pub fn new(secret: &Secret, ttl: Duration) -> Self {
        // Only HS256 is accepted: `alg: none` and every other algorithm are refused.
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the injected clock in `open`, not the system's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        SessionKeys {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30)),
        }
    }

    /// Starts a session for `user_id`: stores it (dropping expired ones) and returns its JWT.
    pub fn start(
        &self,
        conn: &mut DbConnection,
        user_id: i32,
        now: NaiveDateTime,
    ) -> Result<String, SessionError> {
        let sid = random_id().map_err(|_| SessionError::NoRandomness)?;
        let expires_at = now + self.ttl;
        diesel::delete(admin_sessions::table.filter(admin_sessions::expires_at.le(now)))
            .execute(conn)?;
        diesel::insert_into(admin_sessions::table)
            .values((
                admin_sessions::id.eq(&sid),
                admin_sessions::user_id.eq(user_id),
                admin_sessions::created_at.eq(now),
                admin_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        let claims = Claims {
            id: user_id,
            sid,
            iat: now.and_utc().timestamp(),
            exp: expires_at.and_utc().timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| SessionError::Signing(e.to_string()))
    }

    /// The claims of a JWT that is well signed and not expired at `now`; no database work.
    pub fn open(&self, token: &str, now: NaiveDateTime) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.exp > now.and_utc().timestamp()).then_some(claims)
    }
}

/// Why a session could not start.
#[derive(Debug)]
pub enum SessionError {
    /// The operating system gave no randomness for the session id.
    NoRandomness,
    /// The JWT could not be signed.
    Signing(String),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for SessionError {
    fn from(error: diesel::result::Error) -> Self {
        SessionError::Database(error)
    }
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::NoRandomness => f.write_str("the operating system gave no randomness"),
            SessionError::Signing(error) => write!(f, "cannot sign the session: {error}"),
            SessionError::Database(error) => write!(f, "database: {error}"),
        }
    }
}

/// Whether the session still exists for this user and has not expired.
pub fn is_live(conn: &mut DbConnection, claims: &Claims, now: NaiveDateTime) -> QueryResult<bool> {
    let found = admin_sessions::table
        .filter(admin_sessions::id.eq(&claims.sid))
        .filter(admin_sessions::user_id.eq(claims.id))
        .filter(admin_sessions::expires_at.gt(now))
        .count()
        .get_result::<i64>(conn)?;
    Ok(found > 0)
}

/// Ends a session; its JWT is refused from now on.
pub fn end(conn: &mut DbConnection, sid: &str) -> QueryResult<()> {
    diesel::delete(admin_sessions::table.filter(admin_sessions::id.eq(sid)))
        .execute(conn)
        .map(|_| ())
}

fn random_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}
