//! The API against a real local pool (userpool): a user signs in over the JSON API with SRP, a
//! machine gets a token from `/oauth2/token`; each calls the API with its token.

use hallpass::provider::cognito_api::srp::{timestamp, SrpClient};
use hallpass::provider::cognito_api::{AuthReply, CognitoApi};
use hallpass::{AccessTokenVerifier, Config, Hallpass};
use serde_json::{Map, Value};
use url::Url;
use userpool::{
    AuthFlow, OAuthFlow, PasswordHashCost, RunningUserPool, Seed, UserPool, DEMO_POOL_ID,
    DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};

const BROWSER_APP: &str = "browser0app0client0000001";
const MACHINE: &str = "machine0client00000000001";
const MACHINE_SECRET: &str = "machine-secret-0123456789";

/// The demo pool with a browser app's public client and a machine client.
async fn pool() -> RunningUserPool {
    let mut seed = Seed::demo(&Url::parse("http://127.0.0.1:1").unwrap());
    let clients = &mut seed.pools[0].clients;
    let mut app = clients[0].clone();
    app.id = BROWSER_APP.into();
    app.secret = None;
    app.explicit_auth_flows = vec![AuthFlow::UserSrpAuth, AuthFlow::RefreshTokenAuth];
    let mut machine = clients[0].clone();
    machine.id = MACHINE.into();
    machine.secret = Some(MACHINE_SECRET.into());
    machine.callback_urls = vec![];
    machine.logout_urls = vec![];
    machine.allowed_flows = vec![OAuthFlow::ClientCredentials];
    machine.allowed_scopes = vec!["orders/read".into()];
    clients.extend([app, machine]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    UserPool::builder()
        .seed(seed)
        .password_hash_cost(PasswordHashCost::Testing)
        .build()
        .await
        .unwrap()
        .serve(listener)
        .await
        .unwrap()
}

async fn serve(pool: &RunningUserPool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = Config::builder()
        .url(url.as_str())
        .secret("example-api-test-secret-0123456789abc")
        .build()
        .unwrap();
    let verifier = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(BROWSER_APP)
        .client_id(MACHINE)
        .build()
        .unwrap();
    let auth = Hallpass::builder(config)
        .access_tokens(verifier)
        .build()
        .unwrap();
    let app = super::app(&auth);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// What a browser app (Amplify) does: `USER_SRP_AUTH`, then the `PASSWORD_VERIFIER` answer.
async fn srp_sign_in(pool: &RunningUserPool) -> String {
    let api = CognitoApi::new(reqwest::Client::new(), pool.base_url(), BROWSER_APP, None);
    let srp = SrpClient::new(DEMO_POOL_ID).unwrap();
    let mut params = Map::new();
    params.insert("USERNAME".into(), DEMO_USER_EMAIL.into());
    params.insert("SRP_A".into(), srp.srp_a().into());
    let AuthReply::Challenge(step) = api
        .initiate_auth("USER_SRP_AUTH", params, DEMO_USER_EMAIL)
        .await
        .unwrap()
    else {
        panic!("a PASSWORD_VERIFIER challenge");
    };
    let p = &step.parameters;
    let now = timestamp(time::OffsetDateTime::now_utc().unix_timestamp());
    let user_id = &p["USER_ID_FOR_SRP"];
    let signature = srp
        .claim_signature(
            user_id,
            DEMO_USER_PASSWORD,
            &p["SALT"],
            &p["SRP_B"],
            &p["SECRET_BLOCK"],
            &now,
        )
        .unwrap();
    let mut answer = Map::new();
    answer.insert(
        "PASSWORD_CLAIM_SECRET_BLOCK".into(),
        p["SECRET_BLOCK"].clone().into(),
    );
    answer.insert("PASSWORD_CLAIM_SIGNATURE".into(), signature.into());
    answer.insert("TIMESTAMP".into(), now.into());
    let reply = api
        .respond_to_auth_challenge(&step.name, step.session.as_ref(), user_id, user_id, answer)
        .await
        .unwrap();
    let AuthReply::Tokens(tokens) = reply else {
        panic!("signed in");
    };
    tokens.access_token.expose().to_string()
}

async fn machine_token(pool: &RunningUserPool) -> String {
    let res = reqwest::Client::new()
        .post(pool.base_url().join("oauth2/token").unwrap())
        .basic_auth(MACHINE, Some(MACHINE_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn call(method: reqwest::Method, url: &str, token: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_user_and_a_machine_call_the_api_with_their_tokens() {
    let pool = pool().await;
    let url = serve(&pool).await;
    let user = srp_sign_in(&pool).await;
    let machine = machine_token(&pool).await;
    use reqwest::Method;

    let (status, me) = call(Method::GET, &format!("{url}/api/me"), &user).await;
    assert_eq!((status, me["kind"].as_str()), (200, Some("user")), "{me}");
    let (status, me) = call(Method::GET, &format!("{url}/api/me"), &machine).await;
    assert_eq!(
        (status, me["kind"].as_str()),
        (200, Some("machine")),
        "{me}"
    );
    assert_eq!(me["client_id"], MACHINE);

    // The machine may read orders, not write them; the user's token has no orders scope.
    let orders = format!("{url}/api/orders");
    assert_eq!(call(Method::GET, &orders, &machine).await.0, 200);
    assert_eq!(call(Method::POST, &orders, &machine).await.0, 403);
    let (status, body) = call(Method::GET, &orders, &user).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let (status, body) = call(Method::GET, &orders, "not-a-token").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
}
