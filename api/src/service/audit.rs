//! The audit trail of personal-data reads: a writer thread that commits records in batches (group commit: a
//! request waits until its record is durable, so nothing acknowledged is lost on a crash, while one transaction
//! serves every request that arrived meanwhile), the hash chain, verification and export.

use std::path::Path;
use std::sync::mpsc;

use sha2::{Digest as _, Sha256};

use crate::error::{AppError, AppResult};
pub use crate::store::AuditEntry;
use crate::store::{AuditRecord, AuditStore, GENESIS};

use super::Service;

/// Records committed per transaction at most.
const BATCH_MAX: usize = 1024;

struct Pending {
    entry: AuditEntry,
    at_ms: i64,
    done: tokio::sync::oneshot::Sender<Result<i64, String>>,
}

/// The audit writer: send it entries, await their sequence numbers.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Pending>,
}

/// The chained hash of a record: SHA-256 over the previous hash and every field, separated by 0x1f.
pub fn record_hash(r: &AuditRecord) -> String {
    let e = &r.entry;
    let mut h = Sha256::new();
    for part in [
        r.prev_hash.as_str(),
        &r.seq.to_string(),
        &r.at_ms.to_string(),
        &e.request_id,
        &e.user_name,
        &e.role,
        &e.method,
        &e.route,
        &e.status.to_string(),
        &e.purpose,
        &e.subjects.join(";"),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl AuditLog {
    /// Opens the audit log of `data_dir` and starts its writer thread (which ends when every handle is dropped).
    pub fn start(data_dir: &Path) -> AppResult<AuditLog> {
        let mut store = AuditStore::open(data_dir)?;
        let (tx, rx) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < BATCH_MAX {
                        match rx.try_recv() {
                            Ok(p) => batch.push(p),
                            Err(_) => break,
                        }
                    }
                    let (mut records, done): (Vec<AuditRecord>, Vec<_>) = batch
                        .into_iter()
                        .map(|p| {
                            let record = AuditRecord {
                                seq: 0,
                                at_ms: p.at_ms,
                                entry: p.entry,
                                prev_hash: String::new(),
                                hash: String::new(),
                            };
                            (record, p.done)
                        })
                        .unzip();
                    match store.append(&mut records, record_hash) {
                        Ok(()) => {
                            for (done, r) in done.into_iter().zip(&records) {
                                let _ = done.send(Ok(r.seq));
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "audit batch not written");
                            for done in done {
                                let _ = done.send(Err(e.to_string()));
                            }
                        }
                    }
                }
            })
            .map_err(AppError::internal)?;
        Ok(AuditLog { tx })
    }

    /// Appends an entry; resolves once it is committed, with its sequence number. A response carrying personal
    /// data is sent only after this succeeds.
    pub async fn record(&self, entry: AuditEntry) -> AppResult<i64> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send(Pending { entry, at_ms: now_ms(), done })
            .map_err(|_| AppError::internal(anyhow::anyhow!("the audit writer has stopped")))?;
        match wait.await {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err(e)) => Err(AppError::internal(anyhow::anyhow!("audit record not written: {e}"))),
            Err(_) => Err(AppError::internal(anyhow::anyhow!("the audit writer has stopped"))),
        }
    }

    /// [`AuditLog::record`] for callers outside the runtime (tests, the CLI).
    pub fn record_blocking(&self, entry: AuditEntry) -> AppResult<i64> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send(Pending { entry, at_ms: now_ms(), done })
            .map_err(|_| AppError::internal(anyhow::anyhow!("the audit writer has stopped")))?;
        match wait.blocking_recv() {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err(e)) => Err(AppError::internal(anyhow::anyhow!("audit record not written: {e}"))),
            Err(_) => Err(AppError::internal(anyhow::anyhow!("the audit writer has stopped"))),
        }
    }
}

/// The first place the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// What `fanzha audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditVerification {
    pub records: u64,
    pub ok: bool,
    /// The hash of the last record: keep it elsewhere to detect records cut from the end.
    pub head_hash: String,
    pub first_break: Option<ChainBreak>,
}

impl Service {
    /// Recomputes the whole chain: every record's hash, its link to the one before, and unbroken numbering.
    pub fn audit_verify(&self) -> AppResult<AuditVerification> {
        let store = AuditStore::open(self.data_dir())?;
        let (mut expected_seq, mut prev, mut records) = (1_i64, GENESIS.to_string(), 0_u64);
        let mut first_break: Option<ChainBreak> = None;
        store.for_each(None, None, |r| {
            records += 1;
            if first_break.is_none() {
                let reason = if r.seq != expected_seq {
                    Some(format!("record {expected_seq} is missing (next is {})", r.seq))
                } else if r.prev_hash != prev {
                    Some("its previous hash does not match the record before it".to_string())
                } else if record_hash(&r) != r.hash {
                    Some("its content does not match its hash (changed after writing)".to_string())
                } else {
                    None
                };
                if let Some(reason) = reason {
                    first_break = Some(ChainBreak { seq: r.seq, reason });
                }
            }
            expected_seq = r.seq + 1;
            prev = r.hash;
            Ok(())
        })?;
        Ok(AuditVerification { records, ok: first_break.is_none(), head_hash: prev, first_break })
    }

    /// The records written in `[from, to)` (epoch milliseconds; `None`: open end), in order.
    pub fn audit_export(
        &self,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
        mut out: impl FnMut(&AuditRecord),
    ) -> AppResult<u64> {
        let store = AuditStore::open(self.data_dir())?;
        let mut n = 0;
        store.for_each(from_ms, to_ms, |r| {
            n += 1;
            out(&r);
            Ok(())
        })?;
        Ok(n)
    }
}
