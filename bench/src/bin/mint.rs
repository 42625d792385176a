//! `mint`: prints a session cookie for the load benchmark, encrypted with `Hallpass::encode_session`
//! in NextAuth v4 compatibility, so that the example site and a Next.js + next-auth v4 app with the
//! same secret both accept it.
//!
//! ```text
//! mint [--secret SECRET] [--no-tokens] [--value]
//! ```
//!
//! The secret defaults to `$AUTH_SECRET`. The session is a typical Cognito one (name, email, sub,
//! groups and the provider's access, ID and refresh tokens, about 5 KB encrypted, so two chunks);
//! `--no-tokens` leaves the tokens out (one small cookie). The output is a `Cookie` header value
//! (`next-auth.session-token.0=...; next-auth.session-token.1=...`), or the bare encrypted value with
//! `--value`.

use hallpass::{Compat, Config, Hallpass};

fn usage() -> ! {
    eprintln!(
        "usage: mint [--secret SECRET] [--no-tokens] [--value]   (secret default: $AUTH_SECRET)"
    );
    std::process::exit(2)
}

fn main() {
    let mut secret = std::env::var("AUTH_SECRET").ok().filter(|s| !s.is_empty());
    let mut with_tokens = true;
    let mut value_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--secret" => secret = Some(args.next().unwrap_or_else(|| usage())),
            "--no-tokens" => with_tokens = false,
            "--value" => value_only = true,
            _ => usage(),
        }
    }
    let Some(secret) = secret else { usage() };
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(secret)
        .compat(Compat::NextAuthV4)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1)
        });
    let hallpass = Hallpass::builder(config).build().expect("valid instance");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
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
