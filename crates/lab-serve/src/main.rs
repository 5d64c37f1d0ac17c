//! Serves a folder on loopback with the headers that make the page cross-origin isolated.
//!
//! `mdbook serve` cannot send `Cross-Origin-Opener-Policy` and
//! `Cross-Origin-Embedder-Policy`, without which the page gets no `SharedArrayBuffer`
//! and so no threads. Tests also use `--no-isolation` to serve the site as a plain
//! static host (GitHub Pages) would, and `--base /repo/` to serve it under a sub-path as
//! GitHub Pages serves a project's site.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::{env, fs, process, thread};

struct Config {
    root: PathBuf,
    port: u16,
    isolation: bool,
    /// The URL path the site lives under, starting and ending with `/`.
    base: String,
}

fn usage() -> ! {
    eprintln!("usage: lab-serve --root DIR [--port N] [--no-isolation] [--base /PATH/]");
    process::exit(2);
}

fn parse_args() -> Config {
    let mut args = env::args().skip(1);
    let mut config = Config {
        root: PathBuf::from("."),
        port: 3000,
        isolation: true,
        base: "/".to_owned(),
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
    let config = parse_args();
    if !config.root.join("index.html").is_file() {
        eprintln!(
            "error: {} has no index.html: build the site first",
            config.root.display()
        );
        process::exit(1);
    }
    let listener = match TcpListener::bind(("127.0.0.1", config.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", config.port);
            process::exit(1);
        }
    };
    let config: &'static Config = Box::leak(Box::new(config));
    for stream in listener.incoming().flatten() {
        thread::spawn(move || {
            // A client that goes away mid-response is not the server's problem.
            let _ = handle(stream, config);
        });
    }
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

/// Maps a request path to a file under the root, refusing anything that climbs out.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let mut out = root.to_path_buf();
    for c in Path::new(&decoded).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn handle(stream: TcpStream, config: &Config) -> std::io::Result<()> {
    // Without this, the last part of a response waits for the browser's delayed
    // acknowledgement (about 40 ms on Linux) on every request of a kept-alive connection.
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut keep_alive = true;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
                break;
            }
            if header.to_ascii_lowercase().starts_with("connection: close") {
                keep_alive = false;
            }
        }
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let (status, body, ctype) = if method != "GET" && method != "HEAD" {
            (
                "405 Method Not Allowed",
                b"method not allowed\n".to_vec(),
                "text/plain",
            )
        } else {
            match target
                .strip_prefix(config.base.as_str())
                .and_then(|rest| resolve(&config.root, rest))
                .and_then(|p| fs::read(&p).ok().map(|b| (p, b)))
            {
                Some((p, body)) => ("200 OK", body, content_type(&p)),
                None => {
                    let body = fs::read(config.root.join("404.html"))
                        .unwrap_or_else(|_| b"not found\n".to_vec());
                    ("404 Not Found", body, "text/html; charset=utf-8")
                }
            }
        };
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n",
            body.len()
        );
        if config.isolation {
            head.push_str(
                "Cross-Origin-Opener-Policy: same-origin\r\nCross-Origin-Embedder-Policy: require-corp\r\nCross-Origin-Resource-Policy: same-origin\r\n",
            );
        }
        head.push_str(if keep_alive {
            "\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        let mut response = head.into_bytes();
        if method != "HEAD" {
            response.extend_from_slice(&body);
        }
        out.write_all(&response)?;
        out.flush()?;
        if !keep_alive {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_the_root() {
        let root = Path::new("/srv/site");
        assert_eq!(
            resolve(root, "/a/b.html?x=1"),
            Some(PathBuf::from("/srv/site/a/b.html"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/%2e%2e/%2e%2e/etc"), None);
        assert_eq!(resolve(root, "/%zz"), None);
        assert_eq!(
            resolve(root, "/caf%C3%A9.html"),
            Some(PathBuf::from("/srv/site/café.html"))
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
}
