//! An independent, standard OpenID Connect client (the `openidconnect` crate) against the pool:
//! discovery, code flow with PKCE and nonce, ID token verification, userinfo, refresh, revoke.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RevocationUrl, Scope, TokenResponse,
};

use crate::*;

#[tokio::test]
async fn openidconnect_crate_signs_in_refreshes_and_revokes() {
    let t = spawn_pool().await;
    // The library's own advice: never follow redirects from the token endpoint.
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(t.running.issuer(POOL).to_string()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CONF.to_string()),
        Some(ClientSecret::new(CONF_SECRET.to_string())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.to_string()).unwrap())
    .set_revocation_url(RevocationUrl::new(t.url("/oauth2/revoke")).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser part: authorize → login form → callback.
    let r = t.http.get(auth_url).send().await.unwrap();
    let login = location(&r);
    let mut form: Vec<(String, String)> = login.query_pairs().into_owned().collect();
    form.push(("username".into(), ALICE.into()));
    form.push(("password".into(), PASSWORD.into()));
    let r = t.post_form("/login", &form).await;
    let cb = location(&r);
    assert_eq!(param(&cb, "state").as_deref(), Some(csrf.secret().as_str()));
    let code = param(&cb, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("ID token verifies, nonce included");
    assert_eq!(claims.subject().as_str(), ALICE_SUB);
    assert_eq!(claims.email().map(|e| e.as_str()), Some(ALICE));
    assert_eq!(claims.email_verified(), Some(true));
    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual_hash, expected_hash);

    // userInfo (string booleans: the crate's accept-string-booleans feature).
    let info: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(ALICE));
    assert_eq!(info.email_verified(), Some(true));

    // Refresh: no new refresh token (Cognito's default), a fresh verifiable ID token.
    let refresh_token = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = client
        .exchange_refresh_token(&refresh_token)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    assert!(refreshed.refresh_token().is_none());
    let new_id = refreshed.id_token().expect("an ID token on refresh");
    // No nonce in a refreshed ID token: verify without one.
    let new_claims = new_id
        .claims(&id_verifier, |n: Option<&Nonce>| {
            if n.is_none() {
                Ok(())
            } else {
                Err("unexpected nonce".to_string())
            }
        })
        .expect("refreshed ID token verifies");
    assert_eq!(new_claims.subject(), claims.subject());

    // Revoke: the refresh token and the sign-in's access tokens stop working. The crate
    // refuses a revocation URL without https (`InsecureUrl`), so the request is built by hand,
    // as the crate would send it (RFC 7009, Basic auth, token_type_hint).
    assert!(client
        .revoke_token(CoreRevocableToken::from(refresh_token.clone()))
        .is_err());
    let r = http
        .post(t.url("/oauth2/revoke"))
        .basic_auth(CONF, Some(CONF_SECRET))
        .form(&[
            ("token", refresh_token.secret().as_str()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(client
        .exchange_refresh_token(&refresh_token)
        .unwrap()
        .request_async(&http)
        .await
        .is_err());
    let userinfo: Result<CoreUserInfoClaims, _> = client
        .user_info(refreshed.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(userinfo.is_err());

    // Logout, Cognito style: client_id + logout_uri, a browser GET.
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
    assert_eq!(location(&r).as_str(), "http://localhost:4000/");
}
