//! `mint`: prints a session cookie for the load benchmark, encrypted with `Hallpass::encode_session`
//! in NextAuth v4 compatibility, so that the example site and a Next.js + next-auth v4 app with the
//! same secret both accept it.
//!
//! ```text
//! mint [--secret SECRET] [--no-tokens] [--value] [--store URL]
//! ```
//!
//! The secret defaults to `$AUTH_SECRET`. The session is a typical Cognito one (name, email, sub,
//! groups and the provider's access, ID and refresh tokens, about 5 KB encrypted, so two chunks);
//! `--no-tokens` leaves the tokens out (one small cookie). The output is a `Cookie` header value
//! (`next-auth.session-token.0=...; next-auth.session-token.1=...`), or the bare encrypted value with
//! `--value`.
//!
//! With `--store URL` (a session store, as in `AUTH_SESSION_STORE`) the same session is signed in
//! through that store with `Hallpass::sign_in`, and the cookie printed is the session's id: a site
//! started with the same secret and store reads it from there.

use axum::http::HeaderMap;
use hallpass::provider::{Profile, SignIn};
use hallpass::{Compat, Config, Hallpass};

fn usage() -> ! {
    eprintln!(
        "usage: mint [--secret SECRET] [--no-tokens] [--value] [--store URL]   (secret default: $AUTH_SECRET)"
    );
    std::process::exit(2)
}

fn main() {
    let mut secret = std::env::var("AUTH_SECRET").ok().filter(|s| !s.is_empty());
    let mut with_tokens = true;
    let mut value_only = false;
    let mut store = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--secret" => secret = Some(args.next().unwrap_or_else(|| usage())),
            "--no-tokens" => with_tokens = false,
            "--value" => value_only = true,
            "--store" => store = Some(args.next().unwrap_or_else(|| usage())),
            _ => usage(),
        }
    }
    let Some(secret) = secret else { usage() };
    let mut config = Config::builder()
        .url("http://localhost:3000")
        .secret(secret)
        .compat(Compat::NextAuthV4);
    if let Some(url) = &store {
        config = config.session_store(url.clone());
    }
    let config = config.build().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    // A store's connection pool is opened on the runtime that will use it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _entered = runtime.enter();
    let hallpass = Hallpass::builder(config).build().expect("valid instance");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if store.is_some() {
        return print_stored(&runtime, &hallpass, now, with_tokens);
    }
    let value = hallpass.encode_session(&hallpass_bench::session(now, with_tokens));
    if let Err(e) = hallpass.decode_session(&value) {
        eprintln!("error: the minted session does not decode: {e}");
        std::process::exit(1);
    }
    if value_only {
        println!("{value}");
    } else {
        println!(
            "{}",
            hallpass_bench::cookie_header(hallpass.session_cookie_name(), &value)
        );
    }
}

/// Signs the benchmark's user in through the configured store and prints the session cookie.
fn print_stored(
    runtime: &tokio::runtime::Runtime,
    hallpass: &Hallpass,
    now: i64,
    with_tokens: bool,
) {
    let session = hallpass_bench::session(now, with_tokens);
    let profile = Profile {
        sub: session.sub.clone().unwrap_or_default(),
        name: session.name.clone(),
        email: session.email.clone(),
        picture: None,
        groups: session.groups.clone(),
        username: None,
        extra: Default::default(),
        claims: Default::default(),
    };
    let sign_in = SignIn {
        profile,
        tokens: session.tokens.clone(),
    };
    let cookies = runtime
        .block_on(hallpass.sign_in(&HeaderMap::new(), "cognito", sign_in))
        .unwrap_or_else(|e| {
            eprintln!("error: the store refused the session: {e}");
            std::process::exit(1)
        });
    let name = hallpass.session_cookie_name();
    let Some(value) = cookies
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}="))?.split(';').next())
    else {
        eprintln!("error: no session cookie was issued");
        std::process::exit(1)
    };
    println!("{name}={value}");
}
