//! `retake serve` over HTTP: the real binary on a free port, spoken to with a tiny HTTP client —
//! the token, the Host, Origin and CSRF checks, every page, answers that persist and match the
//! terminal's, one driver per attempt, and the deadline enforced by the server alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Env, MINI, stderr};

/// A running `retake serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    pub token: String,
}

impl Server {
    /// Starts `retake --banks MINI serve --no-open --port 0` in `env` with the test clock.
    pub fn start(env: &Env, step: &str, seed: &str) -> Server {
        let mut child = env
            .process(&["--banks", MINI, "serve", "--no-open", "--port", "0"])
            .env("RETAKE_CLOCK_STEP", step)
            .env("RETAKE_SEED", seed)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is the URL: {url:?}"));
        let (port, token) = rest.split_once("/?token=").unwrap();
        Server {
            child,
            port: port.parse().unwrap(),
            token: token.to_owned(),
        }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn cookie(&self) -> String {
        format!("retake_token={}", self.token)
    }

    /// A GET with the token cookie.
    pub fn get(&self, path: &str) -> Resp {
        http(
            self.port,
            "GET",
            path,
            &[("Host", &self.host()), ("Cookie", &self.cookie())],
            None,
        )
    }

    /// A form POST as the app's own pages send it (cookie, Origin, CSRF token).
    pub fn post(&self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        let body = encode(&all);
        http(
            self.port,
            "POST",
            path,
            &[
                ("Host", &self.host()),
                ("Cookie", &self.cookie()),
                ("Origin", &format!("http://{}", self.host())),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            Some(&body),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One request over a fresh connection (HTTP/1.1, `Connection: close`).
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    if let Some(b) = body {
        s.write_all(b.as_bytes()).unwrap();
    }
    // Read the head, then exactly the body (some servers keep the connection open anyway).
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = read_retrying(&mut s, &mut buf);
        assert!(n > 0, "connection closed before the response head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let mut rest = raw[head_end..].to_vec();
    match find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => {
            while rest.len() < len {
                let n = read_retrying(&mut s, &mut buf);
                if n == 0 {
                    break;
                }
                rest.extend_from_slice(&buf[..n]);
            }
        }
        None if chunked => {
            while !rest.ends_with(b"0\r\n\r\n") {
                let n = read_retrying(&mut s, &mut buf);
                if n == 0 {
                    break;
                }
                rest.extend_from_slice(&buf[..n]);
            }
        }
        None => loop {
            let n = read_retrying(&mut s, &mut buf);
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&buf[..n]);
        },
    }
    let rest = String::from_utf8_lossy(&rest).into_owned();
    let body = if chunked { dechunk(&rest) } else { rest };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The value of the first `name="…" value="…"` hidden field in a page.
pub fn field(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {page}"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The first value of an attribute in a page.
pub fn attr(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("{name}=\""))?;
    let rest = &page[at + name.len() + 2..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn report(env: &Env) -> Value {
    let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A browser-like session: the token exchanged for the cookie, the CSRF token read from home.
fn signed_in(server: &Server) -> String {
    let first = http(
        server.port,
        "GET",
        &format!("/?token={}", server.token),
        &[("Host", &server.host())],
        None,
    );
    assert_eq!(first.status, 303);
    let cookie = first.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let home = server.get("/");
    assert_eq!(home.status, 200);
    attr(&home.body, "data-csrf").unwrap()
}

/// Starts a mock on the home page's form; returns the tab id from the redirect.
fn start_mock(server: &Server, csrf: &str, fields: &[(&str, &str)]) -> String {
    let r = server.post("/exam/MINI-1/start", csrf, fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").unwrap().to_owned();
    to.split_once("tab=").unwrap().1.to_owned()
}

/// The form fields that give the scripted answer `answer` to an item of `kind`.
pub fn answer_fields(kind: &str, answer: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = answer.split(',').collect();
    match kind {
        "single" | "multi" => parts
            .iter()
            .map(|l| ("choice".to_owned(), (*l).to_owned()))
            .collect(),
        "order" => parts
            .iter()
            .enumerate()
            .map(|(p, l)| (format!("pos{}", p + 1), (*l).to_owned()))
            .collect(),
        "match" => parts
            .iter()
            .map(|pair| {
                let (p, l) = pair.split_once('=').unwrap();
                (format!("m{p}"), l.to_owned())
            })
            .collect(),
        "dropdown" => parts
            .iter()
            .enumerate()
            .map(|(b, l)| (format!("b{}", b + 1), (*l).to_owned()))
            .collect(),
        "yesno" => parts
            .iter()
            .enumerate()
            .map(|(s, l)| (format!("y{}", s + 1), (*l).to_owned()))
            .collect(),
        other => panic!("unknown item type {other}"),
    }
}

/// A valid, deliberately mixed answer for an item as the page shows it.
pub fn answer_for(page: &str) -> String {
    let kind = attr(page, "data-type").unwrap();
    let count = |needle: &str| page.matches(needle).count();
    match kind.as_str() {
        "single" => "B".to_owned(),
        "multi" => {
            let n: usize = attr(page, "data-choose").unwrap().parse().unwrap();
            (0..n)
                .map(|i| ((b'A' + i as u8 * 2 % 4) as char).to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
        "order" => {
            let n = count("name=\"pos");
            (0..n)
                .rev()
                .map(|i| ((b'A' + i as u8) as char).to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
        "match" => {
            let n = count("name=\"m");
            (1..=n)
                .map(|p| format!("{p}={}", if p % 2 == 1 { 'B' } else { 'A' }))
                .collect::<Vec<_>>()
                .join(",")
        }
        "dropdown" => {
            let n = count("name=\"b");
            (0..n)
                .map(|b| if b % 2 == 0 { "B" } else { "A" })
                .collect::<Vec<_>>()
                .join(",")
        }
        "yesno" => {
            let n = count("value=\"Y\"");
            (0..n)
                .map(|s| if s % 2 == 0 { "Y" } else { "N" })
                .collect::<Vec<_>>()
                .join(",")
        }
        other => panic!("unknown item type {other}"),
    }
}

/// The scripted terminal run of the same mock: same seed, same answers, item 2 flagged.
pub fn terminal_run(answers: &[String]) -> Value {
    let env = Env::new();
    let mut input = String::new();
    for (i, a) in answers.iter().enumerate() {
        if i == 1 {
            input.push_str(":flag\n");
        }
        input.push_str(a);
        input.push('\n');
    }
    input.push_str(":submit\n");
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "11",
            "--questions",
            "9",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    report(&env)
}

/// What must be equal between two runs of the same mock.
pub fn essentials(v: &Value) -> Value {
    let items: Vec<Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            serde_json::json!([
                i["question"],
                i["variant"],
                i["response"],
                i["points"],
                i["flagged"],
                i["correct_response"]
            ])
        })
        .collect();
    serde_json::json!({
        "status": v["status"], "seed": v["seed"], "scaled_score": v["scaled_score"],
        "points": v["points"], "max_points": v["max_points"], "domains": v["domains"], "items": items,
    })
}

#[test]
fn without_the_token_a_foreign_host_origin_or_csrf_token_the_server_refuses() {
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let host = format!("127.0.0.1:{}", server.port);
    // No token, a wrong token, a foreign Host (DNS rebinding).
    assert_eq!(
        http(server.port, "GET", "/", &[("Host", &host)], None).status,
        403
    );
    assert_eq!(
        http(server.port, "GET", "/?token=nope", &[("Host", &host)], None).status,
        403
    );
    let foreign = http(
        server.port,
        "GET",
        &format!("/?token={}", server.token),
        &[("Host", &format!("evil.example:{}", server.port))],
        None,
    );
    assert_eq!(foreign.status, 421);
    let wrong_port = http(
        server.port,
        "GET",
        "/",
        &[("Host", "127.0.0.1:1"), ("Cookie", &server.cookie())],
        None,
    );
    assert_eq!(wrong_port.status, 421);
    assert_eq!(
        http(server.port, "GET", "/assets/app.js", &[("Host", &host)], None).status,
        403
    );
    let csrf = signed_in(&server);
    let localhost = http(
        server.port,
        "GET",
        "/",
        &[
            ("Host", &format!("localhost:{}", server.port)),
            ("Cookie", &server.cookie()),
        ],
        None,
    );
    assert_eq!(localhost.status, 200);
    let home = server.get("/");
    let csp = home.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(!home.body.contains("<script>"), "no inline script");
    assert!(!home.body.contains("style="), "no inline style");
    // A change needs POST, the page's Origin and the CSRF token.
    let body = encode(&[("csrf", &csrf)]);
    let no_origin = http(
        server.port,
        "POST",
        "/exam/MINI-1/start",
        &[
            ("Host", &host),
            ("Cookie", &server.cookie()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(&body),
    );
    assert_eq!(no_origin.status, 403);
    let evil_origin = http(
        server.port,
        "POST",
        "/exam/MINI-1/start",
        &[
            ("Host", &host),
            ("Cookie", &server.cookie()),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(&body),
    );
    assert_eq!(evil_origin.status, 403);
    assert_eq!(
        server.post("/exam/MINI-1/start", "not-the-token", &[]).status,
        403
    );
    let huge = "x".repeat(100 * 1024);
    assert_eq!(
        server.post("/exam/MINI-1/start", &csrf, &[("pad", &huge)]).status,
        413
    );
    assert_eq!(
        http(
            server.port,
            "PUT",
            "/",
            &[("Host", &host), ("Cookie", &server.cookie())],
            None
        )
        .status,
        405
    );
    // Nothing was started by the refused requests.
    let listed = env.retake(&["exam", "list", "--json"]).output().unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&listed.stdout).unwrap()["attempts"],
        serde_json::json!([])
    );
    assert_eq!(server.get("/nowhere").status, 404);
    assert_eq!(server.get("/assets/app.css").status, 200);
    assert!(
        server
            .get("/assets/app.js")
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
}

#[test]
fn answers_given_through_forms_are_stored_and_scored_like_the_terminal_run() {
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let csrf = signed_in(&server);
    let tab = start_mock(&server, &csrf, &[("count", "9"), ("mode", "targeted")]);
    let mut answers = Vec::new();
    let mut kinds = Vec::new();
    for i in 0..9 {
        let page = server.get(&format!("/exam/MINI-1?tab={tab}"));
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains(&format!("Question {} of 9", i + 1)),
            "{}",
            page.body
        );
        for name in ["Previous", "Next", "Mark for review", "Review", "Submit exam"] {
            assert!(page.body.contains(&format!(">{name}</button>")), "{name}");
        }
        assert!(page.body.contains("role=\"timer\""));
        let kind = attr(&page.body, "data-type").unwrap();
        let answer = answer_for(&page.body);
        if i == 1 {
            assert_eq!(
                server
                    .post("/exam/MINI-1/act", &csrf, &[("tab", &tab), ("action", "flag")])
                    .status,
                303
            );
        }
        let mut fields: Vec<(String, String)> =
            vec![("tab".into(), tab.clone()), ("action".into(), "next".into())];
        fields.extend(answer_fields(&kind, &answer));
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = server.post("/exam/MINI-1/act", &csrf, &refs);
        if r.status == 200 && r.body.contains("Leave this section?") {
            // The answer is saved; leaving the section is confirmed as on the real exam.
            let r = server.post(
                "/exam/MINI-1/act",
                &csrf,
                &[("tab", &tab), ("action", "next"), ("confirm", "1")],
            );
            assert_eq!(r.status, 303);
        } else {
            assert_eq!(r.status, 303, "{kind} {answer}: {}", r.body);
        }
        // Committed at once: the report already has it.
        assert!(
            !report(&env)["items"][i]["response"].is_null(),
            "item {} committed",
            i + 1
        );
        answers.push(answer);
        kinds.push(kind);
    }
    let mut types = kinds.clone();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        ["dropdown", "match", "multi", "order", "single", "yesno"],
        "every type"
    );
    let review = server.get(&format!("/exam/MINI-1?tab={tab}"));
    assert!(review.body.contains("<h1>Review</h1>"), "{}", review.body);
    assert!(review.body.contains("Marked for review (1)"));
    let marked = server.get(&format!("/exam/MINI-1?tab={tab}&filter=marked"));
    assert!(marked.body.contains(">Question 2</button>") && !marked.body.contains(">Question 1</button>"));
    let confirm = server.get(&format!("/exam/MINI-1/confirm?tab={tab}"));
    assert!(confirm.body.contains(">Submit</button>"));
    let done = server.post("/exam/MINI-1/submit", &csrf, &[("tab", &tab)]);
    assert_eq!(done.status, 303);
    let report_page = server.get(done.header("location").unwrap());
    assert_eq!(report_page.status, 200);
    assert!(report_page.body.contains("Item review"));
    let web = report(&env);
    assert_eq!(web["status"], "submitted");
    assert_eq!(essentials(&web), essentials(&terminal_run(&answers)));
}

#[test]
fn a_wrong_answer_shape_is_shown_and_nothing_moves() {
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let csrf = signed_in(&server);
    let tab = start_mock(&server, &csrf, &[("count", "20")]);
    let page = server.get(&format!("/exam/MINI-1?tab={tab}"));
    assert!(page.body.contains("Question 1 of 9"));
    // The engine's warning about a short bank is shown once.
    assert!(
        page.body.contains("is more than the MINI-1 bank holds: using 9"),
        "{}",
        page.body
    );
    assert!(
        !server
            .get(&format!("/exam/MINI-1?tab={tab}"))
            .body
            .contains("bank holds")
    );
    // A letter that is not an option is ignored; a choice of a missing option changes nothing.
    let r = server.post(
        "/exam/MINI-1/act",
        &csrf,
        &[("tab", &tab), ("action", "next"), ("choice", "Z")],
    );
    assert_eq!(r.status, 303);
    assert!(report(&env)["items"][0]["response"].is_null());
    let r = server.post(
        "/exam/MINI-1/act",
        &csrf,
        &[("tab", &tab), ("action", "goto"), ("goto", "99")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("there is no item 99"), "{}", r.body);
}

#[test]
fn one_driver_per_attempt_across_tabs_and_a_terminal() {
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let csrf = signed_in(&server);
    let tab = start_mock(&server, &csrf, &[("count", "9")]);
    // A terminal is told the attempt is open elsewhere.
    let refused = env
        .retake(&["exam", "resume"])
        .write_stdin("A\n")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("open elsewhere"),
        "{}",
        stderr(&refused)
    );
    // A second tab is told and can take over; the first tab's writes are then refused.
    let second = server.get("/exam/MINI-1");
    assert_eq!(second.status, 409);
    assert!(second.body.contains("Take over here"));
    let new_tab = field(&second.body, "tab");
    let took = server.post("/exam/MINI-1/takeover", &csrf, &[("tab", &new_tab)]);
    assert_eq!(took.status, 303);
    let stale = server.post("/exam/MINI-1/act", &csrf, &[("tab", &tab), ("action", "flag")]);
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("taken over in another tab"), "{}", stale.body);
    assert_eq!(
        server.post("/exam/MINI-1/beat", &csrf, &[("tab", &tab)]).status,
        409
    );
    assert_eq!(
        server
            .post("/exam/MINI-1/beat", &csrf, &[("tab", &new_tab)])
            .status,
        204
    );
    assert_eq!(report(&env)["items"][0]["flagged"], false);
    // The server dies: the lock goes with it, and the terminal resumes at once.
    server.kill();
    let resumed = env.retake(&["exam", "resume"]).write_stdin("").output().unwrap();
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
}

#[test]
fn the_server_submits_at_the_deadline_with_no_tab_open() {
    let env = Env::new();
    // Every read of the test clock moves it 20 s on: a one-minute mock runs out after a few ticks.
    let server = Server::start(&env, "20", "11");
    let csrf = signed_in(&server);
    let tab = start_mock(&server, &csrf, &[("count", "3"), ("minutes", "1")]);
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if report(&env)["status"] == "expired" {
            break;
        }
        assert!(Instant::now() < until, "the server never expired the attempt");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The tab's timer reloads the page at zero: it is sent to the report.
    let r = server.get(&format!("/exam/MINI-1?tab={tab}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/report/1"));
    assert_eq!(server.get("/report/1").status, 200);
}

#[test]
fn every_page_renders_and_bank_strings_are_escaped() {
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let csrf = signed_in(&server);
    for path in ["/", "/drill", "/progress/MINI-1", "/plan/MINI-1"] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.starts_with("<!DOCTYPE html>"), "{path}");
    }
    // Practice: the feedback after an answer, then the report.
    let tab = start_mock(&server, &csrf, &[("count", "3"), ("practice", "on")]);
    let page = server.get(&format!("/exam/MINI-1?tab={tab}"));
    assert!(page.body.contains("Untimed practice"));
    let kind = attr(&page.body, "data-type").unwrap();
    let answer = answer_for(&page.body);
    let mut fields: Vec<(String, String)> =
        vec![("tab".into(), tab.clone()), ("action".into(), "next".into())];
    fields.extend(answer_fields(&kind, &answer));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    server.post("/exam/MINI-1/act", &csrf, &refs);
    let fb = server.get(&format!("/exam/MINI-1?tab={tab}"));
    assert!(fb.body.contains("right answer:"), "{}", fb.body);
    assert_eq!(
        server
            .post("/exam/MINI-1/act", &csrf, &[("tab", &tab), ("action", "review")])
            .status,
        303
    );
    let done = server.post("/exam/MINI-1/submit", &csrf, &[("tab", &tab)]);
    let r = server.get(done.header("location").unwrap());
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Score"));
    for path in ["/progress/MINI-1", "/plan/MINI-1"] {
        assert_eq!(server.get(path).status, 200, "{path}");
    }
    // The drill: a card, an answer or a grade, undo.
    let d = server.post("/drill/start", &csrf, &[("exam", "MINI-1")]);
    assert_eq!(d.status, 303, "{}", d.body);
    let card = server.get("/drill");
    assert_eq!(card.status, 200);
    if card.body.contains("Show answer") {
        assert_eq!(server.post("/drill/grade", &csrf, &[("rating", "3")]).status, 303);
    } else {
        let kind = attr(&card.body, "data-type").unwrap();
        let mut f = answer_fields(&kind, &answer_for(&card.body));
        f.insert(0, ("x".into(), "y".into()));
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(server.post("/drill/answer", &csrf, &refs).status, 303);
        assert!(server.get("/drill").body.contains("Continue"));
    }
    assert_eq!(server.post("/drill/undo", &csrf, &[]).status, 303);
    assert_eq!(server.get("/drill").status, 200);
    drop(server);

    // A hostile bank: its markup is shown as text, never run.
    let evil = Env::new();
    let mut child = evil
        .process(&[
            "--banks",
            "tests/fixtures/banks/evil",
            "serve",
            "--no-open",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let rest = line.trim().strip_prefix("http://127.0.0.1:").unwrap();
    let (port, token) = rest.split_once("/?token=").unwrap();
    let s = Server {
        child,
        port: port.parse().unwrap(),
        token: token.to_owned(),
    };
    let csrf = signed_in(&s);
    let home = s.get("/");
    let code = attr(&home.body, "action").unwrap();
    let r = s.post(&code, &csrf, &[("count", "1"), ("practice", "on")]);
    let page = s.get(r.header("location").unwrap());
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;"), "{}", page.body);
    assert!(!page.body.contains("<b>A</b>"));
}

/// One read of the socket, retried when a signal interrupts it (the test process gets SIGCHLD from
/// the servers and browsers it starts and stops).
fn read_retrying(s: &mut impl Read, buf: &mut [u8]) -> usize {
    loop {
        match s.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other.unwrap(),
        }
    }
}
