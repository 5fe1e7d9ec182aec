//! Crossing the boundary: Rust values to plain JS objects and back (the SDK's serde form),
//! SDK errors to JS `Error`s with a `code`, and futures to Promises.

use std::future::Future;

use js_sys::{Error as JsError, Promise, Reflect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// The TypeScript shape of a thrown error (`instanceof Error`, plus the code).
#[wasm_bindgen(typescript_custom_section)]
const ERROR_TS: &str = r#"
/** Why a call failed: `network` (unreachable, broken, timed out), `auth` (not logged in,
 * wrong password, session revoked), `forbidden`, `not_found`, `invalid_input`, `server`,
 * `closed` (the client was shut down or logged out). */
export type ErrorCode = "network" | "auth" | "forbidden" | "not_found" | "invalid_input" | "server" | "closed" | "store";
/** What every failed call rejects with. */
export interface ChinwagError extends Error { name: "ChinwagError"; code: ErrorCode; }
"#;

/// The code a JS caller sees for `error`.
fn code(error: &chinwag::Error) -> &'static str {
    use chinwag::Error::*;
    match error {
        Network(_) => "network",
        Auth(_) => "auth",
        Forbidden(_) => "forbidden",
        NotFound(_) => "not_found",
        InvalidInput(_) => "invalid_input",
        Server(_) => "server",
        Closed => "closed",
        Store(_) => "store",
    }
}

/// A JS `Error` named `ChinwagError` with `code` and the message.
pub(crate) fn error(code: &str, message: &str) -> JsValue {
    let e = JsError::new(message);
    e.set_name("ChinwagError");
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    e.into()
}

/// An SDK error as a JS error.
pub(crate) fn sdk_error(e: chinwag::Error) -> JsValue {
    error(code(&e), &e.to_string())
}

/// An `invalid_input` error about argument `what`.
pub(crate) fn invalid(what: &str, detail: impl std::fmt::Display) -> JsValue {
    error("invalid_input", &format!("{what}: {detail}"))
}

/// `value` as a plain JS value (objects, arrays, numbers; never `Map` or `BigInt`).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error("server", &format!("cannot convert a result: {e}")))
}

/// Argument `what` read from JS into `T`.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid(what, e))
}

/// Argument `what` read from a plain JS object with every own key seen, so that a type that
/// denies unknown fields (the client's options) refuses a misspelt one: serde-wasm-bindgen
/// reads a struct by looking up only the fields it knows.
pub(crate) fn from_js_object<T: DeserializeOwned>(
    value: JsValue,
    what: &str,
) -> Result<T, JsValue> {
    T::deserialize(AllKeys(value.into())).map_err(|e| invalid(what, e))
}

/// A JS object read as a map of all its entries.
struct AllKeys(serde_wasm_bindgen::Deserializer);

impl<'de> serde::Deserializer<'de> for AllKeys {
    type Error = serde_wasm_bindgen::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// An id argument: a whole number within JS's safe integer range.
pub(crate) fn to_id(value: f64, what: &str) -> Result<i64, JsValue> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if value.fract() == 0.0 && value.abs() <= SAFE {
        Ok(value as i64)
    } else {
        Err(invalid(what, format!("{value} is not a whole number")))
    }
}

/// A Promise of `future`'s result as a plain JS value; rejects with a `ChinwagError`.
pub(crate) fn promise<T, F>(future: F) -> Promise
where
    T: Serialize,
    F: Future<Output = chinwag::Result<T>> + 'static,
{
    // Boxed, so that one copy of the promise machinery serves every method (a smaller
    // package): each method adds only its own future.
    let future: std::pin::Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
        Box::pin(async move {
            let value = future.await.map_err(sdk_error)?;
            to_js(&value)
        });
    wasm_bindgen_futures::future_to_promise(future)
}

/// A Promise that rejects at once with `error` (bad arguments).
pub(crate) fn rejected(error: JsValue) -> Promise {
    Promise::reject(&error)
}
