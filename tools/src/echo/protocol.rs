//! WebSocket settings of the echo servers (thread-per-connection and event
//! loop): message limits, subprotocol selection.

use tungstenite::handshake::server::{Request, Response};
use tungstenite::protocol::WebSocketConfig;

use super::MAX_MESSAGE;

/// Selects `want` in `resp` when the client offered it.
pub(crate) fn pick_subprotocol(want: Option<&str>, req: &Request, resp: &mut Response) {
    let Some(want) = want else { return };
    let offered = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == want);
    if offered {
        if let Ok(v) = want.parse() {
            resp.headers_mut().insert("sec-websocket-protocol", v);
        }
    }
}

pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .write_buffer_size(0)
        .max_write_buffer_size(usize::MAX)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}
