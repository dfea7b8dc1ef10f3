// Browser tests of the web console: Debian's Chromium driven by playwright-core, against a running `fanzha serve`
// (started by .ci/console.sh on a small generated district). Environment:
//   FANZHA_URL        the server, e.g. http://127.0.0.1:8080
//   FANZHA_TOKENS     JSON {"investigator": "...", "prevention": "...", "analyst": "...", "admin": "..."}
//   FANZHA_FRESH      resident id of an urgent warning raised just before the tests (its deadline is ahead)
//   FANZHA_ARTIFACTS  folder for the screenshots of every page (default ./artifacts)
//   CHROMIUM          the browser (default /usr/bin/chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.FANZHA_URL;
const TOKENS = JSON.parse(process.env.FANZHA_TOKENS || "{}");
const FRESH = process.env.FANZHA_FRESH;
const ARTIFACTS = process.env.FANZHA_ARTIFACTS || "artifacts";
const RED = "rgb(192, 22, 29)";
assert.ok(BASE && TOKENS.investigator && TOKENS.prevention && TOKENS.analyst, "set FANZHA_URL and FANZHA_TOKENS");
fs.mkdirSync(ARTIFACTS, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
});
after(async () => browser && (await browser.close()));

/** The JSON API as a test reads it (to pick data to look for, and to check what the console did). */
async function api(role, route) {
  const res = await fetch(BASE + route, { headers: { Authorization: `Bearer ${TOKENS[role]}`, "X-Purpose": "console test" } });
  assert.equal(res.status, 200, `${route}: ${res.status}`);
  return res.json();
}

/** A 1366×768 page that records every console error and uncaught exception. */
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (m) => m.type() === "error" && page.errors.push(`${m.text()} @ ${page.url()}`));
  page.on("pageerror", (e) => page.errors.push(`${e.message} @ ${page.url()}`));
  if (options.clock) await page.clock.install();
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(page, role) {
  await page.goto(BASE + "/");
  await page.waitForSelector("#token");
  await page.fill("#token", TOKENS[role]);
  await page.fill("#purpose", "控制台测试 2026-118");
  await page.click("#signin button[type=submit]");
  await page.waitForSelector("#nav a");
}

async function navTexts(page) {
  return page.$$eval("#nav a", (as) => as.map((a) => a.dataset.route));
}

// Closes the page and checks it logged no console errors but those `expected` matches. The check runs after the close:
// a response still in flight when the test's last wait returned logs its error later (a page of two requests refused
// with 403 logged the second after an earlier filter had run, and the test failed now and then).
async function done(page, expected) {
  await page.context().close();
  const errors = page.errors.filter((e) => !(expected && expected.test(e)));
  assert.deepEqual(errors, [], "no console errors");
}

test("sign-in: a bad token is refused; each role sees its own pages", async () => {
  const page = await newPage();
  await page.goto(BASE + "/console/");
  await shot(page, "01-sign-in");
  await page.fill("#token", "fz_not_a_token");
  await page.click("#signin button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#signin-error").textContent.length > 0);
  assert.match(await page.textContent("#signin-error"), /令牌无效/);
  // The refused sign-in's 401 is the one console error this test expects.
  await done(page, /status of 401/);

  const expected = {
    investigator: ["search", "clusters", "dashboard"],
    prevention: ["search", "warnings", "plan", "tasks", "effect", "dashboard"],
    analyst: ["dashboard"],
  };
  for (const [role, routes] of Object.entries(expected)) {
    const p = await newPage();
    await signIn(p, role);
    assert.deepEqual(await navTexts(p), routes, role);
    assert.ok(await p.evaluate(() => sessionStorage.getItem("fz.token")), "the token lives in sessionStorage");
    assert.equal(await p.evaluate(() => localStorage.getItem("fz.token")), null, "and nowhere else");
    if (role === "prevention") {
      // Leaving a page before its data arrives: the late answer must not draw over the page now shown.
      await p.goto(BASE + "/console/#/plan");
      await p.goto(BASE + "/console/#/warnings");
      await p.waitForSelector("#warnings");
      await p.waitForTimeout(3000);
      assert.equal(await p.$("#plan-grid"), null, "the plan's late answer is dropped");
      assert.ok(await p.$("#warnings"));
    }
    await done(p);
  }
});

test("investigator: a pasted phone number finds its report; open it, its cluster, and the evidence chain", async () => {
  // A cluster of several reports, and one of its reports that lists a mobile number.
  const clusters = await api("investigator", "/api/v1/clusters?min_reports=3&limit=5");
  const cluster = clusters.items[0];
  const detail = await api("investigator", `/api/v1/clusters/${cluster.cluster_id}`);
  let report, phone;
  for (const id of detail.report_ids) {
    const r = await api("investigator", `/api/v1/reports/${id}`);
    const tel = r.identifiers.find((i) => /^tel:\+861\d{10}$/.test(i));
    if (tel) { report = r; phone = tel.slice(4 + 3); break; }
  }
  assert.ok(report, "a report of the cluster lists a mobile number");
  const other = detail.report_ids.find((id) => id !== report.report_id);

  const page = await newPage();
  await signIn(page, "investigator");
  assert.match(page.url(), /#\/search/);
  // Pasted as people write it: +86 and spaces.
  await page.fill("#q", `+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
  await page.click("#search-form button[type=submit]");
  await page.waitForSelector(`#hits a[href="#/report/${report.report_id}"]`);
  await shot(page, "02-search-phone");

  // A word search: highlighted hits, facets, and a second page.
  await page.goto(BASE + "/console/#/search?q=" + encodeURIComponent("刷单"));
  await page.waitForSelector("#hits .hit");
  assert.ok((await page.$$("#hits mark")).length > 0, "hits are highlighted");
  assert.ok((await page.$$(".facets button[data-facet=fraud_type]")).length > 0, "facets are shown");
  const first = await page.textContent("#hits .hit a.title");
  await shot(page, "03-search-words");
  await page.click("#next");
  await page.waitForFunction((f) => document.querySelector("#hits .hit a.title")?.textContent !== f, first);
  assert.match(await page.textContent(".pager span"), /第 2 页/);

  // A term that matches nothing is shown as the text it is, never as markup (a shared link cannot inject HTML).
  await page.goto(BASE + "/console/#/search?q=" + encodeURIComponent("<i>zqxwv</i>"));
  await page.waitForSelector(".notice");
  assert.equal((await page.$$(".notice i")).length, 0, "the unmatched term is escaped");
  assert.match(await page.textContent(".notice"), /<i>zqxwv<\/i>/);

  await page.goto(BASE + `/console/#/report/${report.report_id}`);
  await page.waitForSelector("#narrative");
  assert.ok((await page.textContent("#narrative")).length > 20, "the investigator reads the narrative");
  await page.waitForSelector("#open-cluster");
  await shot(page, "04-report");
  await page.click("#open-cluster");
  await page.waitForFunction(() => window.FZ.cy && window.FZ.cy.nodes().length > 0);
  const nodes = await page.evaluate(() => window.FZ.cy.nodes().length);
  assert.ok(nodes >= cluster.reports, `the graph draws the cluster (${nodes} nodes)`);
  assert.equal(await page.textContent("#cluster-reports"), String(cluster.reports));
  // Hubs and laundering services' accounts the cluster touches are drawn and marked, as the export marks them.
  const exported = await api("investigator", `/api/v1/clusters/${cluster.cluster_id}/export?format=json`);
  const marks = (kind) => exported.nodes.filter((n) => n.shared === kind).map((n) => n.label).sort();
  const drawn = (sel) => page.evaluate((s) => window.FZ.cy.$(s).map((n) => n.data("label")).sort(), sel);
  assert.ok(marks("hub").length + marks("laundering_service").length > 0, "the cluster touches a hub or a service");
  assert.deepEqual(await drawn("node.hub"), marks("hub"));
  assert.deepEqual(await drawn("node.service"), marks("laundering_service"));
  await page.selectOption("#ra", report.report_id);
  await page.selectOption("#rb", other);
  await page.click("#show-chain");
  // The chain of the two chosen reports (not the one the page showed on opening) is listed and lit.
  await page.waitForFunction((ids) => {
    const lit = window.FZ.cy.$("node.chain").map((n) => n.data("label"));
    return ids.every((id) => lit.includes(id)) && document.querySelector("#chain-steps li");
  }, [report.report_id, other]);
  const steps = await page.$$eval("#chain-steps li", (li) => li.length);
  const chain = await api("investigator", `/api/v1/clusters/explain?a=${report.report_id}&b=${other}`);
  assert.equal(steps, chain.steps.length, "the chain the API gives, step by step");
  const lit = await page.evaluate(() => window.FZ.cy.$("node.chain").map((n) => n.data("label")));
  assert.ok(lit.includes(report.report_id) && lit.includes(other), "both reports are highlighted in the graph");
  await page.waitForSelector("#trail canvas");
  // The trail of the first report: hops through the laundering services' accounts are counted and marked.
  const trace = await api("investigator", `/api/v1/money/trace?report=${report.report_id}`);
  const services = await api("investigator", "/api/v1/clusters/services");
  const serviceAccounts = new Set(services.items.flatMap((s) => s.accounts));
  const through = trace.trail.filter((h) => serviceAccounts.has(h.account)).length;
  await page.waitForFunction((id) => document.querySelector("#trail-title").textContent.includes(id) &&
    document.querySelector("#trail-service-hops"), report.report_id);
  assert.match(await page.textContent("#trail-service-hops"), new RegExp(`${trace.trail.length} 笔转账中 ${through} 笔`));
  await shot(page, "05-cluster");
  // Evidence for the case file: the export downloads (the API audits it like any other read).
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("button[data-export=graphml]")]);
  assert.equal(download.suggestedFilename(), `cluster-${cluster.cluster_id}.graphml`);
  assert.match(fs.readFileSync(await download.path(), "utf8"), /<graphml/);
  await done(page);
});

test("prevention: approve this week's plan and record an outcome on a day sheet", async () => {
  const page = await newPage();
  await signIn(page, "prevention");
  await page.goto(BASE + "/console/#/plan");
  await page.waitForSelector("#plan-status");
  assert.equal(await page.textContent("#plan-status"), "待批准");
  await page.waitForSelector("#plan-grid tbody tr");
  await shot(page, "06-plan-draft");
  await page.click("#approve");
  await page.waitForSelector("#plan-status.approved");
  assert.match(await page.textContent("#plan-approved"), /批准人/);
  await shot(page, "07-plan-approved");

  // The first officer's first visiting day, from the plan's table.
  await page.click("#plan-grid tbody tr td a");
  await page.waitForSelector("#sheets .sheet tr[data-row]");
  await shot(page, "08-day-sheet");
  const row = await page.getAttribute("#sheets tr[data-row]:has(button[data-outcome])", "data-row");
  await page.click(`#sheets tr[data-row="${row}"] button[data-outcome=reached]`);
  await page.waitForSelector(`#sheets tr[data-row="${row}"] .state .badge`);
  // The API has it.
  const { staff, day } = Object.fromEntries(new URL(page.url().replace("#/tasks", "")).searchParams);
  const sheets = await api("prevention", `/api/v1/outreach/tasks?staff=${staff}&day=${day}&limit=1000`);
  const task = sheets.sheets.flatMap((s) => s.tasks).find((t) => t.task_id === row);
  assert.notEqual(task.state, "open", `${row} is recorded`);
  // The sheet shows every task of the officer's day, though the API pages them.
  const shown = await page.$$eval("#sheets tr[data-row]", (rows) => rows.length);
  assert.equal(shown, sheets.total, "the whole day sheet");
  // What to bring, as the API counts it for the sheet's open visits, leaflets and lectures.
  const sheet = sheets.sheets[0];
  if (sheet.materials.length) {
    assert.ok((await page.textContent("#sheets .materials")).includes(sheet.materials[0].title), "the items to bring");
  }
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isVisible("#nav"), false, "printing hides the navigation");
  await shot(page, "09-day-sheet-print");
  await page.emulateMedia({ media: "screen" });

  // The campaigns' effect against the holdout, with intervals.
  const effect = await api("prevention", "/api/v1/outreach/effect");
  const overall = effect.report.overall.find((k) => k.outcome === "victimised");
  await page.goto(BASE + "/console/#/effect");
  await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 2);
  assert.equal(await page.textContent("#effect-difference"), (overall.difference * 100).toFixed(2) + "%");
  // The proxy outcome beside it: contacts by flagged numbers, treated / held out.
  const proxy = effect.report.overall.find((k) => k.outcome === "flagged_contact");
  assert.ok(proxy && proxy.treated.units === overall.treated.units, "flagged contacts are measured on the same units");
  const pc = (x) => (x * 100).toFixed(2) + "%";
  assert.equal(await page.textContent("#effect-proxy"), `${pc(proxy.risk_treated)} / ${pc(proxy.risk_held_out)}`);
  await shot(page, "16-effect");
  await done(page);
});

test("urgent warnings: overdue ones are red; a live countdown turns red at its deadline; reached closes it", async () => {
  const page = await newPage({ clock: true });
  await signIn(page, "prevention");
  await page.goto(BASE + "/console/#/warnings");
  const fresh = `#warnings .warning[data-warning*="-${FRESH}-"]`;
  await page.waitForSelector(fresh);
  const overdue = await page.$$("#warnings .warning.overdue");
  assert.ok(overdue.length > 0, "past-deadline warnings are marked overdue");
  assert.equal(await overdue[0].$eval(".countdown", (e) => getComputedStyle(e).color), RED);
  assert.equal(await page.$eval(fresh, (e) => e.classList.contains("overdue")), false, "the fresh warning is not overdue");
  const before = await page.textContent(`${fresh} .countdown`);
  await page.clock.runFor(2000);
  assert.notEqual(await page.textContent(`${fresh} .countdown`), before, "the countdown runs");
  await shot(page, "10-warnings");
  await page.clock.fastForward("00:10:00");
  await page.waitForSelector(`${fresh}.overdue`);
  assert.equal(await page.$eval(`${fresh} .countdown`, (e) => getComputedStyle(e).color), RED);
  assert.match(await page.textContent(`${fresh} .countdown`), /已超时/);
  await shot(page, "11-warning-overdue");
  // A high-grade warning needs a call and then a visit: "reached" on the call moves it on to the visit.
  await page.click(`${fresh} [data-action=call] button[data-outcome=reached]`);
  await page.waitForSelector(`${fresh} [data-action=visit]`);
  await page.click(`${fresh} [data-action=visit] button[data-outcome=reached]`);
  await page.waitForSelector(`${fresh}.closed`);
  const task = (await api("prevention", "/api/v1/warnings?limit=1000")).items.find((w) => w.resident_id === FRESH).task;
  assert.notEqual(task.state, "open");
  assert.ok(task.steps.every((s) => s.done_at && s.reached));
  await done(page);
});

test("prevention staff cannot read a case narrative and see numbers masked", async () => {
  const hits = await api("investigator", "/api/v1/search?q=" + encodeURIComponent("刷单") + "&limit=1");
  const id = hits.hits[0].id;
  const page = await newPage();
  await signIn(page, "prevention");
  await page.goto(BASE + `/console/#/report/${id}`);
  await page.waitForSelector("#narrative-hidden");
  assert.equal(await page.$("#narrative"), null, "no narrative on the page");
  const ids = await page.textContent("#identifiers");
  assert.match(ids, /\*{3,}/, "numbers are masked");
  assert.equal(await page.$("#open-cluster"), null, "no cluster link");
  await shot(page, "12-report-prevention");
  await page.goto(BASE + "/console/#/search?q=" + encodeURIComponent("刷单"));
  await page.waitForSelector("#hits .hit");
  assert.equal((await page.$$("#hits .snippet")).length, 0, "no snippets of narratives");
  const chips = await page.$$eval("#hits .chip", (c) => c.map((x) => x.textContent));
  assert.ok(chips.some((t) => /^(tel|card|cardtail):.*\*\*/.test(t)), "masked numbers in the hits");
  assert.ok(!chips.some((t) => /^tel:\+861\d{10}$/.test(t)), "no mobile number in full");
  await done(page);

  // The API itself refuses the cluster page, and the console says so.
  const p2 = await newPage();
  await signIn(p2, "prevention");
  await p2.goto(BASE + "/console/#/cluster/1");
  await p2.waitForSelector("#view .error");
  assert.match(await p2.textContent("#view .error"), /无权/);
  await done(p2, /status of 403/);
});

test("dashboard: figures and charts for every role that reads aggregates, in Chinese and in English", async () => {
  const stats = await api("analyst", "/api/v1/stats");
  const page = await newPage();
  await signIn(page, "analyst");
  await page.waitForSelector("#kpi-rate");
  assert.equal(await page.textContent("#kpi-rate"), stats.district_per_10k_per_year.toFixed(1));
  await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 7, null, { timeout: 60000 });
  await page.waitForFunction(() => /ROC-AUC/.test(document.querySelector("#calibration-note").textContent), null, { timeout: 60000 });
  assert.ok(await page.$("#c-map canvas"), "communities on the map (the server has an areas file)");
  assert.match(await page.textContent("#calibration-note"), /ROC-AUC 0\.\d{3}/);
  // Residents reached (the bureau's headline: the elderly among them), as the API counts the last four weeks.
  const reach = await api("analyst", "/api/v1/outreach/reach");
  const lastWeek = reach.weeks[reach.weeks.length - 1].week;
  const from = await page.evaluate((w) => window.FZ.fmt.weekPlus(w, -3), lastWeek);
  const back = await page.evaluate((w) => [window.FZ.fmt.weekPlus(w, 3), window.FZ.fmt.weekPlus("2026-W01", -1), window.FZ.fmt.weekPlus("2020-W52", 1)], from);
  assert.deepEqual(back, [lastWeek, "2025-W52", "2020-W53"], "ISO week arithmetic");
  const recent = await api("analyst", `/api/v1/outreach/reach?from=${from}&to=${lastWeek}`);
  assert.ok(reach.elderly_reached > 0, "the district's outreach reached elderly residents");
  assert.equal(await page.textContent("#kpi-reached"), recent.residents_reached.toLocaleString("en-US"));
  assert.equal(await page.textContent("#kpi-elderly"), recent.elderly_reached.toLocaleString("en-US"));
  assert.ok(await page.$("#c-reach canvas"), "residents reached, week by week");
  await shot(page, "13-dashboard");
  const keys = await page.evaluate(() => window.FZ.i18nKeys());
  assert.deepEqual(keys.en.slice().sort(), keys.zh.slice().sort(), "every word in both languages");
  await page.click("#lang");
  await page.waitForFunction(() => document.querySelector("#nav a").textContent === "Dashboard");
  assert.match(await page.textContent("h1"), /Dashboard/);
  await shot(page, "14-dashboard-en");
  await page.click("#lang");
  await done(page);
  for (const role of ["investigator", "prevention"]) {
    const p = await newPage();
    await signIn(p, role);
    await p.goto(BASE + "/console/#/dashboard");
    await p.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 4);
    if (role === "investigator") {
      await p.goto(BASE + "/console/#/clusters");
      await p.waitForSelector("#view table tbody tr");
      await shot(p, "15-clusters");
    }
    await done(p);
  }
});
