//! Seed 000's split as separate processes: `chinwag-server backend` and `chinwag-server
//! gateway`, linked over a real nats-server on loopback. What only this topology has: the
//! key, the gateway's `serverStart` and a silent gateway forgotten, a backend that dies (each
//! dialect's error, then recovery) and a gateway killed while SDK clients chat (they
//! reconnect; nothing acknowledged is lost or shown twice). The dialect suites themselves run
//! against this topology too (`CHINWAG_TOPOLOGY`); tests/scale.rs runs three gateways.

mod common;

use std::time::Duration;

use common::sdk::{chat_through, sdk_pair};
use common::*;
use serde_json::{Value, json};

/// A nats-server, a backend and a gateway as child processes, with what it takes to kill and
/// restart each on the same address.
struct Cluster {
    nats: nats::Nats,
    dir: tempfile::TempDir,
    config: chinwag_server::Config,
    backend: Option<std::process::Child>,
    gateway: Option<std::process::Child>,
    backend_addr: String,
    gateway_addr: String,
    http: reqwest::Client,
}

impl Cluster {
    async fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let (config, nats, backend, backend_addr) = start_backend(dir.path()).await;
        let args = gateway_args(&config, &nats.url());
        let (gateway, gateway_addr) = spawn_server(dir.path(), "gateway", &args).await;
        let c = Cluster {
            nats,
            dir,
            config,
            backend: Some(backend),
            gateway: Some(gateway),
            backend_addr,
            gateway_addr,
            http: reqwest::Client::new(),
        };
        wait_healthy(&c.http, &c.base()).await;
        c
    }

    fn base(&self) -> String {
        format!("http://{}", self.gateway_addr)
    }

    fn kill(child: &mut Option<std::process::Child>) {
        let mut child = child.take().unwrap();
        child.kill().unwrap(); // SIGKILL: no goodbye, as a crash
        child.wait().unwrap();
    }

    /// Starts `name` again with `args` on `addr`, its old port (retried while the port is
    /// not free yet).
    async fn again(&self, name: &str, args: Vec<String>, addr: &str) -> std::process::Child {
        for _ in 0..100 {
            if let Some((child, _)) = try_spawn_server(self.dir.path(), name, &args, addr).await {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{name} could not bind {addr} again");
    }

    async fn restart_backend(&mut self) {
        let args = backend_args(&self.config, &self.nats.url());
        let addr = self.backend_addr.clone();
        self.backend = Some(self.again("backend", args, &addr).await);
    }

    async fn restart_gateway(&mut self) {
        let args = gateway_args(&self.config, &self.nats.url());
        let addr = self.gateway_addr.clone();
        self.gateway = Some(self.again("gateway", args, &addr).await);
        wait_healthy(&self.http, &self.base()).await;
    }

    /// A 000 envelope posted to the backend with the gateway's key.
    async fn backend_call(&self, module: &str, method: &str, params: Value) -> Value {
        self.http
            .post(format!("http://{}/backend", self.backend_addr))
            .bearer_auth(GATEWAY_KEY)
            .json(&json!({"module": module, "method": method, "params": params}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `name`'s status as the backend has it.
    async fn status(&self, name: &str) -> Value {
        let user = self
            .backend_call("user", "byName", json!({ "name": name }))
            .await;
        user["data"]["status"].clone()
    }

    /// Registers `name` through 002 and logs in: (id, token).
    async fn user(&self, name: &str) -> (i64, String) {
        let form = json!({"name": name, "password": "pw", "password_repete": "pw"});
        let reg: Value = self.post("/register", form).await;
        let login: Value = self
            .post("/login", json!({"name": name, "password": "pw"}))
            .await;
        assert_eq!(reg["data"]["id"], login["data"]["id"], "{reg} {login}");
        let token = login["data"]["token"].as_str().unwrap().to_string();
        (login["data"]["id"].as_i64().unwrap(), token)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self.http.post(format!("{}{path}", self.base())).json(&body);
        resp.send().await.unwrap().json().await.unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in [&mut self.gateway, &mut self.backend].into_iter().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn the_backend_refuses_callers_without_the_gateway_key() {
    let c = Cluster::start().await;
    let url = format!("http://{}/backend", c.backend_addr);
    let env = json!({"module": "user", "method": "byName", "params": {"name": "x"}});
    for key in [None, Some("wrong")] {
        let mut req = c.http.post(&url).json(&env);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("gateway key"),
            "{body}"
        );
    }
    // NATS, where the gateways and the backend talk, takes only the key.
    let wrong = async_nats::ConnectOptions::new()
        .token("wrong".into())
        .connect(c.nats.url())
        .await;
    assert!(wrong.is_err(), "NATS took a client without the key");
    // No client endpoint on the backend; with the key, 000's answer.
    let dialect = c.http.get(format!("http://{}/api/friend", c.backend_addr));
    assert_eq!(dialect.send().await.unwrap().status().as_u16(), 404);
    let answer = c.backend_call("user", "byName", json!({"name": "x"})).await;
    assert_eq!(answer["result"], "fail");
    assert!(
        answer["message"].as_str().unwrap().contains("x"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_gateway_started_again_resets_its_own_sessions_and_a_silent_one_is_forgotten() {
    let mut c = Cluster::start().await;
    c.user("ann").await;
    c.user("bob").await;
    // bob on a second gateway.
    let args = gateway_args(&c.config, &c.nats.url());
    let (mut second, second_addr) = spawn_server(c.dir.path(), "gateway-2", &args).await;
    wait_healthy(&c.http, &format!("http://{second_addr}")).await;
    let login = |addr: String, account: &'static str| async move {
        let mut ws = Ws::connect(&format!("ws://{addr}/ws")).await;
        let params = json!({"account": account, "password": "pw"});
        let login = ws.request("login", params).await;
        assert_eq!(login["result"], "success", "{login}");
        ws
    };
    let _ann = login(c.gateway_addr.clone(), "ann").await;
    let _bob = login(second_addr.clone(), "bob").await;
    assert_eq!(c.status("ann").await, "online");
    assert_eq!(c.status("bob").await, "online");
    // Gateway 1 dies without a word and starts again under its name at once: its
    // `serverStart` sets ann offline, and only her (bob's gateway is alive).
    Cluster::kill(&mut c.gateway);
    c.restart_gateway().await;
    assert_eq!(c.status("ann").await, "offline");
    assert_eq!(c.status("bob").await, "online");
    // Gateway 2 dies and nobody replaces it: once silent for long enough, the backend forgets
    // it, and bob is offline.
    let _ = second.kill();
    let _ = second.wait();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while c.status("bob").await != "offline" {
        assert!(tokio::time::Instant::now() < deadline, "bob still online");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_dead_backend_answers_each_dialect_in_its_format_then_recovers() {
    let mut c = Cluster::start().await;
    let (_, at) = c.user("ann").await;
    let (b, bt) = c.user("bob").await;
    let base = c.base();
    let mut module = Ws::connect(&format!("ws://{}/ws?access_token={at}", c.gateway_addr)).await;
    let mut xx = Ws::connect(&format!("ws://{}/ws", c.gateway_addr)).await;
    let login = xx
        .request("login", json!({"account": "bob", "password": "pw"}))
        .await;
    assert_eq!(login["result"], "success");

    Cluster::kill(&mut c.backend);
    // 002: its envelope, code 500 (the server failed; retry).
    let info = c
        .post("/user/info", json!({"token": bt, "name": "ann"}))
        .await;
    assert_eq!(info["code"], 500, "{info}");
    assert!(
        info["msg"].as_str().unwrap().contains("unreachable"),
        "{info}"
    );
    // 003 REST: 503 with its JSON error.
    let friends = c.http.get(format!("{base}/api/friend")).bearer_auth(&at);
    let resp = friends.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("unreachable"),
        "{body}"
    );
    // 003 socket: an ERROR frame, and the socket stays open.
    module
        .send(json!({"type": "unicast", "receiverId": b, "content": "hi"}))
        .await;
    let frame = module.recv().await;
    assert_eq!(
        (frame["type"].as_str(), frame["code"].as_i64()),
        (Some("ERROR"), Some(503))
    );
    // xuanxuan: result fail with the reason.
    let list = xx.request("getList", json!({})).await;
    assert_eq!(list["result"], "fail", "{list}");
    assert!(
        list["message"].as_str().unwrap().contains("unreachable"),
        "{list}"
    );
    // The gateway says so on /health.
    let health = c.http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503);

    // The backend comes back: the gateway links again by itself, and every dialect works.
    c.restart_backend().await;
    wait_healthy(&c.http, &base).await;
    let info = c
        .post("/user/info", json!({"token": bt, "name": "ann"}))
        .await;
    assert_eq!(info["code"], 0, "{info}");
    let list = xx.request("getList", json!({})).await;
    assert_eq!(list["result"], "success", "{list}");
    module
        .send(json!({"type": "multicast", "groupId": 999, "content": "x"}))
        .await;
    let frame = module.recv().await;
    // The rule's answer (a group one is not in), not the outage's.
    assert_eq!(
        frame["code"], 403,
        "the socket reached the backend again: {frame}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_clients_ride_out_a_killed_gateway() {
    let mut c = Cluster::start().await;
    let (alice, bob, a, b) = sdk_pair(c.base(), c.base()).await;
    // The gateway dies, stays dead a while (sends pile up in the outboxes), and comes back
    // on its port.
    let trouble = async {
        Cluster::kill(&mut c.gateway);
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.restart_gateway().await;
    };
    let lost = chat_through(&alice, &bob, a, b, 300, trouble).await;
    assert_eq!(lost, (true, true), "the gateway's death went unnoticed");
    alice.close().await;
    bob.close().await;
}

#[tokio::test]
async fn two_gateways_behind_one_backend_act_as_one_server() {
    let c = Cluster::start().await;
    // A second gateway on the same backend.
    let args = gateway_args(&c.config, &c.nats.url());
    let (second, second_addr) = spawn_server(c.dir.path(), "gateway-2", &args).await;
    let one = c.gateway_addr.clone();
    wait_healthy(&c.http, &format!("http://{second_addr}")).await;
    let (a, at) = c.user("ann").await;
    let (b, _) = c.user("bob").await;
    // ann on gateway 1 (003 socket and xuanxuan), bob on gateway 2 (xuanxuan).
    let mut ann_003 = Ws::connect(&format!("ws://{one}/ws?access_token={at}")).await;
    let xx = |addr: &str, account: &str| {
        let url = format!("ws://{addr}/ws");
        let account = account.to_string();
        async move {
            let mut ws = Ws::connect(&url).await;
            let params = json!({"account": account, "password": "pw", "status": "online"});
            let login = ws.request("login", params).await;
            assert_eq!(login["result"], "success", "{login}");
            ws
        }
    };
    let mut ann_xx = xx(&one, "ann").await;
    let mut bob_xx = xx(&second_addr, "bob").await;
    // A direct message crosses gateways, to each of ann's sessions.
    let gid = format!("{}&{}", a.min(b), a.max(b));
    let message = json!([{"gid": "m-1", "cgid": gid, "type": "normal", "contentType": "text", "content": "across"}]);
    let sent = bob_xx.request("message", message).await;
    assert_eq!(sent["result"], "success", "{sent}");
    assert_eq!(
        ann_xx.recv_method("message").await["data"][0]["content"],
        "across"
    );
    assert_eq!(ann_003.recv().await["content"], json!("across"));
    // A notification reaches the 003 socket on the other gateway than the one it was posted to.
    let notified = c
        .http
        .post(format!("http://{second_addr}/notification?to={a}"))
        .header("X-Notify-Key", NOTIFY_KEY)
        .json(&json!({"notificationType": "order", "content": {"n": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(notified.status().as_u16(), 200);
    loop {
        let frame = ann_003.recv().await;
        if frame["type"] == "NOTIFICATION" {
            assert_eq!(frame["content"], json!({"n": 1}));
            break;
        }
    }
    // ann logs in again on gateway 2: her xuanxuan session on gateway 1 gets the kickoff.
    let _ann_again = xx(&second_addr, "ann").await;
    let kicked = ann_xx.recv_method("null").await;
    assert!(
        kicked["message"]
            .as_str()
            .unwrap()
            .contains("another place"),
        "{kicked}"
    );
    assert!(ann_xx.next().await.is_none(), "closed after the kickoff");
    let mut second = second;
    let _ = second.kill();
    let _ = second.wait();
}
