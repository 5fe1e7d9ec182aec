//! HTTP calls as data: which endpoint, how its answer is framed, and decoding the answer into a
//! typed result or an [`Error`] carrying the server's message.

use serde::Serialize;
use serde::de::DeserializeOwned;

use chinwag_wire::module::ErrorBody;
use chinwag_wire::room::{Envelope, ErrorCode};
use chinwag_wire::xuanxuan::{Outcome, Pager, Response, UploadResponse};

use crate::error::{Error, Result};
use crate::runtime::{HttpRequest, HttpResponse};

/// How an endpoint frames its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// 002: `{code, msg, data}`, HTTP 200 either way.
    Envelope,
    /// 003 and the extension: the body on 200, `{"error"}` with a 4xx/5xx status.
    Rest,
    /// `POST /api/call`: a xuanxuan response on 200, `{"error"}` otherwise.
    Call,
    /// File upload: `{result, data | message}`.
    Upload,
    /// File download: the bytes on 200 (read with [`decode_bytes`], not [`decode`]), `{"error"}`
    /// or an upload-style failure otherwise.
    Bytes,
}

/// One HTTP call, before the base URL and token are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: &'static str,
    /// The path, starting with `/`.
    pub path: String,
    /// The encoded query string (without `?`), possibly empty.
    pub query: String,
    /// A body and its content type.
    pub body: Option<(Vec<u8>, &'static str)>,
    /// How the answer is framed.
    pub framing: Framing,
}

impl Endpoint {
    /// A call without query or body.
    pub fn new(method: &'static str, path: impl Into<String>, framing: Framing) -> Endpoint {
        Endpoint {
            method,
            path: path.into(),
            query: String::new(),
            body: None,
            framing,
        }
    }

    /// Adds a query string encoded from `query`.
    pub fn query<Q: Serialize>(mut self, query: &Q) -> Result<Endpoint> {
        self.query = serde_urlencoded::to_string(query)
            .map_err(|e| Error::InvalidInput(format!("cannot encode query: {e}")))?;
        Ok(self)
    }

    /// Adds a JSON body.
    pub fn json<B: Serialize>(mut self, body: &B) -> Result<Endpoint> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("cannot encode body: {e}")))?;
        self.body = Some((bytes, "application/json"));
        Ok(self)
    }

    /// Adds a raw body.
    pub fn bytes(mut self, bytes: Vec<u8>) -> Endpoint {
        self.body = Some((bytes, "application/octet-stream"));
        self
    }

    /// The request against server `base` (no trailing slash), with `token` as bearer.
    pub fn request(&self, base: &str, token: Option<&str>) -> HttpRequest {
        let mut url = format!("{base}{}", self.path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(("Authorization".to_string(), format!("Bearer {token}")));
        }
        if let Some((_, content_type)) = &self.body {
            headers.push(("Content-Type".to_string(), content_type.to_string()));
        }
        HttpRequest {
            method: self.method.to_string(),
            url,
            headers,
            body: self.body.as_ref().map(|(b, _)| b.clone()),
        }
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| unreadable(&e, bytes))
}

/// The error for an answer that does not parse (not generic: one copy for every `T`).
fn unreadable(e: &serde_json::Error, bytes: &[u8]) -> Error {
    Error::Server(format!(
        "unreadable answer ({e}): {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    ))
}

fn status_error(response: &HttpResponse) -> Error {
    let message = serde_json::from_slice::<ErrorBody>(&response.body)
        .map(|b| b.error)
        .or_else(|_| {
            serde_json::from_slice::<UploadResponse>(&response.body)
                .map(|u| u.message.unwrap_or_default())
        })
        .unwrap_or_else(|_| String::from_utf8_lossy(&response.body).into_owned());
    Error::from_status(response.status, message)
}

/// Decodes a call's answer into `T` (`()` accepts an empty body), with the xuanxuan pager if
/// the answer had one.
pub fn decode<T: DeserializeOwned>(
    framing: Framing,
    response: &HttpResponse,
) -> Result<(T, Option<Pager>)> {
    let (data, pager) = unwrap(framing, response)?;
    Ok((parse(&data)?, pager))
}

/// The JSON of a call's result, taken out of its framing (or the error the framing carries),
/// with the xuanxuan pager if the answer had one. Not generic, so that each `T` of
/// [`decode`] adds only its own parsing (the npm package is smaller for it).
fn unwrap(
    framing: Framing,
    response: &HttpResponse,
) -> Result<(std::borrow::Cow<'_, [u8]>, Option<Pager>)> {
    use std::borrow::Cow;
    if framing != Framing::Envelope && !(200..300).contains(&response.status) {
        return Err(status_error(response));
    }
    match framing {
        Framing::Envelope => {
            let envelope: Envelope<serde_json::Value> = parse(&response.body)?;
            if envelope.code != 0 {
                let status = match ErrorCode::from_code(envelope.code) {
                    Some(ErrorCode::InvalidInput) | Some(ErrorCode::Conflict) => 400,
                    Some(ErrorCode::Unauthorized) => 401,
                    Some(ErrorCode::Forbidden) => 403,
                    Some(ErrorCode::NotFound) => 404,
                    Some(ErrorCode::TooManyRequests) => 429,
                    _ => 500,
                };
                return Err(Error::from_status(status, envelope.msg));
            }
            let data = serde_json::to_vec(&envelope.data.unwrap_or_default()).unwrap_or_default();
            Ok((Cow::Owned(data), None))
        }
        Framing::Rest | Framing::Bytes => Ok((Cow::Borrowed(&response.body), None)),
        Framing::Call => {
            let answer: Response = parse(&response.body)?;
            match answer.result {
                Outcome::Success => {
                    let data = serde_json::to_vec(&answer.data).unwrap_or_default();
                    Ok((Cow::Owned(data), answer.pager))
                }
                Outcome::Denied => Err(Error::Auth(answer.message.unwrap_or_default())),
                Outcome::Fail => Err(Error::InvalidInput(answer.message.unwrap_or_default())),
            }
        }
        Framing::Upload => {
            let answer: UploadResponse = parse(&response.body)?;
            match (answer.result, answer.data) {
                (Outcome::Success, Some(file)) => {
                    let data = serde_json::to_vec(&file).unwrap_or_default();
                    Ok((Cow::Owned(data), None))
                }
                _ => Err(Error::Server(
                    answer.message.unwrap_or_else(|| "upload failed".into()),
                )),
            }
        }
    }
}

/// Checks a download's answer, returning the bytes.
pub fn decode_bytes(response: HttpResponse) -> Result<Vec<u8>> {
    if (200..300).contains(&response.status) {
        Ok(response.body)
    } else {
        Err(status_error(&response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn envelopes_map_codes_to_errors() {
        let ok: (i64, _) = decode(
            Framing::Envelope,
            &answer(200, r#"{"code":0,"msg":"success","data":5}"#),
        )
        .unwrap();
        assert_eq!(ok.0, 5);
        let err = decode::<()>(
            Framing::Envelope,
            &answer(200, r#"{"code":2,"msg":"wrong name or password"}"#),
        );
        assert_eq!(err, Err(Error::Auth("wrong name or password".into())));
        let err = decode::<()>(
            Framing::Envelope,
            &answer(200, r#"{"code":5,"msg":"taken"}"#),
        );
        assert_eq!(err, Err(Error::InvalidInput("taken".into())));
    }

    #[test]
    fn rest_statuses_map_to_errors_with_the_server_message() {
        let err = decode::<()>(Framing::Rest, &answer(403, r#"{"error":"not a member"}"#));
        assert_eq!(err, Err(Error::Forbidden("not a member".into())));
        let err = decode::<()>(Framing::Rest, &answer(404, r#"{"error":"no such group"}"#));
        assert_eq!(err, Err(Error::NotFound("no such group".into())));
        let ok: ((), _) = decode(Framing::Rest, &answer(200, "")).unwrap();
        assert_eq!(ok.0, ());
        assert!(matches!(
            decode::<i64>(Framing::Rest, &answer(200, "[")),
            Err(Error::Server(_))
        ));
    }

    #[test]
    fn call_answers_yield_data_and_pager() {
        let body = r#"{"module":"chat","method":"history","result":"success","data":[1,2],"pager":{"recPerPage":2,"pageID":1,"recTotal":9,"continued":true}}"#;
        let (data, pager): (Vec<i64>, _) = decode(Framing::Call, &answer(200, body)).unwrap();
        assert_eq!(data, vec![1, 2]);
        assert_eq!(pager.unwrap().rec_total, Some(9));
    }

    #[test]
    fn endpoints_encode_query_body_and_token() {
        let ep = Endpoint::new("GET", "/api/sync", Framing::Rest)
            .query(&[("after", "5"), ("limit", "2")])
            .unwrap();
        let req = ep.request("http://h:1", Some("t0k"));
        assert_eq!(req.url, "http://h:1/api/sync?after=5&limit=2");
        assert_eq!(
            req.headers,
            vec![("Authorization".into(), "Bearer t0k".into())]
        );
        let req = Endpoint::new("POST", "/login", Framing::Envelope)
            .json(&chinwag_wire::room::NameRequest {
                name: Some("a b".into()),
            })
            .unwrap()
            .request("http://h:1", None);
        assert_eq!(req.body.unwrap(), br#"{"name":"a b"}"#);
    }
}
