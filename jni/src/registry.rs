//! The library's global state: the JVM, the callback context of each Java class, the started
//! cameras by DID, the LAN search and the shared decoder of `DecodeH264Frame`. Locks are held
//! only to read or swap an entry, never across a network wait or a Java call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use jni::{JNIEnv, JavaVM};
use parking_lot::Mutex;
use pppp::client::{discover_with, DiscoverOptions};

use crate::callbacks::{Callbacks, Event, Val};
use crate::decode::H264Decoder;
use crate::device::Device;

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
    devices: HashMap<String, Device>,
}

static STATE: OnceLock<Mutex<State>> = OnceLock::new();

fn state() -> &'static Mutex<State> {
    STATE.get_or_init(Mutex::default)
}

/// Remembers the JVM (from `JNI_OnLoad`).
pub fn set_vm(vm: JavaVM) {
    let _ = VM.set(vm);
}

/// Attaches the calling thread as a daemon thread (named after the Rust thread, i.e. the
/// DID); it is detached when the thread ends.
pub fn attach() -> Option<JNIEnv<'static>> {
    match VM.get()?.attach_current_thread_as_daemon() {
        Ok(env) => Some(env),
        Err(e) => {
            tracing::warn!("cannot attach a callback thread to the JVM: {e}");
            None
        }
    }
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
pub fn insert(device: Device) -> Option<Device> {
    state()
        .lock()
        .devices
        .insert(device.did().to_owned(), device)
}

/// Removes a camera (to be stopped by the caller, outside the lock).
pub fn remove(did: &str) -> Option<Device> {
    state().lock().devices.remove(&normalise(did))
}

/// Runs `f` on a started camera.
pub fn with<T>(did: &str, f: impl FnOnce(&Device) -> T) -> Option<T> {
    state().lock().devices.get(&normalise(did)).map(f)
}

/// The key a DID is stored under: as the app spelled it, trimmed.
pub fn normalise(did: &str) -> String {
    did.trim().to_owned()
}

/// Stops every camera and the search (`Free`).
pub fn stop_all() {
    let devices: Vec<Device> = state().lock().devices.drain().map(|(_, d)| d).collect();
    for d in devices {
        d.stop();
    }
    stop_search();
}

struct Search {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

static SEARCH: Mutex<Option<Search>> = Mutex::new(None);

/// `StartSearch`: LAN search rounds until `StopSearch`, each camera reported once through
/// `SearchResult` (to `flavor`'s context) from a thread attached to the JVM.
pub fn start_search(flavor: Flavor) {
    stop_search();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("pppp-search".into())
        .spawn(move || search(flavor, flag));
    match thread {
        Ok(thread) => *SEARCH.lock() = Some(Search { stop, thread }),
        Err(e) => tracing::warn!("cannot start the search: {e}"),
    }
}

/// `StopSearch`: ends the search and joins its thread (no `SearchResult` after it returns).
pub fn stop_search() {
    let s = SEARCH.lock().take();
    if let Some(s) = s {
        s.stop.store(true, Ordering::SeqCst);
        if s.thread.thread().id() != std::thread::current().id() {
            let _ = s.thread.join();
        }
    }
}

fn search(flavor: Flavor, stop: Arc<AtomicBool>) {
    let Some(mut env) = attach() else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let options = DiscoverOptions {
        timeout: Duration::from_millis(500),
        ..DiscoverOptions::default()
    };
    while !stop.load(Ordering::SeqCst) {
        let mut found = Vec::new();
        if let Err(e) = discover_with(&options, |d| found.push(d.clone())) {
            tracing::warn!("LAN search failed: {e}");
            std::thread::sleep(Duration::from_millis(500));
        }
        for d in found {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            if !seen.insert(d.uid.to_string()) {
                continue;
            }
            let did = d.uid.to_string();
            let ev = Event::new(
                "SearchResult",
                vec![
                    ("sysver", Val::Str(String::new())),
                    ("appver", Val::Str(String::new())),
                    ("mac", Val::Str(String::new())),
                    ("name", Val::Str(did.clone())),
                    ("did", Val::Str(did)),
                    ("ip", Val::Str(d.addr.ip().to_string())),
                    ("port", Val::Int(d.addr.port().into())),
                    ("camtype", Val::Int(0)),
                ],
            );
            if let Some(cbs) = callbacks(flavor) {
                cbs.call(&mut env, &ev);
            }
        }
    }
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
