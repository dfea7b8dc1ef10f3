// Prevention pages: this week's plan by grid and officer with approval; printable day sheets with outcomes recorded
// in two clicks; the urgent-warning queue with a live countdown to each deadline (red once overdue), recording
// "reached" or a failed attempt (which escalates), refreshed every 30 seconds.
"use strict";
window.FZ = window.FZ || {};
FZ.pages = FZ.pages || {};
(function (FZ) {
  const { esc } = FZ.fmt;
  const OUTCOMES = ["reached", "no_answer", "not_home", "refused", "wrong_number"];

  /** Records `outcome` for task `id` (the API escalates an urgent task after a failed attempt). */
  async function record(id, outcome, action) {
    const body = { outcome };
    if (action) body.action = action;
    const r = await FZ.api.post(`/api/v1/outreach/tasks/${encodeURIComponent(id)}/events`, body);
    FZ.toast(`${id}: ${FZ.t(outcome)} · ${r.state}${r.escalations ? " ↑" + r.escalations : ""}`);
    return r;
  }

  /** Outcome buttons inside `container`: a click records the outcome of its box's task (`data-task`, with the
   * step in `data-action` when given), then `after(box, result, outcome)`; buttons stay disabled meanwhile. */
  function onOutcome(container, after) {
    container.addEventListener("click", async (ev) => {
      const b = ev.target.closest("button[data-outcome]");
      if (!b) return;
      const box = b.closest("[data-task]");
      const buttons = box.querySelectorAll("button");
      buttons.forEach((x) => (x.disabled = true));
      try {
        const res = await record(box.dataset.task, b.dataset.outcome, box.dataset.action);
        await after(box, res, b.dataset.outcome);
      } catch (e) {
        buttons.forEach((x) => (x.disabled = false));
        FZ.toast(e.message, true);
      }
    });
  }

  function statusBadge(status) {
    return `<span class="badge ${esc(status)}" id="plan-status">${FZ.t(status === "draft" || status === "approved" || status === "superseded" ? status : "status")}</span>`;
  }

  /** The live plan of the newest planned week. */
  async function currentPlan() {
    const plans = (await FZ.api.get("/api/v1/outreach/plans")).items.filter((p) => !p.superseded_by);
    plans.sort((a, b) => (a.week < b.week ? 1 : a.week > b.week ? -1 : b.plan_id - a.plan_id));
    return plans[0] || null;
  }

  FZ.pages.plan = async function () {
    const summary = await currentPlan();
    const view = FZ.view();
    if (!summary) {
      view.innerHTML = `<h1>${FZ.t("plan_title")}</h1><p class="card">${FZ.t("no_plan")}</p>`;
      return;
    }
    const detail = await FZ.api.get(`/api/v1/outreach/plans/${summary.plan_id}`);
    const p = detail.plan;
    const groups = new Map();
    for (const r of detail.rows) {
      if (r.holdout) continue;
      const key = r.grid + "\u0000" + (r.staff_id || "");
      const g = groups.get(key) || { grid: r.grid, staff: r.staff_id || "—", n: 0, channels: {}, averted: 0, days: new Set() };
      g.n += 1;
      g.averted += r.expected_averted || 0;
      g.channels[r.channel] = (g.channels[r.channel] || 0) + 1;
      if (r.day) g.days.add(r.day);
      groups.set(key, g);
    }
    const rows = Array.from(groups.values()).sort((a, b) => (a.grid + a.staff).localeCompare(b.grid + b.staff));
    const approved = p.approved_at ? FZ.t("approved_by", { by: esc(p.approved_by), at: FZ.fmt.datetime(p.approved_at) }) : "";
    view.innerHTML = `
      <h1>${FZ.t("plan_title")} · ${FZ.fmt.week(p.week)}</h1>
      <div class="card">
        <div class="row"><div class="grow">
          ${statusBadge(p.status)} <span class="muted small" id="plan-approved">${approved}</span>
          <p class="small muted">#${p.plan_id} · ${FZ.t("strategy")}: ${esc(p.strategy)} · ${esc(p.version)}</p></div>
          ${p.status === "draft" ? `<button type="button" id="approve" class="ok">${FZ.t("approve")}</button>` : ""}
          <button type="button" class="secondary" id="print">${FZ.t("print")}</button>
        </div>
        <div class="kpis">
          <div class="kpi"><div class="muted">${FZ.t("assignments")}</div><div class="v">${FZ.fmt.num(p.assignments - p.held_out)}</div></div>
          <div class="kpi"><div class="muted">${FZ.t("held_out")}</div><div class="v">${FZ.fmt.num(p.held_out)}</div></div>
          <div class="kpi"><div class="muted">${FZ.t("minutes")}</div><div class="v">${FZ.fmt.num(p.minutes)}</div></div>
          <div class="kpi"><div class="muted">${FZ.t("expected_averted")}</div><div class="v">${FZ.fmt.num(p.expected_averted, 2)}</div></div>
        </div>
      </div>
      <div class="card"><h2>${FZ.t("by_grid")}</h2>
        <table id="plan-grid"><thead><tr><th>${FZ.t("grid")}</th><th>${FZ.t("staff")}</th><th class="num">${FZ.t("count")}</th>
          <th>${FZ.t("channel")}</th><th>${FZ.t("day")}</th><th class="num">${FZ.t("expected_averted")}</th></tr></thead>
        <tbody>${rows.map((g) => `<tr><td>${esc(g.grid)}</td><td><a href="#/tasks?staff=${encodeURIComponent(g.staff)}&day=${encodeURIComponent(Array.from(g.days).sort()[0] || "")}">${esc(g.staff)}</a></td>
          <td class="num">${g.n}</td><td>${Object.entries(g.channels).map(([c, n]) => `${FZ.fmt.label("outreach_channels", c)} ${n}`).join("、")}</td>
          <td>${Array.from(g.days).sort().map(esc).join(" ")}</td><td class="num">${FZ.fmt.num(g.averted, 3)}</td></tr>`).join("")}</tbody></table>
      </div>`;
    FZ.$("#print").addEventListener("click", () => window.print());
    const approve = FZ.$("#approve");
    if (approve) {
      approve.addEventListener("click", async () => {
        approve.disabled = true;
        try {
          await FZ.api.post(`/api/v1/outreach/plans/${p.plan_id}/approve`);
          FZ.toast(FZ.t("approved"));
          await FZ.render();
        } catch (e) {
          approve.disabled = false;
          FZ.toast(e.message, true);
        }
      });
    }
  };

  function outcomeButtons(task) {
    return `<div class="actions noprint" data-task="${esc(task.task_id)}">` + OUTCOMES.map((o) =>
      `<button type="button" class="${o === "reached" ? "ok" : "secondary"}" data-outcome="${o}">${FZ.t(o)}</button>`).join("") + "</div>";
  }

  FZ.pages.tasks = async function (route) {
    const plan = await currentPlan();
    const staffIds = plan ? plan.staff.map((s) => s.staff_id) : [];
    const staff = route.params.get("staff") || staffIds[0] || "";
    const day = route.params.get("day") || "";
    const view = FZ.view();
    view.innerHTML = `<h1>${FZ.t("tasks_title")}</h1>
      <form class="card search" id="tasks-form">
        <label>${FZ.t("staff")} <select name="staff">${staffIds.map((s) => `<option ${s === staff ? "selected" : ""}>${esc(s)}</option>`).join("")}</select></label>
        <label>${FZ.t("day")} <input type="date" name="day" value="${esc(day)}"></label>
        <button type="submit">${FZ.t("load")}</button>
        <button type="button" class="secondary" id="print">${FZ.t("print")}</button>
      </form><div id="sheets"></div>`;
    FZ.$("#tasks-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target);
      FZ.go("tasks", "", { staff: f.get("staff"), day: f.get("day") });
    });
    FZ.$("#print").addEventListener("click", () => window.print());
    const r = await FZ.api.all("/api/v1/outreach/tasks", { staff, day });
    const sheets = r.sheets.filter((s) => s.tasks.length);
    FZ.$("#sheets").innerHTML = sheets.length ? sheets.map((s) => `
      <section class="card sheet"><h2>${esc(s.staff_name || s.staff_id)} (${esc(s.staff_id)}) · ${esc(s.day)}</h2>
      ${s.materials && s.materials.length ? `<p class="materials small">${FZ.t("materials")}：${s.materials.map((m) => `${esc(m.title)} ×${m.count}`).join("，")}</p>` : ""}
      <table><thead><tr><th>#</th><th>${FZ.t("grid")}</th><th>${FZ.t("resident")}</th><th>${FZ.t("channel")}</th><th>${FZ.t("content")}</th>
        <th>${FZ.t("due")}</th><th>${FZ.t("outcome")}</th></tr></thead>
      <tbody>${s.tasks.map((t, i) => `<tr data-row="${esc(t.task_id)}"><td>${i + 1}</td><td>${esc(t.grid)}</td><td>${esc(t.resident_id)}</td>
        <td>${t.grade ? `<span class="badge ${esc(t.grade)}">${FZ.t("grade_" + t.grade)}</span> ` : ""}${esc(FZ.t("action_" + t.action))}</td>
        <td>${esc(t.content_id || "")}${t.content_title ? `<div class="small muted">${esc(t.content_title)}</div>` : ""}</td><td>${t.due_at ? FZ.fmt.datetime(t.due_at) : ""}</td>
        <td class="state">${t.state === "open" ? outcomeButtons(t) : `<span class="badge approved">${esc(t.state)}</span>`}</td></tr>`).join("")}</tbody></table></section>`).join("")
      : `<p class="card">${FZ.t("no_tasks")}</p>`;
    onOutcome(FZ.$("#sheets"), (box, res, outcome) => {
      box.outerHTML = `<span class="badge approved">${esc(res.state)} · ${FZ.t(outcome)}</span>`;
    });
  };

  /** The first step still pending, whose deadline the countdown shows. */
  function pendingStep(task) {
    if (task.state !== "open") return null;
    return (task.steps || []).find((s) => !s.done_at) || null;
  }

  FZ.pages.warnings = async function (route) {
    const overdueOnly = route.params.get("overdue") === "true";
    const r = await FZ.api.all("/api/v1/warnings", { overdue: overdueOnly ? "true" : "" });
    // Open deadlines still ahead first (soonest first), then overdue ones (latest first), then closed ones.
    const now = Date.now();
    const rank = (w) => {
      const step = w.task && pendingStep(w.task);
      if (!step) return [2, 0];
      const due = Date.parse(step.due_at);
      return due >= now ? [0, due] : [1, -due];
    };
    const items = r.items.slice().sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1];
    });
    const view = FZ.view();
    view.innerHTML = `<h1>${FZ.t("warnings_title")}</h1>
      <div class="card row noprint"><label><input type="checkbox" id="overdue-only" ${overdueOnly ? "checked" : ""}> ${FZ.t("overdue_only")}</label>
        <span class="muted small grow">${FZ.t("refresh_note")}</span></div>
      <div class="warnings" id="warnings">${items.length ? items.map((w) => {
        const task = w.task;
        const step = task && pendingStep(task);
        return `<article class="card warning grade-${esc(w.grade)}" data-warning="${esc(w.warning_id)}" ${step ? `data-due="${Date.parse(step.due_at)}"` : ""}>
          <div class="row"><span class="badge ${esc(w.grade)}">${FZ.t("grade")} ${FZ.t("grade_" + w.grade)}</span>
            <span class="grow small muted">${FZ.t("raised_at")} ${FZ.fmt.datetime(w.raised_at)}</span></div>
          <div class="countdown" aria-live="off">${step ? "" : FZ.t("closed")}</div>
          <div class="small">${FZ.t("resident")} <b>${esc(w.resident_id)}</b> · ${task ? esc(task.grid) + " · " + esc(task.staff_id) : ""}</div>
          <div class="small">${FZ.t("number")} ${esc(w.number)}</div>
          ${step ? `<div class="small">${FZ.t("step")}: ${FZ.t("action_" + step.action)} · ${FZ.t("due")} ${FZ.fmt.datetime(step.due_at)}</div>
            <div class="actions noprint" data-task="${esc(task.task_id)}" data-action="${esc(step.action)}">
              <button type="button" class="ok" data-outcome="reached">${FZ.t("reached")}</button>
              <button type="button" class="danger" data-outcome="no_answer">${FZ.t("no_answer")} → ${FZ.t("escalate")}</button></div>` : ""}
        </article>`;
      }).join("") : `<p class="card">${FZ.t("no_warnings")}</p>`}</div>`;
    const tick = () => {
      const now = Date.now();
      for (const el of document.querySelectorAll("#warnings .warning[data-due]")) {
        const left = Number(el.dataset.due) - now;
        const cd = el.querySelector(".countdown");
        el.classList.toggle("overdue", left < 0);
        cd.classList.toggle("soon", left >= 0 && left < 15 * 60 * 1000);
        cd.textContent = left < 0 ? FZ.t("overdue", { t: FZ.fmt.duration(left) }) : FZ.fmt.duration(left);
      }
      for (const el of document.querySelectorAll("#warnings .warning:not([data-due])")) el.classList.add("closed");
    };
    tick();
    const timer = setInterval(tick, 1000);
    const refresh = setInterval(() => FZ.render(), 30000);
    FZ.onLeave(() => { clearInterval(timer); clearInterval(refresh); });
    FZ.$("#overdue-only").addEventListener("change", (ev) => FZ.go("warnings", "", ev.target.checked ? { overdue: "true" } : {}));
    onOutcome(FZ.$("#warnings"), () => FZ.render());
  };

  /** Error bars (interval low, high) over a category axis, for ECharts' custom series. */
  function errorBar(params, api) {
    const x = api.value(0);
    const lo = api.coord([x, api.value(1)]), hi = api.coord([x, api.value(2)]);
    const w = Math.max(3, api.size([1, 0])[0] * 0.15);
    const style = { stroke: "#0b57a4", lineWidth: 1.5 };
    return { type: "group", children: [
      { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
      { type: "line", shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style },
      { type: "line", shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style },
    ] };
  }

  /** Differences (percentage points) with their intervals, one per category. */
  function effectChart(el, labels, comparisons) {
    const c = echarts.init(el);
    FZ.onLeave(() => c.dispose());
    const pp = (x) => Number((x * 100).toFixed(3));
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: (ps) => { const i = ps[0].dataIndex, k = comparisons[i];
        return `${esc(labels[i])}<br>${FZ.t("difference")} ${pp(k.difference)} pp [${pp(k.ci_low)}, ${pp(k.ci_high)}]<br>` +
          `${FZ.t("treated")} ${k.treated.events}/${k.treated.units} · ${FZ.t("held_out")} ${k.held_out.events}/${k.held_out.units}`; } },
      grid: { left: 60, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 8 ? 45 : 0, fontSize: 10 } },
      yAxis: { type: "value", name: "pp" },
      series: [
        { type: "custom", renderItem: errorBar, data: comparisons.map((k, i) => [i, pp(k.ci_low), pp(k.ci_high)]), z: 1 },
        { type: "scatter", data: comparisons.map((k) => pp(k.difference)), symbolSize: 8, z: 2, itemStyle: { color: "#c0161d" },
          markLine: { silent: true, symbol: "none", data: [{ yAxis: 0 }], lineStyle: { color: "#5b6675" } } },
      ],
    });
  }

  FZ.pages.effect = async function () {
    const r = await FZ.api.get("/api/v1/outreach/effect");
    const victimised = (list) => (list || []).find((k) => k.outcome === "victimised");
    const overall = victimised(r.report.overall);
    // The proxy outcomes, where measured: contacted by a gang's or a reported number within the follow-up (on every
    // unit), a warning answered (on the warned), a transfer stopped (on those who reported a fraud).
    const proxies = [["flagged_contact", "effect-proxy"], ["warning_answered", "effect-answered"], ["transfer_stopped", "effect-stopped"]]
      .map(([outcome, id]) => [(r.report.overall || []).find((k) => k.outcome === outcome), outcome, id])
      .filter((x) => x[0]);
    const campaigns = r.report.by_campaign.map((c, i) => [FZ.fmt.week(r.campaign_weeks[i]), victimised(c.comparisons)]).filter((x) => x[1]);
    const channels = r.report.by_channel.map((c) => [FZ.fmt.label("outreach_channels", c.channel), victimised(c.comparisons)]).filter((x) => x[1]);
    const pct = (x) => FZ.fmt.pct(x, 2);
    const level = Math.round(r.report.confidence * 100);
    FZ.view().innerHTML = `<h1>${FZ.t("effect_title")}</h1>
      <div class="kpis">
        <div class="card kpi"><div class="muted">${FZ.t("treated")}</div><div class="v">${overall ? pct(overall.risk_treated) : "—"}</div>
          <div class="small muted">${overall ? `${overall.treated.events} / ${FZ.fmt.num(overall.treated.units)}` : ""}</div></div>
        <div class="card kpi"><div class="muted">${FZ.t("held_out")}</div><div class="v">${overall ? pct(overall.risk_held_out) : "—"}</div>
          <div class="small muted">${overall ? `${overall.held_out.events} / ${FZ.fmt.num(overall.held_out.units)}` : ""}</div></div>
        <div class="card kpi"><div class="muted">${FZ.t("difference")} (${level}% ${FZ.t("interval")})</div>
          <div class="v" id="effect-difference">${overall ? pct(overall.difference) : "—"}</div>
          <div class="small muted">${overall ? `[${pct(overall.ci_low)}, ${pct(overall.ci_high)}]` : ""}</div></div>
        ${proxies.map(([proxy, outcome, id]) => `<div class="card kpi"><div class="muted">${FZ.t(outcome)}</div>
          <div class="v small" id="${id}">${pct(proxy.risk_treated)} / ${pct(proxy.risk_held_out)}</div>
          <div class="small muted">${FZ.t("difference")} ${pct(proxy.difference)} [${pct(proxy.ci_low)}, ${pct(proxy.ci_high)}]</div></div>`).join("")}
        <div class="card kpi"><div class="muted">${FZ.t("urgent_excluded")}</div><div class="v">${FZ.fmt.num(r.urgent_excluded)}</div>
          <div class="small muted">${FZ.t("follow_up", { n: r.follow_up_days })}</div></div>
      </div>
      <p class="small muted">${FZ.t("effect_note")}</p>
      <div class="charts">
        <div class="card"><h2>${FZ.t("by_campaign")}</h2><div class="chart" id="c-campaign"></div></div>
        <div class="card"><h2>${FZ.t("by_channel")}</h2><div class="chart" id="c-channel"></div></div>
      </div>`;
    effectChart(FZ.$("#c-campaign"), campaigns.map((x) => x[0]), campaigns.map((x) => x[1]));
    effectChart(FZ.$("#c-channel"), channels.map((x) => x[0]), channels.map((x) => x[1]));
  };
})(window.FZ);
