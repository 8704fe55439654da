//! The package's file layer: every byte of a package goes to disk through `create`
//! or `write`, which fail (instead of writing) once a signal handler is removing the
//! package (`staging::abort_all`), and which tests can make fail like a full disk
//! (`faults`) where they cannot mount a small file system.
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Bytes that may still be written before writes fail; `u64::MAX`: no limit.
static BUDGET: AtomicU64 = AtomicU64::new(u64::MAX);
/// Entries the commit moves before it fails; `u64::MAX`: it does not fail.
static COMMIT_FAILS_AFTER: AtomicU64 = AtomicU64::new(u64::MAX);
/// Set once a signal handler has started removing the staging directories.
pub(crate) static ABORTING: AtomicBool = AtomicBool::new(false);

/// Faults for tests of the failure paths (process-wide: one test per process).
#[doc(hidden)]
pub mod faults {
    use super::*;

    /// After `bytes` more bytes (None: never), every write fails as on a full disk.
    pub fn fail_writes_after(bytes: Option<u64>) {
        BUDGET.store(bytes.unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// The final move into `--out` fails after moving `entries` entries (None: never).
    pub fn fail_commit_after(entries: Option<u64>) {
        COMMIT_FAILS_AFTER.store(entries.unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

/// Whether the commit should fail now, having moved `moved` entries (tests only).
pub(crate) fn commit_fault(moved: usize) -> Option<io::Error> {
    let after = COMMIT_FAILS_AFTER.load(Ordering::SeqCst);
    (after != u64::MAX && moved as u64 >= after).then(|| io::Error::other("injected failure of the final move"))
}

/// The OS's own "disk full" error, so an injected fault reads like the real one.
fn no_space() -> io::Error {
    #[cfg(unix)]
    {
        io::Error::from_raw_os_error(libc::ENOSPC)
    }
    #[cfg(not(unix))]
    {
        io::Error::other("No space left on device")
    }
}

/// Takes `n` bytes from the budget, or fails as the write would.
fn admit(n: usize) -> io::Result<()> {
    if ABORTING.load(Ordering::Relaxed) {
        return Err(io::Error::other("interrupted: the partial package is being removed"));
    }
    let n = n as u64;
    let mut left = BUDGET.load(Ordering::Relaxed);
    loop {
        if left == u64::MAX {
            return Ok(());
        }
        if left < n {
            BUDGET.store(0, Ordering::SeqCst);
            return Err(no_space());
        }
        match BUDGET.compare_exchange_weak(left, left - n, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => return Ok(()),
            Err(now) => left = now,
        }
    }
}

/// A file being written through the layer.
pub(crate) struct Checked(File);

impl Write for Checked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        admit(buf.len())?;
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// One file created at a time: the writer threads all create files in the same few
/// directories, and a thread waiting for the kernel's directory lock spun on it
/// (creating a file can be slow: ext4 skips recently deleted inodes one by one, as
/// after `rm -rf` of the last package). Waiting here sleeps instead.
static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(crate) fn create(path: &Path) -> io::Result<Checked> {
    admit(0)?;
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    File::create(path).map(Checked)
}

/// `std::fs::write` through the layer.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = create(path)?;
    f.write_all(bytes)
}
