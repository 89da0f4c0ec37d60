//! `pppp_camera`: the emulated camera on real sockets, for tests and examples without
//! hardware.

use std::ffi::c_char;
use std::net::{IpAddr, SocketAddr};

use parking_lot::Mutex;
use pppp::client::{CameraServer, CameraServerConfig};
use pppp::proto::psk::{self, PskChoice};
use pppp::sim::CameraConfig;
use pppp::Uid;

use crate::error::{boundary, opt_str_arg, put, str_arg, write_cstr, Fail};
use crate::pppp_result;

/// A running emulated camera (opaque): answers the LAN search, logs users in, answers SHIX
/// JSON commands, streams MJPEG video and ADPCM audio, accepts talk-back audio, and echoes
/// unreliable packets (`PPCS_PktSend`).
///
/// Functions: `pppp_camera_start`, `pppp_camera_lan_addr`, `pppp_camera_session_addr`,
/// `pppp_camera_get_stats`, `pppp_camera_free`.
#[derive(Debug)]
pub struct pppp_camera {
    _private: [u8; 0],
}

struct Camera(Mutex<CameraServer>);

/// How to run an emulated camera. Initialise with `pppp_camera_config_init`.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_camera_config {
    /// The camera's UID (required).
    pub uid: *const c_char,
    /// The IP address to bind (NULL: `"127.0.0.1"`).
    pub bind_ip: *const c_char,
    /// The LAN-search port (0: any free port; read it back with `pppp_camera_lan_addr`).
    pub lan_port: u16,
    /// `"auto"` (the PSK of the UID's prefix, else none; the default when NULL), `"none"`, a
    /// PSK name or `"custom:<psk>"`.
    pub psk: *const c_char,
    /// Login user (NULL: `"admin"`).
    pub user: *const c_char,
    /// Login password (NULL: `"6666"`).
    pub password: *const c_char,
    /// Video frames per second (0: 10).
    pub fps: u32,
}

/// Counters of an emulated camera.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(non_camel_case_types)]
pub struct pppp_camera_stats {
    /// LAN searches answered.
    pub searches: u64,
    /// Sessions opened.
    pub sessions: u64,
    /// Sessions open now.
    pub active_sessions: u64,
    /// Successful logins.
    pub logins_ok: u64,
    /// Refused logins.
    pub logins_failed: u64,
    /// Commands received.
    pub commands: u64,
    /// Video frames sent.
    pub video_frames: u64,
    /// Audio frames sent.
    pub audio_frames: u64,
    /// Talk-back frames received.
    pub talk_frames: u64,
    /// Talk-back samples decoded.
    pub talk_samples: u64,
}

/// Fills `*config` with the defaults (no UID: set `uid` before starting).
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_config_init(config: *mut pppp_camera_config) {
    crate::error::boundary_value((), || {
        if config.is_null() {
            return;
        }
        let d = pppp_camera_config {
            uid: std::ptr::null(),
            bind_ip: std::ptr::null(),
            lan_port: 0,
            psk: std::ptr::null(),
            user: std::ptr::null(),
            password: std::ptr::null(),
            fps: 0,
        };
        // SAFETY: non-NULL, the caller's struct.
        unsafe { put(config, d) };
    })
}

/// # Safety
/// `c` must be a valid config whose strings are NULL or NUL-terminated.
unsafe fn build(c: &pppp_camera_config) -> Result<CameraServerConfig, Fail> {
    // SAFETY: header contract for every string field.
    let (uid, ip, psk_s, user, password) = unsafe {
        (
            str_arg(c.uid, "config->uid")?,
            opt_str_arg(c.bind_ip, "config->bind_ip")?,
            opt_str_arg(c.psk, "config->psk")?,
            opt_str_arg(c.user, "config->user")?,
            opt_str_arg(c.password, "config->password")?,
        )
    };
    let uid = Uid::parse(uid).map_err(pppp::Error::from)?;
    let ip: IpAddr = ip.unwrap_or("127.0.0.1").parse().map_err(|_| {
        Fail::new(
            pppp_result::InvalidAddress,
            format!(
                "config->bind_ip {:?} is not an IP address",
                ip.unwrap_or("")
            ),
        )
    })?;
    let mut cam = CameraConfig::new(uid.clone(), ip);
    cam.lan_addr.set_port(c.lan_port);
    cam.session_addr.set_port(0);
    cam.psk = match PskChoice::parse(psk_s.unwrap_or("auto")).map_err(pppp::Error::from)? {
        PskChoice::Auto => psk::for_prefix(uid.prefix()).first().map(|s| s.to_string()),
        PskChoice::Plain => None,
        PskChoice::Named(p) => Some(p),
    };
    if let Some(u) = user {
        cam.user = u.to_owned();
    }
    if let Some(p) = password {
        cam.password = p.to_owned();
    }
    if c.fps > 0 {
        cam.fps = c.fps;
    }
    Ok(CameraServerConfig {
        camera: cam,
        link: None,
        driver: None,
    })
}

/// Starts an emulated camera; `*camera` receives it (stop and free it with `pppp_camera_free`).
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_start(
    config: *const pppp_camera_config,
    camera: *mut *mut pppp_camera,
) -> pppp_result {
    boundary(|| {
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if camera.is_null() {
            return Err(Fail::null("camera"));
        }
        // SAFETY: non-NULL config from the caller.
        let cfg = unsafe { build(&*config) }?;
        let server = CameraServer::start(cfg)?;
        let b = Box::new(Camera(Mutex::new(server)));
        // SAFETY: checked non-NULL.
        unsafe { put(camera, Box::into_raw(b).cast::<pppp_camera>()) };
        Ok(())
    })
}

/// # Safety
/// `c` must be NULL or a live camera from `pppp_camera_start`.
unsafe fn camera_ref<'a>(c: *const pppp_camera) -> Result<&'a Camera, Fail> {
    if c.is_null() {
        return Err(Fail::null("camera"));
    }
    // SAFETY: per the contract.
    Ok(unsafe { &*c.cast::<Camera>() })
}

/// Writes `addr` of the camera, `"IP:PORT"`, into `buf[0..len]`, NUL-terminated.
///
/// # Safety
/// `camera` must be NULL or a live camera; `buf` NULL or writable for `len` bytes.
unsafe fn write_addr(
    camera: *const pppp_camera,
    buf: *mut c_char,
    len: usize,
    addr: fn(&CameraServer) -> SocketAddr,
) -> pppp_result {
    boundary(|| {
        // SAFETY: per the contract.
        let c = unsafe { camera_ref(camera) }?;
        let a = addr(&c.0.lock()).to_string();
        // SAFETY: the caller's buffer of `len` bytes.
        unsafe { write_cstr(buf, len, &a, "buf") }
    })
}

/// Writes the camera's LAN-search address `"IP:PORT"` (what `PPPP_LAN_TARGETS` and a
/// session's `host` take) into `buf[0..len]`, NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_lan_addr(
    camera: *const pppp_camera,
    buf: *mut c_char,
    len: usize,
) -> pppp_result {
    // SAFETY: header contract (the same as `write_addr`'s).
    unsafe { write_addr(camera, buf, len, CameraServer::lan_addr) }
}

/// Writes the camera's session address `"IP:PORT"` into `buf[0..len]`, NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_session_addr(
    camera: *const pppp_camera,
    buf: *mut c_char,
    len: usize,
) -> pppp_result {
    // SAFETY: header contract (the same as `write_addr`'s).
    unsafe { write_addr(camera, buf, len, CameraServer::session_addr) }
}

/// The camera's counters (refreshed every 100 ms).
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_get_stats(
    camera: *const pppp_camera,
    out: *mut pppp_camera_stats,
) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract.
        let c = unsafe { camera_ref(camera) }?;
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let s = c.0.lock().stats();
        let v = pppp_camera_stats {
            searches: s.searches,
            sessions: s.sessions,
            active_sessions: s.active_sessions as u64,
            logins_ok: s.logins_ok,
            logins_failed: s.logins_failed,
            commands: s.commands,
            video_frames: s.video_frames,
            audio_frames: s.audio_frames,
            talk_frames: s.talk_frames,
            talk_samples: s.talk_samples,
        };
        // SAFETY: checked non-NULL.
        unsafe { put(out, v) };
        Ok(())
    })
}

/// Stops the camera `*camera`, frees it and sets `*camera` to NULL. Accepts NULL and a NULL
/// `*camera`.
#[no_mangle]
pub unsafe extern "C" fn pppp_camera_free(camera: *mut *mut pppp_camera) {
    crate::error::boundary_value((), || {
        if camera.is_null() {
            return;
        }
        // SAFETY: the caller's handle slot.
        let p = unsafe { std::ptr::replace(camera, std::ptr::null_mut()) };
        if !p.is_null() {
            // SAFETY: made by `pppp_camera_start` (Box<Camera>).
            let b = unsafe { Box::from_raw(p.cast::<Camera>()) };
            b.0.lock().stop();
        }
    })
}
