//! Callback closures (`{userdata, call, drop}`) and the small thread pool that runs them.

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};
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
    /// Called for each frame, on one of pppp's callback threads (a small pool shared by every
    /// session; one callback's calls never overlap and keep the frames' order).
    pub call: Option<unsafe extern "C" fn(frame: *const pppp_frame, userdata: *mut c_void)>,
    /// Called once, last, on a callback thread (or in the call that removed the callback).
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

/// A frame closure handed to the callback threads.
struct SendClosure(pppp_frame_closure);

// SAFETY: the header documents that `call` and `drop` run on pppp's callback threads with
// `userdata`; the caller vouches that `userdata` may be used from those threads.
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

/// Which stream a delivery drains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Channel 1.
    Video,
    /// Channel 2.
    Audio,
}

thread_local! {
    /// On a callback thread while it delivers: the identity of the session it delivers for
    /// (0 elsewhere).
    static DELIVERING_FOR: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// True when the calling thread is delivering frames of the session identified by `owner`
/// (the address of its box), i.e. the call comes from inside one of its callbacks.
pub fn delivering_for(owner: usize) -> bool {
    owner != 0 && DELIVERING_FOR.with(|d| d.get()) == owner
}

/// Environment variable: the number of threads running C callbacks (default 2).
pub const CALLBACK_THREADS_ENV: &str = "PPPP_CALLBACK_THREADS";

/// Frames one task delivers before the other tasks get a turn.
const QUANTUM: usize = 64;

/// One callback of one stream of one session, run by the pool.
struct Task {
    session: Arc<Session>,
    owner: usize,
    stream: Stream,
    /// In the pool's queue or being run: never queued twice, so calls stay in order.
    scheduled: AtomicBool,
    stop: AtomicBool,
    /// Held while the task delivers: `None` once its `drop` ran.
    closure: Mutex<Option<SendClosure>>,
}

impl Task {
    fn next(&self) -> Option<Frame> {
        match self.stream {
            Stream::Video => self.session.try_next_frame(),
            Stream::Audio => self.session.try_next_audio(),
        }
    }

    /// True when there is something to do: frames, a stop, or the end of the stream.
    fn has_work(&self) -> bool {
        let (video, audio) = self.session.queued_frames();
        let queued = match self.stream {
            Stream::Video => video,
            Stream::Audio => audio,
        };
        queued > 0 || self.stop.load(Ordering::Acquire) || !self.session.is_open()
    }

    /// Runs `drop(userdata)` (once) and leaves the pool's count of live tasks.
    fn finish(&self, closure: &mut Option<SendClosure>) {
        if closure.take().is_some() {
            pool().task_ended();
        }
    }

    /// Delivers up to [`QUANTUM`] frames. Returns true when it should run again.
    fn run(&self) -> bool {
        let mut closure = self.closure.lock();
        if closure.is_none() {
            return false;
        }
        DELIVERING_FOR.with(|d| d.set(self.owner));
        let mut again = false;
        for _ in 0..QUANTUM {
            if self.stop.load(Ordering::Acquire) {
                self.finish(&mut closure);
                break;
            }
            match self.next() {
                Some(f) => {
                    if let Some(c) = closure.as_ref() {
                        c.call(&f);
                    }
                    again = true;
                }
                None => {
                    if !self.session.is_open() {
                        // Closed and drained: every frame received was delivered.
                        self.finish(&mut closure);
                    }
                    again = false;
                    break;
                }
            }
        }
        DELIVERING_FOR.with(|d| d.set(0));
        again && closure.is_some()
    }
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Arc<Task>>,
    workers: usize,
    /// Tasks whose closure has not been dropped yet.
    live: usize,
    handles: Vec<JoinHandle<()>>,
}

/// The threads running C callbacks: a few for the whole process, each task (one callback of
/// one session) run by one thread at a time so that its frames arrive in order. Threads
/// start with the first callback and end with the last.
struct Pool {
    state: Mutex<PoolState>,
    cond: Condvar,
    threads: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(PoolState::default()),
        cond: Condvar::new(),
        threads: std::env::var(CALLBACK_THREADS_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(2)
            .clamp(1, 64),
    })
}

impl Pool {
    fn schedule(&self, t: &Arc<Task>) {
        if t.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut st = self.state.lock();
        st.queue.push_back(t.clone());
        let busy = st.workers;
        if busy < self.threads && busy < st.queue.len() + busy.min(1) {
            st.workers += 1;
            let spawned = std::thread::Builder::new()
                .name("pppp-callbacks".into())
                .spawn(|| pool().work());
            match spawned {
                Ok(h) => st.handles.push(h),
                Err(e) => {
                    st.workers -= 1;
                    tracing::error!("cannot start a callback thread: {e}");
                }
            }
        }
        drop(st);
        self.cond.notify_one();
    }

    fn work(&self) {
        let mut st = self.state.lock();
        loop {
            if let Some(t) = st.queue.pop_front() {
                drop(st);
                let again = t.run();
                t.scheduled.store(false, Ordering::Release);
                if again || t.has_work() {
                    self.schedule(&t);
                }
                st = self.state.lock();
                continue;
            }
            if st.live == 0 {
                st.workers -= 1;
                drop(st);
                self.cond.notify_all();
                return;
            }
            self.cond.wait(&mut st);
        }
    }

    fn task_started(&self) {
        self.state.lock().live += 1;
    }

    fn task_ended(&self) {
        let mut st = self.state.lock();
        st.live = st.live.saturating_sub(1);
        drop(st);
        self.cond.notify_all();
    }

    /// Once no callback is installed anywhere, waits for the threads to end (so that freeing
    /// every session leaves no thread behind). Not on a pool thread.
    fn reap(&self) {
        if DELIVERING_FOR.with(|d| d.get()) != 0 {
            return;
        }
        let mut st = self.state.lock();
        while st.live == 0 && st.workers > 0 && st.queue.is_empty() {
            self.cond.wait(&mut st);
        }
        if st.live == 0 && st.workers == 0 {
            let handles = std::mem::take(&mut st.handles);
            drop(st);
            for h in handles {
                let _ = h.join();
            }
        }
    }
}

/// The callbacks of one session, woken by the session's notify hook.
#[derive(Default)]
pub struct Deliveries {
    tasks: Mutex<[Option<Arc<Task>>; 2]>,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.tasks.lock();
        f.debug_struct("Deliveries")
            .field("video", &t[0].is_some())
            .field("audio", &t[1].is_some())
            .finish()
    }
}

impl Deliveries {
    /// Installs the notify hook of `session` that schedules its callbacks.
    pub fn install(session: &Session) -> Arc<Deliveries> {
        let d = Arc::new(Deliveries::default());
        let weak = Arc::downgrade(&d);
        session.set_notify(Some(Arc::new(move || {
            if let Some(d) = weak.upgrade() {
                d.wake();
            }
        })));
        d
    }

    fn wake(&self) {
        let tasks = self.tasks.lock().clone();
        for t in tasks.iter().flatten() {
            pool().schedule(t);
        }
    }

    fn index(stream: Stream) -> usize {
        match stream {
            Stream::Video => 0,
            Stream::Audio => 1,
        }
    }

    /// True when `stream` has a callback.
    pub fn is_set(&self, stream: Stream) -> bool {
        self.tasks.lock()[Self::index(stream)].is_some()
    }

    /// Installs `closure` for `stream` (replacing and stopping the previous one). `owner`
    /// identifies the session (the address of its box) for [`delivering_for`].
    pub fn start(
        &self,
        session: Arc<Session>,
        owner: usize,
        stream: Stream,
        closure: pppp_frame_closure,
    ) {
        self.stop(stream);
        pool().task_started();
        let t = Arc::new(Task {
            session,
            owner,
            stream,
            scheduled: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            closure: Mutex::new(Some(SendClosure(closure))),
        });
        self.tasks.lock()[Self::index(stream)] = Some(t.clone());
        // Frames may be queued already.
        pool().schedule(&t);
    }

    /// Removes the callback of `stream`: when this returns its last call has returned and its
    /// `drop` has run (here, or on a callback thread).
    pub fn stop(&self, stream: Stream) {
        let Some(t) = self.tasks.lock()[Self::index(stream)].take() else {
            return;
        };
        t.stop.store(true, Ordering::Release);
        // Waits for a delivery under way, then drops the closure unless the run did.
        let mut closure = t.closure.lock();
        t.finish(&mut closure);
    }

    /// Stops every callback and joins the callback threads if none is left anywhere.
    pub fn stop_all(&self) {
        self.stop(Stream::Video);
        self.stop(Stream::Audio);
        pool().reap();
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
