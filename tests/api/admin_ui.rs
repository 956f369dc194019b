//! The admin panel in a real browser (headless Debian chromium through chromedriver) against
//! the real server: first-run registration with a validation error beside its field, a custom
//! token made by ticking permissions and used over HTTP, regenerate, delete, log out, sign in,
//! and a 401 sending the user back to the sign-in form. Screenshots go to target/screenshots.

use crate::common::browser::Browser;
use crate::common::*;
use serde_json::{Value, json};

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
    // The home page says what to do next and how to call the API.
    browser.wait_text("main h1", |t| t == "Hello Ada");
    assert_eq!(browser.text("#api-address"), format!("{}/api", server.url));
    browser.screenshot("home");
    browser.click("main a[href='#/tokens/new']");
    browser.wait_text("main h1", |t| t == "Create an API Token");
    browser.click("nav a[href='#/tokens']");
    browser.wait_text("main h1", |t| t == "API Tokens");
    // A fresh install has Strapi's two default tokens.
    browser.find("tr[data-token='Read Only']");
    browser.screenshot("tokens");

    // A custom token that may only list articles.
    browser.click("a[href='#/tokens/new']");
    browser.fill("#f-name", "website");
    browser.fill("#f-description", "the public site");
    browser.click("#f-type option[value=custom]");
    // "all" ticks a content type's every action, and unticks them again.
    browser.click("#p-all-of-article");
    let ticked = "return document.querySelectorAll('input[name=permission]:checked').length;";
    assert_eq!(browser.script(ticked), json!(5));
    browser.click("#p-all-of-article");
    assert_eq!(browser.script(ticked), json!(0));
    browser.click("#p-api--article-article-find");
    browser.screenshot("token-new");
    browser.click("form button[type=submit]");
    let token = browser.wait_text("#new-token", |t| t.starts_with("vct_"));
    let banner = browser.text(".banner");
    assert!(banner.contains("will not be shown again"), "{banner}");
    // How to use it, for a newcomer: the header and the address of the Content API.
    assert!(
        banner.contains("Authorization: Bearer vct_")
            && banner.contains(&format!("{}/api/", server.url)),
        "{banner}"
    );
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

    // Narrow screens show each token as a block, its actions within reach.
    browser.resize(390, 844);
    browser.find("tr[data-token='Read Only']");
    let fits = browser.script(
        "const b = document.querySelector(\"tr[data-token='Read Only'] [data-action=delete]\")\
           .getBoundingClientRect(); return b.right <= window.innerWidth && b.width > 0;",
    );
    assert_eq!(fits, json!(true));
    browser.screenshot("tokens-390");
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
    browser.wait_text("main h1", |t| t == "Hello Ada");

    // A session that stops working (here: forged) returns the user to the sign-in form.
    browser.script("sessionStorage.setItem('vellum.session', 'forged'); location.reload();");
    browser.wait_text("main h1", |t| t == "Sign in");
    browser.screenshot("login");
}

/// The page's title, from the browser.
fn title(browser: &Browser) -> String {
    browser
        .script("return document.title;")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The navigation's visible links, in order, and the one marked as the current page.
fn navigation(browser: &Browser) -> (Vec<String>, String) {
    let shown = browser.script(
        "return [...document.querySelectorAll('#nav a')]\
           .filter((a) => a.offsetParent !== null).map((a) => a.textContent);",
    );
    let links = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    (links, browser.text("#nav a[aria-current=page]"))
}

/// Whether the navigation shows its Settings group.
fn settings_shown(browser: &Browser) -> Value {
    browser.script("return document.getElementById('settings-label').offsetParent !== null;")
}

#[test]
fn each_role_lands_on_its_home_and_sees_its_own_navigation() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    signed_in(&browser, &server, "#/");
    browser.wait_text("main h1", |t| t.starts_with("Hello"));
    assert_eq!(
        title(&browser),
        format!("{} · Vellum admin", browser.text("main h1"))
    );
    let (links, current) = navigation(&browser);
    assert_eq!(
        links,
        [
            "Home",
            "Content Manager",
            "Content-Type Builder",
            "API Tokens",
            "Admin Tokens",
            "Static tokens",
            "Users",
            "Roles",
            "Audit log"
        ]
    );
    assert_eq!(current, "Home");
    assert_eq!(settings_shown(&browser), json!(true));
    // The current page is marked, and the title follows it, on the pages below a link too.
    browser.click("nav a[href='#/admin-tokens']");
    browser.wait_text("main h1", |t| t == "Admin Tokens");
    assert_eq!(navigation(&browser).1, "Admin Tokens");
    assert_eq!(title(&browser), "Admin Tokens · Vellum admin");
    browser.click("a[href='#/admin-tokens/new']");
    browser.wait_text("main h1", |t| t != "Admin Tokens");
    assert_eq!(navigation(&browser).1, "Admin Tokens");
    browser.screenshot("navigation");

    // An Editor and an Author: the content manager and their home, no settings, and a page
    // their role does not open says so (never a sign-in form under "Forbidden").
    for (email, role) in [
        ("editor@example.com", "editor"),
        ("author@example.com", "author"),
    ] {
        let session = create_admin_with_cli(&server, email, role);
        browser.script(&format!(
            "sessionStorage.setItem('vellum.session', '{session}'); location.hash = '#/'; location.reload();"
        ));
        browser.wait_text("main h1", |t| t.starts_with("Hello"));
        let (links, current) = navigation(&browser);
        assert_eq!(links, ["Home", "Content Manager"], "{role}");
        assert_eq!(current, "Home");
        assert_eq!(settings_shown(&browser), json!(false), "{role}");
        let home = browser.text("main");
        assert!(home.contains("Write content"), "{role}: {home}");
        assert!(!home.contains("Create an API token"), "{role}: {home}");
        assert_eq!(browser.text("#who"), email);
        browser.screenshot(&format!("home-{role}"));
        browser.script("location.hash = '#/tokens';");
        browser.wait_text("main h1", |t| t == "No access");
        assert_eq!(
            browser.script("return document.querySelectorAll('#f-password').length;"),
            json!(0)
        );
        assert_eq!(
            browser.script("return document.getElementById('notice').hidden;"),
            json!(true)
        );
        browser.click("nav a[href='#/content']");
        browser.wait_text("main h1", |t| t == "Article");
        assert_eq!(navigation(&browser).1, "Content Manager");
    }
}

#[test]
fn admin_tokens_and_the_audit_log_in_the_panel() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    signed_in(&browser, &server, "#/tokens");
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
    // Its permissions, grouped by what they act on, are editable after creation.
    browser.click("tr[data-token='user report'] a[data-action=edit]");
    browser.wait_text("main h1", |t| t.contains("user report"));
    assert!(browser.text("fieldset.permissions").contains("roles"));
    browser.click("#p-admin--roles-read");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "Admin Tokens");
    assert_eq!(server.get("/admin/roles", Some(&token)).status, 200);

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

/// Opens the panel signed in as a new super admin (the session put where the panel keeps it).
fn signed_in(browser: &Browser, server: &TestServer, hash: &str) {
    let session = server.register_admin();
    browser.goto(&format!("{}/admin", server.url));
    browser.script(&format!(
        "sessionStorage.setItem('vellum.session', '{session}'); location.hash = '{hash}'; location.reload();"
    ));
}

#[test]
fn the_content_manager_creates_edits_publishes_and_deletes_an_article() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let types = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", types.path().to_str().unwrap())]);
    signed_in(&browser, &server, "#/content");
    browser.wait_text("main h1", |t| t == "Article");
    browser.find("#no-entries");
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let reader = server.token(&admin, "read-only", &[]);

    // A required field left empty: a draft may lack it, as in Strapi 5; publishing may not.
    browser.click("a[href='#/content/api::article.article/new']");
    browser.wait_text("main h1", |t| t == "New Article");
    browser.fill("#f-body", "Written in the panel");
    browser.fill("#f-views", "7");
    browser.click("#save");
    browser.wait_text("main h1", |t| t.contains("Draft"));
    let id = browser.text("#document-id");
    let api = format!("/api/articles/{id}");
    assert_eq!(server.get(&api, Some(&reader)).status, 404);
    browser.click("#publish");
    let error = browser.wait_text("[data-error-for=title]", |t| !t.is_empty());
    assert!(error.contains("title"), "{error}");
    browser.screenshot("content-validation");
    assert_eq!(server.get(&api, Some(&reader)).status, 404);

    // Publish saves what the form holds and publishes it, in one step.
    browser.fill("#f-title", "Hello from the panel");
    browser.click("#publish");
    browser.wait_text("main h1", |t| t.contains("Published"));
    // The heading names the entry by its title, as Strapi's main field.
    assert!(browser.text("main h1").starts_with("Hello from the panel"));
    let served = server.get(&api, Some(&reader));
    assert_eq!(served.status, 200);
    assert_eq!(served.body["data"]["title"], "Hello from the panel");
    assert_eq!(served.body["data"]["views"], 7);
    browser.screenshot("content-edit");

    // Edited: the draft is modified, the API keeps the published version until republished.
    server.clock.advance(chrono::Duration::seconds(1));
    browser.fill("#f-title", "Edited in the panel");
    browser.click("#save");
    browser.wait_text("main h1", |t| t.contains("Modified"));
    assert_eq!(
        server.get(&api, Some(&reader)).body["data"]["title"],
        "Hello from the panel"
    );
    browser.click("#publish");
    browser.wait_text("main h1", |t| t.contains("Published"));
    assert_eq!(
        server.get(&api, Some(&reader)).body["data"]["title"],
        "Edited in the panel"
    );
    // What was typed since the last save is published too, never dropped.
    server.clock.advance(chrono::Duration::seconds(1));
    browser.fill("#f-title", "Typed, then published");
    browser.click("#publish");
    browser.wait_text("#notice", |t| t.contains("Published."));
    assert_eq!(
        server.get(&api, Some(&reader)).body["data"]["title"],
        "Typed, then published"
    );

    // The list: sort by a column, search, pages.
    for title in ["Another one", "Zebra crossing"] {
        let reply = server.post(
            "/admin/content-manager/collection-types/api::article.article",
            Some(&admin),
            &json!({"title": title}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    browser.click("a[href='#/content/api::article.article']");
    browser.find(&format!("tr[data-document='{id}'] [data-status=published]"));
    browser.click("button[data-sort=title]");
    browser.wait_text("tbody tr:first-child th", |t| t == "Another one");
    browser.click("button[data-sort=title]");
    browser.wait_text("tbody tr:first-child th", |t| t == "Zebra crossing");
    browser.fill("#f-q", "TYPED");
    browser.click("form.filters button[type=submit]");
    browser.wait_text("#page-info", |t| t.contains("(1 entries)"));
    browser.screenshot("content-list");
    // The list's state is in the address: a reload shows the same list.
    let address = browser.script("return location.hash;");
    assert_eq!(
        address,
        json!("#/content/api::article.article?sort=title%3Adesc&q=TYPED")
    );
    browser.script("location.reload()");
    browser.wait_text("#page-info", |t| t.contains("(1 entries)"));
    assert_eq!(
        browser.script("return document.querySelector('#f-q').value;"),
        json!("TYPED")
    );
    browser.resize(360, 740);
    browser.find(&format!("tr[data-document='{id}']"));
    browser.screenshot("content-list-360");
    browser.resize(1280, 900);

    // Unpublish, then delete (confirmed).
    browser.click(&format!("tr[data-document='{id}'] th a"));
    browser.click("#unpublish");
    browser.wait_text("main h1", |t| t.contains("Draft"));
    assert_eq!(server.get(&api, Some(&reader)).status, 404);
    // Leaving a form with unsaved edits asks first; staying keeps what was typed.
    browser.fill("#f-title", "Not saved yet");
    browser.click("a[href='#/content/api::article.article']");
    let asked = browser.wait_text("#confirm-text", |t| !t.is_empty());
    assert!(asked.contains("not saved"), "{asked}");
    browser.screenshot("content-unsaved");
    browser.click("#confirm button[value=cancel]");
    browser.wait_gone("dialog[open]");
    assert_eq!(
        browser.script("return document.querySelector('#f-title').value;"),
        json!("Not saved yet")
    );
    assert!(browser.text("main h1").contains("Draft"));
    browser.click("#delete-entry");
    browser.click("#confirm-ok");
    browser.wait_text("main h1", |t| t == "Article");
    browser.wait_gone(&format!("tr[data-document='{id}']"));
    // The notice of the deletion stays on the list it led to.
    assert_eq!(browser.wait_text("#notice", |t| !t.is_empty()), "Deleted.");
    let listed = server.get(
        "/admin/content-manager/collection-types/api::article.article",
        Some(&admin),
    );
    assert_eq!(listed.body["pagination"]["total"], 2);

    // A form for every attribute type, with a client-side error for bad JSON.
    browser.click("a[href='#/content/api::gadget.gadget']");
    browser.click("a[href='#/content/api::gadget.gadget/new']");
    browser.fill("#f-name", "Lamp");
    browser.click("#f-kind option[value=gizmo]");
    browser.fill("#f-count", "3");
    browser.fill("#f-weight", "1.25");
    browser.click("#f-active");
    // A date input's keystrokes follow the browser's locale: its value is set directly.
    browser.script("document.querySelector('#f-madeOn').value = '2026-01-31'");
    browser.fill("#f-specs", "{not json");
    browser.click("#save");
    let error = browser.wait_text("[data-error-for=specs]", |t| !t.is_empty());
    assert!(error.contains("JSON"), "{error}");
    browser.fill("#f-specs", r#"{"watts": 40}"#);
    browser.click("#save");
    let gadget = browser.text("#document-id");
    let stored = server.get(&format!("/api/gadgets/{gadget}"), Some(&reader));
    assert_eq!(stored.status, 200, "{}", stored.body);
    let data = &stored.body["data"];
    assert_eq!(data["name"], "Lamp");
    assert_eq!(data["kind"], "gizmo");
    assert_eq!(data["count"], 3);
    assert_eq!(data["weight"], 1.25);
    assert_eq!(data["active"], true);
    assert_eq!(data["madeOn"], "2026-01-31");
    assert_eq!(data["specs"], json!({"watts": 40}));
    assert_eq!(data["contact"], Value::Null);
    browser.screenshot("content-gadget");

    // A single type: one form, no list.
    browser.click("a[href='#/content/api::homepage.homepage']");
    browser.wait_text("main h1", |t| t == "New Homepage");
    browser.fill("#f-headline", "Welcome");
    browser.click("#save");
    browser.wait_text("#notice", |t| t.contains("Saved"));
    assert_eq!(
        server.get("/api/homepage", Some(&reader)).body["data"]["headline"],
        "Welcome"
    );
}

#[test]
fn tokens_are_edited_shown_and_static_ones_listed() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    std::fs::write(
        &file,
        json!([{"subject": "ci-deploy", "token": "a-long-random-secret", "restrictions": ["api::article.article.find"]}])
            .to_string(),
    )
    .unwrap();
    let server = TestServer::start_with(&[
        ("ACCESS_TOKENS_FILE", file.to_str().unwrap()),
        ("ENCRYPTION_KEY", &random_hex(32)),
    ]);
    signed_in(&browser, &server, "#/tokens");
    browser.wait_text("main h1", |t| t == "API Tokens");
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let created = server.create_token(&admin, json!({"name": "site", "type": "read-only"}));
    let secret = created["accessKey"].as_str().unwrap().to_string();
    assert_eq!(server.get("/api/articles", Some(&secret)).status, 200);

    // Edit: a read-only token becomes a custom one that may only create.
    browser.script("location.reload()");
    browser.click("tr[data-token='site'] a[data-action=edit]");
    browser.wait_text("main h1", |t| t.contains("site"));
    browser.fill("#f-description", "now writes");
    browser.click("#f-type option[value=custom]");
    browser.click("#p-api--article-article-create");
    browser.screenshot("token-edit");
    browser.click("#save, form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");
    assert!(browser.text("tr[data-token='site']").contains("now writes"));
    assert_eq!(server.get("/api/articles", Some(&secret)).status, 403);
    let written = server.post(
        "/api/articles",
        Some(&secret),
        &json!({"data": {"title": "t"}}),
    );
    assert_eq!(written.status, 201, "{}", written.body);

    // Viewable tokens (ENCRYPTION_KEY is set) can be shown again.
    browser.click("tr[data-token='site'] a[data-action=edit]");
    browser.click("#show-token");
    assert_eq!(browser.wait_text("#new-token", |t| !t.is_empty()), secret);

    // A name already taken: said beside the field, which is marked and focused.
    browser.script("location.hash = '#/tokens/new';");
    browser.wait_text("main h1", |t| t == "Create an API Token");
    browser.fill("#f-name", "site");
    browser.click("form button[type=submit]");
    let beside = browser.wait_text("[data-error-for=name]", |t| !t.is_empty());
    assert_eq!(beside, "Name already taken");
    assert_eq!(
        browser.script("return document.querySelector('#f-name').getAttribute('aria-invalid');"),
        json!("true")
    );
    assert_eq!(
        browser.script("return document.activeElement.id;"),
        json!("f-name")
    );
    browser.screenshot("token-name-taken");

    // Limits and expiry, set on the edit page; revoking ends the token. (Leaving the form
    // typed in asks first.)
    browser.script("location.hash = '#/tokens';");
    browser.click("#confirm-ok");
    browser.wait_text("main h1", |t| t == "API Tokens");
    browser.click("tr[data-token='site'] a[data-action=edit]");
    browser.wait_text("main h1", |t| t.contains("site"));
    browser.fill("#f-allowedIps", "10.0.0.0/8");
    browser.fill("#f-rateLimit", "60");
    browser.click("#f-expiry option[value=date]");
    browser.script("document.querySelector('#f-expiresOn').value = '2099-01-31'");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");
    let row = browser.text("tr[data-token='site']");
    assert!(
        row.contains("from 10.0.0.0/8") && row.contains("60 a minute"),
        "{row}"
    );
    assert!(row.contains("2099"), "{row}");
    // The tests' requests come from 127.0.0.1, outside the range.
    assert_eq!(
        server
            .post(
                "/api/articles",
                Some(&secret),
                &json!({"data": {"title": "u"}})
            )
            .status,
        403
    );
    browser.click("tr[data-token='site'] a[data-action=edit]");
    browser.wait_text("main h1", |t| t.contains("site"));
    browser.fill("#f-allowedIps", "");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "API Tokens");
    assert_eq!(
        server
            .post(
                "/api/articles",
                Some(&secret),
                &json!({"data": {"title": "v"}})
            )
            .status,
        201
    );
    browser.click("tr[data-token='site'] a[data-action=edit]");
    browser.click("#revoke");
    browser.click("#confirm-ok");
    browser.wait_text("#notice", |t| t.contains("Revoked"));
    browser.find("tr[data-token='site'].expired");
    // No secret to regenerate for an expired token.
    browser.wait_gone("tr[data-token='site'] button[data-action=regenerate]");
    assert_eq!(server.get("/api/articles", Some(&secret)).status, 401);

    // Regenerating with a grace period keeps the old secret working for it.
    let kept = server.create_token(&admin, json!({"name": "rotating", "type": "read-only"}));
    let old = kept["accessKey"].as_str().unwrap().to_string();
    browser.script("location.reload()");
    browser.click("tr[data-token='rotating'] button[data-action=regenerate]");
    browser.click("#f-grace option[value='3600']");
    browser.click("#confirm-ok");
    let new = browser.wait_text("#new-token", |t| t.starts_with("vct_"));
    assert_eq!(server.get("/api/articles", Some(&old)).status, 200);
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);
    // The list says until when the old secret works, and ends that at once on request.
    let row = browser.text("tr[data-token='rotating']");
    assert!(row.contains("previous secret until"), "{row}");
    browser.click("tr[data-token='rotating'] button[data-action=end-grace]");
    browser.click("#confirm-ok");
    browser.wait_text("#notice", |t| t.contains("refused now"));
    browser.wait_gone("tr[data-token='rotating'] button[data-action=end-grace]");
    // At once: the change clears the server's verified cache.
    assert_eq!(server.get("/api/articles", Some(&old)).status, 401);
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);

    // Static tokens: listed with their restrictions, not editable.
    browser.click("nav a[href='#/static-tokens']");
    browser.wait_text("main h1", |t| t == "Static tokens");
    assert!(browser.text("main").contains("ACCESS_TOKENS_FILE"));
    let row = browser.text("tr[data-token='ci-deploy']");
    assert!(row.contains("configuration"), "{row}");
    assert!(
        row.contains("restricted to api::article.article.find"),
        "{row}"
    );
    browser.wait_gone("tr[data-token='site']");
    browser.wait_gone("tr[data-token='ci-deploy'] a[data-action=edit]");
    browser.screenshot("static-tokens");
}

#[test]
fn users_and_roles_are_managed_in_the_panel_never_beyond_ones_own() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    signed_in(&browser, &server, "#/users");
    browser.wait_text("main h1", |t| t == "Users");
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let editor = create_admin_with_cli(&server, "editor@example.com", "editor");
    browser.script("location.reload()");
    let row = browser.wait_text("tr[data-user='editor@example.com']", |t| {
        t.contains("Editor")
    });
    assert!(row.contains("Active"), "{row}");
    browser.screenshot("users");

    // Deactivated, the editor's session is refused; activated, it is not (sign in again).
    browser.click("tr[data-user='editor@example.com'] button[data-action=toggle]");
    browser.wait_text("tr[data-user='editor@example.com']", |t| {
        t.contains("inactive")
    });
    assert_eq!(server.get("/admin/users/me", Some(&editor)).status, 401);
    browser.click("tr[data-user='editor@example.com'] button[data-action=toggle]");
    browser.wait_text("tr[data-user='editor@example.com']", |t| {
        t.contains("Active")
    });
    let editor = server.login("editor@example.com", "Other-Admin-Pass-1");
    assert_eq!(server.get("/admin/users/me", Some(&editor)).status, 200);

    // The Editor role's grid: ticking an action gives it to the role's admins.
    assert_eq!(server.get("/admin/api-tokens", Some(&editor)).status, 403);
    browser.click("nav a[href='#/roles']");
    browser.wait_text("main h1", |t| t == "Roles");
    browser.click("li[data-role='strapi-editor'] a");
    browser.wait_text("main h1", |t| t == "Editor");
    browser.click("#p-admin--api-tokens-read");
    browser.click("#p-admin--roles-read");
    browser.click("#p-admin--roles-update");
    browser.click("form button[type=submit]");
    browser.wait_text("#notice", |t| t.contains("Saved"));
    browser.screenshot("role-editor");
    assert_eq!(server.get("/admin/api-tokens", Some(&editor)).status, 200);

    // Signed in as that editor: the Author role offers only what the editor holds; the rest is
    // shown, marked, and cannot be ticked.
    browser.script(&format!(
        "sessionStorage.setItem('vellum.session', '{editor}'); location.hash = '#/roles'; location.reload();"
    ));
    browser.wait_text("main h1", |t| t == "Roles");
    browser.click("li[data-role='strapi-author'] a");
    browser.wait_text("main h1", |t| t == "Author");
    let beyond = browser.script(
        "const box = document.querySelector('#p-admin--users-read'); \
         return [box.disabled, box.closest('label').textContent];",
    );
    assert_eq!(beyond[0], json!(true));
    assert!(
        beyond[1].as_str().unwrap().contains("beyond your own"),
        "{beyond}"
    );
    // The Author's own-entries condition is shown, and kept through a save.
    assert!(browser.text("main").contains("own entries only"));
    browser.click("#p-admin--api-tokens-read");
    browser.click("form button[type=submit]");
    browser.wait_text("#notice", |t| t.contains("Saved"));
    let author = server.get("/admin/roles/3/permissions", Some(&admin));
    let read = author.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == "plugin::content-manager.explorer.read")
        .cloned()
        .unwrap();
    assert_eq!(
        read["conditions"],
        json!(["admin::is-creator"]),
        "{}",
        author.body
    );
    browser.screenshot("role-author");
}

#[test]
fn the_graphql_playground_runs_a_query_with_a_token() {
    // Off: Apollo's answer, as Strapi 5.54 gives it: its cross-site guard (400), and past it
    // (a preflight header), a GET query, which Vellum does not run (405).
    let off = TestServer::start_with(&[("GRAPHQL_PLAYGROUND", "false")]);
    let guarded = off.get("/graphql", None);
    assert_eq!(guarded.status, 400);
    assert_eq!(
        guarded.body["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
    let message = guarded.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either"),
        "{message}"
    );
    let refused = off.raw(
        "GET",
        "/graphql",
        &[("apollo-require-preflight", "true")],
        Vec::new(),
    );
    assert_eq!(refused.status, 405);
    assert_eq!(refused.headers["allow"], "POST");
    assert_eq!(refused.body["error"]["name"], "MethodNotAllowedError");
    let Some(browser) = Browser::start() else {
        return;
    };
    // On (the development default): a page under the panel's policy.
    let server = TestServer::start();
    let page = server.get("/graphql", None);
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let admin = server.register_admin();
    let token = server.token(&admin, "full-access", &[]);
    let made = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": "Seen in the playground"}}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    browser.goto(&format!("{}/graphql", server.url));
    browser.wait_text("main h1", |t| t == "GraphQL playground");
    browser.fill("#f-token", &token);
    browser.fill(
        "#f-query",
        "query($n: Int) { articles(pagination: {limit: $n}) { title } }",
    );
    browser.fill("#f-variables", "{\"n\": 5}");
    browser.click("#run");
    let answer = browser.wait_text("#answer", |t| t.starts_with("200"));
    assert!(answer.contains("Seen in the playground"), "{answer}");
    browser.screenshot("graphql-playground");
    // Bad variables are said beside their field, nothing sent.
    browser.fill("#f-variables", "{nope");
    browser.click("#run");
    assert_eq!(
        browser.wait_text("#f-variables-error", |t| !t.is_empty()),
        "The variables are not valid JSON."
    );
}

#[test]
fn an_admin_is_invited_and_registers_in_the_panel() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = TestServer::start();
    signed_in(&browser, &server, "#/users");
    browser.wait_text("main h1", |t| t == "Users");
    browser.fill("#f-firstname", "Ed");
    browser.fill("#f-email", "ed@example.com");
    browser.click("#r-2");
    browser.click("#invite button[type=submit]");
    let link = browser.wait_text("#invite-link", |t| t.contains("registrationToken="));
    assert!(
        link.starts_with(&format!(
            "{}/admin#/register?registrationToken=",
            server.url
        )),
        "{link}"
    );
    let row = browser.text("tr[data-user='ed@example.com']");
    assert!(row.contains("inactive") && row.contains("Editor"), "{row}");
    browser.screenshot("users-invited");

    // Roles are changed in a dialog.
    browser.click("tr[data-user='ed@example.com'] button[data-action=roles]");
    browser.click("#dr-2");
    browser.click("#dr-3");
    browser.click("#confirm-ok");
    browser.wait_text("tr[data-user='ed@example.com']", |t| t.contains("Author"));

    // The invited admin opens the link, signed out: a weak password is refused beside the
    // field; a strong one signs them in, at home, with their role's navigation.
    browser.click("#logout");
    browser.wait_text("main h1", |t| t == "Sign in");
    browser.goto(&link);
    browser.wait_text("main h1", |t| t == "Welcome to Vellum");
    assert!(browser.text("main").contains("ed@example.com"));
    assert_eq!(
        browser.script("return document.querySelector('#f-firstname').value;"),
        json!("Ed")
    );
    browser.fill("#f-password", "weak");
    browser.click("form button[type=submit]");
    let error = browser.wait_text("[data-error-for=password]", |t| !t.is_empty());
    assert!(error.contains("at least 8 characters"), "{error}");
    browser.fill("#f-password", "Strong-Pass-1");
    browser.click("form button[type=submit]");
    browser.wait_text("main h1", |t| t == "Hello Ed");
    assert_eq!(browser.text("#who"), "ed@example.com");
    assert!(!server.login("ed@example.com", "Strong-Pass-1").is_empty());
    // The link works once.
    browser.click("#logout");
    browser.wait_text("main h1", |t| t == "Sign in");
    browser.goto(&link);
    browser.wait_text("main", |t| t.contains("Invalid registrationToken"));
}

#[test]
fn the_builder_creates_a_type_that_the_api_then_serves() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let types = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", types.path().to_str().unwrap())]);
    signed_in(&browser, &server, "#/builder/new");
    browser.wait_text("main h1", |t| t == "New content type");
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let token = server.token(&admin, "full-access", &[]);
    browser.fill("#f-displayName", "Recipe");
    assert_eq!(
        browser.script("return document.querySelector('#f-pluralName').value;"),
        json!("recipes")
    );
    let row = |n: usize, option: &str| {
        format!("#attributes fieldset:nth-of-type({n}) [data-option={option}]")
    };
    browser.click("#add-attribute");
    browser.fill(&row(1, "name"), "title");
    browser.click(&row(1, "required"));
    browser.click("#add-attribute");
    browser.fill(&row(2, "name"), "course");
    browser.click(&format!("{} option[value=enumeration]", row(2, "type")));
    browser.fill(&row(2, "enum"), "starter, main");
    browser.click("#add-attribute");
    // A reserved name: the API's refusal is shown beside its attribute.
    browser.fill(&row(3, "name"), "id");
    browser.click(&format!("{} option[value=integer]", row(3, "type")));
    browser.click("#builder button[type=submit]");
    let error = browser.wait_text("[data-error-for=attr-id]", |t| !t.is_empty());
    assert!(!error.is_empty());
    browser.screenshot("builder-error");
    browser.fill(&row(3, "name"), "servings");
    browser.fill(&row(3, "min"), "1");
    // Reordered: servings before course.
    browser.click("#attributes fieldset:nth-of-type(3) [data-move=up]");
    browser.click("#builder button[type=submit]");
    browser.wait_text("#notice", |t| t.contains("the API serves it now"));
    browser.screenshot("builder");

    let made = server.post(
        "/api/recipes",
        Some(&token),
        &json!({"data": {"title": "Soup", "servings": 4, "course": "starter"}}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let keys: Vec<String> = server.get("/admin/content-types", Some(&admin)).body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["uid"] == "api::recipe.recipe")
        .unwrap()["schema"]["attributes"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["title", "servings", "course"]);
    assert_eq!(
        server
            .post(
                "/api/recipes",
                Some(&token),
                &json!({"data": {"servings": 0}})
            )
            .status,
        400
    );

    // Changed later: a new attribute, served at once.
    browser.click("#add-attribute");
    browser.fill(&row(4, "name"), "vegan");
    browser.click(&format!("{} option[value=boolean]", row(4, "type")));
    browser.click("#builder button[type=submit]");
    browser.wait_text("#notice", |t| t.contains("the API serves it now"));
    let vegan = server.post(
        "/api/recipes",
        Some(&token),
        &json!({"data": {"title": "Salad", "vegan": true}}),
    );
    assert_eq!(vegan.status, 201, "{}", vegan.body);
    assert_eq!(vegan.body["data"]["vegan"], true);
}

#[test]
fn the_content_manager_picks_orders_and_removes_related_entries() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let types = fixture("relations");
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", types.as_str())]);
    signed_in(&browser, &server, "#/content/api::article.article/new");
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let token = server.token(&admin, "full-access", &[]);
    let create = |path: &str, data: Value| -> String {
        let reply = server.post(path, Some(&token), &json!({ "data": data }));
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["data"]["documentId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ada = create("/api/authors", json!({"name": "Ada"}));
    let [x, y, z] = ["x", "y", "z"].map(|n| create("/api/categories", json!({"name": n})));
    browser.wait_text("main h1", |t| t == "New Article");
    browser.fill("#f-title", "Picked in the panel");
    browser.fill("#f-author-search", "Ad");
    browser.click(&format!("#f-author-results [data-pick='{ada}']"));
    browser.wait_text("#f-author-list", |t| t.contains("Ada"));
    for (name, id) in [("x", &x), ("y", &y), ("z", &z)] {
        browser.fill("#f-categories-search", name);
        browser.click(&format!("#f-categories-results [data-pick='{id}']"));
        browser.find(&format!("#f-categories-list [data-document-id='{id}']"));
    }
    browser.click("#f-categories-list button[aria-label='Move z up']");
    browser.click("#f-categories-list button[aria-label='Remove y']");
    browser.wait_gone(&format!("#f-categories-list [data-document-id='{y}']"));
    browser.screenshot("content-relations");
    browser.click("#save");
    browser.wait_text("main h1", |t| t.contains("Draft"));
    let id = browser.text("#document-id");
    let saved = server.get(
        &format!("/api/articles/{id}?status=draft&populate=author,categories"),
        Some(&token),
    );
    assert_eq!(
        saved.body["data"]["author"]["name"], "Ada",
        "{}",
        saved.body
    );
    let names: Vec<&str> = saved.body["data"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x", "z"]);
    // The form shows what is saved, in its order, after a reload.
    browser.script("location.reload();");
    browser.wait_text("#f-categories-list", |t| {
        t.find('x').zip(t.find('z')).is_some_and(|(a, b)| a < b) && !t.contains('y')
    });
    // A single relation replaced, then cleared.
    browser.click("#f-author-list button[aria-label='Remove Ada']");
    browser.click("#save");
    browser.wait_text("#notice", |t| t.contains("Saved"));
    let saved = server.get(
        &format!("/api/articles/{id}?status=draft&populate=author"),
        Some(&token),
    );
    assert_eq!(saved.body["data"]["author"], Value::Null);
}
