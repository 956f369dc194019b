//! Admin tokens (`vat_`) over real HTTP: CRUD in Strapi's shapes, the owner's ceiling, the
//! visibility matrix, use on `/admin` as the owner within the token's permissions, owner
//! deactivation and deletion, and the separation from content tokens both ways.

use crate::common::{TestServer, assert_error, create_admin_with_cli, start_signed_in};
use serde_json::{Value, json};

const ENCRYPTION_KEY: &str = "admin-token-test-encryption-key-32b";

fn start() -> (TestServer, String) {
    start_signed_in(&[("ENCRYPTION_KEY", ENCRYPTION_KEY)])
}

/// Creates an admin token with these actions; returns its `data`.
fn admin_token(server: &TestServer, session: &str, name: &str, actions: &[&str]) -> Value {
    let reply = server.post(
        "/admin/admin-tokens",
        Some(session),
        &json!({"name": name, "adminPermissions": actions}),
    );
    assert_eq!(reply.status, 201, "create admin token: {}", reply.body);
    reply.body["data"].clone()
}

fn secret(data: &Value) -> String {
    data["accessKey"].as_str().unwrap().to_string()
}

/// Gives the Editor role (id 2) exactly these actions.
fn grant_editor(server: &TestServer, admin: &str, actions: &[&str]) {
    let reply = server.call(
        "PUT",
        "/admin/roles/2/permissions",
        Some(admin),
        Some(&json!({"permissions": actions})),
    );
    assert_eq!(reply.status, 200, "set role permissions: {}", reply.body);
}

#[test]
fn create_admin_token_has_strapi_shape() {
    let (server, admin) = start();
    let data = admin_token(
        &server,
        &admin,
        "ci",
        &["admin::api-tokens.read", "admin::users.read"],
    );
    let key = secret(&data);
    assert!(key.starts_with("vat_"), "{key}");
    assert_eq!(data["kind"], "admin");
    assert_eq!(data["adminUserOwner"], 1);
    assert!(data.get("type").is_none() && data.get("permissions").is_none());
    assert_eq!(
        data["adminPermissions"],
        json!([
            {"action": "admin::api-tokens.read", "subject": null, "properties": {}, "conditions": []},
            {"action": "admin::users.read", "subject": null, "properties": {}, "conditions": []},
        ])
    );
    // Permission objects in Strapi's shape are accepted too.
    let objects = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "objects", "adminPermissions": [{"action": "admin::roles.read", "subject": null}]}),
    );
    assert_eq!(objects.status, 201, "{}", objects.body);
    assert_eq!(
        objects.body["data"]["adminPermissions"][0]["action"],
        "admin::roles.read"
    );
    // Lists: admin tokens only on their own route, content tokens only on theirs.
    let listed = server.get("/admin/admin-tokens", Some(&admin));
    let names: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ci", "objects"]);
    assert!(
        listed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("accessKey").is_none())
    );
    let content = server.get("/admin/api-tokens", Some(&admin));
    assert!(
        content.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["kind"] == "content-api"),
        "{}",
        content.body
    );
    // The owner sees the key again (viewable tokens are on).
    let id = data["id"].as_i64().unwrap();
    let shown = server.get(&format!("/admin/admin-tokens/{id}"), Some(&admin));
    assert_eq!(shown.body["data"]["accessKey"], key.as_str());
    // Update and delete.
    let updated = server.call(
        "PUT",
        &format!("/admin/admin-tokens/{id}"),
        Some(&admin),
        Some(&json!({"name": "ci-renamed", "adminPermissions": ["admin::users.read"]})),
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"]["name"], "ci-renamed");
    assert_eq!(
        updated.body["data"]["adminPermissions"],
        json!([{"action": "admin::users.read", "subject": null, "properties": {}, "conditions": []}])
    );
    let deleted = server.call(
        "DELETE",
        &format!("/admin/admin-tokens/{id}"),
        Some(&admin),
        None,
    );
    assert_eq!(deleted.body["data"]["id"], id);
    assert_error(
        &server.get("/admin/users/me", Some(&key)),
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
}

#[test]
fn create_admin_token_refusals() {
    let (server, admin) = start();
    let create = |body: Value| server.post("/admin/admin-tokens", Some(&admin), &body);
    assert_error(
        &create(json!({"name": "t", "type": "read-only"})),
        400,
        "BadRequestError",
        "Type is not allowed for admin tokens",
    );
    assert_error(
        &create(json!({"name": "t", "permissions": []})),
        400,
        "BadRequestError",
        "Permissions are not allowed for admin tokens",
    );
    assert_error(
        &create(json!({"name": "t", "adminPermissions": ["admin::nope.read"]})),
        400,
        "ValidationError",
        "Unknown admin action: admin::nope.read",
    );
    assert_error(
        &create(json!({"name": "t", "adminUserOwner": 7})),
        400,
        "ValidationError",
        "adminUserOwner must be the admin creating the token",
    );
    let bad = create(json!({"name": "t", "adminPermissions": "admin::users.read"}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad = create(json!({"name": "", "adminPermissions": [3]}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    admin_token(&server, &admin, "taken", &[]);
    assert_error(
        &create(json!({"name": "taken"})),
        400,
        "ApplicationError",
        "Name already taken",
    );
    let id = admin_token(&server, &admin, "owned", &[])["id"].clone();
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/admin-tokens/{id}"),
            Some(&admin),
            Some(&json!({"adminUserOwner": 2})),
        ),
        400,
        "ValidationError",
        "adminUserOwner cannot be changed on update",
    );
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/admin-tokens/{id}"),
            Some(&admin),
            Some(&json!({"type": "full-access"})),
        ),
        400,
        "BadRequestError",
        "Type is not allowed for admin tokens",
    );
}

#[test]
fn admin_token_acts_as_its_owner_within_its_permissions() {
    let (server, admin) = start();
    let token = secret(&admin_token(
        &server,
        &admin,
        "reader",
        &[
            "admin::api-tokens.read",
            "admin::api-tokens.create",
            "admin::api-tokens.regenerate",
            "admin::admin-tokens.create",
        ],
    ));
    let me = server.get("/admin/users/me", Some(&token));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["data"]["email"], crate::common::ADMIN_EMAIL);
    assert_eq!(server.get("/admin/api-tokens", Some(&token)).status, 200);
    // The owner may read users; the token was not given that.
    assert_eq!(server.get("/admin/users", Some(&admin)).status, 200);
    assert_error(
        &server.get("/admin/users", Some(&token)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    // No token creates, regenerates or views tokens, whatever it was given.
    let message = "Tokens cannot create, regenerate or view tokens: sign in to the admin panel";
    assert_error(
        &server.post(
            "/admin/api-tokens",
            Some(&token),
            &json!({"name": "from a token"}),
        ),
        403,
        "ForbiddenError",
        message,
    );
    assert_error(
        &server.post(
            "/admin/admin-tokens",
            Some(&token),
            &json!({"name": "from a token"}),
        ),
        403,
        "ForbiddenError",
        message,
    );
    let content = server.create_token(&admin, json!({"name": "content", "type": "read-only"}));
    let content_id = content["id"].as_i64().unwrap();
    assert_error(
        &server.post(
            &format!("/admin/api-tokens/{content_id}/regenerate"),
            Some(&token),
            &json!({}),
        ),
        403,
        "ForbiddenError",
        message,
    );
    let viewed = server.get(&format!("/admin/api-tokens/{content_id}"), Some(&token));
    assert_eq!(viewed.status, 200, "{}", viewed.body);
    assert!(viewed.body["data"].get("accessKey").is_none());
    let by_session = server.get(&format!("/admin/api-tokens/{content_id}"), Some(&admin));
    assert_eq!(by_session.body["data"]["accessKey"], content["accessKey"]);
    // An admin token has no session to end.
    assert_eq!(
        server
            .post("/admin/logout", Some(&token), &json!({}))
            .status,
        403
    );
}

#[test]
fn kinds_are_separated_both_ways() {
    let (server, admin) = start();
    let admin_data = admin_token(&server, &admin, "admin kind", &["admin::api-tokens.read"]);
    let admin_key = secret(&admin_data);
    let content = server.create_token(&admin, json!({"name": "content", "type": "full-access"}));
    let content_key = content["accessKey"].as_str().unwrap();
    let unauthorized = |reply: &crate::common::Reply| {
        assert_error(
            reply,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        )
    };
    // An admin token on /api, by Bearer and by Basic.
    unauthorized(&server.get("/api/articles", Some(&admin_key)));
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{admin_key}", admin_data["id"]));
    unauthorized(&server.raw(
        "GET",
        "/api/articles",
        &[("authorization", &format!("Basic {basic}"))],
        Vec::new(),
    ));
    // A content token on /admin.
    unauthorized(&server.get("/admin/api-tokens", Some(content_key)));
    unauthorized(&server.get("/admin/users/me", Some(content_key)));
    // Each kind's routes never reach the other's tokens.
    let admin_id = admin_data["id"].as_i64().unwrap();
    let content_id = content["id"].as_i64().unwrap();
    for (method, path) in [
        ("GET", format!("/admin/api-tokens/{admin_id}")),
        ("PUT", format!("/admin/api-tokens/{admin_id}")),
        ("POST", format!("/admin/api-tokens/{admin_id}/regenerate")),
        ("POST", format!("/admin/api-tokens/{admin_id}/revoke")),
        ("GET", format!("/admin/admin-tokens/{content_id}")),
        ("PUT", format!("/admin/admin-tokens/{content_id}")),
        (
            "POST",
            format!("/admin/admin-tokens/{content_id}/regenerate"),
        ),
        (
            "GET",
            format!("/admin/admin-tokens/{content_id}/owner-permissions"),
        ),
    ] {
        let reply = server.call(method, &path, Some(&admin), Some(&json!({"name": "x"})));
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
    }
    for path in [
        format!("/admin/api-tokens/{admin_id}"),
        format!("/admin/admin-tokens/{content_id}"),
    ] {
        let reply = server.call("DELETE", &path, Some(&admin), None);
        assert_eq!(reply.body, json!({"data": null}), "{path}");
    }
    // Both still work where they belong.
    assert_eq!(
        server.get("/admin/api-tokens", Some(&admin_key)).status,
        200
    );
    assert_eq!(server.get("/api/articles", Some(content_key)).status, 200);
}

#[test]
fn permissions_never_exceed_the_owners() {
    let (server, admin) = start();
    grant_editor(
        &server,
        &admin,
        &[
            "admin::admin-tokens.create",
            "admin::admin-tokens.read",
            "admin::api-tokens.read",
        ],
    );
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    assert_error(
        &server.post(
            "/admin/admin-tokens",
            Some(&editor),
            &json!({"name": "too much", "adminPermissions": ["admin::api-tokens.read", "admin::users.read", "admin::roles.update"]}),
        ),
        400,
        "ValidationError",
        "Cannot assign admin permissions that exceed your own. Exceeding: admin::roles.update, admin::users.read",
    );
    let token = secret(&admin_token(
        &server,
        &editor,
        "within",
        &["admin::api-tokens.read"],
    ));
    assert_eq!(server.get("/admin/api-tokens", Some(&token)).status, 200);
    // A super admin may edit the editor's token, but not past the owner's rights.
    let id = server.get("/admin/admin-tokens", Some(&editor)).body["data"][0]["id"].clone();
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/admin-tokens/{id}"),
            Some(&admin),
            Some(&json!({"adminPermissions": ["admin::users.read"]})),
        ),
        400,
        "ValidationError",
        "Cannot assign admin permissions that exceed your own. Exceeding: admin::users.read",
    );
    // When the owner's role loses the action, the token loses it on its next request.
    grant_editor(
        &server,
        &admin,
        &["admin::admin-tokens.create", "admin::admin-tokens.read"],
    );
    assert_error(
        &server.get("/admin/api-tokens", Some(&token)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    // The Super Admin role cannot be narrowed.
    assert_error(
        &server.call(
            "PUT",
            "/admin/roles/1/permissions",
            Some(&admin),
            Some(&json!({"permissions": []})),
        ),
        400,
        "ApplicationError",
        "Super admin permissions can't be edited.",
    );
}

#[test]
fn visibility_follows_strapi() {
    let (server, owner) = start();
    let other_super = create_admin_with_cli(&server, "root2@example.com", "super-admin");
    grant_editor(
        &server,
        &owner,
        &[
            "admin::admin-tokens.create",
            "admin::admin-tokens.read",
            "admin::admin-tokens.update",
            "admin::admin-tokens.delete",
            "admin::admin-tokens.regenerate",
        ],
    );
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    let data = admin_token(&server, &owner, "owned", &["admin::users.read"]);
    let id = data["id"].as_i64().unwrap();
    let key = secret(&data);
    let editors = admin_token(&server, &editor, "editors", &[]);
    let path = format!("/admin/admin-tokens/{id}");

    // GET: owner with the key, another super admin without, anyone else 404.
    assert_eq!(
        server.get(&path, Some(&owner)).body["data"]["accessKey"],
        key.as_str()
    );
    let seen = server.get(&path, Some(&other_super));
    assert_eq!(seen.status, 200);
    assert!(seen.body["data"].get("accessKey").is_none());
    assert_error(
        &server.get(&path, Some(&editor)),
        404,
        "NotFoundError",
        "API Token not found",
    );
    // Lists: super admins see all, others their own.
    let names = |session: &str| -> Vec<String> {
        server.get("/admin/admin-tokens", Some(session)).body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&other_super), ["editors", "owned"]);
    assert_eq!(names(&editor), ["editors"]);
    // PUT, DELETE, owner-permissions: owner or super admin, else 403.
    let rename = json!({"description": "changed"});
    assert_eq!(
        server
            .call("PUT", &path, Some(&editor), Some(&rename))
            .status,
        403
    );
    assert_eq!(
        server
            .call("PUT", &path, Some(&other_super), Some(&rename))
            .status,
        200
    );
    assert_eq!(
        server.call("DELETE", &path, Some(&editor), None).status,
        403
    );
    let owner_permissions = format!("{path}/owner-permissions");
    assert_eq!(server.get(&owner_permissions, Some(&editor)).status, 403);
    let held = server.get(&owner_permissions, Some(&owner));
    assert_eq!(held.status, 200);
    assert!(
        held.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["action"] == "admin::audit-logs.read")
    );
    // Regenerate: the owner only, even against another super admin.
    let regenerate = format!("{path}/regenerate");
    assert_error(
        &server.post(&regenerate, Some(&other_super), &json!({})),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    let renewed = server.post(&regenerate, Some(&owner), &json!({}));
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    let fresh = renewed.body["data"]["accessKey"].as_str().unwrap();
    assert!(fresh.starts_with("vat_"));
    assert_eq!(renewed.body["data"]["kind"], "admin");
    assert_eq!(server.get("/admin/users", Some(&key)).status, 401);
    assert_eq!(server.get("/admin/users", Some(fresh)).status, 200);
    // The editor's own token: the editor may delete it.
    let editors_path = format!("/admin/admin-tokens/{}", editors["id"]);
    assert_eq!(
        server
            .call("DELETE", &editors_path, Some(&editor), None)
            .status,
        200
    );
}

#[test]
fn owner_deactivated_or_deleted_makes_the_token_401() {
    let (server, admin) = start();
    grant_editor(
        &server,
        &admin,
        &["admin::admin-tokens.create", "admin::api-tokens.read"],
    );
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    let token = secret(&admin_token(
        &server,
        &editor,
        "editor's",
        &["admin::api-tokens.read"],
    ));
    assert_eq!(server.get("/admin/api-tokens", Some(&token)).status, 200);
    let set_active = |active: bool| {
        server.call(
            "PUT",
            "/admin/users/2",
            Some(&admin),
            Some(&json!({"isActive": active})),
        )
    };
    assert_eq!(set_active(false).status, 200);
    assert_error(
        &server.get("/admin/api-tokens", Some(&token)),
        401,
        "UnauthorizedError",
        "Token owner is deactivated",
    );
    assert_eq!(server.get("/admin/users/me", Some(&editor)).status, 401);
    assert_eq!(set_active(true).status, 200);
    assert_eq!(server.get("/admin/api-tokens", Some(&token)).status, 200);
    // Deleting the owner deletes their admin tokens.
    let deleted = server.call("DELETE", "/admin/users/2", Some(&admin), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_error(
        &server.get("/admin/api-tokens", Some(&token)),
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    assert_eq!(
        server.get("/admin/admin-tokens", Some(&admin)).body["data"],
        json!([])
    );
    // Each token's deletion is in the audit log, by the admin who deleted the owner.
    let logged = server.get(
        "/admin/audit-logs?type=token.deleted&pageSize=100",
        Some(&admin),
    );
    let events = logged.body["data"]["results"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", logged.body);
    assert_eq!(events[0]["actor"], "admin:1", "{}", logged.body);
    assert_eq!(events[0]["details"]["kind"], "admin", "{}", logged.body);
    // The last active super admin can be neither deactivated nor deleted.
    assert_error(
        &server.call(
            "PUT",
            "/admin/users/1",
            Some(&admin),
            Some(&json!({"isActive": false})),
        ),
        400,
        "ApplicationError",
        "You must have at least one active super admin",
    );
    assert_eq!(
        server
            .call("DELETE", "/admin/users/1", Some(&admin), None)
            .status,
        400
    );
    assert_eq!(
        server
            .call("DELETE", "/admin/users/99", Some(&admin), None)
            .status,
        404
    );
}

#[test]
fn admin_token_expiry_and_limits() {
    let (server, admin) = start();
    let expiring = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "week", "lifespan": 604800000, "adminPermissions": ["admin::users.read"]}),
    );
    let expiring = secret(&expiring.body["data"]);
    let fenced = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "fenced", "allowedIps": ["203.0.113.0/24"], "adminPermissions": ["admin::users.read"]}),
    );
    assert_eq!(fenced.body["data"]["allowedIps"], json!(["203.0.113.0/24"]));
    let fenced = secret(&fenced.body["data"]);
    let limited = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "limited", "rateLimit": 2, "adminPermissions": ["admin::users.read"]}),
    );
    let limited = secret(&limited.body["data"]);

    assert_eq!(server.get("/admin/users", Some(&expiring)).status, 200);
    assert_error(
        &server.get("/admin/users", Some(&fenced)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    assert_eq!(server.get("/admin/users", Some(&limited)).status, 200);
    assert_eq!(server.get("/admin/users", Some(&limited)).status, 200);
    let refused = server.get("/admin/users", Some(&limited));
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.headers.get("retry-after").is_some());
    server.clock.advance(chrono::Duration::days(8));
    assert_error(
        &server.get("/admin/users", Some(&expiring)),
        401,
        "UnauthorizedError",
        "Token expired",
    );
    // A malformed admin token costs no lookup and says nothing.
    assert_error(
        &server.get("/admin/users", Some("vat_short")),
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
}

/// Issue 16.2: a token holding only `admin-tokens.update` cannot raise its own rights, lift its
/// own limits or extend its own life; nor can it give another token more than it holds itself.
#[test]
fn a_token_never_changes_itself_nor_grants_beyond_its_own() {
    let (server, admin) = start();
    let data = admin_token(
        &server,
        &admin,
        "narrow",
        &["admin::admin-tokens.update", "admin::admin-tokens.read"],
    );
    let (id, token) = (data["id"].clone(), secret(&data));
    let limited = server.call(
        "PUT",
        &format!("/admin/admin-tokens/{id}"),
        Some(&admin),
        Some(&json!({"allowedIps": ["127.0.0.1"], "rateLimit": 100})),
    );
    assert_eq!(limited.status, 200, "{}", limited.body);
    let escalation = json!({
        "adminPermissions": ["admin::admin-tokens.update", "admin::users.read", "admin::roles.update"],
        "allowedIps": null,
        "rateLimit": null,
        "expiresAt": "2099-01-01T00:00:00.000Z"
    });
    for body in [
        escalation.clone(),
        json!({"allowedIps": null}),
        json!({"name": "renamed"}),
    ] {
        assert_error(
            &server.call(
                "PUT",
                &format!("/admin/admin-tokens/{id}"),
                Some(&token),
                Some(&body),
            ),
            403,
            "ForbiddenError",
            "A token cannot change itself",
        );
    }
    let now = server.get(&format!("/admin/admin-tokens/{id}"), Some(&admin));
    assert_eq!(
        now.body["data"]["adminPermissions"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        now.body
    );
    assert_eq!(now.body["data"]["allowedIps"], json!(["127.0.0.1"]));
    assert_eq!(now.body["data"]["expiresAt"], Value::Null);
    // Another token of the same owner: only within what the acting token holds.
    let other = admin_token(&server, &admin, "other", &["admin::users.read"]);
    let other_id = other["id"].clone();
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/admin-tokens/{other_id}"),
            Some(&token),
            Some(&json!({"adminPermissions": ["admin::users.read", "admin::roles.update"]})),
        ),
        400,
        "ValidationError",
        "Cannot assign admin permissions that exceed your own. Exceeding: admin::roles.update, admin::users.read",
    );
    let within = server.call(
        "PUT",
        &format!("/admin/admin-tokens/{other_id}"),
        Some(&token),
        Some(&json!({"adminPermissions": ["admin::admin-tokens.read"]})),
    );
    assert_eq!(within.status, 200, "{}", within.body);
}

/// Issue 16.4: a role change never grants what the changer does not hold: an Editor given
/// `roles.update` cannot add `api-tokens.create` to their own role, nor to another.
#[test]
fn role_changes_never_grant_beyond_the_changers_own() {
    let (server, admin) = start();
    grant_editor(
        &server,
        &admin,
        &["admin::roles.update", "admin::roles.read"],
    );
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    for role in [2, 3] {
        assert_error(
            &server.call(
                "PUT",
                &format!("/admin/roles/{role}/permissions"),
                Some(&editor),
                Some(&json!({"permissions": ["admin::roles.update", "admin::roles.read", "admin::api-tokens.create"]})),
            ),
            400,
            "ValidationError",
            "Cannot assign permissions that exceed your own. Exceeding: admin::api-tokens.create",
        );
    }
    assert_error(
        &server.post(
            "/admin/api-tokens",
            Some(&editor),
            &json!({"name": "mine", "type": "full-access"}),
        ),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    // Taking an action away, or keeping what the role already grants, is no grant.
    let narrowed = server.call(
        "PUT",
        "/admin/roles/2/permissions",
        Some(&editor),
        Some(&json!({"permissions": ["admin::roles.update"]})),
    );
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    let author = server.call(
        "PUT",
        "/admin/roles/3/permissions",
        Some(&editor),
        Some(&json!({"permissions": [
            "admin::content-types.read",
            {"action": "plugin::content-manager.explorer.read", "conditions": ["admin::is-creator"]}
        ]})),
    );
    assert_eq!(author.status, 200, "{}", author.body);
    // Read back as Strapi's permission objects, the condition with them.
    let read = server.get("/admin/roles/3/permissions", Some(&admin));
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        read.body["data"],
        json!([
            {"action": "admin::content-types.read", "subject": null, "properties": {}, "conditions": []},
            {"action": "plugin::content-manager.explorer.read", "subject": null, "properties": {},
             "conditions": ["admin::is-creator"]}
        ])
    );
    assert_eq!(
        server
            .get("/admin/roles/99/permissions", Some(&admin))
            .status,
        404
    );
    // Without its condition, the Author's read would be a grant the Editor no longer holds.
    assert_error(
        &server.call(
            "PUT",
            "/admin/roles/3/permissions",
            Some(&editor),
            Some(&json!({"permissions": ["plugin::content-manager.explorer.read"]})),
        ),
        400,
        "ValidationError",
        "Cannot assign permissions that exceed your own. Exceeding: plugin::content-manager.explorer.read",
    );
}

/// Issue 16.4, a sibling: only a super admin turns a super admin off or on, or deletes one; an
/// Editor given `users.update` and `users.delete` manages the other admins only.
#[test]
fn only_a_super_admin_changes_a_super_admin() {
    let (server, admin) = start();
    grant_editor(
        &server,
        &admin,
        &[
            "admin::users.read",
            "admin::users.update",
            "admin::users.delete",
        ],
    );
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    create_admin_with_cli(&server, "author@example.com", "author");
    let users = server.get("/admin/users", Some(&admin)).body["data"]["results"].clone();
    let id_of = |email: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .clone()
    };
    let (root, author) = (
        id_of(crate::common::ADMIN_EMAIL),
        id_of("author@example.com"),
    );
    for (method, body) in [("PUT", Some(json!({"isActive": false}))), ("DELETE", None)] {
        assert_error(
            &server.call(
                method,
                &format!("/admin/users/{root}"),
                Some(&editor),
                body.as_ref(),
            ),
            403,
            "ForbiddenError",
            "Only a super admin can change or delete a super admin",
        );
    }
    assert_eq!(server.get("/admin/users/me", Some(&admin)).status, 200);
    let off = server.call(
        "PUT",
        &format!("/admin/users/{author}"),
        Some(&editor),
        Some(&json!({"isActive": false})),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    let gone = server.call(
        "DELETE",
        &format!("/admin/users/{author}"),
        Some(&editor),
        None,
    );
    assert_eq!(gone.status, 200, "{}", gone.body);
}
