//! `chat-cli`: an interactive terminal client for a running Chinwag server.
//!
//! ```text
//! cargo run -p chinwag-examples --bin chat-cli -- http://127.0.0.1:8080
//! ```
//!
//! Type `/help` for the commands. Incoming messages, notifications and connection changes are
//! printed as they arrive; any other line is sent to the open chat.

use chinwag::{Chat, Client, Content, Event, Target};
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};

const HELP: &str = "commands:
  /register NAME PASSWORD   create an account
  /login NAME PASSWORD      log in and connect
  /chats                    list your chats
  /open N                   open chat number N of /chats
  /to USER_ID               open the direct chat with a user
  /group GROUP_ID           open a group chat
  /friend USER_ID           ask a user to be friends
  /history                  the open chat's latest messages
  /quit                     leave
  anything else             is sent to the open chat";

#[tokio::main]
async fn main() {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let client = match Client::builder(&server).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(2);
        }
    };
    println!("chat-cli for {server} — /help for commands");
    let mut events = client.events();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut cli = Cli {
        client: client.clone(),
        chats: Vec::new(),
        open: None,
    };
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    if !cli.handle(line.trim()).await {
                        break;
                    }
                }
                _ => break,
            },
            Some(event) = events.next() => print_event(event),
        }
    }
    client.close().await;
}

struct Cli {
    client: Client,
    chats: Vec<Chat>,
    open: Option<(Target, Option<Chat>)>,
}

impl Cli {
    /// Handles one input line; false to quit.
    async fn handle(&mut self, line: &str) -> bool {
        let words: Vec<&str> = line.split_whitespace().collect();
        let result = match words.as_slice() {
            [] => Ok(()),
            ["/quit"] | ["/exit"] => return false,
            ["/help"] => {
                println!("{HELP}");
                Ok(())
            }
            ["/register", name, password] => self
                .client
                .auth()
                .register(name, password)
                .await
                .map(|id| println!("registered {name} as user {id}")),
            ["/login", name, password] => self
                .client
                .auth()
                .login(name, password)
                .await
                .map(|s| println!("logged in as {} (user {})", s.name, s.user_id)),
            ["/chats"] => self.list_chats().await,
            ["/open", n] => self.open_numbered(n),
            ["/to", id] => self.open_target(id.parse().map(Target::User)),
            ["/group", id] => self.open_target(id.parse().map(Target::Group)),
            ["/friend", id] => match id.parse() {
                Ok(id) => self
                    .client
                    .friends()
                    .ask(id)
                    .await
                    .map(|f| println!("asked user {id}; friends now: {f}")),
                Err(_) => say("/friend needs a user id"),
            },
            ["/history"] => self.history().await,
            [cmd, ..] if cmd.starts_with('/') => say(&format!("unknown command {cmd}; /help")),
            _ => self.send(line).await,
        };
        if let Err(e) = result {
            println!("! {e}");
        }
        true
    }

    async fn list_chats(&mut self) -> chinwag::Result<()> {
        self.chats = self.client.chats().list().await?;
        for (i, chat) in self.chats.iter().enumerate() {
            let name = if chat.name.is_empty() {
                &chat.gid
            } else {
                &chat.name
            };
            println!("  {i}: {name} ({}, id {})", chat.kind, chat.id);
        }
        if self.chats.is_empty() {
            println!("  no chats yet: /to USER_ID starts one");
        }
        Ok(())
    }

    fn open_numbered(&mut self, n: &str) -> chinwag::Result<()> {
        let me = self.client.user_id().unwrap_or_default();
        match n.parse::<usize>().ok().and_then(|i| self.chats.get(i)) {
            Some(chat) => {
                println!(
                    "opened {}",
                    if chat.name.is_empty() {
                        &chat.gid
                    } else {
                        &chat.name
                    }
                );
                self.open = Some((Target::of_chat(chat, me), Some(chat.clone())));
            }
            None => println!("no chat {n}: run /chats first"),
        }
        Ok(())
    }

    fn open_target(
        &mut self,
        target: Result<Target, std::num::ParseIntError>,
    ) -> chinwag::Result<()> {
        match target {
            Ok(target) => {
                println!("opened {target:?}");
                self.open = Some((target, None));
            }
            Err(_) => println!("that needs a number"),
        }
        Ok(())
    }

    async fn history(&mut self) -> chinwag::Result<()> {
        let Some((target, chat)) = self.open.clone() else {
            println!("open a chat first");
            return Ok(());
        };
        let chat = match (chat, target) {
            (Some(chat), _) => chat,
            (None, Target::User(id)) => self.client.chats().open_direct(id).await?,
            (None, Target::Group(id)) => {
                let chats = self.client.chats().list().await?;
                match chats.into_iter().find(|c| c.id == id) {
                    Some(chat) => chat,
                    None => return say(&format!("not a member of group {id}")),
                }
            }
        };
        let page = self.client.chats().history(&chat, 1, 20).await?;
        for m in page.messages {
            println!("  [{}] user {}: {}", m.id, m.sender, m.content.body());
        }
        Ok(())
    }

    async fn send(&mut self, text: &str) -> chinwag::Result<()> {
        let Some((target, _)) = self.open.clone() else {
            println!("open a chat first (/chats, /open N, /to USER_ID, /group GROUP_ID)");
            return Ok(());
        };
        let sent = self
            .client
            .messages()
            .send(target, Content::Text(text.to_string()))
            .await?;
        match sent.id {
            Some(id) => println!("  sent (message {id})"),
            None => println!("  not delivered: you are not friends, or you are blocked"),
        }
        Ok(())
    }
}

/// Prints a line for the user.
fn say(text: &str) -> chinwag::Result<()> {
    println!("{text}");
    Ok(())
}

fn print_event(event: Event) {
    match event {
        Event::Message(m) => println!("<< {:?} user {}: {}", m.chat, m.sender, m.content.body()),
        Event::MessageUpdated(m) => println!("<< message {} now: {}", m.id, m.content.body()),
        Event::Notification(n) => println!("<< notification {}: {}", n.kind, n.content),
        Event::ChatChanged { change, chat } => println!("<< chat {} {change:?}", chat.gid),
        Event::MembersChanged { chat } => println!("<< members of {} changed", chat.gid),
        Event::Presence { user, status } => println!("<< user {user} is {status}"),
        Event::UserChanged(u) => println!("<< user {} updated their profile", u.id),
        Event::Kicked { reason } => println!("<< session ended by the server: {reason}"),
        Event::Connection(state) => println!("-- {state:?}"),
    }
}
