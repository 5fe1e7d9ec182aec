//! Every family of the SDK against the real reference server, under tokio and under smol.

mod support;

use chinwag::{ChatChange, Content, Error, Event, Target};
use serde_json::json;
use support::{Env, PASSWORD};

on_both_runtimes!(
    auth,
    direct_messages,
    groups_and_requests,
    chats,
    users,
    files,
    friends_and_blocks,
    notifications,
);

async fn auth(env: Env) {
    let client = env.client();
    let id = client.auth().register("ann", PASSWORD).await.unwrap();
    assert!(id > 0);
    assert!(matches!(
        client.auth().register("ann", PASSWORD).await,
        Err(Error::InvalidInput(m)) if !m.is_empty()
    ));
    assert!(matches!(
        client.auth().login("ann", "wrong-password").await,
        Err(Error::Auth(_))
    ));
    assert!(matches!(client.friends().list().await, Err(Error::Auth(_))));
    let session = client.auth().login("ann", PASSWORD).await.unwrap();
    assert_eq!(session.user_id, id);
    assert_eq!(client.user_id(), Some(id));

    // A saved session works in a fresh client without the password.
    let saved = serde_json::to_string(&session).unwrap();
    let second = env.client();
    second
        .auth()
        .restore(serde_json::from_str(&saved).unwrap())
        .await
        .unwrap();
    assert_eq!(second.users().info("ann").await.unwrap().id, id);

    // Logging out revokes the token everywhere.
    client.auth().logout().await.unwrap();
    assert_eq!(client.session(), None);
    let third = env.client();
    assert!(matches!(
        third.auth().restore(session).await,
        Err(Error::Auth(_))
    ));
    second.close().await;
    third.close().await;
}

async fn direct_messages(env: Env) {
    let (mut alice, mut bob) = env.friends("alice", "bob").await;
    let to_bob = Target::User(bob.id);
    let sent = alice
        .client
        .messages()
        .send_text(to_bob, "hello bob")
        .await
        .unwrap();
    assert!(sent.id.is_some());
    let json = Content::Json(r#"{"sticker":7}"#.into());
    alice.client.messages().send(to_bob, json).await.unwrap();
    let image = Content::Other {
        content_type: "image".into(),
        body: "https://example.invalid/cat.png".into(),
    };
    alice
        .client
        .messages()
        .send(to_bob, image.clone())
        .await
        .unwrap();

    let first = env.message(&mut bob.events).await;
    assert_eq!(first.content, Content::Text("hello bob".into()));
    assert_eq!(first.sender, alice.id);
    assert_eq!(first.chat, Target::User(alice.id));
    assert_eq!(Some(first.id), sent.id);
    assert_eq!(first.gid, sent.gid);
    let second = env.message(&mut bob.events).await;
    let parsed: serde_json::Value = serde_json::from_str(second.content.body()).unwrap();
    assert_eq!(parsed, json!({"sticker": 7}));
    assert_eq!(second.content.content_type(), "json");
    assert_eq!(env.message(&mut bob.events).await.content, image);

    // Bob answers; alice gets it with the conversation seen from her side.
    bob.client
        .messages()
        .send_text(Target::User(alice.id), "hi alice")
        .await
        .unwrap();
    let reply = env.message(&mut alice.events).await;
    assert_eq!(reply.chat, Target::User(bob.id));

    // History of the one-to-one chat, newest page first.
    let chat = alice.client.chats().open_direct(bob.id).await.unwrap();
    let page = alice.client.chats().history(&chat, 1, 2).await.unwrap();
    assert_eq!(page.total, 4);
    assert!(page.more);
    assert_eq!(page.messages.len(), 2);
    assert_eq!(page.messages[1].content, Content::Text("hi alice".into()));
    let older = alice.client.chats().history(&chat, 2, 2).await.unwrap();
    assert_eq!(older.messages[0].content, Content::Text("hello bob".into()));
    assert!(!older.more);

    // A message near the content limit arrives whole: its frame spans several of the
    // socket's reads (16 KiB each).
    let long: String = (0..60 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    alice
        .client
        .messages()
        .send_text(to_bob, &long)
        .await
        .unwrap();
    assert_eq!(
        env.message(&mut bob.events).await.content,
        Content::Text(long)
    );

    // Errors come back typed, with the server's message.
    let nobody = alice
        .client
        .messages()
        .send_text(Target::User(999_999), "x")
        .await;
    assert!(matches!(nobody, Err(Error::NotFound(m)) if m.contains("999999")));
    let empty = alice.client.messages().send_text(to_bob, "").await;
    assert!(matches!(empty, Err(Error::InvalidInput(_))));
    let bad_json = alice
        .client
        .messages()
        .send(to_bob, Content::Json("{".into()))
        .await;
    assert!(matches!(bad_json, Err(Error::InvalidInput(_))));
    alice.client.close().await;
    bob.client.close().await;
}

async fn groups_and_requests(env: Env) {
    let (mut alice, mut bob) = env.friends("gina", "hank").await;
    let group = alice.client.groups().create("climbers").await.unwrap();
    assert!(matches!(
        bob.client.groups().info(group).await,
        Err(Error::Forbidden(_))
    ));
    alice.client.requests().invite(group, bob.id).await.unwrap();
    let pending = bob.client.requests().list().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].group_name, "climbers");
    bob.client.requests().accept(pending[0].id).await.unwrap();
    // Joining shows up as a membership event for the manager.
    let chat = env
        .next(&mut alice.events, |e| match e {
            Event::MembersChanged { chat } => Some(chat),
            _ => None,
        })
        .await;
    assert_eq!(chat.id, group);
    let info = bob.client.groups().info(group).await.unwrap();
    assert_eq!(info.manager_id, alice.id);
    assert_eq!(info.users_id.len(), 2);
    assert_eq!(bob.client.groups().list().await.unwrap().len(), 1);

    alice
        .client
        .messages()
        .send_text(Target::Group(group), "to the crag")
        .await
        .unwrap();
    let m = env.message(&mut bob.events).await;
    assert_eq!(m.chat, Target::Group(group));
    assert_eq!(m.content.body(), "to the crag");

    alice
        .client
        .groups()
        .rename(group, "boulderers")
        .await
        .unwrap();
    let renamed = env
        .next(&mut bob.events, |e| match e {
            Event::ChatChanged {
                change: ChatChange::Renamed,
                chat,
            } => Some(chat),
            _ => None,
        })
        .await;
    assert_eq!(renamed.name, "boulderers");

    // A declined invitation disappears; removal by the manager ends membership.
    let third = env.client();
    third.auth().register("ivan", PASSWORD).await.unwrap();
    let ivan = third.auth().login("ivan", PASSWORD).await.unwrap();
    alice
        .client
        .requests()
        .invite(group, ivan.user_id)
        .await
        .unwrap();
    let invite = third.requests().list().await.unwrap().remove(0);
    third.requests().decline(invite.id).await.unwrap();
    assert!(third.requests().list().await.unwrap().is_empty());
    assert!(matches!(
        bob.client.groups().remove_member(group, alice.id).await,
        Err(Error::Forbidden(_))
    ));
    alice
        .client
        .groups()
        .remove_member(group, bob.id)
        .await
        .unwrap();
    assert!(bob.client.groups().list().await.unwrap().is_empty());
    let refused = bob
        .client
        .messages()
        .send_text(Target::Group(group), "still here?")
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    alice.client.groups().leave(group).await.unwrap();
    assert!(alice.client.groups().list().await.unwrap().is_empty());
    for c in [alice.client, bob.client, third] {
        c.close().await;
    }
}

async fn chats(env: Env) {
    let (mut alice, mut bob) = env.friends("cara", "dan").await;
    let chat = alice
        .client
        .chats()
        .create_group("book club", &[bob.id], false)
        .await
        .unwrap();
    assert_eq!(chat.name, "book club");
    let created = env
        .next(&mut bob.events, |e| match e {
            Event::ChatChanged {
                change: ChatChange::Created,
                chat,
            } => Some(chat),
            _ => None,
        })
        .await;
    assert_eq!(created.gid, chat.gid);
    let listed = bob.client.chats().list().await.unwrap();
    assert!(listed.iter().any(|c| c.gid == chat.gid));

    alice
        .client
        .chats()
        .rename(&chat.gid, "reading club")
        .await
        .unwrap();
    alice.client.chats().star(&chat.gid, true).await.unwrap();
    alice.client.chats().hide(&chat.gid, true).await.unwrap();
    alice.client.chats().mute(&chat.gid, true).await.unwrap();
    let mine = alice.client.chats().list().await.unwrap();
    let mine = mine.iter().find(|c| c.gid == chat.gid).unwrap();
    assert_eq!(mine.name, "reading club");
    assert_eq!(
        (mine.star, mine.hide, mine.mute),
        (Some(true), Some(true), Some(true))
    );

    // Public chats can be found and joined by anyone.
    alice
        .client
        .chats()
        .set_public(&chat.gid, true)
        .await
        .unwrap();
    let eve = env.client();
    eve.auth().register("eve", PASSWORD).await.unwrap();
    let eve_session = eve.auth().login("eve", PASSWORD).await.unwrap();
    assert!(
        eve.chats()
            .public_list()
            .await
            .unwrap()
            .iter()
            .any(|c| c.gid == chat.gid)
    );
    eve.chats().join(&chat.gid).await.unwrap();
    assert_eq!(
        alice.client.chats().members(&chat.gid).await.unwrap().len(),
        3
    );
    eve.chats().leave(&chat.gid).await.unwrap();
    assert_eq!(
        alice.client.chats().members(&chat.gid).await.unwrap().len(),
        2
    );
    // A private chat's members are for its members only.
    alice
        .client
        .chats()
        .set_public(&chat.gid, false)
        .await
        .unwrap();
    assert!(matches!(
        eve.chats().members(&chat.gid).await,
        Err(Error::Forbidden(_))
    ));

    // Administration: committers (administrators post regardless), then admins.
    alice
        .client
        .chats()
        .set_committers(&chat.gid, &[alice.id])
        .await
        .unwrap();
    let refused = bob
        .client
        .messages()
        .send_text(Target::Group(chat.id), "may I?")
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    alice
        .client
        .chats()
        .set_committers(&chat.gid, &[])
        .await
        .unwrap();
    bob.client
        .messages()
        .send_text(Target::Group(chat.id), "now I may")
        .await
        .unwrap();
    let got = env.message(&mut alice.events).await;
    assert_eq!(got.chat_gid, chat.gid);
    let after = alice
        .client
        .chats()
        .set_admins(&chat.gid, &[bob.id], true)
        .await
        .unwrap();
    assert!(after.admins.contains(&bob.id));
    let added = alice
        .client
        .chats()
        .add_members(&chat.gid, &[eve_session.user_id])
        .await
        .unwrap();
    assert_eq!(added.members.unwrap().len(), 3);
    let removed = alice
        .client
        .chats()
        .remove_members(&chat.gid, &[eve_session.user_id])
        .await
        .unwrap();
    assert_eq!(removed.members.unwrap().len(), 2);
    let page = alice.client.chats().history(&chat, 1, 10).await.unwrap();
    assert_eq!(page.messages.last().unwrap().content.body(), "now I may");
    for c in [alice.client, bob.client, eve] {
        c.close().await;
    }
}

async fn users(env: Env) {
    let (alice, mut bob) = env.friends("fay", "gus").await;
    let all = alice.client.users().list().await.unwrap();
    assert!(all.iter().any(|u| u.account == "gus"));
    assert_eq!(alice.client.users().info("gus").await.unwrap().id, bob.id);
    assert!(matches!(
        alice.client.users().info("nobody-here").await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        alice.client.users().get(bob.id).await.unwrap().account,
        "gus"
    );

    let patch = chinwag::UserPatch {
        realname: Some("Fay Wray".into()),
        email: Some("fay@example.invalid".into()),
        ..Default::default()
    };
    let me = alice.client.users().update_profile(patch).await.unwrap();
    assert_eq!(me.realname, "Fay Wray");
    let changed = env
        .next(&mut bob.events, |e| match e {
            Event::UserChanged(u) => Some(u),
            _ => None,
        })
        .await;
    assert_eq!(changed.realname, "Fay Wray");

    alice.client.users().set_status("busy").await.unwrap();
    let (user, status) = env
        .next(&mut bob.events, |e| match e {
            Event::Presence { user, status } if status == "busy" => Some((user, status)),
            _ => None,
        })
        .await;
    assert_eq!((user, status.as_str()), (alice.id, "busy"));

    assert_eq!(alice.client.users().settings().await.unwrap(), "{}");
    alice
        .client
        .users()
        .set_settings(r#"{"theme":"dark"}"#)
        .await
        .unwrap();
    let settings: serde_json::Value =
        serde_json::from_str(&alice.client.users().settings().await.unwrap()).unwrap();
    assert_eq!(settings, json!({"theme": "dark"}));
    assert!(matches!(
        alice.client.users().set_settings("not json").await,
        Err(Error::InvalidInput(_))
    ));
    alice.client.close().await;
    bob.client.close().await;
}

async fn files(env: Env) {
    let (alice, bob) = env.friends("hal", "ida").await;
    let chat = alice
        .client
        .chats()
        .create_group("files", &[bob.id], false)
        .await
        .unwrap();
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let uploaded = alice
        .client
        .files()
        .upload(&chat.gid, "data.bin", bytes.clone())
        .await
        .unwrap();
    assert_eq!(uploaded.name, "data.bin");
    let listed = bob.client.files().list(&chat.gid).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, bytes.len() as i64);
    assert_eq!(
        bob.client.files().download(uploaded.id).await.unwrap(),
        bytes
    );

    let outsider = env.client();
    outsider.auth().register("jo", PASSWORD).await.unwrap();
    outsider.auth().login("jo", PASSWORD).await.unwrap();
    assert!(matches!(
        outsider.files().download(uploaded.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        outsider
            .files()
            .upload(&chat.gid, "x.txt", b"x".to_vec())
            .await,
        Err(Error::Forbidden(_))
    ));
    // A file that does not exist answers like one the caller may not download.
    assert!(matches!(
        alice.client.files().download(987_654).await,
        Err(Error::Forbidden(_))
    ));
    for c in [alice.client, bob.client, outsider] {
        c.close().await;
    }
}

async fn friends_and_blocks(env: Env) {
    let (alice, mut bob) = env.pair("lee", "max").await;
    // Not friends yet: a direct message is accepted but dropped.
    let dropped = alice
        .client
        .messages()
        .send_text(Target::User(bob.id), "psst")
        .await
        .unwrap();
    assert_eq!(dropped.id, None);
    assert!(!alice.client.friends().ask(bob.id).await.unwrap());
    assert_eq!(
        bob.client.friends().requests().await.unwrap(),
        vec![alice.id]
    );
    assert!(bob.client.friends().ask(alice.id).await.unwrap());
    assert_eq!(alice.client.friends().list().await.unwrap(), vec![bob.id]);
    let kept = alice
        .client
        .messages()
        .send_text(Target::User(bob.id), "friends now")
        .await
        .unwrap();
    assert!(kept.id.is_some());
    assert_eq!(
        env.message(&mut bob.events).await.content.body(),
        "friends now"
    );

    bob.client.friends().block(alice.id).await.unwrap();
    assert_eq!(
        bob.client.friends().blocked().await.unwrap(),
        vec![alice.id]
    );
    let blocked = alice
        .client
        .messages()
        .send_text(Target::User(bob.id), "hello?")
        .await
        .unwrap();
    assert_eq!(blocked.id, None);
    bob.client.friends().unblock(alice.id).await.unwrap();
    assert!(bob.client.friends().blocked().await.unwrap().is_empty());
    alice.client.friends().remove(bob.id).await.unwrap();
    assert!(alice.client.friends().list().await.unwrap().is_empty());
    assert!(matches!(
        alice.client.friends().ask(alice.id).await,
        Err(Error::InvalidInput(_))
    ));
    alice.client.close().await;
    bob.client.close().await;
}

async fn notifications(env: Env) {
    let (client, mut events, session) = env.user("kim").await;
    env.state(&mut events, chinwag::ConnectionState::Connected)
        .await;
    let server = env.server.clone();
    let body = json!({"notificationType": "orderShipped", "content": {"order": 42}});
    let query = format!("type=unicast&to={}", session.user_id);
    assert_eq!(server.notify(&query, body), 200);
    let n = env
        .next(&mut events, |e| match e {
            Event::Notification(n) => Some(n),
            _ => None,
        })
        .await;
    assert_eq!(n.kind, "orderShipped");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&n.content).unwrap(),
        json!({"order": 42})
    );
    client.close().await;
}
