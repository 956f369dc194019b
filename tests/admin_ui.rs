//! The admin panel in a real browser (headless Debian chromium through chromedriver) against
//! the real server: first-run registration with a validation error beside its field, a custom
//! token made by ticking permissions and used over HTTP, regenerate, delete, log out, sign in,
//! and a 401 sending the user back to the sign-in form. Screenshots go to target/screenshots.

mod common;

use common::browser::Browser;
use common::*;
use serde_json::json;

#[test]
fn the_panel_is_served_embedded_with_a_strict_policy() {
    let server = TestServer::start();
    let page = server.get("/admin", None);
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap_or_default();
    assert!(html.contains("/admin/assets/app.js"), "{html}");
    assert!(!html.contains("<script>"), "no inline script");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    for (path, kind) in [
        ("/admin/assets/app.js", "text/javascript"),
        ("/admin/assets/api.js", "text/javascript"),
        ("/admin/assets/style.css", "text/css"),
    ] {
        let asset = server.get(path, None);
        assert_eq!(asset.status, 200, "{path}");
        let content_type = asset.headers["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
    }
    assert_eq!(server.get("/admin/assets/nope.js", None).status, 404);
    assert_eq!(
        server.get("/admin/assets/..%2FCargo.toml", None).status,
        404
    );
}

#[test]
fn an_admin_registers_makes_a_custom_token_uses_regenerates_and_deletes_it() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    browser.goto(&format!("{}/admin", server.url));

    // First run: the registration form, with the password rule shown beside the field.
    assert!(browser.text("#f-password-hint").contains("upper-case"));
    browser.fill("#f-firstname", "Ada");
    browser.fill("#f-email", "ada@example.com");
    browser.fill("#f-password", "weak");
    browser.screenshot("register");
    browser.click("form button[type=submit]");
    let error = browser.wait_text("[data-error-for=password]", |t| !t.is_empty());
    assert!(error.contains("at least 8 characters"), "{error}");
    browser.fill("#f-password", "Strong-Pass-1");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");
    // A fresh install has Strapi's two default tokens.
    browser.find("tr[data-token='Read Only']");
    browser.screenshot("tokens");

    // A custom token that may only list articles.
    browser.click("a[href='#/tokens/new']");
    browser.fill("#f-name", "website");
    browser.fill("#f-description", "the public site");
    browser.click("#f-type option[value=custom]");
    browser.click("#p-api--article-article-find");
    browser.screenshot("token-new");
    browser.click("form button[type=submit]");
    let token = browser.wait_text("#new-token", |t| t.starts_with("vct_"));
    assert!(browser.text(".banner").contains("will not be shown again"));
    browser.find("tr[data-token='website']");
    browser.screenshot("token-created");
    assert_eq!(server.get("/api/articles", Some(&token)).status, 200);
    let refused = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": "x"}}),
    );
    assert_eq!(refused.status, 403);

    // Regenerate, confirmed in the dialog: the old token stops working.
    browser.click("tr[data-token='website'] button[data-action=regenerate]");
    browser.find("dialog[open]");
    browser.screenshot("token-regenerate");
    browser.click("#confirm-ok");
    let fresh = browser.wait_text("#new-token", |t| t.starts_with("vct_") && t != token);
    assert_eq!(server.get("/api/articles", Some(&token)).status, 401);
    assert_eq!(server.get("/api/articles", Some(&fresh)).status, 200);

    // Delete, confirmed: the token is gone from the table and refused.
    browser.click("tr[data-token='website'] button[data-action=delete]");
    browser.click("#confirm-ok");
    browser.wait_gone("tr[data-token='website']");
    assert_eq!(server.get("/api/articles", Some(&fresh)).status, 401);

    // Narrow screens still show the table (it scrolls within its box).
    browser.resize(360, 740);
    browser.find("tr[data-token='Read Only']");
    browser.screenshot("tokens-360");
    browser.resize(1280, 900);

    // Log out, sign in again.
    browser.click("#logout");
    browser.wait_text("main h1", |t| t == "Sign in");
    browser.fill("#f-email", "ada@example.com");
    browser.fill("#f-password", "Wrong-Pass-1");
    browser.click("form button[type=submit]");
    browser.wait_text("#notice", |t| t.contains("Invalid credentials"));
    browser.fill("#f-password", "Strong-Pass-1");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");

    // A session that stops working (here: forged) returns the user to the sign-in form.
    browser.script("sessionStorage.setItem('vellum.session', 'forged'); location.reload();");
    browser.wait_text("main h1", |t| t == "Sign in");
    browser.screenshot("login");
}

#[test]
fn admin_tokens_and_the_audit_log_in_the_panel() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    browser.goto(&format!("{}/admin", server.url));
    browser.fill("#f-firstname", "Ada");
    browser.fill("#f-email", "ada@example.com");
    browser.fill("#f-password", "Strong-Pass-1");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");

    // An admin token that may only read users, made by ticking one of the admin's permissions.
    browser.click("nav a[href='#/admin-tokens']");
    browser.wait_text("main h1", |t| t == "Admin Tokens");
    browser.click("a[href='#/admin-tokens/new']");
    browser.fill("#f-name", "user report");
    browser.click("#p-admin--users-read");
    browser.screenshot("admin-token-new");
    browser.click("form button[type=submit]");
    let token = browser.wait_text("#new-token", |t| t.starts_with("vat_"));
    browser.find("tr[data-token='user report']");
    assert!(
        browser
            .text("tr[data-token='user report']")
            .contains("admin::users.read")
    );
    browser.screenshot("admin-tokens");
    assert_eq!(server.get("/admin/users", Some(&token)).status, 200);
    assert_eq!(server.get("/admin/roles", Some(&token)).status, 403);
    assert_eq!(server.get("/api/articles", Some(&token)).status, 401);

    // The audit log shows the creation and the refusal, and filters by event.
    browser.click("nav a[href='#/audit']");
    browser.wait_text("main h1", |t| t == "Audit log");
    browser.find("tr[data-event='token.created']");
    browser.find("tr[data-event='token.denied']");
    browser.click("#f-type option[value='token.denied']");
    browser.click("form.filters button[type=submit]");
    browser.wait_gone("tr[data-event='token.created']");
    let denied = browser.text("tr[data-event='token.denied']");
    assert!(denied.contains("127.0.0.1"), "{denied}");
    browser.screenshot("audit");
}
