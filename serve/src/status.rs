//! The JSON of `/status.json` (and [`MediaServer::status`](crate::MediaServer::status)).
//!
//! It names the camera, its address and whether the session is encrypted, never the PSK or
//! any credential.

use std::sync::atomic::Ordering;
use std::time::Instant;

use pppp::client::Session;
use serde_json::json;

use crate::conns::Conns;
use crate::hub::{self, Hub};

/// The status of one server.
pub(crate) fn json(hub: &Hub, conns: &Conns, session: &Session) -> serde_json::Value {
    let (video_clients, audio_clients) = hub.clients();
    let (connections, stalled) = conns.counts();
    let st = session.stats();
    let encryption = hub::encryption(session.cipher());
    let s = hub.state.lock();
    let now = Instant::now();
    let tenths = |x: f64| (x * 10.0).round() / 10.0;
    let media = |m: &hub::MediaStats| {
        json!({
            "codec": m.codec.map(|c| c.name()),
            "frames": m.frames,
            "bytes": m.bytes,
            "per_second": tenths(m.per_second()),
            "last_index": m.last_index,
            "width": m.size.map(|s| s.0),
            "height": m.size.map(|s| s.1),
            "keyframes": m.keyframes,
            "sample_rate": m.rate,
        })
    };
    json!({
        "uid": session.uid().to_string(),
        "peer": session.peer().map(|p| p.to_string()),
        "encryption": encryption,
        "state": s.state,
        "error": s.error,
        "uptime_s": tenths(hub.started.elapsed().as_secs_f64()),
        "video": media(&s.video),
        "audio": media(&s.audio),
        "clients": {
            "video": video_clients,
            "audio": audio_clients,
            "served": hub.clients_served.load(Ordering::Relaxed),
            "frames_dropped": hub.client_drops.load(Ordering::Relaxed),
            "connections": connections,
            "stalled": stalled,
            "evicted": conns.evictions.load(Ordering::Relaxed),
            "timed_out": conns.timeouts.load(Ordering::Relaxed),
        },
        "session": {
            "retransmits": st.retransmits(),
            "missing_frames": st.controller.missing_frames,
            "video_dropped": st.video_dropped,
            "audio_dropped": st.audio_dropped,
            "reconnects": st.reconnects,
            "events_dropped": st.events_dropped,
        },
        "events": s.events.iter().map(|(t, e)| json!({
            "ago_s": tenths(now.duration_since(*t).as_secs_f64()),
            "event": e,
        })).collect::<Vec<_>>(),
    })
}
