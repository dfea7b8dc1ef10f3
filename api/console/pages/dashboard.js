// The dashboard (一屏统览): 万人发案率 a year and by community (ranked), weekly cases and losses with the week-on-week
// change (环比), the fraud-type mix, risk by community from the served snapshot, hot spots and alerts of the latest
// week with reports, and — for roles that read outreach — warnings answered in time. Aggregates only.
"use strict";
window.FZ = window.FZ || {};
FZ.pages = FZ.pages || {};
(function (FZ) {
  const { esc } = FZ.fmt;
  const PALETTE = ["#0b57a4", "#d9822b", "#1b7a3a", "#c0161d", "#7a3db8", "#0f8b8d", "#8a6d00", "#5b6675", "#e377c2", "#17becf"];

  function chart(el, option) {
    const c = echarts.init(el);
    c.setOption(Object.assign({ animation: false, color: PALETTE, textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" } }, option));
    FZ.onLeave(() => c.dispose());
    const resize = () => c.resize();
    window.addEventListener("resize", resize);
    FZ.onLeave(() => window.removeEventListener("resize", resize));
    return c;
  }

  /** Share of urgent tasks whose first step was done by its deadline (tasks already closed or past due). */
  function answeredInTime(warnings) {
    let due = 0, inTime = 0;
    const now = Date.now();
    for (const w of warnings.items) {
      const first = w.task && w.task.steps && w.task.steps[0];
      if (!first) continue;
      const deadline = Date.parse(first.due_at);
      if (!first.done_at && deadline > now) continue;
      due += 1;
      if (first.done_at && first.reached && Date.parse(first.done_at) <= deadline) inTime += 1;
    }
    return { due, inTime };
  }

  /** 万人发案率 by community placed at the communities' coordinates: size and colour by rate, hot spots and alerts
   * of the area statistics ringed in red. */
  function map(el, points, rates, areas) {
    const rate = new Map(rates.map((c) => [c.community, c]));
    const flagged = new Set(((areas && areas.communities) || []).filter((c) => c.hot_spot || c.alert).map((c) => c.community));
    const data = points.filter((p) => rate.has(p.community)).map((p) => {
      const c = rate.get(p.community);
      return { name: p.community, value: [p.lon, p.lat, Number(c.per_10k.toFixed(1)), c.cases],
        itemStyle: flagged.has(p.community) ? { borderColor: "#c0161d", borderWidth: 4 } : {} };
    });
    const values = data.map((d) => d.value[2]);
    const lo = Math.min(...values), hi = Math.max(...values);
    chart(el, {
      tooltip: { formatter: (p) => `${esc(p.name)}<br>${FZ.t("rate_period")} ${p.value[2]} · ${FZ.t("cases")} ${p.value[3]}` },
      grid: { left: 60, right: 90, top: 20, bottom: 40 },
      xAxis: { type: "value", scale: true, name: "lon", axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", scale: true, name: "lat", axisLabel: { fontSize: 10 } },
      visualMap: { min: lo, max: hi === lo ? lo + 1 : hi, dimension: 2, right: 0, top: "middle", calculable: false,
        inRange: { color: ["#f6d58e", "#d9822b", "#c0161d"] }, text: [FZ.t("high"), FZ.t("low")] },
      series: [{ type: "scatter", data, symbolSize: (v) => 18 + 30 * (hi === lo ? 0.5 : (v[2] - lo) / (hi - lo)),
        label: { show: true, formatter: (p) => p.name.slice(-3), position: "inside", fontSize: 10 } }],
    });
  }

  /** The calibration chart: the model evaluated on ten past weeks whose outcomes are in (reports arrive late, so
   * the last three weeks with reports are left out); loaded after the rest, as evaluating trains a model. */
  async function calibration(byWeek) {
    const el = FZ.$("#c-calibration");
    if (byWeek.length < 14) { el.innerHTML = `<p class="muted">${FZ.t("no_data")}</p>`; return; }
    const from = byWeek[byWeek.length - 13].key, to = byWeek[byWeek.length - 4].key;
    let ev;
    try {
      ev = await FZ.api.get("/api/v1/risk/evaluation" + FZ.api.query({ from, to }));
    } catch (e) {
      if (document.body.contains(el)) el.innerHTML = `<p class="muted">${esc(e.message)}</p>`;
      return;
    }
    if (!document.body.contains(el)) return;
    el.innerHTML = "";
    const perTenK = (x) => Number((x * 10000).toFixed(3));
    const bins = ev.reliability.filter((b) => b.count > 0);
    const top = Math.ceil(Math.max(...bins.map((b) => Math.max(perTenK(b.mean_score), perTenK(b.observed_rate))), 0.1));
    chart(el, {
      tooltip: { trigger: "item", formatter: (p) => { const b = bins[p.dataIndex] || {};
        return `${FZ.t("predicted")} ${perTenK(b.mean_score)} · ${FZ.t("observed")} ${perTenK(b.observed_rate)} (n=${b.count})`; } },
      grid: { left: 55, right: 20, top: 20, bottom: 45 },
      xAxis: { type: "value", name: FZ.t("predicted"), nameLocation: "middle", nameGap: 28, max: top },
      yAxis: { type: "value", name: FZ.t("observed"), max: top },
      series: [
        { type: "line", data: bins.map((b) => [perTenK(b.mean_score), perTenK(b.observed_rate)]), symbolSize: 8 },
        { type: "line", data: [[0, 0], [top, top]], symbol: "none", lineStyle: { type: "dashed", color: "#5b6675" }, silent: true },
      ],
    });
    FZ.$("#calibration-note").textContent = FZ.t("calibration_note", {
      from: FZ.fmt.week(ev.from), to: FZ.fmt.week(ev.to), auc: ev.roc_auc === null ? "—" : ev.roc_auc.toFixed(3),
      brier: ev.brier === null ? "—" : ev.brier.toExponential(2), victims: ev.victims,
    });
  }

  FZ.pages.dashboard = async function () {
    const [stats, weeks] = await Promise.all([FZ.api.get("/api/v1/stats"), FZ.api.get("/api/v1/risk/weeks")]);
    const served = weeks.items.filter((w) => w.served).map((w) => w.week).sort();
    const riskWeek = served[served.length - 1];
    const byWeek = stats.by_week.slice().sort((a, b) => a.key.localeCompare(b.key));
    // The newest week with reports in the district is the one area statistics can describe.
    const areaWeek = byWeek.length ? byWeek[byWeek.length - 2 >= 0 ? byWeek.length - 2 : 0].key : null;
    const [communities, areas, warnings, coordinates, reach] = await Promise.all([
      riskWeek ? FZ.api.get(`/api/v1/risk/weeks/${riskWeek}/communities`) : null,
      areaWeek ? FZ.api.get(`/api/v1/risk/weeks/${areaWeek}/areas`).catch(() => null) : null,
      FZ.session.may("outreach") ? FZ.api.all("/api/v1/warnings") : null,
      FZ.api.get("/api/v1/areas/coordinates"),
      FZ.api.get("/api/v1/outreach/reach"),
    ]);
    // Residents reached in the four weeks up to the latest with outreach: distinct over those weeks, as the API
    // counts them.
    const lastReach = reach.weeks.length ? reach.weeks[reach.weeks.length - 1].week : null;
    const recent = lastReach
      ? await FZ.api.get("/api/v1/outreach/reach" + FZ.api.query({ from: FZ.fmt.weekPlus(lastReach, -3), to: lastReach }))
      : null;
    // The newest week with reports is usually cut short by the data's end: the KPI compares the two weeks before it.
    const last = byWeek[byWeek.length - 2], prev = byWeek[byWeek.length - 3];
    const wow = last && prev && prev.cases ? (last.cases - prev.cases) / prev.cases : NaN;
    const totalLoss = stats.by_fraud_type.reduce((s, t) => s + Number(t.loss_yuan), 0);
    const answered = warnings ? answeredInTime(warnings) : null;
    FZ.view().innerHTML = `
      <h1>${FZ.t("dash_title")}</h1>
      <div class="kpis">
        <div class="card kpi"><div class="muted">${FZ.t("rate_year")}</div><div class="v" id="kpi-rate">${FZ.fmt.num(stats.district_per_10k_per_year, 1)}</div></div>
        <div class="card kpi"><div class="muted">${FZ.t("local_reports")}</div><div class="v">${FZ.fmt.num(stats.local_reports)}</div>
          <div class="small muted">${esc(stats.period.first)} – ${esc(stats.period.last)}</div></div>
        <div class="card kpi"><div class="muted">${FZ.t("total_loss_all")}</div><div class="v small">${FZ.fmt.yuan(totalLoss)}</div></div>
        <div class="card kpi"><div class="muted">${FZ.t("week_cases")} ${last ? FZ.fmt.week(last.key) : ""}</div>
          <div class="v">${last ? last.cases : "—"}</div><div class="small">${FZ.t("wow", { p: isFinite(wow) ? (wow >= 0 ? "+" : "") + FZ.fmt.pct(wow) : "—" })}</div></div>
        ${answered ? `<div class="card kpi"><div class="muted">${FZ.t("warnings_in_time")}</div>
          <div class="v">${answered.due ? FZ.fmt.pct(answered.inTime / answered.due) : "—"}</div><div class="small muted">${answered.inTime} / ${answered.due}</div></div>` : ""}
        <div class="card kpi"><div class="muted">${FZ.t("reached_4w")}</div>
          <div class="v" id="kpi-reached">${recent ? FZ.fmt.num(recent.residents_reached) : "—"}</div>
          <div class="small">${FZ.t("elderly_reached")} <b id="kpi-elderly">${recent ? FZ.fmt.num(recent.elderly_reached) : "—"}</b>
          ${recent ? `<span class="muted">${FZ.fmt.week(recent.from)} – ${FZ.fmt.week(recent.to)}</span>` : ""}</div></div>
      </div>
      <div class="charts">
        ${coordinates.items.length ? `<div class="card"><h2>${FZ.t("map")}</h2><div class="chart" id="c-map"></div></div>` : ""}
        <div class="card"><h2>${FZ.t("by_community")}</h2><div class="chart" id="c-community"></div></div>
        <div class="card"><h2>${FZ.t("trend")}</h2><div class="chart" id="c-trend"></div></div>
        <div class="card"><h2>${FZ.t("type_mix")}</h2><div class="chart" id="c-types"></div></div>
        <div class="card"><h2>${FZ.t("reach_trend")}</h2><div class="chart" id="c-reach"></div></div>
        <div class="card"><h2>${FZ.t("risk_dist", { w: riskWeek ? FZ.fmt.week(riskWeek) : "—" })}</h2><div class="chart" id="c-risk"></div></div>
        <div class="card"><h2>${FZ.t("calibration")}</h2><div class="chart" id="c-calibration"><p class="muted">${FZ.t("loading")}</p></div>
          <div class="small muted" id="calibration-note"></div></div>
      </div>
      <div class="card"><h2>${FZ.t("hot_spots", { w: areaWeek ? FZ.fmt.week(areaWeek) : "—" })}</h2><div id="areas"></div></div>`;

    if (coordinates.items.length) map(FZ.$("#c-map"), coordinates.items, stats.communities, areas);
    const comm = stats.communities.slice().sort((a, b) => a.per_10k - b.per_10k);
    chart(FZ.$("#c-community"), {
      tooltip: {}, grid: { left: 110, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value" }, yAxis: { type: "category", data: comm.map((c) => c.community) },
      series: [{ type: "bar", data: comm.map((c) => Number(c.per_10k.toFixed(1))), label: { show: true, position: "right" } }],
    });
    chart(FZ.$("#c-trend"), {
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 60, top: 30, bottom: 40 },
      xAxis: { type: "category", data: byWeek.map((w) => w.key) },
      yAxis: [{ type: "value", name: FZ.t("cases_unit") }, { type: "value", name: FZ.t("loss_unit") }],
      series: [
        { name: FZ.t("cases"), type: "bar", data: byWeek.map((w) => w.cases) },
        { name: FZ.t("loss"), type: "line", yAxisIndex: 1, data: byWeek.map((w) => Number(w.loss_yuan)) },
      ],
    });
    chart(FZ.$("#c-types"), {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "70%"], label: { fontSize: 11 },
        data: stats.by_fraud_type.map((t) => ({ name: FZ.fmt.label("fraud_types", t.key), value: t.cases })) }],
    });
    if (reach.weeks.length) {
      chart(FZ.$("#c-reach"), {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 30, bottom: 40 },
        xAxis: { type: "category", data: reach.weeks.map((w) => w.week) }, yAxis: { type: "value", name: FZ.t("residents") },
        series: [
          { name: FZ.t("elderly_reached"), type: "bar", stack: "r", data: reach.weeks.map((w) => w.elderly_reached) },
          { name: FZ.t("others_reached"), type: "bar", stack: "r", data: reach.weeks.map((w) => w.residents_reached - w.elderly_reached) },
        ],
      });
    } else {
      FZ.$("#c-reach").innerHTML = `<p class="muted">${FZ.t("no_data")}</p>`;
    }
    if (communities) {
      const items = communities.items.slice().sort((a, b) => a.community.localeCompare(b.community));
      chart(FZ.$("#c-risk"), {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 60, top: 30, bottom: 40 },
        xAxis: { type: "category", data: items.map((c) => c.community), axisLabel: { fontSize: 10 } },
        yAxis: [{ type: "value", name: FZ.t("expected_cases") }, { type: "value", name: FZ.t("top_decile") }],
        series: [
          { name: FZ.t("expected_cases"), type: "bar", data: items.map((c) => Number(c.expected_cases.toFixed(2))) },
          { name: FZ.t("top_decile"), type: "line", yAxisIndex: 1, data: items.map((c) => c.top_decile) },
        ],
      });
    } else {
      FZ.$("#c-risk").innerHTML = `<p class="muted">${FZ.t("no_data")}</p>`;
    }
    calibration(byWeek);
    FZ.$("#areas").innerHTML = areas ? `<table><thead><tr><th>${FZ.t("community")}</th><th class="num">${FZ.t("cases")}</th>
      <th class="num">${FZ.t("per10k_window")}</th><th class="num">Gi*</th><th>${FZ.t("hot_spot")}</th><th>${FZ.t("alert")}</th><th class="num">${FZ.t("loss")}</th></tr></thead>
      <tbody>${areas.communities.map((c) => `<tr><td>${esc(c.community)}</td><td class="num">${c.cases}</td>
        <td class="num">${FZ.fmt.num(c.per_10k_window, 1)}</td><td class="num">${c.gi_star === null ? "—" : FZ.fmt.num(c.gi_star, 2)}</td>
        <td>${c.hot_spot ? `<span class="badge high">${FZ.t("hot_spot")}</span>` : ""}</td><td>${c.alert ? `<span class="badge high">${FZ.t("alert")}</span>` : ""}</td>
        <td class="num">${FZ.fmt.yuan(c.loss_yuan)}</td></tr>`).join("")}</tbody></table>` : `<p class="muted">${FZ.t("no_data")}</p>`;
  };
})(window.FZ);
