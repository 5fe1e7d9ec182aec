// Entry point for browsers and bundlers: fetches and instantiates the WebAssembly module
// (next to this file) before the first import resolves.
import init from "./dist/chinwag_wasm.js";

await init({ module_or_path: new URL("./dist/chinwag_wasm_bg.wasm", import.meta.url) });

export * from "./common.js";
