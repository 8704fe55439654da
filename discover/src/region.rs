//! Reading one account × region: every regional API concurrently (pages of one API
//! are the only sequential chain), then stitching the pieces AWS returns separately
//! (TGW routes, VPC attachment subnets, prefix list entries, ENI groups).
use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client as Ec2;
use inventory::model::*;
use inventory::snapshot::CoverageRecord;
use tokio::task::JoinSet;

use crate::chain::{paged, record, single, Chain};
use crate::limits::Slot;
use crate::ops::{self, Op};
use crate::progress::Progress;
use crate::recorder::Recorder;
use crate::transform::{compute, connectivity as conn, network, security, Ctx};

/// What one region job needs; cheap to clone (all handles).
#[derive(Clone)]
pub struct RegionJob {
    pub ctx: Ctx,
    pub ec2: Ec2,
    /// This account × region's concurrency bound (and the run's).
    pub slot: Slot,
    pub recorder: Recorder,
    pub progress: Progress,
}

pub struct RegionOutput {
    pub resources: Resources,
    pub coverage: Vec<CoverageRecord>,
}

fn max(op: Op) -> i32 {
    op.max_results.unwrap_or(1000)
}

impl RegionJob {
    fn finish(&self, c: Chain) -> Chain {
        self.progress.done(&format!("{} {} {}", self.ctx.account_id, self.ctx.region, c.op.name));
        c
    }
}

pub async fn collect(job: RegionJob) -> RegionOutput {
    let j = &job;
    let c = &j.ctx;
    let s = &j.slot;
    j.progress.add(ops::REGIONAL.len() as u64);

    let azs = async {
        let mut v = Vec::new();
        let ch = single(s, ops::DESCRIBE_AVAILABILITY_ZONES, j.ec2.describe_availability_zones().send(), |o, ch| {
            for z in o.availability_zones() {
                ch.take(network::availability_zone(c, z), &mut v);
            }
        })
        .await;
        (j.finish(ch), v)
    };
    macro_rules! paged_list {
        ($op:expr, $call:ident, $items:ident, $transform:expr) => {
            async {
                let mut v = Vec::new();
                let ch = paged(s, $op, j.ec2.$call().max_results(max($op)).into_paginator().send(), |o, ch| {
                    for x in o.$items() {
                        ch.take($transform(c, x), &mut v);
                    }
                })
                .await;
                (j.finish(ch), v)
            }
        };
    }
    macro_rules! single_list {
        ($op:expr, $call:ident, $items:ident, $transform:expr) => {
            async {
                let mut v = Vec::new();
                let ch = single(s, $op, j.ec2.$call().send(), |o, ch| {
                    for x in o.$items() {
                        ch.take($transform(c, x), &mut v);
                    }
                })
                .await;
                (j.finish(ch), v)
            }
        };
    }
    let vpcs = paged_list!(ops::DESCRIBE_VPCS, describe_vpcs, vpcs, network::vpc);
    let subnets = paged_list!(ops::DESCRIBE_SUBNETS, describe_subnets, subnets, network::subnet);
    let rtbs = paged_list!(ops::DESCRIBE_ROUTE_TABLES, describe_route_tables, route_tables, network::route_table);
    let igws = paged_list!(
        ops::DESCRIBE_INTERNET_GATEWAYS,
        describe_internet_gateways,
        internet_gateways,
        network::internet_gateway
    );
    let eigws = paged_list!(
        ops::DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS,
        describe_egress_only_internet_gateways,
        egress_only_internet_gateways,
        network::egress_only_internet_gateway
    );
    let nats = paged_list!(ops::DESCRIBE_NAT_GATEWAYS, describe_nat_gateways, nat_gateways, network::nat_gateway);
    let pcxs = paged_list!(
        ops::DESCRIBE_VPC_PEERING_CONNECTIONS,
        describe_vpc_peering_connections,
        vpc_peering_connections,
        conn::vpc_peering_connection
    );
    let tgws =
        paged_list!(ops::DESCRIBE_TRANSIT_GATEWAYS, describe_transit_gateways, transit_gateways, conn::transit_gateway);
    let tgw_atts = paged_list!(
        ops::DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS,
        describe_transit_gateway_attachments,
        transit_gateway_attachments,
        conn::transit_gateway_attachment
    );
    let tgw_vpc_atts = paged_list!(
        ops::DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS,
        describe_transit_gateway_vpc_attachments,
        transit_gateway_vpc_attachments,
        |_: &Ctx, x| conn::vpc_attachment_subnets(x)
    );
    let tgw_rts = tgw_route_tables(j);
    let vgws = single_list!(ops::DESCRIBE_VPN_GATEWAYS, describe_vpn_gateways, vpn_gateways, conn::vpn_gateway);
    let vpns =
        single_list!(ops::DESCRIBE_VPN_CONNECTIONS, describe_vpn_connections, vpn_connections, conn::vpn_connection);
    let cgws = single_list!(
        ops::DESCRIBE_CUSTOMER_GATEWAYS,
        describe_customer_gateways,
        customer_gateways,
        conn::customer_gateway
    );
    let endpoints =
        paged_list!(ops::DESCRIBE_VPC_ENDPOINTS, describe_vpc_endpoints, vpc_endpoints, network::vpc_endpoint);
    let instances = async {
        let mut v = Vec::new();
        let op = ops::DESCRIBE_INSTANCES;
        let ch = paged(s, op, j.ec2.describe_instances().max_results(max(op)).into_paginator().send(), |o, ch| {
            for r in o.reservations() {
                for x in r.instances() {
                    ch.take(compute::instance(c, x), &mut v);
                }
            }
        })
        .await;
        (j.finish(ch), v)
    };
    let enis = paged_list!(
        ops::DESCRIBE_NETWORK_INTERFACES,
        describe_network_interfaces,
        network_interfaces,
        compute::network_interface
    );
    let sgs =
        paged_list!(ops::DESCRIBE_SECURITY_GROUPS, describe_security_groups, security_groups, security::security_group);
    let sg_rules = paged_list!(
        ops::DESCRIBE_SECURITY_GROUP_RULES,
        describe_security_group_rules,
        security_group_rules,
        |_: &Ctx, x| { security::security_group_rule(x) }
    );
    let nacls = paged_list!(ops::DESCRIBE_NETWORK_ACLS, describe_network_acls, network_acls, security::network_acl);
    let eips = single_list!(ops::DESCRIBE_ADDRESSES, describe_addresses, addresses, network::elastic_ip);
    let pls = prefix_lists(j);

    // One join over every API: each starts now, none waits for another group. The
    // per-region bound serves requests in the order they queue, so the heads of the
    // longest chains go first: the fan-out parents (their children can only start
    // when they return), then the listings most likely to page.
    let (
        ((c_pl, pls), (c_tgwrt, tgw_rts), (c_inst, mut instances), (c_eni, enis), (c_sgr, sg_rules), (c_sg, mut sgs)),
        ((c_sn, subnets), (c_rtb, rtbs), (c_acl, nacls), (c_vpce, endpoints), (c_vpc, vpcs), (c_az, azs)),
        ((c_igw, igws), (c_eigw, eigws), (c_nat, nats), (c_pcx, pcxs), (c_tgw, tgws), (c_att, mut tgw_atts)),
        ((c_vatt, tgw_vpc_atts), (c_vgw, vgws), (c_vpn, vpns), (c_cgw, cgws), (c_eip, eips)),
    ) = tokio::join!(
        async { tokio::join!(pls, tgw_rts, instances, enis, sg_rules, sgs) },
        async { tokio::join!(subnets, rtbs, nacls, endpoints, vpcs, azs) },
        async { tokio::join!(igws, eigws, nats, pcxs, tgws, tgw_atts) },
        async { tokio::join!(tgw_vpc_atts, vgws, vpns, cgws, eips) },
    );

    // VPC attachment subnets arrive from their own API.
    let subnets_by_att: BTreeMap<String, Vec<String>> = tgw_vpc_atts.into_iter().collect();
    for a in &mut tgw_atts {
        if let Some(sn) = subnets_by_att.get(&a.id) {
            a.subnet_ids = sn.clone();
        }
    }
    fill_instances_from_enis(&mut instances, &enis);
    let mut rule_ids: BTreeMap<String, Vec<(bool, SgRule)>> = BTreeMap::new();
    for (group, egress, rule) in sg_rules {
        rule_ids.entry(group).or_default().push((egress, rule));
    }
    for g in &mut sgs {
        if let Some(ids) = rule_ids.get(&g.id) {
            security::attach_rule_ids(g, ids);
        }
    }

    let mut chains: Vec<Chain> = vec![
        c_az, c_vpc, c_sn, c_rtb, c_igw, c_eigw, c_nat, c_pcx, c_tgw, c_att, c_vatt, c_vgw, c_vpn, c_cgw, c_vpce,
        c_inst, c_eni, c_sg, c_sgr, c_acl, c_eip,
    ];
    chains.extend(c_tgwrt);
    chains.extend(c_pl);
    let coverage = ops::REGIONAL
        .iter()
        .map(|op| {
            let of_op: Vec<&Chain> = chains.iter().filter(|ch| ch.op == *op).collect();
            record(&c.account_id, &c.region, *op, &of_op, &j.recorder)
        })
        .collect();
    let resources = Resources {
        availability_zones: azs,
        vpcs,
        subnets,
        route_tables: rtbs,
        internet_gateways: igws,
        egress_only_internet_gateways: eigws,
        nat_gateways: nats,
        vpc_peering_connections: pcxs,
        transit_gateways: tgws,
        transit_gateway_attachments: tgw_atts,
        transit_gateway_route_tables: tgw_rts,
        vpn_gateways: vgws,
        vpn_connections: vpns,
        customer_gateways: cgws,
        vpc_endpoints: endpoints,
        instances,
        network_interfaces: enis,
        security_groups: sgs,
        network_acls: nacls,
        elastic_ips: eips,
        managed_prefix_lists: pls,
        ..Resources::default()
    };
    RegionOutput { resources, coverage }
}

/// Instances launched with explicit interfaces may report no groups (and emulators
/// may omit the interface list); the ENIs attached to them are authoritative.
pub fn fill_instances_from_enis(instances: &mut [Instance], enis: &[NetworkInterface]) {
    let mut by_instance: BTreeMap<&str, Vec<&NetworkInterface>> = BTreeMap::new();
    for e in enis {
        if let Some(i) = e.instance_id() {
            by_instance.entry(i).or_default().push(e);
        }
    }
    for inst in instances {
        let Some(attached) = by_instance.get(inst.id.as_str()) else { continue };
        for e in attached {
            if !inst.network_interface_ids.contains(&e.id) {
                inst.network_interface_ids.push(e.id.clone());
            }
            for g in &e.security_group_ids {
                if !inst.security_group_ids.contains(g) {
                    inst.security_group_ids.push(g.clone());
                }
            }
        }
        inst.network_interface_ids.sort();
        inst.security_group_ids.sort();
    }
}

/// Route tables first, then per table its routes, associations and propagations,
/// all concurrently.
async fn tgw_route_tables(j: &RegionJob) -> (Vec<Chain>, Vec<TransitGatewayRouteTable>) {
    let c = &j.ctx;
    let op = ops::DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES;
    let mut tables = Vec::new();
    let ch = paged(
        &j.slot,
        op,
        j.ec2.describe_transit_gateway_route_tables().max_results(max(op)).into_paginator().send(),
        |o, ch| {
            for t in o.transit_gateway_route_tables() {
                ch.take(conn::transit_gateway_route_table(c, t), &mut tables);
            }
        },
    )
    .await;
    let ch = j.finish(ch);
    let children = [ops::SEARCH_TRANSIT_GATEWAY_ROUTES, ops::GET_TGW_RT_ASSOCIATIONS, ops::GET_TGW_RT_PROPAGATIONS];
    if !ch.ok() {
        let why = format!("not read: {} failed", op.action());
        for child in children {
            j.progress.done(child.name);
        }
        let mut chains = vec![ch];
        chains.extend(children.iter().map(|o| Chain::skipped(*o, why.clone())));
        return (chains, tables);
    }
    // The REGIONAL count reserved one progress step per child op; add the rest.
    j.progress.add((tables.len() as u64 * 3).saturating_sub(3));

    enum Part {
        Routes(Vec<TgwRoute>),
        Assoc(Vec<TgwAttachmentRef>),
        Prop(Vec<TgwAttachmentRef>),
    }
    let mut set: JoinSet<(usize, Chain, Part)> = JoinSet::new();
    for (i, t) in tables.iter().enumerate() {
        let id = t.id.clone();
        let jb = j.clone();
        let rt = id.clone();
        set.spawn(async move {
            let op = ops::SEARCH_TRANSIT_GATEWAY_ROUTES;
            let mut v = Vec::new();
            // Both states in one filter: SearchTransitGatewayRoutes requires a filter.
            let state = Filter::builder().name("state").values("active").values("blackhole").build();
            let req = jb
                .ec2
                .search_transit_gateway_routes()
                .transit_gateway_route_table_id(&rt)
                .filters(state)
                .set_max_results(op.max_results);
            let ch = paged(&jb.slot, op, req.into_paginator().send(), |o, ch| {
                for r in o.routes() {
                    ch.take(conn::tgw_route(&rt, r), &mut v);
                }
            })
            .await;
            (i, jb.finish(ch), Part::Routes(v))
        });
        let jb = j.clone();
        let rt = id.clone();
        set.spawn(async move {
            let op = ops::GET_TGW_RT_ASSOCIATIONS;
            let mut v = Vec::new();
            let req = jb
                .ec2
                .get_transit_gateway_route_table_associations()
                .transit_gateway_route_table_id(&rt)
                .max_results(max(op));
            let ch = paged(&jb.slot, op, req.into_paginator().send(), |o, ch| {
                for a in o.associations() {
                    if let Some(r) = conn::tgw_association(a) {
                        ch.take(Ok(r), &mut v);
                    }
                }
            })
            .await;
            (i, jb.finish(ch), Part::Assoc(v))
        });
        let jb = j.clone();
        let rt = id;
        set.spawn(async move {
            let op = ops::GET_TGW_RT_PROPAGATIONS;
            let mut v = Vec::new();
            let req = jb
                .ec2
                .get_transit_gateway_route_table_propagations()
                .transit_gateway_route_table_id(&rt)
                .max_results(max(op));
            let ch = paged(&jb.slot, op, req.into_paginator().send(), |o, ch| {
                for p in o.transit_gateway_route_table_propagations() {
                    if let Some(r) = conn::tgw_propagation(p) {
                        ch.take(Ok(r), &mut v);
                    }
                }
            })
            .await;
            (i, jb.finish(ch), Part::Prop(v))
        });
    }
    let mut chains = vec![ch];
    if tables.is_empty() {
        for child in children {
            j.progress.done(child.name);
        }
    }
    while let Some(res) = set.join_next().await {
        match res {
            Ok((i, ch, part)) => {
                chains.push(ch);
                let t = &mut tables[i];
                match part {
                    Part::Routes(v) => t.routes = v,
                    Part::Assoc(v) => t.associations = v,
                    Part::Prop(v) => t.propagations = v,
                }
            }
            // A panicking task is a bug; record it instead of losing the run.
            Err(e) => chains.push(Chain {
                failure: Some(crate::errors::ApiFailure::from_code(Some("InternalError"), e.to_string())),
                ..Chain::new(ops::SEARCH_TRANSIT_GATEWAY_ROUTES)
            }),
        }
    }
    (chains, tables)
}

/// Prefix lists, then each list's entries concurrently.
async fn prefix_lists(j: &RegionJob) -> (Vec<Chain>, Vec<ManagedPrefixList>) {
    let c = &j.ctx;
    let op = ops::DESCRIBE_MANAGED_PREFIX_LISTS;
    let mut lists = Vec::new();
    let ch = paged(
        &j.slot,
        op,
        j.ec2.describe_managed_prefix_lists().max_results(max(op)).into_paginator().send(),
        |o, ch| {
            for p in o.prefix_lists() {
                ch.take(security::managed_prefix_list(c, p), &mut lists);
            }
        },
    )
    .await;
    let ch = j.finish(ch);
    let child = ops::GET_MANAGED_PREFIX_LIST_ENTRIES;
    if !ch.ok() {
        j.progress.done(child.name);
        let why = format!("not read: {} failed", op.action());
        return (vec![ch, Chain::skipped(child, why)], lists);
    }
    j.progress.add((lists.len() as u64).saturating_sub(1));
    if lists.is_empty() {
        j.progress.done(child.name);
    }
    let mut set: JoinSet<(usize, Chain, Vec<PrefixListEntry>)> = JoinSet::new();
    for (i, l) in lists.iter().enumerate() {
        let jb = j.clone();
        let id = l.id.clone();
        set.spawn(async move {
            let mut v = Vec::new();
            let req = jb.ec2.get_managed_prefix_list_entries().prefix_list_id(&id).max_results(max(child));
            let ch = paged(&jb.slot, child, req.into_paginator().send(), |o, ch| {
                for e in o.entries() {
                    ch.take(security::prefix_list_entry(&id, e), &mut v);
                }
            })
            .await;
            (i, jb.finish(ch), v)
        });
    }
    let mut chains = vec![ch];
    while let Some(res) = set.join_next().await {
        match res {
            Ok((i, ch, v)) => {
                chains.push(ch);
                lists[i].entries = v;
            }
            Err(e) => chains.push(Chain {
                failure: Some(crate::errors::ApiFailure::from_code(Some("InternalError"), e.to_string())),
                ..Chain::new(child)
            }),
        }
    }
    (chains, lists)
}
