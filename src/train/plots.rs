//! The PNG reports of a training run (plotters): the test confusion matrix as a heat map with
//! counts and per-class recall, and the learning curves (loss, accuracy, unweighted accuracy,
//! learning rate). Text uses an embedded DejaVu Sans Mono, so no system fonts are needed.

use super::events::EpochReport;
use super::run::MetricsReport;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn err<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> String + '_ {
    move |e| format!("{}: cannot draw: {e}", path.display())
}

pub fn confusion_png(path: &Path, metrics: &MetricsReport) -> Result<(), String> {
    ensure_font();
    let n = metrics.classes.len().max(1);
    let (cell, left, top) = (110i32, 130i32, 60i32);
    let width = (left + cell * n as i32 + 30) as u32;
    let height = (top + cell * n as i32 + 70) as u32;
    let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(err(path))?;
    let font = |size| ("sans-serif", size).into_font();
    let title = format!(
        "test confusion: UA {:.3}, accuracy {:.3}, n {}",
        metrics.unweighted_accuracy, metrics.accuracy, metrics.n
    );
    root.draw(&Text::new(title, (12, 14), font(18)))
        .map_err(err(path))?;
    for (t, row) in metrics.confusion.iter().enumerate() {
        let total: usize = row.iter().sum::<usize>().max(1);
        for (p, &count) in row.iter().enumerate() {
            let share = count as f64 / total as f64;
            let colour = RGBColor(
                255 - (215.0 * share) as u8,
                255 - (150.0 * share) as u8,
                255 - (40.0 * share) as u8,
            );
            let (x, y) = (left + p as i32 * cell, top + t as i32 * cell);
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                colour.filled(),
            ))
            .map_err(err(path))?;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                BLACK.mix(0.3),
            ))
            .map_err(err(path))?;
            let ink = if share > 0.55 { WHITE } else { BLACK };
            root.draw(&Text::new(
                count.to_string(),
                (x + 10, y + cell / 2 - 18),
                font(20).color(&ink),
            ))
            .map_err(err(path))?;
            root.draw(&Text::new(
                format!("{:.0}%", 100.0 * share),
                (x + 10, y + cell / 2 + 8),
                font(14).color(&ink),
            ))
            .map_err(err(path))?;
        }
        let recall = row.get(t).copied().unwrap_or(0) as f64 / total as f64;
        let label = format!("{} {:.2}", metrics.classes[t], recall);
        root.draw(&Text::new(
            label,
            (8, top + t as i32 * cell + cell / 2 - 8),
            font(14),
        ))
        .map_err(err(path))?;
    }
    for (p, class) in metrics.classes.iter().enumerate() {
        root.draw(&Text::new(
            class.clone(),
            (left + p as i32 * cell + 10, top + n as i32 * cell + 10),
            font(14),
        ))
        .map_err(err(path))?;
    }
    root.draw(&Text::new(
        "rows: true class (recall), columns: predicted",
        (left, top + n as i32 * cell + 38),
        font(13),
    ))
    .map_err(err(path))?;
    root.present().map_err(err(path))
}

pub fn curves_png(path: &Path, history: &[EpochReport]) -> Result<(), String> {
    ensure_font();
    let root = BitMapBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(err(path))?;
    let (top, bottom) = root.split_vertically(320);
    // The last fold's curves (the model that was kept).
    let last_fold = history.last().map(|r| r.fold).unwrap_or(0);
    let runs: Vec<&EpochReport> = history.iter().filter(|r| r.fold == last_fold).collect();
    let epochs = runs.len().max(1);
    let max_loss = runs
        .iter()
        .flat_map(|r| [r.train_loss, r.validation_loss])
        .fold(0.1f64, f64::max);
    let mut loss = ChartBuilder::on(&top)
        .caption(
            "loss (train, validation) and learning rate markers",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(1..epochs + 1, 0.0..max_loss * 1.05)
        .map_err(err(path))?;
    loss.configure_mesh()
        .x_desc("epoch")
        .draw()
        .map_err(err(path))?;
    let series = |f: fn(&EpochReport) -> f64| {
        runs.iter()
            .map(move |r| (r.epoch + 1, f(r)))
            .collect::<Vec<_>>()
    };
    loss.draw_series(LineSeries::new(series(|r| r.train_loss), &BLUE))
        .map_err(err(path))?
        .label("train")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    loss.draw_series(LineSeries::new(series(|r| r.validation_loss), &RED))
        .map_err(err(path))?
        .label("validation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    // Mark epochs where the learning rate dropped.
    for pair in runs.windows(2) {
        if pair[1].lr < pair[0].lr {
            let x = pair[1].epoch + 1;
            loss.draw_series(LineSeries::new(
                vec![(x, 0.0), (x, max_loss)],
                BLACK.mix(0.3),
            ))
            .map_err(err(path))?;
        }
    }
    loss.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(err(path))?;
    let mut acc = ChartBuilder::on(&bottom)
        .caption(
            "accuracy (train, validation) and validation unweighted accuracy",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(1..epochs + 1, 0.0..1.0)
        .map_err(err(path))?;
    acc.configure_mesh()
        .x_desc("epoch")
        .draw()
        .map_err(err(path))?;
    acc.draw_series(LineSeries::new(series(|r| r.train_accuracy), &BLUE))
        .map_err(err(path))?
        .label("train acc")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    acc.draw_series(LineSeries::new(series(|r| r.validation.accuracy), &RED))
        .map_err(err(path))?
        .label("val acc")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    acc.draw_series(LineSeries::new(
        series(|r| r.validation.unweighted_accuracy),
        &GREEN,
    ))
    .map_err(err(path))?
    .label("val UA")
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], GREEN));
    acc.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(err(path))?;
    root.present().map_err(err(path))
}
