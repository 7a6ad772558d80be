//! Remote HTML to one short line of safe text, for `tail` and other one-line summaries.
//! (The TUI lays out full content with html2text; a line needs none of that.)

use crate::sanitize::sanitize_line;

/// Strips tags, decodes entities, turns block breaks into spaces, removes anything unsafe
/// for a terminal, and cuts the result to `max_chars` (ending in `…` when cut).
///
/// The work follows the line, not the markup: the text of a prefix of the markup that ends
/// after a tag or an entity is a prefix of the whole text, and what the steps after it make
/// of a prefix is a prefix of what they make of the whole (the sanitiser's look-ahead only
/// swallows more of what follows; spaces collapse the same way). So once a prefix gives more
/// than `max_chars` characters, the rest cannot change the cut line.
pub(crate) fn html_to_line(html: &str, max_chars: usize) -> String {
    let mut line = String::new();
    push_html_line(&mut line, html, max_chars);
    line
}

/// [`html_to_line`] appended to `out`: a line of many parts is built in one string.
pub(crate) fn push_html_line(out: &mut String, html: &str, max_chars: usize) {
    let start = out.len();
    let mut text = String::with_capacity(html.len().min(max_chars.saturating_mul(4)));
    let mut rest = html;
    // Text bytes to strip before the first look: two per character leaves room for what
    // the steps after it drop.
    let mut budget = max_chars.saturating_add(1).saturating_mul(2);
    loop {
        rest = strip_markup(rest, &mut text, budget);
        out.truncate(start);
        push_collapsed(out, &sanitize_line(&text));
        if rest.is_empty() || char_at(&out[start..], max_chars).is_some() {
            cut_from(out, start, max_chars);
            return;
        }
        // From what was stripped, which may pass the budget by a long run of text.
        budget = budget.max(text.len()).saturating_mul(2);
    }
}

/// Appends the text of `html` to `out` until `out` holds `budget` bytes (stopping only after
/// a tag or an entity) or the markup ends; returns the markup left.
fn strip_markup<'a>(html: &'a str, out: &mut String, budget: usize) -> &'a str {
    let mut rest = html;
    while let Some(lt) = memchr::memchr2(b'<', b'&', rest.as_bytes()) {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with('<') {
            let close = memchr::memchr(b'>', rest.as_bytes());
            let end = close.map_or(rest.len(), |i| i + 1);
            let tag = rest[1..close.unwrap_or(rest.len())].trim_start_matches('/');
            let len = tag
                .bytes()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(tag.len());
            // Tag names that break a line are short: longer ones need no lowercase copy.
            let mut lower = [0u8; 10];
            let name = match tag.as_bytes().get(..len) {
                Some(name) if len <= lower.len() => {
                    lower[..len].copy_from_slice(name);
                    lower[..len].make_ascii_lowercase();
                    std::str::from_utf8(&lower[..len]).unwrap_or_default()
                }
                _ => "",
            };
            if matches!(
                name,
                "br" | "p"
                    | "li"
                    | "div"
                    | "blockquote"
                    | "pre"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "ul"
                    | "ol"
            ) {
                out.push(' ');
            }
            rest = &rest[end..];
        } else {
            let (decoded, used) = decode_entity(rest);
            out.push(decoded.unwrap_or('&'));
            rest = &rest[used..];
        }
        if out.len() >= budget {
            return rest;
        }
    }
    out.push_str(rest);
    ""
}

/// `n` and the noun, plural unless one: `1 check`, `2 checks`.
pub(crate) fn counted(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// One-line safe text for plain remote strings (names, spoilers, titles).
pub(crate) fn plain_line(text: &str, max_chars: usize) -> String {
    let mut line = String::new();
    push_plain_line(&mut line, text, max_chars);
    line
}

/// [`plain_line`] appended to `out`.
pub(crate) fn push_plain_line(out: &mut String, text: &str, max_chars: usize) {
    let start = out.len();
    push_collapsed(out, &sanitize_line(text));
    cut_from(out, start, max_chars);
}

/// Appends the words of `s` joined by one space (whitespace as `char::is_whitespace` has it).
fn push_collapsed(out: &mut String, s: &str) {
    let start = out.len();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let end = word_end(rest);
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(&rest[..end]);
        rest = rest[end..].trim_start();
    }
}

/// Where the first whitespace character of `s` is: a byte at a time through ASCII.
fn word_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii() {
            if char::from(b).is_whitespace() {
                return at;
            }
            at += 1;
        } else {
            match s[at..].chars().next() {
                Some(c) if !c.is_whitespace() => at += c.len_utf8(),
                _ => return at,
            }
        }
    }
    bytes.len()
}

/// What `out` holds from `start` on cut to `max_chars` characters, ending in `…` when cut.
fn cut_from(out: &mut String, start: usize, max_chars: usize) {
    if let Some(end) = char_at(&out[start..], max_chars) {
        let kept = out[start..start + end].trim_end().len();
        out.truncate(start + kept);
        out.push('…');
    }
}

/// Where character `n` (from 0) of `s` starts, if it has one; ASCII text is counted at once.
fn char_at(s: &str, n: usize) -> Option<usize> {
    match s.as_bytes().get(..=n) {
        None => None,
        Some(head) if head.is_ascii() => Some(n),
        Some(_) => s.char_indices().nth(n).map(|(at, _)| at),
    }
}

/// Decodes the entity at the start of `s` (which starts with `&`); returns its character and
/// the bytes consumed. Unknown entities stay as written: no character, and only the `&` used.
fn decode_entity(s: &str) -> (Option<char>, usize) {
    // By bytes: 12 bytes in may fall inside a character (found by fuzzing: a panic).
    let Some(semi) = memchr::memchr(b';', &s.as_bytes()[..s.len().min(12)]) else {
        return (None, 1);
    };
    let body = &s[1..semi];
    let named = match body {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => None,
    };
    let c = named.or_else(|| {
        let num = body.strip_prefix('#')?;
        let (digits, radix) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (num, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        // As HTML does (and the live view, through html2text): a number that is no
        // character (a surrogate, past U+10FFFF, NUL) is U+FFFD, not the reference as text.
        let code = u32::from_str_radix(digits, radix).unwrap_or(u32::MAX);
        Some(
            char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}'),
        )
    });
    match c {
        Some(c) => (Some(c), semi + 1),
        None => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapse_spaces(s: &str) -> String {
        let mut out = String::new();
        push_collapsed(&mut out, s);
        out
    }

    fn cut(mut s: String, max_chars: usize) -> String {
        cut_from(&mut s, 0, max_chars);
        s
    }

    #[test]
    fn mastodon_markup_becomes_one_line() {
        let html = r#"<p>Hello <span class="h-card"><a href="https://ex.com/@bob" class="u-url mention">@<span>bob</span></a></span> &amp; friends!</p><p>Second&#39;s <a href="https://ex.com/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a><br>line &lt;3</p>"#;
        assert_eq!(
            html_to_line(html, 200),
            "Hello @bob & friends! Second's #rust line <3"
        );
    }

    #[test]
    fn the_line_of_a_prefix_is_the_line_of_the_whole() {
        const PIECES: [&str; 38] = [
            "word",
            "a",
            " ",
            "   ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "<p>",
            "</p>",
            "<br>",
            "<a href=\"x\">",
            "</a>",
            "<",
            "&",
            "&amp;",
            "&#13;",
            "&nbsp;",
            "&#xa0;",
            "&#x1b;",
            "&#x9c;",
            "&unknown;",
            "&aaaaaaaaaa;",
            "\u{1b}[31m",
            "\u{1b}]0;title\u{7}",
            "\u{1b}P",
            "\u{1b}\\",
            "\u{1b}",
            "\u{9b}",
            "\u{9d}",
            "\u{9c}",
            "\u{85}",
            "\u{a0}\u{3000}\u{2028}",
            "e\u{301}\u{301}",
            "\u{200b}",
            "日本",
            "&lt",
            "\\",
        ];
        let mut x = crate::fuzzing::XorShift(5);
        for _ in 0..20_000 {
            let html = x.pieces(&PIECES, 120);
            let max_chars = *x.pick(&[0, 1, 3, 10, 40, 200]);
            let mut text = String::new();
            assert_eq!(strip_markup(&html, &mut text, usize::MAX), "");
            let whole = cut(collapse_spaces(&sanitize_line(&text)), max_chars);
            assert_eq!(
                html_to_line(&html, max_chars),
                whole,
                "{html:?} {max_chars}"
            );
            // Appended to a line already begun, it is the same text after what was there.
            let before = x.pieces(&PIECES, 4);
            let mut line = before.clone();
            push_html_line(&mut line, &html, max_chars);
            assert_eq!(line, format!("{before}{whole}"), "{before:?} {html:?}");
            let mut line = before.clone();
            push_plain_line(&mut line, &text, max_chars);
            assert_eq!(line, format!("{before}{whole}"), "{before:?} {text:?}");
        }
    }

    #[test]
    fn spaces_collapse_as_split_whitespace_has_them() {
        for s in [
            "",
            " ",
            "a",
            " a ",
            "a  b",
            "\t a\u{a0}\u{3000}b \u{85} c\u{2028}",
            "日本 語  ",
            "é\u{b}x\u{c}y",
        ] {
            assert_eq!(
                collapse_spaces(s),
                s.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }

    #[test]
    fn lines_are_cut_after_their_characters_not_their_bytes() {
        for s in [
            "",
            "abc",
            "abc ",
            "ab c",
            "日本語",
            "a日 本",
            "😀😀😀😀",
            "abcdé f",
        ] {
            for n in 0..8 {
                let chars: Vec<char> = s.chars().collect();
                let want = if chars.len() > n {
                    let kept: String = chars[..n].iter().collect();
                    format!("{}…", kept.trim_end())
                } else {
                    s.to_string()
                };
                assert_eq!(cut(s.to_string(), n), want, "{s:?} {n}");
            }
        }
    }

    #[test]
    fn markup_never_leaks_into_a_line_whose_text_shrinks() {
        // Marks past the cap are dropped: eight bytes of text per character did not always
        // leave `max_chars` characters, and the markup after them was kept as it was.
        let html = format!(
            "<p>a{}</p><p>hello <b>world</b> again</p>",
            "\u{301}".repeat(400)
        );
        let line = html_to_line(&html, 10);
        assert!(!line.contains('<'), "{line}");
        assert!(line.ends_with("hello…"), "{line}");
    }

    #[test]
    fn text_after_a_run_longer_than_the_budget_is_found() {
        // The first round overshoots its budget by the whole run; the next rounds grow from
        // there, not from the budget (which cost a round per tag).
        let html = format!("<p>{}{}", " ".repeat(1 << 20), "<b>x</b>".repeat(1000));
        assert_eq!(
            html_to_line(&html, 200)
                .chars()
                .filter(|&c| c == 'x')
                .count(),
            200
        );
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(html_to_line("<p>abcdef ghijk</p>", 8), "abcdef g…");
        assert_eq!(plain_line("  a \n b  ", 10), "a b");
    }

    #[test]
    fn escapes_never_survive() {
        let html = "<p>\u{1b}]52;c;ZXZpbA==\u{7}x&#27;[31m&#x9b;2J</p>";
        let line = html_to_line(html, 100);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in [
            "<é",
            "<",
            "&",
            "&#;",
            "&#xZZ;",
            "<p",
            "a & b",
            "&#1114112;",
            "<<>>",
            "&amp",
            // A multi-byte character across the 12th byte.
            "&aaaaaaaaaé;",
            "&#1\u{fffd}4112;",
        ] {
            let _ = html_to_line(s, 10);
        }
        assert_eq!(html_to_line("a & b", 10), "a & b");
    }

    #[test]
    fn numbers_that_are_no_character_read_as_the_replacement_character() {
        for s in [
            "&#xD800;",
            "&#x110000;",
            "&#1114112;",
            "&#0;",
            "&#xFFFFFFFF;",
        ] {
            assert_eq!(
                html_to_line(&format!("<p>a{s}b</p>"), 10),
                "a\u{fffd}b",
                "{s}"
            );
        }
        assert_eq!(html_to_line("<p>&#;&#xZZ;&#x;</p>", 20), "&#;&#xZZ;&#x;");
    }
}
