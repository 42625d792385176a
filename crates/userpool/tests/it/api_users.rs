//! The JSON API's user operations through the AWS SDK: sign-up, confirmation, password
//! reset, the signed-in user's own operations, and what each failure is called.

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;

use crate::sdk::{exception, unsigned};
use crate::*;

/// The newest code or password the outbox holds for `to`.
pub fn outbox_code(t: &TestPool, to: &str) -> String {
    t.pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == to)
        .map(|m| m.code_or_password)
        .expect("a message was sent")
}

/// Alice signs in on the hosted UI with the scope the user operations need; returns the
/// token JSON (with a refresh token). The browser keeps the hosted-UI session cookie.
pub async fn alice_hosted_tokens(t: &TestPool) -> Value {
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("scope", "openid email aws.cognito.signin.user.admin"),
                ("state", "s"),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    let code = param(&cb, "code").unwrap();
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Whether a refresh token still refreshes at the token endpoint.
pub async fn refreshes(t: &TestPool, rt: &str) -> bool {
    t.token_basic(
        CONF,
        CONF_SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
    .status()
        == 200
}

/// Whether the browser's hosted-UI session still signs in without a password.
pub async fn hosted_session_alive(t: &TestPool) -> bool {
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("scope", "openid"),
            ("state", "s"),
        ])
        .await;
    param(&location(&r), "code").is_some()
}

fn secret_hash(username: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(CONF_SECRET.as_bytes()).unwrap();
    mac.update(format!("{username}{CONF}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in_on_the_hosted_ui() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let eve = "eve@example.com";
    let out = api
        .sign_up()
        .client_id(PUBLIC)
        .username(eve)
        .password("Str0ng!pass")
        .user_attributes(attr("name", "Eve"))
        .send()
        .await
        .unwrap();
    assert!(!out.user_confirmed());
    let sub = out.user_sub().to_string();
    let delivery = out.code_delivery_details().unwrap();
    assert_eq!(delivery.destination(), Some("e***@e***"));
    assert_eq!(delivery.attribute_name(), Some("email"));

    let err = api
        .sign_up()
        .client_id(PUBLIC)
        .username(eve)
        .password("Str0ng!pass")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UsernameExistsException");
    let err = api
        .sign_up()
        .client_id(PUBLIC)
        .username("weak@example.com")
        .password("short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidPasswordException");
    assert!(
        err.to_string()
            .contains("Password did not conform with policy")
            || format!("{err:?}").contains("Password did not conform with policy"),
        "{err:?}"
    );
    let err = api
        .sign_up()
        .client_id(PUBLIC)
        .username("not-an-email")
        .password("Str0ng!pass")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");

    // Not confirmed yet: the hosted UI sends to the confirmation page.
    let r = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", PUBLIC),
                ("redirect_uri", CB),
            ],
            eve,
            "Str0ng!pass",
        )
        .await;
    assert_eq!(location(&r).path(), "/confirmUser");

    let code = outbox_code(&t, eve);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username(eve)
        .confirmation_code(wrong)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "CodeMismatchException");
    let code = outbox_code(&t, eve);
    api.confirm_sign_up()
        .client_id(PUBLIC)
        .username(eve)
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();
    let err = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username(eve)
        .confirmation_code(&code)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");

    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", PUBLIC),
                ("redirect_uri", CB),
            ],
            eve,
            "Str0ng!pass",
        )
        .await;
    assert!(param(&cb, "code").is_some());
    let listed = t.pool().list().await.unwrap();
    let user = listed[0].users.iter().find(|u| u.email == eve).unwrap();
    assert_eq!(user.sub, sub);
    assert!(user.confirmed);
    assert_eq!(user.attributes.get("name").map(String::as_str), Some("Eve"));
}

#[tokio::test]
async fn a_confirmation_code_expires_with_the_pools_clock() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let out = api
        .resend_confirmation_code()
        .client_id(PUBLIC)
        .username("bob@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.code_delivery_details().unwrap().destination(),
        Some("b***@e***")
    );
    let code = outbox_code(&t, "bob@example.com");
    t.pool()
        .advance_clock(std::time::Duration::from_secs(24 * 3600 + 1));
    let err = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username("bob@example.com")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ExpiredCodeException");
    // A confirmed user gets no code.
    let err = api
        .resend_confirmation_code()
        .client_id(PUBLIC)
        .username(ALICE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
}

#[tokio::test]
async fn unknown_users_are_hidden_unless_the_client_turns_prevention_off() {
    let mut seed = test_seed();
    let mut open = seed.pools[0].client(PUBLIC).unwrap().clone();
    open.id = "open0client000000000000001".into();
    open.prevent_user_existence_errors = false;
    seed.pools[0].clients.push(open);
    let t = spawn_with(seed, "sqlite::memory:").await;
    let api = unsigned(&t);
    let ghost = "ghost@example.com";

    // Prevention on (the default): a code was "sent", and the code is "wrong".
    let out = api
        .forgot_password()
        .client_id(PUBLIC)
        .username(ghost)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.code_delivery_details().unwrap().destination(),
        Some("g***@e***")
    );
    let err = api
        .confirm_forgot_password()
        .client_id(PUBLIC)
        .username(ghost)
        .confirmation_code("123456")
        .password("N3w!password")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "CodeMismatchException");
    assert!(t.pool().outbox_messages().is_empty(), "nothing sent");

    // Prevention off: the user is not found.
    for err in [
        api.forgot_password()
            .client_id("open0client000000000000001")
            .username(ghost)
            .send()
            .await
            .map(|_| ())
            .unwrap_err()
            .into_service_error()
            .meta()
            .code()
            .map(String::from),
        api.confirm_sign_up()
            .client_id("open0client000000000000001")
            .username(ghost)
            .confirmation_code("123456")
            .send()
            .await
            .map(|_| ())
            .unwrap_err()
            .into_service_error()
            .meta()
            .code()
            .map(String::from),
    ] {
        assert_eq!(err.as_deref(), Some("UserNotFoundException"));
    }
}

#[tokio::test]
async fn a_client_with_a_secret_needs_the_secret_hash() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let err = api
        .forgot_password()
        .client_id(CONF)
        .username(ALICE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    let err = api
        .forgot_password()
        .client_id(CONF)
        .username(ALICE)
        .secret_hash(secret_hash("someone@example.com"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert!(t.pool().outbox_messages().is_empty());
    api.forgot_password()
        .client_id(CONF)
        .username(ALICE)
        .secret_hash(secret_hash(ALICE))
        .send()
        .await
        .unwrap();
    assert_eq!(t.pool().outbox_messages().len(), 1);
    let err = api
        .forgot_password()
        .client_id("no0such0client")
        .username(ALICE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_reset_through_the_api_revokes_the_old_sign_ins() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let at = tokens["access_token"].as_str().unwrap();
    assert!(refreshes(&t, rt).await);
    assert!(hosted_session_alive(&t).await);

    api.forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    let code = outbox_code(&t, ALICE);
    let err = api
        .confirm_forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .confirmation_code(&code)
        .password("weak")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidPasswordException");
    assert!(refreshes(&t, rt).await, "a refused reset changes nothing");
    api.confirm_forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .confirmation_code(&code)
        .password("N3w!password")
        .send()
        .await
        .unwrap();

    assert!(!refreshes(&t, rt).await, "old refresh token revoked");
    assert_eq!(
        t.userinfo(at).await.status(),
        401,
        "old access token revoked"
    );
    assert!(!hosted_session_alive(&t).await, "hosted-UI session ended");
    let r = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    assert_eq!(r.status(), 200, "the old password no longer signs in");
    t.sign_in(
        &[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
        ],
        ALICE,
        "N3w!password",
    )
    .await;
}

/// Review finding 3: a reset on the hosted UI revokes too (fails before the fix: the old
/// refresh token kept refreshing and the old session kept signing in).
#[tokio::test]
async fn a_reset_on_the_hosted_ui_revokes_the_old_sign_ins() {
    let t = spawn_pool().await;
    let tokens = alice_hosted_tokens(&t).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let at = tokens["access_token"].as_str().unwrap();
    let oauth = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
        ("state", "s"),
    ];
    let mut form = oauth.to_vec();
    form.push(("username", ALICE));
    let other = browser();
    post_form(&other, &t, "/forgotPassword", &form).await;
    let code = outbox_code(&t, ALICE);
    let mut form = oauth.to_vec();
    form.extend([
        ("username", ALICE),
        ("code", code.as_str()),
        ("password", "N3w!password"),
    ]);
    let r = post_form(&other, &t, "/confirmForgotPassword", &form).await;
    assert_eq!(location(&r).path(), "/login");
    assert!(!refreshes(&t, rt).await, "old refresh token revoked");
    assert_eq!(
        t.userinfo(at).await.status(),
        401,
        "old access token revoked"
    );
    assert!(!hosted_session_alive(&t).await, "hosted-UI session ended");
}
