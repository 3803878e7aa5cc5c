//! Giving back code pages the daemon does not run again.
//!
//! Argument parsing, the TOML loader, the logging set-up and discovery run
//! once; their code pages stay mapped (and counted in the daemon's RSS)
//! although the idle loop never runs them again. A daemon asks the kernel
//! to reclaim its read-only file mappings (`MADV_PAGEOUT`, Linux 5.4+)
//! after start-up, and may again when idle: clean pages only this process
//! maps are dropped and come back from the page cache on demand (a minor
//! fault); pages shared with other processes (most of libc) are left
//! alone. Measured in docs/PERFORMANCE.md (upsd, exporter).

/// The read-only file-backed mappings in `/proc/self/maps` text: (start,
/// length).
pub fn readonly_file_mappings(maps: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let perms = fields.next()?;
            let _offset = fields.next()?;
            let _dev = fields.next()?;
            let inode = fields.next()?;
            let path = fields.next()?;
            // Writable mappings hold data; inode 0 is anonymous or special
            // ([vdso], [stack]).
            if perms.contains('w') || inode == "0" || !path.starts_with('/') {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (end > start).then_some((start, end - start))
        })
        .collect()
}

/// Asks the kernel to reclaim this process's [`readonly_file_mappings`];
/// returns how many mappings it took the advice for (0 on a kernel before
/// 5.4, which refuses the advice: nothing else changes).
pub fn release_file_pages() -> usize {
    // The kernel's view of this process, not a board attribute.
    #[allow(clippy::disallowed_methods)]
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return 0 };
    let mut advised = 0;
    for (start, len) in readonly_file_mappings(&maps) {
        // SAFETY: the range is one of this process's own mappings as the
        // kernel listed it; MADV_PAGEOUT only drops clean pages, which are
        // read back from their file when touched again, so no memory the
        // program uses changes. An error (an old kernel: EINVAL) is ignored.
        let rc = unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_PAGEOUT) };
        if rc == 0 {
            advised += 1;
        }
    }
    advised
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_readonly_file_mappings_are_chosen() {
        let maps = "\
55d0c0000000-55d0c0100000 r--p 00000000 08:01 1234 /usr/bin/helios64-upsd
55d0c0100000-55d0c0500000 r-xp 00100000 08:01 1234 /usr/bin/helios64-upsd
55d0c0500000-55d0c0510000 rw-p 00500000 08:01 1234 /usr/bin/helios64-upsd
55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000001000 r-xp 00000000 00:00 0 [vdso]
7f0000002000-7f0000003000 r--p 00000000 00:00 0
";
        assert_eq!(
            readonly_file_mappings(maps),
            [(0x55d0_c000_0000, 0x10_0000), (0x55d0_c010_0000, 0x40_0000)]
        );
    }

    #[test]
    fn releasing_keeps_the_process_working() {
        assert!(release_file_pages() > 0);
        // The code that runs next faults its pages back in.
        let v: Vec<u32> = (0..1000).collect();
        assert_eq!(v.iter().sum::<u32>(), 499_500);
    }
}
