//! `retake serve` in a real browser: Debian's chromium driven through chromedriver (WebDriver),
//! spoken to with a few lines of JSON over HTTP. A full mock answered by clicking labels, dragging
//! tiles, placing with the keyboard alternative and choosing in drop-downs; flag and review; the
//! server killed mid-exam and resumed; submit — and the stored attempt equals the scripted terminal
//! run with the same seed and answers. Browser tests run one at a time and poll, never sleep blind.
//!
//! `scripts/test-deps` installs chromium and chromium-driver; without them these tests fail and
//! say so.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::Env;
use crate::web::{Server, answer_for, essentials, http, terminal_run};

/// One browser at a time: they are heavy on a small machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A chromedriver process and one headless chromium session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Quits chromium (never panics: this also runs while a failed test unwinds).
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            let _ = s.read(&mut [0u8; 1024]);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn json_call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let text = body.map(|b| b.to_string());
    let host = format!("127.0.0.1:{port}");
    let mut headers = vec![("Host", host.as_str())];
    if text.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let r = http(port, method, path, &headers, text.as_deref());
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

impl Browser {
    /// Starts chromedriver and a headless chromium of `width`×`height`.
    pub fn start(width: u32, height: u32) -> Browser {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("chromedriver is missing: run scripts/test-deps (Debian's chromium and chromium-driver)");
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let v = json_call(port, "POST", "/session", Some(&caps));
        let Some(session) = v["value"]["sessionId"].as_str().map(str::to_owned) else {
            let mut driver = driver;
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("no WebDriver session: {v}");
        };
        let b = Browser {
            driver,
            port,
            session,
            _profile: profile,
        };
        b.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = json_call(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        if let Some(e) = v["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {e}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn find_all(&self, using: &str, value: &str) -> Vec<String> {
        let v = json_call(
            self.port,
            "POST",
            &format!("/session/{}/elements", self.session),
            Some(&json!({"using": using, "value": value})),
        );
        v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits for an element (CSS), polling.
    pub fn css(&self, selector: &str) -> String {
        self.wait_for("css selector", selector)
    }

    /// Waits for an element (XPath), polling.
    pub fn xpath(&self, path: &str) -> String {
        self.wait_for("xpath", path)
    }

    fn wait_for(&self, using: &str, value: &str) -> String {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(e) = self.find_all(using, value).into_iter().next() {
                return e;
            }
            assert!(Instant::now() < until, "no element {value} in {}", self.source());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn all_css(&self, selector: &str) -> Vec<String> {
        self.find_all("css selector", selector)
    }

    /// Waits until the page source contains `text`.
    pub fn wait_text(&self, text: &str) {
        let until = Instant::now() + Duration::from_secs(15);
        while !self.source().contains(text) {
            assert!(Instant::now() < until, "no \"{text}\" in {}", self.source());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn click(&self, element: &str) {
        self.call("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    /// Clicks the button whose accessible text is exactly `name`.
    pub fn button(&self, name: &str) {
        let e = self.xpath(&format!(
            "//button[normalize-space()='{name}'] | //a[normalize-space()='{name}']"
        ));
        self.click(&e);
    }

    pub fn attribute(&self, element: &str, name: &str) -> String {
        self.call("GET", &format!("/element/{element}/attribute/{name}"), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    pub fn text(&self, element: &str) -> String {
        self.call("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.call("POST", &format!("/element/{element}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Drags `from` onto `to` with the mouse (pointer events, as a learner's hand would).
    pub fn drag(&self, from: &str, to: &str) {
        let origin = |e: &str| json!({ ELEMENT: e });
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
                {"type": "pointerMove", "duration": 0, "origin": origin(from), "x": 0, "y": 0},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerMove", "duration": 150, "origin": origin(to), "x": 0, "y": 0},
                {"type": "pointerUp", "button": 0}
            ]}]})),
        );
        self.call("DELETE", "/actions", None);
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        decode_base64(self.call("GET", "/screenshot", None).as_str().unwrap_or(""))
    }

    /// Makes the viewport exactly `width`×`height` CSS pixels (a phone when narrow), for
    /// screenshots: the window's own size includes the browser's frame.
    pub fn viewport(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600
            }})),
        );
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

pub fn url(server: &Server) -> String {
    format!("http://127.0.0.1:{}/?token={}", server.port, server.token)
}

/// Answers the item on screen with `answer` (scripted syntax, displayed letters) the way a learner
/// does: labels for choices and yes/no, drag-and-drop and the keyboard alternative for order and
/// match, the drop-downs inside the text.
pub fn answer_in_browser(b: &Browser, kind: &str, answer: &str) {
    let parts: Vec<&str> = answer.split(',').collect();
    match kind {
        "single" | "multi" => {
            for l in parts {
                let label = b.css(&format!("label[for='o-{l}']"));
                b.click(&label);
            }
        }
        "order" => {
            // Drag each tile to its place with the mouse.
            for (p, l) in parts.iter().enumerate() {
                let tile = b.css(&format!(".tile[data-value='{l}']"));
                let slot = b.css(&format!(".slot[data-slot='{p}'] > label"));
                b.drag(&tile, &slot);
            }
        }
        "match" => {
            for (i, pair) in parts.iter().enumerate() {
                let (p, l) = pair.split_once('=').unwrap();
                let slot_index = p.parse::<usize>().unwrap() - 1;
                if i % 2 == 0 {
                    let tile = b.css(&format!(".tile[data-value='{l}']"));
                    let slot = b.css(&format!(".slot[data-slot='{slot_index}'] > label"));
                    b.drag(&tile, &slot);
                } else {
                    // The keyboard alternative: choose the tile, then "Place" on the prompt.
                    b.click(&b.css(&format!("label[for='t-{l}']")));
                    b.click(&b.css(&format!(
                        ".slot[data-slot='{slot_index}'] button[data-do='place']"
                    )));
                }
            }
        }
        "dropdown" => {
            for (i, l) in parts.iter().enumerate() {
                b.click(&b.css(&format!("select[name='b{}']", i + 1)));
                b.click(&b.css(&format!("select[name='b{}'] option[value='{l}']", i + 1)));
            }
        }
        "yesno" => {
            for (i, l) in parts.iter().enumerate() {
                let word = if *l == "Y" { "Yes" } else { "No" };
                let radio = b.css(&format!("input[name='y{}'][value='{l}']", i + 1));
                let label = b.xpath(&format!(
                    "(//tbody/tr)[{}]//label[normalize-space()='{word}']",
                    i + 1
                ));
                b.click(&label);
                let checked = b.call("GET", &format!("/element/{radio}/property/checked"), None);
                assert_eq!(checked, json!(true), "clicking the label answers");
            }
        }
        other => panic!("unknown item type {other}"),
    }
}

/// The page's item type and the answer this test gives it.
fn item_on_screen(b: &Browser) -> (String, String) {
    let form = b.css("form#item");
    let kind = b.attribute(&form, "data-type");
    (kind, answer_for(&b.source()))
}

/// Clicks Next; confirms leaving a section when asked.
fn next(b: &Browser, expect: &str) {
    b.button("Next");
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let src = b.source();
        if src.contains("Leave this section?") {
            b.button("Continue");
        } else if src.contains(expect) {
            return;
        }
        assert!(Instant::now() < until, "never reached {expect}: {src}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_full_mock_in_chromium_equals_the_terminal_run_through_a_kill_and_resume() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let env = Env::new();
    let server = Server::start(&env, "0", "11");
    let b = Browser::start(1280, 800);
    b.go(&url(&server));
    b.wait_text("Your exams");
    b.type_into(&b.css("#count-MINI-1"), "9");
    b.button("Start mock exam");
    b.wait_text("Question 1 of 9");
    let timer = b.css("[role='timer']");
    assert!(b.text(&timer).contains("Time left"), "{}", b.text(&timer));
    let mut answers = Vec::new();
    let mut server = Some(server);
    for i in 0..9 {
        b.wait_text(&format!("Question {} of 9", i + 1));
        let (kind, answer) = item_on_screen(&b);
        if kind == "multi" {
            // "Choose N": once N are ticked, the others cannot be.
            let n: usize = answer.split(',').count();
            answer_in_browser(&b, &kind, &answer);
            let disabled = b.all_css("fieldset[data-choose] input:disabled").len();
            assert_eq!(disabled, b.all_css("fieldset[data-choose] input").len() - n);
        } else {
            answer_in_browser(&b, &kind, &answer);
        }
        if i == 1 {
            b.button("Mark for review");
            b.wait_text("aria-pressed=\"true\"");
        }
        let last = i == 8;
        let expect = if last {
            "<h1>Review</h1>".to_owned()
        } else {
            format!("Question {} of 9", i + 2)
        };
        next(&b, &expect);
        answers.push(answer);
        if i == 3 {
            // Kill the server mid-exam; a new one resumes at the item where the learner left.
            server.take().unwrap().kill();
            let again = Server::start(&env, "0", "11");
            b.go(&url(&again));
            b.wait_text("Your exams");
            b.button("Resume");
            b.wait_text("Question 5 of 9");
            server = Some(again);
        }
    }
    // Review: the filter shows the marked item; then submit with a confirmation.
    b.click(&b.xpath("//a[starts-with(normalize-space(), 'Marked for review')]"));
    b.wait_text(">Question 2</button>");
    assert!(!b.source().contains(">Question 1</button>"));
    b.button("Submit exam");
    b.wait_text("Submit the exam?");
    b.button("Submit");
    b.wait_text("Item review");
    let web = {
        let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert_eq!(web["status"], "submitted");
    assert_eq!(essentials(&web), essentials(&terminal_run(&answers)));
    drop(server);
}

/// Screenshots for the README (run by `scripts/screenshots-web.sh`, which sets the folder).
#[test]
#[ignore = "makes the README's screenshots: scripts/screenshots-web.sh"]
fn screenshots() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::path::PathBuf::from(
        std::env::var("RETAKE_SCREENSHOTS").unwrap_or_else(|_| "docs/screenshots/web".to_owned()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    for (w, h) in [(1280u32, 800u32), (390, 844)] {
        let env = Env::new();
        let server = Server::start(&env, "0", "11");
        let b = Browser::start(w, h);
        b.viewport(w, h);
        let shot =
            |name: &str| std::fs::write(dir.join(format!("{name}-{w}x{h}.png")), b.screenshot()).unwrap();
        b.go(&url(&server));
        b.wait_text("Your exams");
        shot("home");
        b.type_into(&b.css("#count-MINI-1"), "9");
        b.button("Start mock exam");
        let mut seen = Vec::new();
        for i in 0..9 {
            b.wait_text(&format!("Question {} of 9", i + 1));
            let (kind, answer) = item_on_screen(&b);
            let name = if b.source().contains("aria-label=\"Case study\"") {
                "case".to_owned()
            } else {
                kind.clone()
            };
            answer_in_browser(&b, &kind, &answer);
            if !seen.contains(&name) {
                shot(&format!("exam-{name}"));
                seen.push(name);
            }
            if i == 1 {
                b.button("Mark for review");
                b.wait_text("aria-pressed=\"true\"");
            }
            let expect = if i == 8 {
                "<h1>Review</h1>".to_owned()
            } else {
                format!("Question {} of 9", i + 2)
            };
            next(&b, &expect);
        }
        shot("review");
        b.button("Submit exam");
        b.wait_text("Submit the exam?");
        b.button("Submit");
        b.wait_text("Item review");
        shot("report");
        b.go(&format!("http://127.0.0.1:{}/drill", server.port));
        b.button("Start drill");
        b.wait_text("Card 1 of");
        shot("drill");
        if b.source().contains("Show answer") {
            b.click(&b.css("label[for='flip']"));
            shot("drill-answer");
        }
    }
}
