//! Fuzzing the snapshot loader: arbitrary bytes, byte-level mutations of the demo
//! snapshot and structural (JSON value) mutations of it. The loader must never panic:
//! every input is Ok or a SnapshotError with a message; whatever loads must also go
//! through the whole analysis without panicking (validation is the only gate).
//!
//! Cases: PROPTEST_CASES (default 64 per property here, modest for CI); run long with
//! e.g. PROPTEST_CASES=20000.
use std::path::Path;

use inventory::demo::DEMO_JSON;
use inventory::snapshot::load_bytes;
use proptest::prelude::*;
use serde_json::Value;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    ProptestConfig { cases, max_shrink_iters: 2048, ..ProptestConfig::default() }
}

/// Loads, and analyses what loads. A panic anywhere fails the case (proptest catches it).
fn exercise(bytes: &[u8]) -> Result<(), String> {
    match load_bytes(Path::new("fuzz.json"), bytes) {
        Ok(snapshot) => {
            let _ = inventory::analysis::analyze(&snapshot);
            let _ = inventory::summary::Summary::of(&snapshot);
            Ok(())
        }
        Err(e) => {
            let msg = e.to_string();
            if msg.starts_with("fuzz.json") {
                Ok(())
            } else {
                Err(format!("error message does not name the file: {msg}"))
            }
        }
    }
}

fn demo_value() -> Value {
    serde_json::from_str(DEMO_JSON).expect("demo parses")
}

/// Replacement values that stress the validators: wrong types, edge numbers, bad
/// CIDRs/ports/timestamps, hostile strings.
fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![-1i64, 0, 1, 65535, 65536, 32766, 32767, 32768, 4294967295, -2147483648])
            .prop_map(Value::from),
        Just(serde_json::json!(1e308)),
        prop::sample::select(vec![
            "",
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/33",
            "10.0.0.1/8",
            "300.1.1.1/32",
            "fe80::/129",
            "pl-missing",
            "sg-missing",
            "vpc-missing",
            "subnet-missing",
            "igw-1",
            "-1",
            "tcp",
            "all",
            "icmpv6",
            "256",
            "2026-13-45T99:99:99Z",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "=cmd|'/c calc'!A1",
            "<script>alert(1)</script>",
            "\u{202e}evil",
            "a/b/../../c",
            "0-65535",
            "65535-0",
        ])
        .prop_map(|s| Value::String(s.to_string())),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Walks `path` (indices chosen modulo the container sizes) and replaces, deletes or
/// duplicates what it finds there.
fn mutate(cur: &mut Value, path: &[usize], op: u8, new: Value) {
    let Some((&i, rest)) = path.split_first() else {
        *cur = new;
        return;
    };
    let last = rest.is_empty();
    match cur {
        Value::Object(m) if !m.is_empty() => {
            let key = m.keys().nth(i % m.len()).cloned().expect("index in range");
            if !last {
                return mutate(m.get_mut(&key).expect("key exists"), rest, op, new);
            }
            match op % 3 {
                0 => {
                    m.insert(key, new);
                }
                1 => {
                    m.remove(&key);
                }
                _ => {
                    m.insert(format!("{key}_x"), new);
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let idx = i % a.len();
            if !last {
                return mutate(&mut a[idx], rest, op, new);
            }
            match op % 3 {
                0 => a[idx] = new,
                1 => {
                    a.remove(idx);
                }
                _ => {
                    let dup = a[idx].clone();
                    a.push(dup);
                }
            }
        }
        other => *other = new,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(exercise(&bytes).is_ok(), "{:?}", exercise(&bytes));
    }

    #[test]
    fn json_shaped_text_never_panics(text in r#"[\{\}\[\]":,0-9a-z_ \-\./\n]{0,400}"#) {
        prop_assert!(exercise(text.as_bytes()).is_ok());
    }

    #[test]
    fn byte_mutations_of_a_valid_snapshot_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = DEMO_JSON.as_bytes().to_vec();
        for (at, b, op) in edits {
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = b,
                1 => { bytes.remove(i); }
                2 => bytes.insert(i, b),
                _ => { let d = bytes[i]; bytes.insert(i, d); }
            }
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        prop_assert!(exercise(&bytes).is_ok(), "{:?}", exercise(&bytes));
    }

    #[test]
    fn structural_mutations_of_a_valid_snapshot_never_panic(
        muts in prop::collection::vec((prop::collection::vec(any::<usize>(), 1..7), any::<u8>(), hostile_value()), 1..6)
    ) {
        let mut v = demo_value();
        for (path, op, new) in muts {
            mutate(&mut v, &path, op, new);
        }
        let bytes = serde_json::to_vec(&v).expect("serializes");
        prop_assert!(exercise(&bytes).is_ok(), "{:?}", exercise(&bytes));
    }
}

#[test]
fn the_unmutated_demo_loads() {
    load_bytes(Path::new("demo.json"), DEMO_JSON.as_bytes()).expect("demo loads");
}
