//! The OpenID Connect client and the Cognito preset against the in-test provider.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hallpass::provider::{
    AuthorizationChecks, AuthorizationRequest, ClientAuth, Cognito, IdTokenError, OAuthConfig,
    OAuthProvider, ProviderError, Secret, SignIn, TokenSet,
};
use serde_json::json;
use url::Url;

use crate::support::mock_idp::{
    Callback, MockIdp, Published, Refresh, Signing, TokenEndpoint, CLIENT_ID, CLIENT_SECRET, SUB,
};

fn redirect_uri() -> Url {
    "http://localhost:3000/api/auth/callback/cognito"
        .parse()
        .unwrap()
}

async fn authorize(
    provider: &OAuthProvider,
    idp: &MockIdp,
) -> (AuthorizationChecks, Callback, Url) {
    let checks = AuthorizationChecks::generate();
    let redirect = redirect_uri();
    let url = provider
        .authorization_url(AuthorizationRequest {
            redirect_uri: &redirect,
            checks: &checks,
            extra_params: &[],
        })
        .await
        .expect("authorization URL");
    let cb = idp.approve(&url);
    (checks, cb, url)
}

/// The whole provider side of a sign-in; asserts that no error message leaks the code or nonce.
async fn sign_in(provider: &OAuthProvider, idp: &MockIdp) -> Result<SignIn, ProviderError> {
    let (checks, cb, _) = authorize(provider, idp).await;
    provider.check_callback_issuer(cb.iss.as_deref()).await?;
    let result = provider
        .exchange_code(&cb.code, &redirect_uri(), &checks, now())
        .await;
    if let Err(e) = &result {
        let msg = e.to_string();
        assert!(!msg.contains(&cb.code), "the code leaked into {msg}");
        assert!(!msg.contains(&checks.nonce), "the nonce leaked into {msg}");
        assert!(!msg.contains(CLIENT_SECRET), "the secret leaked into {msg}");
    }
    result
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn cognito_happy_path_sends_pkce_nonce_and_basic_auth() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.user_claims
            .insert("cognito:groups".into(), json!(["admin", "staff"]));
        b.user_claims.insert("custom:tenant".into(), json!("acme"));
    });
    let provider = idp.cognito().build().unwrap();
    assert_eq!(
        (provider.id(), provider.name(), provider.kind()),
        ("cognito", "Cognito", hallpass::provider::ProviderKind::Oidc)
    );
    assert!(provider.federated_sign_out());

    let checks = AuthorizationChecks::generate();
    let redirect = redirect_uri();
    let extra = [
        ("identity_provider".to_string(), "Google".to_string()),
        (
            "redirect_uri".to_string(),
            "https://evil.example/".to_string(),
        ),
        ("callbackUrl".to_string(), "/x".to_string()),
        ("login_hint".to_string(), "ada@example.com".to_string()),
    ];
    let url = provider
        .authorization_url(AuthorizationRequest {
            redirect_uri: &redirect,
            checks: &checks,
            extra_params: &extra,
        })
        .await
        .unwrap();
    assert_eq!(url.path(), "/oauth2/authorize");
    let q = query(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], redirect.as_str());
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(q["state"], checks.state);
    assert_eq!(q["nonce"], checks.nonce);
    assert_eq!(q["code_challenge"], checks.pkce_challenge());
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["identity_provider"], "Google");
    assert_eq!(q["login_hint"], "ada@example.com");
    assert!(
        !q.contains_key("callbackUrl"),
        "non-allow-listed parameter passed on"
    );
    assert_eq!(
        url.query_pairs()
            .filter(|(k, _)| k == "redirect_uri")
            .count(),
        1
    );

    let cb = idp.approve(&url);
    assert_eq!(cb.state, checks.state);
    provider.check_callback_issuer(None).await.unwrap();
    let sign_in = provider
        .exchange_code(&cb.code, &redirect, &checks, now())
        .await
        .unwrap();

    let p = &sign_in.profile;
    assert_eq!(p.sub, SUB);
    assert_eq!(p.email.as_deref(), Some("ada@example.com"));
    assert_eq!(p.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(p.username.as_deref(), Some("ada"));
    assert_eq!(p.groups, ["admin", "staff"]);
    assert_eq!(p.extra.get("custom:tenant"), Some(&json!("acme")));
    assert_eq!(p.claims.get("token_use"), Some(&json!("id")));
    let t = sign_in.tokens.as_ref().unwrap();
    assert!(t.refresh_token.is_some() && t.id_token.is_some());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((t.expires_at - (now + 3600)).abs() < 10);

    // What reached the token endpoint.
    let req = idp.last_token_request().unwrap();
    assert_eq!(req.form["grant_type"], "authorization_code");
    assert_eq!(req.form["code"], cb.code);
    assert_eq!(req.form["redirect_uri"], redirect.as_str());
    assert_eq!(req.form["code_verifier"], checks.pkce_verifier);
    assert!(!req.form.contains_key("client_secret"));
    // RFC 6749 2.3.1: form-urlencode id and secret, then Basic.
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{CLIENT_ID}:{}",
            "s3cret%2Fwith%3Aodd%2Bchars+and+space"
        ))
    );
    assert_eq!(req.authorization.as_deref(), Some(expected.as_str()));
    assert_eq!(idp.discovery_hits(), 1);
    assert_eq!(idp.jwks_hits(), 1);

    // Caches: a second sign-in fetches neither again.
    sign_in_ok(&provider, &idp).await;
    assert_eq!((idp.discovery_hits(), idp.jwks_hits()), (1, 1));
}

async fn sign_in_ok(provider: &OAuthProvider, idp: &MockIdp) -> SignIn {
    sign_in(provider, idp).await.expect("sign-in")
}

#[tokio::test]
async fn the_mock_authorize_endpoint_redirects_back_with_a_usable_code() {
    let idp = MockIdp::start().await;
    let provider = OAuthProvider::new(idp.oidc_config()).unwrap();
    let checks = AuthorizationChecks::generate();
    let redirect = redirect_uri();
    let url = provider
        .authorization_url(AuthorizationRequest {
            redirect_uri: &redirect,
            checks: &checks,
            extra_params: &[],
        })
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let back = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(redirect.as_str()));
    let q = query(&back);
    assert_eq!(q["state"], checks.state);
    let sign_in = provider
        .exchange_code(&q["code"], &redirect, &checks, now())
        .await
        .unwrap();
    assert_eq!(sign_in.profile.sub, SUB);
    assert_eq!(idp.authorize_requests().len(), 1);
}

#[tokio::test]
async fn es256_tokens_verify() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.published = vec![Published::Primary, Published::Ec];
        b.signing = Signing::Es256;
    });
    let provider = idp.cognito().build().unwrap();
    assert_eq!(sign_in_ok(&provider, &idp).await.profile.sub, SUB);
}

#[tokio::test]
async fn client_secret_post_and_public_clients() {
    let idp = MockIdp::start().await;
    let provider =
        OAuthProvider::new(idp.oidc_config().client_auth(ClientAuth::ClientSecretPost)).unwrap();
    sign_in_ok(&provider, &idp).await;
    let req = idp.last_token_request().unwrap();
    assert_eq!(req.form["client_secret"], CLIENT_SECRET);
    assert_eq!(req.form["client_id"], CLIENT_ID);
    assert_eq!(req.authorization, None);

    let public = MockIdp::start_public().await;
    let provider = public.cognito().build().unwrap();
    sign_in_ok(&provider, &public).await;
    let req = public.last_token_request().unwrap();
    assert_eq!(req.form["client_id"], CLIENT_ID);
    assert!(!req.form.contains_key("client_secret"));
    assert_eq!(req.authorization, None);
}

type Check = fn(&ProviderError) -> bool;
type Setup = Box<dyn Fn(&mut crate::support::mock_idp::Behaviour)>;

/// Each ID token defect, one fresh provider each, refused with its own error.
#[tokio::test]
async fn every_bad_id_token_is_refused() {
    use IdTokenError as E;
    use ProviderError::IdToken as T;
    let cases: Vec<(&str, Setup, Check)> = vec![
        (
            "bad signature",
            Box::new(|b| b.signing = Signing::Attacker),
            |e| matches!(e, T(E::BadSignature)),
        ),
        (
            "alg none",
            Box::new(|b| b.signing = Signing::AlgNone),
            |e| matches!(e, T(E::UnsupportedAlg(a)) if a == "none"),
        ),
        (
            "HS256 with the public key",
            Box::new(|b| b.signing = Signing::Hs256WithPublicKey),
            |e| matches!(e, T(E::UnsupportedAlg(a)) if a == "HS256"),
        ),
        (
            "wrong iss",
            Box::new(|b| {
                b.id_token_set
                    .insert("iss".into(), json!("https://evil.example/us-east-1_Mock"));
            }),
            |e| matches!(e, T(E::Issuer { .. })),
        ),
        (
            "wrong aud",
            Box::new(|b| {
                b.id_token_set.insert("aud".into(), json!("another-client"));
            }),
            |e| matches!(e, T(E::Audience)),
        ),
        (
            "several aud, no azp",
            Box::new(|b| {
                b.id_token_set
                    .insert("aud".into(), json!([CLIENT_ID, "another-client"]));
            }),
            |e| matches!(e, T(E::AuthorizedParty)),
        ),
        (
            "wrong nonce",
            Box::new(|b| {
                b.id_token_set
                    .insert("nonce".into(), json!("someone-elses-nonce"));
            }),
            |e| matches!(e, T(E::NonceMismatch)),
        ),
        (
            "no nonce",
            Box::new(|b| b.id_token_remove.push("nonce")),
            |e| matches!(e, T(E::MissingNonce)),
        ),
        ("no sub", Box::new(|b| b.id_token_remove.push("sub")), |e| {
            matches!(e, T(E::MissingSub))
        }),
        ("no iat", Box::new(|b| b.id_token_remove.push("iat")), |e| {
            matches!(e, T(E::MissingIat))
        }),
        (
            "expired",
            Box::new(|b| {
                b.id_token_set.insert("exp".into(), json!(now() - 60));
            }),
            |e| matches!(e, T(E::Expired { .. })),
        ),
        (
            "issued in the future",
            Box::new(|b| {
                b.id_token_set.insert("iat".into(), json!(now() + 600));
            }),
            |e| matches!(e, T(E::IssuedInFuture { .. })),
        ),
        (
            "not yet valid",
            Box::new(|b| {
                b.id_token_set.insert("nbf".into(), json!(now() + 600));
            }),
            |e| matches!(e, T(E::NotYetValid { .. })),
        ),
        (
            "wrong at_hash",
            Box::new(|b| {
                b.id_token_set
                    .insert("at_hash".into(), json!("AAAAAAAAAAAAAAAAAAAAAA"));
            }),
            |e| matches!(e, T(E::AtHashMismatch)),
        ),
        (
            "access token as ID token",
            Box::new(|b| {
                b.id_token_set.insert("token_use".into(), json!("access"));
            }),
            |e| matches!(e, T(E::RequiredClaim { .. })),
        ),
        ("no id_token", Box::new(|b| b.omit_id_token = true), |e| {
            matches!(e, T(E::Missing))
        }),
        (
            "JWK for encryption",
            Box::new(|b| b.published = vec![Published::PrimaryForEncryption]),
            |e| matches!(e, T(E::KeyMismatch(_))),
        ),
        (
            "JWK alg differs",
            Box::new(|b| b.published = vec![Published::PrimaryWithAlg("RS384")]),
            |e| matches!(e, T(E::KeyMismatch(_))),
        ),
        (
            "unknown kid",
            Box::new(|b| b.kid = Some(Some("nobody".into()))),
            |e| matches!(e, T(E::UnknownKey { .. })),
        ),
    ];
    let idp = MockIdp::start().await;
    for (name, setup, check) in cases {
        idp.set_behaviour(|b| *b = Default::default());
        idp.set_behaviour(|b| setup(b));
        // A fresh provider per case: no key cache or rate limit carried over.
        let provider = idp.cognito().build().unwrap();
        match sign_in(&provider, &idp).await {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => assert!(check(&e), "{name}: wrong error {e:?}"),
        }
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn token_endpoint_failures_are_clear_errors() {
    let idp = MockIdp::start().await;
    let provider = idp
        .cognito()
        .configure(|c| c.http_timeout(Duration::from_millis(300)))
        .build()
        .unwrap();

    idp.set_behaviour(|b| b.token_endpoint = TokenEndpoint::Status(500));
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Http { endpoint: "token endpoint", reason, .. } if reason.contains("500")),
        "{e:?}"
    );

    idp.set_behaviour(|b| b.token_endpoint = TokenEndpoint::NonJson);
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Http { reason, .. } if reason.contains("not JSON")),
        "{e:?}"
    );

    // A reply slower than the 300 ms client timeout is a timeout error (the 3 s reply would
    // otherwise have succeeded), with no wall-clock assertion.
    idp.set_behaviour(|b| b.token_endpoint = TokenEndpoint::Delay(Duration::from_secs(3)));
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Http { reason, .. } if reason.contains("timed out")),
        "{e:?}"
    );

    idp.set_behaviour(|b| b.token_endpoint = TokenEndpoint::OAuthError("invalid_client"));
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::TokenEndpoint { error, .. } if error == "invalid_client"),
        "{e:?}"
    );
    assert!(e.is_config());
    assert!(e.to_string().contains("client secret"));
}

#[tokio::test]
async fn a_replayed_code_and_a_wrong_redirect_uri_are_refused() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    let (checks, cb, _) = authorize(&provider, &idp).await;
    provider
        .exchange_code(&cb.code, &redirect_uri(), &checks, now())
        .await
        .unwrap();
    let e = provider
        .exchange_code(&cb.code, &redirect_uri(), &checks, now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::TokenEndpoint { error, .. } if error == "invalid_grant"),
        "{e:?}"
    );

    let (checks, cb, _) = authorize(&provider, &idp).await;
    let other: Url = "http://localhost:3000/elsewhere".parse().unwrap();
    let e = provider
        .exchange_code(&cb.code, &other, &checks, now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::TokenEndpoint { error, .. } if error == "invalid_grant"),
        "{e:?}"
    );

    // A verifier from another attempt fails PKCE at the provider.
    let (checks, cb, _) = authorize(&provider, &idp).await;
    let wrong = AuthorizationChecks {
        pkce_verifier: AuthorizationChecks::generate().pkce_verifier,
        ..checks
    };
    let e = provider
        .exchange_code(&cb.code, &redirect_uri(), &wrong, now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::TokenEndpoint { error, .. } if error == "invalid_grant"),
        "{e:?}"
    );
}

#[tokio::test]
async fn discovery_must_name_the_configured_issuer() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.discovery_issuer = Some("https://evil.example/us-east-1_Mock".into()));
    let provider = idp.cognito().build().unwrap();
    let checks = AuthorizationChecks::generate();
    let e = provider
        .authorization_url(AuthorizationRequest {
            redirect_uri: &redirect_uri(),
            checks: &checks,
            extra_params: &[],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::DiscoveryIssuerMismatch { advertised, .. } if advertised == "https://evil.example/us-east-1_Mock"),
        "{e:?}"
    );
    assert!(e.is_config());

    // A discovery outage is an error too, and a retry after it recovers works (not cached).
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.discovery_status = Some(503));
    let provider = idp.cognito().build().unwrap();
    let e = provider
        .authorization_url(AuthorizationRequest {
            redirect_uri: &redirect_uri(),
            checks: &checks,
            extra_params: &[],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::Discovery { reason, .. } if reason.contains("503")),
        "{e:?}"
    );
    assert!(!e.is_config());
    idp.set_behaviour(|b| b.discovery_status = None);
    sign_in_ok(&provider, &idp).await;
}

#[tokio::test]
async fn unknown_kid_refetches_once_then_is_rate_limited() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    sign_in_ok(&provider, &idp).await;
    assert_eq!(idp.jwks_hits(), 1);

    // The provider rotates: a new kid triggers one re-fetch, which finds it.
    idp.set_behaviour(|b| {
        b.published = vec![Published::Primary, Published::Rotated];
        b.signing = Signing::Rotated;
    });
    sign_in_ok(&provider, &idp).await;
    assert_eq!(idp.jwks_hits(), 2);
    sign_in_ok(&provider, &idp).await;
    assert_eq!(idp.jwks_hits(), 2, "a known key needs no fetch");

    // A kid nobody publishes: within 10 s of the last re-fetch, refused without a fetch.
    idp.set_behaviour(|b| b.kid = Some(Some("made-up".into())));
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::IdToken(IdTokenError::UnknownKey { kid: Some(k) }) if k == "made-up"),
        "{e:?}"
    );
    assert_eq!(idp.jwks_hits(), 2);
}

#[tokio::test]
async fn concurrent_unknown_kids_cause_one_fetch() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    sign_in_ok(&provider, &idp).await;
    assert_eq!(idp.jwks_hits(), 1);
    idp.set_behaviour(|b| b.kid = Some(Some("made-up".into())));
    let attempts = (0..8).map(|_| {
        let (provider, idp) = (&provider, &idp);
        async move { sign_in(provider, idp).await }
    });
    let results = futures_join_all(attempts).await;
    assert!(results.iter().all(|r| matches!(
        r,
        Err(ProviderError::IdToken(IdTokenError::UnknownKey { .. }))
    )));
    assert_eq!(idp.jwks_hits(), 2, "eight unknown kids, one re-fetch");
}

/// Runs futures concurrently on this task (no extra dependency for join_all).
async fn futures_join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn a_jwks_outage_keeps_cached_keys_and_fails_unknown_keys_closed() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    sign_in_ok(&provider, &idp).await;
    idp.set_behaviour(|b| {
        b.jwks_status = Some(503);
        b.discovery_status = Some(503);
    });
    sign_in_ok(&provider, &idp).await;
    idp.set_behaviour(|b| b.signing = Signing::Rotated);
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::IdToken(IdTokenError::JwksUnavailable(_))),
        "{e:?}"
    );
    assert_eq!(idp.jwks_hits(), 2);
}

#[tokio::test]
async fn userinfo_is_merged_with_string_booleans_and_must_share_the_sub() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.userinfo_claims.insert("custom:plan".into(), json!("pro"));
    });
    let provider = idp.cognito().userinfo(true).build().unwrap();
    let signed = sign_in_ok(&provider, &idp).await;
    assert_eq!(
        signed.profile.extra.get("email_verified"),
        Some(&json!(true))
    );
    assert_eq!(
        signed.profile.claims.get("phone_number_verified"),
        Some(&json!(false))
    );
    assert_eq!(signed.profile.extra.get("custom:plan"), Some(&json!("pro")));
    assert_eq!(
        idp.userinfo_authorizations().last().cloned().flatten(),
        Some(format!(
            "Bearer {}",
            signed.tokens.as_ref().unwrap().access_token.expose()
        ))
    );

    idp.set_behaviour(|b| b.userinfo_sub = Some("someone-else".into()));
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Userinfo(m) if m.contains("sub")),
        "{e:?}"
    );
}

#[tokio::test]
async fn domain_mode_learns_and_pins_the_issuer() {
    let idp = MockIdp::start().await;
    let provider = Cognito::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET.to_string().into())
        .domain(idp.base().as_str())
        .build()
        .unwrap();
    let (_, _, url) = authorize(&provider, &idp).await;
    assert!(url
        .as_str()
        .starts_with(&format!("{}oauth2/authorize?", idp.base())));
    assert_eq!(
        idp.discovery_hits(),
        0,
        "the authorize URL needs no discovery in domain mode"
    );

    sign_in_ok(&provider, &idp).await;
    assert_eq!((idp.discovery_hits(), idp.jwks_hits()), (1, 1));
    sign_in_ok(&provider, &idp).await;
    assert_eq!(idp.discovery_hits(), 1);

    // Pinned: another pool on the same origin is refused now.
    let other = format!("{}us-east-1_Other", idp.base());
    idp.set_behaviour(|b| {
        b.id_token_set.insert("iss".into(), json!(other));
    });
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::IdToken(IdTokenError::Issuer { .. })),
        "{e:?}"
    );
    let e = provider
        .check_callback_issuer(Some(&other))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::IssuerMismatch { .. }));
}

#[tokio::test]
async fn domain_mode_refuses_an_issuer_it_cannot_vouch_for() {
    let idp = MockIdp::start().await;
    let provider = Cognito::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET.to_string().into())
        .domain(idp.base().as_str())
        .build()
        .unwrap();
    idp.set_behaviour(|b| {
        b.id_token_set
            .insert("iss".into(), json!("https://evil.example/us-east-1_Mock"));
    });
    let e = sign_in(&provider, &idp).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::IssuerMismatch { got: Some(g), .. } if g == "https://evil.example/us-east-1_Mock"),
        "{e:?}"
    );
    assert_eq!(
        idp.discovery_hits(),
        0,
        "never fetch the keys of an unvouched issuer"
    );
    // Not pinned by the failure: the real issuer still works.
    idp.set_behaviour(|b| b.id_token_set.clear());
    sign_in_ok(&provider, &idp).await;
}

#[tokio::test]
async fn issuer_and_domain_together_use_the_domain_for_the_hosted_ui() {
    let idp = MockIdp::start().await;
    // Same server under another name, so the test can tell which one was used.
    let domain = format!("http://localhost:{}", idp.base().port().unwrap());
    let provider = idp.cognito().domain(domain.clone()).build().unwrap();
    let (checks, cb, url) = authorize(&provider, &idp).await;
    assert_eq!(url.host_str(), Some("localhost"));
    provider
        .exchange_code(&cb.code, &redirect_uri(), &checks, now())
        .await
        .unwrap();
    let logout = provider
        .end_session_url(None, &"http://localhost:3000/".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(logout.as_str().starts_with(&format!("{domain}/logout?")));
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn config_error(r: Result<Option<OAuthProvider>, ProviderError>) -> String {
    match r {
        Err(e @ ProviderError::Config(_)) => {
            assert!(e.is_config());
            e.to_string()
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn cognito_env_detects_the_classic_mix_ups() {
    let msg = config_error(Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        (
            "COGNITO_ISSUER",
            "https://myapp.auth.eu-west-1.amazoncognito.com",
        ),
    ])));
    assert!(msg.contains("set COGNITO_DOMAIN to it"), "{msg}");
    assert!(
        msg.contains("https://cognito-idp.eu-west-1.amazonaws.com/{poolId}"),
        "{msg}"
    );

    let msg = config_error(Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        ("COGNITO_ISSUER", "http://localhost:9229"),
    ])));
    assert!(msg.contains("COGNITO_DOMAIN"), "{msg}");

    let msg = config_error(Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        (
            "COGNITO_DOMAIN",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
        ),
    ])));
    assert!(msg.contains("set COGNITO_ISSUER to it"), "{msg}");

    let msg = config_error(Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        ("COGNITO_DOMAIN", "auth.example.com"),
    ])));
    assert!(
        msg.contains("custom domain") && msg.contains("COGNITO_ISSUER"),
        "{msg}"
    );

    let msg = config_error(Cognito::from_env_with(env(&[(
        "COGNITO_DOMAIN",
        "myapp.auth.eu-west-1.amazoncognito.com",
    )])));
    assert!(msg.contains("COGNITO_CLIENT_ID"), "{msg}");

    let msg = config_error(Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        ("COGNITO_DOMAIN", "myapp.auth.eu-west-1.amazoncognito.com"),
        ("COGNITO_FEDERATED_SIGNOUT", "maybe"),
    ])));
    assert!(msg.contains("COGNITO_FEDERATED_SIGNOUT"), "{msg}");

    // The generic provider's variables spot a hosted-UI domain given as an issuer too.
    let e = OAuthConfig::from_env_with(env(&[
        (
            "AUTH_OIDC_ISSUER",
            "https://myapp.auth.eu-west-1.amazoncognito.com",
        ),
        ("AUTH_OIDC_CLIENT_ID", "abc"),
    ]))
    .unwrap_err();
    assert!(
        e.is_config() && e.to_string().contains("hosted-UI domain"),
        "{e}"
    );
}

#[test]
fn cognito_env_accepts_the_tutorials_settings() {
    assert!(Cognito::from_env_with(env(&[])).unwrap().is_none());
    let p = Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        ("COGNITO_CLIENT_SECRET", "xyz"),
        ("COGNITO_DOMAIN", "myapp.auth.eu-west-1.amazoncognito.com"),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!((p.id(), p.name()), ("cognito", "Cognito"));
    assert!(p.federated_sign_out());
    let p = Cognito::from_env_with(env(&[
        ("COGNITO_CLIENT_ID", "abc"),
        (
            "COGNITO_ISSUER",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
        ),
        ("COGNITO_FEDERATED_SIGNOUT", "false"),
    ]))
    .unwrap()
    .unwrap();
    assert!(!p.federated_sign_out());

    assert!(OAuthConfig::from_env_with(env(&[])).unwrap().is_none());
    let c = OAuthConfig::from_env_with(env(&[
        ("AUTH_OIDC_ISSUER", "https://accounts.example.com"),
        ("AUTH_OIDC_CLIENT_ID", "abc"),
        ("AUTH_OIDC_NAME", "Example"),
    ]))
    .unwrap()
    .unwrap();
    let p = OAuthProvider::new(c).unwrap();
    assert_eq!((p.id(), p.name()), ("oidc", "Example"));
    assert!(!p.federated_sign_out());
}

#[test]
fn configuration_is_validated_up_front() {
    let issuer: Url = "https://issuer.example".parse().unwrap();
    let bad = [
        OAuthConfig::new("oidc", "http://issuer.example".parse().unwrap(), "c"),
        OAuthConfig::new("Has Space", issuer.clone(), "c"),
        OAuthConfig::new("oidc", issuer.clone(), "c").scopes(["email"]),
        OAuthConfig::new("oidc", issuer.clone(), "c").client_auth(ClientAuth::ClientSecretBasic),
        OAuthConfig::new("oidc", issuer.clone(), "c")
            .client_secret("s".to_string().into())
            .client_auth(ClientAuth::None),
        OAuthConfig::new("oidc", issuer.clone(), "c").clock_skew(Duration::from_secs(61)),
    ];
    for c in bad {
        let e = OAuthProvider::new(c.clone()).unwrap_err();
        assert!(e.is_config(), "{c:?}: {e}");
    }
}

#[tokio::test]
async fn callback_iss_follows_rfc_9207() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    provider.check_callback_issuer(None).await.unwrap();
    provider
        .check_callback_issuer(Some(idp.issuer()))
        .await
        .unwrap();
    let e = provider
        .check_callback_issuer(Some("https://evil.example"))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::IssuerMismatch { .. }));

    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.discovery_extra.insert(
            "authorization_response_iss_parameter_supported".into(),
            json!(true),
        );
    });
    let provider = idp.cognito().build().unwrap();
    let e = provider.check_callback_issuer(None).await.unwrap_err();
    assert!(matches!(e, ProviderError::IssuerMismatch { got: None, .. }));
    idp.set_behaviour(|b| b.callback_iss = Some(None));
    sign_in_ok(&provider, &idp).await;
}

#[tokio::test]
async fn refresh_keeps_the_old_refresh_token_and_checks_the_new_id_token() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    let first = sign_in_ok(&provider, &idp).await.tokens.unwrap();

    let refreshed = provider.refresh(&first, SUB, now()).await.unwrap();
    assert_ne!(refreshed.access_token, first.access_token);
    assert_ne!(refreshed.id_token, first.id_token);
    assert_eq!(
        refreshed.refresh_token, first.refresh_token,
        "Cognito returns none: keep the old one"
    );
    let req = idp.last_token_request().unwrap();
    assert_eq!(req.form["grant_type"], "refresh_token");
    assert_eq!(
        req.form["refresh_token"],
        first.refresh_token.as_ref().unwrap().expose()
    );

    idp.set_behaviour(|b| b.refresh = Refresh::Rotate);
    let rotated = provider.refresh(&refreshed, SUB, now()).await.unwrap();
    assert_ne!(rotated.refresh_token, first.refresh_token);

    idp.set_behaviour(|b| b.refresh = Refresh::AccessOnly);
    let access_only = provider.refresh(&rotated, SUB, now()).await.unwrap();
    assert_eq!(
        access_only.id_token, rotated.id_token,
        "the last ID token is kept for id_token_hint"
    );

    idp.set_behaviour(|b| {
        b.refresh = Refresh::Rotate;
        b.refresh_id_token_set
            .insert("sub".into(), json!("someone-else"));
    });
    let e = provider.refresh(&rotated, SUB, now()).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::IdToken(IdTokenError::Changed("sub"))),
        "{e:?}"
    );

    idp.set_behaviour(|b| {
        b.refresh_id_token_set.clear();
        b.refresh_id_token_set
            .insert("aud".into(), json!([CLIENT_ID, "another-client"]));
        b.refresh_id_token_set
            .insert("azp".into(), json!(CLIENT_ID));
    });
    let e = provider.refresh(&rotated, SUB, now()).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::IdToken(IdTokenError::Changed("aud"))),
        "{e:?}"
    );

    idp.set_behaviour(|b| {
        b.refresh_id_token_set.clear();
        b.refresh_id_token_set
            .insert("exp".into(), json!(now() - 120));
    });
    let e = provider.refresh(&rotated, SUB, now()).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::IdToken(IdTokenError::Expired { .. })),
        "{e:?}"
    );

    idp.set_behaviour(|b| b.refresh = Refresh::InvalidGrant);
    assert!(matches!(
        provider.refresh(&rotated, SUB, now()).await,
        Err(ProviderError::RefreshTokenDead)
    ));

    let none = TokenSet {
        refresh_token: None,
        ..first
    };
    assert!(matches!(
        provider.refresh(&none, SUB, now()).await,
        Err(ProviderError::NoRefreshToken)
    ));
}

#[tokio::test]
async fn revoke_sends_the_refresh_token_with_client_auth() {
    let idp = MockIdp::start().await;
    let provider = idp.cognito().build().unwrap();
    let tokens = sign_in_ok(&provider, &idp).await.tokens.unwrap();
    let refresh = tokens.refresh_token.clone().unwrap();
    assert!(idp.refresh_token_valid(refresh.expose()));
    provider.revoke(&tokens).await.unwrap();
    let req = idp.last_revoke_request().unwrap();
    assert_eq!(req.form["token"], refresh.expose());
    assert_eq!(req.form["token_type_hint"], "refresh_token");
    assert!(req.authorization.unwrap().starts_with("Basic "));
    assert!(!idp.refresh_token_valid(refresh.expose()));
    assert!(matches!(
        provider.refresh(&tokens, SUB, now()).await,
        Err(ProviderError::RefreshTokenDead)
    ));

    // Nothing to revoke: no request.
    let before = idp.last_revoke_request().map(|r| r.form);
    provider
        .revoke(&TokenSet {
            refresh_token: None,
            ..tokens
        })
        .await
        .unwrap();
    assert_eq!(idp.last_revoke_request().map(|r| r.form), before);
}

#[tokio::test]
async fn end_session_urls() {
    let idp = MockIdp::start().await;
    let back: Url = "http://localhost:3000/signed-out".parse().unwrap();
    let cognito = idp.cognito().build().unwrap();
    let tokens = sign_in_ok(&cognito, &idp).await.tokens.unwrap();
    let url = cognito
        .end_session_url(Some(&tokens), &back)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(url.path(), "/logout");
    let q = query(&url);
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["logout_uri"], back.as_str());
    assert!(
        !q.contains_key("id_token_hint"),
        "Cognito's /logout is not RP-initiated logout"
    );

    let generic = OAuthProvider::new(idp.oidc_config().federated_sign_out(true)).unwrap();
    let url = generic
        .end_session_url(Some(&tokens), &back)
        .await
        .unwrap()
        .unwrap();
    let q = query(&url);
    assert_eq!(
        q["id_token_hint"],
        tokens.id_token.as_ref().unwrap().expose()
    );
    assert_eq!(q["post_logout_redirect_uri"], back.as_str());
    assert_eq!(q["client_id"], CLIENT_ID);

    let off = idp.cognito().federated_sign_out(false).build().unwrap();
    assert_eq!(
        off.end_session_url(Some(&tokens), &back).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn generic_providers_need_no_token_use_and_read_groups() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.id_token_remove.push("token_use");
        b.user_claims.insert("groups".into(), json!(["readers"]));
        b.user_claims
            .insert("preferred_username".into(), json!("ada.l"));
    });
    let generic = OAuthProvider::new(idp.oidc_config()).unwrap();
    let p = sign_in_ok(&generic, &idp).await.profile;
    assert_eq!(p.groups, ["readers"]);
    assert_eq!(p.username.as_deref(), Some("ada.l"));
    let cognito = idp.cognito().build().unwrap();
    let e = sign_in(&cognito, &idp).await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::IdToken(IdTokenError::RequiredClaim { got: None, .. })
        ),
        "{e:?}"
    );
}

#[test]
fn tokens_are_redacted_in_debug_but_serialised() {
    let t = TokenSet {
        access_token: Secret::new("at-value"),
        id_token: Some(Secret::new("id-value")),
        refresh_token: None,
        expires_at: 5,
    };
    let debug = format!("{t:?} {}", t.access_token);
    assert!(
        !debug.contains("at-value") && !debug.contains("id-value"),
        "{debug}"
    );
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["access_token"], "at-value");
    let back: TokenSet = serde_json::from_value(json).unwrap();
    assert_eq!(back, t);
}
