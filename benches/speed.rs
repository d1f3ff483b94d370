//! `cargo bench --bench speed`: how fast the Rust way is, side by side with pickle, joblib and
//! numpy, and against the raw speed of the disk, measured in one run on the same data.
//!
//! The Rust side is timed in-process (median over many runs after a warm-up); the Python side
//! runs `benches/python_side.py` on data files this driver writes; a raw floor (one `write_all`
//! of the payload's bytes, one `fs::read`) is measured in the same run. The 80 MB head-to-head
//! with numpy runs in rounds, numpy in a `python_side.py serve` process that takes orders. Results go to
//! `benches/results/results.json`; `cargo xtask bench` runs this and then writes the report
//! (`results.md`) and the chart (`book/src/figures/speed.svg`) from it.
//!
//! Options (after `--`): `--quick` for few runs (a smoke test, not for the book);
//! `--no-python` to skip the Python side. Without Python, scikit-learn or joblib, the Rust side
//! still runs and the report says what was skipped.
//!
//! A median of repeated runs is all this needs; criterion's statistics, plots and its dependency
//! tree would not change the numbers, and the rows must share one schema with the Python side,
//! so the timing loop is written here.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use linfa::traits::Fit;
use linfa_linear::LinearRegression;
use model_persistence::file::mapped::Mapped;
use model_persistence::file::persist::save_unsynced;
use model_persistence::prelude::*;
use model_persistence::python::{self, ARTICLE_JOBLIB, ARTICLE_PICKLE};
use rand_mt::Mt64;
use serde_json::Value;

const PAYLOAD_VALUES: usize = 10_000_000;

#[path = "speed/schema.rs"]
mod schema;
use schema::{Memory, Report, Row};

/// The name a codec has in the rows of `results.json`: the names of the first runs, kept so that
/// runs stay comparable.
fn row_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Bincode => "bincode",
        Codec::BincodeZstd => "zstd",
        Codec::Json => "json",
    }
}

/// Median wall time of `action` over `runs` runs, after one warm-up run; `setup` runs before
/// each, outside the clock.
fn median(runs: usize, mut setup: impl FnMut(), mut action: impl FnMut()) -> f64 {
    setup();
    action();
    middle((0..runs).map(|_| timed(&mut setup, &mut action)).collect())
}

/// The median of `times`.
fn middle(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Seconds taken by `action`, after `setup`, which stays off the clock.
fn timed(setup: impl FnOnce(), action: impl FnOnce()) -> f64 {
    setup();
    let start = Instant::now();
    action();
    start.elapsed().as_secs_f64()
}

/// What every save of the benchmark, ours, Python's and the floor's, starts from: no file at the
/// path, and the writeback of the runs before it finished (`sync`), so that no run pays for the
/// last one's writes, and none writes over a file that still has dirty pages.
fn fresh(path: &Path) {
    let _ = fs::remove_file(path);
    let synced = Command::new("sync").status().expect("sync runs");
    assert!(synced.success());
}

/// The median of `runs` fresh processes, each timing one `MP_TIME` operation on `path` itself.
fn fresh_processes(runs: usize, what: &str, path: &Path) -> f64 {
    let exe = std::env::current_exe().expect("the benchmark's path");
    let times = (0..runs + 1)
        .map(|_| {
            let output = Command::new(&exe)
                .env("MP_TIME", what)
                .env("MP_PATH", path)
                .output()
                .expect("the benchmark runs itself");
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .expect("a time in seconds")
        })
        .skip(1)
        .collect();
    middle(times)
}

struct Bench {
    rows: Vec<Row>,
    dir: tempfile::TempDir,
}

impl Bench {
    fn time(&mut self, workload: &str, operation: &str, runs: usize, action: impl FnMut()) {
        self.time_from(workload, operation, runs, || {}, action);
    }

    /// [`Bench::time`], with `setup` run before each run, outside the clock.
    fn time_from(
        &mut self,
        workload: &str,
        operation: &str,
        runs: usize,
        setup: impl FnMut(),
        action: impl FnMut(),
    ) {
        self.record(workload, operation, runs, median(runs, setup, action));
    }

    fn record(&mut self, workload: &str, operation: &str, runs: usize, median_s: f64) {
        self.rows.push(Row {
            workload: workload.into(),
            system: "rust".into(),
            operation: operation.into(),
            median_s,
            runs,
            bytes: None,
        });
    }

    fn with_bytes(&mut self, path: &Path) {
        let bytes = fs::metadata(path).map(|m| m.len()).ok();
        if let Some(row) = self.rows.last_mut() {
            row.bytes = bytes;
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Save (atomic and synced, as `save` does), write without sync (`save_unsynced`, the
    /// counterpart of `pickle.dump` and `np.save`) and load, with every codec. Every save writes
    /// a new file (see [`fresh`]). With `head_to_head`, bincode's write and load are left to
    /// [`Bench::head_to_head`].
    fn persistence<M>(&mut self, workload: &str, model: &M, runs: usize, head_to_head: bool)
    where
        M: serde::Serialize + serde::de::DeserializeOwned + std::any::Any + PartialEq,
    {
        for codec in Codec::ALL {
            let runs = if codec == Codec::Json {
                runs.min(5)
            } else {
                runs
            };
            let path = self.path(&format!("model.{}", codec.extension()));
            let name = row_name(codec);
            let operation = format!("save {name} (atomic, synced)");
            self.time_from(
                workload,
                &operation,
                runs,
                || fresh(&path),
                || {
                    save(model, &path, codec).expect("save");
                },
            );
            self.with_bytes(&path);
            if head_to_head && codec == Codec::Bincode {
                continue;
            }
            let operation = format!("write {name} (not synced)");
            self.time_from(
                workload,
                &operation,
                runs,
                || fresh(&path),
                || {
                    save_unsynced(model, &path, codec).expect("write");
                },
            );
            let back: M = load(&path).expect("load");
            assert!(back == *model, "{workload}: {name} did not round-trip");
            self.time(workload, &format!("load {name}"), runs, || {
                drop(load::<M>(&path).expect("load"));
            });
        }
    }

    /// The raw floor: the payload's bytes written to a new file in one `write_all`, its blocks
    /// reserved first (`fallocate`, as `np.save` and our saves do), and read in one `fs::read`.
    /// With `head_to_head`, the unsynced write is left to [`Bench::head_to_head`].
    fn floor(&mut self, workload: &str, bytes: &[u8], runs: usize, head_to_head: bool) {
        let path = self.path("raw.bytes");
        if !head_to_head {
            self.time_from(
                workload,
                "floor: write_all (not synced)",
                runs,
                || fresh(&path),
                || drop(floor_write(&path, bytes).expect("raw write")),
            );
        }
        self.time_from(
            workload,
            "floor: write_all + sync_all",
            runs,
            || fresh(&path),
            || {
                floor_write(&path, bytes)
                    .and_then(|file| file.sync_all())
                    .expect("raw write");
            },
        );
        self.time(workload, "floor: fs::read", runs, || {
            assert_eq!(fs::read(&path).expect("raw read").len(), bytes.len());
        });
    }

    /// The 80 MB head-to-head, timed in [`rounds`]: our unsynced write and our load of it, the
    /// floor's write, and `np.save` and `np.load`; every save to a fresh file (see [`fresh`]).
    /// Timed one after another instead, a slow spell of the machine falls on whichever
    /// contender runs during it; in rounds it falls on all of them alike.
    fn head_to_head(
        &mut self,
        workload: &str,
        (name, array, bytes): (&str, &Array1<f64>, &[u8]),
        mut numpy: Option<&mut Numpy>,
        runs: usize,
    ) {
        let (ours, raw) = (self.path("model.bin"), self.path("raw.bytes"));
        let contenders: Vec<(&str, &str)> = HEAD_TO_HEAD
            .into_iter()
            .filter(|&(system, _)| system == "rust" || numpy.is_some())
            .collect();
        let medians = rounds(runs, contenders.len(), |i| match contenders[i].1 {
            "write bincode (not synced)" => timed(
                || fresh(&ours),
                || {
                    save_unsynced(array, &ours, Codec::Bincode).expect("write");
                },
            ),
            "floor: write_all (not synced)" => timed(
                || fresh(&raw),
                || drop(floor_write(&raw, bytes).expect("raw write")),
            ),
            "load bincode" => timed(|| {}, || drop(load::<Array1<f64>>(&ours).expect("load"))),
            ROUND_TRIP => core_round_trip(),
            numpy_operation => numpy
                .as_mut()
                .expect("numpy's rows only with numpy")
                .time(numpy_operation, name),
        });
        let saved_by_numpy = fs::metadata(self.path("py.npy")).map(|m| m.len()).ok();
        for ((system, operation), median_s) in contenders.into_iter().zip(medians) {
            let bytes = (operation == "np.save").then_some(saved_by_numpy).flatten();
            let (workload, operation) = match operation {
                ROUND_TRIP => ("machine".into(), format!("{operation}, {workload} rounds")),
                _ => (workload.to_string(), operation.to_string()),
            };
            self.rows.push(Row {
                workload,
                system: system.into(),
                operation,
                median_s,
                runs,
                bytes,
            });
        }
    }
}

/// The contenders of [`Bench::head_to_head`], in the order each round runs them: how far apart
/// the cores are, then each side's save followed by its load of what it wrote, so that each load
/// starts right after its own side has run, not after the other side.
const HEAD_TO_HEAD: [(&str, &str); 6] = [
    ("rust", ROUND_TRIP),
    ("rust", "write bincode (not synced)"),
    ("rust", "load bincode"),
    ("rust", "floor: write_all (not synced)"),
    ("python", "np.save"),
    ("python", "np.load"),
];

/// The floor's write: a new file, its blocks reserved, the bytes written in one `write_all`.
fn floor_write(path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let mut file = File::create(path)?;
    #[cfg(target_os = "linux")]
    rustix::fs::fallocate(
        &file,
        rustix::fs::FallocateFlags::KEEP_SIZE,
        0,
        bytes.len() as u64,
    )?;
    file.write_all(bytes)?;
    Ok(file)
}

/// The medians of `contenders` contenders timed in rounds: after a warm-up round, each round
/// runs every contender once, in turn (`time(i)` runs contender `i` and returns its seconds, its
/// setup kept off the clock).
fn rounds(runs: usize, contenders: usize, mut time: impl FnMut(usize) -> f64) -> Vec<f64> {
    let mut times = vec![Vec::with_capacity(runs); contenders];
    for round in 0..=runs {
        for (i, times) in times.iter_mut().enumerate() {
            let seconds = time(i);
            if round > 0 {
                times.push(seconds);
            }
        }
    }
    times.into_iter().map(middle).collect()
}

/// numpy in a Python process that waits for orders (`python_side.py DATA serve`): the other side
/// of the head-to-head rounds.
struct Numpy {
    child: Child,
    orders: ChildStdin,
    answers: BufReader<ChildStdout>,
}

impl Numpy {
    fn start(dir: &Path) -> Result<Numpy, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python_side.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("python3 did not start: {e}"))?;
        let orders = child.stdin.take().expect("piped");
        let answers = BufReader::new(child.stdout.take().expect("piped"));
        let mut numpy = Numpy {
            child,
            orders,
            answers,
        };
        numpy.ask("ready").map(|_| numpy)
    }

    /// Sends one order and returns the number it answers, the seconds of a timed one.
    fn ask(&mut self, order: &str) -> Result<f64, String> {
        writeln!(self.orders, "{order}").map_err(|e| e.to_string())?;
        let mut answer = String::new();
        self.answers
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        answer
            .trim()
            .parse()
            .map_err(|_| format!("no answer to {order} (numpy missing?)"))
    }

    /// Times `np.save` (from a fresh file) or `np.load` of the values of `DATA/{name}.f64`.
    fn time(&mut self, operation: &str, name: &str) -> f64 {
        self.ask(&format!("{operation} {name}"))
            .expect("numpy answers")
    }
}

impl Drop for Numpy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Not a contender: how long a cache line takes to go from one core to the other and back.
const ROUND_TRIP: &str = "core-to-core round trip";

/// Seconds for one [`ROUND_TRIP`] between the first two cores: tens of nanoseconds when they share
/// a cache (two threads of one physical core), hundreds when they do not. On a virtual machine it
/// changes as the host moves the cores about, and our save, whose second thread hashes what the
/// first one is about to write, is faster when it is short; each run of the benchmark records it.
#[cfg(target_os = "linux")]
fn core_round_trip() -> f64 {
    use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
    use std::sync::atomic::{
        AtomicU64,
        Ordering::{Acquire, Release},
    };
    const TRIPS: u64 = 2000;
    if std::thread::available_parallelism().map_or(true, |n| n.get() < 2) {
        return f64::NAN;
    }
    let pin = |cpu| {
        let mut set = CpuSet::new();
        set.set(cpu);
        sched_setaffinity(None, &set).expect("two cores");
    };
    let ball = AtomicU64::new(0);
    let allowed = sched_getaffinity(None).expect("affinity");
    let seconds = std::thread::scope(|scope| {
        scope.spawn(|| {
            pin(1);
            for trip in 0..=TRIPS {
                while ball.load(Acquire) != 2 * trip + 1 {
                    std::hint::spin_loop();
                }
                ball.store(2 * trip + 2, Release);
            }
        });
        pin(0);
        let mut start = Instant::now();
        // The first trip waits for the other thread to start: off the clock.
        for trip in 0..=TRIPS {
            ball.store(2 * trip + 1, Release);
            while ball.load(Acquire) != 2 * trip + 2 {
                std::hint::spin_loop();
            }
            if trip == 0 {
                start = Instant::now();
            }
        }
        start.elapsed().as_secs_f64()
    });
    sched_setaffinity(None, &allowed).expect("affinity");
    seconds / TRIPS as f64
}

#[cfg(not(target_os = "linux"))]
fn core_round_trip() -> f64 {
    f64::NAN
}

/// Standard normal values by Box–Muller from a seeded Mersenne Twister: the same data every run,
/// without a dependency for one distribution.
fn normal_values(n: usize, rng: &mut Mt64) -> Vec<f64> {
    let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| {
            let (u, v) = (1.0 - uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// A smooth, repetitive series: a slow sine kept at two decimals, like a sensor log.
fn series_values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 / 1000.0).sin() * 100.0).round() / 100.0)
        .collect()
}

fn raw_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Runs `what` (`load` or `map`) on `path` in a fresh process and returns the memory it took:
/// for a load, the peak resident memory above what the process had before; for a mapping, the
/// anonymous memory above it (the mapped file's pages are the page cache's, shared and
/// reclaimable, not the process's own).
fn peak_memory(what: &str, path: &Path) -> Option<u64> {
    let output = Command::new(std::env::current_exe().ok()?)
        .env("MP_PEAK", what)
        .env("MP_PATH", path)
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    kib * 1024
}

/// The child of [`peak_memory`].
fn peak_memory_child(what: &str, path: &Path) {
    let (rss, anon) = (status_bytes("VmRSS:"), status_bytes("RssAnon:"));
    let taken = if what == "map" {
        let mapped = Mapped::open(path).expect("map");
        assert_eq!(mapped.values().len(), PAYLOAD_VALUES);
        status_bytes("RssAnon:").saturating_sub(anon)
    } else {
        let values: Array1<f64> = load(path).expect("load");
        assert_eq!(values.len(), PAYLOAD_VALUES);
        status_bytes("VmHWM:").saturating_sub(rss)
    };
    println!("{taken}");
}

/// The child of [`fresh_processes`]: times one `what` on `path`, prints the seconds.
fn time_child(what: &str, path: &Path) {
    let start = Instant::now();
    match what {
        "load" => drop(load::<Array1<f64>>(path).expect("load")),
        "map" => drop(Mapped::open(path).expect("map")),
        other => panic!("nothing to time called {other}"),
    }
    println!("{}", start.elapsed().as_secs_f64());
}

fn system_info(python: Option<String>) -> Value {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("model name"))?.to_string();
            Some(line.split(':').nth(1)?.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string());
    serde_json::json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "os": std::env::consts::OS,
        "rustc": rustc,
        "python": python,
    })
}

fn main() {
    let child_path = std::env::var_os("MP_PATH").map(PathBuf::from);
    if let (Ok(what), Some(path)) = (std::env::var("MP_PEAK"), &child_path) {
        return peak_memory_child(&what, path);
    }
    if let (Ok(what), Some(path)) = (std::env::var("MP_TIME"), &child_path) {
        return time_child(&what, path);
    }
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let no_python = args.iter().any(|a| a == "--no-python");
    let runs = if quick {
        Runs {
            small: 20,
            large: 3,
            fits: 5,
            processes: 3,
        }
    } else {
        Runs {
            small: 200,
            large: 21,
            fits: 31,
            processes: 21,
        }
    };
    let dir = tempfile::Builder::new()
        .prefix("speed")
        .tempdir_in(".")
        .expect("temp dir");
    let mut bench = Bench {
        rows: Vec::new(),
        dir,
    };

    let mut skipped = Vec::new();
    let mut numpy = match no_python {
        true => None,
        false => Numpy::start(bench.dir.path())
            .map_err(|why| skipped.push(format!("numpy's head-to-head rows: {why}")))
            .ok(),
    };
    let (train_set, _) = train_test_split(&load_wine(), 0.33, 3, true).expect("split");
    article_model(&mut bench, &train_set, &runs);
    let mut rng = Mt64::new(42);
    fitting(&mut bench, &train_set, &runs, &mut rng);
    let memory = payloads(&mut bench, &runs, &mut rng, numpy.as_mut());
    drop(numpy);
    let out = whole_article(&mut bench, &runs);

    let mut python_versions = None;
    if no_python {
        skipped.push("the Python side (--no-python)".to_string());
    } else {
        eprintln!("python ...");
        match python_side(&bench, quick, &out) {
            Ok((versions, rows)) => {
                python_versions = Some(versions);
                bench.rows.extend(rows);
            }
            Err(why) => skipped.push(format!("the Python side: {why}")),
        }
    }
    for why in &skipped {
        eprintln!("skipped {why}");
    }
    let report = Report {
        system: system_info(python_versions),
        skipped,
        rows: bench.rows,
        memory,
    };
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results");
    fs::create_dir_all(&results).expect("results dir");
    let json = serde_json::to_string_pretty(&report).expect("plain data");
    fs::write(results.join("results.json"), json + "\n").expect("results.json");
    eprintln!("wrote benches/results/results.json; `cargo xtask bench-report` writes the report");
}

/// How many runs each kind of measurement takes the median of.
struct Runs {
    /// The article's model, on files.
    small: usize,
    /// The 80 MB payloads.
    large: usize,
    /// Fitting 100,000 rows.
    fits: usize,
    /// The whole article as a process.
    processes: usize,
}

/// 1. The article's model: save, write, load with every codec, in memory too, and the floor.
fn article_model(bench: &mut Bench, train_set: &WineData, runs: &Runs) {
    let model = train(train_set).expect("train");
    eprintln!("article model ...");
    bench.persistence("article model", &model, runs.small, false);
    for codec in Codec::ALL {
        let name = row_name(codec);
        let bytes = encode(&model, &Metadata::default(), codec).expect("encode");
        let encoded = format!("encode {name} (in memory)");
        bench.time("article model", &encoded, runs.small * 10, || {
            encode(&model, &Metadata::default(), codec).expect("encode");
        });
        let decoded = format!("decode {name} (in memory)");
        bench.time("article model", &decoded, runs.small * 10, || {
            decode::<Model>(&bytes, MAX_PAYLOAD_BYTES).expect("decode");
        });
    }
    let model_bytes = fs::read(bench.path("model.bin")).expect("the model file");
    bench.floor("article model", &model_bytes, runs.small, false);

    // The article's own Python files, read into a model as `pickle.load` and `joblib.load` do.
    for (file, bytes) in [
        ("Pck_LR_Model.pkl", ARTICLE_PICKLE),
        ("Jlib_LR_Model.pkl", ARTICLE_JOBLIB),
    ] {
        let path = bench.path(file);
        fs::write(&path, bytes).expect("the article's file");
        let operation = format!("python::load {file} + model()");
        bench.time(
            "article's Python files",
            &operation,
            runs.small * 10,
            || {
                python::load(&path).and_then(|p| p.model()).expect("read");
            },
        );
    }
}

/// 4. Fitting: the article's 119 rows, and 100,000 synthetic rows (written for the Python side).
fn fitting(bench: &mut Bench, train_set: &WineData, runs: &Runs, rng: &mut Mt64) {
    eprintln!("fit ...");
    bench.time("fit", "fit wine (119 x 13)", runs.small, || {
        train(train_set).expect("train");
    });
    let x = Array2::from_shape_vec((100_000, 10), normal_values(1_000_000, rng)).expect("x");
    let weights = Array1::from_iter((1..=10).map(f64::from));
    let noise = Array1::from(normal_values(100_000, rng));
    let y = x.dot(&weights) + noise;
    let synthetic = Dataset::new(x.clone(), y.clone());
    bench.time("fit", "fit 100000 x 10", runs.fits, || {
        LinearRegression::new().fit(&synthetic).expect("fit");
    });
    let x_bytes = raw_bytes(x.as_slice().expect("x"));
    fs::write(bench.path("synthetic_x.f64"), x_bytes).expect("x");
    let y_bytes = raw_bytes(y.as_slice().expect("y"));
    fs::write(bench.path("synthetic_y.f64"), y_bytes).expect("y");
}

/// 2 and 3. 80 MB payloads, uncompressed and compressed, head to head with `numpy` when it
/// runs, and the peak memory of their loads.
fn payloads(
    bench: &mut Bench,
    runs: &Runs,
    rng: &mut Mt64,
    mut numpy: Option<&mut Numpy>,
) -> Vec<Memory> {
    let mut memory = Vec::new();
    for (name, values) in [
        ("normal", normal_values(PAYLOAD_VALUES, rng)),
        ("series", series_values(PAYLOAD_VALUES)),
    ] {
        let workload = format!("80 MB {name}");
        eprintln!("{workload} ...");
        let bytes = raw_bytes(&values);
        fs::write(bench.path(&format!("{name}.f64")), &bytes).expect("payload");
        let array = Array1::from(values);
        bench.persistence(&workload, &array, runs.large, true);
        bench.floor(&workload, &bytes, runs.large, true);
        let numpy = numpy.as_deref_mut();
        bench.head_to_head(&workload, (name, &array, &bytes), numpy, runs.large);
        let path = bench.path("model.bin");
        save(&array, &path, Codec::Bincode).expect("save");
        let fresh_load = fresh_processes(runs.large, "load", &path);
        bench.record(
            &workload,
            "load bincode (first in a fresh process)",
            runs.large,
            fresh_load,
        );
        bench.time(
            &workload,
            "map bincode (Mapped::open, checksum verified)",
            runs.large,
            || {
                let mapped = Mapped::open(&path).expect("map");
                assert_eq!(mapped.values().len(), PAYLOAD_VALUES);
            },
        );
        // What the checksum costs on its own: every save and load hashes the payload once.
        bench.time(
            &workload,
            "checksum alone: XXH3-64 of the payload in memory",
            runs.large,
            || {
                std::hint::black_box(twox_hash::XxHash3_64::oneshot(&bytes));
            },
        );
        let payload_bytes = bytes.len() as u64;
        let zstd_path = bench.path("model.bin.zst");
        save(&array, &zstd_path, Codec::BincodeZstd).expect("save");
        for (what, format, path) in [
            ("load", "bincode", &path),
            ("map", "bincode, mapped (anonymous memory)", &path),
            ("load", row_name(Codec::BincodeZstd), &zstd_path),
        ] {
            if let Some(peak_bytes) = peak_memory(what, path) {
                memory.push(Memory {
                    workload: workload.clone(),
                    format: format.to_string(),
                    payload_bytes,
                    peak_bytes,
                    ratio: peak_bytes as f64 / payload_bytes as f64,
                });
            }
        }
    }
    memory
}

/// 5. The whole article as a process; returns the folder it writes its models to.
fn whole_article(bench: &mut Bench, runs: &Runs) -> PathBuf {
    eprintln!("whole article ...");
    let out = bench.path("article");
    fs::create_dir_all(&out).expect("out dir");
    let operation = "cargo run --release (the binary)";
    bench.time("whole article", operation, runs.processes, || {
        let status = Command::new(env!("CARGO_BIN_EXE_model-persistence"))
            .arg("--out-dir")
            .arg(&out)
            .output()
            .expect("the binary runs")
            .status;
        assert!(status.success());
    });
    out
}

/// Runs the Python side and the Python article process; the rows, or why they are missing.
fn python_side(bench: &Bench, quick: bool, out: &Path) -> Result<(String, Vec<Row>), String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches");
    let output = Command::new("python3")
        .arg(here.join("python_side.py"))
        .arg(bench.dir.path())
        .arg(if quick { "1" } else { "0" })
        .output()
        .map_err(|e| format!("python3 did not start: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr
            .lines()
            .last()
            .unwrap_or("python3 failed")
            .to_string());
    }
    let value: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let mut rows: Vec<Row> =
        serde_json::from_value(value["rows"].clone()).map_err(|e| e.to_string())?;
    let article = here.join("article.py");
    let runs = if quick { 2 } else { 7 };
    let seconds = median(
        runs,
        || {},
        || {
            let status = Command::new("python3")
                .arg(&article)
                .arg(out)
                .output()
                .expect("python3")
                .status;
            assert!(status.success());
        },
    );
    rows.push(Row {
        workload: "whole article".into(),
        system: "python".into(),
        operation: "python3 benches/article.py".into(),
        median_s: seconds,
        runs,
        bytes: None,
    });
    Ok((value["versions"].as_str().unwrap_or("").to_string(), rows))
}
