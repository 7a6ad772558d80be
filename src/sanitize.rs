//! Makes hostile remote text safe to print on a terminal.
//!
//! Everything a server sends (names, post bodies, spoilers, tags, URLs, alt text) goes through
//! [`sanitize_line`] or [`sanitize_text`] before it is drawn. What they remove:
//! - ESC and the whole sequence it introduces (CSI, OSC, DCS/SOS/PM/APC strings, two-byte
//!   escapes), so no colour change, title change, clipboard write (OSC 52) or hyperlink (OSC 8)
//!   gets through;
//! - the C1 controls U+0080–U+009F, with the sequences of the 8-bit introducers (CSI U+009B,
//!   OSC U+009D, DCS U+0090, SOS U+0098, PM U+009E, APC U+009F);
//! - the other C0 controls and DEL (tab, CR and LF become a space, or a line break where kept);
//! - bidi controls and invisible format characters that can make text read as something else;
//! - combining marks beyond [`MAX_COMBINING`] on one base character ("zalgo" floods), and
//!   characters that take no cell beyond [`MAX_ZERO_WIDTH`] (the same floods in other scripts);
//! - Hangul fillers (blank, so a name can look empty or like another) and tag characters
//!   outside an emoji flag (invisible text).
//!
//! Once ESC and the introducers are gone the rest of a sequence is inert text, so how much of
//! it is dropped is cosmetic; it follows what a terminal would have swallowed.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Combining marks kept after one base character.
pub(crate) const MAX_COMBINING: usize = 3;

/// Characters that take no cell (marks of any script, joiners, variation selectors, a flag's
/// tags) kept after one base character: each is drawn in its base's cell, and a flood of
/// them made one cell hundreds of kilobytes. Real text stacks a few (a Tibetan stack, a
/// subdivision flag's seven tags).
pub(crate) const MAX_ZERO_WIDTH: usize = 8;

/// Sanitises single-line text (names, titles, URLs): tab, CR, LF, CRLF and the Unicode line and
/// paragraph separators become one space. Borrows when nothing needs to change.
pub(crate) fn sanitize_line(s: &str) -> Cow<'_, str> {
    sanitize(s, false)
}

/// Sanitises multi-line text (rendered post bodies): like [`sanitize_line`] but keeps line
/// breaks, normalised to `\n` (CRLF, lone CR, U+2028 and U+2029 all become `\n`); tab becomes
/// a space.
pub(crate) fn sanitize_text(s: &str) -> Cow<'_, str> {
    sanitize(s, true)
}

/// The first `max_chars` characters of `s`.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn truncate_chars(s: &str, max_chars: usize) -> &str {
    if s.len() <= max_chars {
        return s;
    }
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// Makes JSON text safe to print as it is: every character a terminal could act on or that
/// hides or reorders text (controls other than JSON's whitespace, DEL, C1, bidi and invisible
/// format characters, line and paragraph separators) becomes its `\uXXXX` escape. Outside its
/// strings JSON text is ASCII, so these characters can only stand inside strings, where the
/// escape means the same character: the JSON value does not change. JSON encoders escape only
/// C0 controls, which leaves the rest for this.
pub(crate) fn escape_json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json_needs_escapes(json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if json_char_needs_escape(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a character of a JSON text is escaped before a terminal sees it.
fn json_char_needs_escape(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && (is_removed(c) || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// Whether a byte may start a character that [`json_char_needs_escape`]: a C0 control, DEL,
/// or one of the five lead bytes of the others (C2: C1 and the soft hyphen; D8: U+061C; E1:
/// U+180E; E2: U+200B to U+206F; EF: U+FEFF, U+FFF9 to U+FFFB). Lead bytes are never
/// continuation bytes, so such a byte is always on a character boundary.
#[inline(always)]
fn may_need_escape(b: u8) -> bool {
    (b < 0x20) | (b == 0x7f) | (b == 0xc2) | (b == 0xd8) | (b == 0xe1) | (b == 0xe2) | (b == 0xef)
}

/// Whether some character of `json` needs an escape. A firehose prints a kilobyte or two per
/// post: blocks of 32 bytes without a byte that [`may_need_escape`] (nearly all of them, text
/// beyond ASCII included) are passed over with comparisons the compiler turns into vector
/// instructions, and only the characters at such bytes are decoded.
fn json_needs_escapes(json: &str) -> bool {
    const BLOCK: usize = 32;
    let block_needs = |base: usize, block: &[u8]| {
        block.iter().enumerate().any(|(i, &b)| {
            may_need_escape(b)
                && json
                    .get(base + i..)
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(json_char_needs_escape)
        })
    };
    let mut blocks = json.as_bytes().chunks_exact(BLOCK);
    let mut base = 0;
    for block in &mut blocks {
        // No short cut inside a block: folds the compiler can make vector reductions of.
        // Printable ASCII first, then the bytes that may need an escape.
        let plain = block.iter().fold(true, |all, &b| all & printable_ascii(b));
        let suspect = !plain && block.iter().fold(false, |any, &b| any | may_need_escape(b));
        if suspect && block_needs(base, block) {
            return true;
        }
        base += BLOCK;
    }
    block_needs(base, blocks.remainder())
}

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

fn sanitize(s: &str, multiline: bool) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    // Stays `None` (the result borrows `s`) until the first change.
    let mut out: Option<String> = None;
    // Combining marks and characters without a cell emitted since the last base character.
    // Only emitted characters reset them, so marks cannot be smuggled past the caps by
    // interleaving characters that get removed.
    let mut marks = 0;
    let mut zero_width = 0;
    // A tag character continues an emoji flag (U+1F3F4 then tags); anywhere else it hides text.
    let mut in_flag = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (0x20..0x7f).contains(&b) || (multiline && b == b'\n') {
            let end = i + 1 + printable_run(&bytes[i + 1..]);
            if let Some(o) = &mut out {
                o.push_str(&s[i..end]);
            }
            (marks, zero_width, in_flag) = (0, 0, false);
            i = end;
            continue;
        }
        let c = if b < 0x80 {
            b as char
        } else {
            s[i..].chars().next().expect("i is on a char boundary")
        };
        let mut end = i + c.len_utf8();
        let line_break = if multiline { '\n' } else { ' ' };
        let action = match c {
            '\u{1b}' => {
                end = skip_escape(bytes, end);
                Action::Drop
            }
            '\u{9b}' => {
                end = skip_csi(bytes, end);
                Action::Drop
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                end = skip_string(bytes, end);
                Action::Drop
            }
            '\r' => {
                if bytes.get(end) == Some(&b'\n') {
                    end += 1;
                }
                Action::Emit(line_break)
            }
            '\n' | '\u{2028}' | '\u{2029}' => Action::Emit(line_break),
            '\t' => Action::Emit(' '),
            // KHMER SIGN BEYYAL (deprecated; "។ល។" is its spelling now): unicode-width counts
            // it three cells, terminals one, so the layout and the screen would part ways
            // after it. No other character is wider than two.
            '\u{17d8}' => Action::Emit('\u{fffd}'),
            // Hangul fillers: blank, they make a name look empty or like another's. Only
            // what is drawn loses them; JSON lines keep them (nothing a terminal acts on).
            c if is_removed(c)
                || matches!(c, '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}') =>
            {
                Action::Drop
            }
            '\u{e0000}'..='\u{e007f}' if !in_flag => Action::Drop,
            c if c.width() == Some(0) => {
                // A flag's tags end with CANCEL TAG, and nothing but tags continues one.
                in_flag &= matches!(c, '\u{e0020}'..='\u{e007e}');
                let mark = is_combining(c);
                if zero_width < MAX_ZERO_WIDTH && !(mark && marks >= MAX_COMBINING) {
                    zero_width += 1;
                    marks += usize::from(mark);
                    Action::Keep
                } else {
                    Action::Drop
                }
            }
            c => {
                (marks, zero_width, in_flag) = (0, 0, c == '\u{1f3f4}');
                Action::Keep
            }
        };
        match action {
            Action::Keep => {
                if let Some(o) = &mut out {
                    o.push_str(&s[i..end]);
                }
            }
            Action::Drop => {
                out.get_or_insert_with(|| start_owned(s, i));
            }
            Action::Emit(c) => {
                out.get_or_insert_with(|| start_owned(s, i)).push(c);
                (marks, zero_width, in_flag) = (0, 0, false);
            }
        }
        i = end;
    }
    match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(s),
    }
}

/// One signed comparison: controls, DEL and every byte past ASCII fall below it.
#[inline]
fn printable_ascii(b: u8) -> bool {
    (b as i8).wrapping_add(1) > 0x20
}

/// How many bytes at the start of `bytes` are printable ASCII: sixteen at a time with a fold
/// the compiler turns into vector comparisons, then one at a time.
fn printable_run(bytes: &[u8]) -> usize {
    let mut run = 0;
    for chunk in bytes.chunks_exact(16) {
        if !chunk.iter().fold(true, |all, &b| all & printable_ascii(b)) {
            break;
        }
        run += 16;
    }
    run + bytes[run..]
        .iter()
        .take_while(|&&b| printable_ascii(b))
        .count()
}

enum Action {
    Keep,
    Drop,
    Emit(char),
}

fn start_owned(s: &str, upto: usize) -> String {
    let mut o = String::with_capacity(s.len());
    o.push_str(&s[..upto]);
    o
}

/// Controls and invisible format characters that are dropped outright. The JSON escape check
/// passes over bytes by their UTF-8 lead byte ([`may_need_escape`]): a character added here
/// with another lead byte goes there too (its test walks every character up to U+3200).
fn is_removed(c: char) -> bool {
    matches!(c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Soft hyphen, Arabic letter mark, Mongolian vowel separator.
        | '\u{ad}' | '\u{61c}' | '\u{180e}'
        // Zero-width space; LRM, RLM; LRE, RLE, PDF, LRO, RLO.
        | '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        // Word joiner, invisible operators, (unassigned) U+2065; LRI, RLI, FSI, PDI;
        // deprecated format controls.
        | '\u{2060}'..='\u{206f}'
        // BOM / zero-width no-break space; interlinear annotation controls.
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
    )
}

/// Nonspacing marks of the blocks zalgo text is built from, plus the Hebrew, Arabic, Thai and
/// Lao points also used for floods. Not the whole Mn category (that needs Unicode tables); marks
/// of other scripts are treated as base characters and pass uncapped.
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{300}'..='\u{36f}' | '\u{483}'..='\u{489}'
        | '\u{591}'..='\u{5bd}' | '\u{5bf}' | '\u{5c1}'..='\u{5c2}' | '\u{5c4}'..='\u{5c5}' | '\u{5c7}'
        | '\u{610}'..='\u{61a}' | '\u{64b}'..='\u{65f}' | '\u{670}'
        | '\u{6d6}'..='\u{6dc}' | '\u{6df}'..='\u{6e4}' | '\u{6e7}'..='\u{6e8}' | '\u{6ea}'..='\u{6ed}'
        | '\u{e31}' | '\u{e34}'..='\u{e3a}' | '\u{e47}'..='\u{e4e}'
        | '\u{eb1}' | '\u{eb4}'..='\u{ebc}' | '\u{ec8}'..='\u{ece}'
        | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}'
    )
}

/// After an ESC at `i - 1`: the end of the sequence it starts.
fn skip_escape(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'[') => skip_csi(b, i + 1),
        Some(b']' | b'P' | b'X' | b'^' | b'_') => skip_string(b, i + 1),
        _ => {
            // ESC, intermediates 0x20–0x2F, one final byte 0x30–0x7E (e.g. `ESC ( B`, `ESC c`).
            let mut j = i;
            while matches!(b.get(j), Some(0x20..=0x2f)) {
                j += 1;
            }
            if matches!(b.get(j), Some(0x30..=0x7e)) {
                j += 1;
            }
            j
        }
    }
}

/// After a CSI introducer: parameter and intermediate bytes, then one final byte. A byte that
/// cannot continue the sequence ends it and is handled as ordinary input.
fn skip_csi(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(0x20..=0x3f)) {
        i += 1;
    }
    if matches!(b.get(i), Some(0x40..=0x7e)) {
        i += 1;
    }
    i
}

/// After an OSC, DCS, SOS, PM or APC introducer: up to and including BEL, `ESC \` or U+009C
/// (ST), or to the end of the text when unterminated. Another ESC ends the string without being
/// consumed, as in a terminal, and then starts a sequence of its own.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    // Byte-wise is safe: BEL, ESC and the bytes C2 9C never occur inside another UTF-8 char.
    while i < b.len() {
        match b[i] {
            BEL => return i + 1,
            ESC if b.get(i + 1) == Some(&b'\\') => return i + 2,
            ESC => return i,
            0xc2 if b.get(i + 1) == Some(&0x9c) => return i + 2,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> String {
        sanitize_line(s).into_owned()
    }

    fn text(s: &str) -> String {
        sanitize_text(s).into_owned()
    }

    #[test]
    fn clean_text_is_borrowed() {
        for s in [
            "",
            "plain ascii",
            "Ünïcödé, 日本語のテキスト, emoji 👩‍👩‍👧‍👦 🏳️‍🌈",
            "e\u{301}\u{302}\u{303}",
        ] {
            assert!(matches!(sanitize_line(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(sanitize_text(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(sanitize_text("two\nlines"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_line("two\nlines"), Cow::Owned(_)));
    }

    #[test]
    fn csi_colour() {
        assert_eq!(line("\x1b[31mred\x1b[0m plain"), "red plain");
        assert_eq!(line("\x1b[38;2;255;0;0mtrue\x1b[m"), "true");
        assert_eq!(line("a\x1b[2Jb\x1b[?1049hc"), "abc");
        assert_eq!(line("\x1b[1;1H\x1b[Kx"), "x");
    }

    #[test]
    fn osc_title_clipboard_and_hyperlink() {
        assert_eq!(line("\x1b]0;pwned\x07after"), "after");
        assert_eq!(line("\x1b]2;pwned\x1b\\after"), "after");
        assert_eq!(line("x\x1b]52;c;cm0gLXJmIH4=\x07y"), "xy");
        assert_eq!(
            line("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"),
            "click"
        );
        // Terminated by the 8-bit ST.
        assert_eq!(line("\x1b]0;t\u{9c}ok"), "ok");
        // Unterminated: swallowed to the end, as a terminal would.
        assert_eq!(line("ok\x1b]52;c;Zm9v"), "ok");
    }

    #[test]
    fn eight_bit_c1_sequences() {
        assert_eq!(line("a\u{9b}31mred\u{9b}0m"), "ared");
        assert_eq!(line("\u{9d}0;title\u{7}x"), "x");
        assert_eq!(line("\u{90}1$r\u{9c}y"), "y");
        assert_eq!(line("\u{9f}apc\x1b\\z"), "z");
        assert_eq!(line("a\u{85}b\u{8d}c"), "abc");
    }

    #[test]
    fn dcs_sos_pm_apc() {
        assert_eq!(line("\x1bP1$qm\x1b\\x"), "x");
        assert_eq!(line("\x1bPq#0;2;0;0;0#0~~@@vv\x1b\\img"), "img");
        assert_eq!(
            line("\x1bXsos\x1b\\a\x1b^pm\x1b\\b\x1b_Gf=100;AAAA\x1b\\c"),
            "abc"
        );
    }

    #[test]
    fn two_byte_escapes_and_lone_esc() {
        assert_eq!(line("\x1bcreset"), "reset");
        assert_eq!(line("\x1b(0lqk\x1b(B"), "lqk");
        assert_eq!(line("\x1b#8x"), "x");
        assert_eq!(line("\x1b7a\x1b8"), "a");
        assert_eq!(line("end\x1b"), "end");
        assert_eq!(line("end\x1b["), "end");
        assert_eq!(line("end\x1b[12;"), "end");
        assert_eq!(line("end\x1b]"), "end");
        assert_eq!(line("\x1b\x1b\x1b"), "");
        assert_eq!(line("\x1bé"), "é");
        // A CSI broken by a non-ASCII char stops there; the char is kept.
        assert_eq!(line("\x1b[3日本"), "日本");
        // An ESC inside an OSC ends it and starts its own sequence.
        assert_eq!(line("\x1b]0;t\x1b[31mred"), "red");
    }

    #[test]
    fn c0_controls_and_del() {
        assert_eq!(line("bel\x07l"), "bell");
        assert_eq!(line("a\0b\x08c\x7fd\x0ce\x0bf\x1a"), "abcdef");
        assert_eq!(line("tab\there"), "tab here");
        assert_eq!(line("one\ntwo\r\nthree\rfour"), "one two three four");
        assert_eq!(text("tab\there"), "tab here");
        assert_eq!(text("one\ntwo\r\nthree\rfour\r"), "one\ntwo\nthree\nfour\n");
        assert_eq!(text("\r\r\n"), "\n\n");
        assert_eq!(text("a\u{2028}b\u{2029}c"), "a\nb\nc");
        assert_eq!(line("a\u{2028}b\u{2029}c"), "a b c");
        assert_eq!(text("bel\x07\x1b[1mbold\x1b[0m\n"), "belbold\n");
    }

    #[test]
    fn bidi_and_invisible_format_characters() {
        // "exe.txt" shown reversed by RLO.
        assert_eq!(line("invoice\u{202e}txt.exe"), "invoicetxt.exe");
        assert_eq!(
            line(
                "\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}x"
            ),
            "x"
        );
        assert_eq!(line("pay\u{200b}pal\u{feff}\u{ad}\u{2060}"), "paypal");
        // Found by fuzzing: the unassigned U+2065 between the invisible operators and LRI.
        assert_eq!(line("a\u{2065}b"), "ab");
        // Arabic and Hebrew text itself is untouched.
        assert!(matches!(sanitize_line("مرحبا שלום"), Cow::Borrowed(_)));
    }

    #[test]
    fn zalgo_is_capped() {
        let flood = format!("a{}b", "\u{301}".repeat(10_000));
        assert_eq!(line(&flood), "a\u{301}\u{301}\u{301}b");
        let mixed = "Z\u{36b}\u{343}\u{36a}\u{302}\u{36b}\u{33d}\u{34f}\u{334}\u{319}";
        assert_eq!(line(mixed), "Z\u{36b}\u{343}\u{36a}");
        // Each base character gets its own allowance.
        assert_eq!(line("e\u{301}\u{301}e\u{301}"), "e\u{301}\u{301}e\u{301}");
        // Removed characters between marks do not reset the count.
        let sneaky = "a\u{300}\u{300}\u{300}\u{200b}\u{300}\x1b[m\u{300}\u{202e}\u{300}";
        assert_eq!(line(sneaky), "a\u{300}\u{300}\u{300}");
        // Nor do joiners.
        let joined = format!("a{}", "\u{200d}\u{300}".repeat(100));
        let out = line(&joined);
        assert_eq!(out.chars().filter(|c| is_combining(*c)).count(), 3);
        // Thai floods too.
        let thai = format!("ส{}", "\u{e47}".repeat(50));
        assert_eq!(line(&thai).chars().count(), 1 + MAX_COMBINING);
    }

    #[test]
    fn floods_of_any_script_and_of_invisible_characters_are_capped() {
        // Marks of blocks not listed, variation selectors, joiners: all draw in one cell.
        for flood in [
            "\u{a670}",
            "\u{f71}",
            "\u{1d167}",
            "\u{941}",
            "\u{fe0f}",
            "\u{200d}",
        ] {
            let out = line(&format!("Z{}!", flood.repeat(100_000)));
            assert_eq!(
                out,
                format!("Z{}!", flood.repeat(MAX_ZERO_WIDTH)),
                "{flood:?}"
            );
        }
        // Real text keeps its stacks: a Tibetan syllable, a family, a keycap, a flag.
        for kept in [
            "\u{f56}\u{f66}\u{f92}\u{fb2}\u{f74}\u{f56}\u{f66}",
            "👨\u{200d}👩\u{200d}👧\u{200d}👦",
            "1\u{fe0f}\u{20e3}",
            "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}",
        ] {
            assert_eq!(line(kept), kept);
        }
        // Tags past a flag's end are invisible text too.
        let after = "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}\u{e0041}\u{e0042}";
        assert_eq!(line(after), &after[..after.len() - 8]);
        // Tags elsewhere are invisible text ("ASCII smuggling"); Hangul fillers blank names.
        let hidden = "https://evil.example/x\u{e0041}\u{e0042}\u{e007f}y";
        assert_eq!(line(hidden), "https://evil.example/xy");
        assert_eq!(line("\u{3164}\u{115f}\u{1160}\u{ffa0}"), "");
        assert_eq!(line("Alice\u{3164}"), "Alice");
    }

    #[test]
    fn emoji_and_cjk_preserved() {
        for s in [
            "👨‍👩‍👧‍👦",
            "🧑🏻‍❤️‍💋‍🧑🏼",
            "🏳️‍⚧️",
            "#️⃣",
            "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}",
            "中文 日本語 한국어",
            "Tiếng Việt",
        ] {
            assert_eq!(sanitize_line(s), s);
            assert!(matches!(sanitize_line(s), Cow::Borrowed(_)));
        }
        assert_eq!(line("\x1b[1m👩‍💻\x1b[0m 漢字"), "👩‍💻 漢字");
    }

    #[test]
    fn no_character_is_left_wider_than_two_cells() {
        // Khmer text around the one character unicode-width makes three cells wide.
        let out = line("ក\u{17d8}ខ");
        assert_eq!(out, "ក\u{fffd}ខ");
        assert!(crate::ui::wrap::width(&out) <= 2 * out.chars().count());
        assert_eq!(text("\u{17d8}\n\u{17d8}"), "\u{fffd}\n\u{fffd}");
        // A JSON line keeps the character: no layout measures it.
        assert_eq!(escape_json_for_terminal("\"\u{17d8}\""), "\"\u{17d8}\"");
    }

    #[test]
    fn json_keeps_its_value_and_loses_its_tricks() {
        let value = serde_json::json!({
            "a": "\u{1b}]0;t\u{7}\u{7f}\u{9b}31m\u{85}\u{202e}x\u{2066}\u{200b}\u{2028}é👍",
            "n": [1, 2.5, null, true],
        });
        let json = serde_json::to_string_pretty(&value).unwrap();
        let safe = escape_json_for_terminal(&json);
        assert!(
            !safe
                .chars()
                .any(|c| c != '\n' && (is_removed(c) || c == '\u{2028}')),
            "{safe:?}"
        );
        assert!(
            safe.contains("\\u009b31m") && safe.contains("\\u202ex"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
        for plain in [r#"{"a":"b"}"#, "[1,\n2]", r#"{"é":"日本👍"}"#] {
            assert!(matches!(escape_json_for_terminal(plain), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn the_escape_check_finds_every_character_that_needs_one_wherever_it_stands() {
        let chars = (0..=0x10ffffu32)
            .filter(|v| *v < 0x3200 || (0xfe00..0x10000).contains(v) || v % 97 == 0)
            .filter_map(char::from_u32);
        for c in chars {
            for pad in [0, 5, 31, 33] {
                let json = format!("{}\"{c}\"{}", "é".repeat(pad / 2), "x".repeat(pad));
                assert_eq!(
                    json_needs_escapes(&json),
                    json.chars().any(json_char_needs_escape),
                    "{c:?} after {pad}"
                );
            }
        }
    }

    #[test]
    fn truncation_on_char_boundaries() {
        assert_eq!(truncate_chars("hello", 10), "hello");
        assert_eq!(truncate_chars("hello", 5), "hello");
        assert_eq!(truncate_chars("hello", 2), "he");
        assert_eq!(truncate_chars("日本語テキスト", 3), "日本語");
        assert_eq!(truncate_chars("é👍x", 2), "é👍");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("", 3), "");
    }

    fn forbidden(c: char, multiline: bool) -> bool {
        (c.is_control() && !(multiline && c == '\n'))
            || matches!(c,
                '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}' | '\u{200e}' | '\u{200f}'
                | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
                | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
    }

    fn check(input: &str, out: &str, multiline: bool) {
        assert!(
            !out.chars().any(|c| forbidden(c, multiline)),
            "{input:?} gave {out:?}"
        );
        let mut run = 0;
        for c in out.chars() {
            if is_combining(c) {
                run += 1;
                assert!(run <= MAX_COMBINING, "{input:?} gave {out:?}");
            } else if !matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}') {
                run = 0;
            }
        }
        // Sanitising is idempotent: what comes out is already clean.
        assert!(
            matches!(sanitize(out, multiline), Cow::Borrowed(_)),
            "{out:?}"
        );
    }

    #[test]
    fn nothing_forbidden_survives_any_combination() {
        let pieces = [
            "a", "日", "👍", "\u{200d}", "\x1b", "[", "]", "P", "\\", "31m", ";", "\x07", "\u{9b}",
            "\u{9c}", "\u{9d}", "\u{90}", "\u{85}", "\r", "\n", "\t", "\0", "\x7f", "\u{202e}",
            "\u{2066}", "\u{200f}", "\u{2028}", "\u{feff}", "\u{ad}", "\u{300}", "\u{301}",
        ];
        let n = pieces.len();
        let mut input = String::new();
        // Every sequence of four pieces: 810,000 strings.
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    for d in 0..n {
                        input.clear();
                        for k in [a, b, c, d] {
                            input.push_str(pieces[k]);
                        }
                        check(&input, &sanitize_line(&input), false);
                        check(&input, &sanitize_text(&input), true);
                    }
                }
            }
        }
        // Longer pseudo-random strings from a fixed-seed xorshift.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            input.clear();
            for _ in 0..24 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push_str(pieces[(state % n as u64) as usize]);
            }
            check(&input, &sanitize_line(&input), false);
            check(&input, &sanitize_text(&input), true);
        }
    }
}
