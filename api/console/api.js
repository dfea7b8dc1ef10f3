// The JSON API as the console calls it: the signed-in token (sessionStorage, this tab only) as a bearer token, the
// purpose as X-Purpose on every call (the API requires it where personal data is returned, and audits it), and
// problem details turned into errors with their stable code.
"use strict";
(function (FZ) {
  const session = (FZ.session = {
    token: () => sessionStorage.getItem("fz.token"),
    purpose: () => sessionStorage.getItem("fz.purpose") || "控制台查询",
    me: () => JSON.parse(sessionStorage.getItem("fz.me") || "null"),
    save(token, purpose, me) {
      sessionStorage.setItem("fz.token", token);
      sessionStorage.setItem("fz.purpose", purpose);
      sessionStorage.setItem("fz.me", JSON.stringify(me));
    },
    clear() {
      for (const k of ["fz.token", "fz.purpose", "fz.me"]) sessionStorage.removeItem(k);
    },
    may(permission) {
      const me = session.me();
      return !!me && me.permissions.indexOf(permission) >= 0;
    },
  });

  /** A header value carrying UTF-8 text: fetch takes byte strings, so each UTF-8 byte becomes one character. */
  function utf8Header(text) {
    return Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join("");
  }

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && problem.message) || "HTTP " + status);
      this.status = status;
      this.code = problem && problem.code;
    }
  }
  FZ.ApiError = ApiError;

  /** The answer arrived after the user had moved to another page: the page that asked must not draw it. */
  class Superseded extends Error {}
  FZ.Superseded = Superseded;
  FZ.generation = 0;

  async function call(method, path, body, token) {
    const generation = FZ.generation;
    const headers = { Accept: "application/json", "X-Purpose": utf8Header(session.purpose()) };
    const t = token || session.token();
    if (t) headers.Authorization = "Bearer " + t;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401 && !token) {
      session.clear();
      location.hash = "#/login";
    }
    const type = res.headers.get("content-type") || "";
    if (!res.ok) {
      const problem = type.indexOf("json") >= 0 ? await res.json() : null;
      throw new ApiError(res.status, problem);
    }
    return { res, type, generation };
  }

  /** The body of `res`, unless the page that asked has been left meanwhile. */
  async function json({ res, generation }) {
    const body = await res.json();
    if (generation !== FZ.generation) throw new Superseded(res.url);
    return body;
  }

  FZ.api = {
    async get(path, token) {
      return json(await call("GET", path, undefined, token));
    },
    async post(path, body) {
      return json(await call("POST", path, body === undefined ? {} : body));
    },
    /** Every page of a list (`items`, or the day sheets' `sheets`), following `next_cursor`; the first page's other
     * fields are kept. A sheet cut by a page boundary is joined again. */
    async all(path, params) {
      let cursor = null, whole = null;
      do {
        const page = await FZ.api.get(path + FZ.api.query(Object.assign({}, params, { limit: 1000, cursor })));
        if (!whole) whole = page;
        else if (page.items) whole.items = whole.items.concat(page.items);
        else {
          for (const s of page.sheets) {
            const last = whole.sheets[whole.sheets.length - 1];
            if (last && last.staff_id === s.staff_id && last.day === s.day) {
              last.tasks = last.tasks.concat(s.tasks);
              // The materials of a sheet cut by the page boundary: the counts of both parts.
              for (const m of s.materials || []) {
                const same = last.materials.find((x) => x.content_id === m.content_id);
                if (same) same.count += m.count;
                else last.materials.push(m);
              }
              last.materials.sort((a, b) => b.count - a.count || a.content_id.localeCompare(b.content_id));
            } else whole.sheets.push(s);
          }
        }
        cursor = page.next_cursor;
      } while (cursor);
      whole.next_cursor = null;
      return whole;
    },
    /** Downloads a response as a file (exports need the bearer token, so a plain link cannot fetch them). */
    async download(path, fallbackName) {
      const { res } = await call("GET", path);
      const disposition = res.headers.get("content-disposition") || "";
      const m = /filename="([^"]+)"/.exec(disposition);
      const blob = await res.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = m ? m[1] : fallbackName;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    },
    query(params) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
      const s = q.toString();
      return s ? "?" + s : "";
    },
  };
})(window.FZ);
