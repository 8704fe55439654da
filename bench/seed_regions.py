"""Seeds moto with a discovery benchmark estate: in each region a VPC with subnets,
an internet gateway, a route table, security groups and INSTANCES instances.

usage: seed_regions.py ENDPOINT REGION[,REGION...] INSTANCES
Prints a JSON summary (regions, instances per region) on stdout."""
import json
import sys

import boto3


def main():
    endpoint, regions, n = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    for region in regions:
        e = boto3.client("ec2", region_name=region, endpoint_url=endpoint,
                         aws_access_key_id="testing", aws_secret_access_key="testing")
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
    json.dump({"regions": regions, "instances_per_region": n}, sys.stdout)


if __name__ == "__main__":
    main()
