//! Exposure changes, on the exact (port × source address) sets the reachability engine
//! computed: per (resource, IP family, protocol), what the internet can reach in NEW
//! against OLD. A rule rewritten without changing what it admits is no change; a /24
//! opened to /0 on the same port is "widened", with exactly the part that was added.
use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::accept::{Review, Status};
use crate::analysis::ipset::{describe_sources, public_part, SpanSet};
use crate::analysis::{ExposureFinding, IpVersion};
use crate::model::{PortRange, Protocol, ResourceKind};
use crate::snapshot::Snapshot;

/// The part of an exposure that appeared or went: these ports from these sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortSources {
    /// None for protocols without ports (ICMP, "all").
    pub ports: Option<PortRange>,
    /// Minimal CIDRs whose public addresses are the set (as a finding's `sources`:
    /// non-public ranges are "don't care", so 0.0.0.0/0 stays one CIDR).
    pub sources: Vec<IpNet>,
    /// The sources as read ("0.0.0.0/0 except 10.0.0.0/8").
    pub source_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExposureChange {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub resource_id: String,
    pub resource_kind: ResourceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub ip_version: IpVersion,
    pub protocol: Protocol,
    /// What was added (new, widened) or taken away (closed, narrowed).
    pub delta: Vec<PortSources>,
    /// The findings that carry the exposure: NEW's for new/widened/narrowed, OLD's for
    /// closed and unknown.
    pub findings: Vec<ExposureFinding>,
    /// Why a disappearance is not a closure (NEW could not see the resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// With an accepted-exposures file, for new and widened exposures: the verdict on
    /// NEW's findings that OLD did not have (the least accepted of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Status>,
}

impl ExposureChange {
    /// "tcp/22 from 0.0.0.0/0; tcp/80 from 203.0.113.0/24".
    pub fn delta_text(&self) -> String {
        self.delta
            .iter()
            .map(|d| {
                format!(
                    "{} from {}",
                    crate::facts::port_label(self.protocol, d.ports, crate::facts::PortStyle::Short),
                    d.source_text
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureChanges {
    pub new: Vec<ExposureChange>,
    pub closed: Vec<ExposureChange>,
    pub widened: Vec<ExposureChange>,
    pub narrowed: Vec<ExposureChange>,
    /// Exposed in OLD, not in NEW, but NEW did not collect everything the analysis
    /// needs there (a gap in that account and region): not shown as closed.
    pub unknown: Vec<ExposureChange>,
}

impl ExposureChanges {
    /// Sets `acceptance` on the new and widened exposures from the review of `new`
    /// (NEW's findings, in the review's order); OLD's findings are not NEW's news.
    pub fn mark_acceptance(&mut self, old: &[ExposureFinding], new: &[ExposureFinding], review: &Review) {
        let status: BTreeMap<&ExposureFinding, Status> =
            new.iter().zip(&review.verdicts).map(|(f, v)| (f, v.status)).collect();
        let before: BTreeSet<_> = old.iter().map(reach).collect();
        for c in self.new.iter_mut().chain(self.widened.iter_mut()) {
            c.acceptance = c
                .findings
                .iter()
                .filter(|f| !before.contains(&reach(f)))
                .map(|f| status.get(f).copied().unwrap_or(Status::Unaccepted))
                .max();
        }
    }

    /// New or widened exposures not accepted (all of them without a review).
    pub fn unaccepted_openings(&self) -> usize {
        self.new.iter().chain(&self.widened).filter(|c| c.acceptance != Some(Status::Accepted)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.closed.is_empty()
            && self.widened.is_empty()
            && self.narrowed.is_empty()
            && self.unknown.is_empty()
    }
}

/// What a finding reaches, without its evidence: a finding with the same reach in OLD
/// is not news.
pub fn reach(f: &ExposureFinding) -> (&str, IpVersion, Protocol, Option<PortRange>, &[IpNet]) {
    (&f.resource_id, f.ip_version, f.protocol, f.ports, &f.sources)
}

type Key<'a> = (&'a str, &'a str, IpVersion, Protocol);

fn group(findings: &[ExposureFinding]) -> BTreeMap<Key<'_>, Vec<&ExposureFinding>> {
    let mut map: BTreeMap<Key<'_>, Vec<&ExposureFinding>> = BTreeMap::new();
    for f in findings {
        map.entry((f.account_id.as_str(), f.resource_id.as_str(), f.ip_version, f.protocol)).or_default().push(f);
    }
    map
}

/// The exposure of one group as disjoint port intervals, each with its (public) sources.
type Coverage = Vec<(PortRange, SpanSet)>;

fn ports_of(f: &ExposureFinding) -> PortRange {
    // Protocols without ports, and NLB listeners whose ports EC2 data lacks: all of them.
    f.ports.unwrap_or(PortRange::ALL)
}

fn sources_of(f: &ExposureFinding) -> SpanSet {
    f.sources.iter().fold(SpanSet::default(), |acc, s| acc.union(&public_part(s)))
}

/// Cuts the port axis at every range boundary on either side and unions the sources of
/// each piece, so both sides are on the same intervals.
fn coverage(findings: &[&ExposureFinding], cuts: &[u32]) -> Coverage {
    let mut out = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2) {
        let piece = PortRange { from: w[0] as u16, to: (w[1] - 1) as u16 };
        let set = findings
            .iter()
            .filter(|f| ports_of(f).covers(&piece))
            .fold(SpanSet::default(), |acc, f| acc.union(&sources_of(f)));
        out.push((piece, set));
    }
    out
}

fn cuts(findings: &[&ExposureFinding]) -> Vec<u32> {
    let mut c: BTreeSet<u32> = BTreeSet::new();
    for f in findings {
        let p = ports_of(f);
        c.insert(p.from as u32);
        c.insert(p.to as u32 + 1);
    }
    c.into_iter().collect()
}

fn minus(a: &SpanSet, b: &SpanSet) -> SpanSet {
    let mut out = a.clone();
    for s in b.spans() {
        out.subtract(*s);
    }
    out
}

/// The non-empty part of `a` not in `b`, adjacent port pieces with the same sources merged.
fn delta(a: &Coverage, b: &Coverage, protocol: Protocol, v6: bool) -> Vec<PortSources> {
    let mut merged: Vec<(PortRange, SpanSet)> = Vec::new();
    for ((ports, sa), (_, sb)) in a.iter().zip(b) {
        let d = minus(sa, sb);
        if d.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some((last, set)) if *set == d && last.to as u32 + 1 == ports.from as u32 => last.to = ports.to,
            _ => merged.push((*ports, d)),
        }
    }
    merged
        .into_iter()
        .map(|(ports, set)| {
            let text = describe_sources(&set, v6, &SpanSet::default());
            PortSources {
                ports: (protocol.has_ports() || !ports.is_all()).then_some(ports),
                sources: text.cidrs,
                source_text: text.text,
            }
        })
        .collect()
}

fn change(findings: &[&ExposureFinding], delta: Vec<PortSources>, note: Option<String>) -> Option<ExposureChange> {
    let f = findings.first()?;
    Some(ExposureChange {
        account_id: f.account_id.clone(),
        region: f.region.clone(),
        vpc_id: f.vpc_id.clone(),
        resource_id: f.resource_id.clone(),
        resource_kind: f.resource_kind,
        name: f.name.clone(),
        ip_version: f.ip_version,
        protocol: f.protocol,
        delta,
        findings: findings.iter().map(|f| (*f).clone()).collect(),
        note,
        acceptance: None,
    })
}

/// Whether NEW has any coverage gap in the account and region: its analysis may then
/// miss an exposure that is still there (an ENI, SG or route it could not read).
fn gap_in(new: &Snapshot, account: &str, region: &str) -> Option<String> {
    new.gaps()
        .find(|c| c.account_id == account && c.region == region)
        .map(|c| format!("not collected in NEW: {} {} in {account}/{region}", c.api, c.status.as_str()))
}

pub fn exposure_changes(old: &[ExposureFinding], new: &[ExposureFinding], new_snapshot: &Snapshot) -> ExposureChanges {
    let (go, gn) = (group(old), group(new));
    let keys: BTreeSet<&Key<'_>> = go.keys().chain(gn.keys()).collect();
    let mut out = ExposureChanges::default();
    let empty: Vec<&ExposureFinding> = Vec::new();
    for key in keys {
        let (o, n) = (go.get(key).unwrap_or(&empty), gn.get(key).unwrap_or(&empty));
        let v6 = key.2 == IpVersion::V6;
        let protocol = key.3;
        let all: Vec<&ExposureFinding> = o.iter().chain(n.iter()).copied().collect();
        let c = cuts(&all);
        let (co, cn) = (coverage(o, &c), coverage(n, &c));
        let added = delta(&cn, &co, protocol, v6);
        let removed = delta(&co, &cn, protocol, v6);
        match (o.is_empty(), n.is_empty()) {
            (true, false) => out.new.extend(change(n, added, None)),
            (false, true) => {
                let f = o[0];
                match gap_in(new_snapshot, &f.account_id, &f.region) {
                    Some(why) => out.unknown.extend(change(o, removed, Some(why))),
                    None => out.closed.extend(change(o, removed, None)),
                }
            }
            _ => {
                if !added.is_empty() {
                    out.widened.extend(change(n, added, None));
                }
                if !removed.is_empty() {
                    out.narrowed.extend(change(n, removed, None));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Evidence;
    use crate::model::ServiceKind;

    fn finding(ports: (u16, u16), sources: &[&str]) -> ExposureFinding {
        let sources: Vec<IpNet> = sources.iter().map(|s| s.parse().unwrap()).collect();
        ExposureFinding {
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            vpc_id: "vpc-1".into(),
            subnet_id: "subnet-1".into(),
            resource_id: "i-1".into(),
            resource_kind: ResourceKind::Instance,
            service: ServiceKind::Ec2,
            eni_id: "eni-1".into(),
            name: None,
            ip_version: IpVersion::V4,
            public_ip: "203.0.113.10".into(),
            protocol: Protocol::Tcp,
            ports: Some(PortRange::new(ports.0, ports.1)),
            source: sources[0],
            sources,
            source_text: String::new(),
            ports_note: None,
            load_balancer: None,
            evidence: Evidence {
                route_table_id: "rtb-1".into(),
                route: String::new(),
                route_table_main: false,
                nacl_id: "acl-1".into(),
                nacl_in_rule: 100,
                nacl_out_rule: 100,
                security_group_id: "sg-1".into(),
                sg_rule: String::new(),
                sg_rule_id: None,
                ingress_route: None,
                inspection_point: None,
            },
        }
    }

    fn deltas(list: &[ExposureChange]) -> Vec<String> {
        list.iter().map(ExposureChange::delta_text).collect()
    }

    #[test]
    fn widened_and_narrowed_are_exact_port_and_address_sets() {
        let snap = Snapshot::new(crate::snapshot::Timestamp::parse("2026-11-20T09:30:00Z").unwrap());
        let old = [finding((20, 30), &["203.0.113.0/24"])];
        let new = [finding((22, 40), &["0.0.0.0/0"])];
        let c = exposure_changes(&old, &new, &snap);
        assert_eq!(deltas(&c.widened), ["tcp/22-30 from 0.0.0.0/0 except 203.0.113.0/24; tcp/31-40 from 0.0.0.0/0"]);
        assert_eq!(deltas(&c.narrowed), ["tcp/20-21 from 203.0.113.0/24"]);
        assert!(c.new.is_empty() && c.closed.is_empty() && c.unknown.is_empty());
        // Back the other way: the same sets, the roles swapped.
        let back = exposure_changes(&new, &old, &snap);
        assert_eq!(deltas(&back.narrowed), deltas(&c.widened));
        assert_eq!(deltas(&back.widened), deltas(&c.narrowed));
    }

    #[test]
    fn the_same_exposure_split_differently_is_no_change() {
        let snap = Snapshot::new(crate::snapshot::Timestamp::parse("2026-11-20T09:30:00Z").unwrap());
        let old = [finding((22, 22), &["0.0.0.0/0"])];
        // Two rules, two findings, the same reach: the halves of the address space, and
        // a private range the internet never comes from.
        let new = [finding((22, 22), &["0.0.0.0/1", "10.0.0.0/8"]), finding((22, 22), &["128.0.0.0/1"])];
        assert!(exposure_changes(&old, &new, &snap).is_empty());
    }

    #[test]
    fn gone_where_new_has_a_gap_is_unknown_not_closed() {
        let mut snap = Snapshot::new(crate::snapshot::Timestamp::parse("2026-11-20T09:30:00Z").unwrap());
        let old = [finding((22, 22), &["0.0.0.0/0"])];
        let c = exposure_changes(&old, &[], &snap);
        assert_eq!(deltas(&c.closed), ["tcp/22 from 0.0.0.0/0"]);
        snap.coverage.push(crate::snapshot::CoverageRecord {
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            api: "ec2:DescribeSecurityGroups".into(),
            status: crate::snapshot::CoverageStatus::Denied,
            items: 0,
            pages: 0,
            retries: 0,
            duration_ms: 0,
            error_code: None,
            error_message: None,
        });
        let c = exposure_changes(&old, &[], &snap);
        assert!(c.closed.is_empty());
        assert_eq!(deltas(&c.unknown), ["tcp/22 from 0.0.0.0/0"]);
        assert_eq!(
            c.unknown[0].note.as_deref(),
            Some("not collected in NEW: ec2:DescribeSecurityGroups denied in 111111111111/eu-west-1")
        );
    }
}
