//! Predicting for a CSV file of any length, what the command line's `predict` does: rows are
//! read, predicted and written a block at a time, so memory stays the same whatever the number
//! of rows. When the file has a header and the model knows its features' names, columns are
//! taken by name, as scikit-learn takes a DataFrame's; without a header, by position. A model of
//! several targets prints one column a target.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use ndarray::ArrayView2;

use crate::article::evaluate::predict_with;
use crate::article::linear::{LinearModel, Link};
use crate::error::{Error, ErrorKind, Result};

/// Rows predicted together: enough to keep the arithmetic busy, few enough that a block of a
/// wide model stays small (4,096 rows of 13 features is 416 KiB).
pub const BLOCK_ROWS: usize = 4096;

/// Which CSV column holds each of the model's features.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Columns {
    /// For each feature, in the model's order, the index of its column in the file.
    source: Vec<usize>,
    /// How many fields every row has.
    width: usize,
    /// The header's names, to name a column in a message; empty without a header.
    names: Vec<String>,
}

impl Columns {
    /// Columns by position: the file's columns are the model's features, in its order.
    fn by_position(features: usize) -> Self {
        Columns {
            source: (0..features).collect(),
            width: features,
            names: Vec::new(),
        }
    }

    /// Columns by the header's names, if the model has names; by position otherwise. A header
    /// that lacks one of the model's features, names another, or names one twice is refused:
    /// taking its columns by position would give numbers for the wrong features.
    fn from_header(header: &[String], features: &[String], count: usize) -> Result<Self> {
        if features.is_empty() {
            return Ok(Columns {
                names: header.to_vec(),
                ..Columns::by_position(count)
            });
        }
        for (i, name) in header.iter().enumerate() {
            if header[..i].contains(name) {
                let name = name.clone();
                return Err(ErrorKind::DuplicateColumn { name }.into());
            }
            if !features.contains(name) {
                let name = name.clone();
                return Err(ErrorKind::UnknownColumn { name }.into());
            }
        }
        let source = features
            .iter()
            .map(|feature| {
                header
                    .iter()
                    .position(|name| name == feature)
                    .ok_or_else(|| {
                        let name = feature.clone();
                        Error::from(ErrorKind::MissingColumn { name })
                    })
            })
            .collect::<Result<Vec<usize>>>()?;
        Ok(Columns {
            source,
            width: header.len(),
            names: header.to_vec(),
        })
    }

    /// Appends the features of one row, in the model's order, to `block`; refuses a row of
    /// another width, and a field that is empty, not a number, or not finite.
    fn parse(&self, record: &csv::ByteRecord, line: u64, block: &mut Vec<f64>) -> Result<()> {
        if record.len() != self.width {
            let (found, expected) = (record.len(), self.width);
            return Err(ErrorKind::Columns {
                line,
                found,
                expected,
            }
            .into());
        }
        for &index in &self.source {
            let field = record[index].trim_ascii();
            let parsed = parse_float(field);
            if let Some(value) = parsed.filter(|v| v.is_finite()) {
                block.push(value);
                continue;
            }
            // The one field that is not a finite number, named by its line and column.
            let (column, name) = (index + 1, self.names.get(index).cloned());
            let text = String::from_utf8_lossy(field).into_owned();
            let kind = match parsed {
                _ if field.is_empty() => ErrorKind::EmptyField { line, column, name },
                Some(_) => ErrorKind::NotFinite {
                    line,
                    column,
                    name,
                    text,
                },
                None => ErrorKind::NotANumber {
                    line,
                    column,
                    name,
                    text,
                },
            };
            return Err(kind.into());
        }
        Ok(())
    }
}

/// A decimal number as Rust's `f64::from_str` reads it (`1.5`, `-2e-3`, `inf`, `NaN`), from
/// the bytes themselves: fast-float2 implements the same algorithm without the UTF-8 check,
/// and a whole file of numbers is read in half the time.
fn parse_float(field: &[u8]) -> Option<f64> {
    fast_float2::parse(field).ok()
}

/// Whether the first record is a header: none of its fields is a number.
fn is_header(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .all(|field| parse_float(field.trim_ascii()).is_none())
}

/// Predicts every row of the CSV `input` with `model`, whose features are called `names` (none
/// if the model has no names), and writes one line a row to `output`: the prediction of each
/// target, separated by commas, in the shortest form that reads back as the same float.
/// Returns how many rows it predicted.
///
/// ```
/// use model_persistence::article::batch::predict_csv;
/// use model_persistence::article::linear::LinearModel;
/// use model_persistence::prelude::*;
///
/// let model = LinearModel::from(&from_parts(&[2.0, -1.0], 0.5)?);
/// let names = ["a".to_string(), "b".to_string()];
/// let mut out = Vec::new();
/// // The header lists the features in another order: they are taken by name.
/// predict_csv(&model, &names, "b,a\n3,1\n0,1e-7\n".as_bytes(), &mut out)?;
/// assert_eq!(String::from_utf8(out).unwrap(), "-0.5\n0.5000002\n");
/// let err = predict_csv(&model, &names, "a,c\n1,3\n".as_bytes(), Vec::new()).unwrap_err();
/// assert_eq!(err.to_string(), "the CSV's header names \"c\", which is not one of the model's features");
/// # Ok::<(), Error>(())
/// ```
pub fn predict_csv(
    model: &LinearModel,
    names: &[String],
    input: impl Read,
    output: impl Write,
) -> Result<u64> {
    predict_from(model, names, input, None, output)
}

/// [`predict_csv`] on the CSV file at `path`, or on standard input when `path` is `-`. What is
/// wrong with the rows names the file; an error writing `output` does not.
///
/// ```
/// use model_persistence::article::batch::predict_file;
/// use model_persistence::article::linear::LinearModel;
/// use model_persistence::prelude::*;
///
/// let dir = tempdir()?;
/// let path = dir.path().join("rows.csv");
/// std::fs::write(&path, "1,2\n3,inf\n")?;
/// let model = LinearModel::from(&from_parts(&[2.0, -1.0], 0.5)?);
/// let err = predict_file(&model, &[], &path, Vec::new()).unwrap_err();
/// assert!(err.to_string().ends_with("rows.csv: line 2: column 2: \"inf\" is not a finite number"));
/// # Ok::<(), Error>(())
/// ```
pub fn predict_file(
    model: &LinearModel,
    names: &[String],
    path: &Path,
    output: impl Write,
) -> Result<u64> {
    if path == Path::new("-") {
        let stdin = std::io::stdin().lock();
        return predict_from(
            model,
            names,
            stdin,
            Some(Path::new("standard input")),
            output,
        );
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    // A pipe is fine (`--input <(zcat rows.csv.gz)`), a folder is not.
    if meta.is_dir() {
        return Err(Error::from(ErrorKind::IsDirectory).at(path));
    }
    predict_from(model, names, file, Some(path), output)
}

/// A block of rows as the CSV reader split them into fields, on their way to be parsed.
struct Block {
    records: Vec<csv::ByteRecord>,
    /// How many of `records` hold rows.
    len: usize,
}

impl Block {
    fn new() -> Self {
        Block {
            records: vec![csv::ByteRecord::new(); BLOCK_ROWS],
            len: 0,
        }
    }
}

/// [`predict_csv`], naming `source` in the errors about the rows.
///
/// Splitting the text into fields and parsing the fields into numbers take about half the time
/// each, so they run on two threads, a block of rows at a time: this one reads, splits and
/// writes, a second parses and predicts. Three blocks go round between them, so memory stays a
/// few blocks whatever the file's length.
fn predict_from(
    model: &LinearModel,
    names: &[String],
    input: impl Read,
    source: Option<&Path>,
    output: impl Write,
) -> Result<u64> {
    let about = |err: Error| match source {
        Some(path) => err.at(path),
        None => err,
    };
    let features = model.n_features();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 << 10)
        .from_reader(input);
    let mut read = |record: &mut csv::ByteRecord| {
        reader
            .read_byte_record(record)
            .map_err(|e| about(csv_error(e)))
    };
    let mut out = BufWriter::with_capacity(64 << 10, output);

    // The first line says how columns map onto features: by the header's names, or by position.
    let mut first = Block::new();
    if !read(&mut first.records[0])? {
        return Ok(0);
    }
    let columns = if is_header(&first.records[0]) {
        let header: Vec<String> = first.records[0]
            .iter()
            .map(|field| String::from_utf8_lossy(field).into_owned())
            .collect();
        Columns::from_header(&header, names, features).map_err(about)?
    } else {
        first.len = 1;
        Columns::by_position(features)
    };

    let mut rows = 0;
    std::thread::scope(|scope| {
        let (to_parse, blocks) = std::sync::mpsc::sync_channel::<Block>(2);
        let (to_write, predicted) = std::sync::mpsc::channel::<Result<(Block, Vec<f64>)>>();
        let columns = &columns;
        scope.spawn(move || {
            let mut values = Vec::with_capacity(BLOCK_ROWS * features);
            for block in blocks {
                let done = predict_block(model, columns, &block, &mut values).map_err(about);
                let failed = done.is_err();
                if to_write.send(done.map(|p| (block, p))).is_err() || failed {
                    return;
                }
            }
        });
        let mut spare = vec![Block::new(), Block::new()];
        let mut next = Some(first);
        let mut in_flight = 0;
        let mut write = |(mut block, predictions): (Block, Vec<f64>), spare: &mut Vec<Block>| {
            rows += block.len as u64;
            write_predictions(&predictions, model.n_targets(), &mut out)?;
            block.len = 0;
            spare.push(block);
            Ok::<(), Error>(())
        };
        loop {
            let mut block = match next.take().or_else(|| spare.pop()) {
                Some(block) => block,
                None => {
                    write(predicted.recv().expect("the parser answers")?, &mut spare)?;
                    in_flight -= 1;
                    spare.pop().expect("a block just written")
                }
            };
            while block.len < BLOCK_ROWS && read(&mut block.records[block.len])? {
                block.len += 1;
            }
            let last = block.len < BLOCK_ROWS;
            if block.len > 0 {
                if to_parse.send(block).is_err() {
                    // The parser stopped at a bad row: its error is on the way.
                    return match predicted.iter().find_map(Result::err) {
                        Some(err) => Err(err),
                        None => unreachable!("the parser stops only after sending its error"),
                    };
                }
                in_flight += 1;
            }
            while let Ok(done) = predicted.try_recv() {
                write(done?, &mut spare)?;
                in_flight -= 1;
            }
            if last {
                break;
            }
        }
        drop(to_parse);
        for _ in 0..in_flight {
            write(predicted.recv().expect("the parser answers")?, &mut spare)?;
        }
        Ok::<(), Error>(())
    })?;
    out.flush()?;
    Ok(rows)
}

/// Parses the rows of `block` into `values`, features in the model's order, and predicts them:
/// each row's targets in turn.
fn predict_block(
    model: &LinearModel,
    columns: &Columns,
    block: &Block,
    values: &mut Vec<f64>,
) -> Result<Vec<f64>> {
    values.clear();
    for record in &block.records[..block.len] {
        let line = record.position().map_or(0, |p| p.line());
        columns.parse(record, line, values)?;
    }
    let (features, targets) = (model.n_features(), model.n_targets());
    let intercept = model.intercept();
    let mut predictions = if features == 0 {
        intercept
            .iter()
            .copied()
            .cycle()
            .take(block.len * targets)
            .collect()
    } else {
        let rows = ArrayView2::from_shape((block.len, features), values)
            .map_err(|e| Error::from(ErrorKind::Io(std::io::Error::other(e))))?;
        let sums = (0..targets)
            .map(|t| predict_with(model.coef().row(t), intercept[t], rows))
            .collect::<Result<Vec<_>>>()?;
        if targets == 1 {
            sums[0].to_vec()
        } else {
            (0..block.len)
                .flat_map(|row| sums.iter().map(move |sum| sum[row]))
                .collect()
        }
    };
    if model.link() == Link::Exp {
        predictions
            .iter_mut()
            .for_each(|value| *value = value.exp());
    }
    Ok(predictions)
}

/// Writes the predictions, `targets` a line, separated by commas. Ryū writes the shortest
/// decimal that parses back to the same bits, as Python's repr does, in a third of the time
/// of `{:?}`.
fn write_predictions(predictions: &[f64], targets: usize, out: &mut impl Write) -> Result<()> {
    let mut text = ryu::Buffer::new();
    for row in predictions.chunks(targets) {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(text.format(*value).as_bytes())?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A CSV error as the crate's error: a failed read keeps its I/O kind.
fn csv_error(err: csv::Error) -> Error {
    match err.kind() {
        csv::ErrorKind::Io(io) => std::io::Error::new(io.kind(), io.to_string()).into(),
        _ => ErrorKind::Csv(crate::error::Detail::new(err)).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::train::from_parts;

    fn model(params: &[f64], intercept: f64) -> LinearModel {
        LinearModel::from(&from_parts(params, intercept).expect("a model"))
    }

    fn rows(n: usize) -> String {
        (0..n).map(|i| format!("{i},1\n")).collect()
    }

    #[test]
    fn every_row_is_predicted_once_in_order_across_blocks() {
        let model = model(&[1.0, 0.5], 0.0);
        for n in [
            0,
            1,
            BLOCK_ROWS - 1,
            BLOCK_ROWS,
            BLOCK_ROWS + 1,
            5 * BLOCK_ROWS + 7,
        ] {
            let mut out = Vec::new();
            let count = predict_csv(&model, &[], rows(n).as_bytes(), &mut out).expect("rows");
            let printed: Vec<f64> = String::from_utf8(out)
                .expect("UTF-8")
                .lines()
                .map(|l| l.parse().expect("a number"))
                .collect();
            let expected: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
            assert_eq!((count, printed), (n as u64, expected), "{n} rows");
        }
    }

    #[test]
    fn several_targets_print_a_column_each_and_the_link_applies() {
        use ndarray::array;
        let two = LinearModel::new(
            array![[1.0, 0.0], [0.0, 2.0]],
            array![0.5, 0.0],
            Link::Identity,
        );
        let mut out = Vec::new();
        predict_csv(
            &two.expect("a model"),
            &[],
            "1,2\n3,4\n".as_bytes(),
            &mut out,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1.5,4.0\n3.5,8.0\n");
        let exp = LinearModel::new(array![[1.0]], array![0.0], Link::Exp).expect("a model");
        let mut out = Vec::new();
        predict_csv(&exp, &[], "0\n1\n".as_bytes(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("1.0\n{}\n", std::f64::consts::E)
        );
    }

    #[test]
    fn a_bad_row_in_a_late_block_stops_with_its_line() {
        let model = model(&[1.0, 0.5], 0.0);
        let mut text = rows(3 * BLOCK_ROWS);
        text += "7,x\n";
        text += &rows(4 * BLOCK_ROWS);
        let err = predict_csv(&model, &[], text.as_bytes(), Vec::new()).unwrap_err();
        let line = 3 * BLOCK_ROWS + 1;
        assert_eq!(
            err.to_string(),
            format!("line {line}: column 2: \"x\" is not a number")
        );
    }
}
