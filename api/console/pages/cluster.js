// The cluster page: summary and confidence, the cluster's subgraph drawn with Cytoscape.js (nodes by kind, laundering
// services' accounts and hubs marked, size by PageRank), the evidence chain between two chosen reports highlighted
// in the graph and listed step by step, a report's money trail as an ECharts timeline (amounts, dwell times), and
// the exports (GraphML, GEXF, JSON, CSV) the API writes.
"use strict";
window.FZ = window.FZ || {};
FZ.pages = FZ.pages || {};
(function (FZ) {
  const { esc } = FZ.fmt;
  const KINDS = {
    report: { color: "#0b57a4", shape: "ellipse" },
    account: { color: "#d9822b", shape: "round-rectangle" },
    phone: { color: "#1b7a3a", shape: "diamond" },
    im: { color: "#7a3db8", shape: "triangle" },
    app: { color: "#0f8b8d", shape: "hexagon" },
    url: { color: "#8a6d00", shape: "star" },
  };

  function style() {
    return [
      { selector: "node", style: {
        "background-color": (n) => (KINDS[n.data("type")] || { color: "#777" }).color,
        shape: (n) => (KINDS[n.data("type")] || { shape: "ellipse" }).shape,
        width: "data(size)", height: "data(size)", label: "data(short)", "font-size": 8, color: "#333",
        "text-valign": "bottom", "text-margin-y": 2 } },
      { selector: "node.service", style: { "border-width": 4, "border-color": "#c0161d" } },
      { selector: "node.hub", style: { "border-width": 4, "border-color": "#000", "border-style": "dashed" } },
      { selector: "node.picked", style: { "border-width": 5, "border-color": "#f0a000" } },
      // Straight: the many transfers between two accounts lie on one line instead of fanning out.
      { selector: "edge", style: { width: 1, "line-color": "#c5ccd6", "curve-style": "straight", opacity: 0.7 } },
      { selector: "edge[type = 'payment'], edge[type = 'transfer']", style: {
        "target-arrow-shape": "triangle", "target-arrow-color": "#c5ccd6", "arrow-scale": 0.6 } },
      { selector: "edge[type = 'attributed_money']", style: { "line-style": "dashed" } },
      // Edges into a hub or a service's account: evidence the clustering did not link by, drawn faint.
      { selector: "edge.to-shared", style: { "line-style": "dotted", opacity: 0.45 } },
      { selector: ".chain", style: { "line-color": "#f0a000", "target-arrow-color": "#f0a000", width: 4, opacity: 1,
        "border-width": 5, "border-color": "#f0a000", "z-index": 10 } },
      { selector: ".faded", style: { opacity: 0.15 } },
    ];
  }

  function short(label) {
    const s = String(label);
    return s.length > 16 ? s.slice(0, 7) + "…" + s.slice(-6) : s;
  }

  function legend() {
    const kinds = Object.entries(KINDS).map(([k, v]) => `<span><i style="background:${v.color}"></i>${FZ.t("node_" + k)}</span>`);
    kinds.push(`<span><i style="border:3px solid #c0161d"></i>${FZ.t("node_service")}</span>`);
    kinds.push(`<span><i style="border:3px dashed #000"></i>${FZ.t("node_hub")}</span>`);
    return `<div class="legend small">${kinds.join("")}</div>`;
  }

  FZ.pages.cluster = async function (route) {
    const id = route.arg;
    const [detail, graph, services, hubs] = await Promise.all([
      FZ.api.get(`/api/v1/clusters/${encodeURIComponent(id)}`),
      FZ.api.get(`/api/v1/clusters/${encodeURIComponent(id)}/export?format=json`),
      FZ.api.get("/api/v1/clusters/services"),
      FZ.api.get("/api/v1/clusters/hubs"),
    ]);
    const s = detail.summary;
    const serviceAccounts = new Set();
    for (const svc of services.items) if (detail.services.indexOf(svc.service_no) >= 0) svc.accounts.forEach((a) => serviceAccounts.add(a));
    // Every laundering service's accounts: the money trail marks the hops through them.
    const serviceOf = new Map();
    for (const svc of services.items) for (const acc of svc.accounts) serviceOf.set(acc, svc.service_no);
    const used = services.items.filter((svc) => detail.services.indexOf(svc.service_no) >= 0);
    const hubReason = new Map(hubs.items.filter((h) => !h.overridden).map((h) => [h.key, h.reason]));
    const reports = detail.report_ids;
    const a = route.params.get("a") && reports.indexOf(route.params.get("a")) >= 0 ? route.params.get("a") : reports[0];
    const b = route.params.get("b") || reports.find((r) => r !== a) || "";
    const opts = (sel) => reports.map((r) => `<option ${r === sel ? "selected" : ""}>${esc(r)}</option>`).join("");
    const c = detail.confidence || {};
    FZ.view().innerHTML = `
      <h1>${FZ.t("cluster_title", { id: esc(id) })}</h1>
      <div class="card"><dl class="facts">
        <dt>${FZ.t("reports")}</dt><dd id="cluster-reports">${s.reports}</dd>
        <dt>${FZ.t("victims")}</dt><dd>${s.victims}</dd>
        <dt>${FZ.t("total_loss")}</dt><dd>${FZ.fmt.yuan(s.total_loss_yuan)}</dd>
        <dt>${FZ.t("span")}</dt><dd>${esc(s.first_at)} – ${esc(s.last_at)} (${FZ.t("days", { n: s.span_days })})</dd>
        <dt>${FZ.t("fraud_type")}</dt><dd>${s.fraud_types.map((t) => FZ.fmt.label("fraud_types", t)).join("、")}</dd>
        <dt>${FZ.t("cross")}</dt><dd>${s.cross_jurisdiction ? FZ.t("yes") : FZ.t("no")} · ${s.districts.map(esc).join("、")}</dd>
        <dt>${FZ.t("confidence")}</dt><dd>${c.score !== undefined ? FZ.fmt.pct(c.score) : "—"}</dd>
      </dl>
      <div class="actions noprint">${FZ.t("export")}:
        ${["graphml", "gexf", "json", "csv"].map((f) => `<button type="button" class="secondary" data-export="${f}">${f.toUpperCase()}</button>`).join("")}
      </div></div>
      <div class="row">
        <section class="grow">${legend()}<div id="graph" role="img" aria-label="cluster graph"></div>
          <p class="muted small">${FZ.t("pick_hint")}</p><p class="small" id="node-info" aria-live="polite"></p></section>
        <aside class="card" style="width:380px">
          <h2>${FZ.t("chain")}</h2>
          <form id="chain-form" class="row">
            <label>${FZ.t("report_a")} <select id="ra">${opts(a)}</select></label>
            <label>${FZ.t("report_b")} <select id="rb">${opts(b)}</select></label>
            <button type="submit" id="show-chain">${FZ.t("show_chain")}</button>
          </form>
          <div id="chain" aria-live="polite"></div>
          <h2>${FZ.t("services")}</h2>
          <ul class="small" id="services">${used.length ? used.map((svc) => `<li><span class="badge high">#${svc.service_no}</span>
            ${FZ.t("service_line", { accounts: svc.accounts.length, reports: svc.reports })} · ${FZ.fmt.yuan(svc.inflow_yuan)}</li>`).join("") : "<li>—</li>"}</ul>
          <h2>${FZ.t("key_accounts")}</h2>
          <ol class="small">${detail.key_accounts.slice(0, 6).map((k) => `<li>${esc(k.key)}${serviceAccounts.has(k.key) ? ` <span class="badge high">${FZ.t("node_service")}</span>` : ""}</li>`).join("")}</ol>
        </aside>
      </div>
      <section class="card"><h2 id="trail-title">${FZ.t("money_trail")}</h2><div id="trail" class="chart"></div><div id="trail-table"></div></section>`;

    const maxRank = Math.max(...graph.nodes.map((n) => n.pagerank || 0), 1e-9);
    // The export marks the hubs and laundering services' accounts the cluster touches (`shared`): they never
    // linked its reports, and score no centrality, so they are drawn at a fixed size with their own border.
    const sharedIds = new Set(graph.nodes.filter((n) => n.shared).map((n) => n.id));
    const elements = graph.nodes.map((n) => ({
      group: "nodes",
      data: { id: n.id, label: n.label, short: short(n.label), type: n.type, shared: n.shared || "",
        reason: hubReason.get(n.label) || "", size: n.shared ? 18 : 14 + 26 * Math.sqrt((n.pagerank || 0) / maxRank) },
      classes: n.shared === "laundering_service" ? "service" : n.shared === "hub" ? "hub" : "",
    })).concat(graph.links.map((l) => ({ group: "edges", data: { id: l.id, source: l.source, target: l.target, type: l.type },
      classes: sharedIds.has(l.target) ? "to-shared" : "" })));
    const cy = cytoscape({
      container: FZ.$("#graph"), elements, style: style(), wheelSensitivity: 0.3,
      layout: { name: "cose", animate: false, randomize: true, nodeRepulsion: 8000, idealEdgeLength: 60, numIter: 800 },
    });
    FZ.cy = cy;
    FZ.onLeave(() => { cy.destroy(); if (FZ.cy === cy) FZ.cy = null; });
    const byLabel = new Map(graph.nodes.map((n) => [n.label, n.id]));

    // Any node tapped: what it is, and for a hub or a service's account why it never linked the reports.
    cy.on("tap", "node", (ev) => {
      const d = ev.target.data();
      const what = d.shared === "hub" ? FZ.t("node_hub") + (d.reason ? ` (${esc(d.reason)})` : "")
        : d.shared === "laundering_service" ? FZ.t("node_service") : FZ.t("node_" + d.type);
      FZ.$("#node-info").innerHTML = `<b>${esc(d.label)}</b> · ${what}${d.shared ? ` · ${FZ.t("shared_note")}` : ""}`;
    });

    let picks = [];
    cy.on("tap", "node[type = 'report']", (ev) => {
      const label = ev.target.data("label");
      picks = picks.concat([label]).slice(-2);
      cy.nodes().removeClass("picked");
      picks.forEach((p) => cy.getElementById(byLabel.get(p)).addClass("picked"));
      if (picks.length === 2) {
        FZ.$("#ra").value = picks[0];
        FZ.$("#rb").value = picks[1];
        showChain();
      }
    });

    // Each request for a chain supersedes the ones before: a slow answer to an earlier pair is dropped, never drawn
    // over the pair asked for last.
    let chainSeq = 0;
    async function showChain() {
      const ra = FZ.$("#ra").value, rb = FZ.$("#rb").value;
      const box = FZ.$("#chain");
      const seq = ++chainSeq;
      cy.elements().removeClass("chain faded");
      if (!ra || !rb || ra === rb) return;
      let r;
      try {
        r = await FZ.api.get("/api/v1/clusters/explain" + FZ.api.query({ a: ra, b: rb }));
        if (seq !== chainSeq) return;
      } catch (e) {
        if (seq !== chainSeq) return;
        box.innerHTML = `<p class="error">${esc(e.code === "reports_not_linked" ? FZ.t("chain_none") : e.message)}</p>`;
        return;
      }
      const onPath = cy.collection();
      for (const step of r.steps) {
        const from = cy.getElementById(byLabel.get(step.from));
        const to = cy.getElementById(byLabel.get(step.to));
        onPath.merge(from).merge(to).merge(from.edgesWith(to));
      }
      cy.elements().addClass("faded");
      onPath.removeClass("faded").addClass("chain");
      cy.fit(onPath.closedNeighborhood(), 40);
      cy.zoom(Math.min(cy.zoom(), 1.2));
      cy.center(onPath);
      box.innerHTML = `<p class="muted">${FZ.t("chain_steps", { n: r.steps.length })}</p><ol class="chain small" id="chain-steps">${r.steps.map((st) =>
        `<li>${esc(st.from)} → ${esc(st.to)} <span class="chip">${esc(st.kind)}</span>${st.amount_yuan ? " " + FZ.fmt.yuan(st.amount_yuan) : ""}${st.time ? ` <span class="muted">${esc(st.time)}</span>` : ""}${st.share_pct !== null && st.share_pct !== undefined ? ` (${st.share_pct}%)` : ""}${typeof st.dwell_secs === "number" ? ` · ${FZ.t("dwell")} ${FZ.fmt.duration(st.dwell_secs * 1000)}` : ""}</li>`).join("")}</ol>`;
      trail(ra);
    }
    FZ.$("#chain-form").addEventListener("submit", (ev) => { ev.preventDefault(); showChain(); });
    FZ.view().addEventListener("click", (ev) => {
      const btn = ev.target.closest("button[data-export]");
      if (!btn) return;
      const f = btn.dataset.export;
      FZ.api.download(`/api/v1/clusters/${encodeURIComponent(id)}/export?format=${f}`, `cluster-${id}.${f}`).catch((e) => FZ.toast(e.message, true));
    });

    const chart = echarts.init(FZ.$("#trail"));
    FZ.onLeave(() => chart.dispose());
    let trailSeq = 0;
    async function trail(report) {
      const seq = ++trailSeq;
      FZ.$("#trail-title").textContent = FZ.t("trace", { id: report });
      let t;
      try {
        t = await FZ.api.get("/api/v1/money/trace" + FZ.api.query({ report }));
        if (seq !== trailSeq) return;
      } catch (e) {
        if (seq !== trailSeq) return;
        chart.clear();
        FZ.$("#trail-table").innerHTML = `<p class="muted">${esc(e.message)}</p>`;
        return;
      }
      const hops = t.trail;
      const hopColor = (h) => (serviceOf.has(h.account) ? "#c0161d" : h.end === "open" ? "#0b57a4" : "#5b6675");
      chart.setOption({
        animation: false,
        tooltip: { formatter: (p) => { const h = hops[p.dataIndex];
          return `${esc(h.from)} → ${esc(h.account)}<br>${FZ.fmt.yuan(h.amount_yuan)} · ${FZ.fmt.datetime(h.at)}` +
            (h.dwell_s !== null ? `<br>${FZ.t("dwell")} ${FZ.fmt.duration(h.dwell_s * 1000)}` : ""); } },
        xAxis: { type: "time", name: FZ.t("time") },
        yAxis: { type: "value", name: FZ.t("hops"), minInterval: 1, inverse: true },
        series: [{ type: "scatter", data: hops.map((h) => [Date.parse(h.at), h.depth, Number(h.amount_yuan)]),
          symbolSize: (v) => 6 + Math.min(30, Math.sqrt(v[2]) / 6),
          itemStyle: { color: (p) => hopColor(hops[p.dataIndex]) } }],
      }, true);
      const viaService = hops.filter((h) => serviceOf.has(h.account)).length;
      FZ.$("#trail-table").innerHTML = `<p class="small">${FZ.t("total_loss")}: ${FZ.fmt.yuan(t.victim_yuan)} ·
        ${FZ.t("cashed_out")}: ${FZ.fmt.yuan(t.cashed_out_yuan)} ·
        <span id="trail-service-hops">${FZ.t("via_service", { n: viaService, of: hops.length })}</span></p>
        <div class="legend small"><span><i style="background:#0b57a4"></i>${FZ.t("hop_open")}</span>
          <span><i style="background:#c0161d"></i>${FZ.t("node_service")}</span><span><i style="background:#5b6675"></i>${FZ.t("hop_end")}</span></div>
        <table class="small"><thead><tr><th>${FZ.t("time")}</th><th>${FZ.t("account")}</th><th class="num">${FZ.t("amount")}</th><th class="num">${FZ.t("dwell")}</th><th>${FZ.t("channel")}</th></tr></thead>
        <tbody>${hops.slice(0, 15).map((h) => `<tr><td>${FZ.fmt.datetime(h.at)}</td><td>${"·".repeat(h.depth - 1)}${esc(h.account)}${serviceOf.has(h.account) ? ` <span class="badge high">#${serviceOf.get(h.account)}</span>` : ""}</td>
          <td class="num">${FZ.fmt.yuan(h.amount_yuan)}</td><td class="num">${h.dwell_s !== null ? FZ.fmt.duration(h.dwell_s * 1000) : "—"}</td>
          <td>${FZ.fmt.label("transfer_channels", h.channel)}</td></tr>`).join("")}</tbody></table>`;
    }
    if (a && b) await showChain();
    else if (a) await trail(a);
  };
})(window.FZ);
