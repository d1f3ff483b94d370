//! `model-persistence`: run the article end to end, inspect a model file, or predict with one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use model_persistence::article::{Options, run};
use model_persistence::data::read_rows;
use model_persistence::evaluate::predict;
use model_persistence::persist::{inspect, load_with_header};
use model_persistence::split::TestSize;
use model_persistence::train::Model;
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
    /// Verify a model file and print its header and metadata.
    Inspect {
        /// The model file.
        file: PathBuf,
        /// Print the header as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load the article's model and print one prediction per row of a CSV file.
    Predict {
        /// The model file.
        file: PathBuf,
        /// CSV rows of features; a header line is optional.
        #[arg(long)]
        input: PathBuf,
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
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            // A split that does not fit the data comes from an option value: usage error.
            ExitCode::from(if matches!(err.kind(), ErrorKind::Split(_)) {
                2
            } else {
                1
            })
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

fn inspect_file(file: PathBuf, json: bool) -> Result<String, Error> {
    // A model of the article's type is decoded too, so every byte is checked; any other type
    // is verified as far as it can be without knowing it. Either way the file is read once.
    let header = match load_with_header::<Model>(&file) {
        Ok(loaded) => loaded.header,
        Err(err) if matches!(err.kind(), ErrorKind::WrongType { .. }) => inspect(&file)?,
        Err(err) => return Err(err),
    };
    Ok(if json {
        to_json(&header)
    } else {
        format!("file          {}\n{header}", file.display())
    })
}

fn predict_rows(file: PathBuf, input: PathBuf) -> Result<String, Error> {
    let model = load_with_header::<Model>(&file)?.model;
    let rows = read_rows(&input, model.params().len())?;
    let predictions = predict(&model, &rows)?;
    Ok(predictions
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join("\n"))
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("reports are plain data")
}
