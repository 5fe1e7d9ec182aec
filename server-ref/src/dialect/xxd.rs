//! The transport of xuanxuan's real gateway, `xxd`, as its client (xxc) uses it: first
//! `POST /serverInfo` with the login request (form field `data`), answered — once the login is
//! verified — with a `token`; then the socket, every frame a binary message encrypted with
//! AES-256-CBC (key: the token's 32 bytes, IV: its first 16, PKCS#7 padding), both ways.
//!
//! The token is **per login**, not per server: xxd hands one server-wide key to everyone who
//! can log in, so any user could read any other's traffic; here each verified `serverInfo`
//! gets a fresh random token, bound to its account, which opens one socket within
//! [`TICKET_TTL`] and is that socket's key for its life. A socket whose first frame is binary
//! and not JSON is tried against the tokens waiting (at most [`MAX_TICKETS`]); the one that
//! decrypts it to a `login` of its own account opens it. Plain text sockets work as before.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aes::Aes256;
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use rand::RngCore;
use serde_json::{Value, json};

use chinwag_wire::MAX_UPLOAD_BYTES;
use chinwag_wire::xuanxuan::{LoginParams, Request as XxRequest};

use crate::app::AppState;
use crate::backend::ops;
use crate::backend::router::decode;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

/// How long a token from `/serverInfo` waits for its socket.
pub const TICKET_TTL: Duration = Duration::from_secs(120);
/// Most tokens waiting for their socket at once (the oldest go first).
pub const MAX_TICKETS: usize = 4096;

/// One socket's AES-256-CBC key and IV.
pub struct Cipher {
    key: [u8; 32],
    iv: [u8; 16],
}

impl Cipher {
    /// The cipher of `token` (32 bytes: the key; its first 16: the IV), if it has that length.
    pub fn new(token: &str) -> Option<Cipher> {
        let key: [u8; 32] = token.as_bytes().try_into().ok()?;
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&key[..16]);
        Some(Cipher { key, iv })
    }

    /// `plain` encrypted (PKCS#7 padded).
    pub fn encrypt(&self, plain: &[u8]) -> Vec<u8> {
        cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plain)
    }

    /// Whether `sealed` may be JSON under this key: its first block decrypts to text that
    /// starts a JSON object. One block, so trying many keys on a large frame stays cheap.
    fn may_open(&self, sealed: &[u8]) -> bool {
        let Some(first) = sealed.get(..16) else {
            return false;
        };
        let Ok(plain) = cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv.into())
            .decrypt_padded_vec_mut::<NoPadding>(first)
        else {
            return false;
        };
        plain
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_none_or(|&b| b == b'{')
    }

    /// `sealed` decrypted; `None` if it is not a whole number of blocks or its padding is
    /// wrong (another key).
    pub fn decrypt(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(sealed)
            .ok()
    }
}

/// A token waiting for its socket.
struct Ticket {
    token: String,
    user: i64,
    account: String,
    issued: Instant,
}

/// The tokens `/serverInfo` issued: waiting for their socket, and in use by one.
#[derive(Default)]
pub struct Tickets {
    waiting: Mutex<VecDeque<Ticket>>,
    /// Tokens of open encrypted sockets, with their user (an upload may present one).
    open: Mutex<HashMap<String, i64>>,
    /// The session ids (sids) of live xuanxuan sessions, by hub session id, with their user:
    /// a download is signed with one.
    sids: Mutex<HashMap<u64, (i64, String)>>,
}

impl Tickets {
    /// A new token for `user` (`account`), valid for [`TICKET_TTL`].
    pub fn issue(&self, user: i64, account: String) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        if waiting.len() >= MAX_TICKETS {
            waiting.pop_front();
        }
        waiting.push_back(Ticket {
            token: token.clone(),
            user,
            account,
            issued: Instant::now(),
        });
        token
    }

    /// Opens a socket whose first frame is `sealed`: the waiting token that decrypts it to a
    /// `login` of the token's own account. Returns the token, its cipher and the frame's text.
    pub fn redeem(&self, sealed: &[u8]) -> Option<(String, Cipher, String)> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        waiting.retain(|t| t.issued.elapsed() < TICKET_TTL);
        let found = waiting.iter().enumerate().rev().find_map(|(i, t)| {
            let cipher = Cipher::new(&t.token).filter(|c| c.may_open(sealed))?;
            let text = String::from_utf8(cipher.decrypt(sealed)?).ok()?;
            (login_account(&text).as_deref() == Some(t.account.as_str()))
                .then_some((i, cipher, text))
        });
        let (i, cipher, text) = found?;
        let ticket = waiting.remove(i)?;
        drop(waiting);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.insert(ticket.token.clone(), ticket.user);
        Some((ticket.token, cipher, text))
    }

    /// The user of the open encrypted socket keyed by `token`.
    pub fn user_of(&self, token: &str) -> Option<i64> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(token).copied()
    }

    /// The socket keyed by `token` closed.
    pub fn closed(&self, token: &str) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(token);
    }
}

impl Tickets {
    /// Xuanxuan session `session` of `user` logged in with `sid`.
    pub fn session_opened(&self, session: u64, user: i64, sid: String) {
        let mut sids = self.sids.lock().unwrap_or_else(|p| p.into_inner());
        sids.insert(session, (user, sid));
    }

    /// Xuanxuan session `session` ended.
    pub fn session_ended(&self, session: u64) {
        let mut sids = self.sids.lock().unwrap_or_else(|p| p.into_inner());
        sids.remove(&session);
    }

    /// Whether `signature` is the MD5 hex of the sid of a live session of `user` followed by
    /// `file_name` (the real client's download link).
    pub fn signed_by(&self, user: i64, file_name: &str, signature: &str) -> bool {
        let sids = self.sids.lock().unwrap_or_else(|p| p.into_inner());
        sids.values().any(|(u, sid)| {
            *u == user
                && crate::auth::keys_match(
                    &signature.to_ascii_lowercase(),
                    &crate::auth::md5_hex(&format!("{sid}{file_name}")),
                )
        })
    }
}

/// The account of a xuanxuan `login` request, if `text` is one.
fn login_account(text: &str) -> Option<String> {
    let req: XxRequest = serde_json::from_str(text).ok()?;
    if !req.method.eq_ignore_ascii_case("login") {
        return None;
    }
    let p: LoginParams = decode("login", &req.params).ok()?;
    Some(p.account)
}

/// `POST /serverInfo`: verifies the login request in form field `data` (its password as
/// typed or as its MD5 hex) and answers xxd's server information with a fresh token; 401 if
/// the login is wrong.
pub async fn server_info(State(app): State<AppState>, req: Request) -> Response {
    let port = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit_once(':'))
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(80);
    let answer = async {
        let (data, addr) = form_data(req).await?;
        let login: XxRequest = serde_json::from_str(&data)
            .map_err(|e| ApiError::invalid(format!("`data` is not a login request: {e}")))?;
        let p: LoginParams = decode("login", &login.params)?;
        let check = ops::CheckPassword {
            name: p.account.clone(),
            password: p.password,
            addr,
            md5: true,
        };
        let user = app.link.call(None, check).await?;
        Ok::<_, ApiError>(app.tickets.issue(user, p.account))
    }
    .await;
    match answer {
        Ok(token) => Json(json!({
            "version": env!("CARGO_PKG_VERSION"),
            "token": token,
            "siteType": "simple",
            "uploadFileSize": MAX_UPLOAD_BYTES,
            "chatPort": port,
            "testModel": false,
        }))
        .into_response(),
        Err(e) => super::files::fail(&e),
    }
}

/// Form field `data` of a urlencoded or multipart form (or a JSON body), and the client's
/// address.
async fn form_data(req: Request) -> ApiResult<(String, Option<std::net::IpAddr>)> {
    let missing = || ApiError::invalid("missing form field `data` (the login request)");
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("multipart/"));
    if !multipart {
        let params = Params::read(req).await?;
        let data = params
            .map
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(missing)?;
        return Ok((data.to_string(), params.addr));
    }
    let addr = crate::params::client_addr(req.extensions());
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::invalid(format!("malformed form: {e}")))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::invalid(format!("malformed form: {e}")))?
    {
        if field.name() == Some("data") {
            let text = field
                .text()
                .await
                .map_err(|e| ApiError::invalid(format!("malformed form: {e}")))?;
            return Ok((text, addr));
        }
    }
    Err(missing())
}

/// Whether a binary first frame is plain JSON (the socket speaks in the clear) rather than
/// ciphertext.
pub fn is_plain_json(frame: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(frame).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_encrypts_and_decrypts_and_another_does_not() {
        let token = "0123456789abcdef0123456789abcdef";
        let c = Cipher::new(token).unwrap();
        let sealed = c.encrypt(br#"{"method":"login"}"#);
        assert_eq!(sealed.len() % 16, 0);
        assert_eq!(c.decrypt(&sealed).unwrap(), br#"{"method":"login"}"#);
        let other = Cipher::new("fedcba9876543210fedcba9876543210").unwrap();
        assert!(
            other
                .decrypt(&sealed)
                .is_none_or(|p| p != br#"{"method":"login"}"#)
        );
        assert!(Cipher::new("short").is_none());
    }

    #[test]
    fn a_ticket_opens_one_socket_of_its_account() {
        let tickets = Tickets::default();
        let ann = tickets.issue(1, "ann".into());
        let bob = tickets.issue(2, "bob".into());
        let login = |account: &str| {
            json!({"module": "chat", "method": "login", "params": [account, "x", "online"]})
                .to_string()
        };
        // bob's token does not open a login of ann.
        let forged = Cipher::new(&bob).unwrap().encrypt(login("ann").as_bytes());
        assert!(tickets.redeem(&forged).is_none());
        let sealed = Cipher::new(&ann).unwrap().encrypt(login("ann").as_bytes());
        let (token, _, text) = tickets.redeem(&sealed).unwrap();
        assert_eq!((token.as_str(), text), (ann.as_str(), login("ann")));
        assert_eq!(tickets.user_of(&ann), Some(1));
        assert!(tickets.redeem(&sealed).is_none(), "once");
        tickets.closed(&ann);
        assert_eq!(tickets.user_of(&ann), None);
        assert!(!is_plain_json(&sealed) && is_plain_json(login("x").as_bytes()));
    }
}
