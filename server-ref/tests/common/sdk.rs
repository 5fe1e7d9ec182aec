//! SDK clients for the multi-process tests: two friends chatting through gateways while
//! something fails, with the checks that nothing acknowledged is lost or shown twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chinwag::runtime::{Runtime, TokioRuntime};
use chinwag::{Client, ConnectionState, Content, Event, EventStream, Target};
use futures::StreamExt;

/// SDK clients alice (at `alice_base`) and bob (at `bob_base`), friends; with their ids.
pub async fn sdk_pair(alice_base: String, bob_base: String) -> (Client, Client, i64, i64) {
    let rt: Arc<dyn Runtime> =
        Arc::new(TokioRuntime::with_handle(tokio::runtime::Handle::current()));
    let client = |base: String| {
        Client::builder(base)
            .runtime(rt.clone())
            .heartbeat_interval(Duration::from_millis(500))
            .backoff(Duration::from_millis(50), Duration::from_millis(400))
            .build()
            .unwrap()
    };
    let (alice, bob) = (client(alice_base), client(bob_base));
    let mut ids = Vec::new();
    for (app, name) in [(&alice, "alice"), (&bob, "bob")] {
        app.auth().register(name, "pass-word-1").await.unwrap();
        ids.push(app.auth().login(name, "pass-word-1").await.unwrap().user_id);
    }
    assert!(!alice.friends().ask(ids[1]).await.unwrap());
    assert!(bob.friends().ask(ids[0]).await.unwrap());
    (alice, bob, ids[0], ids[1])
}

/// Collects `count` messages, each checked to arrive once; and whether the connection was
/// lost meanwhile.
pub async fn collect(events: &mut EventStream, count: usize) -> (Vec<String>, bool) {
    let mut seen = HashSet::new();
    let mut bodies = Vec::new();
    let mut reconnected = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while bodies.len() < count {
        let event = tokio::time::timeout_at(deadline, events.next()).await;
        let event = event.expect("messages missing after 60 s").unwrap();
        match event {
            Event::Message(m) => {
                assert!(seen.insert(m.id), "message {} delivered twice", m.id);
                bodies.push(m.content.body().to_string());
            }
            Event::Connection(ConnectionState::Reconnecting { .. }) => reconnected = true,
            _ => {}
        }
    }
    (bodies, reconnected)
}

/// Alice and bob each send `each` messages to the other, `trouble` running once a third are
/// queued; every send is acknowledged, each side receives the other's in order exactly once.
/// Answers whether alice and bob each saw their connection lost meanwhile.
pub async fn chat_through(
    alice: &Client,
    bob: &Client,
    a: i64,
    b: i64,
    each: usize,
    trouble: impl std::future::Future<Output = ()>,
) -> (bool, bool) {
    let (mut to_alice, mut to_bob) = (alice.events(), bob.events());
    let mut receipts = Vec::new();
    let mut trouble = Some(trouble);
    for i in 0..each {
        let text = |tag: &str| Content::Text(format!("{tag}{i}"));
        receipts.push(
            alice
                .messages()
                .enqueue(Target::User(b), text("a"))
                .unwrap(),
        );
        receipts.push(bob.messages().enqueue(Target::User(a), text("b")).unwrap());
        if i == each / 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            trouble.take().unwrap().await;
        }
    }
    for receipt in receipts {
        assert!(receipt.await.unwrap().id.is_some());
    }
    let (got_bob, got_alice) =
        futures::join!(collect(&mut to_bob, each), collect(&mut to_alice, each));
    let expected = |tag: &str| (0..each).map(|i| format!("{tag}{i}")).collect::<Vec<_>>();
    assert_eq!(got_bob.0, expected("a"));
    assert_eq!(got_alice.0, expected("b"));
    // Nothing more: each arrived once.
    alice
        .messages()
        .send_text(Target::User(b), "end")
        .await
        .unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), to_bob.next()).await;
        if let Event::Message(m) = event.unwrap().unwrap() {
            assert_eq!(m.content.body(), "end");
            break;
        }
    }
    (got_alice.1, got_bob.1)
}
