//! `fanzha export`: flags → a checked export request → the export service (a row bar per table) → a summary as
//! text or `--json`.

use std::path::PathBuf;

use crate::error::AppResult;
use crate::service::Service;
use crate::service::export::{ExportFormat, ExportRequest, ExportTable, ExportView};

/// The `fanzha export` arguments.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The file format (only `parquet`).
    #[arg(long, default_value = "parquet")]
    format: String,
    /// Folder to write `<table>.parquet` files and `manifest.json` into (created if missing; files of the same
    /// names are replaced whole).
    #[arg(long)]
    out: PathBuf,
    /// Only these tables (comma-separated; default: all). See docs/export.md.
    #[arg(long, value_delimiter = ',')]
    tables: Vec<String>,
    /// Community adjacency (CSV `community_a,community_b`, as the generator's adjacency.csv) for the Gi* hot spots
    /// of `area_stats`; without it no community is a hot spot.
    #[arg(long)]
    adjacency: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the export and renders its summary.
pub fn export(svc: &Service, args: ExportArgs, quiet: bool) -> AppResult<String> {
    let req = ExportRequest {
        format: ExportFormat::parse(&args.format)?,
        tables: ExportTable::parse_list(&args.tables)?,
        adjacency: args
            .adjacency
            .as_deref()
            .map(crate::service::areas::read_adjacency)
            .transpose()?
            .unwrap_or_default(),
        out: args.out,
    };
    let view = svc.export(&req, &super::pipeline::Bars::new(quiet))?;
    Ok(if args.json {
        format!("{}\n", serde_json::to_string_pretty(&view).map_err(crate::error::AppError::internal)?)
    } else {
        render(&view)
    })
}

/// The tables written, with rows and sizes.
pub fn render(v: &ExportView) -> String {
    let mut s = format!("{:<18} {:>10} {:>12}  path\n", "table", "rows", "bytes");
    for t in &v.tables {
        s += &format!("{:<18} {:>10} {:>12}  {}\n", t.table, t.rows, t.bytes, t.path);
    }
    match v.gang_run_id {
        Some(run) => s += &format!("gang tables: clustering run {run}\n"),
        None => s += "gang tables: empty (no clustering run yet)\n",
    }
    if let Some(weeks) = &v.area_weeks {
        s += &format!("area statistics: weeks {weeks}\n");
    }
    s += &format!("timestamps: {}\n", v.timestamps);
    s
}
