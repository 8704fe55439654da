//! `auditmap paths` on an estate discovered from moto: a peering whose far side has
//! no route back yields no path; adding the route back yields exactly one.
#[path = "../discover/tests/support/moto.rs"]
mod moto;

use std::process::Command;

use moto::Moto;

const SEED: &str = r#"
import json, sys, boto3
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
def net(cidr, name):
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/24"))["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    return vpc, sub, sg, rtb
a_vpc, a_sub, a_sg, a_rtb = net("10.1.0.0/16", "app")
b_vpc, b_sub, b_sg, b_rtb = net("10.2.0.0/16", "db")
ec2.authorize_security_group_ingress(GroupId=b_sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
pcx = ec2.create_vpc_peering_connection(VpcId=a_vpc, PeerVpcId=b_vpc)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
ec2.create_route(RouteTableId=a_rtb, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=pcx)
def instance(sub, sg, ip):
    eni = ec2.create_network_interface(SubnetId=sub, Groups=[sg], PrivateIpAddress=ip)["NetworkInterface"]["NetworkInterfaceId"]
    return ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
        NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni}])["Instances"][0]["InstanceId"]
app = instance(a_sub, a_sg, "10.1.0.10")
db = instance(b_sub, b_sg, "10.2.0.20")
print(json.dumps({"app": app, "db": db, "pcx": pcx, "b_rtb": b_rtb}))
"#;

const ROUTE_BACK: &str = r#"
import sys, boto3
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ec2.create_route(RouteTableId=sys.argv[2], DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=sys.argv[3])
"#;

fn python(script: &str, args: &[&str]) -> String {
    let o = Command::new(moto::python()).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(o.status.success(), "seed failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn discover_and_paths(moto: &Moto, dir: &std::path::Path, from: &str, to: &str) -> serde_json::Value {
    let snap = dir.join("snap.json");
    let o = moto::clean_aws_command(env!("CARGO_BIN_EXE_auditmap"), &moto.endpoint)
        .args(["discover", "--region", "us-east-1", "--out"])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_auditmap"))
        .arg("paths")
        .arg(&snap)
        .args(["--from", from, "--to", to, "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("paths --json is JSON")
}

#[test]
fn peering_without_a_route_back_has_no_path_until_the_route_exists() {
    let moto = Moto::start();
    let ids: serde_json::Value = serde_json::from_str(python(SEED, &[&moto.endpoint]).trim()).unwrap();
    let (app, db) = (ids["app"].as_str().unwrap(), ids["db"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();

    let none = discover_and_paths(&moto, dir.path(), app, db);
    assert_eq!(none["paths"], serde_json::json!([]), "{none:#}");

    python(ROUTE_BACK, &[&moto.endpoint, ids["b_rtb"].as_str().unwrap(), ids["pcx"].as_str().unwrap()]);
    let one = discover_and_paths(&moto, dir.path(), app, db);
    let paths = one["paths"].as_array().expect("paths list");
    assert_eq!(paths.len(), 1, "{one:#}");
    let hops = paths[0]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 1);
    let text = serde_json::to_string(&hops[0]).unwrap();
    assert!(text.contains("5432") && text.contains(ids["pcx"].as_str().unwrap()), "{text}");
}
