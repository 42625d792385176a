//! The authorization code flow, token shapes, scopes, userInfo, sessions, prompt, logout.

use crate::*;

#[tokio::test]
async fn code_flow_issues_cognito_shaped_tokens() {
    let t = spawn_pool().await;
    let code = t.alice_code(&[("nonce", "n-0S6_WzA2Mj")]).await;
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
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = r.json().await.unwrap();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "id_token",
            "refresh_token",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["expires_in"], 1800,
        "the seed's 30-minute access tokens"
    );
    let refresh = body["refresh_token"].as_str().unwrap();
    assert!(
        refresh.len() >= 64 && !refresh.contains('.'),
        "refresh tokens are opaque"
    );

    let id_token = body["id_token"].as_str().unwrap();
    let access_token = body["access_token"].as_str().unwrap();
    let id = t.verify(POOL, id_token).await;
    let at = t.verify(POOL, access_token).await;
    assert!(jwt_header(id_token).get("typ").is_none());

    let issuer = t.running.issuer(POOL).to_string();
    assert_eq!(id["iss"], issuer.as_str());
    assert_eq!(id["sub"], ALICE_SUB);
    assert_eq!(id["aud"], CONF, "aud is a string");
    assert_eq!(id["token_use"], "id");
    assert_eq!(
        id["cognito:username"], ALICE_SUB,
        "email sign-in: username is the sub"
    );
    assert_eq!(id["email"], ALICE);
    assert_eq!(id["email_verified"], true, "a JSON boolean in the ID token");
    assert_eq!(id["cognito:groups"], serde_json::json!(["admin", "staff"]));
    assert_eq!(id["custom:tenant"], "acme");
    assert_eq!(id["name"], "Alice Example");
    assert_eq!(id["phone_number"], "+15555550100");
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    let expected_at_hash = {
        let d = Sha256::digest(access_token.as_bytes());
        URL_SAFE_NO_PAD.encode(&d[..16])
    };
    assert_eq!(id["at_hash"], expected_at_hash.as_str());
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3600
    );
    for c in ["jti", "origin_jti", "event_id", "auth_time"] {
        assert!(id.get(c).is_some(), "ID token lacks {c}");
        assert!(at.get(c).is_some(), "access token lacks {c}");
    }

    assert!(at.get("aud").is_none(), "access tokens have no aud");
    assert_eq!(at["iss"], issuer.as_str());
    assert_eq!(at["client_id"], CONF);
    assert_eq!(at["token_use"], "access");
    assert_eq!(at["scope"], "openid email profile");
    assert_eq!(at["version"], 2);
    assert_eq!(at["username"], ALICE_SUB);
    assert_eq!(at["sub"], ALICE_SUB);
    assert_eq!(at["cognito:groups"], serde_json::json!(["admin", "staff"]));
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        1800
    );
    assert_eq!(at["origin_jti"], id["origin_jti"]);
    assert_eq!(at["event_id"], id["event_id"]);
    assert_ne!(at["jti"], id["jti"]);
}

#[tokio::test]
async fn nonce_only_when_sent_and_scopes_filtered() {
    let t = spawn_pool().await;
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("scope", "openid email bogus api/read"),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    assert!(
        param(&cb, "state").is_none(),
        "no state sent, none returned"
    );
    let code = param(&cb, "code").unwrap();
    let body: Value = t
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
    let id = claims(body["id_token"].as_str().unwrap());
    assert!(id.get("nonce").is_none());
    assert_eq!(id["email"], ALICE);
    assert!(
        id.get("name").is_none(),
        "email scope alone does not reveal the profile"
    );
    assert!(id.get("custom:tenant").is_none());
    let at = claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        at["scope"], "openid email",
        "unknown and disallowed scopes are dropped"
    );

    // Without openid: an access token, no ID token.
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("scope", "email"),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    let code = param(&cb, "code").unwrap();
    let body: Value = t
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
    assert!(body.get("id_token").is_none());
    assert!(body.get("access_token").is_some());
    // ... and userInfo refuses an access token without openid.
    let r = t.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn userinfo_returns_string_booleans() {
    let t = spawn_pool().await;
    let tokens = t.alice_tokens().await;
    let r = t.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["sub"], ALICE_SUB);
    assert_eq!(u["username"], ALICE_SUB);
    assert_eq!(u["email"], ALICE);
    assert_eq!(u["email_verified"], "true", "a string in userInfo");
    assert_eq!(u["name"], "Alice Example");
    assert_eq!(u["custom:tenant"], "acme");
    // POST works too.
    let r = t
        .http
        .post(t.url("/oauth2/userInfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    for bad in [
        "garbage".to_string(),
        tokens["id_token"].as_str().unwrap().to_string(),
        format!("{}x", tokens["access_token"].as_str().unwrap()),
    ] {
        let r = t.userinfo(&bad).await;
        assert_eq!(r.status(), 401);
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    let r = t.http.get(t.url("/oauth2/userInfo")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Expired (the pool's clock moves, no sleeping).
    t.pool()
        .advance_clock(std::time::Duration::from_secs(31 * 60));
    let r = t.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn pkce_s256_for_a_public_client() {
    let t = spawn_pool().await;
    let (verifier, challenge) = pkce_pair();
    let params = [
        ("response_type", "code"),
        ("client_id", PUBLIC),
        ("redirect_uri", CB),
        ("scope", "openid email"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // Wrong verifier, then no verifier: both invalid_grant (and each burns its code).
    for v in [
        Some("wrong-verifier-wrong-verifier-wrong-verifier-00"),
        None,
    ] {
        let code = param(&t.sign_in(&params, ALICE, PASSWORD).await, "code").unwrap();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ];
        if let Some(v) = v {
            form.push(("code_verifier", v));
        }
        let r = t.token_body(&form).await;
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    }
    let code = param(&t.sign_in(&params, ALICE, PASSWORD).await, "code").unwrap();
    let r = t
        .token_body(&[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(claims(body["id_token"].as_str().unwrap())["aud"], PUBLIC);

    // A verifier without a challenge is refused too: required iff a challenge was sent.
    let code = param(&t.sign_in(&params[..4], ALICE, PASSWORD).await, "code").unwrap();
    let r = t
        .token_body(&[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn session_cookie_skips_the_form_and_prompt_controls_it() {
    let t = spawn_pool().await;
    let base = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
        ("state", "s1"),
    ];

    // prompt=none without a session: back to the callback with login_required.
    let mut p = base.to_vec();
    p.push(("prompt", "none"));
    let cb = location(&t.authorize(&p).await);
    assert!(cb.as_str().starts_with(CB));
    assert_eq!(param(&cb, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&cb, "state").as_deref(), Some("s1"));

    // Sign in: the session cookie is HttpOnly, SameSite=Lax, one hour.
    let r = t.login_with(&base, ALICE, PASSWORD).await;
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age=3600"), "{set_cookie}");
    assert_eq!(r.status(), 302);
    let first = location(&r);
    assert!(param(&first, "code").is_some());

    // Second authorize: straight back with a code, no form.
    let cb = location(&t.authorize(&base).await);
    assert!(cb.as_str().starts_with(CB), "{cb}");
    let code = param(&cb, "code").unwrap();
    assert_ne!(Some(code.clone()), param(&first, "code"));
    // prompt=none with a session: a code too.
    let cb = location(&t.authorize(&p).await);
    assert!(param(&cb, "code").is_some());
    // prompt=login forces the form.
    let mut p = base.to_vec();
    p.push(("prompt", "login"));
    let login = location(&t.authorize(&p).await);
    assert_eq!(login.path(), "/login");

    // Tokens from the session-based code carry the original auth_time.
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
    assert!(claims(tokens["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .is_some());

    // The session belongs to this pool only: another pool's client still asks.
    let other = [
        ("response_type", "code"),
        ("client_id", SECOND),
        ("redirect_uri", "http://localhost:5000/cb"),
    ];
    assert_eq!(location(&t.authorize(&other).await).path(), "/login");

    // Logout with logout_uri: session gone, redirect to the sign-out URL.
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
    assert_eq!(location(&r).as_str(), "http://localhost:4000/");
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(location(&t.authorize(&base).await).path(), "/login");
}

#[tokio::test]
async fn logout_variants() {
    let t = spawn_pool().await;
    t.alice_code(&[]).await;
    // Unregistered logout_uri or unknown client: the error page, never a redirect there.
    for q in [
        vec![
            ("client_id", CONF),
            ("logout_uri", "https://evil.example.com/"),
        ],
        vec![
            ("client_id", "nope"),
            ("logout_uri", "http://localhost:4000/"),
        ],
        vec![("client_id", CONF)],
    ] {
        let r = t.http.get(t.url("/logout")).query(&q).send().await.unwrap();
        let to = location(&r);
        assert_eq!(to.path(), "/error", "{q:?}");
    }
    // The session survived the refused logouts.
    let base = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
    ];
    assert!(location(&t.authorize(&base).await).as_str().starts_with(CB));
    // client_id + redirect_uri + response_type: sign out, then the login page.
    let r = t
        .http
        .get(t.url("/logout"))
        .query(&[
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("response_type", "code"),
            ("state", "st"),
        ])
        .send()
        .await
        .unwrap();
    let to = location(&r);
    assert_eq!(to.path(), "/login");
    assert_eq!(param(&to, "state").as_deref(), Some("st"));
    assert_eq!(location(&t.authorize(&base).await).path(), "/login");
}

#[tokio::test]
async fn login_hint_prefills_the_username() {
    let t = spawn_pool().await;
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("login_hint", "hint\"<b>@example.com"),
        ])
        .await;
    let html = t
        .http
        .get(location(&r))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(escaped_in(&html, "hint\"<b>@example.com"), "{html}");
}

#[tokio::test]
async fn implicit_flow_puts_tokens_in_the_fragment() {
    let t = spawn_pool().await;
    let r = t
        .login_with(
            &[
                ("response_type", "token"),
                ("client_id", IMPLICIT),
                ("redirect_uri", CB),
                ("scope", "openid email"),
                ("state", "imp"),
                ("nonce", "nn"),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    let cb = location(&r);
    let frag: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(cb.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    assert_eq!(frag["state"], "imp");
    assert_eq!(frag["token_type"], "Bearer");
    assert!(!frag.contains_key("refresh_token"));
    let id = t.verify(POOL, &frag["id_token"]).await;
    assert_eq!(id["nonce"], "nn");
    assert_eq!(id["aud"], IMPLICIT);
    // The confidential client may not use the implicit flow.
    let cb = location(
        &t.authorize(&[
            ("response_type", "token"),
            ("client_id", CONF),
            ("redirect_uri", CB),
        ])
        .await,
    );
    assert_eq!(param(&cb, "error").as_deref(), Some("unauthorized_client"));
}

#[tokio::test]
async fn client_credentials_gives_an_access_token_only() {
    let t = spawn_pool().await;
    let r = t
        .token_basic(
            M2M,
            "m2m-secret",
            &[("grant_type", "client_credentials"), ("scope", "api/read")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let at = t.verify(POOL, body["access_token"].as_str().unwrap()).await;
    assert_eq!(at["sub"], M2M);
    assert_eq!(at["client_id"], M2M);
    assert_eq!(at["scope"], "api/read");
    assert_eq!(at["token_use"], "access");
    // Default: every custom scope of the client.
    let body: Value = t
        .token_basic(M2M, "m2m-secret", &[("grant_type", "client_credentials")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scope"],
        "api/read api/write"
    );
    // A scope the client does not have.
    let r = t
        .token_basic(
            M2M,
            "m2m-secret",
            &[("grant_type", "client_credentials"), ("scope", "openid")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_scope");
    // A client without the grant.
    let r = t
        .token_basic(CONF, CONF_SECRET, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unauthorized_client"
    );
    // A client_credentials token cannot read userInfo.
    let r = t.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn several_pools_in_one_process() {
    let t = spawn_pool().await;
    let cb2 = "http://localhost:5000/cb";
    let params = [
        ("response_type", "code"),
        ("client_id", SECOND),
        ("redirect_uri", cb2),
        ("scope", "openid email"),
    ];
    // Alice of pool 2 has her own password.
    let r = t.login_with(&params, ALICE, PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    let cb = t.sign_in(&params, ALICE, "0therPass!").await;
    let code = param(&cb, "code").unwrap();
    // The code belongs to pool 2's client only.
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", cb2),
            ],
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let cb = t.sign_in(&params, ALICE, "0therPass!").await;
    let code = param(&cb, "code").unwrap();
    let body: Value = t
        .token_basic(
            SECOND,
            "second-secret",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", cb2),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let id = t.verify(POOL2, body["id_token"].as_str().unwrap()).await;
    assert_eq!(id["iss"], t.running.issuer(POOL2).as_str());
    assert_ne!(id["sub"], ALICE_SUB);
    let u: Value = t
        .userinfo(body["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["sub"], id["sub"]);
}
