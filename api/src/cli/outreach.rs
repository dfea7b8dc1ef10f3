//! `fanzha outreach …`, `fanzha warn`, `fanzha warnings`: flags → checked inputs → the outreach service → text,
//! CSV, a printable HTML day sheet, or `--json` of the same view.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use analytics::IsoWeek;

use crate::cli::{EXIT_REJECTED, emit, show, week_arg};
use crate::error::{AppError, AppResult};
use crate::service::Service;
use crate::service::outreach::{
    EffectQuery, EffectView, ImportView, PlanDetail, PlanRequest, PlanView, PlansView, ReachQuery, ReachView,
    RecordRequest, RecordView, SHOW_COLUMNS, TasksQuery, TasksView, WarnRequest, WarnView, WarningsView,
    check_minutes_scale, parse_plan_id, parse_strategy,
};

#[derive(Debug, clap::Subcommand)]
pub enum OutreachCommand {
    /// Draft the week's campaign plan from its risk snapshot (a person approves it before it is issued).
    Plan {
        /// ISO week, e.g. 2026-W27.
        #[arg(long, value_parser = week_arg)]
        week: IsoWeek,
        /// optimised (default), greedy, top-risk or random.
        #[arg(long, default_value = "optimised")]
        strategy: String,
        /// Multiply every staff member's weekly minutes by this.
        #[arg(long, default_value_t = 1.0)]
        minutes_scale: f64,
        /// Seed of the random strategy and the holdout.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Supersede the week's draft by a new version (an approved plan is never replaced).
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// One row per assignment: resident_id, grid, channel, content_id, staff_id, day, expected_averted, holdout.
    Show {
        plan: String,
        /// csv or json (default: a text table).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Approve a draft plan.
    Approve {
        plan: String,
        /// Who approves (default: $USER).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Plans, newest first.
    Plans {
        #[arg(long, value_parser = week_arg)]
        week: Option<IsoWeek>,
        #[arg(long)]
        json: bool,
    },
    /// Day sheets per officer: urgent tasks and approved plans' assignments.
    Tasks {
        #[arg(long)]
        staff: Option<String>,
        /// A date, e.g. 2026-06-22.
        #[arg(long)]
        day: Option<String>,
        /// Only tasks with steps past their deadline.
        #[arg(long)]
        overdue: bool,
        /// csv or html (printable; default: text).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record an outcome of a task, or import outcomes from a CSV file.
    Record(RecordArgs),
    /// Effect report from the holdout, per campaign and over time.
    Effect {
        /// One campaign (ISO week).
        #[arg(long, value_parser = week_arg, conflicts_with_all = ["from", "to"])]
        campaign: Option<IsoWeek>,
        #[command(flatten)]
        weeks: WeekRange,
        #[arg(long)]
        json: bool,
    },
    /// Residents (and elderly residents) reached by outreach, week by week.
    Reach {
        #[command(flatten)]
        weeks: WeekRange,
        #[arg(long)]
        json: bool,
    },
}

/// `--from W --to W`: a range of ISO weeks, either end open.
#[derive(Debug, clap::Args)]
pub struct WeekRange {
    /// First ISO week (default: the first with data).
    #[arg(long, value_parser = week_arg)]
    from: Option<IsoWeek>,
    /// Last ISO week (default: the latest).
    #[arg(long, value_parser = week_arg)]
    to: Option<IsoWeek>,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// `T-…` (a warning's task) or `A<plan>-<resident>` (an approved plan's assignment).
    #[arg(long, required_unless_present = "import", conflicts_with = "import")]
    task: Option<String>,
    /// reached, not_home, refused, wrong_number, no_answer.
    #[arg(long, required_unless_present = "import")]
    outcome: Option<String>,
    /// Urgent step: call, sms, visit, family_contact (default: the next pending one).
    #[arg(long)]
    action: Option<String>,
    /// When (default: now), e.g. `2026-06-22 10:30:00`.
    #[arg(long)]
    at: Option<String>,
    #[arg(long)]
    app_installed: bool,
    /// Overseas-call blocking set up.
    #[arg(long)]
    overseas_blocking: bool,
    #[arg(long)]
    family_contact: bool,
    #[arg(long)]
    note: Option<String>,
    #[arg(long)]
    staff: Option<String>,
    /// CSV: task_id,outcome,at,action,app_installed,overseas_blocking,family_contact,note,staff_id.
    #[arg(long)]
    import: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// Flags of `fanzha warn`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("how").required(true).args(["scan", "import", "resident"]))]
pub struct WarnArgs {
    /// Raise warnings from contacts of residents' phones with gang or reported numbers.
    #[arg(long)]
    scan: bool,
    /// With --scan: only warnings raised at or after this time (default: the last 7 days of contacts).
    #[arg(long, requires = "scan")]
    since: Option<String>,
    /// CSV: warning_id,resident_id,phone,number,grade,source,raised_at.
    #[arg(long)]
    import: Option<PathBuf>,
    #[arg(long, requires = "number")]
    resident: Option<String>,
    /// The fraud number, account or URL.
    #[arg(long, requires = "resident")]
    number: Option<String>,
    /// high, medium or low.
    #[arg(long, requires = "resident")]
    grade: Option<String>,
    #[arg(long, default_value = "manual")]
    source: String,
    #[arg(long)]
    json: bool,
}

fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok()).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "cli".into())
}

fn time_arg(field: &'static str, text: &str) -> AppResult<i64> {
    datasets::Timestamp::parse(text)
        .map(|t| t.0)
        .map_err(|e| AppError::invalid("invalid_time", field, format!("{text:?}: {e}")))
}

/// `fanzha outreach …`.
pub fn run(svc: &Service, cmd: OutreachCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OutreachCommand::Plan { week, strategy, minutes_scale, seed, replace, json } => {
            let req = PlanRequest {
                week,
                strategy: parse_strategy(&strategy)?,
                minutes_scale: check_minutes_scale(minutes_scale)?,
                seed,
                replace,
                by: who(None),
            };
            show(json, &svc.outreach_plan(&req)?, render_plan)
        }
        OutreachCommand::Show { plan, format, json } => {
            let v = svc.outreach_show(parse_plan_id(&plan)?)?;
            match format.as_deref() {
                Some("csv") => emit(&plan_csv(&v))?,
                Some("json") => emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?,
                None => return show(json, &v, render_detail),
                Some(other) => {
                    return Err(AppError::invalid("invalid_format", "format", format!("{other:?}: csv or json")).into());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        OutreachCommand::Approve { plan, by, json } => {
            show(json, &svc.outreach_approve(parse_plan_id(&plan)?, &who(by))?, render_plan)
        }
        OutreachCommand::Plans { week, json } => show(json, &svc.outreach_plans(week)?, render_plans),
        OutreachCommand::Tasks { staff, day, overdue, format, json } => {
            let v = svc.outreach_tasks(&TasksQuery { staff, day, overdue, page: None })?;
            match format.as_deref() {
                Some("csv") => emit(&tasks_csv(&v))?,
                Some("html") => emit(&tasks_html(&v))?,
                None => return show(json, &v, render_tasks),
                Some(other) => {
                    return Err(AppError::invalid("invalid_format", "format", format!("{other:?}: csv or html")).into());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        OutreachCommand::Record(args) => record(svc, args),
        OutreachCommand::Effect { campaign, weeks: WeekRange { from, to }, json } => {
            show(json, &svc.outreach_effect(&EffectQuery { campaign, from, to })?, render_effect)
        }
        OutreachCommand::Reach { weeks: WeekRange { from, to }, json } => {
            show(json, &svc.outreach_reach(&ReachQuery { from, to })?, render_reach)
        }
    }
}

fn record(svc: &Service, a: RecordArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = a.import {
        let v = svc.outreach_import(&path)?;
        show(a.json, &v, render_import)?;
        return Ok(if v.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REJECTED) });
    }
    let req = RecordRequest {
        task_id: a.task.unwrap_or_default(),
        outcome: crate::service::outreach::record_outcome(a.outcome.as_deref().unwrap_or_default())?,
        action: a.action.as_deref().map(crate::service::outreach::record_action).transpose()?,
        at: a.at.as_deref().map(|t| time_arg("at", t)).transpose()?,
        app_installed: a.app_installed,
        overseas_blocking: a.overseas_blocking,
        family_contact: a.family_contact,
        note: a.note,
        staff_id: a.staff,
        source: "cli",
    };
    show(a.json, &svc.outreach_record(&req)?, render_record)
}

/// `fanzha warn`: exit 3 when import rows were rejected.
pub fn warn(svc: &Service, a: WarnArgs) -> anyhow::Result<ExitCode> {
    let req = if a.scan {
        WarnRequest::Scan { since: a.since.as_deref().map(|t| time_arg("since", t)).transpose()? }
    } else if let Some(path) = a.import {
        WarnRequest::Import { path }
    } else {
        WarnRequest::One {
            resident_id: a.resident.unwrap_or_default(),
            number: a.number.unwrap_or_default(),
            grade: a.grade,
            source: a.source,
        }
    };
    let v = svc.warn(&req)?;
    show(a.json, &v, render_warn)?;
    Ok(if v.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REJECTED) })
}

/// `fanzha warnings`.
pub fn warnings(svc: &Service, overdue: bool, json: bool) -> anyhow::Result<ExitCode> {
    show(json, &svc.warnings(overdue, None)?, render_warnings)
}

pub fn render_plan(p: &PlanView) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "plan {} · {} · {} · {} (version {})\nsnapshot {} · created {} by {}{}",
        p.plan_id,
        p.week,
        p.strategy,
        p.status.as_str(),
        p.version,
        p.snapshot_id,
        p.created_at,
        p.created_by,
        p.approved_at
            .as_ref()
            .map_or(String::new(), |t| format!(" · approved {t} by {}", p.approved_by.as_deref().unwrap_or("?")))
    );
    let _ = writeln!(
        s,
        "{} assignments ({} held out) · {} staff minutes · expected {:.4} victimisations / ¥{:.0} averted · {:.1}% of the LP bound · {} must-visit unmet",
        p.assignments,
        p.held_out,
        p.minutes,
        p.expected_averted,
        p.value_yuan,
        100.0 * p.bound_share,
        p.unmet_must_visit
    );
    let _ = writeln!(
        s,
        "{:<10} {:>8} {:>8} {:>9} {:>6} {:>6}",
        "staff", "minutes", "urgent", "available", "used", "visits"
    );
    for st in &p.staff {
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>8} {:>9} {:>6} {:>6}",
            st.staff_id, st.minutes_per_week, st.booked_urgent, st.available, st.used, st.visits
        );
    }
    s
}

fn render_plans(v: &PlansView) -> String {
    let mut s = String::new();
    for p in &v.items {
        let _ = writeln!(
            s,
            "{:>5}  {}  {:<10} {:<10} {:>6} assignments  {}",
            p.plan_id,
            p.week,
            p.strategy,
            p.status.as_str(),
            p.assignments,
            p.version
        );
    }
    if v.items.is_empty() {
        s.push_str("no plans; `fanzha outreach plan --week W` drafts one\n");
    }
    s
}

fn render_detail(v: &PlanDetail) -> String {
    let mut s = render_plan(&v.plan);
    let _ = writeln!(s, "\n{}", SHOW_COLUMNS.join("  "));
    for r in &v.rows {
        let _ = writeln!(
            s,
            "{}  {}  {}  {}  {}  {}  {:.6}  {}",
            r.resident_id, r.grid, r.channel, r.content_id, r.staff_id, r.day, r.expected_averted, r.holdout
        );
    }
    s
}

/// A CSV field, quoted when needed.
fn field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_string() }
}

pub fn plan_csv(v: &PlanDetail) -> String {
    let mut s = format!("{}\n", SHOW_COLUMNS.join(","));
    for r in &v.rows {
        let cells = [
            field(&r.resident_id),
            field(&r.grid),
            field(&r.channel),
            field(&r.content_id),
            field(&r.staff_id),
            field(&r.day),
            format!("{:.6}", r.expected_averted),
            r.holdout.to_string(),
        ];
        let _ = writeln!(s, "{}", cells.join(","));
    }
    s
}

fn render_tasks(v: &TasksView) -> String {
    let mut s = format!("{} tasks · {}\n", v.total, v.generated_at);
    for sheet in &v.sheets {
        let _ = writeln!(s, "\n{} {} · {}", sheet.staff_id, sheet.staff_name.as_deref().unwrap_or(""), sheet.day);
        for t in &sheet.tasks {
            let _ = writeln!(
                s,
                "  {:<6} {:<40} {:<12} {:<8} {:<14} {:<8} {}{}",
                t.kind,
                t.task_id,
                t.resident_id,
                t.grid,
                t.action,
                t.state,
                t.due_at.as_deref().map_or(String::new(), |d| format!("due {d}")),
                if t.overdue > 0 { format!(" · {} OVERDUE", t.overdue) } else { String::new() }
            );
        }
    }
    s
}

fn tasks_csv(v: &TasksView) -> String {
    let mut s = String::from(
        "staff_id,day,kind,task_id,resident_id,grid,action,content_id,grade,due_at,state,overdue,content_title\n",
    );
    for sheet in &v.sheets {
        for t in &sheet.tasks {
            let cells = [
                field(&t.staff_id),
                field(&t.day),
                field(&t.kind),
                field(&t.task_id),
                field(&t.resident_id),
                field(&t.grid),
                field(&t.action),
                field(t.content_id.as_deref().unwrap_or("")),
                field(t.grade.as_deref().unwrap_or("")),
                field(t.due_at.as_deref().unwrap_or("")),
                field(&t.state),
                t.overdue.to_string(),
                field(t.content_title.as_deref().unwrap_or("")),
            ];
            let _ = writeln!(s, "{}", cells.join(","));
        }
    }
    s
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape_html(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Printable day sheets: one page per officer and day.
pub fn tasks_html(v: &TasksView) -> String {
    let e = escape_html;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>外呼/走访任务单</title>\n<style>\
         body{font-family:sans-serif;font-size:12pt} section{page-break-after:always} \
         table{border-collapse:collapse;width:100%} td,th{border:1px solid #444;padding:4px} \
         .urgent{font-weight:bold}</style></head><body>\n",
    );
    for sheet in &v.sheets {
        let _ = writeln!(
            s,
            "<section><h1>任务单 · {} {} · {}</h1>",
            e(&sheet.staff_id),
            e(sheet.staff_name.as_deref().unwrap_or("")),
            e(&sheet.day)
        );
        if !sheet.materials.is_empty() {
            let items: Vec<String> = sheet.materials.iter().map(|m| format!("{} ×{}", e(&m.title), m.count)).collect();
            let _ = writeln!(s, "<p>携带材料：{}</p>", items.join("，"));
        }
        s.push_str(
            "<table><tr><th>类型</th><th>任务</th><th>居民</th><th>网格</th><th>动作</th><th>内容</th><th>等级</th>\
             <th>截止</th><th>结果</th></tr>\n",
        );
        for t in &sheet.tasks {
            let kind = if t.kind == "urgent" { "预警劝阻" } else { "宣传" };
            let _ = writeln!(
                s,
                "<tr class=\"{}\"><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>&#9744;接通 &#9744;不在家 &#9744;拒绝 &#9744;错号</td></tr>",
                e(&t.kind),
                e(&t.task_id),
                e(&t.resident_id),
                e(&t.grid),
                e(&t.action),
                e(&[t.content_id.as_deref(), t.content_title.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")),
                e(t.grade.as_deref().unwrap_or("")),
                e(t.due_at.as_deref().unwrap_or("")),
            );
        }
        s.push_str("</table></section>\n");
    }
    s.push_str("</body></html>\n");
    s
}

fn render_record(r: &RecordView) -> String {
    format!(
        "recorded {} on task {} (resident {}): task {}{}\n",
        serde_json::to_value(r.outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        r.task_id,
        r.resident_id,
        r.state,
        if r.escalations > 0 { format!(", {} escalation step(s)", r.escalations) } else { String::new() }
    )
}

fn render_import(v: &ImportView) -> String {
    let mut s = format!("{}: {} outcomes recorded, {} rows rejected\n", v.file, v.recorded, v.rejected.len());
    for r in &v.rejected {
        let _ = writeln!(s, "  {}:{}: {}: {}", r.file.as_deref().unwrap_or(""), r.line.unwrap_or(0), r.field, r.reason);
    }
    s
}

fn render_warn(v: &WarnView) -> String {
    let mut s = format!("{} warnings raised, {} new stored, {} tasks opened\n", v.raised, v.stored, v.tasks.len());
    for t in &v.tasks {
        let _ = writeln!(
            s,
            "  {} {} {} → {} ({}), next: {} {}",
            t.task_id,
            t.grade.as_deref().unwrap_or(""),
            t.resident_id,
            t.staff_id,
            t.grid,
            t.action,
            t.due_at.as_deref().unwrap_or("")
        );
    }
    for r in v.unassigned.iter().chain(&v.rejected) {
        let at = match (&r.file, r.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: "),
            _ => String::new(),
        };
        let _ = writeln!(s, "  {at}{}: {}", r.field, r.reason);
    }
    s
}

fn render_warnings(v: &WarningsView) -> String {
    let mut s = String::new();
    for w in &v.items {
        let task = w.task.as_ref().map_or("no task".to_string(), |t| {
            format!(
                "{} {} {}{}",
                t.task_id,
                t.staff_id,
                t.state,
                if t.overdue > 0 { format!(" · {} OVERDUE", t.overdue) } else { String::new() }
            )
        });
        let _ = writeln!(
            s,
            "{:<8} {} {} {} {} (known {}) · {}",
            w.grade, w.raised_at, w.resident_id, w.number, w.source, w.known_at, task
        );
    }
    if v.items.is_empty() {
        s.push_str(if v.overdue_only { "no overdue warnings\n" } else { "no warnings\n" });
    }
    s
}

fn render_reach(v: &ReachView) -> String {
    let mut s = format!(
        "{} residents reached, {} of them aged {}+ · {} contacts\n",
        v.residents_reached, v.elderly_reached, v.elderly_age, v.attempts
    );
    if v.weeks.is_empty() {
        s.push_str("no outreach in these weeks\n");
        return s;
    }
    let _ =
        writeln!(s, "{:<10} {:>8} {:>8} {:>8} {:>7}  by channel", "week", "contacts", "reached", "elderly", "urgent");
    for w in &v.weeks {
        let channels: Vec<String> = w.by_channel.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>8} {:>8} {:>7}  {}",
            w.week,
            w.attempts,
            w.residents_reached,
            w.elderly_reached,
            w.urgent_reached,
            channels.join(", ")
        );
    }
    s
}

fn render_effect(v: &EffectView) -> String {
    let mut s = format!(
        "effect report · {} units ({} held out; {} set aside after a contact or warning) · follow-up {} days · {:.0}% \
         intervals\n",
        v.units,
        v.held_out,
        v.urgent_excluded,
        v.follow_up_days,
        100.0 * v.report.confidence
    );
    let line = |s: &mut String, label: &str, cs: &[outreach::Comparison]| {
        for c in cs {
            let _ = writeln!(
                s,
                "{label:<12} {:<16} treated {}/{}  held out {}/{}  difference {:+.5} [{:+.5}, {:+.5}]",
                c.outcome.code(),
                c.treated.events,
                c.treated.units,
                c.held_out.events,
                c.held_out.units,
                c.difference,
                c.ci_low,
                c.ci_high
            );
        }
    };
    line(&mut s, "overall", &v.report.overall);
    for (c, w) in v.report.by_campaign.iter().zip(&v.campaign_weeks) {
        line(&mut s, w, &c.comparisons);
    }
    for c in &v.report.by_channel {
        line(&mut s, c.channel.code(), &c.comparisons);
    }
    match &v.report.qini {
        outreach::Qini::Curve { qini_coefficient, .. } => {
            let _ = writeln!(s, "Qini coefficient {qini_coefficient:.3}");
        }
        outreach::Qini::NotEnoughHistory { events, needed } => {
            let _ = writeln!(s, "Qini: not enough history ({events} of {needed} victimisations)");
        }
    }
    s
}
