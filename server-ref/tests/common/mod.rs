//! Test harness: a real `chinwag-server` on an ephemeral loopback port with a SQLite file in
//! a temporary directory, a plain HTTP client (reqwest) and plain WebSocket clients
//! (tokio-tungstenite). No SDK, no mocks.
//!
//! The topology comes from `CHINWAG_TOPOLOGY`: unset (or `one`), the server runs in the test
//! process; `split`, a real `nats-server` ([`nats::Nats`]) and the `chinwag-server` binary
//! twice, as child processes — `backend` and `gateway`, linked over NATS on loopback — and
//! the tests talk to the gateway. The same suites
//! run against both (scripts/test-all.sh runs them twice).
#![allow(dead_code)]

pub mod nats;
pub mod sdk;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const NOTIFY_KEY: &str = "test-notify-key";
/// The NATS token of the split topology (the gateway key).
pub const GATEWAY_KEY: &str = "test-gateway-key";

/// Whether the suites run against backend + gateway processes.
pub fn split() -> bool {
    std::env::var("CHINWAG_TOPOLOGY").is_ok_and(|t| t == "split")
}

/// A nats-server, a backend and a gateway, each a child process.
pub struct Split {
    pub backend: Child,
    pub gateway: Child,
    /// The backend's `host:port`.
    pub backend_addr: String,
    pub nats: nats::Nats,
}

impl Drop for Split {
    fn drop(&mut self) {
        for child in [&mut self.gateway, &mut self.backend] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `chinwag-server` with `args` listening on `listen`; returns the child and the
/// address it bound (read from its `--addr-file` in `dir`), or `None` if it exited first (an
/// address still taken).
pub async fn try_spawn_server(
    dir: &Path,
    name: &str,
    args: &[String],
    listen: &str,
) -> Option<(Child, String)> {
    let addr_file = dir.join(format!("{name}.addr"));
    let _ = std::fs::remove_file(&addr_file);
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
        .args(args)
        .args(["--listen", listen, "--addr-file"])
        .arg(&addr_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if let Ok(addr) = std::fs::read_to_string(&addr_file) {
            if !addr.is_empty() {
                return Some((child, addr));
            }
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{name} did not start; see {}",
        dir.join(format!("{name}.log")).display()
    );
}

/// [`try_spawn_server`] on an ephemeral port.
pub async fn spawn_server(dir: &Path, name: &str, args: &[String]) -> (Child, String) {
    let log = dir.join(format!("{name}.log"));
    try_spawn_server(dir, name, args, "127.0.0.1:0")
        .await
        .unwrap_or_else(|| {
            panic!(
                "{name} exited: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        })
}

/// The flags of `config` that a backend process on the NATS server `nats` takes.
pub fn backend_args(config: &chinwag_server::Config, nats: &str) -> Vec<String> {
    let t = &config.login_throttle;
    let mut args = vec![
        "backend".into(),
        "--nats".into(),
        nats.into(),
        "--gateway-key".into(),
        GATEWAY_KEY.into(),
        "--db".into(),
        config.db.clone(),
        "--files".into(),
        config.files.to_str().unwrap().into(),
        "--hash-concurrency".into(),
        config.hash_limits.concurrent.to_string(),
        "--hash-queue".into(),
        config.hash_limits.queue.to_string(),
        "--login-failures-per-account".into(),
        t.per_account.to_string(),
        "--login-failures-per-address".into(),
        t.per_address.to_string(),
        "--login-failure-window-secs".into(),
        t.window.as_secs().to_string(),
    ];
    if let Some(key) = &config.notify_key {
        args.extend(["--notify-key".into(), key.clone()]);
    }
    args
}

/// The flags of `config` that a gateway process on the NATS server `nats` takes.
pub fn gateway_args(config: &chinwag_server::Config, nats: &str) -> Vec<String> {
    let mut args = vec![
        "gateway".into(),
        "--gateway-key".into(),
        GATEWAY_KEY.into(),
        "--nats".into(),
        nats.into(),
    ];
    for origin in &config.cors_origins {
        args.extend(["--cors-origin".into(), origin.clone()]);
    }
    args
}

/// A nats-server and a backend process on a database under `dir`: the backend's
/// configuration (for its gateways' flags), the nats-server, the backend and its address.
pub async fn start_backend(dir: &Path) -> (chinwag_server::Config, nats::Nats, Child, String) {
    start_backend_on(dir, nats::Nats::start(dir).await).await
}

/// [`start_backend`] on the nats-server `nats`.
pub async fn start_backend_on(
    dir: &Path,
    nats: nats::Nats,
) -> (chinwag_server::Config, nats::Nats, Child, String) {
    let config = chinwag_server::Config {
        db: dir.join("chinwag.db").to_str().unwrap().into(),
        files: dir.join("files"),
        notify_key: Some(NOTIFY_KEY.into()),
        ..Default::default()
    };
    let (backend, addr) = spawn_server(dir, "backend", &backend_args(&config, &nats.url())).await;
    (config, nats, backend, addr)
}

/// Waits until `base`'s `/health` answers 200 (a gateway whose link to the backend is up).
pub async fn wait_healthy(http: &reqwest::Client, base: &str) {
    for _ in 0..500 {
        let ok = http.get(format!("{base}/health")).send().await;
        if ok.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{base} did not become healthy");
}

pub struct TestServer {
    pub server: Option<chinwag_server::Server>,
    /// The processes of the split topology.
    pub split: Option<Split>,
    pub dir: tempfile::TempDir,
    pub base: String,
    pub http: reqwest::Client,
    tune: fn(&mut chinwag_server::Config),
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `tune` changes (e.g. the login limits).
    pub async fn start_with(tune: fn(&mut chinwag_server::Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut t = TestServer {
            server: None,
            split: None,
            dir,
            base: String::new(),
            http: reqwest::Client::new(),
            tune,
        };
        t.boot().await;
        t
    }

    /// The helpers of a test server pointed at a server already running at `base` (one
    /// gateway of several); dropping it stops nothing.
    pub fn view(base: String) -> TestServer {
        TestServer {
            server: None,
            split: None,
            dir: tempfile::tempdir().unwrap(),
            base,
            http: reqwest::Client::new(),
            tune: |_| {},
        }
    }

    fn config(&self) -> chinwag_server::Config {
        let mut config = chinwag_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            db: self
                .dir
                .path()
                .join("chinwag.db")
                .to_str()
                .unwrap()
                .to_string(),
            files: self.dir.path().join("files"),
            notify_key: Some(NOTIFY_KEY.into()),
            ..Default::default()
        };
        (self.tune)(&mut config);
        config
    }

    /// The in-process server (not in the split topology).
    pub fn server(&self) -> &chinwag_server::Server {
        self.server
            .as_ref()
            .expect("the in-process server (this test does not run split)")
    }

    async fn boot(&mut self) {
        let config = self.config();
        if split() {
            let dir = self.dir.path();
            let nats = nats::Nats::start(dir).await;
            let (backend, backend_addr) =
                spawn_server(dir, "backend", &backend_args(&config, &nats.url())).await;
            let args = gateway_args(&config, &nats.url());
            let (gateway, gateway_addr) = spawn_server(dir, "gateway", &args).await;
            self.base = format!("http://{gateway_addr}");
            self.split = Some(Split {
                backend,
                gateway,
                backend_addr,
                nats,
            });
            wait_healthy(&self.http, &self.base).await;
            return;
        }
        let server = chinwag_server::Server::start(config).await.unwrap();
        self.base = format!("http://{}", server.addr());
        self.server = Some(server);
    }

    /// Stops the server and starts a new one on the same database file and files directory.
    pub async fn restart(&mut self) {
        if let Some(split) = self.split.take() {
            drop(split);
        } else {
            self.server.take().unwrap().stop().await;
        }
        self.boot().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("{}/ws{}", self.base.replacen("http", "ws", 1), query)
    }

    /// POSTs a JSON body and returns (status, JSON answer or null).
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        read(resp).await
    }

    /// A request with a method, path, optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        read(req.send().await.unwrap()).await
    }

    /// The HTTP status of a [`TestServer::call`].
    pub async fn status(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> u16 {
        self.call(method, path, token, body).await.0
    }

    /// Registers through 002 and logs in; returns (id, token).
    pub async fn user(&self, name: &str) -> (i64, String) {
        let (_, r) = self.post("/register", json!({"name": name, "password": "pw-".to_string() + name, "password_repete": "pw-".to_string() + name})).await;
        assert_eq!(r["code"], 0, "register {name}: {r}");
        let (_, l) = self
            .post(
                "/login",
                json!({"name": name, "password": "pw-".to_string() + name}),
            )
            .await;
        assert_eq!(l["code"], 0, "login {name}: {l}");
        (
            l["data"]["id"].as_i64().unwrap(),
            l["data"]["token"].as_str().unwrap().to_string(),
        )
    }

    /// Makes two users friends through the 003 extension.
    pub async fn befriend(&self, a: (i64, &str), b: (i64, &str)) {
        let (s, _) = self
            .call(
                "POST",
                "/api/friend",
                Some(a.1),
                Some(json!({"userId": b.0.to_string()})),
            )
            .await;
        assert_eq!(s, 200);
        let (s, r) = self
            .call(
                "POST",
                "/api/friend",
                Some(b.1),
                Some(json!({"userId": a.0})),
            )
            .await;
        assert_eq!((s, r["friends"].clone()), (200, json!(true)));
    }

    /// Opens a 003 socket.
    pub async fn module_ws(&self, token: &str) -> Ws {
        Ws::connect(&self.ws_url(&format!("?access_token={token}"))).await
    }

    /// Opens a xuanxuan socket and logs in with 001's object params; returns the socket with
    /// the login answer and the pushes after it consumed.
    pub async fn xx_login(&self, account: &str) -> (Ws, Value) {
        let mut ws = Ws::connect(&self.ws_url("")).await;
        ws.send(json!({"module": "chat", "method": "login", "params": {"account": account, "password": format!("pw-{account}"), "status": "online"}})).await;
        let resp = ws.recv_method("login").await;
        assert_eq!(resp["result"], "success", "{resp}");
        ws.recv_method("userGetList").await;
        ws.recv_method("getlist").await;
        (ws, resp)
    }
}

async fn read(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a 003 group; returns its id (a string, as 003 answers).
pub async fn group(t: &TestServer, token: &str, name: &str) -> String {
    let (s, id) = t
        .call(
            "POST",
            "/api/group",
            Some(token),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(s, 200);
    id.as_str().expect("group id is a string").to_string()
}

/// Invites `user` into `group` (003) and accepts as them.
pub async fn invite_and_accept(t: &TestServer, by: &str, group: &str, user: i64, user_token: &str) {
    let (s, _) = t
        .call(
            "POST",
            "/api/request",
            Some(by),
            Some(json!({"groupId": group, "userId": user.to_string()})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, list) = t.call("GET", "/api/request", Some(user_token), None).await;
    let req = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["groupId"] == json!(group))
        .unwrap()
        .clone();
    let (s, _) = t
        .call(
            "PUT",
            &format!("/api/request/{}", req["id"].as_str().unwrap()),
            Some(user_token),
            None,
        )
        .await;
    assert_eq!(s, 200);
}

/// One xuanxuan method over `POST /api/call`: (status, answer).
pub async fn call(t: &TestServer, token: &str, method: &str, params: Value) -> (u16, Value) {
    t.call(
        "POST",
        "/api/call",
        Some(token),
        Some(json!({"module": "chat", "method": method, "params": params})),
    )
    .await
}

pub struct Ws {
    pub inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    pub async fn connect(url: &str) -> Ws {
        let (inner, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Ws { inner }
    }

    pub async fn send(&mut self, v: Value) {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, m: Message) {
        self.inner.send(m).await.unwrap();
    }

    /// The next JSON text frame (5 s at most); `None` if the socket closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("timed out waiting for a frame");
            match msg {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn recv(&mut self) -> Value {
        self.next().await.expect("socket closed")
    }

    /// Skips frames until one with this method (case-insensitive).
    pub async fn recv_method(&mut self, method: &str) -> Value {
        loop {
            let v = self.recv().await;
            if v["method"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(method))
            {
                return v;
            }
        }
    }

    /// Asserts that no frame arrives within `ms`.
    pub async fn silent(&mut self, ms: u64) {
        match tokio::time::timeout(Duration::from_millis(ms), self.inner.next()).await {
            Err(_) => {}
            Ok(Some(Ok(Message::Text(t)))) => panic!("expected silence, got {t}"),
            Ok(other) => panic!("expected silence, got {other:?}"),
        }
    }

    /// Sends a xuanxuan request and returns its response (matched by `rid`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let rid = format!("r-{method}-{}", rand_suffix());
        self.send(json!({"module": "chat", "method": method, "params": params, "rid": rid}))
            .await;
        loop {
            let v = self.recv().await;
            if v["rid"] == json!(rid) {
                return v;
            }
        }
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
