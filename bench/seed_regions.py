"""Seeds moto with a discovery benchmark estate: in each region of each account a VPC
with subnets, an internet gateway, a route table, security groups and INSTANCES instances.

usage: seed_regions.py ENDPOINT REGION[,REGION...] INSTANCES [ACCOUNTS]
ACCOUNTS (default 1): moto's default account 123456789012, then 111111111111,
222222222222, ... reached with sts:AssumeRole on role "audit" (moto accepts any role).
Prints a JSON summary (accounts, regions, instances per region) on stdout."""
import json
import sys

import boto3


MAIN = "123456789012"


def accounts(k):
    return [MAIN] + [str(i) * 12 for i in range(1, k)]


def ec2(endpoint, region, account):
    keys = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    if account != MAIN:
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint, **keys)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/audit", RoleSessionName="seed")["Credentials"]
        keys = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                    aws_session_token=c["SessionToken"])
    return boto3.client("ec2", region_name=region, endpoint_url=endpoint, **keys)


def main():
    endpoint, regions, n = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    accts = accounts(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    for account in accts:
        for region in regions:
            seed_region(ec2(endpoint, region, account), n)
    json.dump({"accounts": accts, "regions": regions, "instances_per_region": n}, sys.stdout)


def seed_region(e, n):
    vpc = e.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [e.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24")["Subnet"]["SubnetId"] for i in range(4)]
    igw = e.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    e.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = e.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    e.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    e.associate_route_table(RouteTableId=rt, SubnetId=subnets[0])
    sgs = []
    for i in range(6):
        sg = e.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)["GroupId"]
        e.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        sgs.append(sg)
    left = n
    i = 0
    while left > 0:
        k = min(left, 20)
        e.run_instances(ImageId="ami-12c6146b", MinCount=k, MaxCount=k, InstanceType="t3.micro",
                        SubnetId=subnets[i % len(subnets)], SecurityGroupIds=[sgs[i % len(sgs)]])
        left -= k
        i += 1


if __name__ == "__main__":
    main()
