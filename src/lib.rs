//! tootwatch: live Mastodon timelines in the terminal.
//!
//! The network side (`stream`, `api`) emits owned events and never touches the terminal; the
//! commands (`tail`, `check`) consume them. See ARCHITECTURE.md for the map.

pub mod accounts;
pub mod api;
pub mod app;
pub mod archive;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod exit;
pub mod filter;
#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod hooks;
pub mod http;
pub mod keys;
pub mod live;
pub mod matching;
pub mod media;
pub mod model;
pub mod platform;
pub mod sanitize;
pub mod stream;
pub mod text;
pub mod ui;
