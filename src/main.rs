//! `model-persistence`: run the article end to end and print what happened.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use model_persistence::Error;
use model_persistence::article::{Options, run};
use model_persistence::split::TestSize;

/// Train the article's linear regression on the wine data, save it the pickle way and the joblib
/// way, reload both and check they predict identically.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
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
    let options = Options {
        seed: cli.seed,
        test_size: cli.test_size,
        stratify: !cli.no_stratify,
        out_dir: cli.out_dir,
    };
    match run(&options) {
        Ok(report) if cli.json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("a report is plain data")
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            // A split that does not fit the data comes from an option value: usage error.
            ExitCode::from(if matches!(err, Error::Split(_)) { 2 } else { 1 })
        }
    }
}
