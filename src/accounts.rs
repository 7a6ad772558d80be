//! Signed-in accounts: the token store and the app cache that `tootwatch login` (`cmd/login.rs`)
//! fills and `logout` empties.
//!
//! Everything lives in the data dir (`~/.local/share/tootwatch` on Linux; `TOOTWATCH_DATA_DIR`
//! overrides it):
//!
//! - `accounts.json`: the stored accounts, `{"accounts": {"NAME": {instance, token, scopes,
//!   client_id, client_secret, created_at}}}`, NAME being `user@host` (with `:port` when the
//!   instance has one). Created with mode 0600; a copy that other users can read is refused.
//! - `apps.json`: the apps registered per instance and scopes (`{"apps": [{instance, app}]}`),
//!   reused by the next login. An app carries the out-of-band redirect and one loopback redirect
//!   `http://127.0.0.1:PORT/callback`; the next login listens on that same port again, and
//!   registers a new app only when the port is taken (servers differ on whether a loopback
//!   redirect may change its port, so tootwatch does not rely on it).
//!
//! Tokens go to no config file and to no terminal.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::api::auth::App;
use crate::exit::Failure;

/// Environment variable that moves the data dir (tests use it).
const DATA_DIR_ENV: &str = "TOOTWATCH_DATA_DIR";

/// The data dir: `TOOTWATCH_DATA_DIR`, else the platform's (`~/.local/share/tootwatch`).
pub(crate) fn data_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "tootwatch").map(|d| d.data_dir().to_path_buf())
}

/// One signed-in account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccount {
    /// Base URL of the server.
    pub instance: String,
    pub token: String,
    /// Scopes granted, space-separated.
    #[serde(default)]
    pub scopes: String,
    /// The app the token was granted to (for revoking it).
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub created_at: String,
}

impl fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredAccount")
            .field("instance", &self.instance)
            .field("token", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountsFile {
    #[serde(default)]
    accounts: BTreeMap<String, StoredAccount>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AppsFile {
    #[serde(default)]
    apps: Vec<CachedApp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedApp {
    instance: String,
    app: App,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum StoreError {
    #[error(
        "{} is open to other users (mode {mode:o}: they may read or change it), so tootwatch will not use the tokens in it; run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    Loose { path: PathBuf, mode: u32 },
    #[error("cannot {action} {}: {message}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("{} is damaged ({message}); move it away and log in again", path.display())]
    Damaged { path: PathBuf, message: String },
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Io { .. } => Failure::other(e.to_string()),
            _ => Failure::usage(e.to_string()),
        }
    }
}

/// The files in one data dir.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    pub(crate) fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The store in [`data_dir`].
    pub(crate) fn open_default() -> Result<Store, Failure> {
        data_dir().map(Store::new).ok_or_else(|| {
            Failure::other(format!(
                "this system has no data directory for tootwatch; set {DATA_DIR_ENV} to one"
            ))
        })
    }

    pub(crate) fn accounts_path(&self) -> PathBuf {
        self.dir.join("accounts.json")
    }

    fn apps_path(&self) -> PathBuf {
        self.dir.join("apps.json")
    }

    /// The stored accounts by name; none when there is no file yet.
    pub(crate) fn accounts(&self) -> Result<BTreeMap<String, StoredAccount>, StoreError> {
        let path = self.accounts_path();
        Ok(read_json::<AccountsFile>(&path, true)?
            .unwrap_or_default()
            .accounts)
    }

    /// Adds or replaces an account.
    pub(crate) fn save_account(
        &self,
        name: &str,
        account: StoredAccount,
    ) -> Result<(), StoreError> {
        let mut accounts = self.accounts()?;
        accounts.insert(name.to_string(), account);
        write_private(&self.accounts_path(), &AccountsFile { accounts })
    }

    /// Removes an account; returns it if it was there.
    pub(crate) fn remove_account(&self, name: &str) -> Result<Option<StoredAccount>, StoreError> {
        let mut accounts = self.accounts()?;
        let removed = accounts.remove(name);
        if removed.is_some() {
            write_private(&self.accounts_path(), &AccountsFile { accounts })?;
        }
        Ok(removed)
    }

    /// The app registered on `instance` with exactly these scopes, if any.
    pub(crate) fn cached_app(&self, instance: &Url, scopes: &str) -> Option<App> {
        let file = match read_json::<AppsFile>(&self.apps_path(), false) {
            Ok(f) => f.unwrap_or_default(),
            Err(e) => {
                tracing::warn!("ignoring the app cache: {e}");
                return None;
            }
        };
        file.apps
            .into_iter()
            .find(|c| c.instance == instance.as_str() && same_scopes(&c.app.scopes, scopes))
            .map(|c| c.app)
    }

    /// Remembers an app, replacing one for the same instance and scopes.
    pub(crate) fn cache_app(&self, instance: &Url, app: &App) -> Result<(), StoreError> {
        let mut file = read_json::<AppsFile>(&self.apps_path(), false)
            .ok()
            .flatten()
            .unwrap_or_default();
        file.apps.retain(|c| {
            !(c.instance == instance.as_str() && same_scopes(&c.app.scopes, &app.scopes))
        });
        file.apps.push(CachedApp {
            instance: instance.to_string(),
            app: app.clone(),
        });
        write_private(&self.apps_path(), &file)
    }
}

fn same_scopes(a: &str, b: &str) -> bool {
    fn set(s: &str) -> std::collections::BTreeSet<&str> {
        s.split_whitespace().collect()
    }
    set(a) == set(b)
}

/// Reads a JSON file of the store; `None` when it does not exist. With `private`, a file that
/// other users can read is refused.
fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    private: bool,
) -> Result<Option<T>, StoreError> {
    let io = |action, e: std::io::Error| StoreError::Io {
        action,
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", e)),
    };
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| io("read", e))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::Loose {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text).map_err(|e| io("read", e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StoreError::Damaged {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Writes a file that only the user can read (0600 on unix), atomically: a temporary file in
/// the same dir, then a rename over the old one. The dir is created 0700.
fn write_private<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let io = |action, e: std::io::Error| StoreError::Io {
        action,
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io("create the directory of", e))?;
    let text = serde_json::to_string_pretty(value).map_err(|e| io("write", e.into()))?;
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("write", e));
    }
    Ok(())
}

/// `user@host`, with `:port` when the instance URL names a port.
pub(crate) fn account_name(username: &str, instance: &Url) -> String {
    let host = instance.host_str().unwrap_or("");
    match instance.port() {
        Some(port) => format!("{username}@{host}:{port}"),
        None => format!("{username}@{host}"),
    }
}

/// Same server, whatever the trailing slash.
pub(crate) fn same_instance(a: &str, b: &str) -> bool {
    match (Url::parse(a.trim()), Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
                && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::{self, OOB_REDIRECT};

    fn account(instance: &str, token: &str) -> StoredAccount {
        StoredAccount {
            instance: instance.into(),
            token: token.into(),
            scopes: "read".into(),
            client_id: "cid".into(),
            client_secret: "cs".into(),
            created_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn accounts_round_trip_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("nested"));
        assert!(
            store.accounts().unwrap().is_empty(),
            "no file is no accounts"
        );
        store
            .save_account("a@x.example", account("https://x.example/", "t1"))
            .unwrap();
        store
            .save_account("b@y.example", account("https://y.example/", "t2"))
            .unwrap();
        store
            .save_account("a@x.example", account("https://x.example/", "t3"))
            .unwrap();
        let all = store.accounts().unwrap();
        assert_eq!(
            all.keys().collect::<Vec<_>>(),
            ["a@x.example", "b@y.example"]
        );
        assert_eq!(all["a@x.example"].token, "t3");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.accounts_path()), 0o600);
            assert_eq!(mode(&dir.path().join("nested")), 0o700);
        }
        assert_eq!(
            store.remove_account("a@x.example").unwrap().unwrap().token,
            "t3"
        );
        assert_eq!(store.remove_account("a@x.example").unwrap(), None);
        assert_eq!(store.accounts().unwrap().len(), 1);
        assert!(
            !format!("{all:?}").contains("t3"),
            "tokens stay out of Debug"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store
            .save_account("a@x.example", account("https://x.example/", "t1"))
            .unwrap();
        let path = store.accounts_path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = store.accounts().unwrap_err();
        assert!(matches!(e, StoreError::Loose { mode: 0o640, .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("chmod 600"), "{text}");
        let failure: Failure = e.into();
        assert_eq!(failure.code, 2);
        // Nor is it silently rewritten by the next login.
        assert!(
            store
                .save_account("b@y.example", account("https://y.example/", "t2"))
                .is_err()
        );
    }

    #[test]
    fn a_damaged_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        write_private(&store.accounts_path(), &"not an object").unwrap();
        let e = store.accounts().unwrap_err();
        assert!(e.to_string().contains("log in again"), "{e}");
    }

    #[test]
    fn apps_are_cached_per_instance_and_scopes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let x: Url = "https://x.example/".parse().unwrap();
        let y: Url = "https://y.example/".parse().unwrap();
        let app = |id: &str, scopes: &str| App {
            client_id: id.into(),
            client_secret: "s".into(),
            redirect_uris: vec![OOB_REDIRECT.into(), auth::loopback_redirect_uri(4000)],
            scopes: scopes.into(),
        };
        assert_eq!(store.cached_app(&x, "read"), None);
        store.cache_app(&x, &app("1", "read")).unwrap();
        store.cache_app(&x, &app("2", "read write")).unwrap();
        store.cache_app(&y, &app("3", "read")).unwrap();
        store.cache_app(&x, &app("4", "read")).unwrap();
        assert_eq!(store.cached_app(&x, "read").unwrap().client_id, "4");
        assert_eq!(store.cached_app(&x, "write read").unwrap().client_id, "2");
        assert_eq!(store.cached_app(&y, "read").unwrap().client_id, "3");
        assert_eq!(store.cached_app(&y, "write").map(|a| a.client_id), None);
        let cached = store.cached_app(&x, "read").unwrap();
        assert_eq!(
            cached.loopback_redirect().and_then(auth::loopback_port),
            Some(4000)
        );
    }

    #[test]
    fn names_are_user_at_host() {
        let u = |s: &str| s.parse::<Url>().unwrap();
        assert_eq!(
            account_name("alice", &u("https://mastodon.example/")),
            "alice@mastodon.example"
        );
        assert_eq!(
            account_name("alice", &u("https://Mastodon.Example:443/")),
            "alice@mastodon.example"
        );
        assert_eq!(
            account_name("t", &u("http://127.0.0.1:4567")),
            "t@127.0.0.1:4567"
        );
    }

    #[test]
    fn scopes_are_checked_and_normalised() {
        use crate::api::auth::normalize_scopes;
        assert_eq!(normalize_scopes("read").unwrap(), "read");
        assert_eq!(
            normalize_scopes(" read  write,read ").unwrap(),
            "read write"
        );
        assert_eq!(
            normalize_scopes("read:statuses push").unwrap(),
            "read:statuses push"
        );
        assert!(normalize_scopes("").is_err());
        assert!(normalize_scopes("read&admin").is_err());
        assert!(same_scopes("read write", "write read"));
        assert!(!same_scopes("read", "read write"));
    }

    #[test]
    fn instances_compare_by_origin_and_path() {
        assert!(same_instance("https://x.example", "https://x.example/"));
        assert!(same_instance("https://x.example:443/", "https://x.example"));
        assert!(!same_instance("https://x.example", "https://y.example"));
        assert!(!same_instance("http://127.0.0.1:1", "http://127.0.0.1:2"));
    }
}
