//! `auditmap paths` on the demo estate: the internet → ALB → web → app → database chain.
use std::path::Path;
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("run auditmap")
}

fn demo_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates/demo.json").display().to_string()
}

const ALB_ENIS: [&str; 2] = ["eni-048ee9bf12cce54f2", "eni-0a7989c5f93e80337"];
const WEB: [&str; 2] = ["i-074d13fabe7d18650", "i-046c37331a2918a8b"];
const APP: [&str; 4] = ["i-0c096cf69a551ee3f", "i-0d3d36e2d9953add7", "i-0f79f033cd1d13f31", "i-0ae15be49620a5a40"];
const DB: &str = "eni-00ebda7e12daf7675";

fn json(args: &[&str]) -> serde_json::Value {
    let out = auditmap(args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn internet_alb_web_app_database_chain() {
    let v = json(&["paths", &demo_path(), "--from", "internet", "--to", "data-stores", "--json"]);
    assert_eq!(v["from"], "internet");
    assert_eq!(v["to"], "data-stores");
    let paths = v["paths"].as_array().unwrap();
    let chains: Vec<&serde_json::Value> = paths
        .iter()
        .filter(|p| {
            let h = p["hops"].as_array().unwrap();
            h.len() == 4
                && h[0]["from"] == "internet"
                && ALB_ENIS.iter().any(|a| h[0]["to"] == *a)
                && WEB.iter().any(|w| h[1]["to"] == *w)
                && APP.iter().any(|a| h[2]["to"] == *a)
                && h[3]["to"] == DB
        })
        .collect();
    assert!(!chains.is_empty(), "no internet → ALB → web → app → db path in {v:#}");
    for p in &chains {
        let h = &p["hops"];
        assert_eq!(h[0]["protocol"], "tcp");
        assert!(h[0]["ports"].as_str().unwrap().contains("443"), "{p}");
        assert_eq!(h[1]["ports"], "8080", "{p}");
        // app also admits ICMP from the VPC CIDR: "tcp/8443, icmp".
        assert!(h[2]["ports"].as_str().unwrap().contains("8443"), "{p}");
        assert_eq!(h[3]["ports"], "5432", "{p}");
        assert_eq!(h[3]["evidence"]["grants"][0]["security_group_id"], "sg-02d5c1d66cc1de9eb");
        assert_eq!(h[3]["evidence"]["grants"][0]["sg_rule"], "tcp/5432 from 111111111111/sg-0f25deb99aa2268d1");
        // Each private hop names the source address, its routes and its SG rule.
        for i in 1..4 {
            assert!(!h[i]["sources"].as_array().unwrap().is_empty(), "{p}");
            assert!(h[i]["evidence"]["forward_route"]["route"].as_str().unwrap().ends_with("→ local"), "{p}");
        }
    }
    // Both ALB ENIs × both web servers lead there.
    assert!(chains.len() >= 4, "{} chains", chains.len());
    // Paths are sorted and unique.
    let keys: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    let mut sorted = keys.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len());
}

#[test]
fn text_output_and_demo_flag() {
    let out = auditmap(&["paths", "--demo", "--from", "internet", "--to", DB]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Paths from internet to eni-00ebda7e12daf7675"), "{text}");
    assert!(text.contains("internet → eni-048ee9bf12cce54f2  tcp "), "{text}");
    assert!(text.contains("tcp 5432"), "{text}");
    assert!(text.contains("SG sg-02d5c1d66cc1de9eb: tcp/5432 from 111111111111/sg-0f25deb99aa2268d1"), "{text}");
    // The same result from the file and from --demo.
    let file = auditmap(&["paths", &demo_path(), "--from", "internet", "--to", DB]);
    assert_eq!(file.stdout, out.stdout);
    // --limit keeps the first paths and counts the rest.
    let limited = auditmap(&["paths", "--demo", "--from", "internet", "--to", DB, "--limit", "1"]);
    let limited = String::from_utf8_lossy(&limited.stdout);
    assert!(limited.contains("\nPath 1 ") && !limited.contains("\nPath 2 "), "{limited}");
    assert!(limited.contains("more not shown (--limit)"), "{limited}");
    // The database is not exposed itself: no one-hop path.
    let v = json(&["paths", "--demo", "--from", "internet", "--to", DB, "--max-hops", "1", "--json"]);
    assert_eq!(v, serde_json::json!({"from": "internet", "to": DB, "paths": []}));
}

#[test]
fn bad_endpoints_exit_2() {
    for (from, to) in [("tag:Name", "data-stores"), ("internet", "sg-123"), ("i-0000000000000000f", "data-stores")] {
        let out = auditmap(&["paths", "--demo", "--from", from, "--to", to]);
        assert_eq!(out.status.code(), Some(2), "{from} → {to}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{err}");
    }
}
