//! One pass over a WebSocket frame of the shape servers send,
//! `{"stream":[…],"event":"…","payload":"…"}` (keys in any order, the payload a JSON string,
//! `null` or absent), unescaping the payload straight into its own buffer. Anything else (an
//! object payload, an error frame, unknown keys, escapes in the stream names, surrogate
//! escapes, duplicate keys) is left to serde (`decode::parse_ws_frame`'s fallback), which
//! gives the same result for every frame this scanner accepts: `fuzzing::check_ws_frame`
//! holds it to that.

use super::decode::WsFrame;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` that are zero, as their high bits (exact for the lowest one).
#[inline]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// The bytes of `word` below `n` (n <= 128), as their high bits (exact for the lowest one).
#[inline]
fn bytes_below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS
}

/// Where the first `"`, `\` or control byte (< 0x20) of `bytes` is, sixteen bytes at a time
/// (the last fifteen eight and one at a time).
#[inline]
pub(super) fn string_stop(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(sixteen) = bytes.get(at..).and_then(|rest| rest.first_chunk::<16>()) {
        let hits = stops_of_sixteen(sixteen);
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize);
        }
        at += 16;
    }
    if let Some(eight) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        let word = u64::from_le_bytes(*eight);
        let hits = zero_bytes(word ^ (ONES * u64::from(b'"')))
            | zero_bytes(word ^ (ONES * u64::from(b'\\')))
            | bytes_below(word, 0x20);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// The `"`, `\` and control bytes of sixteen, as bits.
#[inline]
fn stops_of_sixteen(sixteen: &[u8; 16]) -> u32 {
    let [quotes, backslashes, controls] = sixteen_marks(sixteen);
    (quotes | backslashes | controls).to_bitmask()
}

/// The quotes, backslashes and control bytes (< 0x20) of sixteen bytes, as lanes of ones,
/// found at once with what the processor has for that (`wide`: SSE2 on x86-64, NEON on ARM,
/// plain code elsewhere).
#[inline]
fn sixteen_marks(sixteen: &[u8; 16]) -> [wide::u8x16; 3] {
    use wide::u8x16;
    let bytes = u8x16::new(*sixteen);
    [
        bytes.simd_eq(u8x16::splat(b'"')),
        bytes.simd_eq(u8x16::splat(b'\\')),
        // A byte at most 0x1f is its own minimum with 0x1f.
        bytes.min(u8x16::splat(0x1f)).simd_eq(bytes),
    ]
}

/// The bytes a string is unescaped into: `bytes[..len]` so far, spare room after it.
struct Unescaped {
    bytes: Vec<u8>,
    len: usize,
}

impl Unescaped {
    /// `from[start..end]`, appended (see [`copy_chunks`]).
    #[inline]
    fn copy_run(&mut self, from: &[u8], start: usize, end: usize) {
        copy_chunks(from, start, end, &mut self.bytes, self.len);
        self.len += end - start;
    }

    fn into_string(mut self) -> Option<String> {
        self.bytes.truncate(self.len);
        // Whole characters of a `str` and whole encoded escapes: valid UTF-8.
        String::from_utf8(self.bytes).ok()
    }
}

/// The bytes whose stops are found at once.
pub(super) const BLOCK: usize = 64;
/// A block and the spare bytes that runs copied sixteen at a time may take.
const PADDED: usize = BLOCK + 16;

/// What a block of a string's bytes holds, as bits (bit `i` for byte `i`), for a block that
/// begins outside an escape.
pub(super) struct StringMarks {
    /// The backslashes that begin an escape (those of `others` too).
    pub starts: u64,
    /// The quotes no backslash escapes: the first ends the string.
    pub ends: u64,
    /// The escapes of anything but `"` and `\` (the escapes of JSON inside JSON), and those
    /// whose character is past the block (at bit 63): the caller's to check.
    pub others: u64,
    /// Control bytes (< 0x20), escaped or not: no string may hold one.
    pub controls: u64,
}

/// The marks of a block of a string's bytes that begins outside an escape.
#[inline]
pub(super) fn string_marks(block: &[u8; BLOCK]) -> StringMarks {
    let marks = block_marks(block);
    let starts = escape_starts(marks.backslashes);
    let simple = (marks.quotes | marks.backslashes) >> 1;
    StringMarks {
        starts,
        ends: marks.quotes & !(starts << 1),
        others: starts & !simple,
        controls: marks.controls,
    }
}

/// The bits below bit `end` (all of them for 64).
#[inline]
pub(super) fn below(end: usize) -> u64 {
    !u64::MAX.checked_shl(end as u32).unwrap_or(0)
}

/// What one block of a string holds up to its first stop that is not `\"` or `\\`, or up
/// to its end, unescaped into `to`. The bytes read and written, and whether a stop is left
/// for the caller (the quote that ends the string, another escape, a control byte) at the
/// byte after those read. The block must begin outside an escape.
#[inline]
fn unescape_block(block: &[u8; PADDED], to: &mut [u8; PADDED]) -> (usize, usize, bool) {
    let (head, _) = block
        .split_first_chunk::<BLOCK>()
        .expect("a block in its padding");
    let marks = string_marks(head);
    let end = (marks.ends | marks.others | marks.controls).trailing_zeros() as usize;
    // Only the backslashes go: each escaped character begins the next run.
    let mut gone = marks.starts & below(end);
    let (mut read, mut dropped) = (0, 0);
    while gone != 0 {
        let at = gone.trailing_zeros() as usize;
        copy_within_block(block, read, at, to, read - dropped);
        read = at + 1;
        dropped += 1;
        gone &= gone - 1;
    }
    if read < end {
        copy_within_block(block, read, end, to, read - dropped);
    }
    (end, end - dropped, end < BLOCK)
}

/// `block[start..end]` copied to `to[at..]` (`at <= start <= end <= BLOCK`), sixteen bytes at
/// a time into the padding: one chunk whatever the run's length (most runs between escapes
/// are shorter), more only for a longer run.
#[inline]
fn copy_within_block(
    block: &[u8; PADDED],
    start: usize,
    end: usize,
    to: &mut [u8; PADDED],
    at: usize,
) {
    let mut k = 0;
    loop {
        // Each index is below BLOCK: the masks say so to the compiler, which then checks no
        // bounds.
        let (from, into) = ((start + k) & (BLOCK - 1), (at + k) & (BLOCK - 1));
        to[into..][..16].copy_from_slice(&block[from..][..16]);
        k += 16;
        if start + k >= end {
            return;
        }
    }
}

/// The backslashes of a block that begin an escape, for a block that begins outside one: in
/// a run of backslashes, every other one from the run's first.
#[inline]
fn escape_starts(backslashes: u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let firsts = backslashes & !(backslashes << 1);
    // Adding a run's first bit clears the run (the carry stops at the byte after it): what
    // this clears are the runs that begin on an even bit.
    let even_runs = backslashes & !backslashes.wrapping_add(firsts & EVEN);
    (even_runs & EVEN) | (backslashes & !even_runs & !EVEN)
}

/// `from[start..end]` copied to `to[at..]` sixteen bytes at a time: a chunk may read and
/// write up to fifteen bytes past the run (the padding of a block, the spare room of the
/// output: `at <= start`, unescaping never lengthens); near the end of `from`, the rest at
/// once.
#[inline]
fn copy_chunks(from: &[u8], start: usize, end: usize, to: &mut [u8], at: usize) {
    let mut k = 0;
    while start + k < end {
        match from.get(start + k..start + k + 16) {
            Some(chunk) => to[at + k..at + k + 16].copy_from_slice(chunk),
            None => {
                to[at + k..at + (end - start)].copy_from_slice(&from[start + k..end]);
                return;
            }
        }
        k += 16;
    }
}

/// The quotes, backslashes and control bytes (< 0x20) of a block, as bits (bit `i` for
/// byte `i`).
#[derive(Debug, PartialEq)]
struct Marks {
    quotes: u64,
    backslashes: u64,
    controls: u64,
}

#[inline]
fn block_marks(block: &[u8; BLOCK]) -> Marks {
    let mut marks = Marks {
        quotes: 0,
        backslashes: 0,
        controls: 0,
    };
    for (k, sixteen) in block.as_chunks::<16>().0.iter().enumerate() {
        let bits = |hits: wide::u8x16| u64::from(hits.to_bitmask()) << (16 * k);
        let [quotes, backslashes, controls] = sixteen_marks(sixteen);
        marks.quotes |= bits(quotes);
        marks.backslashes |= bits(backslashes);
        marks.controls |= bits(controls);
    }
    marks
}

/// What a string does at a stop.
enum Stop {
    Ends,
    /// After an escape, from this byte.
    GoesOn(usize),
}

/// The string whose contents begin at `text[at..]` (its opening quote read), unescaped into
/// one buffer sized for the rest of the text, and where the text goes on after its closing
/// quote. `None` for what serde refuses, and for surrogate escapes (pairs or lone), left to
/// serde.
pub(super) fn unescape_string(text: &str, at: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let first = at + string_stop(bytes.get(at..)?)?;
    if bytes[first] == b'"' {
        // No escape at all: one copy.
        return Some((text.get(at..first)?.to_string(), first + 1));
    }
    // Unescaping never lengthens, so the rest of the text bounds the string; the spare
    // bytes let runs be copied in whole chunks before their length is known.
    let mut out = Unescaped {
        bytes: vec![0u8; bytes.len() - at + PADDED],
        len: 0,
    };
    out.copy_run(bytes, at, first);
    let mut src = first;
    // Mastodon's payloads are JSON inside a JSON string: an escaped quote every few bytes.
    // The stops of a block are found at once, then taken one after the other.
    let mut last = [0u8; PADDED];
    while let Some(rest) = bytes.get(src..) {
        let Some(chunk) = rest.first_chunk::<BLOCK>() else {
            break;
        };
        // The bytes after the block are its padding; zeros where fewer follow.
        let block = match rest.first_chunk::<PADDED>() {
            Some(block) => block,
            None => {
                last[..BLOCK].copy_from_slice(chunk);
                &last
            }
        };
        let to: &mut [u8; PADDED] = (&mut out.bytes[out.len..out.len + PADDED])
            .try_into()
            .expect("a slice of PADDED bytes");
        let (read, written, stop) = unescape_block(block, to);
        out.len += written;
        src += read;
        if stop {
            match stop_at(bytes, src, &mut out)? {
                Stop::GoesOn(next) => src = next,
                Stop::Ends => return Some((out.into_string()?, src + 1)),
            }
        }
    }
    // The last bytes (fewer than a block), stop by stop.
    loop {
        let at = src + string_stop(bytes.get(src..)?)?;
        out.copy_run(bytes, src, at);
        match stop_at(bytes, at, &mut out)? {
            Stop::GoesOn(next) => src = next,
            Stop::Ends => return Some((out.into_string()?, at + 1)),
        }
    }
}

/// The stop at `at` that a run ended on: the string's closing quote, or an escape (written
/// to `out`); `None` for what serde refuses (a raw control character, a bad escape).
#[inline]
fn stop_at(bytes: &[u8], at: usize, out: &mut Unescaped) -> Option<Stop> {
    match bytes[at] {
        b'"' => Some(Stop::Ends),
        b'\\' => escape(bytes, at, out).map(Stop::GoesOn),
        _ => None,
    }
}

/// The escape at `at` (a backslash), written to `out`; where the string goes on after it.
#[inline]
fn escape(bytes: &[u8], at: usize, out: &mut Unescaped) -> Option<usize> {
    let (c, len) = escaped_char(bytes, at)?;
    // At most three bytes for the six of a `\u` escape.
    let w = out.len;
    out.len += c.encode_utf8(&mut out.bytes[w..w + 4]).len();
    Some(at + len)
}

/// The escape at `at`: the character it stands for and its length. `None` where it is no
/// escape (a raw control character is serde's error) and for surrogates (paired or lone),
/// left to serde's rules.
#[inline]
pub(super) fn escaped_char(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    if *bytes.get(at)? != b'\\' {
        return None;
    }
    let c = match *bytes.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = bytes.get(at + 2..at + 6)?;
            let v =
                (hex.iter()).try_fold(0u32, |v, &b| Some(v << 4 | char::from(b).to_digit(16)?))?;
            if (0xd800..0xe000).contains(&v) {
                return None;
            }
            return Some((char::from_u32(v)?, 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed when it is `want`.
    fn eat(&mut self, want: u8) -> Option<()> {
        self.skip_ws();
        (self.bytes().get(self.at) == Some(&want)).then(|| self.at += 1)
    }

    /// A string without escapes (a key, a stream name), borrowed; the opening quote is read.
    fn plain_string(&mut self) -> Option<&'a str> {
        let (text, start) = (self.text, self.at);
        let end = start + string_stop(&text.as_bytes()[start..])?;
        if text.as_bytes()[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        Some(&text[start..end])
    }

    /// A string's contents, unescaped; the opening quote is read.
    fn string(&mut self) -> Option<String> {
        let (string, next) = unescape_string(self.text, self.at)?;
        self.at = next;
        Some(string)
    }

    /// `[ "name", … ]`, names without escapes.
    fn stream_names(&mut self) -> Option<()> {
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            self.plain_string()?;
            if self.eat(b',').is_none() {
                return self.eat(b']');
            }
        }
    }
}

/// The frame, when it has the shape servers send; `None`: ask serde.
pub(crate) fn scan_ws_frame(text: &str) -> Option<WsFrame> {
    let mut s = Scanner { text, at: 0 };
    s.eat(b'{')?;
    let mut name: Option<String> = None;
    let mut payload: Option<Option<String>> = None;
    if s.eat(b'}').is_none() {
        loop {
            s.eat(b'"')?;
            let key = s.plain_string()?;
            s.eat(b':')?;
            match key {
                "stream" => s.stream_names()?,
                "event" if name.is_none() => {
                    s.eat(b'"')?;
                    name = Some(s.string()?);
                }
                "payload" if payload.is_none() => {
                    s.skip_ws();
                    let rest = &s.bytes()[s.at..];
                    if rest.starts_with(b"\"") {
                        s.at += 1;
                        payload = Some(Some(s.string()?));
                    } else if rest.starts_with(b"null") {
                        s.at += 4;
                        payload = Some(None);
                    } else {
                        return None;
                    }
                }
                _ => return None,
            }
            if s.eat(b',').is_none() {
                s.eat(b'}')?;
                break;
            }
        }
    }
    s.skip_ws();
    if s.at != text.len() {
        return None;
    }
    let name = name.filter(|n| !n.is_empty())?;
    Some(WsFrame::Event {
        name,
        payload: payload.flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::decode::parse_ws_frame_with_serde;

    fn same_as_serde(text: &str) -> Option<WsFrame> {
        let scanned = scan_ws_frame(text);
        if let Some(frame) = &scanned {
            assert_eq!(
                Some(frame),
                parse_ws_frame_with_serde(text).ok().as_ref(),
                "{text}"
            );
        }
        scanned
    }

    #[test]
    fn the_shapes_servers_send_are_scanned() {
        let status = r#"{"id":"1","content":"<p>a \"b\" \\ é 😀 \n</p>"}"#;
        let escaped = serde_json::to_string(status).unwrap();
        for text in [
            format!(r#"{{"stream":["public"],"event":"update","payload":{escaped}}}"#),
            format!(r#"{{"event":"update","payload":{escaped},"stream":["hashtag","rust"]}}"#),
            format!(r#"{{"payload":{escaped},"event":"update"}}"#),
            format!("{{ \"stream\" : [ ] , \"event\" : \"update\" , \"payload\" : {escaped} }}\n"),
        ] {
            let Some(WsFrame::Event { name, payload }) = same_as_serde(&text) else {
                panic!("{text}")
            };
            assert_eq!(name, "update");
            assert_eq!(payload.as_deref(), Some(status));
        }
        let plain = r#"{"stream":["user"],"event":"filters_changed","payload":null}"#;
        assert!(matches!(
            same_as_serde(plain),
            Some(WsFrame::Event { payload: None, .. })
        ));
        let bare = r#"{"stream":["user"],"event":"filters_changed"}"#;
        assert!(matches!(
            same_as_serde(bare),
            Some(WsFrame::Event { payload: None, .. })
        ));
        let unicode = r#"{"event":"x\u00e9","payload":"\u0041\u2028"}"#;
        assert!(
            matches!(same_as_serde(unicode), Some(WsFrame::Event { name, payload })
            if name == "xé" && payload.as_deref() == Some("A\u{2028}"))
        );
    }

    #[test]
    fn everything_else_is_left_to_serde() {
        for text in [
            r#"{"stream":["public"],"event":"update","payload":{"id":"1"}}"#,
            r#"{"error":"Unknown stream type","status":400}"#,
            r#"{"event":"update","event":"delete","payload":"1"}"#,
            r#"{"event":"","payload":"1"}"#,
            r#"{"event":"delete","payload":1130}"#,
            r#"{"event":"delete","payload":"\ud83d\ude00"}"#,
            r#"{"event":"delete","payload":"\ud83d"}"#,
            r#"{"event":"delete","payload":"a	b"}"#,
            r#"{"event":"delete","payload":"1"} x"#,
            r#"{"event":"delete","payload":"1""#,
            r#"{"event":"delete","payload":"\x"}"#,
            r#"{"stream":["a\"b"],"event":"delete","payload":"1"}"#,
            r#"{"stream":[1],"event":"delete","payload":"1"}"#,
            r#"{"event":"delete","payload":"1",}"#,
            r#"{}"#,
            "",
            "[]",
        ] {
            assert!(same_as_serde(text).is_none(), "{text}");
        }
    }

    #[test]
    fn escapes_anywhere_in_a_word_unescape_as_serde_does() {
        for len in 0..24 {
            for at in 0..=len {
                for escape in ["\\\"", "\\u00e9", "\\n", "\\\\", "é", "\\u2028x"] {
                    let mut text = String::from(if len % 2 == 0 { "" } else { "😀" });
                    text.push_str(&"a".repeat(at));
                    text.push_str(escape);
                    text.push_str(&"b".repeat(len - at));
                    text.push_str(escape);
                    let frame = format!(r#"{{"event":"update","payload":"{text}"}}"#);
                    assert!(same_as_serde(&frame).is_some(), "{frame}");
                }
            }
        }
    }

    #[test]
    fn runs_of_escapes_across_words_unescape_as_serde_does() {
        // Every string of up to six of these characters, at every offset in a word: runs of
        // backslashes and quotes (JSON inside JSON), escapes of other kinds among them.
        const PIECES: [&str; 7] = ["a", "\"", "\\", "é", "\n", "/", "\u{1}"];
        let mut checked = 0;
        for len in 0..=6u32 {
            for n in 0..PIECES.len().pow(len) {
                let mut payload = String::new();
                let mut k = n;
                for _ in 0..len {
                    payload.push_str(PIECES[k % PIECES.len()]);
                    k /= PIECES.len();
                }
                for pad in 0..8 {
                    let text = format!("{}{payload}{}", "x".repeat(pad), "y".repeat(pad));
                    let escaped = serde_json::to_string(&text).unwrap();
                    let frame = format!(r#"{{"event":"update","payload":{escaped}}}"#);
                    let Some(WsFrame::Event { payload, .. }) = same_as_serde(&frame) else {
                        panic!("{frame}")
                    };
                    assert_eq!(payload.as_deref(), Some(text.as_str()), "{frame}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    #[test]
    fn the_marks_of_a_block_are_its_quotes_backslashes_and_control_bytes() {
        let mut x = crate::fuzzing::XorShift(7);
        let picks = [b'"', b'\\', 0, 0x1f, 0x20, b'a', 0x7f, 0x80, 0xe0, 0xff];
        for _ in 0..20_000 {
            let block: [u8; BLOCK] = std::array::from_fn(|_| *x.pick(&picks));
            let bits = |hit: fn(u8) -> bool| {
                (block.iter().enumerate())
                    .filter(|&(_, &b)| hit(b))
                    .fold(0u64, |m, (i, _)| m | 1 << i)
            };
            let want = Marks {
                quotes: bits(|b| b == b'"'),
                backslashes: bits(|b| b == b'\\'),
                controls: bits(|b| b < 0x20),
            };
            assert_eq!(block_marks(&block), want, "{block:?}");
        }
    }

    #[test]
    fn every_other_backslash_of_a_run_begins_an_escape() {
        let mut x = crate::fuzzing::XorShift(13);
        for _ in 0..20_000 {
            // Runs of every length, at every parity, up to the last bit.
            let backslashes = x.next() & x.next() | x.next() & x.next() & x.next();
            let mut want = 0u64;
            let mut i = 0;
            while i < 64 {
                if backslashes >> i & 1 == 1 {
                    want |= 1 << i;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            assert_eq!(escape_starts(backslashes), want, "{backslashes:064b}");
        }
    }

    /// A frame whose payload is JSON inside JSON (an escaped quote every four bytes) with
    /// `piece` at byte `at` of it, long escapes of its neighbours after it.
    fn frame_with_piece_at(piece: &str, at: usize) -> String {
        let mut text = "a\\\"b".repeat(at / 4);
        text.push_str(&"c".repeat(at % 4));
        text.push_str(piece);
        text.push_str(&"\\\\\\\"d".repeat(40));
        format!(r#"{{"event":"update","payload":"{text}"}}"#)
    }

    #[test]
    fn escapes_at_every_place_around_block_edges_unescape_as_serde_does() {
        // Long payloads (JSON inside JSON, as servers send) with one escape of each kind
        // moved across the first blocks' edges, the escapes of their neighbours around it.
        for escape in [
            "\\\"", "\\\\", "\\u00e9", "\\u2028", "\\n", "\\/", "é", "😀",
        ] {
            for at in 0..3 * BLOCK {
                let frame = frame_with_piece_at(escape, at);
                let serde = parse_ws_frame_with_serde(&frame).unwrap();
                assert_eq!(same_as_serde(&frame), Some(serde), "{frame}");
            }
        }
    }

    #[test]
    fn control_bytes_and_bad_escapes_anywhere_are_refused_as_serde_refuses() {
        // Each of these ends the block it falls in: serde refuses them, and so must the
        // scanner, whether they come first in a block, last, or after escapes it took.
        for bad in ["\u{1}", "\n", "\\\u{1}", "\\x", "\\u12\\\"", "\\\n"] {
            for at in 0..3 * BLOCK {
                let frame = frame_with_piece_at(bad, at);
                assert!(parse_ws_frame_with_serde(&frame).is_err(), "{frame}");
                assert_eq!(scan_ws_frame(&frame), None, "{frame}");
            }
        }
    }

    #[test]
    fn long_payloads_of_every_kind_of_character_unescape_as_serde_does() {
        const PIECES: [&str; 12] = [
            "a",
            "bcdefghijklmnopqrstuvwxyz",
            "\"",
            "\\",
            "\\\"",
            "é",
            "😀",
            "\n",
            "/",
            "\u{7f}",
            "\u{2028}",
            "<p class=\"x\">",
        ];
        let mut x = crate::fuzzing::XorShift(11);
        for _ in 0..3_000 {
            let text = x.pieces(&PIECES, 200);
            // Both encodings servers use: serde's, and `<`, `>`, `&` as `\u` escapes.
            let plain = serde_json::to_string(&text).unwrap();
            let html = plain.replace('<', "\\u003c").replace('>', "\\u003e");
            for escaped in [plain, html] {
                let frame = format!(r#"{{"event":"update","payload":{escaped}}}"#);
                let Some(WsFrame::Event { payload, .. }) = same_as_serde(&frame) else {
                    panic!("{frame}")
                };
                assert_eq!(payload.as_deref(), Some(text.as_str()), "{frame}");
            }
        }
    }

    #[test]
    fn the_first_stop_is_found_wherever_it_is() {
        // Sixteen bytes at a time, then eight, then one: every length and place, with a
        // second stop after the first.
        for len in 0..50 {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x1f, 0] {
                    let mut v = vec![b'a'; len];
                    v[at] = stop;
                    if at + 1 < len {
                        v[len - 1] = b'"';
                    }
                    assert_eq!(string_stop(&v), Some(at));
                }
            }
            assert_eq!(string_stop(&vec![0xffu8; len]), None);
            assert_eq!(string_stop(&vec![b' '; len]), None);
        }
    }
}
