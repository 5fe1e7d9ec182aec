//! Shared by the native adapters: an async-tungstenite socket as a [`WsConnection`].

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use futures::{AsyncRead, AsyncWrite, SinkExt, StreamExt, future};

use super::{Text, TransportError, WsConnection};

/// Bytes read from the socket at most per read (tungstenite's default is 128 KiB).
/// tungstenite zero-fills that much of its read buffer before every read, whatever arrives
/// (about 20 KiB a read in a burst): at the default that cost 930 instructions and 15
/// cache-line misses per message, 16 KiB halves both. Larger frames still arrive whole, over
/// several reads; a client also holds 112 KiB less per socket.
const READ_CHUNK: usize = 16 * 1024;

/// The socket settings of the native runtimes (see [`READ_CHUNK`]).
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_CHUNK)
}

/// Splits `socket` into text-frame halves. Ping/pong are answered by tungstenite; binary
/// frames holding UTF-8 arrive as text; other binary frames are skipped.
pub fn into_connection<S>(socket: WebSocketStream<S>) -> WsConnection
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = socket.split();
    let sink = sink
        .sink_map_err(TransportError::new)
        .with(|text: String| future::ready(Ok::<_, TransportError>(Message::text(text))));
    let stream = stream.filter_map(|msg| {
        future::ready(match msg {
            Ok(Message::Text(text)) => Some(Ok(Text::from(text))),
            Ok(Message::Binary(bytes)) => Utf8Bytes::try_from(bytes).ok().map(|t| Ok(t.into())),
            Ok(_) => None,
            Err(e) => Some(Err(TransportError::new(e))),
        })
    });
    WsConnection {
        sink: Box::pin(sink),
        stream: Box::pin(stream),
    }
}

/// A connect error, keeping the HTTP status of a refused upgrade.
pub fn connect_error(e: tungstenite::Error) -> TransportError {
    let status = match &e {
        tungstenite::Error::Http(response) => Some(response.status().as_u16()),
        _ => None,
    };
    TransportError {
        message: format!("WebSocket connect failed: {e}"),
        status,
    }
}
