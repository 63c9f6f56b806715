//! Registration time (居住登记时间): does a history of registration periods add up to the
//! profile's required months under its accumulation rule?
//!
//! Definitions (the seeds are silent on the arithmetic; these are our readings):
//! - A period covers every day from `start` to `end`, both inclusive. An open period (no
//!   end) and an end after today both stop at today.
//! - Periods are merged into *runs* when they overlap or touch: the next period starts on
//!   or before the day after the previous run ends (`next.start <= run.end + 1 day`).
//! - The *gap* between two runs is the number of days registered nowhere in the scope:
//!   `next.start - run.end - 1`. Periods outside the scope (e.g. outside Zhejiang) are
//!   ignored, so they neither add time nor close a gap.
//! - "N months" are calendar months (民法典 Arts. 201–202): one run from `start` to `end`
//!   lasts N months when `start + N months <= end`, where adding months keeps the day of
//!   the month and falls back to the month's last day (2024-08-31 + 6 months = 2025-02-28).
//!   So a registration from 2024-01-01 completes six months on 2024-07-01.
//! - Several runs are measured by laying them end to end from the first one's start: with
//!   `D` registered days in total, they last N months when `first.start + N months <=
//!   first.start + (D - 1) days`. For a single run this is the same test as above, so
//!   "cumulative" and "continuous" agree on an unbroken history.
//! - The runs are split into *chains* wherever a gap is longer than the rule tolerates:
//!   cumulative (累计) tolerates any gap, so all runs form one chain; cumulative with a
//!   maximum gap (连续累计, 中断不超过N日) tolerates `max_gap_days`; continuous (连续, 累计连续)
//!   tolerates `tolerance_days` (a move registered within the regulation's deadline). The
//!   days of a tolerated gap are not counted as registered.
//! - **The registration that counts is the recent one.** Only the latest chain counts, and
//!   it must run up to the application: its last registered day is at most
//!   `up_to_application.max_days_before` days before the application date (0 when the
//!   registration is still open or ends on that day). A chain that ended long ago, or an
//!   old chain followed by a long unregistered stretch, does not qualify, however long it
//!   lasted. Each profile states the number and the sentence it rests on.
//! - That chain, laid end to end, must last the required months.

use chrono::{Days, Months, NaiveDate};

use super::{NoticeItem, cn_date, code};
use crate::profile::{Accumulation, RegistrationTimeRule, is_division_code};
use crate::record::RegistrationPeriod;

/// Field path of the history in the record.
const FIELD: &str = "registration_history";

/// Consecutive days registered within the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: NaiveDate,
    end: NaiveDate,
    /// Contains a period without an end date: the applicant is still registered.
    open: bool,
}

impl Run {
    fn days(self) -> u64 {
        u64::try_from((self.end - self.start).num_days() + 1).unwrap_or(0)
    }
}

/// Runs laid end to end, measured from the first one's start.
#[derive(Debug, Clone, Copy)]
struct Measure {
    anchor: NaiveDate,
    total_days: u64,
    virtual_end: Option<NaiveDate>,
    /// The last run is still open, so the total grows by one day per day.
    growing: bool,
}

impl Measure {
    fn of(runs: &[Run]) -> Option<Measure> {
        let first = runs.first()?;
        let total_days: u64 = runs.iter().map(|run| run.days()).sum();
        Some(Measure {
            anchor: first.start,
            total_days,
            virtual_end: first.start.checked_add_days(Days::new(total_days.saturating_sub(1))),
            growing: runs.last().is_some_and(|run| run.open),
        })
    }

    fn required_end(&self, months: u32) -> Option<NaiveDate> {
        self.anchor.checked_add_months(Months::new(months))
    }

    fn lasts(&self, months: u32) -> bool {
        match (self.required_end(months), self.virtual_end) {
            (Some(required), Some(end)) => required <= end,
            _ => false,
        }
    }

    /// The day the requirement will be met if the open registration continues.
    fn eligible_on(&self, months: u32, today: NaiveDate) -> Option<NaiveDate> {
        if !self.growing {
            return None;
        }
        let remaining = (self.required_end(months)? - self.virtual_end?).num_days();
        today.checked_add_days(Days::new(u64::try_from(remaining).ok()?))
    }
}

/// Checks `history` against `rule` for someone living in `residence` on `today`, pushing
/// every problem onto `items`.
pub(super) fn check(
    history: &[RegistrationPeriod],
    rule: &RegistrationTimeRule,
    residence: &str,
    today: NaiveDate,
    items: &mut Vec<NoticeItem>,
) {
    let scope = rule.scope.name();
    if history.is_empty() {
        items.push(NoticeItem::new(
            FIELD,
            code::REGISTRATION_HISTORY_MISSING,
            format!("选择“居住登记时间互认”的，请提供在{scope}的居住登记记录（登记地、起止日期）。"),
        ));
        return;
    }
    let Some(runs) = runs(history, rule, residence, today, items) else {
        return;
    };
    let months = rule.required_months;
    let Some(all) = Measure::of(&runs) else {
        items.push(NoticeItem::new(
            FIELD,
            code::REGISTRATION_TIME_SHORT,
            format!(
                "居住登记须在{scope}满{months}个月，目前没有{scope}的居住登记记录（其他地方的登记不计算）。"
            ),
        ));
        return;
    };
    let (tolerated, how) = match rule.rule {
        Accumulation::Cumulative => (None, "累计"),
        Accumulation::Continuous { tolerance_days } => (Some(tolerance_days), "连续"),
        Accumulation::CumulativeWithMaxGap { max_gap_days } => (Some(max_gap_days), "连续累计"),
    };
    let chains = split_into_chains(&runs, tolerated);
    let Some(latest) = chains.last() else {
        return;
    };
    let Some(last_run) = latest.last().copied() else {
        return;
    };
    let up_to = &rule.up_to_application;
    let unregistered = (today - last_run.end).num_days();
    if unregistered > i64::from(up_to.max_days_before) {
        items.push(NoticeItem::new(
            FIELD,
            code::REGISTRATION_NOT_RECENT,
            format!(
                "居住登记时间须持续到申请时：您在{scope}的居住登记最近于{}结束，至今已{unregistered}日未登记，超过{}日，此前的登记不能计算。如现已在居住地办理居住登记，请提供最新的登记记录。",
                cn_date(last_run.end),
                up_to.max_days_before
            ),
        ));
        return;
    }
    let Some(measure) = Measure::of(latest) else {
        return;
    };
    if measure.lasts(months) {
        return;
    }
    if chains.len() > 1 && all.lasts(months) {
        let limit = i64::from(tolerated.unwrap_or(u32::MAX));
        let breaks: Vec<String> = runs
            .windows(2)
            .filter(|pair| gap_days(pair[0], pair[1]) > limit)
            .map(|pair| {
                format!(
                    "{}至{}之间中断{}日",
                    cn_date(pair[0].end),
                    cn_date(pair[1].start),
                    gap_days(pair[0], pair[1])
                )
            })
            .collect();
        match rule.rule {
            Accumulation::Continuous { tolerance_days } => {
                items.push(NoticeItem::new(
                    FIELD,
                    code::REGISTRATION_NOT_CONTINUOUS,
                    format!(
                        "居住登记须在{scope}连续满{months}个月（中断不超过{tolerance_days}日的视为连续）：您的登记{}，中断前的登记不能计算；最近一段连续登记自{}起，不满{months}个月。",
                        breaks.join("，"),
                        cn_date(measure.anchor)
                    ),
                ));
            }
            Accumulation::CumulativeWithMaxGap { max_gap_days } => {
                items.push(NoticeItem::new(
                    FIELD,
                    code::REGISTRATION_GAP_TOO_LONG,
                    format!(
                        "居住登记须在{scope}连续累计满{months}个月，期间中断不超过{max_gap_days}日：您的登记{}，超过{max_gap_days}日，中断前后的登记不能合并计算。",
                        breaks.join("，")
                    ),
                ));
            }
            Accumulation::Cumulative => items.push(short(scope, how, months, &measure, today)),
        }
    } else {
        items.push(short(scope, how, months, &measure, today));
    }
}

/// The registration time the rule counts, in words a supervisor can check: how long, from
/// when to when, in how many periods, the longest break and what the rule allows; `None`
/// when a period is invalid or none is in scope (the notice says why).
pub(super) fn summary(
    history: &[RegistrationPeriod],
    rule: &RegistrationTimeRule,
    residence: &str,
    today: NaiveDate,
) -> Option<String> {
    let runs = runs(history, rule, residence, today, &mut Vec::new())?;
    let (tolerated, how) = match rule.rule {
        Accumulation::Cumulative => (None, "累计"),
        Accumulation::Continuous { tolerance_days } => (Some(tolerance_days), "连续"),
        Accumulation::CumulativeWithMaxGap { max_gap_days } => (Some(max_gap_days), "连续累计"),
    };
    let chains = split_into_chains(&runs, tolerated);
    let chain = chains.last()?;
    let measure = Measure::of(chain)?;
    let first = chain.first()?;
    let last = chain.last()?;
    let (months, days) = months_and_days(measure.anchor, measure.virtual_end?);
    let longest = chain.windows(2).map(|pair| gap_days(pair[0], pair[1])).max();
    let scope = rule.scope.name();
    let until = if last.open { "今".to_owned() } else { cn_date(last.end) };
    let span = if days == 0 { format!("{months}个月") } else { format!("{months}个月{days}日") };
    let mut text = format!("在{scope}{how}居住登记{span}（{}至{until}", cn_date(first.start));
    if chain.len() > 1 {
        text.push_str(&format!("，共{}段", chain.len()));
    }
    text.push('）');
    match (longest, tolerated) {
        (Some(gap), Some(limit)) => text.push_str(&format!("，最长中断{gap}日，不超过{limit}日")),
        (Some(gap), None) => text.push_str(&format!("，最长中断{gap}日")),
        (None, _) => {}
    }
    if chains.len() > 1 {
        text.push_str(&format!("；此前有{}段登记因中断过长不计算", chains.len() - 1));
    }
    text.push_str(&format!("；须满{}个月。", rule.required_months));
    Some(text)
}

/// Whole calendar months from `start` to `end` (inclusive), and the days left over.
fn months_and_days(start: NaiveDate, end: NaiveDate) -> (u32, i64) {
    let after = end.succ_opt().unwrap_or(end);
    let mut months = 0;
    while start.checked_add_months(Months::new(months + 1)).is_some_and(|next| next <= after) {
        months += 1;
    }
    let from = start.checked_add_months(Months::new(months)).unwrap_or(start);
    (months, (after - from).num_days())
}

/// Validates the periods and merges those in scope into sorted runs; `None` when a period
/// is invalid (the problems are reported and measuring would mislead).
fn runs(
    history: &[RegistrationPeriod],
    rule: &RegistrationTimeRule,
    residence: &str,
    today: NaiveDate,
    items: &mut Vec<NoticeItem>,
) -> Option<Vec<Run>> {
    let mut periods = Vec::new();
    let mut all_valid = true;
    for (period_idx, period) in history.iter().enumerate() {
        let field = format!("{FIELD}[{period_idx}]");
        let mut valid = true;
        if !is_division_code(&period.county_code) {
            valid = false;
            items.push(NoticeItem::new(
                format!("{field}.county_code"),
                code::REGISTRATION_PERIOD_INVALID,
                format!(
                    "第{}条居住登记的登记地代码“{}”无效，应为6位行政区划代码。",
                    period_idx + 1,
                    period.county_code
                ),
            ));
        }
        if period.start > today {
            valid = false;
            items.push(NoticeItem::new(
                format!("{field}.start"),
                code::REGISTRATION_PERIOD_INVALID,
                format!("第{}条居住登记的开始日期{}晚于今天。", period_idx + 1, cn_date(period.start)),
            ));
        }
        if let Some(end) = period.end
            && end < period.start
        {
            valid = false;
            items.push(NoticeItem::new(
                format!("{field}.end"),
                code::REGISTRATION_PERIOD_INVALID,
                format!(
                    "第{}条居住登记的结束日期{}早于开始日期{}。",
                    period_idx + 1,
                    cn_date(end),
                    cn_date(period.start)
                ),
            ));
        }
        all_valid &= valid;
        if valid && rule.scope.contains(&period.county_code, residence) {
            let end = period.end.map_or(today, |end| end.min(today));
            periods.push(Run { start: period.start, end, open: period.end.is_none() });
        }
    }
    if !all_valid {
        return None;
    }
    periods.sort_by_key(|period| (period.start, period.end));
    let mut merged: Vec<Run> = Vec::new();
    for period in periods {
        match merged.last_mut() {
            Some(run) if period.start <= run.end.succ_opt().unwrap_or(run.end) => {
                run.end = run.end.max(period.end);
                run.open |= period.open;
            }
            _ => merged.push(period),
        }
    }
    Some(merged)
}

/// Days registered nowhere in the scope between two consecutive runs.
fn gap_days(before: Run, after: Run) -> i64 {
    (after.start - before.end).num_days() - 1
}

/// Splits the runs wherever a gap exceeds `tolerated` days (`None`: any gap is tolerated).
fn split_into_chains(runs: &[Run], tolerated: Option<u32>) -> Vec<Vec<Run>> {
    let limit = tolerated.map_or(i64::MAX, i64::from);
    let mut chains: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match chains.last_mut() {
            Some(chain) if chain.last().is_some_and(|last| gap_days(*last, *run) <= limit) => {
                chain.push(*run);
            }
            _ => chains.push(vec![*run]),
        }
    }
    chains
}

fn short(scope: &str, how: &str, months: u32, measure: &Measure, today: NaiveDate) -> NoticeItem {
    let hint = measure
        .eligible_on(months, today)
        .map(|day| format!("如登记持续，预计{}起满足条件。", cn_date(day)))
        .unwrap_or_default();
    NoticeItem::new(
        FIELD,
        code::REGISTRATION_TIME_SHORT,
        format!(
            "居住登记须在{scope}{how}满{months}个月，目前可计算的登记为{}天（自{}起），不满{months}个月。{hint}",
            measure.total_days,
            cn_date(measure.anchor)
        ),
    )
}
