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
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "no {section} in\n{page}");
    }
    assert!(page.contains("completions"), "subcommands are listed");
}
