//! The drill in the browser: quiz items answered with the exam's controls (the explanation after
//! each), flashcards that flip, grades 1–4 as buttons and keys, undo.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use maud::{Markup, html};

use super::pages::layout;
use super::{App, DrillState, Failure, Fields, Page, html as respond, items, see};
use crate::engine::EngineError;
use crate::engine::drill::{self, Begun, DrillOptions, Face, Graded};
use crate::schedule::Rating;

fn csrf(app: &App) -> Markup {
    html! { input type="hidden" name="csrf" value=(app.csrf); }
}

fn start_form(app: &App, exams: &[String], note: Option<&str>) -> Markup {
    html! {
        h1 { "Drill" }
        @if let Some(n) = note { p.message role="status" { (n) } }
        form method="post" action="/drill/start" {
            (csrf(app))
            fieldset {
                legend { "Exam" }
                label.block { input type="radio" name="exam" value="" checked; "All exams" }
                @for e in exams { label.block { input type="radio" name="exam" value=(e); (e) } }
            }
            label.block { input type="checkbox" name="ahead"; "Also cards due in the next 7 days" }
            button.primary type="submit" { "Start drill" }
        }
    }
}

/// `POST /drill/start`: today's queue (of one exam, or all).
pub async fn start(State(app): State<Arc<App>>, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let (settings, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let wanted = f.get("exam").filter(|e| !e.is_empty());
    let exams: Vec<_> = inner
        .exams
        .iter()
        .filter(|e| wanted.is_none_or(|w| e.code.eq_ignore_ascii_case(w)))
        .cloned()
        .collect();
    if exams.is_empty() {
        return Err(Failure::not_found("no such exam"));
    }
    let opts = DrillOptions {
        ahead: f.get("ahead") == Some("on"),
        seed: inner.seed,
        ..DrillOptions::default()
    };
    let codes: Vec<String> = exams.iter().map(|e| e.code.clone()).collect();
    match drill::begin(&mut inner.store, &exams, &opts, &settings, &clock)? {
        Begun::Run(run) => {
            inner.drill = Some(DrillState {
                run: *run,
                exams: codes,
                graded: None,
                error: None,
            });
            Ok(see("/drill"))
        }
        Begun::Nothing { next_due } => {
            let note = match next_due {
                Some(t) => format!(
                    "Nothing is due. The next card is due {}.",
                    clock.zone.local(t).format("%a %-d %b %H:%M")
                ),
                None => "Nothing is due and no new families are left in these banks.".to_owned(),
            };
            let all: Vec<String> = inner.exams.iter().map(|e| e.code.clone()).collect();
            Ok(respond(layout(
                "Drill",
                Some(&app.csrf),
                start_form(&app, &all, Some(&note)),
            )))
        }
    }
}

fn graded_view(g: &Graded) -> Markup {
    html! {
        div.feedback role="status" class=(match g.correct { Some(true) => "right", Some(false) => "wrong", None => "" }) {
            @if let Some(c) = g.correct {
                p { strong { (if c { "Right." } else { "Not quite." }) } " " (g.points.0) "/" (g.points.1)
                    @if let Some(r) = &g.right_answer { " · right answer: " (r) }
                    " · graded " (g.rating.name()) }
                p { (g.explanation) }
            } @else {
                p { "Graded " (g.rating.name()) "." }
            }
            @for n in &g.notices { p.small { (n.text) } }
        }
    }
}

/// `GET /drill`: the card on screen, the feedback on the last answer, or the session's summary.
pub async fn screen(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    let all: Vec<String> = inner.exams.iter().map(|e| e.code.clone()).collect();
    let inner = &mut *inner;
    let Some(state) = inner.drill.as_mut() else {
        return Ok(respond(layout(
            "Drill",
            Some(&app.csrf),
            start_form(&app, &all, None),
        )));
    };
    if q.contains_key("next") {
        state.graded = None;
    }
    // A quiz answer's feedback stays until the learner goes on.
    if let Some(g) = state.graded.as_ref().filter(|g| g.correct.is_some()) {
        let body = html! {
            h1 { "Drill" }
            (graded_view(g))
            div.row {
                a.button.primary href="/drill?next=1" id="continue" { "Continue" }
                form method="post" action="/drill/undo" { (csrf(&app)) button type="submit" { "Undo" } }
            }
        };
        return Ok(respond(layout("Drill", Some(&app.csrf), body)));
    }
    let error = state.error.take();
    let flash = state.graded.take();
    let can_undo = state.run.can_undo();
    let tally = state.run.tally();
    let Some(card) = state.run.next_card(&mut inner.store, clock.now)? else {
        let exams = state.exams.clone();
        inner.drill = None;
        let s = drill::summary(&inner.store, tally, &exams, &clock)?;
        let body = html! {
            h1 { "Drill done" }
            p { "Reviewed " (s.tally.reviewed) " cards; " (s.tally.quiz_right) " of " (s.tally.quiz) " questions right." }
            p { (s.due_tomorrow) " due tomorrow, " (s.due_week) " within a week." }
            p { a.button href="/" { "Home" } }
        };
        return Ok(respond(layout("Drill done", Some(&app.csrf), body)));
    };
    let head = html! {
        p.small { "Card " (card.position + 1) " of " (card.total) " · " (card.exam) @if card.new { " · new" } }
        @if let Some(g) = &flash { (graded_view(g)) }
        @if let Some(e) = &error { p.error role="alert" { "Not saved: " (e) } }
    };
    let undo = html! {
        div.row {
            @if can_undo { form method="post" action="/drill/undo" { (csrf(&app)) button type="submit" { "Undo" } } }
            form method="post" action="/drill/skip" { (csrf(&app)) button type="submit" { "Skip" } }
        }
    };
    let body = match &card.face {
        Face::Quiz(item) => html! {
            h1 { "Drill" }
            (head)
            @if let Some(s) = &item.scenario { details { summary { "Case study" } p.scenario-text { (s) } } }
            form.item #item method="post" action="/drill/answer" data-type=(item.instance.item_type().as_str()) {
                (csrf(&app))
                h2.stem { (item.instance.stem) }
                (items::controls(item, false))
                button.primary type="submit" { "Check answer" }
            }
            (undo)
        },
        Face::Flash(fc) => html! {
            h1 { "Drill" }
            (head)
            div.flashcard {
                input.flip type="checkbox" id="flip";
                div.front { p.big { (fc.front) } }
                label.button.flip-label for="flip" { "Show answer" }
                div.back {
                    p.big { (fc.back) }
                    form.grades method="post" action="/drill/grade" {
                        (csrf(&app))
                        button type="submit" name="rating" value="1" { "1 Again" }
                        button type="submit" name="rating" value="2" { "2 Hard" }
                        button.primary type="submit" name="rating" value="3" { "3 Good" }
                        button type="submit" name="rating" value="4" { "4 Easy" }
                    }
                }
            }
            (undo)
        },
    };
    Ok(respond(layout("Drill", Some(&app.csrf), body)))
}

fn no_drill() -> Failure {
    Failure::new(
        StatusCode::CONFLICT,
        "No drill",
        "No drill is running: start one.",
    )
}

/// `POST /drill/answer`: a quiz card answered with the controls.
pub async fn answer(State(app): State<Arc<App>>, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    let inner = &mut *inner;
    let state = inner.drill.as_mut().ok_or_else(no_drill)?;
    let Some(card) = state.run.next_card(&mut inner.store, clock.now)? else {
        return Ok(see("/drill"));
    };
    let Face::Quiz(item) = &card.face else {
        return Ok(see("/drill"));
    };
    let Some(text) = items::answer_text(item, &f) else {
        state.error = Some("choose an answer first".to_owned());
        return Ok(see("/drill"));
    };
    match state.run.grade_quiz(&mut inner.store, &text, clock.now) {
        Ok(g) => state.graded = Some(g),
        Err(EngineError::BadAnswer(m)) => state.error = Some(m),
        Err(e) => return Err(e.into()),
    }
    Ok(see("/drill"))
}

/// `POST /drill/grade`: a flashcard self-graded 1–4.
pub async fn grade(State(app): State<Arc<App>>, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = Fields(f);
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    let inner = &mut *inner;
    let state = inner.drill.as_mut().ok_or_else(no_drill)?;
    let rating = f
        .get("rating")
        .and_then(|r| r.parse::<u8>().ok())
        .and_then(Rating::from_number)
        .ok_or_else(|| Failure::new(StatusCode::BAD_REQUEST, "Not possible", "grade with 1, 2, 3 or 4"))?;
    state.run.next_card(&mut inner.store, clock.now)?;
    match state.run.grade_flash(&mut inner.store, rating, clock.now) {
        Ok(g) => state.graded = Some(g),
        Err(EngineError::BadAnswer(m)) => state.error = Some(m),
        Err(e) => return Err(e.into()),
    }
    Ok(see("/drill"))
}

/// `POST /drill/undo`: takes back the last grade.
pub async fn undo(State(app): State<Arc<App>>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    let inner = &mut *inner;
    let state = inner.drill.as_mut().ok_or_else(no_drill)?;
    state.graded = None;
    state.run.undo(&mut inner.store, clock.now)?;
    Ok(see("/drill"))
}

/// `POST /drill/skip`: the card on screen is left for later (no grade).
pub async fn skip(State(app): State<Arc<App>>) -> Page {
    let mut inner = app.lock()?;
    let state = inner.drill.as_mut().ok_or_else(no_drill)?;
    state.graded = None;
    state.run.skip();
    Ok(see("/drill"))
}
