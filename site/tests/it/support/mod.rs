//! `spawn_site()`, a small HTML form reader, and (in `oidc`) an OpenID provider that is not the pool.

pub mod log;
pub mod oidc;
pub mod proxy;

use hallpass_site::{Settings, Site};
use url::Url;
use userpool::RunningUserPool;

pub const SECRET: &str = "site-test-secret-0123456789abcdefghij";

/// A running site with its embedded pool.
pub struct TestSite {
    pub url: Url,
    pub pool: RunningUserPool,
}

impl TestSite {
    pub fn at(&self, path: &str) -> String {
        self.url.join(path).unwrap().to_string()
    }
}

pub async fn spawn_site() -> TestSite {
    spawn_site_with(Settings::for_tests(SECRET)).await
}

/// A site started from `settings` (with an embedded pool).
pub async fn spawn_site_with(settings: Settings) -> TestSite {
    let site = Site::start(settings).await.expect("site starts");
    let (url, pool) = site.spawn();
    TestSite {
        url,
        pool: pool.expect("embedded pool"),
    }
}

/// A browser-like client: keeps cookies, follows redirects.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap()
}

/// A form on a page: its action (resolved against the page URL) and its fields.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self.fields.push((name.into(), value.into()));
        self
    }

    /// A copy with `name` set to `value` (one form posted many times).
    pub fn clone_with(&self, name: &str, value: &str) -> Self {
        self.clone().set(name, value)
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

/// The forms of `html` whose action contains `action_part`.
pub fn form(html: &str, page: &Url, action_part: &str) -> Form {
    for chunk in html.split("<form").skip(1) {
        let (tag, rest) = chunk.split_once('>').unwrap();
        let action = attr(tag, "action").unwrap_or_default();
        if !action.contains(action_part) {
            continue;
        }
        let body = rest.split("</form>").next().unwrap();
        let fields = body
            .split("<input")
            .skip(1)
            .filter_map(|i| {
                let tag = i.split('>').next().unwrap();
                Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
            })
            .collect();
        return Form {
            action: page.join(&action).unwrap().to_string(),
            fields,
        };
    }
    panic!("no form posting to {action_part} in:\n{html}");
}

/// GETs `url` and returns the final URL and the body.
pub async fn get(client: &reqwest::Client, url: &str) -> (Url, reqwest::StatusCode, String) {
    let res = client
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    (res.url().clone(), res.status(), res.text().await.unwrap())
}

/// Submits a form and returns the final URL and the body.
pub async fn submit(client: &reqwest::Client, form: &Form) -> (Url, reqwest::StatusCode, String) {
    let res = client
        .post(&form.action)
        .header("accept", "text/html")
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    (res.url().clone(), res.status(), res.text().await.unwrap())
}

/// Signs the demo user in from the home page at `home`, through the pool's hosted UI, and checks
/// it lands on `/protected`. A browser the pool still knows (its hosted-UI session outlives the
/// app's) skips the login form.
pub async fn sign_in_from_home(browser: &reqwest::Client, home: &str) {
    let (page_url, _, page) = get(browser, home).await;
    let (login_url, status, login) =
        submit(browser, &form(&page, &page_url, "/api/auth/signin/cognito")).await;
    let (landed, status) = if login_url.path() == "/protected" {
        (login_url, status)
    } else {
        let login_form = form(&login, &login_url, "/login")
            .set("username", userpool::DEMO_USER_EMAIL)
            .set("password", userpool::DEMO_USER_PASSWORD);
        let (landed, status, _) = submit(browser, &login_form).await;
        (landed, status)
    };
    assert_eq!((landed.path(), status.as_u16()), ("/protected", 200));
}

/// The shape of a JSON value: its keys and their types, not the values (to compare two sessions).
pub fn json_shape(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), json_shape(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(json_shape).collect()),
        Value::String(_) => Value::String("string".into()),
        Value::Number(_) => Value::String("number".into()),
        Value::Bool(_) => Value::String("bool".into()),
        Value::Null => Value::Null,
    }
}
