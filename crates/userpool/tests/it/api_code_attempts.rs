//! Issue 25, item 8: a confirmation or reset code takes 5 guesses, however many arrive at once.
//! Each guess is counted before it is compared, so 60 parallel wrong guesses get at most 5
//! "wrong code" answers, the others "limit exceeded", and the right code after them is refused.

use tokio::task::JoinSet;

use crate::sdk::{exception, unsigned};
use crate::*;

/// `n` six-digit codes, none of them `right`.
fn wrong_codes(right: &str, n: u32) -> Vec<String> {
    let right: u32 = right.parse().unwrap();
    (1..=n)
        .map(|i| format!("{:06}", (right + i) % 1_000_000))
        .collect()
}

#[tokio::test]
async fn parallel_guesses_at_a_reset_code_are_counted_before_they_are_compared() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    api.forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    let right = t.pool().latest_code(ALICE).await.unwrap();

    let mut guesses = JoinSet::new();
    for code in wrong_codes(&right, 60) {
        let api = api.clone();
        guesses.spawn(async move {
            let err = api
                .confirm_forgot_password()
                .client_id(PUBLIC)
                .username(ALICE)
                .confirmation_code(code)
                .password("N3w!password")
                .send()
                .await
                .expect_err("a wrong code");
            exception(&err)
        });
    }
    let mut answers: Vec<String> = vec![];
    while let Some(a) = guesses.join_next().await {
        answers.push(a.unwrap());
    }
    let compared = answers
        .iter()
        .filter(|a| *a == "CodeMismatchException")
        .count();
    let limited = answers
        .iter()
        .filter(|a| *a == "LimitExceededException")
        .count();
    assert!(compared <= 5, "{compared} guesses compared: {answers:?}");
    assert_eq!(compared + limited, 60, "{answers:?}");

    let err = api
        .confirm_forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .confirmation_code(&right)
        .password("N3w!password")
        .send()
        .await
        .expect_err("the right code after the limit");
    assert!(
        matches!(
            exception(&err).as_str(),
            "LimitExceededException" | "ExpiredCodeException"
        ),
        "{}",
        exception(&err)
    );
    // The password did not change.
    t.alice_tokens().await;
}

#[tokio::test]
async fn parallel_guesses_at_a_confirmation_code_are_counted_too() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let who = "new@example.com";
    api.sign_up()
        .client_id(PUBLIC)
        .username(who)
        .password("Str0ng!pass")
        .send()
        .await
        .unwrap();
    let right = t.pool().latest_code(who).await.unwrap();
    let mut guesses = JoinSet::new();
    for code in wrong_codes(&right, 60) {
        let api = api.clone();
        guesses.spawn(async move {
            let err = api
                .confirm_sign_up()
                .client_id(PUBLIC)
                .username(who)
                .confirmation_code(code)
                .send()
                .await
                .expect_err("a wrong code");
            exception(&err)
        });
    }
    let mut compared = 0;
    while let Some(a) = guesses.join_next().await {
        let a = a.unwrap();
        assert!(
            a == "CodeMismatchException" || a == "LimitExceededException",
            "{a}"
        );
        compared += usize::from(a == "CodeMismatchException");
    }
    assert!(compared <= 5, "{compared} guesses compared");
    let err = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username(who)
        .confirmation_code(&right)
        .send()
        .await
        .expect_err("the right code after the limit");
    assert!(matches!(
        exception(&err).as_str(),
        "LimitExceededException" | "ExpiredCodeException"
    ));
}

/// With `PreventUserExistenceErrors`, guesses for an address without an account run out the
/// same way: the 6th answer does not tell an account apart.
#[tokio::test]
async fn guesses_for_an_unknown_user_run_out_the_same_way() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let mut answers = vec![];
    for code in wrong_codes("123456", 7) {
        let err = api
            .confirm_forgot_password()
            .client_id(PUBLIC)
            .username("ghost@example.com")
            .confirmation_code(code)
            .password("N3w!password")
            .send()
            .await
            .unwrap_err();
        answers.push(exception(&err));
    }
    assert_eq!(
        answers,
        [
            "CodeMismatchException",
            "CodeMismatchException",
            "CodeMismatchException",
            "CodeMismatchException",
            "CodeMismatchException",
            "LimitExceededException",
            "LimitExceededException"
        ]
    );
}
