//! The Kobol Helios64 board model.
//!
//! `helios64-hal` describes the whole board — fans, thermal sensors, LEDs,
//! NICs, IRQ pinning, SATA bays, the battery UPS, GPIO and I2C — as typed
//! Rust over the kernel's userspace interfaces (sysfs, procfs, character
//! devices, ioctls, udev events). It reads what is there, reports what is
//! missing, and never invents a value: a malformed or absent node is an
//! [`Error`] that names the path.
//!
//! Every filesystem access goes through one injected [`Root`]: `/` on the
//! box, a fixture tree in tests. Both the Armbian device tree and the mainline
//! one are supported wherever their names differ. The one thing a root cannot
//! stand in for is the hot-plug event socket ([`HotplugMonitor`]): events come
//! from the running kernel; the root applies to the lookups that classify them.
//!
//! This crate has no service concerns (no loops, no timers, no logging
//! policy): the systemd binaries built on it decide those.

// Unit tests build and break fixture copies with std::fs on purpose; the
// library itself goes through `Root` (the lint holds for non-test builds).
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod ata;
mod bay;
mod board;
mod cpu;
mod cpuset;
mod dt;
mod edge;
mod error;
mod fan;
mod gpio;
mod hotplug;
mod hwmon;
mod i2c;
mod iio;
mod ioctl;
mod irq;
mod led;
mod net;
#[cfg(feature = "testing")]
pub mod testing;
mod thermal;
mod ups;

pub use ata::{AtaDisk, PowerMode, count_from_sense};
pub use bay::{
    AtaPort, BAY_COUNT, Bay, BayStatus, ControllerInfo, Disk, HELIOS64_PCIE_HOST, JMB585_PCI_ID,
    SataController,
};
pub use board::{
    Board, ComponentStatus, DtLayout, Identity, Inventory, Subsystem, Variant, classify,
};
pub use cpu::{Cpu, CpuCluster, CpuTopology, CpufreqPolicy, CpufreqState, Midr};
pub use cpuset::{CpuSet, MAX_CPU};
pub use dt::{DeviceTree, parse_cells, parse_strings};
pub use edge::{
    BatteryGauge, DiskPower, FanControl, FanOutput, MainsSensor, OpenTemp, TempSensor,
    all_full_speed,
};
pub use error::{Error, ErrorKind, IoOp, Result};
pub use fan::{Fan, FanHeader, FanSnapshot, Fans, FansSnapshot, PwmEnable};
pub use gpio::{
    GPIO_CONSUMER, GpioChardevInfo, GpioChip, GpioChipInfo, GpioChipKind, GpioInput, GpioOutput,
    PinName, RK3399_BANKS, pins, resolve_pin, set_auto_power_on,
};
pub use helios64_root::{ATTRIBUTE_LIMIT, Link, Root, TABLE_LIMIT};
pub use hotplug::{Action, BOARD_SUBSYSTEMS, EventSource, HotplugEvent, KernelSubsystem};
#[cfg(feature = "hotplug")]
pub use hotplug::{Drained, HotplugMonitor};
pub use hwmon::{
    DiskTemp, DiskTempSnapshot, Hwmon, HwmonInfo, ScsiAddress, drivetemp_sensors, hwmon_devices,
};
#[cfg(feature = "i2c")]
pub use i2c::I2cBus;
pub use i2c::{
    I2cAdapter, I2cAdapterSnapshot, I2cClient, I2cClientSnapshot, Lm75Resolution, decode_lm75,
    decode_lm75_smbus_word, i2c_adapters, i2c_clients, i2c_snapshot, parse_adapter_dir_name,
    parse_client_dir_name,
};
pub use iio::{IioDevice, SARADC_COMPATIBLE, SARADC_NAME, SARADC_NODE, adc_millivolts};
pub use irq::{
    ActionCheck, CheckOutcome, InterruptRow, Interrupts, Irq, IrqAffinity, IrqId, IrqMatch,
    IrqRule, IrqTrigger, PinAction, PinSetting, PinningPlan, PinningResolution, RpsRule, XpsRule,
    default_irq_affinity,
};
pub use led::{Led, LedRole, LedSnapshot, Leds, NetdevSettings, Triggers, parse_triggers};
pub use net::{
    Duplex, LAN1_DRIVER, LAN1_PLATFORM_DEVICE, LAN2_DRIVER, LAN2_USB_ID, LAN2_USB_PORT, LinkMode,
    LinkModes, LinkSettings, LinkState, NetCounters, NetInterface, Nic, NicRole, NicStatus,
    OperState, RxQueue, TxQueue, UsbDevice, link_settings, rps_sock_flow_entries,
    set_link_settings, set_rps_sock_flow_entries,
};

/// The root crate under its short name, for `root::file_name` and friends.
use helios64_root as root;
pub use thermal::{
    BOARD_SENSOR_ADDRESS, BOARD_SENSOR_BUS, BoardSensor, BoardSensorSnapshot, CoolingDevice,
    CoolingDeviceSnapshot, Thermal, ThermalSnapshot, ThermalZone, TripKind, TripPoint, ZoneRole,
    ZoneSnapshot, cooling_devices, thermal_zone, thermal_zones,
};
pub use ups::{
    BatteryReading, ChargeStatus, GpioMains, MainsOrigin, MainsSource, MainsStatus, Ups, UpsConfig,
    UpsStatus, battery_from_adc, scaled_millivolts,
};
