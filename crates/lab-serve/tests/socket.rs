//! Talks to a running `lab-serve` over plain sockets, as a careless or hostile client would.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// How long a client waits on a read before calling the server stuck. It only turns a
/// hang into a failure; no test expects anything to take about this long.
const STUCK: Duration = Duration::from_secs(20);

/// A folder to serve (`root`) next to one that must stay out of reach (`outside`).
struct Site {
    dir: PathBuf,
}

impl Site {
    fn new() -> Site {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lab-serve-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(root.join("index.html"), "<p>the index</p>\n").unwrap();
        std::fs::write(root.join("sub/index.html"), "<p>sub index</p>\n").unwrap();
        std::fs::write(root.join("sw.js"), "// the service worker\n").unwrap();
        std::fs::write(root.join("lab.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(root.join("big.txt"), "0123456789".repeat(10_000)).unwrap();
        std::fs::write(root.join("café x.txt"), "accented\n").unwrap();
        std::fs::write(dir.join("outside/secret.txt"), "SECRET\n").unwrap();
        Site { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server binary, running on a free loopback port until dropped.
struct Server {
    child: Child,
    port: u16,
    _site: Site,
}

impl Server {
    fn start(site: Site, args: &[&str], env: &[(&str, &str)]) -> Server {
        // A free port can be taken by someone else before the server binds it: then the
        // server exits and another port is tried.
        for _ in 0..10 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(env!("CARGO_BIN_EXE_lab-serve"))
                .arg("--root")
                .arg(site.root())
                .args(["--port", &port.to_string()])
                .args(args)
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            for _ in 0..500 {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                // Ready once it answers anything at all.
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    s.set_read_timeout(Some(STUCK)).unwrap();
                    let _ = s.write_all(b"HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
                    let mut start = [0; 5];
                    if s.read_exact(&mut start).is_ok() && &start == b"HTTP/" {
                        return Server {
                            child,
                            port,
                            _site: site,
                        };
                    }
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("lab-serve did not start");
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(STUCK)).unwrap();
        s.set_write_timeout(Some(STUCK)).unwrap();
        s
    }

    /// Sends `request` on a new connection and reads one response.
    fn ask(&self, request: &[u8]) -> Response {
        let mut s = self.connect();
        s.write_all(request).unwrap();
        let head_only = request.starts_with(b"HEAD ");
        read_response(&mut BufReader::new(s), head_only).expect("no response")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one response; none if the connection ends (or is reset) before it starts.
fn read_response(r: &mut BufReader<TcpStream>, head_only: bool) -> Option<Response> {
    let mut status_line = String::new();
    match r.read_line(&mut status_line) {
        Ok(0) => return None,
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => return None,
        Err(e) => panic!("reading a status line: {e}"),
    }
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if !head_only {
        let len: usize = response
            .header("content-length")
            .expect("a content length")
            .parse()
            .unwrap();
        response.body = vec![0; len];
        r.read_exact(&mut response.body).unwrap();
    }
    Some(response)
}

/// Reads what is left until the server closes; fails if it keeps the connection open.
fn rest(r: &mut impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        match r.read(&mut chunk) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("the server kept the connection open ({e})"),
        }
    }
}

fn server() -> Server {
    Server::start(Site::new(), &[], &[])
}

#[test]
fn files_come_with_their_type_and_the_isolation_headers() {
    let server = server();
    let r = server.ask(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "<p>the index</p>\n");
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cross-origin-opener-policy"), Some("same-origin"));
    assert_eq!(
        r.header("cross-origin-embedder-policy"),
        Some("require-corp")
    );
    assert_eq!(
        r.header("cross-origin-resource-policy"),
        Some("same-origin")
    );
    let r = server.ask(b"GET /lab.wasm?v=2 HTTP/1.1\r\n\r\n");
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.body, b"\0asm\x01\0\0\0");
    assert_eq!(
        server.ask(b"GET /sub HTTP/1.1\r\n\r\n").text(),
        "<p>sub index</p>\n"
    );
    let r = server.ask(b"GET /missing.html HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 404);

    let plain = Server::start(Site::new(), &["--no-isolation", "--base", "/repo/"], &[]);
    let r = plain.ask(b"GET /repo/sw.js HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(r.header("cross-origin-opener-policy"), None);
    assert_eq!(plain.ask(b"GET /sw.js HTTP/1.1\r\n\r\n").status, 404);
}

#[test]
fn head_sends_the_headers_only() {
    let server = server();
    let mut s = server.connect();
    // Both at once: had the HEAD response carried a body, the GET's would not follow it.
    s.write_all(b"HEAD /big.txt HTTP/1.1\r\n\r\nGET /sw.js HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s);
    let head = read_response(&mut r, true).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("100000"));
    let get = read_response(&mut r, false).unwrap();
    assert_eq!(get.text(), "// the service worker\n");
    assert!(rest(&mut r).is_empty());
    let missing = server.ask(b"HEAD /nothing HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(missing.status, 404);
}

#[test]
fn an_overlong_request_line_is_refused_and_closed() {
    let server = server();
    let mut s = server.connect();
    let target = "a".repeat(10_000);
    s.write_all(format!("GET /{target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut r = BufReader::new(s);
    let response = read_response(&mut r, false).unwrap();
    assert!([400, 414].contains(&response.status), "{response:?}");
    assert_eq!(response.header("connection"), Some("close"));
    assert!(rest(&mut r).is_empty());
}

#[test]
fn an_overlong_header_line_is_refused_and_closed() {
    let server = server();
    let mut s = server.connect();
    let cookie = "c".repeat(10_000);
    s.write_all(format!("GET / HTTP/1.1\r\nCookie: {cookie}\r\n\r\n").as_bytes())
        .unwrap();
    let mut r = BufReader::new(s);
    assert_eq!(read_response(&mut r, false).unwrap().status, 431);
    assert!(rest(&mut r).is_empty());
}

#[test]
fn too_many_headers_are_refused_and_closed() {
    let server = server();
    let mut s = server.connect();
    let mut request = String::from("GET / HTTP/1.1\r\n");
    for i in 0..40 {
        request.push_str(&format!("X-Filler-{i}: {}\r\n", "f".repeat(1000)));
    }
    request.push_str("\r\n");
    s.write_all(request.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    assert_eq!(read_response(&mut r, false).unwrap().status, 431);
    assert!(rest(&mut r).is_empty());
}

#[test]
fn an_endless_header_line_is_answered_before_it_ends() {
    let server = server();
    let s = server.connect();
    let mut writer = s.try_clone().unwrap();
    // Megabytes of one header line, never ended: the server must answer without
    // waiting for (or keeping) all of it.
    let sending = thread::spawn(move || {
        let _ = writer.write_all(b"GET / HTTP/1.1\r\nX-Long: ");
        let filler = [b'x'; 64 * 1024];
        for _ in 0..64 {
            if writer.write_all(&filler).is_err() {
                return;
            }
        }
    });
    let mut r = BufReader::new(s);
    let response = read_response(&mut r, false).expect("an answer");
    assert_eq!(response.status, 431);
    sending.join().unwrap();
}

#[test]
fn a_half_sent_request_is_dropped_after_the_timeout() {
    let server = Server::start(Site::new(), &[], &[("LAB_SERVE_TIMEOUT_MS", "200")]);
    let mut half = server.connect();
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let idle = server.connect();
    let mut r = BufReader::new(half);
    // The server may say 408 first; either way it closes.
    if let Some(response) = read_response(&mut r, false) {
        assert_eq!(response.status, 408);
    }
    assert!(rest(&mut r).is_empty());
    assert!(rest(&mut &idle).is_empty());
}

#[test]
fn a_drip_fed_request_is_dropped_when_its_time_is_up() {
    // Each byte comes well within the timeout, but the head as a whole does not.
    let server = Server::start(Site::new(), &[], &[("LAB_SERVE_TIMEOUT_MS", "400")]);
    let mut s = server.connect();
    s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    s.set_nonblocking(true).unwrap();
    let mut answered = Vec::new();
    let closed = (0..1000).any(|_| {
        thread::sleep(Duration::from_millis(20));
        if s.write_all(b"X").is_err() {
            return true;
        }
        let mut chunk = [0; 1024];
        loop {
            match s.read(&mut chunk) {
                Ok(0) => return true,
                Ok(n) => answered.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
                Err(_) => return true,
            }
        }
    });
    assert!(closed, "the server kept reading a drip-fed head");
    assert!(answered.is_empty() || answered.starts_with(b"HTTP/1.1 408 "));
}

#[test]
fn a_body_after_405_is_not_taken_for_the_next_request() {
    let server = server();
    let mut s = server.connect();
    let smuggled = "GET /sw.js HTTP/1.1\r\nHost: x\r\n\r\n";
    let post = format!(
        "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{smuggled}",
        smuggled.len()
    );
    s.write_all(post.as_bytes()).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s);
    let refused = read_response(&mut r, false).unwrap();
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("allow"), Some("GET, HEAD"));
    let next = read_response(&mut r, false).unwrap();
    assert_eq!(next.text(), "<p>the index</p>\n");
    assert!(rest(&mut r).is_empty());
}

#[test]
fn a_body_that_cannot_be_skipped_closes_the_connection() {
    let server = server();
    for post in [
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1f\r\nGET /sw.js HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: 100000000\r\n\r\nGET /sw.js HTTP/1.1\r\n\r\n",
    ] {
        let mut s = server.connect();
        s.write_all(post.as_bytes()).unwrap();
        let mut r = BufReader::new(s);
        let refused = read_response(&mut r, false).unwrap();
        assert_eq!(refused.status, 405);
        assert_eq!(refused.header("connection"), Some("close"));
        assert!(rest(&mut r).is_empty(), "a second response to {post:?}");
    }
}

#[test]
fn malformed_requests_get_400_and_are_closed() {
    let server = server();
    for request in [
        &b"\xff\xfe\xfd\r\n\r\n"[..],
        b"GET /caf\xe9 HTTP/1.1\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"GET /%zz HTTP/1.1\r\n\r\n",
    ] {
        let mut s = server.connect();
        s.write_all(request).unwrap();
        let mut r = BufReader::new(s);
        let response = read_response(&mut r, false)
            .unwrap_or_else(|| panic!("no answer to {:?}", String::from_utf8_lossy(request)));
        assert_eq!(response.status, 400, "{request:?}");
        assert!(rest(&mut r).is_empty());
    }
}

#[test]
fn http10_closes_unless_asked_to_keep_alive() {
    let server = server();
    let mut s = server.connect();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut r = BufReader::new(s);
    assert_eq!(read_response(&mut r, false).unwrap().status, 200);
    assert!(rest(&mut r).is_empty());

    let mut s = server.connect();
    s.write_all(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let first = read_response(&mut r, false).unwrap();
    assert_eq!(first.header("connection"), Some("keep-alive"));
    s.write_all(b"GET /sw.js HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(
        read_response(&mut r, false).unwrap().text(),
        "// the service worker\n"
    );
    assert!(rest(&mut r).is_empty());
}

#[test]
fn connection_close_is_honoured_in_any_spelling() {
    let server = server();
    for header in [
        "connection: CLOSE",
        "Connection: keep-alive, close",
        "CONNECTION:close",
        "Connection:\tUpgrade ,Close ",
    ] {
        let mut s = server.connect();
        s.write_all(format!("GET / HTTP/1.1\r\n{header}\r\n\r\n").as_bytes())
            .unwrap();
        let mut r = BufReader::new(s);
        assert_eq!(read_response(&mut r, false).unwrap().status, 200);
        assert!(rest(&mut r).is_empty(), "{header:?} kept the connection");
    }
}

#[test]
fn connections_over_the_cap_get_503() {
    let server = Server::start(Site::new(), &[], &[("LAB_SERVE_MAX_CONNECTIONS", "3")]);
    // Three kept-alive connections, each known to be served by an answer on it. The
    // start-up probe's connection may hold a place for a moment yet: then try again.
    let kept = || {
        for _ in 0..500 {
            let mut s = server.connect();
            s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
            let r = read_response(&mut BufReader::new(s.try_clone().unwrap()), false);
            if r.expect("an answer").status == 200 {
                return s;
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("no place for a connection");
    };
    let mut open: Vec<TcpStream> = (0..3).map(|_| kept()).collect();
    let over = server.connect();
    let mut r = BufReader::new(over);
    let refused = read_response(&mut r, false).expect("an answer");
    assert_eq!(refused.status, 503);
    assert!(rest(&mut r).is_empty());
    // Once one closes, its place is free again.
    open.pop();
    let served = (0..500).any(|_| {
        let mut s = server.connect();
        let _ = s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        let status = read_response(&mut BufReader::new(s), false).map(|r| r.status);
        if status == Some(200) {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
        false
    });
    assert!(served, "the freed place was never taken");
}

#[test]
fn a_failed_thread_spawn_leaves_the_server_running() {
    // No thread can have a petabyte of stack.
    let stack = (1u64 << 50).to_string();
    let mut server = Server::start(Site::new(), &[], &[("LAB_SERVE_STACK_SIZE", &stack)]);
    for _ in 0..3 {
        let r = server.ask(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(r.status, 503);
    }
    assert!(server.child.try_wait().unwrap().is_none());
}

#[test]
fn symbolic_links_do_not_lead_out_of_the_root() {
    let site = Site::new();
    let root = site.root();
    std::os::unix::fs::symlink("../outside/secret.txt", root.join("secret.txt")).unwrap();
    std::os::unix::fs::symlink("../outside", root.join("out")).unwrap();
    std::os::unix::fs::symlink("sw.js", root.join("worker.js")).unwrap();
    let server = Server::start(site, &[], &[]);
    for path in ["/secret.txt", "/out/secret.txt", "/out/"] {
        let r = server.ask(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes());
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("SECRET"));
    }
    // A link that stays inside is fine.
    let r = server.ask(b"GET /worker.js HTTP/1.1\r\n\r\n");
    assert_eq!(r.text(), "// the service worker\n");
}

#[test]
fn paths_are_decoded_and_kept_inside_the_root() {
    let site = Site::new();
    std::fs::write(site.root().join("\u{1}.txt"), "control\n").unwrap();
    let server = Server::start(site, &["--base", "/repo/"], &[]);
    for path in [
        "/repo/../outside/secret.txt",
        "/repo/%2e%2e/outside/secret.txt",
        "/repo/%2E%2E%2Foutside%2Fsecret.txt",
        "/repo/sub/..%2f..%2foutside/secret.txt",
        "/repo/sub/%2e%2e/%2e%2e/outside/secret.txt",
    ] {
        let r = server.ask(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes());
        assert!([400, 404].contains(&r.status), "{path}: {}", r.status);
        assert!(!r.text().contains("SECRET"));
    }
    let r = server.ask(b"GET /repo/caf%C3%A9%20x.txt HTTP/1.1\r\n\r\n");
    assert_eq!(r.text(), "accented\n");
    // A percent sign needs two hex digits after it: "%+1" is not byte 1.
    let r = server.ask(b"GET /repo/%+1.txt HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 400);
    assert_eq!(
        server.ask(b"GET /repo/%01.txt HTTP/1.1\r\n\r\n").text(),
        "control\n"
    );
}
