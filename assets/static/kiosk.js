// Kiosk: one tap on an area issues a normal ticket; the priority button leads to the
// category, then the area. The result stays on screen a few seconds, then the start.
"use strict";
(function () {
  const RETURN_SECS = 10;
  let priority = null;
  let timer = null;
  let busy = false;

  const screens = ["start", "priority", "priority-area", "result", "catalog", "proc", "done", "fail"];
  function show(id) {
    for (const s of screens) document.getElementById(s).hidden = s !== id;
  }

  function reset() {
    clearInterval(timer);
    priority = null;
    busy = false;
    show("start");
  }

  function countdown(secs) {
    const c = document.getElementById("countdown");
    let left = secs;
    c.textContent = left;
    clearInterval(timer);
    timer = setInterval(() => {
      left -= 1;
      c.textContent = left;
      if (left <= 0) reset();
    }, 1000);
  }

  function waitText(secs) {
    if (secs === null || secs === undefined) return "Hiện chưa có quầy nào mở cho lĩnh vực này: mời quý công dân ngồi chờ, cán bộ sẽ gọi số khi mở quầy.";
    const m = Math.round(secs / 60);
    if (m < 1) return "Thời gian chờ dự kiến: dưới 1 phút";
    return "Thời gian chờ dự kiến: khoảng " + m + " phút";
  }

  async function issue(service, dossier) {
    if (busy) return;
    busy = true;
    try {
      const body = dossier ? { dossier, print: true } : { service: Number(service), priority, print: true };
      const t = await Motcua.api("POST", "/api/v1/tickets", body);
      const area = document.querySelector('.area-btn[data-service="' + t.service + '"] .area-name');
      document.getElementById("done-number").textContent = t.number;
      document.getElementById("done-area").textContent = area ? area.textContent : "";
      document.getElementById("done-ahead").textContent = t.waiting_ahead;
      document.getElementById("done-wait").textContent = waitText(t.estimated_wait_secs);
      const prio = document.getElementById("done-prio");
      const cat = priority && document.querySelector('.cat-btn[data-priority="' + priority + '"]');
      prio.hidden = !cat;
      if (cat) prio.textContent = "Ưu tiên: " + cat.textContent;
      // A return visit: say what the ticket is for (the counter sees it too).
      const PURPOSE = { pickup: "Nhận kết quả hồ sơ ", supplement: "Bổ sung hồ sơ ", fees: "Nộp phí, lệ phí cho hồ sơ " };
      if (t.purpose) { prio.hidden = false; prio.textContent = PURPOSE[t.purpose] + t.dossier; }
      const pr = document.getElementById("done-print");
      if (t.printed === true) {
        pr.textContent = "Mời nhận phiếu in bên dưới.";
        pr.className = "done-print";
      } else {
        pr.textContent = "Máy in phiếu đang gặp sự cố. Vui lòng ghi nhớ số này hoặc báo cán bộ tại quầy.";
        pr.className = "done-print warn";
      }
      show("done");
      countdown(RETURN_SECS);
    } catch (e) {
      const f = document.getElementById("fail-text");
      f.textContent = e.message || "Không lấy được số. Vui lòng báo cán bộ hướng dẫn.";
      // "Not ready yet, come back on …" is news, not a fault: said calmly, in blue.
      f.classList.toggle("info", e.code === "nothing_to_collect");
      show("fail");
      countdown(RETURN_SECS);
    } finally {
      busy = false;
    }
  }

  document.querySelectorAll("#start .area-btn").forEach((b) => b.addEventListener("click", () => { priority = null; issue(b.dataset.service); }));
  document.querySelectorAll("#priority-area .area-btn").forEach((b) => b.addEventListener("click", () => issue(b.dataset.service)));
  document.getElementById("priority-open").addEventListener("click", () => show("priority"));
  document.querySelectorAll(".cat-btn").forEach((b) => b.addEventListener("click", () => {
    priority = b.dataset.priority;
    document.getElementById("chosen-cat").textContent = b.textContent;
    show("priority-area");
  }));
  document.querySelectorAll("[data-back]").forEach((b) => b.addEventListener("click", reset));

  // Return visit: the receipt's code, typed on the keypad or by a scanner reading the
  // receipt's QR (it types the lookup link; the server resolves either), gets a
  // "receive result" ticket in the dossier's area.
  const codeInput = document.getElementById("result-code");
  const prefix = codeInput.value;
  document.getElementById("result-open").addEventListener("click", () => {
    codeInput.value = prefix;
    show("result");
    codeInput.focus();
  });
  document.querySelectorAll("#keypad .key").forEach((k) => k.addEventListener("click", () => {
    const v = k.dataset.key;
    codeInput.value = v === "⌫" ? codeInput.value.slice(0, -1) : codeInput.value + v;
    codeInput.focus();
  }));
  const goResult = () => {
    const code = codeInput.value.trim().toUpperCase();
    if (code.length > prefix.length) issue(null, code);
  };
  document.getElementById("result-go").addEventListener("click", goResult);
  codeInput.addEventListener("keydown", (e) => { if (e.key === "Enter") goResult(); });
  // A receipt held under the kiosk's code reader works from any screen.
  Motcua.codeScanner((text) => {
    const c = Motcua.classifyCode(text);
    if (c.kind === "receipt" || c.kind === "dossier") issue(null, text);
  });

  // "Tra cứu thủ tục": area → procedure → its papers, with print and take-a-number.
  // Read fresh from the server each time, so a catalogue change shows at once.
  const catQ = document.getElementById("cat-q");
  const catList = document.getElementById("cat-list");
  const catAreas = document.querySelector("#catalog .cat-areas");
  let procs = [];
  let current = null;
  let searchTimer = null;
  async function loadProcs(q) {
    procs = await Motcua.api("GET", "/api/v1/procedures/search?q=" + encodeURIComponent(q || ""));
    return procs;
  }
  function listProcs(list) {
    catAreas.hidden = true;
    catList.hidden = false;
    catList.replaceChildren(...(list.length ? list.map((p) => Motcua.el("button", { class: "proc-btn", onclick: () => openProc(p) },
      Motcua.el("b", {}, p.name), Motcua.el("span", {}, p.area_name))) : [Motcua.el("p", { class: "kiosk-hint" }, "Không tìm thấy thủ tục phù hợp")]));
  }
  function openProc(p) {
    current = p;
    document.getElementById("proc-name").textContent = p.name;
    document.getElementById("proc-sub").textContent = p.area_name + " · Mã " + p.code;
    document.getElementById("proc-papers").replaceChildren(...p.papers.map((x) =>
      Motcua.el("li", {}, x.name, " ", Motcua.el("span", { class: "kind" }, "(" + ({ original: "Bản chính", copy: "Bản sao", certified_copy: "Bản sao chứng thực" }[x.kind] || x.kind) + ": " + x.count + ")"))));
    const fee = p.fee_vnd === 0 ? "Miễn phí" : p.fee_vnd ? p.fee_vnd.toLocaleString("vi-VN") + " đồng" : (p.fee_note || "Không");
    const facts = [["Thời hạn", p.duration.unit === "same_day15h" ? "Trong ngày (nhận sau 15 giờ: ngày làm việc tiếp theo)" : p.duration.amount + " ngày làm việc"],
      ["Phí, lệ phí", fee + (p.fee_vnd && p.fee_note ? " (" + p.fee_note + ")" : "")], ["Nộp tại", p.counters.join("; ")],
      ["Nộp trực tuyến", { full: "Toàn trình", partial: "Một phần", info_only: "Không" }[p.online_level] || ""]];
    document.getElementById("proc-facts").replaceChildren(...facts.flatMap(([k, v]) => [Motcua.el("dt", {}, k), Motcua.el("dd", {}, v)]));
    document.getElementById("proc-msg").textContent = "";
    show("proc");
  }
  document.getElementById("catalog-open").addEventListener("click", async () => {
    catQ.value = "";
    catAreas.hidden = false;
    catList.hidden = true;
    show("catalog");
    try { await loadProcs(""); } catch (e) { catList.hidden = false; catList.textContent = e.message; }
  });
  document.querySelectorAll("[data-cat-area]").forEach((b) => b.addEventListener("click", () => {
    listProcs(procs.filter((p) => String(p.area) === b.dataset.catArea));
  }));
  document.querySelectorAll("#letters .key").forEach((k) => k.addEventListener("click", () => {
    const v = k.dataset.key;
    catQ.value = v === "⌫" ? catQ.value.slice(0, -1) : catQ.value + (v === "␣" ? " " : v);
    catQ.dispatchEvent(new Event("input"));
  }));
  catQ.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const q = catQ.value.trim();
    if (!q) { catAreas.hidden = false; catList.hidden = true; return; }
    searchTimer = setTimeout(async () => { try { listProcs(await loadProcs(q)); } catch (_) { /* keep the last list */ } }, 200);
  });
  document.getElementById("proc-back").addEventListener("click", () => show("catalog"));
  document.getElementById("proc-print").addEventListener("click", async () => {
    const msg = document.getElementById("proc-msg");
    msg.textContent = "Đang in…";
    try {
      const r = await Motcua.api("POST", "/api/v1/procedures/" + encodeURIComponent(current.code) + "/print");
      msg.textContent = r.printed ? "Mời nhận danh sách giấy tờ in bên dưới." : ("Chưa in được: " + (r.print_error || "máy in gặp sự cố"));
      msg.className = r.printed ? "done-print" : "done-print warn";
    } catch (e) { msg.textContent = e.message; msg.className = "done-print warn"; }
  });
  document.getElementById("proc-ticket").addEventListener("click", () => { priority = null; issue(current.area); });

  function tick() {
    const d = new Date();
    document.getElementById("clock").textContent =
      d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }
  tick();
  setInterval(tick, 5000);
  // Areas, counters or settings changed: show them (only when idle on the start screen),
  // so each area's line (who serves, issuing hours) stays true.
  const idleReload = () => { if (!document.getElementById("start").hidden) location.reload(); else setTimeout(idleReload, 5000); };
  Motcua.live(idleReload, ["service_changed", "settings_changed", "counter_changed"]);
  // An issuing window opens or closes at refresh_at (HH:MM, Vietnam time): refresh then.
  const at = document.body.dataset.refreshAt;
  if (at) {
    const [h, m] = at.split(":").map(Number);
    const now = new Date();
    const vn = new Date(now.getTime() + (now.getTimezoneOffset() + 420) * 60000);
    const ms = ((h * 60 + m) - (vn.getHours() * 60 + vn.getMinutes())) * 60000 - vn.getSeconds() * 1000 + 1000;
    if (ms > 0) setTimeout(idleReload, ms);
  }
})();
