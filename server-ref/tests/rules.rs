//! One rule per operation: every chat operation × every dialect that offers it × {owner,
//! member, outsider}, over real HTTP and WebSocket. Each case runs on a fresh group (owner
//! `ann`, members `mel` and `tom`), and checks both the answer and what changed.

mod common;

use common::{TestServer, Ws, call, group, invite_and_accept};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Owner,
    Member,
    Outsider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// 003 REST (and, for posting, the 003 socket with the SDK extension, which answers).
    Module,
    /// A xuanxuan socket.
    Xuanxuan,
    /// `POST /api/call`, the SDK's route to the xuanxuan methods.
    Call,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Rename,
    SetPublic,
    SetAdmins,
    SetCommitters,
    /// Bring `nia` (not a member) in: 003 invites, xuanxuan's addmember adds.
    Add,
    /// Remove `tom`.
    Remove,
    Post,
    Read,
    /// Join without an invitation (the group is private).
    Join,
}

struct User {
    id: i64,
    token: String,
    xx: Ws,
    ext: Ws,
}

struct World {
    t: TestServer,
    ann: User,
    mel: User,
    tom: (i64, String),
    nia: (i64, String),
    out: User,
}

async fn user(t: &TestServer, name: &str) -> User {
    let (id, token) = t.user(name).await;
    let (xx, _) = t.xx_login(name).await;
    let ext = Ws::connect(&t.ws_url(&format!("?access_token={token}&ext=chinwag"))).await;
    User { id, token, xx, ext }
}

impl World {
    async fn new() -> World {
        let t = TestServer::start().await;
        let ann = user(&t, "ann").await;
        let mel = user(&t, "mel").await;
        let out = user(&t, "out").await;
        let tom = t.user("tom").await;
        let nia = t.user("nia").await;
        World {
            t,
            ann,
            mel,
            tom,
            nia,
            out,
        }
    }

    /// A fresh group: (id, gid).
    async fn fresh(&self) -> (i64, String) {
        let id = group(&self.t, &self.ann.token, "crew").await;
        for (uid, tok) in [(self.mel.id, &self.mel.token), (self.tom.0, &self.tom.1)] {
            invite_and_accept(&self.t, &self.ann.token, &id, uid, tok).await;
        }
        let (_, list) = call(&self.t, &self.ann.token, "getList", json!({})).await;
        let gid = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id.as_str()))
            .unwrap()["gid"]
            .as_str()
            .unwrap()
            .to_string();
        (id.parse().unwrap(), gid)
    }

    /// The group as its owner sees it (xuanxuan view with members).
    async fn state(&self, gid: &str) -> Value {
        let (_, list) = call(&self.t, &self.ann.token, "getList", json!({})).await;
        let chat = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["gid"] == gid)
            .cloned()
            .unwrap_or(Value::Null);
        let (_, members) = call(&self.t, &self.ann.token, "members", json!({"gid": gid})).await;
        let ids: Vec<i64> = members["data"][0]["members"]
            .as_array()
            .map(|m| m.iter().map(|u| u["id"].as_i64().unwrap()).collect())
            .unwrap_or_default();
        json!({"chat": chat, "members": ids})
    }

    async fn invited(&self, token: &str, group: i64) -> bool {
        let (_, list) = self.t.call("GET", "/api/request", Some(token), None).await;
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["groupId"] == json!(group.to_string()))
    }
}

/// Runs one xuanxuan method on the socket or over /api/call; true if it succeeded.
async fn xx(d: Dialect, t: &TestServer, u: &mut User, method: &str, params: Value) -> bool {
    match d {
        Dialect::Xuanxuan => u.xx.request(method, params).await["result"] == "success",
        Dialect::Call => call(t, &u.token, method, params).await.0 == 200,
        Dialect::Module => unreachable!(),
    }
}

/// Performs `op` as `role` in `dialect` on group (id, gid); `None` if the dialect has no such
/// operation, else whether it was accepted.
async fn perform(
    w: &mut World,
    role: Role,
    d: Dialect,
    op: Op,
    id: i64,
    gid: &str,
) -> Option<bool> {
    let (tom, nia) = (w.tom.0, w.nia.0);
    let t = &w.t;
    let u = match role {
        Role::Owner => &mut w.ann,
        Role::Member => &mut w.mel,
        Role::Outsider => &mut w.out,
    };
    let tok = u.token.clone();
    let rest_ok = |s: u16| s == 200;
    Some(match (d, op) {
        (Dialect::Module, Op::Rename) => rest_ok(
            t.status(
                "PUT",
                &format!("/api/group/{id}"),
                Some(&tok),
                Some(json!({"name": "x"})),
            )
            .await,
        ),
        (Dialect::Module, Op::Add) => rest_ok(
            t.status(
                "POST",
                "/api/request",
                Some(&tok),
                Some(json!({"groupId": id, "userId": nia})),
            )
            .await,
        ),
        (Dialect::Module, Op::Remove) => rest_ok(
            t.status(
                "DELETE",
                &format!("/api/group/{id}?userId={tom}"),
                Some(&tok),
                None,
            )
            .await,
        ),
        (Dialect::Module, Op::Read) => rest_ok(
            t.status("GET", &format!("/api/group/{id}"), Some(&tok), None)
                .await,
        ),
        (Dialect::Module, Op::Post) => {
            u.ext
                .send(json!({"type": "multicast", "groupId": id, "content": "hi", "gid": format!("p-{gid}-{role:?}")}))
                .await;
            loop {
                let f = u.ext.recv().await;
                match f["type"].as_str() {
                    Some("ACK") => break true,
                    Some("ERROR") => break false,
                    _ => continue,
                }
            }
        }
        (Dialect::Module, _) => return None,
        (_, Op::Rename) => xx(d, t, u, "changeName", json!({"gid": gid, "name": "x"})).await,
        (_, Op::SetPublic) => {
            xx(d, t, u, "changePublic", json!({"gid": gid, "public": true})).await
        }
        (_, Op::SetAdmins) => xx(d, t, u, "setAdmin", json!({"gid": gid, "admins": [tom]})).await,
        (_, Op::SetCommitters) => {
            xx(
                d,
                t,
                u,
                "setCommitters",
                json!({"gid": gid, "committers": [tom]}),
            )
            .await
        }
        (_, Op::Add) => xx(d, t, u, "addmember", json!({"gid": gid, "members": [nia]})).await,
        (_, Op::Remove) => {
            xx(
                d,
                t,
                u,
                "addmember",
                json!({"gid": gid, "members": [tom], "join": false}),
            )
            .await
        }
        (_, Op::Post) => {
            let m =
                json!([{"gid": format!("p-{gid}-{role:?}-{d:?}"), "cgid": gid, "content": "hi"}]);
            xx(d, t, u, "message", m).await
        }
        (_, Op::Read) => xx(d, t, u, "history", json!({"gid": gid})).await,
        (_, Op::Join) => xx(d, t, u, "joinchat", json!({"gid": gid})).await,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_follows_one_rule_in_every_dialect() {
    use Op::*;
    use Role::*;
    let mut w = World::new().await;
    let admins_only = [Owner];
    let members = [Owner, Member];
    let table: [(Op, &[Role]); 9] = [
        (Rename, &admins_only),
        (SetPublic, &admins_only),
        (SetAdmins, &admins_only),
        (SetCommitters, &admins_only),
        (Add, &members),
        (Remove, &admins_only),
        (Post, &members),
        (Read, &members),
        (Join, &[]),
    ];
    let mut cases = 0;
    for (op, allowed) in table {
        for d in [Dialect::Module, Dialect::Xuanxuan, Dialect::Call] {
            for role in [Owner, Member, Outsider] {
                let (id, gid) = w.fresh().await;
                let before = w.state(&gid).await;
                let Some(ok) = perform(&mut w, role, d, op, id, &gid).await else {
                    continue;
                };
                cases += 1;
                let want = allowed.contains(&role);
                assert_eq!(ok, want, "{op:?} by {role:?} over {d:?}");
                let after = w.state(&gid).await;
                let nia_in = after["members"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(w.nia.0));
                let nia_invited = w.invited(&w.nia.1, id).await;
                match op {
                    // 003 invites; xuanxuan's addmember adds when an administrator asks and
                    // invites when a plain member does: nobody joins a group uninvited.
                    Add => {
                        let added = ok && d != Dialect::Module && role == Owner;
                        assert_eq!(nia_in, added, "{op:?} by {role:?} over {d:?}");
                        assert_eq!(nia_invited, ok && !added, "{op:?} by {role:?} over {d:?}");
                    }
                    Post | Read => {}
                    _ if !ok => {
                        let (mut a, mut b) = (before.clone(), after.clone());
                        for v in [&mut a, &mut b] {
                            v["chat"]["lastActiveTime"] = Value::Null;
                        }
                        assert_eq!(a, b, "a refused {op:?} changed nothing");
                    }
                    _ => assert_ne!(before, after, "{op:?} by {role:?} over {d:?} changed it"),
                }
            }
        }
    }
    assert_eq!(
        cases,
        3 * (3 * 5 + 2 * 4),
        "every dialect's operations were tried"
    );
}

#[tokio::test]
async fn an_invitation_is_accepted_by_joining_in_any_dialect_and_the_owner_leaving_dissolves() {
    let mut w = World::new().await;
    let (id, gid) = w.fresh().await;
    // A member's addmember invites: nia is not in until she joins (xuanxuan joinchat).
    assert!(
        xx(
            Dialect::Call,
            &w.t,
            &mut w.mel,
            "addmember",
            json!({"gid": gid, "members": [w.nia.0]})
        )
        .await
    );
    assert!(w.invited(&w.nia.1, id).await);
    let (s, _) = call(&w.t, &w.nia.1, "joinchat", json!({"gid": gid})).await;
    assert_eq!(s, 200);
    assert!(
        w.state(&gid).await["members"]
            .as_array()
            .unwrap()
            .contains(&json!(w.nia.0))
    );
    assert!(!w.invited(&w.nia.1, id).await, "the invitation is used up");
    // Leaving by xuanxuan: a member leaves; the owner leaving dissolves the group (003's rule).
    assert!(
        xx(
            Dialect::Xuanxuan,
            &w.t,
            &mut w.mel,
            "joinchat",
            json!({"gid": gid, "join": false})
        )
        .await
    );
    assert!(
        xx(
            Dialect::Xuanxuan,
            &w.t,
            &mut w.ann,
            "joinchat",
            json!({"gid": gid, "join": false})
        )
        .await
    );
    let (s, _) =
        w.t.call("GET", &format!("/api/group/{id}"), Some(&w.tom.1), None)
            .await;
    assert_eq!(s, 403, "dissolved");
}

#[tokio::test]
async fn one_to_one_chats_refuse_administration_and_unknown_answers_like_forbidden() {
    let mut w = World::new().await;
    let (a, m) = (w.ann.id, w.mel.id);
    let pair = format!("{}&{}", a.min(m), a.max(m));
    assert!(
        xx(
            Dialect::Xuanxuan,
            &w.t,
            &mut w.ann,
            "message",
            json!([{"gid": "d-1", "cgid": pair, "content": "hi"}])
        )
        .await
    );
    // The lower id (ann) cannot silence mel, nor make anyone an administrator.
    for (method, params) in [
        ("setCommitters", json!({"gid": pair, "committers": [a]})),
        ("setAdmin", json!({"gid": pair, "admins": [a]})),
        ("changePublic", json!({"gid": pair, "public": true})),
        ("changeName", json!({"gid": pair, "name": "us"})),
        ("addmember", json!({"gid": pair, "members": [w.out.id]})),
    ] {
        let answer = w.ann.xx.request(method, params).await;
        assert_eq!(answer["result"], "fail", "{method}");
        assert!(
            answer["message"].as_str().unwrap().contains("one-to-one"),
            "{answer}"
        );
    }
    assert!(
        xx(
            Dialect::Xuanxuan,
            &w.t,
            &mut w.mel,
            "message",
            json!([{"gid": "d-2", "cgid": pair, "content": "still here"}])
        )
        .await
    );
    // An unknown chat and one the caller is not in answer the same, word for word.
    for method in ["history", "members", "changeName", "star", "joinchat"] {
        let params = |gid: &str| json!({"gid": gid, "name": "n"});
        let (s1, hidden) = call(&w.t, &w.out.token, method, params(&pair)).await;
        let (s2, unknown) = call(&w.t, &w.out.token, method, params("no-such")).await;
        assert_eq!(s1, s2, "{method}");
        let norm = |v: &Value, gid: &str| v["error"].as_str().unwrap().replace(gid, "G");
        assert_eq!(norm(&hidden, &pair), norm(&unknown, "no-such"), "{method}");
        let x1 = w.out.xx.request(method, params(&pair)).await;
        let x2 = w.out.xx.request(method, params("no-such")).await;
        assert_eq!(
            x1["message"].as_str().unwrap().replace(&pair, "G"),
            x2["message"].as_str().unwrap().replace("no-such", "G")
        );
    }
}
