//! Files over HTTP (seed 000 "上传文件", 001 attach upload/download): multipart upload with
//! fields `file` and `gid`, the token in `Authorization` (bare or `Bearer`), optional
//! `ServerName`; answers `{result: "success", data: {url, time, id, name}}`. The SDK
//! extension also accepts the file as the raw body, with `gid` and `name` in the query string.
//! Download by id at `GET /files/{id}` or `GET /download?id=`. Only members of the file's chat
//! may upload, list or download.

use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use chinwag_wire::MAX_UPLOAD_BYTES;
use chinwag_wire::xuanxuan::{Outcome, UploadResponse, UploadedFile};

use crate::app::AppState;
use crate::backend::ops;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::{authenticate, bearer};
use crate::render;

/// The file routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/upload", post(upload))
        .route("/files", post(upload))
        .route("/files/{id}", get(download_path))
        .route("/download", get(download_query))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
}

/// A failure in 000's file answer form, `{result: "fail", message}`, with the error's status.
pub(super) fn fail(e: &ApiError) -> Response {
    let body = UploadResponse {
        result: Outcome::Fail,
        data: None,
        message: Some(e.message.clone()),
    };
    render::http_error(e, None, Json(body))
}

/// A body over the upload limit, or another body error.
fn body_error(status: StatusCode, message: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorKind::TooLarge, message)
    } else {
        ApiError::invalid(message)
    }
}

fn token_of(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    bearer(headers).or_else(|| {
        query
            .get("access_token")
            .or_else(|| query.get("token"))
            .cloned()
    })
}

async fn upload(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let token = token_of(&headers, &query);
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("multipart/"));
    let stored = if multipart {
        match Multipart::from_request(req, &app).await {
            Ok(m) => store_upload(&app, token, m).await,
            Err(e) => Err(ApiError::invalid(format!(
                "upload must be multipart/form-data with fields `file` and `gid`: {e}"
            ))),
        }
    } else {
        store_raw(&app, token, &query, req.into_body()).await
    };
    match stored {
        Ok(data) => Json(UploadResponse {
            result: Outcome::Success,
            data: Some(data),
            message: None,
        })
        .into_response(),
        Err(e) => fail(&e),
    }
}

async fn store_upload(
    app: &AppState,
    token: Option<String>,
    mut multipart: Multipart,
) -> ApiResult<UploadedFile> {
    let me = uploader(app, token).await?;
    let mut gid = None;
    let mut user_id = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::invalid(format!("malformed multipart body: {e}")))?
    {
        match field.name().unwrap_or("") {
            "gid" => {
                gid = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| ApiError::invalid(format!("bad gid field: {e}")))?,
                )
            }
            "userID" => {
                let text = field.text().await.unwrap_or_default();
                user_id = Some(text.trim().to_string());
            }
            "file" => {
                let name = field.file_name().unwrap_or("file").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    let status = e.status();
                    body_error(
                        status,
                        format!("bad file field (at most {MAX_UPLOAD_BYTES} bytes): {e}"),
                    )
                })?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    // The real client names itself too (000 §上传文件): it must be the token's user.
    if user_id.is_some_and(|u| !u.is_empty() && u != me.to_string()) {
        return Err(ApiError::forbidden("userID is not the user of this token"));
    }
    let gid = gid
        .filter(|g| !g.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("missing form field `gid`"))?;
    let (name, bytes) = file.ok_or_else(|| ApiError::invalid("missing form field `file`"))?;
    store_file(app, me, gid, &name, bytes).await
}

/// The user an upload's token names: the token of an open socket of xxd's transport (the
/// real client sends that one), or a login token.
async fn uploader(app: &AppState, token: Option<String>) -> ApiResult<i64> {
    if let Some(user) = token.as_deref().and_then(|t| app.tickets.user_of(t)) {
        return Ok(user);
    }
    authenticate(app, token).await
}

/// The SDK extension's upload: the body is the file, `gid` and `name` are query parameters.
async fn store_raw(
    app: &AppState,
    token: Option<String>,
    query: &HashMap<String, String>,
    body: Body,
) -> ApiResult<UploadedFile> {
    let me = authenticate(app, token).await?;
    let name = query
        .get("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "missing query parameter `name`: send the file as the body with ?gid=&name=, \
                 or as multipart/form-data with fields `file` and `gid`",
            )
        })?
        .clone();
    let gid = query
        .get("gid")
        .filter(|g| !g.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("missing query parameter `gid`"))?
        .clone();
    let bytes = to_bytes(body, MAX_UPLOAD_BYTES).await.map_err(|e| {
        ApiError::new(
            ErrorKind::TooLarge,
            format!("bad body (the file may be at most {MAX_UPLOAD_BYTES} bytes): {e}"),
        )
    })?;
    store_file(app, me, gid, &name, bytes.to_vec()).await
}

/// Checks that `me` may add a file to chat `gid`, records it and writes its bytes.
async fn store_file(
    app: &AppState,
    me: i64,
    gid: String,
    name: &str,
    bytes: Vec<u8>,
) -> ApiResult<UploadedFile> {
    let name: String = clean_name(name).take(255).collect();
    let store = ops::StoreFile { gid, name, bytes };
    let row = app.link.call(Some(me), store).await?;
    Ok(UploadedFile {
        url: format!("/files/{}", row.id),
        time: row.date / 1000,
        id: row.id,
        name: row.title,
    })
}

async fn download_path(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    download(&app, &id, token_of(&headers, &query)).await
}

async fn download_query(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let id = query.get("id").cloned().unwrap_or_default();
    let token = token_of(&headers, &query);
    // The real client's form: no token, but `gid` (its user id) and `sid`, the MD5 hex of its
    // session id followed by `fileName`.
    let signed = match (&token, query.get("sid"), query.get("gid")) {
        (None, Some(sid), Some(user)) => Some(Signed {
            user: user.trim().parse().unwrap_or(0),
            file_name: query.get("fileName").cloned().unwrap_or_default(),
            signature: sid.clone(),
        }),
        _ => None,
    };
    download_as(&app, &id, token, signed).await
}

/// A download signed with a xuanxuan session's id instead of a token.
struct Signed {
    user: i64,
    file_name: String,
    signature: String,
}

async fn download(app: &AppState, id: &str, token: Option<String>) -> Response {
    download_as(app, id, token, None).await
}

async fn download_as(
    app: &AppState,
    id: &str,
    token: Option<String>,
    signed: Option<Signed>,
) -> Response {
    let result = async {
        let id: i64 = id
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid(format!("file id must be an integer, got \"{id}\"")))?;
        let me = match signed {
            Some(s) if app.tickets.signed_by(s.user, &s.file_name, &s.signature) => s.user,
            Some(_) => {
                return Err(ApiError::unauthorized(
                    "sid is not md5(sessionID + fileName) of a session of user gid",
                ));
            }
            None => authenticate(app, token).await?,
        };
        let file = app.link.call(Some(me), ops::FetchFile { id }).await?;
        Ok::<_, ApiError>((file.row, file.bytes))
    }
    .await;
    match result {
        Ok((row, bytes)) => {
            let disposition = content_disposition(&row.title);
            let mut resp = Response::new(Body::from(bytes));
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Err(e) => fail(&e),
    }
}

/// Bidirectional-text controls: a name holding them can show as another (`exe.txt` for
/// `txt.exe`); they are removed from file names.
const BIDI_CONTROLS: &[char] = &[
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// A file name without control characters, bidirectional controls or path separators.
fn clean_name(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !c.is_control() && !BIDI_CONTROLS.contains(c) && *c != '/' && *c != '\\')
}

/// Characters left as they are in RFC 8187's `value-chars` (`attr-char`); the rest is
/// percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` for a download (RFC 6266): an ASCII `filename` for old clients and
/// the exact name, UTF-8 and percent-encoded, in `filename*`.
pub fn content_disposition(name: &str) -> String {
    let name: String = clean_name(name).collect();
    let name = if name.trim().is_empty() {
        "file".to_string()
    } else {
        name
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(&name, ATTR_CHAR);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_rfc_6266_without_bidi_controls() {
        assert_eq!(
            content_disposition("a b.txt"),
            "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt"
        );
        assert_eq!(
            content_disposition("报告 \"v2\".pdf"),
            "attachment; filename=\"__ _v2_.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22v2%22.pdf"
        );
        // U+202E would show "evil\u{202E}txt.exe" as "evilexe.txt".
        let d = content_disposition("evil\u{202E}txt.exe");
        assert!(
            d.contains("filename=\"eviltxt.exe\"") && d.ends_with("''eviltxt.exe"),
            "{d}"
        );
    }
}
