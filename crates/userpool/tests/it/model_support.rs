//! AWS's service model of `cognito-idp` (botocore's `service-2.json`, vendored in
//! `model/cognito-idp/`), read by the tests on their own (not through userpool's table):
//! minimal valid inputs for an operation, and checks of a reply against an output shape.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Map, Value};

use crate::{ALICE, CONF, POOL};

static MODEL: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/model/cognito-idp/service-2.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the vendored model")).unwrap()
});

pub fn model() -> &'static Value {
    &MODEL
}

/// The model's operations, sorted.
pub fn operations() -> Vec<String> {
    let mut ops: Vec<String> = model()["operations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    ops.sort();
    ops
}

pub fn shape(name: &str) -> &'static Value {
    &model()["shapes"][name]
}

/// Values for members the pool must recognise (its pool, client and user), by member name.
fn known(member: &str) -> Option<&'static str> {
    Some(match member {
        "UserPoolId" => POOL,
        "ClientId" => CONF,
        "Username" => ALICE,
        _ => return None,
    })
}

/// Strings tried, in order, for a string shape with a pattern: the first that fits wins.
const CANDIDATES: &[&str] = &[
    "walk1",
    "us-east-1_TestPool1",
    "https://example.com/walk",
    "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_TestPool1",
    "arn:aws:secretsmanager:us-east-1:000000000000:secret/walk",
    "12345678-1234-4234-8234-123456789012",
    "Level1",
    "123456",
    "walk@example.com",
    "cognito:english",
    "terms-of-use",
    "walk{####}",
    "walk{##link##}",
    "import-walk1",
    "tkn0123456789012345678901234",
    "us-east-1_12345678-1234-4234-8234-123456789012",
];

/// Java's patterns, read by Rust's `regex` closely enough to pick a sample (the pool's own
/// validator is what decides; the walk fails if it refuses a sample).
fn pattern(p: &str) -> Option<Regex> {
    let p = p.replace("(?<!\\.)", "").replace("0-9-_", "0-9_\\-");
    Regex::new(&format!("^(?:{p})$")).ok()
}

fn string_sample(s: &Value, member: &str) -> String {
    if let Some(v) = known(member) {
        return v.to_string();
    }
    if let Some(e) = s["enum"].as_array() {
        return e[0].as_str().unwrap().to_string();
    }
    let min = s["min"].as_u64().unwrap_or(0) as usize;
    let max = s["max"].as_u64().unwrap_or(4096) as usize;
    let fit = |c: &str| {
        let mut v = c.to_string();
        while v.chars().count() < min {
            v.push_str(c.chars().last().map(String::from).as_deref().unwrap_or("1"));
        }
        v.chars().take(max).collect::<String>()
    };
    let re = s["pattern"].as_str().and_then(pattern);
    CANDIDATES
        .iter()
        .map(|c| fit(c))
        .find(|v| re.as_ref().is_none_or(|r| r.is_match(v)))
        .unwrap_or_else(|| fit("walk1"))
}

/// A minimal valid value of shape `name`: required members only, each within its
/// constraints.
pub fn sample(name: &str, member: &str) -> Value {
    let s = shape(name);
    match s["type"].as_str().unwrap() {
        "structure" if s["document"] == true => json!({}),
        "structure" => {
            let mut out = Map::new();
            for m in s["required"].as_array().into_iter().flatten() {
                let m = m.as_str().unwrap();
                let target = s["members"][m]["shape"].as_str().unwrap();
                out.insert(m.to_string(), sample(target, m));
            }
            Value::Object(out)
        }
        "list" => {
            let n = s["min"].as_u64().unwrap_or(0);
            let element = s["member"]["shape"].as_str().unwrap();
            Value::Array((0..n).map(|_| sample(element, member)).collect())
        }
        "map" => json!({}),
        "string" => Value::String(string_sample(s, member)),
        "integer" | "long" => json!(s["min"].as_i64().unwrap_or(1)),
        "boolean" => json!(false),
        "blob" => json!("d2Fsaw=="),
        "timestamp" => json!(0),
        other => panic!("shape {name} of type {other}"),
    }
}

/// Every way `value` departs from output shape `name` (unknown members, wrong JSON types,
/// values outside an enum), as `path: problem`.
pub fn check_output(name: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
    let s = shape(name);
    let kind = s["type"].as_str().unwrap();
    let mut bad = |what: String| problems.push(format!("{path}: {what}"));
    match (kind, value) {
        ("structure", _) if s["document"] == true => {}
        ("structure", Value::Object(o)) => {
            for (k, v) in o {
                match s["members"][k]["shape"].as_str() {
                    Some(t) => check_output(t, v, &format!("{path}.{k}"), problems),
                    None => problems.push(format!("{path}: member {k} is not in {name}")),
                }
            }
        }
        ("list", Value::Array(items)) => {
            let element = s["member"]["shape"].as_str().unwrap();
            for (i, item) in items.iter().enumerate() {
                check_output(element, item, &format!("{path}[{i}]"), problems);
            }
        }
        ("map", Value::Object(o)) => {
            let v_shape = s["value"]["shape"].as_str().unwrap();
            for (k, v) in o {
                check_output(v_shape, v, &format!("{path}.{k}"), problems);
            }
        }
        ("string", Value::String(v)) => {
            if let Some(e) = s["enum"].as_array() {
                if !e.iter().any(|x| x == v) {
                    bad(format!("{v:?} is not a value of enum {name}"));
                }
            }
        }
        ("integer" | "long", Value::Number(n)) if n.is_i64() => {}
        ("boolean", Value::Bool(_)) => {}
        ("timestamp", Value::Number(_)) | ("blob", Value::String(_)) => {}
        (kind, v) => bad(format!("{v} is not a {kind} ({name})")),
    }
}

/// The errors an operation may answer: the ones the model declares for it, and AWS's common
/// errors of every JSON-protocol service (the model does not list those).
pub fn declared_errors(op: &str) -> Vec<String> {
    let mut errors: Vec<String> = model()["operations"][op]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shape"].as_str().unwrap().to_string())
        .collect();
    errors.extend(
        [
            "AccessDeniedException",
            "MissingAuthenticationTokenException",
            "SerializationException",
            "UnknownOperationException",
            "ThrottlingException",
        ]
        .map(String::from),
    );
    errors
}
