//! References between resources, stated once per kind (`Resource::references`) and
//! read by validation, the topology index and the graph alike.
use std::fmt;

use super::{ResourceKind, RouteDestination, RouteState, SgRule};

/// Where a reference sits inside the referring resource: `name[index]rest`, e.g.
/// "associations[0].subnet_id". Built without allocating; formatted only when reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub index: Option<usize>,
    pub rest: &'static str,
}

impl Field {
    pub const fn new(name: &'static str) -> Field {
        Field { name, index: None, rest: "" }
    }
    pub const fn at(name: &'static str, index: usize, rest: &'static str) -> Field {
        Field { name, index: Some(index), rest }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}[{i}]{}", self.name, self.rest),
            None => write!(f, "{}{}", self.name, self.rest),
        }
    }
}

/// How sure we are that the target is in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Containment and same-account wiring: a missing target is an error.
    Required,
    /// May legitimately be gone or elsewhere (a blackhole route's deleted target, a
    /// TGW shared from another account): a missing target is a warning.
    Expected,
    /// Routinely outside the snapshot (the far side of a peering, a TGW attachment's
    /// resource in another account): not checked.
    Open,
}

/// What the reference means; the topology graph draws each as a typed edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rel<'a> {
    /// The referrer lives inside the target (a subnet in its VPC, an ENI in its subnet).
    In,
    /// The referrer is attached to the target (gateway ↔ VPC, NAT → subnet, VPN → CGW).
    AttachedTo,
    /// A route table or NACL explicitly associated with a subnet.
    Association,
    /// An ENI attached to an instance.
    InterfaceOf,
    /// An ENI protected by a security group.
    ProtectedBy,
    /// A route table's route to a target.
    Route { destination: &'a RouteDestination, state: RouteState },
    /// A peering connection's requester (`true`) or accepter VPC.
    PeeringSide { requester: bool },
    /// A TGW attachment's associated TGW route table.
    AssociatedWith,
    /// A TGW route table's route to an attachment.
    TgwRoute { destination: &'a RouteDestination, state: RouteState },
    /// A security-group rule naming another group as its peer.
    SgRule { rule: &'a SgRule, ingress: bool },
    /// Any other mention (a resource's VPC where its subnet already places it, a
    /// prefix list used in a rule): validated, not drawn.
    Names,
}

/// One reference from a resource to another.
#[derive(Debug, Clone, Copy)]
pub struct Ref<'a> {
    pub field: Field,
    pub kind: ResourceKind,
    pub id: &'a str,
    pub check: Check,
    pub rel: Rel<'a>,
}

/// Collects a resource's references (a reused buffer: analyses walk 100k resources).
#[derive(Debug, Default)]
pub struct Refs<'a> {
    pub list: Vec<Ref<'a>>,
}

impl<'a> Refs<'a> {
    pub fn push(&mut self, field: Field, kind: ResourceKind, id: &'a str, check: Check, rel: Rel<'a>) {
        self.list.push(Ref { field, kind, id, check, rel });
    }
    /// A required reference named by a plain field.
    pub fn required(&mut self, name: &'static str, kind: ResourceKind, id: &'a str, rel: Rel<'a>) {
        self.push(Field::new(name), kind, id, Check::Required, rel);
    }
    /// Required references from a list field ("subnet_ids[3]").
    pub fn required_each(&mut self, name: &'static str, kind: ResourceKind, ids: &'a [String], rel: Rel<'a>) {
        for (i, id) in ids.iter().enumerate() {
            self.push(Field::at(name, i, ""), kind, id, Check::Required, rel);
        }
    }
    pub fn clear(&mut self) {
        self.list.clear();
    }
}
