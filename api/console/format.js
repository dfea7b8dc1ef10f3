// One formatting rule each, Chinese first: yuan with thousands separators (1,234,567.00元), dates as 2026-03-01,
// weeks as 2026年第9周, countdowns, highlights given as UTF-8 byte ranges, code labels.
"use strict";
(function (FZ) {
  const f = (FZ.fmt = {});

  f.esc = function (s) {
    return String(s === null || s === undefined ? "" : s)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  };

  /** A decimal yuan string ("1133215.36") or number as "1,133,215.36元". */
  f.yuan = function (value) {
    if (value === null || value === undefined || value === "") return "—";
    const n = typeof value === "number" ? value : Number(String(value).replace(/[^0-9.-]/g, ""));
    if (!isFinite(n)) return f.esc(value);
    const text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return FZ.lang() === "en" ? "¥" + text : text + "元";
  };
  /** Integer fen as yuan. */
  f.fen = function (fen) {
    return fen === null || fen === undefined ? "—" : f.yuan(fen / 100);
  };

  const pad = (n) => String(n).padStart(2, "0");
  /** Beijing-time parts of an instant (epoch seconds, or an RFC 3339 string). */
  function beijing(at) {
    const ms = typeof at === "number" ? at * 1000 : Date.parse(at);
    if (!isFinite(ms)) return null;
    const d = new Date(ms + 8 * 3600 * 1000);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
  }
  f.date = function (at) {
    if (typeof at === "string" && /^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
    const b = beijing(at);
    return b ? `${b.y}-${pad(b.m)}-${pad(b.d)}` : "—";
  };
  f.datetime = function (at) {
    const b = beijing(at);
    return b ? `${b.y}-${pad(b.m)}-${pad(b.d)} ${pad(b.h)}:${pad(b.mi)}` : "—";
  };
  /** "2026-W09" as 2026年第9周 (or 2026 week 9). */
  f.week = function (w) {
    const m = /^(\d{4})-W(\d{2})$/.exec(w || "");
    if (!m) return f.esc(w);
    return FZ.lang() === "en" ? `${m[1]} week ${Number(m[2])}` : `${m[1]}年第${Number(m[2])}周`;
  };
  /** The ISO week `n` weeks after "2026-W09" (before, when `n` is negative), as "YYYY-Www". */
  f.weekPlus = function (w, n) {
    const m = /^(\d{4})-W(\d{2})$/.exec(w || "");
    if (!m) return w;
    const jan4 = Date.UTC(Number(m[1]), 0, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86400000 + (Number(m[2]) - 1 + n) * 7 * 86400000;
    const thursday = new Date(monday + 3 * 86400000);
    const year = thursday.getUTCFullYear();
    const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86400000));
    return `${year}-W${pad(week)}`;
  };
  /** Milliseconds as h:mm:ss (days prefixed). */
  f.duration = function (ms) {
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const hms = `${h}:${pad(m)}:${pad(s)}`;
    if (!d) return hms;
    return FZ.lang() === "en" ? `${d}d ${hms}` : `${d}天 ${hms}`;
  };
  f.pct = function (x, digits) {
    return isFinite(x) ? (x * 100).toFixed(digits === undefined ? 1 : digits) + "%" : "—";
  };
  f.num = function (x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    return Number(x).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 0 : digits });
  };

  /** `text` with its highlights (UTF-8 byte ranges, as the search API gives them) wrapped in <mark>, escaped. */
  f.highlight = function (text, ranges) {
    const bytes = new TextEncoder().encode(text || "");
    const dec = new TextDecoder();
    let out = "", at = 0;
    for (const [a, b] of (ranges || []).slice().sort((x, y) => x[0] - y[0])) {
      if (a < at || b > bytes.length) continue;
      out += f.esc(dec.decode(bytes.slice(at, a))) + "<mark>" + f.esc(dec.decode(bytes.slice(a, b))) + "</mark>";
      at = b;
    }
    return out + f.esc(dec.decode(bytes.slice(at)));
  };

  /** The label of `code` in code table `table` (/api/v1/codes), in the current language. */
  f.label = function (table, code) {
    const rows = (FZ.codes && FZ.codes[table]) || [];
    const row = rows.find((r) => r.code === code);
    if (!row) return f.esc(code);
    return f.esc(FZ.lang() === "en" ? row.en : row.zh);
  };
})(window.FZ);
