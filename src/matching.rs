//! Matching posts: hashtag rules for merged hashtag columns (any / all / none of a set, on a
//! status's own tags, normalised as servers normalise them) and highlight patterns.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::model::Status;

/// A hashtag as Mastodon normalises it: compatibility form, case-folded, accents dropped
/// (`#Über` streams as `uber`), without a leading `#`.
fn normalise_tag(tag: &str) -> String {
    tag.trim_start_matches('#')
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagMatch {
    /// A post with any of the column's tags (what the streams deliver anyway)
    #[default]
    Any,
    /// Only posts carrying every one of the column's tags
    All,
}

/// Which posts a column of hashtag streams shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagRule {
    /// The column's tags, normalised; `All` requires each of them.
    pub tags: Vec<String>,
    pub mode: TagMatch,
    /// Posts carrying any of these are left out.
    pub none: Vec<String>,
}

impl TagRule {
    pub(crate) fn new(tags: &[String], mode: TagMatch, none: &[String]) -> TagRule {
        TagRule {
            tags: tags.iter().map(|t| normalise_tag(t)).collect(),
            mode,
            none: none.iter().map(|t| normalise_tag(t)).collect(),
        }
    }

    /// Every post passes: no rule to read tags for.
    pub(crate) fn is_trivial(&self) -> bool {
        (self.mode == TagMatch::Any || self.tags.len() < 2) && self.none.is_empty()
    }

    /// Judged on the status's own tags (a boost by what it boosts).
    pub(crate) fn admits(&self, status: &Status) -> bool {
        if self.is_trivial() {
            return true;
        }
        let own: Vec<String> = status
            .original()
            .tags
            .iter()
            .map(|t| normalise_tag(&t.name))
            .collect();
        if self.none.iter().any(|t| own.contains(t)) {
            return false;
        }
        match self.mode {
            TagMatch::Any => true,
            TagMatch::All => self.tags.iter().all(|t| own.contains(t)),
        }
    }
}

/// Highlight patterns: plain keywords (case-insensitive, literal) or `/regex/`.
#[derive(Debug, Clone, Default)]
pub struct Highlights {
    patterns: Vec<regex::Regex>,
}

impl PartialEq for Highlights {
    fn eq(&self, other: &Self) -> bool {
        self.patterns.len() == other.patterns.len()
            && self
                .patterns
                .iter()
                .zip(&other.patterns)
                .all(|(a, b)| a.as_str() == b.as_str())
    }
}

/// Highlights are user input; a bad one is a usage error naming it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("highlight `{pattern}` is not a valid regular expression: {reason}")]
pub(crate) struct PatternError {
    pub pattern: String,
    pub reason: String,
}

/// The regex crate draws the pattern with a caret under the fault, then `error: why`: a
/// message of one line (the terminal's stderr gets one) keeps the why.
fn one_line(message: &str) -> String {
    let last = message.lines().rev().map(str::trim).find(|l| !l.is_empty());
    let last = last.unwrap_or(message);
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// Bounds a hostile or careless pattern's compiled size.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Highlights {
    pub(crate) fn new(patterns: &[String]) -> Result<Highlights, PatternError> {
        let mut compiled = Vec::new();
        for p in patterns.iter().filter(|p| !p.trim().is_empty()) {
            let source = match p.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
                Some(re) if !re.is_empty() => re.to_string(),
                _ => regex::escape(p.trim()),
            };
            let re = regex::RegexBuilder::new(&source)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| PatternError {
                    pattern: p.clone(),
                    reason: one_line(&e.to_string()),
                })?;
            compiled.push(re);
        }
        Ok(Highlights { patterns: compiled })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn is_match(&self, text: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(text))
    }

    /// Byte ranges of `text` to highlight, sorted and merged.
    pub(crate) fn ranges(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let mut ranges: Vec<std::ops::Range<usize>> = self
            .patterns
            .iter()
            .flat_map(|p| p.find_iter(text).map(|m| m.range()))
            .filter(|r| !r.is_empty())
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    /// Does this status's text (content, content warning, media descriptions) match?
    pub(crate) fn matches_status(&self, status: &Status) -> bool {
        !self.is_empty() && self.is_match(&crate::filter::searchable_text(status.original()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(tags: &[&str]) -> Status {
        serde_json::from_value(serde_json::json!({
            "id": "1",
            "tags": tags.iter().map(|t| serde_json::json!({"name": t})).collect::<Vec<_>>(),
        }))
        .unwrap()
    }

    #[test]
    fn tags_normalise_as_servers_do() {
        assert_eq!(normalise_tag("#Über"), "uber");
        assert_eq!(normalise_tag("RustLang"), "rustlang");
        assert_eq!(normalise_tag("ｒｕｓｔ"), "rust");
    }

    #[test]
    fn any_all_none() {
        let tags = vec!["rust".to_string(), "Tokio".to_string()];
        let any = TagRule::new(&tags, TagMatch::Any, &[]);
        let all = TagRule::new(&tags, TagMatch::All, &[]);
        let none = TagRule::new(&tags, TagMatch::Any, &["crypto".to_string()]);
        let both = tagged(&["Rust", "tokio"]);
        let one = tagged(&["rust"]);
        let spam = tagged(&["rust", "Crypto"]);
        assert!(any.admits(&one) && any.admits(&both));
        assert!(all.admits(&both) && !all.admits(&one));
        assert!(none.admits(&one) && !none.admits(&spam));
        let mut boost = tagged(&[]);
        boost.reblog = Some(Box::new(spam));
        assert!(!none.admits(&boost), "a boost is judged by what it boosts");
    }

    #[test]
    fn highlights_are_keywords_or_regexes() {
        let h = Highlights::new(&["Ferris".into(), "/rust(acean)?s?\\b/".into(), "a.b".into()])
            .unwrap();
        assert!(h.is_match("hello FERRIS"));
        assert!(h.is_match("fellow rustaceans"));
        assert!(!h.is_match("axb"), "plain keywords are literal");
        assert!(h.is_match("a.b"));
        assert_eq!(h.ranges("ferris and rust"), vec![0..6, 11..15]);
        let e = Highlights::new(&["/(/".into()]).unwrap_err();
        assert_eq!(e.pattern, "/(/");
        assert_eq!(e.reason, "unclosed group", "one line, the why");
        assert!(Highlights::new(&[]).unwrap().is_empty());
    }

    #[test]
    fn overlapping_ranges_merge() {
        let h = Highlights::new(&["rust".into(), "/ru/".into(), "/st a/".into()]).unwrap();
        assert_eq!(h.ranges("rust and"), vec![0..6]);
    }
}
