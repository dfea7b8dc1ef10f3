//! `fanzha serve`, `fanzha demo`, `fanzha users`, `fanzha audit`: the HTTP service and what runs it.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use crate::http::{AppState, ServeConfig};
use crate::service::Service;
use crate::service::audit::AuditVerification;
use crate::service::auth::{NewUser, Role, UserView};
use crate::service::pipeline::PipelineInput;
use crate::service::progress::Silent;
use crate::store::Trigger;

/// `fanzha users …`
#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Add an API user; prints their token once (only its hash is stored).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the token to these districts (comma-separated codes).
        #[arg(long, value_delimiter = ',')]
        districts: Vec<String>,
        /// Limit the token to these communities (comma-separated).
        #[arg(long, value_delimiter = ',')]
        communities: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a user's token at once.
    Revoke { name: String },
    /// Users and roles (never tokens).
    List {
        #[arg(long)]
        json: bool,
    },
}

/// `fanzha audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain of the audit log; exit 1 if any record was changed or removed.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Audit records as JSON lines, from and to a date (YYYY-MM-DD, Beijing time, inclusive) or an RFC 3339 time.
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `fanzha users …`; returns the text or JSON to print.
pub fn users(svc: &Service, command: UsersCommand) -> anyhow::Result<String> {
    Ok(match command {
        UsersCommand::Add { name, role, districts, communities, json } => {
            let user = svc.users_add(&name, role, &districts, &communities)?;
            if json { serde_json::to_string_pretty(&user)? + "\n" } else { render_new_user(&user) }
        }
        UsersCommand::Revoke { name } => {
            svc.users_revoke(&name)?;
            format!("revoked {name}\n")
        }
        UsersCommand::List { json } => {
            let users = svc.users_list()?;
            if json { serde_json::to_string_pretty(&users)? + "\n" } else { render_users(&users) }
        }
    })
}

fn render_new_user(u: &NewUser) -> String {
    format!("user {} ({}) added; token (shown once, keep it safe):\n{}\n", u.name, u.role.code(), u.token)
}

fn render_users(users: &[UserView]) -> String {
    let mut s = format!("{:<24} {:<13} {:<26} {:<26} scope\n", "name", "role", "created", "revoked");
    for u in users {
        let scope = [u.districts.join(","), u.communities.join(",")].join(" ");
        let _ = writeln!(
            s,
            "{:<24} {:<13} {:<26} {:<26} {}",
            u.name,
            u.role,
            u.created_at,
            u.revoked_at.as_deref().unwrap_or("-"),
            scope.trim()
        );
    }
    s
}

/// A date or time bound of `audit export` as epoch milliseconds; a date's `to` bound includes the whole day.
fn bound_ms(text: &str, end: bool) -> anyhow::Result<i64> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let day = if end { d + chrono::Duration::days(1) } else { d };
        let t = datasets::Timestamp::parse(&format!("{day} 00:00:00")).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok(t.0 * 1000);
    }
    let t = datasets::Timestamp::parse(text)
        .map_err(|e| anyhow::anyhow!("{text:?} is not a date (YYYY-MM-DD) or a time: {e}"))?;
    Ok(t.0 * 1000)
}

/// `fanzha audit …`; returns the text to print and whether it succeeded.
pub fn audit(svc: &Service, command: AuditCommand) -> anyhow::Result<(String, bool)> {
    match command {
        AuditCommand::Verify { json } => {
            let v = svc.audit_verify()?;
            let text = if json { serde_json::to_string_pretty(&v)? + "\n" } else { render_verification(&v) };
            Ok((text, v.ok))
        }
        AuditCommand::Export { from, to, out } => {
            let from = from.as_deref().map(|t| bound_ms(t, false)).transpose()?;
            let to = to.as_deref().map(|t| bound_ms(t, true)).transpose()?;
            let mut lines = String::new();
            let n = svc.audit_export(from, to, |r| {
                lines.push_str(&serde_json::to_string(r).unwrap_or_default());
                lines.push('\n');
            })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, lines).with_context(|| format!("cannot write {}", path.display()))?;
                    Ok((format!("{n} audit records written to {}\n", path.display()), true))
                }
                None => Ok((lines, true)),
            }
        }
    }
}

fn render_verification(v: &AuditVerification) -> String {
    match &v.first_break {
        None => format!("audit log intact: {} records, head hash {}\n", v.records, v.head_hash),
        Some(b) => format!("audit log TAMPERED: record {}: {} ({} records in all)\n", b.seq, b.reason, v.records),
    }
}

/// `fanzha serve`: the HTTP API on `config.bind` until Ctrl-C or SIGTERM, with the weekly schedule.
pub fn serve(data_dir: &Path, config: ServeConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.blocking_threads)
        .build()?;
    runtime.block_on(async move {
        let schedule = config.schedule()?;
        let input = config.input.clone();
        let bind: SocketAddr = config.bind;
        let state = AppState::new(data_dir, config)?;
        // Every store connection opened now, so the server's memory does not grow with its first load.
        if let Err(e) = state.svc.open_store_pool() {
            tracing::warn!(error = e.message(), "store connections not opened at start");
        }
        let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
        eprintln!("fanzha serving http://{} (data {})", listener.local_addr()?, data_dir.display());
        if let Some(schedule) = schedule {
            let job: Arc<dyn Fn(&Service) + Send + Sync> =
                Arc::new(move |svc: &Service| weekly_job(svc, input.as_deref()));
            tokio::spawn(crate::http::schedule::run_weekly(Arc::clone(&state), schedule, job));
        }
        crate::http::serve(state, listener, shutdown_signal()).await?;
        eprintln!("fanzha stopped");
        anyhow::Ok(())
    })
}

/// The scheduled weekly run: the pipeline over the configured input folder.
fn weekly_job(svc: &Service, input: Option<&Path>) {
    let Some(dir) = input else {
        tracing::warn!("scheduled pipeline: no input folder configured (`input` in the config); skipped");
        return;
    };
    let input = PipelineInput::Folder(dir.to_path_buf());
    match svc.run_pipeline(&input, Trigger::Schedule, &Silent) {
        Ok(view) => match view.failure {
            None => tracing::info!(run_id = view.run.run_id, "scheduled pipeline run finished"),
            Some(e) => tracing::error!(
                run_id = view.run.run_id,
                error = e.message(),
                "scheduled pipeline run failed; last week's snapshots still serve"
            ),
        },
        Err(e) => tracing::error!(error = e.message(), "scheduled pipeline run did not start"),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}

/// The demo users, one per role.
const DEMO_ROLES: [Role; 4] = [Role::Investigator, Role::Prevention, Role::Analyst, Role::Admin];

/// `fanzha demo`: a generated district through the pipeline, one token per role, then `serve`.
pub fn demo(
    data_dir: &Path,
    residents: u32,
    weeks: u32,
    seed: u64,
    mut config: ServeConfig,
    quiet: bool,
) -> anyhow::Result<()> {
    let svc = Service::new(data_dir);
    let input = PipelineInput::Synthetic { residents, weeks, seed };
    let view = svc.run_pipeline(&input, Trigger::Cli, &super::pipeline::Bars::new(quiet))?;
    eprint!("{}", super::pipeline::render_pipeline(&view));
    if let Some(e) = view.failure {
        return Err(e.into());
    }
    // The generated district's areas and adjacency, unless configured: the console's map and Gi* hot spots.
    let generated = PipelineInput::synthetic_dir(data_dir, residents, weeks, seed);
    let beside = |name: &str| Some(generated.join(name)).filter(|p| p.is_file());
    config.areas = config.areas.take().or_else(|| beside("areas.csv"));
    config.adjacency = config.adjacency.take().or_else(|| beside("adjacency.csv"));
    let week = svc.risk_weeks()?.items.last().map(|w| w.week.clone());
    let base = format!("http://{}", config.bind);
    let mut s = String::from("\ndemo tokens (one per role; a re-run replaces them):\n");
    let mut tokens = Vec::new();
    for role in DEMO_ROLES {
        let name = format!("demo-{}", role.code());
        match svc.users_revoke(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == crate::error::Kind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let user = svc.users_add(&name, role, &[], &[])?;
        let _ = writeln!(s, "  {:<13} {}", role.code(), user.token);
        tokens.push((role, user.token));
    }
    let token = |r: Role| tokens.iter().find(|(x, _)| *x == r).map(|(_, t)| t.as_str()).unwrap_or_default();
    let auth = |r: Role| format!("-H 'Authorization: Bearer {}'", token(r));
    let purpose = "-H 'X-Purpose: 预警劝阻 demo'";
    let _ = writeln!(s, "\nweb console: {base}/console/ (sign in with a token above)");
    let _ = writeln!(s, "\ntry (docs/api.md lists every route):");
    let _ = writeln!(s, "  curl -s {} {base}/api/v1/risk/weeks", auth(Role::Analyst));
    match &week {
        Some(week) => {
            let _ = writeln!(
                s,
                "  curl -s {} {purpose} '{base}/api/v1/risk/weeks/{week}/residents?decile=1&limit=5'",
                auth(Role::Prevention)
            );
            let _ = writeln!(s, "  curl -s {} '{base}/api/v1/risk/weeks/{week}/areas'", auth(Role::Analyst));
        }
        None => {
            let _ = writeln!(s, "  (no risk snapshot was written: too few victims in the training weeks)");
        }
    }
    let _ = writeln!(
        s,
        "  curl -s {} {purpose} '{base}/api/v1/search?q=%E5%88%B7%E5%8D%95&limit=3'",
        auth(Role::Investigator)
    );
    let _ = writeln!(s, "  curl -s {} '{base}/api/v1/clusters?min_reports=3&limit=5'", auth(Role::Investigator));
    let _ = writeln!(s, "  curl -s {base}/api/openapi.json | head\n");
    eprint!("{s}");
    serve(data_dir, config)
}
