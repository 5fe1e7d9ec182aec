// What both entry points export, after wiring the one thing wasm-bindgen cannot declare:
// `for await (const event of client.events())`.
import { EventStream } from "./dist/chinwag_wasm.js";

EventStream.prototype[Symbol.asyncIterator] = function () {
  return this;
};

export { ChinwagClient, EventStream, version } from "./dist/chinwag_wasm.js";
