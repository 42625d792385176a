//! Passkeys on the form's pages (issue 30), over HTTP against the local pool: the script's JSON
//! endpoints refuse bad input with a clear 4xx and never a 500, the pages offer passkeys only when
//! they are on, the script is one cacheable file the pages' CSP allows, and a client without
//! `ALLOW_USER_AUTH` is a page message plus a log line naming the fix.

use hallpass::provider::{Cognito, Provider, SignInMode};
use serde_json::Value;
use userpool::{AuthFlow, MfaSetting, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID};
use userpool::{RunningUserPool, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::TestApp;
use crate::support::cognito::{app_with, pool, pool_with_client, Browser};
use crate::support::logs;

fn passkey_providers(pool: &RunningUserPool) -> Vec<Provider> {
    Cognito::builder()
        .client_id(DEMO_CLIENT_ID)
        .client_secret(DEMO_CLIENT_SECRET.to_string().into())
        .issuer(pool.issuer(DEMO_POOL_ID).as_str())
        .sign_in_mode(SignInMode::Form)
        .passkeys(true)
        .build_providers()
        .unwrap()
}

/// POSTs `body` (form-encoded, as the script sends it) to `{base}/cognito/passkey/{op}`: the
/// status and the JSON answer (`Null` when the body is not JSON).
async fn post_op(b: &Browser<'_>, app: &TestApp, op: &str, body: String) -> (u16, Value) {
    let res = app
        .client
        .post(app.at(&format!("/api/auth/cognito/passkey/{op}")))
        .header("cookie", b.cookie_header())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The `?error=` code of a JSON refusal's page URL.
fn error_code(answer: &Value) -> String {
    let url = answer["url"].as_str().unwrap_or_else(|| panic!("{answer}"));
    url.split("error=").nth(1).unwrap_or("").to_string()
}

const ASSERTION: &str = r#"{"id":"AbC-_9","rawId":"AbC-_9","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0","authenticatorData":"SZYN5YgO","signature":"MEUCIQ"},"clientExtensionResults":{}}"#;

#[tokio::test]
async fn the_scripts_endpoints_refuse_bad_input_with_a_clear_4xx() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_with(passkey_providers(&pool)).await;
    let mut b = Browser::new(&app);
    let csrf = b.csrf("signin").await;

    // No token, another browser's token, an empty one: 403, and the sign-in page says why.
    for token in [None, Some("forged-token"), Some("")] {
        let mut pairs = vec![("username", DEMO_USER_EMAIL)];
        if let Some(t) = token {
            pairs.push(("csrfToken", t));
        }
        for op in ["signin-options", "signin", "add-options", "add"] {
            let (status, answer) = post_op(&b, &app, op, form(&pairs)).await;
            assert_eq!(status, 403, "{op} with token {token:?}: {answer}");
            assert_eq!(error_code(&answer), "csrf", "{op}");
        }
    }

    // Malformed credentials: 400 with "could not be read", before any step is looked up.
    let too_long = format!("{{\"id\":\"{}\"}}", "A".repeat(40 * 1024));
    for bad in [
        "",
        "not json",
        "{\"id\":",
        "[]",
        "null",
        r#"{"id":"a/b","type":"public-key","response":{}}"#,
        r#"{"id":"ab","type":"password","response":{}}"#,
        r#"{"id":"ab","type":"public-key","response":{"clientDataJSON":"eyJ0"}}"#,
        too_long.as_str(),
    ] {
        for op in ["signin", "add"] {
            let body = form(&[("csrfToken", &csrf), ("credential", bad)]);
            let (status, answer) = post_op(&b, &app, op, body).await;
            assert_eq!(status, 400, "{op} {bad:.40}: {answer}");
            assert_eq!(error_code(&answer), "passkey-input", "{op} {bad:.40}");
        }
    }
    // A well-formed assertion without a pending passkey step: the step expired (400).
    let body = form(&[("csrfToken", &csrf), ("credential", ASSERTION)]);
    let (status, answer) = post_op(&b, &app, "signin", body).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (400, "step-expired")
    );
    // An error name the script never sends: 400.
    let body = form(&[("csrfToken", &csrf), ("clientError", "EvalError")]);
    let (status, _) = post_op(&b, &app, "signin", body).await;
    assert_eq!(status, 400);
    // No address: 400 "fill in every field".
    let body = form(&[("csrfToken", &csrf), ("username", "  ")]);
    let (status, answer) = post_op(&b, &app, "signin-options", body).await;
    assert_eq!((status, error_code(&answer).as_str()), (400, "input"));
    // Signed out, adding a passkey is "sign in again" (401).
    let (status, answer) = post_op(&b, &app, "add-options", form(&[("csrfToken", &csrf)])).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (401, "signin-again")
    );

    // A body over the endpoints' 64 KiB: 413, the form never read.
    let huge = form(&[("csrfToken", &csrf), ("credential", &"A".repeat(70 * 1024))]);
    let (status, _) = post_op(&b, &app, "signin", huge).await;
    assert_eq!(status, 413);
    // Not form-encoded: the token is not found, 403 (never a 500).
    let (status, _) = post_op(&b, &app, "signin", "\u{0}\u{ff}{\"x\":1}".into()).await;
    assert_eq!(status, 403);

    // An unknown operation is a 404; the script's routes take no GET.
    for op in ["bogus", "Signin", "signin-options/", "..%2Fsignin"] {
        let body = form(&[("csrfToken", &csrf), ("credential", ASSERTION)]);
        let (status, _) = post_op(&b, &app, op, body).await;
        assert_eq!(status, 404, "{op}");
    }
    let (status, _, _) = b.get("/api/auth/cognito/passkey/signin").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn a_name_without_a_passkey_is_told_so_and_the_forms_work_without_the_script() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_with(passkey_providers(&pool)).await;
    let mut b = Browser::new(&app);
    let csrf = b.csrf("signin").await;
    // The demo user has no passkey, and an unknown address reads the same.
    for user in [DEMO_USER_EMAIL, "nobody@example.com"] {
        let body = form(&[("csrfToken", &csrf), ("username", user)]);
        let (status, answer) = post_op(&b, &app, "signin-options", body).await;
        assert_eq!(
            (status, error_code(&answer).as_str()),
            (400, "no-passkey"),
            "{user}"
        );
    }
    let (_, _, page) = b.get("/api/auth/cognito/signin?error=no-passkey").await;
    assert!(
        page.contains("There is no passkey for that address"),
        "{page}"
    );
    // Without the script, the passkey forms post to pages that say what is needed.
    let (status, loc) = b
        .post_raw("passkey-signin", &[("csrfToken", &csrf)], &[])
        .await;
    assert_eq!(status, 302);
    assert!(
        loc.ends_with("/api/auth/cognito/signin?error=passkey-script"),
        "{loc}"
    );
    // Signed out, the passkeys page sends the browser to sign in, and back after.
    let (status, loc, _) = b.get("/api/auth/cognito/passkeys").await;
    assert_eq!(status, 302);
    assert!(
        loc.contains("/api/auth/cognito/signin?error=signin-again&callbackUrl="),
        "{loc}"
    );
    assert!(loc.contains("passkeys"), "{loc}");
    // Signed in, the passkeys page lists none yet and has the "add" form for the script.
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert!(!loc.contains("error="), "{loc}");
    let (status, _, page) = b.get("/api/auth/cognito/passkeys").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("data-passkey=\"add\""), "{page}");
    // A delete of a passkey that is not the user's is refused, not a 500.
    let csrf = crate::support::cognito::attr_after(&page, "name=\"csrfToken\" value=\"");
    let (status, loc) = b
        .post_raw(
            "passkey-delete",
            &[("csrfToken", &csrf), ("credentialId", "bm90LW1pbmU")],
            &[],
        )
        .await;
    assert_eq!(status, 302);
    assert!(loc.contains("/api/auth/cognito/passkeys?error="), "{loc}");
}

#[tokio::test]
async fn the_pages_offer_passkeys_only_when_on_with_one_cacheable_script() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    // Off (the default): no passkey form, no script, no routes.
    let off = app_with(crate::support::cognito::providers(
        &pool,
        hallpass::provider::PasswordFlow::Srp,
    ))
    .await;
    let mut b = Browser::new(&off);
    let (_, _, page) = b.get("/api/auth/cognito/signin").await;
    assert!(
        !page.contains("data-passkey") && !page.contains("<script"),
        "{page}"
    );
    for path in ["passkey.js", "passkeys", "passkey/signin-options"] {
        let (status, _, _) = b.get(&format!("/api/auth/cognito/{path}")).await;
        assert_eq!(status, 404, "{path}");
    }

    // On: the sign-in page has the passkey form, the script from this origin, a CSP that allows
    // it (and nothing inline), and the password input offers passkeys in the autofill.
    let on = app_with(passkey_providers(&pool)).await;
    let res = on
        .client
        .get(on.at("/api/auth/cognito/signin"))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let page = res.text().await.unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline'; script"),
        "{csp}"
    );
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert!(page.contains("data-passkey=\"signin\"") && page.contains("data-autofill=\"true\""));
    assert!(
        page.contains("autocomplete=\"current-password webauthn\""),
        "{page}"
    );
    let script_src = crate::support::cognito::attr_after(&page, "<script src=\"");
    assert!(
        script_src.starts_with(&on.at("/api/auth/cognito/passkey.js?v=")),
        "{script_src}"
    );
    assert_eq!(
        page.matches("<script").count(),
        1,
        "one script, no inline one"
    );
    let res = on.client.get(script_src).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let header = |n: &str| res.headers()[n].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header("cache-control"), "public, max-age=3600");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let js = res.text().await.unwrap();
    assert!(
        js.contains("navigator.credentials.get") && js.contains("navigator.credentials.create")
    );
    assert!(!js.contains("eval(") && !js.contains("new Function") && !js.contains("innerHTML"));
}

#[tokio::test]
async fn a_client_without_allow_user_auth_is_a_page_message_and_a_log_line_naming_the_fix() {
    let log = logs::capture();
    let pool =
        pool_with_client(|c| c.explicit_auth_flows.retain(|f| *f != AuthFlow::UserAuth)).await;
    let app = app_with(passkey_providers(&pool)).await;
    let mut b = Browser::new(&app);
    let csrf = b.csrf("signin").await;
    let body = form(&[("csrfToken", &csrf), ("username", DEMO_USER_EMAIL)]);
    let (status, answer) = post_op(&b, &app, "signin-options", body).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (503, "passkeys-off"),
        "{answer}"
    );
    let (_, _, page) = b.get(answer["url"].as_str().unwrap()).await;
    assert!(
        page.contains("Passkeys are not available on this site right now"),
        "{page}"
    );
    let lines = log.lines_containing("choice-based sign-in: enable ALLOW_USER_AUTH");
    assert!(!lines.is_empty(), "a log line names the fix");
    assert!(
        lines.iter().all(|l| !l.contains(DEMO_CLIENT_SECRET)),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_pool_without_a_relying_party_is_a_page_message_and_a_log_line_naming_the_fix() {
    let log = logs::capture();
    // The demo pool as seeded: no WebAuthnConfiguration.
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_with(passkey_providers(&pool)).await;
    let mut b = Browser::new(&app);
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert!(!loc.contains("error="), "{loc}");
    let csrf = b.csrf("passkeys").await;
    let (status, answer) = post_op(&b, &app, "add-options", form(&[("csrfToken", &csrf)])).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (503, "passkeys-off"),
        "{answer}"
    );
    let (_, _, page) = b.get(answer["url"].as_str().unwrap()).await;
    assert!(
        page.contains("Passkeys are not available on this site right now"),
        "{page}"
    );
    let lines = log
        .lines_containing("the user pool has no passkey relying party: set WebAuthnConfiguration");
    assert!(!lines.is_empty(), "a log line names the fix");
}
