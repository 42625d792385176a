//! Pages that keep what was typed and say where the code is: a refused sign-up keeps the address
//! and the name (never the password), the sign-in page after confirming has the address, and in
//! development (a pool on this machine) the pages that ask for an e-mailed code link its outbox.

use userpool::{MessageKind, MfaSetting};

use crate::support::cognito::{app, code_for, pool, Browser};

#[tokio::test]
async fn a_refused_sign_up_keeps_address_and_name_and_confirming_keeps_the_address() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (email, name, weak) = ("kept@example.com", "Ada Lovelace", "weakpass");
    let (_, loc) = b
        .post(
            "signup",
            "signup",
            &[("username", email), ("name", name), ("password", weak)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signup?error=password"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains(&format!("value=\"{email}\"")), "{page}");
    assert!(page.contains(&format!("value=\"{name}\"")), "{page}");
    assert!(!page.contains(weak), "the password is never shown again");
    assert!(page.contains("The password does not meet the rules"));

    let password = "Strong-enough-1";
    let (_, loc) = b
        .post(
            "signup",
            "signup",
            &[("username", email), ("name", name), ("password", password)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));
    let (_, _, page) = b.get(&loc).await;
    // In development the page says where the code is: the local pool's outbox.
    let outbox = pool.base_url().join("_outbox").unwrap().to_string();
    assert!(page.contains(&format!("href=\"{outbox}\"")), "{page}");
    let code = code_for(&pool, email, MessageKind::Confirm);
    let (_, loc) = b
        .post(
            "confirm",
            "confirm",
            &[("username", email), ("code", &code)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=confirmed"));
    let (_, _, page) = b.get(&loc).await;
    let main_form = page.split("class=\"extra\"").next().unwrap();
    assert!(
        main_form.contains(&format!("value=\"{email}\"")),
        "the sign-in form has the address: {page}"
    );
    assert!(!page.contains("_outbox"), "no code is asked for here");
}

#[tokio::test]
async fn the_reset_page_points_at_the_outbox_and_its_model_has_the_hint() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let b = Browser::new(&app);
    let res = reqwest::Client::new()
        .get(app.at("/api/auth/cognito/reset"))
        .header("accept", "application/json")
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    let model: serde_json::Value = res.json().await.unwrap();
    let outbox = pool.base_url().join("_outbox").unwrap().to_string();
    assert_eq!(model["code_hint"]["href"], outbox.as_str());
    let res = reqwest::Client::new()
        .get(app.at("/api/auth/cognito/signup"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let model: serde_json::Value = res.json().await.unwrap();
    assert!(model["code_hint"].is_null(), "{model}");
}

#[tokio::test]
async fn a_refused_password_keeps_the_address_in_one_email_field() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, _, fresh) = b.get("/api/auth/cognito/signin").await;
    assert_eq!(
        fresh.matches("type=\"email\"").count(),
        2,
        "no address yet: one per form"
    );
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", userpool::DEMO_USER_EMAIL),
                ("password", "Wrong-pass-1!"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?error=refused"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Incorrect email or password."), "{page}");
    assert_eq!(page.matches("type=\"email\"").count(), 1, "{page}");
    let hidden = format!("name=\"username\" value=\"{}\"", userpool::DEMO_USER_EMAIL);
    assert!(
        page.contains(&hidden),
        "the code form carries the address: {page}"
    );
    assert!(page.contains("E-mail me a sign-in code instead"));
}
