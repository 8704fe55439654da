//! Uniform access to `Resources` (declared by the kind table in `kinds.rs`).
use super::*;

/// A borrowed view of any one resource, for code that walks all kinds uniformly
/// (inventory tables, validation, redaction).
#[derive(Debug, Clone, Copy)]
pub struct AnyResource<'a> {
    pub kind: ResourceKind,
    pub id: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
    pub arn: Option<&'a str>,
    pub name: Option<&'a str>,
    pub vpc_id: Option<&'a str>,
    pub tags: &'a Tags,
}

impl<'a> AnyResource<'a> {
    fn of<R: Resource>(r: &'a R) -> AnyResource<'a> {
        AnyResource {
            kind: R::KIND,
            id: r.id(),
            account_id: r.account_id(),
            region: r.region(),
            arn: r.arn(),
            name: r.name(),
            vpc_id: r.vpc_id(),
            tags: r.tags(),
        }
    }
}

impl Resources {
    /// Number of resources of one kind.
    pub fn count(&self, kind: ResourceKind) -> usize {
        macro_rules! count {
            ($field:ident, $ty:ident) => {
                if <$ty as Resource>::KIND == kind {
                    return self.$field.len();
                }
            };
        }
        crate::for_each_kind!(count);
        0
    }

    pub fn total(&self) -> usize {
        ResourceKind::ALL.iter().map(|k| self.count(*k)).sum()
    }

    /// Every resource, kind by kind in `ResourceKind::ALL` order, each list in its stored order.
    pub fn iter(&self) -> impl Iterator<Item = AnyResource<'_>> {
        let mut all: Vec<AnyResource<'_>> = Vec::with_capacity(self.total());
        macro_rules! push {
            ($field:ident, $ty:ident) => {
                all.extend(self.$field.iter().map(AnyResource::of));
            };
        }
        crate::for_each_kind!(push);
        all.into_iter()
    }

    /// Sorts every list (and the lists inside resources) so output is deterministic
    /// whatever order AWS or a hand-edited file gave.
    pub fn normalize(&mut self) {
        macro_rules! sort {
            ($field:ident, $ty:ident) => {
                self.$field.sort_by(|a, b| {
                    (a.id.as_str(), a.account_id.as_str()).cmp(&(b.id.as_str(), b.account_id.as_str()))
                });
                self.$field.iter_mut().for_each(Resource::normalize);
            };
        }
        crate::for_each_kind!(sort);
    }
}
