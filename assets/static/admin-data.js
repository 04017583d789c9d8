// Admin: the procedure catalogue and the working calendar, edited one entry at a time.
// Each save sends the whole catalogue (or calendar) back, so the server checks it exactly
// as it checks an imported file; JSON files stay available for district IT.
"use strict";
(function () {
  const boot = Motcua.boot();
  const $ = (id) => document.getElementById(id);
  const areaName = (id) => (boot.areas.find((a) => a.id === id) || { name: "lĩnh vực " + id }).name;

  // A message beside the button that was pressed.
  function note(button, text, ok) {
    let m = button.nextElementSibling;
    if (!m || !m.classList.contains("said")) { m = Motcua.el("b", { class: "said msg", role: "status" }); button.after(m); }
    m.textContent = text;
    m.className = "said msg " + (ok ? "ok" : "err");
  }

  // ---------- procedures ----------
  let procs = [];
  let editing = null; // the code being edited, "" for a new one
  const UNIT = { working_days: " ngày làm việc", calendar_days: " ngày", working_hours: " giờ làm việc" };
  const timeText = (d) => d.unit === "same_day15h" ? "Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)" : d.amount + UNIT[d.unit];
  const vnd = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const feeText = (p) => (p.fee_vnd === null || p.fee_vnd === undefined ? "Không thu" : p.fee_vnd === 0 ? "Miễn phí" : vnd(p.fee_vnd) + " đồng") +
    (p.fee_note ? " — " + p.fee_note : "");
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();

  async function loadProcs() {
    try { procs = (await Motcua.api("GET", "/api/v1/procedures")).procedures; } catch (e) { procs = []; }
    renderProcs();
  }
  function renderProcs() {
    const q = fold($("proc-filter").value.trim());
    const shown = procs.filter((p) => !q || fold(p.name + " " + p.code).includes(q));
    $("proc-rows").replaceChildren(...(shown.length ? shown.map((p) => Motcua.el("tr", { "data-code": p.code },
      Motcua.el("td", {}, Motcua.el("b", {}, p.name), Motcua.el("br"), Motcua.el("span", { class: "muted" }, p.code)),
      Motcua.el("td", {}, areaName(p.area)), Motcua.el("td", {}, timeText(p.duration)), Motcua.el("td", {}, feeText(p)),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small", type: "button", onclick: () => edit(p.code) }, "Sửa")))) :
      [Motcua.el("tr", {}, Motcua.el("td", { colspan: "5", class: "empty-row" }, "Không có thủ tục nào khớp"))]));
  }
  $("proc-filter").addEventListener("input", renderProcs);

  const KINDS = [["original", "Bản chính"], ["copy", "Bản sao"], ["certified_copy", "Bản sao có chứng thực"]];
  function paperRow(x) {
    return Motcua.el("tr", {},
      Motcua.el("td", {}, Motcua.el("input", { name: "paper_name", value: x.name, maxlength: "300", required: true })),
      Motcua.el("td", {}, Motcua.el("select", { name: "paper_kind" }, ...KINDS.map(([v, l]) => Motcua.el("option", { value: v, selected: v === x.kind }, l)))),
      Motcua.el("td", {}, Motcua.el("input", { name: "paper_count", type: "number", min: "1", max: "99", value: String(x.count) })),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small warn", type: "button", onclick: (e) => e.target.closest("tr").remove() }, "Bỏ")));
  }
  function showParts() {
    const f = $("proc-form");
    f.querySelector('[data-unit="amount"]').hidden = f.unit.value === "same_day15h";
    f.querySelector('[data-unit="extra"]').hidden = f.unit.value !== "same_day15h";
    f.querySelector('[data-fee="amount"]').hidden = f.fee_kind.value !== "amount";
  }
  function edit(code) {
    const f = $("proc-form");
    const p = procs.find((x) => x.code === code) || {
      code: "", name: "", area: boot.areas[0] ? boot.areas[0].id : 1, duration: { amount: 3, unit: "working_days", extra_working_days: 0 },
      fee_vnd: null, fee_note: "", papers: [{ name: "Tờ khai", kind: "original", count: 1 }], result_type: "", online_level: "partial", legal_basis: "", portal_url: "",
    };
    editing = code;
    $("proc-form-title").textContent = code ? "Sửa thủ tục: " + p.name : "Thêm thủ tục";
    f.area.replaceChildren(...boot.areas.map((a) => Motcua.el("option", { value: a.id, selected: a.id === p.area }, a.name)));
    f.code.value = p.code; f.code.readOnly = !!code;
    f.name.value = p.name;
    f.online_level.value = p.online_level;
    f.unit.value = p.duration.unit;
    f.amount.value = p.duration.amount || 1;
    f.extra_working_days.value = p.duration.extra_working_days || 0;
    f.fee_kind.value = p.fee_vnd === null || p.fee_vnd === undefined ? "none" : p.fee_vnd === 0 ? "free" : "amount";
    f.fee_vnd.value = p.fee_vnd || "";
    f.fee_note.value = p.fee_note || "";
    f.result_type.value = p.result_type;
    f.legal_basis.value = p.legal_basis;
    f.portal_url.value = p.portal_url || "";
    $("proc-papers").replaceChildren(...p.papers.map(paperRow));
    $("proc-delete").hidden = !code;
    for (const m of f.querySelectorAll(".said")) m.remove();
    f.hidden = false;
    showParts();
    f.scrollIntoView({ block: "start" });
    f.name.focus();
  }
  $("proc-form").unit.addEventListener("change", showParts);
  $("proc-form").fee_kind.addEventListener("change", showParts);
  $("proc-add").addEventListener("click", () => edit(""));
  $("proc-cancel").addEventListener("click", () => { $("proc-form").hidden = true; });
  $("proc-paper-add").addEventListener("click", () => $("proc-papers").append(paperRow({ name: "", kind: "original", count: 1 })));

  function formProcedure(f) {
    const fee = f.fee_kind.value === "none" ? null : f.fee_kind.value === "free" ? 0 : Number(f.fee_vnd.value.replace(/[.\s]/g, ""));
    const sameDay = f.unit.value === "same_day15h";
    return {
      code: f.code.value.trim(),
      name: f.name.value.trim(),
      area: Number(f.area.value),
      duration: { amount: sameDay ? 0 : Number(f.amount.value), unit: f.unit.value, extra_working_days: sameDay ? Number(f.extra_working_days.value || 0) : 0 },
      fee_vnd: fee,
      fee_note: f.fee_note.value.trim(),
      papers: [...$("proc-papers").children].map((tr) => ({
        name: tr.querySelector('[name="paper_name"]').value.trim(),
        kind: tr.querySelector('[name="paper_kind"]').value,
        count: Number(tr.querySelector('[name="paper_count"]').value),
      })),
      result_type: f.result_type.value.trim(),
      online_level: f.online_level.value,
      legal_basis: f.legal_basis.value.trim(),
      portal_url: f.portal_url.value.trim(),
    };
  }
  async function saveCatalogue(list, button, done) {
    try {
      const r = await Motcua.api("PUT", "/api/v1/procedures", { procedures: list });
      procs = list;
      note(button, done + " Danh mục phiên bản " + r.version + ", " + r.procedures + " thủ tục.", true);
      await loadProcs();
      return true;
    } catch (e) { note(button, e.message, false); return false; }
  }
  $("proc-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const button = f.querySelector("button.primary");
    const p = formProcedure(f);
    if (f.fee_kind.value === "amount" && !(p.fee_vnd > 0)) return note(button, "Cần nhập số tiền phí, lệ phí (đồng).", false);
    if (!editing && procs.some((x) => x.code === p.code)) return note(button, "Đã có thủ tục mã " + p.code + " trong danh mục.", false);
    const list = editing ? procs.map((x) => (x.code === editing ? p : x)) : procs.concat([p]);
    if (await saveCatalogue(list, button, "Đã lưu thủ tục «" + p.name + "».")) editing = p.code;
  });
  $("proc-delete").addEventListener("click", async (ev) => {
    const p = procs.find((x) => x.code === editing);
    if (!p || !confirm("Xóa thủ tục «" + p.name + "» khỏi danh mục? Hồ sơ đã nhận không bị ảnh hưởng.")) return;
    if (await saveCatalogue(procs.filter((x) => x.code !== editing), ev.target, "Đã xóa thủ tục «" + p.name + "».")) $("proc-form").hidden = true;
  });

  // ---------- calendar ----------
  let cal = null;
  let wantYear = String(new Date().getFullYear());
  const KIND_NAME = { Holiday: "Nghỉ lễ, Tết", Compensatory: "Nghỉ bù", ExtraDayOff: "Nghỉ theo thông báo", WorkingSaturday: "Làm bù" };
  const dmy = (iso) => iso.split("-").reverse().join("/");
  const weekday = (iso) => ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"][new Date(iso + "T00:00:00").getDay()];

  async function loadCalendar() {
    try { cal = await Motcua.api("GET", "/api/v1/calendar"); } catch (_) { return; }
    const f = $("hours-form");
    const hm = (t) => t.slice(0, 5);
    f.m0.value = hm(cal.hours.morning[0]); f.m1.value = hm(cal.hours.morning[1]);
    f.a0.value = hm(cal.hours.afternoon[0]); f.a1.value = hm(cal.hours.afternoon[1]);
    f.sat.checked = cal.weekend.includes("Sat"); f.sun.checked = cal.weekend.includes("Sun");
    const years = [...new Set(cal.entries.map((e) => e.date.slice(0, 4)).concat([String(new Date().getFullYear()), String(new Date().getFullYear() + 1)]))].sort();
    const sel = $("cal-year");
    sel.replaceChildren(...years.map((y) => Motcua.el("option", { value: y, selected: y === wantYear }, y)));
    renderCalendar();
  }
  function renderCalendar() {
    const y = $("cal-year").value;
    const rows = cal.entries.filter((e) => e.date.startsWith(y)).sort((a, b) => a.date.localeCompare(b.date));
    $("cal-rows").replaceChildren(...(rows.length ? rows.map((e) => Motcua.el("tr", {},
      Motcua.el("td", {}, weekday(e.date) + ", " + dmy(e.date)), Motcua.el("td", {}, KIND_NAME[e.kind] || e.kind), Motcua.el("td", {}, e.name),
      Motcua.el("td", {}, e.pending_notice ? "Chưa có thông báo chính thức" : ""),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small warn", type: "button", onclick: (ev) => {
        if (!confirm("Bỏ ngày " + dmy(e.date) + " (" + e.name + ") khỏi lịch?")) return;
        saveCalendar({ ...cal, entries: cal.entries.filter((x) => x !== e) }, ev.target, "Đã bỏ ngày " + dmy(e.date) + ".");
      } }, "Bỏ")))) :
      [Motcua.el("tr", {}, Motcua.el("td", { colspan: "5", class: "empty-row" }, "Năm " + y + " chưa có ngày nghỉ lễ nào trong lịch"))]));
  }
  $("cal-year").addEventListener("change", () => { wantYear = $("cal-year").value; renderCalendar(); });
  async function saveCalendar(next, button, done) {
    const stamp = new Date();
    next.version = "sửa tại trung tâm " + stamp.toLocaleDateString("vi-VN") + " " + stamp.toTimeString().slice(0, 5);
    try {
      cal = await Motcua.api("PUT", "/api/v1/calendar", next);
      note(button, done, true);
      await loadCalendar();
    } catch (e) { note(button, e.message, false); }
  }
  $("hours-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const t = (v) => v + ":00";
    const weekend = [].concat(f.sat.checked ? ["Sat"] : [], f.sun.checked ? ["Sun"] : []);
    saveCalendar({ ...cal, hours: { morning: [t(f.m0.value), t(f.m1.value)], afternoon: [t(f.a0.value), t(f.a1.value)] }, weekend },
      f.querySelector("button.primary"), "Đã lưu giờ làm việc.");
  });
  $("cal-add").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const button = f.querySelector("button.primary");
    if (cal.entries.some((e) => e.date === f.date.value)) return note(button, "Ngày " + dmy(f.date.value) + " đã có trong lịch.", false);
    const entry = { date: f.date.value, kind: f.kind.value, name: f.name.value.trim(), pending_notice: false };
    wantYear = entry.date.slice(0, 4);
    saveCalendar({ ...cal, entries: cal.entries.concat([entry]) }, button, "Đã thêm " + (KIND_NAME[entry.kind] || "").toLowerCase() + " " + dmy(entry.date) + ".");
    f.name.value = "";
  });

  // ---------- provincial sync ----------
  const when = (t) => t ? new Date(t).toLocaleString("vi-VN") : "—";
  async function loadSync() {
    let st;
    try { st = await Motcua.api("GET", "/api/v1/sync"); } catch (e) { $("sync-state").textContent = e.message; return; }
    const el = $("sync-state");
    if (!st.enabled) {
      el.textContent = "Chưa kết nối với tỉnh. " + (st.pending ? st.pending + " hồ sơ đang chờ: sẽ được gửi khi cán bộ CNTT huyện cài kết nối." : "");
      el.className = "sync-state warn";
    } else {
      const late = st.oldest_pending_at && (Date.now() - new Date(st.oldest_pending_at).getTime()) > 8 * 3600 * 1000;
      el.textContent = "Đã kết nối. " + (st.last_success_at ? "Gửi thành công lần cuối: " + when(st.last_success_at) : "Chưa có hồ sơ nào cần gửi") + ". Đang chờ gửi: " + st.pending +
        (st.oldest_pending_at ? " (cũ nhất từ " + when(st.oldest_pending_at) + ")" : "") + ". Tỉnh không nhận: " + st.rejected + "." +
        (st.last_error ? " Lỗi gần nhất: " + st.last_error + "." : "");
      el.className = "sync-state " + (late || st.rejected ? "warn" : "ok");
    }
    $("sync-now").hidden = !(st.enabled && st.pending > 0);
    if (st.reconciled && st.reconciled.at) $("sync-reconciled").textContent = reconciledText(st.reconciled);
    $("sync-rejected").replaceChildren(...(st.rejected_list.length ? st.rejected_list.map((r) => Motcua.el("tr", {},
      Motcua.el("td", {}, Motcua.el("a", { href: "/ho-so/" + encodeURIComponent(r.code) }, r.code)),
      Motcua.el("td", {}, r.reason || ""), Motcua.el("td", {}, when(r.since)),
      Motcua.el("td", {}, Motcua.el("button", { class: "btn small", type: "button", onclick: async (ev) => {
        try { await Motcua.api("POST", "/api/v1/sync/" + encodeURIComponent(r.code) + "/replay"); note(ev.target, "Đã xếp hàng gửi lại.", true); }
        catch (e) { note(ev.target, e.message, false); }
        setTimeout(loadSync, 1500);
      } }, "Gửi lại")))) :
      [Motcua.el("tr", {}, Motcua.el("td", { colspan: "4", class: "empty-row" }, "Không có hồ sơ nào bị tỉnh từ chối"))]));
  }
  $("sync-refresh").addEventListener("click", loadSync);
  const reconciledText = (r) => "Đối chiếu lần cuối " + when(r.at) + ": " + r.checked + " hồ sơ; tỉnh thiếu " + r.missing +
    ", khác " + r.differing + " (đã xếp gửi lại)" + (r.unreachable ? "; " + r.unreachable + " hồ sơ chưa hỏi được: " + (r.error || "") : "") + ".";
  $("sync-now").addEventListener("click", async (ev) => {
    try {
      const r = await Motcua.api("POST", "/api/v1/sync/retry-now");
      note(ev.target, "Đã xếp " + r.brought_forward + " hồ sơ gửi ngay.", true);
    } catch (e) { note(ev.target, e.message, false); }
    setTimeout(loadSync, 2000);
  });
  $("sync-reconcile").addEventListener("click", async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await Motcua.api("POST", "/api/v1/sync/reconcile");
      if (r.at) { $("sync-reconciled").textContent = reconciledText(r); note(ev.target, "Đã đối chiếu xong.", true); }
      else note(ev.target, r.error || "Chưa đối chiếu được", false);
      loadSync();
    } catch (e) { note(ev.target, e.message, false); }
    ev.target.disabled = false;
  });

  // ---------- the province's connection profile ----------
  let profile = null;
  const ADVANCED = ["paths", "replies", "code_map", "timeout_secs"];
  function authChanged() {
    const login = $("pv-auth").value === "login";
    $("pv-user-row").hidden = !login;
    $("pv-secret-label").textContent = login ? "Mật khẩu" : "Khóa kết nối";
    $("pv-secret").disabled = $("pv-auth").value === "none" || (profile && profile.secret_from_config);
  }
  async function loadProfile() {
    try { profile = await Motcua.api("GET", "/api/v1/sync/profile"); } catch (e) { return; }
    const p = profile.settings;
    $("pv-url").value = p.base_url;
    $("pv-url").readOnly = profile.url_from_config;
    $("pv-url-note").textContent = profile.url_from_config ? "Đặt trong cấu hình máy chủ (cán bộ CNTT huyện); sửa ở đây không có tác dụng." : "";
    $("pv-auth").value = p.auth;
    $("pv-user").value = p.username;
    $("pv-secret").value = "";
    $("pv-secret-note").textContent = profile.secret_from_config ? "Đặt trong cấu hình máy chủ (cán bộ CNTT huyện)." :
      profile.has_secret ? "Đã lưu một khóa (không hiển thị). Nhập khóa mới để thay." : "Chưa có khóa.";
    $("pv-unit-header").value = p.unit_header;
    $("pv-lanes").value = p.lanes;
    $("pv-as9").checked = p.coercions.waiting_as_resolved;
    $("pv-caps").checked = p.coercions.caps;
    $("pv-datefmt").value = p.coercions.date_format || "";
    const adv = {};
    ADVANCED.forEach((k) => { adv[k] = p[k]; });
    $("pv-advanced").value = JSON.stringify(adv, null, 2);
    authChanged();
  }
  $("pv-auth").addEventListener("change", authChanged);
  $("province-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = $("pv-save");
    let adv;
    try { adv = JSON.parse($("pv-advanced").value || "{}"); } catch (e) { note(button, "Phần dành cho cán bộ CNTT không phải JSON hợp lệ: " + e.message, false); return; }
    const settings = Object.assign({}, profile ? profile.settings : {}, adv, {
      base_url: $("pv-url").value.trim(), auth: $("pv-auth").value, username: $("pv-user").value.trim(),
      unit_header: $("pv-unit-header").value.trim(), lanes: Number($("pv-lanes").value) || 1,
      coercions: { waiting_as_resolved: $("pv-as9").checked, caps: $("pv-caps").checked, date_format: $("pv-datefmt").value.trim() },
    });
    const body = { settings };
    if ($("pv-secret").value !== "") body.secret = $("pv-secret").value;
    try {
      await Motcua.api("PUT", "/api/v1/sync/profile", body);
      note(button, "Đã lưu. " + (settings.base_url ? "Hệ thống bắt đầu gửi hồ sơ theo cài đặt mới." : "Kết nối đang tắt."), true);
      await loadProfile();
      loadSync();
    } catch (e) { note(button, e.message, false); }
  });
  $("pv-probe").addEventListener("click", async (ev) => {
    try {
      const r = await Motcua.api("POST", "/api/v1/sync/probe");
      note(ev.target, r.message, r.ok);
    } catch (e) { note(ev.target, e.message, false); }
  });

  loadProcs();
  loadCalendar();
  loadSync();
  loadProfile();
})();
