// Dossier screen: scan papers into the dossier, upload files, remove a wrong scan.
// The server does the work; this only starts jobs and shows pages as they arrive.
(function () {
  "use strict";
  var box = document.getElementById("so-hoa");
  if (!box) return;
  var code = box.dataset.code;
  var $ = function (id) { return document.getElementById(id); };

  function say(row, text, bad) {
    var live = row.querySelector(".scan-live");
    live.textContent = text;
    live.className = "scan-live" + (bad ? " err" : "");
  }

  function api(method, url, body, type) {
    var opt = { method: method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      opt.body = body;
      opt.headers["Content-Type"] = type || "application/json";
    }
    return fetch(url, opt).then(function (r) {
      return r.text().then(function (t) {
        var v = null;
        try { v = t ? JSON.parse(t) : null; } catch (e) { v = null; }
        if (!r.ok) throw new Error((v && v.message) || ("Lỗi " + r.status));
        return v;
      });
    });
  }

  // What the selected scanner says about itself (feeder loaded? online?).
  function deviceStatus() {
    var sel = $("scan-scanner");
    if (!sel) return;
    api("GET", "/api/v1/scanners/" + encodeURIComponent(sel.value) + "/status").then(function (v) {
      $("scan-device").textContent = v.online
        ? (v.make_and_model || "") + " — " + (v.state || "") + (v.feeder ? " · " + v.feeder : "")
        : "Không kết nối được máy quét: " + (v.error || "");
    }).catch(function (e) { $("scan-device").textContent = e.message; });
  }
  if ($("scan-scanner")) {
    $("scan-scanner").addEventListener("change", deviceStatus);
    deviceStatus();
  }

  function follow(row, job) {
    var thumbs = row.querySelector(".thumbs");
    if (!thumbs) {
      thumbs = document.createElement("div");
      thumbs.className = "thumbs";
      row.querySelector(".scan-live").before(thumbs);
    }
    var shown = 0;
    (function poll(v) {
      while (shown < v.pages) {
        shown++;
        var img = document.createElement("img");
        img.alt = "Trang mới " + shown;
        img.className = "new";
        img.src = "/api/v1/scans/" + v.id + "/pages/" + shown;
        thumbs.appendChild(img);
      }
      if (v.state === "running") {
        say(row, "Đang quét… " + v.pages + " trang");
        api("GET", "/api/v1/scans/" + v.id + "?after=" + v.version).then(poll)
          .catch(function (e) { say(row, e.message, true); });
        return;
      }
      if (v.state === "done") {
        say(row, "Đã lưu " + v.pages + " trang vào hồ sơ." + (v.error ? " Lưu ý: " + v.error : ""), !!v.error);
        setTimeout(function () { location.reload(); }, v.error ? 4000 : 800);
      } else {
        say(row, (v.state === "cancelled" ? "Đã huỷ. " : "Không quét được: ") + (v.error || ""), true);
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      }
    })(job);
  }

  box.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button");
    if (!btn) return;
    var row = btn.closest("tr[data-slot]");
    if (!row) return;
    var slot = row.dataset.slot;
    if (btn.hasAttribute("data-scan") || btn.hasAttribute("data-rescan")) {
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      say(row, "Đang gửi lệnh quét…");
      api("POST", "/api/v1/dossiers/" + code + "/scans", JSON.stringify({
        scanner: $("scan-scanner").value,
        slot: slot,
        source: $("scan-source").value,
        color: $("scan-color").value,
        dpi: parseInt($("scan-dpi").value, 10),
        append: !btn.hasAttribute("data-rescan")
      })).then(function (job) { follow(row, job); }).catch(function (e) {
        say(row, e.message, true);
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      });
    } else if (btn.hasAttribute("data-remove")) {
      if (!confirm("Xoá bản số hoá của giấy tờ này? (Việc xoá được ghi vào quá trình xử lý)")) return;
      api("DELETE", "/api/v1/dossiers/" + code + "/files/" + slot).then(function () { location.reload(); })
        .catch(function (e) { say(row, e.message, true); });
    }
  });

  box.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.hasAttribute || !input.hasAttribute("data-upload") || !input.files.length) return;
    var row = input.closest("tr[data-slot]");
    var file = input.files[0];
    say(row, "Đang tải lên " + file.name + "…");
    api("PUT", "/api/v1/dossiers/" + code + "/files/" + row.dataset.slot + "?filename=" + encodeURIComponent(file.name),
        file, file.type || "application/octet-stream")
      .then(function () { location.reload(); })
      .catch(function (e) { say(row, e.message, true); input.value = ""; });
  });
})();
