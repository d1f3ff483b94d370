//! `model-persistence`: run the article end to end; inspect, predict with or convert a model file,
//! one of ours or one that scikit-learn wrote (pickle, joblib, skops), told apart by content.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use model_persistence::article::{Options, run};
use model_persistence::convert::{self, Origin, Target};
use model_persistence::data::read_rows;
use model_persistence::evaluate::predict;
use model_persistence::persist::inspect;
use model_persistence::split::TestSize;
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

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a model file (ours, or a scikit-learn pickle, joblib or skops file) and print what
    /// it says about the model.
    Inspect {
        /// The model file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load a linear model (from any file `inspect` reads) and print one prediction per row of a
    /// CSV file.
    Predict {
        /// The model file.
        file: PathBuf,
        /// CSV rows of features; a header line is optional.
        #[arg(long)]
        input: PathBuf,
    },
    /// Write the linear model of IN (any file `inspect` reads) to OUT: a model file of ours,
    /// with what IN says about it in OUT's metadata, or a skops, ONNX or safetensors file.
    Convert {
        /// The model file to read.
        input: PathBuf,
        /// The file to write, replaced atomically if it exists.
        output: PathBuf,
        /// bincode, bincode+zstd, json, skops, onnx or safetensors (by default, from OUT's
        /// extension).
        #[arg(long)]
        format: Option<Target>,
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
        None => article(cli.article),
        Some(Command::Inspect { file, json }) => inspect_file(file, json),
        Some(Command::Predict { file, input }) => predict_rows(file, input),
        Some(Command::Convert {
            input,
            output,
            format,
        }) => convert_file(input, output, format),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(if is_usage(&err) { 2 } else { 1 })
        }
    }
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

/// Whether `err` comes from a bad argument rather than a file: a split that does not fit the
/// data, an output whose extension names no format.
fn is_usage(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Split(_) | ErrorKind::UnknownExtension
    )
}

fn inspect_file(file: PathBuf, json: bool) -> Result<String, Error> {
    // A linear model is decoded whole, so every byte is checked; a model file of ours holding
    // another type is verified as far as it can be without knowing it.
    let report = match convert::load(&file) {
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
        Err(err) if matches!(err.kind(), ErrorKind::WrongType { .. }) => {
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
        format!("file          {}\n{report}", file.display())
    })
}

fn predict_rows(file: PathBuf, input: PathBuf) -> Result<String, Error> {
    let model = convert::load(&file)?.model;
    let rows = read_rows(&input, model.params().len())?;
    let predictions = predict(&model, &rows)?;
    Ok(predictions
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join("\n"))
}

fn convert_file(input: PathBuf, output: PathBuf, target: Option<Target>) -> Result<String, Error> {
    let linear = convert::load(&input)?;
    let bytes = convert::save(&linear, &output, target)?;
    Ok(format!(
        "wrote {} ({bytes} bytes), {} features",
        output.display(),
        linear.model.params().len()
    ))
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("reports are plain data")
}
