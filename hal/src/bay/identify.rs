//! Disk identity from the SCSI VPD pages libata emulates.
//!
//! - Page 0x80 (Unit Serial Number): a 4-byte header, then the serial. libata
//!   copies the raw 20-byte ATA serial, padding included (WD drives pad on
//!   the left).
//! - Page 0x89 (ATA Information, SAT): the 512-byte IDENTIFY DEVICE data at
//!   offset 60, which holds the full 40-character model (the SCSI `model`
//!   attribute keeps only 16), the serial, the firmware revision and the
//!   nominal rotation rate.
//!
//! ATA strings store two characters per little-endian 16-bit word, the
//! first in the high byte.

/// Fields of ATA IDENTIFY DEVICE this crate reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identify {
    pub(crate) model: String,
    pub(crate) serial: String,
    pub(crate) firmware: String,
    /// Word 217: `None` when not reported, `Some(0)` for non-rotating media.
    pub(crate) rotation_rpm: Option<u16>,
}

const IDENTIFY_OFFSET: usize = 60;
const IDENTIFY_LEN: usize = 512;

/// Decodes an ATA string of `words` 16-bit words starting at word `first`.
fn ata_string(identify: &[u8], first: usize, words: usize) -> Option<String> {
    let raw = identify.get(first * 2..(first + words) * 2)?;
    let mut bytes = Vec::with_capacity(raw.len());
    for pair in raw.chunks_exact(2) {
        bytes.push(pair[1]);
        bytes.push(pair[0]);
    }
    let text: String =
        bytes.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { ' ' }).collect();
    Some(text.trim().to_owned())
}

/// Parses VPD page 0x89. `None` when the bytes are not that page.
pub(crate) fn parse_vpd89(page: &[u8]) -> Option<Identify> {
    if page.get(1) != Some(&0x89) {
        return None;
    }
    let identify = page.get(IDENTIFY_OFFSET..IDENTIFY_OFFSET + IDENTIFY_LEN)?;
    let word = |n: usize| u16::from_le_bytes([identify[n * 2], identify[n * 2 + 1]]);
    let rotation_rpm = match word(217) {
        0 | 0xffff => None,
        1 => Some(0),
        // 0x0002..=0x0400 are reserved in ACS; a real rate is >= 0x0401.
        rpm if rpm >= 0x0401 => Some(rpm),
        _ => None,
    };
    Some(Identify {
        model: ata_string(identify, 27, 20)?,
        serial: ata_string(identify, 10, 10)?,
        firmware: ata_string(identify, 23, 4)?,
        rotation_rpm,
    })
}

/// Parses VPD page 0x80. `None` when the bytes are not that page.
pub(crate) fn parse_vpd80(page: &[u8]) -> Option<String> {
    if page.get(1) != Some(&0x80) {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*page.get(2)?, *page.get(3)?]));
    let raw = page.get(4..4 + len)?;
    let text: String =
        raw.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { ' ' }).collect();
    Some(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swap(text: &str, len: usize) -> Vec<u8> {
        let padded = format!("{text:<len$}");
        padded.as_bytes().chunks(2).flat_map(|p| [p[1], p[0]]).collect()
    }

    fn vpd89(model: &str, serial: &str, fw: &str, rpm: u16) -> Vec<u8> {
        let mut page = vec![0u8; 572];
        page[1] = 0x89;
        page[2..4].copy_from_slice(&568u16.to_be_bytes());
        let id = &mut page[60..];
        id[20..40].copy_from_slice(&swap(serial, 20));
        id[46..54].copy_from_slice(&swap(fw, 8));
        id[54..94].copy_from_slice(&swap(model, 40));
        id[434..436].copy_from_slice(&rpm.to_le_bytes());
        page
    }

    #[test]
    fn identify_strings_are_byte_swapped_words() {
        // "WDC WD40EFRX-68N32N0" as ATA words "WD" "C " ... stored
        // little-endian: "DW" " C" ...
        let page = vpd89("WDC WD40EFRX-68N32N0", "     WD-WCC7K1AB0001", "82.00A82", 5400);
        assert_eq!(&page[60 + 54..60 + 58], b"DW C");
        let id = parse_vpd89(&page).unwrap();
        assert_eq!(id.model, "WDC WD40EFRX-68N32N0");
        assert_eq!(id.serial, "WD-WCC7K1AB0001");
        assert_eq!(id.firmware, "82.00A82");
        assert_eq!(id.rotation_rpm, Some(5400));
    }

    #[test]
    fn rotation_rate_codes() {
        let rpm = |w| parse_vpd89(&vpd89("M", "S", "F", w)).unwrap().rotation_rpm;
        assert_eq!(rpm(0), None, "not reported (QEMU)");
        assert_eq!(rpm(1), Some(0), "solid state");
        assert_eq!(rpm(0x0200), None, "reserved");
        assert_eq!(rpm(7200), Some(7200));
        assert_eq!(rpm(0xffff), None);
    }

    #[test]
    fn wrong_or_short_pages_are_rejected() {
        assert_eq!(parse_vpd89(&[]), None);
        let mut page = vpd89("M", "S", "F", 0);
        page[1] = 0x80;
        assert_eq!(parse_vpd89(&page), None);
        assert_eq!(parse_vpd89(&vpd89("M", "S", "F", 0)[..300]), None);
    }

    #[test]
    fn serial_page() {
        let mut page = vec![0, 0x80, 0, 20];
        page.extend_from_slice(b"     WD-WCC7K1AB0001");
        assert_eq!(parse_vpd80(&page).as_deref(), Some("WD-WCC7K1AB0001"));
        let mut qemu = vec![0, 0x80, 0, 20];
        qemu.extend_from_slice(b"H64BAY1             ");
        assert_eq!(parse_vpd80(&qemu).as_deref(), Some("H64BAY1"));
        assert_eq!(parse_vpd80(&[0, 0x80, 0, 20, b'x']), None, "truncated");
        assert_eq!(parse_vpd80(&[0, 0x83, 0, 0]), None);
    }
}
