//! The data model: synchronous functions over a SQLite connection, one module per table group.
//! They check existence and shape; who-may-do-what is decided by the callers in
//! [`crate::backend`], which know the seed's rules.

pub mod chats;
pub mod files;
pub mod messages;
pub mod social;
pub mod users;

use rusqlite::{Connection, OptionalExtension};

use crate::error::ApiResult;

/// Runs a query expected to return at most one row.
pub(crate) fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<Option<T>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params, map)
        .optional()?)
}

/// Runs a query returning many rows.
pub(crate) fn many<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, map)?;
    Ok(rows.collect::<Result<Vec<T>, _>>()?)
}

/// A list of ids as JSON text, the way `admins` and `committers` are stored.
pub(crate) fn ids_to_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Parses a stored JSON id list (tolerating an empty string).
pub(crate) fn ids_from_json(text: &str) -> Vec<i64> {
    serde_json::from_str(text).unwrap_or_default()
}
