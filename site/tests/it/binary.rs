//! The `hallpass-site` binary as a new user starts it, with its output going to a pipe (as when
//! redirected to a file): the log is plain text, with no ANSI colour codes, and the first run
//! tells where the generated development secret is and what to git-ignore.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

#[test]
fn logs_to_a_pipe_are_plain_text_and_say_what_to_git_ignore() {
    let dir = std::env::temp_dir().join(format!("site-first-run-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hallpass-site"));
    cmd.current_dir(&dir)
        .env("PORT", "0")
        .env("USERPOOL_PORT", "0")
        .env("USERPOOL_DB", dir.join("pool.db"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for var in [
        "AUTH_URL",
        "NEXTAUTH_URL",
        "AUTH_SECRET",
        "NEXTAUTH_SECRET",
        "AUTH_SECRET_1",
        "COGNITO_CLIENT_ID",
        "AUTH_OIDC_ISSUER",
        "AUTH_OIDC_CLIENT_ID",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().unwrap();
    let mut output = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        output.push_str(&line);
        output.push('\n');
        if line.starts_with("Example site:") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        output.contains("Example site: http://localhost:"),
        "{output}"
    );
    assert!(
        output.contains("generated a development secret in .hallpass-secret"),
        "the warning is in the log: {output}"
    );
    assert!(output.contains(".gitignore"), "{output}");
    assert!(!output.contains('\u{1b}'), "no colour codes: {output:?}");
}
