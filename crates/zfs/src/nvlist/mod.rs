//! Safe name/value lists (`nvlist_t`), the data structure every ZFS
//! interface speaks.
//!
//! * [`NvList`] owns a list and frees it on drop.
//! * [`NvListRef`] is a borrowed list (`&NvListRef`), e.g. a pool
//!   configuration that libzfs owns, or a nested list inside another one.
//!   `NvList` dereferences to it, so every reader works on both.
//!
//! Reading is typed: [`NvListRef::u64`], [`NvListRef::str`],
//! [`NvListRef::nvlist_array`], … return `Ok(None)` when the name is absent
//! and an error naming the key when it holds another type. Writing goes
//! through [`NvListRef::insert`], which takes any [`NvEncode`] value (numbers,
//! strings, slices, nested lists), and [`NvListRef::insert_flag`] for
//! value-less booleans. `Debug` prints the whole tree.
//!
//! libnvpair works in-process without the kernel module, so everything here
//! is testable on any machine with the library installed.

mod encode;
mod value;

use std::cell::UnsafeCell;
use std::ffi::{CStr, CString, c_char, c_int, c_uint};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use nvpair_sys as sys;

use crate::error::{Call, Result, ZfsError};

pub use encode::{Flag, NvEncode};
pub use value::{NvType, NvValue};

/// A borrowed name/value list. Obtain one from an [`NvList`] (it derefs to
/// this type) or from a lookup inside another list.
///
/// The `UnsafeCell` tells Rust that C may read the list through pointers
/// derived from a shared reference; `&mut NvListRef` is required for every
/// call that modifies it.
#[repr(transparent)]
pub struct NvListRef(UnsafeCell<sys::nvlist_t>);

/// One name/value pair inside a list.
#[repr(transparent)]
pub struct NvPair(UnsafeCell<sys::nvpair_t>);

/// An owned name/value list, freed on drop.
pub struct NvList {
    ptr: NonNull<sys::nvlist_t>,
}

// SAFETY: an nvlist is plain heap memory owned by this value; libnvpair keeps
// no thread-local or global state tied to it, so moving ownership to another
// thread is sound. (It is not `Sync`: `NvListRef` contains an `UnsafeCell`.)
unsafe impl Send for NvList {}

/// How [`NvListRef::pack`] encodes a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The host's native layout (what ioctls use).
    Native,
    /// XDR, portable between byte orders.
    Xdr,
}

impl NvList {
    /// A new empty list whose names are unique (`NV_UNIQUE_NAME`): adding a
    /// name again replaces the old pair. This is what every ZFS interface
    /// expects.
    pub fn new() -> Result<NvList> {
        Self::with_flags(sys::NV_UNIQUE_NAME)
    }

    /// A new empty list that allows duplicate names.
    pub fn new_allowing_duplicates() -> Result<NvList> {
        Self::with_flags(0)
    }

    fn with_flags(flags: u32) -> Result<NvList> {
        let mut raw = ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer; KM_SLEEP-equivalent 0 flag.
        let rc = unsafe { sys::nvlist_alloc(&mut raw, flags as c_uint, 0) };
        Self::checked(rc, raw, "new list")
    }

    fn checked(rc: c_int, raw: *mut sys::nvlist_t, target: &str) -> Result<NvList> {
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::Nvlist, target, rc));
        }
        NonNull::new(raw)
            .map(|ptr| NvList { ptr })
            .ok_or_else(|| ZfsError::from_errno(Call::Nvlist, target, libc::ENOMEM))
    }

    /// Takes ownership of a list allocated by libnvpair (e.g. an lzc out
    /// parameter). Returns `None` for a null pointer.
    ///
    /// # Safety
    ///
    /// `raw` must be null or a valid list that nothing else frees or uses
    /// after this call.
    pub unsafe fn from_raw(raw: *mut sys::nvlist_t) -> Option<NvList> {
        NonNull::new(raw).map(|ptr| NvList { ptr })
    }

    /// Gives up ownership; the caller must free the list with `nvlist_free`.
    pub fn into_raw(self) -> *mut sys::nvlist_t {
        let raw = self.ptr.as_ptr();
        std::mem::forget(self);
        raw
    }

    /// Decodes a packed list (native or XDR, detected from the header).
    pub fn unpack(bytes: &[u8]) -> Result<NvList> {
        let mut raw = ptr::null_mut();
        // SAFETY: buffer and length describe `bytes`; nvlist_unpack only
        // reads it (the C prototype lacks const) and validates the contents.
        let rc = unsafe {
            sys::nvlist_unpack(bytes.as_ptr().cast_mut().cast::<c_char>(), bytes.len(), &mut raw, 0)
        };
        Self::checked(rc, raw, "packed list")
    }
}

impl Drop for NvList {
    fn drop(&mut self) {
        // SAFETY: we own the list and free it exactly once.
        unsafe { sys::nvlist_free(self.ptr.as_ptr()) }
    }
}

impl Deref for NvList {
    type Target = NvListRef;
    fn deref(&self) -> &NvListRef {
        // SAFETY: the pointer is valid while `self` lives; NvListRef is a
        // transparent wrapper around nvlist_t.
        unsafe { NvListRef::from_ptr(self.ptr.as_ptr()) }
    }
}

impl DerefMut for NvList {
    fn deref_mut(&mut self) -> &mut NvListRef {
        // SAFETY: as in `deref`, and `&mut self` guarantees exclusivity.
        unsafe { &mut *self.ptr.as_ptr().cast::<NvListRef>() }
    }
}

impl fmt::Debug for NvList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl NvListRef {
    /// Borrows a list owned by someone else (libzfs, a parent list).
    ///
    /// # Safety
    ///
    /// `raw` must be a valid, non-null list that outlives `'a` and that
    /// nothing modifies during `'a`.
    pub unsafe fn from_ptr<'a>(raw: *const sys::nvlist_t) -> &'a NvListRef {
        // SAFETY: guaranteed by the caller; the cast is to a transparent
        // wrapper.
        unsafe { &*raw.cast::<NvListRef>() }
    }

    /// The raw pointer, for FFI calls. C functions take `nvlist_t *` even
    /// when they only read; do not pass it to one that modifies the list
    /// unless you hold `&mut self`.
    pub fn as_ptr(&self) -> *mut sys::nvlist_t {
        self.0.get()
    }

    /// A deep copy.
    pub fn try_clone(&self) -> Result<NvList> {
        let mut raw = ptr::null_mut();
        // SAFETY: `self` is a valid list, `raw` a valid out-pointer.
        let rc = unsafe { sys::nvlist_dup(self.as_ptr(), &mut raw, 0) };
        NvList::checked(rc, raw, "copy")
    }

    /// Iterates over the pairs in insertion order.
    pub fn iter(&self) -> Pairs<'_> {
        Pairs { list: self, next: ptr::null_mut(), _marker: PhantomData }
    }

    /// True when the list has no pairs.
    pub fn is_empty(&self) -> bool {
        // SAFETY: valid list.
        unsafe { sys::nvlist_empty(self.as_ptr()) != sys::B_FALSE }
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The first pair with this name.
    ///
    /// This walks the list instead of calling `nvlist_lookup_nvpair`, which
    /// interprets `.` and `[` in names as a path syntax and requires a
    /// unique-name list; property and dataset names contain dots.
    pub fn pair(&self, name: &str) -> Option<&NvPair> {
        self.iter().find(|p| p.name_bytes() == name.as_bytes())
    }

    /// True when a pair with this name exists (of any type).
    pub fn contains(&self, name: &str) -> bool {
        self.pair(name).is_some()
    }

    /// The value of the first pair with this name.
    pub fn get(&self, name: &str) -> Result<Option<NvValue<'_>>> {
        self.pair(name).map(NvPair::value).transpose()
    }

    fn typed<'a, T>(
        &'a self,
        name: &str,
        expected: NvType,
        pick: impl FnOnce(NvValue<'a>) -> Option<T>,
    ) -> Result<Option<T>> {
        let Some(pair) = self.pair(name) else { return Ok(None) };
        let value = pair.value()?;
        let found = value.nv_type();
        pick(value).map(Some).ok_or_else(|| {
            ZfsError::malformed("nvlist", name, format!("expected {expected:?}, found {found:?}"))
        })
    }

    /// A `uint64` value.
    pub fn u64(&self, name: &str) -> Result<Option<u64>> {
        self.typed(name, NvType::Uint64, |v| match v {
            NvValue::Uint64(x) => Some(x),
            _ => None,
        })
    }

    /// An `int64` value.
    pub fn i64(&self, name: &str) -> Result<Option<i64>> {
        self.typed(name, NvType::Int64, |v| match v {
            NvValue::Int64(x) => Some(x),
            _ => None,
        })
    }

    /// A `uint32` value.
    pub fn u32(&self, name: &str) -> Result<Option<u32>> {
        self.typed(name, NvType::Uint32, |v| match v {
            NvValue::Uint32(x) => Some(x),
            _ => None,
        })
    }

    /// An `int32` value.
    pub fn i32(&self, name: &str) -> Result<Option<i32>> {
        self.typed(name, NvType::Int32, |v| match v {
            NvValue::Int32(x) => Some(x),
            _ => None,
        })
    }

    /// A `boolean_value`, or `Some(true)` for a value-less boolean flag.
    pub fn bool(&self, name: &str) -> Result<Option<bool>> {
        self.typed(name, NvType::BooleanValue, |v| match v {
            NvValue::BooleanValue(x) => Some(x),
            NvValue::Boolean => Some(true),
            _ => None,
        })
    }

    /// A string value as raw C string (paths may not be UTF-8).
    pub fn cstr(&self, name: &str) -> Result<Option<&CStr>> {
        self.typed(name, NvType::String, |v| match v {
            NvValue::String(x) => Some(x),
            _ => None,
        })
    }

    /// A string value that must be UTF-8.
    pub fn str(&self, name: &str) -> Result<Option<&str>> {
        match self.cstr(name)? {
            None => Ok(None),
            Some(s) => s.to_str().map(Some).map_err(|_| {
                ZfsError::malformed("nvlist", name, format!("string {s:?} is not UTF-8"))
            }),
        }
    }

    /// A nested list.
    pub fn nvlist(&self, name: &str) -> Result<Option<&NvListRef>> {
        self.typed(name, NvType::NvList, |v| match v {
            NvValue::NvList(x) => Some(x),
            _ => None,
        })
    }

    /// An array of nested lists.
    pub fn nvlist_array(&self, name: &str) -> Result<Option<Vec<&NvListRef>>> {
        self.typed(name, NvType::NvListArray, |v| match v {
            NvValue::NvListArray(x) => Some(x),
            _ => None,
        })
    }

    /// A `uint64` array. ZFS passes C structs such as `vdev_stat_t` this way.
    pub fn u64_array(&self, name: &str) -> Result<Option<&[u64]>> {
        self.typed(name, NvType::Uint64Array, |v| match v {
            NvValue::Uint64Array(x) => Some(x),
            _ => None,
        })
    }

    /// An `int64` array (e.g. an event's `time`).
    pub fn i64_array(&self, name: &str) -> Result<Option<&[i64]>> {
        self.typed(name, NvType::Int64Array, |v| match v {
            NvValue::Int64Array(x) => Some(x),
            _ => None,
        })
    }

    /// A string array.
    pub fn str_array(&self, name: &str) -> Result<Option<Vec<&CStr>>> {
        self.typed(name, NvType::StringArray, |v| match v {
            NvValue::StringArray(x) => Some(x),
            _ => None,
        })
    }

    /// Adds (or, in a unique-name list, replaces) a pair.
    pub fn insert<V: NvEncode + ?Sized>(&mut self, name: &str, value: &V) -> Result<()> {
        let cname = c_name(name)?;
        // SAFETY: `self` is a valid list we may modify (`&mut`); the encoder
        // passes pointers that live for the duration of the call.
        let rc = unsafe { value.add_to(self.as_ptr(), cname.as_ptr()) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::Nvlist, name, rc));
        }
        Ok(())
    }

    /// Adds a value-less boolean (a "flag"), as lzc uses for sets of names.
    pub fn insert_flag(&mut self, name: &str) -> Result<()> {
        self.insert(name, &Flag)
    }

    /// Removes every pair with this name; returns whether one existed.
    pub fn remove(&mut self, name: &str) -> Result<bool> {
        let cname = c_name(name)?;
        // SAFETY: valid list we may modify (`&mut self`).
        match unsafe { sys::nvlist_remove_all(self.as_ptr(), cname.as_ptr()) } {
            0 => Ok(true),
            libc::ENOENT => Ok(false),
            rc => Err(ZfsError::from_errno(Call::Nvlist, name, rc)),
        }
    }

    /// Encodes the list (`nvlist_pack`).
    pub fn pack(&self, encoding: Encoding) -> Result<Vec<u8>> {
        let enc = c_int::try_from(match encoding {
            Encoding::Native => sys::NV_ENCODE_NATIVE,
            Encoding::Xdr => sys::NV_ENCODE_XDR,
        })
        .unwrap_or(0);
        let mut buf: *mut c_char = ptr::null_mut();
        let mut len: usize = 0;
        // SAFETY: valid list; with a null buffer nvlist_pack allocates one
        // with malloc and returns it, which is copied and freed below.
        let rc = unsafe { sys::nvlist_pack(self.as_ptr(), &mut buf, &mut len, enc, 0) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::Nvlist, "pack", rc));
        }
        // SAFETY: on success nvlist_pack returned a buffer of `len` bytes,
        // copied here before it is freed.
        let bytes = unsafe { crate::ffi::slice(buf.cast::<u8>().cast_const(), len) }.to_vec();
        // SAFETY: nvlist_pack allocated `buf` with the default allocator
        // (malloc); it is freed once.
        unsafe { libc::free(buf.cast()) };
        Ok(bytes)
    }
}

impl fmt::Debug for NvListRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for pair in self.iter() {
            match pair.value() {
                Ok(v) => map.entry(&pair.name(), &v),
                Err(_) => map.entry(&pair.name(), &format_args!("<undecodable>")),
            };
        }
        map.finish()
    }
}

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| ZfsError::InvalidArgument {
        what: "nvlist name",
        target: name.replace('\0', "\\0"),
        reason: "contains a NUL byte".to_owned(),
    })
}

/// Iterator over the pairs of a list.
pub struct Pairs<'a> {
    list: &'a NvListRef,
    next: *mut sys::nvpair_t,
    _marker: PhantomData<&'a NvPair>,
}

impl fmt::Debug for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pairs").finish_non_exhaustive()
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = &'a NvPair;
    fn next(&mut self) -> Option<&'a NvPair> {
        // SAFETY: the list is valid for 'a; `next` is null or a pair of it.
        let raw = unsafe { sys::nvlist_next_nvpair(self.list.as_ptr(), self.next) };
        if raw.is_null() {
            return None;
        }
        self.next = raw;
        // SAFETY: non-null pair owned by a list that lives for 'a.
        Some(unsafe { &*raw.cast::<NvPair>() })
    }
}

impl<'a> IntoIterator for &'a NvListRef {
    type Item = &'a NvPair;
    type IntoIter = Pairs<'a>;
    fn into_iter(self) -> Pairs<'a> {
        self.iter()
    }
}

impl NvPair {
    fn as_ptr(&self) -> *mut sys::nvpair_t {
        self.0.get()
    }

    fn name_bytes(&self) -> &[u8] {
        // SAFETY: nvpair_name returns the pair's NUL-terminated name, stored
        // inside the pair.
        unsafe { CStr::from_ptr(sys::nvpair_name(self.as_ptr())) }.to_bytes()
    }

    /// The name; non-UTF-8 bytes are replaced (ZFS names are ASCII).
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.name_bytes())
    }

    fn raw_type(&self) -> sys::data_type_t {
        // SAFETY: valid pair.
        unsafe { sys::nvpair_type(self.as_ptr()) }
    }

    /// The pair's type.
    pub fn nv_type(&self) -> NvType {
        NvType::from_raw(self.raw_type())
    }

    /// Decodes the value. Fails only for a type this crate does not know
    /// (from a newer libnvpair) or a corrupt pair.
    pub fn value(&self) -> Result<NvValue<'_>> {
        value::decode(self)
    }
}

impl fmt::Debug for NvPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = f.debug_tuple("NvPair");
        t.field(&self.name());
        match self.value() {
            Ok(v) => t.field(&v),
            Err(_) => t.field(&format_args!("<undecodable>")),
        };
        t.finish()
    }
}

#[cfg(test)]
mod tests;
