// The browser store (IndexedDB), in Chromium: a send made while the server is down waits in
// the store across a "reload" (the client shut down and opened again on the same database),
// the chat shows at once with the server still down, and the send arrives exactly once.
//
// runStore(chinwag, env, log): as run() in scenario.mjs.
import { Inbox, check, rejection, sleep, textFrom } from "./scenario.mjs";

export async function runStore(chinwag, env, log) {
  const { ChinwagClient } = chinwag;
  const tag = `${Date.now() % 1e8}${Math.floor(Math.random() * 1000)}`;
  const password = "pw-123456";
  const options = { heartbeatIntervalMs: 1000, backoffBaseMs: 50, backoffCapMs: 500 };
  const onStore = { ...options, storeName: `chinwag-${tag}` };
  const peer = new ChinwagClient(env.url, options);
  const peerInbox = new Inbox(peer);
  const app = await ChinwagClient.open(env.url, onStore);
  const appId = await app.auth.register(`app${tag}`, password);
  await app.auth.login(`app${tag}`, password);
  const peerId = await peer.auth.register(`peer${tag}`, password);
  await peer.auth.login(`peer${tag}`, password);
  await app.friends.ask(peerId);
  await peer.friends.ask(appId);
  await app.messages.sendText({ user: peerId }, "while online");
  const held = await rejection(ChinwagClient.open(env.url, onStore), "a second client on the store");
  check(held.code === "store", `a second client on the store is refused with code store (${held.code})`);
  log("a client on an IndexedDB store");

  await env.stopServer();
  const waiting = app.messages.sendText({ user: peerId }, "while offline");
  for (let i = 0; i < 100 && app.pendingSends().length === 0; i++) await sleep(10);
  check(app.pendingSends().length === 1, "the send waits while the server is down");
  const gid = app.pendingSends()[0];
  const shownNow = app.messages.recent({ user: peerId }).map((m) => m.delivery.state);
  check(JSON.stringify(shownNow) === '["sent","pending"]', `shown at once as pending: ${shownNow}`);
  await app.shutdown();
  check((await rejection(waiting, "a send cut by shutdown")).code === "closed", "shutdown ends the wait");
  app.free();

  // The page "reloads": a client opened on the same database, the server still down.
  const again = await ChinwagClient.open(env.url, onStore);
  check(again.userId() === appId, "the session comes back from the store, no login");
  const shown = again.messages.recent({ user: peerId }).map((m) => [m.content.body, m.delivery.state]);
  const want = [["while online", "sent"], ["while offline", "pending"]];
  check(JSON.stringify(shown) === JSON.stringify(want), `the chat shows offline: ${JSON.stringify(shown)}`);
  check(again.messages.unsent().map((m) => m.gid).join() === gid, "the send is listed as unsent");
  log("the chat shows offline after a reload");

  await env.startServer();
  const texts = [];
  await peerInbox.next("the send made offline", (e) => {
    const text = textFrom(appId)(e);
    if (text === undefined) return undefined;
    texts.push(text);
    return text === "while offline" ? true : undefined;
  });
  check(JSON.stringify(texts) === '["while online","while offline"]', `each once: ${JSON.stringify(texts)}`);
  for (let i = 0; i < 200 && again.pendingSends().length > 0; i++) await sleep(25);
  check(again.pendingSends().length === 0, "the server's answer takes the send out");
  check(again.messages.recent({ user: peerId }).at(-1).delivery.state === "sent", "it turns sent");
  const page = await peer.chats.history(await peer.chats.openDirect(appId), 1, 20);
  check(page.messages.filter((m) => m.gid === gid).length === 1, "the server stored it once");
  log("the send made offline arrives once");

  await again.shutdown();
  again.free();
  await peer.shutdown();
  peer.free();
}
