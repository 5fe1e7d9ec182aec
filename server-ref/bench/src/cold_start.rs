//! Cold start of an app with 1,000 chats: the time from "the app starts" to "the chat list is
//! on screen". Chinwag: a client built on its SQLite store shows the list it kept (no
//! network). Baseline: the same client without a store restores the session and asks the
//! server for the list, as every app had to before the store.

use std::time::Instant;

use chinwag::Client;

use crate::stats::{Better, Measure};
use crate::world::{World, group, sdk_client_on};
use crate::{Fallible, progress};

/// `chats` chats, each start measured `runs` times; medians.
pub async fn cold_start(chats: usize, runs: usize) -> Fallible<Vec<Measure>> {
    progress(&format!("cold start: seeding a user in {chats} chats"));
    let (world, ()) = World::seed(2, move |conn, a| {
        for i in 0..chats {
            group(conn, &format!("cold{i}"), &[a[0].id, a[1].id])?;
        }
        Ok(())
    })
    .await?;
    let server = world.serve().await?;
    let url = format!("http://{}", server.addr);
    let account = &world.accounts[0];
    let dir = tempfile::tempdir()?;
    let store = dir.path().join("app.db");
    {
        // A first run fills the store.
        let app = sdk_client_on(&server.addr, account, Some(&store)).await?;
        let listed = app.chats().list().await?.len();
        if listed != chats {
            return Err(format!("the server listed {listed} chats, not {chats}").into());
        }
        app.close().await;
    }

    let mut from_store = Vec::new();
    let mut from_server = Vec::new();
    for run in 1..=runs {
        progress(&format!(
            "cold start {run}/{runs}: from the store, then from the server"
        ));
        let started = Instant::now();
        let app = Client::builder(url.as_str()).store_path(&store).build()?;
        let shown = app.chats().cached().len();
        from_store.push(started.elapsed().as_secs_f64() * 1e3);
        app.close().await;

        let started = Instant::now();
        let app = Client::builder(url.as_str()).build()?;
        app.auth().restore(account.session()).await?;
        let fetched = app.chats().list().await?.len();
        from_server.push(started.elapsed().as_secs_f64() * 1e3);
        app.close().await;
        if shown != chats || fetched != chats {
            return Err(format!("shown {shown}, fetched {fetched}, of {chats} chats").into());
        }
    }
    server.stop().await;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok(vec![Measure::new(
        format!("cold start: chat list of {chats} shown (store ← server)"),
        "ms",
        median(&mut from_store),
        median(&mut from_server),
        Better::Lower,
        "",
    )])
}
