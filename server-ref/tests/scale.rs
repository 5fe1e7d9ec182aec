//! Scale-out (issue 19): one nats-server, one backend and three gateways, each a real process
//! on loopback. Users of every dialect spread over the gateways chat as if on one server;
//! SDK clients ride out a gateway killed with SIGKILL (moving to another through a failover
//! front) and a nats-server killed and restarted, with nothing acknowledged lost or shown
//! twice.

mod common;

use common::sdk::{chat_through, sdk_pair};
use common::*;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

/// A nats-server, a backend and `n` gateways.
struct Scale {
    nats: nats::Nats,
    dir: tempfile::TempDir,
    backend: std::process::Child,
    gateways: Vec<Option<std::process::Child>>,
    addrs: Vec<String>,
}

impl Scale {
    async fn start(n: usize) -> Scale {
        let dir = tempfile::tempdir().unwrap();
        let (config, nats, backend, _) = start_backend(dir.path()).await;
        let http = reqwest::Client::new();
        let (mut gateways, mut addrs) = (Vec::new(), Vec::new());
        for i in 0..n {
            let args = gateway_args(&config, &nats.url());
            let (child, addr) = spawn_server(dir.path(), &format!("gateway-{i}"), &args).await;
            wait_healthy(&http, &format!("http://{addr}")).await;
            gateways.push(Some(child));
            addrs.push(addr);
        }
        Scale {
            nats,
            dir,
            backend,
            gateways,
            addrs,
        }
    }

    /// The test helpers pointed at gateway `i`.
    fn at(&self, i: usize) -> TestServer {
        TestServer::view(format!("http://{}", self.addrs[i]))
    }

    /// Kills gateway `i` with SIGKILL.
    fn kill(&mut self, i: usize) {
        let mut child = self.gateways[i].take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Scale {
    fn drop(&mut self) {
        for child in self.gateways.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.backend.kill();
        let _ = self.backend.wait();
        let _ = &self.dir;
    }
}

/// A xuanxuan login on gateway `t`, in 000's array params (`v000`) or 001's object; the
/// socket with the login's answer and its pushes read.
async fn xx(t: &TestServer, account: &str, v000: bool) -> Ws {
    if !v000 {
        return t.xx_login(account).await.0;
    }
    let mut ws = Ws::connect(&t.ws_url("")).await;
    let params = json!(["server", account, format!("pw-{account}"), "online"]);
    ws.send(json!({"module": "chat", "method": "login", "params": params}))
        .await;
    assert_eq!(ws.recv_method("login").await["result"], "success");
    ws.recv_method("getList").await;
    ws
}

/// The next frame of `ws` that `pick` accepts (others skipped).
async fn next_where(ws: &mut Ws, pick: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = ws.recv().await;
        if pick(&frame) {
            return frame;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_of_every_dialect_on_three_gateways_chat_as_on_one_server() {
    let s = Scale::start(3).await;
    let (g0, g1, g2) = (s.at(0), s.at(1), s.at(2));
    let (a, at) = g0.user("ann").await;
    let (b, bt) = g1.user("bob").await;
    let (c, ct) = g2.user("carol").await;
    let (d, dt) = g0.user("dave").await;
    // ann: xuanxuan (001) on gateway 0 and a 003 socket on gateway 1; bob: xuanxuan (000) on
    // gateway 1; carol: the SDK extension on gateway 2; dave: a 003 socket on gateway 2, and
    // 002 over HTTP.
    let mut ann_xx = xx(&g0, "ann", false).await;
    let mut ann_003 = g1.module_ws(&at).await;
    let mut bob_xx = xx(&g1, "bob", true).await;
    let mut carol = Ws::connect(&g2.ws_url(&format!("?access_token={ct}&ext=chinwag"))).await;
    let mut dave = g2.module_ws(&dt).await;

    // Presence: bob's login on gateway 1 is announced to ann on gateway 0; all are online.
    let announced = ann_xx.recv_method("login").await;
    assert_eq!(announced["data"]["id"], json!(b), "{announced}");
    for (name, token) in [("ann", &at), ("bob", &bt), ("carol", &ct), ("dave", &dt)] {
        let (_, info) = g2
            .post("/user/info", json!({"token": token, "name": name}))
            .await;
        assert_eq!(info["data"]["status"], "online", "{name}: {info}");
    }

    // A direct message from gateway 1 reaches ann's sessions on gateways 0 and 1.
    let gid = format!("{}&{}", a.min(b), a.max(b));
    let m = json!([{"gid": "dm-1", "cgid": gid, "type": "normal", "contentType": "text", "content": "across"}]);
    assert_eq!(bob_xx.request("message", m).await["result"], "success");
    let got = ann_xx.recv_method("message").await;
    assert_eq!(got["data"][0]["content"], "across");
    let got = next_where(&mut ann_003, |f| f["content"].is_string()).await;
    assert_eq!(got["content"], "across");

    // 002, over HTTP on gateway 1, reaches ann's xuanxuan session on gateway 0.
    let (_, sent) = g1
        .post(
            "/send",
            json!({"token": dt, "name": "ann", "msg": "via 002"}),
        )
        .await;
    assert_eq!(sent["code"], 0, "{sent}");
    let got = next_where(&mut ann_xx, |f| f["method"] == "message").await;
    assert_eq!(got["data"][0]["content"], "via 002");
    next_where(&mut ann_003, |f| f["content"] == "via 002").await;

    // An invitation crosses gateways: carol's group, ann and bob invited through gateway 0,
    // accepting through gateways 1 and 2; carol on gateway 2 sees them join.
    let g = group(&g2, &ct, "crew").await;
    invite_and_accept(&g0, &ct, &g, a, &at).await;
    invite_and_accept(&g1, &ct, &g, b, &bt).await;
    invite_and_accept(&g2, &ct, &g, d, &dt).await;
    let joined = next_where(&mut carol, |f| f["type"] == "EVENT").await;
    assert!(joined["method"].is_string(), "{joined}");

    // Group fan-out from the SDK extension on gateway 2 to every member's every session.
    carol
        .send(json!({"type": "multicast", "groupId": g, "content": "to all", "gid": "g-1"}))
        .await;
    let ack = next_where(&mut carol, |f| f["type"] == "ACK").await;
    assert!(ack["id"].is_string() || ack["id"].is_number(), "{ack}");
    let is_msg = |f: &Value| f["content"] == "to all";
    next_where(&mut ann_003, is_msg).await;
    next_where(&mut dave, is_msg).await;
    let got = next_where(&mut ann_xx, |f| f["method"] == "message").await;
    assert_eq!(got["data"][0]["content"], "to all");
    let got = next_where(&mut bob_xx, |f| f["method"] == "message").await;
    assert_eq!(got["data"][0]["content"], "to all");

    // 003 notifications posted to gateway 0 reach 003 sessions on gateways 1 and 2.
    let notify = |query: String, body: Value| {
        let req = g0.http.post(g0.url(&format!("/notification{query}")));
        let req = req.header("X-Notify-Key", NOTIFY_KEY).json(&body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let is_note = |f: &Value| f["type"] == "NOTIFICATION";
    let unicast = json!({"notificationType": "n", "content": "one"});
    assert_eq!(notify(format!("?to={d}"), unicast).await, 200);
    assert_eq!(next_where(&mut dave, is_note).await["content"], "one");
    let multicast =
        json!({"type": "multicast", "to": g, "notificationType": "n", "content": "group"});
    assert_eq!(notify(String::new(), multicast).await, 200);
    assert_eq!(next_where(&mut ann_003, is_note).await["content"], "group");
    assert_eq!(next_where(&mut dave, is_note).await["content"], "group");
    g2.befriend((c, &ct), (a, &at)).await;
    let broadcast = json!({"notificationType": "n", "content": "friends"});
    assert_eq!(
        notify(format!("?type=broadcast&from={c}"), broadcast).await,
        200
    );
    assert_eq!(
        next_where(&mut ann_003, is_note).await["content"],
        "friends"
    );

    // A repeated login kicks the session on another gateway, in the spelling it logged in
    // with: ann (001) on gateway 0 by a login on gateway 2, bob (000) on gateway 1 by one on 0.
    let _ann_again = xx(&g2, "ann", false).await;
    let kick = ann_xx.recv_method("null").await;
    assert_eq!(kick["module"], "null", "{kick}");
    assert!(ann_xx.next().await.is_none(), "closed after the kickoff");
    let _bob_again = xx(&g0, "bob", false).await;
    let kick = next_where(&mut bob_xx, |f| f["method"] == "kickoff").await;
    assert_eq!(kick["module"], "chat", "{kick}");
    assert!(bob_xx.next().await.is_none(), "closed after the kickoff");

    // Revocation: dave logs out through gateway 0; his socket on gateway 2 is closed.
    let (_, out) = g0.post("/logout", json!({"token": dt})).await;
    assert_eq!(out["code"], 0, "{out}");
    let last = next_where(&mut dave, |f| f["type"] == "ERROR").await;
    assert_eq!(last["code"], 401, "{last}");
    assert!(dave.next().await.is_none(), "closed after its final frame");
}

/// A loopback TCP front that forwards each connection to the first of `targets` that takes
/// it (a load balancer's failover); answers its address.
async fn failover_front(targets: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let targets = targets.clone();
            tokio::spawn(async move {
                for target in &targets {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_clients_move_to_another_gateway_when_theirs_is_killed() {
    let mut s = Scale::start(3).await;
    // alice through a front preferring gateway 0, then 1; bob on gateway 2.
    let front = failover_front(vec![s.addrs[0].clone(), s.addrs[1].clone()]).await;
    let bob_base = format!("http://{}", s.addrs[2]);
    let (alice, bob, a, b) = sdk_pair(format!("http://{front}"), bob_base).await;
    let kill = async { s.kill(0) };
    let (alice_lost, _) = chat_through(&alice, &bob, a, b, 300, kill).await;
    assert!(alice_lost, "alice's gateway died unnoticed");
    alice.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_nats_restarts() {
    let mut s = Scale::start(2).await;
    let (a_base, b_base) = (
        format!("http://{}", s.addrs[0]),
        format!("http://{}", s.addrs[1]),
    );
    let (alice, bob, a, b) = sdk_pair(a_base, b_base).await;
    let restart = async { s.nats.restart().await };
    let lost = chat_through(&alice, &bob, a, b, 300, restart).await;
    // Both gateways were cut off from NATS: each resynced, closing its sockets.
    assert_eq!(lost, (true, true), "a gateway did not resync");
    alice.close().await;
    bob.close().await;
}

#[tokio::test]
async fn an_upload_larger_than_nats_carries_is_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    let nats = nats::Nats::start_with_default_limits(dir.path()).await;
    let (config, nats, _backend, _) = start_backend_on(dir.path(), nats).await;
    let args = gateway_args(&config, &nats.url());
    let (_gateway, addr) = spawn_server(dir.path(), "gateway", &args).await;
    let t = TestServer::view(format!("http://{addr}"));
    wait_healthy(&t.http, &t.base).await;
    let (_, token) = t.user("ann").await;
    let params = json!({"gid": "g-files", "name": "files", "type": "group", "members": []});
    let (status, made) = call(&t, &token, "create", params).await;
    assert_eq!(status, 200, "{made}");
    let g = "g-files";
    let upload = |size: usize| {
        let req = t.http.post(t.url(&format!("/files?gid={g}&name=f.bin")));
        let req = req.bearer_auth(&token).body(vec![7u8; size]);
        async move { req.send().await.unwrap() }
    };
    // Under NATS's 1 MB once in base64: stored.
    assert_eq!(upload(500_000).await.status(), 200);
    // Over it: refused with the reason, and the gateway carries on.
    let refused = upload(2_000_000).await;
    assert_eq!(refused.status(), 413);
    let body = refused.text().await.unwrap();
    assert!(body.contains("max_payload"), "{body}");
    assert_eq!(upload(1000).await.status(), 200);
}
