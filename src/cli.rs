//! The command line of docs/cli.md: parsing, and dispatch to the commands.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::cmd::archive::ArchiveArgs;
use crate::cmd::check::CheckArgs;
use crate::cmd::live::{DemoArgs, MonitorOpts, ReplayArgs, WatchOpts};
use crate::cmd::login::{LoginArgs, LogoutArgs};
use crate::cmd::setup::{ServerOpts, parse_stream_arg};
use crate::cmd::tail::TailArgs;
use crate::exit::Failure;
use crate::stream::StreamSpec;

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
    #[arg(value_name = "STREAM", value_parser = parse_live_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
    #[command(flatten)]
    pub monitor: MonitorOpts,
    #[command(flatten)]
    pub watch: WatchOpts,
}

/// The commands, as a STREAM of the live view would be mistaken for one.
const COMMANDS: [&str; 9] = [
    "tail",
    "check",
    "demo",
    "replay",
    "login",
    "logout",
    "archive",
    "completions",
    "manpage",
];

/// A STREAM of the live view. Options before a command (`tootwatch --instance URL tail …`)
/// make the command a STREAM: the error says where the command goes.
fn parse_live_stream_arg(s: &str) -> Result<Vec<StreamSpec>, String> {
    parse_stream_arg(s).map_err(|e| match COMMANDS.contains(&s) {
        true => format!(
            "`{s}` is a command, not a STREAM: the command comes first, its options after it \
             (`tootwatch {s} --instance URL …`)"
        ),
        false => e,
    })
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
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// The arguments, or clap's message and exit code; a command placed after options gets a tip
/// where it goes (clap reports the first option it does not know, before the command).
fn parse_args() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        let _ = e.print();
        if e.kind() == clap::error::ErrorKind::UnknownArgument
            && let Some(command) = misplaced_command(std::env::args().skip(1))
        {
            let _ = writeln!(
                std::io::stderr(),
                "\n  tip: the command comes first, its options after it: `tootwatch {command} …`"
            );
        }
        std::process::exit(e.exit_code())
    })
}

/// A command named after other arguments (`tootwatch --instance URL tail …`).
fn misplaced_command(mut args: impl Iterator<Item = String>) -> Option<String> {
    let first = args.next()?;
    if COMMANDS.contains(&first.as_str()) {
        return None;
    }
    args.find(|a| COMMANDS.contains(&a.as_str()))
}

/// The whole program, from arguments to exit code.
pub fn main() -> ExitCode {
    let cli = parse_args();
    // Shell integration prints and ends: no log file, no runtime.
    let printed = match &cli.command {
        Some(Command::Completions(args)) => Some(print_completions(args.shell)),
        Some(Command::Manpage) => Some(print_manpage()),
        _ => None,
    };
    if let Some(result) = printed {
        return result.unwrap_or_else(|failure| failure.report());
    }
    crate::cmd::setup::init_logging();
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
            None => crate::cmd::live::live(cli.server, cli.streams, cli.monitor, cli.watch).await,
            Some(Command::Tail(args)) => crate::cmd::tail::run(args).await,
            Some(Command::Check(args)) => crate::cmd::check::run(args).await,
            Some(Command::Demo(args)) => crate::cmd::live::demo(args).await,
            Some(Command::Archive(args)) => crate::cmd::archive::run(args),
            Some(Command::Login(args)) => crate::cmd::login::login(args).await,
            Some(Command::Logout(args)) => crate::cmd::login::logout(args).await,
            Some(Command::Completions(_) | Command::Manpage) => Ok(ExitCode::SUCCESS),
            Some(Command::Replay(args)) => crate::cmd::live::replay_file(args).await,
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
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    // Every command and its options in this one page: no tootwatch-tail(1) is installed
    // beside it for the usual list of pages to point at.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("tootwatch {}", sub.get_name());
        command_section(&mut out, sub, &name)?;
        for inner in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
            command_section(&mut out, inner, &format!("{name} {}", inner.get_name()))?;
        }
    }
    out.extend_from_slice(REFERENCE_SECTIONS.as_bytes());
    man.render_extra_section(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// What a man page has beyond the options: where things are, what the environment sets, what
/// the exit codes say (docs/cli.md has all of it at length).
const REFERENCE_SECTIONS: &str = r#".SH ENVIRONMENT
.TP
\fBTOOTWATCH_INSTANCE\fR, \fBTOOTWATCH_TOKEN\fR, \fBTOOTWATCH_ACCOUNT\fR, \fBTOOTWATCH_CONFIG\fR
As \-\-instance, \-\-token, \-\-account and \-\-config.
.TP
\fBTOOTWATCH_DATA_DIR\fR
The data dir: the accounts \fBlogin\fR stored and the archive.
.TP
\fBTOOTWATCH_LOG_FILE\fR, \fBTOOTWATCH_LOG\fR
Where the log goes, and how much (e.g. debug).
.TP
\fBNO_COLOR\fR
No colours, and media as text.
.SH FILES
.TP
\fIconfig.toml\fR
In the platform config dir (~/.config/tootwatch/ on Linux): tabs, keys, limits; see config.example.toml.
.TP
\fIaccounts.json\fR
In the data dir (~/.local/share/tootwatch/ on Linux, 0600): the tokens \fBlogin\fR stored.
.TP
\fIarchive.sqlite3\fR
In the data dir (0600): posts, read positions and \fBtail \-\-resume\fR places kept across runs.
.TP
\fItootwatch.log\fR
In the platform state dir (~/.local/state/tootwatch/ on Linux).
.SH "EXIT STATUS"
.TP
0
Done: \-\-count reached, or interrupted (\fBtail\fR, the live view; an interrupted \fBlogin\fR exits 1).
.TP
1
Anything else that ends the run (a server that cannot be reached at start, say).
.TP
2
A usage or config error.
.TP
3
The server refused the credentials or the stream, so that retrying cannot help.
.PP
Every non\-zero exit prints one line on stderr that says what went wrong and what to do.
"#;

/// A command's part of the man page: its heading, then its synopsis, what it does and its
/// options as sub-headings.
fn command_section(out: &mut Vec<u8>, cmd: &clap::Command, name: &str) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone().bin_name(name.to_string()));
    let mut part = Vec::new();
    man.render_synopsis_section(&mut part)?;
    man.render_description_section(&mut part)?;
    man.render_options_section(&mut part)?;
    out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
    // roff escapes a text line's leading dot: only the section macros start with `.SH `.
    out.extend_from_slice(
        String::from_utf8_lossy(&part)
            .replace(".SH ", ".SS ")
            .as_bytes(),
    );
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::live::PlaybackOpts;
    use crate::cmd::tail::Format;

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
    fn a_command_after_options_is_named_as_a_command() {
        let e = Cli::try_parse_from([
            "tootwatch",
            "--instance",
            "https://x.example",
            "tail",
            "public",
        ])
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("`tail` is a command, not a STREAM"),
            "{e}"
        );
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .filter(|n| n != "help")
            .collect();
        assert_eq!(names, COMMANDS.map(str::to_string));
    }

    #[test]
    fn a_command_after_other_arguments_is_found() {
        let args = |a: &[&str]| {
            a.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            misplaced_command(args(&["--instance", "https://x.example", "tail", "public"])),
            Some("tail".to_string())
        );
        assert_eq!(
            misplaced_command(args(&["tail", "--count", "4", "public"])),
            None
        );
        assert_eq!(
            misplaced_command(args(&["--transport", "sse", "#rust"])),
            None
        );
    }

    #[test]
    fn streams_without_a_command_open_the_live_view() {
        let cli = Cli::try_parse_from(["tootwatch", "--transport", "sse", "#rust,#tokio", "user"])
            .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.streams.len(), 2);
        let cli = Cli::try_parse_from(["tootwatch", "demo", "--speed", "2"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Demo(DemoArgs { playback })) if playback.speed == 2.0)
        );
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
                playback: PlaybackOpts {
                    images: Some(Images::Off),
                    ..
                }
            }))
        ));
        let cli = Cli::try_parse_from(["tootwatch", "--images", "kitty", "user"]).unwrap();
        assert_eq!(cli.monitor.images, Some(Images::Kitty));
        let cli = Cli::try_parse_from(["tootwatch", "--images", "iterm2", "user"]).unwrap();
        assert_eq!(cli.monitor.images, Some(Images::Iterm2));
        let cli = Cli::try_parse_from(["tootwatch", "--images", "sixel", "user"]).unwrap();
        assert_eq!(cli.monitor.images, Some(Images::Sixel));
        let e = Cli::try_parse_from(["tootwatch", "--images", "chafa"]).unwrap_err();
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
            Some(Command::Logout(LogoutArgs { account: None, .. }))
        ));
        let cli = Cli::try_parse_from(["tootwatch", "logout", "a@b.example"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Logout(LogoutArgs { account: Some(a), .. })) if a == "a@b.example"
        ));
    }
}
