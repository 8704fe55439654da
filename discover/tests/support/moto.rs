//! A moto server per test: on a port it binds itself, killed on drop. Shared by the
//! discover crate's tests and the CLI tests (included with #[path]).
#![allow(dead_code)]
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Once};
use std::time::{Duration, Instant};

/// Dummy credentials and isolation from the developer's ~/.aws, set once per test
/// binary (the same values for every test, so parallel tests agree).
pub fn aws_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/auditmap-test-config");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/auditmap-test-credentials");
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_ENDPOINT_URL");
    });
}

/// `bin` (the auditmap binary) with the caller's AWS_* variables removed, dummy
/// credentials, no ~/.aws files, and `endpoint` as the AWS endpoint.
pub fn clean_aws_command(bin: &str, endpoint: &str) -> std::process::Command {
    let mut c = std::process::Command::new(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/auditmap-test-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/auditmap-test-credentials");
    c
}

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

fn workspace_root() -> PathBuf {
    // Both the discover crate and the root package call this; find the workspace by its .venv or Cargo.lock.
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("Cargo.lock").exists() {
        if !dir.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        }
    }
    dir
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// AUDITMAP_MOTO_SERVER, else the workspace venv, else PATH. Missing moto fails the
/// test with instructions: a discovery test that silently passes proves nothing.
pub fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("AUDITMAP_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    on_path("moto_server").unwrap_or_else(|| {
        panic!("moto_server not found: run the tests with scripts/test (it installs moto[server] into .venv and sets AUDITMAP_MOTO_SERVER)")
    })
}

/// The Python that has boto3: AUDITMAP_PYTHON, else the one next to moto_server, else python3.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("AUDITMAP_PYTHON") {
        return PathBuf::from(p);
    }
    let server = moto_server();
    let sibling = server.parent().map(|d| d.join("python")).filter(|p| p.is_file());
    sibling.unwrap_or_else(|| PathBuf::from("python3"))
}

/// The port in werkzeug's " * Running on http://127.0.0.1:PORT" line.
fn announced_port(line: &str) -> Option<u16> {
    let url = line.split("Running on http://").nth(1)?.split_whitespace().next()?;
    url.rsplit(':').next()?.trim_end_matches('/').parse().ok().filter(|&p| p != 0)
}

impl Moto {
    /// Process id of the server (for clean-up of a moto shared through a static).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// moto binds port 0 itself and names the port it got. A port picked here and handed
    /// over was free only at that instant: tests run in parallel, another test's proxy
    /// once took it first, this moto failed to start, and the test talked to that proxy.
    pub fn start() -> Moto {
        let bin = moto_server();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e} (run scripts/test to install moto)", bin.display()));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel::<Result<u16, String>>();
        std::thread::spawn(move || {
            let mut seen = String::new();
            let mut tx = Some(tx);
            // Reads to the end: moto logs every request, and a full pipe would stall it.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(t) = &tx {
                    match announced_port(&line) {
                        Some(port) => {
                            let _ = t.send(Ok(port));
                            tx = None;
                        }
                        None => {
                            seen.push_str(&line);
                            seen.push('\n');
                        }
                    }
                }
            }
            if let Some(t) = tx {
                let _ = t.send(Err(seen));
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(port)) => port,
            Ok(Err(output)) => panic!("moto_server exited without listening: {output}"),
            Err(_) => {
                let _ = child.kill();
                panic!("moto_server named no port within 30s")
            }
        };
        let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not listen on port {port} within 30s");
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Runs tests/seed_estate.py against this server; returns what it created.
    pub fn seed(&self, org: bool) -> serde_json::Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(
            if Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed_estate.py").exists() {
                "tests/seed_estate.py"
            } else {
                "discover/tests/seed_estate.py"
            },
        );
        let mut cmd = Command::new(python());
        cmd.arg(&script).arg(&self.endpoint);
        if org {
            cmd.arg("--org");
        }
        let out = cmd.output().expect("run the seeding script");
        assert!(out.status.success(), "seeding failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("seed output is JSON")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
