//! The wasm emitter (npm package `chinwag`): one class per SDK family, a property of the client
//! (`client.messages`), with the SDK's method names in JavaScript's casing
//! (`client.messages.sendText`). Network operations return Promises that reject with a
//! `ChinwagError`; the others answer at once (and throw one). Records cross as plain objects
//! in the SDK's serde form, typed by the TypeScript declarations tsify derives.

use std::fmt::Write;

use crate::table::{Mode, Op, Out, Ty};
use crate::uniffi::{families, object};

/// `snake_case` in JavaScript's `camelCase`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The TypeScript type of a Rust type named in the table.
fn ts(t: &str) -> String {
    let t = t.trim();
    if let Some(inner) = t.strip_prefix("Option<").and_then(|r| r.strip_suffix('>')) {
        return format!("{} | null", ts(inner));
    }
    if t == "Vec<u8>" {
        return "Uint8Array".into();
    }
    if let Some(inner) = t.strip_prefix("Vec<").and_then(|r| r.strip_suffix('>')) {
        return format!("{}[]", ts(inner));
    }
    match t {
        "()" => "void".into(),
        "i64" | "u32" | "u64" | "usize" => "number".into(),
        "bool" => "boolean".into(),
        "String" => "string".into(),
        // The SDK's name for the wire type `GroupInfo`, which tsify declares.
        "chinwag::Group" => "GroupInfo".into(),
        other => other.rsplit("::").next().unwrap_or(other).to_string(),
    }
}

/// The Rust source of the wasm exports.
pub fn emit(ops: &[Op]) -> String {
    let mut s = String::new();
    s.push_str(crate::BANNER);
    s.push_str(
        "\n\n//! The JavaScript exports generated from the facade's table: one class per SDK \
         family, a property of the client (`client.messages`), each method named as in the SDK \
         in JavaScript's casing.\n\n// The table's expressions end in `?` where an operation can \
         fail; here that is wrapped in `Ok`.\n#![allow(clippy::needless_question_mark)]\n\nuse \
         js_sys::{Promise, Uint8Array};\nuse wasm_bindgen::prelude::*;\n\nuse \
         chinwag::Client;\n\nuse crate::client::ChinwagClient;\nuse crate::convert::{from_js, \
         promise, rejected, sdk_error, to_id, to_js};\n",
    );
    let families = families(ops);
    for f in &families {
        writeln!(
            s,
            "\n/// The `{f}` family of a client: `client.{f}`.\n#[wasm_bindgen]\npub struct {} \
             {{\nclient: Client,\n}}",
            object(f)
        )
        .expect("writing to a String");
    }
    s.push_str("\n#[wasm_bindgen]\nimpl ChinwagClient {\n");
    for f in &families {
        writeln!(
            s,
            "/// The `{f}` family.\n#[wasm_bindgen(getter)]\npub fn {f}(&self) -> {o} {{\n{o} {{ \
             client: self.client().clone() }}\n}}\n",
            o = object(f)
        )
        .expect("writing to a String");
    }
    for op in ops.iter().filter(|op| op.family == "client") {
        method(&mut s, op, "self.client()");
    }
    s.push_str("}\n");
    for f in &families {
        writeln!(s, "\n#[wasm_bindgen]\nimpl {} {{", object(f)).expect("writing to a String");
        for op in ops.iter().filter(|op| op.family == *f) {
            method(&mut s, op, "&self.client");
        }
        s.push_str("}\n");
    }
    s
}

/// One method; `client` is the expression naming the `chinwag::Client`.
fn method(s: &mut String, op: &Op, client: &str) {
    for line in op.doc {
        writeln!(s, "///{line}").expect("writing to a String");
    }
    let mut params = String::new();
    let mut reads = String::new();
    for a in op.args {
        let n = a.name;
        let rename = if camel(n) != n {
            format!("js_name = \"{}\"", camel(n))
        } else {
            String::new()
        };
        let attr = |extra: &str| {
            let parts: Vec<&str> = [rename.as_str(), extra]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            if parts.is_empty() {
                String::new()
            } else {
                format!("#[wasm_bindgen({})] ", parts.join(", "))
            }
        };
        let (param, read) = match a.ty {
            Ty::Str => (format!("{}{n}: String", attr("")), String::new()),
            Ty::U32 => (format!("{}{n}: u32", attr("")), String::new()),
            Ty::Bool => (format!("{}{n}: bool", attr("")), String::new()),
            Ty::Bytes => (format!("{}{n}: Vec<u8>", attr("")), String::new()),
            Ty::I64 => (
                format!("{}{n}: f64", attr("")),
                read(op, &format!("let {n}"), &format!("to_id({n}, \"{n}\")")),
            ),
            Ty::Ids => (
                format!(
                    "{}{n}: JsValue",
                    attr("unchecked_param_type = \"number[]\"")
                ),
                read(
                    op,
                    &format!("let {n}: Vec<i64>"),
                    &format!("from_js({n}, \"{n}\")"),
                ),
            ),
            Ty::Json(t) => (
                format!(
                    "{}{n}: JsValue",
                    attr(&format!("unchecked_param_type = \"{}\"", ts(t)))
                ),
                read(
                    op,
                    &format!("let {n}: {t}"),
                    &format!("from_js({n}, \"{n}\")"),
                ),
            ),
        };
        write!(params, ", {param}").expect("writing to a String");
        reads.push_str(&read);
    }
    let name = op.name;
    let js = camel(name);
    let call = op.call;
    let body = match op.mode {
        Mode::Async(t) => {
            let run = if t == "Vec<u8>" {
                format!(
                    "wasm_bindgen_futures::future_to_promise(async move {{\nlet bytes = {{ {call} \
                     }}.map_err(sdk_error)?;\nOk(Uint8Array::from(bytes.as_slice()).into())\n}})"
                )
            } else {
                format!("promise(async move {{ {call} }})")
            };
            format!(
                "#[wasm_bindgen(js_name = \"{js}\", unchecked_return_type = \"Promise<{}>\")]\npub \
                 fn {name}(&self{params}) -> Promise {{\n{reads}let c = Client::clone({client});\n{run}\n}}",
                ts(t)
            )
        }
        Mode::Future(t) => format!(
            "#[wasm_bindgen(js_name = \"{js}\", unchecked_return_type = \"Promise<{}>\")]\npub fn \
             {name}(&self{params}) -> Promise {{\n{reads}let c = {client};\nmatch (|| -> \
             chinwag::Result<_> {{ Ok({call}) }})() {{\nOk(receipt) => promise(receipt),\nErr(e) \
             => rejected(sdk_error(e)),\n}}\n}}",
            ts(t)
        ),
        Mode::Sync(out) => {
            let (ret, answer, attr) = match out {
                Out::Unit => ("()".to_string(), "Ok(())".to_string(), String::new()),
                Out::Json(t) => (
                    "JsValue".to_string(),
                    "to_js(&value)".to_string(),
                    format!(", unchecked_return_type = \"{}\"", ts(t)),
                ),
                Out::Plain("i64", _) | Out::Plain("usize", _) => (
                    "f64".to_string(),
                    "Ok(value as f64)".to_string(),
                    String::new(),
                ),
                Out::Plain(t, _) => (t.to_string(), "Ok(value)".to_string(), String::new()),
            };
            let value = if call.contains('?') {
                format!("(|| -> chinwag::Result<_> {{ Ok({call}) }})().map_err(sdk_error)?")
            } else {
                call.to_string()
            };
            let bind = if out == Out::Unit {
                format!("{value};")
            } else {
                format!("let value = {value};")
            };
            format!(
                "#[wasm_bindgen(js_name = \"{js}\"{attr})]\npub fn {name}(&self{params}) -> \
                 Result<{ret}, JsValue> {{\n{reads}let c = {client};\n{bind}\n{answer}\n}}"
            )
        }
    };
    writeln!(s, "{body}\n").expect("writing to a String");
}

/// `binding = reading;`, where a bad argument (`reading` fails with a JS error) is thrown by
/// a synchronous method and rejects the Promise of an asynchronous one.
fn read(op: &Op, binding: &str, reading: &str) -> String {
    match op.mode {
        Mode::Sync(_) => format!("{binding} = {reading}?;\n"),
        _ => format!(
            "{binding} = match {reading} {{\nOk(v) => v,\nErr(e) => return rejected(e),\n}};\n"
        ),
    }
}
