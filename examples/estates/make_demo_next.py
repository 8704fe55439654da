#!/usr/bin/env python3
"""Writes demo-next.json: the demo estate a week later, for `auditmap diff` tests.

Changes from demo.json (tests/diff_cli.rs holds the exact expected diff):
- prod-bastion-sg gains a world-open SSH rule (tcp/22 from 0.0.0.0/0);
- staging-orphan-1 (i-024bd1894ca47933e) is terminated (its ENI is gone);
- a new public host prod-web-public-1 with its own group open on tcp/443;
- NACL acl-0e9ed372fe4bc235f loses inbound rule #90 (deny tcp/8080);
- ec2:DescribeInstances is denied in 222222222222/eu-west-1, so the two shared-ad
  instances there are not in the snapshot (unknown, not removed).

Run from the repository root: python3 examples/estates/make_demo_next.py
"""
import copy
import json

SRC = "examples/estates/demo.json"
DST = "examples/estates/demo-next.json"

d = json.load(open(SRC))
d["collected_at"] = "2026-11-27T09:30:00Z"
r = d["resources"]


def find(kind, rid):
    return next(x for x in r[kind] if x["id"] == rid)


# 1. World-open SSH on the bastion.
find("security_groups", "sg-0fc783549fafee1df")["ingress"].append({
    "rule_id": "sgr-0c0ffee0000000022", "protocol": "tcp", "ports": {"from": 22, "to": 22}, "icmp": None,
    "peer": {"type": "cidr", "cidr": "0.0.0.0/0"}, "description": "temporary: vendor access"})

# 2. staging-orphan-1 terminated: AWS keeps the instance a while, without its interface.
orphan = find("instances", "i-024bd1894ca47933e")
orphan_eni = orphan["network_interface_ids"][0]
orphan.update(state="terminated", public_ip=None, private_ip=None, network_interface_ids=[], security_group_ids=[])
r["network_interfaces"] = [e for e in r["network_interfaces"] if e["id"] != orphan_eni]

# 3. A new public web host in prod-public-a with its own group.
bastion = find("instances", "i-0c1425424139e128e")
bastion_eni = find("network_interfaces", "eni-02ddc55598d602106")
host = copy.deepcopy(bastion)
host.update(id="i-0a11c0ffee0000001", arn="arn:aws:ec2:eu-west-1:111111111111:instance/i-0a11c0ffee0000001",
            private_ip="10.10.0.30", public_ip="203.0.113.30", network_interface_ids=["eni-0a11c0ffee0000001"],
            security_group_ids=["sg-0a11c0ffee0000001"], launch_time="2026-11-25T10:00:00Z")
host["tags"] = {"Environment": "prod", "Name": "prod-web-public-1", "Owner": "web-team@acme.example"}
r["instances"].append(host)
eni = copy.deepcopy(bastion_eni)
eni.update(id="eni-0a11c0ffee0000001",
           arn="arn:aws:ec2:eu-west-1:111111111111:network-interface/eni-0a11c0ffee0000001",
           private_ips=[{"address": "10.10.0.30", "primary": True,
                         "association": {"public_ip": "203.0.113.30", "allocation_id": None, "ip_owner_id": "amazon"}}],
           security_group_ids=["sg-0a11c0ffee0000001"])
eni["attachment"]["instance_id"] = "i-0a11c0ffee0000001"
eni["tags"] = {"Environment": "prod", "Name": "prod-web-public-1-eth0", "Owner": "web-team@acme.example"}
r["network_interfaces"].append(eni)
sg = copy.deepcopy(find("security_groups", "sg-0fc783549fafee1df"))
sg.update(id="sg-0a11c0ffee0000001", arn="arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0a11c0ffee0000001",
          group_name="prod-web-public-sg", description="Public HTTPS")
sg["ingress"] = [{"rule_id": "sgr-0c0ffee0000000443", "protocol": "tcp", "ports": {"from": 443, "to": 443},
                  "icmp": None, "peer": {"type": "cidr", "cidr": "0.0.0.0/0"}, "description": "HTTPS"}]
sg["egress"] = [{"rule_id": "sgr-0c0ffee00000000e1", "protocol": "all", "ports": None, "icmp": None,
                 "peer": {"type": "cidr", "cidr": "0.0.0.0/0"}, "description": None}]
sg["tags"] = {"Environment": "prod", "Name": "prod-web-public-sg", "Owner": "web-team@acme.example"}
r["security_groups"].append(sg)

# 4. NACL rule #90 (inbound deny tcp/8080) removed.
acl = find("network_acls", "acl-0e9ed372fe4bc235f")
acl["entries"] = [e for e in acl["entries"] if not (e["rule_number"] == 90 and not e["egress"])]

# 5. DescribeInstances denied in 222222222222/eu-west-1: its instances are not listed.
for c in d["coverage"]:
    if (c["account_id"], c["region"], c["api"]) == ("222222222222", "eu-west-1", "ec2:DescribeInstances"):
        c.update(status="denied", items=0, pages=0, error_code="UnauthorizedOperation",
                 error_message="You are not authorized to perform this operation.")
r["instances"] = [i for i in r["instances"] if not (i["account_id"] == "222222222222" and i["region"] == "eu-west-1")]

for kind in r.values():
    kind.sort(key=lambda x: (x["id"], x["account_id"]))
with open(DST, "w") as f:
    json.dump(d, f, indent=2, ensure_ascii=False)
    f.write("\n")
