//! Serves a folder on loopback with the headers that make the page cross-origin isolated.
//!
//! `mdbook serve` cannot send `Cross-Origin-Opener-Policy` and
//! `Cross-Origin-Embedder-Policy`, without which the page gets no `SharedArrayBuffer`
//! and so no threads. Tests also use `--no-isolation` to serve the site as a plain
//! static host (GitHub Pages) would, and `--base /repo/` to serve it under a sub-path as
//! GitHub Pages serves a project's site.
//!
//! The server is ready once it answers; it prints nothing. It answers `GET` and `HEAD`
//! with one thread per connection, and keeps a stray or hostile client from holding it:
//!
//! - a request head (request line and headers) may have lines of at most 8 KiB and
//!   32 KiB in all; a longer request line gets 414, anything else too long 431;
//! - the whole head must arrive within the idle timeout (10 s) of the connection opening
//!   or of the previous response, and no read or write may wait longer than that;
//! - a `Content-Length` body of up to 64 KiB is read and thrown away, so that it is not
//!   taken for the next request; after a longer one, a chunked one or an `Expect`, the
//!   connection is closed once answered;
//! - a request that cannot be parsed (or is not UTF-8) gets 400 and the connection closes;
//! - at most 64 connections are served at once: others get 503 and are closed, as are
//!   connections for which no thread could be started;
//! - files are served only if their real path (symbolic links followed) is under the root.
//!
//! Three environment variables change these limits for the tests, and are not otherwise
//! meant to be set: `LAB_SERVE_TIMEOUT_MS` (the idle timeout, in milliseconds),
//! `LAB_SERVE_MAX_CONNECTIONS`, and `LAB_SERVE_STACK_SIZE` (bytes of stack for each
//! connection's thread; a test asks for an impossible size to see a failed spawn).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use std::{env, fs, process, thread};

/// Longest line of a request head, its line ending included.
const MAX_LINE: usize = 8 * 1024;
/// Longest request head.
const MAX_HEAD: usize = 32 * 1024;
/// Longest request body read (and thrown away) to keep the connection.
const MAX_BODY: u64 = 64 * 1024;
/// At most this much more is read and thrown away before closing a connection, so that
/// the client reads the response instead of a reset.
const MAX_LINGER: u64 = 64 * 1024;
/// The longest a closing connection lingers for that.
const LINGER_TIME: Duration = Duration::from_secs(2);

const BAD_REQUEST: &str = "400 Bad Request";
const NOT_FOUND: &str = "404 Not Found";
const METHOD_NOT_ALLOWED: &str = "405 Method Not Allowed";
const REQUEST_TIMEOUT: &str = "408 Request Timeout";
const URI_TOO_LONG: &str = "414 URI Too Long";
const HEADERS_TOO_LARGE: &str = "431 Request Header Fields Too Large";
const UNAVAILABLE: &str = "503 Service Unavailable";
const VERSION_NOT_SUPPORTED: &str = "505 HTTP Version Not Supported";

struct Config {
    /// The folder served, made canonical once it is known to hold an `index.html`.
    root: PathBuf,
    port: u16,
    isolation: bool,
    /// The URL path the site lives under, starting and ending with `/`.
    base: String,
    /// How long a connection may wait for a request head, or a read or write block.
    timeout: Duration,
    max_connections: usize,
    stack_size: Option<usize>,
}

fn usage() -> ! {
    eprintln!("usage: lab-serve --root DIR [--port N] [--no-isolation] [--base /PATH/]");
    process::exit(2);
}

/// A positive number from the environment variable `name`, if it is set.
fn env_number(name: &str) -> Option<u64> {
    let value = env::var(name).ok()?;
    match value.parse() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            eprintln!("error: {name} must be a positive whole number, not {value:?}");
            process::exit(2);
        }
    }
}

fn parse_args() -> Config {
    let mut args = env::args().skip(1);
    let mut config = Config {
        root: PathBuf::from("."),
        port: 3000,
        isolation: true,
        base: "/".to_owned(),
        timeout: Duration::from_millis(env_number("LAB_SERVE_TIMEOUT_MS").unwrap_or(10_000)),
        max_connections: env_number("LAB_SERVE_MAX_CONNECTIONS").map_or(64, |n| n as usize),
        stack_size: env_number("LAB_SERVE_STACK_SIZE").map(|n| n as usize),
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => config.root = args.next().map(PathBuf::from).unwrap_or_else(|| usage()),
            "--port" => {
                config.port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage());
            }
            "--no-isolation" => config.isolation = false,
            "--base" => {
                let b = args.next().unwrap_or_else(|| usage());
                config.base = format!("/{}/", b.trim_matches('/')).replace("//", "/");
            }
            _ => usage(),
        }
    }
    config
}

fn main() {
    let mut config = parse_args();
    if !config.root.join("index.html").is_file() {
        eprintln!(
            "error: {} has no index.html: build the site first",
            config.root.display()
        );
        process::exit(1);
    }
    config.root = match fs::canonicalize(&config.root) {
        Ok(root) => root,
        Err(e) => {
            eprintln!("error: cannot resolve {}: {e}", config.root.display());
            process::exit(1);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", config.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", config.port);
            process::exit(1);
        }
    };
    let config: &'static Config = Box::leak(Box::new(config));
    static OPEN: AtomicUsize = AtomicUsize::new(0);
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => accept(stream, config, &OPEN),
            // Out of file descriptors, say: wait for some to close rather than spin.
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Counts a connection's thread among the open ones while it lives.
struct Slot(&'static AtomicUsize);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Gives a new connection its own thread, or refuses it when there are too many or no
/// thread can be had.
fn accept(stream: TcpStream, config: &'static Config, open: &'static AtomicUsize) {
    if open.fetch_add(1, Ordering::SeqCst) >= config.max_connections {
        open.fetch_sub(1, Ordering::SeqCst);
        refuse(stream, config);
        return;
    }
    let mut builder = thread::Builder::new();
    if let Some(size) = config.stack_size {
        builder = builder.stack_size(size);
    }
    // The stream goes over a channel, so that it is still here to refuse if the thread
    // cannot be started.
    let (send, receive) = mpsc::sync_channel::<TcpStream>(1);
    let spawned = builder.spawn(move || {
        let _slot = Slot(open);
        if let Ok(stream) = receive.recv() {
            // A client that goes away mid-response is not the server's problem.
            let _ = handle(stream, config);
        }
    });
    match spawned {
        Ok(_) => {
            let _ = send.send(stream);
        }
        Err(e) => {
            open.fetch_sub(1, Ordering::SeqCst);
            eprintln!("warning: no thread for a connection: {e}");
            refuse(stream, config);
        }
    }
}

/// Answers 503 from the accepting thread, without waiting on the client.
fn refuse(stream: TcpStream, config: &Config) {
    let response = respond(
        UNAVAILABLE,
        "text/plain; charset=utf-8",
        b"busy, try again\n",
        false,
        Keep::Close,
        "Retry-After: 1\r\n",
        config,
    );
    // The response fits in the socket's buffer; the timeout is only a safeguard.
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = (&stream).write_all(&response);
    let _ = stream.shutdown(Shutdown::Write);
    // Throw away what the client has sent already, so closing does not reset the
    // connection before the client reads the answer.
    if stream.set_nonblocking(true).is_ok() {
        let mut sink = [0; 4096];
        while matches!((&stream).read(&mut sink), Ok(n) if n > 0) {}
    }
}

/// What the `Connection` part of a response says.
#[derive(Clone, Copy, PartialEq)]
enum Keep {
    /// Kept open, as HTTP/1.1 does unless told otherwise.
    Default,
    /// Kept open on an HTTP/1.0 client's request, which must be confirmed.
    Asked,
    Close,
}

/// Builds a whole response, to be sent in one write.
fn respond(
    status: &str,
    ctype: &str,
    body: &[u8],
    head_only: bool,
    keep: Keep,
    extra: &str,
    config: &Config,
) -> Vec<u8> {
    let mut response = respond_len(status, ctype, body.len() as u64, keep, extra, config);
    if !head_only {
        response.extend_from_slice(body);
    }
    response
}

/// The head of a response whose body is `len` bytes long.
fn respond_len(
    status: &str,
    ctype: &str,
    len: u64,
    keep: Keep,
    extra: &str,
    config: &Config,
) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n{extra}"
    );
    if config.isolation {
        head.push_str(
            "Cross-Origin-Opener-Policy: same-origin\r\nCross-Origin-Embedder-Policy: require-corp\r\nCross-Origin-Resource-Policy: same-origin\r\n",
        );
    }
    head.push_str(match keep {
        Keep::Default => "\r\n",
        Keep::Asked => "Connection: keep-alive\r\n\r\n",
        Keep::Close => "Connection: close\r\n\r\n",
    });
    head.into_bytes()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Why a URL path names no file.
#[derive(Debug, PartialEq)]
enum Refused {
    /// A bad percent escape, or bytes that are not UTF-8 once decoded.
    BadPath,
    /// A `..` or a NUL: it could only point out of the root.
    Outside,
}

/// Maps a URL path (query and fragment allowed) to a path under the root, without
/// looking at the disk.
fn site_path(root: &Path, target: &str) -> Result<PathBuf, Refused> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path).ok_or(Refused::BadPath)?;
    if decoded.contains('\0') {
        return Err(Refused::Outside);
    }
    let mut out = root.to_path_buf();
    for c in Path::new(&decoded).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir => {}
            _ => return Err(Refused::Outside),
        }
    }
    Ok(out)
}

/// The path of the file to send for `path` (a folder's `index.html`) and its real path,
/// if that is a file under the (canonical) root once symbolic links are followed.
fn real_file(root: &Path, mut path: PathBuf) -> Option<(PathBuf, PathBuf)> {
    if path.is_dir() {
        path.push("index.html");
    }
    let real = fs::canonicalize(&path).ok()?;
    (real.starts_with(root) && real.is_file()).then_some((path, real))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Exactly two hex digits: `from_str_radix` alone would take "+f".
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// How the request's body, if any, is delimited.
#[derive(Debug, PartialEq)]
enum Body {
    Length(u64),
    /// A `Transfer-Encoding`, which this server does not read: the connection must close.
    Unframed,
}

/// A parsed request head.
#[derive(Debug, PartialEq)]
struct Request<'a> {
    method: &'a str,
    target: &'a str,
    http10: bool,
    /// Some `Connection` header named `close`.
    close: bool,
    /// Some `Connection` header named `keep-alive`.
    keep_alive: bool,
    body: Body,
    /// An `Expect` header: the client may be waiting for a `100 Continue`.
    expect: bool,
}

/// A token character, as a method or header name is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Parses a request head (its lines and the blank line after them), or names the status
/// to refuse it with.
fn parse_head(head: &[u8]) -> Result<Request<'_>, &'static str> {
    let text = std::str::from_utf8(head).map_err(|_| BAD_REQUEST)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(BAD_REQUEST);
    };
    if !is_token(method) || target.is_empty() || target.bytes().any(|b| b < 0x21 || b == 0x7f) {
        return Err(BAD_REQUEST);
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.len() == 8
            && v.starts_with("HTTP/")
            && v.as_bytes()[5].is_ascii_digit()
            && v.as_bytes()[6] == b'.'
            && v.as_bytes()[7].is_ascii_digit() =>
        {
            return Err(VERSION_NOT_SUPPORTED);
        }
        _ => return Err(BAD_REQUEST),
    };
    let mut request = Request {
        method,
        target,
        http10,
        close: false,
        keep_alive: false,
        body: Body::Length(0),
        expect: false,
    };
    let mut length: Option<u64> = None;
    let mut encoded = false;
    for line in lines.take_while(|l| !l.is_empty()) {
        // No whitespace before the colon, and no lines folded onto the one before.
        let (name, value) = line.split_once(':').ok_or(BAD_REQUEST)?;
        if !is_token(name) {
            return Err(BAD_REQUEST);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(|o| o.trim_matches([' ', '\t'])) {
                request.close |= option.eq_ignore_ascii_case("close");
                request.keep_alive |= option.eq_ignore_ascii_case("keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD_REQUEST);
            }
            let n = value.parse().map_err(|_| BAD_REQUEST)?;
            if length.is_some_and(|l| l != n) {
                return Err(BAD_REQUEST);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            encoded = true;
        } else if name.eq_ignore_ascii_case("expect") {
            request.expect = true;
        }
    }
    request.body = if encoded {
        Body::Unframed
    } else {
        Body::Length(length.unwrap_or(0))
    };
    Ok(request)
}

/// Why no request head came.
enum HeadError {
    /// The client closed, or went quiet, or failed, before sending a byte of it.
    Gone,
    /// Answer with this status and close.
    Refuse(&'static str),
}

/// A client connection, with what has been read from it but not used yet.
struct Connection {
    stream: TcpStream,
    pending: Vec<u8>,
    timeout: Duration,
}

impl Connection {
    /// Reads one request head, bounded in size and in time.
    fn read_head(&mut self) -> Result<Vec<u8>, HeadError> {
        let deadline = Instant::now() + self.timeout;
        let mut line_start = 0;
        let mut seen = 0;
        loop {
            while seen < self.pending.len() {
                if self.pending[seen] == b'\n' {
                    let line = &self.pending[line_start..seen];
                    if line.is_empty() || line == b"\r" {
                        if line_start == 0 {
                            // Blank lines before a request are allowed and skipped.
                            self.pending.drain(..=seen);
                            seen = 0;
                            continue;
                        }
                        return Ok(self.pending.drain(..=seen).collect());
                    }
                    line_start = seen + 1;
                }
                seen += 1;
                if seen - line_start > MAX_LINE {
                    return Err(HeadError::Refuse(if line_start == 0 {
                        URI_TOO_LONG
                    } else {
                        HEADERS_TOO_LARGE
                    }));
                }
                if seen > MAX_HEAD {
                    return Err(HeadError::Refuse(HEADERS_TOO_LARGE));
                }
            }
            let started = !self.pending.is_empty();
            let mut chunk = [0; 4096];
            match self.read_by(deadline, &mut chunk) {
                Ok(0) if started => return Err(HeadError::Refuse(BAD_REQUEST)),
                Ok(0) => return Err(HeadError::Gone),
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if started && is_timeout(&e) => {
                    return Err(HeadError::Refuse(REQUEST_TIMEOUT));
                }
                Err(_) => return Err(HeadError::Gone),
            }
        }
    }

    /// One read that gives up at `deadline`.
    fn read_by(&mut self, deadline: Instant, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// Reads and throws away `len` bytes of body, within the timeout; false if they did
    /// not all come.
    fn skip_body(&mut self, len: u64) -> bool {
        let from_pending = len.min(self.pending.len() as u64);
        self.pending.drain(..from_pending as usize);
        let mut left = len - from_pending;
        let deadline = Instant::now() + self.timeout;
        let mut chunk = [0; 4096];
        while left > 0 {
            let want = left.min(chunk.len() as u64) as usize;
            match self.read_by(deadline, &mut chunk[..want]) {
                Ok(0) | Err(_) => return false,
                Ok(n) => left -= n as u64,
            }
        }
        true
    }

    /// Ends the connection after a response: stops sending, then reads and throws away a
    /// bounded amount of what the client is still sending, so that closing does not
    /// reset the connection before the client reads the response.
    fn close(mut self) {
        if self.stream.shutdown(Shutdown::Write).is_err() {
            return;
        }
        let deadline = Instant::now() + LINGER_TIME.min(self.timeout);
        let mut read = 0;
        let mut chunk = [0; 4096];
        while read < MAX_LINGER {
            match self.read_by(deadline, &mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => read += n as u64,
            }
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn handle(stream: TcpStream, config: &Config) -> io::Result<()> {
    // Without this, the last part of a response waits for the browser's delayed
    // acknowledgement (about 40 ms on Linux) on every request of a kept-alive connection.
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(config.timeout))?;
    let mut conn = Connection {
        stream,
        pending: Vec::new(),
        timeout: config.timeout,
    };
    loop {
        let head = match conn.read_head() {
            Ok(head) => head,
            Err(HeadError::Gone) => return Ok(()),
            Err(HeadError::Refuse(status)) => return refuse_request(conn, status, false, config),
        };
        let request = match parse_head(&head) {
            Ok(request) => request,
            Err(status) => return refuse_request(conn, status, false, config),
        };
        let mut keep = match (request.close, request.http10, request.keep_alive) {
            (true, _, _) | (false, true, false) => Keep::Close,
            (false, true, true) => Keep::Asked,
            (false, false, _) => Keep::Default,
        };
        // The body must be read past before the next request can be; a body that cannot
        // be (or that the client may be holding back for a 100 Continue) ends the
        // connection instead.
        match request.body {
            Body::Length(0) => {}
            Body::Length(n) if n <= MAX_BODY && !request.expect => {
                if !conn.skip_body(n) {
                    return Ok(());
                }
            }
            _ => keep = Keep::Close,
        }
        let head_only = request.method == "HEAD";
        let response = match answer(&request, head_only, keep, config) {
            Ok(response) => response,
            Err(status) => return refuse_request(conn, status, head_only, config),
        };
        // One write per response: see `set_nodelay` above.
        conn.stream.write_all(&response)?;
        if keep == Keep::Close {
            conn.close();
            return Ok(());
        }
    }
}

/// Answers a request that could not be read or parsed, and closes the connection.
fn refuse_request(
    mut conn: Connection,
    status: &str,
    head_only: bool,
    config: &Config,
) -> io::Result<()> {
    let body = format!("{}\n", &status[4..]).to_ascii_lowercase();
    let response = respond(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes(),
        head_only,
        Keep::Close,
        "",
        config,
    );
    conn.stream.write_all(&response)?;
    conn.close();
    Ok(())
}

/// The response to a parsed request, or the status to refuse it with (and close).
fn answer(
    request: &Request<'_>,
    head_only: bool,
    keep: Keep,
    config: &Config,
) -> Result<Vec<u8>, &'static str> {
    if request.method != "GET" && !head_only {
        return Ok(respond(
            METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed\n",
            false,
            keep,
            "Allow: GET, HEAD\r\n",
            config,
        ));
    }
    let path = origin_path(request.target).ok_or(BAD_REQUEST)?;
    let file = match path.strip_prefix(config.base.as_str()) {
        None => None,
        Some(rest) => match site_path(&config.root, rest) {
            Ok(p) => real_file(&config.root, p),
            Err(Refused::Outside) => None,
            Err(Refused::BadPath) => return Err(BAD_REQUEST),
        },
    };
    let found = file.and_then(|(path, real)| {
        // The type goes by the name asked for, not by where a link leads.
        let ctype = content_type(&path);
        if head_only {
            let len = fs::metadata(&real).ok()?.len();
            Some(respond_len("200 OK", ctype, len, keep, "", config))
        } else {
            let body = fs::read(&real).ok()?;
            Some(respond("200 OK", ctype, &body, false, keep, "", config))
        }
    });
    Ok(found.unwrap_or_else(|| {
        let body =
            fs::read(config.root.join("404.html")).unwrap_or_else(|_| b"not found\n".to_vec());
        respond(
            NOT_FOUND,
            "text/html; charset=utf-8",
            &body,
            head_only,
            keep,
            "",
            config,
        )
    }))
}

/// The path of a request target in origin form (`/a/b?c`) or absolute form
/// (`http://host/a/b?c`); none for anything else.
fn origin_path(target: &str) -> Option<&str> {
    if target.starts_with('/') {
        return Some(target);
    }
    let (scheme, rest) = target.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    Some(rest.find('/').map_or("/", |i| &rest[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_stay_inside_the_root() {
        let root = Path::new("/srv/site");
        assert_eq!(
            site_path(root, "/a/b.html?x=1"),
            Ok(PathBuf::from("/srv/site/a/b.html"))
        );
        assert_eq!(site_path(root, "/../etc/passwd"), Err(Refused::Outside));
        assert_eq!(
            site_path(root, "/a/%2e%2e/%2e%2e/etc"),
            Err(Refused::Outside)
        );
        assert_eq!(site_path(root, "/a/..%2F..%2Fetc"), Err(Refused::Outside));
        assert_eq!(site_path(root, "/a%00.html"), Err(Refused::Outside));
        assert_eq!(site_path(root, "/%zz"), Err(Refused::BadPath));
        assert_eq!(site_path(root, "/%+1"), Err(Refused::BadPath));
        assert_eq!(site_path(root, "/%4"), Err(Refused::BadPath));
        assert_eq!(site_path(root, "/%ff"), Err(Refused::BadPath));
        assert_eq!(
            site_path(root, "/caf%C3%A9%20x.html"),
            Ok(PathBuf::from("/srv/site/café x.html"))
        );
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(
            content_type(Path::new("x/lab_wasm_bg.wasm")),
            "application/wasm"
        );
        assert!(content_type(Path::new("lab.js")).starts_with("text/javascript"));
    }

    #[test]
    fn heads_are_parsed_strictly() {
        let r = parse_head(b"GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert!(r.http10 && r.keep_alive && !r.close);
        assert_eq!((r.method, r.target), ("GET", "/a"));
        let r =
            parse_head(b"POST / HTTP/1.1\nContent-Length: 5\nconnection: x, CLOSE\n\n").unwrap();
        assert!(r.close && !r.http10);
        assert_eq!(r.body, Body::Length(5));
        let r = parse_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!(r.body, Body::Unframed);
        for bad in [
            &b"GET / HTTP/1.1 x\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET /\r\n\r\n",
            b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nName : v\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"G\xffT / HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(parse_head(bad), Err(BAD_REQUEST), "{bad:?}");
        }
        assert_eq!(
            parse_head(b"GET / HTTP/2.0\r\n\r\n"),
            Err(VERSION_NOT_SUPPORTED)
        );
    }

    #[test]
    fn absolute_targets_give_their_path() {
        assert_eq!(origin_path("/a?b"), Some("/a?b"));
        assert_eq!(origin_path("http://127.0.0.1:3000/x/y"), Some("/x/y"));
        assert_eq!(origin_path("HTTP://h"), Some("/"));
        assert_eq!(origin_path("*"), None);
        assert_eq!(origin_path("ftp://h/x"), None);
    }
}
