//! What the real xuanxuan client (xxc) does that the seeds leave open, one test per item:
//! members as plain ids, one-to-one gids sorted as text, the password sent as its MD5 hex,
//! file messages re-sent under their gid as the upload goes, and the creator of a one-to-one
//! chat opened by a 002 `/send`.

mod common;

use common::{TestServer, Ws};
use serde_json::{Value, json};

/// Logs in on a fresh xuanxuan socket with `password` as sent; returns the socket and the
/// answer.
async fn login(t: &TestServer, account: &str, password: &str) -> (Ws, Value) {
    let mut ws = Ws::connect(&t.ws_url("")).await;
    let params = json!({"account": account, "password": password, "status": "online"});
    let answer = ws.request("login", params).await;
    (ws, answer)
}

#[tokio::test]
async fn chat_members_are_plain_ids_on_xuanxuan_sockets() {
    let t = TestServer::start().await;
    let (a, _) = t.user("ann").await;
    let (b, _) = t.user("ben").await;
    let (mut wa, _) = t.xx_login("ann").await;
    let (mut wb, _) = t.xx_login("ben").await;
    // 000's [{id}] and 001's [id] are both taken as input.
    for (gid, members) in [("g-obj", json!([{"id": b}])), ("g-ids", json!([b]))] {
        let params = json!({"gid": gid, "name": gid, "type": "group", "members": members});
        let made = wa.request("create", params).await;
        assert_eq!(made["data"]["members"], json!([a, b]), "{made}");
        let pushed = wb.recv_method("create").await;
        assert_eq!(pushed["data"]["members"], json!([a, b]), "{pushed}");
    }
    let list = wb.request("getList", json!({})).await;
    for chat in list["data"].as_array().unwrap() {
        assert_eq!(chat["members"], json!([a, b]), "{chat}");
    }
    // So the client's history gid is built from numbers, and the history answers.
    let history = wb.request("history", json!({"gid": "g-ids"})).await;
    assert_eq!(history["result"], "success", "{history}");
}

#[tokio::test]
async fn a_one2one_gid_names_the_chat_in_either_order() {
    let t = TestServer::start().await;
    // Users 1..=10: user 3 and user 10 sort as "10&3" when sorted as text.
    let mut names = Vec::new();
    for i in 1..=10 {
        let name = format!("u{i}");
        let (id, _) = t.user(&name).await;
        assert_eq!(id, i);
        names.push(name);
    }
    let (mut w3, _) = t.xx_login("u3").await;
    let (mut w10, _) = t.xx_login("u10").await;
    let as_text = "10&3";
    let create = json!({"gid": as_text, "type": "one2one", "members": [10]});
    let made = w3.request("create", create).await;
    assert_eq!(made["result"], "success", "{made}");
    assert_eq!(
        made["data"]["gid"], as_text,
        "answered with the gid the client used"
    );
    let again = w3
        .request(
            "create",
            json!({"gid": "3&10", "type": "one2one", "members": [10]}),
        )
        .await;
    assert_eq!(again["data"]["id"], made["data"]["id"], "the same chat");
    assert_eq!(again["data"]["gid"], "3&10");
    // Messages and history under either spelling reach the same chat.
    let message = json!({"gid": "m-1", "cgid": as_text, "type": "normal", "contentType": "text", "content": "hi ten"});
    let sent = w3.request("message", json!([message])).await;
    assert_eq!(sent["result"], "success", "{sent}");
    assert_eq!(sent["data"][0]["cgid"], as_text);
    let pushed = w10.recv_method("message").await;
    assert_eq!(pushed["data"][0]["content"], "hi ten");
    let history = w10.request("history", json!({"gid": as_text})).await;
    assert_eq!(history["data"][0]["content"], "hi ten", "{history}");
    assert_eq!(history["data"][0]["cgid"], as_text);
    // Only the two ids, in either order: another pair is refused.
    let wrong = w3
        .request(
            "create",
            json!({"gid": "10&4", "type": "one2one", "members": [10]}),
        )
        .await;
    assert_eq!(wrong["result"], "fail", "{wrong}");
    assert!(
        wrong["message"]
            .as_str()
            .unwrap()
            .contains("\"3&10\" or \"10&3\"")
    );
}

#[tokio::test]
async fn a_xuanxuan_login_takes_the_password_or_its_md5() {
    let t = TestServer::start().await;
    t.user("mia").await; // registered through 002 with "pw-mia"
    let digest = chinwag_server::auth::md5_hex("pw-mia");
    for password in [digest.clone(), digest.to_uppercase(), "pw-mia".to_string()] {
        let (_, answer) = login(&t, "mia", &password).await;
        assert_eq!(answer["result"], "success", "{password}: {answer}");
    }
    let (_, wrong) = login(&t, "mia", &chinwag_server::auth::md5_hex("pw-other")).await;
    assert_eq!(wrong["result"], "denied", "{wrong}");
    // 002 takes the password only: the digest is not it.
    let (_, via_002) = t
        .post("/login", json!({"name": "mia", "password": digest}))
        .await;
    assert_eq!(via_002["code"], 2, "{via_002}");
}

#[tokio::test]
async fn a_file_message_resent_under_its_gid_is_updated_for_everyone() {
    let t = TestServer::start().await;
    let (a, _) = t.user("fay").await;
    let (b, gus_token) = t.user("gus").await;
    let (mut wa, _) = t.xx_login("fay").await;
    let (mut wb, _) = t.xx_login("gus").await;
    // gus's SDK too, on the extension socket.
    let mut sdk = Ws::connect(&t.ws_url(&format!("?access_token={gus_token}&ext=chinwag"))).await;
    let cgid = format!("{}&{}", a.min(b), a.max(b));
    let file = |content: &str| json!([{"gid": "file-1", "cgid": cgid, "type": "normal", "contentType": "file", "content": content}]);
    // The client sends the file card first, then again with the upload's progress, then
    // with the file.
    let first = wa
        .request("message", file(r#"{"name":"a.txt","send":0}"#))
        .await;
    let id = first["data"][0]["id"].clone();
    assert_eq!(wb.recv_method("message").await["data"][0]["id"], id);
    let frame = next_message(&mut sdk).await;
    assert_eq!(frame["id"], id.to_string());
    assert!(frame.get("updated").is_none(), "{frame}");
    let done = r#"{"name":"a.txt","send":1,"id":7,"url":"/files/7"}"#;
    let second = wa.request("message", file(done)).await;
    assert_eq!(second["data"][0]["id"], id, "the same message");
    assert_eq!(second["data"][0]["content"], done, "with the new content");
    let update = wb.recv_method("message").await;
    assert_eq!(
        (
            &update["data"][0]["id"],
            update["data"][0]["content"].as_str()
        ),
        (&id, Some(done))
    );
    // The extension marks it, so the SDK hands it over as an update.
    let frame = next_message(&mut sdk).await;
    assert_eq!(frame["updated"], true, "{frame}");
    assert_eq!(
        (&frame["id"], &frame["content"]),
        (&json!(id.to_string()), &json!(done))
    );
    let history = wb.request("history", json!({"gid": cgid})).await;
    assert_eq!(history["data"].as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history["data"][0]["content"], done);
    // A text message re-sent under its gid stays a duplicate: the first version, no push.
    let text = |content: &str| json!([{"gid": "text-1", "cgid": cgid, "type": "normal", "contentType": "text", "content": content}]);
    wa.request("message", text("one")).await;
    wb.recv_method("message").await;
    let again = wa.request("message", text("two")).await;
    assert_eq!(again["data"][0]["content"], "one");
    wb.silent(300).await;
}

/// The next message frame on an extension socket (skipping events).
async fn next_message(ws: &mut Ws) -> Value {
    loop {
        let frame = ws.recv().await;
        if frame["type"] == "unicast" || frame["type"] == "multicast" {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_one2one_chat_opened_by_a_002_send_is_created_by_the_sender() {
    let t = TestServer::start().await;
    // The recipient has the smaller id, so the order of ids does not decide it.
    t.user("ida").await;
    let (_, jo) = t.user("jo").await;
    let (s, sent) = t
        .post("/send", json!({"token": jo, "name": "ida", "msg": "hello"}))
        .await;
    assert_eq!((s, &sent["code"]), (200, &json!(0)), "{sent}");
    let (mut wi, _) = t.xx_login("ida").await;
    let list = wi.request("getList", json!({})).await;
    assert_eq!(list["data"][0]["createdBy"], "jo", "{list}");
}
