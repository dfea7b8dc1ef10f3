// The console's shell: sign-in, role-aware navigation (from GET /api/v1/me; the API still checks every call),
// the hash router, the language switch and the toast. Pages register themselves in FZ.pages.
"use strict";
(function (FZ) {
  const $ = (sel, root) => (root || document).querySelector(sel);
  FZ.$ = $;
  FZ.view = () => $("#view");

  /** Navigation entries: route, word, the permission that shows it. */
  const NAV = [
    { route: "search", word: "nav_search", any: ["cases", "cases_masked"] },
    { route: "clusters", word: "nav_clusters", any: ["clusters"] },
    { route: "warnings", word: "nav_warnings", any: ["outreach"] },
    { route: "plan", word: "nav_plan", any: ["outreach"] },
    { route: "tasks", word: "nav_tasks", any: ["outreach"] },
    { route: "effect", word: "nav_effect", any: ["outreach"] },
    { route: "dashboard", word: "nav_dashboard", any: ["aggregates"] },
  ];
  /** Where each role lands after signing in. */
  const HOME = { investigator: "search", prevention: "warnings", analyst: "dashboard", admin: "dashboard" };

  FZ.toast = function (text, bad) {
    const el = $("#toast");
    el.textContent = text;
    el.className = "show" + (bad ? " bad" : "");
    clearTimeout(FZ.toast.timer);
    FZ.toast.timer = setTimeout(() => (el.className = ""), 4000);
  };
  FZ.showError = function (e) {
    const view = FZ.view();
    view.innerHTML = `<div class="card error" role="alert">${FZ.fmt.esc(
      e && e.code === "forbidden_role" ? FZ.t("forbidden") : FZ.t("error", { m: (e && e.message) || e })
    )}</div>`;
  };

  /** Parses `#/page/arg?x=1` into {page, arg, params}. */
  FZ.route = function () {
    const h = location.hash.replace(/^#\/?/, "");
    const [path, query] = h.split("?");
    const parts = path.split("/");
    return { page: parts[0] || "", arg: parts.slice(1).map(decodeURIComponent).join("/"), params: new URLSearchParams(query || "") };
  };
  FZ.go = function (page, arg, params) {
    const q = params ? FZ.api.query(params) : "";
    location.hash = "#/" + page + (arg ? "/" + encodeURIComponent(arg) : "") + q;
  };

  function renderChrome() {
    const me = FZ.session.me();
    document.title = FZ.t("title");
    $("#lang").textContent = FZ.t("lang_switch");
    const nav = $("#nav");
    const { page } = FZ.route();
    nav.innerHTML = me
      ? NAV.filter((n) => n.any.some((p) => me.permissions.indexOf(p) >= 0))
          .map((n) => `<a href="#/${n.route}" data-route="${n.route}" class="${page === n.route ? "active" : ""}">${FZ.t(n.word)}</a>`)
          .join("")
      : "";
    $("#who").textContent = me ? `${me.name} · ${FZ.t("role_" + me.role)}` : "";
    const out = $("#signout");
    out.hidden = !me;
    out.textContent = FZ.t("sign_out");
  }

  async function loadCodes() {
    if (!FZ.codes) FZ.codes = await FZ.api.get("/api/v1/codes");
  }

  function signinPage() {
    const view = FZ.view();
    view.innerHTML = `
      <form class="card signin" id="signin">
        <h1>${FZ.t("title")}</h1>
        <label for="token">${FZ.t("token")}</label>
        <input id="token" name="token" type="password" autocomplete="off" required>
        <label for="purpose">${FZ.t("purpose")}</label>
        <input id="purpose" name="purpose" value="${FZ.fmt.esc(FZ.session.purpose())}" maxlength="200" required>
        <p class="muted small">${FZ.t("signin_help")}</p>
        <p class="error" id="signin-error" role="alert"></p>
        <button type="submit">${FZ.t("sign_in")}</button>
      </form>`;
    $("#token").focus();
    $("#signin").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const token = $("#token").value.trim();
      const purpose = $("#purpose").value.trim();
      try {
        const me = await FZ.api.get("/api/v1/me", token);
        FZ.session.save(token, purpose, me);
        FZ.codes = null;
        FZ.go(HOME[me.role] || "dashboard");
      } catch (e) {
        $("#signin-error").textContent = e.status === 401 ? FZ.t("bad_token") : FZ.t("error", { m: e.message });
      }
    });
  }

  /** Stops what the previous page started (timers, charts). */
  FZ.cleanups = [];
  FZ.onLeave = (fn) => FZ.cleanups.push(fn);

  async function render() {
    // Answers to the previous page's requests that arrive from now on are dropped (FZ.Superseded).
    FZ.generation += 1;
    const generation = FZ.generation;
    while (FZ.cleanups.length) {
      try { FZ.cleanups.pop()(); } catch (_) { /* a page's cleanup never blocks the next page */ }
    }
    const route = FZ.route();
    const me = FZ.session.me();
    renderChrome();
    if (!me || route.page === "login") {
      if (me) FZ.session.clear();
      renderChrome();
      return signinPage();
    }
    const page = FZ.pages[route.page];
    if (!page) return FZ.go(HOME[me.role] || "dashboard");
    FZ.view().innerHTML = `<p class="muted">${FZ.t("loading")}</p>`;
    try {
      await loadCodes();
      await page(route);
    } catch (e) {
      if (e instanceof FZ.Superseded || generation !== FZ.generation) return;
      console.warn("page failed", e);
      FZ.showError(e);
    }
    if (generation === FZ.generation) FZ.view().focus({ preventScroll: true });
  }
  FZ.render = render;

  FZ.pages = FZ.pages || {};
  document.addEventListener("DOMContentLoaded", () => {
    FZ.setLang(FZ.lang());
    $("#lang").addEventListener("click", () => {
      FZ.setLang(FZ.lang() === "zh" ? "en" : "zh");
      render();
    });
    $("#signout").addEventListener("click", () => {
      FZ.session.clear();
      FZ.go("login");
    });
    window.addEventListener("hashchange", render);
    render();
  });
})(window.FZ);
