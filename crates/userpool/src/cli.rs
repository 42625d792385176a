//! The `userpool` command line: `serve` and the admin commands.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::admin::NewUser;
use crate::config::{
    ClientConfig, MfaSetting, Seed, DEMO_CLIENT_SECRET, DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};
use crate::error::Error;
use crate::password::PasswordHashCost;
use crate::pool::UserPool;

/// A local AWS Cognito user pool: hosted UI and OAuth 2.0 / OpenID Connect, offline.
#[derive(Debug, Parser)]
#[command(name = "userpool", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the pools and their data come from.
#[derive(Debug, Args)]
pub struct Common {
    /// Seed file (TOML); without it, the built-in demo pool.
    #[arg(long, env = "USERPOOL_CONFIG")]
    pub config: Option<PathBuf>,
    /// SQLite database file, created on first run.
    #[arg(long, default_value = "userpool.db", env = "USERPOOL_DB")]
    pub db: String,
    /// With the demo seed: the site whose callback URL is registered.
    #[arg(long, default_value = "http://localhost:3000")]
    pub site_origin: Url,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the pools over HTTP.
    Serve {
        /// Seed and database.
        #[command(flatten)]
        common: Common,
        /// Port.
        #[arg(long, default_value_t = 9229, env = "USERPOOL_PORT")]
        port: u16,
        /// Address to bind (loopback by default: this is a development tool).
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Append confirmation and reset codes to this file.
        #[arg(long)]
        codes_file: Option<PathBuf>,
        /// Public base URL (default `http://localhost:{port}`). Requests naming another host
        /// than its, `localhost` or a loopback address are refused.
        #[arg(long)]
        public_url: Option<Url>,
        /// A web origin whose pages may call the JSON API's public operations (CORS), e.g.
        /// `https://app.example.com` or `http://localhost:*` (any port); repeatable, or
        /// comma-separated in the variable. Default: the seed's `cors_origins`, else http(s)
        /// on localhost and 127.0.0.1, any port.
        #[arg(
            long = "cors-origin",
            env = "USERPOOL_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        /// Every pool's MFA: `off`, `optional` or `on` (the seed's `mfa`, and a setting the
        /// database kept from `SetUserPoolMfaConfig`, give way to it).
        #[arg(long, env = "USERPOOL_MFA", value_parser = parse_mfa)]
        mfa: Option<MfaSetting>,
        /// Where the Lambda Invoke API runs the triggers named by ARN (`cargo lambda watch`:
        /// http://127.0.0.1:9000, `sam local start-lambda`: http://127.0.0.1:3001).
        #[arg(long, env = "USERPOOL_LAMBDA_ENDPOINT")]
        lambda_endpoint: Option<Url>,
    },
    /// Manage users.
    User {
        /// What to do with users.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage group membership.
    Group {
        /// What to do with groups.
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Manage signing keys.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// List pools, clients, groups, users and published key ids.
    List {
        /// Seed and database.
        #[command(flatten)]
        common: Common,
    },
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        /// Seed and database.
        #[command(flatten)]
        common: Common,
        /// Pool id (default: the only pool).
        #[arg(long)]
        pool: Option<String>,
        /// Email (the sign-in name).
        #[arg(long)]
        email: String,
        /// Password (must meet the pool's policy).
        #[arg(long)]
        password: String,
        /// Attribute as NAME=VALUE, e.g. name=Ada or custom:tenant=acme (repeatable).
        #[arg(long = "attr", value_parser = parse_attr)]
        attributes: Vec<(String, String)>,
        /// Leave the user unconfirmed (they must enter a code at first sign-in).
        #[arg(long)]
        unconfirmed: bool,
    },
}

/// `group` subcommands.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Add a user to a group (created if needed).
    Add {
        /// Seed and database.
        #[command(flatten)]
        common: Common,
        /// Pool id (default: the only pool).
        #[arg(long)]
        pool: Option<String>,
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Group name.
        #[arg(long)]
        group: String,
    },
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make new signing keys; old public keys stay published until their tokens expire.
    Rotate {
        /// Seed and database.
        #[command(flatten)]
        common: Common,
        /// Pool id (default: every pool).
        #[arg(long)]
        pool: Option<String>,
    },
}

fn parse_attr(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| "expected NAME=VALUE".to_string())
}

async fn open(common: &Common) -> Result<UserPool, Error> {
    let seed = match &common.config {
        Some(path) => Seed::from_file(path)?,
        None => Seed::demo(&common.site_origin),
    };
    UserPool::builder()
        .seed(seed)
        .database_url(&common.db)
        .password_hash_cost(PasswordHashCost::Default)
        .build()
        .await
}

fn pick_pool(pool: &UserPool, id: Option<String>) -> Result<String, Error> {
    match id {
        Some(id) => Ok(id),
        None => match pool.pools() {
            [only] => Ok(only.id.clone()),
            _ => Err(Error::Config("several pools: say which with --pool".into())),
        },
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Serve {
            common,
            port,
            bind,
            codes_file,
            public_url,
            cors_origins,
            mfa,
            lambda_endpoint,
        } => {
            let addr = SocketAddr::new(bind, port);
            let start = Start {
                codes_file,
                public_url,
                cors_origins,
                mfa,
                lambda_endpoint,
            };
            serve(common, addr, start).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    common,
                    pool,
                    email,
                    password,
                    attributes,
                    unconfirmed,
                },
        } => {
            let user = NewUser {
                email,
                password,
                attributes: attributes.into_iter().collect::<BTreeMap<_, _>>(),
                confirmed: !unconfirmed,
            };
            user_add(common, pool, user).await
        }
        Command::Group {
            command:
                GroupCommand::Add {
                    common,
                    pool,
                    email,
                    group,
                },
        } => group_add(common, pool, &email, &group).await,
        Command::Keys {
            command: KeysCommand::Rotate { common, pool },
        } => keys_rotate(common, pool).await,
        Command::List { common } => list(common).await,
    }
}

/// `serve`: runs until Ctrl-C.
/// `serve`'s settings besides the seed and the address.
struct Start {
    codes_file: Option<PathBuf>,
    public_url: Option<Url>,
    cors_origins: Vec<String>,
    mfa: Option<MfaSetting>,
    lambda_endpoint: Option<Url>,
}

fn parse_mfa(value: &str) -> Result<MfaSetting, String> {
    MfaSetting::parse(value).ok_or_else(|| format!("{value:?}: MFA must be off, optional or on"))
}

async fn serve(common: Common, addr: SocketAddr, start: Start) -> Result<(), Error> {
    let mut seed = match &common.config {
        Some(path) => Seed::from_file(path)?,
        None => Seed::demo(&common.site_origin),
    };
    if let Some(mfa) = start.mfa {
        seed = seed.with_mfa(mfa);
    }
    let mut b = UserPool::builder()
        .seed(seed.clone())
        .database_url(&common.db);
    if let Some(f) = start.codes_file {
        b = b.codes_file(f);
    }
    if let Some(u) = start.public_url {
        b = b.public_url(u);
    }
    if !start.cors_origins.is_empty() {
        b = b.cors_origins(start.cors_origins);
    }
    if let Some(u) = start.lambda_endpoint {
        b = b.lambda_endpoint(u);
    }
    let pool = b.build().await?;
    if let Some(mfa) = start.mfa {
        for p in &seed.pools {
            pool.set_mfa(&p.id, mfa).await?;
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let running = pool.serve(listener).await?;
    println!("user pool listening on http://{}", running.local_addr());
    println!("hosted UI: {}", running.base_url());
    // Where sign-up, reset and sign-in codes go: nothing is e-mailed.
    println!(
        "outbox:    {}  (the codes it would have e-mailed)",
        running
            .base_url()
            .join("_outbox")
            .map(|u| u.to_string())
            .unwrap_or_default()
    );
    for p in &seed.pools {
        println!("issuer:    {}", running.issuer(&p.id));
        if start.mfa.is_some() {
            println!("  MFA {} (USERPOOL_MFA / --mfa)", p.mfa.as_str());
        }
        for c in &p.clients {
            println!("  {}", client_line(c, common.config.as_deref()));
        }
    }
    if common.config.is_none() {
        println!("demo user: {DEMO_USER_EMAIL} / {DEMO_USER_PASSWORD}");
    }
    println!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}

/// A client as `serve` prints it: its id and where its secret is. Only the built-in demo
/// seed's secret is printed, since it is public in this source code anyway; a seed file's
/// secrets stay in the file, out of terminals and logs.
fn client_line(c: &ClientConfig, seed_file: Option<&Path>) -> String {
    match (&c.secret, seed_file) {
        (None, _) => format!("client {} (public, no secret)", c.id),
        (Some(secret), None) if secret == DEMO_CLIENT_SECRET => format!(
            "client {} (confidential), secret {secret} (the demo's development secret)",
            c.id
        ),
        (Some(_), Some(file)) => format!(
            "client {} (confidential), secret in {} (not printed)",
            c.id,
            file.display()
        ),
        (Some(_), None) => format!("client {} (confidential), secret not printed", c.id),
    }
}

/// `user add`.
async fn user_add(common: Common, pool: Option<String>, user: NewUser) -> Result<(), Error> {
    let up = open(&common).await?;
    let pool_id = pick_pool(&up, pool)?;
    let email = user.email.clone();
    let sub = up.add_user(&pool_id, user).await?;
    println!("created {email} in {pool_id}: sub {sub}");
    up.close().await;
    Ok(())
}

/// `group add`.
async fn group_add(
    common: Common,
    pool: Option<String>,
    email: &str,
    group: &str,
) -> Result<(), Error> {
    let up = open(&common).await?;
    let pool_id = pick_pool(&up, pool)?;
    up.add_to_group(&pool_id, email, group).await?;
    println!("added {email} to group {group} in {pool_id}");
    up.close().await;
    Ok(())
}

/// `keys rotate`.
async fn keys_rotate(common: Common, pool: Option<String>) -> Result<(), Error> {
    let up = open(&common).await?;
    up.rotate_keys(pool.as_deref()).await?;
    println!("keys rotated");
    up.close().await;
    Ok(())
}

/// `list`.
async fn list(common: Common) -> Result<(), Error> {
    let up = open(&common).await?;
    for p in up.list().await? {
        println!("pool {}", p.id);
        println!("  clients: {}", p.clients.join(", "));
        println!("  groups:  {}", p.groups.join(", "));
        println!("  keys:    {}", p.kids.join(", "));
        for u in p.users {
            let status = if u.confirmed {
                "confirmed"
            } else {
                "unconfirmed"
            };
            let groups = if u.groups.is_empty() {
                String::new()
            } else {
                format!(" groups={}", u.groups.join(","))
            };
            println!("  user {} sub={} {status}{groups}", u.email, u.sub);
        }
    }
    up.close().await;
    Ok(())
}
