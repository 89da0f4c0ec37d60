//! Natives that send one command or read: raw CGI (`TransferMessage`), PTZ, camera controls,
//! parameter reads, reboot, factory reset, SD card formatting and listing, snapshots; and
//! [`typed`], the way every typed method (here and in `settings`) reaches the camera.

use jni::objects::JString;
use jni::sys::jint;
use jni::JNIEnv;
use pppp::proto::cgi::CgiRequest;
use pppp::proto::dialect::Dialect;
use pppp::proto::ops::Op;
use pppp::proto::vstc2::{self, param_type};

use super::marshal::{device, queue, string};
use crate::codes::*;
use crate::device::{Device, Request};

natives! {
    fn transfer(env, _, d: JString, msg: JString, _len: jint) -> jint {
        let Some(text) = string(env, &msg) else {
            return ERR_INVALID_ARGUMENT;
        };
        queue(env, &d, Request::Transfer(text))
    }

    fn ptz(env, _, d: JString, cmd: jint) -> jint {
        let op = vstc2::ptz_op(cmd).ok();
        typed(env, &d, vstc2::ptz_request(cmd), op, param_type::DECODER_CONTROL)
    }

    fn camera_control(env, _, d: JString, p: jint, v: jint) -> jint {
        let op = vstc2::camera_control_op(p, v);
        typed(env, &d, vstc2::camera_control_request(p, v), op, param_type::CAMERA_CONTROL)
    }

    fn get_params(env, _, d: JString, kind: jint) -> jint {
        let Ok(getter) = vstc2::getter(kind) else {
            return ERR_INVALID_ARGUMENT;
        };
        let status = kind == param_type::GET_STATUS;
        if let Err(e) = in_dialect(env, &d, status) {
            return e;
        }
        queue(env, &d, Request::Get { getter, status })
    }

    fn reboot(env, _, d: JString) -> jint {
        let cgi = vstc2::plain_request("reboot");
        typed(env, &d, cgi, Some(Op::Reboot), param_type::REBOOT_DEVICE)
    }

    fn restore(env, _, d: JString) -> jint {
        let cgi = vstc2::plain_request("restore_factory");
        typed(env, &d, cgi, None, param_type::RESTORE_FACTORY)
    }

    fn format_sd(env, _, d: JString) {
        let cgi = vstc2::plain_request("set_formatsd");
        let _ = typed(env, &d, cgi, None, param_type::SET_RECORD_SCH);
    }

    fn record_files(env, _, d: JString, a: jint, b: jint) -> jint {
        let r = vstc2::record_file_request(a, b);
        queue(env, &d, Request::Transfer(format!("{}.cgi?{}", r.name, r.params)))
    }

    fn snapshot(env, _, d: JString, _file: JString) -> jint { queue(env, &d, Request::Snapshot) }
}

/// A typed method: refused at once when the camera's dialect is known and has no equivalent
/// (`op` is `None`).
pub(super) fn typed(
    env: &mut JNIEnv,
    d: &JString,
    cgi: CgiRequest,
    op: Option<Op>,
    kind: i32,
) -> jint {
    if let Err(e) = in_dialect(env, d, op.is_some()) {
        return e;
    }
    queue(env, d, Request::Set { cgi, op, kind })
}

/// `Ok` when the camera of `d` is started and either speaks CGI (or has not said yet) or the
/// method has an equivalent in every dialect (`everywhere`); the code to return otherwise.
fn in_dialect(env: &mut JNIEnv, d: &JString, everywhere: bool) -> Result<(), jint> {
    let dialect = device(env, d, Device::dialect)?;
    if matches!(dialect, Some(x) if x != Dialect::Cgi) && !everywhere {
        return Err(ERR_NOT_IN_DIALECT);
    }
    Ok(())
}
