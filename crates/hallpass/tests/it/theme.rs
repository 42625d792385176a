//! The built-in pages' brand (`Theme`, `AUTH_THEME_*`): the pages carry it, the CSP follows the
//! logo, and values that could break out of the page are refused at start-up.

use hallpass::{ColorScheme, Config, ConfigBuilder, SessionToken, Theme};

use crate::support::app::{spawn_app_with, TestApp, SECRET};

fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

fn themed(pairs: &[(&str, &str)]) -> ConfigBuilder {
    Config::builder()
        .secret(SECRET)
        .with_vars(vars(pairs))
        .expect("theme variables")
}

/// A signed-in user in no group: the admin guard shows them the 403 page.
fn nobody_cookie(app: &TestApp) -> String {
    let now = hallpass::clock::Clock::now(&app.clock);
    let token = SessionToken {
        sub: Some("sub-nobody".into()),
        name: Some("No Body".into()),
        iat: now,
        exp: now + 3600,
        jti: "j".into(),
        ..Default::default()
    };
    format!(
        "{}={}",
        app.hallpass.session_cookie_name(),
        app.hallpass.encode_session(&token)
    )
}

/// Status, `Content-Security-Policy` and body of every built-in page: sign-in, sign-out, error, 403.
async fn built_in_pages(app: &TestApp) -> Vec<(String, u16, String, String)> {
    let cookie = nobody_cookie(app);
    let mut pages = Vec::new();
    for path in [
        "/api/auth/signin",
        "/api/auth/signout",
        "/api/auth/error?error=Verification",
        "/admin",
    ] {
        let res = app
            .client
            .get(app.at(path))
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        pages.push((path.to_string(), status, csp, res.text().await.unwrap()));
    }
    pages
}

#[tokio::test]
async fn every_built_in_page_carries_the_brand_from_the_environment() {
    let config = themed(&[
        ("AUTH_THEME_NAME", "Acme Books"),
        ("AUTH_THEME_LOGO", "/static/acme.svg"),
        ("AUTH_THEME_BRAND_COLOR", "#0a7f5a"),
        ("AUTH_THEME_BUTTON_TEXT", "#fef"),
        ("AUTH_THEME_COLOR_SCHEME", "dark"),
    ]);
    let app = spawn_app_with(config, Vec::new(), None).await;
    let pages = built_in_pages(&app).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.1).collect();
    assert_eq!(statuses, [200, 200, 403, 403]);
    for (path, _, csp, body) in &pages {
        assert!(body.contains(" · Acme Books</title>"), "{path}: {body}");
        assert!(
            body.contains(r#"<img class="logo" src="/static/acme.svg" alt="Acme Books logo">"#),
            "{path}: {body}"
        );
        assert!(
            body.contains("--accent:#0a7f5a; --button-bg:#0a7f5a;"),
            "{path}: {body}"
        );
        assert!(body.contains("--button-fg:#fef;"), "{path}: {body}");
        assert!(body.contains("color-scheme: dark;"), "{path}: {body}");
        // A same-origin logo: images from this site only.
        assert!(csp.contains("img-src 'self';"), "{path}: {csp}");
    }
    assert!(pages[0].3.contains("<h1>Sign in to Acme Books</h1>"));
}

#[tokio::test]
async fn the_builder_theme_is_escaped_and_an_https_logo_allows_exactly_its_origin() {
    let theme = Theme::new()
        .name("<Acme & Co>")
        .logo("https://cdn.example.com:8443/brand/logo.png?v=2")
        .color_scheme(ColorScheme::Light);
    let config = Config::builder().secret(SECRET).theme(theme);
    let app = spawn_app_with(config, Vec::new(), None).await;
    for (path, _, csp, body) in built_in_pages(&app).await {
        assert!(
            csp.contains("img-src https://cdn.example.com:8443;"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("'self'"), "{path}: {csp}");
        assert!(
            body.contains(r#"src="https://cdn.example.com:8443/brand/logo.png?v=2""#),
            "{path}: {body}"
        );
        assert!(body.contains("&#60;Acme &#38; Co&#62;"), "{path}: {body}");
        assert!(!body.contains("<Acme"), "{path}: {body}");
        assert!(body.contains("color-scheme: light;"), "{path}: {body}");
    }
}

#[tokio::test]
async fn without_a_logo_the_pages_allow_no_image_at_all() {
    let app = spawn_app_with(Config::builder().secret(SECRET), Vec::new(), None).await;
    for (path, _, csp, body) in built_in_pages(&app).await {
        assert!(csp.contains("img-src 'none';"), "{path}: {csp}");
        assert!(!body.contains("<img"), "{path}: {body}");
        assert!(body.contains("color-scheme: light dark;"), "{path}: {body}");
        assert!(
            !body.contains("--button-bg:#"),
            "{path}: no brand colour set"
        );
    }
}

#[test]
fn bad_theme_values_are_refused_at_start_up_with_the_variable_and_the_fix() {
    let cases = [
        ("AUTH_THEME_BRAND_COLOR", "red", "#rrggbb"),
        (
            "AUTH_THEME_BRAND_COLOR",
            "#fff;}body{display:none",
            "#rrggbb",
        ),
        ("AUTH_THEME_BUTTON_TEXT", "#fff</style><script>", "#rrggbb"),
        ("AUTH_THEME_BUTTON_TEXT", "#12345", "#rrggbb"),
        ("AUTH_THEME_LOGO", "javascript:alert(1)", "https://"),
        ("AUTH_THEME_LOGO", "http://cdn.example/logo.png", "https://"),
        (
            "AUTH_THEME_LOGO",
            "//evil.example/logo.png",
            "same-origin path",
        ),
        ("AUTH_THEME_LOGO", "logo.png", "same-origin path"),
        (
            "AUTH_THEME_LOGO",
            "https://user:pw@cdn.example/l.png",
            "https://",
        ),
        ("AUTH_THEME_NAME", "   ", "1 to 60 characters"),
        ("AUTH_THEME_NAME", "Acme\nBooks", "one line"),
    ];
    for (var, value, fix) in cases {
        let e = themed(&[(var, value)]).build().err().unwrap_or_else(|| {
            panic!("{var}={value} was accepted");
        });
        let msg = e.to_string();
        assert!(
            msg.contains(var) && msg.contains(fix),
            "{var}={value}: {msg}"
        );
    }
    let e = Config::builder()
        .with_vars(vars(&[("AUTH_THEME_COLOR_SCHEME", "sepia")]))
        .err()
        .expect("an unknown colour scheme is refused");
    assert!(e.to_string().contains("`auto`, `light` or `dark`"), "{e}");
    // The builder goes through the same checks as the environment.
    let e = Config::builder()
        .secret(SECRET)
        .theme(Theme::new().brand_color("blue"))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("AUTH_THEME_BRAND_COLOR"), "{e}");
}
