//! Checks a request against its operation's input shape, as Cognito does before anything
//! else: a value of the wrong JSON type is a `SerializationException`; every broken
//! constraint (a required member missing, a length, a pattern, a range, an enum) is listed in
//! one `InvalidParameterException`: `2 validation errors detected: Value '…' at 'username'
//! failed to satisfy constraint: Member must …; …`.

use serde_json::Value;

use super::{model, Model, Shape};
use crate::api::{ApiError, Exception};

/// Shapes whose values an error never repeats besides those the model marks `sensitive`:
/// a confirmation code is a secret here too (Cognito echoes it).
const ALSO_SECRET: &[&str] = &["ConfirmationCodeType"];

/// Validates `body` (the raw request) as `operation`'s input. An operation the model does
/// not know is let through (the dispatcher answers it).
pub(crate) fn validate(operation: &str, body: &[u8]) -> Result<(), ApiError> {
    let m = model();
    let Some(op) = m.operations.get(operation) else {
        return Ok(());
    };
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|_| serialization("Malformed request body."))?
    };
    if !value.is_object() {
        return Err(serialization("The request body is not a JSON object."));
    }
    let mut walk = Walk { m, errors: vec![] };
    walk.value(&op.input, &value, "", false)?;
    if walk.errors.is_empty() {
        return Ok(());
    }
    let n = walk.errors.len();
    let plural = if n == 1 { "error" } else { "errors" };
    Err(ApiError::new(
        Exception::InvalidParameterException,
        format!(
            "{n} validation {plural} detected: {}",
            walk.errors.join("; ")
        ),
    ))
}

fn serialization(message: &str) -> ApiError {
    ApiError::new(Exception::SerializationException, message)
}

struct Walk<'m> {
    m: &'m Model,
    errors: Vec<String>,
}

impl<'m> Walk<'m> {
    fn shape(&self, name: &str) -> Result<&'m Shape, ApiError> {
        // Every reference resolves (a unit test checks the table).
        self.m
            .shapes
            .get(name)
            .ok_or_else(|| ApiError::new(Exception::InternalErrorException, "Internal error."))
    }

    /// Checks `value` (never null) against shape `name`, found at `path`.
    fn value(
        &mut self,
        name: &str,
        value: &Value,
        path: &str,
        secret: bool,
    ) -> Result<(), ApiError> {
        let shape = self.shape(name)?;
        let secret = secret || shape.sensitive || ALSO_SECRET.contains(&name);
        if shape.document {
            return Ok(());
        }
        let broken = match (shape.kind.as_str(), value) {
            ("structure", Value::Object(o)) => {
                self.structure(shape, o, path, secret)?;
                vec![]
            }
            ("list", Value::Array(items)) => {
                let element = shape.member.as_ref().map(|r| r.shape.as_str());
                for (i, item) in items.iter().enumerate() {
                    if let (Some(e), false) = (element, item.is_null()) {
                        self.value(e, item, &format!("{path}.{}.member", i + 1), secret)?;
                    }
                }
                length(shape, items.len())
            }
            ("map", Value::Object(o)) => {
                self.map(shape, o, path, secret)?;
                length(shape, o.len())
            }
            ("string", Value::String(s)) => string(shape, s),
            ("blob", Value::String(s)) => length(shape, s.len()),
            ("integer" | "long", Value::Number(n)) => match n.as_i64() {
                Some(n) => range(shape, n),
                None => return Err(serialization(&format!("'{path}' is not an integer."))),
            },
            ("boolean", Value::Bool(_)) | ("timestamp", Value::Number(_) | Value::String(_)) => {
                vec![]
            }
            _ => {
                return Err(serialization(&format!(
                    "'{}' is not a JSON {} value.",
                    path.trim_start_matches('.'),
                    shape.kind
                )))
            }
        };
        for constraint in broken {
            self.errors
                .push(failed(Some(value), path, secret, &constraint));
        }
        Ok(())
    }

    fn structure(
        &mut self,
        shape: &Shape,
        o: &serde_json::Map<String, Value>,
        path: &str,
        secret: bool,
    ) -> Result<(), ApiError> {
        for (member, r) in &shape.members {
            let at = format!("{path}.{}", lower_first(member));
            match o.get(member).filter(|v| !v.is_null()) {
                Some(v) => self.value(&r.shape, v, &at, secret)?,
                None if shape.required.contains(member) => {
                    self.errors
                        .push(failed(None, &at, false, "Member must not be null"));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// A map's keys and scalar values are checked as a whole (`Map keys must satisfy
    /// constraint: [...]`); structured values as members named by their key.
    fn map(
        &mut self,
        shape: &Shape,
        o: &serde_json::Map<String, Value>,
        path: &str,
        secret: bool,
    ) -> Result<(), ApiError> {
        let (Some(k), Some(v)) = (&shape.key, &shape.value) else {
            return Ok(());
        };
        let (key_shape, value_shape) = (self.shape(&k.shape)?, self.shape(&v.shape)?);
        let secret = secret || key_shape.sensitive || value_shape.sensitive;
        let mut keys = vec![];
        let mut values = vec![];
        for (key, value) in o {
            keys.extend(string(key_shape, key));
            match (value_shape.kind.as_str(), value) {
                (_, Value::Null) => {}
                ("string", Value::String(s)) => values.extend(string(value_shape, s)),
                ("string", _) => return Err(serialization("A map value is not a string.")),
                _ => self.value(&v.shape, value, &format!("{path}.{key}"), secret)?,
            }
        }
        let whole = Value::Object(o.clone());
        for (what, mut list) in [("keys", keys), ("value", values)] {
            list.dedup();
            if !list.is_empty() {
                let c = format!("Map {what} must satisfy constraint: [{}]", list.join(", "));
                self.errors.push(failed(Some(&whole), path, secret, &c));
            }
        }
        Ok(())
    }
}

/// `Value '…' at 'path' failed to satisfy constraint: …`, the value left out when secret.
fn failed(value: Option<&Value>, path: &str, secret: bool, constraint: &str) -> String {
    let path = path.trim_start_matches('.');
    match (value, secret) {
        (None, _) => format!("Value null at '{path}' failed to satisfy constraint: {constraint}"),
        (Some(_), true) => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
        (Some(v), false) => format!(
            "Value '{}' at '{path}' failed to satisfy constraint: {constraint}",
            render(v)
        ),
    }
}

/// A value as Cognito's (Java) messages print it: strings bare, lists `[a, b]`, maps `{k=v}`.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `UserPoolId` → `userPoolId`, as Cognito names members in its messages.
fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

fn string(shape: &Shape, s: &str) -> Vec<String> {
    // Java counts UTF-16 code units.
    let mut broken = length(shape, s.encode_utf16().count());
    if shape.regex().is_some_and(|r| !r.is_match(s)) {
        let p = shape.pattern.as_deref().unwrap_or_default();
        broken.push(format!(
            "Member must satisfy regular expression pattern: {p}"
        ));
    }
    if let Some(values) = shape
        .values
        .as_ref()
        .filter(|v| !v.contains(&s.to_string()))
    {
        broken.push(format!(
            "Member must satisfy enum value set: [{}]",
            values.join(", ")
        ));
    }
    broken
}

fn length(shape: &Shape, len: usize) -> Vec<String> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut broken = vec![];
    if let Some(min) = shape.min.filter(|min| len < *min) {
        broken.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = shape.max.filter(|max| len > *max) {
        broken.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    broken
}

fn range(shape: &Shape, n: i64) -> Vec<String> {
    let mut broken = vec![];
    if let Some(min) = shape.min.filter(|min| n < *min) {
        broken.push(format!(
            "Member must have value greater than or equal to {min}"
        ));
    }
    if let Some(max) = shape.max.filter(|max| n > *max) {
        broken.push(format!(
            "Member must have value less than or equal to {max}"
        ));
    }
    broken
}
