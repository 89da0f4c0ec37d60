//! Request handling: access checks, then one handler per path.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE,
};
use hyper::{Method, Request, Response, StatusCode, Version};
use pppp::proto::av::Codec;

use crate::access::Refusal;
use crate::body::{Body, Stream, VideoFormat, WavFormat};
use crate::conns::ConnInfo;
use crate::server::Ctx;
use crate::{status, BOUNDARY, PAGE};

/// Answers one request.
pub(crate) async fn handle(
    ctx: Arc<Ctx>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let mut resp = route(&ctx, &conn, &req).await;
    ctx.access.add_cors(resp.headers_mut());
    Ok(resp)
}

async fn route(ctx: &Ctx, conn: &ConnInfo, req: &Request<Incoming>) -> Response<Body> {
    match ctx.access.check(req.headers()) {
        Err(Refusal::Host) => {
            return text(
                StatusCode::FORBIDDEN,
                "this server does not answer to that Host name: use its address, localhost, or a \
                 name allowed with --allow-host\n",
            )
        }
        Err(Refusal::Auth) => {
            let mut r = text(StatusCode::UNAUTHORIZED, "authentication required\n");
            r.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="pppp", charset="UTF-8""#),
            );
            return r;
        }
        Ok(()) => {}
    }
    let head = req.method() == Method::HEAD;
    if !head && req.method() != Method::GET {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match req.uri().path() {
        "/" | "/index.html" => fixed(
            Bytes::from_static(PAGE.as_bytes()),
            "text/html; charset=utf-8",
        ),
        "/status.json" => fixed(
            Bytes::from(status::json(&ctx.hub, &ctx.conns, &ctx.session).to_string()),
            "application/json",
        ),
        "/snapshot.jpg" | "/snapshot.jpeg" => snapshot(ctx).await,
        "/video.mjpeg" | "/video.mjpg" | "/mjpeg" => video(ctx, conn, Codec::Mjpeg, head),
        "/video.h264" => video(ctx, conn, Codec::H264, head),
        "/video.h265" => video(ctx, conn, Codec::H265, head),
        "/audio.wav" => wav(ctx, conn, head).await,
        _ => text(
            StatusCode::NOT_FOUND,
            "not found; try /, /video.mjpeg, /snapshot.jpg, /audio.wav, /status.json\n",
        ),
    }
}

fn fixed(body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut r = fixed(
        Bytes::copy_from_slice(body.as_bytes()),
        "text/plain; charset=utf-8",
    );
    *r.status_mut() = status;
    r
}

/// A streaming response: HTTP/1.0 style, the body delimited by closing the connection (no
/// chunked encoding), which every MJPEG consumer understands, as IP cameras do.
fn streaming(content_type: &str, body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.version_mut() = Version::HTTP_10;
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(CONTENT_TYPE, v);
    }
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(CONNECTION, HeaderValue::from_static("close"));
    r
}

async fn snapshot(ctx: &Ctx) -> Response<Body> {
    let got = ctx
        .hub
        .wait_for(ctx.config.first_frame_timeout, |s| {
            s.latest_jpeg.is_some() || s.video.codec.is_some_and(|c| c != Codec::Mjpeg)
        })
        .await;
    let (jpeg, codec) = {
        let s = ctx.hub.state.lock();
        (s.latest_jpeg.clone(), s.video.codec)
    };
    match jpeg {
        Some(jpeg) => fixed(jpeg, "image/jpeg"),
        None if got => text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "the camera streams {}, not JPEG: use /video.{}\n",
                codec.map_or("video", |c| c.name()),
                codec.map_or("h264", |c| c.name())
            ),
        ),
        None => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "no picture from the camera yet\n",
        ),
    }
}

fn video(ctx: &Ctx, conn: &ConnInfo, want: Codec, head: bool) -> Response<Body> {
    let codec = ctx.hub.state.lock().video.codec;
    if let Some(codec) = codec.filter(|&c| c != want) {
        let hint = match codec {
            Codec::Mjpeg => "/video.mjpeg".to_owned(),
            c => format!("/video.{}", c.name()),
        };
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "the camera streams {}, not {}: use {hint}\n",
                codec.name(),
                want.name()
            ),
        );
    }
    let content_type = match want {
        Codec::Mjpeg => format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
        c => format!("video/{}", c.name()),
    };
    if head {
        return streaming(&content_type, Body::empty());
    }
    let sub = ctx.hub.subscribe_video();
    // Start with the latest picture so the client shows something at once.
    let latest = ctx.hub.state.lock().latest_jpeg.clone();
    let first = match (want, latest) {
        (Codec::Mjpeg, Some(jpeg)) => VideoFormat::mjpeg_part(jpeg).into(),
        _ => Vec::new(),
    };
    conn.set_streaming();
    streaming(
        &content_type,
        Body::Video(Stream::new(sub, VideoFormat::new(want), first)),
    )
}

async fn wav(ctx: &Ctx, conn: &ConnInfo, head: bool) -> Response<Body> {
    if head {
        return streaming("audio/wav", Body::empty());
    }
    let sub = ctx.hub.subscribe_audio();
    // The header needs the sample rate: wait for the first chunk (unless the camera has sent
    // no audio at all for longer than that).
    let silent = ctx.hub.state.lock().audio.frames == 0
        && ctx.hub.started.elapsed() > ctx.config.first_frame_timeout;
    let first = if silent {
        None
    } else {
        sub.recv_timeout(ctx.config.first_frame_timeout).await
    };
    let Some(first) = first else {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "no audio from the camera\n",
        );
    };
    conn.set_streaming();
    let header = Bytes::copy_from_slice(&crate::wav::stream_header(first.rate));
    streaming(
        "audio/wav",
        Body::Audio(Stream::new(sub, WavFormat, vec![header, first.pcm])),
    )
}
