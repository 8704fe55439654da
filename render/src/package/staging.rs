//! Where a package is written until it is complete, and how it then reaches `--out`,
//! so that a failed, interrupted or losing run never leaves a package that looks
//! complete, nor (short of kill -9) anything at all.
//!
//! Chosen from what `--out` is when the run starts:
//! - absent: a hidden `.NAME.auditmap-partial-PID` directory beside it, renamed to
//!   `--out` at the end (one atomic step);
//! - an existing empty directory (`.`, a symbolic link to one, a mount point): a
//!   hidden `.auditmap-partial-PID` directory inside it (so on the same file system
//!   whatever the link or mount; renaming onto `.` or a link fails), whose entries are
//!   moved up at the end. The first is hard-linked, which cannot replace a file: of
//!   two runs into one directory exactly one gets past it. manifest.json and
//!   SHA256SUMS go last, so an interrupted move never looks complete.
//!
//! Each staging directory of this process is registered, so a signal handler can
//! remove them (`abort_all`); those left by processes no longer running (kill -9, a
//! crash) are removed by the next run into the same place, which says so.
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard};

use super::fsio;
use super::PackageError;

const MARK: &str = "auditmap-partial-";

/// The staging directories of this process that are not committed or removed yet,
/// with the `out` each is for.
static ACTIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

fn active() -> MutexGuard<'static, Vec<(PathBuf, PathBuf)>> {
    // Poisoned only by a panic while holding it; the list itself is still right.
    ACTIVE.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Beside an absent `--out`, renamed to it.
    Rename,
    /// Inside an existing empty `--out`, entries moved up.
    MoveIn,
}

/// A registered staging directory; removed on drop unless committed.
pub(crate) struct Staging {
    pub dir: PathBuf,
    out: PathBuf,
    mode: Mode,
    done: bool,
}

impl Staging {
    /// Checks `out` (absent, or an empty directory once stale staging directories are
    /// removed) and creates the staging directory for it.
    pub fn create(out: &Path) -> Result<Staging, PackageError> {
        let mode = check_out(out)?;
        let pid = std::process::id();
        let dir = match mode {
            Mode::MoveIn => out.join(format!(".{MARK}{pid}")),
            Mode::Rename => {
                let (parent, name) = parent_and_name(out)?;
                std::fs::create_dir_all(&parent).map_err(io_at(out))?;
                parent.join(format!(".{name}.{MARK}{pid}"))
            }
        };
        let mut active = active();
        if dir.symlink_metadata().is_ok() {
            // Ours only if this process is writing it (`check_out` removed a stale one).
            return Err(busy(out, pid));
        }
        std::fs::create_dir(&dir).map_err(io_at(out))?;
        active.push((dir.clone(), out.to_path_buf()));
        Ok(Staging { dir, out: out.to_path_buf(), mode, done: false })
    }

    /// Moves the package into `out`. On failure nothing of it is left in `out`, and
    /// the staging directory goes when `self` is dropped.
    pub fn commit(&mut self) -> Result<(), PackageError> {
        // Held throughout, so a signal handler waits for the move to end rather than
        // removing a half-moved package.
        let mut active = active();
        match self.mode {
            Mode::Rename => {
                if let Some(e) = fsio::commit_fault(0) {
                    return Err(io_at(&self.out)(e));
                }
                std::fs::rename(&self.dir, &self.out).map_err(|e| {
                    // Absent when the run started: someone else has written it since.
                    if self.out.symlink_metadata().is_ok() {
                        taken(&self.out)
                    } else {
                        io_at(&self.out)(e)
                    }
                })?;
            }
            Mode::MoveIn => {
                move_in(&self.dir, &self.out)?;
                // Empty now; a failure leaves an empty hidden directory beside a
                // complete package, not worth failing the run for.
                if let Err(e) = std::fs::remove_dir(&self.dir) {
                    tracing::warn!("{}: could not remove the empty staging directory: {e}", self.dir.display());
                }
            }
        }
        self.done = true;
        active.retain(|(d, _)| d != &self.dir);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut active = active();
        remove_all(&self.dir);
        active.retain(|(d, _)| d != &self.dir);
    }
}

/// For a signal handler: makes every further package write fail, removes every
/// staging directory of this process and returns the `out` each was for. The caller
/// must exit next: no package can be committed afterwards (the registry stays locked).
pub fn abort_all() -> Vec<PathBuf> {
    fsio::ABORTING.store(true, Ordering::SeqCst);
    let active = active();
    let outs = active.iter().map(|(_, out)| out.clone()).collect();
    for (dir, _) in active.iter() {
        remove_all(dir);
    }
    std::mem::forget(active);
    outs
}

/// `remove_dir_all`, retried: writer threads may still be adding files while a
/// signal handler removes the directory.
fn remove_all(dir: &Path) {
    for _ in 0..50 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// The mode for `out`, after removing stale staging directories of dead processes.
fn check_out(out: &Path) -> Result<Mode, PackageError> {
    match std::fs::read_dir(out) {
        Ok(entries) => {
            let mut others = false;
            for entry in entries {
                let entry = entry.map_err(io_at(out))?;
                let name = entry.file_name();
                match staging_pid(&name, "") {
                    Some(pid) => clear_stale(&entry.path(), out, pid)?,
                    None => others = true,
                }
            }
            if others {
                return Err(PackageError::BadInput(format!(
                    "{}: directory is not empty; give a new or empty directory so the package holds only its own files",
                    out.display()
                )));
            }
            Ok(Mode::MoveIn)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Ok(target) = std::fs::read_link(out) {
                return Err(PackageError::BadInput(format!(
                    "{}: is a symbolic link to {}, which does not exist; create that directory or give another --out",
                    out.display(),
                    target.display()
                )));
            }
            let (parent, name) = parent_and_name(out)?;
            match std::fs::read_dir(&parent) {
                Ok(entries) => {
                    let prefix = format!(".{name}");
                    for entry in entries.flatten() {
                        if let Some(pid) = staging_pid(&entry.file_name(), &prefix) {
                            clear_stale(&entry.path(), out, pid)?;
                        }
                    }
                }
                // Created with its parents later; nothing stale in it.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_at(out)(e)),
            }
            Ok(Mode::Rename)
        }
        Err(e) if out.is_file() => {
            Err(PackageError::BadInput(format!("{}: exists and is a file, not a directory ({e})", out.display())))
        }
        Err(source) => Err(PackageError::Io { path: out.to_path_buf(), source }),
    }
}

/// Removes the staging directory `path` (of process `pid`) if that process is gone;
/// a live one means another run is writing the same package.
fn clear_stale(path: &Path, out: &Path, pid: u32) -> Result<(), PackageError> {
    let ours = active().iter().any(|(d, _)| d == path);
    if ours || (pid != std::process::id() && alive(pid)) {
        return Err(busy(out, pid));
    }
    std::fs::remove_dir_all(path).map_err(io_at(out))?;
    tracing::warn!(
        "removed {}: a partial package left by auditmap process {pid}, which is no longer running",
        path.display()
    );
    Ok(())
}

/// The PID of a staging directory named `{prefix}.auditmap-partial-PID` (prefix
/// `.NAME` beside `--out`, empty inside it).
fn staging_pid(name: &OsString, prefix: &str) -> Option<u32> {
    let name = name.to_str()?;
    let rest = name.strip_prefix(prefix)?.strip_prefix('.')?.strip_prefix(MARK)?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    match libc::pid_t::try_from(pid) {
        // 0 and negative numbers address process groups: never ask about them.
        Ok(p) if p > 0 => {
            // SAFETY: signal 0 sends nothing; kill only checks that the process exists.
            let r = unsafe { libc::kill(p, 0) };
            r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
        }
        _ => true,
    }
}

/// Without a way to ask, every process is taken to be running: nothing is removed.
#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

fn parent_and_name(out: &Path) -> Result<(PathBuf, String), PackageError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| PackageError::BadInput(format!("{}: give the package directory a name", out.display())))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Moves every entry of `staging` into `out` (see the module comment for the order);
/// on failure removes what it moved.
fn move_in(staging: &Path, out: &Path) -> Result<(), PackageError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(staging).map_err(io_at(out))? {
        names.push(entry.map_err(io_at(out))?.file_name());
    }
    let rank = |n: &OsString| match n.to_str() {
        Some("snapshot.json") => 0,
        Some("manifest.json") => 2,
        Some("SHA256SUMS") => 3,
        _ => 1,
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    let mut moved: Vec<PathBuf> = Vec::new();
    for name in &names {
        let (from, to) = (staging.join(name), out.join(name));
        let placed = match fsio::commit_fault(moved.len()) {
            Some(e) => Err(io_at(&to)(e)),
            None => place(&from, &to, moved.is_empty()).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    taken(out)
                } else {
                    io_at(&to)(e)
                }
            }),
        };
        if let Err(e) = placed {
            for p in moved.iter().rev() {
                let _ = std::fs::remove_dir_all(p).or_else(|_| std::fs::remove_file(p));
            }
            return Err(e);
        }
        moved.push(to);
    }
    Ok(())
}

/// Moves `from` to `to`, never replacing anything there. `claim`: the first entry,
/// hard-linked (atomic, fails if `to` exists) where the file system allows.
fn place(from: &Path, to: &Path, claim: bool) -> io::Result<()> {
    if claim && from.is_file() {
        match std::fs::hard_link(from, to) {
            Ok(()) => return std::fs::remove_file(from),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
            // No hard links here (some network and FAT file systems): check, then rename.
            Err(_) => {}
        }
    }
    if to.symlink_metadata().is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    std::fs::rename(from, to)
}

fn io_at(path: &Path) -> impl Fn(io::Error) -> PackageError + '_ {
    move |source| PackageError::Io { path: path.to_path_buf(), source }
}

fn busy(out: &Path, pid: u32) -> PackageError {
    PackageError::Conflict(format!(
        "{}: another auditmap run (process {pid}) is writing a package there; wait for it or give another --out",
        out.display()
    ))
}

fn taken(out: &Path) -> PackageError {
    PackageError::Conflict(format!(
        "{}: another run wrote there while this package was being written; this run's files were removed",
        out.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_names_parse_only_our_pattern() {
        let pid = |s: &str, p: &str| staging_pid(&OsString::from(s), p);
        assert_eq!(pid(".auditmap-partial-42", ""), Some(42));
        assert_eq!(pid(".pkg.auditmap-partial-42", ".pkg"), Some(42));
        assert_eq!(pid(".pkg.auditmap-partial-42", ".other"), None);
        assert_eq!(pid(".pkg2.auditmap-partial-42", ".pkg"), None);
        assert_eq!(pid(".auditmap-partial-", ""), None);
        assert_eq!(pid(".auditmap-partial-4x", ""), None);
        assert_eq!(pid(".auditmap-partial-+4", ""), None);
        assert_eq!(pid("auditmap-partial-42", ""), None);
    }
}
