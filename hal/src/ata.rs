//! Asking a SATA disk whether it is spun down, without waking it: ATA CHECK
//! POWER MODE through the SCSI generic `SG_IO` ioctl (one ioctl, as
//! `hdparm -C` and `smartctl -n standby` do).
//!
//! The command (ATA `E5h`) goes in an ATA PASS-THROUGH (16) CDB (SAT, opcode
//! `85h`), non-data protocol, with `CK_COND` set so libata returns the
//! device's registers in the sense data: the COUNT register holds the power
//! mode. libata writes either descriptor-format sense (an ATA Status Return
//! descriptor, type 09h, COUNT at byte 5) or fixed-format sense (COUNT at
//! byte 6); both are decoded. A disk in standby answers without spinning
//! up; a disk in SLEEP does not answer at all (it needs a reset), which is
//! an error, never a wake-up.
//!
//! It needs the running kernel and `CAP_SYS_RAWIO` (ATA PASS-THROUGH is not
//! one of the SCSI commands the block layer lets an unprivileged reader
//! send).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ioctl;
use crate::root::Root;

/// A disk's power mode, from the COUNT register after CHECK POWER MODE
/// (ACS-4 table "CHECK POWER MODE normal output").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PowerMode {
    /// `00h`/`01h`: Standby (PM2): spun down.
    Standby,
    /// `40h`: NV cache power mode, spun down or spinning down.
    NvCacheSpunDown,
    /// `41h`: NV cache power mode, spun up or spinning up.
    NvCacheSpunUp,
    /// `80h`–`83h`: Idle (Idle, Idle_a/b/c).
    Idle,
    /// `FFh`: Active or Idle.
    Active,
    /// Any other value, as the device reported it.
    Other(u8),
}

impl PowerMode {
    /// The mode for a COUNT register value.
    pub fn from_count(count: u8) -> PowerMode {
        match count {
            0x00 | 0x01 => PowerMode::Standby,
            0x40 => PowerMode::NvCacheSpunDown,
            0x41 => PowerMode::NvCacheSpunUp,
            0x80..=0x83 => PowerMode::Idle,
            0xff => PowerMode::Active,
            other => PowerMode::Other(other),
        }
    }

    /// Whether the platters are (or are going) still: reading the disk now
    /// would spin it up.
    pub fn is_spun_down(self) -> bool {
        matches!(self, PowerMode::Standby | PowerMode::NvCacheSpunDown)
    }
}

/// The COUNT register from the sense data of an ATA PASS-THROUGH with
/// `CK_COND`, in either sense format; `None` when the sense data carries no
/// ATA registers (not a SAT device, or the command was refused).
pub fn count_from_sense(sense: &[u8]) -> Option<u8> {
    match sense.first().map(|b| b & 0x7f)? {
        // Descriptor format: descriptors from byte 8, each [type, len, ...].
        0x72 | 0x73 => {
            let total = usize::from(*sense.get(7)?);
            let mut at = 8;
            let end = (8 + total).min(sense.len());
            while at + 1 < end {
                let (kind, len) = (sense[at], usize::from(sense[at + 1]));
                if kind == 0x09 && len >= 12 {
                    return sense.get(at + 5).copied();
                }
                at += 2 + len;
            }
            None
        }
        // Fixed format: the ATA registers in the INFORMATION bytes 3..=6
        // (error, status, device, count), with ASC/ASCQ 00h/1Dh "ATA
        // pass-through information available".
        0x70 | 0x71 => {
            let (asc, ascq) = (*sense.get(12)?, *sense.get(13)?);
            (asc == 0x00 && ascq == 0x1d).then(|| sense.get(6).copied()).flatten()
        }
        _ => None,
    }
}

/// `struct sg_io_hdr` of `<scsi/sg.h>`.
#[repr(C)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: libc::c_uchar,
    mx_sb_len: libc::c_uchar,
    iovec_count: libc::c_ushort,
    dxfer_len: libc::c_uint,
    dxferp: *mut libc::c_void,
    cmdp: *const libc::c_uchar,
    sbp: *mut libc::c_uchar,
    timeout: libc::c_uint,
    flags: libc::c_uint,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: libc::c_uchar,
    masked_status: libc::c_uchar,
    msg_status: libc::c_uchar,
    sb_len_wr: libc::c_uchar,
    host_status: libc::c_ushort,
    driver_status: libc::c_ushort,
    resid: libc::c_int,
    duration: libc::c_uint,
    info: libc::c_uint,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<SgIoHdr>() == 88, "sg_io_hdr is 88 bytes on LP64");

const SG_IO: libc::c_ulong = 0x2285;
const SG_DXFER_NONE: libc::c_int = -1;
const CALL: &str = "SG_IO ATA CHECK POWER MODE";

/// The ATA PASS-THROUGH (16) CDB for CHECK POWER MODE: protocol 3
/// (non-data), `CK_COND`, no transfer, command `E5h`.
const CHECK_POWER_MODE_CDB: [u8; 16] =
    [0x85, 3 << 1, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe5, 0];

/// A SATA disk's block device, open for power-mode checks.
#[derive(Debug)]
pub struct AtaDisk {
    path: PathBuf,
    file: File,
}

impl AtaDisk {
    /// Opens `/dev/<block_device>` (e.g. `sda`) under the live `root`; a
    /// fixture tree is refused ([`Error::NotLive`]). Opened read-only and
    /// non-blocking: opening never spins a disk up.
    pub fn open(root: &Root, block_device: &str) -> Result<AtaDisk> {
        root.require_live(CALL)?;
        if block_device.is_empty() || block_device.contains('/') {
            return Err(Error::InvalidInput {
                what: "block device",
                value: block_device.to_owned(),
                reason: "a kernel name such as sda".to_owned(),
            });
        }
        let path = root.dev().join(block_device);
        let mut options = std::fs::OpenOptions::new();
        std::os::unix::fs::OpenOptionsExt::custom_flags(options.read(true), libc::O_NONBLOCK);
        let file = root.open_with(&path, &options)?;
        Ok(AtaDisk { path, file })
    }

    /// The block device node.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Asks the disk for its power mode (one ioctl; never spins it up).
    pub fn power_mode(&self) -> Result<PowerMode> {
        let device = self.path.display().to_string();
        let fail = |source| Error::Device { call: CALL, device: device.clone(), source };
        let mut sense = [0u8; 32];
        let mut hdr = SgIoHdr {
            interface_id: libc::c_int::from(b'S'),
            dxfer_direction: SG_DXFER_NONE,
            cmd_len: 16,
            mx_sb_len: 32,
            iovec_count: 0,
            dxfer_len: 0,
            dxferp: std::ptr::null_mut(),
            cmdp: CHECK_POWER_MODE_CDB.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: 5_000,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        ioctl::note();
        // SAFETY: `hdr` is a valid sg_io_hdr whose pointers (the CDB, the
        // 32-byte sense buffer, no data buffer) outlive the call; the kernel
        // writes only the header's output fields and at most mx_sb_len sense
        // bytes.
        let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO as _, &mut hdr) };
        if rc < 0 {
            return Err(fail(io::Error::last_os_error()));
        }
        let written = usize::from(hdr.sb_len_wr).min(sense.len());
        match count_from_sense(&sense[..written]) {
            Some(count) => Ok(PowerMode::from_count(count)),
            None => Err(fail(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "no ATA registers in the answer (SCSI status {:#04x}, host {:#06x}, \
                     driver {:#06x}): not an ATA disk behind SAT",
                    hdr.status, hdr.host_status, hdr.driver_status
                ),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn power_modes_from_the_count_register() {
        assert_eq!(PowerMode::from_count(0x00), PowerMode::Standby);
        assert_eq!(PowerMode::from_count(0x01), PowerMode::Standby);
        assert_eq!(PowerMode::from_count(0x40), PowerMode::NvCacheSpunDown);
        assert_eq!(PowerMode::from_count(0x41), PowerMode::NvCacheSpunUp);
        assert_eq!(PowerMode::from_count(0x82), PowerMode::Idle);
        assert_eq!(PowerMode::from_count(0xff), PowerMode::Active);
        assert_eq!(PowerMode::from_count(0x10), PowerMode::Other(0x10));
        assert!(PowerMode::Standby.is_spun_down() && PowerMode::NvCacheSpunDown.is_spun_down());
        assert!(!PowerMode::Active.is_spun_down() && !PowerMode::Idle.is_spun_down());
    }

    #[test]
    fn the_count_is_found_in_both_sense_formats() {
        // Descriptor format, as libata writes it: 72h, RECOVERED ERROR,
        // 00h/1Dh, then an ATA Status Return descriptor (09h, 0Ch).
        let mut desc = [0u8; 22];
        desc[..8].copy_from_slice(&[0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 14]);
        desc[8..22].copy_from_slice(&[0x09, 0x0c, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0x40, 0x50]);
        assert_eq!(count_from_sense(&desc), Some(0xff));
        // Another descriptor first: skipped by its length.
        let mut two = vec![0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 18, 0x02, 0x02, 0, 0];
        two.extend_from_slice(&[0x09, 0x0c, 0, 0, 0, 0x00, 0, 0, 0, 0, 0, 0, 0x40, 0x50]);
        assert_eq!(count_from_sense(&two), Some(0x00));
        // Fixed format: count in byte 6, ASC/ASCQ 00h/1Dh.
        let mut fixed = [0u8; 18];
        fixed[0] = 0xf0;
        fixed[2] = 0x01;
        fixed[4] = 0x50;
        fixed[6] = 0x80;
        fixed[12] = 0x00;
        fixed[13] = 0x1d;
        assert_eq!(count_from_sense(&fixed), Some(0x80));
        // Sense without ATA registers (ILLEGAL REQUEST, invalid opcode) and
        // garbage give nothing rather than a made-up mode.
        let mut refused = fixed;
        refused[2] = 0x05;
        refused[12] = 0x20;
        refused[13] = 0x00;
        assert_eq!(count_from_sense(&refused), None);
        assert_eq!(count_from_sense(&[]), None);
        assert_eq!(count_from_sense(&[0x72, 0, 0, 0, 0, 0, 0, 200, 0x09]), None);
    }

    #[test]
    fn a_tree_root_never_issues_sg_io() {
        let e = AtaDisk::open(&Root::new("/nonexistent"), "sda").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(matches!(e, Error::NotLive { call: CALL, .. }));
        let e = AtaDisk::open(&Root::system(), "../sda").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
