// Compiled with `tsc --strict` against the installed package (scripts/npm.sh test): the
// public types are real types, so these uses check and the mistakes below are errors.
import { ChinwagClient, version } from "chinwag";
import type { ChinwagError, Content, Event, Session, Target } from "chinwag";

export async function typed(client: ChinwagClient): Promise<string> {
  const configured = new ChinwagClient("http://x", { heartbeatIntervalMs: 1000, backoffBaseMs: 50, backoffCapMs: 500 });
  void configured;
  const session: Session = await client.auth.login("alice", "secret-1");
  const id: number = session.userId;
  const target: Target = { user: id };
  const content: Content = { contentType: "text", body: "hi" };
  const sent = await client.messages.send(target, content);
  const gid: string = sent.gid;
  const chats = await client.chats.list();
  const names: string[] = chats.map((c) => c.name);
  const page = await client.chats.history(chats[0], 1, 20);
  const first: number | undefined = page.messages[0]?.sender;
  const when: number | undefined = page.messages[0]?.timestampMs;
  void [page.perPage, when, sent.timestampMs];
  const bytes: Uint8Array = await client.files.download(1);
  client.onEvent((event: Event) => {
    if (event.type === "message") {
      const body: string = event.data.content.body;
      void body;
    } else if (event.type === "connection" && event.data.state === "reconnecting") {
      const wait: number = event.data.attempt * event.data.retryInMs;
      void wait;
    }
  });
  for await (const event of client.events()) {
    if (event.type === "notification") return event.data.kind;
  }
  try {
    await client.auth.logout();
  } catch (e) {
    const code: ChinwagError["code"] = (e as ChinwagError).code;
    void code;
  }
  return `${version()} ${id} ${gid} ${names.length} ${first} ${bytes.length}`;
}

export function mistakes(client: ChinwagClient): void {
  // @ts-expect-error a target is { user } or { group }
  void client.messages.sendText({ person: 1 }, "x");
  // @ts-expect-error ids are numbers
  void client.users.get("1");
  // @ts-expect-error unknown options are rejected
  new ChinwagClient("http://x", { timeout: 1 });
  // @ts-expect-error options are camelCase
  new ChinwagClient("http://x", { heartbeat_interval_ms: 1 });
  // @ts-expect-error content is camelCase
  void client.messages.send({ user: 1 }, { content_type: "text", body: "x" });
}
