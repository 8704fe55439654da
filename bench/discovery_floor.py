"""The floor of a discovery run through a proxy that delays every request by DELAY ms:
DELAY x the longest chain of dependent calls. The chain starts with GetCallerIdentity,
or AssumeRole for a --role-arn account (they go out together; the account's own
GetCallerIdentity runs alongside its reads), or with --org-role GetCallerIdentity, one
ListAccounts page and AssumeRole. Then DescribeRegions, then in some region the API
with the most pages, or a parent listing
followed by the pages of one of its children (TGW route tables -> routes/associations/
propagations, prefix lists -> entries). Child pages are per parent item (records sum
them over all parents), so a child's chain is counted as its pages per parent, rounded up.

usage: discovery_floor.py SNAPSHOT.json DELAY_MS  ->  prints "<chain> <floor_ms> <requests>"
"""
import json
import math
import sys
from collections import defaultdict

CHILDREN = {
    "ec2:DescribeTransitGatewayRouteTables": ["ec2:SearchTransitGatewayRoutes",
                                              "ec2:GetTransitGatewayRouteTableAssociations",
                                              "ec2:GetTransitGatewayRouteTablePropagations"],
    "ec2:DescribeManagedPrefixLists": ["ec2:GetManagedPrefixListEntries"],
}
GLOBAL = {"sts:GetCallerIdentity", "ec2:DescribeRegions", "organizations:ListAccounts", "sts:AssumeRole"}

snap = json.load(open(sys.argv[1]))
delay = float(sys.argv[2])
by = defaultdict(dict)
requests = 0
for c in snap["coverage"]:
    requests += c.get("pages", 0) + c.get("retries", 0)
    by[(c["account_id"], c["region"])][c["api"]] = c
CHILD_APIS = {c for cs in CHILDREN.values() for c in cs}
longest = 0
for key, apis in by.items():
    for api, c in apis.items():
        if api in GLOBAL or api in CHILD_APIS:  # children count with their parent
            continue
        chain = c.get("pages", 0)
        for child in CHILDREN.get(api, []):
            cc = apis.get(child)
            if cc and c.get("items", 0) > 0:
                chain = max(chain, c.get("pages", 0) + math.ceil(cc.get("pages", 0) / c["items"]))
        longest = max(longest, chain)
apis = {c["api"] for c in snap["coverage"] if c.get("status") == "ok"}
# Org accounts start per ListAccounts page, so the listing adds one call, not all its pages.
before_regions = 3 if {"organizations:ListAccounts", "sts:AssumeRole"} <= apis else 1
chain = before_regions + 1 + longest  # ..., DescribeRegions, the longest regional chain
# Second bound, for context: with C requests in flight at most, R requests need R*delay/C.
print(chain, chain * delay, requests)
