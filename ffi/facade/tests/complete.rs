//! Nothing is missing: every public method of the SDK's families and of `Client` (read from
//! the SDK's sources) is declared in the facade's table — from which the C, uniffi (Kotlin,
//! Swift) and wasm (JavaScript) exports are all generated — or written by hand in a binding
//! where it truly differs, or listed here as not applicable, with the reason.

use std::collections::BTreeSet;

use chinwag_facade::table::OPS;

/// The SDK's families: `Client::<family>()` and the methods of its handle.
const FAMILIES: &[&str] = &[
    "auth", "users", "chats", "messages", "groups", "requests", "friends", "files",
];

/// Exported by hand in a binding instead of the table, and why.
const BY_HAND: &[(&str, &str)] = &[(
    "messages.enqueue",
    "a Receipt is a Rust future: uniffi and wasm export `send` (which awaits it); C's \
     chinwag_messages_send/_send_text enqueue by hand, handing the gid back at once and the \
     acknowledgement to the callback",
)];

/// `Client` methods no binding exports as an operation, and why.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "client.builder",
        "the bindings' constructors take the server URL and options",
    ),
    (
        "client.events",
        "each binding delivers events its own way (callback, listener, stream)",
    ),
    ("client.close", "the bindings' destroy/shutdown/close"),
];

/// The names of the `pub fn`s in the first `impl` block of `file` whose header starts with
/// `header` (the family handle's methods).
fn methods(file: &str, header: &str) -> BTreeSet<String> {
    let path = format!("{}/../../sdk/src/client/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("{path}: no `{header}`"));
    let body = &text[start..];
    let end = body.find("\n}\n").unwrap_or(body.len());
    body[..end]
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("pub async fn ")
                .or_else(|| l.strip_prefix("pub fn "))?;
            Some(rest.split(['(', '<']).next()?.to_string())
        })
        .collect()
}

#[test]
fn every_sdk_method_is_exported_or_listed_with_a_reason() {
    let mut sdk = BTreeSet::new();
    for family in FAMILIES {
        let handle = format!("impl {}<'_> {{", capitalized(family));
        for m in methods(&format!("{family}.rs"), &handle) {
            sdk.insert(format!("{family}.{m}"));
        }
    }
    for m in methods("mod.rs", "impl Client {") {
        if !FAMILIES.contains(&m.as_str()) {
            sdk.insert(format!("client.{m}"));
        }
    }
    assert!(sdk.len() > 60, "read too few SDK methods: {sdk:?}");
    // What C writes by hand instead of the table's entry is listed in the C emitter.
    for name in chinwag_facade::c::BY_HAND {
        assert!(
            OPS.iter()
                .any(|op| format!("{}.{}", op.family, op.name) == *name),
            "{name}: by hand in C but not in the table"
        );
    }
    let declared: BTreeSet<String> = OPS
        .iter()
        .map(|op| format!("{}.{}", op.family, op.name))
        .collect();
    let listed: BTreeSet<String> = BY_HAND
        .iter()
        .chain(NOT_APPLICABLE)
        .map(|(name, _)| name.to_string())
        .collect();
    let missing: Vec<&String> = sdk
        .iter()
        .filter(|m| !declared.contains(*m) && !listed.contains(*m))
        .collect();
    assert!(
        missing.is_empty(),
        "SDK methods no binding exports: {missing:?} — declare them in ffi/facade/src/table.rs"
    );
    // And nothing listed that the SDK no longer has.
    let stale: Vec<&String> = listed.iter().filter(|m| !sdk.contains(*m)).collect();
    assert!(stale.is_empty(), "listed but not in the SDK: {stale:?}");
}

#[test]
fn every_operation_is_declared_once() {
    let mut seen = BTreeSet::new();
    for op in OPS {
        let name = format!("{}.{}", op.family, op.name);
        assert!(seen.insert(name.clone()), "{name} declared twice");
        assert!(!op.doc.is_empty(), "{name} has no documentation");
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
