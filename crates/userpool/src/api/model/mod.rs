//! AWS's service model of `cognito-idp` (botocore's `service-2.json`, vendored in `model/`),
//! reduced to what the JSON API checks: each operation's input shape, and each shape's type,
//! members and constraints. Every request is validated against it before its operation runs,
//! so the constraints come from one table, not from each operation's code.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use serde::Deserialize;

#[cfg(test)]
mod generate;
mod patterns;
mod validate;

pub(crate) use validate::validate;

/// The table, generated from `model/cognito-idp/service-2.json` (see `generate.rs`).
const TABLE: &str = include_str!("table.json");

/// The parsed table: operations and shapes by name.
#[derive(Deserialize)]
pub(crate) struct Model {
    pub operations: BTreeMap<String, Operation>,
    pub shapes: HashMap<String, Shape>,
}

#[derive(Deserialize)]
pub(crate) struct Operation {
    pub input: String,
    /// The errors the operation declares.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Operations Cognito answers without AWS credentials (`authtype: none`).
    #[serde(default)]
    pub public: bool,
}

/// A reference to a shape (a structure's member, a list's element, a map's key or value).
#[derive(Deserialize)]
pub(crate) struct Ref {
    pub shape: String,
}

/// One shape and its constraints, as the model states them.
#[derive(Deserialize)]
pub(crate) struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: BTreeMap<String, Ref>,
    #[serde(default)]
    pub required: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum")]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub sensitive: bool,
    /// A document (any JSON): not checked.
    #[serde(default)]
    pub document: bool,
    pub member: Option<Ref>,
    pub key: Option<Ref>,
    pub value: Option<Ref>,
    /// The pattern, compiled on first use (most are never needed).
    #[serde(skip)]
    regex: OnceLock<Option<Regex>>,
}

impl Shape {
    /// The compiled pattern; `None` when the shape has none (or, never in the vendored
    /// model, one that does not compile: a unit test compiles them all).
    pub(crate) fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| self.pattern.as_deref().and_then(patterns::compile))
            .as_ref()
    }
}

static MODEL: LazyLock<Model> =
    LazyLock::new(|| serde_json::from_str(TABLE).expect("the embedded model table parses"));

/// The model, parsed once.
pub(crate) fn model() -> &'static Model {
    &MODEL
}

/// Whether Cognito answers `operation` without AWS credentials (the model's `authtype:
/// none`): the operations a web page may call with a client id or an access token.
pub(crate) fn is_public(operation: &str) -> bool {
    model().operations.get(operation).is_some_and(|o| o.public)
}

/// Whether the model declares `error` for `operation`.
pub(crate) fn declares(operation: &str, error: &str) -> bool {
    model()
        .operations
        .get(operation)
        .is_some_and(|o| o.errors.iter().any(|e| e == error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_of_the_model_compiles() {
        let failed: Vec<&String> = model()
            .shapes
            .values()
            .filter_map(|s| s.pattern.as_ref())
            .filter(|p| patterns::compile(p).is_none())
            .collect();
        assert!(
            failed.is_empty(),
            "patterns that do not compile: {failed:?}"
        );
    }

    #[test]
    fn every_reference_names_a_shape() {
        let m = model();
        for (name, s) in &m.shapes {
            let refs = s
                .members
                .values()
                .chain(&s.member)
                .chain(&s.key)
                .chain(&s.value);
            for r in refs {
                assert!(m.shapes.contains_key(&r.shape), "{name} → {}", r.shape);
            }
        }
        for (name, op) in &m.operations {
            assert!(m.shapes.contains_key(&op.input), "{name}");
        }
    }
}
