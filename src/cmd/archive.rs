//! `tootwatch archive stats|prune|forget ACCOUNT`: for people who care where their disk went.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::archive::Archive;
use crate::config::Config;
use crate::exit::Failure;
use crate::text::counted;

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    pub action: ArchiveAction,
    /// Config file, for `[archive] max_mb` (stats, prune)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ArchiveAction {
    /// Where the archive is, its size, and what it keeps per account
    Stats,
    /// Bring the file under `[archive] max_mb`, the oldest first
    Prune,
    /// Forget everything kept for an account (`user@host`, or the instance URL)
    Forget {
        /// The account
        #[arg(value_name = "ACCOUNT")]
        account: String,
    },
}

pub fn run(args: ArchiveArgs) -> Result<ExitCode, Failure> {
    let config = crate::cmd::setup::load_config(args.config.as_deref())?;
    act(args.action, &config)
}

fn act(action: ArchiveAction, config: &Config) -> Result<ExitCode, Failure> {
    let dir = crate::accounts::data_dir()
        .ok_or_else(|| Failure::other("no data dir: set TOOTWATCH_DATA_DIR"))?;
    let (mut archive, notice) = Archive::open_in(&dir)
        .map_err(|e| Failure::other(format!("cannot open the archive: {e}")))?;
    if let Some(notice) = notice {
        crate::exit::notice(notice);
    }
    let path = archive.path().display().to_string();
    let failed =
        |e: crate::archive::ArchiveError| Failure::other(format!("the archive {path} failed: {e}"));
    match action {
        ArchiveAction::Stats => {
            let stats = archive.stats().map_err(|e| Failure::other(e.to_string()))?;
            println!(
                "{}: {} (limit {} MB{})",
                stats.path.display(),
                human_bytes(stats.bytes),
                config.archive.max_mb,
                if config.archive.enabled {
                    ""
                } else {
                    "; switched off in the config"
                }
            );
            if stats.accounts.is_empty() {
                println!("nothing kept yet");
            }
            for a in &stats.accounts {
                let account = crate::sanitize::sanitize_line(&a.account);
                let mut parts = Vec::new();
                if a.statuses + a.notifications + a.conversations > 0 {
                    parts.push(format!(
                        "{}, {}, {}",
                        counted(a.statuses, "post"),
                        counted(a.notifications, "notification"),
                        counted(a.conversations, "conversation")
                    ));
                }
                if let (Some(oldest), Some(newest)) = (&a.oldest, &a.newest) {
                    parts.push(format!(
                        "from {} to {}",
                        crate::sanitize::sanitize_line(oldest),
                        crate::sanitize::sanitize_line(newest)
                    ));
                }
                if a.tombstones > 0 {
                    parts.push(format!("{} remembered", counted(a.tombstones, "delete")));
                }
                if a.readers > 0 {
                    parts.push(format!(
                        "{} of {}",
                        counted(a.cursors, "stream cursor"),
                        counted(a.readers, "`tail --resume` reader")
                    ));
                }
                println!("{account}: {}", parts.join("; "));
            }
        }
        ArchiveAction::Prune => {
            let before = archive.bytes();
            let limit = config.archive.max_mb.saturating_mul(1024 * 1024);
            let gone = archive.prune(limit).map_err(failed)?;
            println!(
                "{} → {} (limit {} MB); {gone} entries removed",
                human_bytes(before),
                human_bytes(archive.bytes()),
                config.archive.max_mb
            );
        }
        ArchiveAction::Forget { account } => {
            // An instance URL as typed for --instance (`https://host/`) names the same account.
            let account = match url::Url::parse(account.trim()) {
                Ok(url) if url.has_host() => crate::archive::account_name(None, &url),
                _ => account,
            };
            let gone = archive.forget(&account).map_err(failed)?;
            if gone == 0 {
                return Err(Failure::usage(format!(
                    "the archive keeps nothing for `{account}` (see `tootwatch archive stats`)"
                )));
            }
            println!("forgot {gone} entries of {account}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}
