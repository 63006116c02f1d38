//! The repair plan: from the latest score report (official or mock) and the calendar to dated days
//! that run the loop diagnose → rebuild → prove → retest.
//!
//! Near pass with one weak domain: a short cycle (focused rebuild, mixed practice, light review and
//! logistics). Broad miss: 10–14 days, rebuild days allotted to weak domains in proportion to
//! weight × shortfall, then timed mixed sets. Consistently low everywhere: hands-on labs first.
//! Pure: the report, the exam, "today" and the earliest legal retake come in as values.

use chrono::NaiveDate;
use serde::Serialize;

use crate::bank::Exam;

/// A domain result from a score report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainScore {
    /// Domain id.
    pub id: String,
    /// Percent of the domain's points.
    pub percent: f64,
}

/// What the plan starts from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Where the report came from (`official` or `mock`).
    pub source: String,
    /// Its date.
    pub date: NaiveDate,
    /// The scaled score.
    pub score: u32,
    /// Per-domain results, when the report has them.
    pub domains: Vec<DomainScore>,
}

/// The kind of failure the report shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Close to passing with at most one weak domain.
    NearPass,
    /// Several weak domains.
    BroadMiss,
    /// Low in every domain.
    LowEverywhere,
    /// Passed.
    Passed,
}

/// One planned day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// diagnose, rebuild, prove, retest, review, labs or exam.
    pub phase: &'static str,
    /// The domains worked on.
    pub domains: Vec<String>,
    /// What to do.
    pub actions: Vec<String>,
    /// New families to drill.
    pub drill_new: u32,
    /// Families in repair to work through as variations.
    pub variations: u32,
    /// A timed mock exam today: `None`, or its mode and domains.
    pub mock: Option<String>,
}

/// The plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The report's pattern.
    pub pattern: Pattern,
    /// Weak domains, weakest-by-weight first (weight × shortfall).
    pub weak: Vec<String>,
    /// The dated days, ending with the exam day when one can be scheduled.
    pub days: Vec<Day>,
    /// The exam date, if one can be scheduled.
    pub exam_date: Option<NaiveDate>,
    /// Warnings (too little time, blocked retake, total score only).
    pub warnings: Vec<String>,
}

/// The percentage below which a domain counts as weak.
pub const WEAK_BELOW: f64 = 70.0;

/// Classifies a report.
pub fn pattern(exam: &Exam, d: &Diagnosis) -> Pattern {
    if d.score >= exam.passing_score {
        return Pattern::Passed;
    }
    if d.domains.is_empty() {
        return if d.score + 100 >= exam.passing_score {
            Pattern::NearPass
        } else if d.score < 450 {
            Pattern::LowEverywhere
        } else {
            Pattern::BroadMiss
        };
    }
    let weak = d.domains.iter().filter(|s| s.percent < WEAK_BELOW).count();
    if d.domains.iter().all(|s| s.percent < 55.0) {
        Pattern::LowEverywhere
    } else if weak <= 1 && d.score + 100 >= exam.passing_score {
        Pattern::NearPass
    } else {
        Pattern::BroadMiss
    }
}

fn weak_domains(exam: &Exam, d: &Diagnosis) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = exam
        .domains
        .iter()
        .map(|dom| {
            let pct = d
                .domains
                .iter()
                .find(|s| s.id == dom.id.as_str())
                .map_or(d.score as f64 / 10.0, |s| s.percent);
            (dom.id.0.clone(), dom.share * (100.0 - pct).max(0.0))
        })
        .filter(|(_, gap)| *gap > 0.0)
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    // Rebuild only what is weak; when nothing is below the line, the weakest still gets the work.
    let below: Vec<(String, f64)> = v
        .iter()
        .filter(|(id, _)| {
            let pct = d
                .domains
                .iter()
                .find(|s| s.id == *id)
                .map_or(d.score as f64 / 10.0, |s| s.percent);
            pct < WEAK_BELOW
        })
        .cloned()
        .collect();
    if below.is_empty() {
        v.into_iter().take(1).collect()
    } else {
        below
    }
}

fn repair_of(exam: &Exam, id: &str) -> String {
    exam.domain(id)
        .map(|d| format!("{}: {}", d.name, d.repair))
        .unwrap_or_default()
}

/// Builds the plan from `today` to the exam. `earliest` is the earliest legal retake date (`None`:
/// any time); `blocked` explains a retake that cannot be scheduled; `exam_date` is the learner's
/// wish.
pub fn build(
    exam: &Exam,
    d: &Diagnosis,
    today: NaiveDate,
    earliest: Option<NaiveDate>,
    blocked: Option<String>,
    exam_date: Option<NaiveDate>,
) -> Plan {
    let pat = pattern(exam, d);
    let weak = weak_domains(exam, d);
    let mut warnings = Vec::new();
    if d.domains.is_empty() {
        warnings.push("only a total score is known: the plan spreads work by exam weight (log the score report's domain percentages to target it)".to_owned());
    }
    let ideal: i64 = match pat {
        Pattern::NearPass => 3,
        Pattern::BroadMiss => 12,
        Pattern::LowEverywhere => 14,
        Pattern::Passed => 0,
    };
    let legal = earliest.unwrap_or(today).max(today + chrono::Duration::days(1));
    let target = match (exam_date, &blocked) {
        (_, Some(_)) => None,
        (Some(wish), None) if wish < legal => {
            warnings.push(format!(
                "{wish} is before the earliest legal retake ({legal}): the plan moves the exam there"
            ));
            Some(legal)
        }
        (Some(wish), None) => Some(wish),
        (None, None) => Some(legal.max(today + chrono::Duration::days(ideal + 1))),
    };
    if let Some(b) = &blocked {
        warnings.push(format!("no exam date can be scheduled: {b}"));
    }
    let available = target.map_or(ideal, |t| (t - today).num_days() - 1).max(0);
    if target.is_some() && available < ideal {
        warnings.push(format!(
            "{available} study days before the exam, fewer than the {ideal} this pattern needs: the plan is compressed; consider a later date"
        ));
    }
    let n = available
        .min(ideal.max(1))
        .max(if pat == Pattern::Passed { 0 } else { 1 });
    let all_ids: Vec<String> = exam.domains.iter().map(|x| x.id.0.clone()).collect();
    let weak_ids: Vec<String> = weak.iter().map(|(id, _)| id.clone()).collect();
    let mut phases: Vec<(&'static str, Vec<String>)> = Vec::new();
    match pat {
        Pattern::Passed => {}
        Pattern::NearPass => {
            let focus = weak_ids.first().cloned().into_iter().collect::<Vec<_>>();
            phases.push(("rebuild", focus));
            phases.push(("retest", all_ids.clone()));
            phases.push(("review", all_ids.clone()));
        }
        Pattern::BroadMiss | Pattern::LowEverywhere => {
            let labs = if pat == Pattern::LowEverywhere { 4 } else { 0 };
            let mocks = 2;
            let review = 1;
            let rebuild = (n - labs - mocks - review).max(1) as usize;
            // Labs go through the domains by weight × shortfall, one a day.
            let by_need: Vec<String> = if weak_ids.is_empty() {
                all_ids.clone()
            } else {
                weak_ids.clone()
            };
            for k in 0..labs {
                phases.push(("labs", vec![by_need[k as usize % by_need.len()].clone()]));
            }
            // Rebuild days in proportion to weight × shortfall (largest remainder).
            let q = crate::sampler::largest_remainder(&weak.iter().map(|w| w.1).collect::<Vec<_>>(), rebuild);
            for (i, (id, _)) in weak.iter().enumerate() {
                for k in 0..q[i] {
                    phases.push((
                        if k + 1 == q[i] && q[i] > 1 {
                            "prove"
                        } else {
                            "rebuild"
                        },
                        vec![id.clone()],
                    ));
                }
            }
            for _ in 0..mocks {
                phases.push(("retest", all_ids.clone()));
            }
            for _ in 0..review {
                phases.push(("review", all_ids.clone()));
            }
        }
    }
    // Compress to the days available: keep the retest and review days, trim rebuild/labs days.
    while phases.len() as i64 > n && phases.len() > 1 {
        match phases
            .iter()
            .position(|(p, _)| *p == "labs")
            .or_else(|| phases.iter().rposition(|(p, _)| *p == "rebuild" || *p == "prove"))
        {
            Some(i) => {
                phases.remove(i);
            }
            None => {
                phases.remove(0);
            }
        }
    }
    let mut days = Vec::new();
    days.push(Day {
        date: today,
        phase: "diagnose",
        domains: weak_ids.clone(),
        actions: vec![format!(
            "Read the {} report of {} ({}): note the domains and the kinds of requirement you misread; run `retake variations` and `retake plan` again after each mock",
            d.source, d.date, d.score
        )],
        drill_new: 10,
        variations: 5,
        mock: None,
    });
    for (i, (phase, domains)) in phases.iter().enumerate() {
        let date = today + chrono::Duration::days(i as i64 + 1);
        let (actions, drill_new, variations, mock) = match *phase {
            "labs" => (domains.iter().map(|id| format!("Lab: {}", repair_of(exam, id))).collect(), 5, 0, None),
            "rebuild" => (
                domains.iter().map(|id| format!("Rebuild by hand — {}", repair_of(exam, id))).collect(),
                20,
                10,
                None,
            ),
            "prove" => (
                domains
                    .iter()
                    .map(|id| format!("Prove the fix: drill `retake drill {} --domain {id}` and work every variation of the domain", exam.code))
                    .collect(),
                10,
                15,
                Some(format!("practice set: retake exam start {} --domain {} --questions 20", exam.code, domains.join(" --domain "))),
            ),
            "retest" => (
                vec!["Timed mixed exam under real conditions, then read the report and the review".to_owned()],
                0,
                10,
                Some(format!("retake exam start {}", exam.code)),
            ),
            _ => (
                vec!["Light review: due drills only; check your ID, the booking and the test environment".to_owned()],
                0,
                5,
                None,
            ),
        };
        days.push(Day {
            date,
            phase,
            domains: domains.clone(),
            actions,
            drill_new,
            variations,
            mock,
        });
    }
    if let Some(t) = target {
        days.push(Day {
            date: t,
            phase: "exam",
            domains: vec![],
            actions: vec![format!("Sit {}", exam.code)],
            drill_new: 0,
            variations: 0,
            mock: None,
        });
    }
    Plan {
        pattern: pat,
        weak: weak_ids,
        days,
        exam_date: target,
        warnings,
    }
}
