//! Serde types of the Mastodon API entities that tootwatch reads.
//!
//! Decoding is deliberately lenient: Mastodon, GoToSocial and Pleroma/Akkoma disagree on nulls,
//! missing fields, id types and enum values, and one odd field must not cost us a whole status.
//! Every struct is `#[serde(default)]` (a missing field takes its default), fields that must not be
//! null go through [`de::null_as_default`], ids through [`de::id`], counts through [`de::count`],
//! recursive fields through [`de::nested`]. Unknown fields are ignored. Text in here is untrusted: pass it through `crate::sanitize` before
//! it reaches a terminal.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lenient field deserialisers, for `#[serde(deserialize_with = "...")]`.
pub mod de {
    use std::cell::Cell;
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// How deep [`nested`] fields (a status's reblog, an account's `moved`) may nest. Servers
    /// send one level. A limit of our own is needed because each level of these large derived
    /// visitors takes tens of kilobytes of stack in a debug build: serde_json's limit of 128
    /// levels is more than a 2 MiB thread survives.
    pub const MAX_NESTING: u32 = 4;

    thread_local! {
        static NESTING: Cell<u32> = const { Cell::new(0) };
    }

    /// For recursive fields: an optional boxed entity, an error when nested beyond
    /// [`MAX_NESTING`].
    pub fn nested<'de, D, T>(d: D) -> Result<Option<Box<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct Level;
        impl Drop for Level {
            fn drop(&mut self) {
                NESTING.with(|n| n.set(n.get() - 1));
            }
        }
        let depth = NESTING.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        let _level = Level;
        if depth > MAX_NESTING {
            return Err(de::Error::custom("entities nested too deeply"));
        }
        Option::<Box<T>>::deserialize(d)
    }

    /// `null` becomes `T::default()` (Pleroma and GoToSocial send nulls for "nothing").
    pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }

    /// The longest id accepted. Servers use ids of up to a few dozen characters (Mastodon's
    /// numbers, GoToSocial's ULIDs, Pleroma's flake ids); sets of ids are bounded by count
    /// (deleted ids, recently printed ids), so a longer one is refused to keep them small.
    pub const MAX_ID_BYTES: usize = 256;

    /// An opaque id: a string as sent, or a JSON number as its decimal text; `null` → `""`.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(opt_id(d)?.unwrap_or_default())
    }

    /// Like [`id`], with `null` → `None`.
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(IdVisitor)
    }

    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an id (string or number)")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            check_id_len(v)?;
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            check_id_len(&v)?;
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        // Only integers too large for u64 arrive as floats here; the text is the best we have.
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    fn check_id_len<E: de::Error>(id: &str) -> Result<(), E> {
        if id.len() > MAX_ID_BYTES {
            return Err(E::custom(format_args!(
                "an id of {} bytes (at most {MAX_ID_BYTES})",
                id.len()
            )));
        }
        Ok(())
    }

    /// A count: number, numeric string or `null` (→ 0). Negatives clamp to 0, fractions truncate,
    /// anything else is 0: a count is never worth dropping an entity for.
    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        Ok(opt_count(d)?.unwrap_or(0))
    }

    /// Like [`count`], with `null` (and garbage) → `None`: "hidden" differs from zero for poll votes.
    pub fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(CountVisitor)
    }

    struct CountVisitor;

    fn float_count(v: f64) -> Option<u64> {
        // `as` saturates (and maps NaN to 0), which is the clamping we want.
        v.is_finite().then_some(v.max(0.0) as u64)
    }

    impl<'de> Visitor<'de> for CountVisitor {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a count")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.max(0) as u64))
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(Some(v.min(u64::MAX as u128) as u64))
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
            Ok(Some(v.clamp(0, u64::MAX as i128) as u64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(float_count(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            Ok(match v.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => v.parse::<f64>().ok().and_then(float_count),
            })
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
}

/// A string-valued enum that keeps values it does not know in `Other`, so that a new or
/// server-specific value (Akkoma's `local` visibility, `pleroma:emoji_reaction`) never fails a
/// decode and round-trips unchanged.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, default $default:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know, as sent.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(s) => s,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::$default
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)+
                    _ => Self::Other(s.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::Other(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                match v {
                    $name::Other(s) => s,
                    v => v.as_str().to_owned(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    Visibility, default Public {
        Public = "public",
        Unlisted = "unlisted",
        Private = "private",
        Direct = "direct",
    }
}

string_enum! {
    NotificationType, default Mention {
        Mention = "mention",
        Status = "status",
        Reblog = "reblog",
        Follow = "follow",
        FollowRequest = "follow_request",
        Favourite = "favourite",
        Poll = "poll",
        Update = "update",
        AdminSignUp = "admin.sign_up",
        AdminReport = "admin.report",
        SeveredRelationships = "severed_relationships",
        ModerationWarning = "moderation_warning",
    }
}

string_enum! {
    FilterAction, default Warn {
        Warn = "warn",
        Hide = "hide",
        Blur = "blur",
    }
}

string_enum! {
    FilterContext, default Home {
        Home = "home",
        Notifications = "notifications",
        Public = "public",
        Thread = "thread",
        Account = "account",
    }
}

string_enum! {
    MediaType, default Unknown {
        Image = "image",
        Video = "video",
        Gifv = "gifv",
        Audio = "audio",
        Unknown = "unknown",
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Status {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub uri: String,
    pub url: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    pub edited_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub account: Account,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub content: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub spoiler_text: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub sensitive: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub visibility: Visibility,
    #[serde(deserialize_with = "de::opt_id")]
    pub in_reply_to_id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub in_reply_to_account_id: Option<String>,
    #[serde(deserialize_with = "de::nested")]
    pub reblog: Option<Box<Status>>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub media_attachments: Vec<MediaAttachment>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub mentions: Vec<Mention>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    pub poll: Option<Poll>,
    pub card: Option<Card>,
    #[serde(deserialize_with = "de::count")]
    pub replies_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub reblogs_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub favourites_count: u64,
    pub language: Option<String>,
    /// Filters of the viewer that matched (sent on authenticated timelines and streams).
    #[serde(deserialize_with = "de::null_as_default")]
    pub filtered: Vec<FilterResult>,
    pub favourited: Option<bool>,
    pub reblogged: Option<bool>,
    pub bookmarked: Option<bool>,
    pub application: Option<Application>,
}

impl Status {
    /// The status that was boosted, or this one when it is not a boost.
    pub fn original(&self) -> &Status {
        self.reblog.as_deref().unwrap_or(self)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Application {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Account {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub username: String,
    /// `user` for local accounts, `user@domain` for remote ones.
    #[serde(deserialize_with = "de::null_as_default")]
    pub acct: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub display_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub uri: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub avatar: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub avatar_static: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub header: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub header_static: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub note: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub bot: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub locked: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub group: bool,
    pub discoverable: Option<bool>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub fields: Vec<AccountField>,
    #[serde(deserialize_with = "de::count")]
    pub followers_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub following_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub statuses_count: u64,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    pub last_status_at: Option<String>,
    #[serde(deserialize_with = "de::nested")]
    pub moved: Option<Box<Account>>,
}

impl Account {
    /// The display name, or the username when the display name is blank (as it often is).
    pub fn display_name_or_username(&self) -> &str {
        [&self.display_name, &self.username, &self.acct]
            .into_iter()
            .find(|s| !s.trim().is_empty())
            .map_or("", |s| s.as_str())
    }
}

/// A profile metadata row.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountField {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Notification {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: NotificationType,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub account: Account,
    pub status: Option<Box<Status>>,
    pub report: Option<Value>,
    pub relationship_severance_event: Option<Value>,
    pub moderation_warning: Option<Value>,
    pub group_key: Option<String>,
    /// The reaction of a Pleroma/Akkoma `pleroma:emoji_reaction` notification.
    pub emoji: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Conversation {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub unread: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub accounts: Vec<Account>,
    pub last_status: Option<Box<Status>>,
}

/// A v2 filter.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub context: Vec<FilterContext>,
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub filter_action: FilterAction,
    /// Absent inside a [`FilterResult`].
    #[serde(deserialize_with = "de::null_as_default")]
    pub keywords: Vec<FilterKeyword>,
    /// Absent inside a [`FilterResult`].
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: Vec<FilterStatus>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterKeyword {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub keyword: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub whole_word: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterStatus {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::id")]
    pub status_id: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterResult {
    #[serde(deserialize_with = "de::null_as_default")]
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MediaAttachment {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: MediaType,
    /// `None` while a remote file is not fetched yet.
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    /// Alt text.
    pub description: Option<String>,
    pub blurhash: Option<String>,
    /// Sizes and focus point, kept as the server's JSON text: nothing here reads it, and a
    /// tree of it cost a tenth of a status's decode.
    pub meta: Option<RawJson>,
}

/// A free-form JSON value kept as its text: one allocation, no tree, no recursion (however
/// deep it nests). [`RawJson::value`] parses it when something needs to look inside.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    /// The JSON text, as the server sent it.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The parsed value; `None` when it nests past serde_json's recursion limit.
    pub fn value(&self) -> Option<Value> {
        serde_json::from_str(self.0.get()).ok()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Poll {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub expired: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub multiple: bool,
    #[serde(deserialize_with = "de::count")]
    pub votes_count: u64,
    /// `None` on single-choice polls of some servers.
    #[serde(deserialize_with = "de::opt_count")]
    pub voters_count: Option<u64>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub options: Vec<PollOption>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    pub voted: Option<bool>,
    pub own_votes: Option<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PollOption {
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    /// `None` while the results are hidden.
    #[serde(deserialize_with = "de::opt_count")]
    pub votes_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Tag {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    pub history: Option<Vec<TagHistory>>,
}

/// Daily use of a tag; Mastodon sends these numbers as strings.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TagHistory {
    /// UNIX timestamp of the day's midnight.
    #[serde(deserialize_with = "de::id")]
    pub day: String,
    #[serde(deserialize_with = "de::count")]
    pub uses: u64,
    #[serde(deserialize_with = "de::count")]
    pub accounts: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Mention {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub username: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub acct: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CustomEmoji {
    #[serde(deserialize_with = "de::null_as_default")]
    pub shortcode: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub static_url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

/// A link preview.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Card {
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub description: String,
    /// `link`, `photo`, `video` or `rich`.
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub author_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub author_url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub provider_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub provider_url: String,
    pub image: Option<String>,
    pub image_description: Option<String>,
    pub blurhash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Announcement {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub content: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub all_day: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub published_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub updated_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub read: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub mentions: Vec<Mention>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: Vec<AnnouncementStatus>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub reactions: Vec<AnnouncementReaction>,
}

/// A status linked from an announcement.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementStatus {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
}

/// A reaction in an [`Announcement`], and also the payload of the `announcement.reaction`
/// streaming event (`{name, count, announcement_id}`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementReaction {
    /// A Unicode emoji or a custom emoji's shortcode.
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    #[serde(deserialize_with = "de::count")]
    pub count: u64,
    #[serde(deserialize_with = "de::null_as_default")]
    pub me: bool,
    /// Custom emoji only.
    pub url: Option<String>,
    pub static_url: Option<String>,
    /// Streaming event only.
    #[serde(deserialize_with = "de::opt_id")]
    pub announcement_id: Option<String>,
}

/// A list of accounts (`GET /api/v1/lists`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct List {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
}

/// What a client needs from `GET /api/v2/instance` or `GET /api/v1/instance`; one struct
/// decodes either.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Instance {
    /// v2.
    pub domain: Option<String>,
    /// v1 (a bare domain on Mastodon).
    pub uri: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub version: String,
    /// v2: where the server's code lives, which names the software.
    pub source_url: Option<String>,
    /// v1.
    #[serde(deserialize_with = "de::null_as_default")]
    pub urls: InstanceUrls,
    #[serde(deserialize_with = "de::null_as_default")]
    pub configuration: InstanceConfiguration,
    /// Pleroma/Akkoma v1.
    #[serde(deserialize_with = "de::opt_count")]
    pub max_toot_chars: Option<u64>,
}

impl Instance {
    /// The streaming server's base URL (`wss://…`), when the server names one.
    pub fn streaming_url(&self) -> Option<&str> {
        [&self.configuration.urls.streaming, &self.urls.streaming_api]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }

    /// The v2 `domain`, else the v1 `uri`.
    pub fn host(&self) -> Option<&str> {
        self.domain.as_deref().or(self.uri.as_deref())
    }

    pub fn max_characters(&self) -> Option<u64> {
        self.configuration
            .statuses
            .max_characters
            .or(self.max_toot_chars)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InstanceConfiguration {
    /// v2.
    #[serde(deserialize_with = "de::null_as_default")]
    pub urls: InstanceUrls,
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: StatusesConfiguration,
    /// Mastodon 4.5: who may see live and hashtag feeds; kept as sent.
    pub timelines_access: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InstanceUrls {
    /// v2 `configuration.urls.streaming`.
    pub streaming: Option<String>,
    /// v1 `urls.streaming_api`.
    pub streaming_api: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StatusesConfiguration {
    #[serde(deserialize_with = "de::opt_count")]
    pub max_characters: Option<u64>,
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
