//! The commands: each owns its command-line arguments (clap) and wires the layers below into
//! one run. `cli.rs` flattens their arguments and dispatches; nothing below `cmd` imports it.

pub mod archive;
pub mod check;
pub mod live;
pub mod login;
pub mod setup;
pub mod signals;
pub mod tail;
