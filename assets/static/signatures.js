// Kiểm tra chữ ký số: the chosen PDF goes to the server as it is; each signature's verdict
// comes back in Vietnamese.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  // "D:20260305083000+07'00'" → "08:30:00 ngày 05/03/2026 (+07:00)".
  function when(m) {
    const x = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(.*)$/.exec(m || "");
    if (!x) return m || "";
    const zone = x[7].startsWith("Z") ? "UTC" : x[7].replace(/'/g, ":").replace(/:$/, "");
    return x[4] + ":" + x[5] + ":" + x[6] + " ngày " + x[3] + "/" + x[2] + "/" + x[1] + (zone ? " (" + zone + ")" : "");
  }
  const CLASS = { hop_le: "ok", khong_hop_le: "late", khong_xac_dinh: "warn" };
  const LABEL = { hop_le: "Hợp lệ", khong_hop_le: "Không hợp lệ", khong_xac_dinh: "Không xác định" };
  $("sig-file").addEventListener("change", async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    $("sig-msg").textContent = "Đang kiểm tra…";
    $("sig-msg").className = "msg";
    let r, data = null;
    try {
      r = await fetch("/api/v1/signatures/verify", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/pdf", "Accept": "application/json" }, body: f });
      try { data = await r.json(); } catch (_) { data = null; }
    } catch (e) { $("sig-msg").textContent = "Không gửi được tệp: " + e.message; $("sig-msg").className = "msg err"; return; }
    ev.target.value = "";
    if (!r.ok) {
      $("sig-result").hidden = true;
      $("sig-msg").textContent = (data && data.message) || ("Lỗi " + r.status);
      $("sig-msg").className = "msg err";
      return;
    }
    const all = data.every((s) => s.verdict === "hop_le");
    $("sig-msg").textContent = "";
    $("sig-title").textContent = f.name + ": " + data.length + " chữ ký — " + (all ? "tất cả hợp lệ" : "có chữ ký không hợp lệ hoặc không xác định");
    $("sig-rows").replaceChildren(...data.map((s, i) => Motcua.el("tr", {},
      Motcua.el("td", {}, String(i + 1)),
      Motcua.el("td", {}, Motcua.el("b", { class: "tag " + (CLASS[s.verdict] || "") }, LABEL[s.verdict] || s.verdict)),
      Motcua.el("td", {}, s.signer), Motcua.el("td", {}, s.organisation), Motcua.el("td", {}, when(s.time)),
      Motcua.el("td", {}, s.reason), Motcua.el("td", { class: "mono small" }, s.fingerprint))));
    $("sig-result").hidden = false;
  });
})();
