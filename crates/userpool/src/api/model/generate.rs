//! Generates `table.json` from the vendored `service-2.json`: the operations' input shapes
//! errors and auth, and every shape without its documentation. One line per entry, so that a newer
//! model's changes read as a diff. `USERPOOL_REGENERATE_MODEL=1` rewrites the file.

use serde_json::{Map, Value};

const MODEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/model/cognito-idp/service-2.json"
);
const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/model/table.json");

/// What the validator reads of a shape; the rest (documentation, deprecation notes, error
/// flags) stays in the vendored model.
const SHAPE_KEYS: &[&str] = &[
    "type",
    "members",
    "required",
    "min",
    "max",
    "pattern",
    "enum",
    "sensitive",
    "document",
    "member",
    "key",
    "value",
];

fn shape(s: &Value) -> Value {
    let mut out = Map::new();
    for key in SHAPE_KEYS {
        let Some(v) = s.get(*key) else { continue };
        let v = match *key {
            // Members keep only their target shape.
            "members" => Value::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, m)| (name.clone(), serde_json::json!({ "shape": m["shape"] })))
                    .collect(),
            ),
            "member" | "key" | "value" => serde_json::json!({ "shape": v["shape"] }),
            _ => v.clone(),
        };
        out.insert((*key).to_string(), v);
    }
    Value::Object(out)
}

fn operation(op: &Value) -> Value {
    let mut out = Map::new();
    out.insert("input".into(), op["input"]["shape"].clone());
    let errors: Vec<Value> = op["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["shape"].clone())
        .collect();
    out.insert("errors".into(), Value::Array(errors));
    if op["authtype"] == "none" {
        out.insert("public".into(), Value::Bool(true));
    }
    Value::Object(out)
}

/// `v` with every object's keys in sorted order, however `serde_json` keeps them (a
/// dependency may turn on its `preserve_order`, as the passkey tests' authenticator does).
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// `{"operations": {...}, "shapes": {...}}`, one entry a line.
fn table(model: &Value) -> String {
    let section = |name: &str, entries: Vec<(String, Value)>| {
        let lines: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
            .collect();
        format!("\"{name}\":{{\n{}\n}}", lines.join(",\n"))
    };
    let sorted = |key: &str, f: fn(&Value) -> Value| {
        let mut v: Vec<(String, Value)> = model[key]
            .as_object()
            .expect("the model has this section")
            .iter()
            .map(|(k, v)| (k.clone(), sorted_keys(f(v))))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    format!(
        "{{\n{},\n{}\n}}\n",
        section("operations", sorted("operations", operation)),
        section("shapes", sorted("shapes", shape))
    )
}

#[test]
fn the_table_is_generated_from_the_vendored_model() {
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(MODEL).expect("vendored model")).unwrap();
    let expected = table(&model);
    if std::env::var_os("USERPOOL_REGENERATE_MODEL").is_some() {
        std::fs::write(TABLE, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(TABLE).unwrap_or_default();
    assert!(
        actual == expected,
        "src/api/model/table.json is not the vendored model's table: run \
         USERPOOL_REGENERATE_MODEL=1 cargo test -p userpool --lib model"
    );
}
