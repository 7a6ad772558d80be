//! The light decode's fast path: one hand-written pass over a status's JSON that knows the
//! model's schema, checks every value as the twin (`super::light`) would, and keeps only what
//! `tail` reads.
//!
//! serde_json, even through the twins, parses every string of a status (~60 of them, most
//! URLs) and matches every key through derived visitors: most of a firehose event's cost.
//! This pass reads a string only as far as finding its end and checking its escapes, and
//! unescapes just the few it keeps. It may be stricter than serde but never laxer: whatever
//! it is not sure of (an escaped key, a surrogate escape anywhere, a number that is not a
//! plain integer where one is deserialized, the array form of a struct, nesting deeper
//! than a status has, a non-empty `filtered`) makes it answer `None`, and the twin decodes
//! the document and decides as before. When it answers, its status equals the twin's:
//! `fuzzing::check_light_agrees` holds it to that for every corpus input.

use crate::model::de::{MAX_ID_BYTES, MAX_NESTING};
use crate::model::{MediaAttachment, Poll, PollOption, Status};

use super::scan::{BLOCK, below, escaped_char, string_marks, string_stop, unescape_string};

/// Not sure: the twin decides.
type R<T> = Option<T>;

/// How deep objects and arrays may nest here. serde_json refuses past 128 levels; stopping
/// well short of it keeps this pass on the side of acceptance, and a status nests ~5 deep.
const MAX_DEPTH: u32 = 64;

/// Integers of at most this many digits fit every integer type a field is decoded as, so
/// serde visits them without a range error (longer ones, fractions and exponents are left
/// to it where a number is deserialized rather than skipped).
const PLAIN_DIGITS: usize = 18;

/// The status `tail` reads ([`super::light::tail_status`]'s answer; without its texts unless
/// `texts`), or `None` when this pass is not sure.
pub(crate) fn tail_status(text: &str, texts: bool) -> Option<Box<Status>> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        at: 0,
        depth: 0,
        nesting: 0,
        texts,
    };
    p.ws();
    let status = p.status()?;
    p.ws();
    (p.at == p.b.len()).then_some(status)
}

/// A JSON string as found: its raw bytes between the quotes (ASCII quotes and backslashes
/// end them: whole characters), and whether it has escapes.
struct Str<'a> {
    raw: &'a [u8],
    escaped: bool,
}

/// Marks field `bit` of an object seen; a second time is the derived decode's duplicate
/// field error.
fn once(seen: &mut u64, bit: u32) -> R<()> {
    let mask = 1u64 << bit;
    if *seen & mask != 0 {
        return None;
    }
    *seen |= mask;
    Some(())
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    at: usize,
    /// Objects and arrays open around the cursor.
    depth: u32,
    /// Reblogs and `moved` accounts open, as `model::de::nested` counts them.
    nesting: u32,
    /// Whether the texts are kept (`Decoding::Tail`) or only checked (`Decoding::Ids`).
    texts: bool,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> R<u8> {
        self.b.get(self.at).copied()
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if !self.b.get(self.at..)?.starts_with(word) {
            return None;
        }
        self.at += word.len();
        Some(())
    }

    fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.literal(b"null").is_some()
    }

    /// A string, the cursor on its opening quote: found and checked, not copied. Most
    /// strings of a status (keys, URLs) have no escape: they take the short way.
    #[inline(always)]
    fn string(&mut self) -> R<Str<'a>> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let end = start + string_stop(self.b.get(start..)?)?;
        if *self.b.get(end)? != b'"' {
            return self.escaped_string(start, end);
        }
        self.at = end + 1;
        Some(Str {
            raw: self.b.get(start..end)?,
            escaped: false,
        })
    }

    /// The rest of a string from `start`, `at` on its first stop that is not its end.
    #[inline(never)]
    fn escaped_string(&mut self, start: usize, mut at: usize) -> R<Str<'a>> {
        // Content (a kilobyte of HTML, an escaped quote in each attribute) is taken a block
        // at a time; escapes other than `\"` and `\\` are checked one by one.
        while let Some(block) = self
            .b
            .get(at..)
            .and_then(|rest| rest.first_chunk::<BLOCK>())
        {
            let marks = string_marks(block);
            let end = marks.ends.trailing_zeros() as usize;
            if marks.controls & below(end) != 0 {
                return None;
            }
            // The next block begins after the escapes of this one, which may run past it.
            let mut next = at + BLOCK;
            let mut others = marks.others & below(end);
            while others != 0 {
                let escape = at + others.trailing_zeros() as usize;
                next = next.max(escape + self.escape(escape)?.1);
                others &= others - 1;
            }
            if end < BLOCK {
                self.at = at + end + 1;
                return Some(Str {
                    raw: self.b.get(start..at + end)?,
                    escaped: true,
                });
            }
            at = next;
        }
        // The last bytes (fewer than a block), stop by stop.
        at += string_stop(self.b.get(at..)?)?;
        while *self.b.get(at)? != b'"' {
            at += self.escape(at)?.1;
            at += string_stop(self.b.get(at..)?)?;
        }
        self.at = at + 1;
        Some(Str {
            raw: self.b.get(start..at)?,
            escaped: true,
        })
    }

    /// The escape at `at` (a stop inside a string): the character it stands for and its
    /// length (see [`escaped_char`]).
    #[inline]
    fn escape(&self, at: usize) -> R<(char, usize)> {
        escaped_char(self.b, at)
    }

    /// A string, the cursor on its opening quote, checked and unescaped in one pass: for
    /// the few strings kept.
    fn string_value(&mut self) -> R<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let (string, next) = unescape_string(self.s, self.at + 1)?;
        self.at = next;
        Some(string)
    }

    /// A number by JSON's grammar; whether it is a plain integer (see [`PLAIN_DIGITS`]) and
    /// non-negative.
    fn number(&mut self) -> R<(bool, bool)> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut plain = self.at - start <= PLAIN_DIGITS;
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
            plain = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
            plain = false;
        }
        Some((plain, !negative))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> R<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// Field `bit` of an object, read by `read` unless it came before.
    #[inline]
    fn field(&mut self, seen: &mut u64, bit: u32, read: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        once(seen, bit)?;
        read(self)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// An object, the cursor on its `{`: `field` reads the value of each key (the cursor on
    /// the value). Keys with escapes are not sure: serde matches them unescaped.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a [u8]) -> R<()>) -> R<()> {
        if self.peek()? != b'{' {
            return None;
        }
        self.enter()?;
        self.at += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            if key.escaped {
                return None;
            }
            self.ws();
            self.literal(b":")?;
            self.ws();
            field(self, key.raw)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.ws();
                }
                b'}' => break,
                _ => return None,
            }
        }
        self.at += 1;
        self.depth -= 1;
        Some(())
    }

    /// An array, the cursor on its `[`: `item` reads each element.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        if self.peek()? != b'[' {
            return None;
        }
        self.enter()?;
        self.at += 1;
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.ws();
                }
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        self.depth -= 1;
        Some(())
    }

    /// Any JSON value, checked and dropped (unknown keys, `meta`, what a count ignores).
    fn skip(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|p, _| p.skip()),
            b'[' => self.array(Self::skip),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// A string or `null`, dropped (the twin's `Text`).
    fn text(&mut self) -> R<()> {
        if self.null() {
            return Some(());
        }
        self.string().map(drop)
    }

    /// A string or `null`, kept: `null` is `None`.
    fn opt_string(&mut self) -> R<Option<String>> {
        if self.null() {
            return Some(None);
        }
        self.string_value().map(Some)
    }

    /// A string or `null` (→ empty), kept.
    fn string_or_empty(&mut self) -> R<String> {
        Some(self.opt_string()?.unwrap_or_default())
    }

    /// A text (a string or `null`): kept as [`Self::string_or_empty`] does when the texts are,
    /// else checked and left empty.
    fn kept_text(&mut self) -> R<String> {
        if self.texts {
            return self.string_or_empty();
        }
        self.text()?;
        Some(String::new())
    }

    /// [`Self::kept_text`] for an optional text (`null` is `None`).
    fn kept_opt_text(&mut self) -> R<Option<String>> {
        if self.texts {
            return self.opt_string();
        }
        self.text()?;
        Some(None)
    }

    fn opt_bool(&mut self) -> R<()> {
        match self.peek()? {
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            _ => self.literal(b"null"),
        }
    }

    /// An id, dropped (the twin's `Id`): a string of at most `MAX_ID_BYTES` (unescaping never
    /// lengthens, so the raw length bounds it), a plain integer, or `null`.
    fn id(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => (self.string()?.raw.len() <= MAX_ID_BYTES).then_some(()),
            b'n' => self.literal(b"null"),
            _ => self.number()?.0.then_some(()),
        }
    }

    /// An id, kept (`model::de::id`): a non-negative plain integer is its own decimal text.
    fn kept_id(&mut self) -> R<String> {
        match self.peek()? {
            b'"' => {
                let id = self.string_value()?;
                (id.len() <= MAX_ID_BYTES).then_some(id)
            }
            b'n' => self.literal(b"null").map(|()| String::new()),
            _ => {
                let start = self.at;
                let (plain, positive) = self.number()?;
                if !(plain && positive) {
                    return None;
                }
                self.s.get(start..self.at).map(str::to_owned)
            }
        }
    }

    /// A count: anything, numbers plain integers.
    fn count(&mut self) -> R<()> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number()?.0.then_some(()),
            _ => self.skip(),
        }
    }

    /// A list of `item`s or `null`.
    fn list(&mut self, item: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        if self.null() {
            return Some(());
        }
        self.array(item)
    }

    /// `model::de::nested`'s count: a reblog or `moved` field, whatever its value.
    fn nested<T>(&mut self, value: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return None;
        }
        let v = value(self)?;
        self.nesting -= 1;
        Some(v)
    }

    /// Built in its box: a `Status` is near a kilobyte, and a firehose moved each one
    /// several times on its way out.
    fn status(&mut self) -> R<Box<Status>> {
        let mut s = Box::<Status>::default();
        let mut seen = 0;
        self.object(|p, key| match key {
            b"id" => {
                once(&mut seen, 0)?;
                s.id = p.kept_id()?;
                Some(())
            }
            b"uri" => p.field(&mut seen, 1, Self::text),
            b"url" => p.field(&mut seen, 2, Self::text),
            b"created_at" => p.field(&mut seen, 3, Self::text),
            b"edited_at" => {
                once(&mut seen, 4)?;
                s.edited_at = p.opt_string()?;
                Some(())
            }
            b"account" => {
                once(&mut seen, 5)?;
                if !p.null() {
                    s.account.acct = p.account()?;
                }
                Some(())
            }
            b"content" => {
                once(&mut seen, 6)?;
                s.content = p.kept_text()?;
                Some(())
            }
            b"spoiler_text" => {
                once(&mut seen, 7)?;
                s.spoiler_text = p.kept_text()?;
                Some(())
            }
            b"sensitive" => p.field(&mut seen, 8, Self::opt_bool),
            b"visibility" => p.field(&mut seen, 9, Self::text),
            b"in_reply_to_id" => p.field(&mut seen, 10, Self::id),
            b"in_reply_to_account_id" => p.field(&mut seen, 11, Self::id),
            b"reblog" => {
                once(&mut seen, 12)?;
                s.reblog = p.nested(|p| {
                    if p.null() {
                        return Some(None);
                    }
                    p.status().map(Some)
                })?;
                Some(())
            }
            b"media_attachments" => {
                once(&mut seen, 13)?;
                p.list(|p| {
                    s.media_attachments.push(MediaAttachment {
                        description: p.media()?,
                        ..MediaAttachment::default()
                    });
                    Some(())
                })
            }
            b"mentions" => p.field(&mut seen, 14, |p| p.list(Self::mention)),
            b"tags" => p.field(&mut seen, 15, |p| p.list(Self::tag)),
            b"emojis" => p.field(&mut seen, 16, |p| p.list(Self::emoji)),
            b"poll" => {
                once(&mut seen, 17)?;
                if !p.null() {
                    s.poll = Some(Box::new(Poll {
                        options: p.poll()?,
                        ..Poll::default()
                    }));
                }
                Some(())
            }
            b"card" => p.field(&mut seen, 18, Self::card),
            b"replies_count" => p.field(&mut seen, 19, Self::count),
            b"reblogs_count" => p.field(&mut seen, 20, Self::count),
            b"favourites_count" => p.field(&mut seen, 21, Self::count),
            b"language" => p.field(&mut seen, 22, Self::text),
            // Filter results are kept whole: a non-empty list is left to the twin.
            b"filtered" => p.field(&mut seen, 23, |p| {
                if p.null() {
                    return Some(());
                }
                p.array(|_| None)
            }),
            b"favourited" => p.field(&mut seen, 24, Self::opt_bool),
            b"reblogged" => p.field(&mut seen, 25, Self::opt_bool),
            b"bookmarked" => p.field(&mut seen, 26, Self::opt_bool),
            b"application" => p.field(&mut seen, 27, |p| {
                if p.null() {
                    return Some(());
                }
                let mut seen = 0;
                p.object(|p, key| match key {
                    b"name" => p.field(&mut seen, 0, Self::text),
                    b"website" => p.field(&mut seen, 1, Self::text),
                    _ => p.skip(),
                })
            }),
            _ => p.skip(),
        })?;
        Some(s)
    }

    /// An account object: its `acct`.
    fn account(&mut self) -> R<String> {
        let mut acct = String::new();
        let mut seen = 0;
        self.object(|p, key| match key {
            b"id" => p.field(&mut seen, 0, Self::id),
            b"username" => p.field(&mut seen, 1, Self::text),
            b"acct" => {
                once(&mut seen, 2)?;
                acct = p.kept_text()?;
                Some(())
            }
            b"display_name" => p.field(&mut seen, 3, Self::text),
            b"url" => p.field(&mut seen, 4, Self::text),
            b"uri" => p.field(&mut seen, 5, Self::text),
            b"avatar" => p.field(&mut seen, 6, Self::text),
            b"avatar_static" => p.field(&mut seen, 7, Self::text),
            b"header" => p.field(&mut seen, 8, Self::text),
            b"header_static" => p.field(&mut seen, 9, Self::text),
            b"note" => p.field(&mut seen, 10, Self::text),
            b"bot" => p.field(&mut seen, 11, Self::opt_bool),
            b"locked" => p.field(&mut seen, 12, Self::opt_bool),
            b"group" => p.field(&mut seen, 13, Self::opt_bool),
            b"discoverable" => p.field(&mut seen, 14, Self::opt_bool),
            b"emojis" => p.field(&mut seen, 15, |p| p.list(Self::emoji)),
            b"fields" => {
                once(&mut seen, 16)?;
                p.list(|p| {
                    let mut seen = 0;
                    p.object(|p, key| match key {
                        b"name" => p.field(&mut seen, 0, Self::text),
                        b"value" => p.field(&mut seen, 1, Self::text),
                        b"verified_at" => p.field(&mut seen, 2, Self::text),
                        _ => p.skip(),
                    })
                })
            }
            b"followers_count" => p.field(&mut seen, 17, Self::count),
            b"following_count" => p.field(&mut seen, 18, Self::count),
            b"statuses_count" => p.field(&mut seen, 19, Self::count),
            b"created_at" => p.field(&mut seen, 20, Self::text),
            b"last_status_at" => p.field(&mut seen, 21, Self::text),
            b"moved" => {
                once(&mut seen, 22)?;
                p.nested(|p| {
                    if p.null() {
                        Some(())
                    } else {
                        p.account().map(drop)
                    }
                })
            }
            _ => p.skip(),
        })?;
        Some(acct)
    }

    /// A media attachment: its description.
    fn media(&mut self) -> R<Option<String>> {
        let mut description = None;
        let mut seen = 0;
        self.object(|p, key| match key {
            b"id" => p.field(&mut seen, 0, Self::id),
            b"type" => p.field(&mut seen, 1, Self::text),
            b"url" => p.field(&mut seen, 2, Self::text),
            b"preview_url" => p.field(&mut seen, 3, Self::text),
            b"remote_url" => p.field(&mut seen, 4, Self::text),
            b"description" => {
                once(&mut seen, 5)?;
                description = p.kept_opt_text()?;
                Some(())
            }
            b"blurhash" => p.field(&mut seen, 6, Self::text),
            // Kept by the model as its raw text: any JSON value.
            b"meta" => p.field(&mut seen, 7, Self::skip),
            _ => p.skip(),
        })?;
        Some(description)
    }

    /// A poll: its options.
    fn poll(&mut self) -> R<Vec<PollOption>> {
        let mut options = Vec::new();
        let mut seen = 0;
        self.object(|p, key| match key {
            b"id" => p.field(&mut seen, 0, Self::id),
            b"expires_at" => p.field(&mut seen, 1, Self::text),
            b"expired" => p.field(&mut seen, 2, Self::opt_bool),
            b"multiple" => p.field(&mut seen, 3, Self::opt_bool),
            b"votes_count" => p.field(&mut seen, 4, Self::count),
            b"voters_count" => p.field(&mut seen, 5, Self::count),
            b"options" => {
                once(&mut seen, 6)?;
                p.list(|p| {
                    options.push(p.poll_option()?);
                    Some(())
                })
            }
            b"emojis" => p.field(&mut seen, 7, |p| p.list(Self::emoji)),
            b"voted" => p.field(&mut seen, 8, Self::opt_bool),
            // `Option<Vec<u32>>`: plain non-negative integers, at most `u32::MAX`.
            b"own_votes" => {
                once(&mut seen, 9)?;
                p.list(|p| {
                    let start = p.at;
                    let (plain, positive) = p.number()?;
                    let text = p.s.get(start..p.at)?;
                    (plain && positive && text.parse::<u32>().is_ok()).then_some(())
                })
            }
            _ => p.skip(),
        })?;
        Some(options)
    }

    /// A poll option, kept whole: its title and its vote count (`model::de::opt_count` for
    /// `null`, booleans and plain integers; anything else is left to it).
    fn poll_option(&mut self) -> R<PollOption> {
        let mut option = PollOption::default();
        let mut seen = 0;
        self.object(|p, key| match key {
            b"title" => {
                once(&mut seen, 0)?;
                option.title = p.kept_text()?;
                Some(())
            }
            b"votes_count" => {
                once(&mut seen, 1)?;
                option.votes_count = match p.peek()? {
                    b'n' => p.literal(b"null").map(|()| None)?,
                    b't' => p.literal(b"true").map(|()| None)?,
                    b'f' => p.literal(b"false").map(|()| None)?,
                    _ => {
                        let start = p.at;
                        let (plain, positive) = p.number()?;
                        if !plain {
                            return None;
                        }
                        let text = p.s.get(start..p.at)?;
                        // Negative counts clamp to zero.
                        Some(if positive { text.parse().ok()? } else { 0 })
                    }
                };
                Some(())
            }
            _ => p.skip(),
        })?;
        Some(option)
    }

    fn mention(&mut self) -> R<()> {
        let mut seen = 0;
        self.object(|p, key| match key {
            b"id" => p.field(&mut seen, 0, Self::id),
            b"username" => p.field(&mut seen, 1, Self::text),
            b"url" => p.field(&mut seen, 2, Self::text),
            b"acct" => p.field(&mut seen, 3, Self::text),
            _ => p.skip(),
        })
    }

    fn tag(&mut self) -> R<()> {
        let mut seen = 0;
        self.object(|p, key| match key {
            b"name" => p.field(&mut seen, 0, Self::text),
            b"url" => p.field(&mut seen, 1, Self::text),
            b"history" => {
                once(&mut seen, 2)?;
                p.list(|p| {
                    let mut seen = 0;
                    p.object(|p, key| match key {
                        b"day" => p.field(&mut seen, 0, Self::id),
                        b"uses" => p.field(&mut seen, 1, Self::count),
                        b"accounts" => p.field(&mut seen, 2, Self::count),
                        _ => p.skip(),
                    })
                })
            }
            _ => p.skip(),
        })
    }

    fn emoji(&mut self) -> R<()> {
        let mut seen = 0;
        self.object(|p, key| match key {
            b"shortcode" => p.field(&mut seen, 0, Self::text),
            b"url" => p.field(&mut seen, 1, Self::text),
            b"static_url" => p.field(&mut seen, 2, Self::text),
            b"visible_in_picker" => p.field(&mut seen, 3, Self::opt_bool),
            b"category" => p.field(&mut seen, 4, Self::text),
            _ => p.skip(),
        })
    }

    fn card(&mut self) -> R<()> {
        if self.null() {
            return Some(());
        }
        let mut seen = 0;
        self.object(|p, key| {
            let bit = match key {
                b"url" => 0,
                b"title" => 1,
                b"description" => 2,
                b"type" => 3,
                b"author_name" => 4,
                b"author_url" => 5,
                b"provider_name" => 6,
                b"provider_url" => 7,
                b"image" => 8,
                b"image_description" => 9,
                b"blurhash" => 10,
                _ => return p.skip(),
            };
            once(&mut seen, bit)?;
            p.text()
        })
    }
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
