//! The hosted UI's pages: sign-up, confirmation, password reset, hostile input. (Lockout:
//! `hosted_ui_lockout`; CSRF, enumeration and TOTP: their own modules.)

use crate::*;

const OAUTH: [(&str, &str); 5] = [
    ("response_type", "code"),
    ("client_id", CONF),
    ("redirect_uri", CB),
    ("scope", "openid email profile"),
    ("state", "\"><script>alert(1)</script>"),
];

async fn post(t: &TestPool, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    form.extend_from_slice(fields);
    t.post_form(path, &form).await
}

async fn get(t: &TestPool, path: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut q: Vec<(&str, &str)> = OAUTH.to_vec();
    q.extend_from_slice(extra);
    t.http.get(t.url(path)).query(&q).send().await.unwrap()
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in() {
    let dir = std::env::temp_dir().join(format!("userpool-codes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let codes = dir.join("codes.txt");
    let pool = UserPool::builder()
        .seed(test_seed())
        .password_hash_cost(PasswordHashCost::Testing)
        .codes_file(codes.clone())
        .build()
        .await
        .unwrap();
    let running = pool
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let t = TestPool {
        running,
        http: browser(),
    };

    // The page: labelled inputs with ids, OAuth parameters carried (escaped) in hidden fields.
    let page = get(&t, "/signup", &[]).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for id in ["username", "password", "name"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "label for {id}"
        );
    }
    assert!(!html.contains("<script>alert(1)"), "state is escaped");
    assert!(html.contains("type=\"hidden\" name=\"state\""));

    let name = "<b>Eve</b> O'Hara & co";
    let r = post(
        &t,
        "/signup",
        &[
            ("username", "eve@example.com"),
            ("password", "Str0ng!pass"),
            ("name", name),
        ],
    )
    .await;
    let to = location(&r);
    assert_eq!(to.path(), "/confirmUser");
    assert_eq!(param(&to, "username").as_deref(), Some("eve@example.com"));
    let code = t
        .pool()
        .latest_code("eve@example.com")
        .await
        .expect("a code was sent");
    assert_eq!(code.len(), 6);
    let logged = std::fs::read_to_string(&codes).unwrap();
    assert!(
        logged.contains("eve@example.com") && logged.contains(&code),
        "{logged}"
    );

    // Not confirmed yet: signing in asks for the code again (and sends a new one).
    let r = post(
        &t,
        "/login",
        &[("username", "eve@example.com"), ("password", "Str0ng!pass")],
    )
    .await;
    assert_eq!(location(&r).path(), "/confirmUser");
    let code2 = t.pool().latest_code("eve@example.com").await.unwrap();

    let page = t.http.get(to).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"code\"") && page.contains("value=\"eve@example.com\""));
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "eve@example.com"), ("code", "000000x")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid verification code provided, please try again."));
    if code2 != code {
        // The older code stopped working when a new one was sent.
        let r = post(
            &t,
            "/confirmUser",
            &[("username", "eve@example.com"), ("code", &code)],
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    // The right code: confirmed and signed in, straight to the callback.
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "eve@example.com"), ("code", &code2)],
    )
    .await;
    let cb = location(&r);
    assert!(cb.as_str().starts_with(CB));
    assert_eq!(param(&cb, "state").as_deref(), Some(OAUTH[4].1));
    let code = param(&cb, "code").unwrap();
    let tokens: Value = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["name"], name, "stored as typed, escaped only when shown");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["cognito:username"], id["sub"]);
    assert!(uuid::Uuid::parse_str(id["sub"].as_str().unwrap()).is_ok());
    assert!(id.get("cognito:groups").is_none(), "no groups, no claim");
    // Confirming again: the client hides which users exist, so a confirmed user's answer is a
    // wrong code's, like an unknown user's (`hosted_ui_enumeration` has the revealing client).
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "eve@example.com"), ("code", &code2)],
    )
    .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Invalid verification code provided, please try again."));
    assert!(!html.contains("CONFIRMED"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn sign_up_refusals() {
    let t = spawn_pool().await;
    let cases = [
        (
            "not-an-email",
            "Str0ng!pass",
            "Username should be an email.",
        ),
        (
            "x@example.com",
            "short1!",
            "Password did not conform with policy: Password not long enough",
        ),
        (
            "x@example.com",
            "nouppercase1!",
            "Password must have uppercase characters",
        ),
        (
            "x@example.com",
            "NoSymbols123",
            "Password must have symbol characters",
        ),
        (
            ALICE,
            "Str0ng!pass",
            "An account with the given email already exists.",
        ),
        (
            "ALICE@Example.com",
            "Str0ng!pass",
            "An account with the given email already exists.",
        ),
    ];
    for (email, password, msg) in cases {
        let r = post(
            &t,
            "/signup",
            &[
                ("username", email),
                ("password", password),
                ("name", "<i>x</i>"),
            ],
        )
        .await;
        assert_eq!(r.status(), 200, "{email}");
        let html = r.text().await.unwrap();
        assert!(html.contains(msg), "{email} {password}: {msg}");
        assert!(escaped_in(&html, "<i>x</i>"), "name echoed escaped");
    }
    let r = post(
        &t,
        "/signup",
        &[
            ("username", "y@example.com"),
            ("password", "Str0ng!pass"),
            ("name", &"n".repeat(3000)),
        ],
    )
    .await;
    assert!(r.text().await.unwrap().contains("at most 2048"));
    assert!(
        t.pool().latest_code("x@example.com").await.is_none(),
        "no user was created"
    );
}

#[tokio::test]
async fn concurrent_sign_ups_of_one_email_make_one_user() {
    let t = spawn_pool().await;
    let mut tasks = vec![];
    for i in 0..8 {
        let http = browser();
        let url = t.url("/signup");
        tasks.push(tokio::spawn(async move {
            let mut form: Vec<(&str, String)> =
                OAUTH.iter().map(|(k, v)| (*k, v.to_string())).collect();
            form.push(("username", "race@example.com".into()));
            form.push(("password", format!("Race!pass{i}")));
            let page = http.get(&url).query(&OAUTH).send().await.unwrap();
            form.push(("_csrf", csrf_field(&page.text().await.unwrap())));
            http.post(url).form(&form).send().await.unwrap()
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        let r = task.await.unwrap();
        if r.status() == 302 {
            created += 1;
        } else {
            assert_eq!(r.status(), 200);
            assert!(r
                .text()
                .await
                .unwrap()
                .contains("An account with the given email already exists."));
            refused += 1;
        }
    }
    assert_eq!((created, refused), (1, 7));
    let list = t.pool().list().await.unwrap();
    let users = &list.iter().find(|p| p.id == POOL).unwrap().users;
    assert_eq!(
        users
            .iter()
            .filter(|u| u.email == "race@example.com")
            .count(),
        1
    );
}

#[tokio::test]
async fn forgot_password_resets_it() {
    // A client that tells an expired code apart (the default answers every refused code as a
    // wrong one: `hosted_ui_enumeration`).
    let t = spawn_with(seed_revealing_users(), "sqlite::memory:").await;
    let page = get(&t, "/forgotPassword", &[]).await;
    assert!(page.text().await.unwrap().contains("id=\"username\""));
    // An unknown user sees the same next page, and no code is made.
    let r = post(&t, "/forgotPassword", &[("username", "ghost@example.com")]).await;
    assert_eq!(location(&r).path(), "/confirmForgotPassword");
    assert!(t.pool().latest_code("ghost@example.com").await.is_none());

    let r = post(&t, "/forgotPassword", &[("username", ALICE)]).await;
    let to = location(&r);
    assert_eq!(to.path(), "/confirmForgotPassword");
    let page = t.http.get(to).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"code\"") && page.contains("id=\"password\""));
    let code = t.pool().latest_code(ALICE).await.unwrap();
    let r = post(
        &t,
        "/confirmForgotPassword",
        &[("username", ALICE), ("code", &code), ("password", "weak")],
    )
    .await;
    assert!(r.text().await.unwrap().contains("Password not long enough"));
    let r = post(
        &t,
        "/confirmForgotPassword",
        &[
            ("username", ALICE),
            ("code", "123"),
            ("password", "N3w!password"),
        ],
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid verification code"));
    let r = post(
        &t,
        "/confirmForgotPassword",
        &[
            ("username", ALICE),
            ("code", &code),
            ("password", "N3w!password"),
        ],
    )
    .await;
    let to = location(&r);
    assert_eq!(to.path(), "/login");
    let html = t.http.get(to).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your password has been reset"));
    // The code is single use.
    let r = post(
        &t,
        "/confirmForgotPassword",
        &[
            ("username", ALICE),
            ("code", &code),
            ("password", "An0ther!pass"),
        ],
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid code provided, please request a code again."));

    let params = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
    ];
    let r = t.login_with(&params, ALICE, PASSWORD).await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    t.sign_in(&params, ALICE, "N3w!password").await;
}

#[tokio::test]
async fn resend_code_and_expired_codes() {
    // A client that tells an expired code apart, as above.
    let t = spawn_with(seed_revealing_users(), "sqlite::memory:").await;
    // Bob is seeded unconfirmed.
    let r = get(&t, "/resendcode", &[("username", "bob@example.com")]).await;
    assert_eq!(location(&r).path(), "/confirmUser");
    let code = t.pool().latest_code("bob@example.com").await.unwrap();
    // Confirmation codes last 24 hours.
    t.pool()
        .advance_clock(std::time::Duration::from_secs(24 * 3600 + 1));
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "bob@example.com"), ("code", &code)],
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid code provided, please request a code again."));
    get(&t, "/resendcode", &[("username", "bob@example.com")]).await;
    let code = t.pool().latest_code("bob@example.com").await.unwrap();
    // Five wrong guesses use the code up: even the right one is refused after them.
    for _ in 0..5 {
        post(
            &t,
            "/confirmUser",
            &[("username", "bob@example.com"), ("code", "999999x")],
        )
        .await;
    }
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "bob@example.com"), ("code", &code)],
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Attempt limit exceeded, please try after some time."));
    get(&t, "/resendcode", &[("username", "bob@example.com")]).await;
    let code = t.pool().latest_code("bob@example.com").await.unwrap();
    let r = post(
        &t,
        "/confirmUser",
        &[("username", "bob@example.com"), ("code", &code)],
    )
    .await;
    assert!(location(&r).as_str().starts_with(CB));
}

#[tokio::test]
async fn hostile_forms_get_an_answer_not_a_crash() {
    let t = spawn_pool().await;
    // Repeated fields.
    let r = t
        .http
        .post(t.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=a&username=b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // No OAuth parameters at all: nowhere to send the user but the error page.
    let r = t
        .http
        .post(t.url("/login"))
        .form(&[("username", ALICE), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r).path(), "/error");
    // Oversized body.
    let r = post(
        &t,
        "/login",
        &[("username", ALICE), ("password", &"p".repeat(70 * 1024))],
    )
    .await;
    assert_eq!(r.status(), 413);
    // Oversized password field.
    let r = post(
        &t,
        "/login",
        &[("username", ALICE), ("password", &"p".repeat(1000))],
    )
    .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    // Hidden fields tampered with: a redirect URI that is not registered.
    let r = t
        .http
        .post(t.url("/login"))
        .form(&[
            ("client_id", CONF),
            ("redirect_uri", "https://evil.example.com/"),
            ("response_type", "code"),
            ("username", ALICE),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r).path(), "/error");
    // Pages without a client.
    for path in [
        "/login",
        "/signup",
        "/confirmUser",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/resendcode",
    ] {
        let r = t.http.get(t.url(path)).send().await.unwrap();
        assert_eq!(location(&r).path(), "/error", "{path}");
    }
    // Everything still works.
    t.alice_tokens().await;
}

#[tokio::test]
async fn pages_render_for_a_person() {
    let t = spawn_pool().await;
    for path in [
        "/login",
        "/signup",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/confirmUser",
    ] {
        let r = get(&t, path, &[]).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("Test Pool"), "the pool's name is shown");
        assert!(html.contains("type=\"submit\""));
        assert!(!html.contains("<script"), "{path}: no JavaScript");
        // No page claims a mail was (or will be) sent; the code pages point at the outbox.
        assert!(
            !html.contains("we have sent") && !html.contains("will send"),
            "{path}"
        );
        if path.starts_with("/confirm") {
            assert!(html.contains(r#"<a href="/_outbox">outbox</a>"#), "{path}");
        }
    }
}
