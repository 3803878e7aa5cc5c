use super::*;
use crate::ErrorKind;
use crate::testing::{Fixture, copy_fixture};
use std::fs;

#[test]
fn zone_roles_cover_every_kernel_naming() {
    for t in ["cpu-thermal", "cpu_thermal", "cpu", "soc-thermal"] {
        assert_eq!(ZoneRole::from_type(t), Some(ZoneRole::Cpu), "{t}");
    }
    for t in ["gpu-thermal", "gpu_thermal", "gpu"] {
        assert_eq!(ZoneRole::from_type(t), Some(ZoneRole::Gpu), "{t}");
    }
    for t in ["", "CPU", "cpu-thermal0", "acpitz"] {
        assert_eq!(ZoneRole::from_type(t), None, "{t}");
    }
    assert_eq!("critical".parse(), Ok(TripKind::Critical));
    assert_eq!("Critical".parse::<TripKind>(), Err(()));
}

#[test]
fn cpu_and_gpu_zones_with_their_trips_on_both_fixtures() {
    for f in Fixture::ALL {
        let root = f.root();
        let thermal = Thermal::discover(&root).unwrap();
        assert!(thermal.other_zones.is_empty(), "{f:?}");
        let cpu = thermal.cpu.as_ref().unwrap().snapshot().unwrap();
        assert_eq!(cpu.zone_type, "cpu-thermal");
        assert_eq!(cpu.hwmon_name.as_deref(), Some("cpu_thermal"));
        assert_eq!(cpu.path, Path::new("/sys/devices/virtual/thermal/thermal_zone0"));
        let trips: Vec<_> =
            cpu.trip_points.iter().map(|t| (t.index, t.kind, t.temp_millicelsius)).collect();
        assert_eq!(
            trips,
            [
                (0, TripKind::Passive, 70_000),
                (1, TripKind::Passive, 75_000),
                (2, TripKind::Critical, 95_000),
            ]
        );
        assert!(cpu.trip_points.iter().all(|t| t.hyst_millicelsius == Some(2000)));
        let gpu = thermal.gpu.as_ref().unwrap().snapshot().unwrap();
        assert_eq!(gpu.hwmon_name.as_deref(), Some("gpu_thermal"));
        assert_eq!(gpu.trip_points.len(), 2);
        let expected_cpu = match f {
            Fixture::Armbian => 45_000,
            Fixture::Mainline => 52_500,
        };
        assert_eq!(cpu.temp_millicelsius, expected_cpu);
        // The zone's hwmon reads the same sensor.
        let hwmon = thermal.cpu.as_ref().unwrap().hwmon().unwrap().unwrap();
        assert_eq!(hwmon.temp_millicelsius(1).unwrap(), expected_cpu);
        assert_eq!(hwmon.temp_attr_optional("temp1_crit").unwrap(), Some(95_000));
    }
}

#[test]
fn board_sensor_is_the_lm75_on_bus_2() {
    for f in Fixture::ALL {
        let root = f.root();
        let sensor = BoardSensor::find(&root).unwrap();
        let snap = sensor.snapshot().unwrap();
        assert_eq!((snap.i2c_bus, snap.i2c_address, snap.hwmon_name.as_str()), (2, 0x4c, "lm75"));
        assert_eq!(snap.max_millicelsius, Some(80_000));
        assert_eq!(snap.max_hyst_millicelsius, Some(75_000));
        assert_eq!(snap.temp_millicelsius % 500, 0, "9-bit lm75 readings are 0.5 °C steps");
        assert!(snap.hwmon_path.starts_with("/sys/devices/platform/ff120000.i2c/i2c-2/2-004c"));
    }
}

/// Moves the lm75 client to another bus number, as the x86 VM's i2c-stub
/// bus would have.
fn move_lm75_to_bus(root: &Root, bus: u32) {
    let devices = root.bus_devices("i2c");
    let old = devices.join("2-004c");
    let target = fs::read_link(&old).unwrap();
    fs::remove_file(&old).unwrap();
    std::os::unix::fs::symlink(target, devices.join(format!("{bus}-004c"))).unwrap();
}

#[test]
fn board_sensor_on_another_bus_is_found_and_bus_2_is_preferred() {
    let (_dir, root) = copy_fixture(Fixture::Mainline);
    move_lm75_to_bus(&root, 5);
    assert_eq!(BoardSensor::find(&root).unwrap().client.bus, 5);

    let (_dir, root) = copy_fixture(Fixture::Armbian);
    // A second lm75 at 0x4c on a user bus must not win over bus 2.
    let devices = root.bus_devices("i2c");
    let target = fs::read_link(devices.join("2-004c")).unwrap();
    std::os::unix::fs::symlink(target, devices.join("1-004c")).unwrap();
    assert_eq!(BoardSensor::find(&root).unwrap().client.bus, 2);
}

#[test]
fn board_sensor_missing_or_without_hwmon_is_not_present() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let client = root.resolve(&root.bus_devices("i2c").join("2-004c")).unwrap();
    fs::remove_dir_all(client.join("hwmon")).unwrap();
    let e = BoardSensor::find(&root).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.path(), Some(client.join("hwmon").as_path()));
    assert!(Thermal::discover(&root).unwrap().board.is_none());

    fs::remove_file(root.bus_devices("i2c").join("2-004c")).unwrap();
    let e = BoardSensor::find(&root).unwrap_err();
    assert!(matches!(e, Error::NotPresent { .. }), "{e:?}");
    assert_eq!(e.path(), Some(root.bus_devices("i2c").as_path()));
}

#[test]
fn malformed_zone_values_name_the_file() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let zone = thermal_zone(&root, ZoneRole::Cpu).unwrap();
        let temp = zone.path().join("temp");
        for bad in ["", "hot", "45.5"] {
            fs::write(&temp, bad).unwrap();
            let e = zone.temp_millicelsius().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(temp.as_path())),
                "{bad:?}"
            );
        }
        let kind = zone.path().join("trip_point_1_type");
        fs::write(&kind, "lukewarm\n").unwrap();
        let e = zone.trip_points().unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(kind.as_path())));
        fs::remove_file(zone.path().join("trip_point_1_temp")).unwrap();
        fs::write(&kind, "passive\n").unwrap();
        let e = zone.trip_points().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().ends_with("trip_point_1_temp"), "{e}");
        fs::remove_file(zone.path().join("trip_point_2_hyst")).unwrap();
        fs::remove_file(&kind).unwrap();
        let trips = zone.trip_points().unwrap();
        assert_eq!(trips.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(trips[1].hyst_millicelsius, None);
    }
}

#[test]
fn missing_zone_is_not_present_and_empty_type_is_malformed() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let gpu = root.class("thermal").join("thermal_zone1");
    fs::remove_file(&gpu).unwrap();
    let e = thermal_zone(&root, ZoneRole::Gpu).unwrap_err();
    assert!(matches!(e, Error::NotPresent { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("gpu thermal zone not found under {}", root.class("thermal").display())
    );
    assert!(Thermal::discover(&root).unwrap().gpu.is_none());

    let cpu_type = root.resolve(&root.class("thermal").join("thermal_zone0")).unwrap().join("type");
    fs::write(&cpu_type, "\n").unwrap();
    let e = thermal_zones(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(cpu_type.as_path())));
}

#[test]
fn cooling_devices_report_fans_and_cpufreq_with_their_states() {
    for f in Fixture::ALL {
        let root = f.root();
        let devices: Vec<_> = cooling_devices(&root)
            .unwrap()
            .iter()
            .map(|d| {
                let s = d.snapshot().unwrap();
                (s.id, s.cooling_type, s.cur_state, s.max_state)
            })
            .collect();
        let (fan_state, a53, a72) = match f {
            // fancontrol drives pwm 36: level 1 of <0 80 170 255>.
            Fixture::Armbian => (1, 5, 7),
            // Nothing lowers the probe-time maximum; one OPP per cluster.
            Fixture::Mainline => (3, 0, 0),
        };
        assert_eq!(
            devices,
            [
                (0, "cpufreq-cpu0".to_owned(), 0, a53),
                (1, "cpufreq-cpu4".to_owned(), 0, a72),
                (2, "pwm-fan".to_owned(), fan_state, 3),
                (3, "pwm-fan".to_owned(), fan_state, 3),
            ],
            "{f:?}"
        );
    }
}

#[test]
fn snapshot_serialises_with_units_in_field_names() {
    let root = Fixture::Armbian.root();
    let snap = Thermal::discover(&root).unwrap().snapshot(&root).unwrap();
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["cpu"]["role"], "cpu");
    assert_eq!(json["cpu"]["trip_points"][2]["kind"], "critical");
    assert_eq!(json["board"]["temp_millicelsius"], 38_500);
    assert_eq!(json["cooling_devices"].as_array().unwrap().len(), 4);
}
