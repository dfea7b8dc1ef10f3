//! Exports of a cluster's subgraph for analysts' tools: GraphML (networkx, Gephi, yEd; typed `<key>`s), GEXF 1.3
//! (Gephi), two CSV files (i2 Analyst's Notebook import: entities and links) and JSON. Written with quick-xml's
//! event writer (escaping and well-formedness handled by the crate) and the csv crate; victims' personal keys are
//! masked unless `unmasked`.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::centrality::{betweenness, page_rank};
use super::subgraph::{ClusterSubgraph, SubNodeKind};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    GraphMl,
    Gexf,
    /// `entities.csv` and `links.csv`.
    Csv,
    Json,
}

impl ExportFormat {
    /// Every format's name, as accepted by [`ExportFormat::parse`].
    pub const NAMES: &'static str = "graphml, gexf, csv, json";

    /// `graphml`, `gexf`, `csv` or `json` (case-insensitive).
    pub fn parse(name: &str) -> Result<ExportFormat, ExportError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "graphml" => Ok(ExportFormat::GraphMl),
            "gexf" => Ok(ExportFormat::Gexf),
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            _ => Err(ExportError::UnknownFormat { name: name.to_string() }),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::GraphMl => "graphml",
            ExportFormat::Gexf => "gexf",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// What can go wrong while exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown export format {name:?}; use one of graphml, gexf, csv, json")]
    UnknownFormat { name: String },
    #[error("writing the export failed: {0}")]
    Write(String),
}

fn failed(e: impl std::fmt::Display) -> ExportError {
    ExportError::Write(e.to_string())
}

/// One node as exported.
struct NodeRow {
    id: String,
    kind: &'static str,
    label: String,
    personal: bool,
    pagerank: f64,
    betweenness: f64,
    time: String,
    fraud_type: String,
    /// `hub` or `laundering_service` for a shared node the cluster touches, else empty.
    shared: &'static str,
}

/// One edge as exported.
struct LinkRow {
    id: String,
    source: String,
    target: String,
    kind: &'static str,
    amount_yuan: Option<f64>,
    at: Option<i64>,
    time: String,
    share: Option<f64>,
}

fn iso(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn rows(sub: &ClusterSubgraph, unmasked: bool) -> (Vec<NodeRow>, Vec<LinkRow>) {
    // Over the core nodes: shared hubs and services come last and score 0.
    let adj = sub.adjacency();
    let pr = page_rank(&adj);
    let (bc, _) = betweenness(&adj, 1);
    let score = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
    let nodes = sub
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRow {
            id: format!("n{i}"),
            kind: n.kind.code(),
            label: match n.kind {
                SubNodeKind::Report => n.key.clone(),
                SubNodeKind::Entity(_) => datasets::ident::shown_key(&n.key, n.personal && !unmasked),
            },
            personal: n.personal,
            pagerank: score(&pr, i),
            betweenness: score(&bc, i),
            time: n.time.map(iso).unwrap_or_default(),
            fraud_type: n.fraud_type.map(|f| f.code().to_string()).unwrap_or_default(),
            shared: n.shared.map(|s| s.code()).unwrap_or_default(),
        })
        .collect();
    let links = sub
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| LinkRow {
            id: format!("e{i}"),
            source: format!("n{}", e.source),
            target: format!("n{}", e.target),
            kind: e.kind.code(),
            amount_yuan: e.amount_fen.map(|f| f as f64 / 100.0),
            at: e.at,
            time: e.at.map(iso).unwrap_or_default(),
            share: e.share,
        })
        .collect();
    (nodes, links)
}

/// Writes one `<tag attr…>text</tag>` element.
fn text_element<W: Write>(w: &mut Writer<W>, tag: &str, attrs: &[(&str, &str)], text: &str) -> Result<(), ExportError> {
    w.write_event(Event::Start(BytesStart::new(tag).with_attributes(attrs.iter().copied()))).map_err(failed)?;
    w.write_event(Event::Text(BytesText::new(text))).map_err(failed)?;
    w.write_event(Event::End(BytesEnd::new(tag))).map_err(failed)?;
    Ok(())
}

fn empty<W: Write>(w: &mut Writer<W>, tag: &str, attrs: &[(&str, &str)]) -> Result<(), ExportError> {
    w.write_event(Event::Empty(BytesStart::new(tag).with_attributes(attrs.iter().copied()))).map_err(failed)
}

fn start<W: Write>(w: &mut Writer<W>, tag: &str, attrs: &[(&str, &str)]) -> Result<(), ExportError> {
    w.write_event(Event::Start(BytesStart::new(tag).with_attributes(attrs.iter().copied()))).map_err(failed)
}

fn end<W: Write>(w: &mut Writer<W>, tag: &str) -> Result<(), ExportError> {
    w.write_event(Event::End(BytesEnd::new(tag))).map_err(failed)
}

const NODE_KEYS: [(&str, &str, &str); 8] = [
    ("type", "type", "string"),
    ("label", "label", "string"),
    ("personal", "personal", "boolean"),
    ("pagerank", "pagerank", "double"),
    ("betweenness", "betweenness", "double"),
    ("time", "time", "string"),
    ("fraud_type", "fraud_type", "string"),
    ("shared", "shared", "string"),
];
const EDGE_KEYS: [(&str, &str, &str); 5] = [
    ("kind", "kind", "string"),
    ("amount_yuan", "amount_yuan", "double"),
    ("at", "at", "long"),
    ("time", "time", "string"),
    ("share", "share", "double"),
];

fn node_values(n: &NodeRow) -> [String; 8] {
    [
        n.kind.to_string(),
        n.label.clone(),
        n.personal.to_string(),
        n.pagerank.to_string(),
        n.betweenness.to_string(),
        n.time.clone(),
        n.fraud_type.clone(),
        n.shared.to_string(),
    ]
}

fn edge_values(e: &LinkRow) -> [Option<String>; 5] {
    [
        Some(e.kind.to_string()),
        e.amount_yuan.map(|a| a.to_string()),
        e.at.map(|a| a.to_string()),
        (!e.time.is_empty()).then(|| e.time.clone()),
        e.share.map(|x| x.to_string()),
    ]
}

/// GraphML: a directed graph, node ids `n0…`, edge ids `e0…`, typed `<key>`s (type, label, personal, pagerank,
/// betweenness, time, fraud_type, shared on nodes; kind, amount_yuan, at (epoch seconds), time, share on edges).
pub fn write_graphml(
    sub: &ClusterSubgraph,
    cluster_id: u64,
    unmasked: bool,
    out: impl Write,
) -> Result<(), ExportError> {
    let (nodes, links) = rows(sub, unmasked);
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(failed)?;
    start(
        &mut w,
        "graphml",
        &[
            ("xmlns", "http://graphml.graphdrawing.org/xmlns"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
            ),
        ],
    )?;
    for (class, keys) in [("node", &NODE_KEYS[..]), ("edge", &EDGE_KEYS[..])] {
        for (id, name, ty) in keys {
            let id = format!("{class}_{id}");
            empty(&mut w, "key", &[("id", &id), ("for", class), ("attr.name", name), ("attr.type", ty)])?;
        }
    }
    let graph_id = format!("cluster{cluster_id}");
    start(&mut w, "graph", &[("id", &graph_id), ("edgedefault", "directed")])?;
    for n in &nodes {
        start(&mut w, "node", &[("id", &n.id)])?;
        for ((key, _, _), value) in NODE_KEYS.iter().zip(node_values(n)) {
            if !value.is_empty() {
                text_element(&mut w, "data", &[("key", &format!("node_{key}"))], &value)?;
            }
        }
        end(&mut w, "node")?;
    }
    for e in &links {
        start(&mut w, "edge", &[("id", &e.id), ("source", &e.source), ("target", &e.target)])?;
        for ((key, _, _), value) in EDGE_KEYS.iter().zip(edge_values(e)) {
            if let Some(value) = value {
                text_element(&mut w, "data", &[("key", &format!("edge_{key}"))], &value)?;
            }
        }
        end(&mut w, "edge")?;
    }
    end(&mut w, "graph")?;
    end(&mut w, "graphml")?;
    w.into_inner().flush().map_err(failed)
}

/// GEXF 1.3 (`http://gexf.net/1.3`): a static directed graph with the same node and edge attributes as GraphML
/// (declared in `<attributes>`, GEXF types `string`, `boolean`, `double`, `long`).
pub fn write_gexf(sub: &ClusterSubgraph, cluster_id: u64, unmasked: bool, out: impl Write) -> Result<(), ExportError> {
    let (nodes, links) = rows(sub, unmasked);
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(failed)?;
    start(&mut w, "gexf", &[("xmlns", "http://gexf.net/1.3"), ("version", "1.3")])?;
    start(&mut w, "meta", &[])?;
    text_element(&mut w, "creator", &[], "fanzha")?;
    text_element(&mut w, "description", &[], &format!("gang cluster {cluster_id}"))?;
    end(&mut w, "meta")?;
    start(&mut w, "graph", &[("defaultedgetype", "directed"), ("mode", "static")])?;
    for (class, keys) in [("node", &NODE_KEYS[..]), ("edge", &EDGE_KEYS[..])] {
        start(&mut w, "attributes", &[("class", class)])?;
        for (id, name, ty) in keys {
            empty(&mut w, "attribute", &[("id", id), ("title", name), ("type", ty)])?;
        }
        end(&mut w, "attributes")?;
    }
    start(&mut w, "nodes", &[])?;
    for n in &nodes {
        start(&mut w, "node", &[("id", &n.id), ("label", &n.label)])?;
        start(&mut w, "attvalues", &[])?;
        for ((key, _, _), value) in NODE_KEYS.iter().zip(node_values(n)) {
            if !value.is_empty() {
                empty(&mut w, "attvalue", &[("for", key), ("value", &value)])?;
            }
        }
        end(&mut w, "attvalues")?;
        end(&mut w, "node")?;
    }
    end(&mut w, "nodes")?;
    start(&mut w, "edges", &[])?;
    for e in &links {
        start(&mut w, "edge", &[("id", &e.id), ("source", &e.source), ("target", &e.target), ("label", e.kind)])?;
        start(&mut w, "attvalues", &[])?;
        for ((key, _, _), value) in EDGE_KEYS.iter().zip(edge_values(e)) {
            if let Some(value) = value {
                empty(&mut w, "attvalue", &[("for", key), ("value", &value)])?;
            }
        }
        end(&mut w, "attvalues")?;
        end(&mut w, "edge")?;
    }
    end(&mut w, "edges")?;
    end(&mut w, "graph")?;
    end(&mut w, "gexf")?;
    w.into_inner().flush().map_err(failed)
}

/// Two CSV files for i2 Analyst's Notebook (or any spreadsheet): `entities` with columns
/// `id,type,label,personal,pagerank,betweenness,time,fraud_type,shared` and `links` with
/// `id,source,target,type,amount_yuan,at,time` (ids as in GraphML).
pub fn write_csv(
    sub: &ClusterSubgraph,
    unmasked: bool,
    entities: impl Write,
    links: impl Write,
) -> Result<(), ExportError> {
    let (nodes, edges) = rows(sub, unmasked);
    let mut w = csv::Writer::from_writer(entities);
    w.write_record(["id", "type", "label", "personal", "pagerank", "betweenness", "time", "fraud_type", "shared"])
        .map_err(failed)?;
    for n in &nodes {
        let [kind, label, personal, pr, bc, time, fraud, shared] = node_values(n);
        w.write_record([&n.id, &kind, &label, &personal, &pr, &bc, &time, &fraud, &shared]).map_err(failed)?;
    }
    w.flush().map_err(failed)?;
    let mut w = csv::Writer::from_writer(links);
    w.write_record(["id", "source", "target", "type", "amount_yuan", "at", "time", "share"]).map_err(failed)?;
    for e in &edges {
        let [kind, amount, at, time, share] = edge_values(e);
        let [amount, at, time, share] = [amount, at, time, share].map(Option::unwrap_or_default);
        w.write_record([&e.id, &e.source, &e.target, &kind.unwrap_or_default(), &amount, &at, &time, &share])
            .map_err(failed)?;
    }
    w.flush().map_err(failed)
}

/// JSON: `{"cluster_id", "nodes": [{id, type, label, personal, pagerank, betweenness, time?, fraud_type?, shared?}],
/// "links": [{id, source, target, type, amount_yuan?, at?, time?, share?}]}` (`share`: an attributed-money link's
/// share of the report's traced money; `shared`: `hub` or `laundering_service` on a shared node the cluster touches,
/// which never links clusters and scores no centrality).
pub fn write_json(sub: &ClusterSubgraph, cluster_id: u64, unmasked: bool, out: impl Write) -> Result<(), ExportError> {
    let (nodes, edges) = rows(sub, unmasked);
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let nodes: Vec<serde_json::Value> = nodes
        .iter()
        .map(|n| {
            serde_json::json!({
                "id": n.id, "type": n.kind, "label": n.label, "personal": n.personal, "pagerank": n.pagerank,
                "betweenness": n.betweenness, "time": opt(&n.time), "fraud_type": opt(&n.fraud_type),
                "shared": opt(n.shared),
            })
        })
        .collect();
    let links: Vec<serde_json::Value> = edges
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "source": e.source, "target": e.target, "type": e.kind, "amount_yuan": e.amount_yuan,
                "at": e.at, "time": opt(&e.time), "share": e.share,
            })
        })
        .collect();
    let doc = serde_json::json!({ "cluster_id": cluster_id, "nodes": nodes, "links": links });
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &doc).map_err(failed)?;
    out.write_all(b"\n").map_err(failed)?;
    out.flush().map_err(failed)
}
