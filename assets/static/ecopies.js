// Chứng thực bản sao điện tử: the request goes up as the PDF itself (the body), with who
// asks, what the original is and how many copies in the address; every problem is told.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  // The original scanned here: the job's PDF is taken by the request (scan=<id>).
  let scanned = null;
  const scanBtn = $("ecopy-scan");
  if (scanBtn) scanBtn.addEventListener("click", async () => {
    const say = (t, bad) => { $("ecopy-scan-msg").textContent = t; $("ecopy-scan-msg").className = bad ? "msg err" : "msg"; };
    scanned = null; scanBtn.disabled = true; say("Đang quét…");
    try {
      let r = await fetch("/api/v1/scans", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ scanner: $("ecopy-scanner").value, source: $("ecopy-source").value, color: "gray", dpi: 300 }) });
      let job = await r.json();
      if (!r.ok) throw new Error(job.message || ("Lỗi " + r.status));
      while (job.state === "running") {
        say("Đang quét… " + job.pages + " trang");
        r = await fetch("/api/v1/scans/" + job.id + "?after=" + job.version, { credentials: "same-origin", headers: { "Accept": "application/json" } });
        job = await r.json();
        if (!r.ok) throw new Error(job.message || ("Lỗi " + r.status));
      }
      if (job.state !== "done") throw new Error(job.error || "Quét không thành");
      scanned = job.id;
      say("Đã quét " + job.pages + " trang" + (job.error ? " (" + job.error + ")" : "") + ". Kiểm tra đủ trang rồi bấm Gửi trình ký.");
    } catch (e) { say(e.message, true); }
    scanBtn.disabled = false;
  });
  $("ecopy-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = $("ecopy-msg");
    const f = $("ecopy-file").files[0];
    const problems = [];
    if ($("ecopy-citizen").value.trim().length < 2) problems.push("Chưa nhập họ tên người yêu cầu");
    if ($("ecopy-document").value.trim().length < 3) problems.push("Chưa ghi bản chính là giấy tờ gì");
    if (!f && scanned === null) problems.push(scanBtn ? "Chưa quét bản chính (hoặc chọn tệp PDF)" : "Chưa chọn bản quét (PDF)");
    if (problems.length) { msg.textContent = problems.join("; "); msg.className = "msg err"; return; }
    const q = new URLSearchParams({ citizen: $("ecopy-citizen").value, document: $("ecopy-document").value, copies: $("ecopy-copies").value });
    if (!f && scanned !== null) q.set("scan", scanned);
    msg.textContent = "Đang gửi…"; msg.className = "msg";
    $("ecopy-send").disabled = true;
    let r, data = null;
    try {
      r = await fetch("/api/v1/ecopies?" + q, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/pdf", "Accept": "application/json" }, body: f || "" });
      try { data = await r.json(); } catch (_) { data = null; }
    } catch (e) { msg.textContent = "Không gửi được tệp: " + e.message; msg.className = "msg err"; $("ecopy-send").disabled = false; return; }
    $("ecopy-send").disabled = false;
    if (!r.ok) { msg.textContent = (data && data.message) || ("Lỗi " + r.status); msg.className = "msg err"; return; }
    location.href = "/chung-thuc?xong=yeu-cau#ecopy-" + data.id;
  });
})();
