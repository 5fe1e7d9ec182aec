// Entry point for Node (20 and later): gives the runtime a WebSocket when it has none (Node
// 20 without --experimental-websocket) from the `ws` package, then loads the WebAssembly
// module from disk.
import { readFileSync } from "node:fs";
import { initSync } from "./dist/chinwag_wasm.js";

if (typeof globalThis.WebSocket === "undefined") {
  const { WebSocket } = await import("ws");
  globalThis.WebSocket = WebSocket;
}
initSync({ module: readFileSync(new URL("./dist/chinwag_wasm_bg.wasm", import.meta.url)) });

export * from "./common.js";
