//! LAN discovery: `pppp_discover` (an array), `pppp_discover_with` (a callback), and
//! `pppp_discovery` (started, pulled, cancelled).

use std::ffi::c_char;
use std::time::Duration;

use pppp::client::{discover_with, Device, DiscoverOptions, Discovery};

use crate::callback::{pppp_device_closure, DeviceClosure};
use crate::error::{boundary, fill_fixed, opt_str_arg, put, str_arg, Fail};
use crate::pppp_result;

/// A camera that answered the LAN search. Strings are NUL-terminated (truncated to fit).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_device {
    /// Its UID, e.g. `"DGOA-123456-ABCDE"`.
    pub uid: [c_char; 32],
    /// The address it answered from, `"IP:PORT"` (its session socket).
    pub addr: [c_char; 64],
    /// The cipher its answer decoded under: `"plain"` or the PSK.
    pub cipher: [c_char; 64],
    /// The port of `addr`.
    pub port: u16,
}

impl pppp_device {
    fn from_device(d: &Device) -> Self {
        let mut out = pppp_device {
            uid: [0; 32],
            addr: [0; 64],
            cipher: [0; 64],
            port: d.addr.port(),
        };
        fill_fixed(&mut out.uid, &d.uid.to_string());
        fill_fixed(&mut out.addr, &d.addr.to_string());
        fill_fixed(&mut out.cipher, &d.cipher.to_string());
        out
    }
}

/// Options of a discovery. Initialise with `pppp_discover_options_init`, then change fields.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_discover_options {
    /// Unicast targets `"HOST[:PORT]"` (port 32108 by default); may be NULL when
    /// `targets_len` is 0.
    pub targets: *const *const c_char,
    /// Number of `targets`.
    pub targets_len: usize,
    /// Also broadcast on every IPv4 interface. Ignored when the environment variable
    /// `PPPP_LAN_TARGETS=host[:port],...` is set: its addresses are searched by unicast instead.
    pub broadcast: bool,
    /// How long to listen, in milliseconds (0: 2000).
    pub timeout_ms: u32,
    /// `"auto"` (NULL), `"none"`, a PSK name, or `"custom:<psk>"`.
    pub psk: *const c_char,
    /// Local address to bind, `"IP:PORT"` (NULL: any).
    pub bind: *const c_char,
}

/// Fills `*options` with the defaults: no unicast target, broadcast on, 2000 ms, PSK auto.
#[no_mangle]
pub unsafe extern "C" fn pppp_discover_options_init(options: *mut pppp_discover_options) {
    crate::error::boundary_value((), || {
        if options.is_null() {
            return;
        }
        let d = pppp_discover_options {
            targets: std::ptr::null(),
            targets_len: 0,
            broadcast: true,
            timeout_ms: 2000,
            psk: std::ptr::null(),
            bind: std::ptr::null(),
        };
        // SAFETY: non-NULL, the caller's struct.
        unsafe { put(options, d) };
    })
}

/// # Safety
/// `o` must be NULL or a valid options struct whose pointers are valid.
unsafe fn to_options(o: *const pppp_discover_options) -> Result<DiscoverOptions, Fail> {
    let mut out = DiscoverOptions::default();
    if o.is_null() {
        return Ok(out);
    }
    // SAFETY: non-NULL per check; the caller's struct.
    let o = unsafe { &*o };
    if o.targets_len > 0 {
        if o.targets.is_null() {
            return Err(Fail::null("options->targets"));
        }
        for i in 0..o.targets_len {
            // SAFETY: `targets` holds `targets_len` pointers (header contract).
            let t = unsafe { *o.targets.add(i) };
            // SAFETY: each is a NUL-terminated string.
            out.to
                .push(unsafe { str_arg(t, "options->targets[i]") }?.to_owned());
        }
    }
    out.broadcast = o.broadcast;
    if o.timeout_ms > 0 {
        out.timeout = Duration::from_millis(u64::from(o.timeout_ms));
    }
    // SAFETY: NULL or NUL-terminated per the header.
    if let Some(p) = unsafe { opt_str_arg(o.psk, "options->psk") }? {
        out.psk = pppp::client::parse_psk(p)?;
    }
    // SAFETY: as above.
    if let Some(b) = unsafe { opt_str_arg(o.bind, "options->bind") }? {
        out.bind = Some(b.parse().map_err(|_| {
            Fail::new(
                pppp_result::InvalidAddress,
                format!("options->bind {b:?} is not IP:PORT"),
            )
        })?);
    }
    Ok(out)
}

/// Searches the LAN (blocking for `timeout_ms`) and returns every camera that answered as an
/// array in `*devices` (NULL when none) of `*count` entries; free it with
/// `pppp_devices_free(devices, count)`. `options` may be NULL for the defaults.
#[no_mangle]
pub unsafe extern "C" fn pppp_discover(
    options: *const pppp_discover_options,
    devices: *mut *mut pppp_device,
    count: *mut usize,
) -> pppp_result {
    boundary(|| {
        if devices.is_null() {
            return Err(Fail::null("devices"));
        }
        if count.is_null() {
            return Err(Fail::null("count"));
        }
        // SAFETY: header contract for `options`.
        let opts = unsafe { to_options(options) }?;
        let found = discover_with(&opts, |_| {})?;
        let list: Box<[pppp_device]> = found.iter().map(pppp_device::from_device).collect();
        let n = list.len();
        let p = if n == 0 {
            std::ptr::null_mut()
        } else {
            Box::into_raw(list).cast::<pppp_device>()
        };
        // SAFETY: both checked non-NULL.
        unsafe {
            put(devices, p);
            put(count, n);
        }
        Ok(())
    })
}

/// Frees an array from `pppp_discover` and sets `*devices` to NULL. Accepts NULL and a NULL
/// `*devices`. `count` must be the count `pppp_discover` returned.
#[no_mangle]
pub unsafe extern "C" fn pppp_devices_free(devices: *mut *mut pppp_device, count: usize) {
    crate::error::boundary_value((), || {
        if devices.is_null() {
            return;
        }
        // SAFETY: the caller's handle slot.
        let p = unsafe { std::ptr::replace(devices, std::ptr::null_mut()) };
        if !p.is_null() && count > 0 {
            // SAFETY: `p`/`count` describe a boxed slice made by `pppp_discover`.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, count)) });
        }
    })
}

/// Searches the LAN (blocking for `timeout_ms`), calling `callback.call` on this thread for
/// each camera as soon as it answers, then `callback.drop` once (also on failure).
#[no_mangle]
pub unsafe extern "C" fn pppp_discover_with(
    options: *const pppp_discover_options,
    callback: pppp_device_closure,
) -> pppp_result {
    let closure = DeviceClosure(callback);
    boundary(move || {
        // SAFETY: header contract for `options`.
        let opts = unsafe { to_options(options) }?;
        discover_with(&opts, |d| closure.call(&pppp_device::from_device(d)))?;
        Ok(())
    })
}

/// A LAN search under way (opaque): devices are pulled as they answer, and
/// `pppp_discovery_cancel` ends it at once. Every function may be called from any thread.
///
/// Functions: `pppp_discovery_start`, `pppp_discovery_next`, `pppp_discovery_is_finished`,
/// `pppp_discovery_cancel`, `pppp_discovery_free`.
#[derive(Debug)]
pub struct pppp_discovery {
    _private: [u8; 0],
}

/// # Safety
/// `d` must be NULL or a live discovery from `pppp_discovery_start`.
unsafe fn discovery<'a>(d: *const pppp_discovery) -> Result<&'a Discovery, Fail> {
    if d.is_null() {
        return Err(Fail::null("discovery"));
    }
    // SAFETY: per this function's contract, the address of a boxed Discovery.
    Ok(unsafe { &*d.cast::<Discovery>() })
}

/// Starts a LAN search (as `pppp_discover`, listening for `options->timeout_ms`) and stores it
/// in `*discovery` at once. `options` may be NULL for the defaults. Free it with
/// `pppp_discovery_free`.
#[no_mangle]
pub unsafe extern "C" fn pppp_discovery_start(
    options: *const pppp_discover_options,
    discovery: *mut *mut pppp_discovery,
) -> pppp_result {
    boundary(|| {
        if discovery.is_null() {
            return Err(Fail::null("discovery"));
        }
        // SAFETY: header contract for `options`.
        let opts = unsafe { to_options(options) }?;
        let d = Box::new(Discovery::start(&opts)?);
        // SAFETY: checked non-NULL.
        unsafe { put(discovery, Box::into_raw(d).cast::<pppp_discovery>()) };
        Ok(())
    })
}

/// Waits up to `timeout_ms` for the next camera that answered and stores it in `*device`.
/// `PPPP_RESULT_TIMEOUT` when none came in time; `PPPP_RESULT_FINISHED` once the search is
/// over (its time is up, or it was cancelled) and every camera it found was returned.
#[no_mangle]
pub unsafe extern "C" fn pppp_discovery_next(
    discovery: *const pppp_discovery,
    timeout_ms: u32,
    device: *mut pppp_device,
) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract.
        let d = unsafe { self::discovery(discovery) }?;
        if device.is_null() {
            return Err(Fail::null("device"));
        }
        let t = Duration::from_millis(u64::from(timeout_ms));
        let found = d.next_device(t).or_else(|| d.try_next_device());
        match found {
            Some(dev) => {
                // SAFETY: checked non-NULL.
                unsafe { put(device, pppp_device::from_device(&dev)) };
                Ok(())
            }
            None if d.is_finished() => Err(Fail::new(
                pppp_result::Finished,
                "the search is over and every camera it found was returned",
            )),
            None => Err(Fail::new(
                pppp_result::Timeout,
                format!("no camera answered within {timeout_ms} ms"),
            )),
        }
    })
}

/// True once the search is over (cameras found may still wait in `pppp_discovery_next`).
/// True for NULL.
#[no_mangle]
pub unsafe extern "C" fn pppp_discovery_is_finished(discovery: *const pppp_discovery) -> bool {
    crate::error::boundary_value(true, || {
        // SAFETY: header contract.
        unsafe { self::discovery(discovery) }.map_or(true, Discovery::is_finished)
    })
}

/// Ends the search now and returns once it is over (no probe is sent after it returns).
/// Cameras found so far can still be taken with `pppp_discovery_next`. Idempotent.
#[no_mangle]
pub unsafe extern "C" fn pppp_discovery_cancel(discovery: *const pppp_discovery) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract.
        unsafe { self::discovery(discovery) }?.cancel();
        Ok(())
    })
}

/// Cancels and frees the search `*discovery` and sets `*discovery` to NULL; accepts NULL and a
/// NULL `*discovery`.
#[no_mangle]
pub unsafe extern "C" fn pppp_discovery_free(discovery: *mut *mut pppp_discovery) {
    crate::error::boundary_value((), || {
        if discovery.is_null() {
            return;
        }
        // SAFETY: the caller's handle slot.
        let p = unsafe { std::ptr::replace(discovery, std::ptr::null_mut()) };
        if !p.is_null() {
            // SAFETY: made by `Box::into_raw` in `pppp_discovery_start`; dropping cancels it.
            drop(unsafe { Box::from_raw(p.cast::<Discovery>()) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_fields_truncate_and_terminate() {
        let mut f = [1 as c_char; 4];
        fill_fixed(&mut f, "abcdef");
        assert_eq!(f, [b'a' as c_char, b'b' as c_char, b'c' as c_char, 0]);
        fill_fixed(&mut f, "x");
        assert_eq!(f, [b'x' as c_char, 0, 0, 0]);
    }
}
