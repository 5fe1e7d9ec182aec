// The end-to-end scenario of the npm package, run the same in Node and in Chromium.
//
// run(chinwag, env, log): `chinwag` is the package's module; `env` gives `url`,
// `notify(userId, kind)` → HTTP status, `stopServer()` and `startServer()` (same address,
// same database); `log(line)` reports progress. Throws on the first failed check.

export function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Events of one client through the `onEvent` callback. */
export class Inbox {
  constructor(client) {
    this.events = [];
    this.wake = null;
    client.onEvent((event) => {
      this.events.push(event);
      this.wake?.();
    });
  }

  /** The first event `pick` maps to a value (within 20 s); earlier events are dropped. */
  async next(what, pick) {
    const deadline = Date.now() + 20000;
    for (;;) {
      while (this.events.length) {
        const value = pick(this.events.shift());
        if (value !== undefined && value !== null) return value;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => {
        this.wake = r;
        setTimeout(r, Math.min(left, 250));
      });
    }
  }
}

/** Text of a message event from `sender`, else undefined. */
export const textFrom = (sender) => (e) =>
  e.type === "message" && e.data.sender === sender && e.data.content.contentType === "text"
    ? e.data.content.body
    : undefined;

/** Resolves to the error a promise rejects with (fails if it resolves). */
export async function rejection(promise, what) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error(`check failed: ${what} should have been rejected`);
}

export async function run(chinwag, env, log) {
  const { ChinwagClient } = chinwag;
  const tag = `${Date.now() % 1e8}${Math.floor(Math.random() * 1000)}`;
  const password = "pw-123456";
  const options = { heartbeatIntervalMs: 1000, backoffBaseMs: 50, backoffCapMs: 500 };
  const alice = new ChinwagClient(env.url, options);
  const bob = new ChinwagClient(env.url, options);
  const aliceInbox = new Inbox(alice);
  const bobInbox = new Inbox(bob);

  // Register and log in.
  const aliceId = await alice.auth.register(`alice${tag}`, password);
  const bobId = await bob.auth.register(`bob${tag}`, password);
  check(typeof aliceId === "number" && bobId > aliceId, "register resolves to increasing numeric ids");
  const session = await alice.auth.login(`alice${tag}`, password);
  await bob.auth.login(`bob${tag}`, password);
  check(session.userId === aliceId && alice.userId() === aliceId, "login resolves to the session");
  check(alice.connectionState().state === "connected", "login resolves once connected");
  log("register and login");

  // Errors are JS Errors with a code.
  const wrong = await rejection(new ChinwagClient(env.url).auth.login(`alice${tag}`, "nope"), "a wrong password");
  check(wrong instanceof Error && wrong.code === "auth" && wrong.message.length > 0, "a wrong password rejects with code auth");
  let badUrl;
  try {
    new ChinwagClient("not a url");
  } catch (e) {
    badUrl = e;
  }
  check(badUrl instanceof Error && badUrl.code === "invalid_input", "a bad URL throws invalid_input");
  let snakeOption;
  try {
    new ChinwagClient(env.url, { heartbeat_interval_ms: 1000 });
  } catch (e) {
    snakeOption = e;
  }
  check(snakeOption?.code === "invalid_input", "options are camelCase: heartbeat_interval_ms is refused");
  const badId = await rejection(alice.users.get(1.5), "a fractional id");
  check(badId.code === "invalid_input", "a fractional id rejects with invalid_input");
  const badTarget = await rejection(alice.messages.sendText({ nobody: 1 }, "x"), "a malformed target");
  check(badTarget.code === "invalid_input", "a malformed target rejects with invalid_input");
  log("errors carry codes");

  // Friends and a direct message, through the onEvent callback.
  check((await alice.friends.ask(bobId)) === false, "the first friend request waits");
  check((await bob.friends.ask(aliceId)) === true, "the second makes friends");
  check(JSON.stringify(await alice.friends.list()) === JSON.stringify([bobId]), "friends lists bob");
  const sent = await alice.messages.sendText({ user: bobId }, "hello from js ✓");
  check(typeof sent.id === "number" && sent.gid.length > 0, "the direct message is stored");
  check(typeof sent.timestampMs === "number" && !("timestamp_ms" in sent), "a receipt's fields are camelCase");
  const got = await bobInbox.next("bob's direct message", textFrom(aliceId));
  check(got === "hello from js ✓", "bob receives the direct message");
  log("friends and a direct message");

  // A group: invitation, acceptance, a group message through the async iterator.
  const group = await alice.groups.create("js-team");
  await alice.requests.invite(group, bobId);
  const invitation = (await bob.requests.list()).find((i) => Number(i.groupId) === group);
  check(invitation !== undefined, "bob sees the invitation");
  await bob.requests.accept(Number(invitation.id));
  check((await bob.groups.info(group)).usersId.map(Number).includes(bobId), "bob joined the group");
  const stream = alice.events();
  await bob.messages.send({ group }, { contentType: "json", body: '{"n":1}' });
  let groupMessage;
  for await (const event of stream) {
    if (event.type === "message" && event.data.chat.group === group) {
      groupMessage = event.data;
      break;
    }
  }
  check(groupMessage?.content.body === '{"n":1}', "alice iterates to bob's group message");
  check(groupMessage.content.contentType === "json" && typeof groupMessage.chatGid === "string" && groupMessage.chatGid.length > 0
    && typeof groupMessage.timestampMs === "number", "a message's fields are camelCase");
  const after = await stream.next();
  check(after.done === true, "break ends the iterator");
  log("group invitation and message");

  // A backend notification.
  const status = await env.notify(bobId, "promo");
  check(status >= 200 && status < 300, `the backend posts a notification (${status})`);
  const kind = await bobInbox.next("the notification", (e) => (e.type === "notification" ? e.data.kind : undefined));
  check(kind === "promo", "bob receives the notification");
  log("notification");

  // The server restarts: messages sent meanwhile arrive once each, in order.
  await env.stopServer();
  const retrying = await bobInbox.next("bob noticing the outage", (e) =>
    e.type === "connection" && e.data.state === "reconnecting" ? e.data : undefined);
  check(typeof retrying.retryInMs === "number" && retrying.attempt >= 1, "the reconnecting state says when, in camelCase");
  const sends = [1, 2, 3, 4, 5].map((n) => alice.messages.sendText({ user: bobId }, `during outage ${n}`));
  await sleep(300);
  check(alice.pendingSends().length === 5, "the sends wait in the outbox while the server is down");
  await env.startServer();
  await Promise.all(sends);
  await alice.messages.sendText({ user: bobId }, "after restart");
  const received = [];
  await bobInbox.next("every message after the restart", (e) => {
    const text = textFrom(aliceId)(e);
    if (text === undefined) return undefined;
    received.push(text);
    return text === "after restart" ? true : undefined;
  });
  const expected = ["during outage 1", "during outage 2", "during outage 3", "during outage 4", "during outage 5", "after restart"];
  check(JSON.stringify(received) === JSON.stringify(expected), `no message lost or doubled: ${JSON.stringify(received)}`);
  check(alice.pendingSends().length === 0, "the outbox is empty");
  log("reconnect after a server restart");

  await alice.auth.logout();
  check(alice.session() === null, "logout forgets the session");
  await bob.shutdown();
  alice.free();
  bob.free();
}
