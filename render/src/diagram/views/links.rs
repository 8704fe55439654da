//! The estate's network links, once, for the organisation and account pages:
//! peerings, transit gateway VPC attachments and VPNs, each drawn once even when
//! both sides' accounts describe it, with whether it crosses accounts and whether
//! it lets a non-production network reach production (the segmentation analysis).
use std::collections::{BTreeMap, BTreeSet};

use inventory::model::*;

use super::super::facts::Facts;
use super::super::style::Line;

/// One end of a link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    Vpc(String),
    /// A VPC named by a link but not in the snapshot, with its account if known.
    External(String, String),
    Tgw(String),
    /// A customer gateway (on-premises site).
    Cgw(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    Peering,
    Transit,
    Vpn,
}

impl Via {
    pub fn word(self) -> &'static str {
        match self {
            Via::Peering => "peering",
            Via::Transit => "TGW",
            Via::Vpn => "VPN",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EstateLink {
    /// pcx-…, tgw-attach-…, vpn-….
    pub id: String,
    pub via: Via,
    /// The VPC side (peering: requester), or the customer gateway of a VPN.
    pub a: End,
    pub b: End,
    pub cross_account: bool,
    /// Lets a non-production network reach production (segmentation analysis).
    pub risky: bool,
    /// Peering status, or "tunnels u/n up" of a VPN.
    pub detail: String,
}

impl EstateLink {
    /// Joins an in-scope and an out-of-scope end (false without a scope). A VPC
    /// outside the snapshot is outside the scope.
    pub fn crosses(&self, scope: Option<&super::super::facts::Scope>) -> bool {
        let Some(s) = scope else { return false };
        let of = |e: &End| match e {
            End::Vpc(id) | End::Tgw(id) | End::Cgw(id) => s.of(id),
            End::External(..) => Some(false),
        };
        matches!((of(&self.a), of(&self.b)), (Some(a), Some(b)) if a != b)
    }

    pub fn line(&self) -> Line {
        match (self.via, self.cross_account) {
            (Via::Vpn, _) => Line::Vpn,
            (_, true) => Line::CrossAccount,
            (Via::Peering, false) => Line::Peering,
            (Via::Transit, false) => Line::Transit,
        }
    }
}

/// Every link of the estate, sorted by id (deterministic).
/// The account owning each attachment's transit gateway (a TGW attachment crossing
/// accounts is drawn as a cross-account link).
pub struct TgwOwners<'a>(BTreeMap<&'a str, &'a str>);

impl<'a> TgwOwners<'a> {
    pub fn new(r: &'a Resources) -> Self {
        TgwOwners(r.transit_gateways.iter().map(|t| (t.id.as_str(), t.account_id.as_str())).collect())
    }

    /// As the attachment states it, else the TGW's own record, else the attachment's account.
    pub fn of(&self, a: &'a TransitGatewayAttachment) -> &'a str {
        a.transit_gateway_owner_id
            .as_deref()
            .or(self.0.get(a.transit_gateway_id.as_str()).copied())
            .unwrap_or(&a.account_id)
    }
}

pub fn estate_links(f: &Facts) -> Vec<EstateLink> {
    let r = &f.snap.resources;
    let vpc_acct: BTreeMap<&str, &str> = r.vpcs.iter().map(|v| (v.id.as_str(), v.account_id.as_str())).collect();
    let mut risky: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in f.analysis.segmentation.iter().filter(|c| c.prod_from_nonprod) {
        risky.insert((&*c.via_id, &*c.from_vpc_id));
        risky.insert((&*c.via_id, &*c.to_id));
    }
    let vpc_end = |id: &str, acct: &str| match vpc_acct.get(id) {
        Some(_) => End::Vpc(id.to_string()),
        None => End::External(id.to_string(), acct.to_string()),
    };
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for p in &r.vpc_peering_connections {
        if !seen.insert(p.id.as_str()) {
            continue;
        }
        out.push(EstateLink {
            id: p.id.clone(),
            via: Via::Peering,
            a: vpc_end(&p.requester.vpc_id, &p.requester.account_id),
            b: vpc_end(&p.accepter.vpc_id, &p.accepter.account_id),
            cross_account: p.requester.account_id != p.accepter.account_id,
            risky: risky.contains(&(p.id.as_str(), p.requester.vpc_id.as_str())),
            detail: p.status.to_string(),
        });
    }
    let tgw_owners = TgwOwners::new(r);
    for a in &r.transit_gateway_attachments {
        let Some(res) = a.resource_id.as_deref() else { continue };
        if a.resource_type != TgwAttachmentResourceType::Vpc || !seen.insert(a.id.as_str()) {
            continue;
        }
        let owner = tgw_owners.of(a);
        let acct = vpc_acct.get(res).copied().or(a.resource_owner_id.as_deref()).unwrap_or(&a.account_id);
        out.push(EstateLink {
            id: a.id.clone(),
            via: Via::Transit,
            a: vpc_end(res, acct),
            b: End::Tgw(a.transit_gateway_id.clone()),
            cross_account: owner != acct,
            risky: [a.transit_gateway_id.as_str(), a.id.as_str()].iter().any(|via| risky.contains(&(*via, res))),
            detail: String::new(),
        });
    }
    for v in &r.vpn_connections {
        if !seen.insert(v.id.as_str()) {
            continue;
        }
        let up = v.tunnels.iter().filter(|t| t.status.eq_ignore_ascii_case("up")).count();
        // A VPN ends on a VGW (attached to a VPC) or on a transit gateway.
        let b = match (&v.vpn_gateway_id, &v.transit_gateway_id) {
            (Some(g), _) => match r
                .vpn_gateways
                .iter()
                .find(|x| &x.id == g)
                .and_then(|x| x.attachments.iter().find(|a| a.is_attached()))
            {
                Some(att) => vpc_end(&att.vpc_id, &v.account_id),
                None => continue,
            },
            (None, Some(t)) => End::Tgw(t.clone()),
            _ => continue,
        };
        out.push(EstateLink {
            id: v.id.clone(),
            via: Via::Vpn,
            a: End::Cgw(v.customer_gateway_id.clone()),
            b,
            cross_account: false,
            risky: false,
            detail: format!("tunnels {up}/{} up", v.tunnels.len()),
        });
    }
    out.sort_by(|x, y| x.id.cmp(&y.id));
    out
}
