//! The key table: every action of the live view, its default keys, and the `[keys]` remaps of
//! the config. The reducer asks it what a key does, the help overlay and the footer show its
//! keys, and the README's key table is tested against [`readme_table`].
//!
//! Ctrl-C is not in the table: it always quits. Typing a search query (`/`) reads keys as text
//! (`Enter` keeps the query, `Esc` drops it, `Backspace` deletes) and is not remapped either.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// What a key can do in the live view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    OpenDetail,
    Back,
    Reveal,
    OpenLink,
    CopyLink,
    ToggleNotifications,
    Search,
    DismissAnnouncement,
    /// Go to a tab: 0 is the first.
    Tab(u8),
}

/// Every action: its name in `[keys]` and its default keys.
const ACTIONS: &[(Action, &str, &[&str])] = &[
    (Action::Quit, "quit", &["q"]),
    (Action::Help, "help", &["?"]),
    (Action::NextTab, "next_tab", &["tab"]),
    (Action::PrevTab, "prev_tab", &["shift-tab"]),
    (Action::Down, "down", &["j", "down"]),
    (Action::Up, "up", &["k", "up"]),
    (Action::PageDown, "page_down", &["pgdn"]),
    (Action::PageUp, "page_up", &["pgup"]),
    (Action::Top, "top", &["g", "home"]),
    (Action::Bottom, "bottom", &["G", "end"]),
    (Action::OpenDetail, "open_detail", &["enter"]),
    (Action::Back, "back", &["esc"]),
    (Action::Reveal, "reveal", &["c", "space"]),
    (Action::OpenLink, "open_link", &["o"]),
    (Action::CopyLink, "copy_link", &["y"]),
    (Action::ToggleNotifications, "toggle_notifications", &["n"]),
    (Action::Search, "search", &["/"]),
    (Action::DismissAnnouncement, "dismiss_announcement", &["x"]),
    (Action::Tab(0), "tab_1", &["1"]),
    (Action::Tab(1), "tab_2", &["2"]),
    (Action::Tab(2), "tab_3", &["3"]),
    (Action::Tab(3), "tab_4", &["4"]),
    (Action::Tab(4), "tab_5", &["5"]),
    (Action::Tab(5), "tab_6", &["6"]),
    (Action::Tab(6), "tab_7", &["7"]),
    (Action::Tab(7), "tab_8", &["8"]),
    (Action::Tab(8), "tab_9", &["9"]),
];

const TABS: &[Action] = &[
    Action::Tab(0),
    Action::Tab(1),
    Action::Tab(2),
    Action::Tab(3),
    Action::Tab(4),
    Action::Tab(5),
    Action::Tab(6),
    Action::Tab(7),
    Action::Tab(8),
];

/// One line of the help overlay and of the README's key table.
pub(crate) struct Row {
    /// The actions whose keys the line shows; none for the mouse line.
    pub actions: &'static [Action],
    /// What the help overlay says.
    pub help: &'static str,
    /// What the README says.
    pub readme: &'static str,
}

/// The help overlay's lines, in order.
pub(crate) const ROWS: &[Row] = &[
    Row {
        actions: TABS,
        help: "go to tab",
        readme: "go to tab 1 to 9 (or click its title)",
    },
    Row {
        actions: &[Action::NextTab, Action::PrevTab],
        help: "next / previous tab",
        readme: "next / previous tab",
    },
    Row {
        actions: &[Action::Down, Action::Up],
        help: "move down / up (or scroll what is open)",
        readme: "move down / up (or the mouse wheel); these keys scroll the full post and the help",
    },
    Row {
        actions: &[Action::PageDown, Action::PageUp],
        help: "a page down / up",
        readme: "a page down / up",
    },
    Row {
        actions: &[Action::Top],
        help: "top (newest)",
        readme: "top: the newest post",
    },
    Row {
        actions: &[Action::Bottom],
        help: "bottom (oldest)",
        readme: "bottom: the oldest post",
    },
    Row {
        actions: &[],
        help: "wheel scrolls, click a tab",
        readme: "",
    },
    Row {
        actions: &[Action::OpenDetail],
        help: "show the post in full",
        readme: "the full post (all media with alt text, poll, card, counts, URL); on a \"more posts \
                 were missed here\" marker, load them",
    },
    Row {
        actions: &[Action::Back],
        help: "back",
        readme: "back: close the full post or the help, clear the search",
    },
    Row {
        actions: &[Action::Reveal],
        help: "show content warning / filtered post",
        readme: "show a post behind a content warning or a `warn` filter, and sensitive or `blur`-filtered pictures",
    },
    Row {
        actions: &[Action::OpenLink],
        help: "open link",
        readme: "open the post in a browser (over ssh: copy its link instead)",
    },
    Row {
        actions: &[Action::CopyLink],
        help: "copy link",
        readme: "copy the post's link to your clipboard (OSC 52: works through ssh and tmux)",
    },
    Row {
        actions: &[Action::ToggleNotifications],
        help: "toggle notifications",
        readme: "notification pane on/off (beside the timeline when wide, below when narrow; hidden at start when no tab has `user` or `user:notification`)",
    },
    Row {
        actions: &[Action::Search],
        help: "search",
        readme: "search the tab: typing filters the loaded posts, `Enter` searches everything the archive kept of the tab's streams (`Esc` clears, back to the timeline)",
    },
    Row {
        actions: &[Action::DismissAnnouncement],
        help: "dismiss announcement",
        readme: "dismiss the server announcement",
    },
    Row {
        actions: &[Action::Help],
        help: "this help",
        readme: "this help",
    },
    Row {
        actions: &[Action::Quit],
        help: "quit",
        readme: "quit (`Ctrl-C` always quits, also in `--monitor`, whose only other key is quit)",
    },
];

/// A key as the table knows it: a code and its modifiers, Shift folded into the character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: KeyCode,
    mods: KeyModifiers,
}

impl Key {
    /// The key of a terminal event. Terminals differ on whether `G` or `?` comes with Shift, and
    /// Shift-Tab is its own code: the character says it all.
    pub fn of(event: &KeyEvent) -> Key {
        let mut mods =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key {
            code: event.code,
            mods,
        }
    }

    /// A key as written in `[keys]`: one character (`"Q"`, `"?"`), or a name (`"enter"`, `"esc"`,
    /// `"tab"`, `"shift-tab"`, `"space"`, `"pgdn"`, `"pgup"`, `"home"`, `"end"`, `"up"`,
    /// `"down"`, `"left"`, `"right"`, `"backspace"`, `"delete"`, `"insert"`, `"f1"`…`"f12"`),
    /// each optionally after `ctrl-`, `alt-` or `shift-`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = |why: &str| format!("`{text}` is not a key: {why}");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        if rest.chars().count() > 1 {
            loop {
                let lower = rest.to_ascii_lowercase();
                let prefix = [
                    ("ctrl-", KeyModifiers::CONTROL),
                    ("ctrl+", KeyModifiers::CONTROL),
                    ("alt-", KeyModifiers::ALT),
                    ("alt+", KeyModifiers::ALT),
                    ("shift-", KeyModifiers::SHIFT),
                    ("shift+", KeyModifiers::SHIFT),
                ]
                .into_iter()
                .find(|(p, _)| lower.starts_with(p) && rest.len() > p.len());
                match prefix {
                    Some((p, m)) => {
                        mods |= m;
                        rest = &rest[p.len()..];
                    }
                    None => break,
                }
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad("it is empty")),
            (Some(c), None) => {
                if c.is_control() {
                    return Err(bad("write a control character as ctrl-LETTER"));
                }
                if mods.contains(KeyModifiers::SHIFT) {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgdn" | "pagedown" | "page_down" => KeyCode::PageDown,
                "pgup" | "pageup" | "page_up" => KeyCode::PageUp,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                name => match name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => {
                        return Err(bad(
                            "not a key name I know (enter, esc, tab, shift-tab, space, pgdn, pgup, home, end, up, down, left, right, backspace, delete, insert, f1-f12)",
                        ));
                    }
                },
            },
        };
        Ok(Key { code, mods })
    }

    fn is_ctrl_c(&self) -> bool {
        self.mods == KeyModifiers::CONTROL && matches!(self.code, KeyCode::Char('c' | 'C'))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One action's keys in `[keys]`: `quit = "Q"` or `quit = ["Q", "ctrl-d"]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Binding {
    One(String),
    Several(Vec<String>),
}

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Binding;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key such as \"Q\" or \"ctrl-d\", or a list of keys")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Binding, E> {
                Ok(Binding::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Binding, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(Binding::Several(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Binding {
    fn keys(&self) -> &[String] {
        match self {
            Binding::One(k) => std::slice::from_ref(k),
            Binding::Several(v) => v,
        }
    }
}

/// `[keys]` as written: action name → keys.
pub(crate) type KeysConfig = BTreeMap<String, Binding>;

/// A `[keys]` entry that cannot be: which action it was written for, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyError {
    pub action: String,
    pub message: String,
}

/// The keys of every action, defaults with the config's remaps applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// In the order of `ACTIONS`.
    keys: Vec<(Action, Vec<Key>)>,
    by_key: HashMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with(&KeysConfig::new()).expect("the default key table is consistent")
    }
}

impl Keymap {
    /// The defaults with `config`'s remaps: an action named there gets exactly the keys given
    /// (an empty list unbinds it). An unknown action, a key that does not parse, or a key bound
    /// to two actions is an error.
    pub fn with(config: &KeysConfig) -> Result<Keymap, KeyError> {
        let err = |action: &str, message: String| KeyError {
            action: action.to_string(),
            message,
        };
        for name in config.keys() {
            if !ACTIONS.iter().any(|(_, n, _)| n == name) {
                let known: Vec<&str> = ACTIONS.iter().map(|(_, n, _)| *n).collect();
                return Err(err(
                    name,
                    format!(
                        "`{name}` is not an action; the actions are {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        let mut keys = Vec::with_capacity(ACTIONS.len());
        let mut by_key: HashMap<Key, Action> = HashMap::new();
        // Remapped actions claim their keys first, so a clash with a default names the
        // remap's line and the action to rebind.
        let mut order: Vec<&(Action, &str, &[&str])> = ACTIONS.iter().collect();
        order.sort_by_key(|(_, name, _)| !config.contains_key(*name));
        let mut claimed: HashMap<Key, &str> = HashMap::new();
        for (action, name, defaults) in order {
            let written: Vec<&str> = match config.get(*name) {
                Some(b) => b.keys().iter().map(String::as_str).collect(),
                None => defaults.to_vec(),
            };
            let mut mine = Vec::new();
            for text in written {
                let key = Key::parse(text).map_err(|m| err(name, m))?;
                if key.is_ctrl_c() && *action != Action::Quit {
                    return Err(err(name, "Ctrl-C always quits; bind another key".into()));
                }
                if let Some(other) = claimed.get(&key) {
                    if *other == *name {
                        continue;
                    }
                    let (remapped, fixed) = if config.contains_key(*name) {
                        (*name, *other)
                    } else {
                        (*other, *name)
                    };
                    let hint = if config.contains_key(fixed) {
                        String::new()
                    } else {
                        format!(" (`{key}` is `{fixed}`'s default: give `{fixed}` another key too)")
                    };
                    return Err(err(
                        remapped,
                        format!("`{key}` is bound to both `{remapped}` and `{fixed}`{hint}"),
                    ));
                }
                claimed.insert(key, name);
                by_key.insert(key, *action);
                mine.push(key);
            }
            keys.push((*action, mine));
        }
        keys.sort_by_key(|(a, _)| ACTIONS.iter().position(|(b, _, _)| b == a));
        Ok(Keymap { keys, by_key })
    }

    /// What `event` does, if anything. Ctrl-C is the caller's: it always quits.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        let key = Key::of(event);
        self.by_key.get(&key).copied().or_else(|| {
            // Shift with a named key (Shift-↓, Shift-PgDn) does what the key does, unless
            // bound on its own.
            let mut plain = key;
            plain.mods.remove(KeyModifiers::SHIFT);
            (plain != key)
                .then(|| self.by_key.get(&plain).copied())
                .flatten()
        })
    }

    /// The keys of `action`, in the order written.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key of `action` as the screen shows it, if it has one.
    pub(crate) fn label(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(Key::to_string)
    }

    /// The keys of a help line, e.g. `1-9`, `Tab / Shift-Tab`, `j k ↓ ↑`, `g / Home`.
    pub(crate) fn row_label(&self, row: &Row) -> String {
        self.row_keys(row, &|k| k.to_string())
    }

    fn row_keys(&self, row: &Row, show: &dyn Fn(&Key) -> String) -> String {
        match row.actions {
            [] => "mouse".to_string(),
            [one] => join(self.keys(*one), show, " / "),
            [a, b] => {
                let (ka, kb) = (self.keys(*a), self.keys(*b));
                let defaults = Keymap::default();
                let as_shipped = ka == defaults.keys(*a) && kb == defaults.keys(*b);
                if as_shipped && ka.len() == kb.len() && ka.len() > 1 {
                    // Pairs side by side: `j k ↓ ↑` (remapped ones pair by chance: `a b / c d`).
                    ka.iter()
                        .zip(kb)
                        .map(|(x, y)| format!("{} {}", show(x), show(y)))
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    format!("{} / {}", join(ka, show, " "), join(kb, show, " "))
                }
            }
            many => {
                let firsts: Vec<Option<&Key>> =
                    many.iter().map(|a| self.keys(*a).first()).collect();
                let digits = firsts.iter().enumerate().all(|(i, k)| {
                    k.is_some_and(|k| {
                        self.keys(many[i]).len() == 1
                            && k.mods.is_empty()
                            && k.code == KeyCode::Char((b'1' + i as u8) as char)
                    })
                });
                if digits {
                    let digit = |i: usize| Key {
                        code: KeyCode::Char((b'0' + i as u8) as char),
                        mods: KeyModifiers::NONE,
                    };
                    format!("{}-{}", show(&digit(1)), show(&digit(many.len())))
                } else {
                    many.iter()
                        .map(|a| join(self.keys(*a), show, " "))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            }
        }
    }
}

fn join(keys: &[Key], show: &dyn Fn(&Key) -> String, sep: &str) -> String {
    keys.iter().map(show).collect::<Vec<_>>().join(sep)
}

/// The README's key table for the default keys, as Markdown, with each line's action names
/// for `[keys]`.
pub fn readme_table() -> String {
    let map = Keymap::default();
    let name = |a: &Action| {
        ACTIONS
            .iter()
            .find(|(b, _, _)| b == a)
            .map_or("", |(_, n, _)| *n)
    };
    let mut out = String::from("| key | action in `[keys]` | does |\n| --- | --- | --- |\n");
    for row in ROWS.iter().filter(|r| !r.actions.is_empty()) {
        let keys = map.row_keys(row, &|k| format!("`{k}`"));
        let names = match row.actions {
            [first, .., last] if row.actions.len() > 2 => {
                format!("`{}` … `{}`", name(first), name(last))
            }
            many => many
                .iter()
                .map(|a| format!("`{}`", name(a)))
                .collect::<Vec<_>>()
                .join(" / "),
        };
        out.push_str(&format!("| {keys} | {names} | {} |\n", row.readme));
    }
    out
}

/// The action names of `[keys]`, with their default keys as written in the config.
pub fn actions() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    ACTIONS.iter().map(|(_, name, keys)| (*name, *keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(map: &Keymap, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        map.action(&KeyEvent::new(code, mods))
    }

    fn remap(pairs: &[(&str, Binding)]) -> Result<Keymap, KeyError> {
        Keymap::with(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn the_defaults_are_the_keys_the_help_always_showed() {
        let map = Keymap::default();
        let labels: Vec<String> = ROWS.iter().map(|r| map.row_label(r)).collect();
        assert_eq!(
            labels,
            [
                "1-9",
                "Tab / Shift-Tab",
                "j k ↓ ↑",
                "PgDn / PgUp",
                "g / Home",
                "G / End",
                "mouse",
                "Enter",
                "Esc",
                "c / Space",
                "o",
                "y",
                "n",
                "/",
                "x",
                "?",
                "q"
            ]
        );
        let none = KeyModifiers::NONE;
        assert_eq!(
            press(&map, KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Bottom)
        );
        assert_eq!(press(&map, KeyCode::Char('G'), none), Some(Action::Bottom));
        assert_eq!(
            press(&map, KeyCode::Char('?'), KeyModifiers::SHIFT),
            Some(Action::Help)
        );
        assert_eq!(
            press(&map, KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::PrevTab)
        );
        assert_eq!(press(&map, KeyCode::Char('3'), none), Some(Action::Tab(2)));
        assert_eq!(press(&map, KeyCode::Char(' '), none), Some(Action::Reveal));
        assert_eq!(press(&map, KeyCode::Char('j'), KeyModifiers::CONTROL), None);
        assert_eq!(
            press(&map, KeyCode::Down, KeyModifiers::SHIFT),
            Some(Action::Down)
        );
        assert_eq!(press(&map, KeyCode::Down, KeyModifiers::ALT), None);
        assert_eq!(press(&map, KeyCode::Char('z'), none), None);
    }

    #[test]
    fn the_readme_shows_the_default_keys() {
        let readme = include_str!("../README.md");
        let table = readme_table();
        assert!(
            readme.contains(&table),
            "README.md's key table is not the key table's defaults (it is made from `ROWS` in \
             src/keys.rs: change the text there, then put this in README.md):\n{table}"
        );
    }

    #[test]
    fn the_example_config_lists_every_action_with_its_defaults() {
        let example = include_str!("../config.example.toml");
        let keys = &example[example.find("[keys]").expect("a [keys] table")..];
        for (name, defaults) in actions() {
            let written = match defaults {
                [one] => format!("{name} \"{one}\""),
                many => format!(
                    "{name} [{}]",
                    many.iter()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let shown = keys.contains(&written)
                || (name.starts_with("tab_") && !["tab_1", "tab_9"].contains(&name));
            assert!(shown, "config.example.toml does not show `{written}`");
        }
    }

    #[test]
    fn every_action_is_on_a_help_line() {
        for (action, name, _) in ACTIONS {
            assert!(
                ROWS.iter().any(|r| r.actions.contains(action)),
                "{name} is missing from the help"
            );
        }
    }

    #[test]
    fn keys_parse_as_written() {
        let k = |s: &str| Key::parse(s).unwrap();
        let key = |code, mods| Key { code, mods };
        assert_eq!(k("Q"), key(KeyCode::Char('Q'), KeyModifiers::NONE));
        assert_eq!(k("shift-q"), k("Q"));
        assert_eq!(k("ctrl-d"), key(KeyCode::Char('d'), KeyModifiers::CONTROL));
        assert_eq!(k("Ctrl+D"), key(KeyCode::Char('D'), KeyModifiers::CONTROL));
        assert_eq!(
            k("alt-ctrl-x").mods,
            KeyModifiers::CONTROL | KeyModifiers::ALT
        );
        assert_eq!(k("enter").code, KeyCode::Enter);
        assert_eq!(k("Esc").code, KeyCode::Esc);
        assert_eq!(k("pgdn").code, KeyCode::PageDown);
        assert_eq!(k("tab").code, KeyCode::Tab);
        assert_eq!(k("shift-tab"), key(KeyCode::BackTab, KeyModifiers::NONE));
        assert_eq!(k("space"), k(" "));
        assert_eq!(k("-"), key(KeyCode::Char('-'), KeyModifiers::NONE));
        assert_eq!(k("ctrl--"), key(KeyCode::Char('-'), KeyModifiers::CONTROL));
        assert_eq!(k("f5").code, KeyCode::F(5));
        assert_eq!(k("ctrl-d").to_string(), "Ctrl-d");
        for bad in ["", "ctrl-", "enterr", "f13", "\u{7}"] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_remap_replaces_the_default_keys() {
        let map = remap(&[("quit", Binding::One("Q".into()))]).unwrap();
        let none = KeyModifiers::NONE;
        assert_eq!(press(&map, KeyCode::Char('q'), none), None);
        assert_eq!(
            press(&map, KeyCode::Char('Q'), KeyModifiers::SHIFT),
            Some(Action::Quit)
        );
        assert_eq!(map.label(Action::Quit).as_deref(), Some("Q"));
        let map = remap(&[
            ("down", Binding::Several(vec!["ctrl-n".into()])),
            (
                "page_down",
                Binding::Several(vec!["ctrl-d".into(), "pgdn".into()]),
            ),
            ("help", Binding::Several(vec![])),
        ])
        .unwrap();
        assert_eq!(
            press(&map, KeyCode::Char('n'), KeyModifiers::CONTROL),
            Some(Action::Down)
        );
        assert_eq!(press(&map, KeyCode::Char('j'), none), None);
        assert_eq!(
            press(&map, KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Action::PageDown)
        );
        assert_eq!(press(&map, KeyCode::Char('?'), none), None);
        assert_eq!(map.label(Action::Help), None);
        // Unequal pairs no longer line up side by side, nor do remapped ones of one length.
        assert_eq!(map.row_label(&ROWS[2]), "Ctrl-n / k ↑");
        let map = remap(&[("down", Binding::Several(vec!["j".into(), "ctrl-n".into()]))]).unwrap();
        assert_eq!(map.row_label(&ROWS[2]), "j Ctrl-n / k ↑");
        assert_eq!(Keymap::default().row_label(&ROWS[2]), "j k ↓ ↑");
        // Tabs that are not 1-9 are listed.
        let map = remap(&[("tab_1", Binding::One("!".into()))]).unwrap();
        assert_eq!(map.row_label(&ROWS[0]), "! 2 3 4 5 6 7 8 9");
    }

    #[test]
    fn conflicts_and_unknown_actions_are_errors() {
        let e = remap(&[("help", Binding::One("q".into()))]).unwrap_err();
        assert_eq!(e.action, "help");
        assert!(
            e.message.contains("`q` is bound to both `help` and `quit`"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("give `quit` another key"),
            "{}",
            e.message
        );
        // Swapping two keys is fine when both are remapped.
        assert!(
            remap(&[
                ("help", Binding::One("q".into())),
                ("quit", Binding::One("?".into()))
            ])
            .is_ok()
        );
        let e = remap(&[
            ("quit", Binding::One("Q".into())),
            ("search", Binding::One("shift-q".into())),
        ])
        .unwrap_err();
        assert!(e.message.contains("`Q` is bound to both"), "{}", e.message);
        let e = remap(&[("quiit", Binding::One("Q".into()))]).unwrap_err();
        assert_eq!(e.action, "quiit");
        assert!(e.message.contains("not an action") && e.message.contains("quit, help"));
        let e = remap(&[("quit", Binding::One("ctrl-".into()))]).unwrap_err();
        assert!(e.message.contains("`ctrl-` is not a key"), "{}", e.message);
        let e = remap(&[("search", Binding::One("ctrl-c".into()))]).unwrap_err();
        assert!(e.message.contains("Ctrl-C always quits"), "{}", e.message);
        // The same key twice for one action is harmless.
        assert!(remap(&[("quit", Binding::Several(vec!["Q".into(), "shift-q".into()]))]).is_ok());
    }
}
