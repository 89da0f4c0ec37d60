//! The registration of the natives: the (name, descriptor, function) table and
//! [`register_all`], which `JNI_OnLoad` calls.

use std::ffi::c_void;
use std::sync::OnceLock;

use jni::objects::{GlobalRef, JClass};
use jni::{JNIEnv, NativeMethod};

use super::commands::*;
use super::media::*;
use super::session::*;
use super::settings::*;
use crate::registry::Flavor;

/// The Java classes served, with their flavour.
pub const CLASSES: &[(&str, Flavor)] = &[
    ("vstc2/nativecaller/NativeCaller", Flavor::Vstc2),
    ("object/p2pipcam/nativecaller/NativeCaller", Flavor::Object),
];

static CLASS_REFS: OnceLock<Vec<(Flavor, GlobalRef)>> = OnceLock::new();

/// Registers the natives on every class that exists; returns how many pairs were registered
/// per class found.
pub fn register_all(env: &mut JNIEnv) -> Vec<(&'static str, usize)> {
    let mut refs = Vec::new();
    let mut report = Vec::new();
    for (name, flavor) in CLASSES {
        let class = match env.find_class(name) {
            Ok(c) => c,
            Err(_) => {
                let _ = env.exception_clear();
                continue;
            }
        };
        let mut count = 0;
        for (method, sig, ptr) in table() {
            let m = NativeMethod {
                name: method.into(),
                sig: sig.into(),
                fn_ptr: ptr,
            };
            if env.register_native_methods(&class, &[m]).is_ok() {
                count += 1;
            } else if env.exception_check().unwrap_or(false) {
                let _ = env.exception_clear(); // NoSuchMethodError: the class lacks this variant
            }
        }
        tracing::debug!(class = name, count, "natives registered");
        if let Ok(g) = env.new_global_ref(&class) {
            refs.push((*flavor, g));
        }
        report.push((*name, count));
    }
    let _ = CLASS_REFS.set(refs);
    report
}

/// The flavour of the class a static native was called on.
pub(super) fn flavor(env: &JNIEnv, class: &JClass) -> Flavor {
    CLASS_REFS
        .get()
        .and_then(|refs| {
            refs.iter()
                .find(|(_, g)| env.is_same_object(g, class).unwrap_or(false))
                .map(|(f, _)| *f)
        })
        .unwrap_or(Flavor::Vstc2)
}

fn f(p: *const ()) -> *mut c_void {
    p as *mut c_void
}

/// Every (name, descriptor, function) pair.
#[rustfmt::skip]
pub fn table() -> Vec<(&'static str, String, *mut c_void)> {
    const S: &str = "Ljava/lang/String;";
    let ints = |n: usize| "I".repeat(n);
    let sig =
        |params: &str, ret: &str| format!("({}){ret}", params.replace('S', S).replace("J_", "J"));
    let v: Vec<(&'static str, &str, &str, *mut c_void)> = vec![
        ("PPPPInitial", "S", "V", f(initial as *const ())),
        ("PPPPInitialOther", "S", "V", f(initial as *const ())),
        ("PTPInitial", "S", "V", f(initial as *const ())),
        ("QXPTPInitial", "S", "V", f(initial as *const ())),
        ("Init", "", "V", f(nothing as *const ())),
        ("Free", "", "V", f(free as *const ())),
        ("PPPPSetCallbackContext", "Landroid/content/Context;", "I", f(set_context1 as *const ())),
        ("PPPPSetCallbackContext", "Ljava/lang/Object;", "I", f(set_context1 as *const ())),
        ("PPPPSetCallbackContext2", "Landroid/content/Context;I", "I", f(set_context2 as *const ())),
        ("PPPPSetCallbackContext2", "Ljava/lang/Object;I", "I", f(set_context2 as *const ())),
        ("PPPPNetworkDetect", "", "I", f(zero_int as *const ())),
        ("StartPPPP", "SSS", "I", f(start3 as *const ())),
        ("StartPPPP", "SSSS", "I", f(start4 as *const ())),
        ("StartPPPP", "SSSIS", "I", f(start5 as *const ())),
        ("StartPPPP", "SSSISI", "I", f(start6 as *const ())),
        ("StartPPPPExt", "SSSISS", "I", f(start_ext6 as *const ())),
        ("StartPPPPExt", "SSSISSI", "I", f(start_ext7 as *const ())),
        ("StopPPPP", "S", "I", f(stop as *const ())),
        ("PPPPCameraStatus", "SI", "I", f(camera_status as *const ())),
        ("GetP2PConnetState", "S", "I", f(connect_state as *const ())),
        ("GetP2PVersion", "I", "I", f(zero_int as *const ())),
        ("GetVersion", "", "I", f(version as *const ())),
        ("IsPTPInitial", "", "I", f(zero_int as *const ())),
        ("IsQXPTPInitial", "", "I", f(zero_int as *const ())),
        ("PrintJNILog", "I", "V", f(nothing as *const ())),
        ("SetAPPDataPath", "S", "V", f(nothing as *const ())),
        ("FindProcessByName", "S", "I", f(zero_int as *const ())),
        ("StartVUID", "SSISSISJ_", "I", f(unsupported_int as *const ())),
        ("StartSearch", "", "V", f(start_search as *const ())),
        ("StopSearch", "", "V", f(stop_search as *const ())),
        ("StartPPPPLivestream", "SI", "I", f(live2 as *const ())),
        ("StartPPPPLivestream", "SII", "I", f(live3 as *const ())),
        ("StartPPPPLivestream", "SISI", "I", f(live_obj as *const ())),
        ("StopPPPPLivestream", "S", "I", f(live_stop as *const ())),
        ("PPPPStartAudio", "S", "I", f(audio_start as *const ())),
        ("PPPPStopAudio", "S", "I", f(audio_stop as *const ())),
        ("PPPPStartTalk", "S", "I", f(talk_switch as *const ())),
        ("PPPPStartTalk", "SI", "I", f(talk_switch_int as *const ())),
        ("PPPPStartTalk2", "SI", "I", f(talk_switch_int as *const ())),
        ("PPPPStopTalk", "S", "I", f(talk_switch as *const ())),
        ("PPPPTalkAudioData", "S[BI", "I", f(talk_data as *const ())),
        ("StartPlayBack", "SSII", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSIII", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSI", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSIJ_SII", "I", f(unsupported_int as *const ())),
        ("StopPlayBack", "S", "I", f(unsupported_int as *const ())),
        ("PausePlayBack", "SI", "I", f(unsupported_int as *const ())),
        ("PlayBackMovePos", "SF", "J", f(ignored_float_arg as *const ())),
        ("SetPlayBackPos", "SJ_", "I", f(unsupported_int as *const ())),
        ("StrarRecordPlayBack", "SS", "I", f(unsupported_int as *const ())),
        ("RecordLocal", "SSI", "I", f(record_local as *const ())),
        ("SetHardCodeing", "SI", "I", f(zero_int as *const ())),
        ("YUV4202RGB565", "[B[BII", "I", f(yuv_to_rgb565 as *const ())),
        ("DecodeH264Frame", "[BI[BI[I", "I", f(decode_h264 as *const ())),
        ("ResetDecodeH264", "", "I", f(reset_decoder as *const ())),
        ("DecodeAudio", "[BIIII", "I", f(unsupported_int as *const ())),
        ("FreeDecodeAudio", "", "I", f(unsupported_int as *const ())),
        ("OpenAvi", "SSIII", "I", f(unsupported_int as *const ())),
        ("CloseAvi", "", "I", f(unsupported_int as *const ())),
        ("WriteData", "[BII", "I", f(unsupported_int as *const ())),
        ("OpenAviFileName", "SSSIII", "I", f(unsupported_int as *const ())),
        ("CloseAvi", "S", "I", f(unsupported_int as *const ())),
        ("WriteData", "S[BII", "I", f(unsupported_int as *const ())),
        ("WriteAudioData", "S[BI", "I", f(unsupported_int as *const ())),
        ("TransferMessage", "SSI", "I", f(transfer as *const ())),
        ("TransferMessage1", "SSI", "I", f(transfer as *const ())),
        ("PPPPPTZControl", "SI", "I", f(ptz as *const ())),
        ("PPPPCameraControl", "SII", "I", f(camera_control as *const ())),
        ("PPPPGetCGI", "SI", "I", f(get_params as *const ())),
        ("PPPPGetSystemParams", "SI", "I", f(get_params as *const ())),
        ("PPPPRebootDevice", "S", "I", f(reboot as *const ())),
        ("PPPPRestorFactory", "S", "I", f(restore as *const ())),
        ("FormatSD", "S", "V", f(format_sd as *const ())),
        ("FormatSD", "S", "I", f(unsupported_int as *const ())),
        ("PPPPGetSDCardRecordFileList", "SII", "I", f(record_files as *const ())),
        ("SnapShot", "SS", "I", f(snapshot as *const ())),
        ("PPPPWifiSetting", "SISIIIIIISSSSIIIIS", "I", f(wifi_setting as *const ())),
        ("PPPPNetworkSetting", "SSSSSSIII", "I", f(network_setting as *const ())),
        ("PPPPUserSetting", "SSSSSSS", "I", f(user_setting as *const ())),
        ("PPPPDatetimeSetting", "SIIIS", "I", f(datetime_setting as *const ())),
        ("PPPPDatetimeSetting", "SIIISI", "I", f(datetime_setting_obj as *const ())),
        ("PPPPDDNSSetting", "SISSSSII", "I", f(ddns_setting as *const ())),
        ("PPPPMailSetting", "SSISSISSSSS", "I", f(mail_setting as *const ())),
        ("PPPPFtpSetting", "SSSSSIII", "I", f(ftp_setting as *const ())),
        ("UpgradeFirmware", "SSSI", "V", f(nothing as *const ())),
        ("SetSensorStatus", "SI", "I", f(unsupported_int as *const ())),
        ("DeleSensor", "SI", "I", f(unsupported_int as *const ())),
        ("EditSensor", "SIS", "I", f(unsupported_int as *const ())),
        ("SetSensorPrest", "SII", "I", f(unsupported_int as *const ())),
        ("PPPPAlarmOpenCloseSetting", "SII", "I", f(unsupported_int as *const ())),
        ("SetAPParam", "SSS", "I", f(unsupported_int as *const ())),
        ("DeletFile", "SS", "I", f(unsupported_int as *const ())),
        ("PPPPSetUserTime", "SIIIIII", "I", f(unsupported_int as *const ())),
    ];
    let mut out: Vec<(&'static str, String, *mut c_void)> = v
        .into_iter()
        .map(|(n, p, r, ptr)| (n, sig(p, r), ptr))
        .collect();
    for (name, n, ptr) in [
        ("PPPPPTZSetting", 9, f(ptz_setting as *const ())),
        ("PPPPAlarmSetting", 33, f(alarm33 as *const ())),
        ("PPPPAlarmSetting", 56, f(alarm56 as *const ())),
        ("PPPPSDRecordSetting", 25, f(record25 as *const ())),
        ("PPPPSDRecordSetting", 27, f(record27 as *const ())),
        ("PPPPEverydaySetting", 6, f(everyday as *const ())),
    ] {
        out.push((name, format!("({S}{})I", ints(n)), ptr));
    }
    out
}
