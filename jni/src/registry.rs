//! The library's global state: the JVM, the callback context of each Java class, the started
//! cameras by DID, the LAN search, what cameras reported about themselves, and the shared
//! decoder of `DecodeH264Frame`. Locks are held
//! only to read or swap an entry, never across a network wait or a Java call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use jni::{JNIEnv, JavaVM};
use parking_lot::{Condvar, Mutex};
use pppp::client::{Device, DiscoverOptions, Discovery};
use pppp::proto::ops::Params;

use crate::callbacks::{Callbacks, Event, Val};
use crate::decode::H264Decoder;
use crate::device::Device as Camera;

/// Which Java class a call came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// `vstc2.nativecaller.NativeCaller` (VStarcam Eye4 SDK).
    Vstc2,
    /// `object.p2pipcam.nativecaller.NativeCaller` (SHIX-family SDK).
    Object,
}

static VM: OnceLock<JavaVM> = OnceLock::new();

#[derive(Default)]
struct State {
    contexts: HashMap<Flavor, Arc<Callbacks>>,
    devices: HashMap<String, Camera>,
}

static STATE: OnceLock<Mutex<State>> = OnceLock::new();

fn state() -> &'static Mutex<State> {
    STATE.get_or_init(Mutex::default)
}

/// Remembers the JVM (from `JNI_OnLoad`).
pub fn set_vm(vm: JavaVM) {
    let _ = VM.set(vm);
}

/// A thread attached to the JVM as a daemon thread; detached when dropped (at the end of the
/// thread's function).
pub struct Attached {
    env: JNIEnv<'static>,
    vm: *mut jni::sys::JavaVM,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attached")
    }
}

impl Attached {
    /// The thread's JNI environment.
    pub fn env(&mut self) -> &mut JNIEnv<'static> {
        &mut self.env
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        // SAFETY: `vm` is the JVM this thread attached to; the thread holds no JNI frames
        // (every callback ran in its own local frame) and `env` is not used after this.
        unsafe {
            if let Some(detach) = (**self.vm).DetachCurrentThread {
                detach(self.vm);
            }
        }
    }
}

/// Attaches the calling thread as a daemon thread named `name` (Java sees the DID as the
/// thread's name). The JNI crate's own attach passes no name, hence the raw call.
pub fn attach(name: &str) -> Option<Attached> {
    let vm = VM.get()?.get_java_vm_pointer();
    let cname = std::ffi::CString::new(name.replace('\0', "")).ok()?;
    let mut args = jni::sys::JavaVMAttachArgs {
        version: jni::sys::JNI_VERSION_1_6,
        name: cname.as_ptr() as *mut std::ffi::c_char,
        group: std::ptr::null_mut(),
    };
    let mut env: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: `vm` is the JVM's own pointer (kept from JNI_OnLoad); `args` and `cname` outlive
    // the call, which copies the name.
    let r = unsafe {
        let attach = (**vm).AttachCurrentThreadAsDaemon?;
        attach(
            vm,
            &mut env,
            (&mut args as *mut jni::sys::JavaVMAttachArgs).cast(),
        )
    };
    if r != jni::sys::JNI_OK || env.is_null() {
        tracing::warn!("cannot attach a callback thread to the JVM ({r})");
        return None;
    }
    // SAFETY: the JVM just gave this thread a valid environment pointer.
    let env = unsafe { JNIEnv::from_raw(env.cast()) }.ok()?;
    Some(Attached { env, vm })
}

/// The callbacks of `flavor`'s context, if one is set.
pub fn callbacks(flavor: Flavor) -> Option<Arc<Callbacks>> {
    state().lock().contexts.get(&flavor).cloned()
}

/// Sets (or with `None` clears) the callback context of a class.
pub fn set_callbacks(flavor: Flavor, cbs: Option<Arc<Callbacks>>) {
    let mut s = state().lock();
    match cbs {
        Some(c) => s.contexts.insert(flavor, c),
        None => s.contexts.remove(&flavor),
    };
}

/// Adds a started camera, returning the one it replaces (to be stopped by the caller).
pub fn insert(device: Camera) -> Option<Camera> {
    state()
        .lock()
        .devices
        .insert(device.did().to_owned(), device)
}

/// Removes a camera (to be stopped by the caller, outside the lock).
pub fn remove(did: &str) -> Option<Camera> {
    state().lock().devices.remove(&normalise(did))
}

/// Runs `f` on a started camera.
pub fn with<T>(did: &str, f: impl FnOnce(&Camera) -> T) -> Option<T> {
    state().lock().devices.get(&normalise(did)).map(f)
}

/// The key a DID is stored under: as the app spelled it, trimmed.
pub fn normalise(did: &str) -> String {
    did.trim().to_owned()
}

/// Stops every camera and the search (`Free`).
pub fn stop_all() {
    let devices: Vec<Camera> = state().lock().devices.drain().map(|(_, d)| d).collect();
    for d in devices {
        d.stop();
    }
    stop_search();
}

/// How long one search round listens; rounds follow each other until `StopSearch`.
const SEARCH_ROUND: Duration = Duration::from_secs(10);

/// What the search thread and `StopSearch` share.
#[derive(Default)]
struct SearchShared {
    stop: AtomicBool,
    /// The round under way (cancelled by `StopSearch`).
    round: Mutex<Option<Arc<Discovery>>>,
    /// Set when the round has news; the thread sleeps on `cond` until it is.
    signal: Mutex<bool>,
    cond: Condvar,
}

impl SearchShared {
    fn wake(&self) {
        *self.signal.lock() = true;
        self.cond.notify_one();
    }
}

struct Search {
    shared: Arc<SearchShared>,
    thread: JoinHandle<()>,
}

static SEARCH: Mutex<Option<Search>> = Mutex::new(None);

/// `StartSearch`: LAN search rounds until `StopSearch`, each camera reported once through
/// `SearchResult` (to `flavor`'s context) from a thread attached to the JVM, as it answers.
pub fn start_search(flavor: Flavor) {
    stop_search();
    let shared = Arc::new(SearchShared::default());
    let s = shared.clone();
    let thread = std::thread::Builder::new()
        .name("pppp-search".into())
        .spawn(move || search(flavor, &s));
    match thread {
        Ok(thread) => *SEARCH.lock() = Some(Search { shared, thread }),
        Err(e) => tracing::warn!("cannot start the search: {e}"),
    }
}

/// `StopSearch`: cancels the round under way at once and joins the search thread (no
/// `SearchResult` after it returns).
pub fn stop_search() {
    let Some(s) = SEARCH.lock().take() else {
        return;
    };
    let round = {
        let mut round = s.shared.round.lock();
        s.shared.stop.store(true, Ordering::SeqCst);
        round.take()
    };
    if let Some(r) = round {
        r.cancel();
    }
    s.shared.wake();
    if s.thread.thread().id() != std::thread::current().id() {
        let _ = s.thread.join();
    }
}

fn search(flavor: Flavor, shared: &Arc<SearchShared>) {
    let Some(mut attached) = attach("pppp-search") else {
        return;
    };
    let env = attached.env();
    let mut seen = std::collections::HashSet::new();
    let options = DiscoverOptions {
        timeout: SEARCH_ROUND,
        ..DiscoverOptions::default()
    };
    loop {
        let round = match Discovery::start(&options) {
            Ok(d) => Arc::new(d),
            Err(e) => {
                tracing::warn!("LAN search failed: {e}");
                return;
            }
        };
        {
            let mut slot = shared.round.lock();
            if shared.stop.load(Ordering::SeqCst) {
                return; // dropping the round cancels it
            }
            *slot = Some(round.clone());
        }
        let weak = Arc::downgrade(shared);
        round.set_notify(Some(Arc::new(move || {
            if let Some(s) = weak.upgrade() {
                s.wake();
            }
        })));
        loop {
            while let Some(d) = round.try_next_device() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if seen.insert(d.uid.to_string()) {
                    if let Some(cbs) = callbacks(flavor) {
                        cbs.call(env, &search_result(&d));
                    }
                }
            }
            if round.is_finished() || shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let mut news = shared.signal.lock();
            while !*news && !shared.stop.load(Ordering::SeqCst) {
                shared.cond.wait(&mut news);
            }
            *news = false;
        }
        round.set_notify(None);
        shared.round.lock().take();
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// The `SearchResult` of a device: its DID and address, and the versions, MAC and name the
/// camera reported when this library last read its parameters (the LAN search answer carries
/// only the DID; until then the name is the DID and the rest is empty).
fn search_result(d: &Device) -> Event {
    let did = d.uid.to_string();
    let known = reported(&did).unwrap_or_default();
    let text = |v: Option<String>| Val::Str(v.unwrap_or_default());
    Event::new(
        "SearchResult",
        vec![
            ("sysver", text(known.firmware)),
            ("appver", text(known.app_version.or(known.mcu_version))),
            ("mac", text(known.mac)),
            ("name", Val::Str(known.name.unwrap_or_else(|| did.clone()))),
            ("did", Val::Str(did)),
            ("ip", Val::Str(d.addr.ip().to_string())),
            ("port", Val::Int(d.addr.port().into())),
            ("camtype", Val::Int(0)),
        ],
    )
}

/// Most cameras whose reported identity is remembered.
const MAX_REPORTED: usize = 1024;

static REPORTED: Mutex<Option<HashMap<String, Params>>> = Mutex::new(None);

/// Remembers the name, MAC and versions a camera reported (for `SearchResult`).
pub fn remember(did: &str, p: &Params) {
    let mut m = REPORTED.lock();
    let m = m.get_or_insert_with(HashMap::new);
    if m.len() >= MAX_REPORTED && !m.contains_key(did) {
        return;
    }
    let keep = Params {
        firmware: p.firmware.clone(),
        name: p.name.clone(),
        mac: p.mac.clone(),
        app_version: p.app_version.clone(),
        mcu_version: p.mcu_version.clone(),
        ..Params::default()
    };
    m.insert(normalise(did), keep);
}

/// What [`remember`] kept for `did`.
pub fn reported(did: &str) -> Option<Params> {
    REPORTED.lock().as_ref()?.get(&normalise(did)).cloned()
}

static DECODER: Mutex<Option<H264Decoder>> = Mutex::new(None);

/// Runs `f` on the decoder of `DecodeH264Frame` (created on first use).
pub fn with_decoder<T>(f: impl FnOnce(&mut H264Decoder) -> T) -> Option<T> {
    let mut d = DECODER.lock();
    if d.is_none() {
        *d = H264Decoder::new().ok();
    }
    d.as_mut().map(f)
}

/// `ResetDecodeH264`: forgets the decoder's references.
pub fn reset_decoder() {
    *DECODER.lock() = None;
}
