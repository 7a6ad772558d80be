//! The STREAM syntax of docs/cli.md: what a user types, parsed into the stream the server knows.
//!
//! ```
//! use tootwatch::stream::{StreamSpec, parse_group};
//!
//! let spec: StreamSpec = "#rust".parse().unwrap();
//! assert_eq!(spec.to_string(), "hashtag:rust");
//! assert_eq!(spec.sse_path(), ("hashtag", vec![("tag", "rust")]));
//! assert_eq!(parse_group("#rust,#Rust,list:42").unwrap().len(), 2);
//! assert!("pubic".parse::<StreamSpec>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    Local,
    Remote,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamSpec {
    User,
    UserNotification,
    Public {
        scope: Scope,
        media: bool,
    },
    Direct,
    Hashtag {
        tag: String,
        local: bool,
    },
    /// A list by id, or by a name still to be resolved through the lists API.
    List {
        list: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a STREAM: {reason}")]
pub struct StreamParseError {
    pub input: String,
    pub reason: String,
}

const STREAM_HELP: &str = "expected user, user:notification, public[:local|:remote][:media], direct, \
hashtag:TAG, #TAG, hashtag:local:TAG, list:ID or list:NAME";

impl FromStr for StreamSpec {
    type Err = StreamParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| StreamParseError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let s = input.trim();
        if let Some(tag) = s.strip_prefix('#') {
            return Ok(StreamSpec::Hashtag {
                tag: valid_tag(tag).map_err(|r| err(&r))?,
                local: false,
            });
        }
        let spec = match s {
            "user" => StreamSpec::User,
            "user:notification" => StreamSpec::UserNotification,
            "direct" => StreamSpec::Direct,
            "public" => public(Scope::All, false),
            "public:media" => public(Scope::All, true),
            "public:local" => public(Scope::Local, false),
            "public:local:media" => public(Scope::Local, true),
            "public:remote" => public(Scope::Remote, false),
            "public:remote:media" => public(Scope::Remote, true),
            // The server's name of the stream, without its tag: not the tag `local`.
            "hashtag:local" => {
                return Err(err(
                    "hashtag:local needs a tag: hashtag:local:TAG (the tag `local` is #local)",
                ));
            }
            _ => {
                if let Some(tag) = s.strip_prefix("hashtag:local:") {
                    StreamSpec::Hashtag {
                        tag: valid_tag(tag).map_err(|r| err(&r))?,
                        local: true,
                    }
                } else if let Some(tag) = s.strip_prefix("hashtag:") {
                    StreamSpec::Hashtag {
                        tag: valid_tag(tag).map_err(|r| err(&r))?,
                        local: false,
                    }
                } else if let Some(list) = s.strip_prefix("list:") {
                    let list = list.trim();
                    if list.is_empty() {
                        return Err(err("a list needs an id or a name, e.g. list:42"));
                    }
                    StreamSpec::List {
                        list: list.to_string(),
                    }
                } else if s.is_empty() {
                    return Err(err(&format!("it is empty; {STREAM_HELP}")));
                } else {
                    return Err(err(STREAM_HELP));
                }
            }
        };
        Ok(spec)
    }
}

fn public(scope: Scope, media: bool) -> StreamSpec {
    StreamSpec::Public { scope, media }
}

fn valid_tag(tag: &str) -> Result<String, String> {
    let tag = tag.trim().trim_start_matches('#');
    if tag.is_empty() {
        return Err("a hashtag needs a name, e.g. #rust or hashtag:rust".into());
    }
    if tag
        .chars()
        .any(|c| c.is_whitespace() || c == '#' || c == ',' || c.is_control())
    {
        return Err("a hashtag name has no spaces, commas or '#' inside".into());
    }
    Ok(tag.to_string())
}

impl fmt::Display for StreamSpec {
    /// The long form of docs/cli.md, used as `stream` in `tail` output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamSpec::Hashtag { tag, local: false } => write!(f, "hashtag:{tag}"),
            StreamSpec::Hashtag { tag, local: true } => write!(f, "hashtag:local:{tag}"),
            StreamSpec::List { list } => write!(f, "list:{list}"),
            other => f.write_str(other.ws_name()),
        }
    }
}

impl StreamSpec {
    /// The stream's name on the WebSocket endpoint (`stream=` parameter).
    pub(crate) fn ws_name(&self) -> &'static str {
        match self {
            StreamSpec::User => "user",
            StreamSpec::UserNotification => "user:notification",
            StreamSpec::Direct => "direct",
            StreamSpec::Public { scope, media } => match (scope, media) {
                (Scope::All, false) => "public",
                (Scope::All, true) => "public:media",
                (Scope::Local, false) => "public:local",
                (Scope::Local, true) => "public:local:media",
                (Scope::Remote, false) => "public:remote",
                (Scope::Remote, true) => "public:remote:media",
            },
            StreamSpec::Hashtag { local: false, .. } => "hashtag",
            StreamSpec::Hashtag { local: true, .. } => "hashtag:local",
            StreamSpec::List { .. } => "list",
        }
    }

    /// Extra query parameters for both transports (`tag=`, `list=`).
    pub(crate) fn params(&self) -> Vec<(&'static str, &str)> {
        match self {
            StreamSpec::Hashtag { tag, .. } => vec![("tag", tag.as_str())],
            StreamSpec::List { list } => vec![("list", list.as_str())],
            _ => Vec::new(),
        }
    }

    /// Path under `/api/v1/streaming/` and query parameters for server-sent events.
    pub fn sse_path(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        let mut params = self.params();
        let path = match self {
            StreamSpec::User => "user",
            StreamSpec::UserNotification => "user/notification",
            StreamSpec::Direct => "direct",
            StreamSpec::Public { scope, media } => {
                if *media {
                    params.push(("only_media", "true"));
                }
                match scope {
                    Scope::All => "public",
                    Scope::Local => "public/local",
                    Scope::Remote => "public/remote",
                }
            }
            StreamSpec::Hashtag { local: false, .. } => "hashtag",
            StreamSpec::Hashtag { local: true, .. } => "hashtag/local",
            StreamSpec::List { .. } => "list",
        };
        (path, params)
    }

    /// Whether the filters of this stream's context are `home` or `public` (docs/cli.md, Mastodon's contexts).
    pub(crate) fn filter_context(&self) -> crate::model::FilterContext {
        use crate::model::FilterContext;
        match self {
            StreamSpec::User | StreamSpec::List { .. } | StreamSpec::Direct => FilterContext::Home,
            StreamSpec::UserNotification => FilterContext::Notifications,
            StreamSpec::Public { .. } | StreamSpec::Hashtag { .. } => FilterContext::Public,
        }
    }
}

/// One comma-joined group of STREAMs (`#rust,#tokio`), deduplicated, order kept.
pub fn parse_group(input: &str) -> Result<Vec<StreamSpec>, StreamParseError> {
    let mut out: Vec<StreamSpec> = Vec::new();
    for part in input.split(',') {
        if part.trim().is_empty() && input.contains(',') {
            return Err(StreamParseError {
                input: input.to_string(),
                reason: "an empty entry between commas".into(),
            });
        }
        let spec: StreamSpec = part.parse()?;
        if !out.iter().any(|s| s.same_stream(&spec)) {
            out.push(spec);
        }
    }
    Ok(out)
}

impl StreamSpec {
    fn same_stream(&self, other: &StreamSpec) -> bool {
        match (self, other) {
            (
                StreamSpec::Hashtag { tag: a, local: la },
                StreamSpec::Hashtag { tag: b, local: lb },
            ) => la == lb && a.to_lowercase() == b.to_lowercase(),
            _ => self == other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> StreamSpec {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_form_of_cli_md() {
        assert_eq!(p("user"), StreamSpec::User);
        assert_eq!(p("user:notification"), StreamSpec::UserNotification);
        assert_eq!(p("direct"), StreamSpec::Direct);
        assert_eq!(p("public:local:media"), public(Scope::Local, true));
        assert_eq!(p("public:remote"), public(Scope::Remote, false));
        assert_eq!(
            p("#rust"),
            StreamSpec::Hashtag {
                tag: "rust".into(),
                local: false
            }
        );
        assert_eq!(
            p("hashtag:local:Rust"),
            StreamSpec::Hashtag {
                tag: "Rust".into(),
                local: true
            }
        );
        assert_eq!(p("list:42"), StreamSpec::List { list: "42".into() });
        assert_eq!(
            p("list:Close friends"),
            StreamSpec::List {
                list: "Close friends".into()
            }
        );
    }

    #[test]
    fn long_form_round_trips() {
        for s in [
            "user",
            "user:notification",
            "public",
            "public:media",
            "public:local",
            "public:local:media",
            "public:remote",
            "public:remote:media",
            "direct",
            "hashtag:rust",
            "hashtag:local:rust",
            "list:42",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("#rust").to_string(), "hashtag:rust");
    }

    #[test]
    fn rejects_with_the_input_named() {
        for bad in [
            "usr",
            "",
            "#",
            "hashtag:",
            "list:",
            "public:global",
            "#a b",
            "hashtag:local",
        ] {
            let e = bad.parse::<StreamSpec>().unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("`{bad}`")), "{e}");
        }
        // The server's name of the stream is not the tag `local`: it asks for the tag.
        let e = "hashtag:local".parse::<StreamSpec>().unwrap_err();
        assert!(e.reason.contains("hashtag:local:TAG"), "{e}");
        assert!(
            "usr"
                .parse::<StreamSpec>()
                .unwrap_err()
                .reason
                .contains("list:NAME")
        );
    }

    #[test]
    fn sse_paths_and_params() {
        assert_eq!(
            p("public:local:media").sse_path(),
            ("public/local", vec![("only_media", "true")])
        );
        assert_eq!(
            p("hashtag:local:rust").sse_path(),
            ("hashtag/local", vec![("tag", "rust")])
        );
        assert_eq!(p("list:7").sse_path(), ("list", vec![("list", "7")]));
        assert_eq!(
            p("user:notification").sse_path(),
            ("user/notification", vec![])
        );
    }

    #[test]
    fn groups_dedupe_and_reject_empty_entries() {
        let g = parse_group("#rust,#Rust,#tokio").unwrap();
        assert_eq!(g.len(), 2);
        assert!(parse_group("#rust,,#tokio").is_err());
        assert!(parse_group("#rust,bogus").is_err());
    }
}
