//! `ceiling BIND BYTES`: serves `GET /` with a constant JSON body of exactly BYTES bytes on a multi-threaded
//! tokio runtime (one worker per core, as `fanzha serve`), until SIGTERM or Ctrl-C. Any other path gets the same
//! answer, so the benchmark can replay fanzha's own request list against it.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `{"pad":"xxx…"}` of exactly `size` bytes (at least the 10 bytes of `{"pad":""}`).
fn body(size: usize) -> Bytes {
    let frame = r#"{"pad":""}"#;
    let pad = size.saturating_sub(frame.len());
    Bytes::from(format!(r#"{{"pad":"{}"}}"#, "x".repeat(pad)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: ceiling BIND BYTES   (e.g. ceiling 127.0.0.1:18081 1500)";
    let bind: SocketAddr = args.next().ok_or(usage)?.parse()?;
    let size: usize = args.next().ok_or(usage)?.parse()?;
    let body = body(size);
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let constant = move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        };
        let app = Router::new().route("/", get(constant.clone())).fallback(constant);
        let listener = tokio::net::TcpListener::bind(bind).await?;
        eprintln!("ceiling serving http://{} ({size} bytes)", listener.local_addr()?);
        axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
        Ok(())
    })
}

async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {},
    }
}
