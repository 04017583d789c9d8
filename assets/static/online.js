// Online dossiers waiting to be received (status 1, filed on the portal): a panel on the
// counter and on the book, filled from the list and refreshed live when the province
// hands one down, so an officer can receive it for the citizen standing at the desk.
(function () {
  "use strict";
  const box = document.getElementById("online-waiting");
  if (!box) return;
  const list = box.querySelector("ul");
  const count = box.querySelector(".count");
  const fresh = new Set();
  const filed = (d) => (d.history && d.history[0] ? d.history[0].at : null);
  // "20:00 ngày 03/12", in Vietnam's time whatever the PC's language.
  const when = (iso) => iso ? Motcua.hhmm(iso) + " ngày " + new Date(iso).toLocaleDateString("en-GB", { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit" }) : "";
  async function load() {
    let rows;
    try { rows = await Motcua.api("GET", "/api/v1/dossiers?status=1&per_page=100"); } catch (_) { return; }
    rows = rows.filter((d) => d.channel === 2);
    box.hidden = rows.length === 0;
    count.textContent = String(rows.length);
    list.replaceChildren(...rows.map((d) => Motcua.el("li", { class: fresh.has(d.code) ? "fresh" : "" },
      fresh.has(d.code) ? Motcua.el("b", { class: "tag" }, "Mới") : null, " ",
      Motcua.el("a", { href: "/ho-so/" + encodeURIComponent(d.code) }, d.code), " — ",
      Motcua.el("b", {}, d.applicant.name), ", " + d.procedure_name,
      Motcua.el("span", { class: "muted" }, " · nộp lúc " + when(filed(d))))));
  }
  Motcua.live((_, ev) => {
    if (ev.action === "register_online" || ev.action === "assign_online") fresh.add(ev.code);
    if (ev.action === "register_online" || ev.action === "assign_online" || ev.action === "receive" || ev.from === 1) load();
  }, ["dossier_changed"]);
  load();
})();
