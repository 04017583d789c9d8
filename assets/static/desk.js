// Dossier desk pages (book, reception form, dossier screen): a code reader works without
// clicking into a field. A CCCD card fills the reception form; a receipt opens its dossier.
(function () {
  "use strict";
  const form = document.querySelector('form input[name="id_number"]') ? document.querySelector('input[name="id_number"]').form : null;
  let msg = document.getElementById("scan-msg");
  if (!msg) {
    msg = Motcua.el("p", { id: "scan-msg", class: "msg", role: "status", hidden: true });
    (document.querySelector("main") || document.body).prepend(msg);
  }
  const say = (text, ok) => { msg.hidden = false; msg.textContent = text; msg.className = "msg " + (ok ? "ok" : "err"); };

  async function fillFromCard(payload) {
    let card;
    try {
      card = await Motcua.api("POST", "/api/v1/citizen/card-qr", { payload });
    } catch (e) {
      say(e.message, false);
      return;
    }
    const set = (name, v) => { const i = form.querySelector('[name="' + name + '"]'); if (i && v) i.value = v; };
    set("name", card.name);
    set("id_number", card.id_number);
    set("address", card.address);
    say("Đã đọc thẻ CCCD: " + card.name + ", sinh ngày " + card.birth_date + ". Kiểm tra lại rồi nhập số điện thoại.", true);
    const phone = form.querySelector('[name="phone"]');
    if (phone) phone.focus();
  }

  // A card read on another screen (the counter) before this form was open.
  const stashed = sessionStorage.getItem("motcua.card");
  if (stashed && form) {
    sessionStorage.removeItem("motcua.card");
    fillFromCard(stashed);
  } else if (stashed && location.pathname === "/ho-so/moi") {
    say("Đã đọc thẻ CCCD. Chọn thủ tục, thông tin người nộp sẽ được điền sẵn.", true);
  }

  // The reception picker narrows as the officer types, ranked as the public search ranks
  // (no diacritics needed, citizens' words understood); Enter still searches on the server.
  const q = document.getElementById("proc-q");
  const list = document.getElementById("proc-list");
  if (q && list) {
    const items = [...list.children];
    let timer = null, asked = 0;
    const show = (codes) => {
      const byCode = new Map(items.map((li) => [li.dataset.code, li]));
      const shown = codes ? codes.filter((c) => byCode.has(c)).map((c) => byCode.get(c)) : items;
      for (const li of items) li.hidden = !shown.includes(li);
      list.replaceChildren(...shown, ...items.filter((li) => !shown.includes(li)));
      document.getElementById("proc-none").hidden = shown.length > 0;
    };
    q.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const text = q.value.trim();
        const n = ++asked;
        if (!text) return show(null);
        try {
          const hits = await Motcua.api("GET", "/api/v1/procedures/search?q=" + encodeURIComponent(text));
          if (n === asked) show(hits.map((h) => h.code));
        } catch (_) { /* keep the list as it is; Enter searches on the server */ }
      }, 150);
    });
  }

  Motcua.codeScanner(async (text) => {
    const c = Motcua.classifyCode(text);
    if (c.kind === "card") {
      if (form) return fillFromCard(c.payload);
      sessionStorage.setItem("motcua.card", c.payload);
      location.href = "/ho-so/moi";
    } else if (c.kind === "receipt" || c.kind === "dossier") {
      try {
        location.href = "/ho-so/" + encodeURIComponent(await Motcua.dossierCodeOf(c));
      } catch (e) { say(e.message, false); }
    } else {
      say("Mã vừa quét không phải thẻ CCCD hay giấy hẹn của trung tâm.", false);
    }
  });
})();
