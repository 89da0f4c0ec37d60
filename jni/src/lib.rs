//! libvstc2_jni.so: the vendor `NativeCaller` Java API on the pppp core.
pub mod decode;
