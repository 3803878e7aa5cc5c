//! The typed model of smartctl's `--json` output.
//!
//! Every field is optional (smartctl omits keys, it never writes null) and
//! unknown keys are ignored, so output from any 7.x release, trimmed
//! captures and future releases all deserialize. Names follow smartctl's
//! keys; where releases renamed a key (SCSI identity in 7.3, the 7.3
//! endurance key) both spellings are kept and an accessor picks one.

mod ata;
mod ata_logs;
mod common;
mod nvme;
mod scsi;

pub use ata::*;
pub use ata_logs::*;
pub use common::*;
pub use nvme::*;
pub use scsi::*;

use serde::Deserialize;

/// One smartctl `--json` output: a device report, a `--scan` listing, or
/// the envelope of a failed run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SmartctlOutput {
    /// `[major, minor]` of the JSON format; `[1, 0]` in every 7.x release.
    #[serde(default)]
    pub json_format_version: Vec<u64>,
    /// Who produced the output and how it ended.
    pub smartctl: Option<SmartctlInfo>,
    /// When it ran.
    pub local_time: Option<LocalTime>,
    /// The device. Absent when the open failed.
    pub device: Option<Device>,
    /// Devices listed by `--scan` / `--scan-open`.
    pub devices: Option<Vec<ScanDevice>>,

    // Identity (all protocols).
    /// Drive database family (ATA).
    pub model_family: Option<String>,
    /// Model (ATA, NVMe; SCSI except 7.3/7.4, see [`Self::scsi_model_name`]).
    pub model_name: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Firmware revision (ATA, NVMe).
    pub firmware_version: Option<String>,
    /// World Wide Name (ATA).
    pub wwn: Option<Wwn>,
    /// Usable capacity.
    pub user_capacity: Option<Capacity>,
    /// Logical block size, bytes.
    pub logical_block_size: Option<u64>,
    /// Physical block size, bytes.
    pub physical_block_size: Option<u64>,
    /// Rotation rate in rpm; 0 for solid state.
    pub rotation_rate: Option<u64>,
    /// Form factor.
    pub form_factor: Option<FormFactor>,
    /// Whether the drive database knows the model (ATA).
    pub in_smartctl_database: Option<bool>,
    /// ATA standard version.
    pub ata_version: Option<AtaVersion>,
    /// SATA version.
    pub sata_version: Option<CodedValue>,
    /// SATA link speeds.
    pub interface_speed: Option<InterfaceSpeed>,
    /// TRIM support (7.2+).
    pub trim: Option<Trim>,
    /// SMART support; a bool in some builds.
    pub smart_support: Option<SmartSupport>,
    /// Read look-ahead state.
    pub read_lookahead: Option<Enabled>,
    /// Write cache state.
    pub write_cache: Option<Enabled>,
    /// Power mode found by `-n` (7.5).
    pub power_mode: Option<PowerMode>,

    // Health, all protocols.
    /// The health self-assessment.
    pub smart_status: Option<SmartStatus>,
    /// Temperatures.
    pub temperature: Option<Temperature>,
    /// Power-on time.
    pub power_on_time: Option<PowerOnTime>,
    /// Power cycles.
    pub power_cycle_count: Option<u64>,
    /// Endurance used (7.5).
    pub endurance_used: Option<Percentage>,
    /// Spare capacity (7.5).
    pub spare_available: Option<Percentage>,

    // ATA.
    /// SMART data: self-test status and capabilities.
    pub ata_smart_data: Option<AtaSmartData>,
    /// The SMART attribute table.
    pub ata_smart_attributes: Option<AtaSmartAttributes>,
    /// Self-test logs.
    pub ata_smart_self_test_log: Option<AtaSelfTestLogs>,
    /// Error logs.
    pub ata_smart_error_log: Option<AtaErrorLogs>,
    /// Selective self-test log.
    pub ata_smart_selective_self_test_log: Option<AtaSelectiveSelfTestLog>,
    /// SCT status (`-x`).
    pub ata_sct_status: Option<AtaSctStatus>,
    /// SCT capabilities.
    pub ata_sct_capabilities: Option<AtaSctCapabilities>,
    /// SCT error recovery control (`-x`, `-l scterc`).
    pub ata_sct_erc: Option<AtaSctErc>,
    /// SCT temperature history (`-x`).
    pub ata_sct_temperature_history: Option<AtaSctTemperatureHistory>,
    /// ATA security state.
    pub ata_security: Option<AtaSecurity>,
    /// Device statistics (`-x`).
    pub ata_device_statistics: Option<AtaDeviceStatistics>,
    /// SATA phy event counters (`-x`).
    pub sata_phy_event_counters: Option<SataPhyEventCounters>,

    // NVMe.
    /// PCI vendor ids.
    pub nvme_pci_vendor: Option<NvmePciVendor>,
    /// IEEE OUI.
    pub nvme_ieee_oui_identifier: Option<u64>,
    /// Total NVM capacity, bytes.
    pub nvme_total_capacity: Option<u64>,
    /// Unallocated NVM capacity, bytes.
    pub nvme_unallocated_capacity: Option<u64>,
    /// Controller id.
    pub nvme_controller_id: Option<u64>,
    /// NVMe version (7.2+).
    pub nvme_version: Option<NvmeVersion>,
    /// Number of namespaces.
    pub nvme_number_of_namespaces: Option<u64>,
    /// Namespaces.
    #[serde(default)]
    pub nvme_namespaces: Vec<NvmeNamespace>,
    /// SMART / health information log.
    pub nvme_smart_health_information_log: Option<NvmeHealthLog>,
    /// Error information log (7.4+).
    pub nvme_error_information_log: Option<NvmeErrorLog>,
    /// Self-test log (7.4+).
    pub nvme_self_test_log: Option<NvmeSelfTestLog>,
    /// Composite temperature thresholds, °C.
    pub nvme_composite_temperature_threshold: Option<NvmeTemperatureThreshold>,
    /// Power states (`-c`, 7.5 with `-a`).
    #[serde(default)]
    pub nvme_power_states: Vec<NvmePowerState>,

    // SCSI.
    /// Vendor (before 7.3).
    pub vendor: Option<String>,
    /// Product (before 7.3).
    pub product: Option<String>,
    /// Revision (before 7.3).
    pub revision: Option<String>,
    /// Vendor (7.3+).
    pub scsi_vendor: Option<String>,
    /// Product (7.3+).
    pub scsi_product: Option<String>,
    /// Vendor and product (7.3+).
    pub scsi_model_name: Option<String>,
    /// Revision (7.3+).
    pub scsi_revision: Option<String>,
    /// SPC version, e.g. `"SPC-4"`.
    pub scsi_version: Option<String>,
    /// Peripheral device type.
    pub device_type: Option<ScsiDeviceType>,
    /// Logical unit id, e.g. `"0x5000cca29063dc00"`.
    pub logical_unit_id: Option<String>,
    /// Temperature warning (informational exceptions) enabled.
    pub temperature_warning: Option<Enabled>,
    /// Transport protocol.
    pub scsi_transport_protocol: Option<ScsiTransportProtocol>,
    /// Grown defect list length (reallocated blocks).
    pub scsi_grown_defect_list: Option<u64>,
    /// Error counter log.
    pub scsi_error_counter_log: Option<ScsiErrorCounterLog>,
    /// Start-stop cycle counter.
    pub scsi_start_stop_cycle_counter: Option<ScsiStartStopCycleCounter>,
    /// Trip temperature (7.3 only).
    pub scsi_temperature: Option<ScsiTemperature>,
    /// Percentage used endurance indicator (7.4+ spelling).
    pub scsi_percentage_used_endurance_indicator: Option<u64>,
    /// The same under its 7.3 spelling.
    #[serde(rename = "scsi_Percentage used endurance indicator")]
    pub scsi_percentage_used_endurance_indicator_v73: Option<u64>,
    /// Extended self-test duration, seconds.
    pub scsi_extended_self_test_seconds: Option<u64>,

    // `scsi_self_test_0` … `_19` (the SCSI self-test log holds 20 entries):
    // numbered keys, read through `scsi_self_tests()`.
    scsi_self_test_0: Option<ScsiSelfTest>,
    scsi_self_test_1: Option<ScsiSelfTest>,
    scsi_self_test_2: Option<ScsiSelfTest>,
    scsi_self_test_3: Option<ScsiSelfTest>,
    scsi_self_test_4: Option<ScsiSelfTest>,
    scsi_self_test_5: Option<ScsiSelfTest>,
    scsi_self_test_6: Option<ScsiSelfTest>,
    scsi_self_test_7: Option<ScsiSelfTest>,
    scsi_self_test_8: Option<ScsiSelfTest>,
    scsi_self_test_9: Option<ScsiSelfTest>,
    scsi_self_test_10: Option<ScsiSelfTest>,
    scsi_self_test_11: Option<ScsiSelfTest>,
    scsi_self_test_12: Option<ScsiSelfTest>,
    scsi_self_test_13: Option<ScsiSelfTest>,
    scsi_self_test_14: Option<ScsiSelfTest>,
    scsi_self_test_15: Option<ScsiSelfTest>,
    scsi_self_test_16: Option<ScsiSelfTest>,
    scsi_self_test_17: Option<ScsiSelfTest>,
    scsi_self_test_18: Option<ScsiSelfTest>,
    scsi_self_test_19: Option<ScsiSelfTest>,
}

impl SmartctlOutput {
    /// The exit status bitmask, if the `smartctl` block has one.
    pub fn exit_status(&self) -> Option<crate::ExitStatusFlags> {
        self.smartctl.as_ref().and_then(|s| s.exit_status)
    }

    /// smartctl's messages (empty when none).
    pub fn messages(&self) -> &[Message] {
        self.smartctl.as_ref().map(|s| s.messages.as_slice()).unwrap_or_default()
    }

    /// The device protocol, when the device was opened.
    pub fn protocol(&self) -> Option<&Protocol> {
        self.device.as_ref().and_then(|d| d.protocol.as_ref())
    }

    /// The model: `model_name`, else the SCSI model (7.3/7.4 write only
    /// `scsi_model_name`), else vendor and product joined.
    pub fn model(&self) -> Option<String> {
        if let Some(name) = self.model_name.as_ref().or(self.scsi_model_name.as_ref()) {
            return Some(name.clone());
        }
        let vendor = self.scsi_vendor.as_ref().or(self.vendor.as_ref());
        let product = self.scsi_product.as_ref().or(self.product.as_ref());
        match (vendor, product) {
            (Some(vendor), Some(product)) => Some(format!("{vendor} {product}")),
            (None, Some(product)) => Some(product.clone()),
            (Some(vendor), None) => Some(vendor.clone()),
            (None, None) => None,
        }
    }

    /// The firmware: `firmware_version`, else the SCSI revision (either spelling).
    pub fn firmware(&self) -> Option<&str> {
        self.firmware_version
            .as_deref()
            .or(self.scsi_revision.as_deref())
            .or(self.revision.as_deref())
    }

    /// The SCSI model name under either spelling.
    pub fn scsi_model_name(&self) -> Option<&str> {
        self.scsi_model_name.as_deref().or(self.model_name.as_deref())
    }

    /// SCSI percentage used endurance indicator under either spelling.
    pub fn scsi_endurance_used_percent(&self) -> Option<u64> {
        self.scsi_percentage_used_endurance_indicator
            .or(self.scsi_percentage_used_endurance_indicator_v73)
    }

    /// SCSI trip temperature, from `temperature` or 7.3's `scsi_temperature`.
    pub fn scsi_drive_trip(&self) -> Option<i64> {
        self.temperature
            .as_ref()
            .and_then(|t| t.drive_trip)
            .or_else(|| self.scsi_temperature.as_ref().and_then(|t| t.drive_trip))
    }

    /// The SCSI self-test log entries, most recent first.
    pub fn scsi_self_tests(&self) -> Vec<&ScsiSelfTest> {
        [
            &self.scsi_self_test_0,
            &self.scsi_self_test_1,
            &self.scsi_self_test_2,
            &self.scsi_self_test_3,
            &self.scsi_self_test_4,
            &self.scsi_self_test_5,
            &self.scsi_self_test_6,
            &self.scsi_self_test_7,
            &self.scsi_self_test_8,
            &self.scsi_self_test_9,
            &self.scsi_self_test_10,
            &self.scsi_self_test_11,
            &self.scsi_self_test_12,
            &self.scsi_self_test_13,
            &self.scsi_self_test_14,
            &self.scsi_self_test_15,
            &self.scsi_self_test_16,
            &self.scsi_self_test_17,
            &self.scsi_self_test_18,
            &self.scsi_self_test_19,
        ]
        .into_iter()
        .filter_map(Option::as_ref)
        .collect()
    }

    /// Current temperature: `temperature.current`, else NVMe's composite
    /// temperature, else the first number of attribute 194 or 190.
    pub fn current_temperature(&self) -> Option<i64> {
        if let Some(current) = self.temperature.as_ref().and_then(|t| t.current) {
            return Some(current);
        }
        if let Some(current) =
            self.nvme_smart_health_information_log.as_ref().and_then(|h| h.temperature)
        {
            return Some(current);
        }
        [194u8, 190].iter().find_map(|id| {
            self.ata_attribute(*id).and_then(|a| a.raw.temperature()).map(|t| t.current)
        })
    }

    /// Power-on hours: `power_on_time.hours`, else NVMe's counter, else
    /// attribute 9 decoded.
    pub fn power_on_hours(&self) -> Option<u64> {
        if let Some(hours) = self.power_on_time.as_ref().and_then(|p| p.hours) {
            return Some(hours);
        }
        if let Some(hours) =
            self.nvme_smart_health_information_log.as_ref().and_then(|h| h.power_on_hours)
        {
            return u64::try_from(hours).ok();
        }
        self.ata_attribute(9).and_then(|a| a.raw.power_on()).map(|p| p.hours)
    }

    /// The ATA attribute table (empty when absent).
    pub fn ata_attributes(&self) -> &[AtaAttribute] {
        self.ata_smart_attributes.as_ref().map(|a| a.table.as_slice()).unwrap_or_default()
    }

    /// The first ATA attribute with this id.
    pub fn ata_attribute(&self, id: u8) -> Option<&AtaAttribute> {
        self.ata_attributes().iter().find(|a| a.id == id)
    }

    /// The most detailed ATA self-test log present: extended, else standard.
    pub fn ata_self_test_log(&self) -> Option<&AtaSelfTestLog> {
        let logs = self.ata_smart_self_test_log.as_ref()?;
        logs.extended.as_ref().or(logs.standard.as_ref())
    }

    /// The most detailed ATA error log present: extended, else summary.
    pub fn ata_error_log(&self) -> Option<&AtaErrorLog> {
        let logs = self.ata_smart_error_log.as_ref()?;
        logs.extended.as_ref().or(logs.summary.as_ref())
    }
}
