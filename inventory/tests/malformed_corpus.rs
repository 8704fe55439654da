//! The committed malformed-snapshot corpus (fixtures/malformed/cases.json): every case
//! is refused with its message, or loads with its documented normalisation.
use std::path::Path;

use inventory::snapshot::{load_bytes, to_json_bytes, validate, Severity};
use inventory::Snapshot;

const EVERY_KIND: &str = include_str!("fixtures/every_kind.json");
const CASES: &str = include_str!("fixtures/malformed/cases.json");

struct Case {
    name: String,
    exit: i64,
    message: String,
    text: String,
}

fn cases() -> Vec<Case> {
    let doc: serde_json::Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let list = doc["cases"].as_array().expect("cases array");
    assert!(list.len() >= 15, "the corpus lost cases");
    list.iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_string();
            let text = match (c["text"].as_str(), c["repeat"].as_str()) {
                (Some(t), _) => t.to_string(),
                (None, Some(r)) => r.repeat(c["times"].as_u64().expect("times") as usize),
                (None, None) => {
                    let (from, to) = (c["from"].as_str().expect("from"), c["to"].as_str().expect("to"));
                    assert_eq!(EVERY_KIND.matches(from).count(), 1, "{name}: `from` must occur exactly once");
                    EVERY_KIND.replace(from, to)
                }
            };
            Case {
                name,
                exit: c["exit"].as_i64().expect("exit"),
                message: c["message"].as_str().expect("message").into(),
                text,
            }
        })
        .collect()
}

#[test]
fn every_malformed_case_is_refused_or_normalised_as_documented() {
    for c in cases() {
        let loaded = load_bytes(Path::new("case.json"), c.text.as_bytes());
        match c.exit {
            2 => {
                let err = loaded.err().unwrap_or_else(|| panic!("{}: loaded, expected an error", c.name)).to_string();
                assert!(err.contains(&c.message), "{}: error {err:?} lacks {:?}", c.name, c.message);
                assert!(err.starts_with("case.json"), "{}: error does not name the file: {err}", c.name);
            }
            0 => {
                let s = loaded.unwrap_or_else(|e| panic!("{}: refused: {e}", c.name));
                // The raw file carries the problem as a warning…
                let raw: Snapshot = serde_json::from_str(&c.text).expect("raw parse");
                let warned = validate(&raw)
                    .into_iter()
                    .any(|p| p.severity == Severity::Warning && p.normalised && p.to_string().contains(&c.message));
                assert!(warned, "{}: no normalisation warning {:?}", c.name, c.message);
                // …and what is evaluated and shown afterwards is the normalised value.
                let original = c.message.split(':').nth(1).and_then(|m| m.split_whitespace().next()).expect("value");
                let out = String::from_utf8(to_json_bytes(&s)).expect("utf-8");
                assert!(!out.contains(original), "{}: {original} still in the normalised snapshot", c.name);
                assert!(!validate(&s).iter().any(|p| p.normalised), "{}: still needs normalising after load", c.name);
            }
            other => panic!("{}: unexpected exit {other}", c.name),
        }
    }
}
