// The counter's rating tablet: idle until the officer finishes serving a ticket at this
// counter, then three keys; an unhappy citizen may pick a reason. One rating per ticket
// (the server refuses a second); the prompt goes back to idle after a minute untouched.
// The prompt being shown is kept in localStorage, so a tablet that reloads (power blip,
// someone taps refresh) comes back to the same question instead of losing the rating.
"use strict";
(function () {
  const boot = Motcua.boot();
  const KEY = "motcua.rating.counter";
  const PENDING = "motcua.rating.pending";
  const ASK_SECS = 60;
  const screens = ["pick", "idle", "ask", "why", "thanks", "error"];
  const $ = (id) => document.getElementById(id);
  let counter = Number(localStorage.getItem(KEY)) || null;
  let ticket = null;
  let level = null;
  let timer = null;
  let until = 0;

  function show(id, secs) {
    for (const s of screens) $(s).hidden = s !== id;
    clearTimeout(timer);
    if (id !== "ask" && id !== "why") localStorage.removeItem(PENDING);
    if (secs) { until = Date.now() + secs * 1000; timer = setTimeout(() => show("idle"), secs * 1000); }
  }
  function remember(screen) {
    localStorage.setItem(PENDING, JSON.stringify({ ticket, level, screen, until }));
  }
  function pickCounter() {
    $("pick-list").replaceChildren(...boot.counters.map((c) => Motcua.el("button", { class: "rate-skip", onclick: () => {
      counter = c.id;
      localStorage.setItem(KEY, String(c.id));
      idle();
    } }, "Quầy " + c.number + " — " + c.name)));
    show("pick");
  }
  function idle() {
    const c = boot.counters.find((x) => x.id === counter);
    if (!c) return pickCounter();
    $("idle-counter").textContent = "Quầy " + c.number;
    show("idle");
  }
  function ask(t, secs) {
    ticket = t;
    level = null;
    $("ask-number").textContent = t.number;
    $("ask-officer").textContent = (t.officer && boot.names[t.officer]) || "cán bộ";
    show("ask", secs);
    remember("ask");
  }
  // After a reload: the question that was on screen, for the time it had left.
  function resume() {
    let p = null;
    try { p = JSON.parse(localStorage.getItem(PENDING) || "null"); } catch (_) { p = null; }
    const left = p ? Math.round((p.until - Date.now()) / 1000) : 0;
    if (!p || !p.ticket || p.ticket.counter !== counter || left <= 0) return false;
    ask(p.ticket, left);
    if (p.screen === "why" && p.level) { level = p.level; askWhy(left); }
    return true;
  }
  async function send(level, reasons) {
    localStorage.removeItem(PENDING);
    try {
      await Motcua.api("POST", "/api/v1/ratings", { ticket: ticket.id, level, reasons });
      show("thanks", 5);
    } catch (e) {
      $("error-text").textContent = e.message;
      show("error", 5);
    }
  }
  function askWhy(secs) {
    $("why-list").replaceChildren(...boot.reasons.map((r) => Motcua.el("button", { class: "rate-skip", onclick: () => send(level, [r]) }, r)));
    show("why", secs);
    remember("why");
  }
  document.querySelectorAll(".rate-key").forEach((b) => b.addEventListener("click", () => {
    level = Number(b.dataset.level);
    if (level > 2) return send(level, []);
    askWhy(ASK_SECS);
  }));
  // Skipping the reason keeps the level the citizen pressed.
  $("why-skip").addEventListener("click", () => send(level, []));
  // A long press on the idle screen lets staff move the tablet to another counter.
  let press = null;
  $("idle").addEventListener("pointerdown", () => { press = setTimeout(pickCounter, 3000); });
  $("idle").addEventListener("pointerup", () => clearTimeout(press));

  Motcua.live((name, ev) => {
    const t = ev.ticket;
    if (!t || ev.action !== "finish" || t.counter !== counter) return;
    ask(t, ASK_SECS);
  }, ["ticket_changed"]);
  if (!resume()) idle();
})();
