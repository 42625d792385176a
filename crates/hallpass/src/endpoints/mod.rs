//! The endpoints under the base path (default `/api/auth`), with NextAuth v4's semantics:
//!
//! | route | module |
//! | --- | --- |
//! | `GET signin`, `POST signin/{provider}` | [`signin`] |
//! | `GET`/`POST callback/{provider}` (redirect providers), `POST callback/{provider}` (credentials) | [`callback`] |
//! | `GET`/`POST signout` | [`signout`] |
//! | `GET`/`POST session`, `GET csrf`, `GET providers` | [`session`] |
//! | `GET error` | [`signin`] (the error page) |
//! | anything else | [`fallback`]: 404, or 405 for a method an endpoint does not take |

mod callback;
pub mod cognito;
pub(crate) mod csrf_form;
pub(crate) mod failure;
mod fallback;
pub(crate) mod pages;
mod session;
mod signin;
mod signout;

use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use http::header::{HeaderValue, CACHE_CONTROL, EXPIRES, PRAGMA};

use crate::Hallpass;

/// The largest body an endpoint reads.
const MAX_BODY: usize = 64 * 1024;

impl Hallpass {
    /// The auth endpoints, under the base path. Merge it into your app.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let routes = Router::new()
            .route("/signin", get(signin::page))
            .route("/signin/{provider}", post(signin::start))
            .route(
                "/callback/{provider}",
                get(callback::from_query).post(callback::from_form),
            )
            .route("/signout", get(signout::page).post(signout::sign_out))
            .route("/session", get(session::get).post(session::update))
            .route("/csrf", get(session::csrf))
            .route("/providers", get(session::providers))
            .route("/error", get(signin::error_page))
            .merge(cognito::routes(self))
            .fallback(fallback::not_found)
            .method_not_allowed_fallback(fallback::method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            // The instance for the extractors (`CsrfForm`), with or without the app's layer.
            .layer(Extension(self.clone()))
            .with_state(self.clone());
        Router::new().nest(&self.config().base_path, routes)
    }
}

/// The fields NextAuth's browser forms carry besides their own.
#[derive(serde::Deserialize, Default)]
pub(crate) struct FlowForm {
    /// Where to go afterwards.
    #[serde(rename = "callbackUrl")]
    pub(crate) callback_url: Option<String>,
    /// `true`: answer `{"url": …}` instead of redirecting.
    json: Option<String>,
}

impl FlowForm {
    /// NextAuth's `json=true`.
    pub(crate) fn json(&self) -> bool {
        self.json.as_deref() == Some("true")
    }
}

/// Form and query fields, parsed leniently (invalid UTF-8 is replaced, never an error); the first
/// occurrence of a name wins.
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    pub(crate) fn parse(raw: &[u8]) -> Self {
        Fields(
            url::form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub(crate) fn query(raw: Option<&str>) -> Self {
        Self::parse(raw.unwrap_or("").as_bytes())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// NextAuth's `json=true`: answer `{"url": …}` instead of redirecting.
    pub(crate) fn json(&self) -> bool {
        self.get("json") == Some("true")
    }

    pub(crate) fn into_pairs(self) -> Vec<(String, String)> {
        self.0
    }

    /// The fields as `T` (a `Deserialize` struct), the first occurrence of each name winning as in
    /// [`Fields::get`]; names `T` does not have are ignored.
    pub(crate) fn parse_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<T, serde_urlencoded::de::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if seen.insert(k.as_str()) {
                out.append_pair(k, v);
            }
        }
        serde_urlencoded::from_str(&out.finish())
    }
}

/// Every field, in order (for [`CsrfForm<Fields>`](crate::CsrfForm): a form read field by field
/// after the token check).
impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = m.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Fields(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// Responses that carry a session or a CSRF token must never be cached.
pub(crate) fn no_store(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store"),
    );
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(EXPIRES, HeaderValue::from_static("0"));
}

/// Where `page` (a configured custom page) is asked for with the request's query.
pub(crate) fn with_query(page: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => format!("{page}?{q}"),
        None => page.to_string(),
    }
}
