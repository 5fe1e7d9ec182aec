//! Seeds 000/001 over a real socket: login in both param shapes, pushes, kickoff, every chat
//! method, permissions, bad frames, and files over HTTP.

mod common;

use common::{TestServer, Ws};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn login_in_both_shapes_pushes_and_kickoff() {
    let t = TestServer::start().await;
    let (a, _) = t.user("alice").await;
    let (b, _) = t.user("bob").await;
    // Before login every method is denied.
    let mut ws = Ws::connect(&t.ws_url("")).await;
    ws.send(json!({"module": "chat", "method": "getList"}))
        .await;
    let denied = ws.recv().await;
    assert_eq!(
        (denied["result"].clone(), denied["method"].clone()),
        (json!("denied"), json!("getList"))
    );
    // Wrong password fails.
    ws.send(json!({"module": "chat", "method": "login", "params": {"account": "alice", "password": "bad", "status": "online"}})).await;
    let fail = ws.recv().await;
    assert_eq!(fail["result"], "denied");
    assert!(fail["message"].as_str().unwrap().contains("wrong"));
    // 001 login: object params; response with sid and user; then userGetList and getlist.
    ws.send(json!({"module": "chat", "method": "login", "params": {"account": "alice", "password": "pw-alice", "status": "away"}})).await;
    let ok = ws.recv().await;
    assert_eq!(ok["result"], "success");
    assert!(ok["sid"].as_str().unwrap().len() >= 32);
    assert_eq!(
        (
            ok["data"]["id"].clone(),
            ok["data"]["account"].clone(),
            ok["data"]["status"].clone()
        ),
        (json!(a), json!("alice"), json!("away"))
    );
    let users = ws.recv().await;
    assert_eq!(
        (users["module"].clone(), users["method"].clone()),
        (json!("chat"), json!("userGetList"))
    );
    assert!(users["id"].is_u64());
    assert_eq!(users["data"].as_array().unwrap().len(), 2);
    let chats = ws.recv().await;
    assert_eq!(
        (chats["method"].clone(), chats["data"].clone()),
        (json!("getlist"), json!([]))
    );
    // 000 login by bob: array params with serverName; alice is told.
    let mut wb = Ws::connect(&t.ws_url("")).await;
    wb.send(json!({"module": "chat", "method": "login", "params": ["server1", "bob", "pw-bob", "online"]})).await;
    let okb = wb.recv().await;
    assert_eq!(
        (okb["result"].clone(), okb["data"]["id"].clone()),
        (json!("success"), json!(b))
    );
    assert_eq!(wb.recv().await["method"], "userGetlist");
    assert_eq!(wb.recv().await["method"], "getList");
    let pushed = ws.recv_method("login").await;
    assert_eq!(
        (
            pushed["data"]["account"].clone(),
            pushed["data"]["status"].clone()
        ),
        (json!("bob"), json!("online"))
    );
    assert!(pushed.get("result").is_none());
    // The sid is a token: it works on the HTTP APIs.
    let sid = okb["sid"].as_str().unwrap();
    let (_, info) = t
        .post("/user/info", json!({"token": sid, "name": "bob"}))
        .await;
    assert_eq!(info["code"], 0);
    // A repeated 000 login kicks the earlier socket with 000's kickoff frame.
    let mut wb2 = Ws::connect(&t.ws_url("")).await;
    wb2.send(json!({"module": "chat", "method": "login", "params": ["server1", "bob", "pw-bob", "busy"]})).await;
    assert_eq!(wb2.recv().await["result"], "success");
    let kick = wb.recv().await;
    assert_eq!(
        kick,
        json!({"module": "chat", "method": "kickoff", "message": "This account logined in another place."})
    );
    assert!(wb.next().await.is_none(), "kicked socket is closed");
    // The kicked session's sid was revoked.
    let (_, after) = t
        .post("/user/info", json!({"token": sid, "name": "bob"}))
        .await;
    assert_eq!(after["code"], 2);
    // 001 flavour kickoff.
    let mut ws2 = Ws::connect(&t.ws_url("")).await;
    ws2.send(json!({"module": "chat", "method": "login", "params": {"account": "alice", "password": "pw-alice"}})).await;
    assert_eq!(ws2.recv().await["result"], "success");
    let kick = ws.recv_method("null").await;
    assert_eq!(
        (kick["module"].clone(), kick["message"].clone()),
        (
            json!("null"),
            json!("This account logined in another place.")
        )
    );
    // Logout: answer with the user offline, others told.
    let out = ws2.request("logout", Value::Null).await;
    assert_eq!(
        (out["result"].clone(), out["data"]["status"].clone()),
        (json!("success"), json!("offline"))
    );
    let told = wb2.recv_method("logout").await;
    assert_eq!(told["data"]["id"], a);
    let after_logout = ws2.request("getList", Value::Null).await;
    assert_eq!(after_logout["result"], "denied");
}

#[tokio::test]
async fn chats_messages_history_and_permissions() {
    let t = TestServer::start().await;
    let (a, _) = t.user("alice").await;
    let (b, _) = t.user("bob").await;
    let (c, _) = t.user("carol").await;
    let (mut wa, _) = t.xx_login("alice").await;
    let (mut wb, _) = t.xx_login("bob").await;
    // create: a group with bob; bob is pushed the new chat; create is idempotent on gid.
    let created = wa.request("create", json!({"gid": "g-1", "name": "Team", "type": "group", "members": [{"id": b}], "subject": 0, "pulic": false})).await;
    assert_eq!(created["result"], "success", "{created}");
    let chat = &created["data"];
    assert_eq!(
        (
            chat["gid"].clone(),
            chat["name"].clone(),
            chat["type"].clone(),
            chat["public"].clone()
        ),
        (json!("g-1"), json!("Team"), json!("group"), json!(false))
    );
    // Plain ids on a xuanxuan socket (001's id arrays; what the real client reads), though
    // 000's [{id}] is taken as input.
    assert_eq!(chat["members"], json!([a, b]));
    assert_eq!(chat["createdBy"], "alice");
    assert!(
        chat["createdDate"].as_i64().unwrap() > 1_600_000_000
            && chat["createdDate"].as_i64().unwrap() < 10_000_000_000
    );
    let push = wb.recv_method("create").await;
    assert_eq!(push["data"]["gid"], "g-1");
    let again = wa
        .request(
            "create",
            json!({"gid": "g-1", "name": "Other", "type": "group", "members": []}),
        )
        .await;
    assert_eq!(
        (
            again["result"].clone(),
            again["data"]["name"].clone(),
            again["data"]["id"].clone()
        ),
        (json!("success"), json!("Team"), chat["id"].clone())
    );
    // 000 positional create of a one2one chat; a wrong one2one gid is refused.
    let bad = wa
        .request("create", json!(["x", "", "one2one", [{"id": b}], 0, false]))
        .await;
    assert_eq!(bad["result"], "fail");
    // A group may not squat the gid of somebody's one-to-one chat.
    let squat = wa
        .request(
            "create",
            json!({"gid": format!("{b}&{c}"), "type": "group", "members": []}),
        )
        .await;
    assert_eq!(squat["result"], "fail");
    let o2o = wa
        .request(
            "create",
            json!([format!("{a}&{b}"), "", "one2one", [{"id": b}], 0, false]),
        )
        .await;
    assert_eq!(o2o["data"]["gid"], format!("{a}&{b}"));
    // message: answered to the sender, pushed to bob; duplicate gid is not pushed twice.
    let msg = json!([{"gid": "m-1", "cgid": "g-1", "type": "normal", "contentType": "text", "content": "hello team"}]);
    let sent = wa.request("message", msg.clone()).await;
    assert_eq!(sent["result"], "success");
    let m = &sent["data"][0];
    assert_eq!(
        (
            m["gid"].clone(),
            m["cgid"].clone(),
            m["user"].clone(),
            m["content"].clone()
        ),
        (json!("m-1"), json!("g-1"), json!(a), json!("hello team"))
    );
    assert!(m["id"].is_i64());
    let got = wb.recv_method("message").await;
    assert_eq!(got["data"][0]["gid"], "m-1");
    assert!(got.get("result").is_none(), "a push, not a response");
    let dup = wa.request("message", msg).await;
    assert_eq!(dup["data"][0]["id"], m["id"]);
    wb.silent(300).await;
    // Non-members cannot post, read history or list members.
    let (mut wc, _) = t.xx_login("carol").await;
    let nope = wc
        .request(
            "message",
            json!([{"gid": "m-x", "cgid": "g-1", "content": "hi"}]),
        )
        .await;
    assert_eq!(nope["result"], "fail");
    assert_eq!(
        wc.request("history", json!({"gid": "g-1"})).await["result"],
        "fail"
    );
    assert_eq!(
        wc.request("members", json!({"gid": "g-1"})).await["result"],
        "fail"
    );
    assert_eq!(
        wc.request("joinchat", json!({"gid": "g-1"})).await["result"],
        "fail",
        "not public"
    );
    // changePublic → carol can find and join it.
    let public = wa
        .request("changePublic", json!({"gid": "g-1", "public": true}))
        .await;
    assert_eq!(public["data"], json!({"gid": "g-1", "public": true}));
    assert_eq!(wb.recv_method("changePublic").await["data"]["public"], true);
    let list = wc.request("getPublicList", Value::Null).await;
    assert_eq!(list["data"][0]["gid"], "g-1");
    assert!(list["data"][0].get("members").is_none());
    let joined = wc
        .request("joinchat", json!({"gid": "g-1", "join": true}))
        .await;
    assert_eq!(joined["result"], "success");
    let jpush = wa.recv_method("joinChat").await;
    assert_eq!(jpush["data"]["members"].as_array().unwrap().len(), 3);
    // members: full users.
    let members = wa.request("members", json!(["g-1"])).await;
    assert_eq!(members["data"][0]["gid"], "g-1");
    assert_eq!(members["data"][0]["members"][2]["account"], "carol");
    // changename (001 writes the gid in `id`; administrators only), star, hide: per-user
    // flags show in getList.
    let refused = wb
        .request("changename", json!({"id": "g-1", "name": "Mine"}))
        .await;
    assert_eq!(refused["result"], "fail");
    let renamed = wa
        .request("changename", json!({"id": "g-1", "name": "Crew"}))
        .await;
    assert_eq!(renamed["data"], json!({"gid": "g-1", "name": "Crew"}));
    assert_eq!(wb.recv_method("changeName").await["data"]["name"], "Crew");
    assert_eq!(
        wa.request("star", json!({"gid": "g-1", "star": true}))
            .await["data"],
        json!({"gid": "g-1", "star": true})
    );
    assert_eq!(
        wa.request("hide", json!(["g-1", false])).await["data"],
        json!({"gid": "g-1", "hide": false})
    );
    let mine = wa.request("getList", Value::Null).await;
    let g1 = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["gid"] == "g-1")
        .unwrap()
        .clone();
    assert_eq!(
        (g1["star"].clone(), g1["hide"].clone(), g1["name"].clone()),
        (json!(true), json!(false), json!("Crew"))
    );
    let theirs = wb.request("getList", Value::Null).await;
    assert_eq!(
        theirs["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["gid"] == "g-1")
            .unwrap()["star"],
        false
    );
    // addmember removal is for administrators only; setAdmin grants it.
    let denied = wb
        .request(
            "addmember",
            json!({"gid": "g-1", "members": [c], "join": false}),
        )
        .await;
    assert_eq!(denied["result"], "fail");
    let admin = wa
        .request(
            "setAdmin",
            json!({"gid": "g-1", "admins": [{"id": b}], "isAdmin": true}),
        )
        .await;
    assert_eq!(admin["data"]["admins"], json!([a, b]));
    assert_eq!(
        wc.request("setAdmin", json!({"gid": "g-1", "admins": [{"id": c}]}))
            .await["result"],
        "fail"
    );
    let removed = wb
        .request(
            "addmember",
            json!({"gid": "g-1", "members": [c], "join": false}),
        )
        .await;
    assert_eq!(removed["data"]["members"], json!([a, b]));
    let kicked_push = wc.recv_method("addMember").await;
    assert_eq!(kicked_push["data"]["members"].as_array().unwrap().len(), 2);
    let back = wa.request("addmember", json!(["g-1", [c], true])).await;
    assert_eq!(back["data"]["members"].as_array().unwrap().len(), 3);
    // setCommitters: only listed users (and administrators) may post.
    let com = wa
        .request(
            "setCommitters",
            json!({"gid": "g-1", "committers": [{"id": a}]}),
        )
        .await;
    assert_eq!(com["data"]["committers"], json!([a]));
    assert_eq!(
        wc.request(
            "message",
            json!([{"gid": "m-c", "cgid": "g-1", "content": "may I?"}])
        )
        .await["result"],
        "fail"
    );
    wa.request("setCommitters", json!({"gid": "g-1", "committers": []}))
        .await;
    // history: whole, and 000's pager (page 1 = newest).
    for i in 0..5 {
        wa.request(
            "message",
            json!([{"gid": format!("h-{i}"), "cgid": "g-1", "content": format!("h{i}")}]),
        )
        .await;
    }
    let all = wa.request("history", json!({"gid": "g-1"})).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 6);
    assert!(all.get("pager").is_none());
    let p1 = wa.request("history", json!(["g-1", 4, 1, 0, true])).await;
    let texts: Vec<_> = p1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![json!("h1"), json!("h2"), json!("h3"), json!("h4")]
    );
    assert_eq!(
        p1["pager"],
        json!({"recPerPage": 4, "pageID": 1, "recTotal": 6, "gid": "g-1", "continued": true})
    );
    let p2 = wa.request("history", json!(["g-1", 4, 2, 6, true])).await;
    assert_eq!(p2["data"].as_array().unwrap().len(), 2);
    assert_eq!(p2["pager"]["continued"], false);
    // leave with joinchat false.
    assert_eq!(
        wc.request("joinchat", json!(["g-1", false])).await["result"],
        "success"
    );
    assert_eq!(
        wc.request("history", json!({"gid": "g-1"})).await["result"],
        "success",
        "public chats are readable"
    );
}

#[tokio::test]
async fn users_settings_offline_and_bad_frames() {
    let t = TestServer::start().await;
    let (a, _) = t.user("alice").await;
    let (b, _) = t.user("bob").await;
    let (mut wa, _) = t.xx_login("alice").await;
    // bob is offline: a one-to-one message waits and is pushed after his login.
    let gid = format!("{a}&{b}");
    let sent = wa.request("message", json!([{"gid": "o-1", "cgid": gid, "contentType": "text", "content": "while you were out"}])).await;
    assert_eq!(sent["result"], "success", "{sent}");
    let mut wb = Ws::connect(&t.ws_url("")).await;
    wb.send(json!({"module": "chat", "method": "login", "params": {"account": "bob", "password": "pw-bob"}})).await;
    let off = wb.recv_method("message").await;
    assert_eq!(
        (
            off["data"][0]["content"].clone(),
            off["data"][0]["cgid"].clone()
        ),
        (json!("while you were out"), json!(gid))
    );
    // ...and only once.
    let (mut wb2, _) = t.xx_login("bob").await;
    wb2.silent(300).await;
    // userChangeName / userChangeStatus / userChange: answered and pushed to the others.
    let n = wa
        .request("userChangeName", json!({"name": "Alice A."}))
        .await;
    assert_eq!(n["data"], json!({"id": a, "name": "Alice A."}));
    assert_eq!(
        wb2.recv_method("userChangeName").await["data"]["realname"],
        "Alice A."
    );
    let s = wa
        .request("userChangeStatus", json!({"status": "busy"}))
        .await;
    assert_eq!(s["data"], json!({"id": a, "status": "busy"}));
    assert_eq!(
        wb2.recv_method("userChangeStatus").await["data"]["status"],
        "busy"
    );
    assert_eq!(
        wa.request("userChangeStatus", json!({"status": "asleep"}))
            .await["result"],
        "fail"
    );
    let ch = wa
        .request(
            "userChange",
            json!({"user": {"email": "a@example.org", "gender": "f"}}),
        )
        .await;
    assert_eq!(
        (ch["data"]["email"].clone(), ch["data"]["gender"].clone()),
        (json!("a@example.org"), json!("f"))
    );
    let list = wb2.request("userGetlist", Value::Null).await;
    assert_eq!(list["data"][0]["email"], "a@example.org");
    // settings: write, read back, and another account's settings are refused.
    let w = wa
        .request(
            "settings",
            json!({"account": "alice", "settings": {"theme": "dark"}}),
        )
        .await;
    assert_eq!(w["data"], json!({"theme": "dark"}));
    let r = wa.request("settings", json!(["alice"])).await;
    assert_eq!(r["data"], json!({"theme": "dark"}));
    assert_eq!(
        wa.request("settings", json!({"account": "bob"})).await["result"],
        "fail"
    );
    // rid echo, case-insensitive methods, unknown methods, malformed frames: the socket stays.
    let r = wa.request("GETLIST", Value::Null).await;
    assert_eq!(
        (r["result"].clone(), r["method"].clone()),
        (json!("success"), json!("GETLIST"))
    );
    let unknown = wa.request("teleport", json!({})).await;
    assert_eq!(unknown["result"], "fail");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("unknown method")
    );
    wa.send_raw(Message::Text("{oops".into())).await;
    let v = wa.recv().await;
    assert_ne!(
        v["module"], "null",
        "an error is not 001's kickoff frame: {v}"
    );
    for raw in [
        "{oops",
        "[]",
        "{\"module\":\"chat\"}",
        "{\"module\":\"chat\",\"method\":\"star\",\"params\":{\"star\":true}}",
    ] {
        wa.send_raw(Message::Text(raw.into())).await;
        let v = wa.recv().await;
        assert_eq!(v["result"], "fail", "{raw} → {v}");
        assert!(!v["message"].as_str().unwrap_or("").is_empty());
    }
    wa.send_raw(Message::Binary(vec![0xc3, 0x28].into())).await;
    assert_eq!(wa.recv().await["result"], "fail");
    let big = format!(
        "{{\"module\":\"chat\",\"method\":\"settings\",\"params\":{{\"settings\":\"{}\"}}}}",
        "x".repeat(1_100_000)
    );
    wa.send_raw(Message::Text(big.into())).await;
    assert!(
        wa.recv().await["message"]
            .as_str()
            .unwrap()
            .contains("exceeds")
    );
    assert_eq!(
        wa.request("getList", Value::Null).await["result"],
        "success"
    );
}

#[tokio::test]
async fn files_upload_list_download_members_only() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, _) = t.user("bob").await;
    let (_, ct) = t.user("carol").await;
    let (mut wa, _) = t.xx_login("alice").await;
    let gid = format!("{a}&{b}");
    wa.request(
        "create",
        json!({"gid": gid, "type": "one2one", "members": [{"id": b}]}),
    )
    .await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hello file".to_vec()).file_name("note.txt"),
        )
        .text("gid", gid.clone())
        .text("userid", a.to_string());
    let resp = t
        .http
        .post(t.url("/upload"))
        .header("Authorization", &at)
        .header("ServerName", "s1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let up: Value = resp.json().await.unwrap();
    assert_eq!(up["result"], "success");
    assert_eq!(up["data"]["name"], "note.txt");
    let id = up["data"]["id"].as_i64().unwrap();
    let url = up["data"]["url"].as_str().unwrap().to_string();
    // attach/getList over the socket.
    wa.send(json!({"module": "attach", "method": "getList", "params": {"gid": gid}, "rid": 1}))
        .await;
    let files = wa.recv_method("getList").await;
    assert_eq!(files["data"][0]["id"], id);
    assert_eq!(
        (
            files["data"][0]["title"].clone(),
            files["data"][0]["size"].clone(),
            files["data"][0]["addedBy"].clone()
        ),
        (json!("note.txt"), json!(10), json!(a))
    );
    // Download by a member, by URL and by id; a non-member gets 403.
    let body = t
        .http
        .get(t.url(&url))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"hello file");
    let by_id = t
        .http
        .get(t.url(&format!("/download?id={id}&access_token={at}")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.status(), 200);
    let other = t
        .http
        .get(t.url(&url))
        .bearer_auth(&ct)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let fail: Value = other.json().await.unwrap();
    assert_eq!(fail["result"], "fail");
    // Upload by a non-member, without a token, without a gid: refused.
    let form = || {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x"),
            )
            .text("gid", gid.clone())
    };
    assert_eq!(
        t.http
            .post(t.url("/upload"))
            .bearer_auth(&ct)
            .multipart(form())
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        t.http
            .post(t.url("/upload"))
            .multipart(form())
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let nogid = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x"),
    );
    assert_eq!(
        t.http
            .post(t.url("/upload"))
            .bearer_auth(&at)
            .multipart(nogid)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        t.http
            .get(t.url("/files/9999"))
            .bearer_auth(&at)
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "an unknown file answers as one the caller may not download"
    );
    let not_multipart = t
        .http
        .post(t.url("/upload"))
        .bearer_auth(&at)
        .json(&json!({"gid": gid}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), 400);
    let v: Value = not_multipart.json().await.unwrap();
    assert_eq!(v["result"], "fail");
}
