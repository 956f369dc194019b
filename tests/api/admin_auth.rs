//! `/admin/init`, `/admin/register-admin`, `/admin/login`, `/admin/logout`, `/admin/users/me`,
//! and how admin routes treat sessions and permissions.

use crate::common::*;
use serde_json::{Value, json};

#[test]
fn init_reports_whether_an_admin_exists() {
    let server = TestServer::start();
    let reply = server.get("/admin/init", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"data": {"hasAdmin": false}}));
    server.register_admin();
    assert_eq!(
        server.get("/admin/init", None).body,
        json!({"data": {"hasAdmin": true}})
    );
}

#[test]
fn register_admin_first_creates_super_admin_with_session() {
    let server = TestServer::start();
    let reply = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": " Ada ", "lastname": "Lovelace", "email": " Ada@Example.COM ", "password": "Str0ng-pass"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let user = &reply.body["data"]["user"];
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["firstname"], "Ada");
    assert_eq!(user["isActive"], true);
    assert_eq!(user["roles"][0]["code"], "strapi-super-admin");
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());
    let token = reply.body["data"]["token"].as_str().unwrap();
    let me = server.get("/admin/users/me", Some(token));
    assert_eq!(me.status, 200);
    assert_eq!(me.body["data"]["email"], "ada@example.com");
}

#[test]
fn register_admin_after_first_is_refused() {
    let server = TestServer::start();
    server.register_admin();
    let reply = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": "Eve", "email": "eve@example.com", "password": "Str0ng-pass"}),
    );
    assert_error(
        &reply,
        400,
        "ApplicationError",
        "You cannot register a new super admin",
    );
    let users = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let listed = server.get("/admin/users", Some(&users));
    assert_eq!(listed.body["data"]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn register_admin_weak_password_lists_each_failure() {
    let server = TestServer::start();
    let reply = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": "Ada", "email": "ada@example.com", "password": "short"}),
    );
    assert_error(&reply, 400, "ValidationError", "3 errors occurred");
    let messages: Vec<&str> = reply.body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "password must be at least 8 characters",
            "password must contain at least one uppercase character",
            "password must contain at least one number",
        ]
    );
    assert_eq!(
        reply.body["error"]["details"]["errors"][0]["path"],
        json!(["password"])
    );
    let one = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": "Ada", "email": "ada@example.com", "password": "alllowercase1"}),
    );
    assert_error(
        &one,
        400,
        "ValidationError",
        "password must contain at least one uppercase character",
    );
    assert_eq!(
        server.get("/admin/init", None).body["data"]["hasAdmin"],
        false
    );
}

#[test]
fn register_admin_bad_fields_are_validation_errors() {
    let server = TestServer::start();
    let missing = server.post("/admin/register-admin", None, &json!({}));
    assert_error(&missing, 400, "ValidationError", "3 errors occurred");
    let bad_email = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": "Ada", "email": "not-an-email", "password": "Str0ng-pass"}),
    );
    assert_error(
        &bad_email,
        400,
        "ValidationError",
        "email must be a valid email",
    );
    let wrong_type = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": ["Ada"], "email": "ada@example.com", "password": "Str0ng-pass"}),
    );
    assert_error(
        &wrong_type,
        400,
        "ValidationError",
        "firstname must be a `string` type",
    );
    let not_object = server.post("/admin/register-admin", None, &json!([1, 2]));
    assert_eq!(not_object.status, 400);
}

#[test]
fn login_returns_token_and_user() {
    let server = TestServer::start();
    server.register_admin();
    let reply = server.post(
        "/admin/login",
        None,
        &json!({"email": "ADMIN@example.com", "password": ADMIN_PASSWORD}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["user"]["email"], ADMIN_EMAIL);
    let token = reply.body["data"]["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(server.get("/admin/users/me", Some(token)).status, 200);
}

#[test]
fn login_wrong_password_or_email_same_answer() {
    let server = TestServer::start();
    server.register_admin();
    let wrong_password = server.post(
        "/admin/login",
        None,
        &json!({"email": ADMIN_EMAIL, "password": "Wrong-Password-1"}),
    );
    assert_error(
        &wrong_password,
        400,
        "ApplicationError",
        "Invalid credentials",
    );
    let wrong_email = server.post(
        "/admin/login",
        None,
        &json!({"email": "nobody@example.com", "password": ADMIN_PASSWORD}),
    );
    assert_error(&wrong_email, 400, "ApplicationError", "Invalid credentials");
    assert_eq!(wrong_password.body, wrong_email.body);
}

#[test]
fn login_five_failures_lock_out_the_pair_for_the_minute() {
    let server = TestServer::start();
    server.register_admin();
    let attempt = |email: &str, password: &str| {
        server.post(
            "/admin/login",
            None,
            &json!({"email": email, "password": password}),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt(ADMIN_EMAIL, "Wrong-Password-1").status, 400);
    }
    let locked = attempt(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_error(
        &locked,
        429,
        "RateLimitError",
        "Too many requests, please try again later.",
    );
    // Strapi 5.54's body exactly (checked on the peer): empty details.
    assert_eq!(locked.body["error"]["details"], json!({}));
    // Another email from the same address is not locked.
    assert_error(
        &attempt("other@example.com", "Wrong-Password-1"),
        400,
        "ApplicationError",
        "Invalid credentials",
    );
}

/// Issue 16.7: concurrent wrong passwords cannot race the throttle: the attempt is counted
/// before its password is checked, so of 30 at once at most five are checked.
#[test]
fn concurrent_wrong_passwords_are_counted_before_they_are_checked() {
    let server = TestServer::start();
    server.register_admin();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..30)
            .map(|_| {
                scope.spawn(|| {
                    server
                        .post(
                            "/admin/login",
                            None,
                            &json!({"email": ADMIN_EMAIL, "password": "Wrong-Password-1"}),
                        )
                        .status
                })
            })
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
}

#[test]
fn logout_invalidates_the_jwt() {
    let server = TestServer::start();
    let token = server.register_admin();
    let other = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let reply = server.post("/admin/logout", Some(&token), &json!({}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"data": {}}));
    let after = server.get("/admin/users/me", Some(&token));
    assert_error(
        &after,
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    // Only that session ended.
    assert_eq!(server.get("/admin/users/me", Some(&other)).status, 200);
}

#[test]
fn users_me_without_credentials_is_401() {
    let server = TestServer::start();
    let token = server.register_admin();
    for header in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer a b")] {
        let headers: Vec<(&str, &str)> = header.map(|h| ("authorization", h)).into_iter().collect();
        let reply = server.raw("GET", "/admin/users/me", &headers, Vec::new());
        assert_error(
            &reply,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
    let lower = format!("bearer {token}");
    let reply = server.raw(
        "GET",
        "/admin/users/me",
        &[("authorization", &lower)],
        Vec::new(),
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn users_me_tampered_jwt_is_401() {
    let server = TestServer::start();
    let token = server.register_admin();
    let (head, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    let reply = server.get("/admin/users/me", Some(&tampered));
    assert_error(
        &reply,
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );

    // Changing the claims (another user id) breaks the signature too.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = claims_of(&token);
    claims["id"] = json!(2);
    let forged = format!("{}.{}.{}", parts[0], encode_part(&claims), parts[2]);
    assert_eq!(server.get("/admin/users/me", Some(&forged)).status, 401);
}

#[test]
fn users_me_alg_none_jwt_is_401() {
    let server = TestServer::start();
    let token = server.register_admin();
    let claims = claims_of(&token);
    let unsigned = format!(
        "{}.{}.",
        encode_part(&json!({"alg": "none", "typ": "JWT"})),
        encode_part(&claims)
    );
    let reply = server.get("/admin/users/me", Some(&unsigned));
    assert_error(
        &reply,
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
}

#[test]
fn users_me_jwt_signed_with_other_secret_is_401() {
    let server = TestServer::start();
    let token = server.register_admin();
    let claims = claims_of(&token);
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret"),
    )
    .unwrap();
    assert_eq!(server.get("/admin/users/me", Some(&foreign)).status, 401);
}

#[test]
fn users_me_expired_session_is_401() {
    let server = TestServer::start_with(&[("ADMIN_JWT_EXPIRES_IN", "1h")]);
    let token = server.register_admin();
    assert_eq!(server.get("/admin/users/me", Some(&token)).status, 200);
    server.clock.advance(chrono::Duration::minutes(61));
    let reply = server.get("/admin/users/me", Some(&token));
    assert_error(
        &reply,
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    // A new sign-in works again.
    let fresh = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(server.get("/admin/users/me", Some(&fresh)).status, 200);
}

#[test]
fn admin_route_without_its_action_is_403() {
    let server = TestServer::start();
    let super_admin = server.register_admin();
    let session = create_admin_with_cli(&server, "editor@example.com", "editor");
    let me = server.get("/admin/users/me", Some(&session));
    assert_eq!(me.body["data"]["roles"][0]["code"], "strapi-editor");
    assert_error(
        &server.get("/admin/users", Some(&session)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    assert_error(
        &server.get("/admin/roles", Some(&session)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    let listed = server.get("/admin/users", Some(&super_admin));
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["data"]["results"].as_array().unwrap().len(), 2);
    let roles = server.get("/admin/roles", Some(&super_admin));
    let codes: Vec<&str> = roles.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["strapi-super-admin", "strapi-editor", "strapi-author"]
    );
}

/// The claims of a JWT this test server signed.
fn claims_of(token: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(JWT_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims
}

/// Strapi's invitation flow, as checked on the 5.54 peer: `POST /admin/users` makes an inactive
/// admin and a registration token, `GET /admin/registration-info` says who it is for, and
/// `POST /admin/register` sets the password and signs them in.
#[test]
fn an_invited_admin_registers_through_their_token() {
    let (server, admin) = start_signed_in(&[]);
    let invite = |body: Value| server.post("/admin/users", Some(&admin), &body);
    let made = invite(
        json!({"firstname": "Ed", "lastname": "Itor", "email": "ED@example.com", "roles": [2]}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let user = &made.body["data"];
    assert_eq!(user["email"], "ed@example.com");
    assert_eq!(user["isActive"], false);
    assert_eq!(user["roles"][0]["code"], "strapi-editor");
    let token = user["registrationToken"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 40);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    let id = user["id"].as_i64().unwrap();
    // Listed, and read by id, without the token.
    let read = server.get(&format!("/admin/users/{id}"), Some(&admin));
    assert_eq!(read.status, 200);
    assert!(read.body["data"].get("registrationToken").is_none());
    assert_error(
        &server.get("/admin/users/99", Some(&admin)),
        404,
        "NotFoundError",
        "User does not exist",
    );

    // Refusals, in Strapi's words.
    assert_error(
        &invite(json!({"firstname": "Ed", "email": "ed@example.com", "roles": [2]})),
        400,
        "ApplicationError",
        "Email already taken",
    );
    assert_error(
        &invite(json!({"firstname": "X", "email": "x@example.com", "roles": []})),
        400,
        "ValidationError",
        "roles field must have at least 1 items",
    );
    assert_error(
        &invite(json!({"firstname": "X", "email": "nope", "roles": [2]})),
        400,
        "ValidationError",
        "email must be a valid email",
    );
    assert_error(
        &invite(json!({"firstname": "X", "email": "x@example.com", "foo": 1})),
        400,
        "ValidationError",
        "this field has unspecified keys: foo",
    );
    // An unknown role is a 400 (Strapi 5.54: a 500 from the database).
    assert_error(
        &invite(json!({"firstname": "X", "email": "x@example.com", "roles": [999]})),
        400,
        "ValidationError",
        "Unknown role: 999",
    );

    // Who the invitation is for; a wrong or missing token is refused.
    let info = server.get(
        &format!("/admin/registration-info?registrationToken={token}"),
        None,
    );
    assert_eq!(
        info.body,
        json!({"data": {"email": "ed@example.com", "firstname": "Ed", "lastname": "Itor"}})
    );
    assert_error(
        &server.get("/admin/registration-info?registrationToken=nope", None),
        400,
        "ValidationError",
        "Invalid registrationToken",
    );
    assert_error(
        &server.get("/admin/registration-info", None),
        400,
        "ValidationError",
        "registrationToken is a required field",
    );
    // Not yet registered: no password signs in.
    assert_ne!(
        server
            .post(
                "/admin/login",
                None,
                &json!({"email": "ed@example.com", "password": ""})
            )
            .status,
        200
    );

    // Registering: Strapi's password rule, under `userInfo`; then signed in, once.
    let register = |password: &str| {
        server.post(
            "/admin/register",
            None,
            &json!({"registrationToken": token, "userInfo": {"firstname": "Ed", "lastname": "Itor", "password": password}}),
        )
    };
    let weak = register("weak");
    assert_error(&weak, 400, "ValidationError", "3 errors occurred");
    let errors = weak.body["error"]["details"]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["path"], json!(["userInfo", "password"]));
    assert_eq!(
        errors[0]["message"],
        "userInfo.password must be at least 8 characters"
    );
    let done = register("Strong-Pass-1");
    assert_eq!(done.status, 200, "{}", done.body);
    let session = done.body["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(done.body["data"]["accessToken"], session.as_str());
    assert_eq!(done.body["data"]["user"]["isActive"], true);
    assert_eq!(
        server.get("/admin/users/me", Some(&session)).body["data"]["email"],
        "ed@example.com"
    );
    assert!(!server.login("ed@example.com", "Strong-Pass-1").is_empty());
    assert_error(
        &register("Strong-Pass-2"),
        400,
        "ValidationError",
        "Invalid registration info",
    );

    // Roles change, never to nothing.
    let changed = server.call(
        "PUT",
        &format!("/admin/users/{id}"),
        Some(&admin),
        Some(&json!({"roles": [3]})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["data"]["roles"][0]["code"], "strapi-author");
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/users/{id}"),
            Some(&admin),
            Some(&json!({"roles": []})),
        ),
        400,
        "ValidationError",
        "roles field must have at least 1 items",
    );
    // The last super admin keeps the role.
    assert_error(
        &server.call(
            "PUT",
            "/admin/users/1",
            Some(&admin),
            Some(&json!({"roles": [2]})),
        ),
        400,
        "ValidationError",
        "You must have at least one user with super admin role.",
    );
}

/// Inviting, or giving roles, never grants beyond the inviter's own.
#[test]
fn roles_given_never_exceed_the_givers() {
    let (server, admin) = start_signed_in(&[]);
    let granted = server.call(
        "PUT",
        "/admin/roles/2/permissions",
        Some(&admin),
        Some(&json!({"permissions": ["admin::users.create", "admin::users.read", "admin::users.update"]})),
    );
    assert_eq!(granted.status, 200, "{}", granted.body);
    let editor = create_admin_with_cli(&server, "editor@example.com", "editor");
    let refused = server.post(
        "/admin/users",
        Some(&editor),
        &json!({"firstname": "Sup", "email": "sup@example.com", "roles": [1]}),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Cannot assign permissions that exceed your own. Exceeding: "),
        "{}",
        refused.body
    );
    let peer = server.post(
        "/admin/users",
        Some(&editor),
        &json!({"firstname": "Pe", "email": "pe@example.com", "roles": [2]}),
    );
    assert_eq!(peer.status, 201, "{}", peer.body);
    let id = peer.body["data"]["id"].as_i64().unwrap();
    let raised = server.call(
        "PUT",
        &format!("/admin/users/{id}"),
        Some(&editor),
        Some(&json!({"roles": [1]})),
    );
    assert_eq!(raised.status, 400, "{}", raised.body);
}
