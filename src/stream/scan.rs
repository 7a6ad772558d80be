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

/// Where the first `"`, `\` or control byte (< 0x20) of `bytes` is, eight bytes at a time.
#[inline]
pub(super) fn string_stop(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&bytes[at..at + 8]);
        let word = u64::from_le_bytes(eight);
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

    /// A string's contents, unescaped into one buffer sized for the escaped text; the opening
    /// quote is read. Surrogate escapes (pairs or lone) are left to serde.
    fn string(&mut self) -> Option<String> {
        let bytes = self.text.as_bytes();
        let first = self.at + string_stop(&bytes[self.at..])?;
        if bytes[first] == b'"' {
            // No escape at all: one copy.
            let s = self.text[self.at..first].to_string();
            self.at = first + 1;
            return Some(s);
        }
        // Unescaping never lengthens, so the rest of the frame bounds the string; eight spare
        // bytes let every word be copied whole before its stop is known. Mastodon's payloads
        // are JSON inside a JSON string: an escaped quote every few bytes, so the copying is
        // done here a word at a time rather than by a call per run.
        let mut out = vec![0u8; bytes.len() - self.at + 8];
        out[..first - self.at].copy_from_slice(&bytes[self.at..first]);
        let mut w = first - self.at;
        let mut at = first;
        loop {
            let stop = match bytes.get(at..at + 8) {
                Some(eight) => {
                    out[w..w + 8].copy_from_slice(eight);
                    let mut word = [0u8; 8];
                    word.copy_from_slice(eight);
                    let word = u64::from_le_bytes(word);
                    let hits = zero_bytes(word ^ (ONES * u64::from(b'"')))
                        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
                        | bytes_below(word, 0x20);
                    if hits == 0 {
                        at += 8;
                        w += 8;
                        continue;
                    }
                    let n = (hits.trailing_zeros() / 8) as usize;
                    at += n;
                    w += n;
                    bytes[at]
                }
                None => {
                    let b = *bytes.get(at)?;
                    if b != b'"' && b != b'\\' && b >= 0x20 {
                        out[w] = b;
                        at += 1;
                        w += 1;
                        continue;
                    }
                    b
                }
            };
            match stop {
                b'"' => {
                    self.at = at + 1;
                    out.truncate(w);
                    // Whole characters of a `str` and whole encoded escapes: valid UTF-8.
                    return String::from_utf8(out).ok();
                }
                b'\\' => {
                    let c = match *bytes.get(at + 1)? {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let hex = self.text.get(at + 2..at + 6)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            // None for surrogates: serde pairs them (or refuses a lone one).
                            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            // At most three bytes for the six of the escape.
                            w += c.encode_utf8(&mut out[w..w + 4]).len();
                            at += 6;
                            continue;
                        }
                        _ => return None,
                    };
                    out[w] = c;
                    w += 1;
                    at += 2;
                }
                // A raw control character: serde refuses the frame.
                _ => return None,
            }
        }
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
    fn stops_are_found_eight_bytes_at_a_time() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x1f, 0] {
                    let mut v = vec![b'a'; len];
                    v[at] = stop;
                    assert_eq!(string_stop(&v), Some(at));
                }
            }
            assert_eq!(string_stop(&vec![0xffu8; len]), None);
            assert_eq!(string_stop(&vec![b' '; len]), None);
        }
    }
}
