// Counter desk: the officer picks a counter, opens it, and works the queue.
"use strict";
(function () {
  const boot = Motcua.boot();
  const areas = new Map(boot.areas.map((a) => [a.id, a]));
  let counters = new Map(boot.counters.map((c) => [c.id, c]));
  let counterId = Number(localStorage.getItem("motcua.counter")) || null;
  let snapshot = { waiting: [], called: [], serving: [] };
  let missed = [];
  // The kiosk printer's fault now, and today's tickets whose paper never came out.
  let paper = { problem: null, unprinted: [] };
  const unprinted = (t) => paper.unprinted.some((u) => u.ticket === t.id);
  const reprintBtn = (t) => Motcua.el("button", { class: "btn small", onclick: () => act(async () => {
    await Motcua.api("POST", "/api/v1/printer/reprint/" + t.id);
    say("Đã gửi lệnh in lại phiếu " + t.number + " ra máy in ở ki-ốt.", true);
  }) }, "In lại phiếu");
  const $ = (id) => document.getElementById(id);
  const PURPOSE = { pickup: "Nhận kết quả", supplement: "Bổ sung hồ sơ", fees: "Nộp phí, lệ phí" };
  const catName = (code) => (boot.categories.find((c) => c.code === code) || { name: code }).name;

  function say(text, ok) {
    const m = $("msg");
    m.textContent = text || "";
    m.className = "msg " + (ok ? "ok" : "err");
  }

  async function act(fn) {
    try {
      await fn();
      await refresh();
    } catch (e) {
      say(e.message);
    }
  }

  function counter() { return counters.get(counterId); }
  function mine(t) { const c = counter(); return c && c.services.includes(t.service); }
  function currentTicket() {
    return snapshot.serving.concat(snapshot.called).find((t) => t.counter === counterId) || null;
  }

  // The picker: each counter with who holds it; taken ones and ones not given to this
  // officer cannot be picked (the server refuses them too).
  function renderPicker() {
    const mineOnly = boot.my_counters || [];
    $("pick-list").replaceChildren(...[...counters.values()].map((c) => {
      const holder = c.state.officer;
      const mine = holder === boot.me;
      const allowed = mineOnly.length === 0 || mineOnly.includes(c.id);
      const who = holder ? (boot.names[holder] || holder) : "";
      const st = mine ? (c.state.state === "paused" ? "Bạn đang tạm ngưng — bấm để vào lại" : "Bạn đang mở — bấm để vào lại")
        : holder ? (c.state.state === "paused" ? "Tạm ngưng · " : "Đang mở · ") + who
        : !allowed ? "Không được giao cho bạn"
        : "Đang đóng — bấm để mở";
      return Motcua.el("button", { class: "btn pick" + (mine ? " primary" : ""), disabled: !allowed || (holder && !mine), onclick: () => pick(c.id) },
        Motcua.el("b", {}, "Quầy " + c.number + " — " + c.name), Motcua.el("small", {}, st));
    }));
  }

  function renderPaper() {
    const a = $("printer-alert");
    const n = paper.unprinted.length;
    a.hidden = !paper.problem && n === 0;
    a.textContent = (paper.problem ? "Máy in phiếu ở ki-ốt báo: «" + paper.problem + "». Công dân vẫn lấy được số và xem số trên màn hình ki-ốt. " : "") +
      (n ? n + " phiếu hôm nay chưa in được giấy (đánh dấu «chưa có phiếu» trong hàng chờ): không cần yêu cầu công dân xuất trình phiếu; bấm «In lại phiếu» nếu công dân cần." : "");
  }

  function render() {
    renderPaper();
    const c = counter();
    if (!c) { $("pick").hidden = false; $("desk").hidden = true; renderPicker(); return; }
    $("pick").hidden = true;
    $("desk").hidden = false;
    $("desk-name").textContent = "Quầy " + c.number + " — " + c.name;
    const st = c.state.state;
    const pill = $("desk-state");
    pill.textContent = st === "open" ? "Đang mở" : st === "paused" ? "Tạm ngưng: " + c.state.reason : "Đã đóng";
    pill.className = "pill " + st;
    const cur = currentTicket();
    $("cur-number").textContent = cur ? cur.number : "—";
    $("cur-number").classList.toggle("empty", !cur);
    $("cur-info").replaceChildren(cur
      ? (areas.get(cur.service) || {}).name + " · " + (cur.state === "called" ? "Đã gọi " + cur.calls.length + " lần" : "Đang phục vụ")
      : "Chưa có công dân tại quầy");
    if (cur && cur.priority) $("cur-info").append(" ", Motcua.el("span", { class: "prio-mark" }, "Ưu tiên: " + catName(cur.priority)));
    if (cur && cur.purpose) $("cur-info").append(" ", Motcua.el("span", { class: "pill open" }, PURPOSE[cur.purpose] || ""));
    if (cur && unprinted(cur)) $("cur-info").append(" ", Motcua.el("span", { class: "pill warn" }, "Chưa có phiếu giấy"), " ", reprintBtn(cur));
    const open = st === "open";
    $("act-next").disabled = !open || (cur && cur.state === "called");
    $("act-recall").disabled = !cur || cur.state !== "called";
    $("act-start").disabled = !cur || cur.state !== "called";
    $("act-finish").disabled = !cur;
    // Reception of a dossier for the citizen at the desk links the ticket to it.
    $("act-dossier").hidden = !cur || cur.state !== "serving" || !!cur.dossier;
    // A "receive result" ticket from the kiosk: open that dossier to hand the result over.
    $("act-result").hidden = !cur || !cur.dossier;
    if (cur && cur.dossier) {
      $("act-result").href = "/ho-so/" + encodeURIComponent(cur.dossier);
      $("act-result").textContent = "Mở hồ sơ " + cur.dossier + (cur.purpose === "pickup" || !cur.purpose ? " để trả kết quả" : " (" + PURPOSE[cur.purpose].toLowerCase() + ")");
    }
    $("act-dossier").href = cur ? "/ho-so/moi?ticket=" + cur.id : "/ho-so/moi";
    $("act-noshow").disabled = !cur || cur.state !== "called";
    $("act-transfer").disabled = !cur;
    $("act-pause").hidden = st !== "open";
    $("act-resume").hidden = st === "open";
    $("act-resume").textContent = st === "closed" ? "▶ Mở quầy" : "▶ Mở lại quầy";

    const waiting = snapshot.waiting.filter(mine);
    $("wait-count").textContent = waiting.length + " người";
    $("waiting").replaceChildren(...waiting.map((t) => Motcua.el("tr", {},
      Motcua.el("td", {}, Motcua.el("b", {}, t.number), t.priority ? Motcua.el("span", { class: "prio-mark", title: catName(t.priority) }, "Ưu tiên") : null,
        t.target_counter ? Motcua.el("span", { class: "pill" }, "chuyển đến quầy") : null,
        t.purpose ? Motcua.el("span", { class: "pill open" }, PURPOSE[t.purpose] || "") : null,
        unprinted(t) ? Motcua.el("span", { class: "pill warn", title: "Máy in lỗi khi cấp số này" }, "chưa có phiếu") : null),
      Motcua.el("td", {}, (areas.get(t.service) || {}).name || ""),
      Motcua.el("td", {}, Motcua.hhmm(t.issued_at)),
      Motcua.el("td", {}, Motcua.minutesSince(t.waiting_since) + " phút"),
      Motcua.el("td", {}, boot.allow_call_specific && open && !(cur && cur.state === "called")
        ? Motcua.el("button", { class: "btn small", onclick: () => act(() => Motcua.api("POST", "/api/v1/counters/" + counterId + "/call/" + t.id)) }, "Gọi số này")
        : null, unprinted(t) ? reprintBtn(t) : null))));
    if (waiting.length === 0) {
      $("waiting").replaceChildren(Motcua.el("tr", {}, Motcua.el("td", { colspan: "5", class: "empty-row" }, "Không có công dân nào đang chờ")));
    }
    $("missed").replaceChildren(...missed.filter(mine).map((t) => Motcua.el("tr", {},
      Motcua.el("td", {}, Motcua.el("b", {}, t.number)),
      Motcua.el("td", {}, t.state === "no_show" ? "Vắng mặt" : "Đã hủy"),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small", onclick: () => act(async () => {
        await Motcua.api("POST", "/api/v1/tickets/" + t.id + "/reactivate");
        missed = missed.filter((m) => m.id !== t.id);
      }) }, "Đưa lại hàng chờ")))));
  }

  Motcua.codeScanner(async (text) => {
    const c = Motcua.classifyCode(text);
    try {
      if (c.kind === "receipt" || c.kind === "dossier") {
        window.open("/ho-so/" + encodeURIComponent(await Motcua.dossierCodeOf(c)), "_blank");
      } else if (c.kind === "ticket" && counterId) {
        await act(() => Motcua.api("POST", "/api/v1/counters/" + counterId + "/call/" + c.id));
      } else if (c.kind === "card") {
        sessionStorage.setItem("motcua.card", c.payload);
        const cur = snapshot && snapshot.serving && snapshot.serving.find((t) => t.counter === counterId);
        location.href = cur ? "/ho-so/moi?ticket=" + cur.id : "/ho-so/moi";
      }
    } catch (e) { alert(e.message); }
  });

  async function refresh() {
    const [snap, cs, pp] = await Promise.all([Motcua.api("GET", "/api/v1/queue"), Motcua.api("GET", "/api/v1/counters"),
      Motcua.api("GET", "/api/v1/printer/paper").catch(() => paper)]);
    snapshot = snap;
    paper = pp;
    counters = new Map(cs.map((c) => [c.id, c]));
    render();
  }

  async function pick(id) {
    const c = counters.get(id);
    if (c && c.state.state === "closed") {
      try { await Motcua.api("POST", "/api/v1/counters/" + id + "/open"); } catch (e) {
        // Not opened: stay on the picker and say why (taken meanwhile, not this officer's).
        $("pick-msg").textContent = e.message;
        $("pick-msg").className = "msg err";
        counterId = null;
        localStorage.removeItem("motcua.counter");
        await refresh();
        return;
      }
    } else if (c && c.state.officer && c.state.officer !== boot.me) {
      counterId = null;
      localStorage.removeItem("motcua.counter");
      await refresh();
      return;
    }
    counterId = id;
    localStorage.setItem("motcua.counter", String(id));
    $("pick-msg").textContent = "";
    await refresh();
  }

  $("act-next").addEventListener("click", () => act(async () => {
    const t = await Motcua.api("POST", "/api/v1/counters/" + counterId + "/call-next");
    say(t ? "Đã gọi số " + t.number : "Không còn ai trong hàng chờ", true);
  }));
  // Every action says what it did, in the card where the officer clicked.
  const done = {
    recall: (t) => "Đã gọi lại số " + t.number,
    start: (t) => "Đang phục vụ số " + t.number,
    finish: (t) => "Đã kết thúc phục vụ số " + t.number + ". Bấm «Gọi số tiếp theo» khi sẵn sàng.",
    "no-show": (t) => "Số " + t.number + " vắng mặt — đã đưa vào danh sách vắng mặt bên phải",
    transfer: (t) => "Đã chuyển số " + t.number + " sang " + ((areas.get(t.service) || {}).name || "lĩnh vực khác") +
      (t.target_counter && counters.get(t.target_counter) ? ", quầy " + counters.get(t.target_counter).number : ""),
  };
  const ticketAction = (name, body) => act(async () => {
    const cur = currentTicket();
    if (!cur) return;
    const t = await Motcua.api("POST", "/api/v1/tickets/" + cur.id + "/" + name, body);
    if (t.state === "no_show" || t.state === "cancelled") missed.unshift(t);
    say((done[name] || (() => ""))(t), true);
  });
  $("act-recall").addEventListener("click", () => ticketAction("recall"));
  $("act-start").addEventListener("click", () => ticketAction("start"));
  $("act-finish").addEventListener("click", () => ticketAction("finish"));
  $("act-noshow").addEventListener("click", () => ticketAction("no-show"));
  $("act-pause").addEventListener("click", () => {
    const reason = prompt("Lý do tạm ngưng (ví dụ: họp, nghỉ giải lao):", "Nghỉ giải lao");
    if (reason) act(async () => {
      await Motcua.api("POST", "/api/v1/counters/" + counterId + "/pause", { reason });
      say("Quầy đang tạm ngưng: " + reason + ". Bấm «Mở lại quầy» khi quay lại.", true);
    });
  });
  $("act-resume").addEventListener("click", () => act(async () => {
    await Motcua.api("POST", "/api/v1/counters/" + counterId + "/open");
    say("Quầy đã mở, màn hình chờ hiện quầy đang phục vụ", true);
  }));
  $("act-close").addEventListener("click", () => {
    if (currentTicket() && !confirm("Quầy còn công dân đang được gọi/phục vụ. Vẫn đóng quầy?")) return;
    act(async () => {
      await Motcua.api("POST", "/api/v1/counters/" + counterId + "/close");
      say("Đã đóng quầy. Màn hình chờ hiện «Đã đóng».", true);
    });
  });
  $("act-switch").addEventListener("click", () => { counterId = null; localStorage.removeItem("motcua.counter"); render(); });
  $("act-transfer").addEventListener("click", () => {
    const cur = currentTicket();
    if (!cur) return;
    $("tr-number").textContent = cur.number;
    $("tr-service").replaceChildren(...[...areas.values()].map((a) => Motcua.el("option", { value: a.id, selected: a.id === cur.service }, a.name)));
    $("tr-counter").replaceChildren(Motcua.el("option", { value: "" }, "Bất kỳ quầy nào phục vụ lĩnh vực"),
      ...[...counters.values()].filter((c) => c.id !== counterId).map((c) => Motcua.el("option", { value: c.id }, "Quầy " + c.number + " — " + c.name)));
    $("tr-back").checked = false;
    $("transfer-dlg").showModal();
  });
  $("transfer-dlg").addEventListener("close", () => {
    if ($("transfer-dlg").returnValue !== "ok") return;
    const body = { service: Number($("tr-service").value), to_back: $("tr-back").checked };
    if ($("tr-counter").value) body.counter = Number($("tr-counter").value);
    ticketAction("transfer", body);
  });

  Motcua.live(() => { refresh().catch((e) => say(e.message)); },
    ["ticket_issued", "ticket_called", "ticket_changed", "counter_changed", "service_changed", "print_job_changed"]);
  if (counterId && counters.has(counterId)) pick(counterId); else refresh().catch(() => render());
  setInterval(render, 30000); // keep the waited minutes fresh
})();
