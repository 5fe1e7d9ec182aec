//! The socket's write half between driver turns, so that a send can be written by the app's
//! own thread.
//!
//! The driver writes every frame of its turns. But a send made while the link is open and
//! idle used to wake the driver — a thread wake-up per send at a steady rate, which the raw
//! client does not pay — just to write one frame. Between turns the driver leaves the write
//! half here ([`Parked`]); a send that can go out at once (no store to write first) takes the
//! machine's frames and writes them without waiting (the write half is never waited on from
//! the app's thread). Whatever cannot be finished so — the socket's buffer is full, or the
//! write failed — is left to the driver, woken for it. The driver takes the write half back
//! at the start of each turn, under the same lock as the machine's frames, so frames go out
//! in the machine's order whoever writes them.

use std::task::{Context, Poll};

use futures::task::noop_waker_ref;

use crate::proto::session::SessionMachine;
use crate::runtime::{TransportError, WsSink};

/// The write half while the driver does not hold it, and what the app's thread left for the
/// driver.
#[derive(Default)]
pub(crate) struct Parked {
    pub(super) sink: Option<WsSink>,
    /// Frames were handed to the socket but not all written out: the driver flushes.
    pub(super) unflushed: bool,
    /// A write from the app's thread failed: the driver treats the link as closed.
    pub(super) failed: Option<TransportError>,
}

impl Parked {
    /// Leaves the driver's write half here until its next turn.
    pub(super) fn park(&mut self, sink: Option<WsSink>) {
        self.sink = sink;
    }

    /// Takes everything back for a driver turn: the write half, whether frames wait to be
    /// flushed, and a failed write.
    pub(super) fn reclaim(&mut self) -> Parked {
        std::mem::take(self)
    }

    /// Writes the frames `machine` has now, without waiting. False if the driver must be
    /// woken: the write half is with the driver, the socket's buffer is full, or it failed.
    pub(super) fn write_now<W>(&mut self, machine: &mut SessionMachine<W>) -> bool {
        let Some(sink) = self.sink.as_mut() else {
            return false;
        };
        let mut cx = Context::from_waker(noop_waker_ref());
        let written = loop {
            match sink.as_mut().poll_ready(&mut cx) {
                // The socket's buffer is full: the frames still in the machine and the
                // flush of those handed over are the driver's.
                Poll::Pending => {
                    self.unflushed = true;
                    return false;
                }
                Poll::Ready(Err(e)) => break Err(e),
                Poll::Ready(Ok(())) => {}
            }
            let Some(frame) = machine.poll_transmit() else {
                break Ok(());
            };
            if let Err(e) = sink.as_mut().start_send(frame) {
                break Err(e);
            }
        };
        let flushed = written.and_then(|()| match sink.as_mut().poll_flush(&mut cx) {
            Poll::Ready(done) => done.map(|()| true),
            Poll::Pending => Ok(false),
        });
        match flushed {
            Ok(true) => true,
            Ok(false) => {
                self.unflushed = true;
                false
            }
            Err(e) => {
                // A frame handed over counts as written; the link is lost, and the outbox
                // sends it again on the next one.
                self.sink = None;
                self.failed = Some(e);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures::SinkExt;
    use futures::channel::mpsc;

    use super::*;
    use crate::proto::session::tests::{open, send};

    /// A write half whose frames land in the returned channel (`room`: how many it holds).
    fn socket(room: usize) -> (WsSink, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel(room);
        (Box::pin(tx.sink_map_err(TransportError::new)), rx)
    }

    /// An open session, and `sink` parked for the app's thread.
    fn parked(sink: WsSink) -> (SessionMachine<u32>, Parked) {
        let mut parked = Parked::default();
        parked.park(Some(sink));
        (open(Duration::ZERO), parked)
    }

    fn received(rx: &mut mpsc::Receiver<String>) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    fn left(m: &mut SessionMachine<u32>) -> Vec<String> {
        std::iter::from_fn(|| m.poll_transmit()).collect()
    }

    #[test]
    fn sends_are_written_from_the_callers_thread_in_order() {
        let (sink, mut rx) = socket(8);
        let (mut m, mut parked) = parked(sink);
        assert!(send(&mut m, "a", 1) && send(&mut m, "b", 2));
        assert!(parked.write_now(&mut m), "written, no driver turn needed");
        assert_eq!(received(&mut rx), ["Fa", "Fb"]);
        assert!(left(&mut m).is_empty(), "nothing left for the driver");
        assert!(!parked.unflushed && parked.failed.is_none());
    }

    #[test]
    fn while_the_driver_holds_the_write_half_the_frames_wait_for_it() {
        let (sink, _rx) = socket(8);
        let (mut m, mut parked) = parked(sink);
        let held = parked.reclaim().sink;
        assert!(held.is_some());
        assert!(send(&mut m, "a", 1));
        assert!(!parked.write_now(&mut m), "the driver must be woken");
        assert_eq!(left(&mut m), ["Fa"], "the frame is still the machine's");
    }

    #[test]
    fn a_full_socket_leaves_the_rest_to_the_driver_in_order() {
        // Room for one frame (the channel's own slot for its sender).
        let (sink, mut rx) = socket(0);
        let (mut m, mut parked) = parked(sink);
        for (gid, w) in [("a", 1), ("b", 2), ("c", 3)] {
            assert!(send(&mut m, gid, w));
        }
        assert!(!parked.write_now(&mut m));
        assert_eq!(received(&mut rx), ["Fa"]);
        assert_eq!(
            left(&mut m),
            ["Fb", "Fc"],
            "the driver writes the rest, in order"
        );
        assert!(parked.failed.is_none());
    }

    #[test]
    fn a_failed_write_drops_the_write_half_and_tells_the_driver() {
        let (sink, rx) = socket(8);
        drop(rx);
        let (mut m, mut parked) = parked(sink);
        assert!(send(&mut m, "a", 1));
        assert!(!parked.write_now(&mut m));
        assert!(
            parked.failed.is_some(),
            "fed to the machine as the link closing"
        );
        assert!(
            parked.reclaim().sink.is_none(),
            "the broken socket is not written again"
        );
        assert_eq!(left(&mut m), ["Fa"], "refused before it was taken");
    }

    /// A socket whose buffer takes `room` frames, and that never finishes a flush.
    struct Slow {
        taken: Vec<String>,
        room: usize,
    }

    impl futures::Sink<String> for Slow {
        type Error = TransportError;

        fn poll_ready(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<(), TransportError>> {
            if self.taken.len() < self.room {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }

        fn start_send(
            mut self: std::pin::Pin<&mut Self>,
            frame: String,
        ) -> Result<(), TransportError> {
            self.taken.push(frame);
            Ok(())
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<(), TransportError>> {
            Poll::Pending
        }

        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<(), TransportError>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn frames_the_socket_has_not_flushed_are_left_for_the_driver() {
        let slow = Slow {
            taken: Vec::new(),
            room: usize::MAX,
        };
        let (mut m, mut parked) = parked(Box::pin(slow));
        assert!(send(&mut m, "a", 1));
        assert!(
            !parked.write_now(&mut m),
            "the driver must finish the flush"
        );
        assert!(parked.unflushed);
        assert!(left(&mut m).is_empty(), "handed to the socket already");
    }

    #[test]
    fn a_buffer_that_fills_after_a_frame_leaves_its_flush_to_the_driver() {
        let slow = Slow {
            taken: Vec::new(),
            room: 1,
        };
        let (mut m, mut parked) = parked(Box::pin(slow));
        assert!(send(&mut m, "a", 1));
        assert!(!parked.write_now(&mut m));
        assert!(left(&mut m).is_empty(), "the one frame was handed over");
        assert!(
            parked.unflushed,
            "the driver flushes it, though it has no frame of its own to write"
        );
    }
}
