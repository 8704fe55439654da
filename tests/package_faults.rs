//! `auditmap package` under faults: a full disk (a small tmpfs; the test runs as
//! root in CI), `--out .` and symbolic links, signals, kill -9, concurrent runs,
//! --scope-tag matching nothing, OS errors printed once.
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_auditmap"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().expect("auditmap runs")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn verifies(dir: &Path) -> bool {
    Command::new("sha256sum").args(["-c", "--quiet", "SHA256SUMS"]).current_dir(dir).status().unwrap().success()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Unmounts on drop, so a failing assertion does not leave the mount behind.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn disk_full_is_an_error_naming_the_file_and_leaves_nothing() {
    if !is_root() {
        // Mounting needs root; render/tests/package_write_faults.rs injects the same
        // failure at the file layer and runs everywhere.
        eprintln!("not root: the tmpfs disk-full test needs mount; package_write_faults covers the failure");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small");
    // Sizes that fill up in snapshot.json, the XLSX row files, the diagrams, the report.
    for size in ["64k", "512k", "2m", "3600k"] {
        for into_mount in [false, true] {
            std::fs::create_dir_all(&mnt).unwrap();
            let st =
                Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&mnt).status();
            assert!(st.unwrap().success(), "mount a {size} tmpfs (running as root)");
            let _mounted = Tmpfs(mnt.clone());
            let out = if into_mount { mnt.clone() } else { mnt.join("pkg") };
            let o = run(&["package", "--demo", "--out", out.to_str().unwrap()], tmp.path());
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{size}: {err}");
            assert!(err.contains("No space left on device"), "{size}: {err}");
            assert!(err.contains(&format!("{}/", out.display())), "names a file under --out: {err}");
            assert!(!err.contains("panicked") && !err.contains("auditmap-partial"), "{size}: {err}");
            assert_eq!(err.matches("os error").count(), 1, "printed once: {err}");
            assert!(entries(&mnt).is_empty(), "{size}: left {:?}", entries(&mnt));
        }
    }
}

#[test]
fn out_dot_and_a_symlinked_directory_work() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    let o = run(&["package", "--demo", "--out", "."], &here);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(here.join("manifest.json").is_file() && verifies(&here));
    assert!(!entries(&here).iter().any(|e| e.starts_with('.')), "{:?}", entries(&here));

    let target = tmp.path().join("target");
    std::fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink(&target, tmp.path().join("link")).unwrap();
    let o = run(&["package", "--demo", "--out", "link"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(tmp.path().join("link")).unwrap().file_type().is_symlink());
    assert!(verifies(&target));
    assert_eq!(entries(tmp.path()), ["here", "link", "target"]);

    std::os::unix::fs::symlink(tmp.path().join("missing"), tmp.path().join("dangling")).unwrap();
    let o = run(&["package", "--demo", "--out", "dangling"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}

/// A package run slow enough to interrupt (a 1500-resource estate).
fn big_estate(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("big.json");
    let o = run(&["example", "--resources", "1500", "--seed", "5", "--out", path.to_str().unwrap()], dir);
    assert!(o.status.success(), "{}", stderr(&o));
    path
}

/// Starts a package run and waits until its staging directory exists in `watch`.
fn start_and_wait_for_staging(snap: &Path, out: &Path, watch: &Path) -> Child {
    let child = bin()
        .args(["package", snap.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !entries(watch).iter().any(|e| e.contains("auditmap-partial")) {
        assert!(start.elapsed() < Duration::from_secs(60), "no staging directory appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it write some files first.
    std::thread::sleep(Duration::from_millis(500));
    child
}

#[test]
fn signals_remove_the_partial_package_and_kill_9_leftovers_go_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = big_estate(tmp.path());
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let out = work.join("pkg");
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let child = start_and_wait_for_staging(&snap, &out, &work);
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
        assert!(stderr(&o).contains("was not written"), "{}", stderr(&o));
        assert!(entries(&work).is_empty(), "signal {signal}: left {:?}", entries(&work));
    }

    // kill -9 into an existing empty directory: nothing complete-looking is left,
    // and the next run removes the leftover and says so.
    std::fs::create_dir(&out).unwrap();
    let mut child = start_and_wait_for_staging(&snap, &out, &out);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = entries(&out);
    assert!(!left.contains(&"SHA256SUMS".to_string()) && !left.contains(&"manifest.json".to_string()), "{left:?}");
    assert!(left.iter().all(|e| e.starts_with(".auditmap-partial-")), "{left:?}");
    let o = run(&["package", "--demo", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("no longer running"), "{}", stderr(&o));
    assert!(verifies(&out));
    assert!(!entries(&out).iter().any(|e| e.starts_with('.')), "{:?}", entries(&out));
}

#[test]
fn of_two_concurrent_runs_one_wins_and_the_other_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = big_estate(tmp.path());
    for existing in [false, true] {
        let work = tmp.path().join(format!("work-{existing}"));
        std::fs::create_dir(&work).unwrap();
        let out = work.join("pkg");
        if existing {
            std::fs::create_dir(&out).unwrap();
        }
        let spawn = || {
            bin()
                .args(["package", snap.to_str().unwrap(), "--out", out.to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let mut codes = [a.status.code(), b.status.code()];
        codes.sort();
        assert_eq!(codes, [Some(0), Some(1)], "{} / {}", stderr(&a), stderr(&b));
        let loser = if a.status.code() == Some(1) { &a } else { &b };
        assert!(stderr(loser).contains("another"), "{}", stderr(loser));
        assert_eq!(entries(&work), ["pkg"]);
        assert!(verifies(&out));
        assert!(!entries(&out).iter().any(|e| e.starts_with('.')), "{:?}", entries(&out));
    }
}

#[test]
fn scope_tag_matching_nothing_warns_and_os_errors_print_once() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&["package", "--demo", "--out", "pkg", "--scope-tag", "Environment=nope"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --scope-tag Environment=nope matched no resource: 0 of 175 resources in scope"),
        "{}",
        stderr(&o)
    );

    std::fs::write(tmp.path().join("afile"), "x").unwrap();
    let o = run(&["package", "--demo", "--out", "afile/pkg"], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("afile/pkg: Not a directory"), "{}", stderr(&o));
    assert_eq!(stderr(&o).matches("os error").count(), 1, "{}", stderr(&o));
}
