//! The config file: what it accepts, and where its errors point.

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/home/u/.config/tootwatch/config.toml"))
}

#[test]
fn a_value_below_its_bound_is_named_with_its_line() {
    for (text, line, key, least) in [
        (
            "[limits]\nchannel_capacity = 8\nmax_event_bytes = 10\n",
            3,
            "limits.max_event_bytes",
            "1024",
        ),
        (
            "[limits]\nchannel_capacity = 0\n",
            2,
            "limits.channel_capacity",
            "1",
        ),
        (
            "[ui]\n\nnotifications_len = 0\n",
            3,
            "ui.notifications_len",
            "1",
        ),
    ] {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, Some(line), "{text}");
        assert_eq!(e.key.as_deref(), Some(key), "{text}");
        assert!(
            e.to_string().contains(&format!("must be at least {least}")),
            "{e}"
        );
    }
}

#[test]
fn the_example_config_parses_and_says_what_it_shows() {
    let text = include_str!("../config.example.toml");
    let c = parse(text).unwrap();
    assert!(!c.accounts.is_empty());
    assert!(!c.tabs.is_empty());
    assert!(c.default_account.is_some());
    assert_eq!(c.tab_streams().len(), c.tabs.len());
}

#[test]
fn empty_config_is_all_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.transport.timing(), Timing::default());
}

#[test]
fn a_wrong_type_names_file_line_and_key() {
    let e = parse("[transport]\n\nread_timeout_secs = \"soon\"\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("read_timeout_secs"));
    let text = e.to_string();
    assert!(text.starts_with("config error in /home/u/.config/tootwatch/config.toml, line 3, key `read_timeout_secs`:"), "{text}");
    assert!(text.ends_with("expected a number"), "{text}");
    let e = parse(
        "[ui]
timeline_len = \"many\"\n",
    )
    .unwrap_err();
    assert!(e.to_string().ends_with("expected a whole number"), "{e}");
}

#[test]
fn an_unknown_key_is_named() {
    let e = parse("[transport]\nread_timeout = 5\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("read_timeout"));
    assert_eq!(e.line, Some(2));
}

#[test]
fn images_takes_only_the_ways_pictures_can_be_drawn() {
    assert_eq!(parse("").unwrap().ui.images, Images::Auto);
    let c = parse("[ui]\nimages = \"off\"\n").unwrap();
    assert_eq!(c.ui.images, Images::Off);
    // A way tootwatch does not know is refused, not quietly drawn some other way.
    let c = parse("[ui]\nimages = \"sixel\"\n").unwrap();
    assert_eq!(c.ui.images, Images::Sixel);
    let e = parse("[ui]\nimages = \"chafa\"\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.to_string().contains("halfblocks"), "{e}");
}

#[test]
fn broken_toml_names_the_line() {
    let e = parse("default_account = \"a\"\n[accounts\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    // A line that is no setting names no key (not the `=` the error expects).
    let e = parse("this is not toml\n").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(1), None), "{e}");
}

#[test]
fn a_bad_stream_in_a_tab_names_it() {
    let e = parse("[[tabs]]\nstreams = [\"#rust\", \"pubic\"]\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("tabs[0].streams"));
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("`pubic`"), "{}", e.message);
}

#[test]
fn references_to_accounts_must_exist() {
    // default_account may name an account stored by `login`: resolve() checks it.
    assert!(parse("default_account = \"nobody@x.example\"\n").is_ok());
    let e = parse("[login]\nscopes = \"read;drop\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("login.scopes"));
    assert_eq!(e.line, Some(2));
    let e = parse("[transport]\nbackoff_max_secs = -1\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("transport.backoff_max_secs"));
}

#[test]
fn keys_remap_actions_and_conflicts_name_file_line_and_key() {
    let c = parse("[keys]\nquit = \"Q\"\npage_down = [\"ctrl-d\", \"pgdn\"]\n").unwrap();
    assert_eq!(
        c.keymap().label(crate::keys::Action::Quit).as_deref(),
        Some("Q")
    );
    let e = parse(
        "[ui]\nbell_on_mention = true # quit\n\n[keys]\n# quit\nsearch = \"f\"\nhelp = \"q\"\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(7));
    assert_eq!(e.key.as_deref(), Some("keys.help"));
    assert!(
        e.to_string().starts_with(
            "config error in /home/u/.config/tootwatch/config.toml, line 7, key `keys.help`: `q` is bound to both `help` and `quit`"
        ),
        "{e}"
    );
    let e = parse("[keys]\nquit = \"Q\"\n  \"open\" = \"enter\"\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("keys.open"));
    assert!(
        e.message.contains("`open` is not an action"),
        "{}",
        e.message
    );
    let e = parse("keys.quit = \"ctrl-\"\n").unwrap_err();
    assert_eq!(e.line, Some(1));
    let e = parse("[keys]\nquit = 3\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert_eq!(e.key.as_deref(), Some("quit"));
    assert!(e.message.contains("a key such as"), "{}", e.message);
    let e = parse("[keys]\nquit = [\"Q\", 3]\n").unwrap_err();
    assert_eq!(e.line, Some(2));
}

#[test]
fn tokens_stay_out_of_debug_output() {
    let c = parse("[accounts.\"me@ex.com\"]\ninstance = \"https://ex.com\"\ntoken = \"s3cret\"\n")
        .unwrap();
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn errors_found_after_parsing_point_at_the_setting_not_at_a_mention() {
    let line_of = |text: &str| parse(text).unwrap_err().line;
    // A comment naming the key comes first; the setting is on line 3.
    assert_eq!(
        line_of("# keep timeline_len small\n[ui]\ntimeline_len = 0\n"),
        Some(3)
    );
    // The second tab's empty list, not the first tab's.
    let e = parse("[[tabs]]\nstreams = [\"user\"]\n[[tabs]]\nname = \"x\"\nstreams = []\n")
        .unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(5), Some("tabs[1].streams"))
    );
    // A bad STREAM on the line of a list that spans lines, past a comment quoting it.
    let text = "# \"list:\" needs a name\n[[tabs]]\nstreams = [\"user\"]\n[[tabs]]\nstreams = [\n  \"#rust\",\n  \"list:\",\n]\n";
    assert_eq!(line_of(text), Some(7));
    // Dotted keys at the top, and bounds that would destroy: the archive pruned to nothing.
    assert_eq!(line_of("ui.timeline_len = 0\n"), Some(1));
    let e = parse("[watch]\nexec = \"x\"\n[archive]\nmax_mb = 0\n").unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(4), Some("archive.max_mb"))
    );
    let e = parse("[watch]\nexec_concurrency = 0\n").unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(2), Some("watch.exec_concurrency"))
    );
}

#[test]
fn errors_in_the_example_config_point_at_the_line_edited() {
    let example = include_str!("../config.example.toml");
    let edit = |from: &str, to: &str| {
        assert!(example.contains(from), "{from}");
        let text = example.replacen(from, to, 1);
        let line = text.lines().position(|l| l.contains(to)).map(|i| i + 1);
        (parse(&text).unwrap_err().line, line)
    };
    let (got, want) = edit("streams = [\"public:local\"]", "streams = []");
    assert_eq!(got, want);
    let (got, want) = edit("streams = [\"public:local\"]", "streams = [\"list:\"]");
    assert_eq!(got, want);
    let (got, want) = edit("max_mb = 200", "max_mb = 0");
    assert_eq!(got, want);
}

/// The fields a table of the config takes, as serde names them when it refuses an unknown
/// one (`expected one of `a`, `b``, or `expected `a` or `b``): the struct's own list, so a
/// key added to `config.rs` is found here. `None` where the heading takes no fixed fields
/// (a map such as `[keys]`, or a key that is not a table).
fn fields_of(heading: &str) -> Option<Vec<String>> {
    let text = format!("{heading}\nnot_a_key_of_any_table = 1\n");
    let message = toml::from_str::<Config>(&text).err()?.to_string();
    let list = message
        .split_once("unknown field")?
        .1
        .split_once("expected")?
        .1;
    // Every other piece between backquotes is a name.
    let names: Vec<String> = list
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    (!names.is_empty()).then_some(names)
}

/// The headings config.example.toml opens, as written (`[ui]`, `[accounts."a@b"]`, `[[tabs]]`).
fn example_headings(example: &str) -> Vec<&str> {
    example
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('['))
        .collect()
}

/// Whether `heading` opens the table `prefix` names: `[ui]` exactly, `[accounts.` any account.
fn heading_of(heading: &str, prefix: &str) -> bool {
    heading == prefix || (prefix.ends_with('.') && heading.starts_with(prefix))
}

#[test]
fn the_example_config_shows_every_key_there_is() {
    let example = include_str!("../config.example.toml");
    let headings = example_headings(example);
    // A key set or commented out in any table whose heading `matches`.
    let shown = |matches: &dyn Fn(&str) -> bool, key: &str| {
        let mut inside = false;
        example.lines().any(|line| {
            let line = line.trim();
            if line.starts_with('[') {
                inside = matches(line);
                return false;
            }
            let setting = line.trim_start_matches('#').trim_start();
            inside
                && setting
                    .split_once('=')
                    .is_some_and(|(k, _)| k.trim() == key)
        })
    };
    let top = fields_of("").expect("the top level's fields");
    let mut checked = 0;
    for field in &top {
        // A table of fixed fields (`[ui]`), one per name (`[accounts.NAME]`), or an array
        // of tables (`[[tabs]]`); otherwise a plain key of the top level.
        let forms = [
            (format!("[{field}]"), format!("[{field}]")),
            (format!("[{field}.X]"), format!("[{field}.")),
            (format!("[[{field}]]"), format!("[[{field}]]")),
        ];
        let table = forms
            .iter()
            .find_map(|(probe, prefix)| Some((fields_of(probe)?, prefix.clone())));
        let opened = |prefix: &str| headings.iter().any(|h| heading_of(h, prefix));
        match table {
            Some((fields, prefix)) => {
                assert!(opened(&prefix), "config.example.toml has no {prefix} table");
                let matches = |h: &str| heading_of(h, &prefix);
                for key in fields {
                    assert!(
                        shown(&matches, &key),
                        "config.example.toml does not show `{key}` under {prefix}"
                    );
                    checked += 1;
                }
            }
            None if opened(&format!("[{field}]")) => {} // a map: its own test lists its keys
            None => {
                // Above the first table.
                let top_level = example.lines().take_while(|l| !l.trim().starts_with('['));
                assert!(
                    top_level
                        .map(|l| l.trim().trim_start_matches('#').trim_start())
                        .any(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == field)),
                    "config.example.toml does not show `{field}` at the top"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "{checked} keys");
}
