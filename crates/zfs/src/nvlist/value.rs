//! Decoding one pair's value.

use std::ffi::{CStr, c_char, c_uint};
use std::ptr;

use nvpair_sys as sys;

use super::{NvListRef, NvPair};
use crate::error::{Call, Result, ZfsError};
use crate::ffi::slice;

/// The type of a pair (`data_type_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "one variant per DATA_TYPE_* constant, named after it")]
pub enum NvType {
    Boolean,
    BooleanValue,
    Byte,
    Int8,
    Uint8,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Int64,
    Uint64,
    HrTime,
    Double,
    String,
    BooleanArray,
    ByteArray,
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Int64Array,
    Uint64Array,
    StringArray,
    NvList,
    NvListArray,
    /// A type code this crate does not know.
    Unknown(i32),
}

impl NvType {
    pub(crate) fn from_raw(t: sys::data_type_t) -> NvType {
        match t {
            sys::DATA_TYPE_BOOLEAN => NvType::Boolean,
            sys::DATA_TYPE_BOOLEAN_VALUE => NvType::BooleanValue,
            sys::DATA_TYPE_BYTE => NvType::Byte,
            sys::DATA_TYPE_INT8 => NvType::Int8,
            sys::DATA_TYPE_UINT8 => NvType::Uint8,
            sys::DATA_TYPE_INT16 => NvType::Int16,
            sys::DATA_TYPE_UINT16 => NvType::Uint16,
            sys::DATA_TYPE_INT32 => NvType::Int32,
            sys::DATA_TYPE_UINT32 => NvType::Uint32,
            sys::DATA_TYPE_INT64 => NvType::Int64,
            sys::DATA_TYPE_UINT64 => NvType::Uint64,
            sys::DATA_TYPE_HRTIME => NvType::HrTime,
            sys::DATA_TYPE_DOUBLE => NvType::Double,
            sys::DATA_TYPE_STRING => NvType::String,
            sys::DATA_TYPE_BOOLEAN_ARRAY => NvType::BooleanArray,
            sys::DATA_TYPE_BYTE_ARRAY => NvType::ByteArray,
            sys::DATA_TYPE_INT8_ARRAY => NvType::Int8Array,
            sys::DATA_TYPE_UINT8_ARRAY => NvType::Uint8Array,
            sys::DATA_TYPE_INT16_ARRAY => NvType::Int16Array,
            sys::DATA_TYPE_UINT16_ARRAY => NvType::Uint16Array,
            sys::DATA_TYPE_INT32_ARRAY => NvType::Int32Array,
            sys::DATA_TYPE_UINT32_ARRAY => NvType::Uint32Array,
            sys::DATA_TYPE_INT64_ARRAY => NvType::Int64Array,
            sys::DATA_TYPE_UINT64_ARRAY => NvType::Uint64Array,
            sys::DATA_TYPE_STRING_ARRAY => NvType::StringArray,
            sys::DATA_TYPE_NVLIST => NvType::NvList,
            sys::DATA_TYPE_NVLIST_ARRAY => NvType::NvListArray,
            other => NvType::Unknown(other),
        }
    }
}

/// A decoded value, borrowing from its list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs, reason = "one variant per DATA_TYPE_* constant, named after it")]
pub enum NvValue<'a> {
    /// A boolean without a value: its presence is the value.
    Boolean,
    BooleanValue(bool),
    Byte(u8),
    Int8(i8),
    Uint8(u8),
    Int16(i16),
    Uint16(u16),
    Int32(i32),
    Uint32(u32),
    Int64(i64),
    Uint64(u64),
    HrTime(i64),
    Double(f64),
    String(&'a CStr),
    BooleanArray(Vec<bool>),
    ByteArray(&'a [u8]),
    Int8Array(&'a [i8]),
    Uint8Array(&'a [u8]),
    Int16Array(&'a [i16]),
    Uint16Array(&'a [u16]),
    Int32Array(&'a [i32]),
    Uint32Array(&'a [u32]),
    Int64Array(&'a [i64]),
    Uint64Array(&'a [u64]),
    StringArray(Vec<&'a CStr>),
    NvList(&'a NvListRef),
    NvListArray(Vec<&'a NvListRef>),
}

impl PartialEq for NvListRef {
    /// Structural equality: same names, types and values, in the same order.
    fn eq(&self, other: &NvListRef) -> bool {
        let mut a = self.iter();
        let mut b = other.iter();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) => {
                    if x.name_bytes() != y.name_bytes() {
                        return false;
                    }
                    match (x.value(), y.value()) {
                        (Ok(vx), Ok(vy)) if vx == vy => {}
                        _ => return false,
                    }
                }
                _ => return false,
            }
        }
    }
}

impl NvValue<'_> {
    /// The value's type.
    pub fn nv_type(&self) -> NvType {
        match self {
            NvValue::Boolean => NvType::Boolean,
            NvValue::BooleanValue(_) => NvType::BooleanValue,
            NvValue::Byte(_) => NvType::Byte,
            NvValue::Int8(_) => NvType::Int8,
            NvValue::Uint8(_) => NvType::Uint8,
            NvValue::Int16(_) => NvType::Int16,
            NvValue::Uint16(_) => NvType::Uint16,
            NvValue::Int32(_) => NvType::Int32,
            NvValue::Uint32(_) => NvType::Uint32,
            NvValue::Int64(_) => NvType::Int64,
            NvValue::Uint64(_) => NvType::Uint64,
            NvValue::HrTime(_) => NvType::HrTime,
            NvValue::Double(_) => NvType::Double,
            NvValue::String(_) => NvType::String,
            NvValue::BooleanArray(_) => NvType::BooleanArray,
            NvValue::ByteArray(_) => NvType::ByteArray,
            NvValue::Int8Array(_) => NvType::Int8Array,
            NvValue::Uint8Array(_) => NvType::Uint8Array,
            NvValue::Int16Array(_) => NvType::Int16Array,
            NvValue::Uint16Array(_) => NvType::Uint16Array,
            NvValue::Int32Array(_) => NvType::Int32Array,
            NvValue::Uint32Array(_) => NvType::Uint32Array,
            NvValue::Int64Array(_) => NvType::Int64Array,
            NvValue::Uint64Array(_) => NvType::Uint64Array,
            NvValue::StringArray(_) => NvType::StringArray,
            NvValue::NvList(_) => NvType::NvList,
            NvValue::NvListArray(_) => NvType::NvListArray,
        }
    }
}

/// Calls an `nvpair_value_<scalar>` function.
macro_rules! scalar {
    ($pair:expr, $f:ident, $t:ty, $wrap:expr) => {{
        let mut v: $t = Default::default();
        // SAFETY: valid pair of the matching type (checked by the caller's
        // match on nvpair_type); `v` is a valid out-pointer.
        let rc = unsafe { sys::$f($pair.as_ptr(), &mut v) };
        check(rc, $pair).map(|()| $wrap(v))
    }};
}

/// Calls an `nvpair_value_<type>_array` function; the slice borrows the
/// pair's storage.
macro_rules! array {
    ($pair:expr, $f:ident, $t:ty, $wrap:expr) => {{
        let mut p: *mut $t = ptr::null_mut();
        let mut n: c_uint = 0;
        // SAFETY: valid pair of the matching type; out-pointers valid. The
        // cast adapts to the const-ness of the prototype, which changed
        // between OpenZFS releases.
        let rc = unsafe { sys::$f($pair.as_ptr(), (&raw mut p).cast(), &mut n) };
        check(rc, $pair).map(|()| {
            // SAFETY: on success `p` is null (empty) or points to `n`
            // elements stored in the pair, alive as long as it is borrowed.
            $wrap(unsafe { slice(p.cast_const(), n as usize) })
        })
    }};
}

fn check(rc: i32, pair: &NvPair) -> Result<()> {
    if rc == 0 { Ok(()) } else { Err(ZfsError::from_errno(Call::Nvlist, pair.name(), rc)) }
}

pub(super) fn decode(pair: &NvPair) -> Result<NvValue<'_>> {
    Ok(match pair.nv_type() {
        NvType::Boolean => NvValue::Boolean,
        NvType::BooleanValue => scalar!(pair, nvpair_value_boolean_value, sys::boolean_t, |v| {
            NvValue::BooleanValue(v != sys::B_FALSE)
        })?,
        NvType::Byte => scalar!(pair, nvpair_value_byte, sys::uchar_t, NvValue::Byte)?,
        NvType::Int8 => scalar!(pair, nvpair_value_int8, i8, NvValue::Int8)?,
        NvType::Uint8 => scalar!(pair, nvpair_value_uint8, u8, NvValue::Uint8)?,
        NvType::Int16 => scalar!(pair, nvpair_value_int16, i16, NvValue::Int16)?,
        NvType::Uint16 => scalar!(pair, nvpair_value_uint16, u16, NvValue::Uint16)?,
        NvType::Int32 => scalar!(pair, nvpair_value_int32, i32, NvValue::Int32)?,
        NvType::Uint32 => scalar!(pair, nvpair_value_uint32, u32, NvValue::Uint32)?,
        NvType::Int64 => scalar!(pair, nvpair_value_int64, i64, NvValue::Int64)?,
        NvType::Uint64 => scalar!(pair, nvpair_value_uint64, u64, NvValue::Uint64)?,
        NvType::HrTime => scalar!(pair, nvpair_value_hrtime, sys::hrtime_t, NvValue::HrTime)?,
        NvType::Double => scalar!(pair, nvpair_value_double, f64, NvValue::Double)?,
        NvType::String => {
            let mut s: *mut c_char = ptr::null_mut();
            // SAFETY: valid string pair; the cast adapts to `char **` (2.1)
            // or `const char **` (2.2+).
            let rc = unsafe { sys::nvpair_value_string(pair.as_ptr(), (&raw mut s).cast()) };
            check(rc, pair)?;
            if s.is_null() {
                return Err(ZfsError::malformed("nvlist", pair.name(), "null string"));
            }
            // SAFETY: non-null NUL-terminated string stored in the pair.
            NvValue::String(unsafe { CStr::from_ptr(s) })
        }
        NvType::BooleanArray => {
            array!(pair, nvpair_value_boolean_array, sys::boolean_t, |s: &[sys::boolean_t]| {
                NvValue::BooleanArray(s.iter().map(|b| *b != sys::B_FALSE).collect())
            })?
        }
        NvType::ByteArray => {
            array!(pair, nvpair_value_byte_array, sys::uchar_t, NvValue::ByteArray)?
        }
        NvType::Int8Array => array!(pair, nvpair_value_int8_array, i8, NvValue::Int8Array)?,
        NvType::Uint8Array => array!(pair, nvpair_value_uint8_array, u8, NvValue::Uint8Array)?,
        NvType::Int16Array => array!(pair, nvpair_value_int16_array, i16, NvValue::Int16Array)?,
        NvType::Uint16Array => array!(pair, nvpair_value_uint16_array, u16, NvValue::Uint16Array)?,
        NvType::Int32Array => array!(pair, nvpair_value_int32_array, i32, NvValue::Int32Array)?,
        NvType::Uint32Array => array!(pair, nvpair_value_uint32_array, u32, NvValue::Uint32Array)?,
        NvType::Int64Array => array!(pair, nvpair_value_int64_array, i64, NvValue::Int64Array)?,
        NvType::Uint64Array => array!(pair, nvpair_value_uint64_array, u64, NvValue::Uint64Array)?,
        NvType::StringArray => {
            let strings =
                array!(pair, nvpair_value_string_array, *mut c_char, |s: &[*mut c_char]| s
                    .to_vec())?;
            let mut out = Vec::with_capacity(strings.len());
            for s in strings {
                if s.is_null() {
                    return Err(ZfsError::malformed("nvlist", pair.name(), "null string in array"));
                }
                // SAFETY: non-null NUL-terminated strings stored in the pair.
                out.push(unsafe { CStr::from_ptr(s) });
            }
            NvValue::StringArray(out)
        }
        NvType::NvList => {
            let mut l: *mut sys::nvlist_t = ptr::null_mut();
            // SAFETY: valid nvlist pair; out-pointer valid.
            let rc = unsafe { sys::nvpair_value_nvlist(pair.as_ptr(), &mut l) };
            check(rc, pair)?;
            if l.is_null() {
                return Err(ZfsError::malformed("nvlist", pair.name(), "null nested list"));
            }
            // SAFETY: the nested list is owned by the pair, which lives as
            // long as the borrow of `pair`.
            NvValue::NvList(unsafe { NvListRef::from_ptr(l) })
        }
        NvType::NvListArray => {
            let lists = array!(
                pair,
                nvpair_value_nvlist_array,
                *mut sys::nvlist_t,
                |s: &[*mut sys::nvlist_t]| s.to_vec()
            )?;
            let mut out = Vec::with_capacity(lists.len());
            for l in lists {
                if l.is_null() {
                    return Err(ZfsError::malformed("nvlist", pair.name(), "null list in array"));
                }
                // SAFETY: owned by the pair, as above.
                out.push(unsafe { NvListRef::from_ptr(l) });
            }
            NvValue::NvListArray(out)
        }
        NvType::Unknown(t) => {
            return Err(ZfsError::malformed(
                "nvlist",
                pair.name(),
                format!("unknown data type {t}"),
            ));
        }
    })
}
