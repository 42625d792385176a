//! A credentials provider: the form posted to `{base}/callback/{id}`, checked by the provider,
//! signs in exactly like a redirect provider's callback.

use hallpass::provider::{
    CredentialField, Credentials, CredentialsError, Profile, Provider, SignIn,
};
use hallpass::Config;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::flow::{csrf, session_value, set_cookies};
use crate::support::app::{spawn_app_with, TestApp, SECRET};

fn password_provider() -> Provider {
    Provider::credentials(
        Credentials::new("password", "Password", |form, _now| {
            let ok = form.get("username") == Some("ada")
                && bool::from(
                    form.get("password")
                        .unwrap_or("")
                        .as_bytes()
                        .ct_eq(b"correct horse"),
                );
            async move {
                if !ok {
                    return Err(CredentialsError::Invalid);
                }
                Ok(SignIn {
                    profile: Profile::new("user-ada")
                        .with_name("Ada Lovelace")
                        .with_groups(["admin"]),
                    tokens: None,
                })
            }
        })
        .field(CredentialField::new("username", "Username", "text"))
        .field(CredentialField::new("password", "Password", "password")),
    )
}

async fn app() -> TestApp {
    spawn_app_with(
        Config::builder().secret(SECRET),
        vec![password_provider()],
        None,
    )
    .await
}

async fn post(app: &TestApp, fields: &[(&str, &str)], with_csrf: bool) -> reqwest::Response {
    let (cookie, token) = csrf(app).await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    if with_csrf {
        form.push(("csrfToken", &token));
    }
    form.push(("callbackUrl", "/admin"));
    app.client
        .post(app.at("/api/auth/callback/password"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_credentials_form_signs_in_and_lands_on_the_callback_url() {
    let app = app().await;
    let providers: Value = app
        .client
        .get(app.at("/api/auth/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(providers["password"]["type"], "credentials");
    let page = app
        .client
        .get(app.at("/api/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"action="http://127.0.0.1"#)
            && page.contains("/api/auth/callback/password")
            && page.contains(r#"name="password" type="password""#),
        "{page}"
    );

    let res = post(
        &app,
        &[("username", "ada"), ("password", "correct horse")],
        true,
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], app.at("/admin").as_str());
    let value = session_value(&app, res.headers()).expect("a session");
    let res = app
        .client
        .get(app.at("/admin"))
        .header(
            "cookie",
            format!("{}={value}", app.hallpass.session_cookie_name()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Admin for Ada Lovelace");
}

#[tokio::test]
async fn wrong_credentials_and_missing_csrf_go_back_to_the_form_without_a_session() {
    let app = app().await;
    let res = post(&app, &[("username", "ada"), ("password", "wrong")], true).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        app.at("/api/auth/signin?error=CredentialsSignin").as_str()
    );
    assert!(session_value(&app, res.headers()).is_none());
    let page = app
        .client
        .get(res.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Check the details you provided are correct."),
        "{page}"
    );

    let res = post(
        &app,
        &[("username", "ada"), ("password", "correct horse")],
        false,
    )
    .await;
    assert_eq!(
        res.headers()["location"],
        app.at("/api/auth/signin?csrf=true").as_str()
    );
    assert!(
        set_cookies(res.headers()).is_empty(),
        "nothing set without CSRF"
    );

    // A credentials provider has no redirect sign-in.
    let (cookie, token) = csrf(&app).await;
    let res = app
        .client
        .post(app.at("/api/auth/signin/password"))
        .header("cookie", cookie)
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("/api/auth/error?error="), "{location}");
}
