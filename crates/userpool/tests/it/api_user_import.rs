//! User import jobs through the SDK: the CSV goes to the job's `PreSignedUrl` (this server),
//! and starting the job makes its users, who sign in after setting a password.

use crate::api_users::outbox_code;
use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// The imported user sets a password through `ForgotPassword`, then signs in.
async fn imported_user_signs_in(t: &TestPool) {
    let api = unsigned(t);
    api.forgot_password()
        .client_id(PUBLIC)
        .username("imported@example.com")
        .send()
        .await
        .unwrap();
    let code = outbox_code(t, "imported@example.com");
    api.confirm_forgot_password()
        .client_id(PUBLIC)
        .username("imported@example.com")
        .confirmation_code(code)
        .password("N3w!password")
        .send()
        .await
        .unwrap();
    t.sign_in(
        &[
            ("response_type", "code"),
            ("client_id", PUBLIC),
            ("redirect_uri", CB),
            ("scope", "openid"),
        ],
        "imported@example.com",
        "N3w!password",
    )
    .await;
}

#[tokio::test]
async fn an_import_job_makes_the_users_of_its_csv() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let header = admin
        .get_csv_header()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let header = header.csv_header().join(",");
    assert!(header.contains("email") && header.contains("cognito:username"));
    let made = admin
        .create_user_import_job()
        .user_pool_id(POOL)
        .job_name("first")
        .cloud_watch_logs_role_arn("arn:aws:iam::000000000000:role/import")
        .send()
        .await
        .unwrap();
    let job = made.user_import_job().unwrap();
    assert_eq!(job.status().map(|s| s.as_str()), Some("Created"));
    let id = job.job_id().unwrap().to_string();
    let url = job.pre_signed_url().unwrap().to_string();
    // A wrong token is refused; the right one takes the CSV.
    let wrong = url.split("token=").next().unwrap().to_string() + "token=nope";
    let r = t.http.put(&wrong).body("x").send().await.unwrap();
    assert_eq!(r.status(), 403);
    let csv = "email,name,email_verified\nimported@example.com,Imp Orted,true\n\nalice@example.com,Dup,true\n";
    let r = t.http.put(&url).body(csv).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let started = admin
        .start_user_import_job()
        .user_pool_id(POOL)
        .job_id(&id)
        .send()
        .await
        .unwrap();
    let job = started.user_import_job().unwrap();
    assert_eq!(job.status().map(|s| s.as_str()), Some("Succeeded"));
    assert_eq!(
        (
            job.imported_users(),
            job.skipped_users(),
            job.failed_users()
        ),
        (1, 1, 1)
    );
    let user = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username("imported@example.com")
        .send()
        .await
        .unwrap();
    let name = user
        .user_attributes()
        .iter()
        .find(|a| a.name() == "name")
        .and_then(|a| a.value());
    assert_eq!(name, Some("Imp Orted"));
    imported_user_signs_in(&t).await;
    let listed = admin
        .list_user_import_jobs()
        .user_pool_id(POOL)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.user_import_jobs().len(), 1);
    let e = admin
        .stop_user_import_job()
        .user_pool_id(POOL)
        .job_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "PreconditionNotMetException");
    let e = admin
        .describe_user_import_job()
        .user_pool_id(POOL)
        .job_id("import-nosuchjob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}
