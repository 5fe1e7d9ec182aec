// The chat page: one ChinwagClient per tab. Everything on screen comes from the SDK's calls
// (chats, history, friends) and its events (messages, chat changes, presence, connection).
import { ChinwagClient } from "chinwag";

/** sessionStorage key of `{ server, session }`: a reload restores the session. */
const SAVED = "chinwag-example";
/** How often the friend requests are fetched again: the server pushes no event for them. */
const REQUEST_POLL_MS = 3000;
const OPTIONS = { heartbeatIntervalMs: 5000, backoffBaseMs: 250, backoffCapMs: 5000 };

const $ = (selector) => document.querySelector(selector);

/** @type {ChinwagClient | null} */
let client = null;
/** The signed-in session. */
let me = null;
/** gid → { chat, title, other (user id of a one-to-one chat), messages (Map or null until
 * opened), unread, last (ms of the latest activity) }. */
const chats = new Map();
/** The gid on screen. */
let current = null;
/** User id → display name. */
const names = new Map();
/** Ids of users currently online. */
const online = new Set();
let requestTimer = null;
let shownRequests = "";
let localSeq = 0;

/** A new element with `props` and `children`. */
function node(tag, props = {}, ...children) {
  const n = Object.assign(document.createElement(tag), props);
  n.append(...children);
  return n;
}

function status(text, error = false) {
  $("#status").textContent = text;
  $("#status").className = error ? "error" : "";
}

const explain = (e) => (e?.code ? `${e.message} (${e.code})` : String(e?.message ?? e));

/** Runs `fn`, showing a failure in the status line instead of throwing. */
async function attempt(what, fn) {
  try {
    return await fn();
  } catch (e) {
    status(`${what} failed: ${explain(e)}`, true);
    return undefined;
  }
}

// ---- signing in and out ----

function showSignIn() {
  $("#chat").hidden = true;
  $("#logout").hidden = true;
  $("#sign-in").hidden = false;
  $("#me").textContent = "";
  const server = $("#sign-in-form").elements.server;
  server.value ||= new URLSearchParams(location.search).get("server") ?? "http://127.0.0.1:8080";
}

/** Makes a client for `server`, lets `authenticate(client)` resolve to a session, then shows
 * the chat view; a client that failed to authenticate is shut down. */
async function signIn(server, authenticate) {
  const c = new ChinwagClient(server, OPTIONS);
  let session;
  try {
    session = await authenticate(c);
  } catch (e) {
    c.shutdown().catch(() => {});
    throw e;
  }
  sessionStorage.setItem(SAVED, JSON.stringify({ server, session }));
  client = c;
  me = session;
  names.set(me.userId, me.name);
  online.add(me.userId);
  client.onEvent(onEvent);
  $("#sign-in").hidden = true;
  $("#chat").hidden = false;
  $("#logout").hidden = false;
  $("#me").textContent = `Signed in as ${me.name}`;
  showConnection(client.connectionState());
  status("");
  await Promise.all([loadChats(), loadRequests()]);
  requestTimer = setInterval(() => loadRequests().catch(() => {}), REQUEST_POLL_MS);
}

async function signOut(tellServer) {
  clearInterval(requestTimer);
  sessionStorage.removeItem(SAVED);
  const c = client;
  client = null;
  if (c) {
    if (tellServer) await c.auth.logout().catch(() => {});
    await c.shutdown().catch(() => {});
  }
  chats.clear();
  names.clear();
  online.clear();
  current = null;
  shownRequests = "";
  $("#chats").replaceChildren();
  $("#requests").replaceChildren();
  $("#messages").replaceChildren();
  $("#title").textContent = "Pick a chat";
  $("#composer").hidden = true;
  showConnection({ state: "disconnected" });
  showSignIn();
}

$("#sign-in-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const register = ev.submitter?.value === "register";
  const { server, name, password } = Object.fromEntries(new FormData(ev.target));
  await attempt(register ? "Creating the account" : "Logging in", () =>
    signIn(server, async (c) => {
      if (register) await c.auth.register(name, password);
      return c.auth.login(name, password);
    }));
});

$("#logout").addEventListener("click", () => signOut(true));

// ---- events ----

function onEvent(event) {
  switch (event.type) {
    case "message":
      receive(event.data).catch((e) => status(explain(e), true));
      break;
    case "chat_changed":
    case "members_changed":
      loadChats().catch((e) => status(explain(e), true));
      break;
    case "presence":
      if (event.data.status === "offline") online.delete(event.data.user);
      else online.add(event.data.user);
      renderChats();
      break;
    case "connection":
      showConnection(event.data);
      break;
    case "kicked":
      signOut(false).then(() => status(`Signed out by the server: ${event.data.reason}`, true));
      break;
  }
}

function showConnection(state) {
  const badge = $("#connection");
  badge.className = `badge ${state.state}`;
  badge.textContent = state.state === "reconnecting" ? `reconnecting (attempt ${state.attempt})` : state.state;
}

async function receive(message) {
  let entry = chats.get(message.chatGid);
  if (!entry) {
    await loadChats();
    entry = chats.get(message.chatGid);
    if (!entry) return;
  }
  entry.messages?.set(message.id, message);
  entry.last = Math.max(entry.last, message.timestampMs);
  if (message.sender !== me.userId && current !== message.chatGid) entry.unread += 1;
  renderChats();
  if (current === message.chatGid) renderMessages();
}

// ---- chats ----

async function nameOf(id) {
  if (!names.has(id)) {
    const user = await client.users.get(id);
    names.set(id, user.realname || user.account);
    if (user.status && user.status !== "offline") online.add(id);
  }
  return names.get(id);
}

/** The other member of a one-to-one chat (its gid is "<a>&<b>"). */
function otherMember(chat) {
  const ids = chat.gid.split("&").map(Number);
  return ids[0] === me.userId ? ids[1] : ids[0];
}

async function loadChats() {
  const list = await client.chats.list();
  for (const chat of list) {
    const entry = chats.get(chat.gid) ?? { messages: null, unread: 0, last: 0 };
    entry.chat = chat;
    entry.other = chat.type === "one2one" ? otherMember(chat) : null;
    entry.title = entry.other !== null ? await nameOf(entry.other) : chat.name || "(unnamed group)";
    entry.last = Math.max(entry.last, (chat.lastActiveTime ?? 0) * 1000);
    chats.set(chat.gid, entry);
  }
  renderChats();
}

function renderChats() {
  const items = [...chats.entries()]
    .sort(([, a], [, b]) => b.last - a.last || a.title.localeCompare(b.title))
    .map(([gid, entry]) => {
      const dot = node("span", { className: "dot" });
      if (entry.other !== null && online.has(entry.other)) dot.classList.add("online");
      const li = node("li", { className: gid === current ? "current" : "" },
        entry.other !== null ? dot : node("span", { textContent: "#" }),
        node("span", { className: "name", textContent: entry.title }));
      if (entry.unread) li.append(node("span", { className: "unread", textContent: String(entry.unread) }));
      li.dataset.gid = gid;
      li.addEventListener("click", () => attempt("Opening the chat", () => openChat(gid)));
      return li;
    });
  $("#chats").replaceChildren(...items);
}

async function openChat(gid) {
  const entry = chats.get(gid);
  current = gid;
  entry.unread = 0;
  $("#title").textContent = entry.title;
  $("#composer").hidden = false;
  renderChats();
  if (!entry.messages) {
    // Live messages that arrive while the history loads go into the same map.
    entry.messages = new Map();
    const page = await client.chats.history(entry.chat, 1, 50);
    for (const m of page.messages) entry.messages.set(m.id, m);
  }
  renderMessages();
  $("#composer").elements.text.focus();
}

function renderMessages() {
  const entry = chats.get(current);
  const order = (m) => m.id ?? Number.MAX_SAFE_INTEGER - 1e6 + m.localSeq;
  const items = [...entry.messages.values()].sort((a, b) => order(a) - order(b)).map((m) => {
    const mine = m.sender === me.userId;
    const time = new Date(m.timestampMs).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const who = mine ? "" : `${names.get(m.sender) ?? `user ${m.sender}`} · `;
    const meta = m.failed ?? (m.id === undefined ? "sending…" : `${who}${time}`);
    const li = node("li", { className: [mine && "mine", m.failed && "failed"].filter(Boolean).join(" ") },
      node("span", { className: "bubble", textContent: m.content.body }),
      node("span", { className: "meta", textContent: meta }));
    return li;
  });
  $("#messages").replaceChildren(...items);
  $("#messages").scrollTop = $("#messages").scrollHeight;
}

$("#composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = ev.target.elements.text;
  const text = input.value;
  input.value = "";
  const gid = current;
  const entry = chats.get(gid);
  const local = {
    localSeq: ++localSeq,
    sender: me.userId,
    content: { contentType: "text", body: text },
    timestampMs: Date.now(),
  };
  const key = `local-${local.localSeq}`;
  entry.messages.set(key, local);
  renderMessages();
  try {
    // While the connection is down the SDK keeps the message and sends it on reconnect.
    const sent = await client.messages.send(client.targetOf(entry.chat), local.content);
    entry.messages.delete(key);
    if (sent.id === undefined) {
      local.failed = "not delivered: you are not friends, or you are blocked";
      entry.messages.set(key, local);
    } else {
      entry.messages.set(sent.id, { ...local, id: sent.id, timestampMs: sent.timestampMs ?? local.timestampMs });
      entry.last = Math.max(entry.last, sent.timestampMs ?? 0);
    }
  } catch (e) {
    local.failed = `not sent: ${explain(e)}`;
  }
  if (current === gid) renderMessages();
  renderChats();
});

// ---- friends and groups ----

async function loadRequests() {
  if (!client) return;
  const ids = await client.friends.requests();
  const key = JSON.stringify(ids);
  if (key === shownRequests) return;
  shownRequests = key;
  const items = await Promise.all(ids.map(async (id) => {
    const name = await nameOf(id);
    const accept = node("button", { textContent: "Accept" });
    accept.addEventListener("click", () => attempt("Accepting", async () => {
      await client.friends.ask(id);
      const chat = await client.chats.openDirect(id);
      await Promise.all([loadRequests(), loadChats()]);
      await openChat(chat.gid);
      status(`You and ${name} are friends`);
    }));
    const decline = node("button", { className: "secondary", textContent: "Decline" });
    decline.addEventListener("click", () => attempt("Declining", async () => {
      await client.friends.remove(id);
      await loadRequests();
    }));
    return node("li", {}, node("span", { textContent: `${name} wants to be friends` }), accept, decline);
  }));
  $("#requests").replaceChildren(...items);
}

$("#add-friend").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = ev.target.elements.name.value.trim();
  attempt(`Adding ${name}`, async () => {
    const user = await client.users.info(name);
    if (user.id === me.userId) throw new Error("that is you");
    ev.target.reset();
    if (await client.friends.ask(user.id)) {
      const chat = await client.chats.openDirect(user.id);
      await loadChats();
      await openChat(chat.gid);
      status(`You and ${name} are friends`);
    } else {
      status(`Asked ${name} to be friends: the chat opens when they accept`);
    }
  });
});

$("#new-group").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const { name, members } = Object.fromEntries(new FormData(ev.target));
  attempt(`Creating ${name}`, async () => {
    const memberNames = members.split(",").map((s) => s.trim()).filter(Boolean);
    const ids = await Promise.all(memberNames.map(async (n) => (await client.users.info(n)).id));
    const chat = await client.chats.createGroup(name, ids, false);
    ev.target.reset();
    await loadChats();
    await openChat(chat.gid);
    status(`Created ${name}`);
  });
});

// ---- start: restore the tab's session, or ask to sign in ----

const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? "null");
if (saved) {
  await attempt("Restoring the session", () =>
    signIn(saved.server, async (c) => {
      await c.auth.restore(saved.session);
      return saved.session;
    }));
  if (!client) {
    sessionStorage.removeItem(SAVED);
    showSignIn();
  }
} else {
  showSignIn();
}
