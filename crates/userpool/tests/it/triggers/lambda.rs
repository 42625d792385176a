//! A stand-in for the Lambda service: `POST /2015-03-31/functions/{name}/invocations` as the
//! Invoke API (what `cargo lambda watch` and `sam local start-lambda` serve), and
//! `POST /hook/{name}` as a plain URL. It records every event and answers by function name.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use url::Url;

/// What a function does with an event.
pub enum Reply {
    /// Returns this event (usually the one received, its `response` filled in).
    Event(Value),
    /// Raises an error with this message.
    Error(String),
    /// Answers after this long (to pass the pool's time limit).
    Late(Duration),
    /// Answers this status and raw body.
    Raw(u16, &'static str),
}

type Behaviour = dyn Fn(&str, Value) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    events: Arc<Mutex<Vec<(String, Value)>>>,
    behaviour: Arc<Behaviour>,
}

pub struct FakeLambda {
    /// The endpoint to give the pool.
    pub url: Url,
    shared: Shared,
}

impl FakeLambda {
    /// Starts the service; `behaviour` answers each call by function name and event.
    pub async fn start(
        behaviour: impl Fn(&str, Value) -> Reply + Send + Sync + 'static,
    ) -> FakeLambda {
        let shared = Shared {
            events: Arc::default(),
            behaviour: Arc::new(behaviour),
        };
        let app = Router::new()
            .route("/2015-03-31/functions/{name}/invocations", post(invoke))
            .route("/hook/{name}", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeLambda { url, shared }
    }

    /// Every event received so far, with its function's name.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.shared.events.lock().unwrap().clone()
    }

    /// The events `function` received.
    pub fn events_of(&self, function: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|(n, _)| n == function)
            .map(|(_, e)| e)
            .collect()
    }

    /// The one event `function` received (fails if it got none or several).
    pub fn only_event(&self, function: &str) -> Value {
        let mut all = self.events_of(function);
        assert_eq!(all.len(), 1, "{function} should be called once: {all:?}");
        all.remove(0)
    }
}

async fn respond(shared: &Shared, name: &str, event: Value, lambda: bool) -> Response {
    shared
        .events
        .lock()
        .unwrap()
        .push((name.to_string(), event.clone()));
    match (shared.behaviour)(name, event.clone()) {
        Reply::Event(v) => Json(v).into_response(),
        Reply::Error(m) if lambda => (
            StatusCode::OK,
            [("x-amz-function-error", "Unhandled")],
            Json(json!({ "errorMessage": m, "errorType": "Error" })),
        )
            .into_response(),
        Reply::Error(m) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "errorMessage": m, "errorType": "Error" })),
        )
            .into_response(),
        Reply::Late(d) => {
            tokio::time::sleep(d).await;
            Json(event).into_response()
        }
        Reply::Raw(status, body) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
    }
}

async fn invoke(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    Json(event): Json<Value>,
) -> Response {
    respond(&shared, &name, event, true).await
}

async fn hook(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    Json(event): Json<Value>,
) -> Response {
    respond(&shared, &name, event, false).await
}

/// `event` with `response` set to `response`: what a function returns.
pub fn answer(mut event: Value, response: Value) -> Value {
    event["response"] = response;
    event
}
