//! Post HTML → styled, wrapped lines, through html2text's rich renderer. Everything
//! html2text produces is sanitised again: entities such as `&#27;` decode to controls.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use html2text::render::RichAnnotation;

use super::links::{LinkRun, line_runs, safe_url};
use super::theme::Theme;
use super::wrap::{clean, refit, wrap_text};
use crate::model::Status;
use crate::sanitize::sanitize_text;

#[cfg(test)]
thread_local! {
    /// How often html2text ran on this thread: the layout cache test counts it.
    pub static HTML2TEXT_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

const INVISIBLE: &str = r#"<span class="invisible">"#;
const ELLIPSIS: &str = r#"<span class="ellipsis">"#;
const SPAN_END: &str = "</span>";

/// Mastodon shortens link text with `<span class="invisible">` around the scheme and the
/// tail, and `<span class="ellipsis">` before an elided tail; its CSS hides the one and adds
/// `…` after the other. Without a CSS engine we do the same by hand.
pub fn strip_invisible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let inv = rest.find(INVISIBLE);
        let ell = rest.find(ELLIPSIS);
        let (at, ellipsis) = match (inv, ell) {
            (None, None) => break,
            (Some(i), Some(e)) if e < i => (e, true),
            (Some(i), _) => (i, false),
            (None, Some(e)) => (e, true),
        };
        out.push_str(&rest[..at]);
        let inner = &rest[at
            + if ellipsis {
                ELLIPSIS.len()
            } else {
                INVISIBLE.len()
            }..];
        let end = inner.find(SPAN_END).unwrap_or(inner.len());
        if ellipsis {
            out.push_str(&inner[..end]);
            out.push('…');
        }
        rest = &inner[(end + SPAN_END.len()).min(inner.len())..];
    }
    out.push_str(rest);
    out
}

/// Deeper markup is shown as plain text. Posts nest a few levels (a mention is a link in a
/// span in a paragraph); quotes of quotes a few more.
const MAX_NESTING: usize = 64;

/// How deeply the elements of `html` nest, counted up to just past [`MAX_NESTING`]. Void
/// elements and self-closing tags do not nest; neither do `p` and `li`, which HTML closes
/// implicitly (their lists and quotes still count).
fn nesting_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + at + 1;
        let end = memchr::memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e);
        let tag = &html[start..end];
        i = (end + 1).min(bytes.len());
        if let Some(closing) = tag.strip_prefix('/') {
            let name = tag_name(closing);
            if !VOID.iter().any(|v| name.eq_ignore_ascii_case(v)) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name = tag_name(tag);
        if name.is_empty()
            || tag.ends_with('/')
            || VOID.iter().any(|v| name.eq_ignore_ascii_case(v))
        {
            continue;
        }
        depth += 1;
        max = max.max(depth);
        if max > MAX_NESTING {
            break;
        }
    }
    max
}

fn tag_name(tag: &str) -> &str {
    let end = tag
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(tag.len());
    &tag[..end]
}

#[derive(Clone, Copy, PartialEq)]
enum LinkKind {
    Mention,
    Hashtag,
    Plain,
}

fn classify(url: &str, text: &str, status: Option<&Status>) -> LinkKind {
    if let Some(s) = status {
        if s.mentions.iter().any(|m| m.url == url) {
            return LinkKind::Mention;
        }
        if s.tags.iter().any(|t| t.url.eq_ignore_ascii_case(url)) {
            return LinkKind::Hashtag;
        }
    }
    match text.trim_start().chars().next() {
        Some('#') => LinkKind::Hashtag,
        Some('@') => LinkKind::Mention,
        _ => LinkKind::Plain,
    }
}

/// Renders `html` to lines of at most `width` cells, with where its links are (only those
/// whose target is a [`safe_url`]). `status` (when the HTML is a post's content) tells
/// mentions and hashtags apart from other links.
pub fn render_html(
    html: &str,
    width: usize,
    status: Option<&Status>,
    theme: &Theme,
) -> (Vec<Line<'static>>, Vec<LinkRun>) {
    let width = width.max(1);
    let source = strip_invisible(&sanitize_text(html));
    if nesting_depth(&source) > MAX_NESTING {
        // html2text takes time quadratic in the depth of nested blocks (lists, quotes,
        // tables): a 1 MB post of nested lists would freeze the view for minutes.
        let text = crate::text::html_to_line(html, 10_000);
        return (wrap_text(&text, theme.text, width), Vec::new());
    }
    #[cfg(test)]
    HTML2TEXT_CALLS.with(|c| c.set(c.get() + 1));
    let tagged = match html2text::config::rich().lines_from_read(source.as_bytes(), width) {
        Ok(lines) => lines,
        // Too narrow for html2text, or markup it gives up on: plain text still reads.
        Err(_) => {
            let text = crate::text::html_to_line(html, 10_000);
            return (wrap_text(&text, theme.text, width), Vec::new());
        }
    };
    let mut out: Vec<TaggedLine> = Vec::with_capacity(tagged.len());
    // The targets of links that may become hyperlinks; spans point into it.
    let mut urls: Vec<String> = Vec::new();
    // The link being read: its target, kind, and index in `urls`.
    let mut link: Option<(String, LinkKind, Option<usize>)> = None;
    for tl in tagged {
        let mut spans = Vec::new();
        let mut tags = Vec::new();
        for ts in tl.tagged_strings() {
            let text = clean(&ts.s);
            if text.is_empty() {
                continue;
            }
            let mut style = theme.text;
            let mut target = None;
            for a in &ts.tag {
                style = style.patch(match a {
                    RichAnnotation::Link(url) => {
                        let (kind, index) = match &link {
                            Some((u, k, i)) if u == url => (*k, *i),
                            _ => {
                                let k = classify(url, &text, status);
                                let i = safe_url(url).map(|safe| {
                                    urls.iter().position(|u| *u == safe).unwrap_or_else(|| {
                                        urls.push(safe);
                                        urls.len() - 1
                                    })
                                });
                                link = Some((url.clone(), k, i));
                                (k, i)
                            }
                        };
                        target = target.or(index);
                        match kind {
                            LinkKind::Mention => theme.mention,
                            LinkKind::Hashtag => theme.hashtag,
                            LinkKind::Plain => theme.link,
                        }
                    }
                    RichAnnotation::Emphasis => theme.emphasis,
                    RichAnnotation::Strong => theme.strong,
                    RichAnnotation::Code | RichAnnotation::Preformat(_) => theme.code,
                    RichAnnotation::Strikeout => Style::new().add_modifier(Modifier::CROSSED_OUT),
                    RichAnnotation::Image(_) => theme.dim,
                    // Colours chosen by the server are not ours to show.
                    _ => Style::new(),
                });
            }
            spans.push(Span::styled(text, style));
            tags.push(target);
        }
        out.push((Line::from(spans), tags));
    }
    tidy_blank_lines(&mut out);
    let mut lines = Vec::with_capacity(out.len());
    let mut runs = Vec::new();
    for (i, (line, tags)) in refit(out, width).into_iter().enumerate() {
        line_runs(i, &line, &tags, &urls, &mut runs);
        lines.push(line);
    }
    (lines, runs)
}

/// A rendered line with, per span, the index of its link target in the render's URLs.
type TaggedLine = (Line<'static>, Vec<Option<usize>>);

/// No blank lines at either end, never two in a row.
fn tidy_blank_lines(lines: &mut Vec<TaggedLine>) {
    let blank = |l: &TaggedLine| l.0.spans.iter().all(|s| s.content.trim().is_empty());
    let mut prev_blank = true;
    lines.retain(|l| {
        let b = blank(l);
        let keep = !(b && prev_blank);
        prev_blank = b;
        keep
    });
    while lines.last().is_some_and(blank) {
        lines.pop();
    }
}

/// Announcement or other plain-ish HTML as text lines, without styling.
pub fn html_plain_lines(html: &str, width: usize, theme: &Theme) -> Vec<String> {
    render_html(html, width, None, theme)
        .0
        .into_iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_parts_of_links_go() {
        let html = r#"<a href="https://example.com/a/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.com/a/ve</span><span class="invisible">ry/long/path</span></a>"#;
        assert_eq!(
            strip_invisible(html),
            r#"<a href="https://example.com/a/very/long/path">example.com/a/ve…</a>"#
        );
        assert_eq!(strip_invisible(r#"x<span class="invisible">y"#), "x");
    }

    #[test]
    fn nesting_is_measured_and_deep_markup_is_plain_text() {
        assert_eq!(
            nesting_depth("<p>a <span><a href=\"x\">b</a></span><br>c</p>"),
            2
        );
        assert_eq!(
            nesting_depth("<ul><li>a<li>b</ul><ol><li><ol><li>c</ol></ol>"),
            2
        );
        assert_eq!(nesting_depth("<img src=x/><br/><div/>x</div>"), 0);
        assert_eq!(nesting_depth("< a <é <"), 0);
        let deep = format!(
            "<p>{}deep{}</p>",
            "<ol><li>".repeat(20_000),
            "</ol>".repeat(20_000)
        );
        assert_eq!(nesting_depth(&deep), MAX_NESTING + 1);
        let theme = Theme::new(false);
        let (lines, links) = render_html(&deep, 40, None, &theme);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].spans[0].content, "deep");
        assert!(links.is_empty());
    }

    #[test]
    fn entities_cannot_smuggle_controls() {
        let theme = Theme::new(false);
        let lines = render_html(
            "<p>a&#27;]52;c;ZXZpbA==&#7;b &#x9b;31m &#x202e;x</p>",
            40,
            None,
            &theme,
        )
        .0;
        for l in &lines {
            for s in &l.spans {
                assert!(!s.content.chars().any(char::is_control), "{:?}", s.content);
                assert!(!s.content.contains('\u{202e}'));
            }
        }
    }

    #[test]
    fn every_character_on_screen_is_as_wide_as_the_terminal_draws_it() {
        // KHMER SIGN BEYYAL is three cells to unicode-width and one to terminals; as an
        // entity it gets past the sanitising of the source, not that of the lines.
        let theme = Theme::new(false);
        for html in ["<p>ក\u{17d8}ខ</p>", "<p>ក&#x17D8;ខ</p>"] {
            let (lines, _) = render_html(html, 40, None, &theme);
            let text: String = lines
                .iter()
                .flat_map(|l| l.spans.iter().map(|s| s.content.as_ref()))
                .collect();
            assert_eq!(text, "ក\u{fffd}ខ", "{html}");
        }
    }
}
