//! `chinwag-wasm`: the JavaScript bindings (npm package `chinwag`) of the Chinwag SDK, built
//! with wasm-bindgen on the SDK's browser runtime.

/// The SDK version the bindings wrap.
pub fn version() -> &'static str {
    chinwag::VERSION
}

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_the_sdk_version() {
        assert_eq!(super::version(), chinwag::VERSION);
    }
}
