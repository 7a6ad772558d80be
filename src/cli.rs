//! The command line of docs/cli.md: parsing, and dispatch to the commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::exit::Failure;
use crate::stream::{StreamSpec, TransportChoice, parse_group};

const AFTER_HELP: &str = "\
STREAM: user, user:notification, public, public:local, public:remote (each public one also with
:media), direct, hashtag:TAG or #TAG, hashtag:local:TAG, list:ID or list:NAME. Join several with
commas (#rust,#tokio) to merge them.

Exit codes: 0 done or interrupted, 2 usage or config error, 3 credentials or stream refused,
1 anything else.";

#[derive(Debug, Parser)]
#[command(
    name = "tootwatch",
    version,
    about = "Live Mastodon timelines in the terminal",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: ServerOpts,
    /// Streams to show, one tab each (default: the config's tabs, else `user`)
    #[arg(value_name = "STREAM", value_parser = parse_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
    #[command(flatten)]
    pub monitor: MonitorOpts,
    #[command(flatten)]
    pub watch: WatchOpts,
}

/// The side-screen view.
#[derive(Debug, Clone, Default, Args)]
pub struct MonitorOpts {
    /// The side-screen view: one column of all STREAMs, following the newest post, with a
    /// footer line per stream that turns into a warning when it goes quiet
    #[arg(long)]
    pub monitor: bool,
    /// Seconds a stream may be down or without a post before the monitor warns [default: 300]
    #[arg(long, value_name = "SECONDS", requires = "monitor")]
    pub stale_after: Option<f64>,
    /// Ring the bell when a stream goes stale and for highlighted posts (monitor)
    #[arg(long, requires = "monitor")]
    pub bell: bool,
    /// For hashtag streams: posts with any of the tags (default), or all of them
    #[arg(long = "match", value_enum, value_name = "any|all")]
    pub tag_match: Option<crate::matching::TagMatch>,
    /// Leave out posts carrying this tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub without_tag: Vec<String>,
    /// How pictures are drawn: auto, halfblocks, or off for text only [default: [ui] images, else auto]
    #[arg(long, value_enum, value_name = "auto|halfblocks|off")]
    pub images: Option<crate::config::Images>,
}

/// Highlights and the hook, for the live view, the monitor and `tail`.
#[derive(Debug, Clone, Default, Args)]
pub struct WatchOpts {
    /// Highlight a keyword (literal, case-insensitive) or a /regular expression/ (repeatable)
    #[arg(long, value_name = "PATTERN")]
    pub highlight: Vec<String>,
    /// Run CMD for each highlighted post (each post, without highlights), the post as JSON on
    /// its stdin; quoted like a shell command, run without a shell
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print live events, one line each, until interrupted
    #[command(after_help = AFTER_HELP)]
    Tail(TailArgs),
    /// Diagnose the instance, the token, the streaming URL and each stream
    #[command(after_help = AFTER_HELP)]
    Check(CheckArgs),
    /// The live view on a bundled recording: no account, no network
    Demo(DemoArgs),
    /// The live view on a recording made with `tail --record`
    Replay(ReplayArgs),
    /// Sign in on a server (OAuth) and store the token for that account
    Login(LoginArgs),
    /// Revoke and forget the stored token of an account
    Logout(LogoutArgs),
    /// The local archive: its size per account, a prune to the limit, forgetting an account
    Archive(ArchiveArgs),
    /// Print a completion script for a shell on stdout
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout
    Manpage,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    pub action: ArchiveAction,
    /// Config file, for `[archive] max_mb`
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

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Playback speed (2 = twice as fast)
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub speed: f64,
    /// Config file, for its [ui] settings
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How pictures are drawn: auto, halfblocks, or off for text only [default: [ui] images, else auto]
    #[arg(long, value_enum, value_name = "auto|halfblocks|off")]
    pub images: Option<crate::config::Images>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A file written by `tootwatch tail --record FILE`
    pub file: PathBuf,
    /// Playback speed (2 = twice as fast)
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub speed: f64,
    /// Config file, for its [ui] settings
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How pictures are drawn: auto, halfblocks, or off for text only [default: [ui] images, else auto]
    #[arg(long, value_enum, value_name = "auto|halfblocks|off")]
    pub images: Option<crate::config::Images>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server: a URL or a host name, e.g. mastodon.social
    #[arg(value_name = "INSTANCE")]
    pub instance: String,
    /// OAuth scopes to ask for, e.g. "read write" [default: the config's [login] scopes, else read]
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// Print the sign-in URL only; do not open a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Allow plain http:// to a host that is not on this machine
    #[arg(long)]
    pub insecure: bool,
    /// Config file (default: config.toml in the platform config dir)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// A logged-in account, e.g. alice@mastodon.social (needed when several are)
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
}

/// Options shared by the commands that talk to a server. `Debug` leaves the token out.
#[derive(Clone, Default, Args)]
pub struct ServerOpts {
    /// Base URL of the server, e.g. https://mastodon.social
    #[arg(long, env = "TOOTWATCH_INSTANCE", value_name = "URL")]
    pub instance: Option<String>,
    /// OAuth bearer token (default: the selected account's)
    #[arg(
        long,
        env = "TOOTWATCH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// An account from the config or one stored by `tootwatch login`
    #[arg(long, env = "TOOTWATCH_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,
    /// Config file (default: config.toml in the platform config dir)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// auto: WebSocket, falling back to server-sent events; sse or ws force one
    #[arg(long, value_enum, value_name = "TRANSPORT")]
    pub transport: Option<TransportChoice>,
    /// Streaming base URL, overriding what the server advertises
    #[arg(long, value_name = "URL")]
    pub streaming_url: Option<String>,
    /// Seconds of silence (no event, heartbeat or ping) after which a connection is renewed [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub read_timeout: Option<f64>,
    /// Allow plain http:// to a host that is not on this machine
    #[arg(long)]
    pub insecure: bool,
}

impl std::fmt::Debug for ServerOpts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOpts")
            .field("instance", &self.instance)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("account", &self.account)
            .field("config", &self.config)
            .field("transport", &self.transport)
            .field("streaming_url", &self.streaming_url)
            .field("read_timeout", &self.read_timeout)
            .field("insecure", &self.insecure)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// One human-readable line per event
    #[default]
    Text,
    /// One JSON object per line (JSON Lines)
    Json,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub server: ServerOpts,
    /// Streams to follow; several, or comma-joined groups
    #[arg(value_name = "STREAM", required = true, value_parser = parse_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit after this many events
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Also append every raw event, with its arrival time and stream, to FILE (for `replay`)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Print statuses and notifications that your filters hide
    #[arg(long)]
    pub no_filter: bool,
    /// Do not report connection changes on stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// First print what arrived since the previous `tail --resume` of the same account and
    /// STREAMs (from the local archive's cursor, over REST), then go live
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub watch: WatchOpts,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub server: ServerOpts,
    /// Streams to try (default: the config's tabs, else `user`)
    #[arg(value_name = "STREAM", value_parser = parse_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
}

fn parse_stream_arg(s: &str) -> Result<Vec<StreamSpec>, String> {
    parse_group(s).map_err(|e| e.to_string())
}

/// The whole program, from arguments to exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Shell integration prints and ends: no log file, no runtime.
    let printed = match &cli.command {
        Some(Command::Completions(args)) => Some(print_completions(args.shell)),
        Some(Command::Manpage) => Some(print_manpage()),
        _ => None,
    };
    if let Some(result) = printed {
        return result.unwrap_or_else(|failure| failure.report());
    }
    crate::setup::init_logging();
    // `tail` runs its streams and its printing on one thread: an event is allocated and
    // freed where it was read (glibc's arenas made the cross-thread frees cost more than the
    // decode), and nothing waits on another core. The live view keeps its worker threads.
    let mut builder = match &cli.command {
        Some(Command::Tail(_)) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => return Failure::other(format!("cannot start the async runtime: {e}")).report(),
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => crate::app::live(cli.server, cli.streams, cli.monitor, cli.watch).await,
            Some(Command::Tail(args)) => crate::tail::run(args).await,
            Some(Command::Check(args)) => crate::check::run(args).await,
            Some(Command::Demo(args)) => {
                let mut config = load_config(args.config.as_deref())?;
                config.ui.images = args.images.unwrap_or(config.ui.images);
                crate::app::replay(crate::app::replay::demo(valid_speed(args.speed)?), &config)
                    .await
            }
            Some(Command::Archive(args)) => {
                let config = load_config(args.config.as_deref())?;
                crate::archive_command::run(args.action, &config)
            }
            Some(Command::Login(args)) => crate::login::login(args).await,
            Some(Command::Logout(args)) => crate::login::logout(args).await,
            Some(Command::Completions(_) | Command::Manpage) => Ok(ExitCode::SUCCESS),
            Some(Command::Replay(args)) => {
                let mut config = load_config(args.config.as_deref())?;
                config.ui.images = args.images.unwrap_or(config.ui.images);
                let text = std::fs::read_to_string(&args.file).map_err(|e| {
                    Failure::usage(format!("cannot read {}: {e}", args.file.display()))
                })?;
                let recording = crate::app::replay::Replay::parse(&text, valid_speed(args.speed)?)
                    .map_err(|e| Failure::usage(format!("{}: {e}", args.file.display())))?;
                crate::app::replay(recording, &config).await
            }
        }
    });
    // Stream tasks may still be waiting on sockets; they are not worth waiting for.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

/// The completion script for `shell`, as `tootwatch completions SHELL` prints it.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tootwatch", &mut out);
    out
}

/// The man page (roff), as `tootwatch manpage` prints it.
pub fn manpage() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

fn print_completions(shell: clap_complete::Shell) -> Result<ExitCode, Failure> {
    write_stdout(&completions(shell))
}

fn print_manpage() -> Result<ExitCode, Failure> {
    let page = manpage().map_err(|e| Failure::other(format!("cannot render the man page: {e}")))?;
    write_stdout(&page)
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode, Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // `tootwatch completions bash | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Failure::other(format!("cannot write to stdout: {e}"))),
    }
}

fn load_config(path: Option<&std::path::Path>) -> Result<crate::config::Config, Failure> {
    crate::config::Config::load(path)
        .map(|(c, _)| c)
        .map_err(|e| Failure::usage(e.to_string()))
}

fn valid_speed(speed: f64) -> Result<f64, Failure> {
    if speed.is_finite() && speed > 0.0 && speed <= 1000.0 {
        Ok(speed)
    } else {
        Err(Failure::usage(
            "--speed must be a number above 0 (1 = as recorded)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_mistyped_stream_is_a_usage_error_naming_it() {
        let e = Cli::try_parse_from(["tootwatch", "tail", "user", "pubic"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("`pubic` is not a STREAM"), "{e}");
    }

    #[test]
    fn streams_without_a_command_open_the_live_view() {
        let cli = Cli::try_parse_from(["tootwatch", "--transport", "sse", "#rust,#tokio", "user"])
            .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.streams.len(), 2);
        let cli = Cli::try_parse_from(["tootwatch", "demo", "--speed", "2"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo(DemoArgs { speed, .. })) if speed == 2.0));
    }

    #[test]
    fn images_is_an_option_of_the_live_view_the_monitor_and_the_demo() {
        use crate::config::Images;
        let cli = Cli::try_parse_from(["tootwatch", "--images", "off", "user"]).unwrap();
        assert_eq!(cli.monitor.images, Some(Images::Off));
        let cli = Cli::try_parse_from(["tootwatch", "--monitor", "--images", "halfblocks", "#a"])
            .unwrap();
        assert_eq!(cli.monitor.images, Some(Images::Halfblocks));
        let cli = Cli::try_parse_from(["tootwatch", "demo", "--images", "off"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Demo(DemoArgs {
                images: Some(Images::Off),
                ..
            }))
        ));
        let e = Cli::try_parse_from(["tootwatch", "--images", "kitty"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn tail_takes_groups_and_options() {
        let cli = Cli::try_parse_from([
            "tootwatch",
            "tail",
            "--format",
            "json",
            "--count",
            "3",
            "#rust,#tokio",
            "user",
        ])
        .unwrap();
        let Some(Command::Tail(t)) = cli.command else {
            panic!()
        };
        assert_eq!(t.format, Format::Json);
        assert_eq!(t.count, Some(3));
        assert_eq!(t.streams.len(), 2);
        assert_eq!(t.streams[0].len(), 2);
    }

    #[test]
    fn login_and_logout_take_their_arguments() {
        let cli = Cli::try_parse_from([
            "tootwatch",
            "login",
            "mastodon.example",
            "--scopes",
            "read write",
            "--no-browser",
        ])
        .unwrap();
        let Some(Command::Login(l)) = cli.command else {
            panic!()
        };
        assert_eq!(l.instance, "mastodon.example");
        assert_eq!(l.scopes.as_deref(), Some("read write"));
        assert!(l.no_browser && !l.insecure);
        assert!(Cli::try_parse_from(["tootwatch", "login"]).is_err());
        let cli = Cli::try_parse_from(["tootwatch", "logout"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Logout(LogoutArgs { account: None }))
        ));
        let cli = Cli::try_parse_from(["tootwatch", "logout", "a@b.example"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Logout(LogoutArgs { account: Some(a) })) if a == "a@b.example"
        ));
    }
}
