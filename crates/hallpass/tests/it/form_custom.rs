//! A custom challenge on the own pages (issue 27): `COGNITO_FORM_FLOW=custom-srp` proves the
//! password by SRP inside `CUSTOM_AUTH`, then the app's create auth challenge trigger asks its
//! question, rendered as a page from its public parameters. The triggers are the app's functions,
//! served here as plain URLs that the local pool posts Cognito's events to.

use axum::extract::Path;
use axum::routing::post;
use axum::{Json, Router};
use hallpass::provider::{Cognito, PasswordFlow, SignInMode};
use serde_json::{json, Value};
use url::Url;
use userpool::{
    LambdaConfig, MfaSetting, Seed, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID,
    DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};

use crate::support::cognito::{app_with, assert_signed_in_at, serve_seed, Browser};

/// Define, create and verify auth challenge: after the password, one question until it is
/// answered right ("4"); three wrong answers fail the sign-in.
async fn quiz(Path(name): Path<String>, Json(mut event): Json<Value>) -> Json<Value> {
    let response = match name.as_str() {
        "define" => {
            let session = event["request"]["session"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let last = session.last().cloned().unwrap_or(Value::Null);
            let wrong = session
                .iter()
                .filter(|c| c["challengeResult"] == false)
                .count();
            match last["challengeName"].as_str() {
                Some("SRP_A") => {
                    json!({ "challengeName": "PASSWORD_VERIFIER", "issueTokens": false, "failAuthentication": false })
                }
                Some("CUSTOM_CHALLENGE") if last["challengeResult"] == true => {
                    json!({ "issueTokens": true, "failAuthentication": false })
                }
                _ if wrong >= 3 => json!({ "issueTokens": false, "failAuthentication": true }),
                _ => {
                    json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
                }
            }
        }
        "create" => json!({
            "publicChallengeParameters": { "question": "What is 2 + 2?" },
            "privateChallengeParameters": { "answer": "4" },
            "challengeMetadata": "QUIZ",
        }),
        _ => json!({
            "answerCorrect": event["request"]["challengeAnswer"] == event["request"]["privateChallengeParameters"]["answer"]
        }),
    };
    event["response"] = response;
    Json(event)
}

#[tokio::test]
async fn a_custom_challenge_is_a_page_of_its_own_and_its_right_answer_signs_in() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let functions = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/{name}", post(quiz));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut seed = Seed::demo(&Url::parse("http://127.0.0.1:1").unwrap());
    seed.pools[0].mfa = MfaSetting::Optional;
    seed.pools[0].lambda_config = LambdaConfig {
        define_auth_challenge: Some(format!("{functions}/define")),
        create_auth_challenge: Some(format!("{functions}/create")),
        verify_auth_challenge_response: Some(format!("{functions}/verify")),
        ..Default::default()
    };
    let pool = serve_seed(seed).await;
    let providers = Cognito::builder()
        .client_id(DEMO_CLIENT_ID)
        .client_secret(DEMO_CLIENT_SECRET.to_string().into())
        .issuer(pool.issuer(DEMO_POOL_ID).as_str())
        .sign_in_mode(SignInMode::Form)
        .password_flow(PasswordFlow::CustomSrp)
        .build_providers()
        .unwrap();
    let app = app_with(providers).await;
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
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("What is 2 + 2?"), "the question: {page}");
    assert!(page.contains("name=\"answer\""), "{page}");
    // The page model carries the public parameters for an app's own template.
    let model: Value = app
        .client
        .get(app.at("/api/auth/cognito/challenge"))
        .header("cookie", b.cookie_header())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(model["challenge"], "CUSTOM_CHALLENGE");
    assert_eq!(model["challenge_parameters"]["question"], "What is 2 + 2?");
    // A wrong answer: the function asks again.
    let (_, loc) = b.post("challenge", "challenge", &[("answer", "5")]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, loc) = b.post("challenge", "challenge", &[("answer", "4")]).await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["email"], DEMO_USER_EMAIL);

    // A wrong password never reaches the question.
    let mut other = Browser::new(&app);
    let (_, loc) = other
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", "Wrong-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?error=refused"));
}
