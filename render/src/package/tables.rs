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

/// The acceptance columns of exposures.csv and the Exposures sheet, at the end.
/// Always there, so a reader's column positions do not depend on the options: empty
/// when no --accepted file was given (not reviewed).
pub const ACCEPTANCE_COLUMNS: [&str; 5] = ["acceptance", "accepted_reason", "accepted_by", "ticket", "accepted_until"];

/// exposures.csv: the required evidence columns first, then context columns, then
/// each finding's acceptance (from the pipeline's one review, never judged here).
pub fn exposures(analysis: &Analysis, accepted: Option<&super::Reviewed>) -> Table {
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
        ("load_balancer", false),
        ("listener", false),
        ("encryption_in_transit", false),
        (ACCEPTANCE_COLUMNS[0], false),
        (ACCEPTANCE_COLUMNS[1], false),
        (ACCEPTANCE_COLUMNS[2], false),
        (ACCEPTANCE_COLUMNS[3], false),
        (ACCEPTANCE_COLUMNS[4], false),
    ]);
    for (i, f) in analysis.exposures.iter().enumerate() {
        let (from, to) = ports(f.ports);
        let e = &f.evidence;
        let mut row = vec![
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
            f.load_balancer.as_ref().map(|l| l.load_balancer_name.clone()).unwrap_or_default(),
            f.load_balancer.as_ref().map(|l| l.label()).unwrap_or_default(),
            f.load_balancer.as_ref().map(|l| l.encryption.clone()).unwrap_or_default(),
        ];
        let (status, entry) = match accepted {
            Some(a) => {
                let (status, entry) = a.of(i);
                (status.as_str().to_string(), entry)
            }
            None => (String::new(), None),
        };
        // An expired finding names the entry that lapsed, so the auditor sees which.
        row.extend([
            status,
            entry.map(|e| e.reason.clone()).unwrap_or_default(),
            entry.map(|e| e.approved_by.clone()).unwrap_or_default(),
            entry.and_then(|e| e.ticket.clone()).unwrap_or_default(),
            entry.and_then(|e| e.expires.clone()).unwrap_or_default(),
        ]);
        t.rows.push(row);
    }
    t
}

/// load_balancers.csv: one row per listener (a load balancer without listeners gets
/// one row), with scheme, encryption in transit (PCI DSS 4.2.1) and where it forwards.
pub fn load_balancers(snapshot: &Snapshot, analysis: &Analysis) -> Table {
    use inventory::model::{ListenerAction, LoadBalancerType};
    let mut t = Table::new(&[
        ("load_balancer", false),
        ("load_balancer_id", false),
        ("type", false),
        ("scheme", false),
        ("ip_address_type", false),
        ("account", false),
        ("region", false),
        ("vpc", false),
        ("subnets", false),
        ("security_groups", false),
        ("dns_name", false),
        ("state", false),
        ("listener_protocol", false),
        ("listener_port", true),
        ("encryption_in_transit", false),
        ("certificates", false),
        ("actions", false),
        ("internet_exposed", false),
        ("targets_reachable", true),
        ("deletion_protection", false),
        ("drop_invalid_header_fields", false),
        ("access_logs", false),
        ("listener_id", false),
    ]);
    let r = &snapshot.resources;
    let mut listeners: std::collections::BTreeMap<&str, Vec<&inventory::model::Listener>> = Default::default();
    for l in &r.listeners {
        listeners.entry(l.load_balancer_id.as_str()).or_default().push(l);
    }
    let exposed: std::collections::BTreeSet<(&str, u16)> = analysis
        .exposures
        .iter()
        .filter_map(|f| f.load_balancer.as_ref())
        .map(|l| (l.load_balancer_id.as_str(), l.port))
        .collect();
    let reachable = |lb: &str, port: u16| {
        analysis
            .behind_load_balancers
            .iter()
            .filter(|b| {
                b.listener.load_balancer_id == lb
                    && b.listener.port == port
                    && b.reach == inventory::analysis::TargetReach::Reachable
            })
            .map(|b| &b.target_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    let action_text = |a: &ListenerAction| match a {
        ListenerAction::Forward { target_groups } => {
            let names: Vec<String> = target_groups
                .iter()
                .map(|g| {
                    r.target_groups
                        .iter()
                        .find(|t| t.id == g.target_group_id)
                        .map(|t| t.name.clone())
                        .unwrap_or_else(|| g.target_group_id.clone())
                })
                .collect();
            format!("forward to {}", names.join(", "))
        }
        ListenerAction::Redirect { protocol, port, .. } => format!(
            "redirect to {}:{}",
            protocol.as_deref().unwrap_or("#{protocol}"),
            port.as_deref().unwrap_or("#{port}")
        ),
        ListenerAction::FixedResponse { status_code, .. } => {
            format!("fixed response {}", status_code.as_deref().unwrap_or(""))
        }
        ListenerAction::Authenticate { provider } => format!("authenticate ({provider})"),
        ListenerAction::Other { action } => action.clone(),
    };
    for lb in &r.load_balancers {
        let attrs = lb.attributes.as_ref();
        let base = |protocol: String, port: Option<u16>, enc: String, certs: String, actions: String, id: String| {
            vec![
                lb.name.clone(),
                lb.id.clone(),
                lb.lb_type.as_str().to_string(),
                opt(&lb.scheme),
                opt(&lb.ip_address_type),
                lb.account_id.clone(),
                lb.region.clone(),
                opt(&lb.vpc_id),
                lb.subnet_ids.join(" "),
                lb.security_group_ids.join(" "),
                opt(&lb.dns_name),
                opt(&lb.state),
                protocol,
                port.map(|p| p.to_string()).unwrap_or_default(),
                enc,
                certs,
                actions,
                port.is_some_and(|p| exposed.contains(&(lb.id.as_str(), p))).to_string(),
                port.map(|p| reachable(&lb.id, p).to_string()).unwrap_or_default(),
                flag(attrs.and_then(|a| a.deletion_protection)),
                flag(attrs.and_then(|a| a.drop_invalid_header_fields)),
                flag(attrs.and_then(|a| a.access_logs_enabled)),
                id,
            ]
        };
        let before = t.rows.len();
        if lb.lb_type == LoadBalancerType::Classic {
            for l in &lb.classic_listeners {
                let enc = inventory::analysis::encryption(&l.protocol, l.policy_names.first().map(String::as_str));
                let actions =
                    format!("to instances on {}/{}", l.instance_protocol.as_deref().unwrap_or("?"), l.instance_port);
                t.rows.push(base(
                    l.protocol.clone(),
                    Some(l.port),
                    enc,
                    opt(&l.ssl_certificate_id),
                    actions,
                    String::new(),
                ));
            }
        }
        for l in listeners.get(lb.id.as_str()).map(Vec::as_slice).unwrap_or_default() {
            let protocol = l.protocol.clone().unwrap_or_default();
            let enc = if protocol.is_empty() {
                String::new()
            } else {
                inventory::analysis::encryption(&protocol, l.ssl_policy.as_deref())
            };
            let actions: Vec<String> = l.default_actions.iter().map(action_text).collect();
            let rules = l.rules.iter().filter(|r| !r.is_default()).count();
            let mut actions = actions.join(", then ");
            if rules > 0 {
                actions.push_str(&format!(" (default; {rules} more rule(s))"));
            }
            t.rows.push(base(protocol, l.port, enc, l.certificate_arns.join(" "), actions, l.id.clone()));
        }
        if t.rows.len() == before {
            t.rows.push(base(String::new(), None, String::new(), String::new(), "no listeners".into(), String::new()));
        }
    }
    t
}

/// Targets behind the listeners the internet reaches (listener → rule → target group
/// → target) with the verdict and its evidence.
pub fn load_balancer_targets(analysis: &Analysis) -> Table {
    let mut t = Table::new(&[
        ("load_balancer", false),
        ("listener", false),
        ("rule", false),
        ("target_group", false),
        ("target_type", false),
        ("target", false),
        ("resource_id", false),
        ("eni_id", false),
        ("protocol", false),
        ("port", true),
        ("health", false),
        ("reach", false),
        ("source_model", false),
        ("sources", false),
        ("evidence", false),
        ("load_balancer_id", false),
        ("target_group_id", false),
        ("account", false),
        ("region", false),
        ("vpc", false),
    ]);
    for b in &analysis.behind_load_balancers {
        t.rows.push(vec![
            b.listener.load_balancer_name.clone(),
            b.listener.label(),
            b.rule.clone(),
            b.target_group_name.clone(),
            b.target_type.clone(),
            b.target_id.clone(),
            b.resource_id.clone(),
            opt(&b.eni_id),
            b.protocol.to_string(),
            b.port.to_string(),
            opt(&b.health),
            b.reach.as_str().to_string(),
            b.source_model.clone(),
            b.sources.clone(),
            b.evidence.join("; "),
            b.listener.load_balancer_id.clone(),
            b.target_group_id.clone(),
            b.account_id.clone(),
            b.region.clone(),
            b.vpc_id.clone(),
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
    let listener = match &f.load_balancer {
        Some(l) => format!(" → listener {} ({})", l.label(), l.encryption),
        None => String::new(),
    };
    let on = if f.eni_id.is_empty() { format!("a node in {}", f.subnet_id) } else { f.eni_id.clone() };
    format!(
        "{inspected}route table {}{} ({}) → NACL {} inbound rule {} / outbound rule {} → security group {} rule {}{} → {} {} on {}{listener}",
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
        on,
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
