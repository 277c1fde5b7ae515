//! The Runs view: every recorded training run (CLI and TUI), two of them marked to compare side
//! by side (metrics, curves, confusion), and the one whose predictions show beside the clips.

use super::App;
use crate::train::events::EpochReport;
use crate::train::report::MetricsReport;
use crate::train::runs::RunRecord;

/// A run with what its model folder holds, read when it is marked (never while drawing).
pub struct RunDetails {
    pub record: RunRecord,
    pub metrics: Option<MetricsReport>,
    pub history: Vec<EpochReport>,
}

impl RunDetails {
    fn read(record: RunRecord) -> Self {
        let read = |file: &str| -> Option<Vec<u8>> {
            std::fs::read(record.model.as_ref()?.join(file)).ok()
        };
        let metrics = read("metrics.json").and_then(|b| serde_json::from_slice(&b).ok());
        let history = read("history.json")
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            record,
            metrics,
            history,
        }
    }
}

#[derive(Default)]
pub struct RunsState {
    /// Newest first.
    pub list: Vec<RunRecord>,
    pub selected: usize,
    /// Up to two runs to compare, in the order marked.
    pub compared: Vec<RunDetails>,
}

impl RunsState {
    pub fn step(&mut self, down: bool) {
        let last = self.list.len().saturating_sub(1);
        self.selected = if down {
            (self.selected + 1).min(last)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    pub fn is_compared(&self, id: &str) -> bool {
        self.compared.iter().any(|d| d.record.id == id)
    }
}

impl App {
    /// Reads the run records again (entering the view, or `r`).
    pub fn reload_runs(&mut self) {
        let Some(store) = &self.paths.runs else {
            self.runs.list.clear();
            return;
        };
        let (mut runs, broken) = store.list();
        runs.reverse();
        self.runs.list = runs;
        self.runs.selected = self
            .runs
            .selected
            .min(self.runs.list.len().saturating_sub(1));
        if !broken.is_empty() {
            self.status = format!(
                "{} unreadable run record(s) in {}",
                broken.len(),
                store.dir().display()
            );
        }
    }

    /// Marks the selected run for comparison (a third replaces the first), or unmarks it.
    pub(super) fn mark_run(&mut self) {
        let Some(run) = self.runs.list.get(self.runs.selected).cloned() else {
            return;
        };
        let compared = &mut self.runs.compared;
        if let Some(i) = compared.iter().position(|d| d.record.id == run.id) {
            compared.remove(i);
        } else {
            if compared.len() == 2 {
                compared.remove(0);
            }
            compared.push(RunDetails::read(run));
        }
        self.status = match compared.len() {
            2 => format!(
                "comparing {} with {}",
                compared[0].record.id, compared[1].record.id
            ),
            n => format!("{n} of 2 runs marked to compare"),
        };
    }

    /// The selected run's predictions beside the clips.
    pub(super) fn use_selected_run(&mut self) {
        if let Some(run) = self.runs.list.get(self.runs.selected).cloned() {
            self.use_run_predictions(run);
        }
    }
}
