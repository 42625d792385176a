//! The full sign-in as a browser does it, through an app's own forms and a user pool's hosted UI
//! (shared by the `signin` and `signin_compare` binaries), and a runner that does many of them,
//! C at a time.
//!
//! One sign-in, with a fresh cookie jar (a new browser), redirects followed one by one so that
//! every hop is timed on its own:
//!
//! 1. `GET {app}/api/auth/csrf` (sets the CSRF cookie),
//! 2. `POST {app}/api/auth/signin/cognito` (form: `csrfToken`, `callbackUrl=/protected`) → the
//!    pool's `/oauth2/authorize` → its login form,
//! 3. `POST` the login form (with its anti-CSRF field) → `{app}/api/auth/callback/cognito?code&state`
//!    → `/protected`, which must name the user,
//! 4. `GET {app}/api/auth/session`, which must carry the user's email.
//!
//! Both NextAuth v4 (`next-auth`) and Hallpass answer these routes, so the same flow drives both.
//! Error messages name URLs without their query (no codes, no state) and never include cookies,
//! tokens or passwords.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};

/// At most this many redirects in a row (a browser's limit is higher; the flow needs 3).
const MAX_REDIRECTS: usize = 10;

/// Who signs in, and what the signed-in page must show.
#[derive(Clone, Debug)]
pub struct Account {
    /// The username typed into the pool's login form (an email address); the session must carry it.
    pub email: String,
    /// The password typed into the login form.
    pub password: String,
    /// Text the signed-in `/protected` page must contain (the user's name, say).
    pub expect_on_page: String,
}

impl Account {
    /// The pool's demo user (`userpool::Seed::demo`: `DEMO_USER_EMAIL` / `DEMO_USER_PASSWORD`),
    /// whose `/protected` page must show the seed's `name` attribute.
    pub fn demo_user() -> Account {
        let name = userpool::Seed::demo(&Url::parse("http://localhost/").expect("a valid URL"))
            .pools
            .iter()
            .flat_map(|p| &p.users)
            .find(|u| u.email == userpool::DEMO_USER_EMAIL)
            .and_then(|u| u.attributes.get("name").cloned())
            .unwrap_or_else(|| userpool::DEMO_USER_EMAIL.into());
        Account {
            email: userpool::DEMO_USER_EMAIL.into(),
            password: userpool::DEMO_USER_PASSWORD.into(),
            expect_on_page: name,
        }
    }
}

/// The time one request of a sign-in took, from sending it to the end of its body.
#[derive(Clone, Copy, Debug)]
pub struct Hop {
    /// Which step of the flow: see [`step_name`].
    pub step: &'static str,
    /// Request to end of body.
    pub elapsed: Duration,
}

/// The step a request belongs to, by who answers it (`app` or `pool`), its method and its path:
/// `new_browser` (building the client and its cookie jar), `csrf`, `signin`, `authorize`,
/// `login_page`, `login`, `callback`, `protected`, `session`, or `other`.
pub fn step_name(app: bool, method: &Method, path: &str) -> &'static str {
    match (app, method.as_str(), path) {
        (true, "GET", "/api/auth/csrf") => "csrf",
        (true, "POST", p) if p.starts_with("/api/auth/signin/") => "signin",
        (true, _, p) if p.starts_with("/api/auth/callback/") => "callback",
        (true, "GET", "/protected") => "protected",
        (true, "GET", "/api/auth/session") => "session",
        (false, "GET", "/oauth2/authorize") => "authorize",
        (false, "GET", "/login") => "login_page",
        (false, "POST", "/login") => "login",
        _ => "other",
    }
}

/// Every step name, in the order of the flow.
pub const STEPS: [&str; 10] = [
    "new_browser",
    "csrf",
    "signin",
    "authorize",
    "login_page",
    "login",
    "callback",
    "protected",
    "session",
    "other",
];

/// A URL without its query and fragment (codes and state stay out of messages).
fn bare(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

/// The `<title>` of a page, to say which page a flow ended on.
fn title(html: &str) -> &str {
    html.split_once("<title>")
        .and_then(|(_, t)| t.split_once("</title>"))
        .map_or("(no title)", |(t, _)| t.trim())
}

/// A fresh browser on `app`: a cookie jar, no automatic redirects, and the hops it timed.
struct Browser {
    http: reqwest::Client,
    app: Url,
    hops: Vec<Hop>,
}

/// What a request ended with after its redirects.
struct Landed {
    url: Url,
    status: StatusCode,
    body: String,
}

impl Browser {
    fn new(app: &Url) -> Result<Browser, String> {
        let t = Instant::now();
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Browser {
            http,
            app: app.clone(),
            hops: vec![Hop {
                step: "new_browser",
                elapsed: t.elapsed(),
            }],
        })
    }

    /// Sends one request (a form when `form` is given), then follows redirects with `GET` as a
    /// browser does after a 302/303, timing every request.
    async fn go(
        &mut self,
        method: Method,
        mut url: Url,
        form: Option<&[(String, String)]>,
    ) -> Result<Landed, String> {
        let mut method = method;
        let mut form = form;
        for _ in 0..=MAX_REDIRECTS {
            let step = step_name(url.origin() == self.app.origin(), &method, url.path());
            let t = Instant::now();
            let mut req = self.http.request(method.clone(), url.clone());
            if let Some(f) = form {
                req = req.form(f);
            }
            let res = req
                .send()
                .await
                .map_err(|e| format!("{method} {}: {}", bare(&url), e.without_url()))?;
            let status = res.status();
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let body = res
                .text()
                .await
                .map_err(|e| format!("{method} {}: {}", bare(&url), e.without_url()))?;
            self.hops.push(Hop {
                step,
                elapsed: t.elapsed(),
            });
            match (status.is_redirection(), location) {
                (true, Some(l)) => {
                    url = url
                        .join(&l)
                        .map_err(|e| format!("{} redirected to a bad URL: {e}", bare(&url)))?;
                    method = Method::GET;
                    form = None;
                }
                (true, None) => {
                    return Err(format!("{} answered {status} without Location", bare(&url)))
                }
                (false, _) => return Ok(Landed { url, status, body }),
            }
        }
        Err(format!(
            "more than {MAX_REDIRECTS} redirects from {}",
            bare(&url)
        ))
    }
}

/// One complete sign-in of `account` on `app` with a fresh cookie jar; the timed hops.
pub async fn sign_in(app: &Url, account: &Account) -> Result<Vec<Hop>, String> {
    let mut b = Browser::new(app)?;
    let join = |p: &str| app.join(p).map_err(|e| e.to_string());

    let csrf = b.go(Method::GET, join("/api/auth/csrf")?, None).await?;
    let token = serde_json::from_str::<serde_json::Value>(&csrf.body)
        .ok()
        .and_then(|v| v["csrfToken"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            format!(
                "GET /api/auth/csrf answered {} without a csrfToken",
                csrf.status
            )
        })?;

    let form = [
        ("csrfToken".to_string(), token),
        ("callbackUrl".to_string(), "/protected".to_string()),
    ];
    let login = b
        .go(Method::POST, join("/api/auth/signin/cognito")?, Some(&form))
        .await?;
    if login.status != StatusCode::OK {
        return Err(format!(
            "the sign-in ended on {} with {} ({}), not the pool's login form",
            bare(&login.url),
            login.status,
            title(&login.body)
        ));
    }
    let (action, mut fields) = crate::html_form(&login.body, &login.url, "/login")?;
    fields.retain(|(n, _)| n != "username" && n != "password");
    fields.push(("username".into(), account.email.clone()));
    fields.push(("password".into(), account.password.clone()));

    let page = b.go(Method::POST, action, Some(&fields)).await?;
    if page.status != StatusCode::OK
        || page.url.origin() != app.origin()
        || page.url.path() != "/protected"
        || !page.body.contains(&account.expect_on_page)
    {
        return Err(format!(
            "the login ended on {} with {} ({}), not on /protected naming the user",
            bare(&page.url),
            page.status,
            title(&page.body)
        ));
    }

    let session = b.go(Method::GET, join("/api/auth/session")?, None).await?;
    let email = serde_json::from_str::<serde_json::Value>(&session.body)
        .ok()
        .and_then(|v| v["user"]["email"].as_str().map(str::to_owned));
    if email.as_deref() != Some(account.email.as_str()) {
        return Err(format!(
            "GET /api/auth/session answered {} without the user's email",
            session.status
        ));
    }
    Ok(b.hops)
}

/// The outcome of a batch of sign-ins.
#[derive(Debug, Default)]
pub struct Batch {
    /// Sign-ins attempted.
    pub attempted: usize,
    /// Latency of each successful sign-in, sorted.
    pub latencies: Vec<Duration>,
    /// The first few failures' messages.
    pub errors: Vec<String>,
    /// Wall-clock time of the batch.
    pub elapsed: Duration,
    /// Per step (in [`STEPS`] order): total time over the successful sign-ins, and the count of
    /// requests.
    pub steps: Vec<(&'static str, Duration, usize)>,
}

impl Batch {
    /// Successful sign-ins.
    pub fn ok(&self) -> usize {
        self.latencies.len()
    }

    /// Successful sign-ins per second of wall-clock time.
    pub fn rate(&self) -> f64 {
        self.ok() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p`-quantile (0..=1) of the latency, in ms (NaN without a success).
    pub fn pct_ms(&self, p: f64) -> f64 {
        let n = self.latencies.len();
        if n == 0 {
            return f64::NAN;
        }
        let i = ((n as f64 - 1.0) * p).round() as usize;
        self.latencies[i.min(n - 1)].as_secs_f64() * 1000.0
    }

    /// Mean time per successful sign-in spent in `step`, in ms.
    pub fn step_ms(&self, step: &str) -> f64 {
        let total: Duration = self
            .steps
            .iter()
            .filter(|(s, _, _)| *s == step)
            .map(|(_, d, _)| *d)
            .sum();
        if self.ok() == 0 {
            f64::NAN
        } else {
            total.as_secs_f64() * 1000.0 / self.ok() as f64
        }
    }

    /// `step=ms ...` for every step with requests (mean per sign-in).
    pub fn split(&self) -> String {
        self.steps
            .iter()
            .filter(|(_, _, n)| *n > 0)
            .map(|(s, _, _)| format!("{s}={:.2}", self.step_ms(s)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Runs `count` sign-ins of `account` on `app`, `concurrency` at a time, each with a fresh cookie
/// jar; stops starting new ones after `limit`.
pub async fn run(
    app: &Url,
    account: &Account,
    count: usize,
    concurrency: usize,
    limit: Duration,
) -> Batch {
    let deadline = Instant::now() + limit;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (app, account, next) = (app.clone(), account.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count && Instant::now() < deadline {
                let t = Instant::now();
                let r = sign_in(&app, &account).await;
                out.push(r.map(|hops| (t.elapsed(), hops)));
            }
            out
        }));
    }
    let mut batch = Batch {
        steps: STEPS.iter().map(|s| (*s, Duration::ZERO, 0)).collect(),
        ..Batch::default()
    };
    for t in tasks {
        let results = match t.await {
            Ok(r) => r,
            Err(e) => vec![Err(format!("a sign-in task failed: {e}"))],
        };
        for r in results {
            batch.attempted += 1;
            match r {
                Ok((d, hops)) => {
                    batch.latencies.push(d);
                    for h in hops {
                        if let Some(s) = batch.steps.iter_mut().find(|(s, _, _)| *s == h.step) {
                            s.1 += h.elapsed;
                            s.2 += 1;
                        }
                    }
                }
                Err(e) => {
                    if batch.errors.len() < 3 {
                        batch.errors.push(e);
                    }
                }
            }
        }
    }
    batch.elapsed = started.elapsed();
    batch.latencies.sort();
    batch
}
