//! Natives of the media: live video, audio, talk, local recording, and the H.264 and RGB565
//! helpers apps call on the frames they receive.

use jni::objects::{JByteArray, JIntArray, JString};
use jni::sys::jint;
use jni::JNIEnv;
use pppp::proto::ops::{Op, VideoStream};

use super::marshal::{bytes, device, queue, string};
use crate::codes::*;
use crate::device::{Device, Request};
use crate::registry;

natives! {
    fn live2(env, _, d: JString, id: jint) -> jint { live(env, &d, id, None) }
    fn live3(env, _, d: JString, id: jint, sub: jint) -> jint { live(env, &d, id, Some(sub)) }
    fn live_obj(env, _, d: JString, id: jint, _f: JString, _fr: jint) -> jint {
        live(env, &d, id, None)
    }
    fn live_stop(env, _, d: JString) -> jint { queue(env, &d, Request::StopVideo) }

    fn audio_start(env, _, d: JString) -> jint { queue(env, &d, Request::Audio(true)) }
    fn audio_stop(env, _, d: JString) -> jint { queue(env, &d, Request::Audio(false)) }

    /// Talk needs no request on the wire: `PPPPTalkAudioData` sends the audio on channel 3.
    fn talk_switch(env, _, d: JString) -> jint { started(env, &d) }
    fn talk_switch_int(env, _, d: JString, _m: jint) -> jint { started(env, &d) }

    fn talk_data(env, _, d: JString, data: JByteArray, len: jint) -> jint {
        let Some(mut pcm) = bytes(env, &data) else {
            return ERR_INVALID_ARGUMENT;
        };
        let len = usize::try_from(len).unwrap_or(0).min(pcm.len()) & !1;
        pcm.truncate(len);
        let session = match device(env, &d, Device::session) {
            Ok(Some(s)) => s,
            Ok(None) => return ERR_NOT_CONNECTED,
            Err(e) => return e,
        };
        match session.talk_bytes(&pcm) {
            Ok(()) => OK,
            Err(e) => {
                tracing::info!("talk: {e}");
                ERR_NOT_CONNECTED
            }
        }
    }

    fn record_local(env, _, d: JString, path: JString, on: jint) -> jint {
        let path = string(env, &path);
        device(env, &d, |dev| dev.record_local(path, on != 0)).unwrap_or_else(|e| e)
    }

    fn yuv_to_rgb565(env, _, yuv: JByteArray, rgb: JByteArray, w: jint, h: jint) -> jint {
        let (Ok(w), Ok(h)) = (usize::try_from(w), usize::try_from(h)) else {
            return ERR_INVALID_ARGUMENT;
        };
        let Some(src) = bytes(env, &yuv) else {
            return ERR_INVALID_ARGUMENT;
        };
        let Ok(out_len) = env.get_array_length(&rgb) else {
            return ERR_INVALID_ARGUMENT;
        };
        let mut out = vec![0u8; usize::try_from(out_len).unwrap_or(0)];
        if crate::decode::i420_to_rgb565(&src, &mut out, w, h).is_none() {
            return ERR_INVALID_ARGUMENT;
        }
        let signed: Vec<i8> = out[..w * h * 2].iter().map(|b| *b as i8).collect();
        match env.set_byte_array_region(&rgb, 0, &signed) {
            Ok(()) => OK,
            Err(_) => {
                let _ = env.exception_clear();
                ERR_INVALID_ARGUMENT
            }
        }
    }

    /// Decodes one access unit into `yuvbuf` (I420) and writes `size[0] = width`,
    /// `size[1] = height`: returns the picture's byte count, 0 when the unit completes no
    /// picture, a negative code on error.
    fn decode_h264(
        env, _, frame: JByteArray, _key: jint, yuv: JByteArray, len: jint, size: JIntArray
    ) -> jint {
        let Some(mut au) = bytes(env, &frame) else {
            return ERR_INVALID_ARGUMENT;
        };
        au.truncate(usize::try_from(len).unwrap_or(0));
        let picture = match registry::with_decoder(|d| d.decode_now(&au)) {
            Some(Ok(Some(p))) => p,
            Some(Ok(None)) => return 0,
            Some(Err(e)) => {
                tracing::debug!("{e}");
                return ERR_DECODE;
            }
            None => return ERR_INTERNAL,
        };
        let room = env.get_array_length(&yuv).unwrap_or(0);
        if yuv.is_null() || usize::try_from(room).unwrap_or(0) < picture.yuv.len() {
            return ERR_BUFFER_TOO_SMALL;
        }
        let signed: Vec<i8> = picture.yuv.iter().map(|b| *b as i8).collect();
        let dims = [picture.width as jint, picture.height as jint];
        let ok = env.set_byte_array_region(&yuv, 0, &signed).is_ok()
            && (size.is_null() || env.set_int_array_region(&size, 0, &dims).is_ok());
        if !ok {
            let _ = env.exception_clear();
            return ERR_BUFFER_TOO_SMALL;
        }
        picture.yuv.len() as jint
    }

    fn reset_decoder(_env, _) -> jint {
        registry::reset_decoder();
        OK
    }
}

/// `StartPPPPLivestream`: stream `id` (and `sub`, the substream, when the variant takes one).
fn live(env: &mut JNIEnv, d: &JString, id: jint, sub: Option<jint>) -> jint {
    let Ok(id) = u8::try_from(id) else {
        return ERR_INVALID_ARGUMENT;
    };
    let substream = match sub.map(u8::try_from) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return ERR_INVALID_ARGUMENT,
        None => None,
    };
    let op = Op::StartVideo {
        resolution: 1,
        stream: Some(VideoStream { id, substream }),
    };
    queue(env, d, Request::StartVideo(op))
}

/// [`OK`] when the camera of `d` is started, its error code otherwise.
fn started(env: &mut JNIEnv, d: &JString) -> jint {
    device(env, d, |_| OK).unwrap_or_else(|e| e)
}
