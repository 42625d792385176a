//! The hosted-UI session cookie: set at sign-in and cleared at logout with the same flags.

use crate::*;

/// The attributes of a `Set-Cookie` value after `name=value`, lower-cased, sorted.
fn attributes(set_cookie: &str) -> Vec<String> {
    let mut v: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.starts_with("max-age") && !a.starts_with("expires"))
        .collect();
    v.sort();
    v
}

fn set_cookie(resp: &reqwest::Response) -> String {
    let all: Vec<&str> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(all.len(), 1, "one Set-Cookie expected: {all:?}");
    all[0].to_string()
}

/// On an https pool (served here over plain HTTP on 127.0.0.1; only the public URL says
/// https) the session cookie and the cookie that clears it both carry `Secure`, `HttpOnly`,
/// `SameSite=Lax` and the public URL's path.
#[tokio::test]
async fn clearing_cookie_has_the_same_flags_as_the_session_cookie_on_https() {
    let pool = UserPool::builder()
        .seed(test_seed())
        .database_url("sqlite::memory:")
        .password_hash_cost(PasswordHashCost::Testing)
        .public_url(Url::parse("https://auth.example.test/auth").unwrap())
        .build()
        .await
        .unwrap();
    let running = pool
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let t = TestPool {
        running,
        // No cookie store: a Secure cookie would not be sent back over http anyway.
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
    };

    let oauth = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
    ];
    // The form's page gives the anti-CSRF cookie, with the same flags as the session's.
    let page = t
        .http
        .get(t.url("/login"))
        .query(&oauth)
        .send()
        .await
        .unwrap();
    let xsrf = set_cookie(&page);
    let xsrf_pair = xsrf.split(';').next().unwrap().to_string();
    assert!(xsrf_pair.starts_with("XSRF-TOKEN="), "{xsrf}");
    let token = csrf_field(&page.text().await.unwrap());
    assert_eq!(xsrf_pair, format!("XSRF-TOKEN={token}"));
    let mut form = oauth.to_vec();
    form.extend([
        ("username", ALICE),
        ("password", PASSWORD),
        ("_csrf", &token),
    ]);
    let r = t
        .http
        .post(t.url("/login"))
        .header("cookie", &xsrf_pair)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(location(&r).as_str().starts_with(CB));
    let session = set_cookie(&r);
    assert!(
        session.starts_with(&format!("cognito_{POOL}=")),
        "{session}"
    );
    assert!(session.contains("Max-Age=3600"), "{session}");

    let r = t
        .http
        .get(t.url("/logout"))
        .query(&[
            ("client_id", CONF),
            ("logout_uri", "http://localhost:4000/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let cleared = set_cookie(&r);
    assert!(
        cleared.starts_with(&format!("cognito_{POOL}=;")),
        "{cleared}"
    );
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let expected = ["httponly", "path=/auth", "samesite=lax", "secure"];
    assert_eq!(attributes(&session), expected, "{session}");
    assert_eq!(attributes(&cleared), expected, "{cleared}");
    assert_eq!(attributes(&xsrf), expected, "{xsrf}");
}
