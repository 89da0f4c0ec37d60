//! Callback closures (`{userdata, call, drop}`) and the delivery threads that run them.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pppp::client::{Frame, Session};

use crate::discovery::pppp_device;
use crate::frame::pppp_frame;

/// A frame callback: `call(frame, userdata)` for each frame, then `drop(userdata)` exactly once
/// when the callback is replaced, the session is freed, or the stream ends. `call` and `drop`
/// may be NULL. `frame` is borrowed for the duration of `call` (`pppp_frame_copy` keeps it).
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_frame_closure {
    /// Passed back to `call` and `drop` untouched.
    pub userdata: *mut c_void,
    /// Called for each frame, on the session's delivery thread for that stream.
    pub call: Option<unsafe extern "C" fn(frame: *const pppp_frame, userdata: *mut c_void)>,
    /// Called once, last, on the delivery thread (or in the call that removed the callback).
    pub drop: Option<unsafe extern "C" fn(userdata: *mut c_void)>,
}

/// A device callback of `pppp_discover_with`: `call(device, userdata)` for each camera as it
/// answers, then `drop(userdata)` once when the discovery ends; both on the calling thread.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_device_closure {
    /// Passed back to `call` and `drop` untouched.
    pub userdata: *mut c_void,
    /// Called for each device; `device` is borrowed for the call.
    pub call: Option<unsafe extern "C" fn(device: *const pppp_device, userdata: *mut c_void)>,
    /// Called once when the discovery has ended.
    pub drop: Option<unsafe extern "C" fn(userdata: *mut c_void)>,
}

/// A frame closure moved to the delivery thread.
struct SendClosure(pppp_frame_closure);

// SAFETY: the header documents that `call` and `drop` run on the delivery thread with
// `userdata`; the caller vouches that `userdata` may be used from that thread.
unsafe impl Send for SendClosure {}

impl SendClosure {
    fn call(&self, f: &Frame) {
        if let Some(call) = self.0.call {
            let p = (f as *const Frame).cast::<pppp_frame>();
            // SAFETY: `p` points to a live frame for the duration of the call; the callee's
            // contract is the header's.
            unsafe { call(p, self.0.userdata) };
        }
    }
}

impl Drop for SendClosure {
    fn drop(&mut self) {
        if let Some(drop) = self.0.drop.take() {
            // SAFETY: called exactly once (the Option is taken), per the header contract.
            unsafe { drop(self.0.userdata) };
        }
    }
}

/// Which stream a delivery thread drains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Channel 1.
    Video,
    /// Channel 2.
    Audio,
}

/// A running delivery thread.
#[derive(Debug)]
pub struct Delivery {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long the delivery thread waits for a frame before looking at its stop flag.
const POLL: Duration = Duration::from_millis(20);

thread_local! {
    /// On a delivery thread: the identity of the session it delivers for (0 elsewhere).
    static DELIVERING_FOR: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// True when the calling thread is a delivery thread of the session identified by `owner`
/// (the address of its box), i.e. the call comes from inside one of its callbacks.
pub fn delivering_for(owner: usize) -> bool {
    owner != 0 && DELIVERING_FOR.with(|d| d.get()) == owner
}

impl Delivery {
    /// Starts a thread that pulls frames of `stream` from `session` and calls `closure`.
    /// `owner` identifies the session (the address of its box) for [`delivering_for`].
    pub fn start(
        session: Arc<Session>,
        owner: usize,
        stream: Stream,
        closure: pppp_frame_closure,
    ) -> std::io::Result<Delivery> {
        let stop = Arc::new(AtomicBool::new(false));
        let closure = SendClosure(closure);
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("pppp-deliver-{stream:?}").to_lowercase())
            .spawn(move || {
                let closure = closure;
                DELIVERING_FOR.with(|d| d.set(owner));
                while !flag.load(Ordering::Acquire) {
                    let next = match stream {
                        Stream::Video => session.next_frame(POLL),
                        Stream::Audio => session.next_audio(POLL),
                    };
                    match next {
                        Ok(Some(f)) => {
                            if flag.load(Ordering::Acquire) {
                                break;
                            }
                            closure.call(&f);
                        }
                        Ok(None) => {}
                        Err(_) => break, // closed: every frame received was delivered
                    }
                }
                drop(closure); // runs `drop(userdata)` on this thread, last
            })?;
        Ok(Delivery {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it: no call happens after this returns, and the
    /// closure's `drop` has run.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs a device closure's `drop` when it goes out of scope.
pub(crate) struct DeviceClosure(pub pppp_device_closure);

impl DeviceClosure {
    pub(crate) fn call(&self, d: &pppp_device) {
        if let Some(call) = self.0.call {
            // SAFETY: `d` is live for the call; the callee's contract is the header's.
            unsafe { call(d, self.0.userdata) };
        }
    }
}

impl Drop for DeviceClosure {
    fn drop(&mut self) {
        if let Some(drop) = self.0.drop.take() {
            // SAFETY: exactly once (taken), per the header contract.
            unsafe { drop(self.0.userdata) };
        }
    }
}
