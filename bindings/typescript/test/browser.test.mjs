// The scenario in headless Chromium (playwright-core, Debian's /usr/bin/chromium): the page
// imports the installed package from a loopback static server; the server under test (with
// CORS for that origin) is stopped and started from here.
import { test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM_LAUNCH } from "./chromium.mjs";
import { TestServer } from "./server.mjs";
import { serveStatic } from "./static.mjs";

test("the npm package in Chromium: chat end to end, through a server restart; the IndexedDB store across a reload", async () => {
  const site = await serveStatic(process.cwd());
  const server = new TestServer(["--cors-origin", site.origin]);
  await server.start();
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    page.on("console", (m) => console.log(`[page] ${m.text()}`));
    page.on("pageerror", (e) => console.log(`[page error] ${e.message}`));
    await page.exposeFunction("notifyUser", (to, kind) => server.notify(to, kind));
    await page.exposeFunction("stopServer", () => server.stop());
    await page.exposeFunction("startServer", () => server.start());
    await page.goto(`${site.origin}/test/browser.html`);
    const outcome = await page.evaluate(async (url) => {
      const chinwag = await import("chinwag");
      const { run } = await import("./scenario.mjs");
      const { runStore } = await import("./store-scenario.mjs");
      const env = { url, notify: window.notifyUser, stopServer: window.stopServer, startServer: window.startServer };
      try {
        await run(chinwag, env, (line) => console.log(`ok - ${line}`));
        await runStore(chinwag, env, (line) => console.log(`ok - ${line}`));
        return "passed";
      } catch (e) {
        return `failed: ${e.message}`;
      }
    }, server.url);
    if (outcome !== "passed") throw new Error(outcome);
  } finally {
    await browser.close();
    await server.close();
    await site.close();
  }
});
