//! Pictures of the article's model, drawn as SVG with plotters: predicted against actual, the
//! residuals, and the class balance of the split.
//!
//! Each function returns the SVG document as a `String`, so a caller decides where it goes (a file,
//! a notebook cell, a test). The output depends only on the data: no clock, no random colours, and
//! text is written as SVG `<text>` elements, so no font is needed to draw it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::article::data::{WineData, load_wine};
use crate::article::evaluate::{predict, r2};
use crate::article::split::train_test_split;
use crate::article::train::{Model, train};
use crate::error::{Error, ErrorKind, Result};

/// Width of every figure, in pixels.
const WIDTH: u32 = 800;
/// Height of every figure, in pixels.
const HEIGHT: u32 = 420;
/// The training set's colour (Okabe–Ito blue), readable by colour-blind readers.
const TRAIN: RGBColor = RGBColor(0, 114, 178);
/// The test set's colour (Okabe–Ito vermilion).
const TEST: RGBColor = RGBColor(213, 94, 0);
/// The whole dataset's colour in the class balance (a mid grey).
const WHOLE: RGBColor = RGBColor(120, 120, 120);
/// Reference lines: the diagonal and the zero line.
const GUIDE: RGBColor = RGBColor(90, 90, 90);
/// The font family; SVG viewers pick the reader's sans-serif font.
const FONT: &str = "sans-serif";

impl<E: std::error::Error + Send + Sync + 'static> From<DrawingAreaErrorKind<E>> for Error {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        ErrorKind::Draw(crate::error::Detail::new(error)).into()
    }
}

/// One figure of the book: a file name without extension and the SVG document.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The file name without `.svg`, such as `predicted_vs_actual`.
    pub name: &'static str,
    /// The SVG document.
    pub svg: String,
}

impl Figure {
    /// A figure named `name` (a file name without `.svg`) holding the SVG document `svg`.
    ///
    /// ```
    /// use model_persistence::article::figures::{Figure, residuals};
    /// use model_persistence::prelude::*;
    ///
    /// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
    /// let model = train(&train_set)?;
    /// let figure = Figure::new("residuals", residuals(&model, &train_set, &test_set)?);
    /// assert_eq!(figure.name, "residuals");
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn new(name: &'static str, svg: String) -> Figure {
        Figure { name, svg }
    }

    /// What [`evcxr_display`](Figure::evcxr_display) prints: the SVG document between the markers
    /// that the [evcxr](https://github.com/evcxr/evcxr) Jupyter kernel reads as rich output.
    ///
    /// ```
    /// use model_persistence::article::figures::Figure;
    ///
    /// let figure = Figure::new("dot", "<svg></svg>".to_string());
    /// assert_eq!(
    ///     figure.evcxr_content(),
    ///     "EVCXR_BEGIN_CONTENT image/svg+xml\n<svg></svg>\nEVCXR_END_CONTENT\n"
    /// );
    /// ```
    pub fn evcxr_content(&self) -> String {
        format!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT\n",
            self.svg
        )
    }

    /// Shows the figure in a Jupyter notebook run by the evcxr kernel, below the cell. evcxr calls
    /// this method by itself on a cell's last expression when it is a `Figure`; calling it directly
    /// also works, anywhere in a cell. It prints [`evcxr_content`](Figure::evcxr_content) to
    /// standard output, which the kernel turns into an SVG image; outside a notebook it just
    /// prints that text.
    ///
    /// ```
    /// use model_persistence::article::figures::{Figure, class_balance};
    /// use model_persistence::prelude::*;
    ///
    /// let wine = load_wine();
    /// let (train_set, test_set) = train_test_split(&wine, 0.33, 3, true)?;
    /// let figure = Figure::new("class_balance", class_balance(&wine, &train_set, &test_set)?);
    /// figure.evcxr_display(); // in a notebook: the bar chart
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }
}

/// A fixed horizontal offset in -0.15..0.15 for row `i`, so that points of the same class do not
/// hide each other; the golden ratio spreads them evenly and the same rows always land in the same
/// place.
fn jitter(i: usize) -> f64 {
    ((i as f64 * 0.618_033_988_749_895).fract() - 0.5) * 0.3
}

/// The class labels of `dataset` as numbers.
fn actual(dataset: &WineData) -> Vec<f64> {
    dataset.targets().iter().map(|&c| c as f64).collect()
}

/// Labels the whole numbers of an axis and leaves the halves blank.
fn whole_numbers(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round())
    } else {
        String::new()
    }
}

/// Draws one panel of [`predicted_vs_actual`]: a set's predictions over its classes, with the
/// diagonal where a perfect model would put every point.
fn prediction_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    actual: &[f64],
    predicted: &[f64],
    color: RGBColor,
) -> Result<()> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..2.5f64, -0.75f64..2.75f64)?;
    chart
        .configure_mesh()
        .x_labels(7)
        .x_label_formatter(&whole_numbers)
        .y_labels(8)
        .x_desc("actual class")
        .y_desc("predicted value")
        .label_style((FONT, 14))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(-0.5, -0.5), (2.5, 2.5)],
        GUIDE.stroke_width(1),
    ))?;
    chart.draw_series(
        actual
            .iter()
            .zip(predicted)
            .enumerate()
            .map(|(i, (&a, &p))| Circle::new((a + jitter(i), p), 4, color.mix(0.6).filled())),
    )?;
    Ok(())
}

/// Predicted against actual class, one panel for the training set and one for the test set, each
/// titled with its R². Points on the diagonal are perfect predictions; each class is a column of
/// points, spread a little sideways so that they do not hide each other.
///
/// ```
/// use model_persistence::article::figures::predicted_vs_actual;
/// use model_persistence::prelude::*;
///
/// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// let model = train(&train_set)?;
/// let svg = predicted_vs_actual(&model, &train_set, &test_set)?;
/// assert!(svg.starts_with("<svg") && svg.contains("R² = 0.855"));
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn predicted_vs_actual(
    model: &Model,
    train_set: &WineData,
    test_set: &WineData,
) -> Result<String> {
    svg_figure((WIDTH, HEIGHT), |root| {
        let panels = root.split_evenly((1, 2));
        for (area, (name, set, color)) in panels
            .iter()
            .zip([("train", train_set, TRAIN), ("test", test_set, TEST)])
        {
            let predicted = predict(model, set.records())?.to_vec();
            let title = format!("{name}: R² = {:.3}", r2(model, set)?);
            prediction_panel(area, &title, &actual(set), &predicted, color)?;
        }
        Ok(())
    })
}

/// Residuals (actual class minus prediction) against the prediction, training and test rows in
/// two colours, with the zero line. A good linear model leaves a band around zero with no shape.
///
/// ```
/// use model_persistence::article::figures::residuals;
/// use model_persistence::prelude::*;
///
/// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// let model = train(&train_set)?;
/// let svg = residuals(&model, &train_set, &test_set)?;
/// assert_eq!(svg.matches("<circle").count(), 119 + 59 + 2); // rows, and the legend's marks
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn residuals(model: &Model, train_set: &WineData, test_set: &WineData) -> Result<String> {
    svg_figure((WIDTH, HEIGHT), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Residuals: actual class minus prediction", (FONT, 20))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.75f64..2.75f64, -1.25f64..1.25f64)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(11)
            .x_desc("predicted value")
            .y_desc("residual")
            .label_style((FONT, 14))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(-0.75, 0.0), (2.75, 0.0)],
            GUIDE.stroke_width(1),
        ))?;
        for (name, set, color) in [("train", train_set, TRAIN), ("test", test_set, TEST)] {
            let predicted = predict(model, set.records())?;
            let points: Vec<(f64, f64)> = predicted
                .iter()
                .zip(actual(set))
                .map(|(&p, a)| (p, a - p))
                .collect();
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|xy| Circle::new(xy, 4, color.mix(0.6).filled())),
                )?
                .label(format!("{name} ({} rows)", set.records().nrows()))
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        legend(&mut chart)?;
        Ok(())
    })
}

/// The share of each class in the whole data, the training set and the test set, as grouped bars
/// labelled with their row counts. A stratified split keeps the three bars of a class level.
///
/// ```
/// use model_persistence::article::figures::class_balance;
/// use model_persistence::prelude::*;
///
/// let wine = load_wine();
/// let (train_set, test_set) = train_test_split(&wine, 0.33, 3, true)?;
/// let svg = class_balance(&wine, &train_set, &test_set)?;
/// assert!(svg.contains("all rows (178 rows)") && svg.contains("test (59 rows)"));
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn class_balance(
    whole: &WineData,
    train_set: &WineData,
    test_set: &WineData,
) -> Result<String> {
    let sets = [
        ("all rows", whole, WHOLE),
        ("train", train_set, TRAIN),
        ("test", test_set, TEST),
    ];
    let classes = 1 + sets
        .iter()
        .flat_map(|(_, set, _)| set.targets().iter().copied())
        .max()
        .unwrap_or(0);
    let bar = 0.8 / sets.len() as f64;

    svg_figure((WIDTH, HEIGHT), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Class balance of the split", (FONT, 20))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..classes as f64 - 0.5, 0f64..50f64)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * classes + 1)
            .x_label_formatter(&whole_numbers)
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .x_desc("class")
            .y_desc("share of the rows")
            .label_style((FONT, 14))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        let count_style = TextStyle::from((FONT, 13).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        for (k, (name, set, color)) in sets.into_iter().enumerate() {
            let rows = set.targets().len();
            let counts: Vec<usize> = (0..classes)
                .map(|c| set.targets().iter().filter(|&&t| t == c).count())
                .collect();
            let left = |c: usize| c as f64 - 0.4 + k as f64 * bar;
            chart
                .draw_series(counts.iter().enumerate().map(|(c, &n)| {
                    let share = 100.0 * n as f64 / rows as f64;
                    Rectangle::new([(left(c), 0.0), (left(c) + bar, share)], color.filled())
                }))?
                .label(format!("{name} ({rows} rows)"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
            chart.draw_series(counts.iter().enumerate().map(|(c, &n)| {
                let share = 100.0 * n as f64 / rows as f64;
                Text::new(
                    n.to_string(),
                    (left(c) + bar / 2.0, share + 0.6),
                    count_style.clone(),
                )
            }))?;
        }
        legend(&mut chart)?;
        Ok(())
    })
}

/// Draws one figure with `draw` on a white canvas of `size` pixels and returns its SVG.
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

/// Draws the series' legend in the upper right corner, the same way on every figure.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    Ok(())
}

/// The book's three figures for the article's split (seed 3, test size 0.33, stratified), in
/// the order the book shows them. `tests/figures.rs` checks them against `book/src/figures/`.
///
/// ```
/// use model_persistence::article::figures::book_figures;
///
/// let names: Vec<&str> = book_figures()?.iter().map(|f| f.name).collect();
/// assert_eq!(names, ["predicted_vs_actual", "residuals", "class_balance"]);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn book_figures() -> Result<Vec<Figure>> {
    let wine = load_wine();
    let (train_set, test_set) = train_test_split(&wine, 0.33, 3, true)?;
    let model = train(&train_set)?;
    Ok(vec![
        Figure {
            name: "predicted_vs_actual",
            svg: predicted_vs_actual(&model, &train_set, &test_set)?,
        },
        Figure {
            name: "residuals",
            svg: residuals(&model, &train_set, &test_set)?,
        },
        Figure {
            name: "class_balance",
            svg: class_balance(&wine, &train_set, &test_set)?,
        },
    ])
}
