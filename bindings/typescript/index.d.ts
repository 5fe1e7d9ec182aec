// The package's types: everything wasm-bindgen and tsify generated (dist/chinwag_wasm.d.ts),
// without the loader functions the entry points call for you.
export type * from "./dist/chinwag_wasm.js";
export { ChinwagClient, EventStream, version } from "./dist/chinwag_wasm.js";
