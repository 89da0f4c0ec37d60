//! A request made once a session is finished completes at once with `Closed`, even when it
//! is made from the session's last notify call, while its I/O side is still being torn down
//! (an event loop woken by that call and asking again used to wait forever: `pppp.aio`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use pppp::client::{Session, SessionConfig};
use pppp::proto::ops::Op;
use pppp::Error;

const UID: &str = "DGOA-246802-FINIS";

#[test]
fn a_request_from_the_last_notify_call_completes() {
    let cam = common::start_loopback(common::loopback_config(UID));
    let mut c = SessionConfig::new(UID).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(5);
    let s = Arc::new(Session::connect(c).unwrap());
    s.login().unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    let weak = Arc::downgrade(&s);
    s.set_notify(Some(Arc::new(move || {
        let Some(s) = weak.upgrade() else { return };
        if s.is_finished() {
            let tx = tx.clone();
            s.op_with(
                Op::GetParams,
                Box::new(move |r| {
                    let _ = tx.send(r);
                }),
            );
        }
    })));
    s.close();
    assert!(s.is_finished());
    // A bound for a failure, not a measure: the outcome comes at once.
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Err(Error::Closed(_))) => {}
        other => panic!("the request made after the finish: {other:?}"),
    }
}
