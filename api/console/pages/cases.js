// Investigators' pages: case search (query, filters, facets, highlighted hits, cursor pages), one report (details,
// identifiers, narrative when the role may read it, similar reports, its cluster), and the list of clusters.
"use strict";
window.FZ = window.FZ || {};
FZ.pages = FZ.pages || {};
(function (FZ) {
  const { esc } = FZ.fmt;
  const PAGE = 20;
  const FILTERS = ["type", "district", "status", "from", "to", "sort"];

  function options(table, selected, anyWord) {
    const rows = (FZ.codes && FZ.codes[table]) || [];
    return `<option value="">${FZ.t(anyWord)}</option>` + rows
      .map((r) => `<option value="${esc(r.code)}" ${r.code === selected ? "selected" : ""}>${FZ.fmt.label(table, r.code)}</option>`)
      .join("");
  }

  function searchForm(p) {
    const sort = p.get("sort") || "";
    return `
      <form class="search card" id="search-form" role="search">
        <input name="q" id="q" value="${esc(p.get("q") || "")}" placeholder="${esc(FZ.t("query_ph"))}" aria-label="${FZ.t("search")}">
        <select name="type" aria-label="${FZ.t("fraud_type")}">${options("fraud_types", p.get("type"), "any_type")}</select>
        <select name="status" aria-label="${FZ.t("status")}">${options("case_statuses", p.get("status"), "any_status")}</select>
        <input name="district" value="${esc(p.get("district") || "")}" placeholder="${FZ.t("district")}" size="8" aria-label="${FZ.t("district")}">
        <label class="small">${FZ.t("from")} <input type="date" name="from" value="${esc(p.get("from") || "")}"></label>
        <label class="small">${FZ.t("to")} <input type="date" name="to" value="${esc(p.get("to") || "")}"></label>
        <select name="sort" aria-label="sort">
          <option value="">${FZ.t("sort_relevance")}</option>
          <option value="date" ${sort === "date" ? "selected" : ""}>${FZ.t("sort_date")}</option>
          <option value="loss" ${sort === "loss" ? "selected" : ""}>${FZ.t("sort_loss")}</option>
        </select>
        <button type="submit">${FZ.t("search")}</button>
      </form>`;
  }

  /** The search parameters of the page's form, as the hash carries them. */
  function formParams(form) {
    const out = {};
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) out[k] = String(v).trim();
    return out;
  }

  function facetBlock(name, values, current) {
    if (!values || !values.length) return "";
    const table = name === "fraud_type" ? "fraud_types" : null;
    const items = values.slice(0, 12).map((v) => {
      const label = table ? FZ.fmt.label(table, v.value) : esc(v.value);
      const on = current === v.value ? " aria-pressed=\"true\"" : "";
      return `<button type="button" data-facet="${name}" data-value="${esc(v.value)}"${on}>${label} <span class="muted">${v.count}</span></button>`;
    });
    return `<h3>${FZ.t("facet_" + name)}</h3>${items.join("")}`;
  }

  function hitHtml(h) {
    const ids = (h.identifiers || []).map((i) => `<span class="chip">${esc(i)}</span>`).join("");
    const snippet = h.snippet && h.snippet.text ? `<div class="snippet">${FZ.fmt.highlight(h.snippet.text, h.snippet.highlights)}</div>` : "";
    return `<div class="hit">
      <div><a class="title" href="#/report/${encodeURIComponent(h.id)}">${esc(h.id)}</a>
        · ${FZ.fmt.label("fraud_types", h.fraud_type)} · ${FZ.fmt.label("case_statuses", h.status)}
        · ${FZ.fmt.date(h.reported_at)} · ${esc(h.district)} · ${FZ.fmt.fen(h.loss_fen)}</div>
      ${snippet}<div>${ids}</div></div>`;
  }

  FZ.pages.search = async function (route) {
    const p = route.params;
    const view = FZ.view();
    view.innerHTML = `<h1>${FZ.t("nav_search")}</h1>${searchForm(p)}<div id="results"></div>`;
    const form = FZ.$("#search-form");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      FZ.go("search", "", formParams(form));
    });
    const q = p.get("q");
    if (!q) return FZ.$("#q").focus();
    const cursors = (p.get("pages") || "").split(",").filter(Boolean);
    const query = { q, limit: PAGE };
    for (const k of FILTERS) if (p.get(k)) query[k] = p.get(k);
    if (cursors.length) query.cursor = cursors[cursors.length - 1];
    const r = await FZ.api.get("/api/v1/search" + FZ.api.query(query));
    const notes = [];
    if (r.unmatched_terms && r.unmatched_terms.length) {
      notes.push(FZ.t("unmatched", { t: r.unmatched_terms.map((u) => esc(u.term)).join("、") }) +
        r.unmatched_terms.filter((u) => u.suggestions && u.suggestions.length)
          .map((u) => " " + FZ.t("suggest") + u.suggestions.map((s) => `<a href="#/search?q=${encodeURIComponent(s)}">${esc(s)}</a>`).join("、")).join(""));
    }
    if (r.dropped_terms && r.dropped_terms.length) notes.push(FZ.t("dropped", { t: r.dropped_terms.map(esc).join("、") }));
    const facets = r.facets || {};
    const base = {};
    for (const k of ["q"].concat(FILTERS)) if (p.get(k)) base[k] = p.get(k);
    const filtered = FILTERS.slice(0, 5).some((k) => p.get(k));
    FZ.$("#results").innerHTML = `
      <div class="row">
        <aside class="facets card" aria-label="facets">
          ${facetBlock("fraud_type", facets.fraud_type, p.get("type"))}
          ${facetBlock("district", facets.district, p.get("district"))}
          ${facetBlock("month", facets.month)}
          ${filtered ? `<p><button type="button" class="secondary" id="clear">${FZ.t("clear_filters")}</button></p>` : ""}
        </aside>
        <section class="grow card" aria-live="polite">
          <div class="muted" id="total">${FZ.t("hits", { n: FZ.fmt.num(r.total) })}</div>
          ${notes.map((n) => `<p class="notice small">${n}</p>`).join("")}
          <div id="hits">${r.hits.length ? r.hits.map(hitHtml).join("") : `<p>${FZ.t("no_hits")}</p>`}</div>
          <div class="pager">
            <button type="button" class="secondary" id="prev" ${cursors.length ? "" : "disabled"}>${FZ.t("prev")}</button>
            <span>${FZ.t("page", { n: cursors.length + 1 })}</span>
            <button type="button" class="secondary" id="next" ${r.next_cursor ? "" : "disabled"}>${FZ.t("next")}</button>
          </div>
        </section>
      </div>`;
    FZ.$("#results").addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-facet]");
      if (!b) return;
      const key = { fraud_type: "type", district: "district", month: null }[b.dataset.facet];
      const next = Object.assign({}, base);
      if (key) next[key] = b.dataset.value;
      else { next.from = b.dataset.value + "-01"; next.to = b.dataset.value; }
      FZ.go("search", "", next);
    });
    const clear = FZ.$("#clear");
    if (clear) clear.addEventListener("click", () => FZ.go("search", "", { q }));
    FZ.$("#next").addEventListener("click", () =>
      FZ.go("search", "", Object.assign({}, base, { pages: cursors.concat([r.next_cursor]).join(",") })));
    FZ.$("#prev").addEventListener("click", () =>
      FZ.go("search", "", Object.assign({}, base, { pages: cursors.slice(0, -1).join(",") })));
  };

  FZ.pages.report = async function (route) {
    const id = route.arg;
    const me = FZ.session.me();
    const [r, similar] = await Promise.all([
      FZ.api.get(`/api/v1/reports/${encodeURIComponent(id)}`),
      FZ.api.get(`/api/v1/reports/${encodeURIComponent(id)}/similar?limit=8`),
    ]);
    const list = (xs) => (xs && xs.length ? xs.map((x) => `<span class="chip">${esc(x)}</span>`).join("") : "—");
    const narrative = me.reads_narratives
      ? `<div class="narrative" id="narrative">${esc(r.narrative)}</div>`
      : `<p class="notice" id="narrative-hidden">${FZ.t("narrative_hidden")}</p>`;
    const view = FZ.view();
    view.innerHTML = `
      <h1>${FZ.t("report")} ${esc(r.report_id)}</h1>
      <div class="row">
        <section class="card grow">
          <dl class="facts">
            <dt>${FZ.t("fraud_type")}</dt><dd>${FZ.fmt.label("fraud_types", r.fraud_type)}</dd>
            <dt>${FZ.t("status")}</dt><dd>${FZ.fmt.label("case_statuses", r.status)}</dd>
            <dt>${FZ.t("reported_at")}</dt><dd>${FZ.fmt.datetime(r.reported_at)} (${FZ.fmt.week(r.reported_week)})</dd>
            <dt>${FZ.t("occurred_at")}</dt><dd>${FZ.fmt.datetime(r.occurred_at)}</dd>
            <dt>${FZ.t("district")}</dt><dd>${esc(r.district)}${r.community ? " · " + esc(r.community) : ""}</dd>
            <dt>${FZ.t("victim")}</dt><dd>${r.victim_age ? esc(r.victim_age) + FZ.t("age_unit") : "—"} · ${esc(FZ.t("gender_" + (r.victim_gender || "unknown")))}</dd>
            <dt>${FZ.t("contact_channel")}</dt><dd>${FZ.fmt.label("contact_channels", r.contact_channel)}</dd>
            <dt>${FZ.t("loss")}</dt><dd>${FZ.fmt.fen(r.loss_fen)}</dd>
            <dt>${FZ.t("identifiers")}</dt><dd id="identifiers">${list(r.phones)}${list(r.accounts)}${r.urls.length ? list(r.urls) : ""}${r.apps.length ? list(r.apps) : ""}${r.im_ids.length ? list(r.im_ids) : ""}</dd>
          </dl>
          <h2>${FZ.t("narrative")}</h2>${narrative}
        </section>
        <aside class="card" style="width:360px">
          ${FZ.session.may("clusters") ? `<h2>${FZ.t("cluster")}</h2><div id="cluster-link" class="muted">—</div>` : ""}
          <h2>${FZ.t("similar")}</h2>
          <ol id="similar">${similar.items.map((s) => `<li><a href="#/report/${encodeURIComponent(s.id)}">${esc(s.id)}</a>
            ${FZ.fmt.label("fraud_types", s.fraud_type)} · ${esc(s.district)}
            ${s.shared_identifiers.length ? `<div class="small muted">${FZ.t("shared")}: ${s.shared_identifiers.map(esc).join("、")}</div>` : ""}</li>`).join("")}</ol>
        </aside>
      </div>`;
    if (FZ.session.may("clusters")) {
      const c = await FZ.api.get(`/api/v1/reports/${encodeURIComponent(id)}/cluster`);
      FZ.$("#cluster-link").innerHTML = `<a id="open-cluster" href="#/cluster/${c.cluster_id}?a=${encodeURIComponent(id)}">${FZ.t("open_cluster", { id: c.cluster_id })}</a>`;
    }
  };

  FZ.pages.clusters = async function () {
    const r = await FZ.api.get("/api/v1/clusters?min_reports=2&limit=100");
    FZ.view().innerHTML = `<h1>${FZ.t("nav_clusters")}</h1>
      <div class="card"><table><thead><tr><th>#</th><th class="num">${FZ.t("reports")}</th><th class="num">${FZ.t("victims")}</th>
        <th class="num">${FZ.t("total_loss")}</th><th>${FZ.t("fraud_type")}</th><th>${FZ.t("span")}</th><th>${FZ.t("cross")}</th></tr></thead>
      <tbody>${r.items.map((c) => `<tr><td><a href="#/cluster/${c.cluster_id}">#${c.cluster_id}</a></td><td class="num">${c.reports}</td>
        <td class="num">${c.victims}</td><td class="num">${FZ.fmt.yuan(c.total_loss_yuan)}</td>
        <td>${c.fraud_types.map((t) => FZ.fmt.label("fraud_types", t)).join("、")}</td>
        <td>${esc(c.first_at)} – ${esc(c.last_at)}</td><td>${c.cross_jurisdiction ? FZ.t("yes") : FZ.t("no")}</td></tr>`).join("")}</tbody></table>
      <p class="muted small">${FZ.fmt.num(r.total)}</p></div>`;
  };
})(window.FZ);
