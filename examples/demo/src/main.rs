//! `demo`: starts the reference server in-process on a temporary SQLite database and has two
//! SDK clients register, become friends, chat directly, make a group, invite and accept,
//! receive a notification from the backend, and catch up after going offline — printing a
//! transcript. Exits 0 on success, non-zero with the error otherwise.

use std::time::Duration;

use chinwag::{Client, ConnectionState, Content, Event, EventStream, Target};
use futures::StreamExt;
use futures::future::{Either, select};

type Fallible<T = ()> = Result<T, Box<dyn std::error::Error>>;

const NOTIFY_KEY: &str = "demo-notify-key";

#[tokio::main]
async fn main() -> Fallible {
    let dir = tempfile::tempdir()?;
    let server = chinwag_server::Server::start(chinwag_server::Config {
        listen: "127.0.0.1:0".parse()?,
        db: dir.path().join("demo.db").to_string_lossy().into_owned(),
        files: dir.path().join("files"),
        notify_key: Some(NOTIFY_KEY.into()),
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let base = format!("http://{}", server.addr());
    println!(
        "chinwag-server running in-process at {base} (SQLite in {})\n",
        dir.path().display()
    );

    let alice = Client::builder(&base).build()?;
    let bob = Client::builder(&base).build()?;
    let mut alice_events = alice.events();
    let mut bob_events = bob.events();

    for (client, name) in [(&alice, "alice"), (&bob, "bob")] {
        let id = client.auth().register(name, "correct-horse").await?;
        client.auth().login(name, "correct-horse").await?;
        println!("[{name}] registered and logged in as user {id}");
    }
    wait_for(&mut alice_events, |e| {
        (e == Event::Connection(ConnectionState::Connected)).then_some(())
    })
    .await?;
    wait_for(&mut bob_events, |e| {
        (e == Event::Connection(ConnectionState::Connected)).then_some(())
    })
    .await?;
    let (alice_id, bob_id) = (
        alice.user_id().unwrap_or_default(),
        bob.user_id().unwrap_or_default(),
    );

    // Friends: each asks; the second ask makes the friendship.
    alice.friends().ask(bob_id).await?;
    let friends = bob.friends().ask(alice_id).await?;
    println!("[alice, bob] asked each other to be friends -> friends: {friends}");

    // A direct conversation.
    let sent = alice
        .messages()
        .send_text(Target::User(bob_id), "Hi Bob! Climbing on Saturday?")
        .await?;
    println!(
        "[alice -> bob] \"Hi Bob! Climbing on Saturday?\" (stored as message {:?})",
        sent.id
    );
    let m = next_message(&mut bob_events).await?;
    println!("[bob] got from user {}: \"{}\"", m.sender, m.content.body());
    bob.messages()
        .send_text(Target::User(alice_id), "Sure — let's ask the others too.")
        .await?;
    let m = next_message(&mut alice_events).await?;
    println!(
        "[alice] got from user {}: \"{}\"",
        m.sender,
        m.content.body()
    );

    // A group: alice makes it, invites bob, bob accepts.
    let group = alice.groups().create("Saturday climbers").await?;
    println!("[alice] created group {group} \"Saturday climbers\"");
    alice.requests().invite(group, bob_id).await?;
    let invitations = bob.requests().list().await?;
    let invitation = invitations.first().ok_or("bob has no invitation")?;
    println!(
        "[bob] invitation {} to \"{}\"",
        invitation.id, invitation.group_name
    );
    bob.requests().accept(invitation.id).await?;
    let info = bob.groups().info(group).await?;
    println!(
        "[bob] accepted; group {} now has members {:?}",
        info.id, info.users_id
    );
    alice
        .messages()
        .send(
            Target::Group(group),
            Content::Json(r#"{"meet":"09:00","where":"north wall"}"#.into()),
        )
        .await?;
    let m = next_message(&mut bob_events).await?;
    println!(
        "[bob] group {:?} message ({}): {}",
        m.chat,
        m.content.content_type(),
        m.content.body()
    );

    // The application's backend pushes a notification.
    let status = reqwest::Client::new()
        .post(format!("{base}/notification?type=unicast&to={bob_id}"))
        .header("X-Notify-Key", NOTIFY_KEY)
        .json(&serde_json::json!({"notificationType": "weather", "content": {"saturday": "sunny"}}))
        .send()
        .await?
        .status();
    println!("[backend] POST /notification -> {status}");
    let n = wait_for(&mut bob_events, |e| match e {
        Event::Notification(n) => Some(n),
        _ => None,
    })
    .await?;
    println!("[bob] notification \"{}\": {}", n.kind, n.content);

    // Bob goes offline; alice writes; bob comes back from his saved session and catches up.
    let saved = bob.session().ok_or("bob has no session")?;
    bob.close().await;
    println!("[bob] closed his client (session saved)");
    for text in ["See you at nine.", "Bring the long rope!"] {
        alice
            .messages()
            .send_text(Target::User(bob_id), text)
            .await?;
        println!("[alice -> bob] \"{text}\" (bob is offline)");
    }
    let bob = Client::builder(&base).build()?;
    let mut bob_events = bob.events();
    bob.auth().restore(saved).await?;
    for _ in 0..2 {
        let m = next_message(&mut bob_events).await?;
        println!("[bob] back online, caught up: \"{}\"", m.content.body());
    }
    let history = alice
        .chats()
        .history(&alice.chats().open_direct(bob_id).await?, 1, 10)
        .await?;
    println!(
        "[alice] direct chat history holds {} messages",
        history.total
    );

    alice.close().await;
    bob.close().await;
    server.stop().await;
    println!("\ndemo finished: every step succeeded");
    Ok(())
}

/// Waits up to 10 s for an event `pick` accepts.
async fn wait_for<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(Event) -> Option<T>,
) -> Fallible<T> {
    let wanted = Box::pin(async {
        while let Some(event) = events.next().await {
            if let Some(found) = pick(event) {
                return Some(found);
            }
        }
        None
    });
    match select(
        wanted,
        Box::pin(tokio::time::sleep(Duration::from_secs(10))),
    )
    .await
    {
        Either::Left((Some(found), _)) => Ok(found),
        Either::Left((None, _)) => Err("the event stream ended".into()),
        Either::Right(_) => Err("no event within 10 s".into()),
    }
}

async fn next_message(events: &mut EventStream) -> Fallible<chinwag::Message> {
    wait_for(events, |e| match e {
        Event::Message(m) => Some(m),
        _ => None,
    })
    .await
}
