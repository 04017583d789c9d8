// motcua — real-browser end-to-end test: kiosk → printer → counter desk → TV board.
//
// Starts `motcua demo` on a free loopback port with a fresh data dir, opens ONE system
// Chromium with three contexts (kiosk 1080×1920, counter 1366×768, board 1920×1080) and
// walks a citizen through the whole queue. Screenshots land in tests/e2e/artifacts/.
//
// Env: MOTCUA_BIN (default /work/target/debug/motcua), CHROMIUM (default /usr/bin/chromium),
//      E2E_ARTIFACTS (default tests/e2e/artifacts next to this file).
// Run:  node --test tests/e2e/        (or tests/e2e/run.sh)
import { describe, test as nodeTest, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MOTCUA_BIN = process.env.MOTCUA_BIN || "/work/target/debug/motcua";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(HERE, "artifacts");
const OVERALL_MS = 180_000;
const AREA_A = "Tư pháp - Hộ tịch - Chứng thực";

const CHROMIUM_ARGS = [
  "--no-sandbox", // we run as root in CI
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required", // the board speaks each call
];

// ---------- small bounded helpers ----------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws after `timeout` ms (measured from `since`). */
async function poll(what, fn, { timeout = 5000, interval = 50, since = Date.now() } = {}) {
  const deadline = since + timeout;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastErr ? ` (last error: ${lastErr.message})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`timed out after ${Date.now() - since} ms waiting for ${what}${detail}`);
    }
    await sleep(Math.max(0, Math.min(interval, deadline - Date.now())));
  }
}

/** expect(locator).toHaveText-style: trimmed text equals / matches, within `timeout`. */
async function expectText(locator, expected, opts = {}) {
  const ok = (t) => (expected instanceof RegExp ? expected.test(t) : t === expected);
  let seen;
  await poll(`${locator} to have text ${expected}`, async () => {
    seen = ((await locator.textContent({ timeout: 250 })) ?? "").trim();
    return ok(seen);
  }, opts).catch((e) => {
    throw new Error(`${e.message}; last text: ${JSON.stringify(seen)}`);
  });
  return seen;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

// ---------- the server ----------

const children = new Set(); // every motcua we started, killed on exit whatever happens

class Server {
  constructor(bin, dataDir, port) {
    this.base = `http://127.0.0.1:${port}`;
    this.dataDir = dataDir;
    this.stdout = "";
    this.log = fs.createWriteStream(path.join(ARTIFACTS, "server.log"));
    this.proc = spawn(bin, ["demo", "--data", dataDir, "--listen", `127.0.0.1:${port}`], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", RUST_LOG: process.env.RUST_LOG || "info" },
    });
    children.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => resolve({ code, signal }));
      this.proc.on("error", (err) => resolve({ code: null, signal: null, err }));
    });
    this.proc.stdout.on("data", (b) => { this.stdout += b.toString("utf8"); this.log.write(b); });
    this.proc.stderr.on("data", (b) => this.log.write(b));
  }

  /** Waits for both pairing links on stdout and for /healthz to answer. */
  async ready(timeout = 20_000) {
    const since = Date.now();
    const links = await poll("the pairing links on motcua's stdout", async () => {
      if (this.proc.exitCode !== null) throw new Error(`motcua exited early (${this.proc.exitCode}); see ${ARTIFACTS}/server.log`);
      const kiosk = this.stdout.match(/\(kiosk, paired\):\s+(http:\/\/\S+\/pair\/[0-9a-f]{64})\s*$/m);
      const board = this.stdout.match(/\(board, paired\):\s+(http:\/\/\S+\/pair\/[0-9a-f]{64})\s*$/m);
      const rating = this.stdout.match(/\(rating, paired\):\s+(http:\/\/\S+\/pair\/[0-9a-f]{64})\s*$/m);
      return kiosk && board && rating ? { kiosk: kiosk[1], board: board[1], rating: rating[1] } : null;
    }, { timeout, interval: 100, since });
    await poll("GET /healthz", async () => {
      if (this.proc.exitCode !== null) throw new Error(`motcua exited early (${this.proc.exitCode})`);
      const r = await fetch(this.base + "/healthz", { signal: AbortSignal.timeout(1000) });
      return r.ok;
    }, { timeout, interval: 100, since });
    return links;
  }

  /** SIGTERM, then wait (bounded) for the exit; SIGKILL if it hangs. */
  async stop(timeout = 15_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill("SIGTERM");
    try {
      return await withTimeout(this.exited, timeout, "motcua to exit after SIGTERM");
    } catch (e) {
      this.proc.kill("SIGKILL");
      await withTimeout(this.exited, 5000, "motcua to exit after SIGKILL").catch(() => {});
      throw e;
    } finally {
      this.log.end();
    }
  }
}

// ---------- the test ----------

/** Pages in a PDF Chromium wrote (its page objects are plain dictionaries). */
const pdfPages = (buf) => (buf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) || []).length;

describe("motcua queue end to end (real Chromium)", { timeout: OVERALL_MS }, () => {
  let server;
  let dataDir;
  let links;
  let browser;
  const ctx = {};
  const page = {};
  const pageErrors = [];
  const shot = async (p, name) => p.screenshot({ path: path.join(ARTIFACTS, name), timeout: 10_000 });
  const t0 = Date.now();
  const timings = [];
  const mark = (what) => timings.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(2)} s`);

  // A setup failure (no Chromium, no binary, server won't start) is recorded here and
  // thrown by every test, so the run reports real failures — not cancellations or skips.
  let setupError = null;
  const test = (name, fn) => nodeTest(name, async (t) => {
    if (setupError) throw setupError;
    return fn(t);
  });

  before(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup() {
    await fsp.rm(ARTIFACTS, { recursive: true, force: true });
    await fsp.mkdir(ARTIFACTS, { recursive: true });
    // A missing browser or binary is a failure, never a skip.
    assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM or install it: apt-get install -y chromium)`);
    assert.ok(fs.existsSync(MOTCUA_BIN), `motcua binary not found at ${MOTCUA_BIN} (set MOTCUA_BIN or run cargo build)`);
    const { chromium } = await import("playwright-core");

    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), "motcua-e2e-"));

    // A free port can be taken between probing and binding: retry a few times.
    for (let attempt = 1; ; attempt++) {
      server = new Server(MOTCUA_BIN, dataDir, await freePort());
      try {
        links = await server.ready();
        break;
      } catch (e) {
        await server.stop().catch(() => {});
        if (attempt >= 3) throw e;
      }
    }
    mark("server ready");

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    const sizes = { kiosk: [1080, 1920], counter: [1366, 768], board: [1920, 1080], admin: [1440, 900], rating: [1280, 800] };
    for (const [name, [width, height]] of Object.entries(sizes)) {
      ctx[name] = await browser.newContext({ viewport: { width, height }, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh" });
      ctx[name].setDefaultTimeout(10_000);
      ctx[name].setDefaultNavigationTimeout(15_000);
      page[name] = await ctx[name].newPage();
      page[name].on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
      page[name].on("console", (m) => { if (m.type() === "error") fs.appendFileSync(path.join(ARTIFACTS, "console-errors.log"), `${name}: ${m.text()} [${m.location().url}]\n`); });
      page[name].on("response", (r) => { if (r.status() >= 400) fs.appendFileSync(path.join(ARTIFACTS, "console-errors.log"), `${name}: HTTP ${r.status()} ${r.request().method()} ${r.url()}\n`); });
    }
    mark("browser ready");
  }

  after(async () => {
    // Safety net only; the graceful stop is asserted in its own test below.
    if (browser) await withTimeout(browser.close(), 10_000, "browser.close()").catch(() => {});
    if (server) await server.stop().catch(() => {});
    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, "timings.txt"), timings.join("\n") + "\n");
    console.log(`e2e timings (artifacts in ${ARTIFACTS}):\n` + timings.join("\n"));
  });

  test("board pairs and shows every counter", async () => {
    const b = page.board;
    await b.goto(links.board);
    assert.match(new URL(b.url()).pathname, /^\/display$/);
    await b.locator('.tile[data-counter]').first().waitFor();
    assert.equal(await b.locator(".tile").count(), 4, "the demo center has 4 counters");
    await expectText(b.locator(".tile").first().locator(".tile-name"), "QUẦY 1");
    // With --autoplay-policy the sound button should stay hidden; click it if it shows.
    if (await b.locator("#sound").isVisible()) await b.locator("#sound").click();
    await shot(b, "board-start.png");
    mark("board paired");
  });

  test("kiosk issues A001 and the simulated printer prints it", async () => {
    const k = page.kiosk;
    await k.goto(links.kiosk);
    assert.match(new URL(k.url()).pathname, /^\/kiosk$/);
    const first = k.locator("#start .area-btn").first();
    await expectText(first.locator(".area-name"), AREA_A);
    await shot(k, "kiosk-start.png");

    await first.click();
    await k.locator("#done").waitFor({ state: "visible", timeout: 5000 });
    await expectText(k.locator("#done-number"), "A001");
    await expectText(k.locator("#done .done-ahead"), "Số người chờ trước: 0");
    await expectText(k.locator("#done-area"), AREA_A);
    assert.equal(await k.locator("#done-prio").isVisible(), false, "a normal ticket shows no priority badge");
    await expectText(k.locator("#done-print"), "Mời nhận phiếu in bên dưới.");
    await shot(k, "kiosk-issued.png");

    const png = path.join(dataDir, "sim-printer", "000001.png");
    await poll(`${png} to exist`, () => fs.existsSync(png) && fs.statSync(png).size > 0, { timeout: 5000 });
    const head = fs.readFileSync(png).subarray(0, 8);
    assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "000001.png is a PNG");
    fs.copyFileSync(png, path.join(ARTIFACTS, "ticket-000001.png"));
    const txtPath = path.join(dataDir, "sim-printer", "000001.txt");
    const txt = await poll(`${txtPath} to hold the job listing`, () => fs.existsSync(txtPath) && fs.readFileSync(txtPath, "utf8"), { timeout: 5000 });
    assert.ok(txt.includes("[RASTER"), "the ESC/POS listing has a raster image:\n" + txt);
    assert.ok(txt.includes("[CUT"), "the ESC/POS listing ends with a cut:\n" + txt);
    mark("kiosk issued A001 + printed");
  });

  let calledAt;
  let boardVerdict = async () => { throw new Error("the counter never called"); };
  /** Runs a promise now; returns a function that yields its value or rethrows its error. */
  const settle = (p) => {
    const r = p.then((v) => ({ v }), (e) => ({ e }));
    return async () => { const { v, e } = await r; if (e) throw e; return v; };
  };
  test("counter 1 logs in and calls A001", async () => {
    const c = page.counter;
    await c.goto(server.base + "/counter");
    assert.match(new URL(c.url()).pathname, /^\/login$/);
    await c.locator('input[name="username"]').fill("canbo1");
    await c.locator('input[name="password"]').fill("demo");
    await shot(c, "counter-login.png");
    await Promise.all([
      c.waitForURL((u) => u.pathname === "/counter", { timeout: 10_000 }),
      c.locator('form[action="/login"] button[type="submit"]').click(),
    ]);
    const pick = c.locator("#pick button.pick", { hasText: /^\s*Quầy 1 — / });
    await pick.waitFor();
    await shot(c, "counter-pick.png");
    await pick.click();
    await c.locator("#desk").waitFor({ state: "visible" });
    await expectText(c.locator("#desk-state"), "Đang mở");
    await expectText(c.locator("#wait-count"), "1 người");
    await expectText(c.locator("#cur-number"), "—");
    await shot(c, "counter-desk.png");

    const next = c.locator("#act-next");
    await poll("the call button to be enabled", () => next.isEnabled());
    // Diagnostics: when the board's own feed delivers the call, and when its tile changes.
    await page.board.evaluate(() => {
      window.__e2e = {};
      const es = new EventSource("/api/v1/events");
      es.addEventListener("ticket_called", () => { window.__e2e.sse ??= Date.now(); es.close(); });
      const num = document.querySelector('.tile[data-counter="1"] .tile-number');
      new MutationObserver((_, obs) => {
        if (num.textContent.trim() === "A001") { window.__e2e.dom = Date.now(); obs.disconnect(); }
      }).observe(num, { childList: true, characterData: true, subtree: true });
    });
    calledAt = Date.now();
    const answered = c.waitForResponse((r) => r.url().endsWith("/api/v1/counters/1/call-next"), { timeout: 5000 });
    // The board is watched from the click on, concurrently (1000 ms budget, expect-style);
    // the board test below awaits the verdict.
    const tile = page.board.locator('.tile:has(.tile-name:text-is("QUẦY 1"))');
    boardVerdict = settle(Promise.all([
      expectText(tile.locator(".tile-number"), "A001", { timeout: 1000, since: calledAt }),
      expectText(page.board.locator("#calls li").first(), /^A001\s*→ Quầy 1$/, { timeout: 1000, since: calledAt }),
    ]).then(() => Date.now() - calledAt));
    await next.click();
    assert.equal((await answered).status(), 200);
    mark(`call-next answered (${Date.now() - calledAt} ms after the click)`);
    await expectText(c.locator("#cur-number"), "A001");
    await expectText(c.locator("#msg"), "Đã gọi số A001");
    await shot(c, "counter-called.png");
    mark("counter called A001");
  });

  test("board shows A001 within 1 s and speaks it", async () => {
    assert.ok(calledAt, "the counter test ran");
    const b = page.board;
    const tile = b.locator('.tile:has(.tile-name:text-is("QUẦY 1"))');
    // expect-style, 1000 ms measured from the click on the counter desk (started there).
    const latency = await boardVerdict();
    // And it still shows it now.
    await expectText(tile.locator(".tile-number"), "A001", { timeout: 1000 });
    await expectText(b.locator("#calls li").first(), /^A001\s*→ Quầy 1$/, { timeout: 1000 });
    const seen = await b.evaluate(() => window.__e2e);
    mark(`board showed A001 (${latency} ms after the click; its feed delivered the call at +${seen.sse - calledAt} ms, the tile changed at +${seen.dom - calledAt} ms)`);
    assert.ok(await b.locator("#flash").isVisible(), "the call flashes over the board");
    await expectText(b.locator("#flash-number"), "A001");
    await shot(b, "board-called.png");

    const played = await poll("window.motcuaPlayed to hold the announcement", async () => {
      if (await b.locator("#sound").isVisible()) await b.locator("#sound").click();
      const p = await b.evaluate(() => window.motcuaPlayed.slice());
      return p.length >= 1 ? p : null;
    }, { timeout: 10_000, interval: 100 });
    assert.equal(played.length, 1, `one announcement played: ${JSON.stringify(played)}`);
    assert.match(played[0], /^\/api\/v1\/announcements\/\d+\/audio$/);
    mark("board started the announcement");

    const r = await ctx.board.request.get(server.base + played[0], { timeout: 15_000 });
    assert.equal(r.status(), 200);
    const wav = await r.body();
    fs.writeFileSync(path.join(ARTIFACTS, "announcement-A001.wav"), wav);
    assert.equal(wav.subarray(0, 4).toString("latin1"), "RIFF");
    assert.equal(wav.subarray(8, 12).toString("latin1"), "WAVE");
    // Walk the RIFF chunks for fmt and data.
    let fmt = null;
    let dataLen = 0;
    for (let off = 12; off + 8 <= wav.length;) {
      const id = wav.subarray(off, off + 4).toString("latin1");
      const len = wav.readUInt32LE(off + 4);
      if (id === "fmt ") fmt = { channels: wav.readUInt16LE(off + 10), rate: wav.readUInt32LE(off + 12), bits: wav.readUInt16LE(off + 22) };
      if (id === "data") dataLen = len;
      off += 8 + len + (len & 1);
    }
    assert.ok(fmt, "the WAV has a fmt chunk");
    assert.deepEqual({ channels: fmt.channels, rate: fmt.rate }, { channels: 1, rate: 16000 }, "16 kHz mono");
    assert.ok(wav.length > 96_000, `longer than 3 s of 16 kHz mono 16-bit: ${wav.length} bytes`);
    const secs = dataLen / (fmt.rate * fmt.channels * (fmt.bits / 8));
    assert.ok(secs > 3, `announcement lasts ${secs.toFixed(2)} s`);
    mark(`announcement WAV checked (${secs.toFixed(2)} s, ${wav.length} bytes)`);
  });

  test("counter finishes A001 and the desk is empty", async () => {
    const c = page.counter;
    await c.locator("#act-finish").click();
    await expectText(c.locator("#cur-number"), "—");
    await expectText(c.locator("#cur-info"), "Chưa có công dân tại quầy");
    await expectText(c.locator("#msg"), /^Đã kết thúc phục vụ số A001\./);
    assert.equal(await c.locator("#act-finish").isDisabled(), true);
    await shot(c, "counter-finished.png");
    await shot(page.board, "board-finished.png");
    mark("counter finished A001");
  });

  test("kiosk priority ticket: priority button → category → area shows Ưu tiên", async () => {
    const k = page.kiosk;
    await k.locator("#done [data-back]").click(); // "Xong" returns to the start screen
    await k.locator("#start").waitFor({ state: "visible" });
    await k.locator("#priority-open").click();
    await k.locator("#priority").waitFor({ state: "visible" });
    const cat = k.locator("#priority .cat-btn").first();
    const catName = ((await cat.textContent()) ?? "").trim();
    assert.ok(catName.length > 0, "a priority category is listed");
    await shot(k, "kiosk-priority-categories.png");
    await cat.click();
    await k.locator("#priority-area").waitFor({ state: "visible" });
    await expectText(k.locator("#chosen-cat"), catName);
    await shot(k, "kiosk-priority-areas.png");
    await k.locator("#priority-area .area-btn", { hasText: AREA_A }).click();
    await k.locator("#done").waitFor({ state: "visible", timeout: 5000 });
    await expectText(k.locator("#done-number"), "A002");
    assert.ok(await k.locator("#done-prio").isVisible(), "the priority badge shows");
    await expectText(k.locator("#done-prio"), `Ưu tiên: ${catName}`);
    await expectText(k.locator("#done .done-ahead"), "Số người chờ trước: 0");
    await shot(k, "kiosk-priority-issued.png");

    const png = path.join(dataDir, "sim-printer", "000002.png");
    await poll(`${png} to exist`, () => fs.existsSync(png) && fs.statSync(png).size > 0, { timeout: 5000 });
    fs.copyFileSync(png, path.join(ARTIFACTS, "ticket-000002.png"));

    // The counter sees it marked, and calling it puts ƯU TIÊN on the board's tile.
    const c = page.counter;
    await expectText(c.locator("#waiting tr").first(), /^A002\s*Ưu tiên/);
    const calledAt2 = Date.now();
    await c.locator("#act-next").click();
    await expectText(c.locator("#cur-number"), "A002");
    const tile = page.board.locator('.tile:has(.tile-name:text-is("QUẦY 1"))');
    await expectText(tile.locator(".tile-number"), "A002", { timeout: 1000, since: calledAt2 });
    await poll("the board tile's ƯU TIÊN badge", () => tile.locator(".tile-prio").isVisible(), { timeout: 1000, since: calledAt2 });
    await shot(c, "counter-priority-called.png");
    await shot(page.board, "board-priority-called.png");
    await c.locator("#act-finish").click();
    await expectText(c.locator("#cur-number"), "—");
    // Let the flash end so a calm board can be looked at too.
    try {
      // The flash stays while the call is spoken (a priority call is ~11 s), then closes.
      await poll("the flash to close", async () => !(await page.board.locator("#flash").isVisible()), { timeout: 25_000, interval: 250 });
    } catch (e) {
      const st = await page.board.evaluate(() => { const a = document.getElementById("voice"); return { played: window.motcuaPlayed, shown: window.motcuaShown, paused: a.paused, ended: a.ended, t: a.currentTime, d: a.duration, err: a.error && a.error.code, sound: !document.getElementById("sound").hidden }; });
      throw new Error(e.message + " board: " + JSON.stringify(st));
    }
    await shot(page.board, "board-idle.png");
    mark("priority ticket A002 issued, called, finished");
  });

  test("first morning: the admin names the place, sets the public address, pairs a TV, creates a leader; the audit trail reads aloud", async () => {
    const a = page.admin;
    await a.goto(server.base + "/admin");
    await a.locator('input[name="username"]').fill("admin");
    await a.locator('input[name="password"]').fill("demo");
    await Promise.all([
      a.waitForURL((u) => u.pathname === "/admin", { timeout: 10_000 }),
      a.locator('form[action="/login"] button[type="submit"]').click(),
    ]);
    const tab = async (id) => {
      await a.locator(`#admin-nav button[data-tab="${id}"]`).click();
      await a.locator(`section[data-tab="${id}"]`).waitFor({ state: "visible" });
    };
    // One section at a time: the page is no longer a 6,000-pixel form.
    assert.equal(await a.locator("section.admin-tab:not([hidden])").count(), 1);
    await shot(a, "admin-center.png");
    // Place name and public address, saved with the confirmation beside the button.
    const cf = a.locator("#center-form");
    await cf.locator('input[name="place_name"]').fill("Tân Phú");
    await cf.locator('input[name="public_url"]').fill(server.base);
    await cf.locator("button.primary").click();
    await expectText(cf.locator(".save-msg"), /Đã lưu/);
    await expectText(a.locator("#reach-note"), /.+/);

    await tab("may-in");
    await a.locator("#printer-jobs figure img").first().waitFor();
    await shot(a, "admin-printer.png");

    // A second TV: the admin makes a code, the TV types it on its pairing page.
    await tab("thiet-bi");
    await a.locator('#pair-form input[name="name"]').fill("TV phòng chờ 2");
    await a.locator('#pair-form select[name="role"]').selectOption("display");
    await a.locator("#pair-form button").click();
    await a.waitForFunction(() => /Mã: \d{6}/.test(document.getElementById("pair-code").textContent), null, { timeout: 5000 });
    const code = /Mã: (\d{6})/.exec(await a.locator("#pair-code").textContent())[1];
    const tvCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const tv = await tvCtx.newPage();
    tv.on("pageerror", (e) => pageErrors.push("tv2: " + e.message));
    await tv.goto(server.base + "/pair");
    await tv.locator('input[name="code"]').fill(code);
    await Promise.all([tv.waitForURL((u) => u.pathname !== "/pair", { timeout: 10_000 }), tv.locator('form[action="/pair"] button').click()]);
    await tv.locator("body.board").waitFor();
    await tvCtx.close();

    // The center head's account: reports yes, administration no — a Vietnamese page.
    await tab("tai-khoan");
    const f = a.locator("#user-form");
    await f.locator('input[name="username"]').fill("chutich");
    await f.locator('input[name="display_name"]').fill("Phạm Văn Hùng");
    await f.locator('select[name="role"]').selectOption("leader");
    const temp = await f.locator('input[name="password"]').inputValue();
    await f.locator("button").click();
    await a.waitForFunction(() => /Đã tạo tài khoản chutich/.test(document.getElementById("user-form-msg").textContent), null, { timeout: 5000 });
    const headCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const head = await headCtx.newPage();
    head.on("pageerror", (e) => pageErrors.push("leader: " + e.message));
    await head.goto(server.base + "/login");
    await head.locator('input[name="username"]').fill("chutich");
    await head.locator('input[name="password"]').fill(temp);
    await Promise.all([head.waitForURL((u) => u.pathname === "/password", { timeout: 10_000 }), head.locator('form[action="/login"] button[type="submit"]').click()]);
    await head.locator('input[name="current"]').fill(temp);
    await head.locator('input[name="new"]').fill("mat-khau-chu-tich");
    await head.locator('input[name="confirm"]').fill("mat-khau-chu-tich");
    await Promise.all([head.waitForURL((u) => u.pathname !== "/password", { timeout: 10_000 }), head.locator('form[action="/password"] button').click()]);
    const rep = await head.goto(server.base + "/bao-cao");
    assert.equal(rep.status(), 200);
    const denied = await head.goto(server.base + "/admin");
    assert.equal(denied.status(), 403);
    assert.match(denied.headers()["content-type"], /text\/html/);
    const deniedText = await head.locator("main").textContent();
    assert.ok(!/^\s*\{/.test(deniedText) && /Quay lại/.test(deniedText), deniedText);
    await shot(head, "forbidden-leader.png");
    await headCtx.close();

    // The demo is connected to its simulated province.
    await tab("ket-noi-tinh");
    await expectText(a.locator("#sync-state"), /^Đã kết nối\./);
    await shot(a, "admin-sync.png");

    await tab("nhat-ky");
    await a.locator("#audit tr").first().waitFor();
    await a.locator("#audit-verify").click();
    await a.waitForFunction(() => document.getElementById("audit-result").textContent.includes("toàn vẹn"), null, { timeout: 5000 });
    // An inspector reads names and actions, not account keys and event types.
    await a.locator('#audit-form select[name="type"]').selectOption("ticket_called");
    await a.locator('#audit-form input[name="actor"]').fill("can bo 1");
    await a.locator("#audit-form button.primary").click();
    await a.waitForFunction(() => {
      const r = document.querySelector("#audit tr");
      return r && /Cán bộ 1 \(Cán bộ\)/.test(r.textContent) && /Gọi số/.test(r.textContent) && /→ Quầy 1/.test(r.textContent);
    }, null, { timeout: 5000 });
    const raw = await a.locator("#audit").textContent();
    assert.ok(!/ticket_called|canbo1 \(officer\)/.test(raw), raw);
    await shot(a, "admin.png");
    mark("first morning: place, public address, TV paired by code, leader created; audit readable");
  });

  test("catalogue and calendar edited in forms, checked like an import", async () => {
    const a = page.admin;
    await a.locator('#admin-nav button[data-tab="thu-tuc"]').click();
    const row = a.locator('#proc-rows tr[data-code="DP.NNMT.01"]');
    await row.locator("button").click();
    const f = a.locator("#proc-form");
    await f.waitFor({ state: "visible" });
    await f.locator('select[name="fee_kind"]').selectOption("amount");
    await f.locator('input[name="fee_vnd"]').fill("50.000");
    await f.locator('input[name="fee_note"]').fill("Theo Nghị quyết của HĐND tỉnh");
    // A paper without a name is refused by the server's own check, beside the button.
    await f.locator("#proc-paper-add").click();
    await f.locator("button.primary").click();
    await expectText(f.locator("button.primary + .said"), /.+/);
    assert.match(await f.locator("button.primary + .said").getAttribute("class"), /err/);
    await f.locator("#proc-papers tr:last-child button").click();
    await f.locator("button.primary").click();
    await expectText(f.locator("button.primary + .said"), /^Đã lưu thủ tục «Đăng ký biến động đất đai»\. Danh mục phiên bản \d+/);
    await expectText(row.locator("td").nth(3), "50.000 đồng — Theo Nghị quyết của HĐND tỉnh");
    const pub = await (await a.request.get(server.base + "/api/v1/procedures")).json();
    assert.equal(pub.procedures.find((p) => p.code === "DP.NNMT.01").fee_vnd, 50000);
    await shot(a, "admin-procedure-edit.png");

    // A holiday added for a year to come.
    const c = a.locator("#cal-add");
    await c.locator('input[name="date"]').fill("2030-11-19");
    await c.locator('select[name="kind"]').selectOption("ExtraDayOff");
    await c.locator('input[name="name"]').fill("Nghỉ theo thông báo của tỉnh");
    await c.locator("button.primary").click();
    await expectText(c.locator("button.primary + .said"), /^Đã thêm nghỉ theo thông báo 19\/11\/2030\.$/);
    await expectText(a.locator("#cal-rows tr", { hasText: "19/11/2030" }).locator("td").nth(2), "Nghỉ theo thông báo của tỉnh");
    const calNow = await (await a.request.get(server.base + "/api/v1/calendar")).json();
    assert.ok(calNow.entries.some((e) => e.date === "2030-11-19" && e.kind === "ExtraDayOff"), "saved");
    await shot(a, "admin-calendar.png");
    mark("catalogue fee and a holiday edited in forms");
  });

  test("accounts: the admin adds an officer by name; she signs in, sets her password, works only her counter", async () => {
    const a = page.admin;
    await a.locator('#admin-nav button[data-tab="tai-khoan"]').click();
    const f = a.locator("#user-form");
    await f.locator('input[name="username"]').fill("lan");
    await f.locator('input[name="display_name"]').fill("Nguyễn Thị Lan");
    assert.equal(await f.locator('select[name="role"]').inputValue(), "officer", "the form is ready for an officer again");
    const temp = await f.locator('input[name="password"]').inputValue();
    assert.ok(temp.length >= 8, "a temporary password is suggested");
    await f.locator("button").click();
    await a.waitForFunction(() => /Đã tạo tài khoản lan/.test(document.getElementById("user-form-msg").textContent), null, { timeout: 5000 });
    const row = a.locator('#users tr[data-user="lan"]');
    await row.waitFor();
    await row.locator('input[name="counter"][value="2"]').check();
    await row.locator("button", { hasText: "Lưu" }).click();
    await a.waitForFunction(() => document.querySelector('#users tr[data-user="lan"] .msg')?.textContent === "Đã lưu.", null, { timeout: 5000 });
    await shot(a, "admin-accounts.png");

    const lanCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const lan = await lanCtx.newPage();
    lan.on("pageerror", (e) => pageErrors.push("lan: " + e.message));
    await lan.goto(server.base + "/login");
    await lan.locator('input[name="username"]').fill("lan");
    await lan.locator('input[name="password"]').fill(temp);
    await Promise.all([
      lan.waitForURL((u) => u.pathname === "/password", { timeout: 10_000 }),
      lan.locator('form[action="/login"] button[type="submit"]').click(),
    ]);
    await lan.locator('input[name="current"]').fill(temp);
    await lan.locator('input[name="new"]').fill("mat-khau-cua-lan");
    await lan.locator('input[name="confirm"]').fill("mat-khau-cua-lan");
    await Promise.all([
      lan.waitForURL((u) => u.pathname !== "/password", { timeout: 10_000 }),
      lan.locator('form[action="/password"] button').click(),
    ]);
    // Her picker: her counter to open, the others greyed with the reason.
    await lan.goto(server.base + "/counter");
    const btn = (n) => lan.locator("#pick-list button.pick", { hasText: new RegExp("^\\s*Quầy " + n + " — ") });
    await expectText(btn(3).locator("small"), "Không được giao cho bạn");
    assert.ok(await btn(3).isDisabled(), "counter 3 is greyed");
    await expectText(btn(1).locator("small"), /^Đang mở · Cán bộ 1$/);
    assert.ok(await btn(1).isDisabled(), "counter 1 is taken");
    await expectText(btn(2).locator("small"), "Đang đóng — bấm để mở");
    await shot(lan, "counter-pick-lan.png");
    await btn(2).click();
    await expectText(lan.locator("#desk-state"), "Đang mở");
    await lan.locator("#act-close").click();
    await expectText(lan.locator("#msg"), /^Đã đóng quầy/);
    const other = await lan.evaluate(async () => (await fetch("/api/v1/counters/3/open", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status);
    assert.equal(other, 403, "counter 3 is not hers");
    const own = await lan.evaluate(async () => (await fetch("/api/v1/counters/2/open", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status);
    assert.equal(own, 200, "counter 2 is hers");
    await lan.evaluate(async () => fetch("/api/v1/counters/2/close", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }));
    await lanCtx.close();
  });

  test("board: two calls 0.3 s apart are shown big and spoken in the same order", async () => {
    const b = page.board;
    const issue = async (service) => {
      const r = await ctx.kiosk.request.post(server.base + "/api/v1/tickets", { data: { service } });
      assert.equal(r.status(), 201, await r.text());
      return (await r.json()).number;
    };
    const nB = await issue(2);
    const nC = await issue(3);
    const api = (method, url) => page.admin.evaluate(async ([m, u]) => {
      const r = await fetch(u, { method: m, headers: { "Content-Type": "application/json" }, body: "{}" });
      return { status: r.status, body: await r.text() };
    }, [method, url]);
    for (const c of [2, 3]) assert.equal((await api("POST", `/api/v1/counters/${c}/open`)).status, 200);
    const playedBefore = (await b.evaluate(() => window.motcuaPlayed.length));
    // Sample what the board shows big while each clip is playing.
    await b.evaluate(() => {
      window.__samples = [];
      window.__sampler = setInterval(() => {
        const a = document.getElementById("voice");
        if (!a.paused && a.src) window.__samples.push([a.src.replace(location.origin, ""), document.getElementById("flash-number").textContent]);
      }, 40);
    });
    const first = JSON.parse((await api("POST", "/api/v1/counters/2/call-next")).body);
    await new Promise((r) => setTimeout(r, 300));
    const second = JSON.parse((await api("POST", "/api/v1/counters/3/call-next")).body);
    assert.deepEqual([first.number, second.number], [nB, nC]);
    // Both tiles show their number at once.
    await expectText(b.locator('.tile[data-counter="2"] .tile-number'), nB, { timeout: 2000 });
    await expectText(b.locator('.tile[data-counter="3"] .tile-number'), nC, { timeout: 2000 });
    const played = await poll("both announcements to have played", async () => {
      if (await b.locator("#sound").isVisible()) await b.locator("#sound").click();
      const st = await b.evaluate(() => ({ p: window.motcuaPlayed.slice(), ended: document.getElementById("voice").ended }));
      return st.p.length >= playedBefore + 2 && st.ended ? st.p.slice(playedBefore) : null;
    }, { timeout: 30_000, interval: 100 });
    const samples = await b.evaluate(() => { clearInterval(window.__sampler); return window.__samples; });
    const shownWhile = (src) => [...new Set(samples.filter(([s]) => s === src).map(([, n]) => n))];
    assert.deepEqual(shownWhile(played[0]), [nB], `while ${nB} was spoken: ${JSON.stringify(samples)}`);
    assert.deepEqual(shownWhile(played[1]), [nC], `while ${nC} was spoken: ${JSON.stringify(samples)}`);
    const shown = await b.evaluate(() => window.motcuaShown.slice(-2));
    assert.deepEqual(shown, [nB, nC], "shown big in the order spoken");
    mark(`board: ${nB} then ${nC}, 0.3 s apart, each shown while spoken`);
    for (const t of [first, second]) {
      await api("POST", `/api/v1/tickets/${t.id}/start`);
      await api("POST", `/api/v1/tickets/${t.id}/finish`);
    }
    for (const c of [2, 3]) await api("POST", `/api/v1/counters/${c}/close`);
  });

  let dossierCode;
  let receiptLink;
  test("dossier: received at the counter, receipt printed on A4 with QR, looked up on a phone", async () => {
    const k = page.kiosk;
    const c = page.counter;
    // The result screen returns to the start by itself after a few seconds.
    const toStart = async () => {
      if (await k.locator("#done").isVisible()) await k.locator("#done [data-back]").click();
      await k.locator("#start").waitFor({ state: "visible" });
    };
    await toStart();
    await k.locator("#start .area-btn").first().click();
    await expectText(k.locator("#done-number"), "A003");
    await toStart();
    await c.locator("#act-next").click();
    await expectText(c.locator("#cur-number"), "A003");
    await c.locator("#act-start").click();
    const link = c.locator("#act-dossier");
    await poll("the 'receive dossier' link while serving", () => link.isVisible());
    const href = await link.getAttribute("href");
    assert.match(href, /^\/ho-so\/moi\?ticket=\d+$/);
    await shot(c, "counter-serving-dossier-link.png");

    const d = await ctx.counter.newPage();
    d.on("pageerror", (err) => pageErrors.push(`dossier: ${err.message}`));
    await d.goto(server.base + href);
    await expectText(d.locator("header h1"), "Tiếp nhận hồ sơ — phiếu A003");
    // The picker lists the ticket's area only and narrows as she types, no diacritics.
    const shownCodes = () => d.locator("#proc-list li:not([hidden])").evaluateAll((ls) => ls.map((l) => l.dataset.code));
    assert.ok((await d.locator("#pick").textContent()).includes("Thủ tục của lĩnh vực Tư pháp"), "narrowed to the ticket's area");
    await d.locator("#proc-q").pressSequentially("tinh trang hon nhan", { delay: 20 });
    await poll("the list narrowed to the marital-status certificate", async () => (await shownCodes())[0] === "1.004873");
    await shot(d, "dossier-reception-picker.png");
    await Promise.all([
      d.waitForURL((u) => u.searchParams.get("thu_tuc") === "1.004873"),
      d.locator('#proc-list li[data-code="1.004873"] a').click(),
    ]);
    // The officer holds the citizen's CCCD under the code reader (a keyboard-wedge
    // scanner: a burst of keys and Enter): name, number and address fill themselves.
    await d.locator('input[name="name"]').click();
    await d.keyboard.type("001190012345||Trần Thị Bình|15081990|Nữ|Thôn Đông, xã Tân Phú|20052021", { delay: 4 });
    await d.keyboard.press("Enter");
    await expectText(d.locator("#scan-msg"), /^Đã đọc thẻ CCCD: Trần Thị Bình, sinh ngày 15\/08\/1990/);
    assert.equal(await d.locator('input[name="name"]').inputValue(), "Trần Thị Bình");
    assert.equal(await d.locator('input[name="id_number"]').inputValue(), "001190012345");
    assert.equal(await d.locator('input[name="address"]').inputValue(), "Thôn Đông, xã Tân Phú");
    assert.equal(new URL(d.url()).pathname, "/ho-so/moi", "the scan's Enter did not submit the form");
    await d.locator('input[name="phone"]').fill("0987654321");
    await shot(d, "dossier-reception-form.png");
    await Promise.all([
      d.waitForURL((u) => /^\/ho-so\/[^/]+\/mau\/01$/.test(u.pathname)),
      d.locator('form[action="/ho-so/moi"][method="post"] button').click(),
    ]);
    dossierCode = decodeURIComponent(new URL(d.url()).pathname.split("/")[2]);
    assert.match(dossierCode, /^H40\.14-\d{6}-0001$/);
    await expectText(d.locator(".doc h1"), "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
    assert.ok(await d.locator(".doc svg.qr").isVisible(), "the receipt carries the QR code");
    receiptLink = (await d.locator(".qr-box p.small").textContent()).trim();
    assert.match(receiptLink, /\/tra-cuu\/[0-9a-f]+$/);
    await shot(d, "dossier-receipt-mau01.png");
    await d.emulateMedia({ media: "print" });
    const receiptPdf = await d.pdf({ path: path.join(ARTIFACTS, "dossier-receipt-mau01.pdf"), preferCSSPageSize: true, printBackground: true });
    assert.equal(pdfPages(receiptPdf), 1, "the receipt (Mẫu 01) is exactly one A4 sheet");
    // The tracking book prints landscape.
    const book = await ctx.counter.newPage();
    await book.goto(server.base + "/ho-so");
    await book.emulateMedia({ media: "print" });
    const bookPdf = await book.pdf({ path: path.join(ARTIFACTS, "dossier-book.pdf"), preferCSSPageSize: true });
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)/.exec(bookPdf.toString("latin1"));
    assert.ok(box && Number(box[1]) > Number(box[2]), "the book is landscape: " + (box && box[0]));
    await book.close();
    await d.emulateMedia({ media: "screen" });
    mark(`dossier ${dossierCode} received, receipt printed`);

    // The citizen's phone: code + last 4 digits of the phone.
    const phoneCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN", isMobile: true });
    const ph = await phoneCtx.newPage();
    ph.on("pageerror", (err) => pageErrors.push(`phone: ${err.message}`));
    await ph.goto(server.base + "/tra-cuu");
    await ph.locator('input[name="code"]').fill(dossierCode.toLowerCase());
    await ph.locator('input[name="last4"]').fill("4321");
    await Promise.all([ph.waitForLoadState("load"), ph.locator('form[action="/tra-cuu"] button').click()]);
    await expectText(ph.locator(".big-code"), dossierCode);
    await expectText(ph.locator(".result .tag"), "Được tiếp nhận");
    const text = await ph.locator("main").textContent();
    assert.ok(text.includes("Trần T.B.") && !text.includes("Trần Thị Bình"), "the name is masked");
    await shot(ph, "lookup-phone.png");
    await phoneCtx.close();

    // Digitized: the first paper scanned from the demo's simulated feeder (3 sheets);
    // thumbnails appear while scanning, then the page shows the stored PDF.
    await d.goto(server.base + "/ho-so/" + encodeURIComponent(dossierCode));
    await expectText(d.locator("#scan-device"), /Sẵn sàng/, { timeout: 5000 });
    const firstPaper = d.locator("#so-hoa tr[data-slot='paper-0']");
    await Promise.all([
      d.waitForEvent("load", { timeout: 15_000 }),
      firstPaper.locator("button[data-scan]").click(),
    ]);
    await expectText(d.locator("#so-hoa tr[data-slot='paper-0'] td a").first(), "PDF, 3 trang");
    assert.equal(await d.locator("#so-hoa tr[data-slot='paper-0'] .thumbs img").count(), 3);
    await shot(d, "dossier-scanned.png");
    mark("dossier paper scanned (3 pages) into a PDF");

    // Processed and resolved from the dossier screen.
    await d.goto(server.base + "/ho-so/" + encodeURIComponent(dossierCode));
    // The page leads with the normal next step; refusing or stopping is folded away.
    assert.ok(await d.locator('.next-step form.act-resolve').isVisible(), "resolve is the next step");
    assert.ok(!(await d.locator('form.act-stop').isVisible()), "stop is not shown at equal weight");
    await shot(d, "dossier-next-step.png");
    await Promise.all([
      d.waitForLoadState("load"),
      d.locator('.next-step form.act-resolve button').click(),
    ]);
    await expectText(d.locator(".status-line .tag").first(), "Đã xử lý xong");
    await expectText(d.locator("#done"), /Đã ghi nhận hoàn thành xử lý/);
    await shot(d, "dossier-resolved.png");
    await d.close();
    await c.locator("#act-finish").click();
    await expectText(c.locator("#cur-number"), "—");
    mark("dossier resolved; citizen lookup checked");
  });

  test("return visit: the kiosk takes the receipt code, the counter opens the dossier", async () => {
    assert.ok(dossierCode, "the reception test ran");
    const k = page.kiosk;
    if (await k.locator("#done").isVisible()) await k.locator("#done [data-back]").click();
    await k.locator("#start").waitFor({ state: "visible" });
    await k.locator("#result-open").click();
    await k.locator("#result").waitFor({ state: "visible" });
    assert.equal(await k.locator("#result-code").inputValue(), "H40.14-");
    for (const ch of dossierCode.slice("H40.14-".length)) {
      await k.locator(`#keypad .key[data-key="${ch}"]`).click();
    }
    assert.equal(await k.locator("#result-code").inputValue(), dossierCode);
    await shot(k, "kiosk-return-visit.png");
    await k.locator("#result-go").click();
    await k.locator("#done").waitFor({ state: "visible", timeout: 5000 });
    await expectText(k.locator("#done-number"), "A004");
    await expectText(k.locator("#done-area"), AREA_A);
    await shot(k, "kiosk-return-visit-issued.png");
    // Or the receipt's QR under the kiosk's code reader, from the start screen: the reader
    // types the lookup link and Enter, nothing has focus.
    await k.locator("#done [data-back]").click();
    await k.locator("#start").waitFor({ state: "visible" });
    await k.keyboard.type(receiptLink, { delay: 3 });
    await k.keyboard.press("Enter");
    await expectText(k.locator("#done-number"), "A005");
    await expectText(k.locator("#done-area"), AREA_A);


    const c = page.counter;
    await c.locator("#act-next").click();
    await expectText(c.locator("#cur-number"), "A004");
    const open = c.locator("#act-result");
    await poll("the 'open dossier' button for a return-visit ticket", () => open.isVisible());
    await expectText(open, `Mở hồ sơ ${dossierCode} để trả kết quả`);
    await shot(c, "counter-return-visit.png");
    const d = await ctx.counter.newPage();
    await d.goto(server.base + (await open.getAttribute("href")));
    await Promise.all([
      d.waitForLoadState("load"),
      d.locator('form:has(input[name="action"][value="return_result"]) button').click(),
    ]);
    await expectText(d.locator(".status-line .tag").first(), "Đã trả kết quả");
    // The nine legal indicators, asked of the citizen at the return: suggestions are
    // pre-selected; the officer corrects one and records them.
    const ind = d.locator("#danh-gia");
    await ind.waitFor({ state: "visible" });
    assert.equal(await ind.locator('input[type="radio"]:checked').count(), 9, "every criterion has a suggestion");
    await ind.locator('input[name="i6"][value="1"]').check();
    await shot(d, "dossier-indicators-form.png");
    await Promise.all([d.waitForLoadState("load"), ind.locator("button").click()]);
    await expectText(d.locator("#danh-gia p b"), /^Tổng 1[0-8]\/18 · ghi nhận /);
    await shot(d, "dossier-indicators-recorded.png");
    await d.close();
    await c.locator("#act-finish").click();
    // A005, the scanned receipt's ticket, is next at the same counter.
    await c.locator("#act-next").click();
    await expectText(c.locator("#cur-number"), "A005");
    await c.locator("#act-finish").click();
    mark("return visit: A004 → dossier returned; receipt QR at the kiosk → A005");
  });

  test("kiosk 'Tra cứu thủ tục': three taps to a procedure, print its papers, take a number", async () => {
    const k = page.kiosk;
    if (await k.locator("#done").isVisible()) await k.locator("#done [data-back]").click();
    await k.locator("#start").waitFor({ state: "visible" });
    await shot(k, "kiosk-start-with-catalog.png");
    await k.locator("#catalog-open").click(); // tap 1
    await k.locator("#catalog").waitFor({ state: "visible" });
    await shot(k, "kiosk-catalog.png");
    await k.locator('[data-cat-area="1"]').click(); // tap 2
    await k.locator("#cat-list .proc-btn").first().waitFor();
    await shot(k, "kiosk-catalog-area.png");
    await k.locator("#cat-list .proc-btn", { hasText: "Đăng ký khai sinh" }).click(); // tap 3
    await k.locator("#proc").waitFor({ state: "visible" });
    await expectText(k.locator("#proc-name"), "Đăng ký khai sinh");
    assert.equal(await k.locator("#proc-papers li").count(), 2);
    await shot(k, "kiosk-procedure.png");
    const before = fs.readdirSync(path.join(dataDir, "sim-printer")).filter((f) => f.endsWith(".png")).length;
    await k.locator("#proc-print").click();
    await expectText(k.locator("#proc-msg"), "Mời nhận danh sách giấy tờ in bên dưới.", { timeout: 5000 });
    const pngs = fs.readdirSync(path.join(dataDir, "sim-printer")).filter((f) => f.endsWith(".png")).sort();
    assert.equal(pngs.length, before + 1, "the checklist was printed");
    fs.copyFileSync(path.join(dataDir, "sim-printer", pngs[pngs.length - 1]), path.join(ARTIFACTS, "checklist-printed.png"));
    // Typing on the on-screen keyboard, without diacritics.
    await k.locator("#proc-back").click();
    await k.locator("#catalog").waitFor({ state: "visible" });
    for (const ch of "chung thuc") await k.locator(`#letters .key[data-key="${ch === " " ? "␣" : ch}"]`).click();
    await expectText(k.locator("#cat-list .proc-btn b").first(), "Chứng thực bản sao từ bản chính", { timeout: 3000 });
    await shot(k, "kiosk-catalog-search.png");
    await k.locator("#cat-list .proc-btn").first().click();
    await k.locator("#proc-ticket").click();
    await k.locator("#done").waitFor({ state: "visible", timeout: 5000 });
    await expectText(k.locator("#done-area"), AREA_A);
    mark("kiosk catalogue: 3 taps, checklist printed, search without diacritics, ticket taken");
    // Landscape: the same screens must fit a 1920×1080 kiosk.
    await k.setViewportSize({ width: 1920, height: 1080 });
    await k.locator("#done [data-back]").click();
    await k.locator("#catalog-open").click();
    await shot(k, "kiosk-catalog-landscape.png");
    await k.locator('[data-cat-area="1"]').click();
    await k.locator("#cat-list .proc-btn", { hasText: "Đăng ký khai sinh" }).click();
    await shot(k, "kiosk-procedure-landscape.png");
    const fits = await k.evaluate(() => [...document.querySelectorAll("#proc button")].every((b) => { const r = b.getBoundingClientRect(); return r.bottom <= innerHeight && r.right <= innerWidth; }));
    assert.ok(fits, "the procedure screen's buttons are on screen in landscape");
    await k.setViewportSize({ width: 1080, height: 1920 });
    await k.locator("#proc-back").click();
    await k.locator("#catalog [data-back]").click();
  });

  test("rating tablet: lights up when counter 1 finishes a ticket, one tap rates it", async () => {
    const r = page.rating;
    await r.goto(links.rating);
    assert.match(new URL(r.url()).pathname, /^\/danh-gia$/);
    // First use: the tablet is told which counter it stands at.
    await r.locator("#pick button", { hasText: "Quầy 1" }).click();
    await r.locator("#idle").waitFor({ state: "visible" });
    await shot(r, "rating-idle.png");
    const k = page.kiosk;
    if (await k.locator("#done").isVisible()) await k.locator("#done [data-back]").click();
    await k.locator("#start").waitFor({ state: "visible" });
    const before = ((await k.locator("#done-number").textContent()) ?? "").trim();
    await k.locator("#start .area-btn").first().click();
    const number = await poll("a new number on the kiosk", async () => {
      const n = ((await k.locator("#done-number").textContent()) ?? "").trim();
      return (await k.locator("#done").isVisible()) && n !== before && /^A\d{3}$/.test(n) ? n : null;
    });
    const c = page.counter;
    // The catalogue test's ticket is still waiting: serve it first, then ours.
    while ((await c.locator("#wait-count").textContent()).trim() !== "1 người") {
      await c.locator("#act-next").click();
      await poll("a called ticket", () => c.locator("#act-finish").isEnabled());
      await c.locator("#act-finish").click();
      await expectText(c.locator("#cur-number"), "—");
    }
    await c.locator("#act-next").click();
    await expectText(c.locator("#cur-number"), number);
    await c.locator("#act-start").click();
    await poll("finish enabled", () => c.locator("#act-finish").isEnabled());
    await c.locator("#act-finish").click();
    await r.locator("#ask").waitFor({ state: "visible", timeout: 3000 });
    await expectText(r.locator("#ask-number"), number);
    await expectText(r.locator("#ask-officer"), "Cán bộ 1");
    await shot(r, "rating-ask.png");
    // The tablet reloads (power blip, a tap on refresh): the same question comes back.
    await r.reload();
    await r.locator("#ask").waitFor({ state: "visible", timeout: 3000 });
    await expectText(r.locator("#ask-number"), number);
    await r.locator('.rate-key[data-level="5"]').click();
    await r.locator("#thanks").waitFor({ state: "visible", timeout: 3000 });
    await shot(r, "rating-thanks.png");
    const list = await ctx.counter.request.get(server.base + "/api/v1/ratings");
    const body = await list.json();
    assert.ok(body.ratings.some((x) => x.number === number && x.level === 5 && x.officer === "canbo1"), JSON.stringify(body));
    mark(`rating tablet rated ${number}`);
  });

  test("report page: the day's dossier, its rates and its nine indicators", async () => {
    assert.ok(dossierCode, "the reception test ran");
    const a = page.admin; // signed in by the admin test
    await a.goto(server.base + "/bao-cao");
    await expectText(a.locator(".report-table tr.total td").nth(2), "1");
    const text = await a.locator("main").textContent();
    assert.ok(text.includes("1 hồ sơ được đánh giá trong kỳ"), "the indicators recorded at the return are averaged");
    assert.ok(text.includes("Cách đếm: so thời điểm kết thúc xử lý với ngày hẹn trả theo ngày"));
    await shot(a, "report.png");
    await a.setViewportSize({ width: 1366, height: 2400 });
    await shot(a, "report-full.png");
    mark("report page: 1 dossier, rates, 9 indicators");
  });

  test("connected center: an online dossier appears live on the book; the admin's Kết nối tỉnh shows a refusal and replays it", async () => {
    const m = server.stdout.match(/Simulated province:\s+(http:\/\/\S+)/);
    assert.ok(m, "the demo prints its simulated province");
    const province = m[1];
    const o = page.counter; // canbo1, signed in by the counter test
    await o.goto(server.base + "/ho-so");
    const panel = o.locator("#online-waiting");
    await poll("the demo's online dossier on the book", async () => !(await panel.isHidden()) && (await panel.textContent()).includes("Nguyễn Thị Mai"));
    // A citizen files one on the portal now; the officer's book shows it without a reload.
    const filed = await fetch(province + "/_sim/online", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({
      MaHoSo: "000.00.00.H40.14-E2E-0001", MaTTHC: "1.001193", TenTTHC: "Đăng ký khai sinh", KenhThucHien: "2",
      ChuHoSo: "Đặng Thị Hương", SoDienThoai: "0913000222", TrangThaiHoSo: "1", NgayNopHoSo: "20261203080000",
      NgayTiepNhan: "", NgayHenTra: "", NgayTra: "", NgayKetThucXuLy: "",
      TaiLieuNop: [{ TenTepDinhKem: "Tờ khai đăng ký khai sinh", MaThanhPhanHoSo: "1" }] }) });
    assert.equal(filed.status, 204);
    await o.evaluate(() => Motcua.api("POST", "/api/v1/sync/pull"));
    await poll("the new online dossier, marked new, without a reload", async () => {
      const t = await panel.textContent();
      return t.includes("Đặng Thị Hương") && (await panel.locator("li.fresh").count()) === 1;
    }, { timeout: 10_000 });
    await shot(o, "book-online-dossier.png");

    // The province refuses one procedure; the admin sees why, fixes it, replays.
    await fetch(province + "/_sim/faults", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reject_codes: ["2.000815"] }) });
    const d = await o.evaluate(() => Motcua.api("POST", "/api/v1/dossiers", { procedure_code: "2.000815", applicant: { name: "Lý Văn Tú", phone: "0914000333" } }));
    const a = page.admin;
    await a.goto(server.base + "/admin#ket-noi-tinh");
    const rejected = a.locator("#sync-rejected");
    await poll("the refusal on the admin page", async () => {
      await a.locator("#sync-refresh").click();
      return (await rejected.textContent()).includes(d.code) && (await rejected.textContent()).includes("Logic xử lý không hợp lệ");
    }, { timeout: 15_000, interval: 700 });
    await expectText(a.locator("#sync-state"), /Đã kết nối\..*Tỉnh không nhận: 1/);
    await shot(a, "admin-ket-noi-tinh.png");
    await fetch(province + "/_sim/faults", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({}) });
    await rejected.locator("tr", { hasText: d.code }).locator("button", { hasText: "Gửi lại" }).click();
    await poll("replayed and accepted", async () => {
      const st = await (await fetch(province + "/_sim/state")).json();
      return st.dossiers[d.code] !== undefined;
    }, { timeout: 15_000, interval: 200 });
    await poll("the rejected list empties", async () => (await rejected.textContent()).includes("Không có hồ sơ nào bị tỉnh từ chối"), { timeout: 10_000 });
    // The profile form is there, with the machine's address fixed by the demo's config.
    assert.equal(await a.locator("#pv-url").getAttribute("readonly"), "");
    mark("connected center: online dossier live, refusal replayed");
  });

  test("certified e-copy: the officer files the scan on /chung-thuc, the admin signs, the QR's page says genuine", async () => {
    // A scanned original: the one `motcua sign demo` writes.
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "motcua-e2e-copy-"));
    const { spawnSync } = await import("node:child_process");
    const made = spawnSync(MOTCUA_BIN, ["sign", "demo", dir], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const o = page.counter; // canbo1
    await o.goto(server.base + "/chung-thuc");
    await o.locator("#ecopy-send").click();
    await expectText(o.locator("#ecopy-msg"), /Chưa nhập họ tên người yêu cầu.*Chưa (quét bản chính|chọn bản quét)/);
    await o.fill("#ecopy-citizen", "Võ Thị Hạnh");
    await o.fill("#ecopy-document", "Giấy khai sinh số 45/1990, UBND xã Tân Phú cấp");
    await o.fill("#ecopy-copies", "2");
    await o.setInputFiles("#ecopy-file", path.join(dir, "original.pdf"));
    await Promise.all([o.waitForURL(/xong=yeu-cau/), o.locator("#ecopy-send").click()]);
    await expectText(o.locator("#ecopy-pending"), /Võ Thị Hạnh/);
    assert.ok((await o.locator("#ecopy-pending").textContent()).includes("Chờ Chủ tịch hoặc Phó Chủ tịch ký"), "an officer cannot sign");
    // A second citizen: the original scanned right here, on the demo's simulated scanner.
    await o.goto(server.base + "/chung-thuc");
    await o.fill("#ecopy-citizen", "Đặng Văn Tùng");
    await o.fill("#ecopy-document", "Bằng tốt nghiệp THPT số 0012345");
    await o.selectOption("#ecopy-source", "platen");
    await o.locator("#ecopy-scan").click();
    await expectText(o.locator("#ecopy-scan-msg"), /Đã quét 1 trang/);
    await Promise.all([o.waitForURL(/xong=yeu-cau/), o.locator("#ecopy-send").click()]);
    await expectText(o.locator("#ecopy-pending"), /Đặng Văn Tùng/);
    await shot(o, "ecopy-desk-officer.png");
    const a = page.admin;
    await a.goto(server.base + "/chung-thuc");
    a.once("dialog", (d) => d.accept());
    await Promise.all([a.waitForURL(/xong=cap/), a.locator("#ecopy-pending tr", { hasText: "Võ Thị Hạnh" }).locator("button", { hasText: "Ký số và cấp bản sao" }).click()]);
    const done = a.locator("#ecopy-done-list tr", { hasText: "Võ Thị Hạnh" });
    await expectText(done, /Số chứng thực \d+ Quyển số 01\/\d{4}-SCTĐT\/BS/);
    assert.ok((await done.textContent()).includes("8.000đ"), "2 pages × 2.000đ × 2 copies");
    await shot(a, "ecopy-desk-issued.png");
    const copy = await (await a.request.get(server.base + (await done.locator("a", { hasText: "Tải bản sao" }).getAttribute("href")))).body();
    // Incremental updates rewrite page objects; the page tree's last /Count is the truth.
    const counts = [...copy.toString("latin1").matchAll(/\/Count\s+(\d+)/g)];
    assert.equal(Number(counts.at(-1)[1]), 3, "the original's 2 pages and the lời chứng");
    // The QR's page, on a phone, with no login.
    const url = await done.locator("a", { hasText: "Trang kiểm tra" }).getAttribute("href");
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN" });
    const p = await phone.newPage();
    await p.goto(url);
    await expectText(p.locator("#ecopy-verdict"), /Bản sao điện tử hợp lệ/);
    assert.ok((await p.locator("#ecopy-verdict").textContent()).includes("Võ T.H."), "the name is masked");
    await p.screenshot({ path: path.join(ARTIFACTS, "ecopy-verify-phone.png"), fullPage: true });
    await phone.close();
    await fsp.rm(dir, { recursive: true, force: true });
    mark("certified e-copy: filed, signed, verified on a phone");
  });

  test("no uncaught errors in the pages", () => {
    assert.deepEqual(pageErrors, []);
  });

  test("server stops gracefully on SIGTERM (exit code 0)", async () => {
    await withTimeout(browser.close(), 10_000, "browser.close()");
    browser = null;
    const { code, signal, err } = await server.stop();
    assert.equal(err, undefined);
    assert.equal(signal, null, `motcua died by signal ${signal}`);
    assert.equal(code, 0, `motcua exit code ${code}; see ${ARTIFACTS}/server.log`);
    mark("server stopped");
  });
});

// Last line of defence: never leave motcua running, never hang past the budget.
process.on("exit", () => {
  for (const proc of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
});
const guard = setTimeout(() => {
  console.error(`e2e: overall budget of ${OVERALL_MS / 1000 + 15} s exceeded, aborting`);
  process.exit(1);
}, OVERALL_MS + 15_000);
guard.unref();
