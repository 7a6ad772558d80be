//! Styles for every kind of text on screen. With `NO_COLOR` the same roles keep their
//! modifiers, so the screen stays readable (bold names, dim metadata, reversed selection).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub no_color: bool,
    pub text: Style,
    pub name: Style,
    pub dim: Style,
    pub mention: Style,
    pub hashtag: Style,
    pub link: Style,
    pub emphasis: Style,
    pub strong: Style,
    pub code: Style,
    /// The bar in front of the selected entry.
    pub selected_bar: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub unread: Style,
    pub live: Style,
    pub pending: Style,
    pub failed: Style,
    pub warning: Style,
    /// `↑ 3 new` above the timeline.
    pub new_marker: Style,
    pub banner: Style,
    pub border: Style,
    pub title: Style,
    pub key: Style,
    pub poll_bar: Style,
    pub search: Style,
    /// A highlight pattern's match in post text.
    pub highlight: Style,
    /// A monitor footer line for a stream down or silent too long: loud over the whole width.
    pub stale: Style,
}

impl Theme {
    pub fn new(no_color: bool) -> Theme {
        // `c` drops the colour under NO_COLOR and keeps the modifiers.
        let c = |fg: Color, m: Modifier| {
            let s = Style::new().add_modifier(m);
            if no_color { s } else { s.fg(fg) }
        };
        let none = Modifier::empty();
        Theme {
            no_color,
            text: Style::new(),
            name: Style::new().add_modifier(Modifier::BOLD),
            dim: Style::new().add_modifier(Modifier::DIM),
            mention: c(Color::Cyan, none),
            hashtag: c(Color::Magenta, none),
            link: c(Color::Blue, Modifier::UNDERLINED),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            strong: Style::new().add_modifier(Modifier::BOLD),
            code: c(Color::Yellow, none),
            selected_bar: if no_color {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Cyan)
            },
            tab: Style::new(),
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            unread: c(Color::Yellow, Modifier::BOLD),
            live: c(Color::Green, none),
            pending: c(Color::Yellow, none),
            failed: c(Color::Red, Modifier::BOLD),
            warning: c(Color::Yellow, Modifier::BOLD),
            new_marker: if no_color {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
            },
            banner: c(Color::Yellow, none),
            border: c(Color::DarkGray, none),
            title: c(Color::Cyan, Modifier::BOLD),
            key: c(Color::Green, Modifier::BOLD),
            poll_bar: c(Color::Cyan, none),
            search: c(Color::Magenta, Modifier::BOLD),
            highlight: if no_color {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD)
            },
            // Red reversed: a red bar across the pane, readable from across the room.
            stale: c(Color::Red, Modifier::REVERSED | Modifier::BOLD),
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(false)
    }
}
