// The counter's rating tablet: idle until the officer finishes serving a ticket at this
// counter, then three keys; an unhappy citizen may pick a reason. One rating per ticket
// (the server refuses a second); the prompt goes back to idle after a minute untouched.
"use strict";
(function () {
  const boot = Motcua.boot();
  const KEY = "motcua.rating.counter";
  const ASK_SECS = 60;
  const screens = ["pick", "idle", "ask", "why", "thanks", "error"];
  const $ = (id) => document.getElementById(id);
  let counter = Number(localStorage.getItem(KEY)) || null;
  let ticket = null;
  let timer = null;

  function show(id, secs) {
    for (const s of screens) $(s).hidden = s !== id;
    clearTimeout(timer);
    if (secs) timer = setTimeout(() => show("idle"), secs * 1000);
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
  async function send(level, reasons) {
    try {
      await Motcua.api("POST", "/api/v1/ratings", { ticket: ticket.id, level, reasons });
      show("thanks", 5);
    } catch (e) {
      $("error-text").textContent = e.message;
      show("error", 5);
    }
  }
  document.querySelectorAll(".rate-key").forEach((b) => b.addEventListener("click", () => {
    const level = Number(b.dataset.level);
    if (level > 2) return send(level, []);
    $("why-list").replaceChildren(...boot.reasons.map((r) => Motcua.el("button", { class: "rate-skip", onclick: () => send(level, [r]) }, r)));
    show("why", ASK_SECS);
  }));
  $("why-skip").addEventListener("click", () => send(2, []));
  // A long press on the idle screen lets staff move the tablet to another counter.
  let press = null;
  $("idle").addEventListener("pointerdown", () => { press = setTimeout(pickCounter, 3000); });
  $("idle").addEventListener("pointerup", () => clearTimeout(press));

  Motcua.live((name, ev) => {
    const t = ev.ticket;
    if (!t || ev.action !== "finish" || t.counter !== counter) return;
    ticket = t;
    $("ask-number").textContent = t.number;
    $("ask-officer").textContent = (t.officer && boot.names[t.officer]) || "cán bộ";
    show("ask", ASK_SECS);
  }, ["ticket_changed"]);
  idle();
})();
