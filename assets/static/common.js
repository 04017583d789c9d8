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

  // Keyboard-wedge code scanners (QR/barcode readers that act as a keyboard) type a whole
  // code in a burst and end it with Enter. A burst of ≥ 8 characters, each ≤ 35 ms after
  // the previous, ending in Enter, is a scan wherever the focus is: what it typed into a
  // field is undone and `onScan(text)` gets the code. People do not type that fast, so
  // ordinary typing is left alone.
  codeScanner(onScan) {
    let buf = "", start = 0, last = 0, target = null, before = null, pendingKey = null;
    const push = (ch, now, t) => {
      if (!buf || now - last > 100) {
        buf = "";
        start = now;
        target = t;
        before = t && "value" in t ? t.value : null;
      }
      buf += ch;
      last = now;
    };
    document.addEventListener("keydown", (e) => {
      const now = e.timeStamp;
      pendingKey = null;
      if (e.key === "Enter") {
        const n = buf.length;
        const fast = n >= 8 && now - last < 100 && (last - start) / Math.max(1, n - 1) <= 35;
        const text = buf;
        buf = "";
        if (!fast) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        if (target && before !== null) target.value = before;
        onScan(text.trim());
        return;
      }
      if (e.key.length !== 1 || e.ctrlKey || e.altKey || e.metaKey) {
        if (e.key !== "Shift") buf = "";
        return;
      }
      pendingKey = e.key;
      push(e.key, now, e.target);
    }, true);
    // Letters outside the keyboard layout (Vietnamese names, typed by readers that use
    // Unicode input) arrive as text input without a key event of their own.
    document.addEventListener("beforeinput", (e) => {
      if (e.isComposing || e.inputType !== "insertText" || !e.data) return;
      if (pendingKey !== null && e.data === pendingKey) { pendingKey = null; return; }
      pendingKey = null;
      for (const ch of e.data) push(ch, e.timeStamp, e.target);
    }, true);
  },

  // What a scanned code is: a CCCD card QR, a dossier receipt (its lookup link or its
  // code), a queue ticket's QR (its status link), or something else.
  classifyCode(text) {
    let m;
    if (/^\d{12}\|/.test(text)) return { kind: "card", payload: text };
    if ((m = /\/tra-cuu\/([0-9a-f]{8,64})$/i.exec(text))) return { kind: "receipt", token: m[1].toLowerCase() };
    if ((m = /\/t\/(\d+)\/([0-9a-f]{8,64})$/i.exec(text))) return { kind: "ticket", id: Number(m[1]), token: m[2].toLowerCase() };
    if (/^[A-Z0-9.]+-\d{6}-\d{3,6}$/i.test(text)) return { kind: "dossier", code: text.toUpperCase() };
    return { kind: "other", text };
  },

  // The dossier code behind a receipt scan (the lookup link carries a token).
  async dossierCodeOf(c) {
    if (c.kind === "dossier") return c.code;
    const d = await Motcua.api("GET", "/api/v1/lookup/" + encodeURIComponent(c.token));
    return d.code;
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
