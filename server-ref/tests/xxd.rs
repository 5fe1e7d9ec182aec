//! xuanxuan's real gateway transport, spoken as its client does (issue 18, item 6):
//! `POST /serverInfo` with the login request in form field `data`, then a socket on which every
//! frame is binary, AES-256-CBC with the token as key and its first 16 bytes as IV, PKCS#7
//! padding — both ways. The cipher is written here from that description (RustCrypto's `aes`
//! and `cbc`), not taken from the server.

mod common;

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use common::{TestServer, Ws};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn md5(s: &str) -> String {
    chinwag_server::auth::md5_hex(s)
}

/// A socket speaking the encrypted transport under `token`.
struct Sealed {
    ws: Ws,
    key: [u8; 32],
}

impl Sealed {
    async fn open(t: &TestServer, token: &str) -> Sealed {
        Sealed {
            ws: Ws::connect(&t.ws_url("")).await,
            key: token.as_bytes().try_into().expect("a 32-byte token"),
        }
    }

    fn iv(&self) -> [u8; 16] {
        self.key[..16].try_into().unwrap()
    }

    async fn send(&mut self, v: Value) {
        let sealed = cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_vec_mut::<Pkcs7>(v.to_string().as_bytes());
        self.ws.send_raw(Message::Binary(sealed.into())).await;
    }

    /// The next frame, decrypted (5 s at most); `None` once the socket closed.
    async fn next(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.ws.inner.next())
                .await
                .expect("timed out waiting for a frame");
            match msg {
                Some(Ok(Message::Binary(b))) => {
                    let plain = cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
                        .decrypt_padded_vec_mut::<Pkcs7>(&b)
                        .expect("a frame sealed under the token");
                    return Some(serde_json::from_slice(&plain).unwrap());
                }
                Some(Ok(Message::Text(t))) => panic!("a plain frame on an encrypted socket: {t}"),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    async fn recv_method(&mut self, method: &str) -> Value {
        loop {
            let v = self.next().await.expect("socket closed");
            if v["method"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(method))
            {
                return v;
            }
        }
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let rid = format!("rid-{method}");
        self.send(json!({"module": "chat", "method": method, "params": params, "rid": rid}))
            .await;
        loop {
            let v = self.next().await.expect("socket closed");
            if v["rid"] == json!(rid) {
                return v;
            }
        }
    }
}

/// The login request the client sends (its password as MD5 hex).
fn login_request(account: &str, password: &str) -> Value {
    json!({"module": "chat", "method": "login",
           "params": {"account": account, "password": md5(password), "status": "online"}})
}

/// `POST /serverInfo` as a urlencoded form: (status, answer).
async fn server_info(t: &TestServer, account: &str, password: &str) -> (u16, Value) {
    let data = login_request(account, password).to_string();
    let resp = t
        .http
        .post(t.url("/serverInfo"))
        .form(&[("data", data)])
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_real_client_transport_end_to_end() {
    let t = TestServer::start().await;
    let (a, _) = t.user("ann").await;
    let (b, _) = t.user("bob").await;
    let (mut bob, _) = t.xx_login("bob").await; // a plain socket beside the encrypted ones

    // serverInfo: 401 for a wrong login; the server's information and a token otherwise.
    let (status, refused) = server_info(&t, "ann", "wrong").await;
    assert_eq!(status, 401, "{refused}");
    let (status, info) = server_info(&t, "ann", "pw-ann").await;
    assert_eq!(status, 200, "{info}");
    let port = t.base.rsplit(':').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(info["chatPort"], port);
    assert!(info["uploadFileSize"].as_u64().unwrap() > 0 && info["version"].is_string());
    assert_eq!(info["testModel"], false);
    let token = info["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 32);
    // The same as a multipart form (what a browser's FormData sends).
    let form =
        reqwest::multipart::Form::new().text("data", login_request("ann", "pw-ann").to_string());
    let multi = t
        .http
        .post(t.url("/serverInfo"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(multi.status().as_u16(), 200);

    // The socket: an encrypted login, answered and followed by the pushes, all encrypted.
    let mut ann = Sealed::open(&t, &token).await;
    ann.send(login_request("ann", "pw-ann")).await;
    let login = ann.recv_method("login").await;
    assert_eq!(login["result"], "success", "{login}");
    assert_eq!(login["data"]["id"], a);
    ann.recv_method("userGetList").await;
    ann.recv_method("getlist").await;
    let list = ann.request("getList", json!({})).await;
    assert_eq!(list["result"], "success");

    // create, message, history: the one-to-one gid as the client sorts it (as text).
    let gid = {
        let mut ids = [a.to_string(), b.to_string()];
        ids.sort();
        ids.join("&")
    };
    let made = ann
        .request(
            "create",
            json!({"gid": gid, "type": "one2one", "members": [b]}),
        )
        .await;
    assert_eq!(
        (&made["result"], &made["data"]["gid"]),
        (&json!("success"), &json!(gid))
    );
    assert_eq!(made["data"]["members"], json!([a.min(b), a.max(b)]));
    let message = json!({"gid": "x-1", "cgid": gid, "type": "normal", "contentType": "text", "content": "sealed hello"});
    let sent = ann.request("message", json!([message])).await;
    assert_eq!(sent["result"], "success", "{sent}");
    let pushed = bob.recv_method("message").await;
    assert_eq!(pushed["data"][0]["content"], "sealed hello");
    let history = ann.request("history", json!({"gid": gid})).await;
    assert_eq!(history["data"][0]["content"], "sealed hello");

    // The token opened one socket: replayed, it opens nothing.
    let mut replay = Sealed::open(&t, &token).await;
    replay.send(login_request("ann", "pw-ann")).await;
    assert!(
        replay.next().await.is_none(),
        "a used token must not open a second socket"
    );

    // kickoff: ann logs in again (a new serverInfo, a new socket); the first socket gets the
    // kickoff, encrypted, and closes.
    let (_, again) = server_info(&t, "ann", "pw-ann").await;
    let mut second = Sealed::open(&t, again["token"].as_str().unwrap()).await;
    second.send(login_request("ann", "pw-ann")).await;
    assert_eq!(second.recv_method("login").await["result"], "success");
    let kicked = ann.next().await.expect("the kickoff frame");
    // 001's spelling (the login's params were an object): {module: "null", method: "null"}.
    assert_eq!(
        (&kicked["module"], &kicked["method"]),
        (&json!("null"), &json!("null"))
    );
    assert!(
        kicked["message"]
            .as_str()
            .unwrap()
            .contains("another place"),
        "{kicked}"
    );
    assert!(ann.next().await.is_none());
}

#[tokio::test]
async fn a_socket_that_cannot_be_read_is_closed_and_plain_sockets_still_work() {
    let t = TestServer::start().await;
    t.user("cy").await;
    // A binary first frame under no token: closed with 1008 (policy), saying why.
    let mut ws = Ws::connect(&t.ws_url("")).await;
    ws.send_raw(Message::Binary(vec![7u8; 48].into())).await;
    match tokio::time::timeout(Duration::from_secs(5), ws.inner.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert!(frame.reason.contains("serverInfo"), "{}", frame.reason);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    // Plain text, and plain JSON in a binary frame, are the clear protocol as before.
    let (mut plain, _) = t.xx_login("cy").await;
    plain
        .send_raw(Message::Binary(
            json!({"module": "chat", "method": "getList", "rid": "b"})
                .to_string()
                .into_bytes()
                .into(),
        ))
        .await;
    loop {
        let v = plain.recv().await;
        if v["rid"] == "b" {
            assert_eq!(v["result"], "success");
            break;
        }
    }
}

/// Opens ann's encrypted socket (serverInfo, sealed login); returns it, its token and sid.
async fn sealed_login(t: &TestServer, account: &str) -> (Sealed, String, String) {
    let (_, info) = server_info(t, account, &format!("pw-{account}")).await;
    let token = info["token"].as_str().unwrap().to_string();
    let mut ws = Sealed::open(t, &token).await;
    ws.send(login_request(account, &format!("pw-{account}")))
        .await;
    let login = ws.recv_method("login").await;
    assert_eq!(login["result"], "success", "{login}");
    let sid = login["sid"].as_str().unwrap().to_string();
    (ws, token, sid)
}

#[tokio::test]
async fn uploads_and_downloads_as_the_client_makes_them() {
    let t = TestServer::start().await;
    let (a, _) = t.user("ann").await;
    let (b, _) = t.user("bob").await;
    let (c, _) = t.user("cat").await;
    let (mut ann, token, sid) = sealed_login(&t, "ann").await;
    let (_cat, cat_token, cat_sid) = sealed_login(&t, "cat").await;
    let gid = format!("{}&{}", a.min(b), a.max(b));
    let made = ann
        .request(
            "create",
            json!({"gid": gid, "type": "one2one", "members": [b]}),
        )
        .await;
    assert_eq!(made["result"], "success");
    let upload = |token: &str, user: i64| {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"file body".to_vec()).file_name("a.txt"),
            )
            .text("userID", user.to_string())
            .text("gid", gid.clone());
        let req = t
            .http
            .post(t.url("/upload"))
            .header("Authorization", token)
            .multipart(form);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    // The socket's token in Authorization, the user in userID: stored.
    let (status, stored) = upload(&token, a).await;
    assert_eq!(
        (status, &stored["result"]),
        (200, &json!("success")),
        "{stored}"
    );
    let id = stored["data"]["id"].as_i64().unwrap();
    // Another user's id with ann's token, and a user outside the chat: refused.
    let (status, _) = upload(&token, b).await;
    assert_eq!(status, 403);
    let (status, outsider) = upload(&cat_token, c).await;
    assert!(status == 403 || status == 404, "{status} {outsider}");

    let download = |user: i64, sid: &str, name: &str| {
        let signature = md5(&format!("{sid}{name}"));
        let url = t.url(&format!(
            "/download?fileName={name}&id={id}&ServerName=x&gid={user}&sid={signature}"
        ));
        let req = t.http.get(url);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
        }
    };
    let (status, body) = download(a, &sid, "a.txt").await;
    assert_eq!((status, body.as_slice()), (200, &b"file body"[..]));
    // A signature of another session, or of another user's session: refused.
    assert_eq!(download(a, &cat_sid, "a.txt").await.0, 401);
    assert_eq!(download(a, "not-a-session", "a.txt").await.0, 401);
    let (status, _) = download(c, &cat_sid, "a.txt").await;
    assert!(
        status == 403 || status == 404,
        "cat is not in the chat: {status}"
    );
}
