//! Lenient field parsers for request fields whose type differs between seed clients.
//!
//! 001 uses integer ids, 003 string ids; HTTP parameters from a query string or a form body
//! arrive as strings. These `deserialize_with` helpers accept every such spelling and reject
//! anything else with a message naming what was expected.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

/// An id from a JSON number (`12`) or a string holding one (`"12"`).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match d.deserialize_any(IdVisitor)? {
        RawId::Id(id) => Ok(id),
        RawId::Null => Err(de::Error::custom("expected an id, found null")),
        RawId::Blank(s) => Err(de::Error::custom(format!("expected an id, found \"{s}\""))),
        RawId::Bad(message) => Err(de::Error::custom(message)),
    }
}

/// An optional id: absent, `null` or `""` give `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match d.deserialize_any(IdVisitor)? {
        RawId::Id(id) => Ok(Some(id)),
        RawId::Null | RawId::Blank(_) => Ok(None),
        RawId::Bad(message) => Err(de::Error::custom(message)),
    }
}

/// An id as it was spelled, read without building a JSON value for a number or a string
/// (the ids of every frame and request go through here).
enum RawId {
    Id(i64),
    Null,
    /// A string of spaces, or empty.
    Blank(String),
    /// Not an id: why.
    Bad(String),
}

struct IdVisitor;

/// An id string that is not plain digits: spaces around, blank, or not an id. Kept out of
/// line: inlined, the compiler trimmed every id string before trying the plain parse (a
/// call per id read, about 340 instructions per message the SDK sends and receives).
#[cold]
#[inline(never)]
fn unusual_id(s: &str) -> RawId {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return RawId::Blank(s.to_string());
    }
    trimmed.parse().map_or_else(
        |_| RawId::Bad(format!("expected an id, found \"{s}\"")),
        RawId::Id,
    )
}

impl<'de> de::Visitor<'de> for IdVisitor {
    type Value = RawId;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an id")
    }

    fn visit_i64<E>(self, v: i64) -> Result<RawId, E> {
        Ok(RawId::Id(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<RawId, E> {
        Ok(i64::try_from(v).map_or_else(
            |_| RawId::Bad(format!("expected an integer id, found {v}")),
            RawId::Id,
        ))
    }

    fn visit_f64<E>(self, v: f64) -> Result<RawId, E> {
        Ok(RawId::Bad(format!(
            "expected an integer id, found {}",
            Value::from(v)
        )))
    }

    fn visit_str<E>(self, s: &str) -> Result<RawId, E> {
        // The common case first: an id spelt as digits, with nothing to trim.
        match s.parse() {
            Ok(id) => Ok(RawId::Id(id)),
            Err(_) => Ok(unusual_id(s)),
        }
    }

    fn visit_bool<E>(self, _: bool) -> Result<RawId, E> {
        Ok(RawId::Bad("expected an id, found a boolean".into()))
    }

    fn visit_unit<E>(self) -> Result<RawId, E> {
        Ok(RawId::Null)
    }

    fn visit_none<E>(self) -> Result<RawId, E> {
        Ok(RawId::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawId, D::Error> {
        d.deserialize_any(IdVisitor)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawId, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(RawId::Bad("expected an id, found an array".into()))
    }

    /// `{id}` (seed 000's member objects): the rare case, read as a value.
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawId, A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(value_to_id(&v).map_or_else(RawId::Bad, RawId::Id))
    }
}

/// A list of ids, each as a number, a numeric string or an object `{id}`; a single id or a
/// comma-separated string (`",1,2,"`, as xuanxuan stores admins) is accepted too.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    value_to_id_list(&Value::deserialize(d)?).map_err(de::Error::custom)
}

/// A boolean from `true`/`false`, `"true"`/`"false"`, `1`/`0` or `"1"`/`"0"`; absent or `null`
/// gives `None` so callers choose the seed's default.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => value_to_bool(&v).map(Some).map_err(de::Error::custom),
    }
}

/// A string from a JSON string or a number (HTML forms and some clients send numbers).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(de::Error::custom(format!(
            "expected a string, found {}",
            kind(&other)
        ))),
    }
}

/// An optional string (absent or `null` gives `None`), also from a number.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(de::Error::custom(format!(
            "expected a string, found {}",
            kind(&other)
        ))),
    }
}

/// An optional non-negative count from a number or a numeric string.
pub fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(n) = opt_id(d)? else {
        return Ok(None);
    };
    u32::try_from(n)
        .map(Some)
        .map_err(|_| de::Error::custom(format!("expected a count, found {n}")))
}

/// Converts a JSON value holding an id into the id.
pub fn value_to_id(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("expected an integer id, found {n}")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("expected an id, found \"{s}\"")),
        Value::Object(o) => match o.get("id") {
            Some(inner) if !inner.is_object() => value_to_id(inner),
            _ => Err("expected an id, found an object without `id`".into()),
        },
        other => Err(format!("expected an id, found {}", kind(other))),
    }
}

/// Converts a JSON value holding a list of ids into the ids (see [`id_list`]).
pub fn value_to_id_list(v: &Value) -> Result<Vec<i64>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(value_to_id).collect(),
        Value::String(s) if s.contains(',') || s.trim().is_empty() => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse()
                    .map_err(|_| format!("expected an id, found \"{p}\""))
            })
            .collect(),
        other => value_to_id(other).map(|id| vec![id]),
    }
}

/// Converts a JSON value holding a boolean into the boolean.
pub fn value_to_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("expected a boolean, found \"{s}\"")),
        },
        other => Err(format!("expected a boolean, found {}", kind(other))),
    }
}

/// A short name for a JSON value's type, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Serializes an id as a JSON string (003's convention).
pub fn id_as_string<S: serde::Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

/// Serializes an optional id as a JSON string (003's convention); use with
/// `skip_serializing_if = "Option::is_none"`.
pub fn opt_id_as_string<S: serde::Serializer>(id: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.collect_str(id),
        None => s.serialize_none(),
    }
}

/// Serializes a list of ids as JSON strings (003's convention).
pub fn ids_as_strings<S: serde::Serializer>(ids: &[i64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ids.iter().map(|id| id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_in_every_spelling() {
        assert_eq!(value_to_id(&json!(12)), Ok(12));
        assert_eq!(value_to_id(&json!("12")), Ok(12));
        assert_eq!(value_to_id(&json!({"id": 12})), Ok(12));
        assert!(value_to_id(&json!("x")).unwrap_err().contains("\"x\""));
        assert!(value_to_id(&json!(1.5)).is_err());
        assert_eq!(
            value_to_id_list(&json!([{"id": 1}, "2", 3])),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(value_to_id_list(&json!(",1,2,")), Ok(vec![1, 2]));
        assert_eq!(value_to_id_list(&json!(5)), Ok(vec![5]));
    }

    #[derive(Debug, Deserialize)]
    struct Ids {
        #[serde(deserialize_with = "id")]
        id: i64,
        #[serde(default, deserialize_with = "opt_id")]
        opt: Option<i64>,
    }

    fn ids(text: &str) -> Result<(i64, Option<i64>), String> {
        serde_json::from_str::<Ids>(text)
            .map(|i| (i.id, i.opt))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn id_fields_read_every_spelling_and_name_what_they_found() {
        assert_eq!(ids(r#"{"id": 12}"#), Ok((12, None)));
        assert_eq!(ids(r#"{"id": " 12 ", "opt": "7"}"#), Ok((12, Some(7))));
        assert_eq!(
            ids(r#"{"id": {"id": 3}, "opt": {"id": "4"}}"#),
            Ok((3, Some(4)))
        );
        for blank in ["null", "\"\"", "\"  \""] {
            assert_eq!(
                ids(&format!(r#"{{"id": 1, "opt": {blank}}}"#)),
                Ok((1, None))
            );
        }
        let refused = [
            (r#"{"id": null}"#, "found null"),
            (r#"{"id": ""}"#, r#"found """#),
            (r#"{"id": "x"}"#, r#"found "x""#),
            (r#"{"id": 1.5}"#, "expected an integer id, found 1.5"),
            (r#"{"id": 18446744073709551615}"#, "expected an integer id"),
            (r#"{"id": true}"#, "found a boolean"),
            (r#"{"id": [1]}"#, "found an array"),
            (r#"{"id": {"name": 1}}"#, "without `id`"),
            (r#"{"id": 1, "opt": "x"}"#, r#"found "x""#),
        ];
        for (text, why) in refused {
            let e = ids(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn bools_in_every_spelling() {
        assert_eq!(value_to_bool(&json!(true)), Ok(true));
        assert_eq!(value_to_bool(&json!("false")), Ok(false));
        assert_eq!(value_to_bool(&json!(0)), Ok(false));
        assert!(value_to_bool(&json!("maybe")).is_err());
    }
}
