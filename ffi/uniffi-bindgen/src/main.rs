//! uniffi's binding generator (`uniffi-bindgen generate …`), built separately from the library
//! so that its `cli` feature does not leak into `chinwag-ffi`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
