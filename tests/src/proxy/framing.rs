//! Where one HTTP/1.1 message ends in a byte stream: enough of HTTP for the proxy to replay a
//! whole request and for a replay to know when its answer is complete.
//!
//! A message is its head (up to the blank line) plus a body of `Content-Length` bytes (none
//! when the header is absent). A chunked message cannot be framed this way: the framer then
//! gives up for good ([`MessageFramer::gave_up`]) and the proxy stops duplicating on that
//! connection, rather than replay half a request. Device requests carry a `Content-Length`.

/// The longest message head the framer reads before giving up.
const MAX_HEAD: usize = 64 * 1024;
/// The longest body it buffers.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Collects bytes and hands out complete messages, in order.
#[derive(Debug, Default)]
pub struct MessageFramer {
    buf: Vec<u8>,
    gave_up: bool,
}

impl MessageFramer {
    pub fn new() -> MessageFramer {
        MessageFramer::default()
    }

    /// Adds bytes from the stream; returns the messages they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        if self.gave_up {
            return Vec::new();
        }
        self.buf.extend_from_slice(bytes);
        let mut complete = Vec::new();
        loop {
            match message_len(&self.buf) {
                Ok(Some(len)) => {
                    let rest = self.buf.split_off(len);
                    complete.push(std::mem::replace(&mut self.buf, rest));
                }
                Ok(None) => break,
                Err(Unframeable) => {
                    self.gave_up = true;
                    self.buf = Vec::new();
                    break;
                }
            }
        }
        complete
    }

    /// The stream held something this framer cannot frame (chunked, oversized, garbage).
    pub fn gave_up(&self) -> bool {
        self.gave_up
    }

    /// Bytes of a message not yet complete.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// A message boundary in a byte stream, as an offset from the stream's first byte.
#[derive(Debug, PartialEq, Eq)]
pub enum Boundary {
    /// A message starts here.
    Start(u64),
    /// A message ends here (exclusive); its bytes.
    End(u64, Vec<u8>),
}

/// Follows one direction of a connection and says where each message starts and ends, so
/// that faults can be drawn per request and cuts placed inside the message they were drawn for.
#[derive(Debug, Default)]
pub struct MessageTracker {
    framer: MessageFramer,
    /// Bytes fed so far.
    fed: u64,
}

impl MessageTracker {
    pub fn new() -> MessageTracker {
        MessageTracker::default()
    }

    /// Feeds the next bytes of the stream; returns the boundaries inside them, in stream order.
    /// Nothing more is reported once the framer gave up (a chunked message).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Boundary> {
        let mut boundaries = Vec::new();
        if chunk.is_empty() || self.framer.gave_up() {
            self.fed += chunk.len() as u64;
            return boundaries;
        }
        let chunk_start = self.fed;
        let pending = self.framer.pending() as u64;
        self.fed += chunk.len() as u64;
        if pending == 0 {
            boundaries.push(Boundary::Start(chunk_start));
        }
        let mut end = chunk_start - pending;
        for message in self.framer.push(chunk) {
            end += message.len() as u64;
            boundaries.push(Boundary::End(end, message));
            if end < self.fed {
                boundaries.push(Boundary::Start(end));
            }
        }
        boundaries
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Unframeable;

/// The length of the first message in `buf`: `Ok(None)` while it is incomplete.
pub fn message_len(buf: &[u8]) -> Result<Option<usize>, Unframeable> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return if buf.len() > MAX_HEAD {
            Err(Unframeable)
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| Unframeable)?;
    let mut body = 0usize;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Unframeable);
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Unframeable);
        }
        if name.eq_ignore_ascii_case("content-length") {
            body = value.parse().map_err(|_| Unframeable)?;
        }
    }
    if body > MAX_BODY {
        return Err(Unframeable);
    }
    let total = head_end + 4 + body;
    Ok((buf.len() >= total).then_some(total))
}

/// The status code of a response head, if `bytes` starts with one.
pub fn status_code(bytes: &[u8]) -> Option<u16> {
    let line_end = find(bytes, b"\r\n")?;
    let line = std::str::from_utf8(&bytes[..line_end]).ok()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: &str) -> Vec<u8> {
        format!(
            "POST /v1/batches HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn pipelined_requests_come_out_whole_and_in_order() {
        let mut framer = MessageFramer::new();
        let mut stream = post("first");
        stream.extend(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.extend(post("third body"));
        let mut out = Vec::new();
        // Fed a byte at a time, as a slow link would.
        for byte in &stream {
            out.extend(framer.push(std::slice::from_ref(byte)));
        }
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], post("first"));
        assert!(out[1].starts_with(b"GET /healthz"));
        assert_eq!(out[2], post("third body"));
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn an_incomplete_body_waits_for_the_rest() {
        let mut framer = MessageFramer::new();
        let full = post("0123456789");
        assert!(framer.push(&full[..full.len() - 3]).is_empty());
        assert_eq!(framer.push(&full[full.len() - 3..]), vec![full]);
    }

    #[test]
    fn chunked_messages_make_the_framer_give_up_rather_than_guess() {
        let mut framer = MessageFramer::new();
        let chunked =
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assert!(framer.push(chunked).is_empty());
        assert!(framer.gave_up());
        assert!(framer.push(&post("x")).is_empty());
    }

    #[test]
    fn status_codes_are_read_from_response_heads() {
        assert_eq!(status_code(b"HTTP/1.1 409 Conflict\r\n\r\n"), Some(409));
        assert_eq!(
            status_code(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
            Some(200)
        );
        assert_eq!(status_code(b"garbage\r\n"), None);
        assert_eq!(status_code(b"HTTP/1.1 2"), None);
    }

    #[test]
    fn the_tracker_places_starts_and_ends_of_messages_split_across_chunks() {
        let mut tracker = MessageTracker::new();
        let first = post("abc");
        let second = post("defgh");
        let len1 = first.len() as u64;
        let len2 = second.len() as u64;
        let mut stream = first.clone();
        stream.extend(&second);
        // A chunk ending inside the first message, then one holding its end and the second.
        let split = 10;
        assert_eq!(tracker.feed(&stream[..split]), vec![Boundary::Start(0)]);
        assert_eq!(
            tracker.feed(&stream[split..]),
            vec![
                Boundary::End(len1, first),
                Boundary::Start(len1),
                Boundary::End(len1 + len2, second),
            ]
        );
        let third = post("x");
        assert_eq!(
            tracker.feed(&third[..5]),
            vec![Boundary::Start(len1 + len2)]
        );
        assert!(tracker.feed(&third[5..10]).is_empty());
    }
}
