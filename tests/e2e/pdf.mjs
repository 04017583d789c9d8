// Prints a page to PDF as Chromium does (A4, the page's own @page rules), after signing in.
// Usage: node pdf.mjs BASE USER PATH OUT.pdf
import { chromium } from "playwright-core";
const [base, user, path, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(base + "/login");
await page.fill('input[name="username"]', user);
await page.fill('input[name="password"]', process.env.PASSWORD || "demo");
await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type="submit"]')]);
await page.goto(base + path);
await page.emulateMedia({ media: "print" });
await page.pdf({ path: out, preferCSSPageSize: true, printBackground: true });
await browser.close();
