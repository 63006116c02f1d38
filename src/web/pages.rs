//! The pages: maud templates (every bank string escaped) and the read-only handlers — home, the
//! score report with its item review, progress and the plan.

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{App, Failure, Page, html as respond, items};
use crate::engine::insight;
use crate::engine::mock::{self, Feedback, MockRun};
use crate::engine::{EngineError, LearnerClock};
use crate::exam::{Location, SessionItem, display_response};
use crate::plan;
use crate::report::{AttemptReport, Plain, clock_duration, progress};

/// The frame of every page.
pub fn layout(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · retake" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body data-csrf=[csrf] {
                header.top {
                    a.brand href="/" { "retake" }
                    nav { a href="/" { "Home" } " " a href="/drill" { "Drill" } }
                }
                main { (body) }
            }
        }
    }
}

/// A page that only says something (an error, a refusal), with an optional extra.
pub fn message(title: &str, text: &str, extra: Option<Markup>) -> Markup {
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p.message role="alert" { (text) }
            @if let Some(x) = extra { (x) }
            p { a href="/" { "Back to the home page" } }
        },
    )
}

/// The attempt is driven elsewhere (another tab, a terminal): take it over here?
pub fn elsewhere(csrf: &str, code: &str, text: &str, tab: &str) -> Markup {
    message(
        "Open elsewhere",
        text,
        Some(html! {
            form method="post" action={"/exam/" (code) "/takeover"} {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="tab" value=(tab);
                button.primary type="submit" { "Take over here" }
            }
        }),
    )
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// `GET /`: each exam with readiness, due today, the next legal retake, an attempt to resume, the
/// mock exam form and the drill.
pub async fn home(State(app): State<Arc<App>>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let inner = &mut *inner;
    let mut cards = Vec::new();
    for e in &inner.exams {
        let store = &mut inner.store;
        let readiness = insight::readiness_of(store, &e.exam, &clock)?;
        let due = crate::engine::drill::due_today(store, &e.code, &clock)?;
        let status = insight::status(store, &e.exam, &clock)?;
        let (running, latest) = mock::latest(store, &e.code, &clock)?;
        cards.push(html! {
            section.exam-card aria-labelledby={"h-" (e.code)} {
                h2 id={"h-" (e.code)} { (e.code) " — " (e.title) }
                dl.facts {
                    dt { "Readiness" }
                    dd { (percent(readiness.pass_probability)) " chance of " (e.exam.passing_score) "+ (80% of simulated exams " (readiness.score_low) "–" (readiness.score_high) ")" }
                    dt { "Due today" }
                    dd { (due) }
                    dt { "Next legal retake" }
                    dd {
                        @match (status.blocked, status.earliest) {
                            (Some(b), _) => { "blocked (" (b.as_str()) ")" }
                            (None, Some(t)) if t > clock.now => { (clock.zone.local(t).format("%a %-d %b %Y")) }
                            _ => { "now" }
                        }
                    }
                    @if let Some(l) = &latest {
                        dt { "Latest mock" }
                        dd { a href={"/report/" (l.attempt)} { (l.scaled_score.unwrap_or(0)) " (" (if l.passed == Some(true) { "pass" } else { "fail" }) ")" } }
                    }
                }
                @if let Some(r) = &running {
                    p.running {
                        "Attempt " (r.attempt) " is in progress (" (r.items) " items). "
                        a.button.primary href={"/exam/" (e.code)} { "Resume" }
                    }
                }
                details open[running.is_none()] {
                    summary { "New mock exam" }
                    form.start method="post" action={"/exam/" (e.code) "/start"} {
                        (csrf_field(&app.csrf))
                        div.row {
                            label for={"count-" (e.code)} { "Questions" }
                            input type="number" min="1" max="500" name="count" id={"count-" (e.code)} value=(e.exam.question_count);
                            label for={"minutes-" (e.code)} { "Minutes" }
                            input type="number" min="1" max="1440" step="any" name="minutes" id={"minutes-" (e.code)} value=(e.exam.duration_minutes);
                        }
                        fieldset {
                            legend { "Mode" }
                            label { input type="radio" name="mode" value="targeted" checked; "Targeted" }
                            label { input type="radio" name="mode" value="blueprint"; "Blueprint" }
                        }
                        fieldset {
                            legend { "Domains (none: all)" }
                            @for d in &e.exam.domains {
                                label.block { input type="checkbox" name="domain" value=(d.id.as_str()); (d.name) }
                            }
                        }
                        label.block { input type="checkbox" name="practice"; "Practice: untimed, the answer after each item" }
                        @if running.is_some() {
                            label.block { input type="checkbox" name="abandon"; "Abandon the attempt in progress" }
                        }
                        button.primary type="submit" { "Start mock exam" }
                    }
                }
                div.row {
                    form method="post" action="/drill/start" {
                        (csrf_field(&app.csrf))
                        input type="hidden" name="exam" value=(e.code);
                        button type="submit" { "Drill" }
                    }
                    a.button href={"/progress/" (e.code)} { "Progress" }
                    a.button href={"/plan/" (e.code)} { "Plan" }
                }
            }
        });
    }
    Ok(respond(layout(
        "Home",
        Some(&app.csrf),
        html! {
            h1 { "Your exams" }
            @if cards.is_empty() { p { "No exams in the banks." } }
            @for c in cards { (c) }
        },
    )))
}

/// A warning before leaving a section that locks.
pub struct LockWarning {
    /// "items 3–5".
    pub span: String,
    /// The button that asked to leave.
    pub action: String,
    /// Its item number, for "goto".
    pub goto: Option<String>,
}

/// Everything the exam and review screens show.
pub struct ExamView<'a> {
    /// The CSRF token.
    pub csrf: &'a str,
    /// Exam code.
    pub code: &'a str,
    /// Exam title.
    pub title: &'a str,
    /// The attempt.
    pub run: &'a MockRun,
    /// Now.
    pub now: DateTime<Utc>,
    /// An answer or a move that was refused.
    pub error: Option<String>,
    /// Leaving a section: ask first.
    pub lock: Option<LockWarning>,
    /// Practice feedback on the answer just given.
    pub feedback: Option<(usize, Feedback)>,
    /// The review screen's filter.
    pub filter: String,
    /// What the engine said on starting or resuming (a short bank, an abandoned attempt).
    pub notices: Vec<crate::engine::Notice>,
}

fn timer(run: &MockRun, now: DateTime<Utc>) -> Markup {
    match (run.attempt.deadline, run.time_left(now)) {
        (Some(deadline), Some(left)) => html! {
            div.timerbox {
                input.hide-timer type="checkbox" id="hide-timer";
                label.toggle for="hide-timer" { "Hide timer" }
                div #timer role="timer" aria-live="off" data-deadline=(deadline.timestamp_millis()) data-now=(now.timestamp_millis()) {
                    "Time left " span.left { (clock_duration(left.num_milliseconds() as f64 / 1000.0)) }
                }
            }
        },
        _ => html! { div.timerbox { div #timer role="timer" { "Untimed practice" } } },
    }
}

fn notices(v: &ExamView<'_>) -> Markup {
    html! {
        @for n in &v.notices {
            p class=(if n.warning { "warning" } else { "note" }) role="status" { (n.text) }
        }
    }
}

fn bar(v: &ExamView<'_>) -> Markup {
    let s = &v.run.session;
    let n = s.items.len();
    let answered = n - s.unanswered().len();
    let at = match s.location {
        Location::Item(i) => format!("Question {} of {n}", i + 1),
        Location::Review => "Review".to_owned(),
    };
    html! {
        div.exambar {
            div.where {
                strong { abbr title=(v.title) { (v.code) } } " · " (at)
                progress max=(n) value=(answered) aria-label="Answered" { (answered) " of " (n) }
                span.small { (answered) " of " (n) " answered · " (s.flagged().len()) " marked" }
            }
            (timer(v.run, v.now))
        }
    }
}

fn hidden(v: &ExamView<'_>) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(v.csrf);
        input type="hidden" name="tab" value=(v.run.token());
    }
}

fn nav_buttons(flagged: bool, first: bool) -> Markup {
    html! {
        nav.buttons aria-label="Exam navigation" {
            button type="submit" name="action" value="prev" disabled[first] { "Previous" }
            button.primary type="submit" name="action" value="next" { "Next" }
            button type="submit" name="action" value="flag" aria-pressed=(flagged) class=(if flagged { "flagged" } else { "" }) { "Mark for review" }
            button type="submit" name="action" value="review" { "Review" }
            button.danger type="submit" name="action" value="submit" { "Submit exam" }
        }
    }
}

fn scenario(text: &str) -> Markup {
    let tabs = items::scenario_tabs(text);
    html! {
        aside.scenario aria-label="Case study" {
            div.tabs {
                @for (i, (name, _)) in tabs.iter().enumerate() {
                    input.tab type="radio" name="scenario-tab" id={"tab-" (i)} checked[i == 0];
                    label.tab for={"tab-" (i)} { (name) }
                }
                @for (i, (_, body)) in tabs.iter().enumerate() {
                    div.panel id={"panel-" (i)} { (body) }
                }
            }
        }
    }
}

fn feedback(f: &Feedback) -> Markup {
    html! {
        div.feedback role="status" class=(if f.correct { "right" } else { "wrong" }) {
            p { strong { (if f.correct { "Right." } else { "Not quite." }) } " " (f.points) "/" (f.max_points) " · right answer: " (f.right_answer) }
            p { (f.explanation) }
            (refs(&f.refs))
        }
    }
}

fn refs(refs: &[String]) -> Markup {
    html! {
        @if !refs.is_empty() {
            ul.refs {
                @for r in refs {
                    li {
                        @if r.starts_with("https://") {
                            a href=(r) rel="noreferrer noopener" target="_blank" { (r) }
                        } @else { (r) }
                    }
                }
            }
        }
    }
}

/// The item screen.
pub fn item_screen(v: &ExamView<'_>) -> Markup {
    let s = &v.run.session;
    let Location::Item(i) = s.location else {
        return review_screen(v);
    };
    let item: &SessionItem = &s.items[i];
    let entered = v.run.entered_section();
    let section = item.section.and_then(|sec| {
        let members: Vec<usize> = (0..s.items.len())
            .filter(|j| s.items[*j].section == Some(sec))
            .collect();
        Some((*members.first()? + 1, *members.last()? + 1))
    });
    let body = html! {
        (bar(v))
        (notices(v))
        @if let Some(e) = &v.error { p.error role="alert" { "Not saved: " (e) } }
        @if let Some(w) = &v.lock {
            form.lock role="alertdialog" aria-labelledby="lock-h" method="post" action={"/exam/" (v.code) "/act"} {
                (hidden(v))
                input type="hidden" name="confirm" value="1";
                @if let Some(g) = &w.goto { input type="hidden" name="goto" value=(g); }
                h2 #lock-h { "Leave this section?" }
                p { "Once you leave this section (" (w.span) ") you cannot return to it." }
                button.primary type="submit" name="action" value=(w.action) { "Continue" }
                " "
                a.button href={"/exam/" (v.code) "?tab=" (v.run.token())} { "Stay" }
            }
        }
        @if item.locked {
            p.warning role="note" { "This item is in a section you have left: it is locked and shows your answer only." }
        } @else if let (Some(_), Some((a, b))) = (entered, section) {
            p.warning role="note" { "This is the start of a section (" (span(a, b)) "). Once you leave the section you cannot return to it." }
        } @else if let Some((a, b)) = section {
            p.note { "Section: " (span(a, b)) ". Leaving it locks it." }
        }
        div class=(if item.scenario.is_some() { "casewrap" } else { "plain" }) {
            @if let Some(text) = &item.scenario { (scenario(text)) }
            form.item #item method="post" action={"/exam/" (v.code) "/act"} data-type=(item.instance.item_type().as_str()) {
                (hidden(v))
                h1.stem { span.qno { "Question " (i + 1) } (item.instance.stem) }
                (items::controls(item, item.locked))
                @if let Some((p, f)) = &v.feedback { @if *p == i { (feedback(f)) } }
                (nav_buttons(item.flagged, i == 0))
            }
        }
    };
    layout(&format!("{} question {}", v.code, i + 1), Some(v.csrf), body)
}

/// "items 3–5", or "item 3" (1-based).
fn span(first: usize, last: usize) -> String {
    if first == last {
        format!("item {first}")
    } else {
        format!("items {first}–{last}")
    }
}

fn status_of(item: &SessionItem) -> &'static str {
    match &item.response {
        None => "Unanswered",
        Some(_) => "Answered",
    }
}

/// The review screen: every item with its state, filters, and "Submit exam".
pub fn review_screen(v: &ExamView<'_>) -> Markup {
    let s = &v.run.session;
    let filter = v.filter.as_str();
    let shown: Vec<usize> = (0..s.items.len())
        .filter(|i| {
            let it = &s.items[*i];
            match filter {
                "unanswered" => it.response.is_none(),
                "marked" => it.flagged,
                _ => true,
            }
        })
        .collect();
    let tab = v.run.token();
    let link = |f: &str| format!("/exam/{}?tab={tab}&filter={f}", v.code);
    let body = html! {
        (bar(v))
        (notices(v))
        h1 { "Review" }
        @if let Some(e) = &v.error { p.error role="alert" { (e) } }
        nav.filters aria-label="Filters" {
            a href=(link("all")) aria-current=[(filter != "unanswered" && filter != "marked").then_some("true")] { "All (" (s.items.len()) ")" }
            a href=(link("unanswered")) aria-current=[(filter == "unanswered").then_some("true")] { "Unanswered (" (s.unanswered().len()) ")" }
            a href=(link("marked")) aria-current=[(filter == "marked").then_some("true")] { "Marked for review (" (s.flagged().len()) ")" }
        }
        form method="post" action={"/exam/" (v.code) "/act"} {
            (hidden(v))
            table.review {
                thead { tr { th { "Question" } th { "Status" } th { "Marked" } th { "Type" } } }
                tbody {
                    @for i in &shown {
                        @let it = &s.items[*i];
                        tr {
                            td {
                                @if it.locked {
                                    span.locked { "Question " (i + 1) " (locked)" }
                                } @else {
                                    button.linklike type="submit" name="goto" value=(i + 1) { "Question " (i + 1) }
                                }
                            }
                            td { (status_of(it)) }
                            td { @if it.flagged { "Marked" } }
                            td { (it.instance.item_type().as_str()) }
                        }
                    }
                }
            }
            @if shown.is_empty() { p { "Nothing here." } }
            nav.buttons {
                button type="submit" name="action" value="prev" { "Previous" }
                button.danger type="submit" name="action" value="submit" { "Submit exam" }
            }
        }
    };
    layout(&format!("{} review", v.code), Some(v.csrf), body)
}

/// The confirmation after "Submit exam".
pub fn confirm_screen(csrf: &str, code: &str, tab: &str, run: &MockRun, now: DateTime<Utc>) -> Markup {
    let s = &run.session;
    let unanswered = s.unanswered().len();
    let body = html! {
        h1 { "Submit the exam?" }
        p { "You answered " (s.items.len() - unanswered) " of " (s.items.len()) " questions; " (s.flagged().len()) " are marked for review."
            @if let Some(left) = run.time_left_text(now) { " Time left: " (left) "." } }
        @if unanswered > 0 { p.warning { (unanswered) " unanswered questions count as wrong." } }
        p { "After you submit you cannot change any answer." }
        form method="post" action={"/exam/" (code) "/submit"} {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="tab" value=(tab);
            button.danger type="submit" { "Submit" }
            " "
            a.button href={"/exam/" (code) "?tab=" (tab)} { "Return to the exam" }
        }
    };
    layout("Submit the exam", Some(csrf), body)
}

fn engine<T>(r: Result<T, EngineError>) -> Result<T, Failure> {
    r.map_err(Failure::from)
}

/// `GET /report/{id}`: the score report (domain bars, the text report with skills, repair actions
/// and pacing) and the item review.
pub async fn report(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let (attempt, items) = engine(mock::attempt_with_items(&inner.store, Some(id)))?;
    if attempt.status == crate::exam::Status::InProgress {
        return Ok(super::see(&format!("/exam/{}", attempt.exam)));
    }
    let report = AttemptReport {
        attempt: &attempt,
        items: &items,
        now: clock.now,
        zone: clock.zone,
    };
    let json = report.json();
    let mut text = Vec::new();
    report
        .render(&mut text, &Plain, 100)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let text = String::from_utf8_lossy(&text).into_owned();
    let body = html! {
        h1 { (json.exam) " mock exam · attempt " (json.attempt) }
        p.score {
            "Score " strong { (json.scaled_score.unwrap_or(0)) } " / " (json.max_score)
            " · passing " (json.passing_score) " · "
            @if json.passed == Some(true) { strong.pass { "Pass" } } @else { strong.fail { "Fail" } }
            " · " (json.status)
        }
        h2 { "Domains" }
        table.domains {
            @for d in &json.domains {
                tr {
                    th scope="row" { (d.name) }
                    td { meter min="0" max="100" low="60" high="75" optimum="100" value=(d.percent.unwrap_or(0.0)) { (format!("{:.0}%", d.percent.unwrap_or(0.0))) } }
                    td.n { (format!("{:.0}%", d.percent.unwrap_or(0.0))) }
                }
            }
        }
        h2 { "Report" }
        pre.report { (text) }
        h2 { "Item review" }
        @for (i, it) in items.iter().enumerate() {
            @let (points, max) = it.score();
            section.review-item {
                h3 { "Question " (i + 1) " · " (it.instance.item_type().as_str()) " · " (points) "/" (max)
                    @if it.disputed { " · disputed" } }
                @let mut shown = Vec::new();
                @let _ = crate::report::write_item(&mut shown, it, it.scenario.as_deref(), false, 100);
                pre.itemtext { (String::from_utf8_lossy(&shown)) }
                p { "Your answer: " strong { (it.response.as_ref().map_or_else(|| "(no answer)".to_owned(), |r| display_response(r, &it.shuffle))) } }
                p { "Right answer: " strong { (display_response(&crate::exam::response::answer_as_response(&it.instance.answer), &it.shuffle)) } }
                p { (it.instance.explanation) }
                (refs(&it.instance.refs))
            }
        }
    };
    Ok(respond(layout("Score report", Some(&app.csrf), body)))
}

/// `GET /progress/{code}`: the charts of the HTML export, live.
pub async fn progress(State(app): State<Arc<App>>, Path(code): Path<String>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let exam = inner
        .exam(&code)
        .map(|e| e.exam.clone())
        .ok_or_else(|| Failure::not_found(format!("no exam \"{code}\"")))?;
    let p = engine(insight::progress_of(&inner.store, &exam, &clock))?;
    let body = html! {
        h1 { (p.exam) " — " (p.title) }
        h2 { "Readiness" }
        p.big { strong { (format!("{:.0}%", p.readiness.pass_probability * 100.0)) } " chance of scoring " (p.passing_score) " or more; 80% of simulated exams score " (p.readiness.score_low) "–" (p.readiness.score_high) "." }
        // The SVG pieces come from our own code with every name escaped.
        div.chart { (PreEscaped(progress::readiness_gauge(&p))) }
        h2 { "Mock exam scores" }
        div.chart { (PreEscaped(progress::score_chart(&p))) }
        h2 { "Mastery per domain" }
        div.chart { (PreEscaped(progress::domain_bars(&p))) }
        table {
            thead { tr { th { "Domain" } th { "Weight" } th { "Answered" } th { "Mastery" } th { "Due" } } }
            tbody {
                @for d in &p.domains {
                    tr { td { (d.name) } td { (d.weight) } td.n { (d.answered) } td.n { (format!("{:.0}%", d.mastery * 100.0)) } td.n { (d.due) } }
                }
            }
        }
    };
    Ok(respond(layout("Progress", Some(&app.csrf), body)))
}

/// `GET /plan/{code}`: the dated repair plan.
pub async fn plan(State(app): State<Arc<App>>, Path(code): Path<String>) -> Page {
    let mut inner = app.lock()?;
    let (_, clock) = inner.learner()?;
    inner.expire(&clock)?;
    let exam = inner
        .exam(&code)
        .map(|e| e.exam.clone())
        .ok_or_else(|| Failure::not_found(format!("no exam \"{code}\"")))?;
    let Some(inputs) = engine(insight::plan_inputs(&inner.store, &exam, &clock))? else {
        return Ok(respond(message(
            "No plan yet",
            &format!(
                "A plan starts from a score report: take a mock exam of {} or log an official result with `retake attempt log`.",
                exam.code
            ),
            None,
        )));
    };
    let p = build_plan(&exam, &inputs, &clock);
    let body = html! {
        h1 { (exam.code) " repair plan" }
        p { "From the " (inputs.diagnosis.source) " report of " (inputs.diagnosis.date) " (score " (inputs.diagnosis.score) ")." }
        @for w in &p.warnings { p.warning { (w) } }
        table.plan {
            thead { tr { th { "Date" } th { "Phase" } th { "Domains" } th { "Actions" } } }
            tbody {
                @for d in &p.days {
                    tr {
                        td { (d.date) }
                        td { (d.phase) }
                        td { (d.domains.join(", ")) }
                        td { ul { @for a in &d.actions { li { (a) } } @if let Some(m) = &d.mock { li { "Mock: " (m) } } } }
                    }
                }
            }
        }
    };
    Ok(respond(layout("Plan", Some(&app.csrf), body)))
}

fn build_plan(exam: &crate::bank::Exam, inputs: &insight::PlanInputs, clock: &LearnerClock) -> plan::Plan {
    let today = insight::local_date(clock, clock.now);
    let st = &inputs.status;
    let earliest = st.earliest.map(|t| {
        let local = clock.zone.local(t);
        local.date_naive() + Duration::days(i64::from(local.time() > chrono::NaiveTime::MIN))
    });
    let blocked = st.blocked.map(|b| format!("{} ({})", st.rule, b.as_str()));
    plan::build(exam, &inputs.diagnosis, today, earliest, blocked, None)
}
