//! A session cookie found invalid is cleared on the response that found it so, whatever the route:
//! a guarded page, an API, a handler with `Option<Session>`.

use hallpass::clock::Clock as _;

use crate::support::app::{spawn_app, TestApp};

fn cleared(res: &reqwest::Response, name: &str) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|c| c.starts_with(name) && c.contains("Max-Age=0"))
        .collect()
}

async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("accept", "text/html")
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bad_session_cookie_is_cleared_wherever_it_is_read() {
    let app = spawn_app().await;
    let name = app.hallpass.session_cookie_name().to_string();
    for path in ["/maybe", "/protected", "/api/me", "/admin"] {
        let res = get_with_cookie(&app, path, &format!("{name}=garbage")).await;
        assert_eq!(cleared(&res, &name).len(), 1, "{path}: one cookie cleared");
        assert!(
            cleared(&res, &name)[0].starts_with(&format!("{name}=;")),
            "{path}: {:?}",
            cleared(&res, &name)
        );
    }
    let res = get_with_cookie(&app, "/maybe", &format!("{name}=garbage")).await;
    assert_eq!(res.text().await.unwrap(), "signed out");

    // Every chunk of a chunked bad cookie goes.
    let res = get_with_cookie(&app, "/maybe", &format!("{name}.0=bad; {name}.1=worse")).await;
    let gone = cleared(&res, &name);
    assert!(
        gone.iter().any(|c| c.starts_with(&format!("{name}.0=;"))),
        "{gone:?}"
    );
    assert!(
        gone.iter().any(|c| c.starts_with(&format!("{name}.1=;"))),
        "{gone:?}"
    );
}

#[tokio::test]
async fn a_good_or_absent_session_cookie_is_left_alone() {
    let app = spawn_app().await;
    let name = app.hallpass.session_cookie_name().to_string();
    let token = hallpass::SessionToken {
        sub: Some("user-1".into()),
        name: Some("Jane".into()),
        iat: app.clock.now(),
        exp: app.clock.now() + 3600,
        ..Default::default()
    };
    let good = app.hallpass.encode_session(&token);
    let res = get_with_cookie(&app, "/maybe", &format!("{name}={good}")).await;
    assert!(cleared(&res, &name).is_empty());
    assert_eq!(res.text().await.unwrap(), "signed in as Jane");
    let res = get_with_cookie(&app, "/maybe", "other=1").await;
    assert!(res.headers().get("set-cookie").is_none());
}
