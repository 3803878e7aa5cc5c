//! Pool, vdev and scan states, with the names `zpool status` prints
//! (the tables in `cmd/zpool/zpool_main.c`) and the numbers of the C enums.

use std::fmt;

/// A pool's health as `zpool status` and `zpool list` show it
/// (`zpool_get_state_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Health {
    /// All devices working.
    Online,
    /// Redundancy lost but data available.
    Degraded,
    /// Unusable: too many devices failed, or corrupt metadata.
    Faulted,
    /// Taken offline by the administrator.
    Offline,
    /// Devices cannot be opened.
    Unavail,
    /// Devices were physically removed.
    Removed,
    /// The pool was split off from another.
    Split,
    /// I/O suspended after failures (`failmode=wait`/`continue`).
    Suspended,
    /// `zpool_state_to_name` fell through ("UNKNOWN").
    Unknown,
}

impl Health {
    /// The name `zpool status` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Online => "ONLINE",
            Health::Degraded => "DEGRADED",
            Health::Faulted => "FAULTED",
            Health::Offline => "OFFLINE",
            Health::Unavail => "UNAVAIL",
            Health::Removed => "REMOVED",
            Health::Split => "SPLIT",
            Health::Suspended => "SUSPENDED",
            Health::Unknown => "UNKNOWN",
        }
    }

    /// Parses a name `zpool` prints.
    pub fn from_name(name: &str) -> Option<Health> {
        Some(match name {
            "ONLINE" => Health::Online,
            "DEGRADED" => Health::Degraded,
            "FAULTED" => Health::Faulted,
            "OFFLINE" => Health::Offline,
            "UNAVAIL" => Health::Unavail,
            "REMOVED" => Health::Removed,
            "SPLIT" => Health::Split,
            "SUSPENDED" => Health::Suspended,
            "UNKNOWN" => Health::Unknown,
            _ => return None,
        })
    }

    /// `zpool_state_to_name(state, aux)`: what a vdev's state and aux
    /// amount to.
    pub fn of_vdev(state: VdevState, aux: Option<VdevAux>) -> Health {
        match state {
            VdevState::Closed | VdevState::Offline => Health::Offline,
            VdevState::Removed => Health::Removed,
            VdevState::CantOpen => match aux {
                Some(VdevAux::CorruptData | VdevAux::BadLog) => Health::Faulted,
                // A hot spare in use (its entry in the spares list; the
                // device itself is ONLINE in the vdev tree, under
                // `spare-N`). zpool_state_to_name says UNAVAIL, `zpool
                // status` INUSE: it is not a failed device.
                Some(VdevAux::Spared) => Health::Online,
                Some(VdevAux::SplitPool) => Health::Split,
                _ => Health::Unavail,
            },
            VdevState::Faulted => Health::Faulted,
            VdevState::Degraded => Health::Degraded,
            VdevState::Online => Health::Online,
            VdevState::Unknown | VdevState::Other(_) => Health::Unknown,
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A raw vdev state (`vdev_state_t`), as the `state` of a vdev in
/// `zpool status -j`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VdevState {
    /// `VDEV_STATE_UNKNOWN`: not yet opened.
    Unknown,
    /// `VDEV_STATE_CLOSED`.
    Closed,
    /// `VDEV_STATE_OFFLINE`.
    Offline,
    /// `VDEV_STATE_REMOVED`.
    Removed,
    /// `VDEV_STATE_CANT_OPEN`: see the aux for why.
    CantOpen,
    /// `VDEV_STATE_FAULTED`.
    Faulted,
    /// `VDEV_STATE_DEGRADED`.
    Degraded,
    /// `VDEV_STATE_HEALTHY` (printed "ONLINE").
    Online,
    /// A value newer than this crate.
    Other(u64),
}

const VDEV_STATE_NAMES: [&str; 8] =
    ["UNKNOWN", "CLOSED", "OFFLINE", "REMOVED", "CANT_OPEN", "FAULTED", "DEGRADED", "ONLINE"];

impl VdevState {
    /// From the `vs_state` number (`vdev_state_t` is the same in 2.1–2.4).
    pub fn from_raw(v: u64) -> VdevState {
        match v {
            0 => VdevState::Unknown,
            1 => VdevState::Closed,
            2 => VdevState::Offline,
            3 => VdevState::Removed,
            4 => VdevState::CantOpen,
            5 => VdevState::Faulted,
            6 => VdevState::Degraded,
            7 => VdevState::Online,
            other => VdevState::Other(other),
        }
    }

    /// The number, inverse of [`VdevState::from_raw`].
    pub fn to_raw(self) -> u64 {
        match self {
            VdevState::Unknown => 0,
            VdevState::Closed => 1,
            VdevState::Offline => 2,
            VdevState::Removed => 3,
            VdevState::CantOpen => 4,
            VdevState::Faulted => 5,
            VdevState::Degraded => 6,
            VdevState::Online => 7,
            VdevState::Other(v) => v,
        }
    }

    /// Parses the name `zpool status -j` prints.
    pub fn from_name(name: &str) -> Option<VdevState> {
        VDEV_STATE_NAMES.iter().position(|n| *n == name).map(|i| VdevState::from_raw(i as u64))
    }

    /// The name `zpool status -j` prints as a vdev's `state` ("CANT_OPEN");
    /// "UNKNOWN" for a value newer than this crate.
    pub fn as_str(self) -> &'static str {
        usize::try_from(self.to_raw())
            .ok()
            .and_then(|i| VDEV_STATE_NAMES.get(i))
            .filter(|_| !matches!(self, VdevState::Other(_)))
            .map_or("UNKNOWN", |n| n)
    }
}

/// The word `zpool status` prints in its STATE column for this state with
/// no aux (`zpool_state_to_name(state, VDEV_AUX_NONE)`: "UNAVAIL" for
/// `CantOpen`, "OFFLINE" for `Closed`). A vdev's own word depends on its aux
/// too: that is [`Vdev::health`](crate::Vdev::health).
impl fmt::Display for VdevState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Health::of_vdev(*self, None).as_str())
    }
}

/// Why a vdev is in its state (`vdev_aux_t`, unchanged from 2.1 to 2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "one variant per VDEV_AUX_* constant, named after it")]
pub enum VdevAux {
    OpenFailed,
    CorruptData,
    NoReplicas,
    BadGuidSum,
    TooSmall,
    BadLabel,
    VersionNewer,
    VersionOlder,
    UnsupFeat,
    Spared,
    ErrExceeded,
    IoFailure,
    BadLog,
    External,
    SplitPool,
    BadAshift,
    ExternalPersist,
    Active,
    ChildrenOffline,
    AshiftTooBig,
    /// A value newer than this crate.
    Other(u64),
}

/// `vdev_aux_str` in `zpool_main.c`, indexed by value; index 0 is "NONE".
const VDEV_AUX_NAMES: [&str; 21] = [
    "NONE",
    "OPEN_FAILED",
    "CORRUPT_DATA",
    "NO_REPLICAS",
    "BAD_GUID_SUM",
    "TOO_SMALL",
    "BAD_LABEL",
    "VERSION_NEWER",
    "VERSION_OLDER",
    "UNSUP_FEAT",
    "SPARED",
    "ERR_EXCEEDED",
    "IO_FAILURE",
    "BAD_LOG",
    "EXTERNAL",
    "SPLIT_POOL",
    "BAD_ASHIFT",
    "EXTERNAL_PERSIST",
    "ACTIVE",
    "CHILDREN_OFFLINE",
    "ASHIFT_TOO_BIG",
];

impl VdevAux {
    /// From the `vs_aux` number; `None` for `VDEV_AUX_NONE`.
    pub fn from_raw(v: u64) -> Option<VdevAux> {
        use VdevAux::*;
        Some(match v {
            0 => return None,
            1 => OpenFailed,
            2 => CorruptData,
            3 => NoReplicas,
            4 => BadGuidSum,
            5 => TooSmall,
            6 => BadLabel,
            7 => VersionNewer,
            8 => VersionOlder,
            9 => UnsupFeat,
            10 => Spared,
            11 => ErrExceeded,
            12 => IoFailure,
            13 => BadLog,
            14 => External,
            15 => SplitPool,
            16 => BadAshift,
            17 => ExternalPersist,
            18 => Active,
            19 => ChildrenOffline,
            20 => AshiftTooBig,
            other => Other(other),
        })
    }

    /// Parses the name `zpool status -j` prints ("NONE" gives `Ok(None)`).
    pub fn from_name(name: &str) -> Option<Option<VdevAux>> {
        VDEV_AUX_NAMES.iter().position(|n| *n == name).map(|i| VdevAux::from_raw(i as u64))
    }

    /// The name `zpool status -j` prints.
    pub fn as_str(self) -> &'static str {
        let idx = (1..VDEV_AUX_NAMES.len() as u64).find(|&i| VdevAux::from_raw(i) == Some(self));
        idx.map_or("UNKNOWN", |i| VDEV_AUX_NAMES[i as usize])
    }
}

/// A hot spare's state as `zpool status` prints it in its spares section
/// (`print_status_config` with `isspare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpareState {
    /// On the shelf, healthy.
    Avail,
    /// Replacing a device of this or another pool (aux `SPARED`).
    InUse,
    /// Neither: the spare device itself cannot be used.
    Unavail,
}

impl SpareState {
    /// zpool's rule: aux `SPARED` is INUSE, else ONLINE is AVAIL, else
    /// UNAVAIL. Both backends report an in-use spare's entry as
    /// (`CantOpen`, `Spared`), the kernel's values.
    pub fn of(state: VdevState, aux: Option<VdevAux>) -> SpareState {
        match (state, aux) {
            (_, Some(VdevAux::Spared)) => SpareState::InUse,
            (VdevState::Online, _) => SpareState::Avail,
            _ => SpareState::Unavail,
        }
    }

    /// "AVAIL", "INUSE" or "UNAVAIL".
    pub fn as_str(self) -> &'static str {
        match self {
            SpareState::Avail => "AVAIL",
            SpareState::InUse => "INUSE",
            SpareState::Unavail => "UNAVAIL",
        }
    }
}

impl fmt::Display for SpareState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pool's import state (`pool_state_t`). Only the native backend can see
/// it; `zpool status -j` reports health only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "one variant per POOL_STATE_* constant, named after it")]
pub enum PoolState {
    Active,
    Exported,
    Destroyed,
    Spare,
    L2cache,
    Uninitialized,
    Unavail,
    PotentiallyActive,
    /// A value newer than this crate.
    Other(u64),
}

impl PoolState {
    /// From `zpool_get_state()` (`pool_state_t`, unchanged from 2.1 to 2.4).
    pub fn from_raw(v: u64) -> PoolState {
        use PoolState::*;
        match v {
            0 => Active,
            1 => Exported,
            2 => Destroyed,
            3 => Spare,
            4 => L2cache,
            5 => Uninitialized,
            6 => Unavail,
            7 => PotentiallyActive,
            other => Other(other),
        }
    }
}

/// What a scan does (`pool_scan_func_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanFunction {
    /// `POOL_SCAN_NONE`.
    None,
    /// `POOL_SCAN_SCRUB`.
    Scrub,
    /// `POOL_SCAN_RESILVER`.
    Resilver,
    /// `POOL_SCAN_ERRORSCRUB` (2.2+).
    ErrorScrub,
    /// A value newer than this crate.
    Other(u64),
}

const SCAN_FUNC_NAMES: [&str; 4] = ["NONE", "SCRUB", "RESILVER", "ERRORSCRUB"];

impl ScanFunction {
    /// From the `pss_func` number.
    pub fn from_raw(v: u64) -> ScanFunction {
        match v {
            0 => ScanFunction::None,
            1 => ScanFunction::Scrub,
            2 => ScanFunction::Resilver,
            3 => ScanFunction::ErrorScrub,
            other => ScanFunction::Other(other),
        }
    }

    /// Parses the name `zpool status -j` prints.
    pub fn from_name(name: &str) -> Option<ScanFunction> {
        SCAN_FUNC_NAMES.iter().position(|n| *n == name).map(|i| ScanFunction::from_raw(i as u64))
    }

    /// The name `zpool status -j` prints as `function` ("ERRORSCRUB");
    /// "UNKNOWN" for a value newer than this crate.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanFunction::None => SCAN_FUNC_NAMES[0],
            ScanFunction::Scrub => SCAN_FUNC_NAMES[1],
            ScanFunction::Resilver => SCAN_FUNC_NAMES[2],
            ScanFunction::ErrorScrub => SCAN_FUNC_NAMES[3],
            ScanFunction::Other(_) => "UNKNOWN",
        }
    }
}

/// The word `zpool status` uses for the scan in its `scan:` line ("scrub",
/// "resilver", "error scrub"; "none" for none, "unknown" when newer).
impl fmt::Display for ScanFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScanFunction::None => "none",
            ScanFunction::Scrub => "scrub",
            ScanFunction::Resilver => "resilver",
            ScanFunction::ErrorScrub => "error scrub",
            ScanFunction::Other(_) => "unknown",
        })
    }
}

/// Where a scan is (`dsl_scan_state_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanState {
    /// `DSS_NONE`.
    None,
    /// `DSS_SCANNING`: running or paused (see [`crate::ScanStats::is_paused`]).
    Scanning,
    /// `DSS_FINISHED`.
    Finished,
    /// `DSS_CANCELED`.
    Canceled,
    /// `DSS_ERRORSCRUBBING` (2.2+).
    ErrorScrubbing,
    /// A value newer than this crate.
    Other(u64),
}

const SCAN_STATE_NAMES: [&str; 5] = ["NONE", "SCANNING", "FINISHED", "CANCELED", "ERRORSCRUBBING"];

impl ScanState {
    /// From the `pss_state` number.
    pub fn from_raw(v: u64) -> ScanState {
        match v {
            0 => ScanState::None,
            1 => ScanState::Scanning,
            2 => ScanState::Finished,
            3 => ScanState::Canceled,
            4 => ScanState::ErrorScrubbing,
            other => ScanState::Other(other),
        }
    }

    /// Parses the name `zpool status -j` prints.
    pub fn from_name(name: &str) -> Option<ScanState> {
        SCAN_STATE_NAMES.iter().position(|n| *n == name).map(|i| ScanState::from_raw(i as u64))
    }

    /// The name `zpool status -j` prints as `state` ("SCANNING");
    /// "UNKNOWN" for a value newer than this crate.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanState::None => SCAN_STATE_NAMES[0],
            ScanState::Scanning => SCAN_STATE_NAMES[1],
            ScanState::Finished => SCAN_STATE_NAMES[2],
            ScanState::Canceled => SCAN_STATE_NAMES[3],
            ScanState::ErrorScrubbing => SCAN_STATE_NAMES[4],
            ScanState::Other(_) => "UNKNOWN",
        }
    }
}

/// The words of `zpool status`'s `scan:` line after the function: "in
/// progress" (also for a paused scrub: [`ScanStats::is_paused`](crate::ScanStats::is_paused)
/// says "paused"), "finished", "canceled", "in progress" for an error
/// scrub; "none" for none, "unknown" when newer.
impl fmt::Display for ScanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScanState::None => "none",
            ScanState::Scanning | ScanState::ErrorScrubbing => "in progress",
            ScanState::Finished => "finished",
            ScanState::Canceled => "canceled",
            ScanState::Other(_) => "unknown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScanStats;

    #[test]
    fn vdev_health_follows_zpool_state_to_name() {
        use VdevState::*;
        assert_eq!(Health::of_vdev(Online, None), Health::Online);
        assert_eq!(Health::of_vdev(CantOpen, Some(VdevAux::CorruptData)), Health::Faulted);
        assert_eq!(Health::of_vdev(CantOpen, Some(VdevAux::BadLog)), Health::Faulted);
        assert_eq!(Health::of_vdev(CantOpen, Some(VdevAux::SplitPool)), Health::Split);
        assert_eq!(Health::of_vdev(CantOpen, Some(VdevAux::OpenFailed)), Health::Unavail);
        // An in-use spare's entry is not a failed device.
        assert_eq!(Health::of_vdev(CantOpen, Some(VdevAux::Spared)), Health::Online);
        assert_eq!(SpareState::of(CantOpen, Some(VdevAux::Spared)), SpareState::InUse);
        assert_eq!(SpareState::of(Online, None), SpareState::Avail);
        assert_eq!(SpareState::of(CantOpen, Some(VdevAux::OpenFailed)), SpareState::Unavail);
        assert_eq!(SpareState::of(Removed, None).to_string(), "UNAVAIL");
        assert_eq!(Health::of_vdev(Closed, None), Health::Offline);
        assert_eq!(Health::of_vdev(Other(99), None), Health::Unknown);
    }

    #[test]
    fn names_and_numbers_agree() {
        for v in 0..8 {
            let s = VdevState::from_raw(v);
            assert_eq!(VdevState::from_name(VDEV_STATE_NAMES[v as usize]), Some(s));
            assert_eq!(s.to_raw(), v);
        }
        for (i, name) in VDEV_AUX_NAMES.iter().enumerate() {
            let aux = VdevAux::from_raw(i as u64);
            assert_eq!(VdevAux::from_name(name), Some(aux));
            if let Some(a) = aux {
                assert_eq!(a.as_str(), *name);
            }
        }
        assert_eq!(VdevAux::from_name("BOGUS"), None);
        assert_eq!(ScanFunction::from_name("ERRORSCRUB"), Some(ScanFunction::ErrorScrub));
        assert_eq!(ScanState::from_name("CANCELED"), Some(ScanState::Canceled));
        assert_eq!(Health::from_name("SUSPENDED"), Some(Health::Suspended));
        assert_eq!(Health::from_name("HEALTHY"), None);
    }

    #[test]
    fn display_names_are_zpools_words_and_as_str_its_json_names() {
        let states: Vec<(&str, String)> =
            (0..9).map(VdevState::from_raw).map(|s| (s.as_str(), s.to_string())).collect();
        assert_eq!(
            states,
            [
                ("UNKNOWN", "UNKNOWN".to_owned()),
                ("CLOSED", "OFFLINE".to_owned()),
                ("OFFLINE", "OFFLINE".to_owned()),
                ("REMOVED", "REMOVED".to_owned()),
                ("CANT_OPEN", "UNAVAIL".to_owned()),
                ("FAULTED", "FAULTED".to_owned()),
                ("DEGRADED", "DEGRADED".to_owned()),
                ("ONLINE", "ONLINE".to_owned()),
                ("UNKNOWN", "UNKNOWN".to_owned()),
            ]
        );
        for name in VDEV_STATE_NAMES {
            assert_eq!(VdevState::from_name(name).map(VdevState::as_str), Some(name));
        }
        let funcs: Vec<String> = (0..5).map(|v| ScanFunction::from_raw(v).to_string()).collect();
        assert_eq!(funcs, ["none", "scrub", "resilver", "error scrub", "unknown"]);
        let scans: Vec<String> = (0..6).map(|v| ScanState::from_raw(v).to_string()).collect();
        assert_eq!(
            scans,
            ["none", "in progress", "finished", "canceled", "in progress", "unknown"]
        );
        for name in SCAN_FUNC_NAMES {
            assert_eq!(ScanFunction::from_name(name).map(ScanFunction::as_str), Some(name));
        }
        for name in SCAN_STATE_NAMES {
            assert_eq!(ScanState::from_name(name).map(ScanState::as_str), Some(name));
        }
        assert_eq!(ScanFunction::Other(9).as_str(), "UNKNOWN");
        assert_eq!(ScanState::Other(9).as_str(), "UNKNOWN");
    }

    #[test]
    fn paused_and_running_are_exclusive() {
        let mut s = ScanStats {
            function: ScanFunction::Scrub,
            state: ScanState::Scanning,
            start_time: 1,
            end_time: 0,
            to_examine: 10,
            examined: 5,
            skipped: Some(0),
            processed: 0,
            errors: 0,
            pass_examined: 5,
            pass_start: 1,
            pass_scrub_pause: 0,
            pass_scrub_spent_paused: 0,
            pass_issued: 5,
            issued: 5,
        };
        assert!(s.is_running() && !s.is_paused());
        s.pass_scrub_pause = 7;
        assert!(!s.is_running() && s.is_paused());
        s.state = ScanState::Finished;
        assert!(!s.is_running() && !s.is_paused());
    }
}
