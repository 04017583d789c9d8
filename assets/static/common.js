// motcua — shared helpers for our pages (no third-party code).
"use strict";

const Motcua = {
  // JSON API call; throws {status, code, message} on an error answer.
  async api(method, path, body) {
    const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    if (r.status === 204) return null;
    let data = null;
    try { data = await r.json(); } catch (_) { data = null; }
    if (!r.ok) {
      const e = new Error((data && data.message) || ("Lỗi " + r.status));
      e.status = r.status;
      e.code = data && data.code;
      throw e;
    }
    return data;
  },

  boot() {
    const el = document.getElementById("boot");
    return el ? JSON.parse(el.textContent) : {};
  },

  // Live feed over SSE. EventSource resends Last-Event-ID itself after a drop; when the
  // server's build differs from the page's, the page reloads to pick up the update.
  live(onEvent, names) {
    const build = document.body.dataset.build;
    const src = new EventSource("/api/v1/events");
    src.addEventListener("hello", (m) => {
      try {
        const h = JSON.parse(m.data);
        if (build && h.build && h.build !== build) location.reload();
      } catch (_) { /* ignore */ }
    });
    for (const n of names) {
      src.addEventListener(n, (m) => {
        let ev;
        try { ev = JSON.parse(m.data); } catch (_) { return; }
        onEvent(n, ev);
      });
    }
    return src;
  },

  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  },

  hhmm(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  },

  minutesSince(iso) {
    return Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  },
};
