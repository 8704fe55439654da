//! SHA-256 of each file and the `SHA256SUMS` file (GNU coreutils format, so
//! `sha256sum -c SHA256SUMS` run inside the package directory verifies it).
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
}
