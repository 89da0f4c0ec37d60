//! Java callbacks: the methods an app's callback object may declare (every known descriptor
//! per name, SDK generations differ), looked up once per context with `GetMethodID` on
//! `GetObjectClass(context)` (private methods included), and called with the arguments each
//! descriptor takes. A missing method is skipped; an exception a callback throws is described
//! (logged) and cleared.

use std::sync::Arc;

use jni::objects::{GlobalRef, JMethodID, JObject, JValueOwned};
use jni::signature::{Primitive, ReturnType};
use jni::sys::jvalue;
use jni::JNIEnv;
use pppp::proto::vstc2::{self, Arg, Kind, ReplyLayout};

/// One argument value of a callback event.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A Java `int` (also given to `short` and `long` parameters).
    Int(i64),
    /// A Java `String`.
    Str(String),
    /// A Java `byte[]`.
    Bytes(Arc<[u8]>),
}

impl From<&Arg> for Val {
    fn from(a: &Arg) -> Val {
        match a {
            Arg::Int(n) => Val::Int(*n),
            Arg::Text(s) => Val::Str(s.clone()),
        }
    }
}

/// Something to tell Java: a callback name and named values; each descriptor of the callback
/// picks the values it takes by name (a name the event lacks is 0, `""` or an empty array).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The callback's name.
    pub name: &'static str,
    /// Named values.
    pub vals: Vec<(&'static str, Val)>,
}

impl Event {
    /// An event for `name`.
    pub fn new(name: &'static str, vals: Vec<(&'static str, Val)>) -> Event {
        Event { name, vals }
    }

    fn get(&self, key: &str) -> Option<&Val> {
        self.vals.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// One callback signature: name, JNI descriptor, and the event value for each parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Method name.
    pub name: &'static str,
    /// JNI descriptor.
    pub desc: String,
    /// Event value names, one per parameter.
    pub fields: Vec<&'static str>,
}

const S: &str = "Ljava/lang/String;";

/// The fixed callbacks (docs/vendor-api.md §2.2, newest generation first): each signature's
/// name and the event value of each parameter, whose Java type [`java_type`] gives.
#[rustfmt::skip]
const FIXED: &[(&str, &str)] = &[
    ("PPPPMsgNotify", "did type param"),
    ("MessageNotify", "did type param"),
    ("VideoData", "did buf h264 len width height time milli sessid version origlen"),
    ("VideoData", "did buf h264 len width height time sessid version"),
    ("VideoData", "did buf h264 len width height time sessid"),
    ("VideoData", "did buf h264 len width height time"),
    ("CallBack_H264Data", "did buf type len time milli sessid version"),
    ("CallBack_H264Data", "did buf type len time sessid version"),
    ("CallBack_H264Data", "did buf type len time"),
    ("CallBack_H264Data", "did buf type len"),
    ("CallBack_VideoTrans_H264H265", "did buf type len time"),
    ("AudioData", "buf len"),
    ("SearchResult", "sysver appver mac name did ip port"),
    ("SearchResult", "camtype mac name did ip port"),
    ("CallBack_SetSystemParamsResult", "did type result"),
    ("CallBackTransCMDString", "did text"),
    ("CallBackTransferMessage", "did text cmd - - - - - - -"),
    ("CallBackTransferMessage", "did text cmd"),
    ("CallBack_Snapshot", "did buf len"),
    ("PPPPSnapshotNotify", "did buf len"),
];

/// The Java type of a fixed callback's parameter, by the event value it takes: text is a
/// `String`, `buf` a `byte[]`, `milli` a `short`, anything else (`-`: a parameter no event
/// fills) an `int`.
fn java_type(field: &str) -> &'static str {
    match field {
        "did" | "text" | "sysver" | "appver" | "mac" | "name" | "ip" => S,
        "buf" => "[B",
        "milli" => "S",
        _ => "I",
    }
}

/// Every callback signature: the fixed ones and one per reply layout of the core's vstc2
/// catalogue (`CallBack_*Params`, `CallBack_WifiScanResult`), whose descriptors follow from
/// the layouts' argument types.
pub fn specs() -> Vec<Spec> {
    let mut v: Vec<Spec> = FIXED
        .iter()
        .map(|(name, fields)| {
            let fields: Vec<&str> = fields.split_whitespace().collect();
            let params: String = fields.iter().map(|f| java_type(f)).collect();
            Spec {
                name,
                desc: format!("({params})V"),
                fields,
            }
        })
        .collect();
    let layouts = vstc2::LAYOUTS.iter().chain([&vstc2::WIFI_SCAN_RESULT]);
    for l in layouts {
        v.push(layout_spec(l));
    }
    v
}

/// The descriptor and value names of a reply layout's callback: `(String did, …)V`, values
/// named after the layout's fields.
pub fn layout_spec(l: &ReplyLayout) -> Spec {
    let mut desc = format!("({S}");
    let mut fields = vec!["did"];
    for (key, kind) in l.fields {
        desc.push_str(match kind {
            Kind::Int => "I",
            Kind::Text => S,
        });
        fields.push(key);
    }
    desc.push_str(")V");
    Spec {
        name: l.callback,
        desc,
        fields,
    }
}

/// The event of a reply layout's callback.
pub fn layout_event(l: &ReplyLayout, did: &str, args: &[Arg]) -> Event {
    let mut vals = vec![("did", Val::Str(did.to_owned()))];
    vals.extend(
        l.fields
            .iter()
            .zip(args)
            .map(|((k, _), a)| (*k, Val::from(a))),
    );
    Event::new(l.callback, vals)
}

/// The callbacks an app's context object declares.
pub struct Callbacks {
    obj: GlobalRef,
    found: Vec<(Spec, JMethodID)>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .found
            .iter()
            .map(|(s, _)| format!("{}{}", s.name, s.desc))
            .collect();
        f.debug_struct("Callbacks").field("found", &names).finish()
    }
}

impl Callbacks {
    /// Looks every known callback up on `GetObjectClass(obj)`; a signature the class lacks is
    /// skipped (its `NoSuchMethodError` cleared).
    pub fn resolve(env: &mut JNIEnv, obj: &JObject) -> jni::errors::Result<Callbacks> {
        let class = env.get_object_class(obj)?;
        let mut found = Vec::new();
        for spec in specs() {
            match env.get_method_id(&class, spec.name, spec.desc.as_str()) {
                Ok(id) => found.push((spec, id)),
                Err(_) => {
                    if env.exception_check().unwrap_or(false) {
                        let _ = env.exception_clear();
                    }
                }
            }
        }
        let obj = env.new_global_ref(obj)?;
        env.delete_local_ref(class)?;
        tracing::debug!(count = found.len(), "callbacks resolved");
        Ok(Callbacks { obj, found })
    }

    /// True when the object is `obj` (the same context set again reuses the lookup).
    pub fn is_object(&self, env: &JNIEnv, obj: &JObject) -> bool {
        env.is_same_object(&self.obj, obj).unwrap_or(false)
    }

    /// True when the app declares callback `name` in any known signature.
    pub fn has(&self, name: &str) -> bool {
        self.found.iter().any(|(s, _)| s.name == name)
    }

    /// The resolved signatures (for tests and logs).
    pub fn signatures(&self) -> Vec<String> {
        self.found
            .iter()
            .map(|(s, _)| format!("{}{}", s.name, s.desc))
            .collect()
    }

    /// Calls the first declared signature of `ev.name` (none: nothing happens). A Java
    /// exception is described and cleared; local references are freed before returning.
    pub fn call(&self, env: &mut JNIEnv, ev: &Event) {
        let Some((spec, id)) = self.found.iter().find(|(s, _)| s.name == ev.name) else {
            return;
        };
        let r = env.with_local_frame(16, |env| -> jni::errors::Result<()> {
            let params = parameter_types(&spec.desc);
            let mut owned: Vec<JValueOwned> = Vec::with_capacity(params.len());
            for (ty, field) in params.iter().zip(&spec.fields) {
                owned.push(marshal(env, ty, ev.get(field))?);
            }
            let args: Vec<jvalue> = owned.iter().map(|v| v.as_jni()).collect();
            // SAFETY: `id` was resolved on this object's class with `spec.desc`, and `args`
            // holds one value of the descriptor's type per parameter, in order.
            let r = unsafe {
                env.call_method_unchecked(
                    &self.obj,
                    *id,
                    ReturnType::Primitive(Primitive::Void),
                    &args,
                )
            };
            if env.exception_check()? {
                tracing::warn!(callback = spec.name, "the Java callback threw an exception");
                let _ = env.exception_describe();
                env.exception_clear()?;
                return Ok(());
            }
            r.map(drop)
        });
        if let Err(e) = r {
            tracing::warn!(callback = spec.name, "callback failed: {e}");
            if env.exception_check().unwrap_or(false) {
                let _ = env.exception_clear();
            }
        }
    }
}

/// The parameter types of a method descriptor: `I`, `S`, `J`, `F`, `Z`, `[B`,
/// `Ljava/lang/String;`, … (arrays and classes kept whole).
pub fn parameter_types(desc: &str) -> Vec<String> {
    let inner = desc
        .strip_prefix('(')
        .and_then(|d| d.split(')').next())
        .unwrap_or("");
    let b = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while b[i] == b'[' {
            i += 1;
        }
        if b[i] == b'L' {
            while i < b.len() && b[i] != b';' {
                i += 1;
            }
        }
        i += 1;
        out.push(inner[start..i.min(b.len())].to_owned());
    }
    out
}

fn marshal<'l>(
    env: &mut JNIEnv<'l>,
    ty: &str,
    v: Option<&Val>,
) -> jni::errors::Result<JValueOwned<'l>> {
    let int = match v {
        Some(Val::Int(n)) => *n,
        Some(Val::Bytes(b)) => b.len() as i64,
        _ => 0,
    };
    Ok(match ty {
        "I" => JValueOwned::Int(int as i32),
        "S" => JValueOwned::Short(int as i16),
        "J" => JValueOwned::Long(int),
        "Z" => JValueOwned::Bool(u8::from(int != 0)),
        "B" => JValueOwned::Byte(int as i8),
        "F" => JValueOwned::Float(int as f32),
        "Ljava/lang/String;" => {
            let s = match v {
                Some(Val::Str(s)) => s.as_str(),
                _ => "",
            };
            JValueOwned::Object(env.new_string(s)?.into())
        }
        "[B" => {
            let b: &[u8] = match v {
                Some(Val::Bytes(b)) => b,
                _ => &[],
            };
            JValueOwned::Object(env.byte_array_from_slice(b)?.into())
        }
        _ => JValueOwned::Object(JObject::null()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_split_into_parameters() {
        assert_eq!(
            parameter_types("(Ljava/lang/String;[BIIIIISIII)V"),
            [
                "Ljava/lang/String;",
                "[B",
                "I",
                "I",
                "I",
                "I",
                "I",
                "S",
                "I",
                "I",
                "I"
            ]
        );
        assert_eq!(parameter_types("([BI)V"), ["[B", "I"]);
        assert_eq!(parameter_types("()V"), Vec::<String>::new());
        assert_eq!(
            parameter_types("([[ILjava/lang/Object;J)I"),
            ["[[I", "Ljava/lang/Object;", "J"]
        );
    }

    #[test]
    fn every_spec_names_one_value_per_parameter() {
        for s in specs() {
            assert_eq!(
                parameter_types(&s.desc).len(),
                s.fields.len(),
                "{}{}",
                s.name,
                s.desc
            );
        }
        let status = layout_spec(&vstc2::STATUS_PARAMS);
        assert_eq!(
            status.desc,
            "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;IIII)V"
        );
        let alarm = layout_spec(&vstc2::ALARM_PARAMS);
        assert_eq!(parameter_types(&alarm.desc).len(), 57);
    }

    #[test]
    fn fixed_descriptors_are_the_sdks() {
        let fixed: Vec<String> = specs()
            .iter()
            .take(FIXED.len())
            .map(|s| format!("{}{}", s.name, s.desc))
            .collect();
        assert_eq!(
            fixed,
            [
                "PPPPMsgNotify(Ljava/lang/String;II)V",
                "MessageNotify(Ljava/lang/String;II)V",
                "VideoData(Ljava/lang/String;[BIIIIISIII)V",
                "VideoData(Ljava/lang/String;[BIIIIIII)V",
                "VideoData(Ljava/lang/String;[BIIIIII)V",
                "VideoData(Ljava/lang/String;[BIIIII)V",
                "CallBack_H264Data(Ljava/lang/String;[BIIISII)V",
                "CallBack_H264Data(Ljava/lang/String;[BIIIII)V",
                "CallBack_H264Data(Ljava/lang/String;[BIII)V",
                "CallBack_H264Data(Ljava/lang/String;[BII)V",
                "CallBack_VideoTrans_H264H265(Ljava/lang/String;[BIII)V",
                "AudioData([BI)V",
                "SearchResult(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I)V",
                "SearchResult(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I)V",
                "CallBack_SetSystemParamsResult(Ljava/lang/String;II)V",
                "CallBackTransCMDString(Ljava/lang/String;Ljava/lang/String;)V",
                "CallBackTransferMessage(Ljava/lang/String;Ljava/lang/String;IIIIIIII)V",
                "CallBackTransferMessage(Ljava/lang/String;Ljava/lang/String;I)V",
                "CallBack_Snapshot(Ljava/lang/String;[BI)V",
                "PPPPSnapshotNotify(Ljava/lang/String;[BI)V",
            ]
        );
    }
}
