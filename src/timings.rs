//! `--timings`: wall time per tracing span, printed as a table on stderr at exit.
//!
//! Spans are the stage boundaries the library marks with `tracing::info_span!`
//! ("load", "topology", "analyze", ...). Each row is a span path (parents joined by
//! " > "), its total wall time and how often it ran; children nest under parents, so
//! a parent's time includes its children's.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

struct Started(Instant);

#[derive(Default)]
struct Row {
    total: Duration,
    count: u64,
}

#[derive(Clone, Default)]
pub struct Timings {
    rows: Arc<Mutex<BTreeMap<String, Row>>>,
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Timings {
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Started(Instant::now()));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(elapsed) = span.extensions().get::<Started>().map(|s| s.0.elapsed()) else { return };
        let names: Vec<&str> = span.scope().from_root().map(|s| s.name()).collect();
        let path = names.join(" > ");
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let row = rows.entry(path).or_default();
        row.total += elapsed;
        row.count += 1;
    }
}

impl Timings {
    /// The table: one line per span path, in path order (children under parents).
    /// "self ms" is the time not inside any child span (e.g. the writers of
    /// `package`, when they have no spans of their own).
    pub fn report(&self) -> String {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let width = rows.keys().map(|k| k.chars().count()).max().unwrap_or(4).max(5);
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mut out =
            format!("timings (wall):\n{:<width$} {:>10} {:>10} {:>7}\n", "span", "total ms", "self ms", "count");
        for (path, row) in rows.iter() {
            let prefix = format!("{path} > ");
            let children: Duration = rows
                .iter()
                .filter(|(p, _)| p.strip_prefix(&prefix).is_some_and(|rest| !rest.contains(" > ")))
                .map(|(_, r)| r.total)
                .sum();
            let own = row.total.saturating_sub(children);
            out.push_str(&format!("{:<width$} {:>10.1} {:>10.1} {:>7}\n", path, ms(row.total), ms(own), row.count));
        }
        out
    }
}
