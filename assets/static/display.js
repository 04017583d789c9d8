// TV board: per-counter current number, the last calls, a flash and the spoken
// announcement for each call. Announcements are queued so they never overlap.
"use strict";
(function () {
  const boot = Motcua.boot();
  const FLASH_MS = 8000;
  const HIGHLIGHT_MS = 20000;
  const counters = new Map(boot.counters.map((c) => [c.id, c]));
  const current = new Map(); // counter id -> {number, priority}
  let calls = boot.calls || [];
  const audio = document.getElementById("voice");
  const queue = [];
  let playing = false;
  let soundBlocked = false;
  // Every announcement source played, in order (read by the browser tests).
  window.motcuaPlayed = [];

  for (const t of (boot.called || []).concat(boot.serving || [])) {
    if (t.counter) current.set(t.counter, { number: t.number, priority: !!t.priority });
  }

  function renderTiles() {
    document.querySelectorAll(".tile").forEach((tile) => {
      const id = Number(tile.dataset.counter);
      const c = counters.get(id);
      const cur = current.get(id);
      const num = tile.querySelector(".tile-number");
      const prio = tile.querySelector(".tile-prio");
      tile.classList.remove("paused", "closed");
      num.textContent = "";
      prio.hidden = !(cur && cur.priority);
      if (c && c.state && c.state.state === "paused") {
        tile.classList.add("paused");
        num.textContent = "Tạm ngưng";
      } else if (c && c.state && c.state.state === "closed" && !cur) {
        tile.classList.add("closed");
        num.textContent = "—";
      } else if (cur) {
        num.textContent = cur.number;
      } else {
        num.textContent = "—";
      }
    });
  }

  function renderCalls() {
    const ol = document.getElementById("calls");
    document.getElementById("no-calls").hidden = calls.length > 0;
    ol.replaceChildren(...calls.slice(0, 8).map((c) =>
      Motcua.el("li", {}, Motcua.el("span", {}, c.number), Motcua.el("span", { class: "to" }, "→ Quầy " + c.counter_number))));
  }

  function flash(call) {
    const tile = document.querySelector('.tile[data-counter="' + call.counter + '"]');
    if (tile) {
      tile.classList.remove("flash");
      void tile.offsetWidth;
      tile.classList.add("flash");
      setTimeout(() => tile.classList.remove("flash"), HIGHLIGHT_MS);
    }
    document.getElementById("flash-number").textContent = call.number;
    document.getElementById("flash-counter").textContent = "ĐẾN QUẦY " + call.counter_number;
    const f = document.getElementById("flash");
    f.hidden = false;
    clearTimeout(flash.t);
    flash.t = setTimeout(() => { f.hidden = true; }, FLASH_MS);
  }

  function playNext() {
    if (playing || soundBlocked || queue.length === 0) return;
    const src = queue.shift();
    playing = true;
    audio.src = src;
    window.motcuaPlayed.push(src);
    const p = audio.play();
    if (p && p.catch) {
      p.catch(() => {
        // Autoplay refused: ask for one tap, keep the queue.
        queue.unshift(src);
        window.motcuaPlayed.pop();
        playing = false;
        soundBlocked = true;
        document.getElementById("sound").hidden = false;
      });
    }
  }
  audio.addEventListener("ended", () => { playing = false; playNext(); });
  audio.addEventListener("error", () => { playing = false; playNext(); });
  document.getElementById("sound").addEventListener("click", () => {
    soundBlocked = false;
    document.getElementById("sound").hidden = true;
    playNext();
  });

  Motcua.live((name, ev) => {
    if (name === "ticket_called") {
      const call = {
        seq: ev.seq, number: ev.ticket.number, counter: ev.counter, counter_number: ev.counter_number,
        priority: !!ev.ticket.priority, recall: ev.recall,
      };
      current.set(ev.counter, { number: call.number, priority: call.priority });
      calls = [call].concat(calls.filter((c) => c.seq !== call.seq)).slice(0, 8);
      renderTiles();
      renderCalls();
      flash(call);
      queue.push("/api/v1/announcements/" + ev.seq + "/audio");
      playNext();
    } else if (name === "ticket_changed") {
      // A finished ticket stays shown until the counter's next call; an absent,
      // moved or cancelled one leaves the tile.
      if (["no_show", "transfer", "cancel"].includes(ev.action)) {
        for (const [cid, cur] of current) if (cur.number === ev.ticket.number) current.delete(cid);
        renderTiles();
      }
    } else if (name === "counter_changed") {
      counters.set(ev.counter.id, ev.counter);
      if (!document.querySelector('.tile[data-counter="' + ev.counter.id + '"]')) location.reload();
      renderTiles();
    } else if (name === "settings_changed") {
      location.reload();
    }
  }, ["ticket_called", "ticket_changed", "counter_changed", "settings_changed"]);

  function tick() {
    const d = new Date();
    const o = { timeZone: "Asia/Ho_Chi_Minh" };
    document.getElementById("clock-time").textContent = d.toLocaleTimeString("vi-VN", { ...o, hour: "2-digit", minute: "2-digit", second: "2-digit" });
    document.getElementById("clock-date").textContent = d.toLocaleDateString("vi-VN", { ...o, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });
  }
  tick();
  setInterval(tick, 1000);
  renderTiles();
  renderCalls();
})();
