//! The ELB descriptors' reads: v2 and Classic load balancers with their per-load-balancer
//! calls, listeners (per load balancer) with their rules, and target groups with their
//! targets' health. Every ELB listing pages by Marker (`chain::by_marker`).
use inventory::model::{Listener, LoadBalancer, TargetGroup};

use super::regional::*;
use crate::chain::{self, Chain};
use crate::ops::Op;
use crate::region::{fan_out, fill, for_each_item, skip_children, Child, RegionJob};
use crate::transform::elb as t;

/// The page size asked for: the op's largest.
fn page(op: Op) -> i32 {
    op.max_results.unwrap_or(400)
}

/// v2 and Classic side by side.
pub async fn load_balancers(j: &RegionJob) -> (Vec<Chain>, Vec<LoadBalancer>) {
    let ((mut chains, mut lbs), (c_chains, c_lbs)) = tokio::join!(v2_load_balancers(j), classic_load_balancers(j));
    chains.extend(c_chains);
    lbs.extend(c_lbs);
    (chains, lbs)
}

async fn v2_load_balancers(j: &RegionJob) -> (Vec<Chain>, Vec<LoadBalancer>) {
    let op = ELBV2_DESCRIBE_LOAD_BALANCERS;
    let mut v = Vec::new();
    let ch = chain::by_marker(
        &j.slot,
        op,
        |marker| j.elbv2.describe_load_balancers().page_size(page(op)).set_marker(marker).send(),
        |o| o.next_marker().map(str::to_string),
        |o, ch| {
            for x in o.load_balancers() {
                ch.take(t::v2_load_balancer(&j.ctx, x), &mut v);
            }
        },
    )
    .await;
    let ch = j.finish(ch);
    j.v2_load_balancers.publish(&ch, v.iter().map(|l: &LoadBalancer| l.id.clone()).collect());
    fan_out(j, ch, v, &[ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES], |jb, l: &LoadBalancer| {
        let (jb, arn) = (jb.clone(), l.id.clone());
        let attributes: Child<LoadBalancer> = Box::pin(async move {
            let mut got = Vec::new();
            let req = jb.elbv2.describe_load_balancer_attributes().load_balancer_arn(&arn).send();
            let ch = chain::single(&jb.slot, ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES, req, |o, ch| {
                ch.take(Ok(t::attributes(o.attributes())), &mut got);
            })
            .await;
            (ch, fill(move |l: &mut LoadBalancer| l.attributes = got.pop()))
        });
        vec![attributes]
    })
    .await
}

async fn classic_load_balancers(j: &RegionJob) -> (Vec<Chain>, Vec<LoadBalancer>) {
    let op = ELB_DESCRIBE_LOAD_BALANCERS;
    let mut v = Vec::new();
    let ch = chain::by_marker(
        &j.slot,
        op,
        |marker| j.elb.describe_load_balancers().page_size(page(op)).set_marker(marker).send(),
        |o| o.next_marker().map(str::to_string),
        |o, ch| {
            for x in o.load_balancer_descriptions() {
                ch.take(t::classic_load_balancer(&j.ctx, x), &mut v);
            }
        },
    )
    .await;
    let ch = j.finish(ch);
    fan_out(j, ch, v, &[ELB_DESCRIBE_INSTANCE_HEALTH], |jb, l: &LoadBalancer| {
        let (jb, name) = (jb.clone(), l.name.clone());
        let health: Child<LoadBalancer> = Box::pin(async move {
            let mut states = Vec::new();
            let req = jb.elb.describe_instance_health().load_balancer_name(&name).send();
            let ch = chain::single(&jb.slot, ELB_DESCRIBE_INSTANCE_HEALTH, req, |o, ch| {
                for s in o.instance_states() {
                    ch.take(Ok(s.clone()), &mut states);
                }
            })
            .await;
            (ch, fill(move |l: &mut LoadBalancer| t::fill_instance_health(l, &states)))
        });
        vec![health]
    })
    .await
}

/// Listeners can only be listed per load balancer: this waits for the LoadBalancer
/// descriptor's v2 listing. If it failed, both operations are recorded as skipped.
pub async fn listeners(j: &RegionJob) -> (Vec<Chain>, Vec<Listener>) {
    let children = [ELBV2_DESCRIBE_LISTENERS, ELBV2_DESCRIBE_RULES];
    let Some((parent, arns)) = j.v2_load_balancers.get().await else {
        let why = "not read: the load balancer listing was not handed over";
        return (children.iter().map(|o| Chain::skipped(*o, why)).collect(), Vec::new());
    };
    if !parent.ok() {
        return (skip_children(j, &parent, &children), Vec::new());
    }
    // (load balancer ARN, its listeners)
    let per_lb: Vec<(String, Vec<Listener>)> = arns.into_iter().map(|a| (a, Vec::new())).collect();
    let (mut chains, per_lb) = for_each_item(j, per_lb, &[ELBV2_DESCRIBE_LISTENERS], |jb, (arn, _)| {
        let (jb, arn) = (jb.clone(), arn.clone());
        let read: Child<(String, Vec<Listener>)> = Box::pin(async move {
            let op = ELBV2_DESCRIBE_LISTENERS;
            let mut v = Vec::new();
            let ch = chain::by_marker(
                &jb.slot,
                op,
                |marker| {
                    jb.elbv2.describe_listeners().load_balancer_arn(&arn).page_size(page(op)).set_marker(marker).send()
                },
                |o| o.next_marker().map(str::to_string),
                |o, ch| {
                    for x in o.listeners() {
                        ch.take(t::listener(&jb.ctx, x), &mut v);
                    }
                },
            )
            .await;
            (ch, fill(move |item: &mut (String, Vec<Listener>)| item.1 = v))
        });
        vec![read]
    })
    .await;
    let listeners: Vec<Listener> = per_lb.into_iter().flat_map(|(_, l)| l).collect();
    let (rule_chains, listeners) = for_each_item(j, listeners, &[ELBV2_DESCRIBE_RULES], |jb, l: &Listener| {
        let (jb, arn) = (jb.clone(), l.id.clone());
        let read: Child<Listener> = Box::pin(async move {
            let op = ELBV2_DESCRIBE_RULES;
            let mut v = Vec::new();
            let ch = chain::by_marker(
                &jb.slot,
                op,
                |marker| jb.elbv2.describe_rules().listener_arn(&arn).page_size(page(op)).set_marker(marker).send(),
                |o| o.next_marker().map(str::to_string),
                |o, ch| {
                    for r in o.rules() {
                        ch.take(t::rule(&arn, r), &mut v);
                    }
                },
            )
            .await;
            (ch, fill(move |l: &mut Listener| l.rules = v))
        });
        vec![read]
    })
    .await;
    chains.extend(rule_chains);
    (chains, listeners)
}

pub async fn target_groups(j: &RegionJob) -> (Vec<Chain>, Vec<TargetGroup>) {
    let op = ELBV2_DESCRIBE_TARGET_GROUPS;
    let mut v = Vec::new();
    let ch = chain::by_marker(
        &j.slot,
        op,
        |marker| j.elbv2.describe_target_groups().page_size(page(op)).set_marker(marker).send(),
        |o| o.next_marker().map(str::to_string),
        |o, ch| {
            for x in o.target_groups() {
                ch.take(t::target_group(&j.ctx, x), &mut v);
            }
        },
    )
    .await;
    let ch = j.finish(ch);
    let children = [ELBV2_DESCRIBE_TARGET_HEALTH, ELBV2_DESCRIBE_TARGET_GROUP_ATTRIBUTES];
    fan_out(j, ch, v, &children, |jb, g: &TargetGroup| {
        let (jb, arn) = (jb.clone(), g.id.clone());
        let (jb2, arn2) = (jb.clone(), arn.clone());
        let health: Child<TargetGroup> = Box::pin(async move {
            let mut v = Vec::new();
            let req = jb.elbv2.describe_target_health().target_group_arn(&arn).send();
            let ch = chain::single(&jb.slot, ELBV2_DESCRIBE_TARGET_HEALTH, req, |o, ch| {
                for d in o.target_health_descriptions() {
                    ch.take(t::target(&arn, d), &mut v);
                }
            })
            .await;
            (ch, fill(move |g: &mut TargetGroup| g.targets = v))
        });
        // Client IP preservation decides whose addresses a target's groups must admit.
        let attributes: Child<TargetGroup> = Box::pin(async move {
            let mut got = Vec::new();
            let req = jb2.elbv2.describe_target_group_attributes().target_group_arn(&arn2).send();
            let ch = chain::single(&jb2.slot, ELBV2_DESCRIBE_TARGET_GROUP_ATTRIBUTES, req, |o, ch| {
                ch.take(Ok(t::preserve_client_ip(o.attributes())), &mut got);
            })
            .await;
            (ch, fill(move |g: &mut TargetGroup| g.preserve_client_ip = got.pop().flatten()))
        });
        vec![health, attributes]
    })
    .await
}
