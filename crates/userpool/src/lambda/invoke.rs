//! Calling a trigger's function: the Lambda Invoke API (`POST
//! /2015-03-31/functions/{name}/invocations` at the pool's Lambda endpoint, unsigned, as
//! `cargo lambda watch`, `sam local start-lambda` and LocalStack accept) or a plain URL; and
//! reading its reply as Cognito does. Nothing here logs the event: it may hold a password or
//! a code.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::config::{target, Target};
use super::{Trigger, TriggerError};

/// Cognito's time limit for a trigger.
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(5);

/// The largest reply read from a function (Lambda's own limit on a synchronous reply).
const MAX_REPLY: usize = 6 * 1024 * 1024;

/// The HTTP client and where Lambda functions are.
#[derive(Debug)]
pub(crate) struct Invoker {
    http: reqwest::Client,
    endpoint: Option<Url>,
    time_limit: Duration,
}

impl Invoker {
    pub(crate) fn new(endpoint: Option<Url>, time_limit: Duration) -> Invoker {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Invoker {
            http,
            endpoint,
            time_limit,
        }
    }

    /// Sends `event` to `function` and returns the event it answers; fails as Cognito does,
    /// with a log line naming the trigger, the endpoint and the cause (never the event).
    pub(crate) async fn invoke(
        &self,
        trigger: Trigger,
        function: &str,
        event: &Value,
    ) -> Result<Value, TriggerError> {
        self.call(trigger, function, event, true).await
    }

    /// Sends `event` to a function whose reply is not read (the custom senders): only its
    /// failure counts, and it is logged.
    pub(crate) async fn notify(&self, trigger: Trigger, function: &str, event: &Value) {
        let _ = self.call(trigger, function, event, false).await;
    }

    async fn call(
        &self,
        trigger: Trigger,
        function: &str,
        event: &Value,
        reply_needed: bool,
    ) -> Result<Value, TriggerError> {
        let (url, lambda) = self.url(function).map_err(|cause| {
            tracing::warn!(trigger = trigger.name(), function, %cause, "trigger not invoked");
            TriggerError::unexpected(trigger, "ResourceNotFoundException")
        })?;
        let result = match self.post(&url, lambda, event).await {
            Err(Failure::NotJson) if !reply_needed => Ok(Value::Null),
            r => r,
        };
        if let Err(failure) = &result {
            tracing::warn!(
                trigger = trigger.name(),
                endpoint = %url,
                cause = %failure.log_cause(),
                "trigger failed"
            );
        }
        result.map_err(|f| f.into_error(trigger))
    }

    /// The URL to post to, and whether it speaks the Lambda Invoke API.
    fn url(&self, function: &str) -> Result<(Url, bool), String> {
        match target(function)? {
            Target::Url(u) => Ok((Url::parse(u).map_err(|e| e.to_string())?, false)),
            Target::Lambda { name, qualifier } => {
                let Some(base) = &self.endpoint else {
                    return Err(format!(
                        "no Lambda endpoint to run {name} (--lambda-endpoint or \
                         USERPOOL_LAMBDA_ENDPOINT, e.g. http://127.0.0.1:9000 for cargo lambda watch)"
                    ));
                };
                let mut url = base
                    .join(&format!("/2015-03-31/functions/{name}/invocations"))
                    .map_err(|e| e.to_string())?;
                if let Some(q) = qualifier {
                    url.query_pairs_mut().append_pair("Qualifier", q);
                }
                Ok((url, true))
            }
        }
    }

    async fn post(&self, url: &Url, lambda: bool, event: &Value) -> Result<Value, Failure> {
        // The limit is per request, so it holds whichever client was built.
        let mut req = self
            .http
            .post(url.clone())
            .timeout(self.time_limit)
            .json(event);
        if lambda {
            req = req.header("X-Amz-Invocation-Type", "RequestResponse");
        }
        let resp = req.send().await.map_err(Failure::from_reqwest)?;
        let status = resp.status();
        let function_error = resp.headers().contains_key("x-amz-function-error");
        let error_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(':').next())
            .map(str::to_string);
        let body = read_limited(resp).await?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        // A function's own error: the Invoke API flags it with `X-Amz-Function-Error`; a plain
        // URL (and some local tools) answer a non-2xx status with Lambda's error shape.
        let error_message = json
            .as_ref()
            .and_then(|v| v.get("errorMessage"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if function_error || (!status.is_success() && error_message.is_some()) {
            return Err(Failure::Function(error_message.unwrap_or_default()));
        }
        if !status.is_success() {
            // The Lambda service names its exception (ResourceNotFoundException, ...) in
            // `x-amzn-ErrorType` or `__type`.
            let kind = error_type
                .or_else(|| {
                    let t = json.as_ref()?.get("__type")?.as_str()?;
                    Some(t.rsplit('#').next().unwrap_or(t).to_string())
                })
                .filter(|k| k.len() <= 128 && k.bytes().all(|b| b.is_ascii_alphanumeric()));
            return Err(Failure::Status(status.as_u16(), kind));
        }
        match json {
            Some(v @ Value::Object(_)) => Ok(v),
            _ => Err(Failure::NotJson),
        }
    }
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, Failure> {
    let mut body = vec![];
    while let Some(chunk) = resp.chunk().await.map_err(Failure::from_reqwest)? {
        if body.len() + chunk.len() > MAX_REPLY {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why an invocation failed, before it is put in Cognito's words.
#[derive(Debug)]
enum Failure {
    /// The function raised an error (its `errorMessage`).
    Function(String),
    /// The time limit passed.
    Timeout,
    /// The endpoint could not be reached.
    Connect(String),
    /// The endpoint answered an error status (with the Lambda service's exception name).
    Status(u16, Option<String>),
    /// The reply is not a JSON object.
    NotJson,
    /// The reply is larger than Lambda allows.
    TooLarge,
}

impl Failure {
    fn from_reqwest(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else {
            // The error's source chain names the cause (connection refused, ...).
            let mut cause = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause = format!("{cause}: {s}");
                source = s.source();
            }
            Failure::Connect(cause)
        }
    }

    /// For the log: the cause, without anything of the event.
    fn log_cause(&self) -> String {
        match self {
            Failure::Function(m) => format!("the function raised an error: {m}"),
            Failure::Timeout => "no reply within the time limit".into(),
            Failure::Connect(c) => format!("cannot reach the endpoint: {c}"),
            Failure::Status(s, k) => format!("HTTP {s} {}", k.as_deref().unwrap_or("")),
            Failure::NotJson => "the reply is not a JSON object".into(),
            Failure::TooLarge => "the reply is larger than 6 MB".into(),
        }
    }

    fn into_error(self, trigger: Trigger) -> TriggerError {
        match self {
            Failure::Function(m) => TriggerError::Validation {
                trigger,
                message: m,
            },
            Failure::Timeout => {
                TriggerError::unexpected(trigger, "Socket timeout while invoking Lambda function")
            }
            Failure::Connect(_) => {
                TriggerError::unexpected(trigger, "Unable to reach the Lambda endpoint")
            }
            Failure::Status(_, Some(kind)) => TriggerError::unexpected(trigger, &kind),
            Failure::Status(s, None) => TriggerError::unexpected(trigger, &format!("HTTP {s}")),
            Failure::NotJson | Failure::TooLarge => TriggerError::InvalidResponse { trigger },
        }
    }
}
