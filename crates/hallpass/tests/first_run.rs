//! What a new app meets on its first run, which depends on the process itself: `.env.local` read by
//! whichever `from_env` comes first, and the generated-secret warning printed although the app has
//! no `tracing` subscriber. Each case runs in a child process of this test binary, in a fresh
//! directory, so neither the environment nor the working directory of other tests is touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hallpass::provider::Cognito;
use hallpass::Config;

/// Variables a developer's shell might hold that would change what the children see.
const CLEARED: &[&str] = &[
    "AUTH_URL",
    "NEXTAUTH_URL",
    "AUTH_SECRET",
    "NEXTAUTH_SECRET",
    "AUTH_SECRET_1",
    "AUTH_SECRET_2",
    "AUTH_SECRET_3",
    "COGNITO_CLIENT_ID",
    "COGNITO_CLIENT_SECRET",
    "COGNITO_ISSUER",
    "COGNITO_DOMAIN",
    "RUST_LOG",
];

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hallpass-first-run-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the ignored test `case` of this binary alone, in `dir`.
fn run_child(case: &str, dir: &Path) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        case,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .current_dir(dir);
    for var in CLEARED {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{case} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn cognito_from_env_reads_env_local_when_called_first() {
    let dir = fresh_dir();
    std::fs::write(
        dir.join(".env.local"),
        "COGNITO_CLIENT_ID=first-run-client\nCOGNITO_ISSUER=http://localhost:9/us-east-1_FirstRun\n",
    )
    .unwrap();
    run_child("child_cognito_from_env_first", &dir);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
#[ignore = "run in a child process by cognito_from_env_reads_env_local_when_called_first"]
fn child_cognito_from_env_first() {
    let provider = Cognito::from_env().expect("valid variables");
    assert!(provider.is_some(), "COGNITO_* from .env.local was not read");
    assert_eq!(
        std::env::var("COGNITO_CLIENT_ID").as_deref(),
        Ok("first-run-client")
    );
    // A second load is a no-op, and Config::from_env still sees the same files.
    Config::builder()
        .secret("0123456789abcdef0123456789abcdef")
        .with_env()
        .unwrap()
        .build()
        .unwrap();
}

#[test]
fn generated_secret_warning_reaches_stderr_without_a_subscriber() {
    let dir = fresh_dir();
    let out = run_child("child_generate_secret", &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let secret = std::fs::read_to_string(dir.join(".hallpass-secret")).unwrap();
    assert!(
        stderr.contains("generated a development secret in .hallpass-secret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("add `.hallpass-secret` and `.env.local` to your .gitignore"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("generated a development secret").count(), 1);
    assert!(
        !stderr.contains(secret.trim()),
        "the secret itself is never printed"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
#[ignore = "run in a child process by generated_secret_warning_reaches_stderr_without_a_subscriber"]
fn child_generate_secret() {
    Config::from_env().expect("a debug build generates a secret");
    Config::from_env().expect("and reads it back");
}
