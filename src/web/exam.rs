//! The exam room: start, the item screen, the review screen, the confirmation, submit — and which
//! tab holds the attempt.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::pages::{self, ExamView, LockWarning};
use super::{App, Failure, Fields, Held, Inner, Page, TAB_TIMEOUT_SECS, html, items, new_tab_id, see};
use crate::engine::mock::{self, Resumed, StartRequest};
use crate::engine::{EngineError, LearnerClock};
use crate::exam::{Command, Location, Mode};
use crate::store::StoreError;

fn exam_url(code: &str, tab: &str) -> String {
    format!("/exam/{code}?tab={tab}")
}

fn stale(held: &Held) -> bool {
    held.beat.elapsed() > Duration::from_secs(TAB_TIMEOUT_SECS)
}

/// Drops a run that another driver took over (its lease goes with it) and says so.
fn lost(inner: &mut Inner, code: &str, e: EngineError) -> Failure {
    if matches!(e, EngineError::Store(StoreError::Superseded { .. })) {
        inner.runs.remove(code);
    }
    Failure::from(e)
}

/// Makes sure this process drives the attempt in progress of `code` (resuming it when needed).
/// Returns `Ok(None)` when there is none (it expired or was never started).
fn ensure_run(
    app: &App,
    inner: &mut Inner,
    code: &str,
    clock: &LearnerClock,
    token: &str,
    take_over: bool,
) -> Result<Option<i64>, Failure> {
    if inner.runs.contains_key(code) {
        return Ok(None);
    }
    match mock::resume(
        &mut inner.store,
        Some(&app.db),
        Some(code),
        clock,
        token.to_owned(),
        take_over,
    ) {
        Ok((Resumed::Running(run), notices)) => {
            inner.runs.insert(
                code.to_owned(),
                Held {
                    run: *run,
                    beat: Instant::now(),
                    feedback: None,
                    notices,
                },
            );
            Ok(None)
        }
        Ok((Resumed::Expired(id), _)) => Ok(Some(id)),
        Err(EngineError::NothingInProgress) => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "No attempt in progress",
            format!("{code} has no attempt in progress: start one from the home page."),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /exam/{code}?tab=T`: the item or the review screen of the tab holding the attempt.
pub async fn screen(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let mut inner = app.lock()?;
    let code = inner
        .exam(&code)
        .map(|e| e.code.clone())
        .ok_or_else(|| Failure::not_found(format!("no exam \"{code}\"")))?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let tab = q.get("tab").filter(|t| t.len() == 32).cloned();
    if !inner.runs.contains_key(&code)
        && let Some(id) = inner.expired.remove(&code)
    {
        // The time ran out (the timer reloads the page at zero): the report.
        return Ok(see(&format!("/report/{id}")));
    }
    let token = tab.clone().unwrap_or_else(new_tab_id);
    match ensure_run(&app, &mut inner, &code, &clock, &token, false) {
        Ok(Some(expired)) => return Ok(see(&format!("/report/{expired}"))),
        Ok(None) => {}
        Err(f) if f.status == StatusCode::CONFLICT => {
            // A terminal (or another server) drives it: offer to take it over.
            return Ok((
                StatusCode::CONFLICT,
                html(pages::elsewhere(&app.csrf, &code, &f.message, &token)),
            )
                .into_response());
        }
        Err(f) => return Err(f),
    }
    let Inner { runs, store, .. } = &mut *inner;
    let Some(held) = runs.get_mut(&code) else {
        return Err(Failure::internal("the attempt vanished"));
    };
    if held.run.token() != token {
        if stale(held) {
            held.run.hand_to(store, token.clone())?;
        } else {
            let message = "This exam is open in another tab or window of this browser. Continue there, or take it over here (the other tab will be told).";
            return Ok((
                StatusCode::CONFLICT,
                html(pages::elsewhere(&app.csrf, &code, message, &token)),
            )
                .into_response());
        }
    }
    if tab.is_none() {
        return Ok(see(&exam_url(&code, &token)));
    }
    render(
        &app,
        &mut inner,
        &code,
        &clock,
        None,
        None,
        q.get("filter").map_or("all", String::as_str),
    )
}

/// Renders the current location of the attempt (the tab already holds it).
fn render(
    app: &App,
    inner: &mut Inner,
    code: &str,
    clock: &LearnerClock,
    error: Option<String>,
    lock: Option<LockWarning>,
    filter: &str,
) -> Page {
    let Inner { runs, exams, .. } = inner;
    let Some(held) = runs.get_mut(code) else {
        return Err(Failure::internal("the attempt vanished"));
    };
    held.beat = Instant::now();
    let title = exams
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.title.clone())
        .unwrap_or_default();
    let feedback = held.feedback.take();
    let notices = std::mem::take(&mut held.notices);
    let view = ExamView {
        csrf: &app.csrf,
        code,
        title: &title,
        run: &held.run,
        now: clock.now,
        error,
        lock,
        feedback,
        filter: filter.to_owned(),
        notices,
    };
    let status = if view.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = match held.run.session.location {
        Location::Item(_) => pages::item_screen(&view),
        Location::Review => pages::review_screen(&view),
    };
    Ok((status, html(page)).into_response())
}

/// Checks that the form comes from the tab holding the attempt; returns its token.
fn holder(inner: &mut Inner, code: &str, f: &Fields) -> Result<String, Failure> {
    let tab = f.get("tab").unwrap_or("");
    match inner.runs.get_mut(code) {
        Some(held) if held.run.token() == tab => {
            held.beat = Instant::now();
            Ok(tab.to_owned())
        }
        Some(_) => Err(Failure::new(
            StatusCode::CONFLICT,
            "Taken over in another tab",
            "This exam was taken over in another tab or window: this change was not saved. Continue in the other tab, or open the exam here again to take it back.",
        )),
        None => Err(Failure::new(
            StatusCode::CONFLICT,
            "Not open here",
            "This attempt is not open in this server any more (it was submitted, or taken over by a terminal): this change was not saved. Open the exam again from the home page.",
        )),
    }
}

fn code_of(inner: &Inner, code: &str) -> Result<String, Failure> {
    inner
        .exam(code)
        .map(|e| e.code.clone())
        .ok_or_else(|| Failure::not_found(format!("no exam \"{code}\"")))
}

/// `POST /exam/{code}/start`: starts a mock exam from the home page's form.
pub async fn start(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let code = code_of(&inner, &code)?;
    let exam = inner
        .exam(&code)
        .map(|e| e.exam.clone())
        .ok_or_else(|| Failure::not_found("no such exam"))?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let number = |name: &str| f.get(name).map(str::trim).filter(|v| !v.is_empty());
    let count = match number("count") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "Not possible",
                format!("\"{v}\" is not a number of questions"),
            )
        })?),
        None => None,
    };
    let minutes = match number("minutes") {
        Some(v) => Some(v.parse::<f64>().map_err(|_| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "Not possible",
                format!("\"{v}\" is not a number of minutes"),
            )
        })?),
        None => None,
    };
    let abandon = f.get("abandon") == Some("on");
    if abandon && let Some(held) = inner.runs.remove(&code) {
        // This process drives it: let it go, so the engine can close it as abandoned.
        drop(held);
    }
    let request = StartRequest {
        count,
        minutes,
        domains: f.all("domain").into_iter().map(str::to_owned).collect(),
        mode: if f.get("mode") == Some("blueprint") {
            Mode::Blueprint
        } else {
            Mode::Targeted
        },
        practice: f.get("practice") == Some("on"),
        abandon,
        seed: inner.seed,
    };
    let token = new_tab_id();
    let started = mock::start(
        &mut inner.store,
        Some(&app.db),
        &exam,
        &request,
        &clock,
        token.clone(),
    )?;
    inner.runs.insert(
        code.clone(),
        Held {
            run: started.run,
            beat: Instant::now(),
            feedback: None,
            notices: started.notices,
        },
    );
    Ok(see(&exam_url(&code, &token)))
}

/// The navigation a button asks for.
fn command(action: &str, f: &Fields) -> Option<Command> {
    match action {
        "prev" => Some(Command::Back),
        "next" => Some(Command::Next),
        "review" => Some(Command::Review),
        "goto" => f
            .get("goto")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .map(Command::Goto),
        _ => None,
    }
}

/// `POST /exam/{code}/act`: the item screen's and the review screen's buttons. The answer on the
/// page is committed first (whatever the button), then the button acts.
pub async fn act(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let code = code_of(&inner, &code)?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let tab = holder(&mut inner, &code, &f)?;
    let action = f
        .get("action")
        .or_else(|| f.get("goto").map(|_| "goto"))
        .unwrap_or("save")
        .to_owned();
    let now = clock.now;
    let Inner { runs, store, .. } = &mut *inner;
    let Some(held) = runs.get_mut(&code) else {
        return Err(Failure::internal("the attempt vanished"));
    };
    let mut just_answered = false;
    if let (Location::Item(i), None) = (held.run.session.location, f.get("confirm")) {
        let item = &held.run.session.items[i];
        if !item.locked
            && let Some(text) = items::answer_text(item, &f)
            && items::changed(item, &text)
        {
            match held.run.answer(store, &text, now) {
                Ok((pos, feedback)) => {
                    just_answered = true;
                    held.feedback = feedback.map(|fb| (pos, fb));
                }
                Err(EngineError::BadAnswer(m)) => {
                    return render(&app, &mut inner, &code, &clock, Some(m), None, "all");
                }
                Err(e) => return Err(lost(&mut inner, &code, e)),
            }
        }
    }
    let url = exam_url(&code, &tab);
    match action.as_str() {
        "flag" => {
            if let Err(e) = held.run.toggle_flag(store, now) {
                return Err(lost(&mut inner, &code, e));
            }
            Ok(see(&url))
        }
        "submit" => Ok(see(&format!("/exam/{code}/confirm?tab={tab}"))),
        // Practice: the feedback on a new answer is shown on its item before moving on.
        "next" if just_answered && held.feedback.is_some() => Ok(see(&url)),
        a => {
            let Some(cmd) = command(a, &f) else {
                return Ok(see(&url));
            };
            let to = match held.run.destination(&cmd) {
                Ok(to) => to,
                Err(EngineError::BadMove(m)) => {
                    return render(&app, &mut inner, &code, &clock, Some(m), None, "all");
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(span) = held.run.section_lock(to)
                && f.get("confirm") != Some("1")
            {
                let warning = LockWarning {
                    span: span.describe(),
                    action: a.to_owned(),
                    goto: f.get("goto").map(str::to_owned),
                };
                return render(&app, &mut inner, &code, &clock, None, Some(warning), "all");
            }
            held.feedback = None;
            if let Err(e) = held.run.go(store, to, now) {
                return Err(lost(&mut inner, &code, e));
            }
            Ok(see(&url))
        }
    }
}

/// `POST /exam/{code}/takeover`: this tab (or this server, from a terminal) takes the attempt.
pub async fn take_over(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let code = code_of(&inner, &code)?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let token = f
        .get("tab")
        .filter(|t| t.len() == 32)
        .map_or_else(new_tab_id, str::to_owned);
    if let Some(expired) = ensure_run(&app, &mut inner, &code, &clock, &token, true)? {
        return Ok(see(&format!("/report/{expired}")));
    }
    let Inner { runs, store, .. } = &mut *inner;
    if let Some(held) = runs.get_mut(&code) {
        if held.run.token() != token {
            held.run.hand_to(store, token.clone())?;
        }
        held.beat = Instant::now();
    }
    Ok(see(&exam_url(&code, &token)))
}

/// `POST /exam/{code}/beat`: the heartbeat of the tab holding the attempt (204), or 409 when
/// another tab holds it.
pub async fn beat(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let Ok(mut inner) = app.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(code) = code_of(&inner, &code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match holder(&mut inner, &code, &f) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::CONFLICT.into_response(),
    }
}

/// `GET /exam/{code}/confirm?tab=T`: "Submit exam" asks once more.
pub async fn confirm(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let mut inner = app.lock()?;
    let code = code_of(&inner, &code)?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let tab = q.get("tab").cloned().unwrap_or_default();
    let Some(held) = inner.runs.get(&code) else {
        return Ok(see(&format!("/exam/{code}")));
    };
    if held.run.token() != tab {
        return Ok(see(&format!("/exam/{code}?tab={tab}")));
    }
    Ok(html(pages::confirm_screen(
        &app.csrf, &code, &tab, &held.run, clock.now,
    )))
}

/// `POST /exam/{code}/submit`: the confirmation's "Submit".
pub async fn submit(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let code = code_of(&inner, &code)?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    holder(&mut inner, &code, &f)?;
    let Some(held) = inner.runs.remove(&code) else {
        return Err(Failure::internal("the attempt vanished"));
    };
    let id = held.run.submit(&mut inner.store, clock.now)?;
    Ok(see(&format!("/report/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_map_to_the_terminal_commands() {
        let f = Fields(vec![("goto".into(), "3".into())]);
        assert_eq!(command("prev", &f), Some(Command::Back));
        assert_eq!(command("next", &f), Some(Command::Next));
        assert_eq!(command("review", &f), Some(Command::Review));
        assert_eq!(command("goto", &f), Some(Command::Goto(3)));
        assert_eq!(command("goto", &Fields(vec![("goto".into(), "0".into())])), None);
        assert_eq!(command("save", &f), None);
    }
}
