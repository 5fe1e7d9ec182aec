//! Turning relayed xuanxuan pushes (`EVENT` frames) into typed [`Event`]s.

use serde::de::DeserializeOwned;
use serde_json::Value;

use chinwag_wire::ext::EventFrame;

use crate::event::{ChatChange, Event};
use crate::model::{Chat, User};

fn decode<T: DeserializeOwned>(data: Value) -> Option<T> {
    serde_json::from_value(data).ok()
}

/// The event an `EVENT` frame means, if the SDK knows its method.
pub fn from_event_frame(frame: EventFrame) -> Option<Event> {
    let method = frame.method.to_ascii_lowercase();
    let change = match method.as_str() {
        "create" => Some(ChatChange::Created),
        "changename" => Some(ChatChange::Renamed),
        "changepublic" => Some(ChatChange::Visibility),
        "setadmin" => Some(ChatChange::Admins),
        "setcommitters" => Some(ChatChange::Committers),
        _ => None,
    };
    if let Some(change) = change {
        let chat: Chat = decode(frame.data)?;
        return Some(Event::ChatChanged { change, chat });
    }
    match method.as_str() {
        "addmember" | "joinchat" => Some(Event::MembersChanged {
            chat: decode(frame.data)?,
        }),
        "login" | "logout" | "userchangestatus" => {
            let user: User = decode(frame.data)?;
            let status = if method == "logout" {
                "offline".to_string()
            } else {
                user.status
            };
            Some(Event::Presence {
                user: user.id,
                status,
            })
        }
        "userchange" | "userchangename" => Some(Event::UserChanged(decode(frame.data)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn frame(method: &str, data: Value) -> EventFrame {
        EventFrame {
            kind: "EVENT".into(),
            method: method.into(),
            data,
        }
    }

    #[test]
    fn chat_pushes_become_chat_events() {
        let chat =
            value(r#"{"id": 4, "gid": "g", "name": "n", "type": "group", "members": [{"id": 1}]}"#);
        match from_event_frame(frame("changeName", chat.clone())) {
            Some(Event::ChatChanged { change, chat }) => {
                assert_eq!(change, ChatChange::Renamed);
                assert_eq!(chat.id, 4);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            from_event_frame(frame("addMember", chat)),
            Some(Event::MembersChanged { .. })
        ));
    }

    #[test]
    fn status_pushes_become_presence() {
        let user = value(r#"{"id": 7, "account": "a", "status": "online"}"#);
        assert_eq!(
            from_event_frame(frame("logout", user.clone())),
            Some(Event::Presence {
                user: 7,
                status: "offline".into()
            })
        );
        assert_eq!(
            from_event_frame(frame("userChangeStatus", user)),
            Some(Event::Presence {
                user: 7,
                status: "online".into()
            })
        );
        assert_eq!(from_event_frame(frame("unknownThing", value("{}"))), None);
    }
}
