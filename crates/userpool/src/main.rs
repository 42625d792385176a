//! `userpool`: a local AWS Cognito user pool. See `userpool --help`.

use std::io::IsTerminal;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "userpool=info".into()),
        )
        // Colour only for a person at a terminal; a pipe or a file gets plain text. The
        // check is on stdout because that is where these log lines are written.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    match userpool::cli::run(userpool::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("userpool: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
