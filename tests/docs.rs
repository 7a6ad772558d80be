//! The outside of the binary that users read and shells load: completion scripts and the man
//! page, printed by the real binary.

use std::process::{Command, Output, Stdio};

fn tootwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args(args)
        // Printing a script needs no config, account or log file.
        .env("TOOTWATCH_CONFIG", "/nonexistent/tootwatch/config.toml")
        .env("TOOTWATCH_LOG_FILE", "/nonexistent/tootwatch/tootwatch.log")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = tootwatch(args);
    assert!(
        out.status.success(),
        "tootwatch {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "nothing on stderr for {args:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn completions_print_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tootwatch"),
        ("fish", "complete -c tootwatch"),
        ("elvish", "edit:completion:arg-completer[tootwatch]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains(marker),
            "{shell}: no `{marker}` in\n{script}"
        );
        // The subcommands and their options are in it.
        for word in ["tail", "check", "login", "format", "transport", "manpage"] {
            assert!(script.contains(word), "{shell}: `{word}` missing");
        }
    }
}

#[test]
fn the_bash_completion_script_is_valid_bash() {
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tootwatch.bash");
    std::fs::write(&path, &script).unwrap();
    let out = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash is installed");
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = tootwatch(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn the_man_page_prints_as_roff() {
    let page = stdout_of(&["manpage"]);
    assert!(page.contains(".TH tootwatch 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "no {section} in\n{page}");
    }
    // Every command is in this page with its options, not in pages that are not installed.
    for section in [
        ".SH \"TOOTWATCH TAIL\"",
        ".SH \"TOOTWATCH CHECK\"",
        ".SH \"TOOTWATCH ARCHIVE PRUNE\"",
        ".SH \"TOOTWATCH COMPLETIONS\"",
    ] {
        assert!(page.contains(section), "no {section} in\n{page}");
    }
    assert!(page.contains("\\-\\-resume"), "tail's options are there");
    assert!(
        !page.contains("tootwatch\\-tail(1)"),
        "no page that is not installed"
    );
}

/// The user's reference, which the code comments cite.
const REFERENCE: &str = include_str!("../docs/cli.md");

/// The commands that `tootwatch --help` lists.
fn commands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The long options in a `--help` text: `--name` at the start of an option line.
fn long_options(help: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in help.lines().map(str::trim_start) {
        if !line.starts_with('-') {
            continue;
        }
        for word in line.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(name) = word.strip_prefix("--") {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !name.is_empty() {
                    found.push(format!("--{name}"));
                }
            }
        }
    }
    found
}

/// `--name` written in the reference as code: `` `--name` `` or `` `--name VALUE` ``.
fn documents_option(option: &str) -> bool {
    REFERENCE
        .match_indices(&format!("`{option}"))
        .any(|(at, m)| matches!(REFERENCE[at + m.len()..].chars().next(), Some(' ' | '`')))
}

#[test]
fn docs_cli_md_has_every_command_and_every_option_of_the_help() {
    let commands = commands();
    assert!(commands.len() >= 8, "{commands:?}");
    let mut helps = vec![("tootwatch".to_string(), stdout_of(&["--help"]))];
    for command in &commands {
        assert!(
            REFERENCE.contains(&format!("tootwatch {command}")),
            "docs/cli.md does not document `tootwatch {command}`"
        );
        if command != "help" {
            helps.push((command.clone(), stdout_of(&[command, "--help"])));
        }
    }
    let mut checked = 0;
    for (command, help) in &helps {
        for option in long_options(help) {
            assert!(
                documents_option(&option),
                "docs/cli.md does not document `{option}` of `{command}`"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "the help was not read: {checked} options");
}

/// The reference's section that starts with a heading containing `title`.
fn section(title: &str) -> &'static str {
    let start = REFERENCE
        .lines()
        .position(|l| l.starts_with('#') && l.contains(title))
        .unwrap_or_else(|| panic!("docs/cli.md has no heading with {title}"));
    let lines: Vec<&str> = REFERENCE.lines().collect();
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || l.starts_with("### "))
        .map_or(lines.len(), |n| start + 1 + n);
    let from = lines[..start].iter().map(|l| l.len() + 1).sum::<usize>();
    let to = lines[..end].iter().map(|l| l.len() + 1).sum::<usize>();
    &REFERENCE[from..to.min(REFERENCE.len())]
}

#[test]
fn docs_cli_md_has_every_key_of_the_example_config() {
    let example = include_str!("../config.example.toml");
    let mut heading = "Top-level keys".to_string();
    let mut checked = 0;
    for line in example.lines() {
        let line = line.trim();
        if let Some(table) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            heading = format!("`[[{table}]]`");
            continue;
        }
        if let Some(table) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            heading = match table.split_once('.') {
                Some((outer, _)) => format!("`[{outer}.NAME]`"),
                None => format!("`[{table}]`"),
            };
            continue;
        }
        // `key = value`, also commented out (`# exec = "..."`).
        let setting = line.strip_prefix('#').map_or(line, str::trim_start);
        let Some((key, value)) = setting.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || value.trim().is_empty()
            || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            continue;
        }
        assert!(
            section(&heading).contains(&format!("`{key}`")),
            "docs/cli.md's {heading} does not document `{key}`"
        );
        checked += 1;
    }
    assert!(
        checked > 30,
        "the example config was not read: {checked} keys"
    );
    // Every action that [keys] takes.
    let keys = section("`[keys]`");
    for (action, _) in tootwatch::keys::actions() {
        let listed = keys.contains(&format!("`{action}`"))
            || (action.starts_with("tab_") && keys.contains("`tab_1` … `tab_9`"));
        assert!(listed, "docs/cli.md's [keys] does not name `{action}`");
    }
}

#[test]
fn docs_cli_md_shows_the_key_table_and_every_connection_state() {
    assert!(
        REFERENCE.contains(&tootwatch::keys::readme_table()),
        "docs/cli.md's key table is not the key table's defaults (it is made from `ROWS` in \
         src/keys.rs: change the text there, then put this in docs/cli.md):\n{}",
        tootwatch::keys::readme_table()
    );
    use std::time::Duration;
    use tootwatch::stream::{ConnectionState, FailureCause, Transport};
    let states = [
        ConnectionState::Connecting {
            transport: Transport::Ws,
        },
        ConnectionState::Live {
            transport: Transport::Sse,
        },
        ConnectionState::Polling {
            every: Duration::from_secs(7),
            reason: "why".into(),
            not_delivering: false,
        },
        ConnectionState::Polling {
            every: Duration::from_secs(7),
            reason: "why".into(),
            not_delivering: true,
        },
        ConnectionState::Reconnecting {
            after: Duration::from_secs(7),
            reason: "…".into(),
        },
        ConnectionState::Failed {
            reason: "…".into(),
            cause: FailureCause::Credentials,
        },
    ];
    let table = section("## Connection states");
    for state in states {
        let shown = state.to_string();
        // `live (WebSocket)`: the transport is not part of the state's name.
        let name = match shown.split_once(" (") {
            Some((name, _)) if matches!(name, "connecting" | "live") => name.to_string(),
            _ => shown.replace('7', "N"),
        };
        assert!(
            table.contains(&format!("| `{name}` |")),
            "docs/cli.md's connection states do not show `{name}` ({shown})"
        );
    }
}

#[test]
fn every_stream_form_in_docs_cli_md_parses() {
    let table = section("## STREAM");
    let mut forms = 0;
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split('|').nth(1).unwrap_or_default();
        for form in first.split('`').skip(1).step_by(2) {
            let example = form
                .replace("TAG", "rust")
                .replace("ID", "42")
                .replace("NAME", "Friends");
            tootwatch::stream::parse_group(&example)
                .unwrap_or_else(|e| panic!("`{form}` of docs/cli.md does not parse: {e}"));
            forms += 1;
        }
    }
    assert!(forms >= 12, "{forms} forms");
    assert!(tootwatch::stream::parse_group("#rust,#tokio,list:Friends").is_ok());
}

#[test]
fn comments_cite_the_reference_where_it_is() {
    // Every `cli.md` a source file cites is docs/cli.md.
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("cli.md") {
                    let before = &text[..at];
                    assert!(
                        before.ends_with("docs/"),
                        "{} cites cli.md but not docs/cli.md",
                        path.display()
                    );
                }
            }
        }
    }
}
