//! Callback closures (`{userdata, call, drop}`) and the small thread pool that runs them:
//! frames, audio and session events.

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};
use pppp::client::{Frame, Session, SessionEvent};

use crate::discovery::pppp_device;
use crate::event::{pppp_event, EventBox};
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

/// An event callback: `call(event, userdata)` for each session event, in order, then
/// `drop(userdata)` exactly once when the callback is replaced, the session is freed, or after
/// the last event (`CLOSED`). `call` and `drop` may be NULL. `event` is borrowed for the
/// duration of `call` (copy what you keep).
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_event_closure {
    /// Passed back to `call` and `drop` untouched.
    pub userdata: *mut c_void,
    /// Called for each event, on one of pppp's callback threads (the pool of the frame
    /// callbacks; one callback's calls never overlap and keep the events' order).
    pub call: Option<unsafe extern "C" fn(event: *const pppp_event, userdata: *mut c_void)>,
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

/// A callback of either kind.
#[derive(Debug)]
pub enum Closure {
    /// Video or audio frames.
    Frame(pppp_frame_closure),
    /// Session events.
    Event(pppp_event_closure),
}

impl Closure {
    /// Its `drop` (which the caller runs when the closure is not installed).
    pub fn parts(&self) -> (*mut c_void, Option<unsafe extern "C" fn(*mut c_void)>) {
        match self {
            Closure::Frame(c) => (c.userdata, c.drop),
            Closure::Event(c) => (c.userdata, c.drop),
        }
    }

    /// True when it has a `call`.
    pub fn calls(&self) -> bool {
        match self {
            Closure::Frame(c) => c.call.is_some(),
            Closure::Event(c) => c.call.is_some(),
        }
    }
}

/// What a task hands its callback.
enum Item {
    Frame(Frame),
    Event(SessionEvent),
}

/// A closure handed to the callback threads.
struct SendClosure(Closure);

// SAFETY: the header documents that `call` and `drop` run on pppp's callback threads with
// `userdata`; the caller vouches that `userdata` may be used from those threads.
unsafe impl Send for SendClosure {}

impl SendClosure {
    fn call(&self, item: &Item) {
        match (&self.0, item) {
            (Closure::Frame(c), Item::Frame(f)) => {
                if let Some(call) = c.call {
                    let p = (f as *const Frame).cast::<pppp_frame>();
                    // SAFETY: `p` points to a live frame for the duration of the call; the
                    // callee's contract is the header's.
                    unsafe { call(p, c.userdata) };
                }
            }
            (Closure::Event(c), Item::Event(e)) => {
                if let Some(call) = c.call {
                    let ev = EventBox::new(e);
                    // SAFETY: the event lives until after the call; the callee's contract is
                    // the header's.
                    unsafe { call(ev.as_ptr(), c.userdata) };
                }
            }
            _ => {}
        }
    }
}

impl Drop for SendClosure {
    fn drop(&mut self) {
        let drop = match &mut self.0 {
            Closure::Frame(c) => c.drop.take(),
            Closure::Event(c) => c.drop.take(),
        };
        if let Some(drop) = drop {
            let (userdata, _) = self.0.parts();
            // SAFETY: called exactly once (the Option is taken), per the header contract.
            unsafe { drop(userdata) };
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
    /// Session events.
    Events,
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
    /// The closure's `drop` ran: nothing more to do.
    finished: AtomicBool,
    /// Held while the task delivers: `None` once its `drop` ran.
    closure: Mutex<Option<SendClosure>>,
}

impl Task {
    fn next(&self) -> Option<Item> {
        match self.stream {
            Stream::Video => self.session.try_next_frame().map(Item::Frame),
            Stream::Audio => self.session.try_next_audio().map(Item::Frame),
            Stream::Events => self.session.try_next_event().map(Item::Event),
        }
    }

    /// True once nothing more can come on the task's stream: frames stop with the close,
    /// events (the close's own included) once the session is finished.
    fn ended(&self) -> bool {
        match self.stream {
            Stream::Video | Stream::Audio => !self.session.is_open(),
            Stream::Events => self.session.is_finished(),
        }
    }

    /// True when there is something to do: items, a stop, or the end of the stream.
    fn has_work(&self) -> bool {
        if self.finished.load(Ordering::Acquire) {
            return false;
        }
        let (video, audio) = self.session.queued_frames();
        let queued = match self.stream {
            Stream::Video => video > 0,
            Stream::Audio => audio > 0,
            Stream::Events => !self.session.events().is_empty(),
        };
        queued || self.stop.load(Ordering::Acquire) || self.ended()
    }

    /// Runs `drop(userdata)` (once) and leaves the pool's count of live tasks.
    fn finish(&self, closure: &mut Option<SendClosure>) {
        if closure.take().is_some() {
            self.finished.store(true, Ordering::Release);
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
                Some(item) => {
                    if let Some(c) = closure.as_ref() {
                        c.call(&item);
                    }
                    again = true;
                }
                None => {
                    if self.ended() {
                        // Ended and drained: everything received was delivered.
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
    tasks: Mutex<[Option<Arc<Task>>; 3]>,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.tasks.lock();
        f.debug_struct("Deliveries")
            .field("video", &t[0].is_some())
            .field("audio", &t[1].is_some())
            .field("events", &t[2].is_some())
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
            Stream::Events => 2,
        }
    }

    /// True when `stream` has a callback.
    pub fn is_set(&self, stream: Stream) -> bool {
        self.tasks.lock()[Self::index(stream)].is_some()
    }

    /// Installs `closure` for `stream` (replacing and stopping the previous one). `owner`
    /// identifies the session (the address of its box) for [`delivering_for`].
    pub fn start(&self, session: Arc<Session>, owner: usize, stream: Stream, closure: Closure) {
        self.stop(stream);
        pool().task_started();
        let t = Arc::new(Task {
            session,
            owner,
            stream,
            scheduled: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            closure: Mutex::new(Some(SendClosure(closure))),
        });
        self.tasks.lock()[Self::index(stream)] = Some(t.clone());
        // Items may be queued already.
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
        self.stop(Stream::Events);
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
