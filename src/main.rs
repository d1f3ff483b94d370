//! `model-persistence`: run the article end to end; inspect, predict with or convert a model file,
//! one of ours or one that scikit-learn wrote (pickle, joblib, skops), told apart by content, on
//! this machine or at a URL of an object store (`s3://`, `file://`, `memory://`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use model_persistence::article::batch::predict_file;
use model_persistence::article::split::TestSize;
use model_persistence::article::{Options, run};
use model_persistence::file::persist::inspect;
use model_persistence::python::Linear;
use model_persistence::python::Origin;
use model_persistence::python::convert::{self, Target};
use model_persistence::python::{Limits, MAX_BYTES};
use model_persistence::store::{self, Location, Mode, is_url};
use model_persistence::{Error, ErrorKind};

/// Train the article's linear regression on the wine data, save it the pickle way, the joblib
/// way and as JSON, reload each and check it predicts identically.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    article: ArticleArgs,
}

#[derive(Debug, Args)]
struct ArticleArgs {
    /// Seed of the split (scikit-learn's random_state).
    #[arg(long, default_value_t = 3)]
    seed: u32,
    /// Test set size: a fraction in (0, 1), or a number of rows.
    #[arg(long, default_value = "0.33")]
    test_size: TestSize,
    /// Split without keeping the class balance.
    #[arg(long)]
    no_stratify: bool,
    /// Folder for the model files.
    #[arg(long, default_value = "models")]
    out_dir: PathBuf,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

/// How much a scikit-learn file may make the reader take.
#[derive(Debug, Args)]
struct ReadArgs {
    /// The most bytes of data a scikit-learn file may hold once decompressed (8 MiB, about a
    /// million features, by default); memory a read takes is bounded by a multiple of it.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_BYTES)]
    max_bytes: u64,
}

impl ReadArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.max_bytes,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a model file (ours, or a scikit-learn pickle, joblib or skops file) and print what
    /// it says about the model.
    Inspect {
        /// The model file: a path, or a URL (s3://bucket/key, file:///path); a model file of
        /// ours at a URL is described from its header alone, with ranged reads.
        file: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Load a linear model (from any file `inspect` reads) and print one prediction per row of a
    /// CSV file.
    Predict {
        /// The model file: a path, or a URL (s3://bucket/key, file:///path).
        file: String,
        /// CSV rows of features, or - for standard input. With a header, columns are matched
        /// to the model's features by name when the model knows them; without, by position.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write the linear model of IN (any file `inspect` reads) to OUT: a model file of ours,
    /// with what IN says about it in OUT's metadata, a skops, ONNX or safetensors file, or an
    /// MLflow model folder.
    Convert {
        /// The model file to read: a path or a URL.
        input: String,
        /// The file to write, replaced atomically if it exists: a path or a URL (s3://bucket/key),
        /// a folder for --format mlflow.
        output: String,
        /// bincode, bincode+zstd, json, skops, onnx, safetensors or mlflow (by default, from
        /// OUT's extension).
        #[arg(long)]
        format: Option<Target>,
        /// Refuse to replace an object that is already at OUT's URL.
        #[arg(long)]
        create_only: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them; a bad option is one line and exit 2.
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            let text = err.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => article(cli.article).and_then(print),
        Some(Command::Inspect { file, json, read }) => {
            inspect_file(file, json, read.limits()).and_then(print)
        }
        Some(Command::Predict { file, input, read }) => predict_rows(file, input, read.limits()),
        Some(Command::Convert {
            input,
            output,
            format,
            create_only,
            read,
        }) => {
            if create_only && !is_url(&output) {
                eprintln!("error: --create-only is for an OUT that is a URL (s3://bucket/key)");
                return ExitCode::from(2);
            }
            let mode = if create_only {
                Mode::Create
            } else {
                Mode::Overwrite
            };
            convert_file(input, output, format, mode, read.limits()).and_then(print)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`| head`): nothing is left to say.
        Err(err) if is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(if err.is_usage() { 2 } else { 1 })
        }
    }
}

/// Prints a report on standard output; a closed pipe is an error for `main` to pass over.
fn print(text: String) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(out.flush()?)
}

/// Whether `err` is a write to a pipe whose reader has closed it.
fn is_closed_pipe(err: &Error) -> bool {
    err.io_kind() == Some(std::io::ErrorKind::BrokenPipe)
}

fn article(args: ArticleArgs) -> Result<String, Error> {
    let options = Options {
        seed: args.seed,
        test_size: args.test_size,
        stratify: !args.no_stratify,
        out_dir: args.out_dir,
    };
    let report = run(&options)?;
    Ok(if args.json {
        to_json(&report)
    } else {
        report.to_string()
    })
}

fn inspect_file(file: String, json: bool, limits: Limits) -> Result<String, Error> {
    // A model file of ours in a store is described from its header: three small ranged reads.
    if is_url(&file) {
        let at = Location::parse(&file)?;
        match store::inspect(&at) {
            Ok(header) if json => return Ok(to_json(&header)),
            Ok(header) => return Ok(format!("file          {file}\n{header}")),
            Err(err) if !matches!(err.kind(), ErrorKind::NotAModel | ErrorKind::Empty) => {
                return Err(err);
            }
            Err(_) => {}
        }
    }
    // A linear model is decoded whole, so every byte is checked; a model file of ours holding
    // another type is verified as far as it can be without knowing it.
    let report = match load(&file, limits) {
        Ok(linear) => match linear.origin {
            Origin::Ours(header) if json => to_json(&header),
            Origin::Ours(header) => header.to_string(),
            Origin::Sklearn(python) if json => to_json(&python),
            Origin::Sklearn(python) => python.to_string(),
            Origin::Exported(_) if json => to_json(&linear.metadata),
            Origin::Exported(format) => {
                format!(
                    "written as    {format}, by model-persistence{}",
                    linear.metadata
                )
            }
        },
        Err(err) if matches!(err.kind(), ErrorKind::WrongType { .. }) && !is_url(&file) => {
            let header = inspect(&file)?;
            if json {
                to_json(&header)
            } else {
                header.to_string()
            }
        }
        Err(err) => return Err(err),
    };
    Ok(if json {
        report
    } else {
        format!("file          {file}\n{report}")
    })
}

/// The linear model in the file at `file`, a path or a URL.
fn load(file: &str, limits: Limits) -> Result<Linear, Error> {
    if is_url(file) {
        Ok(store::read(&Location::parse(file)?, limits)?.0)
    } else {
        convert::load_with(file, limits)
    }
}

/// Predicts the rows of `input` (`-` for standard input) and prints them as they come, so a
/// file of any length takes the same memory.
fn predict_rows(file: String, input: PathBuf, limits: Limits) -> Result<(), Error> {
    let linear = load(&file, limits)?;
    let out = std::io::stdout().lock();
    predict_file(&linear.model, &linear.metadata.feature_names, &input, out).map(|_| ())
}

fn convert_file(
    input: String,
    output: String,
    target: Option<Target>,
    mode: Mode,
    limits: Limits,
) -> Result<String, Error> {
    let linear = load(&input, limits)?;
    let bytes = if is_url(&output) {
        store::write(&linear, &Location::parse(&output)?, target, mode)?.bytes
    } else {
        convert::save(&linear, &output, target)?
    };
    Ok(format!(
        "wrote {output} ({bytes} bytes), {} features",
        linear.model.n_features()
    ))
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("reports are plain data")
}
