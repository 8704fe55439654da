"""Seeds a multi-region, multi-account estate into a moto server and prints the ids
of everything it created as JSON, so the Rust tests can check discovery found it all.

usage: seed_estate.py ENDPOINT_URL [--org]
"""
import json
import sys

import boto3

ENDPOINT = sys.argv[1]
WITH_ORG = "--org" in sys.argv[2:]
MAIN = "123456789012"  # moto's default account
OTHER = "111111111111"  # reached through sts:AssumeRole, as discovery does


def client(service, region, key="testing", secret="testing", token=None):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def tags(name, **more):
    t = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in more.items()]
    return t


def tagspec(kind, name, **more):
    return [{"ResourceType": kind, "Tags": tags(name, **more)}]


out = {"accounts": {}}


def seed_main():
    e = client("ec2", "us-east-1")
    ids = {}
    vpc = e.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True, TagSpecifications=tagspec("vpc", "prod", env="prod"))["Vpc"]
    vpc_id = vpc["VpcId"]
    v6 = e.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    ids["vpc"] = vpc_id
    pub = e.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a", Ipv6CidrBlock=v6.replace("/56", "/64"), TagSpecifications=tagspec("subnet", "public"))["Subnet"]["SubnetId"]
    priv = e.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b", TagSpecifications=tagspec("subnet", "private"))["Subnet"]["SubnetId"]
    e.modify_subnet_attribute(SubnetId=pub, MapPublicIpOnLaunch={"Value": True})
    ids["subnets"] = [pub, priv]
    igw = e.create_internet_gateway(TagSpecifications=tagspec("internet-gateway", "igw"))["InternetGateway"]["InternetGatewayId"]
    e.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ids["igw"] = igw
    eigw = e.create_egress_only_internet_gateway(VpcId=vpc_id)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    ids["eigw"] = eigw
    rt = e.create_route_table(VpcId=vpc_id, TagSpecifications=tagspec("route-table", "public-rt"))["RouteTable"]["RouteTableId"]
    e.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    e.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    e.associate_route_table(RouteTableId=rt, SubnetId=pub)
    ids["route_table"] = rt
    alloc_nat = e.allocate_address(Domain="vpc")["AllocationId"]
    nat = e.create_nat_gateway(SubnetId=pub, AllocationId=alloc_nat, TagSpecifications=tagspec("natgateway", "nat"))["NatGateway"]["NatGatewayId"]
    ids["nat"] = nat
    priv_rt = e.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    e.create_route(RouteTableId=priv_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    e.associate_route_table(RouteTableId=priv_rt, SubnetId=priv)
    ids["private_route_table"] = priv_rt

    pl = e.create_managed_prefix_list(
        PrefixListName="office", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "198.51.100.0/24", "Description": "hq"}, {"Cidr": "203.0.113.0/24", "Description": "branch"}],
        TagSpecifications=tagspec("prefix-list", "office"),
    )["PrefixList"]["PrefixListId"]
    ids["prefix_list"] = pl
    web = e.create_security_group(GroupName="web", Description="web tier", VpcId=vpc_id, TagSpecifications=tagspec("security-group", "web"))["GroupId"]
    app = e.create_security_group(GroupName="app", Description="app tier", VpcId=vpc_id)["GroupId"]
    e.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl}]},
    ])
    e.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]},
    ])
    ids["sg_web"], ids["sg_app"] = web, app

    acl = e.create_network_acl(VpcId=vpc_id, TagSpecifications=tagspec("network-acl", "public-acl"))["NetworkAcl"]["NetworkAclId"]
    e.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    e.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="6", RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    e.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0")
    # Move the public subnet from the default ACL to the custom one.
    assoc = [a for n in e.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [pub]}])["NetworkAcls"] for a in n["Associations"] if a["SubnetId"] == pub][0]
    e.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
    ids["nacl"] = acl

    # Launched with an explicit interface: moto then reports the groups on the ENI only.
    inst = e.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": pub, "Groups": [web], "AssociatePublicIpAddress": False}],
        TagSpecifications=tagspec("instance", "web-1", owner="team-a"),
    )["Instances"][0]
    ids["instance"] = inst["InstanceId"]
    eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ids["instance_eni"] = eni
    alloc = e.allocate_address(Domain="vpc", TagSpecifications=tagspec("elastic-ip", "web-eip"))
    e.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni)
    ids["eip"] = alloc["AllocationId"]
    ids["eip_public_ip"] = alloc["PublicIp"]
    ids["eip_nat"] = alloc_nat
    lone = e.create_network_interface(SubnetId=priv, Groups=[app], Description="ELB app/my-alb/50dc6c495c0c9188")["NetworkInterface"]["NetworkInterfaceId"]
    ids["elb_eni"] = lone

    seed_load_balancers(e, ids, vpc_id, pub, priv, inst["InstanceId"])

    vpce = e.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[priv_rt])["VpcEndpoint"]["VpcEndpointId"]
    ids["vpc_endpoint"] = vpce

    tgw = e.create_transit_gateway(Description="core", Options={"AmazonSideAsn": 64512}, TagSpecifications=tagspec("transit-gateway", "core-tgw"))["TransitGateway"]["TransitGatewayId"]
    ids["tgw"] = tgw
    att = e.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc_id, SubnetIds=[priv])["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    ids["tgw_attachment"] = att
    tgw_rt = e.create_transit_gateway_route_table(TransitGatewayId=tgw, TagSpecifications=tagspec("transit-gateway-route-table", "core-rt"))["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    ids["tgw_route_table"] = tgw_rt
    e.associate_transit_gateway_route_table(TransitGatewayRouteTableId=tgw_rt, TransitGatewayAttachmentId=att)
    e.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=tgw_rt, TransitGatewayAttachmentId=att)
    e.create_transit_gateway_route(DestinationCidrBlock="172.16.0.0/12", TransitGatewayRouteTableId=tgw_rt, TransitGatewayAttachmentId=att)
    e.create_transit_gateway_route(DestinationCidrBlock="192.0.2.0/24", TransitGatewayRouteTableId=tgw_rt, Blackhole=True)

    vgw = e.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=65001, TagSpecifications=tagspec("vpn-gateway", "vgw"))["VpnGateway"]["VpnGatewayId"]
    e.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc_id)
    cgw = e.create_customer_gateway(Type="ipsec.1", PublicIp="198.51.100.10", BgpAsn=65000, TagSpecifications=tagspec("customer-gateway", "office-cgw"))["CustomerGateway"]["CustomerGatewayId"]
    vpn = e.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw, Options={"StaticRoutesOnly": True})["VpnConnection"]["VpnConnectionId"]
    ids["vgw"], ids["cgw"], ids["vpn"] = vgw, cgw, vpn

    # Second region, peered across regions.
    w = client("ec2", "eu-west-1")
    vpc2 = w.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=tagspec("vpc", "eu"))["Vpc"]["VpcId"]
    sn2 = w.create_subnet(VpcId=vpc2, CidrBlock="10.1.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    pcx = e.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=vpc2, PeerRegion="eu-west-1", TagSpecifications=tagspec("vpc-peering-connection", "us-eu"))["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    w.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    e.create_route(RouteTableId=priv_rt, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ids["eu_vpc"], ids["eu_subnet"], ids["peering"] = vpc2, sn2, pcx
    out["accounts"][MAIN] = ids


def open_sg(e, vpc_id, name, ports, cidr="0.0.0.0/0"):
    g = e.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    e.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": cidr}]} for p in ports])
    return g


def seed_load_balancers(e, ids, vpc_id, pub, priv, instance_id):
    """The load balancer cases (moto creates no ENIs for them)."""
    v2 = client("elbv2", "us-east-1")
    cert = client("acm", "us-east-1").request_certificate(DomainName="www.example.com")["CertificateArn"]
    ids["certificate"] = cert

    def lb(name, groups, scheme, kind="application", subnets=(pub, priv)):
        args = {"Name": name, "Subnets": list(subnets), "Scheme": scheme, "Type": kind}
        if groups:
            args["SecurityGroups"] = groups
        return v2.create_load_balancer(**args)["LoadBalancers"][0]["LoadBalancerArn"]

    def tg(name, protocol, port, kind, targets):
        more = {"HealthCheckPath": "/health"} if protocol == "HTTP" else {}
        arn = v2.create_target_group(Name=name, Protocol=protocol, Port=port, VpcId=vpc_id, TargetType=kind, **more)["TargetGroups"][0]["TargetGroupArn"]
        if targets:
            v2.register_targets(TargetGroupArn=arn, Targets=targets)
        return arn

    def listener(lb_arn, protocol, port, action, **more):
        return v2.create_listener(LoadBalancerArn=lb_arn, Protocol=protocol, Port=port, DefaultActions=[action], **more)["Listeners"][0]["ListenerArn"]

    def forward(arn):
        return {"Type": "forward", "TargetGroupArn": arn}

    # Internet-facing ALB: its group admits 80 and 443, but it only listens on 443.
    ids["sg_alb"] = open_sg(e, vpc_id, "alb", (80, 443))
    ids["alb"] = lb("web-alb", [ids["sg_alb"]], "internet-facing")
    ids["tg_web"] = tg("web", "HTTP", 8080, "instance", [{"Id": instance_id, "Port": 8080}])
    ids["alb_https"] = listener(ids["alb"], "HTTPS", 443, forward(ids["tg_web"]),
                                SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", Certificates=[{"CertificateArn": cert}])
    v2.create_rule(ListenerArn=ids["alb_https"], Priority=10, Conditions=[{"Field": "path-pattern", "Values": ["/admin/*"]}],
                   Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain"}}])
    v2.modify_load_balancer_attributes(LoadBalancerArn=ids["alb"], Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}])
    # Internet-facing NLB without security groups, to IP targets (one outside the VPC).
    ids["nlb"] = lb("edge-nlb", [], "internet-facing", kind="network", subnets=(pub,))
    ids["tg_ips"] = tg("edge-ips", "TCP", 443, "ip", [{"Id": "10.0.1.50", "Port": 443}])
    ids["nlb_tcp"] = listener(ids["nlb"], "TCP", 443, forward(ids["tg_ips"]))
    # Client IP preservation turned on (the default for TCP to IP targets is off).
    v2.modify_target_group_attributes(TargetGroupArn=ids["tg_ips"], Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "true"}])
    # Internal ALB whose group is open to the world.
    ids["sg_internal_alb"] = open_sg(e, vpc_id, "internal-alb", (80,))
    ids["internal_alb"] = lb("internal-alb", [ids["sg_internal_alb"]], "internal")
    ids["tg_app"] = tg("app", "HTTP", 8080, "instance", [])
    listener(ids["internal_alb"], "HTTP", 80, forward(ids["tg_app"]))
    # Internet-facing ALB whose group admits its listener port only from 10.0.0.0/8.
    ids["sg_partner_alb"] = open_sg(e, vpc_id, "partner-alb", (8443,), cidr="10.0.0.0/8")
    ids["partner_alb"] = lb("partner-alb", [ids["sg_partner_alb"]], "internet-facing")
    ids["partner_redirect"] = listener(ids["partner_alb"], "HTTP", 8443,
                                       {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}})
    # Classic ELB with one registered instance.
    classic = client("elb", "us-east-1")
    classic.create_load_balancer(LoadBalancerName="legacy-web", Subnets=[pub], SecurityGroups=[ids["sg_alb"]], Scheme="internet-facing",
                                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}])
    classic.register_instances_with_load_balancer(LoadBalancerName="legacy-web", Instances=[{"InstanceId": instance_id}])
    ids["classic"] = "legacy-web"


def assumed(account, role, service, region):
    sts = client("sts", "us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="seed")["Credentials"]
    return client(service, region, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])


def seed_other():
    e = assumed(OTHER, "audit", "ec2", "us-east-1")
    vpc = e.create_vpc(CidrBlock="10.50.0.0/16", TagSpecifications=tagspec("vpc", "other"))["Vpc"]["VpcId"]
    sn = e.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    out["accounts"][OTHER] = {"vpc": vpc, "subnets": [sn]}


def seed_org():
    org = client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    acct = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]
    member = acct["AccountId"]
    e = assumed(member, "OrganizationAccountAccessRole", "ec2", "us-east-1")
    vpc = e.create_vpc(CidrBlock="10.60.0.0/16", TagSpecifications=tagspec("vpc", "member"))["Vpc"]["VpcId"]
    out["accounts"][member] = {"vpc": vpc, "subnets": [], "org_name": "member"}
    out["org_member"] = member


seed_main()
seed_other()
if WITH_ORG:
    seed_org()
print(json.dumps(out, indent=1, sort_keys=True))
