//! The uniffi emitter (Kotlin, Swift): one object per SDK family, reached from the client
//! (`client.messages()`), with the SDK's method names (uniffi gives each language its casing:
//! `messages().sendText` in Kotlin and Swift). The client's own operations are methods of
//! `ChinwagClient`. Network operations are `suspend` / `async` and run on the client's runtime
//! (`ChinwagClient::run`); the others answer at once.

use std::fmt::Write;

use crate::table::{Mode, Op, Out, Ty};

/// The Rust type of an argument.
fn arg_type(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "String",
        Ty::I64 => "i64",
        Ty::U32 => "u32",
        Ty::Bool => "bool",
        Ty::Ids => "Vec<i64>",
        Ty::Bytes => "Vec<u8>",
        Ty::Json(t) => t,
    }
}

/// The type uniffi exports for a Rust answer type (it has no `usize`).
fn answer_type(t: &str) -> &str {
    if t == "usize" { "u64" } else { t }
}

/// The families in the table, in order, without `client`.
pub fn families(ops: &[Op]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for op in ops {
        if op.family != "client" && !out.contains(&op.family) {
            out.push(op.family);
        }
    }
    out
}

/// The type name of family `f`'s object (`messages` → `Messages`).
pub fn object(f: &str) -> String {
    let mut c = f.chars();
    c.next()
        .map(|first| first.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The Rust source of the uniffi exports.
pub fn emit(ops: &[Op]) -> String {
    let mut s = String::new();
    s.push_str(crate::BANNER);
    s.push_str(
        "\n\n//! The uniffi exports generated from the facade's table: one object per SDK family, \
         reached from the client (`client.messages()`), each method named as in the SDK.\n\n// The \
         table's expressions end in `?` where an operation can fail; here that is wrapped in \
         `Ok`.\n#![allow(clippy::needless_question_mark)]\n\nuse \
         std::sync::Arc;\n\nuse super::client::ChinwagClient;\nuse \
         super::error::ChinwagError;\n",
    );
    let families = families(ops);
    for f in &families {
        let o = object(f);
        writeln!(
            s,
            "\n/// The `{f}` family of a client: `client.{f}()`.\n#[derive(uniffi::Object)]\npub \
             struct {o}(Arc<ChinwagClient>);"
        )
        .expect("writing to a String");
    }
    writeln!(s, "\n{}\nimpl ChinwagClient {{", export(ops, "client")).expect("writing to a String");
    for f in &families {
        let o = object(f);
        writeln!(
            s,
            "/// The `{f}` family.\npub fn {f}(self: Arc<Self>) -> Arc<{o}> {{\nArc::new({o}(self))\n}}\n"
        )
        .expect("writing to a String");
    }
    for op in ops.iter().filter(|op| op.family == "client") {
        method(&mut s, op, "self");
    }
    s.push_str("}\n");
    for f in &families {
        writeln!(s, "\n{}\nimpl {} {{", export(ops, f), object(f)).expect("writing to a String");
        for op in ops.iter().filter(|op| op.family == *f) {
            method(&mut s, op, "self.0");
        }
        s.push_str("}\n");
    }
    s
}

/// The export attribute of family `f`'s methods (uniffi wants the runtime named only where a
/// method is async).
fn export(ops: &[Op], f: &str) -> &'static str {
    let any_async = ops
        .iter()
        .any(|op| op.family == f && !matches!(op.mode, Mode::Sync(_)));
    if any_async {
        "#[uniffi::export(async_runtime = \"tokio\")]"
    } else {
        "#[uniffi::export]"
    }
}

/// One method; `client` is the expression naming the `ChinwagClient`.
fn method(s: &mut String, op: &Op, client: &str) {
    for line in op.doc {
        writeln!(s, "///{line}").expect("writing to a String");
    }
    let params: String = op
        .args
        .iter()
        .map(|a| format!(", {}: {}", a.name, arg_type(a.ty)))
        .collect();
    let call = op.call;
    let fails = call.contains('?');
    let name = op.name;
    let body = match op.mode {
        Mode::Async(t) => {
            format!(
                "pub async fn {name}(&self{params}) -> Result<{t}, ChinwagError> \
                 {{\n{client}.run(move |c| async move {{ {call} }}).await\n}}"
            )
        }
        Mode::Future(t) => format!(
            "pub async fn {name}(&self{params}) -> Result<{t}, ChinwagError> {{\n{client}.run(move \
             |c| {{\nlet started = (move || -> chinwag::Result<_> {{ Ok({call}) }})();\nasync move \
             {{ started?.await }}\n}})\n.await\n}}"
        ),
        Mode::Sync(out) => {
            let t = match out {
                Out::Unit => "()",
                Out::Json(t) => t,
                Out::Plain(t, _) => answer_type(t),
            };
            let value = match out {
                Out::Plain("usize", _) => format!("({call}) as u64"),
                _ => call.to_string(),
            };
            if fails {
                format!(
                    "pub fn {name}(&self{params}) -> Result<{t}, ChinwagError> {{\nlet c = \
                     &{client}.client;\nlet value = (|| -> chinwag::Result<_> {{ Ok({value}) \
                     }})()?;\nOk(value)\n}}"
                )
            } else {
                let ret = if t == "()" {
                    String::new()
                } else {
                    format!(" -> {t}")
                };
                format!(
                    "pub fn {name}(&self{params}){ret} {{\nlet c = &{client}.client;\n{value}\n}}"
                )
            }
        }
    };
    writeln!(s, "{body}\n").expect("writing to a String");
}
