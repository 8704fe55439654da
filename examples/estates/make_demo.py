#!/usr/bin/env python3
"""Builds examples/estates/demo.json, the bundled example estate.

demo.json is the committed source of truth; this script is how it was written.
After editing, regenerate and canonicalise (the Rust writer fixes key order):

    python3 examples/estates/make_demo.py > examples/estates/demo.json
    AUDITMAP_BLESS=1 cargo test -p auditmap-inventory --test demo_estate

Every exposure case the reachability tests rely on is built by a named function
below and listed in examples/estates/README.md. Ids are derived from names with
SHA-256, so they are stable and look like real AWS ids (prefix + 17 hex digits).
Public addresses are documentation ranges (203.0.113.0/24, 198.51.100.0/24,
192.0.2.0/24, 2001:db8::/32); private ones are RFC 1918.
"""
import hashlib
import ipaddress
import json
import sys

COLLECTED_AT = "2026-11-20T09:30:00Z"
PROD, STAGING = "111111111111", "222222222222"
EU, US = "eu-west-1", "us-east-1"
OFFICE_IP = "198.51.100.10"  # the office firewall / VPN customer gateway
OFFICE_US_IP = "198.51.100.20"
OFFICE_LAN = "192.168.0.0/16"

# Zone name -> zone id differs per account, as in AWS.
ZONES = {
    (PROD, EU): {"a": "euw1-az2", "b": "euw1-az3", "c": "euw1-az1"},
    (STAGING, EU): {"a": "euw1-az1", "b": "euw1-az2", "c": "euw1-az3"},
    (PROD, US): {"a": "use1-az4", "b": "use1-az6", "c": "use1-az1", "d": "use1-az2", "e": "use1-az3", "f": "use1-az5"},
    (STAGING, US): {"a": "use1-az1", "b": "use1-az2", "c": "use1-az4", "d": "use1-az6", "e": "use1-az3", "f": "use1-az5"},
}

R = {k: [] for k in [
    "accounts", "regions", "availability_zones", "vpcs", "subnets", "route_tables",
    "internet_gateways", "egress_only_internet_gateways", "nat_gateways",
    "vpc_peering_connections", "transit_gateways", "transit_gateway_attachments",
    "transit_gateway_route_tables", "vpn_gateways", "vpn_connections", "customer_gateways",
    "vpc_endpoints", "instances", "network_interfaces", "security_groups", "network_acls",
    "elastic_ips", "managed_prefix_lists", "load_balancers", "listeners", "target_groups"]}

ARN_TYPE = {
    "vpc": "vpc", "subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway",
    "eigw": "egress-only-internet-gateway", "nat": "natgateway", "pcx": "vpc-peering-connection",
    "tgw": "transit-gateway", "tgw-attach": "transit-gateway-attachment",
    "tgw-rtb": "transit-gateway-route-table", "vgw": "vpn-gateway", "vpn": "vpn-connection",
    "cgw": "customer-gateway", "vpce": "vpc-endpoint", "i": "instance", "eni": "network-interface",
    "sg": "security-group", "acl": "network-acl", "eipalloc": "elastic-ip", "pl": "prefix-list",
}


def rid(prefix, name):
    """A stable AWS-looking id: prefix-0 followed by 16 hex digits."""
    return f"{prefix}-0{hashlib.sha256(f'{prefix}/{name}'.encode()).hexdigest()[:16]}"


def arn(prefix, acct, region, id_):
    return f"arn:aws:ec2:{region}:{acct}:{ARN_TYPE[prefix]}/{id_}"


def tags(name, env, owner, data=None, extra=None):
    t = {"Name": name, "Environment": env, "Owner": owner}
    if data:
        t["DataClassification"] = data
    t.update(extra or {})
    return t


def base(prefix, acct, region, name, t):
    id_ = rid(prefix, f"{acct}/{region}/{name}")
    return {"id": id_, "account_id": acct, "region": region, "arn": arn(prefix, acct, region, id_), "tags": t}


def cidr(c):
    return {"type": "cidr", "cidr": c}


def sgref(sg):
    return {"type": "security_group", "group_id": sg["id"], "account_id": sg["account_id"], "vpc_id": None, "peering_status": None}


def rule(sg_name, n, proto, ports, peer, desc=None, icmp=None):
    p = None if ports is None else {"from": ports[0], "to": ports[1]}
    return {"rule_id": rid("sgr", f"{sg_name}/{n}"), "protocol": proto, "ports": p, "icmp": icmp, "peer": peer, "description": desc}


def local_routes(vpc):
    rs = [{"destination": {"cidr": c}, "target": {"kind": "local", "id": "local"}, "state": "active", "origin": "CreateRouteTable"} for c in vpc["cidr_blocks"] + vpc["ipv6_cidr_blocks"]]
    return rs


def route(dest, kind, target_id, state="active", origin="CreateRoute"):
    d = {"prefix_list": dest} if dest.startswith("pl-") else {"cidr": dest}
    return {"destination": d, "target": {"kind": kind, "id": target_id}, "state": state, "origin": origin}


class Ips:
    """Hands out private addresses per subnet, from .10 up, like a tidy estate would."""

    def __init__(self):
        self.next = {}

    def take(self, subnet):
        net = ipaddress.ip_network(subnet["cidr_block"])
        n = self.next.get(subnet["id"], 10)
        self.next[subnet["id"]] = n + 1
        return str(net.network_address + n)


IPS = Ips()
ENV = {PROD: "prod", STAGING: "staging"}


# ---------------------------------------------------------------- accounts, regions, zones
def accounts():
    for acct, alias, org in [(PROD, "acme-prod", "Acme Production"), (STAGING, "acme-staging", "Acme Staging and Shared Services")]:
        R["accounts"].append({"id": acct, "account_id": acct, "region": "", "arn": None, "alias": alias, "org_name": org,
                              "tags": {"Owner": "cloud-platform@acme.example", "Environment": ENV[acct]}})
        for region in (EU, US):
            R["regions"].append({"id": f"{acct}/{region}", "account_id": acct, "region": region, "arn": None,
                                 "opt_in_status": "opt-in-not-required", "tags": {}})
            for letter, zid in ZONES[(acct, region)].items():
                R["availability_zones"].append({"id": f"{acct}/{region}{letter}", "account_id": acct, "region": region, "arn": None,
                                                "zone_name": f"{region}{letter}", "zone_id": zid, "state": "available", "tags": {}})


def vpc(acct, region, name, cidr4, cidr6, env, owner):
    v = base("vpc", acct, region, name, tags(name, env, owner))
    v.update({"cidr_blocks": [cidr4], "ipv6_cidr_blocks": [cidr6] if cidr6 else [], "is_default": False, "state": "available"})
    R["vpcs"].append(v)
    return v


def subnet(v, name, letter, cidr4, cidr6=None, public=False, data="internal", tier=None):
    acct, region = v["account_id"], v["region"]
    s = base("subnet", acct, region, name, tags(name, v["tags"]["Environment"], v["tags"]["Owner"], data, {"Tier": tier} if tier else None))
    s.update({"vpc_id": v["id"], "availability_zone": f"{region}{letter}", "availability_zone_id": ZONES[(acct, region)][letter],
              "cidr_block": cidr4, "ipv6_cidr_blocks": [cidr6] if cidr6 else [], "map_public_ip_on_launch": public,
              "assign_ipv6_address_on_creation": False, "available_ip_address_count": None, "state": "available"})
    R["subnets"].append(s)
    return s


def route_table(v, name, routes, subnets=(), main=False, vgws=()):
    acct, region = v["account_id"], v["region"]
    t = base("rtb", acct, region, name, tags(name, v["tags"]["Environment"], v["tags"]["Owner"]))
    assocs = []
    if main:
        assocs.append({"id": rid("rtbassoc", f"{t['id']}/main"), "main": True, "subnet_id": None, "gateway_id": None})
    for s in subnets:
        assocs.append({"id": rid("rtbassoc", f"{t['id']}/{s['id']}"), "main": False, "subnet_id": s["id"], "gateway_id": None})
    t.update({"vpc_id": v["id"], "routes": local_routes(v) + routes, "associations": assocs, "propagating_vgws": list(vgws)})
    R["route_tables"].append(t)
    return t


def nacl_entry(n, egress, proto, action, c, ports=None, icmp=None):
    return {"rule_number": n, "egress": egress, "protocol": proto, "action": action, "cidr": c,
            "ports": None if ports is None else {"from": ports[0], "to": ports[1]}, "icmp": icmp}


def implicit_denies(v):
    """Rule 32767 ("*"): AWS lists it on every NACL, per address family, both directions."""
    out = []
    for egress in (False, True):
        out.append(nacl_entry(32767, egress, "all", "deny", "0.0.0.0/0"))
        if v["ipv6_cidr_blocks"]:
            out.append(nacl_entry(32767, egress, "all", "deny", "::/0"))
    return out


def nacl(v, name, entries, subnets, default=False):
    acct, region = v["account_id"], v["region"]
    a = base("acl", acct, region, name, tags(name, v["tags"]["Environment"], v["tags"]["Owner"]))
    if default:
        for egress in (False, True):
            entries = entries + [nacl_entry(100, egress, "all", "allow", "0.0.0.0/0")]
            if v["ipv6_cidr_blocks"]:
                entries = entries + [nacl_entry(101, egress, "all", "allow", "::/0")]
    a.update({"vpc_id": v["id"], "is_default": default, "entries": entries + implicit_denies(v),
              "associations": [{"id": rid("aclassoc", f"{a['id']}/{s['id']}"), "subnet_id": s["id"]} for s in subnets]})
    R["network_acls"].append(a)
    return a


def sg(v, name, desc, ingress=(), egress=None, data=None):
    acct, region = v["account_id"], v["region"]
    g = base("sg", acct, region, name, tags(name, v["tags"]["Environment"], v["tags"]["Owner"], data))
    if name == "default":
        g["tags"] = {}
    if egress is None:
        key = f"{v['id']}/{name}"
        egress = [rule(key, "egress-all", "all", None, cidr("0.0.0.0/0"))]
        if v["ipv6_cidr_blocks"]:
            egress.append(rule(key, "egress-all-v6", "all", None, cidr("::/0")))
    g.update({"vpc_id": v["id"], "group_name": name, "description": desc, "ingress": list(ingress), "egress": egress})
    R["security_groups"].append(g)
    return g


def default_sg(v):
    g = sg(v, "default", "default VPC security group")
    g["ingress"] = [rule(f"{v['id']}/default", "self", "all", None, sgref(g))]
    return g


def eni(s, name, sgs, description="", interface_type="interface", requester=None, service="ec2", instance=None,
        public=None, ipv6=(), managed_owner=None):
    """A network interface. `public` is (ip, allocation_id or None) for a public IPv4."""
    acct, region = s["account_id"], s["region"]
    # AWS-managed ENIs (ELB, RDS, NAT, ...) carry no tags of their own.
    e = base("eni", acct, region, name, {})
    ip = IPS.take(s)
    assoc = None
    if public:
        pub, alloc = public
        assoc = {"public_ip": pub, "allocation_id": alloc, "ip_owner_id": acct if alloc else "amazon"}
    attach = None
    if instance is not None:
        attach = {"instance_id": instance, "instance_owner_id": acct, "device_index": 0, "status": "attached"}
    elif managed_owner:
        attach = {"instance_id": None, "instance_owner_id": managed_owner, "device_index": 1, "status": "attached"}
    e.update({"vpc_id": s["vpc_id"], "subnet_id": s["id"], "availability_zone": s["availability_zone"],
              "interface_type": interface_type, "requester_id": requester, "requester_managed": requester is not None,
              "description": description, "status": "in-use",
              "private_ips": [{"address": ip, "primary": True, "association": assoc}], "ipv6_addresses": list(ipv6),
              "security_group_ids": [g["id"] for g in sgs], "attachment": attach,
              "source_dest_check": interface_type != "nat_gateway", "service": service})
    R["network_interfaces"].append(e)
    return e


def eip(acct, region, name, public_ip, env, owner):
    e = base("eipalloc", acct, region, name, tags(name, env, owner))
    e.update({"public_ip": public_ip, "association_id": None, "instance_id": None, "network_interface_id": None,
              "private_ip": None, "network_border_group": region})
    R["elastic_ips"].append(e)
    return e


def bind_eip(e, nic, instance_id=None):
    e["association_id"] = rid("eipassoc", e["id"])
    e["instance_id"] = instance_id
    e["network_interface_id"] = nic["id"]
    e["private_ip"] = nic["private_ips"][0]["address"]


def instance(s, name, sgs, itype="t3.medium", public=None, eip_=None, ipv6=(), asg=None, data="internal", profile=None,
             launched="2026-10-02T07:41:12Z", platform=None):
    acct, region = s["account_id"], s["region"]
    extra = {"aws:autoscaling:groupName": asg} if asg else {}
    if asg:
        extra["Service"] = asg.rsplit("-asg", 1)[0]
    i = base("i", acct, region, name, tags(name, s["tags"]["Environment"], s["tags"]["Owner"], data, extra))
    pub = (eip_["public_ip"], eip_["id"]) if eip_ else ((public, None) if public else None)
    nic = eni(s, f"{name}/eth0", sgs, instance=i["id"], public=pub, ipv6=ipv6)
    # Launch templates propagate tags to the primary ENI.
    nic["tags"] = tags(f"{name}-eth0", s["tags"]["Environment"], s["tags"]["Owner"], data)
    if eip_:
        bind_eip(eip_, nic, i["id"])
    i.update({"vpc_id": s["vpc_id"], "subnet_id": s["id"], "availability_zone": s["availability_zone"], "instance_type": itype,
              "state": "running", "image_id": rid("ami", f"{region}/{'windows' if platform else 'al2023'}"), "platform": platform,
              "private_ip": nic["private_ips"][0]["address"], "public_ip": pub[0] if pub else None,
              "network_interface_ids": [nic["id"]], "security_group_ids": [g["id"] for g in sgs],
              "iam_instance_profile_arn": f"arn:aws:iam::{acct}:instance-profile/{profile}" if profile else None,
              "launch_time": launched})
    R["instances"].append(i)
    return i, nic


# ---------------------------------------------------------------- load balancers
def elb_arn(acct, region, kind, rest):
    return f"arn:aws:elasticloadbalancing:{region}:{acct}:{kind}/{rest}"


def lb_suffix(name):
    return hashlib.sha256(f"lb/{name}".encode()).hexdigest()[:16]


def load_balancer(acct, region, name, lb_type, scheme, subnets, sgs, t, vpc_id, attributes=None, addresses=(),
                  listeners=(), instances=(), suffix=None):
    seg = {"application": "app", "network": "net", "gateway": "gwy"}.get(lb_type)
    if seg:
        suffix = suffix or lb_suffix(name)
        arn_ = elb_arn(acct, region, "loadbalancer", f"{seg}/{name}/{suffix}")
        dns = f"{name}-{int(suffix[:8], 16) % 10**10}.{region}.elb.amazonaws.com"
        if scheme == "internal":
            dns = "internal-" + dns
    else:
        arn_ = elb_arn(acct, region, "loadbalancer", name)
        dns = f"{'internal-' if scheme == 'internal' else ''}{name}-{int(lb_suffix(name)[:8], 16) % 10**10}.{region}.elb.amazonaws.com"
    lb = {"id": arn_, "account_id": acct, "region": region, "arn": arn_, "name": name, "type": lb_type, "scheme": scheme,
          "ip_address_type": None if lb_type == "classic" else "ipv4", "vpc_id": vpc_id,
          "availability_zones": sorted(s["availability_zone"] for s in subnets), "subnet_ids": [s["id"] for s in subnets],
          "security_group_ids": [g["id"] for g in sgs], "addresses": list(addresses), "dns_name": dns,
          "state": None if lb_type == "classic" else "active", "created_time": "2025-06-03T10:12:45Z",
          "attributes": attributes, "classic_listeners": list(listeners), "classic_instances": list(instances), "tags": t}
    R["load_balancers"].append(lb)
    return lb


def lb_enis(lb, subnets, sgs, interface_type="interface", public=()):
    """The ENIs AWS creates for a load balancer: requester-managed, described by its name."""
    if lb["type"] == "classic":
        desc = f"ELB {lb['name']}"
    else:
        desc = "ELB " + lb["id"].split(":loadbalancer/", 1)[1]
    out = []
    for i, s in enumerate(subnets):
        pub = public[i] if i < len(public) else None
        out.append(eni(s, f"{lb['name']}/{s['id']}", sgs, description=desc, interface_type=interface_type,
                       requester="amazon-elb", service="elb", public=pub, managed_owner="amazon-elb"))
    return out


def target_group(lb, name, protocol, port, target_type, vpc_id, targets, hc_path=None, hc_protocol=None):
    acct, region = lb["account_id"], lb["region"]
    arn_ = elb_arn(acct, region, "targetgroup", f"{name}/{lb_suffix('tg/' + name)}")
    hc = {"enabled": True, "protocol": hc_protocol or protocol, "port": "traffic-port", "path": hc_path,
          "interval_seconds": 30, "timeout_seconds": 5, "healthy_threshold": 5, "unhealthy_threshold": 2,
          "matcher": "200-399" if hc_path else None}
    tg = {"id": arn_, "account_id": acct, "region": region, "arn": arn_, "name": name, "target_type": target_type,
          "protocol": protocol, "port": port, "vpc_id": vpc_id, "health_check": hc, "load_balancer_ids": [lb["id"]],
          "targets": [{"id": tid, "port": tport, "availability_zone": az, "health": "healthy", "reason": None, "description": None}
                      for tid, tport, az in targets],
          "tags": {}}
    R["target_groups"].append(tg)
    return tg


def forward(*tgs):
    return {"type": "forward", "target_groups": [{"target_group_id": t["id"], "weight": None} for t in tgs]}


def listener(lb, protocol, port, default, rules=(), ssl_policy=None, certs=()):
    acct, region = lb["account_id"], lb["region"]
    lb_rest = lb["id"].split(":loadbalancer/", 1)[1]
    arn_ = elb_arn(acct, region, "listener", f"{lb_rest}/{lb_suffix(f'{lb_rest}/{port}')}")
    all_rules = [{"arn": elb_arn(acct, region, "listener-rule", f"{arn_.split(':listener/', 1)[1]}/{lb_suffix(f'{arn_}/{prio}')}"),
                  "priority": prio, "conditions": conds, "actions": actions} for prio, conds, actions in rules]
    all_rules.append({"arn": elb_arn(acct, region, "listener-rule", f"{arn_.split(':listener/', 1)[1]}/{lb_suffix(f'{arn_}/default')}"),
                      "priority": "default", "conditions": [], "actions": [default]})
    R["listeners"].append({"id": arn_, "account_id": acct, "region": region, "arn": arn_, "load_balancer_id": lb["id"],
                           "protocol": protocol, "port": port, "ssl_policy": ssl_policy, "certificate_arns": list(certs),
                           "default_actions": [default], "rules": all_rules, "tags": {}})


def lb_attributes(logs_prefix=None, drop_invalid=None, cross_zone=True):
    return {"deletion_protection": True, "cross_zone_load_balancing": cross_zone, "drop_invalid_header_fields": drop_invalid,
            "access_logs_enabled": logs_prefix is not None, "access_logs_bucket": "acme-elb-access-logs" if logs_prefix else None,
            "access_logs_prefix": logs_prefix}


# ---------------------------------------------------------------- prod (111111111111, eu-west-1)
def build():
    accounts()
    owner_web, owner_data, owner_net = "web-team@acme.example", "data-team@acme.example", "network-team@acme.example"

    prod = vpc(PROD, EU, "prod", "10.10.0.0/16", "2001:db8:10::/56", "prod", owner_net)
    pub_a = subnet(prod, "prod-public-a", "a", "10.10.0.0/24", "2001:db8:10::/64", public=False, data="public", tier="public")
    pub_b = subnet(prod, "prod-public-b", "b", "10.10.1.0/24", "2001:db8:10:1::/64", data="public", tier="public")
    pub_legacy = subnet(prod, "prod-public-legacy-c", "c", "10.10.2.0/24", data="internal", tier="public")
    priv_a = subnet(prod, "prod-private-a", "a", "10.10.10.0/24", "2001:db8:10:10::/64", tier="private")
    priv_b = subnet(prod, "prod-private-b", "b", "10.10.11.0/24", "2001:db8:10:11::/64", tier="private")
    data_a = subnet(prod, "prod-data-a", "a", "10.10.20.0/24", data="restricted", tier="data")
    data_b = subnet(prod, "prod-data-b", "b", "10.10.21.0/24", data="restricted", tier="data")

    igw = base("igw", PROD, EU, "prod-igw", tags("prod-igw", "prod", owner_net))
    igw["attachments"] = [{"vpc_id": prod["id"], "state": "available"}]
    R["internet_gateways"].append(igw)
    eigw = base("eigw", PROD, EU, "prod-eigw", tags("prod-eigw", "prod", owner_net))
    eigw["attachments"] = [{"vpc_id": prod["id"], "state": "attached"}]
    R["egress_only_internet_gateways"].append(eigw)

    nat_eip = eip(PROD, EU, "prod-nat-a-eip", "203.0.113.5", "prod", owner_net)
    nat_id = rid("nat", "prod-nat-a")
    nat_nic = eni(pub_a, "prod-nat-a/eni", [], description=f"Interface for NAT Gateway {nat_id}", interface_type="nat_gateway",
                  requester="amazon-nat", service="nat", public=(nat_eip["public_ip"], nat_eip["id"]), managed_owner="amazon-nat")
    bind_eip(nat_eip, nat_nic)
    R["nat_gateways"].append({"id": nat_id, "account_id": PROD, "region": EU, "arn": arn("nat", PROD, EU, nat_id),
                              "vpc_id": prod["id"], "subnet_id": pub_a["id"], "connectivity": "public", "state": "available",
                              "addresses": [{"allocation_id": nat_eip["id"], "network_interface_id": nat_nic["id"],
                                             "private_ip": nat_nic["private_ips"][0]["address"], "public_ip": nat_eip["public_ip"]}],
                              "tags": tags("prod-nat-a", "prod", owner_net)})

    # Prefix lists: AWS's S3 list (used by the gateway endpoint route) and a customer
    # list that someone "temporarily" widened to the whole internet.
    s3_pl = {"id": "pl-6da54004", "account_id": PROD, "region": EU, "arn": f"arn:aws:ec2:{EU}:aws:prefix-list/pl-6da54004",
             "name": "com.amazonaws.eu-west-1.s3", "address_family": "IPv4", "max_entries": None, "owner_id": "AWS",
             "entries": [{"cidr": c, "description": None} for c in ["3.5.64.0/21", "3.5.72.0/23", "52.218.0.0/17", "52.92.40.0/21"]],
             "tags": {}}
    partner_pl = base("pl", PROD, EU, "partner-ingress", tags("partner-ingress", "prod", "integrations@acme.example"))
    partner_pl.update({"name": "partner-ingress", "address_family": "IPv4", "max_entries": 10, "owner_id": PROD,
                       "entries": [{"cidr": "192.0.2.0/24", "description": "Partner A NAT range"},
                                   {"cidr": "0.0.0.0/0", "description": "TEMP: open for partner B onboarding"}]})
    R["managed_prefix_lists"] += [s3_pl, partner_pl]

    # Peering: prod (eu-west-1, 111) <-> staging (us-east-1, 222); both accounts describe it.
    staging = vpc(STAGING, US, "staging", "10.20.0.0/16", None, "staging", owner_net)
    shared = vpc(STAGING, EU, "shared-services", "10.30.0.0/16", None, "shared", owner_net)
    pcx_id = rid("pcx", "prod-staging")
    for acct, region in [(PROD, EU), (STAGING, US)]:
        R["vpc_peering_connections"].append({
            "id": pcx_id, "account_id": acct, "region": region, "arn": arn("pcx", acct, region, pcx_id),
            "requester": {"account_id": PROD, "region": EU, "vpc_id": prod["id"], "cidr_blocks": ["10.10.0.0/16"]},
            "accepter": {"account_id": STAGING, "region": US, "vpc_id": staging["id"], "cidr_blocks": ["10.20.0.0/16"]},
            "status": "active", "tags": tags("prod-to-staging", ENV[acct], owner_net)})

    # Transit gateway in prod, shared with the shared-services VPC (account 222) and the office VPN.
    tgw_id, tgw_rtb_id = rid("tgw", "prod-tgw"), rid("tgw-rtb", "prod-tgw-default")
    R["transit_gateways"].append({"id": tgw_id, "account_id": PROD, "region": EU, "arn": arn("tgw", PROD, EU, tgw_id),
                                  "state": "available", "description": "Acme core transit gateway", "amazon_side_asn": 64512,
                                  "association_default_route_table_id": tgw_rtb_id, "propagation_default_route_table_id": tgw_rtb_id,
                                  "tags": tags("prod-tgw", "prod", owner_net)})
    cgw = base("cgw", PROD, EU, "office", tags("office", "prod", owner_net))
    cgw.update({"ip_address": OFFICE_IP, "bgp_asn": "65000", "device_name": "office-fw-01", "state": "available"})
    R["customer_gateways"].append(cgw)
    vpn = base("vpn", PROD, EU, "office-vpn", tags("office-vpn", "prod", owner_net))
    vpn.update({"customer_gateway_id": cgw["id"], "vpn_gateway_id": None, "transit_gateway_id": tgw_id, "state": "available",
                "static_routes_only": True, "static_routes": [OFFICE_LAN],
                "tunnels": [{"outside_ip": "203.0.113.201", "status": "UP"}, {"outside_ip": "203.0.113.202", "status": "DOWN"}]})
    R["vpn_connections"].append(vpn)

    def attach(name, rtype, resource_id, owner, env, subnets=()):
        a = base("tgw-attach", PROD, EU, name, tags(name, env, owner_net))
        a.update({"transit_gateway_id": tgw_id, "transit_gateway_owner_id": PROD, "resource_type": rtype, "resource_id": resource_id,
                  "resource_owner_id": owner, "state": "available", "association_route_table_id": tgw_rtb_id,
                  "subnet_ids": [s["id"] for s in subnets]})
        R["transit_gateway_attachments"].append(a)
        return a

    shared_a = subnet(shared, "shared-private-a", "a", "10.30.10.0/24", tier="private")
    shared_b = subnet(shared, "shared-private-b", "b", "10.30.11.0/24", tier="private")
    att_prod = attach("prod", "vpc", prod["id"], PROD, "prod", [priv_a, priv_b])
    att_shared = attach("shared-services", "vpc", shared["id"], STAGING, "shared", [shared_a, shared_b])
    att_vpn = attach("office-vpn", "vpn", vpn["id"], PROD, "prod")
    for att, subnets in [(att_prod, [priv_a, priv_b]), (att_shared, [shared_a, shared_b])]:
        for s in subnets:
            eni(s, f"{att['id']}/{s['id']}", [], description=f"Network Interface for Transit Gateway Attachment {att['id']}",
                interface_type="transit_gateway", requester="amazon-tgw", service="transit-gateway", managed_owner="amazon-aws")

    def ref(a):
        return {"attachment_id": a["id"], "resource_type": a["resource_type"], "resource_id": a["resource_id"]}

    R["transit_gateway_route_tables"].append({
        "id": tgw_rtb_id, "account_id": PROD, "region": EU, "arn": arn("tgw-rtb", PROD, EU, tgw_rtb_id), "transit_gateway_id": tgw_id,
        "default_association_route_table": True, "default_propagation_route_table": True,
        "routes": [
            {"destination": {"cidr": "10.10.0.0/16"}, "attachments": [ref(att_prod)], "route_type": "propagated", "state": "active"},
            {"destination": {"cidr": "10.30.0.0/16"}, "attachments": [ref(att_shared)], "route_type": "propagated", "state": "active"},
            {"destination": {"cidr": OFFICE_LAN}, "attachments": [ref(att_vpn)], "route_type": "static", "state": "active"},
            # A decommissioned VPC's range, black-holed on purpose so it cannot be re-used by accident.
            {"destination": {"cidr": "10.99.0.0/16"}, "attachments": [], "route_type": "static", "state": "blackhole"},
        ],
        "associations": [ref(att_prod), ref(att_shared), ref(att_vpn)],
        "propagations": [ref(att_prod), ref(att_shared)],
        "tags": tags("prod-tgw-default", "prod", owner_net)})

    # Endpoints: S3 gateway endpoint (prefix-list routes) and a Secrets Manager interface endpoint.
    s3_vpce_id = rid("vpce", "prod-s3")
    priv_routes = [route("0.0.0.0/0", "nat_gateway", nat_id), route("::/0", "egress_only_internet_gateway", eigw["id"]),
                   route("pl-6da54004", "vpc_endpoint", s3_vpce_id, origin="CreateRoute"),
                   route("10.20.0.0/16", "vpc_peering_connection", pcx_id), route("10.30.0.0/16", "transit_gateway", tgw_id),
                   route(OFFICE_LAN, "transit_gateway", tgw_id)]
    route_table(prod, "prod-main", [], main=True)
    route_table(prod, "prod-public", [route("0.0.0.0/0", "internet_gateway", igw["id"]), route("::/0", "internet_gateway", igw["id"])],
                [pub_a, pub_b, pub_legacy])
    rt_pa = route_table(prod, "prod-private-a", priv_routes, [priv_a])
    rt_pb = route_table(prod, "prod-private-b", priv_routes, [priv_b])
    rt_data = route_table(prod, "prod-data", [route("pl-6da54004", "vpc_endpoint", s3_vpce_id)], [data_a, data_b])
    s3_vpce = base("vpce", PROD, EU, "prod-s3", tags("prod-s3", "prod", owner_net))
    s3_vpce["id"], s3_vpce["arn"] = s3_vpce_id, arn("vpce", PROD, EU, s3_vpce_id)
    s3_vpce.update({"vpc_id": prod["id"], "service_name": "com.amazonaws.eu-west-1.s3", "endpoint_type": "gateway", "state": "available",
                    "route_table_ids": [rt_pa["id"], rt_pb["id"], rt_data["id"]], "subnet_ids": [], "security_group_ids": [],
                    "network_interface_ids": [], "private_dns_enabled": False})

    # NACLs: default (allow all), one with a deny before the allow, one for the data tier.
    nacl(prod, "prod-default", [], [pub_a, pub_b, priv_a, priv_b], default=True)
    nacl(prod, "prod-legacy-nacl", [
        nacl_entry(80, False, "icmp", "allow", "10.0.0.0/8", icmp={"type": -1, "code": -1}),
        nacl_entry(90, False, "tcp", "deny", "0.0.0.0/0", ports=(8080, 8080)),
        nacl_entry(100, False, "all", "allow", "0.0.0.0/0"),
        nacl_entry(100, True, "all", "allow", "0.0.0.0/0"),
    ], [pub_legacy])
    nacl(prod, "prod-data-nacl", [
        nacl_entry(100, False, "tcp", "allow", "10.10.10.0/23", ports=(5432, 5432)),
        nacl_entry(110, False, "tcp", "allow", "10.10.0.0/16", ports=(1024, 65535)),
        nacl_entry(200, False, "all", "deny", "0.0.0.0/0"),
        nacl_entry(100, True, "tcp", "allow", "10.10.0.0/16", ports=(1024, 65535)),
        nacl_entry(110, True, "tcp", "allow", "0.0.0.0/0", ports=(443, 443)),
    ], [data_a, data_b])

    # Security groups: alb -> web -> app -> db, plus one group per exposure case.
    default_sg(prod)
    alb_sg = sg(prod, "prod-alb-sg", "Internet-facing ALB", [
        rule("prod-alb-sg", 1, "tcp", (443, 443), cidr("0.0.0.0/0"), "HTTPS from anywhere"),
        rule("prod-alb-sg", 2, "tcp", (80, 80), cidr("0.0.0.0/0"), "HTTP redirect to HTTPS")])
    web_sg = sg(prod, "prod-web-sg", "Web tier, behind the ALB")
    bastion_sg = sg(prod, "prod-bastion-sg", "SSH bastion, office only", [
        rule("prod-bastion-sg", 1, "tcp", (22, 22), cidr(f"{OFFICE_IP}/32"), "SSH from office firewall")])
    web_sg["ingress"] = [rule("prod-web-sg", 1, "tcp", (8080, 8080), sgref(alb_sg), "from ALB"),
                         rule("prod-web-sg", 2, "tcp", (22, 22), sgref(bastion_sg), "SSH from bastion")]
    alb_sg["egress"] = [rule("prod-alb-sg", "egress-web", "tcp", (8080, 8080), sgref(web_sg), "to web tier")]
    app_sg = sg(prod, "prod-app-sg", "Application tier", [
        rule("prod-app-sg", 1, "tcp", (8443, 8443), sgref(web_sg), "API from web tier"),
        rule("prod-app-sg", 2, "tcp", (22, 22), sgref(bastion_sg), "SSH from bastion"),
        rule("prod-app-sg", 3, "icmp", None, cidr("10.10.0.0/16"), "ping from VPC", icmp={"type": 8, "code": -1})])
    lambda_sg = sg(prod, "prod-lambda-sg", "Thumbnailer Lambda (egress only)")
    db_sg = sg(prod, "prod-db-sg", "PostgreSQL (RDS)", [
        rule("prod-db-sg", 1, "tcp", (5432, 5432), sgref(app_sg), "from app tier"),
        rule("prod-db-sg", 2, "tcp", (5432, 5432), sgref(lambda_sg), "from thumbnailer")], data="restricted")
    vpce_sg = sg(prod, "prod-vpce-sg", "Interface endpoints", [
        rule("prod-vpce-sg", 1, "tcp", (443, 443), cidr("10.10.0.0/16"), "HTTPS from VPC")])
    legacy_sg = sg(prod, "prod-legacy-sg", "Legacy reporting", [
        rule("prod-legacy-sg", 1, "tcp", (8080, 8080), cidr("0.0.0.0/0"), "reports (blocked by NACL)")])
    batch_sg = sg(prod, "prod-batch-sg", "Batch workers", [
        rule("prod-batch-sg", 1, "tcp", (443, 443), cidr("0.0.0.0/0"), "vendor callback")])
    internal_sg = sg(prod, "prod-internal-api-sg", "Internal API", [
        rule("prod-internal-api-sg", 1, "tcp", (443, 443), cidr("0.0.0.0/0"), "too wide, but no public IP")])
    ipv6_sg = sg(prod, "prod-ipv6-sg", "IPv6 HTTPS", [
        rule("prod-ipv6-sg", 1, "tcp", (443, 443), cidr("::/0"), "HTTPS over IPv6")])
    partner_sg = sg(prod, "prod-partner-sg", "Partner gateway", [
        rule("prod-partner-sg", 1, "tcp", (9443, 9443), {"type": "prefix_list", "prefix_list_id": partner_pl["id"]}, "partners")])

    # Instances and managed-service ENIs.
    bastion_eip = eip(PROD, EU, "prod-bastion-eip", "203.0.113.10", "prod", owner_net)
    instance(pub_a, "prod-bastion-1", [bastion_sg], "t3.micro", eip_=bastion_eip, profile="bastion")
    web_alb = load_balancer(PROD, EU, "prod-web-alb", "application", "internet-facing", [pub_a, pub_b], [alb_sg],
                            tags("prod-web-alb", "prod", owner_web), prod["id"], suffix="50dc6c495c0c9188",
                            attributes=lb_attributes("prod-web-alb", drop_invalid=True))
    lb_enis(web_alb, [pub_a, pub_b], [alb_sg], public=[("203.0.113.30", None), ("203.0.113.31", None)])
    web = [instance(s, f"prod-web-{n}", [web_sg], "m6i.large", asg="prod-web-asg", profile="prod-web")[0]
           for n, s in [(1, priv_a), (2, priv_b)]]
    app = [instance(s, f"prod-app-{n}", [app_sg], "m6i.xlarge", asg="prod-app-asg", data="confidential", profile="prod-app")[0]
           for n, s in [(1, priv_a), (2, priv_b), (3, priv_a), (4, priv_b)]]
    web_tg = target_group(web_alb, "prod-web", "HTTP", 8080, "instance", prod["id"],
                          [(i["id"], 8080, None) for i in web], hc_path="/healthz")
    cert = f"arn:aws:acm:{EU}:{PROD}:certificate/6f0c1e9a-7b1d-4c52-9a43-2f1d8e5b7c10"
    listener(web_alb, "HTTPS", 443, forward(web_tg), ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", certs=[cert],
             rules=[("10", ["path-pattern: /admin/*"], [{"type": "fixed-response", "status_code": "403", "content_type": "text/plain"}])])
    listener(web_alb, "HTTP", 80, {"type": "redirect", "protocol": "HTTPS", "port": "443", "host": None, "path": None, "query": None,
                                   "status_code": "HTTP_301"})

    # Internal ALB in front of the app tier (the web tier calls it on 443).
    app_alb_sg = sg(prod, "prod-app-alb-sg", "Internal ALB for the app tier", [
        rule("prod-app-alb-sg", 1, "tcp", (443, 443), sgref(web_sg), "HTTPS from web tier")])
    app_sg["ingress"].append(rule("prod-app-sg", 4, "tcp", (8443, 8443), sgref(app_alb_sg), "from internal ALB"))
    app_alb = load_balancer(PROD, EU, "prod-app-alb", "application", "internal", [priv_a, priv_b], [app_alb_sg],
                            tags("prod-app-alb", "prod", owner_web), prod["id"], attributes=lb_attributes(drop_invalid=False))
    lb_enis(app_alb, [priv_a, priv_b], [app_alb_sg])
    app_tg = target_group(app_alb, "prod-app", "HTTPS", 8443, "instance", prod["id"],
                          [(i["id"], 8443, None) for i in app], hc_path="/health")
    listener(app_alb, "HTTPS", 443, forward(app_tg), ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
             certs=[f"arn:aws:acm:{EU}:{PROD}:certificate/0b8e3d52-91c4-4a7e-b6f3-5d2c7a9e1f48"])
    eni(data_a, "prod-orders-db", [db_sg], description="RDSNetworkInterface", requester="amazon-rds", service="rds",
        managed_owner="amazon-rds")
    eni(priv_b, "prod-thumbnailer", [lambda_sg], description="AWS Lambda VPC ENI-prod-thumbnailer-3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8",
        interface_type="lambda", requester="AROAEXAMPLEROLEID1234:prod-thumbnailer", service="lambda",
        managed_owner="amazon-aws")
    sm_id = rid("vpce", "prod-secretsmanager")
    sm_nics = [eni(s, f"{sm_id}/{s['id']}", [vpce_sg], description=f"VPC Endpoint Interface {sm_id}", interface_type="vpc_endpoint",
                   requester="727180483921", service="vpc-endpoint", managed_owner="amazon-aws") for s in (priv_a, priv_b)]
    R["vpc_endpoints"] += [s3_vpce, {
        "id": sm_id, "account_id": PROD, "region": EU, "arn": arn("vpce", PROD, EU, sm_id), "vpc_id": prod["id"],
        "service_name": "com.amazonaws.eu-west-1.secretsmanager", "endpoint_type": "interface", "state": "available",
        "route_table_ids": [], "subnet_ids": [priv_a["id"], priv_b["id"]], "security_group_ids": [vpce_sg["id"]],
        "network_interface_ids": [n["id"] for n in sm_nics], "private_dns_enabled": True,
        "tags": tags("prod-secretsmanager", "prod", owner_net)}]

    # Exposure cases (see README.md).
    instance(pub_legacy, "prod-legacy-report-1", [legacy_sg], "t3.large", public="203.0.113.12", data="confidential")
    instance(priv_a, "prod-batch-1", [batch_sg], "c6i.large", public="203.0.113.13")
    instance(pub_b, "prod-internal-api-1", [internal_sg], "t3.medium")
    instance(priv_b, "prod-ipv6-worker-1", [ipv6_sg], "t3.medium", ipv6=["2001:db8:10:11::100"])
    instance(pub_b, "prod-ipv6-web-1", [ipv6_sg], "t3.medium", ipv6=["2001:db8:10:1::100"], data="public")
    partner_eip = eip(PROD, EU, "prod-partner-gw-eip", "203.0.113.20", "prod", "integrations@acme.example")
    partner_gw, partner_nic = instance(pub_b, "prod-partner-gw-1", [partner_sg], "t3.small", eip_=partner_eip)

    # Internet-facing NLB without security groups (its ENI admits any client), to IP
    # targets: the partner gateway and an on-premises host reached over the VPN.
    nlb_eip = eip(PROD, EU, "prod-partner-nlb-eip", "203.0.113.32", "prod", "integrations@acme.example")
    nlb_suffix = lb_suffix("prod-partner-nlb")
    nlb_nic = eni(pub_a, "prod-partner-nlb/eni", [], description=f"ELB net/prod-partner-nlb/{nlb_suffix}",
                  interface_type="network_load_balancer", requester="amazon-elb", service="elb",
                  public=(nlb_eip["public_ip"], nlb_eip["id"]), managed_owner="amazon-elb")
    bind_eip(nlb_eip, nlb_nic)
    nlb = load_balancer(PROD, EU, "prod-partner-nlb", "network", "internet-facing", [pub_a], [],
                        tags("prod-partner-nlb", "prod", "integrations@acme.example"), prod["id"], suffix=nlb_suffix,
                        attributes=lb_attributes(cross_zone=False),
                        addresses=[{"subnet_id": pub_a["id"], "ip_address": nlb_eip["public_ip"], "allocation_id": nlb_eip["id"],
                                    "private_ipv4_address": None, "ipv6_address": None}])
    nlb_tg = target_group(nlb, "prod-partner-ips", "TCP", 9443, "ip", prod["id"],
                          [(partner_nic["private_ips"][0]["address"], 9443, None), ("192.168.10.5", 9443, "all")], hc_protocol="TCP")
    listener(nlb, "TCP", 9443, forward(nlb_tg))

    # ------------------------------------------------------------ staging (222222222222, us-east-1)
    st_pub_a = subnet(staging, "staging-public-a", "a", "10.20.0.0/24", public=True, data="public", tier="public")
    st_pub_b = subnet(staging, "staging-public-b", "b", "10.20.1.0/24", public=True, data="public", tier="public")
    st_legacy = subnet(staging, "staging-legacy-c", "c", "10.20.5.0/24", public=True, tier="public")
    st_priv_a = subnet(staging, "staging-private-a", "a", "10.20.10.0/24", tier="private")
    st_priv_b = subnet(staging, "staging-private-b", "b", "10.20.11.0/24", tier="private")
    st_igw = base("igw", STAGING, US, "staging-igw", tags("staging-igw", "staging", owner_net))
    st_igw["attachments"] = [{"vpc_id": staging["id"], "state": "available"}]
    # Replaced in 2025 and detached, but the legacy route table still points at it.
    old_igw = base("igw", STAGING, US, "staging-igw-old", tags("staging-igw-old", "staging", owner_net))
    old_igw["attachments"] = []
    R["internet_gateways"] += [st_igw, old_igw]
    vgw = base("vgw", STAGING, US, "staging-vgw", tags("staging-vgw", "staging", owner_net))
    vgw.update({"state": "available", "amazon_side_asn": 64513, "attachments": [{"vpc_id": staging["id"], "state": "attached"}]})
    R["vpn_gateways"].append(vgw)
    cgw_us = base("cgw", STAGING, US, "office-us", tags("office-us", "staging", owner_net))
    cgw_us.update({"ip_address": OFFICE_US_IP, "bgp_asn": "65001", "device_name": "office-us-fw-01", "state": "available"})
    R["customer_gateways"].append(cgw_us)
    vpn_us = base("vpn", STAGING, US, "staging-office-vpn", tags("staging-office-vpn", "staging", owner_net))
    vpn_us.update({"customer_gateway_id": cgw_us["id"], "vpn_gateway_id": vgw["id"], "transit_gateway_id": None, "state": "available",
                   "static_routes_only": True, "static_routes": [OFFICE_LAN],
                   "tunnels": [{"outside_ip": "203.0.113.211", "status": "UP"}, {"outside_ip": "203.0.113.212", "status": "UP"}]})
    R["vpn_connections"].append(vpn_us)

    st_nat_eip = eip(STAGING, US, "staging-nat-a-eip", "203.0.113.45", "staging", owner_net)
    st_nat_id = rid("nat", "staging-nat-a")
    st_nat_nic = eni(st_pub_a, "staging-nat-a/eni", [], description=f"Interface for NAT Gateway {st_nat_id}", interface_type="nat_gateway",
                     requester="amazon-nat", service="nat", public=(st_nat_eip["public_ip"], st_nat_eip["id"]), managed_owner="amazon-nat")
    bind_eip(st_nat_eip, st_nat_nic)
    R["nat_gateways"].append({"id": st_nat_id, "account_id": STAGING, "region": US, "arn": arn("nat", STAGING, US, st_nat_id),
                              "vpc_id": staging["id"], "subnet_id": st_pub_a["id"], "connectivity": "public", "state": "available",
                              "addresses": [{"allocation_id": st_nat_eip["id"], "network_interface_id": st_nat_nic["id"],
                                             "private_ip": st_nat_nic["private_ips"][0]["address"], "public_ip": st_nat_eip["public_ip"]}],
                              "tags": tags("staging-nat-a", "staging", owner_net)})
    eip(STAGING, US, "staging-spare-eip", "203.0.113.99", "staging", owner_net)  # allocated, unused

    # The main table routes to the IGW: staging-public-a has no explicit association and uses it.
    route_table(staging, "staging-main", [route("0.0.0.0/0", "internet_gateway", st_igw["id"])], main=True)
    route_table(staging, "staging-public", [route("0.0.0.0/0", "internet_gateway", st_igw["id"])], [st_pub_b])
    route_table(staging, "staging-private", [
        route("0.0.0.0/0", "nat_gateway", st_nat_id), route("10.10.0.0/16", "vpc_peering_connection", pcx_id),
        route(OFFICE_LAN, "vpn_gateway", vgw["id"], origin="EnableVgwRoutePropagation")], [st_priv_a, st_priv_b], vgws=[vgw["id"]])
    route_table(staging, "staging-legacy", [route("0.0.0.0/0", "internet_gateway", old_igw["id"], state="blackhole")], [st_legacy])

    nacl(staging, "staging-default", [], [st_pub_a, st_legacy, st_priv_a, st_priv_b], default=True)
    nacl(staging, "staging-strict-nacl", [
        nacl_entry(100, False, "tcp", "allow", "0.0.0.0/0", ports=(443, 443)),
        # Only 443 outbound: replies to inbound connections go to ephemeral ports and are dropped.
        nacl_entry(100, True, "tcp", "allow", "0.0.0.0/0", ports=(443, 443)),
    ], [st_pub_b])

    default_sg(staging)
    st_web_sg = sg(staging, "staging-web-sg", "Staging web", [
        rule("staging-web-sg", 1, "tcp", (80, 80), cidr("0.0.0.0/0"), "HTTP for testers")])
    st_app_sg = sg(staging, "staging-app-sg", "Staging app", [
        rule("staging-app-sg", 1, "tcp", (8443, 8443), sgref(st_web_sg), "from web"),
        rule("staging-app-sg", 2, "tcp", (22, 22), cidr("10.10.0.0/24"), "SSH from prod bastion subnet over peering")])
    st_orphan_sg = sg(staging, "staging-orphan-sg", "Old test box", [
        rule("staging-orphan-sg", 1, "tcp", (22, 22), cidr("0.0.0.0/0"), "SSH from anywhere")])
    st_api_sg = sg(staging, "staging-api-sg", "Staging public API", [
        rule("staging-api-sg", 1, "tcp", (443, 443), cidr("0.0.0.0/0"), "HTTPS")])

    instance(st_pub_a, "staging-web-1", [st_web_sg], "t3.small", public="203.0.113.40", data="public")
    st_app = [instance(s, f"staging-app-{n}", [st_app_sg], "t3.large", asg="staging-app-asg", profile="staging-app")[0]
              for n, s in [(1, st_priv_a), (2, st_priv_b)]]
    # A Classic ELB still in front of one staging app server (internal).
    st_elb_sg = sg(staging, "staging-elb-sg", "Legacy Classic ELB", [
        rule("staging-elb-sg", 1, "tcp", (80, 80), cidr("10.20.0.0/16"), "HTTP from the VPC")])
    st_app_sg["ingress"].append(rule("staging-app-sg", 3, "tcp", (8443, 8443), sgref(st_elb_sg), "from the Classic ELB"))
    classic = load_balancer(STAGING, US, "staging-legacy-elb", "classic", "internal", [st_priv_a], [st_elb_sg],
                            tags("staging-legacy-elb", "staging", owner_web), staging["id"],
                            listeners=[{"protocol": "HTTP", "port": 80, "instance_protocol": "HTTP", "instance_port": 8443,
                                        "ssl_certificate_id": None, "policy_names": []}],
                            instances=[{"instance_id": st_app[0]["id"], "state": "InService", "reason_code": "N/A", "description": "N/A"}])
    lb_enis(classic, [st_priv_a], [st_elb_sg])
    instance(st_legacy, "staging-orphan-1", [st_orphan_sg], "t2.micro", public="203.0.113.50", launched="2024-03-11T15:02:44Z")
    instance(st_pub_b, "staging-api-1", [st_api_sg], "t3.small", public="203.0.113.60")

    # ------------------------------------------------------------ shared services (222222222222, eu-west-1)
    route_table(shared, "shared-main", [], main=True)
    route_table(shared, "shared-private", [route("10.10.0.0/16", "transit_gateway", tgw_id), route(OFFICE_LAN, "transit_gateway", tgw_id)],
                [shared_a, shared_b])
    nacl(shared, "shared-default", [], [shared_a, shared_b], default=True)
    default_sg(shared)
    ad_sg = sg(shared, "shared-ad-sg", "Active Directory domain controllers", [
        rule("shared-ad-sg", 1, "tcp", (53, 53), cidr("10.0.0.0/8"), "DNS"),
        rule("shared-ad-sg", 2, "udp", (53, 53), cidr("10.0.0.0/8"), "DNS"),
        rule("shared-ad-sg", 3, "tcp", (88, 88), cidr("10.0.0.0/8"), "Kerberos"),
        rule("shared-ad-sg", 4, "tcp", (636, 636), cidr("10.0.0.0/8"), "LDAPS"),
        rule("shared-ad-sg", 5, "tcp", (636, 636), cidr(OFFICE_LAN), "LDAPS from office")], data="confidential")
    for n, s in [(1, shared_a), (2, shared_b)]:
        instance(s, f"shared-ad-{n}", [ad_sg], "m6i.large", platform="windows", data="confidential", profile="domain-controller")

    # Free addresses per subnet: /24 minus 5 AWS-reserved minus what is used.
    for s in R["subnets"]:
        used = IPS.next.get(s["id"], 10) - 10
        size = ipaddress.ip_network(s["cidr_block"]).num_addresses
        s["available_ip_address_count"] = size - 5 - used


API_KIND = [
    ("ec2:DescribeAddresses", "elastic_ips"), ("ec2:DescribeAvailabilityZones", "availability_zones"),
    ("ec2:DescribeCustomerGateways", "customer_gateways"),
    ("ec2:DescribeEgressOnlyInternetGateways", "egress_only_internet_gateways"),
    ("ec2:DescribeInstances", "instances"), ("ec2:DescribeInternetGateways", "internet_gateways"),
    ("ec2:DescribeManagedPrefixLists", "managed_prefix_lists"), ("ec2:DescribeNatGateways", "nat_gateways"),
    ("ec2:DescribeNetworkAcls", "network_acls"), ("ec2:DescribeNetworkInterfaces", "network_interfaces"),
    ("ec2:DescribeRegions", "regions"), ("ec2:DescribeRouteTables", "route_tables"),
    ("ec2:DescribeSecurityGroups", "security_groups"), ("ec2:DescribeSubnets", "subnets"),
    ("ec2:DescribeTransitGatewayAttachments", "transit_gateway_attachments"),
    ("ec2:DescribeTransitGatewayRouteTables", "transit_gateway_route_tables"),
    ("ec2:DescribeTransitGateways", "transit_gateways"), ("ec2:DescribeVpcEndpoints", "vpc_endpoints"),
    ("ec2:DescribeVpcPeeringConnections", "vpc_peering_connections"), ("ec2:DescribeVpcs", "vpcs"),
    ("ec2:DescribeVpnConnections", "vpn_connections"), ("ec2:DescribeVpnGateways", "vpn_gateways"),
    ("elasticloadbalancing:DescribeLoadBalancers", "load_balancers"),
    ("elasticloadbalancing:DescribeLoadBalancers (classic)", "load_balancers"),
    ("elasticloadbalancing:DescribeListeners", "listeners"), ("elasticloadbalancing:DescribeTargetGroups", "target_groups"),
]


def counts(api, r):
    """Whether a resource is one the API lists (v2 and Classic share the load balancer list)."""
    if api.endswith("DescribeLoadBalancers"):
        return r["type"] != "classic"
    if api.endswith("(classic)"):
        return r["type"] == "classic"
    return True


def coverage():
    out = []
    for acct in (PROD, STAGING):
        out.append({"account_id": acct, "region": "global", "api": "sts:GetCallerIdentity", "status": "ok", "items": 1, "pages": 1,
                    "retries": 0, "duration_ms": 212 if acct == PROD else 348, "error_code": None, "error_message": None})
        for region in (EU, US):
            for api, kind in API_KIND:
                items = sum(1 for r in R[kind] if r["account_id"] == acct and r["region"] == region and counts(api, r))
                h = int(hashlib.sha256(f"{acct}{region}{api}".encode()).hexdigest()[:4], 16)
                out.append({"account_id": acct, "region": region, "api": api, "status": "ok", "items": items, "pages": 1,
                            "retries": 0, "duration_ms": 60 + h % 400, "error_code": None, "error_message": None})
    return out


def main():
    build()
    snapshot = {
        "schema_version": 1,
        "generator": {"name": "auditmap", "version": "0.1.0"},
        "collected_at": COLLECTED_AT,
        "scope": {"accounts": [PROD, STAGING], "regions_requested": [EU, US], "regions_discovered": [EU, US]},
        "identity": [
            {"account_id": PROD, "caller_arn": f"arn:aws:sts::{PROD}:assumed-role/AWSReservedSSO_SecurityAudit_5f3c2a1b9d8e7f60/auditor@acme.example",
             "assumed_role_arn": None},
            {"account_id": STAGING, "caller_arn": f"arn:aws:sts::{STAGING}:assumed-role/AuditMapReadOnly/auditmap",
             "assumed_role_arn": f"arn:aws:iam::{STAGING}:role/AuditMapReadOnly"},
        ],
        "coverage": coverage(),
        "resources": R,
    }
    json.dump(snapshot, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
