//! The status page served at `/`.

/// The status page: the live picture (the MJPEG stream in an `<img>`) and the statistics of
/// `/status.json`, refreshed every second. Everything it loads is same-origin, so it works
/// without any CORS header.
pub const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pppp camera</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1.5em; background: #f6f6f6; color: #222; }
 h1 { font-size: 1.3em; margin: 0 0 .6em 0; }
 #live { max-width: 100%; background: #000; min-width: 320px; min-height: 180px; display: block; }
 table { border-collapse: collapse; margin-top: 1em; }
 td { padding: .15em .8em .15em 0; vertical-align: top; }
 td:first-child { color: #666; }
 .state-connected { color: #080; } .state-reconnecting { color: #b60; } .state-closed { color: #b00; }
 ul { margin: .3em 0; padding-left: 1.2em; color: #555; }
 a { color: #05a; }
</style>
</head>
<body>
<h1>pppp — <span id="uid">camera</span> <small id="state"></small></h1>
<img id="live" src="/video.mjpeg" alt="live picture">
<table id="stats">
 <tr><td>video</td><td id="video">waiting for frames…</td></tr>
 <tr><td>audio</td><td id="audio">–</td></tr>
 <tr><td>clients</td><td id="clients">–</td></tr>
 <tr><td>session</td><td id="session">–</td></tr>
 <tr><td>events</td><td><ul id="events"></ul></td></tr>
</table>
<p><a href="/snapshot.jpg">snapshot</a> · <a href="/video.mjpeg">MJPEG stream</a> ·
<a href="/audio.wav">audio (WAV)</a> · <a href="/status.json">status.json</a></p>
<script>
"use strict";
function show(id, text) { document.getElementById(id).textContent = text; }
async function refresh() {
  try {
    const r = await fetch("/status.json", {cache: "no-store"});
    const s = await r.json();
    show("uid", s.uid);
    const st = document.getElementById("state");
    st.textContent = s.state + (s.peer ? " · " + s.peer : "") + (s.encryption ? " · " + s.encryption : "");
    st.className = "state-" + s.state;
    const v = s.video;
    show("video", v.frames ? `${v.codec} ${v.width || "?"}×${v.height || "?"} · ${v.per_second} fps · ${v.frames} frames · frame #${v.last_index}` : "waiting for frames…");
    const a = s.audio;
    show("audio", a.frames ? `${a.codec} · ${a.sample_rate} Hz · ${a.frames} frames` : "none");
    show("clients", `${s.clients.video} video, ${s.clients.audio} audio · ${s.clients.served} served · ${s.clients.frames_dropped} frames dropped for slow clients`);
    show("session", `${s.session.retransmits} retransmits · ${s.session.missing_frames} missing frames · ${s.session.reconnects} reconnects · up ${s.uptime_s} s`);
    const ul = document.getElementById("events");
    ul.replaceChildren(...s.events.slice(-6).map(e => { const li = document.createElement("li"); li.textContent = `${e.ago_s} s ago: ${e.event}`; return li; }));
    document.body.dataset.frames = String(v.frames);
  } catch (e) { show("video", "status unavailable: " + e); }
}
const live = document.getElementById("live");
live.addEventListener("load", () => { document.body.dataset.live = "1"; });
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"#;
