//! Small helpers for the FFI boundary.

use std::ffi::{CStr, c_char};

/// A slice over C memory that tolerates the null pointer C uses for empty
/// arrays (which `slice::from_raw_parts` must never see).
#[allow(clippy::disallowed_methods, reason = "this is the null-safe helper clippy.toml points to")]
pub(crate) fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: non-null, and every caller passes a pointer/length pair that C
    // returned for an array it owns and keeps alive for 'a.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Copies a C string into an owned `String` (lossily: ZFS names are ASCII,
/// paths usually UTF-8). `None` for a null pointer.
pub(crate) fn string(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated (every caller passes a C string that
    // libzfs returned).
    Some(unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned())
}
