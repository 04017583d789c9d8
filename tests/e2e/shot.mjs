// Looks at pages as a person would: signs in, opens a page at a real size, saves a PNG.
// Usage: node shot.mjs BASE USER PATH OUT.png [WIDTHxHEIGHT] [CSS-SELECTOR] [--full]
import { chromium } from "playwright-core";
const [base, user, path, out, size = "1366x768", selector, full] = process.argv.slice(2);
const [width, height] = size.split("x").map(Number);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width, height } });
if (user !== "-") {
  await page.goto(base + "/login");
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', process.env.PASSWORD || "demo");
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"], form button')]);
}
await page.goto(base + path);
await page.waitForTimeout(800);
if (selector && selector !== "-") await (await page.$(selector)).screenshot({ path: out });
else await page.screenshot({ path: out, fullPage: full === "--full" });
await browser.close();
