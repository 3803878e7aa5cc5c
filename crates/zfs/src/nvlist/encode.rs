//! Encoding Rust values into a list.

use std::ffi::{CStr, CString, c_char, c_int, c_uint};

use nvpair_sys as sys;

use super::{NvList, NvListRef};

/// A value-less boolean: the pair's presence is the value. lzc uses lists of
/// these as sets of names (snapshots to destroy, tags to release).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag;

mod sealed {
    pub trait Sealed {}
}

/// A Rust value that can be stored in an nvlist. Implemented for the scalar
/// types, strings, slices of them, [`Flag`] and nested lists; sealed, since
/// each implementation maps to one `nvlist_add_*` function.
pub trait NvEncode: sealed::Sealed {
    /// Adds `self` under `name`; returns the errno.
    ///
    /// # Safety
    ///
    /// `list` must be a valid list the caller may modify; `name` a valid
    /// NUL-terminated string.
    #[doc(hidden)]
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int;
}

fn len(n: usize) -> Result<c_uint, c_int> {
    c_uint::try_from(n).map_err(|_| libc::E2BIG)
}

macro_rules! scalar {
    ($t:ty, $f:ident) => {
        impl sealed::Sealed for $t {}
        impl NvEncode for $t {
            unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
                // SAFETY: forwarded from the caller; value passed by copy.
                unsafe { sys::$f(list, name, *self) }
            }
        }
    };
}

macro_rules! array {
    ($t:ty, $f:ident) => {
        impl sealed::Sealed for [$t] {}
        impl NvEncode for [$t] {
            unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
                let n = match len(self.len()) {
                    Ok(n) => n,
                    Err(e) => return e,
                };
                // SAFETY: forwarded from the caller; the array is copied into
                // the list. The cast adapts to the prototype's const-ness,
                // which changed between OpenZFS releases.
                unsafe { sys::$f(list, name, self.as_ptr().cast_mut().cast(), n) }
            }
        }
    };
}

scalar!(i8, nvlist_add_int8);
scalar!(u8, nvlist_add_uint8);
scalar!(i16, nvlist_add_int16);
scalar!(u16, nvlist_add_uint16);
scalar!(i32, nvlist_add_int32);
scalar!(u32, nvlist_add_uint32);
scalar!(i64, nvlist_add_int64);
scalar!(u64, nvlist_add_uint64);
scalar!(f64, nvlist_add_double);

array!(i8, nvlist_add_int8_array);
array!(u8, nvlist_add_uint8_array);
array!(i16, nvlist_add_int16_array);
array!(u16, nvlist_add_uint16_array);
array!(i32, nvlist_add_int32_array);
array!(u32, nvlist_add_uint32_array);
array!(i64, nvlist_add_int64_array);
array!(u64, nvlist_add_uint64_array);

impl sealed::Sealed for Flag {}
impl NvEncode for Flag {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller.
        unsafe { sys::nvlist_add_boolean(list, name) }
    }
}

impl sealed::Sealed for bool {}
impl NvEncode for bool {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        let v = if *self { sys::B_TRUE } else { sys::B_FALSE };
        // SAFETY: forwarded from the caller.
        unsafe { sys::nvlist_add_boolean_value(list, name, v) }
    }
}

impl sealed::Sealed for [bool] {}
impl NvEncode for [bool] {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        let v: Vec<sys::boolean_t> =
            self.iter().map(|b| if *b { sys::B_TRUE } else { sys::B_FALSE }).collect();
        let n = match len(v.len()) {
            Ok(n) => n,
            Err(e) => return e,
        };
        // SAFETY: forwarded from the caller; `v` outlives the call, which
        // copies it.
        unsafe { sys::nvlist_add_boolean_array(list, name, v.as_ptr().cast_mut(), n) }
    }
}

impl sealed::Sealed for CStr {}
impl NvEncode for CStr {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller; the string is copied.
        unsafe { sys::nvlist_add_string(list, name, self.as_ptr()) }
    }
}

impl sealed::Sealed for str {}
impl NvEncode for str {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        match CString::new(self) {
            // SAFETY: forwarded from the caller.
            Ok(c) => unsafe { c.as_c_str().add_to(list, name) },
            Err(_) => libc::EINVAL,
        }
    }
}

impl sealed::Sealed for String {}
impl NvEncode for String {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller.
        unsafe { self.as_str().add_to(list, name) }
    }
}

fn add_strings<'a>(
    list: *mut sys::nvlist_t,
    name: *const c_char,
    strings: impl Iterator<Item = &'a str>,
) -> c_int {
    let owned: Result<Vec<CString>, _> = strings.map(CString::new).collect();
    let Ok(owned) = owned else { return libc::EINVAL };
    let ptrs: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
    let n = match len(ptrs.len()) {
        Ok(n) => n,
        Err(e) => return e,
    };
    // SAFETY: the caller of `add_to` guarantees `list` and `name`; the strings
    // and the pointer array outlive the call, which copies them. The cast
    // adapts to `char *const *` (2.1) or `const char *const *` (2.2+).
    unsafe { sys::nvlist_add_string_array(list, name, ptrs.as_ptr().cast(), n) }
}

impl sealed::Sealed for [&str] {}
impl NvEncode for [&str] {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        add_strings(list, name, self.iter().copied())
    }
}

impl sealed::Sealed for [String] {}
impl NvEncode for [String] {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        add_strings(list, name, self.iter().map(String::as_str))
    }
}

impl sealed::Sealed for NvListRef {}
impl NvEncode for NvListRef {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller; the nested list is copied.
        unsafe { sys::nvlist_add_nvlist(list, name, self.as_ptr()) }
    }
}

impl sealed::Sealed for NvList {}
impl NvEncode for NvList {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller.
        unsafe { (**self).add_to(list, name) }
    }
}

impl sealed::Sealed for [&NvListRef] {}
impl NvEncode for [&NvListRef] {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        let ptrs: Vec<*mut sys::nvlist_t> = self.iter().map(|l| l.as_ptr()).collect();
        let n = match len(ptrs.len()) {
            Ok(n) => n,
            Err(e) => return e,
        };
        // SAFETY: forwarded from the caller; the lists are copied. The cast
        // adapts to the prototype's const-ness.
        unsafe { sys::nvlist_add_nvlist_array(list, name, ptrs.as_ptr().cast_mut().cast(), n) }
    }
}

impl sealed::Sealed for [NvList] {}
impl NvEncode for [NvList] {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        let refs: Vec<&NvListRef> = self.iter().map(|l| &**l).collect();
        // SAFETY: forwarded from the caller.
        unsafe { refs.as_slice().add_to(list, name) }
    }
}

impl<T: NvEncode + ?Sized> sealed::Sealed for &T {}
impl<T: NvEncode + ?Sized> NvEncode for &T {
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller.
        unsafe { (**self).add_to(list, name) }
    }
}

impl<T> sealed::Sealed for Vec<T> where [T]: NvEncode {}
impl<T> NvEncode for Vec<T>
where
    [T]: NvEncode,
{
    unsafe fn add_to(&self, list: *mut sys::nvlist_t, name: *const c_char) -> c_int {
        // SAFETY: forwarded from the caller.
        unsafe { self.as_slice().add_to(list, name) }
    }
}
