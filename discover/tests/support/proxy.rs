//! A latency-and-fault HTTP/1.1 proxy for 127.0.0.1, put between the AWS SDK and moto
//! (or any upstream). Every request waits `delay` (a stand-in for an AWS round trip),
//! then a `Policy` decides what the client gets: the upstream's answer, an AWS error
//! (throttling, 500, denied), a connection reset mid-response, a response that never
//! completes, or a truncated XML body.
//!
//! Plain threads and blocking sockets (one thread per client connection): no async
//! runtime, so the same module serves library tests, CLI tests and the
//! `fault_proxy` example used by scripts/bench.
//!
//! Retries are recognised without any help from the client: an attempt is identified
//! by (service, region, access key, body). The SDK re-sends the same body when it
//! retries, so the n-th sighting of a key is attempt n. Which requests get a fault is
//! decided from a fixed hash of that key, so it does not depend on timing or order.
#![allow(dead_code)]
use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// The upstream's answer, unchanged.
    Forward,
    /// RequestLimitExceeded (EC2, HTTP 503) / Throttling (STS, ELB) / TooManyRequestsException.
    Throttle,
    /// HTTP 500 InternalError.
    ServerError,
    /// HTTP 403 UnauthorizedOperation (EC2) / AccessDenied (STS, Organizations).
    Deny,
    /// Status line, headers and half the body, then a TCP reset.
    Reset,
    /// Status line, headers and half the body, then nothing, ever (until the client gives up).
    Stall,
    /// A complete HTTP response whose XML body is cut short and ends in garbage.
    Garble,
    /// A complete HTTP response whose XML body stops right after an element that
    /// closes (an `</item>` past the middle): well-formed so far, just unfinished.
    CutAtItem,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Forward => "forward",
            Fault::Throttle => "throttle",
            Fault::ServerError => "server-error",
            Fault::Deny => "deny",
            Fault::Reset => "reset",
            Fault::Stall => "stall",
            Fault::Garble => "garble",
            Fault::CutAtItem => "cut-at-item",
        }
    }
}

/// What the policy sees of one request.
#[derive(Debug, Clone)]
pub struct Request {
    /// From the SigV4 credential scope: "ec2", "sts", "organizations".
    pub service: String,
    pub region: String,
    /// "DescribeVpcs", "GetCallerIdentity", "ListAccounts", ...
    pub action: String,
    pub access_key: String,
    /// Stable hash of (service, region, access key, body): same for every attempt.
    pub key: u64,
    /// 1 for the first time this key is seen, 2 for the first retry, ...
    pub attempt: u32,
}

pub type Policy = Arc<dyn Fn(&Request) -> Fault + Send + Sync>;

pub fn forward_all() -> Policy {
    Arc::new(|_| Fault::Forward)
}

/// About `percent` % of logical requests (chosen by key hash) fail their first
/// attempt with throttling or a 500 (half each); one in five of those fails its
/// second attempt too. Every request succeeds by its third attempt.
pub fn flaky(percent: u64) -> Policy {
    Arc::new(move |r| {
        let h = r.key % 100;
        let picked = h < percent;
        let twice = picked && (r.key / 100) % 5 == 0;
        if picked && (r.attempt == 1 || (twice && r.attempt == 2)) {
            if (r.key / 500) % 2 == 0 {
                Fault::Throttle
            } else {
                Fault::ServerError
            }
        } else {
            Fault::Forward
        }
    })
}

pub struct Config {
    /// host:port of the upstream (moto).
    pub upstream: String,
    pub delay: Duration,
    pub policy: Policy,
    /// Rewrite MaxResults=N in request bodies to this (forces pagination on small estates).
    pub max_results: Option<u32>,
}

impl Config {
    /// A proxy that forwards everything to `upstream` after `delay`.
    pub fn new(upstream: impl Into<String>, delay: Duration) -> Config {
        Config { upstream: upstream.into(), delay, policy: forward_all(), max_results: None }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Requests received (every attempt).
    pub requests: u64,
    /// (region, action, fault) -> count, faults other than Forward only.
    pub faults: BTreeMap<(String, String, Fault), u64>,
    /// Most requests being handled at the same time.
    pub max_in_flight: u64,
    /// Per (service, region) from the SigV4 scope: what each scope saw.
    pub by_scope: BTreeMap<(String, String), ScopeStats>,
}

/// Requests of one (service, region): how many, how many at once, and when.
#[derive(Debug, Default, Clone)]
pub struct ScopeStats {
    pub requests: u64,
    pub in_flight: u64,
    pub max_in_flight: u64,
    /// When the first request arrived and the last response was written.
    pub first_start: Option<Instant>,
    pub last_end: Option<Instant>,
}

impl Stats {
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

struct Shared {
    config: Config,
    /// Replay mode: upstream answers kept by (service, region, access key, body); None when off.
    replay: Option<Mutex<HashMap<u64, Arc<HttpResponse>>>>,
    stats: Mutex<Stats>,
    attempts: Mutex<HashMap<u64, u32>>,
    in_flight: AtomicU64,
    /// Delays that replace `config.delay` for one region.
    region_delays: Mutex<BTreeMap<String, Duration>>,
    stop: AtomicBool,
}

pub struct Proxy {
    pub endpoint: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on 127.0.0.1:`port` (0: any free port) and serves in background threads.
    pub fn start_on(port: u16, config: Config) -> io::Result<Proxy> {
        Proxy::start_with(port, config, false)
    }

    /// With `replay`, the first answer to each distinct request is kept and served
    /// again (after the delay) without asking the upstream: a fast endpoint, so that
    /// a benchmark measures the client's concurrency and not moto's speed.
    pub fn start_with(port: u16, config: Config, replay: bool) -> io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            replay: replay.then(|| Mutex::new(HashMap::new())),
            stats: Mutex::new(Stats::default()),
            attempts: Mutex::new(HashMap::new()),
            in_flight: AtomicU64::new(0),
            region_delays: Mutex::new(BTreeMap::new()),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                thread::spawn(move || {
                    let _ = serve_connection(conn, &s);
                });
            }
        });
        Ok(Proxy { endpoint: format!("http://{addr}"), addr, shared })
    }

    pub fn start(config: Config) -> Proxy {
        Proxy::start_on(0, config).expect("bind the fault proxy on 127.0.0.1")
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    /// Requests to `region` (any service) wait `delay` instead of the configured one:
    /// a slow region next to fast ones.
    pub fn set_region_delay(&self, region: &str, delay: Duration) {
        self.shared.region_delays.lock().expect("delays lock").insert(region.to_string(), delay);
    }

    /// Forgets attempt counts and statistics (between two runs through one proxy).
    pub fn reset(&self) {
        *self.shared.stats.lock().expect("stats lock") = Stats::default();
        self.shared.attempts.lock().expect("attempts lock").clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

/// FNV-1a: fixed across runs and platforms, unlike std's RandomState.
pub fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

struct HttpRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn read_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn read_headers(r: &mut impl BufRead) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?.ok_or_else(|| bad("eof in headers"))?;
        if line.is_empty() {
            return Ok(headers);
        }
        let (k, v) = line.split_once(':').ok_or_else(|| bad("header without colon"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
}

fn read_body(r: &mut impl BufRead, headers: &[(String, String)], to_eof: bool) -> io::Result<Vec<u8>> {
    let get = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.as_str());
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let size_line = read_line(r)?.ok_or_else(|| bad("eof in chunk size"))?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                read_headers(r)?; // trailers
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            read_line(r)?;
        }
    }
    if let Some(n) = get("content-length") {
        let n: usize = n.parse().map_err(|_| bad("bad content-length"))?;
        let mut body = vec![0; n];
        r.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if to_eof {
        r.read_to_end(&mut body)?;
    }
    Ok(body)
}

fn read_request(r: &mut impl BufRead) -> io::Result<Option<HttpRequest>> {
    let Some(line) = read_line(r)? else { return Ok(None) };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Err(bad("bad request line")) };
    let (method, target) = (method.to_string(), target.to_string());
    let headers = read_headers(r)?;
    let body = read_body(r, &headers, false)?;
    Ok(Some(HttpRequest { method, target, headers, body }))
}

fn form_param<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
}

fn describe(req: &HttpRequest) -> (String, String, String, String) {
    // Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/ec2/aws4_request, ...
    let cred = req
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .unwrap_or("");
    let mut scope = cred.split('/');
    let access_key = scope.next().unwrap_or("").to_string();
    let _date = scope.next();
    let region = scope.next().unwrap_or("").to_string();
    let service = scope.next().unwrap_or("").to_string();
    let body = String::from_utf8_lossy(&req.body);
    let action = form_param(&body, "Action")
        .map(str::to_string)
        .or_else(|| req.header("x-amz-target").and_then(|t| t.rsplit('.').next()).map(str::to_string))
        .unwrap_or_default();
    (service, region, action, access_key)
}

fn rewrite_max_results(body: &[u8], n: u32) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    if !text.contains("MaxResults=") {
        return body.to_vec();
    }
    text.split('&')
        .map(|kv| if kv.starts_with("MaxResults=") { format!("MaxResults={n}") } else { kv.to_string() })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

#[derive(Clone)]
struct HttpResponse {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn forward(req: &HttpRequest, body: &[u8], upstream: &str) -> io::Result<HttpResponse> {
    let mut up = TcpStream::connect(upstream)?;
    up.set_nodelay(true)?;
    up.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if !["connection", "content-length", "transfer-encoding"].iter().any(|h| k.eq_ignore_ascii_case(h)) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("Connection: close\r\nContent-Length: {}\r\n\r\n", body.len()));
    up.write_all(&[head.as_bytes(), body].concat())?;
    let mut r = BufReader::new(up);
    let status = read_line(&mut r)?.ok_or_else(|| bad("upstream closed without a response"))?;
    let headers = read_headers(&mut r)?;
    let body = read_body(&mut r, &headers, true)?;
    Ok(HttpResponse { status, headers, body })
}

/// An AWS error in the protocol of the service the request was for.
fn aws_error(service: &str, fault: Fault) -> HttpResponse {
    let (status, ec2_code, sts_code, json_type, message) = match fault {
        Fault::Throttle => (
            "503 Service Unavailable",
            "RequestLimitExceeded",
            "Throttling",
            "TooManyRequestsException",
            "Request limit exceeded.",
        ),
        Fault::Deny => (
            "403 Forbidden",
            "UnauthorizedOperation",
            "AccessDenied",
            "AccessDeniedException",
            "You are not authorized to perform this operation.",
        ),
        _ => (
            "500 Internal Server Error",
            "InternalError",
            "InternalFailure",
            "ServiceException",
            "An internal error has occurred.",
        ),
    };
    let (content_type, body) = match service {
        "organizations" => {
            ("application/x-amz-json-1.1", format!(r#"{{"__type":"{json_type}","message":"{message}"}}"#))
        }
        "sts" => (
            "text/xml",
            format!(
                r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{sts_code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"#
            ),
        ),
        // ELB (v2 and Classic) is a Query API like STS, with the same codes.
        "elasticloadbalancing" => (
            "text/xml",
            format!(
                r#"<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>{sts_code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"#
            ),
        ),
        _ => (
            "text/xml;charset=UTF-8",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{ec2_code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"#
            ),
        ),
    };
    // STS, ELB and Organizations send throttling as 400.
    let status = if fault == Fault::Throttle && service != "ec2" { "400 Bad Request" } else { status };
    HttpResponse {
        status: format!("HTTP/1.1 {status}"),
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.into_bytes(),
    }
}

fn head_bytes(resp: &HttpResponse, content_length: usize) -> Vec<u8> {
    let mut head = format!("{}\r\n", resp.status);
    for (k, v) in &resp.headers {
        if !["connection", "content-length", "transfer-encoding", "keep-alive"]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h))
        {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {content_length}\r\n\r\n"));
    head.into_bytes()
}

/// Closes with RST instead of FIN (SO_LINGER 0), as a dropped connection looks mid-response.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket fd and a correctly sized, initialised linger struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Keeps a connection open without answering until the client hangs up (or 10 minutes).
fn stall(stream: &mut TcpStream, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let until = Instant::now() + Duration::from_secs(600);
    let mut buf = [0u8; 512];
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Ends one request of a (service, region) scope in the statistics.
struct ScopeInFlight<'a>(&'a Shared, (String, String));
impl Drop for ScopeInFlight<'_> {
    fn drop(&mut self) {
        let mut st = self.0.stats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = st.by_scope.get_mut(&self.1) {
            r.in_flight = r.in_flight.saturating_sub(1);
            r.last_end = Some(Instant::now());
        }
    }
}

struct InFlight<'a>(&'a Shared);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(stream: TcpStream, s: &Shared) -> io::Result<()> {
    // Head and body go out in one write, and without Nagle: otherwise the client's
    // delayed ACK adds ~40 ms to every response and the delay is no longer the delay.
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader)? {
        let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = InFlight(s);
        let (service, region, action, access_key) = describe(&req);
        let scope = (service.clone(), region.clone());
        {
            let mut st = s.stats.lock().expect("stats lock");
            let r = st.by_scope.entry(scope.clone()).or_default();
            r.requests += 1;
            r.in_flight += 1;
            r.max_in_flight = r.max_in_flight.max(r.in_flight);
            r.first_start.get_or_insert_with(Instant::now);
        }
        let _scope_guard = ScopeInFlight(s, scope);
        let body = match s.config.max_results {
            Some(n) => rewrite_max_results(&req.body, n),
            None => req.body.clone(),
        };
        let key = fnv(&[&service, &region, &access_key, &String::from_utf8_lossy(&req.body)]);
        let attempt = {
            let mut a = s.attempts.lock().expect("attempts lock");
            let n = a.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        let info = Request {
            service: service.clone(),
            region: region.clone(),
            action: action.clone(),
            access_key,
            key,
            attempt,
        };
        let fault = (s.config.policy)(&info);
        {
            let mut st = s.stats.lock().expect("stats lock");
            st.requests += 1;
            st.max_in_flight = st.max_in_flight.max(now);
            if fault != Fault::Forward {
                *st.faults.entry((region.clone(), action, fault)).or_insert(0) += 1;
            }
        }
        let delay = s.region_delays.lock().expect("delays lock").get(&region).copied().unwrap_or(s.config.delay);
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        let close_after = req.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let resp = match fault {
            Fault::Throttle | Fault::ServerError | Fault::Deny => aws_error(&service, fault),
            _ => {
                // The access key tells accounts apart (identical requests, different answers).
                let replay_key = fnv(&[&service, &region, &info.access_key, &String::from_utf8_lossy(&body)]);
                let cached = s.replay.as_ref().and_then(|m| m.lock().expect("replay lock").get(&replay_key).cloned());
                match cached {
                    Some(r) => (*r).clone(),
                    None => match forward(&req, &body, &s.config.upstream) {
                        Ok(r) => {
                            if let (Some(m), true) = (&s.replay, r.status.contains(" 200")) {
                                m.lock().expect("replay lock").insert(replay_key, Arc::new(r.clone()));
                            }
                            r
                        }
                        Err(e) => HttpResponse {
                            status: "HTTP/1.1 502 Bad Gateway".into(),
                            headers: vec![("Content-Type".into(), "text/plain".into())],
                            body: format!("fault proxy: upstream {}: {e}", s.config.upstream).into_bytes(),
                        },
                    },
                }
            }
        };
        match fault {
            Fault::Reset | Fault::Stall => {
                let half = resp.body.len() / 2;
                writer.write_all(&[head_bytes(&resp, resp.body.len()), resp.body[..half].to_vec()].concat())?;
                writer.flush()?;
                if fault == Fault::Reset {
                    reset(&writer);
                    let _ = writer.shutdown(Shutdown::Read);
                } else {
                    stall(&mut writer, &s.stop);
                }
                return Ok(()); // both handles drop here: the socket closes
            }
            Fault::Garble => {
                let cut = resp.body.len() * 3 / 5;
                let mut body = resp.body[..cut].to_vec();
                body.extend_from_slice(b"<<\x01garbage&;");
                writer.write_all(&[head_bytes(&resp, body.len()), body].concat())?;
            }
            Fault::CutAtItem => {
                let half = resp.body.len() / 2;
                let tag = b"</item>";
                let end = resp.body[half..]
                    .windows(tag.len())
                    .position(|w| w == tag)
                    .map(|i| half + i + tag.len())
                    .unwrap_or(resp.body.len());
                let body = &resp.body[..end];
                writer.write_all(&[head_bytes(&resp, body.len()), body.to_vec()].concat())?;
            }
            _ => {
                writer.write_all(&[head_bytes(&resp, resp.body.len()), resp.body.clone()].concat())?;
            }
        }
        writer.flush()?;
        if close_after {
            return Ok(());
        }
    }
    Ok(())
}
