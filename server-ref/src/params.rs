//! HTTP parameters as the brief requires: taken from the query string, a JSON body or a form
//! body (merged, body winning), with the caller's token from `access_token`, `token` or
//! `Authorization: Bearer <token>` (a bare `Authorization: <token>` too, as 000's upload sends).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request};
use axum::http::{Extensions, HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use chinwag_wire::MAX_FRAME_BYTES;

use crate::app::App;
use crate::error::{ApiError, ApiResult, ErrorKind};

/// Parameter names that carry the token and are not passed on as parameters.
pub const TOKEN_KEYS: &[&str] = &["access_token", "token"];

/// The merged parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Every parameter, by name.
    pub map: Map<String, Value>,
    /// The caller's token, if one was given.
    pub token: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The client's IP address, when the server knows it.
    pub addr: Option<IpAddr>,
}

impl Params {
    /// Reads the query string and body of `req`.
    pub async fn read(req: Request) -> ApiResult<Params> {
        let (parts, body) = req.into_parts();
        let addr = client_addr(&parts.extensions);
        let mut map = Map::new();
        if let Some(query) = parts.uri.query() {
            for (k, v) in form_urlencoded_pairs(query.as_bytes())? {
                map.insert(k, Value::String(v));
            }
        }
        let bytes = to_bytes(body, MAX_FRAME_BYTES).await.map_err(|_| {
            ApiError::new(
                ErrorKind::TooLarge,
                format!("request body larger than {MAX_FRAME_BYTES} bytes"),
            )
        })?;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
        // Clients often label a JSON body as a form (curl -d does): the body's first byte
        // decides, then the Content-Type.
        let json_like = matches!(first, Some(b'{') | Some(b'[') | Some(b'"'))
            || (first.is_some() && content_type.contains("json"));
        if json_like {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ApiError::invalid("request body is not valid UTF-8"))?;
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(body)) => map.extend(body),
                Ok(other) => {
                    return Err(ApiError::invalid(format!(
                        "request body must be a JSON object, found {}",
                        chinwag_wire::lenient::kind(&other)
                    )));
                }
                Err(e) => return Err(ApiError::invalid(format!("malformed JSON body: {e}"))),
            }
        } else if first.is_some() {
            if content_type.starts_with("multipart/") {
                return Err(ApiError::invalid(
                    "multipart bodies are only accepted by file upload",
                ));
            }
            for (k, v) in form_urlencoded_pairs(&bytes)? {
                map.insert(k, Value::String(v));
            }
        }
        let mut token = bearer(&parts.headers);
        for key in TOKEN_KEYS {
            if let Some(v) = map.remove(*key) {
                if token.is_none() {
                    token = v.as_str().map(str::to_owned).filter(|t| !t.is_empty());
                }
            }
        }
        Ok(Params {
            map,
            token,
            headers: parts.headers,
            addr,
        })
    }

    /// The parameters as a typed request.
    pub fn decode<T: DeserializeOwned>(&self) -> ApiResult<T> {
        serde_json::from_value(Value::Object(self.map.clone()))
            .map_err(|e| ApiError::invalid(format!("invalid parameters: {e}")))
    }

    /// The user the token belongs to; `Unauthorized` if there is none or it is not valid.
    pub async fn user(&self, app: &Arc<App>) -> ApiResult<i64> {
        authenticate(app, self.token.clone()).await
    }
}

/// The client's IP address, from the connection info the server records (none when the
/// router runs without it, as in unit tests).
pub fn client_addr(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The token of an `Authorization` header: `Bearer <token>` or a bare token.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None => value,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

/// The user a token belongs to.
pub async fn authenticate(app: &Arc<App>, token: Option<String>) -> ApiResult<i64> {
    let token = token.ok_or_else(|| {
        ApiError::unauthorized(
            "missing token: pass access_token, token, or Authorization: Bearer <token>",
        )
    })?;
    app.link
        .call(None, crate::backend::ops::Authenticate { token })
        .await
}

fn form_urlencoded_pairs(bytes: &[u8]) -> ApiResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .map_err(|e| ApiError::invalid(format!("malformed form or query string: {e}")))
}
