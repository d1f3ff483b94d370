//! The speed benchmark's chart: a horizontal bar per timed operation on a logarithmic axis,
//! drawn with plotters in the colours of the book's figures (`src/article/figures.rs`). It lives
//! here, not in the library, because only `cargo xtask bench-report` draws it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The book's colour for this crate (the figures' train set).
const OURS: RGBColor = RGBColor(0, 114, 178);
/// The book's colour for Python (the figures' test set).
const PYTHON: RGBColor = RGBColor(213, 94, 0);
/// The font family of every label.
const FONT: &str = "sans-serif";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Who ran a timed operation of the speed benchmark, which decides its bar's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// This crate.
    Ours,
    /// pickle, joblib or numpy.
    Python,
}

/// One bar of [`timings`]: what was timed, its median in seconds, and who ran it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// The operation, as the chart labels it.
    pub label: String,
    /// The median time, in seconds.
    pub seconds: f64,
    /// Who ran it.
    pub side: Side,
}

/// A horizontal bar chart of `bars`, top to bottom, on a logarithmic time axis, each bar labelled
/// with its time: the speed benchmark's chart, drawn with the figures' colours.
pub fn timings(title: &str, bars: &[Timing]) -> Result<String> {
    // plotters counts segments from the bottom: reverse, so the first bar is on top.
    let bars: Vec<&Timing> = bars.iter().rev().collect();
    let height = 70 + 24 * bars.len() as u32;
    let max = bars.iter().map(|b| b.seconds).fold(1e-3, f64::max) * 4.0;
    let min = bars.iter().map(|b| b.seconds).fold(max, f64::min) / 2.0;
    svg_figure((900, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(300)
            // A segmented range has a segment for each end: 0..n - 1 gives the n rows. A single
            // bar keeps two segments, since one alone gets no label.
            .build_cartesian_2d(
                (min..max).log_scale(),
                (0..bars.len().saturating_sub(1).max(1)).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(bars.len())
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    bars.get(*i).map(|b| b.label.clone()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_desc("seconds, logarithmic scale")
            .x_label_formatter(&|s| format!("{s}"))
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let color = match bar.side {
                Side::Ours => OURS,
                Side::Python => PYTHON,
            };
            let corners = [
                (min, SegmentValue::Exact(i)),
                (bar.seconds, SegmentValue::Exact(i + 1)),
            ];
            let mut rectangle = Rectangle::new(corners, color.filled());
            rectangle.set_margin(3, 3, 0, 0);
            rectangle
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let at = (bar.seconds * 1.08, SegmentValue::CenterOf(i));
            let style = TextStyle::from((FONT, 12).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            Text::new(human_time(bar.seconds), at, style)
        }))?;
        Ok(())
    })
}

/// A time in the unit that suits it: `43 ns`, `12.3 µs`, `45.67 ms`, `1.23 s`.
pub fn human_time(seconds: f64) -> String {
    match seconds {
        s if s < 1e-6 => format!("{:.0} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

/// Draws one chart with `draw` on a white canvas of `size` pixels and returns its SVG.
fn svg_figure(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_labelled_with_their_times() {
        let bars = [
            Timing {
                label: "ours: load".into(),
                seconds: 0.040,
                side: Side::Ours,
            },
            Timing {
                label: "numpy: np.load".into(),
                seconds: 0.030,
                side: Side::Python,
            },
        ];
        let svg = timings("80 MB", &bars).unwrap();
        assert!(svg.contains("40.00 ms") && svg.contains("ours: load"));
        assert!(
            timings("one bar", &bars[1..])
                .unwrap()
                .contains("numpy: np.load")
        );
        assert_eq!(human_time(0.0456), "45.60 ms");
        assert_eq!(human_time(43e-9), "43 ns");
    }
}
