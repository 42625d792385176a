//! The README's table of every operation of AWS's model: one row per operation, in the
//! model's (alphabetical) order, its `here` column what a running pool answers. The notes
//! column is written by hand; `USERPOOL_REGENERATE_README=1` rewrites the rows and keeps the
//! notes.

use std::collections::BTreeMap;

use crate::model_support::operations;
use crate::model_walk::{classify, walk_order};
use crate::spawn_pool;

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const BEGIN: &str =
    "<!-- operations table: generated from AWS's model by tests/it/model_readme.rs -->";
const END: &str = "<!-- end of the operations table -->";
const HEADER: &str = "| Operation | here | what differs from Cognito |\n| --- | --- | --- |";

/// The notes of the table now in the README, by operation.
fn notes(table: &str) -> BTreeMap<String, String> {
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| {
            let (op, rest) = l.split_once("` |")?;
            let note = rest.split_once(" | ").map(|(_, n)| n).unwrap_or("");
            Some((
                op.to_string(),
                note.trim_end_matches(" |")
                    .trim_end_matches('|')
                    .trim()
                    .to_string(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn the_readme_lists_every_operation_as_the_pool_answers_it() {
    let text = std::fs::read_to_string(README).unwrap();
    let (before, rest) = text
        .split_once(BEGIN)
        .expect("the README has the table's start");
    let (table, after) = rest
        .split_once(END)
        .expect("the README has the table's end");
    let kept = notes(table);
    let t = spawn_pool().await;
    let mut status = BTreeMap::new();
    for op in walk_order() {
        let s = classify(&t, &op).await;
        status.insert(op, s);
    }
    let rows: Vec<String> = operations()
        .iter()
        .map(|op| {
            let note = kept.get(op).map(String::as_str).unwrap_or("");
            format!("| `{op}` | {} | {note} |", status[op])
        })
        .collect();
    let expected = format!("\n{HEADER}\n{}\n", rows.join("\n"));
    if std::env::var_os("USERPOOL_REGENERATE_README").is_some() {
        std::fs::write(README, format!("{before}{BEGIN}{expected}{END}{after}")).unwrap();
    } else {
        assert!(
            table == expected,
            "the README's operations table does not say what the pool answers: run \
             USERPOOL_REGENERATE_README=1 cargo test -p userpool --test it model_readme"
        );
    }
}
