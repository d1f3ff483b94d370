//! Atomic saves under fire: a child process saves two models in turn, over and over, and is
//! killed at random moments; after every kill the file must load as one model or the other.
//!
//! This file has its own `main` (`harness = false`) because the same binary plays the child:
//! with `MP_SAVE_LOOP` set it only saves in a loop until it is killed.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use model_persistence::prelude::*;

const KILLS: usize = 200;
const VALUES: usize = 1 << 17;

/// Model `which` of the two the child alternates between, 2 first: 1 MiB of one value.
fn model(which: u8) -> Vec<f64> {
    vec![f64::from(which); VALUES]
}

fn save_forever(path: &Path) -> ! {
    loop {
        for which in [2, 1] {
            save(&model(which), path, Codec::Bincode).expect("the child can save");
        }
    }
}

fn killed_savers_leave_the_old_or_the_new_model() -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("model.bin");
    save(&model(1), &path, Codec::Bincode).map_err(|e| e.to_string())?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    // The kill delays come from a seeded Mersenne Twister: a failing run can be repeated.
    let mut rng = rand_mt::Mt64::new(0x9E37_79B9_7F4A_7C15);
    let (mut ones, mut twos) = (0, 0);
    let started = Instant::now();
    for kill in 0..KILLS {
        let mut child = Command::new(&me)
            .env("MP_SAVE_LOOP", &path)
            .spawn()
            .map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_micros(1_000 + rng.next_u64() % 60_000));
        child.kill().map_err(|e| e.to_string())?;
        child.wait().map_err(|e| e.to_string())?;
        match load::<Vec<f64>>(&path) {
            Ok(m) if m == model(1) => ones += 1,
            Ok(m) if m == model(2) => twos += 1,
            Ok(_) => return Err(format!("kill {kill}: the file holds a third model")),
            Err(e) => return Err(format!("kill {kill}: {e}")),
        }
    }
    // Temporary files of killed savers stay behind (nothing can clean up after SIGKILL), but
    // never under the model's own name.
    let leftovers = std::fs::read_dir(dir.path())
        .map_err(|e| e.to_string())?
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name() != "model.bin"))
        .count();
    Ok(format!(
        "{KILLS} kills in {:.1} s: {ones} left the first model, {twos} the second, \
         {leftovers} temporary files of interrupted saves",
        started.elapsed().as_secs_f64()
    ))
}

fn main() -> ExitCode {
    if let Some(path) = std::env::var_os("MP_SAVE_LOOP") {
        save_forever(Path::new(&path));
    }
    let name = "killed_savers_leave_the_old_or_the_new_model";
    match killed_savers_leave_the_old_or_the_new_model() {
        Ok(summary) => {
            println!("test {name} ... ok\n  {summary}\n\ntest result: ok. 1 passed; 0 failed");
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("test {name} ... FAILED\n  {why}\n\ntest result: FAILED. 0 passed; 1 failed");
            ExitCode::FAILURE
        }
    }
}
