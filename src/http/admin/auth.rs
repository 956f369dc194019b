//! Admin sign-up, sign-in and sessions: `/admin/init`, `/admin/register-admin`,
//! `/admin/login`, `/admin/logout`, `/admin/users/me`.

use crate::AppState;
use crate::admin::roles::{self, Role};
use crate::admin::users::{self, AdminUser, CreateError, NewAdmin};
use crate::admin::{password, sessions};
use crate::audit::{AuditEvent, events};
use crate::auth::admin::{AdminSession, Via};
use crate::clock::iso;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::{JsonObject, required_string, string_field};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};
use std::net::{IpAddr, Ipv4Addr};

/// `GET /admin/init`: whether the first admin has been registered.
pub async fn init(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let count = state.db(|conn| Ok(users::count(conn)?)).await?;
    Ok(HttpResponse::Ok().json(json!({ "data": { "hasAdmin": count > 0 } })))
}

/// `email`: required, an address, normalised (trimmed, lower case).
pub(super) fn email_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> String {
    let email = users::normalize_email(&required_string(body, "email", errors));
    if !email.is_empty() && !crate::support::email::is_email(&email) {
        errors.add_value(
            "email",
            "email must be a valid email",
            body["email"].clone(),
        );
    }
    email
}

/// `firstname` (required) and `lastname` (optional), trimmed.
pub(super) fn names(
    body: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> (String, Option<String>) {
    let firstname = required_string(body, "firstname", errors)
        .trim()
        .to_string();
    let lastname = string_field(body, "lastname", errors)
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty());
    (firstname, lastname)
}

/// `password`: required, and Strapi's rule.
fn password_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> String {
    let plain = required_string(body, "password", errors);
    if !plain.is_empty() {
        for failure in password::rule_failures(&plain) {
            errors.add("password", failure);
        }
    }
    plain
}

/// `POST /admin/register-admin`: creates the first super admin and signs them in.
pub async fn register_admin(
    state: web::Data<AppState>,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    if state.registration_closed {
        return Err(ApiError::forbidden_because(
            "Registration is closed: this database had an admin and its file was lost; see the server log",
        ));
    }
    let mut errors = FieldErrors::default();
    let email = email_field(&body, &mut errors);
    let (firstname, lastname) = names(&body, &mut errors);
    let plain_password = password_field(&body, &mut errors);
    errors.into_result()?;

    let password_hash = web::block(move || password::hash(&plain_password))
        .await?
        .map_err(ApiError::internal)?;
    let admin = NewAdmin {
        firstname,
        lastname,
        email,
        password_hash,
    };
    let sessions_state = state.clone();
    let now = state.clock.now();
    let (token, user, roles) = state
        .db_write(move |conn| {
            let (user, roles) = users::register_first(conn, admin, now).map_err(|e| match e {
                CreateError::AdminExists | CreateError::EmailTaken => {
                    ApiError::application("You cannot register a new super admin")
                }
                other => ApiError::internal(other),
            })?;
            let token = sessions_state.sessions.start(conn, user.id, now)?;
            Ok((token, user, roles))
        })
        .await?;
    if let Some(file) = &state.database_file {
        file.mark_admin();
    }
    Ok(HttpResponse::Ok()
        .json(json!({ "data": { "token": token, "user": user_json(&user, &roles) } })))
}

/// The query of `GET /admin/registration-info`.
#[derive(serde::Deserialize)]
pub struct RegistrationQuery {
    #[serde(rename = "registrationToken")]
    registration_token: Option<String>,
}

/// `GET /admin/registration-info?registrationToken=…`: who an invitation is for, as Strapi
/// answers it (`{email, firstname, lastname}`).
pub async fn registration_info(
    state: web::Data<AppState>,
    query: web::Query<RegistrationQuery>,
) -> ApiResult<HttpResponse> {
    let token = query.registration_token.clone().unwrap_or_default();
    if token.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("registrationToken", "registrationToken is a required field");
        errors.into_result()?;
    }
    let invited = state
        .db(move |conn| Ok(users::invited_by_token(conn, &token)?))
        .await?
        .ok_or_else(|| ApiError::validation("Invalid registrationToken"))?;
    Ok(HttpResponse::Ok().json(json!({ "data": {
        "email": invited.email, "firstname": invited.firstname, "lastname": invited.lastname,
    } })))
}

/// `POST /admin/register`: an invited admin sets their names and password and is signed in
/// (`{token, accessToken, user}`, as Strapi answers); the invitation stops working.
pub async fn register(
    state: web::Data<AppState>,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    let token = required_string(&body, "registrationToken", &mut errors);
    let info = match body.get("userInfo") {
        Some(Value::Object(info)) => info.clone(),
        _ => {
            errors.add("userInfo", "userInfo is a required field");
            Map::new()
        }
    };
    let mut info_errors = FieldErrors::default();
    let (firstname, lastname) = names(&info, &mut info_errors);
    let plain_password = password_field(&info, &mut info_errors);
    errors.nest("userInfo", info_errors);
    errors.into_result()?;
    let password_hash = web::block(move || password::hash(&plain_password))
        .await?
        .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let worker = state.clone();
    let (session, user, roles) = state
        .db_write(move |conn| {
            let user = users::register_invited(
                conn,
                &token,
                &firstname,
                lastname.as_deref(),
                &password_hash,
                now,
            )?
            .ok_or_else(|| ApiError::validation("Invalid registration info"))?;
            let roles = roles::of_user(conn, user.id)?;
            let session = worker.sessions.start(conn, user.id, now)?;
            Ok((session, user, roles))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": {
        "token": session, "accessToken": session, "user": user_json(&user, &roles),
    } })))
}

/// `POST /admin/login`: a session JWT for a correct email and password. Wrong email and wrong
/// password get the same answer in about the same time; repeated failures are throttled.
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    let email = users::normalize_email(&required_string(&body, "email", &mut errors));
    let plain_password = required_string(&body, "password", &mut errors);
    errors.into_result()?;

    let origin = crate::auth::origin(&request, &state);
    let ip = request
        .peer_addr()
        .map(|address| address.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let now = state.clock.now();
    let attempt = |event, actor: Option<i32>, status: Option<u16>, reason: &str| AuditEvent {
        at: now,
        event,
        actor: actor.map(|id| format!("admin:{id}")),
        token_id: None,
        status,
        origin: origin.clone(),
        details: json!({ "email": email, "reason": reason }),
    };
    if !state.login_limiter.begin_attempt(&email, ip) {
        state.audit.push(attempt(
            events::LOGIN_FAILURE,
            None,
            Some(429),
            "locked out",
        ));
        return Err(ApiError::too_many_requests());
    }
    let worker = state.clone();
    let attempt_email = email.clone();
    let mut success = attempt(events::LOGIN_SUCCESS, None, None, "");
    let outcome = state
        .db_write(move |conn| {
            let user = users::find_by_email(conn, &attempt_email)?;
            let stored = user
                .as_ref()
                .map_or(password::decoy_hash(), |u| u.password_hash.as_str());
            let matches = password::verify(&plain_password, stored);
            match user {
                Some(user) if matches && user.can_sign_in() => {
                    let roles = crate::admin::roles::of_user(conn, user.id)?;
                    let token = worker.sessions.start(conn, user.id, now)?;
                    success.actor = Some(format!("admin:{}", user.id));
                    worker.audit.record(conn, success)?;
                    Ok(Some((token, user, roles)))
                }
                _ => Ok(None),
            }
        })
        .await?;
    match outcome {
        Some((token, user, roles)) => {
            state.login_limiter.record_success(&email, ip);
            Ok(HttpResponse::Ok()
                .json(json!({ "data": { "token": token, "user": user_json(&user, &roles) } })))
        }
        None => {
            let event = attempt(
                events::LOGIN_FAILURE,
                None,
                Some(400),
                "invalid credentials",
            );
            state.audit.push(event);
            Err(ApiError::application("Invalid credentials"))
        }
    }
}

/// `POST /admin/logout`: ends the session; its JWT is refused afterwards. An admin token has
/// no session to end (403).
pub async fn logout(state: web::Data<AppState>, session: AdminSession) -> ApiResult<HttpResponse> {
    let Via::Session(claims) = &session.via else {
        return Err(ApiError::forbidden());
    };
    let sid = claims.sid.clone();
    let event = session.event(state.clock.now(), events::LOGOUT, None, json!({}));
    let worker = state.clone();
    state
        .db_write(move |conn| {
            sessions::end(conn, &sid)?;
            Ok(worker.audit.record(conn, event)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": {} })))
}

/// `GET /admin/users/me`: the signed-in admin.
pub async fn me(session: AdminSession) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "data": user_json(&session.user, &session.roles) }))
}

/// `GET /admin/users/me/permissions`: what the caller may do (Strapi's route), e.g. what an
/// admin token of theirs could be given.
pub async fn my_permissions(session: AdminSession) -> HttpResponse {
    let shown = super::grants::admin_permissions_json(&session.grants());
    HttpResponse::Ok().json(json!({ "data": shown }))
}

/// An admin user as Strapi's admin API shows one (never the password hash).
pub(crate) fn user_json(user: &AdminUser, roles: &[Role]) -> Value {
    json!({
        "id": user.id,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "username": null,
        "email": user.email,
        "isActive": user.is_active,
        "blocked": user.blocked,
        "preferedLanguage": null,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
        "roles": roles.iter().map(role_json).collect::<Vec<_>>(),
    })
}

pub(crate) fn role_json(role: &Role) -> Value {
    json!({
        "id": role.id,
        "code": role.code,
        "name": role.name,
        "description": role.description,
    })
}
