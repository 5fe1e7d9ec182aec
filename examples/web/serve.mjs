// Serves the example chat page and runs a chinwag-server that lets the page in (CORS):
//
//   node examples/web/serve.mjs [--port 8000] [--server-listen 127.0.0.1:8080] [--data DIR]
//
// CHINWAG_SERVER_BIN names the server binary; the page imports the package installed in
// examples/web/node_modules. `scripts/npm.sh serve` does both and then runs this.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { TestServer } from "../../bindings/typescript/test/server.mjs";
import { serveStatic } from "../../bindings/typescript/test/static.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Starts the page's static server and a chinwag-server (a fresh temporary database unless
 * `dataDir` is given); resolves to `{ url (the page, with its server), server, close() }`. */
export async function startExample({ port = 0, serverListen = "127.0.0.1:0", dataDir } = {}) {
  const site = await serveStatic(HERE, port);
  const sitePort = new URL(site.origin).port;
  const server = new TestServer(
    ["--cors-origin", site.origin, "--cors-origin", `http://localhost:${sitePort}`],
    { dir: dataDir, listen: serverListen },
  );
  try {
    await server.start();
  } catch (e) {
    await site.close();
    throw e;
  }
  return {
    url: `${site.origin}/?server=${encodeURIComponent(server.url)}`,
    server,
    close: async () => {
      await server.close();
      await site.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8000" },
      "server-listen": { type: "string", default: "127.0.0.1:8080" },
      data: { type: "string" },
    },
  });
  const example = await startExample({
    port: Number(values.port),
    serverListen: values["server-listen"],
    dataDir: values.data,
  });
  console.log(`chinwag-server on ${example.server.url}`);
  console.log(`open ${example.url} (in two browser windows to chat with yourself); Ctrl-C stops`);
  const stop = async () => {
    await example.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
