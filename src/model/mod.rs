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
    pub(crate) const MAX_NESTING: u32 = 4;

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
    pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }

    /// The longest id accepted. Servers use ids of up to a few dozen characters (Mastodon's
    /// numbers, GoToSocial's ULIDs, Pleroma's flake ids); sets of ids are bounded by count
    /// (deleted ids, recently printed ids), so a longer one is refused to keep them small.
    pub(crate) const MAX_ID_BYTES: usize = 256;

    /// An opaque id: a string as sent, or a JSON number as its decimal text; `null` → `""`.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(opt_id(d)?.unwrap_or_default())
    }

    /// Like [`id`], with `null` → `None`.
    pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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
    pub(crate) fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
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

/// The JSON a server sent for an item, kept when a consumer asked for it (`tail`'s JSON and
/// record lines and its `--exec` hook hand on what REST brought as the server wrote it, fields
/// no model here reads included).
/// Not part of what the item is: never serialized, and equal whatever it holds.
#[derive(Debug, Clone, Default)]
pub struct ServerJson(Option<std::sync::Arc<str>>);

impl ServerJson {
    pub fn new(json: &str) -> Self {
        ServerJson(Some(json.into()))
    }

    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl PartialEq for ServerJson {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The entities REST pages hold, which can keep their [`ServerJson`].
pub trait KeepsServerJson {
    fn server_json_mut(&mut self) -> &mut ServerJson;
}

mod account;
mod announcement;
mod conversation;
mod filter;
mod instance;
mod media;
mod notification;
mod status;

pub use account::*;
pub use announcement::*;
pub use conversation::*;
pub use filter::*;
pub use instance::*;
pub use media::*;
pub use notification::*;
pub use status::*;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
