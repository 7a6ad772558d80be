//! HTTP as both the streams and the REST calls meet it: a refusal's text, `Retry-After`, and
//! network errors described without their URL.

use std::time::Duration;

/// Why a body was not read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// The connection failed while the body streamed in (described without the URL).
    Network(String),
    /// The body is (or declared itself) larger than the cap.
    TooLarge,
}

/// Reads a response's body, at most `max_bytes` of it: a declared length over the cap is
/// refused before any of the body is read, and an undeclared one is cut off where it passes it.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    max_bytes: u64,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(BodyError::TooLarge);
    }
    let initial = response
        .content_length()
        .unwrap_or(64 * 1024)
        .min(max_bytes);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Network(describe_reqwest(e)))?
    {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A refusal's text is shown on one line beside the rest of a state: at most this many chars.
const REFUSAL_CHARS: usize = 80;
/// How much of a refusal's body is read for its text: an HTML page's `<title>` comes early.
const REFUSAL_SCAN_BYTES: usize = 8192;

/// The part of an HTTP refusal that explains it, as one short line of plain text: Mastodon's
/// `{"error": "..."}`, a header, an HTML page's title or first words, or the start of whatever
/// text came back. Never markup, never more than [`REFUSAL_CHARS`].
pub(crate) fn refusal_message(status: u16, header: Option<&str>, body: &[u8]) -> String {
    // `cut` adds an ellipsis after this many chars.
    let one_line = |text: &str| crate::text::plain_line(text, REFUSAL_CHARS - 1);
    if let Some(h) = header.filter(|h| !h.trim().is_empty()) {
        return one_line(h);
    }
    // A refused WebSocket handshake hands us the raw bytes after the head, chunk sizes included.
    let dechunked = strip_chunk_framing(body);
    let body = dechunked.as_deref().unwrap_or(body);
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    if let Ok(b) = serde_json::from_slice::<ErrorBody>(body) {
        return one_line(&b.error);
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(REFUSAL_SCAN_BYTES)]);
    let line = if looks_like_html(&text) {
        html_summary(&text, REFUSAL_CHARS - 1)
    } else {
        one_line(&text)
    };
    // Said beside its status everywhere: a page titled `503 Service Unavailable` must not
    // read `503 503 Service Unavailable`.
    let code = status.to_string();
    let line = match line.strip_prefix(code.as_str()) {
        Some(rest) if rest.starts_with([' ', ':']) => {
            rest.trim_start_matches([' ', ':']).to_string()
        }
        _ => line,
    };
    if !line.is_empty() {
        return line;
    }
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("HTTP {status}"), str::to_string)
}

/// The payload of a chunked body (`<hex size>[;ext]\r\n<data>\r\n`..., possibly cut short),
/// or `None` when `body` does not start like one.
fn strip_chunk_framing(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut first = true;
    while !rest.is_empty() {
        let size = memchr::memmem::find(rest, b"\r\n").and_then(|end| {
            let line = &rest[..end];
            let hex = line.split(|b| *b == b';').next().unwrap_or(line);
            let hex = std::str::from_utf8(hex).ok()?.trim();
            let valid = (1..=16).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
            let size = usize::from_str_radix(hex, 16).ok().filter(|_| valid)?;
            Some((end, size))
        });
        let Some((end, size)) = size else {
            // Not chunked at all, or framing that stops making sense: keep what was decoded.
            return if first { None } else { Some(out) };
        };
        first = false;
        rest = &rest[end + 2..];
        if size == 0 {
            break;
        }
        let take = size.min(rest.len());
        out.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    Some(out)
}

fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start();
    let lower = start[..start.len().min(512)].to_ascii_lowercase();
    start.starts_with('<') || lower.contains("<html") || lower.contains("<!doctype")
}

/// An HTML page as one line: its `<title>`, else the first words of what it shows (the text
/// outside `head`, `script`, `style` and comments).
fn html_summary(html: &str, max_chars: usize) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    if let Some(open) = find_tag(&lower, 0, "title")
        && let Some(gt) = lower[open..].find('>').map(|i| open + i + 1)
    {
        let end = lower[gt..].find("</title").map_or(html.len(), |i| gt + i);
        let title = crate::text::html_to_line(&html[gt..end], max_chars);
        if !title.is_empty() {
            return title;
        }
    }
    let mut shown = String::with_capacity(html.len());
    let mut at = 0;
    while at < html.len() {
        let next = [
            ("head", "</head"),
            ("script", "</script"),
            ("style", "</style"),
        ]
        .into_iter()
        .filter_map(|(name, close)| find_tag(&lower, at, name).map(|i| (i, close)))
        .chain(lower[at..].find("<!--").map(|i| (at + i, "-->")))
        .min_by_key(|(i, _)| *i);
        let Some((start, close)) = next else {
            shown.push_str(&html[at..]);
            break;
        };
        shown.push_str(&html[at..start]);
        shown.push(' ');
        at = match lower[start..].find(close) {
            Some(i) => {
                let after = start + i;
                lower[after..]
                    .find('>')
                    .map_or(html.len(), |j| after + j + 1)
            }
            None => html.len(),
        };
    }
    crate::text::html_to_line(&shown, max_chars)
}

/// Where the opening tag `<name` starts in `lower` at or after `from` (`<head>`, not `<header>`).
fn find_tag(lower: &str, from: usize, name: &str) -> Option<usize> {
    let pattern = format!("<{name}");
    let mut at = from;
    while let Some(i) = lower[at..].find(&pattern) {
        let start = at + i;
        let after = lower.as_bytes().get(start + pattern.len());
        if after.is_none_or(|b| *b == b'>' || *b == b'/' || b.is_ascii_whitespace()) {
            return Some(start);
        }
        at = start + pattern.len();
    }
    None
}

/// `Retry-After` in seconds; the HTTP-date form is rare on APIs and treated as absent.
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Describes a network error without the URL (which may carry a token as a last resort),
/// with its causes, which say what actually happened ("connection refused").
pub(crate) fn describe_reqwest(e: reqwest::Error) -> String {
    // reqwest's own timeout says "error sending request: operation timed out" even when the
    // request went out and the server never answered.
    if e.is_timeout() {
        return if e.is_connect() {
            "the connection timed out".into()
        } else {
            "the server did not answer in time".into()
        };
    }
    describe_error(&e.without_url())
}

/// What went wrong, in words: the usual ways a connection fails get a plain sentence (the
/// footer shows it to someone whose laptop just lost its network); anything else is the
/// error's own chain of causes.
pub(crate) fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(words) = connect_failure(e) {
        return words.to_string();
    }
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn connect_failure(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use std::io::ErrorKind;
    let mut at = Some(e);
    while let Some(e) = at {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused => {
                    return Some("connection refused (is the server up?)");
                }
                ErrorKind::TimedOut => return Some("the connection timed out"),
                ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable => {
                    return Some("no route to the server (is the network up?)");
                }
                ErrorKind::ConnectionReset => {
                    return Some("the server reset the connection");
                }
                _ => {}
            }
        }
        let text = e.to_string();
        // rustls reading plain HTTP where a TLS record should be.
        if text.contains("InvalidContentType") {
            return Some("the server does not speak TLS there (is the URL http://, not https://?)");
        }
        if text.contains("failed to lookup address") || text.starts_with("dns error") {
            return Some("the server's name does not resolve (is the network up?)");
        }
        at = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_connection_failures_are_said_in_words() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            describe_error(&refused),
            "connection refused (is the server up?)"
        );
        #[derive(Debug)]
        struct Wrapped(std::io::Error);
        impl std::fmt::Display for Wrapped {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let timed_out = Wrapped(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(describe_error(&timed_out), "the connection timed out");
        let dns = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert!(describe_error(&dns).contains("does not resolve"));
        let plain = Wrapped(std::io::Error::other(
            "received corrupt message of type InvalidContentType",
        ));
        assert!(describe_error(&plain).contains("is the URL http://"));
        let reset = Wrapped(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(describe_error(&reset), "the server reset the connection");
        let other = Wrapped(std::io::Error::other("tls handshake eof"));
        assert_eq!(
            describe_error(&other),
            "client error (Connect): tls handshake eof"
        );
    }

    #[test]
    fn refusal_messages_come_from_where_servers_put_them() {
        assert_eq!(
            refusal_message(401, None, br#"{"error":"Invalid access token"}"#),
            "Invalid access token"
        );
        assert_eq!(
            refusal_message(401, Some("Missing access token"), b""),
            "Missing access token"
        );
        assert_eq!(
            refusal_message(502, None, b"<html>bad gateway</html>"),
            "bad gateway"
        );
        assert_eq!(refusal_message(500, None, b"oops\x1b[31m"), "oops");
        // A page whose title starts with the status says it once (GoToSocial starting up).
        assert_eq!(
            refusal_message(
                503,
                None,
                b"<html><head><title>503 Service Unavailable - GoToSocial</title></head></html>"
            ),
            "Service Unavailable - GoToSocial"
        );
        assert_eq!(refusal_message(503, None, b"5030 units"), "5030 units");
    }

    /// What a refused WebSocket handshake hands over: the raw bytes after the head.
    fn chunked(parts: &[&str]) -> Vec<u8> {
        let mut out = String::new();
        for p in parts {
            out.push_str(&format!("{:x}\r\n{p}\r\n", p.len()));
        }
        out.push_str("0\r\n\r\n");
        out.into_bytes()
    }

    #[test]
    fn a_chunked_html_page_gives_its_title() {
        // GoToSocial starting up, as tungstenite keeps it: the chunk size leaked into the text.
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>503 Service Unavailable - GoToSocial</title>\n<style>{}</style>",
            "p { color: red; }\n".repeat(120)
        );
        let raw = format!("800\r\n{}", &page[..page.len().min(2048)]);
        assert_eq!(
            refusal_message(503, None, raw.as_bytes()),
            "Service Unavailable - GoToSocial",
            "said once beside its status"
        );
        // Split across chunks, mid-tag, and cut short before the title ends.
        let body = chunked(&["<html><he", "ad><tit", "le>Starting up"]);
        assert_eq!(refusal_message(503, None, &body), "Starting up");
        let raw = b"40\r\n<html><head><title>Back &amp; soon\x1b[31m</title>";
        assert_eq!(refusal_message(503, None, raw), "Back & soon");
    }

    #[test]
    fn an_html_page_without_a_title_gives_its_first_words() {
        let page = "<html><head><meta charset=utf-8><style>body { color: red }</style></head>\
                    <body><script>alert('x')</script><!-- nginx --><header>Bad</header>\
                    <h1>Gateway</h1><p>The upstream did not answer.</p></body></html>";
        assert_eq!(
            refusal_message(502, None, page.as_bytes()),
            "Bad Gateway The upstream did not answer."
        );
        assert_eq!(
            refusal_message(502, None, &chunked(&[page])),
            "Bad Gateway The upstream did not answer."
        );
        let long = format!("<p>{}</p>", "down for maintenance ".repeat(20));
        let line = refusal_message(503, None, long.as_bytes());
        assert!(line.chars().count() <= 80, "{line}");
        assert!(line.starts_with("down for maintenance down") && line.ends_with('…'));
    }

    #[test]
    fn refusal_text_is_one_short_line_of_text() {
        let text = "Service\nUnavailable:\r\n".repeat(30);
        let line = refusal_message(503, None, text.as_bytes());
        assert!(line.starts_with("Service Unavailable: Service"), "{line}");
        assert!(line.chars().count() <= 80 && !line.contains('\n'), "{line}");
        let json = r#"{"error":"Too many requests"}"#;
        assert_eq!(
            refusal_message(429, None, &chunked(&[json])),
            "Too many requests"
        );
        let huge = format!(r#"{{"error":"{}"}}"#, "x".repeat(5000));
        assert!(refusal_message(400, None, huge.as_bytes()).chars().count() <= 80);
        // Hex-looking text without chunk framing is text.
        assert_eq!(refusal_message(500, None, b"cafe"), "cafe");
        assert_eq!(refusal_message(503, None, b""), "Service Unavailable");
        assert_eq!(
            refusal_message(503, None, b"<html></html>"),
            "Service Unavailable"
        );
        assert_eq!(refusal_message(599, None, b"\r\n"), "HTTP 599");
        for body in [&b"<b>"[..], b"800\r\n<", b"<!--", b"<title>", b"5\r\n<html"] {
            let line = refusal_message(503, None, body);
            assert!(!line.contains('<'), "{body:?}: {line}");
        }
    }
}
