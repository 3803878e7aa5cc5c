//! RAII wrappers over libzfs handles.
//!
//! A `libzfs_handle_t` stores the last error inside itself, so it must not
//! be used from two threads at once: [`Libzfs`] is `Send` but not `Sync`,
//! and the native backend keeps it behind a `Mutex`. Pool and dataset
//! handles borrow it, so they cannot outlive it or escape the lock.

use std::any::Any;
use std::ffi::{CString, c_int, c_void};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use libzfs_sys as sys;
use zfs_core_sys as zc;

use crate::error::{Call, ErrorKind, LibzfsError, Result, ZfsError};
use crate::ffi;
use crate::lzc::{ZFS_DEV, require_module};
use crate::nvlist::NvListRef;

/// An initialized libzfs (`libzfs_init`).
pub(crate) struct Libzfs {
    hdl: NonNull<sys::libzfs_handle_t>,
}

// SAFETY: libzfs handles are not thread-affine (no TLS); they only must not
// be used concurrently, which `&mut`/`Mutex` ownership guarantees.
unsafe impl Send for Libzfs {}

impl Drop for Libzfs {
    fn drop(&mut self) {
        // SAFETY: we own the handle; every pool/dataset handle borrowing it
        // has been dropped (lifetimes).
        unsafe { sys::libzfs_fini(self.hdl.as_ptr()) }
    }
}

impl Libzfs {
    /// Opens libzfs. Checks for `/dev/zfs` first: `libzfs_init` would
    /// otherwise try to load the kernel module and wait for it.
    pub(crate) fn init() -> Result<Libzfs> {
        require_module()?;
        // SAFETY: no preconditions.
        let hdl = unsafe { sys::libzfs_init() };
        let hdl = NonNull::new(hdl).ok_or_else(|| {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
            ZfsError::from_errno(Call::LibzfsInit, ZFS_DEV, errno)
        })?;
        // SAFETY: valid handle; never print errors to stderr from a library.
        unsafe { sys::libzfs_print_on_error(hdl.as_ptr(), sys::B_FALSE) };
        Ok(Libzfs { hdl })
    }

    pub(crate) fn raw(&mut self) -> *mut sys::libzfs_handle_t {
        self.hdl.as_ptr()
    }

    /// The handle's last error, as a [`ZfsError`].
    pub(crate) fn error(&mut self, call: Call, target: impl Into<String>) -> ZfsError {
        error_of(self.raw(), call, target)
    }

    /// Opens a pool, even a faulted one (`zpool_open_canfail`).
    pub(crate) fn open_pool(&mut self, name: &str) -> Result<Pool<'_>> {
        let c = c_name(name)?;
        // SAFETY: valid handle and string.
        let zhp = unsafe { sys::zpool_open_canfail(self.raw(), c.as_ptr()) };
        match NonNull::new(zhp) {
            Some(zhp) => Ok(Pool { zhp, hdl: self.raw(), _lib: PhantomData }),
            None => Err(self.error(Call::ZpoolOpen, name)),
        }
    }

    /// Opens a dataset of one of the `types` (`ZFS_TYPE_*` bits).
    pub(crate) fn open_dataset(&mut self, name: &str, types: zc::zfs_type_t) -> Result<Dataset> {
        let c = c_name(name)?;
        let types = c_int::try_from(types).unwrap_or(c_int::MAX);
        // SAFETY: valid handle and string.
        let zhp = unsafe { sys::zfs_open(self.raw(), c.as_ptr(), types) };
        match NonNull::new(zhp) {
            Some(zhp) => Ok(Dataset { zhp }),
            None => Err(self.error(Call::ZfsOpen, name)),
        }
    }

    /// Calls `f` for every imported pool (`zpool_iter`).
    pub(crate) fn for_each_pool(
        &mut self,
        mut f: impl FnMut(&mut Pool<'_>) -> Result<()>,
    ) -> Result<()> {
        let raw = self.raw();
        let f: &mut PoolFn<'_> = &mut f;
        let mut state: Callback<'_, PoolFn<'_>> =
            Callback { lib: self as *mut Libzfs, f, failure: None };
        // SAFETY: valid handle; the callback and its state live for the call.
        let rc = unsafe {
            sys::zpool_iter(raw, Some(pool_trampoline), (&raw mut state).cast::<c_void>())
        };
        state.finish(rc, |lib| lib.error(Call::ZpoolIter, "all pools"))
    }
}

type PoolFn<'f> = dyn FnMut(&mut Pool<'_>) -> Result<()> + 'f;

/// State shared with a C iteration callback: the closure, and the first
/// error or panic it produced (a panic must not unwind through C).
pub(crate) struct Callback<'f, F: ?Sized> {
    pub(crate) lib: *mut Libzfs,
    pub(crate) f: &'f mut F,
    pub(crate) failure: Option<Failure>,
}

pub(crate) enum Failure {
    Error(ZfsError),
    Panic(Box<dyn Any + Send>),
}

impl<F: ?Sized> Callback<'_, F> {
    /// Runs `body` with panics caught; returns the C status (0 = continue).
    pub(crate) fn run(&mut self, body: impl FnOnce(&mut F) -> Result<()>) -> c_int {
        match catch_unwind(AssertUnwindSafe(|| body(self.f))) {
            Ok(Ok(())) => 0,
            Ok(Err(e)) => {
                self.failure = Some(Failure::Error(e));
                1
            }
            Err(panic) => {
                self.failure = Some(Failure::Panic(panic));
                1
            }
        }
    }

    /// Turns the iteration's outcome into a result, re-raising a caught
    /// panic now that C is off the stack.
    pub(crate) fn finish(
        self,
        rc: c_int,
        on_error: impl FnOnce(&mut Libzfs) -> ZfsError,
    ) -> Result<()> {
        match self.failure {
            Some(Failure::Panic(p)) => std::panic::resume_unwind(p),
            Some(Failure::Error(e)) => Err(e),
            // SAFETY: `lib` points at the Libzfs borrowed for the iteration.
            None if rc != 0 => Err(on_error(unsafe { &mut *self.lib })),
            None => Ok(()),
        }
    }
}

unsafe extern "C" fn pool_trampoline(zhp: *mut sys::zpool_handle_t, arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Callback` passed to zpool_iter, alive for the
    // iteration and not otherwise accessed meanwhile.
    let state = unsafe { &mut *arg.cast::<Callback<'_, PoolFn<'_>>>() };
    let Some(zhp) = NonNull::new(zhp) else { return 0 };
    // SAFETY: the Libzfs is exclusively borrowed by for_each_pool.
    let hdl = unsafe { (*state.lib).raw() };
    // The pool handle is ours to close (the Pool's Drop does it).
    let mut pool = Pool { zhp, hdl, _lib: PhantomData };
    state.run(|f| f(&mut pool))
}

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| ZfsError::InvalidArgument {
        what: "name",
        target: name.replace('\0', "\\0"),
        reason: "contains a NUL byte".to_owned(),
    })
}

/// The last error of a libzfs handle, as a [`ZfsError`].
fn error_of(hdl: *mut sys::libzfs_handle_t, call: Call, target: impl Into<String>) -> ZfsError {
    // SAFETY: valid handle (every caller holds the Libzfs it came from).
    let code = unsafe { sys::libzfs_errno(hdl) };
    // SAFETY: as above; returns a static or handle-owned NUL-terminated
    // string, copied before the handle is used again.
    let description =
        unsafe { ffi::string(sys::libzfs_error_description(hdl)) }.unwrap_or_default();
    let kind = kind_of(code);
    ZfsError::Libzfs { call, target: target.into(), error: LibzfsError { code, description, kind } }
}

/// Classifies a libzfs `EZFS_*` code, with the values of the compiled
/// headers (the model cannot: it is built without them).
pub(crate) fn kind_of(code: i32) -> ErrorKind {
    let Ok(code) = sys::zfs_error::try_from(code) else {
        return ErrorKind::Other;
    };
    match code {
        sys::EZFS_NOENT => ErrorKind::NotFound,
        sys::EZFS_EXISTS => ErrorKind::Exists,
        sys::EZFS_BUSY | sys::EZFS_SCRUBBING | sys::EZFS_RESILVERING | sys::EZFS_SCRUB_PAUSED => {
            ErrorKind::Busy
        }
        sys::EZFS_NO_SCRUB => ErrorKind::NotFound,
        sys::EZFS_PERM => ErrorKind::PermissionDenied,
        sys::EZFS_NOSPC => ErrorKind::NoSpace,
        sys::EZFS_NAMETOOLONG => ErrorKind::NameTooLong,
        sys::EZFS_INVALIDNAME | sys::EZFS_BADPROP | sys::EZFS_BADTYPE => ErrorKind::InvalidInput,
        sys::EZFS_IOC_NOTSUPPORTED => ErrorKind::UnsupportedByModule,
        sys::EZFS_NOTSUP | sys::EZFS_BADVERSION => ErrorKind::Unsupported,
        _ => ErrorKind::Other,
    }
}

/// An open pool handle (`zpool_handle_t`), closed on drop. It borrows the
/// [`Libzfs`] exclusively, so the raw library handle it keeps is not used
/// by anyone else meanwhile.
pub(crate) struct Pool<'a> {
    zhp: NonNull<sys::zpool_handle_t>,
    hdl: *mut sys::libzfs_handle_t,
    _lib: PhantomData<&'a mut Libzfs>,
}

impl Drop for Pool<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the pool handle.
        unsafe { sys::zpool_close(self.zhp.as_ptr()) }
    }
}

impl Pool<'_> {
    pub(crate) fn raw(&self) -> *mut sys::zpool_handle_t {
        self.zhp.as_ptr()
    }

    /// The library handle's last error.
    pub(crate) fn error(&self, call: Call) -> ZfsError {
        error_of(self.hdl, call, self.name())
    }

    pub(crate) fn name(&self) -> String {
        // SAFETY: valid handle; the NUL-terminated name is stored in it.
        unsafe { ffi::string(sys::zpool_get_name(self.raw())) }.unwrap_or_default()
    }

    /// The pool configuration, owned by the handle (`zpool_get_config`).
    pub(crate) fn config(&self) -> Result<&NvListRef> {
        // SAFETY: valid handle; the config lives as long as the handle and
        // is not modified while `&self` is borrowed.
        let config = unsafe { sys::zpool_get_config(self.raw(), std::ptr::null_mut()) };
        if config.is_null() {
            return Err(self.error(Call::ZpoolGetConfig));
        }
        // SAFETY: non-null, owned by the handle borrowed for the result.
        Ok(unsafe { NvListRef::from_ptr(config) })
    }

    /// `zpool_get_state` (`pool_state_t`).
    pub(crate) fn state(&self) -> u64 {
        // SAFETY: valid handle.
        let s = unsafe { sys::zpool_get_state(self.raw()) };
        u64::try_from(s).unwrap_or(u64::MAX)
    }

    /// `zpool_get_prop_int`.
    pub(crate) fn prop_u64(&self, prop: zc::zpool_prop_t) -> u64 {
        // SAFETY: valid handle; no source wanted.
        unsafe { sys::zpool_get_prop_int(self.raw(), prop, std::ptr::null_mut()) }
    }

    /// `zpool_get_status`: the status code and message id.
    pub(crate) fn status(&self) -> (sys::zpool_status_t, Option<String>) {
        let mut msgid: *mut std::ffi::c_char = std::ptr::null_mut();
        let mut errata: zc::zpool_errata_t = 0;
        // SAFETY: valid handle and out-pointers; the cast adapts to `char **`
        // (2.1) or `const char **` (2.2+). The message id is a static string.
        let status =
            unsafe { sys::zpool_get_status(self.raw(), (&raw mut msgid).cast(), &mut errata) };
        // SAFETY: null or a static NUL-terminated message id.
        (status, unsafe { ffi::string(msgid) })
    }
}

/// An open dataset handle (`zfs_handle_t`), closed on drop.
pub(crate) struct Dataset {
    zhp: NonNull<sys::zfs_handle_t>,
}

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: we own the handle.
        unsafe { sys::zfs_close(self.zhp.as_ptr()) }
    }
}

impl Dataset {
    /// Takes ownership of a handle libzfs passed to an iteration callback.
    pub(crate) fn from_callback(zhp: NonNull<sys::zfs_handle_t>) -> Dataset {
        Dataset { zhp }
    }

    pub(crate) fn raw(&self) -> *mut sys::zfs_handle_t {
        self.zhp.as_ptr()
    }

    pub(crate) fn name(&self) -> String {
        // SAFETY: valid handle; the NUL-terminated name is stored in it.
        unsafe { ffi::string(sys::zfs_get_name(self.raw())) }.unwrap_or_default()
    }

    pub(crate) fn kind(&self) -> zc::zfs_type_t {
        // SAFETY: valid handle.
        unsafe { sys::zfs_get_type(self.raw()) }
    }

    /// `zfs_prop_get_int`.
    pub(crate) fn prop_u64(&self, prop: zc::zfs_prop_t) -> u64 {
        // SAFETY: valid handle.
        unsafe { sys::zfs_prop_get_int(self.raw(), prop) }
    }
}
