//! The hosted UI's lockout: wrong passwords in a row lock a user, also when they arrive at
//! once (issue 13, finding 1).

use crate::*;

#[tokio::test]
async fn wrong_passwords_are_generic_then_lock_the_user() {
    // A client that tells a lockout apart; with the default, it answers as a wrong password
    // (see `hosted_ui_enumeration`).
    let t = spawn_with(seed_revealing_users(), "sqlite::memory:").await;
    let params = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
    ];
    // An unknown user gets the same answer as a wrong password.
    let r = t.login_with(&params, "nobody@example.com", PASSWORD).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Incorrect username or password.") && !html.contains("does not exist"));
    // SQL-looking input is just a wrong username.
    let r = t.login_with(&params, "' OR 1=1 --", "x' OR '1'='1").await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    for i in 1..=5 {
        let r = t.login_with(&params, ALICE, "wrong").await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        let expected = if i < 5 {
            "Incorrect username or password."
        } else {
            "Password attempts exceeded"
        };
        assert!(html.contains(expected), "attempt {i}");
        assert!(
            html.contains("value=\"alice@example.com\""),
            "the username stays filled in"
        );
    }
    // Locked: even the right password is refused, for 15 minutes.
    let r = t.login_with(&params, ALICE, PASSWORD).await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Password attempts exceeded"));
    t.pool()
        .advance_clock(std::time::Duration::from_secs(15 * 60 + 1));
    t.sign_in(&params, ALICE, PASSWORD).await;
    // A success resets the count.
    for _ in 0..4 {
        t.login_with(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("prompt", "login"),
            ],
            ALICE,
            "wrong",
        )
        .await;
    }
    t.sign_in(
        &[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("prompt", "login"),
        ],
        ALICE,
        PASSWORD,
    )
    .await;
    let r = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("prompt", "login"),
            ],
            ALICE,
            "wrong",
        )
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
}

/// Issue 13, finding 1: a burst of parallel wrong passwords is checked at most
/// `LOCKOUT_AFTER` times, and the right password sent behind the burst is refused as locked,
/// although none of the wrong ones had been answered yet. With the real hash cost, so that the
/// guesses overlap as an attacker's do.
#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_checked() {
    // A client that tells a lockout apart, so that the answers can be counted.
    let t = spawn_with_real_hashing(seed_revealing_users()).await;
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("prompt", "login"),
        ])
        .await;
    let login = location(&r);
    let form = |password: &str| {
        let mut f: Vec<(String, String)> = login.query_pairs().into_owned().collect();
        f.push(("username".into(), ALICE.into()));
        f.push(("password".into(), password.into()));
        f
    };
    // Each guess from its own browser, its form page fetched before the burst starts.
    let mut guesses = Vec::new();
    for i in 0..40 {
        let http = browser();
        let mut f = form(&format!("wrong-{i}"));
        let page = http.get(login.clone()).send().await.unwrap();
        f.push(("_csrf".into(), csrf_field(&page.text().await.unwrap())));
        guesses.push(http.post(t.url("/login")).form(&f));
    }
    let mut burst = Vec::new();
    for req in guesses {
        burst.push(tokio::spawn(async move {
            req.send().await.unwrap().text().await.unwrap()
        }));
    }
    // Behind the burst (ordering only, nothing is timed): the wrong passwords are still being
    // hashed, so a lock read before counting would not be set yet.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let right = post_form(&browser(), &t, "/login", &form(PASSWORD)).await;
    assert_eq!(
        right.status(),
        200,
        "the right password behind the burst signed in"
    );
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("Password attempts exceeded"));
    let (mut checked, mut locked) = (0, 0);
    for task in burst {
        let html = task.await.unwrap();
        if html.contains("Incorrect username or password.") {
            checked += 1;
        } else if html.contains("Password attempts exceeded") {
            locked += 1;
        } else {
            panic!("neither refused nor locked: {html}");
        }
    }
    // The fifth wrong password is checked too, and answers "exceeded" as it locks the user.
    assert!(
        checked < userpool::LOCKOUT_AFTER as usize,
        "{checked} checked"
    );
    assert_eq!(checked + locked, 40);
    // The same from the pool's side: at most LOCKOUT_AFTER passwords met Alice's hash; every
    // other attempt (the right one included) met the dummy hash instead, at the same cost.
    let work = t.pool().password_verifications();
    assert!(work.real <= userpool::LOCKOUT_AFTER as u64, "{work:?}");
    assert_eq!(work.real + work.dummy, 41, "{work:?}");
}
