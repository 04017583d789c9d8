// Chứng thực bản sao điện tử: the request goes up as the PDF itself (the body), with who
// asks, what the original is and how many copies in the address; every problem is told.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  $("ecopy-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = $("ecopy-msg");
    const f = $("ecopy-file").files[0];
    const problems = [];
    if ($("ecopy-citizen").value.trim().length < 2) problems.push("Chưa nhập họ tên người yêu cầu");
    if ($("ecopy-document").value.trim().length < 3) problems.push("Chưa ghi bản chính là giấy tờ gì");
    if (!f) problems.push("Chưa chọn bản quét (PDF)");
    if (problems.length) { msg.textContent = problems.join("; "); msg.className = "msg err"; return; }
    const q = new URLSearchParams({ citizen: $("ecopy-citizen").value, document: $("ecopy-document").value, copies: $("ecopy-copies").value });
    msg.textContent = "Đang gửi…"; msg.className = "msg";
    $("ecopy-send").disabled = true;
    let r, data = null;
    try {
      r = await fetch("/api/v1/ecopies?" + q, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/pdf", "Accept": "application/json" }, body: f });
      try { data = await r.json(); } catch (_) { data = null; }
    } catch (e) { msg.textContent = "Không gửi được tệp: " + e.message; msg.className = "msg err"; $("ecopy-send").disabled = false; return; }
    $("ecopy-send").disabled = false;
    if (!r.ok) { msg.textContent = (data && data.message) || ("Lỗi " + r.status); msg.className = "msg err"; return; }
    location.href = "/chung-thuc?xong=yeu-cau#ecopy-" + data.id;
  });
})();
