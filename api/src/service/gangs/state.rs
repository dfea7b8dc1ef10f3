//! One clustering run's whole gang graph and what showing it needs, built once and kept while the run and the data
//! it was built from stay the latest (`clusters show/explain/export` in one process reuse it).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use analytics::{
    ClusterSubgraph, EntityKind, GangGraph, LinkIndex, MoneyEnd, RelayParams, Relays, ReportInput, Shared,
    SubgraphParams, account_key, cluster_subgraph, cluster_subgraph_with_shared,
};
use datasets::ident::{IdField, normalize, shown_key};

use crate::error::{AppError, AppResult};
use crate::store::{DataVersion, Store};

/// What a [`GangState`] was built from: a new run or any change to reports, residents or transfers rebuilds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    run: i64,
    data: DataVersion,
}

/// The latest built [`GangState`], if any.
#[derive(Default)]
pub(crate) struct GangCache {
    latest: Mutex<Option<(Key, Arc<GangState>)>>,
}

impl GangCache {
    /// The state of the store's latest run, from the cache when nothing changed since it was built.
    pub(crate) fn get(&self, store: &Store) -> AppResult<Arc<GangState>> {
        let key = Key { run: store.require_gang_run()?, data: store.data_version()? };
        // Held while building: a second caller waits for this build instead of starting its own.
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, state)) = latest.as_ref()
            && *k == key
        {
            return Ok(Arc::clone(state));
        }
        let state = Arc::new(GangState::load(store, key.run)?);
        *latest = Some((key, Arc::clone(&state)));
        Ok(state)
    }
}

/// A clustering run with the whole graph and what it needs to be shown.
pub(crate) struct GangState {
    pub(crate) run: i64,
    pub(crate) graph: GangGraph,
    /// Report id → graph index.
    index: HashMap<String, usize>,
    /// Report id → cluster id in the run.
    cluster_of: HashMap<String, u64>,
    /// Cluster id → graph indices of its reports, ascending.
    members: HashMap<u64, Vec<usize>>,
    /// Hubs (not force-included) and laundering-service accounts of the run: they never link.
    excluded: HashMap<String, Shared>,
    /// What `explain` and confidence walk (every report's traced money, through the run's relays), built by the
    /// first of them to need it.
    links: std::sync::OnceLock<LinkIndex>,
    /// Victims' own identifiers: residents' phones and accounts that paid into a reported fraud.
    personal: BTreeSet<String>,
    /// Where the run traced each report's money to (the evidence behind its money links).
    pub(crate) money_ends: Vec<MoneyEnd>,
    /// Each cluster's evidence once computed, by (cluster, unmasked): a run never changes, and this state is
    /// replaced when the data does.
    pub(crate) evidence: std::sync::Mutex<HashMap<(u64, bool), Arc<super::evidence::ClusterEvidence>>>,
}

/// Graph transfers from the store, streamed.
pub(crate) fn build_graph(store: &Store, reports: &[ReportInput]) -> AppResult<GangGraph> {
    Ok(store.with_transfers(|rows| GangGraph::build(reports, rows.map(Into::into)))?)
}

/// The last 7 digits of a phone number as written (full-width digits too), if it has that many.
fn tail7(s: &str) -> Option<String> {
    let digit = |c: char| c.to_digit(10).or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32));
    let digits: Vec<char> = s.chars().filter_map(digit).filter_map(|d| char::from_digit(d, 10)).collect();
    (digits.len() >= 7).then(|| digits[digits.len() - 7..].iter().collect())
}

impl GangState {
    fn load(store: &Store, run: i64) -> AppResult<GangState> {
        let reports = store.gang_reports()?;
        let graph = build_graph(store, &reports)?;
        let index: HashMap<String, usize> = reports.iter().enumerate().map(|(i, r)| (r.report_id.clone(), i)).collect();
        let cluster_of: HashMap<String, u64> = store.gang_members(run)?.into_iter().collect();
        let mut members: HashMap<u64, Vec<usize>> = HashMap::new();
        for (report, &cluster) in &cluster_of {
            if let Some(&i) = index.get(report) {
                members.entry(cluster).or_default().push(i);
            }
        }
        members.values_mut().for_each(|m| m.sort_unstable());
        let mut excluded: HashMap<String, Shared> = HashMap::new();
        for s in store.gang_services(run)? {
            excluded.extend(s.accounts.into_iter().map(|a| (a, Shared::Service)));
        }
        // A hub that is also a service's account is shown as the hub it was found to be.
        excluded.extend(store.gang_hubs(run)?.into_iter().filter(|h| !h.overridden).map(|h| (h.key, Shared::Hub)));
        let money_ends = store
            .gang_money_ends(run)?
            .into_iter()
            .filter_map(|e| match (graph.entity(&e.key), index.get(&e.report_id)) {
                (Some(account), Some(&report)) => Some(MoneyEnd { report, account, share: e.share }),
                _ => None,
            })
            .collect();
        // Residents' phones that are phone nodes of the graph. Normalising all of them is slow for a large
        // district, so only numbers whose last 7 digits match a graph phone are normalised.
        let phone_tails: BTreeSet<String> = (0..graph.entity_count() as u32)
            .filter(|&e| graph.kind(e) == EntityKind::Phone)
            .filter_map(|e| tail7(graph.key(e)))
            .collect();
        let mut personal: BTreeSet<String> = BTreeSet::new();
        for raw in store.resident_phones()? {
            if tail7(&raw).is_some_and(|t| phone_tails.contains(&t))
                && let Ok(id) = normalize(IdField::Phone, &raw)
            {
                personal.insert(id.key);
            }
        }
        for raw in store.victim_paying_accounts()? {
            personal.extend(account_key(&raw));
        }
        Ok(GangState {
            run,
            graph,
            index,
            cluster_of,
            members,
            excluded,
            links: Default::default(),
            personal,
            money_ends,
            evidence: Default::default(),
        })
    }

    /// The link index `explain` and confidence walk: built once per state (hubs, services and partial cards never
    /// link; money followed through the run's relays; default subgraph parameters).
    pub(crate) fn links(&self) -> &LinkIndex {
        self.links.get_or_init(|| {
            // Clustering always runs with the default relay parameters (`GangParams::defaults`): the same relays,
            // those the run held apart as hubs.
            let hub = |key: &str| self.excluded.get(key).is_some_and(|s| matches!(s, Shared::Hub));
            let relays = Relays::find(&self.graph, &RelayParams::defaults(), hub);
            LinkIndex::new(&self.graph, &|k| self.is_excluded(k), &relays, &SubgraphParams::defaults())
        })
    }

    pub(crate) fn is_excluded(&self, key: &str) -> bool {
        self.excluded.contains_key(key)
    }

    fn is_personal(&self, key: &str) -> bool {
        self.personal.contains(key)
    }

    /// Graph indices of cluster `id`'s reports; `cluster_not_found` if the run has no such cluster.
    pub(crate) fn members(&self, id: u64) -> AppResult<&[usize]> {
        self.members.get(&id).map(Vec::as_slice).ok_or_else(|| {
            AppError::not_found(
                "cluster_not_found",
                format!("no cluster {id} in clustering run {}; see `fanzha clusters list`", self.run),
            )
        })
    }

    /// Graph index of report `id`; `report_not_found` if the store does not hold it.
    pub(crate) fn report_index(&self, id: &str) -> AppResult<usize> {
        self.index.get(id).copied().ok_or_else(|| {
            AppError::not_found("report_not_found", format!("unknown report id {id:?}: it is not in the store"))
        })
    }

    /// The cluster of report `id` in the run.
    pub(crate) fn cluster_of(&self, id: &str) -> AppResult<u64> {
        self.cluster_of.get(id).copied().ok_or_else(|| {
            AppError::not_found(
                "cluster_not_found",
                format!("report {id} is in no cluster of clustering run {}; run `fanzha clusters run` again", self.run),
            )
        })
    }

    /// The subgraph of a cluster's `members`, with the hubs and laundering services' accounts it touches marked
    /// (for exports and the console).
    pub(crate) fn subgraph_with_shared(&self, members: &[usize]) -> ClusterSubgraph {
        cluster_subgraph_with_shared(
            &self.graph,
            members,
            &SubgraphParams::defaults(),
            &|k| self.excluded.get(k).copied(),
            &|k| self.is_personal(k),
            &self.money_ends,
        )
    }

    /// The subgraph of a cluster's `members`.
    pub(crate) fn subgraph(&self, members: &[usize]) -> ClusterSubgraph {
        cluster_subgraph(
            &self.graph,
            members,
            &SubgraphParams::defaults(),
            &|k| self.is_excluded(k),
            &|k| self.is_personal(k),
            &self.money_ends,
        )
    }

    /// A key as shown: masked if it is a victim's own identifier, unless `unmasked`.
    pub(crate) fn shown(&self, key: &str, unmasked: bool) -> String {
        shown_key(key, !unmasked && self.is_personal(key))
    }
}
