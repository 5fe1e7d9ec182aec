//! Hardening of logins over real HTTP and WebSocket: the password pool's bound, unknown names
//! costing what wrong passwords cost, and failed-login throttling in each dialect's format.

mod common;

use chinwag_server::auth::HashLimits;
use chinwag_server::throttle::ThrottleLimits;
use common::{TestServer, Ws};
use serde_json::{Value, json};

fn no_throttle(c: &mut chinwag_server::Config) {
    c.login_throttle = ThrottleLimits::OFF;
    c.hash_limits = HashLimits {
        concurrent: 2,
        queue: 1000,
    };
}

async fn wrong_logins(t: &TestServer, name: &str, n: usize) -> Vec<(u16, Value)> {
    let calls = (0..n).map(|i| {
        let body = json!({"name": name, "password": format!("guess-{i}")});
        async move { t.post("/login", body).await }
    });
    futures::future::join_all(calls).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_logins_never_run_more_hashes_than_the_bound() {
    let t = TestServer::start_with(no_throttle).await;
    t.user("target").await;
    let before = t.server().hash_stats();
    let answers = wrong_logins(&t, "target", 120).await;
    for (status, body) in &answers {
        assert_eq!((*status, body["code"].clone()), (200, json!(2)), "{body}");
        assert_eq!(body["msg"], "wrong name or password");
    }
    let stats = t.server().hash_stats();
    assert_eq!(stats.bound, 2);
    assert!(stats.peak <= 2, "{stats:?}");
    assert_eq!(stats.runs - before.runs, 120, "{stats:?}");
    // The server still answers a right password.
    t.post("/login", json!({"name": "target", "password": "pw-target"}))
        .await
        .1["code"]
        .as_i64()
        .filter(|c| *c == 0)
        .expect("login after the flood");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_queue_is_refused_as_busy_not_as_a_server_error() {
    let t = TestServer::start_with(|c| {
        c.login_throttle = ThrottleLimits::OFF;
        c.hash_limits = HashLimits {
            concurrent: 1,
            queue: 2,
        };
    })
    .await;
    t.user("busy").await;
    let answers = wrong_logins(&t, "busy", 40).await;
    let busy = answers.iter().filter(|(_, b)| b["code"] == 429).count();
    let wrong = answers.iter().filter(|(_, b)| b["code"] == 2).count();
    assert_eq!(busy + wrong, 40, "{answers:?}");
    assert!(busy > 0 && wrong > 0, "busy {busy}, wrong {wrong}");
    let (_, b) = answers.iter().find(|(_, b)| b["code"] == 429).unwrap();
    assert!(b["msg"].as_str().unwrap().contains("busy"), "{b}");
    assert_eq!(t.server().hash_stats().peak, 1);
}

#[tokio::test]
async fn an_unknown_name_costs_a_password_check_and_answers_like_a_wrong_password() {
    let t = TestServer::start_with(no_throttle).await;
    t.user("known").await;
    let runs = t.server().hash_stats().runs;
    let (_, unknown) = t
        .post("/login", json!({"name": "nobody", "password": "x"}))
        .await;
    let after_unknown = t.server().hash_stats().runs;
    assert!(
        after_unknown > runs,
        "no password check for an unknown name"
    );
    let (_, wrong) = t
        .post("/login", json!({"name": "known", "password": "x"}))
        .await;
    assert_eq!(unknown, wrong);
    assert_eq!(t.server().hash_stats().runs, after_unknown + 1);
    // The xuanxuan socket answers both alike too.
    let mut answers = Vec::new();
    for account in ["nobody", "known"] {
        let mut ws = Ws::connect(&t.ws_url("")).await;
        let params = json!({"account": account, "password": "x", "status": "online"});
        answers.push(ws.request("login", params).await);
    }
    assert_eq!(answers[0]["result"], "denied");
    assert_eq!(
        (&answers[0]["result"], &answers[0]["message"]),
        (&answers[1]["result"], &answers[1]["message"])
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_in_each_dialect() {
    let t = TestServer::start_with(|c| {
        c.login_throttle = ThrottleLimits {
            per_account: 3,
            per_address: 0,
            window: std::time::Duration::from_secs(600),
        };
    })
    .await;
    t.user("victim").await;
    t.user("other").await;
    for _ in 0..3 {
        let (_, b) = t
            .post("/login", json!({"name": "victim", "password": "guess"}))
            .await;
        assert_eq!(b["code"], 2);
    }
    // Now even the right password is refused, in 002's format with code 429 ...
    let (status, b) = t
        .post("/login", json!({"name": "victim", "password": "pw-victim"}))
        .await;
    assert_eq!((status, b["code"].clone()), (200, json!(429)), "{b}");
    let msg = b["msg"].as_str().unwrap();
    assert!(
        msg.contains("too many failed logins") && msg.contains("try again in"),
        "{msg}"
    );
    // ... and on a xuanxuan socket as `fail` with the message and the request's rid.
    let mut ws = Ws::connect(&t.ws_url("")).await;
    let params = json!({"account": "victim", "password": "pw-victim", "status": "online"});
    let answer = ws.request("login", params).await;
    assert_eq!(answer["result"], "fail", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("too many failed logins")
    );
    // Another account is not affected.
    let (_, b) = t
        .post("/login", json!({"name": "other", "password": "pw-other"}))
        .await;
    assert_eq!(b["code"], 0);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address_across_names() {
    let t = TestServer::start_with(|c| {
        c.login_throttle = ThrottleLimits {
            per_account: 0,
            per_address: 4,
            window: std::time::Duration::from_secs(600),
        };
    })
    .await;
    t.user("someone").await;
    for i in 0..4 {
        let (_, b) = t
            .post(
                "/login",
                json!({"name": format!("made-up-{i}"), "password": "x"}),
            )
            .await;
        assert_eq!(b["code"], 2);
    }
    let (_, b) = t
        .post(
            "/login",
            json!({"name": "someone", "password": "pw-someone"}),
        )
        .await;
    assert_eq!(b["code"], 429, "{b}");
    assert!(b["msg"].as_str().unwrap().contains("your address"), "{b}");
}
