// Two people chat through the example page: two Chromium browser contexts (separate storage,
// separate SDK clients) against one chinwag-server, driven through the page's own forms and
// buttons. Screenshots of both windows go to $SCREENSHOT_DIR (default target/web-example):
// alice.png and bob.png at the end, *-failed.png when a step fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_LAUNCH } from "../../../bindings/typescript/test/chromium.mjs";
import { startExample } from "../serve.mjs";

const PASSWORD = "correct horse 9";

/** A browser context on the page; page errors are collected, console lines echoed. */
async function openPage(browser, url, who) {
  const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => console.log(`[${who}] ${m.text()}`));
  await page.goto(url);
  return page;
}

/** Fills the sign-in form and presses `button`. */
async function submitSignIn(page, name, password, button) {
  const form = page.locator("#sign-in-form");
  await form.locator("input[name=name]").fill(name);
  await form.locator("input[name=password]").fill(password);
  await form.getByRole("button", { name: button }).click();
}

/** Waits until `selector` has an element containing `text`. */
const waitText = (page, selector, text) => page.locator(selector).filter({ hasText: text }).first().waitFor();

async function signedIn(page, name) {
  await waitText(page, "#me", `Signed in as ${name}`);
  await page.locator("#connection.connected").waitFor();
}

/** Types `text` into the composer and sends it. */
async function type(page, text) {
  await page.locator("#composer input[name=text]").fill(text);
  await page.locator("#composer input[name=text]").press("Enter");
}

/** Sends `text` and waits for the server's acknowledgement. */
async function send(page, text) {
  await type(page, text);
  // Acknowledged: the bubble shows a time instead of "sending…".
  await page.locator("#messages li.mine").filter({ hasText: text }).filter({ hasNotText: "sending" }).waitFor();
}

const chatItem = (page, title) => page.locator("#chats li").filter({ hasText: title });

const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? "target/web-example";

/** Saves a screenshot of each page as `<name><suffix>.png`. */
async function screenshots(pages, suffix) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const [name, page] of Object.entries(pages)) {
    const path = join(SCREENSHOT_DIR, `${name}${suffix}.png`);
    await page.screenshot({ path });
    console.log(`screenshot: ${path}`);
  }
}

test("two browser windows chat through the example page", async () => {
  const example = await startExample();
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const pages = {};
  try {
    const alice = (pages.alice = await openPage(browser, example.url, "alice"));
    const bob = (pages.bob = await openPage(browser, example.url, "bob"));

    // A wrong login shows the SDK's error code in the status line; the form stays.
    await submitSignIn(bob, "bob", PASSWORD, "Log in");
    await waitText(bob, "#status.error", "(auth)");
    assert.equal(await bob.locator("#sign-in").isVisible(), true);

    await submitSignIn(alice, "alice", PASSWORD, "Create account");
    await signedIn(alice, "alice");
    await submitSignIn(bob, "bob", PASSWORD, "Create account");
    await signedIn(bob, "bob");

    // Friends: alice asks, bob sees the request and accepts; both get the direct chat.
    await alice.locator("#add-friend input[name=name]").fill("bob");
    await alice.locator("#add-friend").getByRole("button", { name: "Add" }).click();
    await waitText(alice, "#status", "Asked bob to be friends");
    await waitText(bob, "#requests li", "alice wants to be friends");
    await bob.locator("#requests li").getByRole("button", { name: "Accept" }).click();
    await waitText(bob, "#title", "alice");
    await chatItem(alice, "bob").click();
    await waitText(alice, "#title", "bob");

    // Live direct messages both ways.
    await send(alice, "hi bob 👋");
    await waitText(bob, "#messages li", "hi bob 👋");
    await send(bob, "hello alice");
    await waitText(alice, "#messages li:not(.mine)", "hello alice");

    // A group chat: alice creates it with bob; bob's list shows it with an unread count.
    await alice.locator("#new-group input[name=name]").fill("weekend");
    await alice.locator("#new-group input[name=members]").fill("bob");
    await alice.locator("#new-group").getByRole("button", { name: "Create" }).click();
    await waitText(alice, "#title", "weekend");
    await chatItem(bob, "weekend").waitFor();
    await send(alice, "who is in on saturday?");
    await chatItem(bob, "weekend").locator(".unread", { hasText: "1" }).waitFor();
    await chatItem(bob, "weekend").click();
    await waitText(bob, "#messages li", "who is in on saturday?");
    assert.match(await bob.locator("#messages li").last().locator(".meta").textContent(), /^alice · /);
    await send(bob, "me!");
    await waitText(alice, "#messages li:not(.mine)", "me!");

    // The server goes away: the badge says so, a message waits as "sending…", and once the
    // server is back it is delivered.
    await example.server.stop();
    await alice.locator("#connection.reconnecting").waitFor();
    await type(alice, "sent while offline");
    await alice.locator("#messages li.mine").filter({ hasText: "sent while offline" }).filter({ hasText: "sending…" }).waitFor();
    await example.server.start();
    await alice.locator("#connection.connected").waitFor();
    await alice.locator("#messages li.mine").filter({ hasText: "sent while offline" }).filter({ hasNotText: "sending" }).waitFor();
    await waitText(bob, "#messages li:not(.mine)", "sent while offline");

    // A reload restores bob's session, and the direct chat's history comes back in order.
    await bob.reload();
    await signedIn(bob, "bob");
    await chatItem(bob, "alice").click();
    await waitText(bob, "#messages li", "hello alice");
    const history = await bob.locator("#messages li .bubble").allTextContents();
    assert.deepEqual(history, ["hi bob 👋", "hello alice"]);

    await screenshots(pages, "");
    assert.deepEqual([...alice.errors, ...bob.errors], [], "no errors on the pages");
  } catch (e) {
    await screenshots(pages, "-failed").catch(() => {});
    throw e;
  } finally {
    await browser.close();
    await example.close();
  }
});
