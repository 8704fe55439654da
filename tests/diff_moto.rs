//! `auditmap diff` on two discoveries of a moto estate changed through boto3 in
//! between: a world-open SSH rule on a public instance's group, a terminated instance
//! and a new one. The diff must list exactly those changes (plus what EC2 itself
//! changes as a consequence) and the one new exposure; `--accepted` and
//! `--fail-on new-exposure` act on that exposure.
#[path = "../discover/tests/support/moto.rs"]
mod moto;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use moto::Moto;
use serde_json::{json, Value};

/// One VPC whose main route table goes to an internet gateway, one subnet, a `web`
/// group without rules yet and an `app` group without rules; a public instance in
/// each group.
const SEED: &str = r#"
import json, sys, boto3
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
web_sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
def run(sg, name):
    i = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": sub, "Groups": [sg], "AssociatePublicIpAddress": True}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])["Instances"][0]
    return i["InstanceId"], i["NetworkInterfaces"][0]["NetworkInterfaceId"]
web, web_eni = run(web_sg, "web-1")
old, old_eni = run(app_sg, "old-1")
print(json.dumps({"web": web, "web_eni": web_eni, "old": old, "old_eni": old_eni,
                  "web_sg": web_sg, "app_sg": app_sg, "sub": sub}))
"#;

/// The changes: SSH from anywhere on `web`, `old` terminated, `new-1` launched in `app`.
const CHANGE: &str = r#"
import json, sys, boto3
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ids = json.loads(sys.argv[2])
rule = ec2.authorize_security_group_ingress(GroupId=ids["web_sg"], IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ec2.terminate_instances(InstanceIds=[ids["old"]])
i = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": ids["sub"], "Groups": [ids["app_sg"]], "AssociatePublicIpAddress": True}],
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "new-1"}]}])["Instances"][0]
print(json.dumps({"new": i["InstanceId"], "new_eni": i["NetworkInterfaces"][0]["NetworkInterfaceId"],
                  "rule": rule["SecurityGroupRules"][0]["SecurityGroupRuleId"]}))
"#;

fn python(script: &str, args: &[&str]) -> Value {
    let o = Command::new(moto::python()).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(o.status.success(), "boto3 script failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("the script prints JSON")
}

fn discover(moto: &Moto, out: &Path) {
    let o = moto::clean_aws_command(env!("CARGO_BIN_EXE_auditmap"), &moto.endpoint)
        .args(["discover", "--region", "us-east-1", "--out"])
        .arg(out)
        .output()
        .expect("auditmap runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

fn auditmap(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("auditmap runs")
}

fn ids(list: &Value) -> BTreeSet<(String, String)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|r| (r["kind"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
        .collect()
}

fn pair(kind: &str, id: &Value) -> (String, String) {
    (kind.to_string(), id.as_str().unwrap().to_string())
}

#[test]
fn diff_of_two_discoveries_lists_exactly_what_boto3_changed() {
    let moto = Moto::start();
    let seeded = python(SEED, &[&moto.endpoint]);
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    discover(&moto, &old);
    let changed = python(CHANGE, &[&moto.endpoint, &seeded.to_string()]);
    discover(&moto, &new);
    let (old_s, new_s) = (old.to_str().unwrap(), new.to_str().unwrap());

    let o = auditmap(&["diff", old_s, new_s, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let d: Value = serde_json::from_slice(&o.stdout).expect("diff --json is JSON");
    let r = &d["resources"];

    // The instance launched, with its interface.
    assert_eq!(
        ids(&r["added"]),
        BTreeSet::from([pair("instance", &changed["new"]), pair("network_interface", &changed["new_eni"])]),
        "{r:#}"
    );
    assert_eq!(r["added"].as_array().unwrap().iter().find(|x| x["kind"] == "instance").unwrap()["name"], "new-1");
    // The terminated instance is removed (its terminated state says why), not changed.
    assert_eq!(ids(&r["removed"]), BTreeSet::from([pair("instance", &seeded["old"])]), "{r:#}");
    assert_eq!(r["removed"][0]["note"], "state terminated");
    assert_eq!(r["unknown"], json!([]));

    // Changed: the rule added to `web`; and what EC2 changes by itself: the subnet's
    // free addresses (one more interface) and the terminated instance's interface,
    // whose public address is released.
    assert_eq!(
        ids(&r["changed"]),
        BTreeSet::from([
            pair("security_group", &seeded["web_sg"]),
            pair("subnet", &seeded["sub"]),
            pair("network_interface", &seeded["old_eni"]),
        ]),
        "{r:#}"
    );
    let changes_of =
        |kind: &str| r["changed"].as_array().unwrap().iter().find(|x| x["kind"] == kind).unwrap()["changes"].clone();
    let rule = changed["rule"].as_str().unwrap();
    assert_eq!(
        changes_of("security_group"),
        json!([{"field": "ingress", "change": "added", "new": format!("tcp/22 from 0.0.0.0/0 ({rule})")}])
    );
    let subnet = changes_of("subnet");
    assert_eq!(subnet.as_array().unwrap().len(), 1, "{subnet:#}");
    assert_eq!(subnet[0]["field"], "available_ip_address_count");
    let eni = changes_of("network_interface");
    assert!(eni.as_array().unwrap().iter().all(|c| c["field"] == "private_ips"), "{eni:#}");

    // Exposures: exactly one new one, SSH from anywhere on the web instance, through the new rule.
    let e = &d["exposures"];
    for quiet in ["closed", "widened", "narrowed", "unknown"] {
        assert_eq!(e[quiet], json!([]), "{quiet}: {e:#}");
    }
    let opened = e["new"].as_array().unwrap();
    assert_eq!(opened.len(), 1, "{e:#}");
    let x = &opened[0];
    assert_eq!(x["resource_id"], seeded["web"]);
    assert_eq!((x["ip_version"].as_str(), x["protocol"].as_str()), (Some("v4"), Some("tcp")));
    assert_eq!(
        x["delta"],
        json!([{"ports": {"from": 22, "to": 22}, "sources": ["0.0.0.0/0"], "source_text": "0.0.0.0/0"}])
    );
    let finding = &x["findings"][0];
    assert_eq!(finding["eni_id"], seeded["web_eni"]);
    assert_eq!(finding["evidence"]["security_group_id"], seeded["web_sg"]);
    assert_eq!(finding["evidence"]["sg_rule_id"], rule);
    assert_eq!(d["segmentation"], json!({"added": [], "removed": [], "changed": []}));
    assert_eq!(d["coverage"]["changed"], json!([]));
    assert_eq!(d["new"]["findings"], 1);
    assert_eq!(d["old"]["findings"], 0);

    // The gate trips on that exposure, unless an entry accepts it.
    assert_eq!(auditmap(&["diff", old_s, new_s, "--fail-on", "new-exposure"]).status.code(), Some(4));
    let accepted = dir.path().join("accepted.toml");
    std::fs::write(
        &accepted,
        format!(
            "[[accept]]\nresource = \"{}\"\nports = \"tcp/22\"\nreason = \"break-glass\"\napproved_by = \"sec@example.com\"\nticket = \"SEC-9\"\n",
            seeded["web"].as_str().unwrap()
        ),
    )
    .unwrap();
    let acc = accepted.to_str().unwrap();
    let o = auditmap(&["diff", old_s, new_s, "--json", "--accepted", acc, "--fail-on", "new-exposure"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["exposures"]["new"][0]["acceptance"], "accepted");
}
