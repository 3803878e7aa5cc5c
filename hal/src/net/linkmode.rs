//! Ethernet link modes: the kernel's `ethtool_link_mode_bit_indices` as a
//! typed set, and the `u32` bitmap words the ethtool interface exchanges.
//!
//! Bit numbers are the kernel uapi's (`include/uapi/linux/ethtool.h`):
//! `1000baseT/Full` = 5, `100baseT/Full` = 3, `2500baseT/Full` = 47. Bits
//! 0–92 are checked against the 6.1 uapi header; 93–102 (800G, 10BASE-T1S,
//! 10BASE-T1BRR) come from the 6.4–6.11 headers. A bit this table does not
//! name is kept as-is (a newer kernel's mode must survive a read-modify-write).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The uapi names, indexed by bit number.
const NAMES: [&str; 103] = [
    "10baseT_Half",               // 0
    "10baseT_Full",               // 1
    "100baseT_Half",              // 2
    "100baseT_Full",              // 3
    "1000baseT_Half",             // 4
    "1000baseT_Full",             // 5
    "Autoneg",                    // 6
    "TP",                         // 7
    "AUI",                        // 8
    "MII",                        // 9
    "FIBRE",                      // 10
    "BNC",                        // 11
    "10000baseT_Full",            // 12
    "Pause",                      // 13
    "Asym_Pause",                 // 14
    "2500baseX_Full",             // 15
    "Backplane",                  // 16
    "1000baseKX_Full",            // 17
    "10000baseKX4_Full",          // 18
    "10000baseKR_Full",           // 19
    "10000baseR_FEC",             // 20
    "20000baseMLD2_Full",         // 21
    "20000baseKR2_Full",          // 22
    "40000baseKR4_Full",          // 23
    "40000baseCR4_Full",          // 24
    "40000baseSR4_Full",          // 25
    "40000baseLR4_Full",          // 26
    "56000baseKR4_Full",          // 27
    "56000baseCR4_Full",          // 28
    "56000baseSR4_Full",          // 29
    "56000baseLR4_Full",          // 30
    "25000baseCR_Full",           // 31
    "25000baseKR_Full",           // 32
    "25000baseSR_Full",           // 33
    "50000baseCR2_Full",          // 34
    "50000baseKR2_Full",          // 35
    "100000baseKR4_Full",         // 36
    "100000baseSR4_Full",         // 37
    "100000baseCR4_Full",         // 38
    "100000baseLR4_ER4_Full",     // 39
    "50000baseSR2_Full",          // 40
    "1000baseX_Full",             // 41
    "10000baseCR_Full",           // 42
    "10000baseSR_Full",           // 43
    "10000baseLR_Full",           // 44
    "10000baseLRM_Full",          // 45
    "10000baseER_Full",           // 46
    "2500baseT_Full",             // 47
    "5000baseT_Full",             // 48
    "FEC_NONE",                   // 49
    "FEC_RS",                     // 50
    "FEC_BASER",                  // 51
    "50000baseKR_Full",           // 52
    "50000baseSR_Full",           // 53
    "50000baseCR_Full",           // 54
    "50000baseLR_ER_FR_Full",     // 55
    "50000baseDR_Full",           // 56
    "100000baseKR2_Full",         // 57
    "100000baseSR2_Full",         // 58
    "100000baseCR2_Full",         // 59
    "100000baseLR2_ER2_FR2_Full", // 60
    "100000baseDR2_Full",         // 61
    "200000baseKR4_Full",         // 62
    "200000baseSR4_Full",         // 63
    "200000baseLR4_ER4_FR4_Full", // 64
    "200000baseDR4_Full",         // 65
    "200000baseCR4_Full",         // 66
    "100baseT1_Full",             // 67
    "1000baseT1_Full",            // 68
    "400000baseKR8_Full",         // 69
    "400000baseSR8_Full",         // 70
    "400000baseLR8_ER8_FR8_Full", // 71
    "400000baseDR8_Full",         // 72
    "400000baseCR8_Full",         // 73
    "FEC_LLRS",                   // 74
    "100000baseKR_Full",          // 75
    "100000baseSR_Full",          // 76
    "100000baseLR_ER_FR_Full",    // 77
    "100000baseCR_Full",          // 78
    "100000baseDR_Full",          // 79
    "200000baseKR2_Full",         // 80
    "200000baseSR2_Full",         // 81
    "200000baseLR2_ER2_FR2_Full", // 82
    "200000baseDR2_Full",         // 83
    "200000baseCR2_Full",         // 84
    "400000baseKR4_Full",         // 85
    "400000baseSR4_Full",         // 86
    "400000baseLR4_ER4_FR4_Full", // 87
    "400000baseDR4_Full",         // 88
    "400000baseCR4_Full",         // 89
    "100baseFX_Half",             // 90
    "100baseFX_Full",             // 91
    "10baseT1L_Full",             // 92
    "800000baseCR8_Full",         // 93
    "800000baseKR8_Full",         // 94
    "800000baseDR8_Full",         // 95
    "800000baseDR8_2_Full",       // 96
    "800000baseSR8_Full",         // 97
    "800000baseVR8_Full",         // 98
    "10baseT1S_Full",             // 99
    "10baseT1S_Half",             // 100
    "10baseT1S_P2MP_Half",        // 101
    "10baseT1BRR_Full",           // 102
];

/// Link duplex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Duplex {
    /// Half duplex.
    Half,
    /// Full duplex.
    Full,
}

/// One link mode bit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkMode(u16);

impl LinkMode {
    /// 10BASE-T half duplex (bit 0).
    pub const BASE_T_10_HALF: LinkMode = LinkMode(0);
    /// 10BASE-T full duplex (bit 1).
    pub const BASE_T_10_FULL: LinkMode = LinkMode(1);
    /// 100BASE-TX half duplex (bit 2).
    pub const BASE_T_100_HALF: LinkMode = LinkMode(2);
    /// 100BASE-TX full duplex (bit 3).
    pub const BASE_T_100_FULL: LinkMode = LinkMode(3);
    /// 1000BASE-T half duplex (bit 4).
    pub const BASE_T_1000_HALF: LinkMode = LinkMode(4);
    /// 1000BASE-T full duplex (bit 5).
    pub const BASE_T_1000_FULL: LinkMode = LinkMode(5);
    /// Autonegotiation supported/enabled (bit 6).
    pub const AUTONEG: LinkMode = LinkMode(6);
    /// Twisted-pair port (bit 7).
    pub const TP: LinkMode = LinkMode(7);
    /// MII port (bit 9).
    pub const MII: LinkMode = LinkMode(9);
    /// 10GBASE-T full duplex (bit 12).
    pub const BASE_T_10000_FULL: LinkMode = LinkMode(12);
    /// Symmetric pause (bit 13).
    pub const PAUSE: LinkMode = LinkMode(13);
    /// Asymmetric pause (bit 14).
    pub const ASYM_PAUSE: LinkMode = LinkMode(14);
    /// 2500BASE-X full duplex (bit 15).
    pub const BASE_X_2500_FULL: LinkMode = LinkMode(15);
    /// 1000BASE-X full duplex (bit 41).
    pub const BASE_X_1000_FULL: LinkMode = LinkMode(41);
    /// 2.5GBASE-T full duplex (bit 47): LAN2's top speed.
    pub const BASE_T_2500_FULL: LinkMode = LinkMode(47);
    /// 5GBASE-T full duplex (bit 48).
    pub const BASE_T_5000_FULL: LinkMode = LinkMode(48);

    /// The mode with bit number `bit`, named or not.
    pub const fn from_bit(bit: u16) -> LinkMode {
        LinkMode(bit)
    }

    /// The bit number.
    pub const fn bit(self) -> u16 {
        self.0
    }

    /// The uapi name without prefix and suffix (`1000baseT_Full`), when
    /// this crate knows the bit.
    pub fn uapi_name(self) -> Option<&'static str> {
        NAMES.get(usize::from(self.0)).copied()
    }

    /// The speed of a speed/duplex mode in Mb/s; `None` for port, pause,
    /// FEC and autoneg bits and for unknown bits.
    pub fn speed_mbps(self) -> Option<u32> {
        self.split().map(|(speed, _)| speed)
    }

    /// The duplex of a speed/duplex mode.
    pub fn duplex(self) -> Option<Duplex> {
        self.split().map(|(_, duplex)| duplex)
    }

    /// Whether this is a speed/duplex mode (as opposed to a port, pause,
    /// FEC or autoneg bit).
    pub fn is_speed(self) -> bool {
        self.split().is_some()
    }

    fn split(self) -> Option<(u32, Duplex)> {
        let name = self.uapi_name()?;
        let duplex = if name.ends_with("_Full") {
            Duplex::Full
        } else if name.ends_with("_Half") {
            Duplex::Half
        } else {
            return None; // e.g. 10000baseR_FEC, Autoneg, TP
        };
        let digits = name.split("base").next()?;
        Some((digits.parse().ok()?, duplex))
    }
}

impl fmt::Display for LinkMode {
    /// ethtool's spelling: `1000baseT/Full`, `Autoneg`, or `bit 120` for a
    /// bit this crate does not name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.uapi_name() {
            Some(name) => match name.rsplit_once('_') {
                Some((head, tail @ ("Full" | "Half"))) => write!(f, "{head}/{tail}"),
                _ => f.write_str(name),
            },
            None => write!(f, "bit {}", self.0),
        }
    }
}

impl fmt::Debug for LinkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkMode({} = {})", self.0, self)
    }
}

impl FromStr for LinkMode {
    type Err = Error;

    /// Accepts ethtool's spelling (`2500baseT/Full`), the uapi name
    /// (`2500baseT_Full`), either case, or `bit N`.
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().replace('/', "_");
        if let Some(n) = wanted.strip_prefix("bit ").and_then(|n| n.trim().parse::<u16>().ok()) {
            return Ok(LinkMode(n));
        }
        NAMES
            .iter()
            .position(|name| name.eq_ignore_ascii_case(&wanted))
            .and_then(|i| u16::try_from(i).ok())
            .map(LinkMode)
            .ok_or_else(|| Error::InvalidInput {
                what: "link mode",
                value: s.to_owned(),
                reason: "not an ethtool link mode such as 1000baseT/Full".into(),
            })
    }
}

impl serde::Serialize for LinkMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for LinkMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of link modes, e.g. what an interface supports or advertises.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct LinkModes(BTreeSet<LinkMode>);

impl LinkModes {
    /// The empty set.
    pub fn new() -> Self {
        LinkModes::default()
    }

    /// Adds a mode.
    pub fn insert(&mut self, mode: LinkMode) -> bool {
        self.0.insert(mode)
    }

    /// Removes a mode.
    pub fn remove(&mut self, mode: LinkMode) -> bool {
        self.0.remove(&mode)
    }

    /// Whether `mode` is in the set.
    pub fn contains(&self, mode: LinkMode) -> bool {
        self.0.contains(&mode)
    }

    /// The modes, by bit number.
    pub fn iter(&self) -> impl Iterator<Item = LinkMode> + '_ {
        self.0.iter().copied()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many modes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether every mode of `self` is in `other`.
    pub fn is_subset(&self, other: &LinkModes) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Only the speed/duplex modes.
    pub fn speeds(&self) -> LinkModes {
        self.iter().filter(|m| m.is_speed()).collect()
    }

    /// Everything except the speed/duplex modes (port, pause, autoneg, FEC
    /// and unknown bits).
    pub fn non_speeds(&self) -> LinkModes {
        self.iter().filter(|m| !m.is_speed()).collect()
    }

    /// The speed/duplex modes at `speed_mbps`, full duplex only.
    pub fn full_duplex_at(&self, speed_mbps: u32) -> LinkModes {
        self.iter()
            .filter(|m| m.speed_mbps() == Some(speed_mbps) && m.duplex() == Some(Duplex::Full))
            .collect()
    }

    /// The union of two sets.
    pub fn union(&self, other: &LinkModes) -> LinkModes {
        self.0.union(&other.0).copied().collect()
    }

    /// Decodes the kernel's bitmap: bit `n` is bit `n % 32` of word `n / 32`.
    pub fn from_words(words: &[u32]) -> LinkModes {
        let mut set = LinkModes::new();
        for (w, word) in words.iter().enumerate() {
            for b in 0..32 {
                if word & (1 << b) != 0 {
                    // The kernel's nwords is an i8, so w < 128 and the bit
                    // number fits u16 with room to spare.
                    if let Ok(bit) = u16::try_from(w * 32 + b) {
                        set.insert(LinkMode(bit));
                    }
                }
            }
        }
        set
    }

    /// Encodes into `nwords` bitmap words. A mode whose bit does not fit is
    /// an error: silently dropping it would advertise something else than
    /// asked.
    pub fn to_words(&self, nwords: usize) -> Result<Vec<u32>> {
        let mut words = vec![0u32; nwords];
        for mode in self.iter() {
            let bit = usize::from(mode.bit());
            let word = words.get_mut(bit / 32).ok_or_else(|| Error::InvalidInput {
                what: "link mode",
                value: mode.to_string(),
                reason: format!("bit {bit} does not fit the kernel's {nwords}-word bitmap"),
            })?;
            *word |= 1 << (bit % 32);
        }
        Ok(words)
    }
}

impl FromIterator<LinkMode> for LinkModes {
    fn from_iter<I: IntoIterator<Item = LinkMode>>(iter: I) -> Self {
        LinkModes(iter.into_iter().collect())
    }
}

impl fmt::Display for LinkModes {
    /// Space-separated, in ethtool's spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, mode) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{mode}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn bit_numbers_match_the_uapi() {
        assert_eq!(LinkMode::BASE_T_100_FULL.bit(), 3);
        assert_eq!(LinkMode::BASE_T_1000_FULL.bit(), 5);
        assert_eq!(LinkMode::BASE_T_2500_FULL.bit(), 47);
        assert_eq!(LinkMode::BASE_T_1000_FULL.uapi_name(), Some("1000baseT_Full"));
        assert_eq!(LinkMode::BASE_T_2500_FULL.uapi_name(), Some("2500baseT_Full"));
        assert_eq!(LinkMode::BASE_T_5000_FULL.uapi_name(), Some("5000baseT_Full"));
        assert_eq!(LinkMode::BASE_X_1000_FULL.uapi_name(), Some("1000baseX_Full"));
        assert_eq!(LinkMode::AUTONEG.uapi_name(), Some("Autoneg"));
        assert_eq!(LinkMode::ASYM_PAUSE.uapi_name(), Some("Asym_Pause"));
        assert_eq!(LinkMode::from_bit(92).uapi_name(), Some("10baseT1L_Full"));
        assert_eq!(NAMES.len(), 103);
    }

    #[test]
    fn speed_and_duplex_come_from_the_name() {
        assert_eq!(LinkMode::BASE_T_2500_FULL.speed_mbps(), Some(2500));
        assert_eq!(LinkMode::BASE_T_10_HALF.duplex(), Some(Duplex::Half));
        assert_eq!(LinkMode::from_bit(20).speed_mbps(), None, "10000baseR_FEC is a FEC bit");
        assert_eq!(LinkMode::from_bit(49).speed_mbps(), None, "FEC_NONE");
        assert_eq!(LinkMode::from_bit(96).speed_mbps(), Some(800_000));
        assert!(!LinkMode::PAUSE.is_speed());
        assert!(!LinkMode::from_bit(200).is_speed());
    }

    #[test]
    fn names_parse_and_print_like_ethtool() {
        assert_eq!("2500baseT/Full".parse::<LinkMode>().unwrap(), LinkMode::BASE_T_2500_FULL);
        assert_eq!("1000baset_full".parse::<LinkMode>().unwrap(), LinkMode::BASE_T_1000_FULL);
        assert_eq!("Autoneg".parse::<LinkMode>().unwrap(), LinkMode::AUTONEG);
        assert_eq!("bit 120".parse::<LinkMode>().unwrap(), LinkMode::from_bit(120));
        let e = "2.5G".parse::<LinkMode>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(LinkMode::BASE_T_100_FULL.to_string(), "100baseT/Full");
        assert_eq!(LinkMode::ASYM_PAUSE.to_string(), "Asym_Pause");
        assert_eq!(LinkMode::from_bit(120).to_string(), "bit 120");
        for bit in 0..103 {
            let mode = LinkMode::from_bit(bit);
            assert_eq!(mode.to_string().parse::<LinkMode>().unwrap(), mode, "bit {bit}");
        }
    }

    #[test]
    fn words_decode_literal_kernel_bitmaps() {
        // What an RTL8156 reports as supported (one word-set of a 4-word
        // bitmap): 10/100 half+full, 1000 full, autoneg, TP, pause, asym
        // pause, 2500baseT/Full.
        let words = [0x0000_60ef, 0x0000_8000, 0, 0];
        let modes = LinkModes::from_words(&words);
        let names: Vec<String> = modes.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            names,
            [
                "10baseT/Half",
                "10baseT/Full",
                "100baseT/Half",
                "100baseT/Full",
                "1000baseT/Full",
                "Autoneg",
                "TP",
                "Pause",
                "Asym_Pause",
                "2500baseT/Full",
            ]
        );
        assert_eq!(modes.to_words(4).unwrap(), words);
        // The reference table's advertise masks.
        assert_eq!(
            LinkModes::from_words(&[0x20]).iter().collect::<Vec<_>>(),
            [LinkMode::BASE_T_1000_FULL]
        );
        assert_eq!(
            LinkModes::from_words(&[0x8]).iter().collect::<Vec<_>>(),
            [LinkMode::BASE_T_100_FULL]
        );
        let bit47: LinkModes = [LinkMode::BASE_T_2500_FULL].into_iter().collect();
        let w = bit47.to_words(2).unwrap();
        assert_eq!(u64::from(w[0]) | u64::from(w[1]) << 32, 0x8000_0000_0000);
    }

    #[test]
    fn unknown_bits_survive_a_round_trip() {
        let words = [0x20, 0, 0, 0x0100_0000];
        let modes = LinkModes::from_words(&words);
        assert!(modes.contains(LinkMode::from_bit(120)));
        assert_eq!(modes.to_words(4).unwrap(), words);
        assert!(modes.non_speeds().contains(LinkMode::from_bit(120)));
    }

    #[test]
    fn a_bit_beyond_the_bitmap_is_refused() {
        let modes: LinkModes = [LinkMode::BASE_T_2500_FULL].into_iter().collect();
        let e = modes.to_words(1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("2500baseT/Full"), "{e}");
    }

    #[test]
    fn speed_selection_keeps_the_rest() {
        let supported = LinkModes::from_words(&[0x0000_60ef, 0x0000_8000]);
        let only_1g = supported.full_duplex_at(1000);
        assert_eq!(only_1g.iter().collect::<Vec<_>>(), [LinkMode::BASE_T_1000_FULL]);
        assert_eq!(supported.full_duplex_at(2500).len(), 1);
        assert!(supported.full_duplex_at(5000).is_empty());
        let rest = supported.non_speeds();
        assert_eq!(rest.to_string(), "Autoneg TP Pause Asym_Pause");
        assert_eq!(rest.union(&only_1g).to_words(2).unwrap(), [0x0000_60e0, 0]);
        assert_eq!(serde_json::to_string(&only_1g).unwrap(), r#"["1000baseT/Full"]"#);
    }
}
