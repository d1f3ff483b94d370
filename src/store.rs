//! Model files in object storage: S3 and the servers that speak its protocol, a local folder or
//! memory, named by URL (`s3://bucket/key`, `file:///path`, `memory://name/key`), through Apache
//! Arrow's [`object_store`].
//!
//! An object holds exactly the bytes a file would, and is checked the same way: a load downloads
//! the whole object and verifies its length and checksum before a model is returned; a save
//! sends the whole file in one PUT, which the store makes visible all at once or not at all.
//! [`Mode`] says whether a save may replace an object, must create it, or must find the version
//! it read. [`inspect`] reads only the header and the descriptor, with ranged requests.
//!
//! S3's endpoint and credentials come from the environment, as `object_store` reads them
//! (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, ...); an endpoint
//! `http://...` is allowed without TLS. Requests are retried twice, and a server that does not
//! answer is given up after seconds, not minutes. The functions block; each runs on a runtime
//! the module keeps, so they must not be called from inside an async runtime.

use std::any::Any;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig, UpdateVersion,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::file::codec::Codec;
use crate::file::layout::{self, Header, Loaded, MAGIC, MAX_PAYLOAD_BYTES, Metadata};
use crate::file::persist::MAX_FILE_BYTES;
use crate::python::Linear;
use crate::python::convert::{self, Target};
use crate::python::{Limits, SklearnProblem};

/// Where a model file is kept: a store and a key in it, with the URL that named them.
///
/// ```
/// use model_persistence::store::Location;
///
/// let at = Location::parse("memory://models/wine.bin")?;
/// assert_eq!(at.url(), "memory://models/wine.bin");
/// assert!(Location::parse("ftp://host/wine.bin").is_err());
/// # Ok::<(), model_persistence::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    key: Key,
    url: String,
}

impl Location {
    /// The store and key that `url` names: `s3://bucket/key` (configured from the environment),
    /// `file:///absolute/path`, or `memory://name/key` (one store per name, kept for the life of
    /// the process).
    pub fn parse(url: &str) -> Result<Location> {
        let at = |e: Error| e.at(Path::new(url));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| at(StoreProblem::BadUrl("no scheme".into()).into()))?;
        let (store, key): (Arc<dyn ObjectStore>, &str) = match scheme {
            "s3" => {
                let bucket = rest.split('/').next().unwrap_or_default();
                (s3(bucket).map_err(at)?, after_first(rest))
            }
            "memory" => (
                memory(rest.split('/').next().unwrap_or_default()),
                after_first(rest),
            ),
            "file" => (Arc::new(LocalFileSystem::new()), rest),
            other => {
                let problem = StoreProblem::BadUrl(format!("the scheme {other}:// is not read"));
                return Err(at(problem.into()));
            }
        };
        let key = Key::parse(key).map_err(|e| at(StoreProblem::BadUrl(e.to_string()).into()))?;
        if key.as_ref().is_empty() {
            return Err(at(
                StoreProblem::BadUrl("no key after the bucket".into()).into()
            ));
        }
        Ok(Location {
            store,
            key,
            url: url.to_string(),
        })
    }

    /// A key in a store the caller built (any [`ObjectStore`]: Google Cloud, Azure, a prefix of
    /// another), reported in errors as `url`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use model_persistence::store::{self, Location, Mode};
    /// use model_persistence::prelude::*;
    ///
    /// let memory = Arc::new(object_store::memory::InMemory::new());
    /// let at = Location::new(memory, "wine.bin", "my-store/wine.bin")?;
    /// store::save(&vec![1.0_f64], &Metadata::default(), &at, Codec::Bincode, Mode::Create)?;
    /// assert_eq!(store::load::<Vec<f64>>(&at)?.0.model, vec![1.0]);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(store: Arc<dyn ObjectStore>, key: &str, url: &str) -> Result<Location> {
        let key = Key::parse(key)
            .map_err(|e| Error::from(StoreProblem::BadUrl(e.to_string())).at(Path::new(url)))?;
        Ok(Location {
            store,
            key,
            url: url.to_string(),
        })
    }

    /// The URL the location was named by, as errors name it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The location of `name` under this one, as under a folder: `s3://b/wine/` joined with
    /// `MLmodel` is `s3://b/wine/MLmodel`.
    ///
    /// ```
    /// use model_persistence::store::Location;
    ///
    /// let dir = Location::parse("memory://models/wine/")?;
    /// assert_eq!(dir.join("MLmodel")?.url(), "memory://models/wine/MLmodel");
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn join(&self, name: &str) -> Result<Location> {
        let url = format!("{}/{name}", self.url.trim_end_matches('/'));
        let key = format!("{}/{name}", self.key.as_ref());
        Location::new(self.store.clone(), &key, &url)
    }

    /// The same error, naming this location's URL.
    fn at(&self, err: impl Into<Error>) -> Error {
        err.into().at(Path::new(&self.url))
    }
}

/// Whether `text` is a URL for [`Location::parse`] rather than a path on this machine.
///
/// ```
/// use model_persistence::store::is_url;
///
/// assert!(is_url("s3://models/wine.bin"));
/// assert!(!is_url("models/wine.bin"));
/// ```
pub fn is_url(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The text after the first `/` of `rest` (the key after a bucket's name).
fn after_first(rest: &str) -> &str {
    rest.split_once('/').map_or("", |(_, key)| key)
}

/// An S3 client for `bucket`, configured from the environment, with bounded retries and
/// timeouts so that a server that is down is reported in seconds.
fn s3(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    install_crypto();
    let builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
    let plain_http = endpoint.is_some_and(|e| e.starts_with("http://"));
    let allow_http = plain_http || std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v == "true");
    let client = ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_read_timeout(Duration::from_secs(30))
        // A whole model goes in one request, which may take long on a slow link: the read
        // timeout, not a total one, catches a server that stops answering.
        .with_timeout_disabled()
        .with_allow_http(allow_http);
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 2,
        retry_timeout: Duration::from_secs(10),
    };
    let store = builder
        .with_client_options(client)
        .with_retry(retry)
        .build()
        .map_err(problem)?;
    Ok(Arc::new(store))
}

/// Makes ring the process's TLS provider, unless one is installed already: rustls asks for one
/// when it is built without aws-lc-rs, as here. rustls 0.23.48 deprecates ring's provider for
/// lacking post-quantum key exchange; TLS to S3 works without it, and aws-lc-rs would compile a
/// large C library on the reader's machine (a cold build 18 s longer here).
fn install_crypto() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The in-memory store of `name`, the same one for every URL that names it.
fn memory(name: &str) -> Arc<dyn ObjectStore> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<InMemory>>>> = OnceLock::new();
    let stores = STORES.get_or_init(Default::default);
    let mut stores = stores
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    stores.entry(name.to_string()).or_default().clone()
}

/// Which version of an object a load read or a save wrote: what an update names to be sure no
/// other writer came between.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Version {
    /// The object's entity tag, from the store.
    pub e_tag: Option<String>,
    /// The store's version identifier, where the bucket keeps versions.
    pub version: Option<String>,
}

/// What a save wrote: how many bytes, and the version the store gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// The object's size (for an MLflow folder, the sum of its files).
    pub bytes: u64,
    /// The version written, for a later [`Mode::Update`].
    pub version: Version,
}

/// What a save does when the key holds an object already.
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::prelude::*;
///
/// let at = Location::parse("memory://doc-mode/wine.bin")?;
/// let meta = Metadata::default();
/// let first = store::save(&vec![1.0_f64], &meta, &at, Codec::Bincode, Mode::Create)?;
/// let again = store::save(&vec![2.0_f64], &meta, &at, Codec::Bincode, Mode::Create);
/// assert!(again.unwrap_err().is_conflict());
/// store::save(&vec![3.0_f64], &meta, &at, Codec::Bincode, Mode::Update(first.version.clone()))?;
/// let stale = store::save(&vec![4.0_f64], &meta, &at, Codec::Bincode, Mode::Update(first.version));
/// assert!(stale.unwrap_err().is_conflict());
/// assert_eq!(store::load::<Vec<f64>>(&at)?.0.model, vec![3.0]);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mode {
    /// Replace whatever is there.
    #[default]
    Overwrite,
    /// Write only if the key is free.
    Create,
    /// Write only if the key still holds this version.
    Update(Version),
}

/// Writes the model file of `model` (as [`crate::file::persist::save_with`] writes it) to `at`, in one
/// request, as `mode` allows; returns its size and the version written.
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::prelude::*;
///
/// let at = Location::parse("memory://doc-save/wine.bin.zst")?;
/// let model = train(&load_wine())?;
/// store::save(&model, &Metadata::default(), &at, Codec::BincodeZstd, Mode::Overwrite)?;
/// let (loaded, _version) = store::load::<Model>(&at)?;
/// assert_eq!(loaded.model, model);
/// # Ok::<(), Error>(())
/// ```
pub fn save<M: Serialize + Any>(
    model: &M,
    metadata: &Metadata,
    at: &Location,
    codec: Codec,
    mode: Mode,
) -> Result<Saved> {
    let bytes = layout::encode(model, metadata, codec).map_err(|e| at.at(e))?;
    put(at, bytes, mode)
}

/// Reads the model of type `M` at `at`: the whole object, checked as a file is, and the version
/// read.
///
/// ```
/// use model_persistence::store::{self, Location};
/// use model_persistence::prelude::*;
///
/// let err = store::load::<Model>(&Location::parse("memory://doc-load/none.bin")?).unwrap_err();
/// assert!(err.is_not_found());
/// assert_eq!(err.to_string(), "memory://doc-load/none.bin: no such object");
/// # Ok::<(), Error>(())
/// ```
pub fn load<M: DeserializeOwned + Any>(at: &Location) -> Result<(Loaded<M>, Version)> {
    let (bytes, version) = get(at, |_, size| at_most(size, MAX_FILE_BYTES))?;
    let loaded = layout::decode(&bytes, MAX_PAYLOAD_BYTES).map_err(|e| at.at(e))?;
    Ok((loaded, version))
}

/// What the model file at `at` says about itself, from its header and descriptor only: three
/// ranged reads (the first bytes, the rest of the descriptor if any, the stored checksum), so an
/// 80 MB model costs a few kilobytes. The checksum is reported as stored, not verified; [`load`]
/// verifies it.
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::prelude::*;
///
/// let at = Location::parse("memory://doc-inspect/big.bin")?;
/// let meta = Metadata { features: Some(10_000_000), ..Metadata::default() };
/// let values = Array1::from_elem(10_000_000, 0.5);
/// store::save(&values, &meta, &at, Codec::Bincode, Mode::Overwrite)?;
/// let header = store::inspect(&at)?;
/// assert_eq!((header.metadata.features, header.verified), (Some(10_000_000), false));
/// # Ok::<(), Error>(())
/// ```
pub fn inspect(at: &Location) -> Result<Header> {
    block_on(async {
        let meta = at
            .store
            .head(&at.key)
            .await
            .map_err(|e| at.at(problem(e)))?;
        let len = meta.size;
        let if_match = meta.e_tag.clone();
        let first = range(at, 0..len.min(HEAD_READ_BYTES), &if_match).await?;
        if !first.starts_with(&MAGIC[..first.len().min(MAGIC.len())]) || first.is_empty() {
            let kind = if len == 0 {
                ErrorKind::Empty
            } else {
                ErrorKind::NotAModel
            };
            return Err(at.at(kind));
        }
        let head_len = layout::head_len(&first, len).map_err(|e| at.at(e))?;
        let mut head = first;
        if head_len > head.len() as u64 {
            let rest = range(at, head.len() as u64..head_len, &if_match).await?;
            head.extend_from_slice(&rest);
        }
        let tail = range(at, len - CHECKSUM..len, &if_match).await?;
        let stored = tail
            .try_into()
            .map_err(|_| at.at(crate::Corruption::LengthClaim))?;
        layout::peek(&head, len, stored).map_err(|e| at.at(e))
    })?
}

/// Bytes [`inspect`] reads first: the fixed header and the descriptor of a usual file, whose
/// descriptor takes a few hundred bytes (a longer one costs one more request).
///
/// ```
/// assert_eq!(model_persistence::store::HEAD_READ_BYTES, 16 * 1024);
/// ```
pub const HEAD_READ_BYTES: u64 = 16 << 10;
/// Bytes of the checksum at a file's end.
const CHECKSUM: u64 = 8;

/// Reads the linear model at `at`, from any kind of file [`convert::load`] reads, within
/// `limits`, and the version read.
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::python::convert::{self, Target};
/// use model_persistence::python::{ARTICLE_JOBLIB, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_JOBLIB, Limits::default())?;
/// let at = Location::parse("memory://doc-read/wine.onnx")?;
/// store::write(&linear, &at, None, Mode::Overwrite)?;
/// assert_eq!(store::read(&at, Limits::default())?.0.model, linear.model);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn read(at: &Location, limits: Limits) -> Result<(Linear, Version)> {
    // A model file of ours may be up to MAX_FILE_BYTES, a scikit-learn file up to the limits:
    // the first bytes say which, before the rest is downloaded.
    let refuse = |first: &[u8], size| {
        if first.starts_with(&MAGIC) {
            return at_most(size, MAX_FILE_BYTES);
        }
        match size > limits.max_bytes {
            true => Err(SklearnProblem::TooLarge {
                limit: limits.max_bytes,
            }
            .into()),
            false => Ok(()),
        }
    };
    let (bytes, version) = get(at, refuse)?;
    let linear = convert::from_bytes(&bytes, limits).map_err(|e| at.at(e))?;
    Ok((linear, version))
}

/// Writes `linear` to `at` as `target` says, else as the URL's extension says (as
/// [`convert::save`] does for a path), in one request, as `mode` allows. An MLflow model
/// ([`Target::Mlflow`]) is a folder of objects under `at` ([`write_mlflow`]).
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::python::convert::{self, Target};
/// use model_persistence::prelude::*;
/// use model_persistence::python::{ARTICLE_PICKLE, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
/// let at = Location::parse("memory://doc-write/wine.bin")?;
/// store::write(&linear, &at, None, Mode::Create)?;
/// assert_eq!(store::inspect(&at)?.codec, Codec::Bincode);
/// # Ok::<(), Error>(())
/// ```
pub fn write(linear: &Linear, at: &Location, target: Option<Target>, mode: Mode) -> Result<Saved> {
    let target = convert::target_for(Path::new(at.url()), target)?;
    if target == Target::Mlflow {
        return write_mlflow(linear, at, mode);
    }
    let bytes = convert::to_bytes(linear, target).map_err(|e| at.at(e))?;
    put(at, bytes, mode)
}

/// Writes the MLflow model directory of `linear` under `at`, as a folder, one object per file,
/// `MLmodel` last, so that MLflow finds a model only once all of it is there. `mode` applies to
/// `MLmodel`: create-only refuses a folder that holds a model already. Returns the bytes of all
/// the files and the version of `MLmodel`.
///
/// ```
/// use model_persistence::store::{self, Location, Mode};
/// use model_persistence::python::convert::{self, Target};
/// use model_persistence::python::{ARTICLE_PICKLE, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
/// let at = Location::parse("memory://doc-mlflow/wine/")?;
/// store::write(&linear, &at, Some(Target::Mlflow), Mode::Create)?;
/// assert!(store::write(&linear, &at, Some(Target::Mlflow), Mode::Create).is_err());
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn write_mlflow(linear: &Linear, at: &Location, mode: Mode) -> Result<Saved> {
    let files = crate::python::mlflow::files(linear).map_err(|e| at.at(e))?;
    let mlmodel = at.join("MLmodel")?;
    if mode == Mode::Create && head(&mlmodel).is_ok() {
        return Err(mlmodel.at(StoreProblem::Exists));
    }
    let mut saved = Saved {
        bytes: 0,
        version: Version::default(),
    };
    for (name, bytes) in files {
        let file = at.join(&name)?;
        let mode = if name == "MLmodel" {
            mode.clone()
        } else {
            Mode::Overwrite
        };
        let written = put(&file, bytes, mode)?;
        saved.bytes += written.bytes;
        saved.version = written.version;
    }
    Ok(saved)
}

/// Whether an object is at `at`, and its size.
fn head(at: &Location) -> Result<u64> {
    let meta = block_on(at.store.head(&at.key))?;
    Ok(meta.map_err(|e| at.at(problem(e)))?.size)
}

/// Puts `bytes` at `at` in one request, as `mode` allows.
pub(crate) fn put(at: &Location, bytes: Vec<u8>, mode: Mode) -> Result<Saved> {
    let len = bytes.len() as u64;
    let mode = match mode {
        Mode::Overwrite => PutMode::Overwrite,
        Mode::Create => PutMode::Create,
        Mode::Update(v) => PutMode::Update(UpdateVersion {
            e_tag: v.e_tag,
            version: v.version,
        }),
    };
    let options = PutOptions::from(mode);
    let payload = PutPayload::from(bytes);
    let written = block_on(at.store.put_opts(&at.key, payload, options))?;
    let written = written.map_err(|e| at.at(problem(e)))?;
    Ok(Saved {
        bytes: len,
        version: Version {
            e_tag: written.e_tag,
            version: written.version,
        },
    })
}

/// The whole object at `at`. Once its first bytes have arrived, `refuse(first, size)` may stop
/// it, so that an object too large for what those bytes say it is never comes in whole; more
/// bytes than the store announced are an error, not a larger buffer.
pub(crate) fn get(
    at: &Location,
    refuse: impl Fn(&[u8], u64) -> Result<()>,
) -> Result<(Vec<u8>, Version)> {
    use futures_util::StreamExt;
    block_on(async {
        let got = at.store.get_opts(&at.key, GetOptions::default()).await;
        let got = got.map_err(|e| at.at(problem(e)))?;
        let size = got.meta.size;
        let version = Version {
            e_tag: got.meta.e_tag.clone(),
            version: got.meta.version.clone(),
        };
        let mut stream = got.into_stream();
        let mut bytes: Vec<u8> = Vec::new();
        let mut checked = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| at.at(problem(e)))?;
            if bytes.len() as u64 + chunk.len() as u64 > size {
                return Err(at.at(crate::Corruption::LengthClaim));
            }
            bytes.extend_from_slice(&chunk);
            if !checked && (bytes.len() >= MAGIC.len() || bytes.len() as u64 == size) {
                refuse(&bytes, size).map_err(|e| at.at(e))?;
                bytes.reserve_exact(size as usize - bytes.len());
                checked = true;
            }
        }
        if !checked {
            refuse(&bytes, size).map_err(|e| at.at(e))?;
        }
        if bytes.len() as u64 != size {
            let kind = ErrorKind::Truncated {
                expected: size,
                found: bytes.len() as u64,
            };
            return Err(at.at(kind));
        }
        Ok((bytes, version))
    })?
}

/// Refuses an object of `bytes` bytes above `limit`, as a file is refused.
fn at_most(bytes: u64, limit: u64) -> Result<()> {
    if bytes > limit {
        return Err(ErrorKind::FileTooLarge { bytes, limit }.into());
    }
    Ok(())
}

/// The bytes of `at` in `range`, from the version `if_match` names.
async fn range(
    at: &Location,
    range: std::ops::Range<u64>,
    if_match: &Option<String>,
) -> Result<Vec<u8>> {
    let options = GetOptions {
        if_match: if_match.clone(),
        range: Some(GetRange::Bounded(range)),
        ..GetOptions::default()
    };
    let got = at.store.get_opts(&at.key, options).await;
    let got = got.map_err(|e| at.at(problem(e)))?;
    let bytes = got.bytes().await.map_err(|e| at.at(problem(e)))?;
    Ok(bytes.to_vec())
}

/// Runs `future` to its end on the module's runtime, from a thread outside any runtime.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
    if tokio::runtime::Handle::try_current().is_ok() {
        let problem = "called from inside an async runtime; call it from a blocking thread \
                       (tokio::task::spawn_blocking)";
        return Err(StoreProblem::Unsupported(problem.into()).into());
    }
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("model-persistence-store")
            .enable_all()
            .build()
    });
    match runtime {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(err) => Err(Error::from(std::io::Error::new(
            err.kind(),
            err.to_string(),
        ))),
    }
}

/// What went wrong with an object store, in words a user acts on. Nothing secret is in them:
/// credentials travel in headers, which no message repeats.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum StoreProblem {
    /// The key holds no object (or the bucket does not exist).
    #[error("no such object")]
    NotFound,
    /// A create-only save found an object at the key.
    #[error("an object is there already, and the save was create-only")]
    Exists,
    /// An update found another version than the one it was given: another writer came first.
    #[error("the object changed since it was read (another writer saved it): read it again")]
    Changed,
    /// The store refused the credentials or the request.
    #[error("access denied: {0}")]
    Denied(String),
    /// The store could not be reached or stopped answering.
    #[error("the store cannot be reached: {0}")]
    Unreachable(String),
    /// A URL the module does not open.
    #[error("not a model URL ({0}): use s3://bucket/key, file:///path or memory://name/key")]
    BadUrl(String),
    /// A request the store does not support.
    #[error("not supported by this store: {0}")]
    Unsupported(String),
    /// Anything else the store said.
    #[error("{0}")]
    Other(String),
}

impl From<StoreProblem> for Error {
    fn from(problem: StoreProblem) -> Self {
        ErrorKind::Store(crate::error::Detail::new(problem)).into()
    }
}

/// The problem an `object_store` error stands for, its message made one line.
fn problem(err: object_store::Error) -> StoreProblem {
    use object_store::Error as E;
    match err {
        E::NotFound { .. } => StoreProblem::NotFound,
        E::AlreadyExists { .. } => StoreProblem::Exists,
        E::Precondition { .. } => StoreProblem::Changed,
        E::NotSupported { source } => StoreProblem::Unsupported(one_line(&*source)),
        E::NotImplemented { operation, .. } => StoreProblem::Unsupported(operation),
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => {
            StoreProblem::Denied(one_line(&err))
        }
        other => {
            let text = one_line(&other);
            let denied = ["403", "Forbidden", "AccessDenied", "SignatureDoesNotMatch"];
            let unreachable = ["error sending request", "Connection refused", "timed out"];
            if denied.iter().any(|d| text.contains(d)) {
                StoreProblem::Denied(text)
            } else if unreachable.iter().any(|u| text.contains(u)) {
                StoreProblem::Unreachable(text)
            } else {
                StoreProblem::Other(text)
            }
        }
    }
}

/// `err` and its sources, on one line.
fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
