// TV board: per-counter current number, the last calls, a flash and the spoken
// announcement for each call. Announcements are queued so they never overlap, and the
// full-screen flash follows the voice: what is shown big is what is being spoken. The
// tiles and the list of calls show every call at once.
"use strict";
(function () {
  const boot = Motcua.boot();
  const FLASH_MS = 8000;      // without sound: how long one call is shown big
  const LINGER_MS = 2500;     // after its announcement ends, before the flash closes
  const HIGHLIGHT_MS = 20000;
  const counters = new Map(boot.counters.map((c) => [c.id, c]));
  const current = new Map(); // counter id -> {number, priority}
  let calls = boot.calls || [];
  const audio = document.getElementById("voice");
  const queue = [];
  let playing = false;
  let soundBlocked = false;
  // Every announcement source played, and every number shown big, in order (read by the
  // browser tests: the two lists must agree).
  window.motcuaPlayed = [];
  window.motcuaShown = [];

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
        num.textContent = "Tạm nghỉ";
      } else if (c && c.state && c.state.state === "closed" && !cur) {
        tile.classList.add("closed");
        num.textContent = "Đã đóng";
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

  /** The tile of the called counter lights up at once, whatever is being spoken. */
  function highlight(call) {
    const tile = document.querySelector('.tile[data-counter="' + call.counter + '"]');
    if (tile) {
      tile.classList.remove("flash");
      void tile.offsetWidth;
      tile.classList.add("flash");
      clearTimeout(tile.t);
      tile.t = setTimeout(() => tile.classList.remove("flash"), HIGHLIGHT_MS);
    }
  }

  /** The full-screen call: shown until closed by closeFlash (or after `ms`). */
  function showBig(call, ms) {
    document.getElementById("flash-number").textContent = call.number;
    document.getElementById("flash-counter").textContent = "ĐẾN QUẦY " + call.counter_number;
    const f = document.getElementById("flash");
    f.hidden = false;
    window.motcuaShown.push(call.number);
    clearTimeout(showBig.t);
    if (ms) showBig.t = setTimeout(() => { f.hidden = true; }, ms);
  }
  function closeFlash(after) {
    clearTimeout(showBig.t);
    showBig.t = setTimeout(() => { document.getElementById("flash").hidden = true; }, after);
  }

  // queue: {src, call}; the head is shown big while it is spoken.
  function playNext() {
    if (playing || soundBlocked || queue.length === 0) return;
    const item = queue.shift();
    playing = true;
    showBig(item.call, 0);
    audio.src = item.src;
    window.motcuaPlayed.push(item.src);
    const p = audio.play();
    if (p && p.catch) {
      p.catch(() => {
        // Autoplay refused: ask for one tap, keep the queue (the picture goes on alone).
        queue.unshift(item);
        window.motcuaPlayed.pop();
        playing = false;
        soundBlocked = true;
        document.getElementById("sound").hidden = false;
        closeFlash(FLASH_MS);
      });
    }
  }
  audio.addEventListener("ended", () => {
    playing = false;
    if (queue.length === 0 || soundBlocked) closeFlash(LINGER_MS);
    playNext();
  });
  // A clip that cannot be fetched or played: show the call for a while, then go on.
  audio.addEventListener("error", () => {
    setTimeout(() => { playing = false; if (queue.length === 0) closeFlash(0); playNext(); }, 3000);
  });
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
      highlight(call);
      queue.push({ src: "/api/v1/announcements/" + ev.seq + "/audio", call });
      // Without sound (the screen waits for a tap) the newest call is shown big at once.
      if (soundBlocked) showBig(call, FLASH_MS);
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
