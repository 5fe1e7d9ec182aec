//! A benchmark's starting state, written straight into a fresh database before the server
//! starts: users with tokens (no password hashing per user, no login round trips),
//! friendships and group chats. Clients then restore sessions from the tokens.

use std::path::PathBuf;

use chinwag::{Client, Session};
use chinwag_server::db::Db;
use chinwag_server::store::chats::{self, GROUP, NewChat};
use chinwag_server::store::{social, users};
use rusqlite::Connection;

use crate::Fallible;
use crate::server::{ServerProcess, Topology};

/// One seeded account.
#[derive(Debug, Clone)]
pub struct Account {
    /// User id.
    pub id: i64,
    /// Account name.
    pub name: String,
    /// A valid token.
    pub token: String,
}

impl Account {
    /// The SDK session of this account.
    pub fn session(&self) -> Session {
        Session {
            token: self.token.clone(),
            user_id: self.id,
            name: self.name.clone(),
            cursor: None,
        }
    }
}

/// A seeded database in a temporary folder.
pub struct World {
    _dir: tempfile::TempDir,
    /// The database file.
    pub db: PathBuf,
    /// The accounts, in creation order.
    pub accounts: Vec<Account>,
}

impl World {
    /// `users` accounts; then `setup` (friendships, groups) in the same transaction, whose
    /// result (the ids it made) comes back beside the world.
    pub async fn seed<T, F>(users: usize, setup: F) -> Fallible<(World, T)>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &[Account]) -> chinwag_server::error::ApiResult<T> + Send + 'static,
    {
        let dir = tempfile::tempdir()?;
        let db_path = dir.path().join("bench.db");
        let db = Db::open(db_path.to_str().ok_or("path")?)?;
        let hash = chinwag_server::auth::hash_password(
            "bench-password",
            &mut chinwag_server::auth::Scratch::default(),
        )?;
        let (accounts, made) = db
            .tx(move |tx| {
                let mut accounts = Vec::with_capacity(users);
                for i in 0..users {
                    let name = format!("u{i}");
                    let row = users::create(tx, &name, &hash)?;
                    let token = users::issue_token(tx, row.id)?;
                    accounts.push(Account {
                        id: row.id,
                        name,
                        token,
                    });
                }
                let made = setup(tx, &accounts)?;
                Ok((accounts, made))
            })
            .await?;
        drop(db);
        let world = World {
            _dir: dir,
            db: db_path,
            accounts,
        };
        Ok((world, made))
    }

    /// Starts chinwag-server on this database.
    pub async fn serve(&self) -> Fallible<ServerProcess> {
        ServerProcess::start(Some(&self.db)).await
    }

    /// [`World::serve`] in `topology`.
    pub async fn serve_in(&self, topology: Topology) -> Fallible<ServerProcess> {
        match topology {
            Topology::One => self.serve().await,
            Topology::Split => ServerProcess::start_split(&self.db).await,
        }
    }
}

/// Makes `a` and `b` friends.
pub fn befriend(conn: &Connection, a: i64, b: i64) -> chinwag_server::error::ApiResult<()> {
    social::ask_friend(conn, a, b)?;
    social::ask_friend(conn, b, a)?;
    Ok(())
}

/// A group chat created by `members[0]` with all of `members`; returns its id.
pub fn group(
    conn: &Connection,
    name: &str,
    members: &[i64],
) -> chinwag_server::error::ApiResult<i64> {
    let gid = format!("bench-{name}");
    let new = NewChat {
        gid: &gid,
        name,
        kind: GROUP,
        ..Default::default()
    };
    Ok(chats::create(conn, &new, members[0], &members[1..])?.id)
}

/// An SDK client logged in as `account` (restored from its token), connected.
pub async fn sdk_client(addr: &str, account: &Account) -> Fallible<Client> {
    sdk_client_on(addr, account, None).await
}

/// An SDK client logged in as `account`, keeping its outbox in the SQLite file `store` if given.
pub async fn sdk_client_on(
    addr: &str,
    account: &Account,
    store: Option<&std::path::Path>,
) -> Fallible<Client> {
    let mut builder = Client::builder(format!("http://{addr}"));
    if let Some(store) = store {
        builder = builder.store_path(store);
    }
    let client = builder.build()?;
    client.auth().restore(account.session()).await?;
    Ok(client)
}
