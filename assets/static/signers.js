// Chữ ký số của trung tâm: district IT sets up a signer (token, key file or remote
// account) and removes one. The key file goes up as base64 inside the JSON with its
// password; neither is kept by the page.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const msg = $("sg-msg");
  const kind = () => document.querySelector("input[name=sg-kind]:checked").value;
  function showKind() {
    document.querySelectorAll("[data-kind]").forEach((d) => { d.hidden = d.dataset.kind !== kind(); });
  }
  document.querySelectorAll("input[name=sg-kind]").forEach((r) => r.addEventListener("change", showKind));
  $("sg-id").addEventListener("change", () => { $("sg-title-row").hidden = $("sg-id").value === "co-quan"; });
  function say(text, err) { msg.textContent = text; msg.className = err ? "msg err" : "msg"; }
  function b64(buf) {
    let s = ""; const b = new Uint8Array(buf);
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return btoa(s);
  }
  $("signer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const k = kind();
    const body = { id: $("sg-id").value, title: $("sg-title").value, kind: k,
      module: $("sg-module").value, token: $("sg-token").value, key_label: $("sg-key-label").value,
      user_id: $("sg-user-id").value, secret: "", key_file: "" };
    const problems = [];
    if (!body.id) problems.push("Chọn người ký hoặc cơ quan");
    if (body.id && body.id !== "co-quan" && !body.title.trim()) problems.push("Ghi chức vụ in dưới chữ ký");
    if (k === "key_file") {
      const f = $("sg-file").files[0];
      if (!f) problems.push("Chọn tệp khóa .p12 hoặc .pfx");
      else body.key_file = b64(await f.arrayBuffer());
      body.secret = $("sg-password").value;
    } else if (k === "token") {
      body.secret = $("sg-pin").value;
    }
    const img = $("sg-image").files[0];
    if (img) body.image = b64(await img.arrayBuffer());
    if (problems.length) { say(problems.join("; "), true); return; }
    say("Đang đọc chứng thư…");
    $("sg-save").disabled = true;
    let r, data = null;
    try {
      r = await fetch("/api/v1/signers", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body) });
      try { data = await r.json(); } catch (_) { data = null; }
    } catch (e) { say("Không gửi được: " + e.message, true); $("sg-save").disabled = false; return; }
    $("sg-save").disabled = false;
    $("sg-password").value = ""; $("sg-pin").value = "";
    if (!r.ok) { say((data && data.message) || ("Lỗi " + r.status), true); return; }
    location.href = "/ky-so/cai-dat#signer-" + data.id;
    location.reload();
  });
  document.querySelectorAll("[data-remove]").forEach((b) => b.addEventListener("click", async () => {
    if (!confirm("Gỡ chữ ký số của " + b.dataset.name + "? Các tệp đã ký vẫn giữ nguyên chữ ký.")) return;
    const r = await fetch("/api/v1/signers/" + encodeURIComponent(b.dataset.remove), { method: "DELETE", credentials: "same-origin" });
    if (r.ok) location.reload();
    else { let d = null; try { d = await r.json(); } catch (_) {} say((d && d.message) || ("Lỗi " + r.status), true); }
  }));
  $("remote-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const m = $("rm-msg");
    const body = { url: $("rm-url").value, sp_id: $("rm-sp-id").value };
    if ($("rm-sp-password").value) body.sp_password = $("rm-sp-password").value;
    const r = await fetch("/api/v1/signers/remote-service", { method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body) });
    $("rm-sp-password").value = "";
    if (r.ok) { location.reload(); return; }
    let d = null; try { d = await r.json(); } catch (_) {}
    m.textContent = (d && d.message) || ("Lỗi " + r.status); m.className = "msg err";
  });
  $("tsa-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await fetch("/api/v1/signers/tsa", { method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify({ url: $("tsa-url").value }) });
    if (r.ok) { $("tsa-msg").textContent = "Đã lưu."; $("tsa-msg").className = "msg"; return; }
    let d = null; try { d = await r.json(); } catch (_) {}
    $("tsa-msg").textContent = (d && d.message) || ("Lỗi " + r.status); $("tsa-msg").className = "msg err";
  });
  showKind();
})();
