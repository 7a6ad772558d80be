//! The live view's core: one inbox of events, one owner of the state, a synchronous reducer
//! whose commands run as tasks that report back through the inbox.

pub mod archive;
mod history;
pub mod markers;
pub mod pictures;
pub mod read;
pub mod reducer;
pub mod search;
pub mod state;
pub mod tab;
pub mod ticks;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::api::ApiError;
use crate::api::timeline::{CatchUp, History, Since};
use crate::model::Filter;
use crate::stream::{StreamId, StreamMessage};

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
    /// An account's filters.
    FiltersFetched {
        account: usize,
        result: Result<Vec<Filter>, String>,
    },
    /// A stream's timeline over REST: its latest page (`since: None`), or what it missed after
    /// `since` while disconnected.
    HistoryFetched {
        stream: StreamId,
        since: Option<Since>,
        result: Result<CatchUp, ApiError>,
    },
    NotificationsFetched {
        account: usize,
        since: Option<Since>,
        result: Result<CatchUp, String>,
    },
    /// The latest page of a stream's timeline, to compare with what the stream delivered.
    Verified {
        stream: StreamId,
        result: Result<History, String>,
    },
    /// Time to read the streams served by polling.
    PollDue,
    /// Time to compare the streams with their timelines.
    VerifyDue,
    /// SIGINT/SIGTERM/SIGHUP, or the end of a replay.
    Terminate,
    /// A replay (or the demo) played its last event.
    RecordingEnded,
    /// The picture URLs the last frame showed or came near (the view's, resolved as clicks
    /// are), in screen order.
    PicturesOnScreen(Vec<String>),
    /// A picture downloaded and decoded, or why not.
    ImageFetched {
        url: String,
        result: Result<std::sync::Arc<crate::media::Picture>, String>,
    },
    /// The archive's writer has something to say (it stopped or started taking writes).
    ArchiveNotice(String),
    /// The rest of a timeline that opened from the archive.
    ArchiveLoaded {
        target: archive::LoadTarget,
        kept: Vec<crate::archive::Kept>,
    },
    /// The server's markers, or why not.
    MarkersFetched {
        account: usize,
        result: Result<crate::api::markers::Markers, markers::MarkerFailure>,
    },
    /// The answer to a post of markers.
    MarkersSaved {
        account: usize,
        posted: crate::api::markers::Markers,
        result: Result<(), markers::MarkerFailure>,
    },
    /// What the archive found for a tab's search.
    ArchiveSearched {
        tab: usize,
        query: String,
        result: Result<Vec<crate::archive::Kept>, String>,
    },
}

impl From<StreamMessage> for AppEvent {
    fn from(m: StreamMessage) -> Self {
        AppEvent::Stream(m)
    }
}

/// Intents the reducer hands back; the runtime carries them out as tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An account's filters (indices into `State::accounts`, as for every account below).
    FetchFilters {
        account: usize,
    },
    /// Load a stream's timeline: the latest page, or everything after `since`.
    FetchHistory {
        account: usize,
        stream: StreamId,
        spec: crate::stream::StreamSpec,
        since: Option<Since>,
    },
    FetchNotifications {
        account: usize,
        since: Option<Since>,
    },
    /// The latest page of a stream's timeline, to verify the stream against.
    VerifyStream {
        account: usize,
        stream: StreamId,
        spec: crate::stream::StreamSpec,
    },
    /// Open in a local browser.
    OpenUrl(String),
    /// Put on the user's clipboard through the terminal (OSC 52), which works over ssh and tmux.
    CopyToClipboard(String),
    Bell,
    /// Hand a matching post (as JSON) to the `--exec` hook.
    RunHook(String),
    Quit,
    /// Download and decode a picture (never with the account's token), at most `max_bytes`,
    /// kept at most `keep` (width, height) pixels.
    FetchImage {
        url: String,
        max_bytes: u64,
        keep: (u32, u32),
    },
    /// Keep what the view showed in the archive (its writer batches them off the run loop).
    ArchiveWrite(crate::archive::Batch),
    /// Load more of what the archive kept of a stream (or an account's notifications).
    LoadArchive {
        target: archive::LoadTarget,
        account: String,
        stream: String,
        limit: usize,
    },
    /// Read the account's markers.
    FetchMarkers {
        account: usize,
    },
    /// Post the read positions that moved (the run loop waits for it before exiting).
    SaveMarkers {
        account: usize,
        markers: crate::api::markers::Markers,
    },
    /// Search what the archive kept of a tab's streams.
    SearchArchive {
        tab: usize,
        account: String,
        streams: Vec<String>,
        query: String,
    },
}

pub mod replay;

use crate::stream::StreamSpec;

/// The titles of the user's lists by id, for naming list tabs.
pub type ListTitles = std::collections::HashMap<String, String>;

/// A tab's default title: what a reader calls the stream (a list by its title, when known).
pub fn tab_title(specs: &[StreamSpec], lists: &ListTitles) -> String {
    let one = |s: &StreamSpec| match s {
        StreamSpec::User => "Home".to_string(),
        StreamSpec::UserNotification => "Notifications".to_string(),
        StreamSpec::Direct => "Direct".to_string(),
        StreamSpec::Public { .. } => match s.ws_name() {
            "public" => "Federated".to_string(),
            "public:media" => "Federated media".to_string(),
            "public:local" => "Local".to_string(),
            "public:local:media" => "Local media".to_string(),
            "public:remote" => "Remote".to_string(),
            _ => "Remote media".to_string(),
        },
        StreamSpec::Hashtag { tag, local: false } => format!("#{tag}"),
        StreamSpec::Hashtag { tag, local: true } => format!("#{tag} (local)"),
        StreamSpec::List { list } => match lists.get(list) {
            Some(title) => crate::text::plain_line(title, 40),
            None => format!("List {list}"),
        },
    };
    specs.iter().map(one).collect::<Vec<_>>().join(" + ")
}
