//! Reliable delivery against the real server, under tokio and under smol: catching up after
//! time offline, the outbox across a server restart, 1,000 messages exchanged across a restart,
//! heartbeats over a link that goes silent, kick on token revocation, and `close()`.

mod support;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chinwag::{Client, ConnectionState, Content, Delivery, Error, Event, EventStream, Target};
use futures::StreamExt;
use support::{Env, OnStore, User};

on_both_runtimes!(
    catch_up_after_time_offline,
    outbox_waits_for_the_server,
    thousand_messages_across_a_restart,
    heartbeat_detects_a_silent_link,
    kicked_when_the_token_is_revoked,
    close_ends_every_task,
    sends_waiting_in_the_store_go_out_once_after_a_restart,
    a_stored_session_revoked_meanwhile_is_forgotten,
    a_stored_session_continues_after_what_the_app_pulled,
    a_restarted_app_shows_its_conversations_offline,
    a_pulled_message_is_in_the_store_before_the_app_has_it,
);

async fn catch_up_after_time_offline(env: Env) {
    let (alice, bob) = env.friends("amy", "ben").await;
    env.state(&mut { bob.events }, ConnectionState::Connected)
        .await;
    let saved = bob.client.session().unwrap();
    bob.client.close().await;
    for i in 0..20 {
        let sent = alice
            .client
            .messages()
            .send_text(Target::User(bob.id), &format!("m{i}"))
            .await
            .unwrap();
        assert!(sent.id.is_some());
    }
    // Bob's app restarts from its saved session and gets each message once, in order.
    let bob2 = env.client();
    let mut events = bob2.events();
    bob2.auth().restore(saved).await.unwrap();
    for i in 0..20 {
        assert_eq!(
            env.message(&mut events).await.content.body(),
            format!("m{i}")
        );
    }
    // The app has them, so the server's offline inbox is emptied.
    let mut emptied = false;
    for _ in 0..100 {
        if bob2
            .messages()
            .offline(false, false)
            .await
            .unwrap()
            .is_empty()
        {
            emptied = true;
            break;
        }
        env.sleep(50).await;
    }
    assert!(
        emptied,
        "the server still holds messages the app acknowledged"
    );
    // A third start continues after the last message: nothing is repeated.
    let cursor = bob2.session().unwrap().cursor;
    assert!(cursor.is_some());
    let saved = bob2.session().unwrap();
    bob2.close().await;
    alice
        .client
        .messages()
        .send_text(Target::User(bob.id), "after")
        .await
        .unwrap();
    let bob3 = env.client();
    let mut events = bob3.events();
    bob3.auth().restore(saved).await.unwrap();
    assert_eq!(env.message(&mut events).await.content.body(), "after");
    alice.client.close().await;
    bob3.close().await;
}

async fn outbox_waits_for_the_server(env: Env) {
    let (mut alice, mut bob) = env.friends("cat", "don").await;
    env.state(&mut alice.events, ConnectionState::Connected)
        .await;
    env.server.stop();
    let receipt = alice
        .client
        .messages()
        .enqueue(
            Target::User(bob.id),
            Content::Text("while you were out".into()),
        )
        .unwrap();
    env.next(&mut alice.events, |e| {
        matches!(e, Event::Connection(ConnectionState::Reconnecting { .. })).then_some(())
    })
    .await;
    assert_eq!(alice.client.pending_sends().len(), 1);
    env.server.start_again();
    let sent = receipt.await.unwrap();
    assert!(sent.id.is_some());
    assert!(alice.client.pending_sends().is_empty());
    let got = env.message(&mut bob.events).await;
    assert_eq!(got.content.body(), "while you were out");
    assert_eq!(Some(got.id), sent.id);
    alice.client.close().await;
    bob.client.close().await;
}

/// Collects `count` message events, checking each id is new; also says whether the connection
/// was lost and regained on the way.
async fn collect(env: &Env, events: &mut EventStream, count: usize) -> (Vec<String>, bool) {
    let mut seen = HashSet::new();
    let mut bodies = Vec::new();
    let mut reconnected = false;
    while bodies.len() < count {
        let m = env
            .next(events, |e| match e {
                Event::Message(m) => Some(Some(m)),
                Event::Connection(ConnectionState::Reconnecting { .. }) => {
                    reconnected = true;
                    Some(None)
                }
                _ => None,
            })
            .await;
        if let Some(m) = m {
            assert!(seen.insert(m.id), "message {} delivered twice", m.id);
            bodies.push(m.content.body().to_string());
        }
    }
    (bodies, reconnected)
}

async fn thousand_messages_across_a_restart(env: Env) {
    const EACH: usize = 500;
    let (mut alice, mut bob) = env.friends("eli", "fox").await;
    let mut receipts = Vec::new();
    let send = |from: &User, to: i64, i: usize, tag: &str| {
        from.client
            .messages()
            .enqueue(Target::User(to), Content::Text(format!("{tag}{i}")))
            .unwrap()
    };
    for i in 0..EACH {
        receipts.push(send(&alice, bob.id, i, "a"));
        receipts.push(send(&bob, alice.id, i, "b"));
        if i == EACH / 3 {
            // Stop the server while messages are in flight both ways …
            env.sleep(20).await;
            env.server.stop();
        }
        if i == 2 * EACH / 3 {
            // … and start it again on the same database while more wait in the outboxes.
            env.server.start_again();
        }
    }
    for receipt in receipts {
        let sent = receipt.await.unwrap();
        assert!(sent.id.is_some());
    }
    let ((to_bob, bob_reconnected), (to_alice, alice_reconnected)) = futures::join!(
        collect(&env, &mut bob.events, EACH),
        collect(&env, &mut alice.events, EACH)
    );
    assert!(
        bob_reconnected && alice_reconnected,
        "the restart went unnoticed"
    );
    let expected = |tag: &str| (0..EACH).map(|i| format!("{tag}{i}")).collect::<Vec<_>>();
    assert_eq!(to_bob, expected("a"));
    assert_eq!(to_alice, expected("b"));
    // Nothing more arrives: each was delivered exactly once.
    alice
        .client
        .messages()
        .send_text(Target::User(bob.id), "end")
        .await
        .unwrap();
    assert_eq!(env.message(&mut bob.events).await.content.body(), "end");
    alice.client.close().await;
    bob.client.close().await;
}

/// A loopback TCP proxy whose existing connections can be made to go silent (bytes are no
/// longer forwarded, the sockets stay open), like a dead network path.
struct Proxy {
    port: u16,
    generation: Arc<AtomicU64>,
}

impl Proxy {
    fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let generation = Arc::new(AtomicU64::new(0));
        let current = generation.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let born = current.load(Ordering::SeqCst);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let current = current.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        loop {
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if current.load(Ordering::SeqCst) != born {
                                continue; // silent: swallow everything
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, generation }
    }

    /// Existing connections go silent; new ones work.
    fn silence(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

async fn heartbeat_detects_a_silent_link(env: Env) {
    let (_alice, mut bob) = env.friends("gil", "hob").await;
    let target = env.server.url().trim_start_matches("http://").to_string();
    let proxy = Proxy::start(target);
    let client = Client::builder(format!("http://127.0.0.1:{}", proxy.port))
        .runtime(env.rt.clone())
        .heartbeat_interval(std::time::Duration::from_millis(200))
        // Pooled HTTP connections through the proxy go silent too; time them out quickly.
        .request_timeout(std::time::Duration::from_secs(1))
        .backoff(
            std::time::Duration::from_millis(20),
            std::time::Duration::from_millis(200),
        )
        .build()
        .unwrap();
    let mut events = client.events();
    client.auth().login("gil", support::PASSWORD).await.unwrap();
    env.state(&mut events, ConnectionState::Connected).await;
    proxy.silence();
    // Nothing tells the client the link is dead but the missing heartbeat answers.
    env.next(&mut events, |e| {
        matches!(e, Event::Connection(ConnectionState::Reconnecting { .. })).then_some(())
    })
    .await;
    assert!(
        matches!(client.last_connection_error(), Some(Error::Network(m)) if m.contains("heartbeat"))
    );
    env.state(&mut events, ConnectionState::Connected).await;
    client
        .messages()
        .send_text(Target::User(bob.id), "back again")
        .await
        .unwrap();
    assert_eq!(
        env.message(&mut bob.events).await.content.body(),
        "back again"
    );
    client.close().await;
    bob.client.close().await;
}

async fn kicked_when_the_token_is_revoked(env: Env) {
    let (client, mut events, session) = env.user("ida").await;
    env.state(&mut events, ConnectionState::Connected).await;
    let other = env.client();
    other.auth().restore(session).await.unwrap();
    other.auth().logout().await.unwrap();
    let reason = env
        .next(&mut events, |e| match e {
            Event::Kicked { reason } => Some(reason),
            _ => None,
        })
        .await;
    assert!(!reason.is_empty());
    env.state(&mut events, ConnectionState::Disconnected).await;
    let refused = client.messages().send_text(Target::User(1), "x").await;
    assert!(matches!(refused, Err(Error::Auth(_))), "{refused:?}");
    client.close().await;
    other.close().await;
}

async fn close_ends_every_task(env: Env) {
    let (client, mut events, _) = env.user("jan").await;
    env.state(&mut events, ConnectionState::Connected).await;
    assert!(client.background_tasks() > 0);
    client.close().await;
    assert_eq!(client.background_tasks(), 0);
    assert_eq!(client.connection_state(), ConnectionState::Disconnected);
    // The stream ends after the final state.
    let rest: Vec<Event> = events.collect().await;
    assert_eq!(
        rest.last(),
        Some(&Event::Connection(ConnectionState::Disconnected))
    );
    let refused = client.messages().send_text(Target::User(1), "x").await;
    assert_eq!(refused, Err(Error::Closed));
}

async fn sends_waiting_in_the_store_go_out_once_after_a_restart(env: Env) {
    let (gus, mut bob) = env.friends("gus", "hal").await;

    // Gus's app keeps a store; the server goes away and he writes two messages.
    let OnStore {
        path, app, session, ..
    } = &env.move_to_store(gus).await;
    assert!(
        matches!(env.client_on(path), Err(Error::Store(_))),
        "a second client on the same store is refused"
    );
    app.chats().open_direct(bob.id).await.unwrap();
    let listed = app.chats().list().await.unwrap();
    assert!(!listed.is_empty());
    env.server.stop();
    let text = |s: &str| Content::Text(s.into());
    let one = app
        .messages()
        .enqueue(Target::User(bob.id), text("one"))
        .unwrap();
    let two = app
        .messages()
        .enqueue(Target::User(bob.id), text("two"))
        .unwrap();
    let oops = app
        .messages()
        .enqueue(Target::User(bob.id), text("oops"))
        .unwrap();
    let gids = vec![one.gid().to_string(), two.gid().to_string()];
    let oops_gid = oops.gid().to_string();
    app.close().await;
    assert_eq!(one.await.unwrap_err(), Error::Closed);
    assert_eq!(two.await.unwrap_err(), Error::Closed);
    assert_eq!(oops.await.unwrap_err(), Error::Closed);

    // The app starts again on its store, still offline: no login; the sends wait with their
    // gids, and one is taken back before it can go out.
    let again = env.client_on(path).unwrap();
    assert_eq!(again.session().map(|s| s.user_id), Some(session.user_id));
    assert_eq!(again.chats().cached(), listed, "the chat list, offline");
    assert_eq!(
        again.pending_sends(),
        [gids[0].clone(), gids[1].clone(), oops_gid.clone()]
    );
    let shown = |c: &Client| -> Vec<(String, Delivery)> {
        let recent = c.messages().recent(Target::User(bob.id));
        recent.into_iter().map(|m| (m.gid, m.delivery)).collect()
    };
    let pending = |gid: &String| (gid.clone(), Delivery::Pending);
    assert_eq!(
        shown(&again),
        [pending(&gids[0]), pending(&gids[1]), pending(&oops_gid)],
        "shown at once in the chat, as pending (local echo)"
    );
    assert_eq!(again.messages().unsent().len(), 3);
    assert_eq!(again.messages().discard(&oops_gid), Ok(true));
    assert_eq!(again.messages().discard(&oops_gid), Ok(false));
    assert_eq!(again.pending_sends(), gids);
    assert_eq!(shown(&again), [pending(&gids[0]), pending(&gids[1])]);
    env.server.start_again();
    let got = [
        env.message(&mut bob.events).await,
        env.message(&mut bob.events).await,
    ];
    assert_eq!(got.each_ref().map(|m| m.content.body()), ["one", "two"]);
    assert_eq!(
        got.each_ref().map(|m| m.gid.as_str()),
        [&*gids[0], &*gids[1]]
    );
    let mut emptied = false;
    for _ in 0..100 {
        if again.pending_sends().is_empty() {
            emptied = true;
            break;
        }
        env.sleep(20).await;
    }
    assert!(emptied, "the server's answers take the sends out");
    let sent = again.messages().recent(Target::User(bob.id));
    assert_eq!(
        sent.iter()
            .map(|m| (&m.id, &m.delivery))
            .collect::<Vec<_>>(),
        [
            (&Some(got[0].id), &Delivery::Sent),
            (&Some(got[1].id), &Delivery::Sent)
        ],
        "turned sent, with the server's ids"
    );
    again.close().await;

    // A third start: the store still holds the session, and nothing is sent twice (nor the
    // discarded one at all).
    let third = env.client_on(path).unwrap();
    assert!(third.pending_sends().is_empty());
    assert_eq!(third.messages().recent(Target::User(bob.id)), sent);
    let chat = bob
        .client
        .chats()
        .open_direct(session.user_id)
        .await
        .unwrap();
    let history = bob.client.chats().history(&chat, 1, 10).await.unwrap();
    for gid in &gids {
        let stored = history.messages.iter().filter(|m| &m.gid == gid).count();
        assert_eq!(stored, 1, "the server stored {gid} once");
    }
    assert!(history.messages.iter().all(|m| m.gid != oops_gid));
    third.close().await;
    bob.client.close().await;
}

async fn a_stored_session_revoked_meanwhile_is_forgotten(env: Env) {
    let (kim, lee) = env.friends("kim", "lee").await;
    let OnStore {
        path, app, session, ..
    } = &env.move_to_store(kim).await;
    app.chats().open_direct(lee.id).await.unwrap();
    app.chats().list().await.unwrap();
    app.close().await;

    // While the app is not running, the session is revoked (a logout elsewhere).
    let other = env.client();
    other.auth().restore(session.clone()).await.unwrap();
    other.auth().logout().await.unwrap();

    // The app starts on its store, resumes the session, is told it is over, and forgets it.
    let again = env.client_on(path).unwrap();
    assert!(
        !again.chats().cached().is_empty(),
        "the last run's chat list"
    );
    let mut events = again.events();
    env.next(&mut events, |e| {
        matches!(e, Event::Kicked { .. }).then_some(())
    })
    .await;
    assert!(again.session().is_none());
    again.close().await;
    let third = env.client_on(path).unwrap();
    assert!(third.session().is_none(), "the store no longer holds it");
    assert!(third.chats().cached().is_empty(), "nor the user's chats");
    third.close().await;
    other.close().await;
    lee.client.close().await;
}

async fn a_stored_session_continues_after_what_the_app_pulled(env: Env) {
    let (ann, ben) = env.friends("ann", "ben").await;
    let ben_id = ben.id;
    let OnStore { path, app, .. } = &env.move_to_store(ben).await;
    let mut events = app.events();
    let mut last = 0;
    for i in 0..3 {
        let text = format!("m{i}");
        ann.client
            .messages()
            .send_text(Target::User(ben_id), &text)
            .await
            .unwrap();
        let got = env.message(&mut events).await;
        assert_eq!(got.content.body(), text);
        last = got.id;
    }
    app.close().await;

    // The next start on the store continues after the last message pulled: none again.
    let again = env.client_on(path).unwrap();
    assert_eq!(again.session().and_then(|s| s.cursor), Some(last));
    let mut events = again.events();
    ann.client
        .messages()
        .send_text(Target::User(ben_id), "after")
        .await
        .unwrap();
    assert_eq!(env.message(&mut events).await.content.body(), "after");
    again.close().await;
    ann.client.close().await;
}

async fn a_restarted_app_shows_its_conversations_offline(env: Env) {
    let (ann, ben) = env.friends("ann", "ben").await;
    let (ann_id, ben_id) = (ann.id, ben.id);
    let OnStore {
        path, app, session, ..
    } = &env.move_to_store(ben).await;
    let mut events = app.events();
    exchange(&env, &ann.client, ben_id, &mut events, |_| {}).await;
    let reply = app
        .messages()
        .send_text(Target::User(ann_id), "reply")
        .await
        .unwrap();
    let refused = app
        .messages()
        .enqueue(Target::Group(999_999), Content::Text("nowhere".into()))
        .unwrap();
    let refused_gid = refused.gid().to_string();
    assert!(refused.await.is_err());
    let users = app.users().list().await.unwrap();
    app.close().await;

    // Started again with the server gone: the conversation, its unread count, the failed
    // send and the users are there at once.
    env.server.stop();
    let again = env.client_on(path).unwrap();
    let recent = again.messages().recent(Target::User(ann_id));
    let texts: Vec<&str> = recent.iter().map(|m| m.content.body()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "reply"]);
    assert_eq!(recent[3].id, reply.id);
    assert!(recent.iter().all(|m| m.delivery == Delivery::Sent));
    assert_eq!(
        again.messages().unread(Target::User(ann_id)),
        3,
        "yours do not count"
    );
    let unsent = again.messages().unsent();
    assert_eq!(unsent.len(), 1);
    assert_eq!(unsent[0].gid, refused_gid);
    assert!(matches!(unsent[0].delivery, Delivery::Failed { .. }));
    assert_eq!(again.users().cached(), users, "the users seen");
    again.messages().mark_read(Target::User(ann_id));
    assert_eq!(again.messages().discard(&refused_gid), Ok(true));
    again.close().await;

    // What was read and discarded stays so; a retry of a failed send turns it pending.
    env.server.start_again();
    let third = env.client_on(path).unwrap();
    assert_eq!(third.messages().unread(Target::User(ann_id)), 0);
    assert!(third.messages().unsent().is_empty());
    assert_eq!(third.messages().recent(Target::User(ann_id)), recent);
    let refused = third
        .messages()
        .enqueue(Target::Group(999_999), Content::Text("again".into()))
        .unwrap();
    let gid = refused.gid().to_string();
    assert!(refused.await.is_err());
    let retry = third.messages().retry(&gid).unwrap();
    assert_eq!(retry.gid(), gid);
    assert!(matches!(
        third.messages().retry(&gid),
        Err(Error::InvalidInput(_))
    ));
    assert!(retry.await.is_err());
    assert_eq!(
        third.messages().unsent().len(),
        1,
        "failed again, shown once"
    );
    third.close().await;

    // A fresh install on another store: a history page fetched once is there offline.
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("fresh.db");
    let fresh = env.client_on(&fresh_path).unwrap();
    fresh.auth().restore(session.clone()).await.unwrap();
    assert!(fresh.messages().recent(Target::User(ann_id)).is_empty());
    let chat = fresh.chats().open_direct(ann_id).await.unwrap();
    fresh.chats().history(&chat, 1, 10).await.unwrap();
    fresh.close().await;
    env.server.stop();
    let offline = env.client_on(&fresh_path).unwrap();
    let shown = offline.messages().recent(Target::User(ann_id));
    let texts: Vec<&str> = shown.iter().map(|m| m.content.body()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "reply"], "history, offline");
    assert_eq!(offline.messages().unread(Target::User(ann_id)), 0);
    offline.close().await;
    env.server.start_again();
    ann.client.close().await;
}

async fn a_pulled_message_is_in_the_store_before_the_app_has_it(env: Env) {
    let (ann, ben) = env.friends("ann", "ben").await;
    let (ben_id, session) = (ben.id, ben.client.session().unwrap());
    ben.client.close().await;
    let store = Arc::new(chinwag::store::MemoryStore::default());
    let app = env.client_with(store.clone());
    app.auth().restore(session).await.unwrap();
    let mut events = app.events();
    exchange(&env, &ann.client, ben_id, &mut events, |got| {
        // No wait: the cursor is saved as the stream hands the message over (a crash now
        // would not hand it over again), not in a later driver turn.
        let saved = futures::executor::block_on(chinwag::store::Store::load(&*store)).unwrap();
        assert_eq!(saved.session.and_then(|s| s.cursor), Some(got.id));
    })
    .await;
    app.close().await;
    ann.client.close().await;
}

/// `from` sends "m0", "m1", "m2" to user `to`; each is pulled from `events` and checked by
/// `check` as it arrives.
async fn exchange(
    env: &Env,
    from: &Client,
    to: i64,
    events: &mut EventStream,
    mut check: impl FnMut(&chinwag::Message),
) {
    for i in 0..3 {
        let text = format!("m{i}");
        from.messages()
            .send_text(Target::User(to), &text)
            .await
            .unwrap();
        let got = env.message(events).await;
        assert_eq!(got.content.body(), text);
        check(&got);
    }
}
