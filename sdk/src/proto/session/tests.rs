//! The session's rules, one scripted case each: a simulated clock, the peer's frames and
//! answers written out, no sleeps and no network.

use std::time::Duration;

use chinwag_wire::ext::{SyncData, SyncQuery};

use super::*;

const HEARTBEAT: Duration = Duration::from_secs(15);

fn settings() -> Settings {
    Settings {
        heartbeat_interval: HEARTBEAT,
        backoff: Backoff {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(30),
        },
        sync_page: 2,
        received_delay: RECEIVED_DELAY,
        send_window: 4,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// User 1's session, seeded with `seed`.
fn machine(seed: u64) -> SessionMachine<u32> {
    SessionMachine::new(settings(), seed)
}

/// A message frame from user 2 to user 1 with server id `id`.
pub(super) fn message(id: i64) -> String {
    format!(
        r#"{{"type":"unicast","senderId":"2","receiverId":"1","content":"m{id}","timestamp":{id},"id":"{id}","gid":"p{id}"}}"#
    )
}

pub(super) fn ack(gid: &str, id: i64) -> String {
    format!(r#"{{"type":"ACK","gid":"{gid}","id":"{id}","timestamp":{id}}}"#)
}

/// A catch-up page holding messages `ids`.
pub(super) fn page(ids: &[i64], cursor: i64, more: bool) -> SyncData {
    SyncData {
        messages: ids
            .iter()
            .map(|&id| serde_json::from_str(&message(id)).unwrap())
            .collect(),
        cursor,
        more,
    }
}

fn actions<W>(m: &mut SessionMachine<W>) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn transmits<W>(m: &mut SessionMachine<W>) -> Vec<String> {
    std::iter::from_fn(|| m.poll_transmit()).collect()
}

fn events<W>(m: &mut SessionMachine<W>) -> Vec<Event> {
    m.poll_events()
}

fn message_ids(events: &[Event]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.id),
            _ => None,
        })
        .collect()
}

fn completions(m: &mut SessionMachine<u32>) -> Vec<(u32, Result<SentMessage, Error>)> {
    std::iter::from_fn(|| m.poll_completion())
        .map(|c| (c.waiter, c.outcome))
        .collect()
}

fn sync(after: Option<i64>) -> Action {
    Action::Sync(SyncQuery {
        after,
        limit: Some(2),
    })
}

/// A session resumed after message 10 and open at `now` (outputs drained).
pub(crate) fn open(now: Duration) -> SessionMachine<u32> {
    let mut m = machine(7);
    m.resume_from(Some(10));
    m.start(1);
    assert_eq!(actions(&mut m), vec![Action::Connect]);
    m.handle_connected(now);
    assert_eq!(actions(&mut m), vec![sync(Some(10))]);
    m.handle_sync(now, Ok(page(&[], 10, false)));
    assert_eq!(m.connection_state(), ConnectionState::Connected);
    events(&mut m);
    transmits(&mut m);
    m
}

/// Fires the backoff timer after a lost link and connects; returns the time it fired.
fn reconnect(m: &mut SessionMachine<u32>) -> Duration {
    let at = m.poll_timeout().expect("a reconnect is scheduled");
    m.handle_timeout(at);
    m.handle_connected(at);
    at
}

/// Sends `gid` with frame `F<gid>`; true if it can go out now.
pub(crate) fn send(m: &mut SessionMachine<u32>, gid: &str, waiter: u32) -> bool {
    m.send(gid.into(), format!("F{gid}"), waiter)
}

#[test]
fn a_first_start_learns_the_servers_cursor_before_opening_a_socket() {
    let mut m = machine(1);
    m.start(1);
    assert_eq!(
        events(&mut m),
        vec![Event::Connection(ConnectionState::Connecting)]
    );
    assert_eq!(actions(&mut m), vec![sync(None)]);
    // The server starts this user after message 40 and has nothing newer.
    m.handle_sync(ms(5), Ok(page(&[], 40, false)));
    assert_eq!(actions(&mut m), vec![Action::Connect]);
    m.handle_connected(ms(9));
    assert_eq!(actions(&mut m), vec![sync(Some(40))]);
    m.handle_sync(ms(12), Ok(page(&[41], 41, false)));
    let got = events(&mut m);
    assert_eq!(message_ids(&got), vec![41]);
    assert!(got.contains(&Event::Connection(ConnectionState::Connected)));
    assert_eq!(m.poll_timeout(), Some(ms(12) + HEARTBEAT));
}

#[test]
fn catch_up_overlapping_live_frames_hands_each_message_over_once_in_order() {
    let mut m = machine(1);
    m.resume_from(Some(10));
    m.start(1);
    actions(&mut m);
    m.handle_connected(ms(1));
    actions(&mut m);
    // Live frames arrive while the pages are fetched: they wait.
    m.handle_frame(ms(2), &message(12));
    m.handle_frame(ms(2), &message(13));
    assert_eq!(message_ids(&events(&mut m)), Vec::<i64>::new());
    m.handle_sync(ms(3), Ok(page(&[11, 12], 12, true)));
    assert_eq!(actions(&mut m), vec![sync(Some(12))]);
    m.handle_frame(ms(4), &message(15));
    m.handle_sync(ms(5), Ok(page(&[13, 14], 14, false)));
    assert_eq!(message_ids(&events(&mut m)), vec![11, 12, 13, 14, 15]);
    // Open now: live frames go straight through, and old ones are dropped.
    m.handle_frame(ms(6), &message(16));
    m.handle_frame(ms(6), &message(14));
    assert_eq!(message_ids(&events(&mut m)), vec![16]);
    assert_eq!(m.cursor(), Some(16));
}

#[test]
fn sends_go_out_when_open_and_again_after_a_reconnect_with_the_same_gids() {
    let mut m = machine(3);
    m.resume_from(Some(10));
    send(&mut m, "a", 1);
    m.start(1);
    actions(&mut m);
    assert!(
        transmits(&mut m).is_empty(),
        "nothing is written before the link is open"
    );
    m.handle_connected(ms(1));
    m.handle_sync(ms(2), Ok(page(&[], 10, false)));
    actions(&mut m);
    send(&mut m, "b", 2);
    // On open: the outbox, then where the app is (it resumed after 10), then the new send.
    let received = r#"{"type":"RECEIVED","upTo":"10"}"#;
    assert_eq!(transmits(&mut m), vec!["Fa", received, "Fb"]);
    assert!(transmits(&mut m).is_empty(), "written once per link");
    m.handle_frame(ms(3), &ack("a", 20));
    m.handle_closed(ms(4), Error::Network("reset".into()));
    let Some(deadline) = m.poll_timeout() else {
        panic!("a reconnect is scheduled")
    };
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    m.handle_timeout(deadline);
    assert_eq!(actions(&mut m), vec![Action::Connect]);
    m.handle_connected(deadline);
    m.handle_sync(deadline, Ok(page(&[], 10, false)));
    assert_eq!(
        transmits(&mut m),
        vec!["Fb", received],
        "the unacknowledged one, same gid"
    );
    assert_eq!(m.pending(), vec!["b"]);
}

#[test]
fn acks_out_of_order_and_duplicated_complete_each_send_once() {
    let mut m = open(ms(0));
    for (gid, w) in [("a", 1), ("b", 2), ("c", 3)] {
        send(&mut m, gid, w);
    }
    transmits(&mut m);
    m.handle_frame(ms(1), &ack("c", 23));
    m.handle_frame(ms(1), &ack("a", 21));
    m.handle_frame(ms(1), &ack("a", 21));
    m.handle_frame(ms(1), &ack("zz", 99));
    m.handle_frame(
        ms(1),
        r#"{"type":"ERROR","code":403,"message":"not a member","gid":"b"}"#,
    );
    let done = completions(&mut m);
    let order: Vec<u32> = done.iter().map(|(w, _)| *w).collect();
    assert_eq!(order, vec![3, 1, 2]);
    assert_eq!(done[0].1.as_ref().unwrap().id, Some(23));
    assert_eq!(done[2].1, Err(Error::Forbidden("not a member".into())));
    assert!(m.pending().is_empty());
}

#[test]
fn a_silent_link_is_declared_dead_after_one_unanswered_heartbeat() {
    let mut m = open(ms(0));
    m.handle_timeout(HEARTBEAT - ms(1));
    assert!(transmits(&mut m).is_empty(), "an early timer does nothing");
    m.handle_timeout(HEARTBEAT);
    assert_eq!(transmits(&mut m), vec![r#"{"type":"PING"}"#]);
    // Any frame proves the link alive.
    m.handle_frame(HEARTBEAT + ms(5), r#"{"type":"PONG"}"#);
    m.handle_timeout(HEARTBEAT * 2);
    assert_eq!(transmits(&mut m), vec![r#"{"type":"PING"}"#]);
    assert_eq!(m.connection_state(), ConnectionState::Connected);
    // Silence for a whole interval after a PING: dead.
    m.handle_timeout(HEARTBEAT * 3);
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    assert!(matches!(
        m.connection_state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
    assert!(matches!(m.last_error(), Some(Error::Network(e)) if e.contains("heartbeat")));
}

#[test]
fn backoff_delays_stay_under_the_doubling_ceiling_are_jittered_and_reset_on_success() {
    let delays = |seed: u64| -> Vec<u64> {
        let mut m = machine(seed);
        m.resume_from(Some(1));
        m.start(1);
        let mut now = ms(0);
        let mut out = Vec::new();
        for _ in 0..8 {
            m.handle_connect_failed(now, Error::Network("refused".into()));
            let ConnectionState::Reconnecting {
                attempt,
                retry_in_ms,
            } = m.connection_state()
            else {
                panic!("reconnecting")
            };
            let ceiling = settings().backoff.ceiling(attempt).as_millis() as u64;
            assert!(retry_in_ms <= ceiling, "{retry_in_ms} > {ceiling}");
            assert_eq!(m.poll_timeout(), Some(now + ms(retry_in_ms)));
            now += ms(retry_in_ms);
            m.handle_timeout(now);
            out.push(retry_in_ms);
        }
        // A success resets the count: the next failure is attempt 1 again.
        m.handle_connected(now);
        m.handle_sync(now, Ok(page(&[], 1, false)));
        m.handle_closed(now, Error::Network("reset".into()));
        assert!(matches!(
            m.connection_state(),
            ConnectionState::Reconnecting { attempt: 1, .. }
        ));
        out
    };
    let (a, b) = (delays(1), delays(2));
    assert_eq!(a, delays(1), "the same seed, the same delays");
    assert_ne!(a, b, "jitter differs between clients");
    assert!(a[7] > 250 || b[7] > 250, "later ceilings are larger");
}

#[test]
fn a_kick_mid_flush_ends_the_session_and_fails_every_waiting_send() {
    let mut m = open(ms(0));
    send(&mut m, "a", 1);
    send(&mut m, "b", 2);
    assert_eq!(transmits(&mut m).len(), 2);
    send(&mut m, "c", 3);
    m.handle_frame(ms(1), r#"{"type":"KICKED","reason":"logged out"}"#);
    assert_eq!(
        events(&mut m),
        vec![
            Event::Kicked {
                reason: "logged out".into()
            },
            Event::Connection(ConnectionState::Disconnected)
        ]
    );
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    let done = completions(&mut m);
    assert_eq!(done.len(), 3);
    assert!(done.iter().all(|(_, r)| matches!(r, Err(Error::Auth(_)))));
    assert_eq!(m.ended(), Some(&Ended::Kicked("logged out".into())));
    assert_eq!(m.poll_timeout(), None);
    assert!(transmits(&mut m).is_empty(), "c is never written");
    // Nothing moves a finished session.
    m.handle_frame(ms(2), &message(30));
    m.handle_timeout(ms(100_000));
    assert!(events(&mut m).is_empty() && actions(&mut m).is_empty());
}

#[test]
fn a_revoked_token_at_connect_ends_the_session_instead_of_retrying() {
    let mut m = machine(1);
    m.resume_from(Some(3));
    m.start(1);
    actions(&mut m);
    m.handle_connect_failed(ms(1), Error::Auth("invalid or revoked token".into()));
    assert_eq!(
        m.ended(),
        Some(&Ended::Kicked("invalid or revoked token".into()))
    );
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn stop_with_sends_pending_tells_what_was_received_and_fails_the_sends() {
    let mut m = open(ms(0));
    m.handle_frame(ms(1), &message(11));
    events(&mut m);
    assert!(m.app_received(11, ms(2)));
    send(&mut m, "a", 1);
    m.stop(Error::Closed);
    assert_eq!(
        transmits(&mut m),
        vec![
            "Fa".to_string(),
            r#"{"type":"RECEIVED","upTo":"11"}"#.into()
        ]
    );
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    assert_eq!(completions(&mut m), vec![(1, Err(Error::Closed))]);
    assert_eq!(m.ended(), Some(&Ended::Stopped));
    assert_eq!(m.connection_state(), ConnectionState::Disconnected);
}

#[test]
fn received_is_told_once_per_delay_for_everything_pulled_meanwhile() {
    let mut m = open(ms(0));
    assert!(m.app_received(11, ms(10)));
    assert!(m.app_received(12, ms(60)));
    assert!(!m.app_received(12, ms(70)), "not news");
    assert_eq!(m.poll_timeout(), Some(ms(210)));
    m.handle_timeout(ms(209));
    assert!(transmits(&mut m).is_empty());
    m.handle_timeout(ms(210));
    assert_eq!(
        transmits(&mut m),
        vec![r#"{"type":"RECEIVED","upTo":"12"}"#]
    );
    assert_eq!(m.poll_timeout(), Some(HEARTBEAT));
    // After a reconnect the new link is told at once.
    m.handle_closed(ms(300), Error::Network("reset".into()));
    let at = reconnect(&mut m);
    m.handle_sync(at, Ok(page(&[], 12, false)));
    assert_eq!(
        transmits(&mut m),
        vec![r#"{"type":"RECEIVED","upTo":"12"}"#]
    );
}

#[test]
fn a_server_that_answers_garbage_does_not_move_the_session() {
    let mut m = open(ms(0));
    send(&mut m, "a", 1);
    transmits(&mut m);
    for junk in [
        "nope",
        "",
        "[]",
        r#"{"type":"ACK"}"#,
        r#"{"type":"unicast","senderId":"x"}"#,
        r#"{"type":"FUTURE","x":1}"#,
        r#"{"type":"unicast","senderId":"2","receiverId":"1","content":"no id","timestamp":1}"#,
    ] {
        m.handle_frame(ms(1), junk);
    }
    assert!(events(&mut m).is_empty());
    assert!(completions(&mut m).is_empty());
    assert_eq!(m.pending(), vec!["a"]);
    assert_eq!(m.connection_state(), ConnectionState::Connected);
}

#[test]
fn a_catch_up_page_that_promises_more_but_moves_nothing_is_a_lost_link() {
    let mut m = machine(1);
    m.resume_from(Some(10));
    m.start(1);
    m.handle_connected(ms(0));
    actions(&mut m);
    m.handle_sync(ms(1), Ok(page(&[9, 10], 10, true)));
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    assert!(matches!(m.last_error(), Some(Error::Server(_))));
}

#[test]
fn answers_from_an_abandoned_link_are_ignored() {
    let mut m = open(ms(0));
    m.handle_closed(ms(1), Error::Network("reset".into()));
    events(&mut m);
    actions(&mut m);
    m.handle_sync(ms(2), Ok(page(&[11], 11, false)));
    m.handle_frame(ms(2), &message(12));
    m.handle_connected(ms(2));
    assert!(events(&mut m).is_empty());
    assert!(actions(&mut m).is_empty());
    assert_eq!(m.cursor(), Some(10));
}

#[test]
fn notifications_and_relayed_pushes_become_events_even_during_a_catch_up() {
    let mut m = machine(1);
    m.resume_from(Some(10));
    m.start(1);
    m.handle_connected(ms(1));
    events(&mut m);
    m.handle_frame(
        ms(2),
        r#"{"type":"NOTIFICATION","notificationType":"news","content":{"a":1}}"#,
    );
    m.handle_frame(
        ms(2),
        r#"{"type":"EVENT","method":"userChangeStatus","data":{"id":7,"account":"a","status":"away"}}"#,
    );
    let got = events(&mut m);
    assert!(
        matches!(&got[0], Event::Notification(n) if n.kind == "news" && n.content == r#"{"a":1}"#),
        "{got:?}"
    );
    assert_eq!(
        got[1],
        Event::Presence {
            user: 7,
            status: "away".into()
        }
    );
}

#[test]
fn a_failed_first_catch_up_backs_off_and_starts_over_without_a_socket() {
    let mut m = machine(5);
    m.start(1);
    assert_eq!(actions(&mut m), vec![sync(None)]);
    m.handle_sync(ms(1), Err(Error::Network("timed out".into())));
    assert_eq!(actions(&mut m), vec![Action::Disconnect]);
    let at = m.poll_timeout().unwrap();
    m.handle_timeout(at);
    assert_eq!(
        actions(&mut m),
        vec![sync(None)],
        "still no cursor: ask again"
    );
    // A revoked token on that request ends the session.
    m.handle_sync(at, Err(Error::Auth("invalid or revoked token".into())));
    assert!(matches!(m.ended(), Some(Ended::Kicked(_))));
}

#[test]
fn at_most_a_window_of_sends_waits_for_answers_and_a_resend_keeps_to_it_too() {
    let mut m = open(ms(0));
    let now: Vec<bool> = ["a", "b", "c", "d", "e", "f"]
        .into_iter()
        .enumerate()
        .map(|(i, gid)| send(&mut m, gid, i as u32))
        .collect();
    // The window is 4: a burst cannot flood the server's queue of answers for this socket,
    // and the sends beyond it need no turn of the driver (an answer will make room).
    assert_eq!(now, [true, true, true, true, false, false]);
    assert_eq!(transmits(&mut m), vec!["Fa", "Fb", "Fc", "Fd"]);
    m.handle_frame(ms(1), &ack("b", 20));
    assert_eq!(
        transmits(&mut m),
        vec!["Fe"],
        "one answer lets one more out"
    );
    m.handle_closed(ms(2), Error::Network("reset".into()));
    let at = reconnect(&mut m);
    m.handle_sync(at, Ok(page(&[], 10, false)));
    let resent = transmits(&mut m);
    assert_eq!(
        resent[..4],
        ["Fa", "Fc", "Fd", "Fe"],
        "the oldest four again, same gids"
    );
    for (gid, id) in [("a", 21), ("c", 22), ("d", 23), ("e", 24)] {
        m.handle_frame(at, &ack(gid, id));
    }
    assert_eq!(transmits(&mut m), vec!["Ff"]);
    m.handle_frame(at, &ack("f", 25));
    assert_eq!(completions(&mut m).len(), 6);
    assert!(m.pending().is_empty());
}

#[test]
fn a_send_not_yet_written_can_be_discarded_and_one_on_its_way_cannot() {
    let mut m = machine(4);
    m.resume_from(Some(10));
    send(&mut m, "a", 1);
    send(&mut m, "b", 2);
    // Offline: nothing is written, either can be taken back.
    assert_eq!(m.discard("a"), Ok(true));
    assert_eq!(m.discard("a"), Ok(false), "once");
    let done = completions(&mut m);
    assert_eq!(done.len(), 1);
    assert!(matches!(&done[0], (1, Err(Error::InvalidInput(why))) if why.contains("discarded")));
    m.start(1);
    actions(&mut m);
    m.handle_connected(ms(1));
    m.handle_sync(ms(2), Ok(page(&[], 10, false)));
    assert_eq!(transmits(&mut m)[0], "Fb", "only b goes out");
    assert!(
        matches!(m.discard("b"), Err(Error::InvalidInput(_))),
        "b is on its way"
    );
    assert_eq!(m.pending(), vec!["b"]);
}

#[test]
fn sends_made_while_backing_off_go_out_once_the_next_link_is_caught_up() {
    let mut m = open(ms(0));
    m.handle_closed(ms(1), Error::Network("reset".into()));
    actions(&mut m);
    assert!(!send(&mut m, "a", 1), "nothing to write without a link");
    assert!(transmits(&mut m).is_empty());
    let at = reconnect(&mut m);
    assert!(transmits(&mut m).is_empty(), "not during the catch-up");
    m.handle_sync(at, Ok(page(&[], 10, false)));
    assert_eq!(transmits(&mut m)[0], "Fa");
}

#[test]
fn starting_again_drops_the_old_link_and_opens_a_new_one() {
    let mut m = open(ms(0));
    m.start(1);
    assert_eq!(actions(&mut m), vec![Action::Disconnect, Action::Connect]);
    assert_eq!(m.ended(), None);
    // Stopping a session that never started asks for nothing.
    let mut idle = machine(1);
    idle.stop(Error::Closed);
    assert!(actions(&mut idle).is_empty());
    assert_eq!(idle.ended(), Some(&Ended::Stopped));
}

#[test]
fn what_the_app_pulled_while_offline_is_told_as_soon_as_the_link_opens() {
    let mut m = open(ms(0));
    m.handle_frame(ms(1), &message(11));
    m.handle_closed(ms(2), Error::Network("reset".into()));
    assert!(m.app_received(11, ms(3)));
    let at = m.poll_timeout().unwrap();
    m.handle_timeout(at.max(ms(300)));
    assert!(transmits(&mut m).is_empty(), "no link: nothing written");
    m.handle_connected(at);
    m.handle_sync(at, Ok(page(&[], 11, false)));
    assert_eq!(
        transmits(&mut m),
        vec![r#"{"type":"RECEIVED","upTo":"11"}"#]
    );
}

#[test]
fn a_send_the_server_failed_to_store_waits_and_goes_out_again_on_the_next_link() {
    let mut m = open(ms(0));
    send(&mut m, "a", 1);
    transmits(&mut m);
    m.handle_frame(
        ms(1),
        r#"{"type":"ERROR","code":500,"message":"internal server error; please retry","gid":"a"}"#,
    );
    assert!(
        completions(&mut m).is_empty(),
        "not failed: nothing was stored"
    );
    assert_eq!(m.pending(), vec!["a"]);
    m.handle_closed(ms(2), Error::Network("the server stopped".into()));
    let at = reconnect(&mut m);
    m.handle_sync(at, Ok(page(&[], 10, false)));
    assert_eq!(transmits(&mut m)[0], "Fa");
    m.handle_frame(at, &ack("a", 31));
    assert_eq!(completions(&mut m)[0].1.as_ref().unwrap().id, Some(31));
}

#[test]
fn an_updated_message_is_handed_over_as_an_update_once_seen_and_as_new_before() {
    let mut m = open(ms(0));
    m.handle_frame(ms(1), &message(11));
    let update = |id: i64, body: &str| {
        format!(
            r#"{{"type":"unicast","senderId":"2","receiverId":"1","content":"{body}","timestamp":{id},"id":"{id}","gid":"p{id}","contentType":"file","updated":true}}"#
        )
    };
    // Message 11 was handed over: its update comes as one, with the new content.
    m.handle_frame(ms(2), &update(11, "done"));
    // Message 12 was not: its "update" is the message, new.
    m.handle_frame(ms(3), &update(12, "first seen"));
    let got = events(&mut m);
    assert_eq!(message_ids(&got), vec![11, 12]);
    let updates: Vec<_> = got
        .iter()
        .filter_map(|e| match e {
            Event::MessageUpdated(u) => Some((u.id, u.content.body().to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(updates, vec![(11, "done".to_string())]);
    // A plain repeat of a message seen stays dropped.
    m.handle_frame(ms(4), &message(11));
    assert!(events(&mut m).is_empty());
}
