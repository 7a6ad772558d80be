//! A status decoded only as far as `tail` reads it, and refused exactly when the full model
//! (`crate::model::Status`) refuses it.
//!
//! The full decode builds dozens of strings and vectors per status that `tail` never looks
//! at. The twins below have the model's field names, in the model's order, and each field
//! goes through the same deserializer call as the model's field (a string or `null`, an id
//! of any JSON scalar, a count of anything, a list, a nested entity): so they accept and
//! refuse the same documents (type errors, duplicate fields, the array form of a struct,
//! nesting limits) while keeping only what `tail` prints or judges: the ids, `edited_at`,
//! the author's `acct`, the text filters match (content, content warning, poll options,
//! media descriptions), the media count, `filtered`, and the same of the boosted status.
//! The `decode` and `ws_frame` fuzz checks (`crate::fuzzing`) hold the twins to the model's
//! decode, and the fast pass in front of them (`super::fast`) to the twins, for every input;
//! `light_tests.rs` walks every field through the values servers get wrong.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::StreamEvent;
use super::decode::{DecodeError, decode_event, normalise_payload};
use crate::model::de::{MAX_ID_BYTES, nested, null_as_default};
use crate::model::{Account, FilterResult, MediaAttachment, Poll, PollOption, Status};

/// How much of a status a consumer needs: the live view (and `check`) keep the whole
/// model; `tail` reads a few fields (see [`tail_view`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoding {
    #[default]
    Full,
    /// What `tail` reads of a status; other events decode in full.
    Tail,
    /// `Tail` without the texts (content, content warning, `acct`, media descriptions, poll
    /// options; see [`ids_view`]): what `tail --format json` needs while no keyword filter
    /// reads them (`crate::filter::reads_texts`). Unescaping and keeping them was a fifth of
    /// a firehose event's cost.
    Ids,
}

/// [`decode_event`], with statuses (`update`, `status.update`) decoded as `decoding` says.
/// A status the light decode refuses goes through the full decode, which refuses it too and
/// says why in its own words.
pub(crate) fn decode_event_as(
    decoding: Decoding,
    name: &str,
    payload: Option<&str>,
) -> Result<StreamEvent, DecodeError> {
    if decoding != Decoding::Full
        && matches!(name, "update" | "status.update")
        && let Some(text) = normalise_payload(payload)
        && let Ok(status) = tail_status(text, decoding == Decoding::Tail)
    {
        return Ok(match name {
            "update" => StreamEvent::Update(status),
            _ => StreamEvent::StatusUpdate(status),
        });
    }
    decode_event(name, payload)
}

/// A status's JSON text → the fields `tail` reads ([`tail_view`] of the full decode; at least
/// its [`ids_view`] without `texts`), or an error exactly when
/// `serde_json::from_str::<Status>` errs. The hand-written pass (`super::fast`) reads the
/// documents it is sure of; the twins decide the rest (and keep the texts).
pub(crate) fn tail_status(text: &str, texts: bool) -> Result<Box<Status>, serde_json::Error> {
    match super::fast::tail_status(text, texts) {
        Some(status) => Ok(status),
        None => twin_status(text),
    }
}

/// [`tail_status`] by the twins alone.
pub(crate) fn twin_status(text: &str) -> Result<Box<Status>, serde_json::Error> {
    serde_json::from_str::<LStatus>(text).map(|s| Box::new(s.into_status()))
}

/// What `tail` keeps of a fully decoded status: the specification of [`tail_status`], which
/// the tests and the fuzz checks hold it to.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn tail_view(s: &Status) -> Status {
    Status {
        id: s.id.clone(),
        edited_at: s.edited_at.clone(),
        account: Account {
            acct: s.account.acct.clone(),
            ..Account::default()
        },
        content: s.content.clone(),
        spoiler_text: s.spoiler_text.clone(),
        reblog: s.reblog.as_deref().map(|r| Box::new(tail_view(r))),
        media_attachments: s
            .media_attachments
            .iter()
            .map(|m| MediaAttachment {
                description: m.description.clone(),
                ..MediaAttachment::default()
            })
            .collect(),
        poll: s.poll.as_ref().map(|p| {
            Box::new(Poll {
                options: p.options.clone(),
                ..Poll::default()
            })
        }),
        filtered: s.filtered.clone(),
        ..Status::default()
    }
}

/// What [`Decoding::Ids`] keeps: the [`tail_view`] without the texts.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn ids_view(s: &Status) -> Status {
    let mut view = tail_view(s);
    let mut at = Some(&mut view);
    while let Some(s) = at {
        s.content.clear();
        s.spoiler_text.clear();
        s.account.acct.clear();
        for m in &mut s.media_attachments {
            m.description = None;
        }
        for option in s.poll.iter_mut().flat_map(|p| p.options.iter_mut()) {
            option.title.clear();
        }
        at = s.reblog.as_deref_mut();
    }
    view
}

// Field checks. Each calls the deserializer as the model's field type does and accepts the
// same visits, without keeping anything.

/// A string or `null`: the model's `String`s (through `null_as_default`), `Option<String>`s
/// and string enums.
#[derive(Default)]
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OptionV;
        impl<'de> Visitor<'de> for OptionV {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("option")
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                d.deserialize_string(StrV)
            }
        }
        struct StrV;
        impl<'de> Visitor<'de> for StrV {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Text, E> {
                std::str::from_utf8(v)
                    .map(|_| Text)
                    .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
            }
        }
        d.deserialize_option(OptionV)
    }
}

/// An id (`de::id`, `de::opt_id`): a string of at most `MAX_ID_BYTES`, a number, or `null`.
#[derive(Default)]
struct Id;

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id (string or number)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                if v.len() > MAX_ID_BYTES {
                    return Err(E::custom(format_args!(
                        "an id of {} bytes (at most {MAX_ID_BYTES})",
                        v.len()
                    )));
                }
                Ok(Id)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_none<E: de::Error>(self) -> Result<Id, E> {
                Ok(Id)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Id, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V)
    }
}

/// A count (`de::count`, `de::opt_count`): any JSON value is one (garbage counts as nothing).
#[derive(Default)]
struct Count;

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_none<E: de::Error>(self) -> Result<Count, E> {
                Ok(Count)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Count, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Count)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count)
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of `T` or `null`: the model's `Vec`s through `null_as_default` and its
/// `Option<Vec<_>>`s, each element checked, none kept.
struct Each<T>(PhantomData<T>);

impl<T> Default for Each<T> {
    fn default() -> Self {
        Each(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Each<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OptionV<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionV<T> {
            type Value = Each<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("option")
            }
            fn visit_none<E: de::Error>(self) -> Result<Each<T>, E> {
                Ok(Each::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Each<T>, E> {
                Ok(Each::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Each<T>, D::Error> {
                d.deserialize_seq(SeqV(PhantomData))
            }
        }
        struct SeqV<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SeqV<T> {
            type Value = Each<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Each<T>, A::Error> {
                while seq.next_element::<T>()?.is_some() {}
                Ok(Each::default())
            }
        }
        d.deserialize_option(OptionV(PhantomData))
    }
}

/// Free-form JSON kept by the model as its text (`RawJson`): here borrowed, and dropped.
#[derive(Default)]
struct Raw;

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de serde_json::value::RawValue>::deserialize(d).map(|_| Raw)
    }
}

// The twins. Field names and order as in `crate::model` (a test compares the lists).

#[derive(Default, Deserialize)]
#[serde(default)]
struct LStatus {
    #[serde(deserialize_with = "crate::model::de::id")]
    id: String,
    uri: Text,
    url: Text,
    created_at: Text,
    edited_at: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    account: LAccount,
    #[serde(deserialize_with = "null_as_default")]
    content: String,
    #[serde(deserialize_with = "null_as_default")]
    spoiler_text: String,
    sensitive: Option<bool>,
    visibility: Text,
    in_reply_to_id: Id,
    in_reply_to_account_id: Id,
    #[serde(deserialize_with = "nested")]
    reblog: Option<Box<LStatus>>,
    #[serde(deserialize_with = "null_as_default")]
    media_attachments: Vec<LMedia>,
    mentions: Each<LMention>,
    tags: Each<LTag>,
    emojis: Each<LEmoji>,
    poll: Option<LPoll>,
    card: Option<LCard>,
    replies_count: Count,
    reblogs_count: Count,
    favourites_count: Count,
    language: Text,
    #[serde(deserialize_with = "null_as_default")]
    filtered: Vec<FilterResult>,
    favourited: Option<bool>,
    reblogged: Option<bool>,
    bookmarked: Option<bool>,
    application: Option<LApplication>,
}

impl LStatus {
    fn into_status(self) -> Status {
        Status {
            id: self.id,
            edited_at: self.edited_at,
            account: Account {
                acct: self.account.acct,
                ..Account::default()
            },
            content: self.content,
            spoiler_text: self.spoiler_text,
            reblog: self.reblog.map(|r| Box::new(r.into_status())),
            media_attachments: self
                .media_attachments
                .into_iter()
                .map(|m| MediaAttachment {
                    description: m.description,
                    ..MediaAttachment::default()
                })
                .collect(),
            poll: self.poll.map(|p| {
                Box::new(Poll {
                    options: p.options,
                    ..Poll::default()
                })
            }),
            filtered: self.filtered,
            ..Status::default()
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LApplication {
    name: Text,
    website: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LAccount {
    id: Id,
    username: Text,
    #[serde(deserialize_with = "null_as_default")]
    acct: String,
    display_name: Text,
    url: Text,
    uri: Text,
    avatar: Text,
    avatar_static: Text,
    header: Text,
    header_static: Text,
    note: Text,
    bot: Option<bool>,
    locked: Option<bool>,
    group: Option<bool>,
    discoverable: Option<bool>,
    emojis: Each<LEmoji>,
    fields: Each<LAccountField>,
    followers_count: Count,
    following_count: Count,
    statuses_count: Count,
    created_at: Text,
    last_status_at: Text,
    #[serde(deserialize_with = "nested")]
    moved: Option<Box<LAccount>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LAccountField {
    name: Text,
    value: Text,
    verified_at: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LMedia {
    id: Id,
    #[serde(rename = "type")]
    kind: Text,
    url: Text,
    preview_url: Text,
    remote_url: Text,
    description: Option<String>,
    blurhash: Text,
    meta: Option<Raw>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LPoll {
    id: Id,
    expires_at: Text,
    expired: Option<bool>,
    multiple: Option<bool>,
    votes_count: Count,
    voters_count: Count,
    #[serde(deserialize_with = "null_as_default")]
    options: Vec<PollOption>,
    emojis: Each<LEmoji>,
    voted: Option<bool>,
    own_votes: Option<Vec<u32>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LTag {
    name: Text,
    url: Text,
    history: Each<LTagHistory>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LTagHistory {
    day: Id,
    uses: Count,
    accounts: Count,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LMention {
    id: Id,
    username: Text,
    url: Text,
    acct: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LEmoji {
    shortcode: Text,
    url: Text,
    static_url: Text,
    visible_in_picker: Option<bool>,
    category: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LCard {
    url: Text,
    title: Text,
    description: Text,
    #[serde(rename = "type")]
    kind: Text,
    author_name: Text,
    author_url: Text,
    provider_name: Text,
    provider_url: Text,
    image: Text,
    image_description: Text,
    blurhash: Text,
}

#[cfg(test)]
#[path = "light_tests.rs"]
mod tests;
