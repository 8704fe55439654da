//! Load balancers on the way in from the internet. The internet reaches a load
//! balancer only on its listener ports (whatever its security groups open), and
//! reaches a target only through a listener's rules and target groups, on the target
//! port, when the target's security groups and NACLs admit the load balancer's traffic.
use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::ipset::{describe_sources, public_part, span, to_cidrs, Span, SpanSet};
use super::nacl;
use super::ports::rule_ports;
use super::types::{BlockReason, Blocked, ExposureFinding, LbListener, LoadBalancerTarget, TargetReach};
use crate::model::*;
use crate::snapshot::CoverageStatus;
use crate::topology::hash::FastMap;
use crate::topology::{Index, NaclRules, Topology};

/// What an exposure finding of a load balancer says when its listeners were not collected.
pub const LISTENERS_NOT_COLLECTED: &str = "listeners not collected: the security groups' ports are shown";

/// One listener port of a load balancer: what the internet may reach.
#[derive(Debug, Clone)]
pub struct ListenerPort {
    pub protocol: Protocol,
    pub entry: LbListener,
}

/// Load balancers by id with their listener ports, and the join from ENIs to them.
pub struct LbTable<'a> {
    join: LoadBalancerEnis<'a>,
    /// Load balancer id → listener ports; absent when its listeners were not collected.
    ports: BTreeMap<&'a str, Vec<ListenerPort>>,
    /// Load balancers some ENI of the snapshot belongs to.
    with_enis: BTreeSet<&'a str>,
}

impl<'a> LbTable<'a> {
    pub fn new(topo: &'a Topology) -> LbTable<'a> {
        let r = &topo.snapshot.resources;
        let join = LoadBalancerEnis::new(&r.load_balancers);
        let with_enis =
            r.network_interfaces.iter().filter_map(|e| join.load_balancer_of(e)).map(|lb| lb.id.as_str()).collect();
        // An LB without listeners listens on nothing, unless DescribeListeners failed
        // or was not called where it lives.
        let listed: BTreeSet<(&str, &str)> = topo
            .snapshot
            .coverage
            .iter()
            .filter(|c| c.api == "elasticloadbalancing:DescribeListeners" && c.status == CoverageStatus::Ok)
            .map(|c| (c.account_id.as_str(), c.region.as_str()))
            .collect();
        let mut ports: BTreeMap<&str, Vec<ListenerPort>> = BTreeMap::new();
        for lb in &r.load_balancers {
            if lb.lb_type == LoadBalancerType::Classic {
                let list = lb.classic_listeners.iter().flat_map(|l| classic_ports(lb, l)).collect();
                ports.insert(&lb.id, list);
            } else if listed.contains(&(lb.account_id.as_str(), lb.region.as_str())) {
                ports.insert(&lb.id, Vec::new());
            }
        }
        for l in &r.listeners {
            let Some(lb) = topo.index.get::<LoadBalancer>(&l.load_balancer_id) else { continue };
            ports.entry(&lb.id).or_default().extend(listener_ports(lb, l));
        }
        LbTable { join, ports, with_enis }
    }

    pub fn of_eni(&self, eni: &NetworkInterface) -> Option<&'a LoadBalancer> {
        self.join.load_balancer_of(eni)
    }

    /// Internet-facing load balancers with no ENI in the snapshot (the emulator creates
    /// none; a denied DescribeNetworkInterfaces loses them): evaluated from their own
    /// subnets and security groups.
    pub fn without_enis<'t>(&'t self, lbs: &'a [LoadBalancer]) -> impl Iterator<Item = &'a LoadBalancer> + 't {
        lbs.iter().filter(|lb| {
            lb.is_internet_facing()
                && lb.lb_type != LoadBalancerType::Gateway
                && !self.with_enis.contains(lb.id.as_str())
        })
    }

    /// Cuts the findings of one load-balancer node down to its listener ports: one
    /// finding per listener the controls admit. When nothing is left, the reason is
    /// added to `blocked`.
    pub fn restrict(
        &self,
        lb: &LoadBalancer,
        findings: Vec<ExposureFinding>,
        eni_id: &str,
        blocked: &mut Vec<Blocked>,
    ) -> Vec<ExposureFinding> {
        let as_lb = |mut f: ExposureFinding| {
            f.resource_id = lb.id.clone();
            f.resource_kind = ResourceKind::LoadBalancer;
            f.name = Some(lb.name.clone());
            f.eni_id = eni_id.to_string();
            f
        };
        let Some(ports) = self.ports.get(lb.id.as_str()) else {
            return findings
                .into_iter()
                .map(|mut f| {
                    f.ports_note.get_or_insert_with(|| LISTENERS_NOT_COLLECTED.to_string());
                    as_lb(f)
                })
                .collect();
        };
        let mut out = Vec::new();
        for f in &findings {
            for lp in ports {
                let port_ok = f.ports.is_none_or(|r| r.from <= lp.entry.port && lp.entry.port <= r.to);
                if f.protocol.covers(lp.protocol) && port_ok {
                    let mut g = as_lb(f.clone());
                    g.protocol = lp.protocol;
                    g.ports = Some(PortRange::new(lp.entry.port, lp.entry.port));
                    g.ports_note = None;
                    g.load_balancer = Some(lp.entry.clone());
                    out.push(g);
                }
            }
        }
        if out.is_empty() && !findings.is_empty() {
            let f = &findings[0];
            let listening = if ports.is_empty() {
                "it has no listeners".to_string()
            } else {
                format!("it listens on {} only", ports.iter().map(|p| p.entry.label()).collect::<Vec<_>>().join(", "))
            };
            let admitted: BTreeSet<String> =
                findings.iter().map(|f| f.ports_label(crate::facts::PortStyle::Short)).collect();
            blocked.push(Blocked {
                account_id: f.account_id.clone(),
                region: f.region.clone(),
                vpc_id: f.vpc_id.clone(),
                resource_id: lb.id.clone(),
                eni_id: eni_id.to_string(),
                ip_version: f.ip_version,
                public_ip: f.public_ip.clone(),
                reasons: vec![BlockReason {
                    protocol: "all".into(),
                    sources: f.source_text.clone(),
                    reason: format!(
                        "load balancer {}: the controls admit {} but {listening}",
                        lb.name,
                        admitted.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                }],
            });
        }
        out
    }
}

/// A stand-in network interface for one node of a load balancer the snapshot has no
/// ENI for: its subnet and security groups, an address of the subnet for ingress
/// routing, and the Elastic IP when AWS states one.
pub fn node_interface(lb: &LoadBalancer, subnet: &Subnet) -> NetworkInterface {
    let address = lb.addresses.iter().find(|a| a.subnet_id.as_deref() == Some(subnet.id.as_str()));
    let private = address
        .and_then(|a| a.private_ipv4_address.as_deref())
        .and_then(|a| a.parse().ok())
        .or_else(|| subnet.cidr_block.map(|c| c.network()));
    NetworkInterface {
        id: lb.id.clone(),
        account_id: lb.account_id.clone(),
        region: lb.region.clone(),
        arn: None,
        vpc_id: subnet.vpc_id.clone(),
        subnet_id: subnet.id.clone(),
        availability_zone: Some(subnet.availability_zone.clone()),
        interface_type: if lb.lb_type == LoadBalancerType::Network { "network_load_balancer" } else { "interface" }
            .to_string(),
        requester_id: Some("amazon-elb".into()),
        requester_managed: true,
        description: format!("ELB {}", lb.name),
        status: None,
        private_ips: private.map(|a| PrivateIp { address: a, primary: true, association: None }).into_iter().collect(),
        ipv6_addresses: Vec::new(),
        security_group_ids: lb.security_group_ids.clone(),
        attachment: None,
        source_dest_check: true,
        service: ServiceKind::Elb,
        tags: Default::default(),
    }
}

/// The public addresses of a node as shown: the Elastic IP AWS states for the subnet,
/// else the DNS name (AWS assigns the addresses). v4 and v6 by the LB's address type.
pub fn node_public_labels(lb: &LoadBalancer, subnet_id: &str) -> (Option<String>, Option<String>) {
    let dns = lb.dns_name.clone().unwrap_or_else(|| lb.name.clone());
    let address = lb.addresses.iter().find(|a| a.subnet_id.as_deref() == Some(subnet_id));
    let kind = lb.ip_address_type.as_deref().unwrap_or("ipv4");
    let v4 = (kind != "dualstack-without-public-ipv4")
        .then(|| address.and_then(|a| a.ip_address.clone()).unwrap_or_else(|| format!("assigned by AWS ({dns})")));
    let v6 = kind
        .starts_with("dualstack")
        .then(|| address.and_then(|a| a.ipv6_address.clone()).unwrap_or_else(|| format!("assigned by AWS ({dns})")));
    (v4, v6)
}

fn protocols_of(text: &str) -> &'static [Protocol] {
    match text.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "SSL" => &[Protocol::Tcp],
        "UDP" => &[Protocol::Udp],
        "TCP_UDP" => &[Protocol::Tcp, Protocol::Udp],
        _ => &[],
    }
}

/// Encryption in transit of a listener: "TLS (<policy>)" or "plain HTTP".
pub fn encryption(protocol: &str, policy: Option<&str>) -> String {
    match (protocol.to_ascii_uppercase().as_str(), policy) {
        ("HTTPS" | "TLS" | "SSL", Some(p)) => format!("TLS ({p})"),
        ("HTTPS" | "TLS" | "SSL", None) => "TLS (policy not stated)".to_string(),
        (other, _) => format!("plain {other}"),
    }
}

fn listener_ports(lb: &LoadBalancer, l: &Listener) -> Vec<ListenerPort> {
    let (Some(protocol), Some(port)) = (l.protocol.as_deref(), l.port) else { return Vec::new() };
    let entry = LbListener {
        load_balancer_id: lb.id.clone(),
        load_balancer_name: lb.name.clone(),
        lb_type: lb.lb_type.as_str().to_string(),
        listener_id: Some(l.id.clone()),
        listener_protocol: protocol.to_string(),
        port,
        encryption: encryption(protocol, l.ssl_policy.as_deref()),
    };
    protocols_of(protocol).iter().map(|p| ListenerPort { protocol: *p, entry: entry.clone() }).collect()
}

fn classic_ports(lb: &LoadBalancer, l: &ClassicListener) -> Vec<ListenerPort> {
    // A Classic HTTPS/SSL listener names its negotiation policy among its policies.
    let policy = l.policy_names.first().map(String::as_str);
    let entry = LbListener {
        load_balancer_id: lb.id.clone(),
        load_balancer_name: lb.name.clone(),
        lb_type: lb.lb_type.as_str().to_string(),
        listener_id: None,
        listener_protocol: l.protocol.clone(),
        port: l.port,
        encryption: encryption(&l.protocol, policy),
    };
    protocols_of(&l.protocol).iter().map(|p| ListenerPort { protocol: *p, entry: entry.clone() }).collect()
}

/// Every target of every listener the internet reaches, with its verdict.
pub fn targets(topo: &Topology, exposures: &[ExposureFinding]) -> Vec<LoadBalancerTarget> {
    // (lb, listener id or port, protocol) → the client sources of every finding on it.
    let mut entered: BTreeMap<(&LbListener, Protocol), Vec<IpNet>> = BTreeMap::new();
    for f in exposures {
        if let Some(l) = &f.load_balancer {
            // Internet clients never come from private or reserved ranges, whatever
            // the finding's CIDRs span: a target admitting 10.0.0.0/8 admits none.
            let public = f.sources.iter().flat_map(|n| to_cidrs(&public_part(n), matches!(n, IpNet::V6(_))));
            entered.entry((l, f.protocol)).or_default().extend(public);
        }
    }
    let hosts = Hosts::new(&topo.snapshot.resources);
    let mut out = BTreeSet::new();
    for ((entry, protocol), clients) in entered {
        follow(&topo.index, &hosts, entry, protocol, &clients, None, &mut out);
    }
    out.into_iter().collect()
}

/// The targets of every listener of the load balancers not in `skip`, for clients
/// anywhere in IPv4 (the path engine's hops from load balancers the internet does not
/// reach, internal ones above all).
pub fn other_targets(topo: &Topology, skip: &BTreeSet<&str>) -> Vec<LoadBalancerTarget> {
    let r = &topo.snapshot.resources;
    let mut listeners: BTreeMap<&str, Vec<&Listener>> = BTreeMap::new();
    for l in &r.listeners {
        listeners.entry(l.load_balancer_id.as_str()).or_default().push(l);
    }
    let hosts = Hosts::new(r);
    let anywhere = [IpNet::V4(ipnet::Ipv4Net::default())];
    let mut out = BTreeSet::new();
    for lb in r.load_balancers.iter().filter(|lb| !skip.contains(lb.id.as_str())) {
        let mut ports: Vec<ListenerPort> = lb.classic_listeners.iter().flat_map(|l| classic_ports(lb, l)).collect();
        for l in listeners.get(lb.id.as_str()).map(Vec::as_slice).unwrap_or_default() {
            ports.extend(listener_ports(lb, l));
        }
        for p in &ports {
            follow(&topo.index, &hosts, &p.entry, p.protocol, &anywhere, None, &mut out);
        }
    }
    out.into_iter().collect()
}

/// Listener → rule → target group → target rows of one listener for `clients`.
/// `via`: the NLB listener this (application) load balancer is a target of.
fn follow<'a>(
    ix: &Index<'a>,
    hosts: &Hosts<'a>,
    entry: &LbListener,
    protocol: Protocol,
    clients: &[IpNet],
    via: Option<&str>,
    out: &mut BTreeSet<LoadBalancerTarget>,
) {
    let Some(lb) = ix.get::<LoadBalancer>(&entry.load_balancer_id) else { return };
    let ctx = TargetCtx { ix, lb, entry, protocol, clients, hosts, via };
    match &entry.listener_id {
        Some(id) => {
            let Some(l) = ix.get::<Listener>(id) else { return };
            for (rule, actions) in rules_of(l) {
                for tg_id in forwards(actions) {
                    match ix.get::<TargetGroup>(tg_id) {
                        Some(tg) => ctx.group(&rule, tg, out),
                        None => {
                            let rule = ctx.rule_text(&rule);
                            out.insert(ctx.row(&rule, Some(tg_id), None, "", tg_id, 0, None, missing("target group")));
                        }
                    }
                }
            }
        }
        None => {
            for l in
                lb.classic_listeners.iter().filter(|l| l.port == entry.port && l.protocol == entry.listener_protocol)
            {
                for b in &lb.classic_instances {
                    let verdict = ctx.instance(&b.instance_id, protocol, l.instance_port, false);
                    out.insert(ctx.row(
                        "default",
                        None,
                        None,
                        "instance",
                        &b.instance_id,
                        l.instance_port,
                        b.state.clone(),
                        verdict,
                    ));
                }
            }
        }
    }
}

/// (rule text, actions) of a listener: its rules when DescribeRules was read, else
/// its default actions.
fn rules_of(l: &Listener) -> Vec<(String, &[ListenerAction])> {
    if l.rules.is_empty() {
        return vec![("default".to_string(), l.default_actions.as_slice())];
    }
    l.rules
        .iter()
        .map(|r| {
            let text = if r.is_default() {
                "default".to_string()
            } else if r.conditions.is_empty() {
                format!("priority {}", r.priority)
            } else {
                format!("priority {}: {}", r.priority, r.conditions.join(" and "))
            };
            (text, r.actions.as_slice())
        })
        .collect()
}

/// Target groups a list of actions forwards to (an authenticate action first still
/// forwards; redirects and fixed responses reach no target).
fn forwards(actions: &[ListenerAction]) -> impl Iterator<Item = &str> {
    actions.iter().flat_map(|a| match a {
        ListenerAction::Forward { target_groups } => target_groups.iter().map(|t| t.target_group_id.as_str()).collect(),
        _ => Vec::new(),
    })
}

/// A verdict: reach, whose addresses the target sees, the sources admitted, evidence.
struct Verdict {
    reach: TargetReach,
    source_model: String,
    sources: String,
    evidence: Vec<String>,
    resource_id: Option<String>,
    eni_id: Option<String>,
    vpc_id: Option<String>,
}

fn missing(what: &str) -> Verdict {
    not_evaluated(format!("{what} not in the snapshot"))
}

fn not_evaluated(why: String) -> Verdict {
    Verdict {
        reach: TargetReach::NotEvaluated,
        source_model: String::new(),
        sources: String::new(),
        evidence: vec![why],
        resource_id: None,
        eni_id: None,
        vpc_id: None,
    }
}

/// ENIs by (VPC, private IPv4) for IP targets, by instance for instance targets,
/// and by load balancer (its first ENI) with its listeners for ALB targets.
struct Hosts<'a> {
    by_ip: FastMap<(&'a str, std::net::Ipv4Addr), &'a NetworkInterface>,
    primary: FastMap<&'a str, &'a NetworkInterface>,
    lb_eni: BTreeMap<&'a str, &'a NetworkInterface>,
    listeners: BTreeMap<&'a str, Vec<&'a Listener>>,
}

impl<'a> Hosts<'a> {
    fn new(r: &'a Resources) -> Hosts<'a> {
        let mut by_ip = crate::topology::hash::map_with_capacity(r.network_interfaces.len());
        let mut primary: FastMap<&str, &NetworkInterface> = FastMap::default();
        for e in &r.network_interfaces {
            for p in &e.private_ips {
                by_ip.entry((e.vpc_id.as_str(), p.address)).or_insert(e);
            }
            if let Some(i) = e.instance_id() {
                let index =
                    |n: &NetworkInterface| n.attachment.as_ref().and_then(|a| a.device_index).unwrap_or(i32::MAX);
                let slot = primary.entry(i).or_insert(e);
                if (index(e), e.id.as_str()) < (index(slot), slot.id.as_str()) {
                    *slot = e;
                }
            }
        }
        let join = LoadBalancerEnis::new(&r.load_balancers);
        let mut lb_eni: BTreeMap<&str, &NetworkInterface> = BTreeMap::new();
        for e in &r.network_interfaces {
            if let Some(lb) = join.load_balancer_of(e) {
                let slot = lb_eni.entry(lb.id.as_str()).or_insert(e);
                if e.id < slot.id {
                    *slot = e;
                }
            }
        }
        let mut listeners: BTreeMap<&str, Vec<&Listener>> = BTreeMap::new();
        for l in &r.listeners {
            listeners.entry(l.load_balancer_id.as_str()).or_default().push(l);
        }
        Hosts { by_ip, primary, lb_eni, listeners }
    }
}

struct TargetCtx<'c, 'a> {
    ix: &'c Index<'a>,
    lb: &'a LoadBalancer,
    entry: &'c LbListener,
    protocol: Protocol,
    clients: &'c [IpNet],
    hosts: &'c Hosts<'a>,
    via: Option<&'c str>,
}

impl<'a> TargetCtx<'_, 'a> {
    fn group(&self, rule: &str, tg: &'a TargetGroup, out: &mut BTreeSet<LoadBalancerTarget>) {
        let kind = tg.target_type.unwrap_or(TargetType::Instance);
        // A TCP_UDP group receives the listener's protocol; otherwise the group's.
        let protocol = match tg.protocol.as_deref().map(protocols_of) {
            Some([p]) => *p,
            _ => self.protocol,
        };
        let preserved = self.preserves_client_ip(tg, kind, protocol);
        let preservation = self.preservation_note(tg, preserved);
        let rule = self.rule_text(rule);
        for t in &tg.targets {
            let port = t.port.or(tg.port).unwrap_or(self.entry.port);
            let verdict = match kind {
                TargetType::Instance => self.instance(&t.id, protocol, port, preserved),
                TargetType::Ip => self.ip(tg, &t.id, protocol, port, preserved),
                TargetType::Lambda => Verdict {
                    reach: TargetReach::Reachable,
                    source_model: "invoked by the load balancer".into(),
                    sources: String::new(),
                    evidence: vec!["Lambda function: the load balancer invokes it; no network controls apply".into()],
                    resource_id: None,
                    eni_id: None,
                    vpc_id: None,
                },
                TargetType::Alb => self.alb(&t.id, protocol, port, preserved),
            };
            let type_text = match kind {
                TargetType::Instance => "instance",
                TargetType::Ip => "ip",
                TargetType::Lambda => "lambda",
                TargetType::Alb => "alb",
            };
            let mut verdict = verdict;
            if let Some(note) = &preservation {
                if verdict.reach != TargetReach::NotEvaluated {
                    verdict.evidence.push(note.clone());
                }
            }
            let reached = verdict.reach == TargetReach::Reachable;
            out.insert(self.row(
                &rule,
                Some(&tg.id),
                Some(&tg.name),
                type_text,
                &t.id,
                port,
                t.health.clone(),
                verdict,
            ));
            if kind == TargetType::Alb && reached {
                self.behind_alb(&t.id, protocol, port, out);
            }
        }
    }

    /// "priority 1: …", prefixed with the NLB listener it is reached through.
    fn rule_text(&self, rule: &str) -> String {
        match self.via {
            Some(via) => format!("via {via}: {rule}"),
            None => rule.to_string(),
        }
    }

    /// Whether the targets of `tg` see the client's address. AWS (target group
    /// attribute `preserve_client_ip.enabled`): always for UDP and TCP_UDP groups;
    /// else the attribute when read; else the default, on for every target type but
    /// IP targets over TCP/TLS. Application and Classic load balancers never do: the
    /// connection to the target is their own.
    fn preserves_client_ip(&self, tg: &TargetGroup, kind: TargetType, p: Protocol) -> bool {
        if self.lb.lb_type != LoadBalancerType::Network {
            return false;
        }
        let group_udp =
            tg.protocol.as_deref().is_some_and(|x| matches!(x.to_ascii_uppercase().as_str(), "UDP" | "TCP_UDP"));
        if group_udp || p == Protocol::Udp {
            return true;
        }
        tg.preserve_client_ip.unwrap_or(kind != TargetType::Ip)
    }

    /// What an NLB target group's client IP preservation rests on, for the evidence.
    fn preservation_note(&self, tg: &TargetGroup, preserved: bool) -> Option<String> {
        if self.lb.lb_type != LoadBalancerType::Network {
            return None;
        }
        let state = if preserved { "on" } else { "off" };
        Some(match tg.preserve_client_ip {
            Some(_) => format!("client IP preservation {state} (target group attribute)"),
            None => format!(
                "client IP preservation {state} (AWS default for this target type and protocol; attribute not read)"
            ),
        })
    }

    /// An Application Load Balancer registered in an NLB's target group: the NLB
    /// forwards to its listener on the target port, through its security groups and
    /// its subnets' NACLs.
    fn alb(&self, id: &str, p: Protocol, port: u16, preserved: bool) -> Verdict {
        if self.via.is_some() {
            return not_evaluated(format!("{id}: a load balancer behind a load balancer behind a load balancer"));
        }
        let Some(alb) = self.ix.get::<LoadBalancer>(id) else { return missing(&format!("load balancer {id}")) };
        let listening: Vec<String> = self.alb_listeners(alb, p, port).map(|l| l.entry.label()).collect();
        if listening.is_empty() {
            let mut v = not_evaluated(String::new());
            v.reach = TargetReach::Blocked;
            v.resource_id = Some(alb.id.clone());
            v.vpc_id = alb.vpc_id.clone();
            v.evidence = vec![format!("application load balancer {} has no {p} listener on port {port}", alb.name)];
            return v;
        }
        let stand_in;
        let eni = match self.hosts.lb_eni.get(alb.id.as_str()) {
            Some(e) => *e,
            None => {
                let Some(subnet) = alb.subnet_ids.iter().find_map(|s| self.ix.get::<Subnet>(s)) else {
                    return not_evaluated(format!("{}: none of its subnets is in the snapshot", alb.name));
                };
                stand_in = node_interface(alb, subnet);
                &stand_in
            }
        };
        let mut v = self.host(eni, p, port, preserved);
        v.resource_id = Some(alb.id.clone());
        v.eni_id = self.hosts.lb_eni.get(alb.id.as_str()).map(|e| e.id.clone());
        v.evidence.insert(0, format!("application load balancer {} listens on {}", alb.name, listening.join(", ")));
        v
    }

    /// The listener ports of `alb` on `port` for `p`.
    fn alb_listeners<'s>(
        &'s self,
        alb: &'a LoadBalancer,
        p: Protocol,
        port: u16,
    ) -> impl Iterator<Item = ListenerPort> + 's {
        let listeners = self.hosts.listeners.get(alb.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        listeners
            .iter()
            .filter(move |l| l.port == Some(port))
            .flat_map(move |l| listener_ports(alb, l))
            .filter(move |lp| lp.protocol == p)
    }

    /// The targets of the ALB `id` reached through this NLB listener.
    fn behind_alb(&self, id: &str, p: Protocol, port: u16, out: &mut BTreeSet<LoadBalancerTarget>) {
        let Some(alb) = self.ix.get::<LoadBalancer>(id) else { return };
        let via = format!("{} {} {}", self.lb.lb_type.as_str(), self.lb.name, self.entry.label());
        for lp in self.alb_listeners(alb, p, port) {
            follow(self.ix, self.hosts, &lp.entry, p, self.clients, Some(&via), out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        rule: &str,
        tg_id: Option<&str>,
        tg_name: Option<&str>,
        target_type: &str,
        target_id: &str,
        port: u16,
        health: Option<String>,
        v: Verdict,
    ) -> LoadBalancerTarget {
        LoadBalancerTarget {
            account_id: self.lb.account_id.clone(),
            region: self.lb.region.clone(),
            vpc_id: v.vpc_id.or_else(|| self.lb.vpc_id.clone()).unwrap_or_default(),
            listener: self.entry.clone(),
            rule: rule.to_string(),
            target_group_id: tg_id.unwrap_or_default().to_string(),
            target_group_name: tg_name.unwrap_or_default().to_string(),
            target_type: target_type.to_string(),
            target_id: target_id.to_string(),
            resource_id: v.resource_id.unwrap_or_else(|| target_id.to_string()),
            eni_id: v.eni_id,
            protocol: self.protocol,
            port,
            health,
            reach: v.reach,
            source_model: v.source_model,
            sources: v.sources,
            evidence: v.evidence,
        }
    }

    fn instance(&self, id: &str, p: Protocol, port: u16, preserved: bool) -> Verdict {
        let Some(eni) = self.hosts.primary.get(id) else {
            return match self.ix.get::<Instance>(id) {
                Some(_) => not_evaluated(format!("{id}: its network interface is not in the snapshot")),
                None => missing(&format!("instance {id}")),
            };
        };
        if let Some(i) = self.ix.get::<Instance>(id) {
            if let Some(state) = i.state.as_deref().filter(|s| *s != "running") {
                let mut v = self.host(eni, p, port, preserved);
                v.reach = TargetReach::Blocked;
                v.evidence.insert(0, format!("instance {id} is {state}"));
                return v;
            }
        }
        self.host(eni, p, port, preserved)
    }

    fn ip(&self, tg: &TargetGroup, ip: &str, p: Protocol, port: u16, preserved: bool) -> Verdict {
        let vpc = tg.vpc_id.as_deref().or(self.lb.vpc_id.as_deref()).unwrap_or_default();
        let Ok(addr) = ip.parse::<std::net::Ipv4Addr>() else {
            return not_evaluated(format!("target address {ip} is not an IPv4 address this version evaluates"));
        };
        match self.hosts.by_ip.get(&(vpc, addr)) {
            Some(eni) => self.host(eni, p, port, preserved),
            None => not_evaluated(format!(
                "{ip} is no network interface of {vpc} in the snapshot (a peered or on-premises address, or not collected)"
            )),
        }
    }

    /// Whether the target behind `eni` admits the load balancer's traffic on `port`;
    /// `preserved`: the target sees the clients' addresses (NLB client IP preservation).
    fn host(&self, eni: &NetworkInterface, p: Protocol, port: u16, preserved: bool) -> Verdict {
        let source_model = if preserved {
            "client addresses (NLB client IP preservation)".to_string()
        } else {
            "load balancer nodes (addresses in its subnets)".to_string()
        };
        let mut v = Verdict {
            reach: TargetReach::Blocked,
            source_model,
            sources: String::new(),
            evidence: Vec::new(),
            resource_id: Some(eni.instance_id().unwrap_or(&eni.id).to_string()),
            eni_id: Some(eni.id.clone()),
            vpc_id: Some(eni.vpc_id.clone()),
        };
        let groups: Vec<&SecurityGroup> =
            eni.security_group_ids.iter().filter_map(|id| self.ix.get::<SecurityGroup>(id)).collect();
        // A rule naming one of the load balancer's groups admits all its traffic.
        let by_reference = groups.iter().find_map(|g| {
            g.ingress.iter().find(|r| {
                r.protocol.covers(p)
                    && rule_ports(r.protocol, r.ports, p).contains(port)
                    && matches!(&r.peer, RulePeer::SecurityGroup { group_id, .. } if self.lb.security_group_ids.contains(group_id))
            })
            .map(|r| format!("{}: {}", g.id, r.summary("from")))
        });
        let node_subnets = || {
            let spans = self
                .lb
                .subnet_ids
                .iter()
                .filter_map(|s| self.ix.get::<Subnet>(s))
                .filter_map(|s| s.cidr_block)
                .map(|c| span(&IpNet::V4(c)))
                .collect();
            SpanSet::from_spans(spans)
        };
        // (IPv6?, source set, read as client addresses?). AWS: with preservation an
        // IPv4 target sees IPv4 clients' own addresses, but IPv6 clients arrive from
        // the load balancer's IPv4 addresses.
        let mut candidates: Vec<(bool, SpanSet, bool)> = Vec::new();
        if preserved {
            let v4 = SpanSet::from_spans(self.clients.iter().filter(|n| matches!(n, IpNet::V4(_))).map(span).collect());
            if !v4.is_empty() {
                candidates.push((false, v4, true));
            }
            if self.clients.iter().any(|n| matches!(n, IpNet::V6(_))) {
                candidates.push((false, node_subnets(), false));
            }
        } else {
            candidates.push((false, node_subnets(), false));
        }
        let mut admitted_text = Vec::new();
        for (v6, set, as_clients) in candidates {
            let (sg_set, sg_evidence) = match &by_reference {
                Some(rule) => (set.clone(), vec![rule.clone()]),
                None => sg_admits(&groups, self.ix, &set, v6, p, port),
            };
            if sg_set.is_empty() {
                continue;
            }
            let (passed, nacl_evidence, stop) = self.nacls(eni, &sg_set, v6, p, port);
            if passed.is_empty() {
                v.evidence.extend(stop);
                continue;
            }
            v.evidence.extend(sg_evidence);
            v.evidence.extend(nacl_evidence);
            // Client addresses read as internet sources; node subnets as plain CIDRs.
            admitted_text.push(if as_clients {
                describe_sources(&passed, v6, &SpanSet::default()).text
            } else {
                to_cidrs(&passed, v6).iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
            });
        }
        if admitted_text.is_empty() {
            if v.evidence.is_empty() {
                let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
                v.evidence.push(format!(
                    "security groups {} admit no {p}/{port} from the load balancer ({})",
                    ids.join(", "),
                    v.source_model
                ));
            }
            return v;
        }
        v.reach = TargetReach::Reachable;
        v.sources = admitted_text.join("; ");
        v.evidence.sort();
        v.evidence.dedup();
        v
    }

    /// The part of `set` the NACLs on the way admit: the target subnet's inbound rule
    /// for the port and outbound rule for the replies, and (from node subnets) the
    /// load balancer's subnet outbound/inbound. Traffic inside one subnet meets none.
    fn nacls(
        &self,
        eni: &NetworkInterface,
        set: &SpanSet,
        v6: bool,
        p: Protocol,
        port: u16,
    ) -> (SpanSet, Vec<String>, Vec<String>) {
        let Some(target_acl) = self.ix.nacl_of(&eni.subnet_id, &eni.vpc_id) else {
            return (
                SpanSet::default(),
                Vec::new(),
                vec![format!("no network ACL for {} in the snapshot", eni.subnet_id)],
            );
        };
        let own_subnet = self.ix.get::<Subnet>(&eni.subnet_id).and_then(|s| s.cidr_block).map(|c| span(&IpNet::V4(c)));
        let mut pieces = cut(set, target_acl, v6);
        let mut passed = Vec::new();
        let mut evidence = BTreeSet::new();
        let mut stop = BTreeSet::new();
        for piece in pieces.drain(..) {
            let a = piece.0;
            if !v6 && own_subnet.is_some_and(|s| s.0 <= piece.0 && piece.1 <= s.1) {
                passed.push(piece);
                continue;
            }
            let (allowed, deny) = nacl::ports_allowed(&target_acl.inbound, a, v6, p);
            let Some(rule_in) = allowed.iter().find(|(r, _)| r.contains(port)).map(|x| x.1) else {
                stop.insert(match deny {
                    Some((n, _)) => format!("NACL {} inbound #{n} denies {p}/{port}", target_acl.acl.id),
                    None => format!("NACL {} inbound: no rule allows {p}/{port}", target_acl.acl.id),
                });
                continue;
            };
            match nacl::replies_allowed(&target_acl.outbound, a, v6, p) {
                Ok(rule_out) => {
                    evidence.insert(format!("NACL {} in #{rule_in} out #{rule_out}", target_acl.acl.id));
                    passed.push(piece);
                }
                Err(deny) => {
                    stop.insert(match deny {
                        Some(n) => format!("NACL {} outbound #{n} denies the {p} replies", target_acl.acl.id),
                        None => format!("NACL {} outbound: no rule allows the {p} replies", target_acl.acl.id),
                    });
                }
            }
        }
        (SpanSet::from_spans(passed), evidence.into_iter().collect(), stop.into_iter().collect())
    }
}

/// `set` cut at every boundary the NACL's rules draw, so each piece meets one verdict.
fn cut(set: &SpanSet, acl: &NaclRules, v6: bool) -> Vec<Span> {
    let mut bounds: Vec<u128> = Vec::new();
    for e in acl.inbound.iter().chain(&acl.outbound) {
        if matches!(e.cidr, IpNet::V4(_)) != v6 {
            let s = span(&e.cidr);
            bounds.push(s.0);
            if let Some(n) = s.1.checked_add(1) {
                bounds.push(n);
            }
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut out = Vec::new();
    for &(lo, hi) in set.spans() {
        let mut start = lo;
        for &b in bounds.iter().filter(|b| **b > lo && **b <= hi) {
            out.push((start, b - 1));
            start = b;
        }
        out.push((start, hi));
    }
    out
}

/// The part of `set` the groups' CIDR and prefix-list rules admit on `p`/`port`, and
/// the rules that do.
fn sg_admits(
    groups: &[&SecurityGroup],
    ix: &Index,
    set: &SpanSet,
    v6: bool,
    p: Protocol,
    port: u16,
) -> (SpanSet, Vec<String>) {
    let mut admitted = SpanSet::default();
    let mut evidence = Vec::new();
    for g in groups {
        for rule in
            g.ingress.iter().filter(|r| r.protocol.covers(p) && rule_ports(r.protocol, r.ports, p).contains(port))
        {
            let nets: Vec<&IpNet> = match &rule.peer {
                RulePeer::Cidr { cidr } => vec![cidr],
                RulePeer::PrefixList { prefix_list_id } => {
                    ix.prefix_list_entries(prefix_list_id).iter().map(|e| &e.cidr).collect()
                }
                RulePeer::SecurityGroup { .. } => Vec::new(),
            };
            let mut hit = SpanSet::default();
            for n in nets.into_iter().filter(|n| matches!(n, IpNet::V4(_)) != v6) {
                hit = hit.union(&set.intersect(span(n)));
            }
            if !hit.is_empty() {
                evidence.push(format!("{}: {}", g.id, rule.summary("from")));
                admitted = admitted.union(&hit);
            }
        }
    }
    (admitted, evidence)
}
