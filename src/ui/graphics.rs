//! Real pixels: kitty graphics, sixel and iTerm2 inline images, through `ratatui-image`.
//!
//! Which protocol: forced by `[ui] images` / `--images`, else (`auto`) the terminal's answer
//! to a short query made before the event stream starts, else what `$TERM`, `$TERM_PROGRAM`,
//! `$KITTY_WINDOW_ID` and the like say ([`guess_from_env`]), else half blocks. Inside tmux only
//! when its passthrough is already enabled (tootwatch does not change the user's tmux
//! options to get it); inside GNU screen never.
//!
//! How: the layout keeps drawing every picture as half blocks (so a picture cut by the edge
//! of the screen, or a terminal that draws no pixels, still shows something) and records
//! where each downloaded picture's cells are ([`PictureRun`]). After the frame's text is in
//! the buffer, [`Graphics::draw`] puts the protocol's image over each picture that is wholly
//! on screen. The encoded image is kept per URL and cell size and written into the buffer's
//! cells, so ratatui's diff sends its bytes only when the picture appears, moves or changes:
//! a frame that leaves it where it was writes nothing of it, and an idle screen writes
//! nothing at all. Encodings not drawn in a frame are dropped (scrolled away, or a resize
//! changed their size: the next frame encodes again from the decoded pixels the state holds).
//!
//! Only decoded pixels reach the encoder: nothing a server sent goes to the terminal as is.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::StatefulWidget;
use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::StatefulProtocol;
use ratatui_image::{FontSize, Resize, StatefulImage};

use crate::config::Images;
use crate::media::Picture;

/// How long `auto` waits for the terminal to answer its query (over ssh it may be slow; a
/// terminal that answers nothing costs this once, at start).
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(500);
/// Cell size in pixels when the terminal tells none: any value works for the layout, a
/// wrong one only scales the picture inside its cells.
const DEFAULT_CELL: (u16, u16) = (10, 20);

/// The cells of one downloaded picture within laid-out lines: `line` counts from the first
/// line, `col` from the left edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureRun {
    pub line: usize,
    pub col: u16,
    pub cols: u16,
    pub rows: u16,
    pub url: String,
}

/// Where a picture was drawn in the last frame, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureArea {
    pub rect: Rect,
    pub url: String,
}

/// Records where `runs` land when their lines are drawn top-down in `area` (line 0 at row
/// `first_row`, column 0 at `dx` from the left): only pictures wholly inside it, since an
/// image protocol cannot draw part of one (a cut picture keeps its half blocks).
pub fn place(
    out: &mut Vec<PictureArea>,
    runs: &[PictureRun],
    area: Rect,
    dx: u16,
    first_row: usize,
) {
    place_scrolled(out, runs, area, dx, first_row, 0);
}

/// As [`place`], with the first `scroll` lines scrolled off the top: a picture whose top is
/// off is not drawn whole.
pub fn place_scrolled(
    out: &mut Vec<PictureArea>,
    runs: &[PictureRun],
    area: Rect,
    dx: u16,
    first_row: usize,
    scroll: usize,
) {
    for run in runs {
        let Some(row) = (first_row + run.line).checked_sub(scroll) else {
            continue;
        };
        let x = usize::from(area.x) + usize::from(dx) + usize::from(run.col);
        if row + usize::from(run.rows) > usize::from(area.height)
            || x + usize::from(run.cols) > usize::from(area.right())
            || run.cols == 0
            || run.rows == 0
        {
            continue;
        }
        out.push(PictureArea {
            rect: Rect::new(x as u16, area.y + row as u16, run.cols, run.rows),
            url: run.url.clone(),
        });
    }
}

/// The pixel protocol of a run, and the pictures encoded for it.
pub struct Graphics {
    picker: Option<Picker>,
    encoded: HashMap<(String, u16, u16), Encoded>,
    frame: u64,
}

struct Encoded {
    /// The pixels encoded: another picture at the same URL is encoded again.
    picture: Arc<Picture>,
    protocol: StatefulProtocol,
    used: u64,
}

impl std::fmt::Debug for Graphics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graphics")
            .field("protocol", &self.protocol())
            .field("encoded", &self.encoded.len())
            .finish()
    }
}

impl Default for Graphics {
    fn default() -> Self {
        Graphics::new(None)
    }
}

impl Graphics {
    /// Pictures drawn with `picker`'s protocol; `None`: half blocks only.
    pub fn new(picker: Option<Picker>) -> Graphics {
        let picker = picker.filter(|p| p.protocol_type() != ProtocolType::Halfblocks);
        Graphics {
            picker,
            encoded: HashMap::new(),
            frame: 0,
        }
    }

    /// A picker for `protocol` with a cell size of `cell` pixels, for tests and benchmarks:
    /// no terminal is asked anything.
    pub fn forced(protocol: Images, cell: (u16, u16)) -> Graphics {
        Graphics::new(forced_picker(protocol, Some(cell)))
    }

    pub fn protocol(&self) -> Option<ProtocolType> {
        self.picker.as_ref().map(Picker::protocol_type)
    }

    /// Pictures held encoded (those of the last frame).
    pub fn encoded(&self) -> usize {
        self.encoded.len()
    }

    /// Draws `areas` with the protocol over what the frame has there; `get` finds the decoded
    /// picture of a URL. Does nothing without a pixel protocol.
    pub fn draw<'p>(
        &mut self,
        buf: &mut Buffer,
        areas: &[PictureArea],
        get: impl Fn(&str) -> Option<&'p Arc<Picture>>,
    ) {
        let Some(picker) = &self.picker else {
            return;
        };
        self.frame += 1;
        let frame = self.frame;
        for area in areas {
            let rect = area.rect.intersection(buf.area);
            if rect != area.rect {
                continue;
            }
            let Some(picture) = get(&area.url) else {
                continue;
            };
            let key = (area.url.clone(), rect.width, rect.height);
            let fresh = |picture: &Arc<Picture>| {
                let rgba = image::RgbaImage::from_raw(
                    picture.width,
                    picture.height,
                    picture.rgba.clone(),
                )?;
                Some(Encoded {
                    picture: Arc::clone(picture),
                    protocol: picker.new_resize_protocol(image::DynamicImage::ImageRgba8(rgba)),
                    used: frame,
                })
            };
            let encoded = match self.encoded.get_mut(&key) {
                Some(e) if Arc::ptr_eq(&e.picture, picture) => e,
                _ => {
                    let Some(e) = fresh(picture) else {
                        continue;
                    };
                    self.encoded.insert(key.clone(), e);
                    match self.encoded.get_mut(&key) {
                        Some(e) => e,
                        None => continue,
                    }
                }
            };
            encoded.used = frame;
            // The half blocks under it go: a picture narrower than its cells leaves blank
            // cells, not the edges of another drawing.
            buf.set_style(rect, Style::reset());
            for y in rect.top()..rect.bottom() {
                for x in rect.left()..rect.right() {
                    if let Some(cell) = buf.cell_mut((x, y)) {
                        cell.set_symbol(" ");
                    }
                }
            }
            StatefulImage::new()
                .resize(Resize::Scale(Some(image::imageops::FilterType::Triangle)))
                .render(rect, buf, &mut encoded.protocol);
        }
        self.encoded.retain(|_, e| e.used == frame);
    }
}

/// What `[ui] images` resolves to on this terminal, and the picker that draws it (none for
/// half blocks and off). `auto` may ask the terminal (raw mode must be on, and nothing else
/// may read the terminal yet).
pub fn resolve(wanted: Images) -> (Images, Option<Picker>) {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match wanted {
        Images::Off | Images::Halfblocks => (wanted, None),
        Images::Kitty | Images::Sixel | Images::Iterm2 => (wanted, forced_picker(wanted, None)),
        Images::Auto => auto(&env),
    }
}

fn auto(env: &dyn Fn(&str) -> Option<String>) -> (Images, Option<Picker>) {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return (Images::Halfblocks, None);
    }
    let tmux = match multiplexer(env) {
        Some(Multiplexer::Screen) => return (Images::Halfblocks, None),
        Some(Multiplexer::Tmux) if !tmux_passthrough() => return (Images::Halfblocks, None),
        Some(Multiplexer::Tmux) => true,
        None => false,
    };
    let answer = query_terminal(tmux, QUERY_TIMEOUT);
    let chosen = match answer.protocol {
        Some(p) => p,
        None => guess_from_env(env),
    };
    let Some(mut picker) = forced_picker(chosen, answer.cell) else {
        return (Images::Halfblocks, None);
    };
    // Inside tmux every sequence must be wrapped for its passthrough; a picker that did not
    // see tmux would not wrap them.
    if tmux && !picker.tmux_detected() {
        return (Images::Halfblocks, None);
    }
    if let Some(p) = protocol_type(chosen) {
        picker.set_protocol_type(p);
    }
    (chosen, Some(picker))
}

/// What the terminal said about pictures.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Kitty when it answered the kitty query, else sixel when its device attributes list it.
    pub protocol: Option<Images>,
    /// Its cell size in pixels.
    pub cell: Option<(u16, u16)>,
}

/// Reads the terminal's answers (as bytes arrive) up to its status report.
pub fn read_answer(bytes: &[u8], parser: &mut Parser, answer: &mut Answer) -> bool {
    for &b in bytes {
        for response in parser.push(char::from(b)) {
            match response {
                Response::Kitty => answer.protocol = Some(Images::Kitty),
                Response::Sixel if answer.protocol.is_none() => {
                    answer.protocol = Some(Images::Sixel)
                }
                Response::CellSize(Some((w, h))) if w > 0 && h > 0 => answer.cell = Some((w, h)),
                Response::Status => return true,
                _ => {}
            }
        }
    }
    false
}

/// Asks the terminal which graphics it draws and how large its cells are, and waits at most
/// `timeout` for the answer (ended by a status report every terminal gives). Nothing is left
/// reading the input afterwards: a terminal that answers late only sends the event reader a
/// few bytes it ignores.
#[cfg(unix)]
fn query_terminal(tmux: bool, timeout: Duration) -> Answer {
    use std::io::Write;
    use std::os::fd::AsFd;

    use rustix::event::{PollFd, PollFlags, Timespec, poll};

    let mut answer = Answer::default();
    let query = Parser::query(tmux, QueryStdioOptions::default());
    let mut out = std::io::stdout().lock();
    if out
        .write_all(query.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return answer;
    }
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let deadline = std::time::Instant::now() + timeout;
    let mut parser = Parser::new();
    let mut chunk = [0u8; 256];
    loop {
        let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
            return answer;
        };
        let Ok(left) = Timespec::try_from(left) else {
            return answer;
        };
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, Some(&left)) {
            Ok(0) | Err(_) => return answer,
            Ok(_) => {}
        }
        // Straight from the descriptor: the standard library's buffer would keep what
        // follows the answer from the event reader.
        match rustix::io::read(fd, &mut chunk) {
            Ok(0) | Err(_) => return answer,
            Ok(n) => {
                if read_answer(&chunk[..n], &mut parser, &mut answer) {
                    return answer;
                }
            }
        }
    }
}

#[cfg(not(unix))]
fn query_terminal(_tmux: bool, _timeout: Duration) -> Answer {
    Answer::default()
}

fn protocol_type(images: Images) -> Option<ProtocolType> {
    match images {
        Images::Kitty => Some(ProtocolType::Kitty),
        Images::Sixel => Some(ProtocolType::Sixel),
        Images::Iterm2 => Some(ProtocolType::Iterm2),
        Images::Auto | Images::Halfblocks | Images::Off => None,
    }
}

/// A picker for a protocol the user chose: no query; the cell size from the terminal's
/// window size in pixels when it reports one.
fn forced_picker(protocol: Images, cell: Option<(u16, u16)>) -> Option<Picker> {
    let protocol = protocol_type(protocol)?;
    let cell = cell.or_else(cell_from_window).unwrap_or(DEFAULT_CELL);
    // Deprecated upstream in favour of the query; a forced protocol asks nothing.
    #[allow(deprecated)]
    let mut picker = Picker::from_fontsize(FontSize::new(cell.0.max(1), cell.1.max(1)));
    picker.set_protocol_type(protocol);
    Some(picker)
}

fn cell_from_window() -> Option<(u16, u16)> {
    let size = ratatui::crossterm::terminal::window_size().ok()?;
    if size.columns == 0 || size.rows == 0 || size.width == 0 || size.height == 0 {
        return None;
    }
    Some((size.width / size.columns, size.height / size.rows))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplexer {
    Tmux,
    Screen,
}

/// Whether tootwatch runs inside tmux or GNU screen, by their variables.
pub fn multiplexer(env: &dyn Fn(&str) -> Option<String>) -> Option<Multiplexer> {
    if env("TMUX").is_some() {
        Some(Multiplexer::Tmux)
    } else if env("STY").is_some() {
        Some(Multiplexer::Screen)
    } else {
        None
    }
}

/// Whether tmux passes image sequences through to the terminal around it: its
/// `allow-passthrough` option is `on` or `all`.
fn tmux_passthrough() -> bool {
    std::process::Command::new("tmux")
        .args(["show", "-gv", "allow-passthrough"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .is_ok_and(|out| passthrough_enabled(&String::from_utf8_lossy(&out.stdout)))
}

/// Reads `tmux show -gv allow-passthrough`'s answer.
pub fn passthrough_enabled(answer: &str) -> bool {
    matches!(answer.trim(), "on" | "all")
}

/// The protocol the environment's variables point at, when the terminal did not answer the
/// query: kitty and Ghostty speak kitty's protocol; iTerm2, WezTerm and the terminals that
/// copied iTerm2 its inline images; foot, mlterm and Windows Terminal sixel. Anything else:
/// half blocks.
pub fn guess_from_env(env: &dyn Fn(&str) -> Option<String>) -> Images {
    let term = env("TERM").unwrap_or_default();
    let program = env("TERM_PROGRAM").unwrap_or_default();
    if env("KITTY_WINDOW_ID").is_some()
        || term == "xterm-kitty"
        || term == "xterm-ghostty"
        || program.eq_ignore_ascii_case("ghostty")
    {
        return Images::Kitty;
    }
    const ITERM2_PROGRAMS: [&str; 7] = [
        "iTerm.app",
        "WezTerm",
        "mintty",
        "rio",
        "WarpTerminal",
        "Tabby",
        "vscode",
    ];
    if env("WEZTERM_EXECUTABLE").is_some()
        || env("LC_TERMINAL").is_some_and(|t| t.contains("iTerm"))
        || ITERM2_PROGRAMS.contains(&program.as_str())
    {
        return Images::Iterm2;
    }
    if term.starts_with("foot")
        || term.starts_with("mlterm")
        || term.contains("sixel")
        || env("WT_SESSION").is_some()
    {
        return Images::Sixel;
    }
    Images::Halfblocks
}

#[cfg(test)]
#[path = "graphics_tests.rs"]
mod tests;
