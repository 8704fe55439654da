//! SHA-256 of each file and the `SHA256SUMS` file (GNU coreutils format, so
//! `sha256sum -c SHA256SUMS` run inside the package directory verifies it).
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A writer that passes bytes through while hashing and counting them.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
    /// The first error of `inner`: formatters (csv, serde_json) turn it into their
    /// own error type, and the package reports the I/O error itself.
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> HashingWriter<W> {
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter { inner, hasher: Sha256::new(), bytes: 0, error: None }
    }

    /// The first I/O error `inner` returned, if any.
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }

    fn keep<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() {
                // io::Error is not Clone: a copy with the same OS code or kind and text.
                self.error = Some(match e.raw_os_error() {
                    Some(code) => std::io::Error::from_raw_os_error(code),
                    None => std::io::Error::new(e.kind(), e.to_string()),
                });
            }
        }
        r
    }

    /// The inner writer (not yet flushed), the byte count and the hex SHA-256.
    pub fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        let n = self.keep(r)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.keep(r)
    }
}

/// "<hash>  <path>\n" per file, sorted by path. Paths are ours (ASCII, no newlines,
/// no backslashes), so no escaping is needed.
pub fn sha256sums(files: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.iter().map(|(path, hash)| format!("{hash}  {path}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_and_format() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let s = sha256sums(&[("b".into(), "22".into()), ("a/x".into(), "11".into())]);
        assert_eq!(s, "11  a/x\n22  b\n");
    }

    #[test]
    fn hashing_writer_matches_sha256_hex() {
        use std::io::Write;
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"ab").unwrap();
        w.write_all(b"c").unwrap();
        let (inner, n, hash) = w.finish();
        assert_eq!((inner, n, hash), (b"abc".to_vec(), 3, sha256_hex(b"abc")));
    }
}
