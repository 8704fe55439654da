//! The latency-and-fault proxy of the fault drills as a program, for scripts/bench:
//!
//!   cargo run --release -p auditmap-discover --example fault_proxy -- \
//!       --upstream 127.0.0.1:5000 --delay-ms 50 [--port 0] [--max-results 5] [--flaky 20]
//!
//! With `--replay` it keeps the first upstream answer to each distinct request and
//! serves it again without asking the upstream (a fast replay endpoint: benchmarks
//! then measure discovery, not moto). Prints `listening http://127.0.0.1:PORT` on stdout, then serves until killed. With
//! `--stats-every-ms N` it prints a line of request/fault counts every N ms on stderr.
#[path = "../tests/support/proxy.rs"]
mod proxy;

use std::io::Write;
use std::time::Duration;

fn main() {
    let mut upstream = None;
    let mut delay_ms = 0u64;
    let mut port = 0u16;
    let mut max_results = None;
    let mut flaky = None;
    let mut stats_every = None;
    let mut replay = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--upstream" => upstream = Some(value()),
            "--delay-ms" => delay_ms = value().parse().unwrap_or_else(|_| usage("--delay-ms: a number")),
            "--port" => port = value().parse().unwrap_or_else(|_| usage("--port: a number")),
            "--max-results" => max_results = Some(value().parse().unwrap_or_else(|_| usage("--max-results: a number"))),
            "--flaky" => flaky = Some(value().parse().unwrap_or_else(|_| usage("--flaky: a percentage"))),
            "--replay" => replay = true,
            "--stats-every-ms" => {
                stats_every = Some(value().parse().unwrap_or_else(|_| usage("--stats-every-ms: a number")))
            }
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    let upstream = upstream.unwrap_or_else(|| usage("--upstream HOST:PORT is required"));
    let policy = match flaky {
        Some(p) => proxy::flaky(p),
        None => proxy::forward_all(),
    };
    let config = proxy::Config { upstream, delay: Duration::from_millis(delay_ms), policy, max_results };
    let p = proxy::Proxy::start_with(port, config, replay).unwrap_or_else(|e| {
        eprintln!("fault_proxy: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    });
    println!("listening {}", p.endpoint);
    let _ = std::io::stdout().flush();
    loop {
        std::thread::sleep(Duration::from_millis(stats_every.unwrap_or(3_600_000)));
        if stats_every.is_some() {
            let s = p.stats();
            eprintln!("requests={} faults={} max_in_flight={}", s.requests, s.total_faults(), s.max_in_flight);
        }
    }
}

fn usage(msg: &str) -> ! {
    eprintln!("fault_proxy: {msg}\nusage: fault_proxy --upstream HOST:PORT [--delay-ms N] [--port P] [--max-results N] [--flaky PCT] [--replay] [--stats-every-ms N]");
    std::process::exit(2)
}
