//! Which audit controls each file evidences, and what each file is. One table, used
//! by the manifest, README.txt and the report, so they cannot disagree.

/// A control reference, e.g. ("SOC 2", "CC6.1", "Logical access security ...").
pub struct Control {
    pub framework: &'static str,
    pub id: &'static str,
    pub title: &'static str,
}

pub const CONTROLS: [Control; 9] = [
    Control {
        framework: "SOC 2",
        id: "CC6.1",
        title: "Logical access security over protected information assets (asset inventory, network segmentation)",
    },
    Control {
        framework: "SOC 2",
        id: "CC6.6",
        title: "Logical access security measures against threats from sources outside system boundaries",
    },
    Control {
        framework: "SOC 2",
        id: "CC7.1",
        title: "Detection and monitoring of configuration changes and vulnerabilities",
    },
    Control { framework: "ISO 27001", id: "A.5.9", title: "Inventory of information and other associated assets" },
    Control { framework: "ISO 27001", id: "A.8.20", title: "Networks security" },
    Control { framework: "ISO 27001", id: "A.8.22", title: "Segregation of networks" },
    Control {
        framework: "PCI DSS",
        id: "1.2.3",
        title: "Accurate network diagram(s) showing all connections between the CDE and other networks",
    },
    Control {
        framework: "PCI DSS",
        id: "1.2.4",
        title: "Accurate data-flow diagram(s) (network paths shown; application data flows are the entity's)",
    },
    Control { framework: "PCI DSS", id: "12.5.1", title: "Inventory of in-scope system components, kept current" },
];

/// Role of a file in the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    Snapshot,
    Inventory,
    Exposures,
    /// scope-crossings.csv (only with --scope-tag).
    ScopeCrossings,
    Coverage,
    /// changes.csv (`--previous`).
    Changes,
    Report,
    DiagramOverview,
    DiagramVpc,
    DiagramExposure,
    /// diagrams/changes/ (`--previous`): VPC pages marked with what changed.
    DiagramChanges,
    Readme,
    Manifest,
}

impl FileRole {
    pub fn controls(self) -> &'static [&'static str] {
        match self {
            FileRole::Snapshot => &["CC6.1", "CC7.1", "A.5.9", "12.5.1"],
            FileRole::Inventory => &["CC6.1", "A.5.9", "12.5.1"],
            FileRole::Exposures => &["CC6.6", "CC7.1", "A.8.20", "1.2.3"],
            FileRole::ScopeCrossings => &["CC6.6", "A.8.22", "1.2.3"],
            FileRole::Coverage => &["CC7.1", "A.5.9", "12.5.1"],
            FileRole::Changes => &["CC7.1", "A.5.9", "1.2.3", "12.5.1"],
            FileRole::Report => &["CC6.1", "CC6.6", "CC7.1", "A.5.9", "A.8.20", "A.8.22", "1.2.3", "1.2.4", "12.5.1"],
            FileRole::DiagramOverview => &["CC6.1", "CC6.6", "A.8.20", "A.8.22", "1.2.3"],
            FileRole::DiagramVpc => &["CC6.1", "CC6.6", "A.8.20", "A.8.22", "1.2.3", "1.2.4"],
            FileRole::DiagramExposure => &["CC6.6", "CC7.1", "A.8.20", "A.8.22", "1.2.3", "1.2.4"],
            FileRole::DiagramChanges => &["CC6.6", "CC7.1", "A.8.20", "1.2.3", "12.5.1"],
            // Integrity and orientation: they support every control above but evidence none alone.
            FileRole::Readme | FileRole::Manifest => &[],
        }
    }

    /// Role of a diagram page by its file stem.
    pub fn of_diagram(stem: &str) -> FileRole {
        match stem {
            "overview" => FileRole::DiagramOverview,
            "exposure" => FileRole::DiagramExposure,
            // VPC stems are file-name safe (no '/'): only change pages live there.
            s if s.starts_with("changes/") => FileRole::DiagramChanges,
            // The plan never gives a VPC page a stem starting "account-" or "matrix".
            s if s.starts_with("account-") || s.starts_with("matrix") => FileRole::DiagramOverview,
            _ => FileRole::DiagramVpc,
        }
    }
}

/// One-line description of a file by path, for README.txt and the report.
pub fn describe(path: &str) -> String {
    let ext = path.rsplit('.').next().unwrap_or("");
    let format = match ext {
        "svg" => "SVG (vector; opens in any browser)",
        "png" => "PNG image",
        "pdf" => "PDF",
        "drawio" => "draw.io / diagrams.net file (editable copy)",
        _ => "",
    };
    if let Some(stem) = path.strip_prefix("diagrams/").and_then(|p| p.rsplit_once('.').map(|(s, _)| s)) {
        let what = match stem {
            "overview" => "Overview diagram: every account, region and VPC and how they connect (peering, transit gateway, VPN, internet)".to_string(),
            "exposure" => "Internet exposure and data-flow diagram: internet-reachable entry points, the tiers they reach and the data stores behind them, each line labelled with protocol/ports".to_string(),
            c if c.starts_with("changes/") => format!("Change diagram of VPC {} since the previous snapshot (--previous), drawn from this snapshot: added (green ring), removed (dashed grey, where it was), changed (amber ring, fields named), not collected (grey, ?), new or widened internet exposure (red)", &c["changes/".len()..]),
            m if m.starts_with("matrix") => format!("Connectivity matrix {m}: every VPC against every VPC and on-premises site, each cell the connection types (peering, transit gateway, VPN) and non-production → production"),
            account if account.starts_with("account-") => format!("Account overview diagram {account}: its VPCs, transit gateways, and every peering, transit gateway attachment and VPN with an end in it"),
            vpc => format!("Network diagram of VPC {vpc}: subnets, route tables, gateways, endpoints and resources"),
        };
        return format!("{what} — {format}");
    }
    match path {
        "manifest.json" => "Machine-readable manifest: version, snapshot hash, times, scope, identities, coverage, row counts, and per file its size, SHA-256 and controls".into(),
        "SHA256SUMS" => "SHA-256 of every other file; verify with `sha256sum -c SHA256SUMS` inside this directory".into(),
        "snapshot.json" => "The exact snapshot this package was generated from (redacted copy when redaction was applied)".into(),
        "report.html" => "Self-contained HTML report: summary, coverage gaps, diagrams, searchable inventory, exposures with evidence, manifest".into(),
        "inventory.csv" => "Asset inventory, one row per resource of every kind".into(),
        "inventory.json" => "Asset inventory as JSON (exact values, typed fields)".into(),
        "inventory.xlsx" => "Asset inventory workbook: Assets, Exposures, Load balancers, LB targets, Security group rules, NACL rules, Routes, Connectivity (VPC × VPC / on-premises matrix), Coverage, Metadata".into(),
        "exposures.csv" => "Internet exposure findings, one row per finding, with the evidence chain (route, NACL rules, security group rule, public IP) and its acceptance (package --accepted; empty when not reviewed)".into(),
        "load_balancers.csv" => "Load balancers, one row per listener: type, scheme, subnets, security groups, listener protocol/port, encryption in transit (TLS policy or plain), actions, whether the internet reaches it".into(),
        "load_balancer_targets.csv" => "Targets behind every listener the internet reaches (listener → rule → target group → target), whether each target admits the load balancer's traffic, and the evidence".into(),
        "scope-crossings.csv" => "Connections crossing the audit scope (--scope-tag), one row per crossing: from, to, via (peering, transit gateway, VPN, internet, security group rule), direction, protocol/ports, evidence ids".into(),
        "coverage.csv" => "Collection coverage: one row per account × region × API call, with status and errors".into(),
        "changes.csv" => "Changes since the previous snapshot (package --previous): one row per resource added, removed or changed (field by field), exposure new, widened, narrowed or closed, segmentation connection and coverage change".into(),
        "README.txt" => "This file: what each file is and which controls it evidences".into(),
        _ => String::new(),
    }
}
