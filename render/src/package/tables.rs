//! Row tables besides the inventory: exposures, coverage, and the rule/route sheets.
//! Cells are plain text here; each writer escapes or neutralises for its format.
use inventory::analysis::{Analysis, IpVersion};
use inventory::model::{IcmpTypeCode, PortRange, Protocol, RuleAction};
use inventory::Snapshot;

/// A table with its header; `numeric` marks columns written as numbers in XLSX.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(cols: &[(&'static str, bool)]) -> Table {
        Table {
            headers: cols.iter().map(|c| c.0).collect(),
            numeric: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }
}

fn opt<T: ToString>(o: &Option<T>) -> String {
    o.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn ports(p: Option<PortRange>) -> (String, String) {
    match p {
        Some(r) => (r.from.to_string(), r.to.to_string()),
        None => (String::new(), String::new()),
    }
}

fn icmp(i: &Option<IcmpTypeCode>) -> String {
    i.map(|i| format!("type {} code {}", i.icmp_type, i.code)).unwrap_or_default()
}

/// exposures.csv: the required evidence columns first, then context columns.
pub fn exposures(analysis: &Analysis) -> Table {
    let mut t = Table::new(&[
        ("resource_id", false),
        ("eni_id", false),
        ("public_ip", false),
        ("protocol", false),
        ("port_from", true),
        ("port_to", true),
        ("source", false),
        ("route_table", false),
        ("nacl_in_rule", true),
        ("nacl_out_rule", true),
        ("security_group", false),
        ("sg_rule", false),
        ("sg_rule_id", false),
        ("route", false),
        ("route_table_main", false),
        ("nacl", false),
        ("ip_version", false),
        ("resource_kind", false),
        ("service", false),
        ("name", false),
        ("account", false),
        ("region", false),
        ("vpc", false),
        ("subnet", false),
        ("source_cidrs", false),
        ("ports_note", false),
        ("ingress_route", false),
        ("inspection_point", false),
    ]);
    for f in &analysis.exposures {
        let (from, to) = ports(f.ports);
        let e = &f.evidence;
        t.rows.push(vec![
            f.resource_id.clone(),
            f.eni_id.clone(),
            f.public_ip.clone(),
            f.protocol.to_string(),
            from,
            to,
            f.source_text.clone(),
            e.route_table_id.clone(),
            e.nacl_in_rule.to_string(),
            e.nacl_out_rule.to_string(),
            e.security_group_id.clone(),
            e.sg_rule.clone(),
            opt(&e.sg_rule_id),
            e.route.clone(),
            e.route_table_main.to_string(),
            e.nacl_id.clone(),
            match f.ip_version {
                IpVersion::V4 => "ipv4".into(),
                IpVersion::V6 => "ipv6".into(),
            },
            f.resource_kind.as_str().into(),
            f.service.as_str().into(),
            opt(&f.name),
            f.account_id.clone(),
            f.region.clone(),
            f.vpc_id.clone(),
            f.subnet_id.clone(),
            f.sources.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" "),
            opt(&f.ports_note),
            opt(&e.ingress_route),
            opt(&e.inspection_point),
        ]);
    }
    t
}

/// scope-crossings.csv (`inventory::facts::scope_crossings`); None without a scope.
pub fn scope_crossings(snapshot: &Snapshot, analysis: &Analysis) -> Option<Table> {
    analysis.facts.in_scope.as_ref()?;
    let mut t = Table::new(&[
        ("from", false),
        ("to", false),
        ("via", false),
        ("direction", false),
        ("ports", false),
        ("evidence", false),
    ]);
    for c in inventory::facts::scope_crossings(&snapshot.resources, analysis) {
        t.rows.push(vec![c.from, c.to, c.via, c.direction, c.ports, c.evidence.join("; ")]);
    }
    Some(t)
}

/// Short evidence chain for one finding, as the report shows it.
pub fn evidence_chain(f: &inventory::analysis::ExposureFinding) -> String {
    let e = &f.evidence;
    let inspected = match (&e.ingress_route, &e.inspection_point) {
        (Some(r), Some(p)) => format!("ingress route {r} → inspection point {p} → "),
        _ => String::new(),
    };
    format!(
        "{inspected}route table {}{} ({}) → NACL {} inbound rule {} / outbound rule {} → security group {} rule {}{} → {} {} on {}",
        e.route_table_id,
        if e.route_table_main { " [main]" } else { "" },
        e.route,
        e.nacl_id,
        e.nacl_in_rule,
        e.nacl_out_rule,
        e.security_group_id,
        e.sg_rule,
        e.sg_rule_id.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
        f.public_ip,
        f.ports_label(inventory::facts::PortStyle::Short),
        f.eni_id,
    )
}

/// coverage.csv: one row per API call record; `gap` true where resources may be missing.
pub fn coverage(snapshot: &Snapshot) -> Table {
    let mut t = Table::new(&[
        ("account", false),
        ("region", false),
        ("api", false),
        ("status", false),
        ("gap", false),
        ("items", true),
        ("pages", true),
        ("retries", true),
        ("duration_ms", true),
        ("error_code", false),
        ("error_message", false),
    ]);
    for c in &snapshot.coverage {
        t.rows.push(vec![
            c.account_id.clone(),
            c.region.clone(),
            c.api.clone(),
            c.status.as_str().into(),
            c.status.is_gap().to_string(),
            c.items.to_string(),
            c.pages.to_string(),
            c.retries.to_string(),
            c.duration_ms.to_string(),
            opt(&c.error_code),
            opt(&c.error_message),
        ]);
    }
    t
}

pub fn sg_rules(snapshot: &Snapshot) -> Table {
    let mut t = Table::new(&[
        ("security_group", false),
        ("group_name", false),
        ("vpc", false),
        ("account", false),
        ("region", false),
        ("direction", false),
        ("rule_id", false),
        ("protocol", false),
        ("port_from", true),
        ("port_to", true),
        ("icmp", false),
        ("peer", false),
        ("summary", false),
        ("description", false),
    ]);
    for g in &snapshot.resources.security_groups {
        for (dir, rules, word) in [("ingress", &g.ingress, "from"), ("egress", &g.egress, "to")] {
            for r in rules {
                let (from, to) =
                    if r.protocol.has_ports() { ports(Some(r.port_range())) } else { (String::new(), String::new()) };
                t.rows.push(vec![
                    g.id.clone(),
                    g.group_name.clone(),
                    g.vpc_id.clone(),
                    g.account_id.clone(),
                    g.region.clone(),
                    dir.into(),
                    opt(&r.rule_id),
                    r.protocol.to_string(),
                    from,
                    to,
                    icmp(&r.icmp),
                    r.peer.to_string(),
                    r.summary(word),
                    opt(&r.description),
                ]);
            }
        }
    }
    t
}

pub fn nacl_rules(snapshot: &Snapshot) -> Table {
    let mut t = Table::new(&[
        ("network_acl", false),
        ("vpc", false),
        ("account", false),
        ("region", false),
        ("default", false),
        ("direction", false),
        ("rule_number", true),
        ("action", false),
        ("protocol", false),
        ("port_from", true),
        ("port_to", true),
        ("icmp", false),
        ("cidr", false),
        ("subnets", false),
    ]);
    for n in &snapshot.resources.network_acls {
        let subnets: Vec<&str> = n.associations.iter().map(|a| a.subnet_id.as_str()).collect();
        for egress in [false, true] {
            for e in n.rules(egress) {
                let (from, to) = if e.protocol.has_ports() {
                    ports(Some(e.ports.unwrap_or(PortRange::ALL)))
                } else {
                    (String::new(), String::new())
                };
                t.rows.push(vec![
                    n.id.clone(),
                    n.vpc_id.clone(),
                    n.account_id.clone(),
                    n.region.clone(),
                    n.is_default.to_string(),
                    if egress { "outbound".into() } else { "inbound".into() },
                    e.rule_number.to_string(),
                    match e.action {
                        RuleAction::Allow => "allow".into(),
                        RuleAction::Deny => "deny".into(),
                    },
                    if e.protocol == Protocol::All { "all".into() } else { e.protocol.to_string() },
                    from,
                    to,
                    icmp(&e.icmp),
                    e.cidr.to_string(),
                    subnets.join(" "),
                ]);
            }
        }
    }
    t
}

pub fn routes(snapshot: &Snapshot) -> Table {
    let mut t = Table::new(&[
        ("route_table", false),
        ("vpc", false),
        ("account", false),
        ("region", false),
        ("main", false),
        ("subnets", false),
        ("destination", false),
        ("target_kind", false),
        ("target", false),
        ("state", false),
        ("origin", false),
    ]);
    for rt in &snapshot.resources.route_tables {
        let subnets: Vec<&str> = rt.associations.iter().filter_map(|a| a.subnet_id.as_deref()).collect();
        for r in &rt.routes {
            t.rows.push(vec![
                rt.id.clone(),
                rt.vpc_id.clone(),
                rt.account_id.clone(),
                rt.region.clone(),
                rt.is_main().to_string(),
                subnets.join(" "),
                r.destination.to_string(),
                serde_json::to_value(r.target.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                r.target.id.clone(),
                serde_json::to_value(r.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                opt(&r.origin),
            ]);
        }
    }
    t
}
