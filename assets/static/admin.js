// Admin: center settings, service areas with their series, counters.
"use strict";
(function () {
  const boot = Motcua.boot();
  let settings = boot.settings;
  let areas = boot.areas;
  let counters = boot.counters;
  const $ = (id) => document.getElementById(id);
  // Feedback where the click was: beside the button last pressed (a message at the top of
  // a long page is never seen), or at the top when nothing was pressed.
  let lastButton = null;
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button, label.btn");
    if (b) lastButton = b;
  }, true);
  document.addEventListener("change", (e) => {
    const l = e.target.closest("label.btn");
    if (l) lastButton = l;
  }, true);
  const say = (t, ok) => {
    let m = $("msg");
    if (lastButton && lastButton.isConnected && lastButton.offsetParent !== null) {
      m = lastButton.nextElementSibling && lastButton.nextElementSibling.classList.contains("said") ? lastButton.nextElementSibling : null;
      if (!m) { m = Motcua.el("b", { class: "said msg", role: "status" }); lastButton.after(m); }
    }
    m.textContent = t;
    m.className = (m.id === "msg" ? "" : "said ") + "msg " + (ok ? "ok" : "err");
  };

  // One section at a time, picked from the menu (the address keeps it: #tai-khoan).
  const tabs = [...document.querySelectorAll("section.admin-tab")];
  function showTab(id) {
    const t = tabs.find((x) => x.dataset.tab === id) || tabs[0];
    for (const x of tabs) x.hidden = x !== t;
    for (const b of $("admin-nav").children) b.classList.toggle("primary", b.dataset.tab === t.dataset.tab);
  }
  $("admin-nav").replaceChildren(...tabs.map((t) => Motcua.el("button", { class: "btn", type: "button", "data-tab": t.dataset.tab,
    onclick: () => { history.replaceState(null, "", "#" + t.dataset.tab); showTab(t.dataset.tab); } }, t.dataset.title)));
  showTab(location.hash.slice(1));
  window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));

  function fillCenter() {
    const f = $("center-form");
    f.name.value = settings.name;
    f.notice.value = settings.notice;
    const p = settings.queue.priority_policy;
    f.policy.value = p.kind;
    f.every.value = p.kind === "interleave" ? p.every : 3;
    f.max_calls.value = settings.queue.max_calls;
    f.calls_before_no_show.value = settings.queue.calls_before_no_show;
    f.allow_call_specific.checked = settings.queue.allow_call_specific;
    f.pickups_first.checked = !!settings.queue.pickups_first;
    f.number_mode.value = settings.speech.number_mode;
    f.template.value = settings.speech.template;
    f.categories.value = settings.queue.priority_categories.map((c) => c.name).join("\n");
    f.width_dots.value = String(settings.ticket.width_dots);
    f.show_qr.checked = settings.ticket.show_qr;
    f.header_lines.value = settings.ticket.header_lines.join("\n");
    f.footer.value = settings.ticket.footer;
    f.agency.value = settings.dossier.agency;
    f.code_width.value = settings.dossier.code_width;
    f.agency_name.value = settings.dossier.agency_name;
    f.pickup.value = settings.dossier.pickup;
    f.place_name.value = settings.place_name || "";
    f.public_url.value = settings.public_url || "";
    $("reach-note").textContent = boot.reach || "";
  }

  $("center-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const s = structuredClone(settings);
    s.name = f.name.value;
    s.notice = f.notice.value;
    s.queue.priority_policy = f.policy.value === "interleave" ? { kind: "interleave", every: Number(f.every.value) } : { kind: "strict" };
    s.queue.max_calls = Number(f.max_calls.value);
    s.queue.calls_before_no_show = Number(f.calls_before_no_show.value);
    s.queue.allow_call_specific = f.allow_call_specific.checked;
    s.queue.pickups_first = f.pickups_first.checked;
    s.speech.number_mode = f.number_mode.value;
    s.speech.template = f.template.value;
    s.ticket = {
      width_dots: Number(f.width_dots.value),
      show_qr: f.show_qr.checked,
      header_lines: f.header_lines.value.split("\n").map((l) => l.trim()).filter(Boolean),
      footer: f.footer.value,
    };
    s.dossier = {
      agency: f.agency.value.trim().toUpperCase(),
      code_width: Number(f.code_width.value),
      agency_name: f.agency_name.value.trim(),
      pickup: f.pickup.value.trim(),
    };
    // One name per line; a kept name keeps its code (tickets already issued refer to
    // it), a new one gets a code made from its words.
    const known = new Map(settings.queue.priority_categories.map((c) => [c.name, c.code]));
    const slug = (n) => n.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 32) || "uu_tien";
    const used = new Set();
    s.queue.priority_categories = f.categories.value.split("\n").map((l) => l.trim()).filter(Boolean).map((name) => {
      let code = known.get(name) || slug(name);
      for (let i = 2; used.has(code); i++) code = slug(name) + "_" + i;
      used.add(code);
      return { code, name };
    });
    s.place_name = f.place_name.value.trim();
    s.public_url = f.public_url.value.trim().replace(/\/+$/, "");
    const msg = f.querySelector(".save-msg");
    try {
      settings = await Motcua.api("PUT", "/api/v1/settings", s);
      const r = await Motcua.api("GET", "/api/v1/settings/reach");
      boot.reach = r.explanation;
      $("reach-note").textContent = r.explanation;
      msg.textContent = "Đã lưu cấu hình trung tâm."; msg.className = "save-msg msg ok";
    } catch (e) { msg.textContent = e.message; msg.className = "save-msg msg err"; }
  });

  const windowsText = (ws) => ws.map((w) => w.start.slice(0, 5) + "-" + w.end.slice(0, 5)).join(", ");
  function parseWindows(text) {
    return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
      const [a, b] = s.split("-").map((x) => x.trim());
      return { start: a + ":00", end: b + ":00" };
    });
  }

  function areaRow(a) {
    const inp = (name, value, type) => Motcua.el("input", { name, value: value ?? "", type: type || "text" });
    const tr = Motcua.el("tr", {},
      Motcua.el("td", {}, inp("name", a.name)),
      Motcua.el("td", {}, inp("prefix", a.series.prefix)),
      Motcua.el("td", {}, inp("start", a.series.start, "number")),
      Motcua.el("td", {}, inp("end", a.series.end, "number")),
      Motcua.el("td", {}, inp("width", a.series.width, "number")),
      Motcua.el("td", {}, inp("cap", a.daily_cap, "number")),
      Motcua.el("td", {}, inp("windows", windowsText(a.windows))),
      Motcua.el("td", {}, Motcua.el("input", { name: "active", type: "checkbox", checked: a.active })),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small", onclick: () => saveArea(a.id, tr) }, "Lưu")));
    return tr;
  }

  async function saveArea(id, tr) {
    const v = (n) => tr.querySelector('[name="' + n + '"]');
    const body = {
      name: v("name").value,
      series: { prefix: v("prefix").value.trim().toUpperCase(), start: Number(v("start").value), end: Number(v("end").value), width: Number(v("width").value) },
      daily_cap: v("cap").value ? Number(v("cap").value) : null,
      windows: parseWindows(v("windows").value),
      active: v("active").checked,
    };
    try {
      if (id) await Motcua.api("PUT", "/api/v1/services/" + id, body);
      else await Motcua.api("POST", "/api/v1/services", body);
      areas = await Motcua.api("GET", "/api/v1/services");
      renderAreas();
      renderCounters();
      say("Đã lưu lĩnh vực " + body.name + ".", true);
    } catch (e) { say(e.message); }
  }

  // ── Accounts ──
  const ROLE_NAMES = { officer: "Cán bộ", leader: "Lãnh đạo", admin: "Quản trị" };
  let users = [];
  const tempPassword = () => {
    const a = "abcdefghjkmnpqrstuvwxyz23456789";
    const r = new Uint32Array(10);
    crypto.getRandomValues(r);
    return Array.from(r, (x) => a[x % a.length]).join("");
  };
  const note = (el, t, ok) => { el.textContent = t; el.className = "msg " + (ok ? "ok" : "err"); };

  function userRow(u) {
    const msg = Motcua.el("span", { class: "msg", role: "status" });
    const roleSel = Motcua.el("select", { name: "role" }, ...Object.entries(ROLE_NAMES).map(([v, t]) => Motcua.el("option", { value: v, selected: u.role === v }, t)));
    const checks = (name, items, chosen, label) => Motcua.el("div", { class: "checks" }, ...items.map((x) =>
      Motcua.el("label", { class: "check" }, Motcua.el("input", { type: "checkbox", name, value: x.id, checked: chosen.includes(x.id) }), " " + label(x))));
    const state = u.disabled ? "Đã khoá" : (u.must_change_password ? "Chưa đổi mật khẩu tạm" : "Đang làm việc");
    const tr = Motcua.el("tr", { class: u.disabled ? "disabled" : "" },
      Motcua.el("td", {}, Motcua.el("b", {}, u.username)),
      Motcua.el("td", {}, Motcua.el("input", { name: "display_name", value: u.display_name, maxlength: 80 })),
      Motcua.el("td", {}, roleSel),
      Motcua.el("td", {}, checks("counter", counters, u.counters, (c) => "Quầy " + c.number)),
      Motcua.el("td", {}, checks("area", areas, u.areas, (a) => a.name)),
      Motcua.el("td", {}, state),
      Motcua.el("td", { class: "actions" },
        Motcua.el("button", { class: "btn small primary", type: "button", onclick: () => saveUser(u, tr, msg, u.disabled) }, "Lưu"),
        Motcua.el("button", { class: "btn small", type: "button", onclick: () => resetPassword(u, msg) }, "Đặt lại mật khẩu"),
        Motcua.el("button", { class: "btn small warn", type: "button", onclick: () => saveUser(u, tr, msg, !u.disabled) }, u.disabled ? "Mở khoá" : "Khoá"),
        msg));
    return tr;
  }

  async function saveUser(u, tr, msg, disabled) {
    if (disabled && !u.disabled && !confirm("Khoá tài khoản " + u.username + "? Người này sẽ bị đăng xuất ngay và không đăng nhập được nữa.")) return;
    const body = {
      display_name: tr.querySelector('[name="display_name"]').value,
      role: tr.querySelector('[name="role"]').value,
      disabled,
      counters: [...tr.querySelectorAll('[name="counter"]:checked')].map((x) => Number(x.value)),
      areas: [...tr.querySelectorAll('[name="area"]:checked')].map((x) => Number(x.value)),
    };
    try {
      await Motcua.api("PUT", "/api/v1/users/" + encodeURIComponent(u.username), body);
      await loadUsers();
      const row = [...$("users").children].find((r) => r.dataset.user === u.username);
      const m = row && row.querySelector(".msg");
      if (m) note(m, disabled !== u.disabled ? (disabled ? "Đã khoá." : "Đã mở khoá.") : "Đã lưu.", true);
    } catch (e) { note(msg, e.message); }
  }

  async function resetPassword(u, msg) {
    const pw = tempPassword();
    if (!confirm("Đặt mật khẩu tạm mới cho " + u.username + "? Mật khẩu cũ hết hiệu lực.")) return;
    try {
      await Motcua.api("POST", "/api/v1/users/" + encodeURIComponent(u.username) + "/reset-password", { password: pw });
      note(msg, "Mật khẩu tạm: " + pw + " — đưa cho " + u.display_name + "; họ sẽ đổi khi đăng nhập.", true);
    } catch (e) { note(msg, e.message); }
  }

  async function loadUsers() {
    try { users = await Motcua.api("GET", "/api/v1/users"); } catch (e) { say(e.message); return; }
    $("users").replaceChildren(...users.map((u) => { const tr = userRow(u); tr.dataset.user = u.username; return tr; }));
  }

  $("user-form").password.value = tempPassword();
  $("user-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { username: f.username.value.trim(), display_name: f.display_name.value, role: f.role.value, password: f.password.value };
    try {
      await Motcua.api("POST", "/api/v1/users", body);
      note($("user-form-msg"), "Đã tạo tài khoản " + body.username + ". Mật khẩu tạm: " + body.password + " — đưa cho người dùng.", true);
      // Ready for the next person, who is most often an officer.
      f.username.value = ""; f.display_name.value = ""; f.role.value = "officer"; f.password.value = tempPassword();
      loadUsers();
    } catch (e) { note($("user-form-msg"), e.message); }
  });
  loadUsers();

  function renderAreas() { $("areas").replaceChildren(...areas.map(areaRow)); }

  function counterRow(c) {
    const tr = Motcua.el("tr", {},
      Motcua.el("td", {}, Motcua.el("input", { name: "number", type: "number", value: c.number })),
      Motcua.el("td", {}, Motcua.el("input", { name: "name", value: c.name })),
      Motcua.el("td", {}, ...areas.map((a) => Motcua.el("label", { class: "check" },
        Motcua.el("input", { type: "checkbox", name: "svc", value: a.id, checked: c.services.includes(a.id) }), " " + a.name + " "))),
      Motcua.el("td", {}, c.state ? ({ open: "Đang mở", paused: "Tạm ngưng", closed: "Đã đóng" })[c.state.state] : ""),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small", onclick: () => saveCounter(c.id, tr) }, "Lưu")));
    return tr;
  }

  async function saveCounter(id, tr) {
    const body = {
      number: Number(tr.querySelector('[name="number"]').value),
      name: tr.querySelector('[name="name"]').value,
      services: [...tr.querySelectorAll('[name="svc"]:checked')].map((x) => Number(x.value)),
    };
    try {
      if (id) await Motcua.api("PUT", "/api/v1/counters/" + id, body);
      else await Motcua.api("POST", "/api/v1/counters", body);
      counters = await Motcua.api("GET", "/api/v1/counters");
      renderCounters();
      say("Đã lưu " + body.name + ".", true);
    } catch (e) { say(e.message); }
  }

  function renderCounters() { $("counters").replaceChildren(...counters.map(counterRow)); }

  $("add-area").addEventListener("click", () => {
    $("areas").append(areaRow({ id: 0, name: "", series: { prefix: "E", start: 1, end: 999, width: 3 }, daily_cap: null, windows: [], active: true }));
  });
  $("add-counter").addEventListener("click", () => {
    $("counters").append(counterRow({ id: 0, number: counters.length + 1, name: "Quầy số " + (counters.length + 1), services: [], state: null }));
  });

  async function loadPrinter() {
    let p;
    try { p = await Motcua.api("GET", "/api/v1/printer"); } catch (e) { say(e.message); return; }
    $("printer-state").textContent = !p.configured
      ? "Chưa chọn máy in phiếu: bấm «Thiết bị USB đang cắm» hoặc nhập địa chỉ máy in bên dưới."
      : "Máy in: " + (p.simulated ? "mô phỏng (lưu ảnh phiếu)" : p.target === "usb" ? "cắm cổng USB" : p.target.startsWith("tcp:") ? "nối mạng, địa chỉ " + p.target.slice(4) : p.target) +
        " — " + (p.status_text || "chưa có trạng thái");
    const pf = $("printer-form");
    const t = p.configured ? p.target : "none";
    pf.kind.value = t === "usb" || t === "sim" || t === "none" ? t : t.startsWith("tcp:") ? "tcp" : "other";
    pf.ip.value = t.startsWith("tcp:") ? t.slice(4).replace(/:9100$/, "") : "";
    pf.target.value = pf.kind.value === "other" ? t : "";
    showPrinterFields();
    $("sim-faults").hidden = !p.simulated;
    if (p.sim_faults) for (const k of ["paper_out", "cover_open", "near_end"]) $("sim-faults").querySelector('[name="' + k + '"]').checked = p.sim_faults[k];
    let q = [];
    try { q = await Motcua.api("GET", "/api/v1/printer/queue"); } catch (_) { q = []; }
    $("print-queue").replaceChildren(...(q.length ? q.map((j) => Motcua.el("tr", {},
      Motcua.el("td", {}, "Phiếu " + j.ticket.number), Motcua.el("td", {}, j.last_error || "Đang chờ máy in"),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small warn", onclick: async () => {
        try { await Motcua.api("DELETE", "/api/v1/printer/queue/" + j.id); } catch (e) { say(e.message); }
        loadPrinter();
      } }, "Hủy lệnh in")))) : [Motcua.el("tr", {}, Motcua.el("td", { class: "empty-row" }, "Không có lệnh in nào đang chờ"))]));
    $("printer-jobs").replaceChildren(...p.recent_jobs.map((seq) =>
      Motcua.el("figure", {}, Motcua.el("img", { src: "/api/v1/printer/jobs/" + seq + "/png", alt: "Phiếu in số " + seq }), Motcua.el("figcaption", {}, "Lệnh in #" + seq))));
  }
  $("sim-faults").addEventListener("change", async () => {
    const body = { offline: false };
    for (const k of ["paper_out", "cover_open", "near_end"]) body[k] = $("sim-faults").querySelector('[name="' + k + '"]').checked;
    try { await Motcua.api("PUT", "/api/v1/printer/sim-faults", body); } catch (e) { say(e.message); }
    loadPrinter();
  });
  function showLogo() {
    const img = $("logo-preview");
    img.onerror = () => { img.hidden = true; };
    img.onload = () => { img.hidden = false; };
    img.src = "/api/v1/printer/logo?t=" + Date.now();
  }
  $("logo-file").addEventListener("change", async (ev) => {
    const f = ev.target.files && ev.target.files[0];
    if (!f) return;
    const r = await fetch("/api/v1/printer/logo", { method: "PUT", credentials: "same-origin", headers: { "Content-Type": "image/png" }, body: f });
    const v = await r.json().catch(() => ({}));
    if (r.ok) say(`Đã đặt logo ${v.width}×${v.height} chấm. Bấm «In thử một phiếu» để xem.`, true); else say(v.message || ("Lỗi " + r.status));
    ev.target.value = "";
    showLogo();
  });
  $("logo-clear").addEventListener("click", async () => {
    try { await Motcua.api("DELETE", "/api/v1/printer/logo"); say("Đã bỏ logo", true); } catch (e) { say(e.message); }
    showLogo();
  });
  showLogo();
  async function choosePrinter(target) {
    try {
      await Motcua.api("PUT", "/api/v1/printer", { target });
      say("Đã chọn máy in. Bấm «In thử một phiếu» để kiểm tra.", true);
    } catch (e) { say(e.message); }
    loadPrinter();
  }
  function showPrinterFields() {
    const pf = $("printer-form");
    for (const l of pf.querySelectorAll("label[data-for]")) l.hidden = l.dataset.for !== pf.kind.value;
  }
  $("printer-form").kind.addEventListener("change", showPrinterFields);
  $("printer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pf = ev.target;
    const ip = pf.ip.value.trim();
    const target = pf.kind.value === "tcp" ? "tcp:" + (ip.includes(":") ? ip : ip + ":9100")
      : pf.kind.value === "other" ? pf.target.value.trim() : pf.kind.value;
    if (pf.kind.value === "tcp" && !ip) { say("Cần nhập địa chỉ IP của máy in mạng (xem trên phiếu tự in của máy in)."); return; }
    choosePrinter(target);
  });
  $("usb-list").addEventListener("click", async () => {
    let r;
    try { r = await Motcua.api("GET", "/api/v1/devices/usb"); } catch (e) { say(e.message); return; }
    const roleName = { ticket_printer: "Máy in phiếu", ipp_usb: "Máy quét / máy in đa năng (IPP-USB)", other: "Khác" };
    $("usb-table").hidden = false;
    $("usb-devices").replaceChildren(...(r.devices.length ? r.devices.map((d) => Motcua.el("tr", {},
      Motcua.el("td", {}, d.vid_pid), Motcua.el("td", {}, d.product || "—", d.device_id ? Motcua.el("div", { class: "muted small" }, d.device_id) : null),
      Motcua.el("td", {}, roleName[d.role] || d.role), Motcua.el("td", {}, d.profile ? `${d.profile}, ${d.width_dots} chấm` : "—"),
      Motcua.el("td", {}, d.role === "ticket_printer" ? Motcua.el("button", { class: "btn small", type: "button", onclick: () => choosePrinter(d.config) }, "Dùng máy in này") : d.role === "ipp_usb" ? Motcua.el("code", {}, d.config) : "—"))) :
      [Motcua.el("tr", {}, Motcua.el("td", { colspan: "5", class: "empty-row" }, r.error ? "Không đọc được cổng USB: " + r.error : "Không thấy thiết bị USB nào"))]));
  });
  $("printer-test").addEventListener("click", async () => {
    try { await Motcua.api("POST", "/api/v1/printer/test"); say("Đã in thử.", true); } catch (e) { say(e.message); }
    loadPrinter();
  });

  const roleName = { kiosk: "Ki-ốt lấy số", display: "Màn hình TV", rating: "Thiết bị đánh giá" };
  const when = (iso) => iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—";
  async function loadDevices() {
    let ds;
    try { ds = await Motcua.api("GET", "/api/v1/devices"); } catch (e) { say(e.message); return; }
    $("devices").replaceChildren(...ds.map((d) => Motcua.el("tr", {},
      Motcua.el("td", {}, d.name), Motcua.el("td", {}, roleName[d.role] || d.role), Motcua.el("td", {}, when(d.paired_at)),
      Motcua.el("td", {}, d.revoked ? "Đã thu hồi" : when(d.last_seen)), Motcua.el("td", {}, d.last_addr || ""),
      Motcua.el("td", {}, d.revoked ? null : Motcua.el("button", { class: "btn small warn", onclick: async () => {
        if (!confirm("Thu hồi thiết bị " + d.name + "? Thiết bị sẽ phải ghép nối lại.")) return;
        try { await Motcua.api("DELETE", "/api/v1/devices/" + d.id); } catch (e) { say(e.message); }
        loadDevices();
      } }, "Thu hồi")))));
  }
  async function loadScanners() {
    let list;
    try { list = await Motcua.api("GET", "/api/v1/scanners"); } catch (e) { say(e.message); return; }
    $("scanners").replaceChildren(...list.map((sc) => {
      const state = Motcua.el("td", {}, "Đang hỏi máy…");
      Motcua.api("GET", "/api/v1/scanners/" + encodeURIComponent(sc.id) + "/status").then((v) => {
        state.textContent = v.online ? `${v.make_and_model} — ${v.state}${v.feeder ? " · " + v.feeder : ""}` : "Không kết nối được: " + (v.error || "");
      }).catch((e) => { state.textContent = e.message; });
      return Motcua.el("tr", {}, Motcua.el("td", {}, sc.name), Motcua.el("td", {}, sc.url), state,
        Motcua.el("td", {}, Motcua.el("button", { class: "btn small warn", onclick: async () => {
          if (!confirm("Bỏ máy quét " + sc.name + "?")) return;
          try { await Motcua.api("DELETE", "/api/v1/scanners/" + encodeURIComponent(sc.id)); } catch (e) { say(e.message); }
          loadScanners();
  const findScanners = (where) => async () => {
    const out = $("usb-found");
    out.textContent = "Đang tìm…";
    try {
      const r = await Motcua.api("GET", "/api/v1/scanners/" + where);
      if (r.error) { out.textContent = "Không tìm được: " + r.error; return; }
      if (!r.devices.length) { out.textContent = where === "usb" ? "Không thấy máy quét IPP-over-USB nào." : "Không thấy máy quét eSCL nào trong mạng LAN."; return; }
      out.replaceChildren(...r.devices.map((d) => Motcua.el("button", { class: "btn small", type: "button", onclick: () => {
        const f = $("scanner-form");
        f.name.value = d.name;
        f.url.value = d.url;
      } }, "Dùng " + d.name)));
    } catch (e) { out.textContent = e.message; }
  };
  $("usb-find").addEventListener("click", findScanners("usb"));
  $("lan-find").addEventListener("click", findScanners("lan"));
        } }, "Bỏ")));
    }));
  }
  $("scanner-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      await Motcua.api("POST", "/api/v1/scanners", { name: f.name.value, url: f.url.value });
      f.reset();
      say("Đã lưu máy quét", true);
      loadScanners();
    } catch (e) { say(e.message); }
  });
  loadScanners();

  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      const p = await Motcua.api("POST", "/api/v1/devices/pairings", { name: f.name.value, role: f.role.value });
      $("pair-code").textContent = "Mã: " + p.code + " — mở " + location.origin + "/pair trên thiết bị, hạn đến " + when(p.expires_at);
      loadDevices();
    } catch (e) { say(e.message); }
  });

  // Rows come worded by the server (said: who, action, detail), so an inspector reads
  // names and actions, not account keys and event types.
  let auditBefore = null;
  async function loadAudit(more) {
    const f = $("audit-form");
    const q = new URLSearchParams({ actor: f.actor.value.trim(), type: f.type.value, limit: "100" });
    if (f.day.value) q.set("day", f.day.value);
    if (more && auditBefore) q.set("before", String(auditBefore));
    let es;
    try { es = await Motcua.api("GET", "/api/v1/audit?" + q); } catch (e) { $("audit-result").textContent = e.message; return; }
    const rows = es.map((e) => Motcua.el("tr", {},
      Motcua.el("td", {}, String(e.seq)), Motcua.el("td", {}, when(e.at)), Motcua.el("td", {}, e.said.who),
      Motcua.el("td", {}, e.said.action), Motcua.el("td", {}, e.said.detail), Motcua.el("td", {}, e.actor.addr || "")));
    if (more) $("audit").append(...rows);
    else $("audit").replaceChildren(...(rows.length ? rows : [Motcua.el("tr", {}, Motcua.el("td", { class: "empty-row", colspan: "6" }, "Không có dòng nào khớp bộ lọc"))]));
    auditBefore = es.length ? es[es.length - 1].seq : auditBefore;
    $("audit-more").hidden = es.length < 100;
  }
  $("audit-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadAudit(false); });
  $("audit-more").addEventListener("click", () => loadAudit(true));
  $("audit-verify").addEventListener("click", async () => {
    try {
      const r = await Motcua.api("GET", "/api/v1/audit/verify");
      $("audit-result").textContent = r.ok ? "Chuỗi nhật ký toàn vẹn." : "CẢNH BÁO: chuỗi bị sửa hoặc xóa tại sự kiện #" + r.broken_at;
    } catch (e) { say(e.message); }
  });

  async function loadBackups() {
    let bs = [];
    try { bs = await Motcua.api("GET", "/api/v1/backups"); } catch (e) { say(e.message); return; }
    $("backups").replaceChildren(...(bs.length ? bs.map((b) => Motcua.el("tr", {},
      Motcua.el("td", {}, b.name), Motcua.el("td", {}, (b.size / 1024).toFixed(0) + " KB"),
      Motcua.el("td", {}, Motcua.el("a", { class: "btn small", href: "/api/v1/backups/" + encodeURIComponent(b.name), download: b.name }, "Tải về")))) :
      [Motcua.el("tr", {}, Motcua.el("td", { class: "empty-row" }, "Chưa có bản sao lưu"))]));
  }
  const kindName = { app: "Phần mềm", catalogue: "Danh mục thủ tục", calendar: "Lịch làm việc", voice: "Giọng đọc", keys: "Khoá ký" };
  const resultName = { installed: "Đã cài", rolled_back: "Đã quay lại bản cũ", refused: "Bị từ chối", failed: "Lỗi", applied: "Đã áp dụng", queued: "Chờ cài" };
  async function loadUpdates() {
    let st;
    try { st = await Motcua.api("GET", "/api/v1/updates"); } catch (e) { say(e.message); return; }
    $("update-state").textContent = `Đang chạy phiên bản ${st.version} (${st.arch}). Khoá tin cậy: ` +
      (st.trusted_keys.length ? st.trusted_keys.join(", ") : "chưa có — cán bộ CNTT huyện cài khoá tin cậy một lần khi lắp đặt") +
      (st.pending.length ? ` · Đang chờ cài: ${st.pending.join(", ")}` : "");
    $("updates").replaceChildren(...(st.history.length ? st.history.map((h) => Motcua.el("tr", {},
      Motcua.el("td", {}, when(h.at)), Motcua.el("td", {}, kindName[h.kind] || h.kind), Motcua.el("td", {}, h.version),
      Motcua.el("td", {}, resultName[h.result] || h.result), Motcua.el("td", {}, h.message))) :
      [Motcua.el("tr", {}, Motcua.el("td", { class: "empty-row", colspan: "5" }, "Chưa có lần cập nhật nào"))]));
  }
  $("update-file").addEventListener("change", async (ev) => {
    const f = ev.target.files && ev.target.files[0];
    if (!f) return;
    $("update-msg").textContent = "Đang kiểm tra chữ ký…";
    try {
      const r = await fetch("/api/v1/updates", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/octet-stream" }, body: f });
      const v = await r.json().catch(() => ({}));
      $("update-msg").textContent = r.ok ? v.message : (v.message || ("Lỗi " + r.status));
      $("update-msg").className = r.ok ? "ok" : "err";
    } catch (e) { $("update-msg").textContent = e.message; }
    ev.target.value = "";
    loadUpdates();
  });
  loadUpdates();

  // Dossier data: catalogue and calendar as JSON, the old tracking book as CSV.
  async function upload(input, send) {
    const f = input.files && input.files[0];
    input.value = "";
    if (!f) return;
    try { await send(await f.text()); } catch (e) { say(e.message); }
  }
  $("catalogue-file").addEventListener("change", (ev) => upload(ev.target, async (text) => {
    let body;
    try { body = JSON.parse(text); } catch (_) { say("Tệp danh mục không phải JSON hợp lệ"); return; }
    const r = await Motcua.api("PUT", "/api/v1/procedures", body);
    say("Đã nạp danh mục phiên bản " + r.version + ": " + r.procedures + " thủ tục, " + r.changed + " thay đổi", true);
  }));
  $("calendar-file").addEventListener("change", (ev) => upload(ev.target, async (text) => {
    let body;
    try { body = JSON.parse(text); } catch (_) { say("Tệp lịch không phải JSON hợp lệ"); return; }
    const r = await Motcua.api("PUT", "/api/v1/calendar", body);
    say("Đã nạp lịch làm việc " + r.version, true);
  }));
  $("book-file").addEventListener("change", (ev) => upload(ev.target, async (text) => {
    const r = await fetch("/api/v1/dossiers/import" + ($("book-synced").checked ? "?da_dong_bo=1" : ""), { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "text/csv; charset=utf-8", "Accept": "application/json" }, body: text });
    let data = null;
    try { data = await r.json(); } catch (_) { data = null; }
    const list = $("import-report");
    if (r.ok) {
      list.className = "msg ok";
      list.replaceChildren(Motcua.el("li", {}, "Đã nhập " + data.imported + " hồ sơ; " + data.duplicates + " hồ sơ đã có từ trước (bỏ qua)."));
    } else if (data && data.errors) {
      list.className = "msg err";
      list.replaceChildren(Motcua.el("li", {}, "Không nhập hồ sơ nào. Sửa các dòng sau rồi nạp lại:"),
        ...data.errors.slice(0, 200).map((e) => Motcua.el("li", {}, "Dòng " + e.line + ": " + e.reason)));
    } else {
      list.className = "msg err";
      list.replaceChildren(Motcua.el("li", {}, (data && data.message) || ("Lỗi " + r.status)));
    }
  }));

  $("backup-usb").addEventListener("click", async () => {
    const msg = $("backup-usb-msg");
    msg.className = "";
    msg.textContent = "Đang sao lưu và chép ra USB…";
    try {
      await Motcua.api("POST", "/api/v1/backups/usb");
      loadBackups();
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const st = await Motcua.api("GET", "/api/v1/backups/usb");
        if (st.result) {
          msg.textContent = st.result.message;
          msg.className = st.result.ok ? "ok" : "err";
          return;
        }
      }
      msg.textContent = "Chưa có kết quả: trình chép USB của máy chủ không chạy (chỉ có khi cài bằng gói .deb).";
      msg.className = "err";
    } catch (e) { msg.textContent = e.message; msg.className = "err"; }
  });
  $("backup-now").addEventListener("click", async () => {
    try { const b = await Motcua.api("POST", "/api/v1/backups"); say("Đã sao lưu: " + b.name, true); } catch (e) { say(e.message); }
    loadBackups();
  });

  fillCenter();
  loadBackups();
  renderAreas();
  renderCounters();
  loadPrinter();
  loadDevices();
  loadAudit(false);
})();
