//! `CUSTOM_AUTH` driven by define, create and verify auth challenge functions.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use aws_sdk_cognitoidentityprovider::Client;
use serde_json::json;
use std::collections::HashMap;
use userpool::LambdaConfig;

use super::lambda::{answer, FakeLambda, Reply};
use super::*;
use crate::sdk::{exception, unsigned};

fn challenge_triggers() -> LambdaConfig {
    LambdaConfig {
        define_auth_challenge: Some(arn("define")),
        create_auth_challenge: Some(arn("create")),
        verify_auth_challenge_response: Some(arn("verify")),
        ..Default::default()
    }
}

/// The usual trio: a question until one right answer (tokens) or three wrong ones (refused).
fn quiz(name: &str, e: Value) -> Reply {
    let response = match name {
        "define" => {
            let session = e["request"]["session"].as_array().unwrap();
            let wrong = session
                .iter()
                .filter(|c| c["challengeResult"] == false)
                .count();
            let last = session.last().map(|c| c["challengeName"].clone());
            if last == Some(json!("SRP_A")) {
                json!({ "challengeName": "PASSWORD_VERIFIER", "issueTokens": false, "failAuthentication": false })
            } else if last == Some(json!("CUSTOM_CHALLENGE"))
                && session.last().is_some_and(|c| c["challengeResult"] == true)
            {
                json!({ "issueTokens": true, "failAuthentication": false })
            } else if wrong >= 3 {
                json!({ "issueTokens": false, "failAuthentication": true })
            } else {
                json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
            }
        }
        "create" => json!({
            "publicChallengeParameters": { "question": "2 + 2?" },
            "privateChallengeParameters": { "answer": "4" },
            "challengeMetadata": "QUIZ-1",
        }),
        _ => json!({
            "answerCorrect": e["request"]["challengeAnswer"] == e["request"]["privateChallengeParameters"]["answer"]
        }),
    };
    Reply::Event(answer(e, response))
}

async fn reply(
    api: &Client,
    session: &str,
    username: &str,
    text: &str,
) -> Result<RespondToAuthChallengeOutput, String> {
    api.respond_to_auth_challenge()
        .client_id(APP)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("ANSWER", text)
        .client_metadata("captcha", "token-2")
        .send()
        .await
        .map_err(|e| format!("{}: {}", exception(&e), e.message().unwrap_or("")))
}

#[tokio::test]
async fn custom_auth_asks_the_functions_challenge_until_it_issues_tokens() {
    let lambda = FakeLambda::start(quiz).await;
    let t = spawn_triggered(&lambda, challenge_triggers()).await;
    let api = unsigned(&t);
    let started = api
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", DAVE)
        .client_metadata("captcha", "token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let params = started.challenge_parameters().unwrap();
    assert_eq!(params.get("question").map(String::as_str), Some("2 + 2?"));
    assert_eq!(params.get("USERNAME").map(String::as_str), Some(DAVE_SUB));
    assert!(
        !params.contains_key("answer"),
        "private parameters stay private"
    );
    let define = &lambda.events_of("define")[0];
    check_envelope(
        define,
        "1",
        "DefineAuthChallenge_Authentication",
        DAVE_SUB,
        APP,
    );
    assert_eq!(define["request"]["session"], json!([]));
    assert_eq!(define["request"]["userNotFound"], false);
    assert_eq!(
        define["request"]["clientMetadata"],
        json!({ "captcha": "token-1" })
    );
    assert_eq!(define["request"]["userAttributes"]["email"], DAVE);
    assert_eq!(
        define["response"],
        json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false })
    );
    let create = &lambda.events_of("create")[0];
    check_envelope(
        create,
        "1",
        "CreateAuthChallenge_Authentication",
        DAVE_SUB,
        APP,
    );
    assert_eq!(create["request"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(create["request"]["session"], json!([]));
    assert_eq!(
        create["response"],
        json!({ "publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null })
    );

    // A wrong answer: the next challenge, the session telling what happened.
    let again = reply(&api, started.session().unwrap(), DAVE, "5")
        .await
        .unwrap();
    assert_eq!(
        again.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let verify = lambda.only_event("verify");
    check_envelope(
        &verify,
        "1",
        "VerifyAuthChallengeResponse_Authentication",
        DAVE_SUB,
        APP,
    );
    assert_eq!(verify["request"]["challengeAnswer"], "5");
    assert_eq!(
        verify["request"]["privateChallengeParameters"],
        json!({ "answer": "4" })
    );
    assert_eq!(
        verify["request"]["clientMetadata"],
        json!({ "captcha": "token-2" })
    );
    assert_eq!(verify["response"], json!({ "answerCorrect": false }));
    assert_eq!(
        lambda.events_of("define")[1]["request"]["session"],
        json!([{ "challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "QUIZ-1" }])
    );
    // The answered session is spent.
    let replay = reply(&api, started.session().unwrap(), DAVE, "4").await;
    assert!(replay.unwrap_err().starts_with("NotAuthorizedException"));

    let done = reply(&api, again.session().unwrap(), DAVE, "4")
        .await
        .unwrap();
    let tokens = done.authentication_result().expect("tokens");
    let id = t.verify(TPOOL, tokens.id_token().unwrap()).await;
    assert_eq!(id["sub"], DAVE_SUB);
    assert_eq!(
        lambda.events_of("define")[2]["request"]["session"][1]["challengeResult"],
        true
    );
}

#[tokio::test]
async fn fail_authentication_refuses_and_unknown_users_are_never_let_in() {
    let lambda = FakeLambda::start(quiz).await;
    let t = spawn_triggered(&lambda, challenge_triggers()).await;
    let api = unsigned(&t);
    let mut session = api
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", DAVE)
        .send()
        .await
        .unwrap()
        .session()
        .unwrap()
        .to_string();
    for _ in 0..2 {
        let next = reply(&api, &session, DAVE, "3").await.unwrap();
        session = next.session().unwrap().to_string();
    }
    let refused = reply(&api, &session, DAVE, "3").await.unwrap_err();
    assert_eq!(
        refused,
        "NotAuthorizedException: Incorrect username or password."
    );

    // An unknown user (existence errors prevented): the functions run with `userNotFound`,
    // and even a right answer is refused.
    let started = api
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "nobody@example.com")
        .send()
        .await
        .unwrap();
    let define = lambda.events_of("define").pop().unwrap();
    assert_eq!(define["userName"], "nobody@example.com");
    assert_eq!(define["request"]["userNotFound"], true);
    assert_eq!(define["request"]["userAttributes"], json!({}));
    let refused = reply(&api, started.session().unwrap(), "nobody@example.com", "4")
        .await
        .unwrap_err();
    assert!(refused.starts_with("NotAuthorizedException"), "{refused}");
    // Without prevention an unknown user is told so, and no function runs.
    let before = lambda.events().len();
    let err = api
        .initiate_auth()
        .client_id(REVEALING)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "nobody@example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserNotFoundException");
    assert_eq!(lambda.events().len(), before);
}

#[tokio::test]
async fn custom_auth_without_its_triggers_fails_as_cognito_does() {
    let lambda = FakeLambda::start(quiz).await;
    let t = spawn_triggered(&lambda, LambdaConfig::default()).await;
    let err = unsigned(&t)
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", DAVE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UnexpectedLambdaException");
}

#[tokio::test]
async fn srp_first_then_the_custom_challenge() {
    let lambda = FakeLambda::start(quiz).await;
    let t = spawn_triggered(&lambda, challenge_triggers()).await;
    let api = unsigned(&t);
    let srp = cognito_srp::SrpClient::new(DAVE, crate::PASSWORD, TPOOL, APP, None);
    let mut init = api
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("CHALLENGE_NAME", "SRP_A");
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    assert_eq!(
        lambda.events_of("define")[0]["request"]["session"],
        json!([{ "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null }])
    );
    let params: HashMap<String, String> = started.challenge_parameters().unwrap().clone();
    let mut respond = api
        .respond_to_auth_challenge()
        .client_id(APP)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .session(started.session().unwrap());
    for (k, v) in srp.process_challenge(params).unwrap() {
        respond = respond.challenge_responses(k, v);
    }
    let custom = respond.send().await.unwrap();
    assert_eq!(
        custom.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let create = lambda.only_event("create");
    assert_eq!(
        create["request"]["session"],
        json!([
            { "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null },
            { "challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null },
        ])
    );
    let done = reply(&api, custom.session().unwrap(), DAVE, "4")
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
}
