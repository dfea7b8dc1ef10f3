//! Text renderings of the risk and statistics views: `fanzha stats`, `score`, `scores`, `areas`, `evaluate`.

use std::fmt::Write as _;

use crate::service::areas::AreasView;
use crate::service::evaluate::EvaluationView;
use crate::service::risk::{ScoreReport, ScoresView};
use crate::service::stats::Stats;

/// The statistics as text tables.
pub fn render_stats(s: &Stats) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "rows per table\n{:<12} {:>10} {:>10}", "table", "rows", "history");
    for t in &s.tables {
        let _ = writeln!(o, "{:<12} {:>10} {:>10}", t.table, t.rows, t.history);
    }
    let _ = writeln!(
        o,
        "flagged references: {}\n\ncases per fraud type (all reports, local and shared)\n{:<26} {:>8} {:>16}",
        s.flags, "type", "cases", "loss (yuan)"
    );
    for g in &s.by_fraud_type {
        let _ = writeln!(o, "{:<26} {:>8} {:>16}  {}", g.key, g.cases, g.loss_yuan, g.label);
    }
    let _ = writeln!(
        o,
        "\ncases per ISO week (Beijing time, all reports)\n{:<10} {:>8} {:>16}",
        "week", "cases", "loss (yuan)"
    );
    for g in &s.by_week {
        let _ = writeln!(o, "{:<10} {:>8} {:>16}", g.key, g.cases, g.loss_yuan);
    }
    let _ = writeln!(o, "\n万人发案率 per community (cases ÷ residents × 10,000)");
    match &s.period {
        Some(p) => {
            let _ = writeln!(o, "period: {}..{} ({} days, {:.1} weeks)", p.first, p.last, p.days, p.weeks);
        }
        None => {
            let _ = writeln!(o, "period: no reports");
        }
    }
    let _ = writeln!(o, "population basis: residents in the store ({} in all)", s.population);
    let _ = writeln!(
        o,
        "local reports: {} (reports shared from other districts, not counted: {})",
        s.local_reports, s.shared_reports
    );
    if let (Some(r), Some(y)) = (s.district_per_10k, s.district_per_10k_per_year) {
        let _ = writeln!(o, "district: {r:.2} per 10,000 residents over the period ({y:.2} a year)");
    }
    let _ = writeln!(o, "{:>8} {:>10} {:>10}  community", "cases", "residents", "per 10k");
    for c in &s.communities {
        let rate = c.per_10k.map_or_else(|| "n/a".to_string(), |r| format!("{r:.1}"));
        let _ = writeln!(o, "{:>8} {:>10} {:>10}  {}", c.cases, c.residents, rate, c.community);
    }
    o
}

/// What `fanzha score` did, as text.
pub fn render_score(r: &ScoreReport) -> String {
    {
        let mut s = String::new();
        if r.unchanged {
            let _ = writeln!(
                s,
                "snapshot {} for {} with model {} already exists on the same data: no-op, scores unchanged",
                r.snapshot_id, r.week, r.model_version
            );
        } else {
            let _ = writeln!(
                s,
                "snapshot {} written: {} residents scored for {} with model {}",
                r.snapshot_id, r.residents, r.week, r.model_version
            );
        }
        let _ = writeln!(
            s,
            "trained on {}..{} ({} rows, {} victims), calibrated on {}..{}, data cutoff {} 00:00 Beijing",
            r.fit_from, r.calibrate_from, r.fit_rows, r.fit_victims, r.calibrate_from, r.week, r.week
        );
        let t = &r.seconds;
        let _ = writeln!(
            s,
            "time: load {:.2}s, train {:.2}s, score {:.2}s, write {:.2}s",
            t.load, t.train, t.score, t.write
        );
        s
    }
}

/// Plain-text rendering of a snapshot view.
pub fn render_scores(v: &ScoresView) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "risk snapshot {} · week {} · model {} ({}) · data cutoff {} · {} residents",
        v.snapshot_id, v.week, v.model_version, v.model_kind, v.data_cutoff, v.residents
    );
    let _ = writeln!(
        s,
        "\n{:>6}  {:<12} {:<12} {:>9} {:>3}  reasons 原因",
        "rank", "resident", "community", "score", "dec"
    );
    for r in &v.rows {
        let reasons: Vec<String> = r.reasons.iter().map(|x| format!("{} ({})", x.zh, x.en)).collect();
        let _ = writeln!(
            s,
            "{:>6}  {:<12} {:<12} {:>9.6} {:>3}  {}",
            r.rank,
            r.resident_id,
            r.community,
            r.score,
            r.decile,
            reasons.join("; ")
        );
    }
    let _ = writeln!(
        s,
        "\n{:<12} {:>9} {:>10} {:>14} {:>10}",
        "community", "residents", "mean", "expected cases", "top 10%"
    );
    for c in &v.communities {
        let _ = writeln!(
            s,
            "{:<12} {:>9} {:>10.5} {:>14.2} {:>10}",
            c.community, c.residents, c.mean_score, c.expected_cases, c.top_decile
        );
    }
    s
}

/// `fanzha areas` as a text table.
pub fn render_areas(r: &AreasView) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "areas · week {} · population basis {} residents in the store · window {}..={} · baseline {}..{}",
        r.week, r.population, r.window_from, r.week, r.baseline_from, r.baseline_to
    );
    let _ = writeln!(
        s,
        "万人发案率 = cases ÷ residents × 10,000 (week, and over the window); EB = Marshall (1991); Gi* hot spots at \
         BH FDR 0.05; alert when P(X ≥ x) < 0.01 and x ≥ 3\n"
    );
    let _ = writeln!(
        s,
        "{:<14} {:>6} {:>5} {:>5} {:>12} {:>8} {:>6} {:>8} {:>8} {:>7} {:>7} {:>4} {:>6} {:>8} {:>5}",
        "community",
        "pop",
        "cases",
        "prev",
        "loss_yuan",
        "/10k wk",
        "win",
        "/10k win",
        "EB",
        "Gi*",
        "p",
        "hot",
        "base",
        "P(X≥x)",
        "alert"
    );
    for a in &r.communities {
        let opt = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |v| format!("{v:.d$}"));
        let _ = writeln!(
            s,
            "{:<14} {:>6} {:>5} {:>5} {:>12} {:>8.2} {:>6} {:>8.2} {:>8.2} {:>7} {:>7} {:>4} {:>6.2} {:>8.4} {:>5}",
            a.community,
            a.population,
            a.cases,
            a.cases_prev_week,
            a.loss_yuan,
            a.per_10k_week,
            a.cases_window,
            a.per_10k_window,
            a.eb_per_10k_window,
            opt(a.gi_star, 2),
            opt(a.gi_p, 3),
            if a.hot_spot { "yes" } else { "" },
            a.baseline_mean,
            a.alert_p,
            if a.alert { "ALERT" } else { "" }
        );
    }
    if !r.unknown_adjacency.is_empty() {
        let _ = writeln!(s, "\nadjacency names unknown communities (ignored): {}", r.unknown_adjacency.join(", "));
    }
    if r.communities.iter().all(|a| a.gi_star.is_none()) {
        let _ = writeln!(s, "\nGi* not computed: give --adjacency FILE, and rates must vary between communities");
    }
    s
}

/// `fanzha evaluate` as text.
pub fn render_evaluation(v: &EvaluationView) -> String {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.4}"));
    let mut s = String::new();
    let _ = writeln!(s, "evaluation {}..={} · model {} trained on {}", v.from, v.to, v.model_version, v.trained_on);
    let _ = writeln!(s, "resident-weeks {} · victims {}", v.resident_weeks, v.victims);
    let _ = writeln!(
        s,
        "fitted on {} rows ({} victims) · train {:.2}s (learner fit {:.2}s)",
        v.fit_rows, v.fit_victims, v.train_seconds, v.fit_seconds
    );
    let _ = writeln!(
        s,
        "ROC-AUC {} · PR-AUC {} · Brier {} · calibration error (ECE, 10 bins) {}",
        f(v.roc_auc),
        f(v.pr_auc),
        f(v.brier),
        f(v.calibration_error)
    );
    let _ = writeln!(s, "precision@{} per week {} · recall@k {}", v.k_per_week, f(v.precision_at_k), f(v.recall_at_k));
    let _ = writeln!(s, "\nreliability (equal-count bins): mean score → observed rate");
    for b in &v.reliability {
        let _ = writeln!(s, "  {:>8} rows  {:.6} → {:.6}", b.count, b.mean_score, b.observed_rate);
    }
    let _ = writeln!(s, "\nselection rates into the weekly top k");
    for r in &v.selection_rates {
        let _ = writeln!(
            s,
            "  {:<9} {:<6} {:>9} resident-weeks {:>6} selected  {:.4}",
            r.attribute, r.group, r.resident_weeks, r.selected, r.rate
        );
    }
    s
}

/// An SVG reliability diagram (mean score vs observed rate per bin, with the diagonal) of an evaluation.
pub fn reliability_svg(v: &EvaluationView) -> String {
    let bins: Vec<(f64, f64)> = v.reliability.iter().map(|b| (b.mean_score, b.observed_rate)).collect();
    // Rates are small: scale both axes to the largest value seen (at least 1e-6).
    let top = bins.iter().flat_map(|&(a, b)| [a, b]).fold(1e-6, f64::max) * 1.1;
    let (w, h, m) = (480.0, 480.0, 60.0);
    let x = |s: f64| m + s / top * (w - 2.0 * m);
    let y = |r: f64| h - m - r / top * (h - 2.0 * m);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle">Reliability {}..={} ({})</text>"#,
        w / 2.0,
        v.from,
        v.to,
        v.model_version
    );
    let _ = writeln!(
        s,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="grey" stroke-dasharray="4"/>"#,
        x(0.0),
        y(0.0),
        x(top),
        y(top)
    );
    let _ = writeln!(s, r#"<line x1="{m}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#, h - m, w - m, h - m);
    let _ = writeln!(s, r#"<line x1="{m}" y1="{m}" x2="{m}" y2="{}" stroke="black"/>"#, h - m);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">mean predicted probability (max {top:.2e})</text>"#,
        w / 2.0,
        h - 20.0
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">observed victim rate</text>"#,
        h / 2.0,
        h / 2.0
    );
    let points: Vec<String> = bins.iter().map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b))).collect();
    let _ = writeln!(s, r#"<polyline points="{}" fill="none" stroke="steelblue" stroke-width="2"/>"#, points.join(" "));
    for &(a, b) in &bins {
        let _ = writeln!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="steelblue"/>"#, x(a), y(b));
    }
    s.push_str("</svg>\n");
    s
}
