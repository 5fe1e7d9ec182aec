//! The C emitter: one `extern "C" fn chinwag_<family>_<name>` per operation. Arguments are
//! read on the caller's thread (a bad one is the function's status); an asynchronous
//! operation then starts and its outcome goes to the completion callback as JSON, a
//! synchronous one answers through its out-parameter. The rules on strings, errors, threads
//! and callbacks are the header's (ffi/src/lib.rs).

use std::fmt::Write;

use crate::table::{Mode, Op, Out, Ty};

/// Operations of the table C exports by hand instead (ffi/src/api): sends hand back the gid
/// at once (`chinwag_messages_send`, `chinwag_messages_send_text`: an `out_gid`), and a
/// download's result is bytes (`chinwag_result.data`), not JSON.
pub const BY_HAND: &[&str] = &["messages.send", "messages.send_text", "files.download"];

/// The Rust source of every operation's C function.
pub fn emit(ops: &[Op]) -> String {
    let mut s = String::new();
    s.push_str(crate::BANNER);
    s.push_str(
        "\n\n//! The `extern \"C\"` functions generated from the facade's table, one per SDK \
         operation.\n\nuse super::prelude::*;\nuse crate::api::client::read;\nuse \
         crate::strings::{put, put_string};\n",
    );
    for op in ops {
        if !BY_HAND.contains(&format!("{}.{}", op.family, op.name).as_str()) {
            function(&mut s, op);
        }
    }
    s
}

/// The C parameters of `op`'s arguments.
fn params(op: &Op) -> String {
    let mut p = String::new();
    for a in op.args {
        let n = a.name;
        match a.ty {
            Ty::Str => writeln!(p, "{n}: *const c_char,"),
            Ty::I64 => writeln!(p, "{n}: i64,"),
            Ty::U32 => writeln!(p, "{n}: u32,"),
            Ty::Bool => writeln!(p, "{n}: bool,"),
            Ty::Ids => writeln!(p, "{n}: *const i64, {n}_len: usize,"),
            Ty::Bytes => writeln!(p, "{n}: *const u8, {n}_len: usize,"),
            Ty::Json(_) => writeln!(p, "{n}_json: *const c_char,"),
        }
        .expect("writing to a String");
    }
    p
}

/// The statements reading `op`'s arguments into Rust values under their names.
fn reads(op: &Op) -> String {
    let mut r = String::new();
    for a in op.args {
        let n = a.name;
        match a.ty {
            Ty::Str => writeln!(r, "let {n} = unsafe {{ text({n}, \"{n}\") }}?;"),
            Ty::Ids | Ty::Bytes => {
                writeln!(r, "let {n} = unsafe {{ array({n}, {n}_len, \"{n}\") }}?;")
            }
            Ty::Json(t) => writeln!(
                r,
                "let {n}: {t} = unsafe {{ json({n}_json, \"{n}_json\") }}?;"
            ),
            Ty::I64 | Ty::U32 | Ty::Bool => Ok(()),
        }
        .expect("writing to a String");
    }
    r
}

fn function(s: &mut String, op: &Op) {
    let name = format!("chinwag_{}_{}", op.family, op.name);
    s.push('\n');
    for line in op.doc {
        writeln!(s, "///{line}").expect("writing to a String");
    }
    // What C adds to the shared description: where the arguments and the result are.
    for a in op.args {
        let n = a.name;
        let note = match a.ty {
            Ty::Ids => format!("`{n}` points to `{n}_len` ids (NULL when 0)."),
            Ty::Bytes => format!(
                "`{n}` points to `{n}_len` bytes (NULL when 0), copied before the call returns."
            ),
            Ty::Json(_) => format!("`{n}_json`: `{n}` as JSON."),
            _ => continue,
        };
        writeln!(s, "///\n/// {note}").expect("writing to a String");
    }
    let how = match op.mode {
        Mode::Sync(Out::Json(_)) => "Synchronous: stores the result as JSON in `*out_json` \
                                     (`null` for none); free it with `chinwag_string_free`."
            .to_string(),
        Mode::Sync(Out::Plain(_, out)) => format!("Synchronous: stores the result in `*{out}`."),
        Mode::Sync(Out::Unit) => "Synchronous.".to_string(),
        Mode::Async(_) | Mode::Future(_) => "Asynchronous: returns at once; `callback` gets the \
                                             outcome, the result as JSON (`null` for none)."
            .to_string(),
    };
    write!(
        s,
        "///\n/// {how}\n///\n/// # Safety\n/// Pointer arguments follow the rules at the top of \
         this header.\n#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn {name}(\nclient: *const \
         chinwag_client,\n{}",
        params(op)
    )
    .expect("writing to a String");
    let reads = reads(op);
    let call = op.call;
    match op.mode {
        Mode::Async(_) | Mode::Future(_) => {
            let start = match op.mode {
                Mode::Async(_) => format!("Ok(async move {{ {call} }})"),
                _ => format!("Ok({call})"),
            };
            writeln!(
                s,
                "callback: chinwag_callback,\nuser_data: *mut c_void,\n) -> chinwag_status \
                 {{\ncall(client, callback, user_data, |c| {{\n{reads}{start}\n}})\n}}"
            )
        }
        Mode::Sync(Out::Unit) => writeln!(
            s,
            ") -> chinwag_status {{\nread(client, |c| {{\n{reads}{call};\nOk(())\n}})\n}}"
        ),
        Mode::Sync(Out::Json(_)) => writeln!(
            s,
            "out_json: *mut *mut c_char,\n) -> chinwag_status {{\nread(client, |c| \
             {{\n{reads}let value = serde_json::to_string(&{call}).unwrap_or_default();\nunsafe \
             {{ put_string(out_json, value, \"out_json\") }}\n}})\n}}"
        ),
        Mode::Sync(Out::Plain(t, out_name)) => writeln!(
            s,
            "{out_name}: *mut {t},\n) -> chinwag_status {{\nread(client, |c| {{\n{reads}let \
             value = {call};\nunsafe {{ put({out_name}, value, \"{out_name}\") }}\n}})\n}}"
        ),
    }
    .expect("writing to a String");
}
