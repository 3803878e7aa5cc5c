//! Small helpers for the FFI boundary.

use std::ffi::{CStr, c_char};

/// A slice over C memory that tolerates the null pointer C uses for empty
/// arrays (which `slice::from_raw_parts` must never see).
///
/// # Safety
///
/// Unless `ptr` is null or `len` is 0, `ptr` must point to `len`
/// initialized, properly aligned values of `T` that stay alive and
/// unmodified for `'a` (e.g. an array C returned and owns for as long as
/// the list or handle it came from).
#[allow(clippy::disallowed_methods, reason = "this is the null-safe helper clippy.toml points to")]
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: non-null and non-empty; the caller guarantees the rest.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Copies a C string into an owned `String` (lossily: ZFS names are ASCII,
/// paths usually UTF-8). `None` for a null pointer.
///
/// # Safety
///
/// Unless it is null, `ptr` must point to a NUL-terminated string that stays
/// alive and unmodified for the duration of the call.
pub(crate) unsafe fn string(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null; the caller guarantees the NUL and the lifetime.
    Some(unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned())
}
