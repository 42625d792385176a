//! Issue 13, finding 10: with `PreventUserExistenceErrors` on (the default), the hosted UI
//! answers a known user, an unknown one and a locked one with the same page, after the same
//! work. Pages are compared whole, with the username typed and the per-browser token masked.

use crate::*;

const OAUTH: [(&str, &str); 4] = [
    ("response_type", "code"),
    ("client_id", CONF),
    ("redirect_uri", CB),
    ("state", "st"),
];
const GHOST: &str = "ghost@example.com";
const BOB: &str = "bob@example.com";

/// A page with what differs by design masked: the username it echoes, the browser's token.
fn masked(html: &str, username: &str) -> String {
    let token = if html.contains("name=\"_csrf\"") {
        csrf_field(html)
    } else {
        "TOKEN".to_string()
    };
    html.replace(&token, "TOKEN")
        .replace(username, "USER")
        .replace(&username.replace('@', "%40"), "USER")
}

/// A hosted-UI POST's status and masked page.
async fn answer(t: &TestPool, path: &str, username: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    form.push(("username", username));
    form.extend_from_slice(extra);
    let r = t.post_form(path, &form).await;
    let status = r.status().as_u16();
    (status, masked(&r.text().await.unwrap(), username))
}

#[tokio::test]
async fn a_locked_an_unknown_and_a_wrong_password_answer_alike_after_the_same_work() {
    let t = spawn_pool().await;
    let login = |user: &'static str, password: &'static str| {
        let t = &t;
        async move {
            let before = t.pool().password_verifications();
            let page = answer(t, "/login", user, &[("password", password)]).await;
            let after = t.pool().password_verifications();
            (page, (after.real - before.real, after.dummy - before.dummy))
        }
    };
    let (wrong, work) = login(ALICE, "wrong").await;
    assert_eq!(wrong.0, 200);
    assert!(wrong.1.contains("Incorrect username or password."));
    assert_eq!(work, (1, 0), "a known user: their hash");
    let (unknown, work) = login(GHOST, "wrong").await;
    assert_eq!(unknown, wrong, "unknown user");
    assert_eq!(work, (0, 1), "an unknown user: the dummy hash");
    // Three more wrong passwords, and the fifth locks Alice: still the same answer.
    for _ in 0..4 {
        let (page, work) = login(ALICE, "wrong").await;
        assert_eq!(page, wrong);
        assert_eq!(work, (1, 0));
    }
    for password in ["wrong", PASSWORD] {
        let (locked, work) = login(ALICE, password).await;
        assert_eq!(locked, wrong, "locked, password {password}");
        assert!(!locked.1.contains("Password attempts exceeded"));
        assert_eq!(work, (0, 1), "a locked user: the dummy hash, not theirs");
    }
    // The lock was real: the right password works once it is over.
    t.pool()
        .advance_clock(std::time::Duration::from_secs(15 * 60 + 1));
    t.sign_in(&OAUTH, ALICE, PASSWORD).await;
}

#[tokio::test]
async fn a_client_that_reveals_users_tells_a_lockout_and_a_confirmed_user() {
    let t = spawn_with(seed_revealing_users(), "sqlite::memory:").await;
    for _ in 0..5 {
        answer(&t, "/login", ALICE, &[("password", "wrong")]).await;
    }
    let (_, locked) = answer(&t, "/login", ALICE, &[("password", PASSWORD)]).await;
    assert!(locked.contains("Password attempts exceeded"));
    let (_, confirmed) = answer(&t, "/confirmUser", ALICE, &[("code", "123456")]).await;
    assert!(confirmed.contains("User cannot be confirmed. Current status is CONFIRMED"));
    let (_, no_code) = answer(&t, "/confirmUser", BOB, &[("code", "123456")]).await;
    assert!(no_code.contains("Invalid code provided, please request a code again."));
}

#[tokio::test]
async fn codes_of_known_and_unknown_users_answer_as_wrong_codes() {
    let t = spawn_pool().await;
    let bad = |page: &(u16, String)| {
        page.0 == 200
            && page
                .1
                .contains("Invalid verification code provided, please try again.")
    };
    // Confirming: unknown; Bob (unconfirmed, no code yet); Alice (confirmed already); Bob
    // with a live code, wrong; and once five wrong guesses killed it.
    let unknown = answer(&t, "/confirmUser", GHOST, &[("code", "123456")]).await;
    assert!(bad(&unknown), "{}", unknown.1);
    let no_code = answer(&t, "/confirmUser", BOB, &[("code", "123456")]).await;
    assert_eq!(no_code, unknown, "a known user without a code");
    let confirmed = answer(&t, "/confirmUser", ALICE, &[("code", "123456")]).await;
    assert_eq!(confirmed, unknown, "a confirmed user");
    get_resend(&t, BOB).await;
    let live = t.pool().latest_code(BOB).await.unwrap();
    let wrong = if live == "123456" { "654321" } else { "123456" };
    for _ in 0..5 {
        let page = answer(&t, "/confirmUser", BOB, &[("code", wrong)]).await;
        assert_eq!(page, unknown, "a wrong code");
    }
    let killed = answer(&t, "/confirmUser", BOB, &[("code", &live)]).await;
    assert_eq!(killed, unknown, "a code killed by wrong guesses");

    // Resetting: unknown; Alice without a reset code; Alice with one, wrong.
    let new = [("code", "123456"), ("password", "N3w!password")];
    let unknown = answer(&t, "/confirmForgotPassword", GHOST, &new).await;
    assert!(bad(&unknown), "{}", unknown.1);
    let no_code = answer(&t, "/confirmForgotPassword", ALICE, &new).await;
    assert_eq!(no_code, unknown, "a known user without a code");
    answer(&t, "/forgotPassword", ALICE, &[]).await;
    let live = t.pool().latest_code(ALICE).await.unwrap();
    let wrong = if live == "123456" { "654321" } else { "123456" };
    let page = answer(
        &t,
        "/confirmForgotPassword",
        ALICE,
        &[("code", wrong), ("password", "N3w!password")],
    )
    .await;
    assert_eq!(page, unknown, "a wrong code");
}

/// `GET /resendcode` for `username`: its status and `Location`, the username masked.
async fn get_resend(t: &TestPool, username: &str) -> (u16, String) {
    let mut q: Vec<(&str, &str)> = OAUTH.to_vec();
    q.push(("username", username));
    let r = t
        .http
        .get(t.url("/resendcode"))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("set-cookie").is_none());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    (r.status().as_u16(), masked(&to, username))
}

#[tokio::test]
async fn forgot_and_resend_answer_alike_and_send_nothing_for_an_unknown_user() {
    let t = spawn_pool().await;
    let sent = || t.pool().outbox_messages().len();
    let forgot = |username: &'static str| {
        let t = &t;
        async move {
            let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
            form.push(("username", username));
            let r = t.post_form("/forgotPassword", &form).await;
            assert!(r.headers().get("set-cookie").is_none());
            let to = r.headers()["location"].to_str().unwrap().to_string();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            (status, masked(&to, username), body)
        }
    };
    let before = sent();
    let known = forgot(ALICE).await;
    assert_eq!(sent(), before + 1, "a code for Alice");
    assert_eq!(known.0, 302);
    let unknown = forgot(GHOST).await;
    assert_eq!(unknown, known, "the same answer");
    assert_eq!(sent(), before + 1, "nothing for an unknown user");
    // The page it leads to is the same too.
    let page = |username: &'static str| {
        let t = &t;
        async move {
            let mut q: Vec<(&str, &str)> = OAUTH.to_vec();
            q.push(("username", username));
            let r = t
                .http
                .get(t.url("/confirmForgotPassword"))
                .query(&q)
                .send()
                .await
                .unwrap();
            masked(&r.text().await.unwrap(), username)
        }
    };
    assert_eq!(page(GHOST).await, page(ALICE).await);

    // Resend: Bob is unconfirmed (a code is sent), Alice confirmed and the ghost unknown (none).
    let before = sent();
    let bob = get_resend(&t, BOB).await;
    assert_eq!(sent(), before + 1, "a code for Bob");
    assert_eq!(get_resend(&t, GHOST).await, bob);
    assert_eq!(get_resend(&t, ALICE).await, bob);
    assert_eq!(
        sent(),
        before + 1,
        "nothing for the ghost or a confirmed user"
    );
    let messages = t.pool().outbox_messages();
    assert!(
        messages.iter().all(|m| m.to != GHOST),
        "never to an unknown user"
    );
}
