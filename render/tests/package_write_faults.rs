//! Write failures at the package's file layer (`render::package::faults`, the
//! injected "disk full"; tests/package_faults.rs does the real one on a small tmpfs
//! as root): every failure is an error naming the file under `out`, and nothing is
//! left beside or in `out`. One test: the faults are process-wide.
use std::path::Path;

use render::package::{faults, PackageError, PackageOptions};
use render::pipeline::write_package;

fn demo() -> (inventory::Snapshot, Vec<u8>) {
    let bytes = inventory::demo::DEMO_JSON.as_bytes().to_vec();
    (inventory::demo::demo_snapshot().unwrap(), bytes)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn write_and_commit_failures_leave_nothing_and_name_the_file() {
    let (s, bytes) = demo();
    let opts = PackageOptions::default();
    // The bytes a complete package writes (the files the manifest lists, itself and SHA256SUMS).
    let tmp = tempfile::tempdir().unwrap();
    let done = write_package(&s, bytes.as_slice(), &opts, &tmp.path().join("full")).unwrap();
    let sums = std::fs::metadata(tmp.path().join("full/SHA256SUMS")).unwrap().len();
    let files: u64 = done.manifest.files.iter().map(|f| f.bytes).sum();
    let manifest = std::fs::metadata(tmp.path().join("full/manifest.json")).unwrap().len();
    assert!(!done.manifest.files.iter().any(|f| f.path == "manifest.json"));
    let total = files + manifest + sums;

    // Budgets that run out in snapshot.json, the tables or diagrams, the manifest and SHA256SUMS.
    for (budget, file) in [
        (0, Some("snapshot.json")),
        (100_000, None),
        (1_000_000, None),
        (total - sums - manifest / 2, Some("manifest.json")),
        (total - 1, Some("SHA256SUMS")),
    ] {
        for existing in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("pkg");
            if existing {
                std::fs::create_dir(&out).unwrap();
            }
            faults::fail_writes_after(Some(budget));
            let err = write_package(&s, bytes.as_slice(), &opts, &out).unwrap_err();
            faults::fail_writes_after(None);
            let text = err.to_string();
            assert!(matches!(err, PackageError::Io { .. }), "budget {budget}: {text}");
            assert!(text.contains("No space left on device"), "budget {budget}: {text}");
            assert!(text.starts_with(&format!("{}/", out.display())), "names the file under out: {text}");
            assert!(!text.contains("auditmap-partial"), "never the staging path: {text}");
            if let Some(file) = file {
                assert!(text.contains(file), "budget {budget}: {text}");
            }
            let expected: Vec<String> = if existing { vec!["pkg".into()] } else { vec![] };
            assert_eq!(entries(tmp.path()), expected, "budget {budget}: nothing beside out");
            if existing {
                assert!(entries(&out).is_empty(), "budget {budget}: nothing in out: {:?}", entries(&out));
            }
        }
    }

    // The final move fails: before anything moved (both ways), and half-way into an existing directory.
    for (after, existing) in [(0, false), (0, true), (3, true)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("pkg");
        if existing {
            std::fs::create_dir(&out).unwrap();
        }
        faults::fail_commit_after(Some(after));
        let err = write_package(&s, bytes.as_slice(), &opts, &out).unwrap_err();
        faults::fail_commit_after(None);
        assert!(err.to_string().contains("injected failure"), "{err}");
        let expected: Vec<String> = if existing { vec!["pkg".into()] } else { vec![] };
        assert_eq!(entries(tmp.path()), expected);
        if existing {
            assert!(entries(&out).is_empty(), "moved entries are taken back: {:?}", entries(&out));
        }
    }

    // And afterwards the same places take a package.
    let tmp = tempfile::tempdir().unwrap();
    write_package(&s, bytes.as_slice(), &opts, &tmp.path().join("pkg")).unwrap();
    assert_eq!(entries(tmp.path()), vec!["pkg".to_string()]);
}
