//! The tutorial's journey over HTTP: Hallpass's Cognito provider against the local user pool.

use serde_json::Value;

use crate::support::{browser_client, form, get, spawn_site, submit};

#[tokio::test]
async fn sign_in_protected_page_and_federated_sign_out() {
    let site = spawn_site().await;
    let client = browser_client();

    // Signed out: the protected page sends us to the sign-in page, which will bring us back.
    let (url, _, _) = get(&client, &site.at("/protected")).await;
    assert_eq!(url.path(), "/api/auth/signin");
    assert_eq!(url.query(), Some("callbackUrl=%2Fprotected"));

    // Sign In goes straight to the hosted UI.
    let (url, _, home) = get(&client, &site.at("/")).await;
    assert!(home.contains("Example Hallpass sign-in"));
    let sign_in = form(&home, &url, "/api/auth/signin/cognito");
    let (url, status, login) = submit(&client, &sign_in).await;
    assert_eq!(status, 200);
    assert_eq!(
        url.port(),
        Some(site.pool.local_addr().port()),
        "on the pool's hosted UI: {url}"
    );
    assert_eq!(url.path(), "/login");

    // A wrong password shows the pool's error and signs nobody in.
    let login_form = form(&login, &url, "/login");
    let (_, _, page) = submit(
        &client,
        &login_form
            .set("username", userpool::DEMO_USER_EMAIL)
            .set("password", "wrong"),
    )
    .await;
    assert!(page.contains("Incorrect username or password."), "{page}");

    let (_, _, login) = get(&client, url.as_str()).await;
    let login_form = form(&login, &url, "/login")
        .set("username", userpool::DEMO_USER_EMAIL)
        .set("password", userpool::DEMO_USER_PASSWORD);
    let (url, status, page) = submit(&client, &login_form).await;
    assert_eq!(status, 200);
    assert_eq!(
        url.as_str(),
        site.at("/protected"),
        "back on the protected page"
    );
    assert!(page.contains("Protected"));
    assert!(page.contains("Demo User"));

    // The session, with the Cognito groups.
    let session: Value = client
        .get(site.at("/api/auth/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["name"], "Demo User");
    assert_eq!(session["user"]["email"], userpool::DEMO_USER_EMAIL);
    assert_eq!(session["user"]["groups"], serde_json::json!(["admin"]));
    let (_, status, admin) = get(&client, &site.at("/admin")).await;
    assert_eq!(status, 200);
    assert!(admin.contains("Admin"));

    // Home greets by name and offers Sign Out.
    let (url, _, home) = get(&client, &site.at("/")).await;
    assert!(
        home.contains("Welcome, <span class=\"who\">Demo User</span>"),
        "{home}"
    );
    let sign_out = form(&home, &url, "/api/auth/signout");
    let (url, _, page) = submit(&client, &sign_out).await;
    assert_eq!(
        url.as_str(),
        site.at("/"),
        "Cognito's /logout sent us back home"
    );
    assert!(page.contains("Example Hallpass sign-in"));
    let (signin_url, _, _) = get(&client, &site.at("/protected")).await;
    assert_eq!(signin_url.path(), "/api/auth/signin", "signed out again");

    // The hosted-UI session ended too: the next Sign In asks for the password again.
    let sign_in = form(&page, &url, "/api/auth/signin/cognito");
    let (url, _, _) = submit(&client, &sign_in).await;
    assert_eq!(
        url.path(),
        "/login",
        "asked again, not signed straight back in"
    );
}

#[tokio::test]
async fn non_admins_are_refused_the_admin_page() {
    let site = spawn_site().await;
    site.pool
        .pool()
        .add_user(
            userpool::DEMO_POOL_ID,
            userpool::NewUser {
                email: "reader@example.com".into(),
                password: "Reader-Passw0rd!".into(),
                attributes: [("name".to_string(), "Reader".to_string())].into(),
                confirmed: true,
            },
        )
        .await
        .unwrap();
    let client = browser_client();
    let (url, _, home) = get(&client, &site.at("/")).await;
    let (url, _, login) = submit(&client, &form(&home, &url, "/api/auth/signin/cognito")).await;
    let login_form = form(&login, &url, "/login")
        .set("username", "reader@example.com")
        .set("password", "Reader-Passw0rd!");
    let (url, _, _) = submit(&client, &login_form).await;
    assert_eq!(url.as_str(), site.at("/protected"));
    let (_, status, page) = get(&client, &site.at("/admin")).await;
    assert_eq!(status, 403);
    assert!(page.contains("admin"));
}

#[tokio::test]
async fn a_deep_link_survives_sign_in() {
    let site = spawn_site().await;
    let client = browser_client();
    let (url, status, page) = get(&client, &site.at("/admin")).await;
    assert_eq!(status, 200);
    assert_eq!(url.path(), "/api/auth/signin", "signed out: to sign-in");
    let (url, _, login) = submit(&client, &form(&page, &url, "/api/auth/signin/cognito")).await;
    assert_eq!(url.path(), "/login");
    let login_form = form(&login, &url, "/login")
        .set("username", userpool::DEMO_USER_EMAIL)
        .set("password", userpool::DEMO_USER_PASSWORD);
    let (url, status, page) = submit(&client, &login_form).await;
    assert_eq!(
        url.as_str(),
        site.at("/admin"),
        "back on the page asked for"
    );
    assert_eq!(status, 200);
    assert!(page.contains("Admin"));
}

#[tokio::test]
async fn every_unknown_path_gets_the_real_404_page() {
    let site = spawn_site().await;
    let client = browser_client();
    // Top-level, nested, beside a static file, below real pages, encoded, and a file-like name.
    for path in [
        "/no/such/page",
        "/nope",
        "/static/nope.css",
        "/protected/extra",
        "/admin/",
        "/%E2%9C%93",
        "/index.html",
    ] {
        let (_, status, page) = get(&client, &site.at(path)).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            page.contains("<title>Not found · Example Hallpass</title>"),
            "{path}: {page}"
        );
        assert!(page.contains("Page not found"), "{path}: {page}");
        assert!(
            page.contains("href=\"/\""),
            "a way home from {path}: {page}"
        );
    }
}
