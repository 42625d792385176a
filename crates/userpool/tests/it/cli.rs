//! The `userpool` binary's admin commands, on a file database.

use std::process::Command;

fn userpool(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_userpool"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "userpool {args:?} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

#[test]
fn admin_commands_change_the_database() {
    let dir = std::env::temp_dir().join(format!("userpool-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let db = db.to_str().unwrap();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/userpool.example.toml");
    let common = ["--config", config, "--db", db];
    let with = |cmd: &[&str], extra: &[&str]| {
        let mut v: Vec<&str> = cmd.to_vec();
        v.extend_from_slice(&common);
        v.extend_from_slice(extra);
        userpool(&v)
    };

    let before = with(&["list"], &[]);
    assert!(before.contains("pool eu-west-1_Example1"));
    assert!(before.contains(
        "user admin@example.com sub=0f8fad5b-d9cb-469f-a165-70867728950e confirmed groups=admin"
    ));
    let keys_line = |s: &str| {
        s.lines()
            .find(|l| l.trim_start().starts_with("keys:"))
            .unwrap()
            .to_string()
    };
    let kids_before = keys_line(&before);

    let out = with(
        &["user", "add"],
        &[
            "--email",
            "zed@example.com",
            "--password",
            "Z3d!password",
            "--attr",
            "name=Zed",
        ],
    );
    assert!(out.contains("created zed@example.com"));
    with(
        &["group", "add"],
        &["--email", "zed@example.com", "--group", "staff"],
    );
    with(&["keys", "rotate"], &[]);

    let after = with(&["list"], &[]);
    assert!(after.contains("user zed@example.com"), "{after}");
    assert!(after.contains("confirmed groups=staff"), "{after}");
    let kids_after = keys_line(&after);
    assert_ne!(kids_before, kids_after);
    // Four keys published: the two new ones and the two old ones, still in their grace period.
    assert_eq!(kids_after.split(", ").count(), 4, "{kids_after}");
    for old in kids_before
        .trim_start()
        .trim_start_matches("keys:")
        .trim()
        .split(", ")
    {
        assert!(kids_after.contains(old));
    }

    // A bad password is refused with the policy's message, and nothing is created.
    let out = Command::new(env!("CARGO_BIN_EXE_userpool"))
        .args([
            "user",
            "add",
            "--config",
            config,
            "--db",
            db,
            "--email",
            "weak@example.com",
            "--password",
            "weak",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Password not long enough"));
    assert!(!with(&["list"], &[]).contains("weak@example.com"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Log lines written to a pipe (not a terminal) are plain text: no ANSI colour codes.
#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let dir = std::env::temp_dir().join(format!("userpool-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/userpool.example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_userpool"))
        .args(["keys", "rotate", "--config", config, "--db"])
        .arg(&db)
        .env("RUST_LOG", "userpool=info")
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{out:?}");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The rotation logs one line per pool: proof that logging was on.
    assert!(all.contains("signing keys rotated"), "{all}");
    assert!(
        !all.contains('\u{1b}'),
        "ANSI escape in piped logs: {all:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `serve`'s start-up lines (up to "press Ctrl-C to stop"); the server is then stopped.
fn serve_banner(extra: &[&str]) -> String {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("userpool-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_userpool"))
        .args(["serve", "--port", "0", "--db"])
        .arg(dir.join("pool.db"))
        .args(extra)
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line == "press Ctrl-C to stop" {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
    assert!(banner.ends_with("press Ctrl-C to stop\n"), "{banner}");
    banner
}

/// At start, `serve` prints each client's id and where its secret is: the demo's well-known
/// development secret itself, a seed file's secrets only by the file's name.
#[test]
fn serve_prints_the_clients_and_where_their_secrets_are() {
    let demo = serve_banner(&[]);
    assert!(
        demo.contains(&format!(
            "client {} (confidential), secret {}",
            userpool::DEMO_CLIENT_ID,
            userpool::DEMO_CLIENT_SECRET
        )),
        "{demo}"
    );
    assert!(demo.contains("demo user: demo@example.com"), "{demo}");

    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/userpool.example.toml");
    let seeded = serve_banner(&["--config", config]);
    assert!(
        seeded.contains(&format!(
            "client 1example0web0client0000001 (confidential), secret in {config} (not printed)"
        )),
        "{seeded}"
    );
    assert!(seeded.contains("client 2example0spa0client0000001 (public, no secret)"));
    for secret in ["change-me-dev-only-secret", "another-dev-only-secret"] {
        assert!(
            !seeded.contains(secret),
            "a seed file's secret printed: {seeded}"
        );
    }
    assert!(!seeded.contains("demo user"));
}

/// `serve --cors-origin`, repeatable and comma-separated (as `USERPOOL_CORS_ORIGINS` is).
#[test]
fn serve_takes_cors_origins_by_flag_and_by_list() {
    use clap::Parser;
    let cli = userpool::cli::Cli::try_parse_from([
        "userpool",
        "serve",
        "--cors-origin",
        "https://app.example.com",
        "--cors-origin",
        "http://dev.test:*,http://localhost:3000",
    ])
    .unwrap();
    let userpool::cli::Command::Serve { cors_origins, .. } = cli.command else {
        panic!("serve");
    };
    assert_eq!(
        cors_origins,
        [
            "https://app.example.com",
            "http://dev.test:*",
            "http://localhost:3000"
        ]
    );
}
