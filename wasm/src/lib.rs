//! `chinwag-wasm`: the JavaScript bindings (npm package `chinwag`) of the Chinwag SDK, built
//! with wasm-bindgen on the SDK's browser runtime.
//!
//! `ChinwagClient`, and one class per SDK family as its properties (`client.messages`,
//! generated from the facade's table like the C and Kotlin/Swift exports) with
//! Promise-returning methods named as in the SDK (`client.messages.sendText`), events through
//! `onEvent(callback)` or the async iterator `events()`, and errors thrown as JS `Error`s with a `code`. Values cross as plain
//! JS objects in the SDK's serde form (docs/PROTOCOL.md §9), typed in TypeScript by
//! declarations tsify derives from the Rust types themselves.

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod events;
#[cfg(target_arch = "wasm32")]
mod generated;

/// The SDK version the bindings wrap.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
pub fn version() -> String {
    chinwag::VERSION.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_the_sdk_version() {
        assert_eq!(super::version(), chinwag::VERSION);
    }
}
