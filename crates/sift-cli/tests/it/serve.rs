//! `sift serve` as a process: the one-time setup link on first start, setup over HTTP, the
//! owner created from a prompt instead, a usage error without a review, and (when
//! `SIFT_TEST_PG_URL` is set) the reviews of a database server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::{sift, sift_ok};

/// Stops the server this test started when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], stdin: Option<&str>) -> (Server, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sift"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sift serve");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (Server(child), stdout)
}

fn read_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line
}

/// One HTTP/1.1 request; returns the whole response as text.
fn http(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The address in the server's "serving ... on http://ADDRESS/" line.
fn address_of(serving: &str) -> String {
    serving.split("http://").nth(1).unwrap().trim().trim_end_matches('/').to_string()
}

/// Logs in as lise with the password the tests give her; the whole response.
fn log_in_as_lise(address: &str) -> String {
    let body = "username=lise&password=a+long+password+here";
    http(
        address,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn first_start_prints_a_setup_link_that_creates_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("np.sift");
    let review = review.to_str().unwrap();
    sift_ok(&["init", review, "--title", "Neuropathic pain", "--as", "lise"]);
    let (_server, mut out) = start(&[review], None);
    let serving = read_line(&mut out);
    assert!(serving.contains("serving 1 review(s) on http://127.0.0.1:"), "{serving}");
    let address = address_of(&serving);
    assert!(read_line(&mut out).contains("one-time link"));
    let link = read_line(&mut out);
    let token = link.trim().rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 64, "{link}");

    let page =
        http(&address, &format!("GET /setup/{token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Set up Sift") && page.contains("value=\"lise\""), "the owner's name is suggested");
    let body = "username=lise&password=a+long+password+here";
    let done = http(
        &address,
        &format!(
            "POST /setup/{token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(done.starts_with("HTTP/1.1 303"), "{done}");
    assert!(done.to_ascii_lowercase().contains("set-cookie: sift_session="), "{done}");
    let again =
        http(&address, &format!("GET /setup/{token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    assert!(again.starts_with("HTTP/1.1 403"), "the link works once: {again}");
}

#[test]
fn the_owner_can_be_created_from_a_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("np.sift");
    let review = review.to_str().unwrap();
    sift_ok(&["init", review, "--title", "Neuropathic pain", "--as", "lise"]);
    let (_server, mut out) = start(&[review, "--create-owner", "lise"], Some("a long password here\n"));
    let serving = read_line(&mut out);
    assert!(serving.contains("serving 1 review(s)"), "{serving}");
    let login = log_in_as_lise(&address_of(&serving));
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
}

#[test]
fn serve_needs_a_review_or_a_data_dir() {
    let (code, _, err) = sift(&["serve"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--database URL"), "{err}");
    let (code, _, err) = sift(&["serve", "--database", "postgres://127.0.0.1/x", "--data-dir", "."]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sift(&["serve", "/nonexistent/x.sift", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "a missing review file is the user's mistake: {err}");
    assert!(err.contains("no such review file"), "{err}");
}

#[test]
fn serve_runs_on_a_database_server() {
    let Some(base) = sift_store::testing::pg_url() else {
        eprintln!("note: SIFT_TEST_PG_URL is not set; `sift serve --database` was not tested");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scratch = runtime
        .block_on(sift_store::testing::ScratchPostgres::create(&base))
        .unwrap_or_else(|e| panic!("SIFT_TEST_PG_URL is set but PostgreSQL is unreachable: {e}"));
    let url = scratch.url.clone();
    sift_ok(&["init", "np", "--database", &url, "--title", "Neuropathic pain", "--as", "lise"]);
    sift_ok(&["init", "other", "--database", &url, "--title", "Another review", "--as", "lise"]);
    {
        let (_server, mut out) =
            start(&["--database", &url, "--create-owner", "lise"], Some("a long password here\n"));
        let serving = read_line(&mut out);
        assert!(serving.contains("serving 2 review(s) on http://127.0.0.1:"), "{serving}");
        let login = log_in_as_lise(&address_of(&serving));
        assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    }
    {
        // One review of the database, by its slug; the account made above lives there too.
        let (_server, mut out) = start(&["np", "--database", &url], None);
        let serving = read_line(&mut out);
        assert!(serving.contains("serving 1 review(s)"), "{serving}");
    }
    let (code, _, err) = sift(&["serve", "missing", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing"), "{err}");
    runtime.block_on(scratch.drop_database()).unwrap();
}
