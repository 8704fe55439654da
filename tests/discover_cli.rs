//! `auditmap discover` as a user runs it: against moto, against a dead or silent
//! endpoint, and with partial failures, checking exit codes and messages.
#[path = "../discover/tests/support/moto.rs"]
mod moto;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use moto::Moto;

/// The binary with a clean AWS environment pointing at `endpoint`.
fn auditmap(endpoint: &str) -> Command {
    moto::clean_aws_command(env!("CARGO_BIN_EXE_auditmap"), endpoint)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn discover_then_validate_on_a_moto_estate() {
    let moto = Moto::start();
    let seed = moto.seed(false);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let o = auditmap(&moto.endpoint)
        .args(["discover", "--out"])
        .arg(&out)
        .args(["--region", "us-east-1", "--region", "eu-west-1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("discovered 1 account(s), 2 region(s)") && err.contains("0 coverage gap(s)"), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    for (_, v) in seed["accounts"]["123456789012"].as_object().unwrap() {
        for id in v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]) {
            let id = id.as_str().unwrap();
            assert!(text.contains(&format!("\"{id}\"")), "{id} missing from the snapshot");
        }
    }
    let v = Command::new(env!("CARGO_BIN_EXE_auditmap")).arg("validate").arg(&out).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    let summary = String::from_utf8_lossy(&v.stdout);
    assert!(summary.contains("transit_gateway_route_table") && summary.contains("vpn_connection"), "{summary}");
}

/// A port nothing listens on (tcpmux, never served here): connections are refused. A
/// port from `moto::free_port` was not safe: another test's moto server could take it
/// while this test ran, and the "dead" endpoint then answered.
const CLOSED_PORT: u16 = 1;

#[test]
fn endpoint_down_fails_fast_with_a_clear_error() {
    let port = CLOSED_PORT;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let started = Instant::now();
    let o = auditmap(&format!("http://127.0.0.1:{port}"))
        .args(["discover", "--max-attempts", "2", "--connect-timeout", "1", "--operation-timeout", "5", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(15));
    let err = stderr(&o);
    assert!(err.contains("sts:GetCallerIdentity") && err.contains("DispatchFailure"), "{err}");
    assert!(!Path::new(&out).exists(), "no snapshot when nothing was read");
}

#[test]
fn silent_endpoint_times_out_within_the_configured_timeout() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let o = auditmap(&format!("http://127.0.0.1:{port}"))
        .args(["discover", "--read-timeout", "1", "--operation-timeout", "3", "--max-attempts", "3", "--out"])
        .arg(dir.path().join("snap.json"))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(took < Duration::from_secs(8), "took {took:?}; operation timeout was 3s");
    assert!(stderr(&o).contains("TimeoutError"), "{}", stderr(&o));
}

#[test]
fn failing_api_calls_are_gaps_with_exit_3() {
    let moto = Moto::start();
    let dead = CLOSED_PORT;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    // STS answers (moto); every EC2 call goes to a closed port.
    let o = auditmap(&moto.endpoint)
        .env("AWS_ENDPOINT_URL_EC2", format!("http://127.0.0.1:{dead}"))
        .args(["discover", "--max-attempts", "1", "--connect-timeout", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("gap: 123456789012 us-east-1 ec2:DescribeRegions"), "{}", stderr(&o));
    let snap = inventory::snapshot::load_file(&out).expect("snapshot with gaps is still valid");
    assert!(snap.gaps().count() >= 20);
    assert!(snap.identity.iter().any(|i| i.account_id == "123456789012"));
    let v = Command::new(env!("CARGO_BIN_EXE_auditmap")).arg("validate").arg(&out).output().unwrap();
    assert_eq!(v.status.code(), Some(3));
}

#[test]
fn missing_region_and_bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = auditmap("http://127.0.0.1:9")
        .env_remove("AWS_REGION")
        .args(["discover", "--out"])
        .arg(dir.path().join("s.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no AWS region"), "{}", stderr(&o));
    let o = auditmap("http://127.0.0.1:9")
        .args(["discover", "--role-arn", "not-an-arn", "--out"])
        .arg(dir.path().join("s.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not-an-arn"));
}

/// A minimal fake AWS endpoint for what moto cannot do: refuse an AssumeRole and
/// report a region as not opted in. Answers EC2 and ELB listings with empty results.
fn fake_aws() -> u16 {
    fake_aws_with(false)
}

/// `deny_elbv2`: the ELB v2 DescribeLoadBalancers is refused (AccessDenied).
fn fake_aws_with(deny_elbv2: bool) -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = move |head: &str, body: &str| -> (u16, String, &'static str) {
        let target = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-amz-target:").map(|t| t.trim().to_string()));
        if target.as_deref() == Some("awsorganizationsv20161128.listaccounts") {
            let json = r#"{"Accounts":[{"Id":"123456789012","Name":"management","Status":"ACTIVE"},{"Id":"222222222222","Name":"locked","Status":"ACTIVE"}]}"#;
            return (200, json.into(), "application/x-amz-json-1.1");
        }
        let action = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("").to_string();
        let version = body.split('&').find_map(|kv| kv.strip_prefix("Version=")).unwrap_or("");
        // ELB v2 (2015-12-01) and Classic (2012-06-01) are Query APIs with a Result element.
        if version == "2015-12-01" || version == "2012-06-01" {
            let ns = format!("http://elasticloadbalancing.amazonaws.com/doc/{version}/");
            if deny_elbv2 && version == "2015-12-01" && action == "DescribeLoadBalancers" {
                return (403, format!("<ErrorResponse xmlns=\"{ns}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers</Message></Error><RequestId>1</RequestId></ErrorResponse>"), "text/xml");
            }
            return (200, format!("<{action}Response xmlns=\"{ns}\"><{action}Result></{action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>"), "text/xml");
        }
        let ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";
        let sts = "https://sts.amazonaws.com/doc/2011-06-15/";
        match action.as_str() {
            "GetCallerIdentity" => (200, format!("<GetCallerIdentityResponse xmlns=\"{sts}\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/auditor</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"), "text/xml"),
            "AssumeRole" => (403, format!("<ErrorResponse xmlns=\"{sts}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>"), "text/xml"),
            "DescribeRegions" => (200, format!("<DescribeRegionsResponse xmlns=\"{ec2}\"><regionInfo><item><regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus></item><item><regionName>ap-east-1</regionName><optInStatus>not-opted-in</optInStatus></item></regionInfo></DescribeRegionsResponse>"), "text/xml"),
            a => (200, format!("<{a}Response xmlns=\"{ec2}\"><requestId>1</requestId></{a}Response>"), "text/xml"),
        }
    };
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut head = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        head.push_str(&line);
                    }
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .and_then(|v| v.trim().parse::<usize>().ok())
                        })
                        .unwrap_or(0);
                    let mut body = vec![0u8; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let (status, text, ctype) = answer(&head, &String::from_utf8_lossy(&body));
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn refused_role_and_disabled_region_are_recorded_and_the_run_goes_on() {
    let port = fake_aws();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let o = auditmap(&format!("http://127.0.0.1:{port}"))
        .args(["discover", "--all-regions", "--org-role", "Audit", "--max-attempts", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("gap: 222222222222 global sts:AssumeRole: Denied AccessDenied"), "{err}");
    let snap = inventory::snapshot::load_file(&out).unwrap();
    assert_eq!(snap.scope.accounts, vec!["123456789012".to_string(), "222222222222".to_string()]);
    assert_eq!(snap.scope.regions_discovered, vec!["us-east-1".to_string()]);
    assert_eq!(snap.gaps().count(), 1, "only the refused role is a gap");
    let skipped = snap
        .coverage
        .iter()
        .filter(|c| c.region == "ap-east-1" && c.status == inventory::snapshot::CoverageStatus::Skipped)
        .count();
    assert_eq!(skipped, discover::ops::REGIONAL.len());
    assert_eq!(
        snap.resources.accounts.iter().map(|a| (a.id.as_str(), a.org_name.as_deref())).collect::<Vec<_>>(),
        vec![("123456789012", Some("management"))]
    );
}

#[test]
fn unknown_region_is_a_gap_without_calls() {
    let port = fake_aws();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let o = auditmap(&format!("http://127.0.0.1:{port}"))
        .args(["discover", "--region", "us-east-1", "--region", "eu-wset-1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let snap = inventory::snapshot::load_file(&out).unwrap();
    assert_eq!(snap.scope.regions_discovered, vec!["us-east-1".to_string()]);
    let bad: Vec<_> = snap.coverage.iter().filter(|c| c.region == "eu-wset-1").collect();
    assert_eq!(bad.len(), discover::ops::REGIONAL.len());
    assert!(bad.iter().all(|c| c.error_code.as_deref() == Some("UnknownRegion") && c.items == 0 && c.pages == 0));
}

/// A refused ELB v2 listing is a gap (exit 3); what depends on it is recorded as skipped.
#[test]
fn denied_load_balancer_listing_is_a_gap_with_exit_3() {
    use inventory::snapshot::CoverageStatus;
    let port = fake_aws_with(true);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let o = auditmap(&format!("http://127.0.0.1:{port}"))
        .args(["discover", "--region", "us-east-1", "--max-attempts", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("gap: 123456789012 us-east-1 elasticloadbalancing:DescribeLoadBalancers: Denied AccessDenied"),
        "{err}"
    );
    let snap = inventory::snapshot::load_file(&out).unwrap();
    assert_eq!(snap.gaps().count(), 1, "{:#?}", snap.gaps().collect::<Vec<_>>());
    let status = |api: &str| snap.coverage.iter().find(|c| c.api == api).map(|c| c.status);
    assert_eq!(status("elasticloadbalancing:DescribeListeners"), Some(CoverageStatus::Skipped));
    assert_eq!(status("elasticloadbalancing:DescribeLoadBalancerAttributes"), Some(CoverageStatus::Skipped));
    assert_eq!(status("elasticloadbalancing:DescribeLoadBalancers (classic)"), Some(CoverageStatus::Ok));
    assert_eq!(status("elasticloadbalancing:DescribeTargetGroups"), Some(CoverageStatus::Ok));
}
