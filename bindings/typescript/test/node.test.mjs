// The scenario in Node, against a chinwag-server this test starts (and restarts). Run from a
// folder where `chinwag` is installed (scripts/npm.sh test installs the packed tarball).
import { test } from "node:test";
import * as chinwag from "chinwag";
import { run } from "./scenario.mjs";
import { TestServer } from "./server.mjs";

test("the npm package in Node: chat end to end, through a server restart", async () => {
  const server = new TestServer();
  await server.start();
  try {
    await run(
      chinwag,
      {
        url: server.url,
        notify: (to, kind) => server.notify(to, kind),
        stopServer: () => server.stop(),
        startServer: () => server.start(),
      },
      (line) => console.log(`ok - ${line}`),
    );
  } finally {
    await server.close();
  }
});

test("the package exports its version", () => {
  if (!/^\d+\.\d+\.\d+/.test(chinwag.version())) throw new Error(`bad version ${chinwag.version()}`);
});
