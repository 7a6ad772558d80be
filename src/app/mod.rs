//! The live view's core: one inbox of events, one owner of the state, a synchronous reducer
//! whose commands run as tasks that report back through the inbox.

pub mod reducer;
pub mod state;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::model::Filter;
use crate::stream::StreamMessage;

/// Everything that can happen to the live view: the one inbox's message type.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Stream(StreamMessage),
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// A click on the tab bar, already resolved to a tab by the UI's hit areas.
    TabClicked(usize),
    Resized,
    /// Relative times are due for a refresh.
    Tick(jiff::Timestamp),
    FiltersFetched(Result<Vec<Filter>, String>),
    /// SIGINT/SIGTERM/SIGHUP, or the end of a replay.
    Terminate,
}

impl From<StreamMessage> for AppEvent {
    fn from(m: StreamMessage) -> Self {
        AppEvent::Stream(m)
    }
}

/// Intents the reducer hands back; the runtime carries them out as tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    FetchFilters,
    /// Open in a local browser.
    OpenUrl(String),
    /// Put on the user's clipboard through the terminal (OSC 52), which works over ssh and tmux.
    CopyToClipboard(String),
    Bell,
    Quit,
}
