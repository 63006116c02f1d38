//! `retake serve`: the exam room in the browser — a local, single-user web face on the engine.
//!
//! One process serves one learner database on 127.0.0.1. Handlers are thin: they extract the
//! request, call the engine ([`crate::engine`]) under one lock and render HTML with maud (which
//! escapes every bank string). The browser needs no script to use it: every action is a form that
//! POSTs and redirects; a small embedded script adds drag-and-drop, the live timer, the heartbeat
//! of the tab holding an attempt and keyboard shortcuts.
//!
//! Security of a local server: a random per-launch token (first visit by URL, then an HttpOnly,
//! SameSite=Strict cookie); the Host must be this server's own (against DNS rebinding); every POST
//! carries a matching Origin and the per-launch CSRF token; a strict Content-Security-Policy
//! (scripts and styles only from the embedded files); request bodies are capped; nothing is served
//! from disk.
//!
//! One driver per attempt: the process holds each attempt it drives (the engine's lease), and inside
//! the process one tab at a time holds it — the tab id is the driver token, kept alive by requests
//! and heartbeats; a second tab is told and can take over, and a stale tab's writes are refused.

mod drill;
mod exam;
mod items;
mod pages;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::Markup;

use crate::engine::catalog::{self, BankSource};
use crate::engine::drill::{DrillRun, Graded};
use crate::engine::mock::{self, Feedback, MockRun};
use crate::engine::settings::{self, Settings};
use crate::engine::{Clock, EngineError, LearnerClock};
use crate::store::{ExamSummary, Store, StoreError};

/// The largest request body accepted (answers are a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a tab keeps an attempt without a request or a heartbeat before another tab may take it
/// without asking.
const TAB_TIMEOUT_SECS: u64 = 8;

/// What `retake serve` needs to start.
pub struct Config {
    /// The learner database.
    pub db: PathBuf,
    /// Where the banks come from.
    pub banks: BankSource,
    /// The port (0: a free one).
    pub port: u16,
    /// "Now" at launch (honours `RETAKE_NOW`).
    pub now: DateTime<Utc>,
    /// The clock of the running server (the system clock, or the test clock).
    pub clock: Box<dyn Clock + Send>,
    /// `--seed`: the seed of mocks started from the browser.
    pub seed: Option<u64>,
}

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The engine failed while opening the database.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The socket or the runtime failed.
    #[error("cannot serve on 127.0.0.1:{port}: {source}")]
    Io {
        /// The port asked for.
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No random bytes for the token.
    #[error("cannot draw a random token: {0}")]
    Random(String),
}

/// A mock exam held by this process, and the tab that drives it.
struct Held {
    run: MockRun,
    /// The last request or heartbeat of the tab holding it.
    beat: Instant,
    /// In practice attempts: the feedback on the answer just given, shown once on its item.
    feedback: Option<(usize, Feedback)>,
    /// What the engine said when the attempt was started or resumed, shown once.
    notices: Vec<crate::engine::Notice>,
}

/// A drill session and what its last grade said.
struct DrillState {
    run: DrillRun,
    exams: Vec<String>,
    graded: Option<Graded>,
    error: Option<String>,
}

/// Everything behind the lock: the store, the clock and the sessions being driven.
struct Inner {
    store: Store,
    clock: Box<dyn Clock + Send>,
    exams: Vec<ExamSummary>,
    runs: HashMap<String, Held>,
    drill: Option<DrillState>,
    seed: Option<u64>,
    /// Attempts this process drove that ran out of time: their tab is sent to the report.
    expired: HashMap<String, i64>,
}

impl Inner {
    /// Reads the clock once for a request: the learner's settings and clock at that instant.
    fn learner(&mut self) -> Result<(Settings, LearnerClock), EngineError> {
        let now = self.clock.now();
        let (settings, clock, _) = settings::learner(&self.store, now)?;
        Ok((settings, clock))
    }

    fn exam(&self, code: &str) -> Option<&ExamSummary> {
        self.exams.iter().find(|e| e.code.eq_ignore_ascii_case(code))
    }

    /// Submits, as expired, every attempt past its deadline: first those this process drives, then
    /// any other (the engine's rule for every reader).
    fn expire(&mut self, clock: &LearnerClock) -> Result<(), EngineError> {
        let over: Vec<String> = self
            .runs
            .iter()
            .filter(|(_, h)| h.run.is_over(clock.now))
            .map(|(c, _)| c.clone())
            .collect();
        for code in over {
            if let Some(held) = self.runs.remove(&code) {
                match held.run.expire(&mut self.store, clock.now) {
                    Ok(id) => {
                        self.expired.insert(code, id);
                    }
                    Err(EngineError::Store(StoreError::Superseded { .. })) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        mock::expire_overdue(&mut self.store, clock)?;
        Ok(())
    }
}

/// The shared state of the server.
pub(crate) struct App {
    token: String,
    csrf: String,
    port: u16,
    db: PathBuf,
    inner: Mutex<Inner>,
}

impl App {
    fn lock(&self) -> Result<MutexGuard<'_, Inner>, Failure> {
        self.inner.lock().map_err(|_| {
            Failure::internal(
                "the server's state is unusable after an earlier failure: restart `retake serve`",
            )
        })
    }
}

/// A request that failed: a page saying why, with a status.
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl Failure {
    fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            title,
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", message)
    }

    fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, "Not found", message)
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Failure {
        let status = match &e {
            EngineError::Store(StoreError::Superseded { .. }) | EngineError::OpenElsewhere { .. } => {
                StatusCode::CONFLICT
            }
            e if e.is_usage() => StatusCode::BAD_REQUEST,
            EngineError::InProgress { .. }
            | EngineError::NothingInProgress
            | EngineError::NoAttempts
            | EngineError::EmptySelection(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let title = match &e {
            EngineError::Store(StoreError::Superseded { .. }) => "Taken over elsewhere",
            EngineError::OpenElsewhere { .. } => "Open elsewhere",
            _ if status == StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            _ => "Not possible",
        };
        Failure::new(status, title, e.to_string())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let page = pages::message(self.title, &self.message, None);
        (self.status, html(page)).into_response()
    }
}

/// A handler's result.
pub(crate) type Page = Result<Response, Failure>;

/// Headers of every HTML page: never cached.
fn page_headers() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// An HTML page as a response.
pub(crate) fn html(markup: Markup) -> Response {
    (page_headers(), axum::response::Html(markup.into_string())).into_response()
}

/// A redirect after a POST (303: the browser follows with a GET).
pub(crate) fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A random hex string of `bytes` bytes from the operating system.
pub fn random_hex(bytes: usize) -> Result<String, WebError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| WebError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh tab id (a driver token); falls back to a clock-derived value only if the OS has no
/// randomness left, which `serve` already proved it has.
pub(crate) fn new_tab_id() -> String {
    random_hex(16).unwrap_or_else(|_| format!("{:032x}", Instant::now().elapsed().as_nanos()))
}

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        JS,
    )
        .into_response()
}

/// The cookie carrying the per-launch token.
const COOKIE: &str = "retake_token";

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
}

fn query_value<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Compares two secrets in constant time.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

/// The guard in front of every route: Host, token, Origin and CSRF, the body cap, and the security
/// headers of every response.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut response = check(&app, req, next).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "Cross-Origin-Opener-Policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "Cross-Origin-Resource-Policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn check(app: &App, req: Request, next: Next) -> Response {
    // DNS rebinding: only this server's own names.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let own = [
        format!("127.0.0.1:{}", app.port),
        format!("localhost:{}", app.port),
    ];
    if !own.iter().any(|o| o == host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only to 127.0.0.1 and localhost on its own port",
        );
    }
    // First visit: the token from the URL becomes a cookie, and the URL loses it.
    if req.method() == Method::GET
        && let Some(t) = query_value(req.uri().query(), "token")
    {
        if !same_secret(t, &app.token) {
            return refuse(
                StatusCode::FORBIDDEN,
                "wrong token: open the URL `retake serve` printed",
            );
        }
        let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.token);
        let mut r = see("/");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return r;
    }
    if !cookie_token(req.headers()).is_some_and(|t| same_secret(t, &app.token)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "no token: open the URL that `retake serve` printed (http://127.0.0.1:PORT/?token=…)",
        );
    }
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return next.run(req).await;
    }
    if req.method() != Method::POST {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET and POST");
    }
    let origin_ok = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| own.iter().any(|h| o == format!("http://{h}")));
    if !origin_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            "a change must come from this server's own pages (Origin)",
        );
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large"),
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let csrf_ok = fields
        .iter()
        .any(|(k, v)| k == "csrf" && same_secret(v, &app.csrf));
    if !csrf_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            "a change must carry this page's CSRF token: reload the page",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The submitted fields of a form.
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/exam/{code}", get(exam::screen))
        .route("/exam/{code}/start", post(exam::start))
        .route("/exam/{code}/act", post(exam::act))
        .route("/exam/{code}/takeover", post(exam::take_over))
        .route("/exam/{code}/beat", post(exam::beat))
        .route("/exam/{code}/confirm", get(exam::confirm))
        .route("/exam/{code}/submit", post(exam::submit))
        .route("/report/{id}", get(pages::report))
        .route("/progress/{code}", get(pages::progress))
        .route("/plan/{code}", get(pages::plan))
        .route("/drill", get(drill::screen))
        .route("/drill/start", post(drill::start))
        .route("/drill/answer", post(drill::answer))
        .route("/drill/grade", post(drill::grade))
        .route("/drill/undo", post(drill::undo))
        .route("/drill/skip", post(drill::skip))
        .fallback(|| async { Failure::not_found("there is no such page") })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

/// Opens the database, binds 127.0.0.1:`port`, calls `ready` with the URL to open, and serves until
/// Ctrl-C (or SIGTERM). Deadlines are enforced every second even when no tab is open.
pub fn serve(config: Config, ready: impl FnOnce(&str)) -> Result<(), WebError> {
    let port = config.port;
    let io = |source| WebError::Io { port, source };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .map_err(io)?;
        let port = listener.local_addr().map_err(io)?.port();
        let cat = catalog::open(&config.db, &config.banks, config.now)?;
        let exams = cat.exams()?;
        let token = random_hex(24)?;
        let app = Arc::new(App {
            csrf: random_hex(24)?,
            token: token.clone(),
            port,
            db: config.db.clone(),
            inner: Mutex::new(Inner {
                store: cat.store,
                clock: config.clock,
                exams,
                runs: HashMap::new(),
                drill: None,
                seed: config.seed,
                expired: HashMap::new(),
            }),
        });
        ready(&format!("http://127.0.0.1:{port}/?token={token}"));
        let ticker = app.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                every.tick().await;
                if let Ok(mut inner) = ticker.inner.lock()
                    && let Ok((_, clock)) = inner.learner()
                {
                    let _ = inner.expire(&clock);
                }
            }
        });
        axum::serve(listener, router(app))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(io)
    })
}

async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn the_token_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; retake_token=xyz; b=2"),
        );
        assert_eq!(cookie_token(&h), Some("xyz"));
        assert_eq!(query_value(Some("x=1&token=t"), "token"), Some("t"));
        assert_eq!(query_value(None, "token"), None);
    }

    #[test]
    fn random_tokens_differ_and_are_hex() -> Result<(), WebError> {
        let a = random_hex(16)?;
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, random_hex(16)?);
        Ok(())
    }
}
