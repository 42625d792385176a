//! `cargo run`: the example website on http://localhost:3000, with the local user pool unless
//! `COGNITO_*` or `AUTH_OIDC_*` is set.

use std::io::IsTerminal as _;

use hallpass_site::{Settings, Site};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                let level = if cfg!(debug_assertions) {
                    "info,hallpass=debug"
                } else {
                    "info"
                };
                tracing_subscriber::EnvFilter::new(level)
            }),
        )
        // Colour codes only for a terminal: logs redirected to a file stay plain text.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), hallpass_site::Error> {
    let settings = Settings::from_env()?;
    let mfa = settings.userpool_mfa;
    let site = Site::start(settings).await?;
    if let Some(pool) = &site.pool {
        println!(
            "Local user pool (AWS Cognito look-alike): {}",
            pool.base_url()
        );
        println!("  issuer    {}", pool.issuer(userpool::DEMO_POOL_ID));
        println!("  client id {}", userpool::DEMO_CLIENT_ID);
        println!(
            "  demo user {} / {}",
            userpool::DEMO_USER_EMAIL,
            userpool::DEMO_USER_PASSWORD
        );
        // Nothing is e-mailed: sign-up, reset and sign-in codes wait here.
        if let Ok(outbox) = pool.base_url().join("_outbox") {
            println!("  outbox    {outbox}  (the codes it would have e-mailed)");
        }
        match mfa {
            Some(m) => println!("  MFA       {} (USERPOOL_MFA)", m.as_str()),
            None => println!("  MFA       optional; USERPOOL_MFA=off|optional|on changes it"),
        }
    } else {
        for provider in site.hallpass.providers() {
            println!(
                "Signing in with {} (id `{}`).",
                provider.name(),
                provider.id()
            );
        }
    }
    println!("Sessions are kept {}.", site.hallpass.session_storage());
    println!("Example site: {}", site.url);
    site.serve(async {
        let _ = tokio::signal::ctrl_c().await;
        println!("Shutting down.");
    })
    .await
}
