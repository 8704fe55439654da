//! The change pages of a diff (`auditmap diff --out`, `package --previous`): the VPC
//! pages of NEW in which anything changed, with the diff's marks drawn on them.
use inventory::analysis::Analysis;
use inventory::diff::Diff;
use inventory::Snapshot;

use super::views::frame::ChangePeriod;
use super::views::marks::ChangeMarks;
use super::{PageScene, Plan};

pub struct ChangePages<'a> {
    plan: Plan<'a>,
    marks: ChangeMarks,
    period: ChangePeriod,
}

impl<'a> ChangePages<'a> {
    /// `diff` must be the diff of `old` against `new` (with `analysis` NEW's): the pages
    /// are drawn from NEW, and `old` only places what NEW no longer has.
    pub fn new(diff: &Diff, old: &Snapshot, new: &'a Snapshot, analysis: &'a Analysis) -> ChangePages<'a> {
        ChangePages::with_sha(diff, old, new, analysis, &diff.new.sha256)
    }

    /// With NEW's SHA-256 given: the package names its snapshot.json (the redacted
    /// copy under --redact), as its other pages do.
    pub fn with_sha(
        diff: &Diff,
        old: &Snapshot,
        new: &'a Snapshot,
        analysis: &'a Analysis,
        new_sha256: &str,
    ) -> ChangePages<'a> {
        let prefix = |s: &str| s.chars().take(16).collect::<String>();
        ChangePages {
            plan: Plan::with_sha(new, analysis, new_sha256),
            marks: ChangeMarks::new(diff, old, new),
            period: ChangePeriod {
                old_collected_at: diff.old.collected_at.to_string(),
                old_sha_prefix: prefix(&diff.old.sha256),
                new_collected_at: diff.new.collected_at.to_string(),
                new_sha_prefix: prefix(new_sha256),
            },
        }
    }

    /// Number of change pages.
    pub fn len(&self) -> usize {
        self.plan.change_page_count(&self.marks)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every change page in the order of the snapshot's VPC pages (account, region, id).
    pub fn pages(&self) -> impl Iterator<Item = PageScene> + '_ {
        self.plan.change_pages(&self.marks, &self.period)
    }

    /// Resource changes no VPC page shows (no VPC, or a VPC NEW does not have):
    /// changes.csv has them.
    pub fn outside(&self) -> usize {
        self.marks.outside
    }
}
