use super::*;
use crate::ErrorKind;
use crate::testing::{Fixture, copy_fixture};
use std::fs;

#[test]
fn headers_from_both_namings() {
    assert_eq!(FanHeader::from_node_name("p6-fan"), Some(FanHeader::P6));
    assert_eq!(FanHeader::from_node_name("fan2"), Some(FanHeader::P6));
    assert_eq!(FanHeader::from_node_name("p7-fan"), Some(FanHeader::P7));
    assert_eq!(FanHeader::from_node_name("fan1"), Some(FanHeader::P7));
    assert_eq!(FanHeader::from_node_name("fan"), None);
    for h in FanHeader::ALL {
        assert!(h.node_names().iter().all(|n| FanHeader::from_node_name(n) == Some(h)));
    }
    assert_eq!(FanHeader::P6.to_string(), "P6");
}

#[test]
fn pwm_enable_parses_the_four_modes_only() {
    for mode in [
        PwmEnable::Off,
        PwmEnable::Enabled,
        PwmEnable::EnabledAlwaysOn,
        PwmEnable::EnabledPowerOffAtZero,
    ] {
        assert_eq!(mode.value().to_string().parse(), Ok(mode));
    }
    for bad in ["", "4", "-1", "on"] {
        assert_eq!(bad.parse::<PwmEnable>(), Err(()), "{bad:?}");
    }
}

#[test]
fn both_fans_found_with_dt_data_on_both_fixtures() {
    for f in Fixture::ALL {
        let root = f.root();
        let fans = Fans::discover(&root).unwrap();
        let snap = fans.snapshot().unwrap();
        let (nodes, pwm) = match f {
            Fixture::Armbian => (["p6-fan", "p7-fan"], 36),
            Fixture::Mainline => (["fan2", "fan1"], 255),
        };
        assert_eq!(snap.fans.len(), 2, "{f:?}");
        for (fan, (header, node)) in snap.fans.iter().zip(FanHeader::ALL.into_iter().zip(nodes)) {
            assert_eq!(fan.header, Some(header));
            assert_eq!(fan.dt_node, node);
            assert_eq!(fan.pwm, pwm);
            assert_eq!(fan.pwm_enable, Some(PwmEnable::Enabled));
            assert_eq!(fan.cooling_levels.as_deref(), Some(&[0, 80, 170, 255][..]));
            assert_eq!(fan.pwm_period_ns, Some(40_000));
            assert_eq!(fan.tachometer_rpm, None, "the Helios64 has no tachometer");
            assert!(fan.hwmon_path.starts_with(format!("/sys/devices/platform/{node}/hwmon")));
        }
        for h in FanHeader::ALL {
            assert_eq!(fans.require(h, &root).unwrap().hwmon().name(), "pwmfan");
        }
        assert_eq!(snap.cooling_devices.len(), 2);
        assert!(
            snap.cooling_devices.iter().all(|d| d.cooling_type == "pwm-fan" && d.max_state == 3)
        );
    }
}

#[test]
fn writes_go_to_pwm1_and_pwm1_enable() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let fans = Fans::discover(&root).unwrap();
        let p6 = fans.require(FanHeader::P6, &root).unwrap();
        let p7 = fans.require(FanHeader::P7, &root).unwrap();
        p6.set_pwm(128).unwrap();
        assert_eq!(p6.pwm().unwrap(), 128);
        assert_eq!(fs::read_to_string(p6.hwmon().attr("pwm1")).unwrap(), "128");
        assert_ne!(p7.pwm().unwrap(), 128, "{f:?}: P7 must be a different file");
        p6.set_pwm_enable(PwmEnable::EnabledAlwaysOn).unwrap();
        assert_eq!(p6.pwm_enable().unwrap(), Some(PwmEnable::EnabledAlwaysOn));
    }
}

#[test]
fn full_speed_re_enables_a_disabled_fan() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let fans = Fans::discover(&root).unwrap();
        let p7 = fans.require(FanHeader::P7, &root).unwrap();
        p7.set_pwm(0).unwrap();
        p7.set_pwm_enable(PwmEnable::Off).unwrap();
        fans.set_all_full_speed().unwrap();
        for fan in fans.all() {
            assert_eq!(fan.pwm().unwrap(), 255);
        }
        assert_eq!(p7.pwm_enable().unwrap(), Some(PwmEnable::Enabled));
    }
}

#[test]
fn full_speed_still_writes_pwm_when_the_mode_is_unreadable() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let fans = Fans::discover(&root).unwrap();
    let p6 = fans.require(FanHeader::P6, &root).unwrap();
    let enable = p6.hwmon().attr("pwm1_enable");
    fs::write(&enable, "7\n").unwrap();
    let e = fans.set_all_full_speed().unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(enable.as_path())));
    assert_eq!(p6.pwm().unwrap(), 255, "pwm1 is written despite the bad mode");
    assert_eq!(fans.require(FanHeader::P7, &root).unwrap().pwm().unwrap(), 255);
}

#[test]
fn kernels_without_pwm1_enable_report_none() {
    let (_dir, root) = copy_fixture(Fixture::Mainline);
    let fans = Fans::discover(&root).unwrap();
    let p6 = fans.require(FanHeader::P6, &root).unwrap();
    fs::remove_file(p6.hwmon().attr("pwm1_enable")).unwrap();
    assert_eq!(p6.pwm_enable().unwrap(), None);
    p6.set_full_speed().unwrap();
    assert_eq!(p6.pwm().unwrap(), 255);
}

#[test]
fn malformed_and_missing_pwm_name_the_file() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let fans = Fans::discover(&root).unwrap();
        let p7 = fans.require(FanHeader::P7, &root).unwrap();
        let pwm1 = p7.hwmon().attr("pwm1");
        for bad in ["", "256", "-1", "full"] {
            fs::write(&pwm1, bad).unwrap();
            let e = p7.pwm().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(pwm1.as_path())),
                "{bad:?}"
            );
        }
        fs::remove_file(&pwm1).unwrap();
        let e = p7.set_pwm(10).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(pwm1.as_path())));
        assert!(!pwm1.exists(), "a write must never create the node");
    }
}

#[test]
fn bad_dt_cooling_levels_and_pwms_are_malformed() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let fans = Fans::discover(&root).unwrap();
    let p6 = fans.require(FanHeader::P6, &root).unwrap();
    let levels = p6.of_node.as_ref().unwrap().join("cooling-levels");
    fs::write(&levels, [0u8, 0, 1, 0]).unwrap();
    let e = p6.cooling_levels().unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(levels.as_path())));
    fs::write(&levels, [0u8, 0, 1]).unwrap();
    assert_eq!(p6.cooling_levels().unwrap_err().kind(), ErrorKind::Malformed);
    fs::remove_file(&levels).unwrap();
    assert_eq!(p6.cooling_levels().unwrap(), None);

    let pwms = p6.of_node.as_ref().unwrap().join("pwms");
    fs::write(&pwms, [0u8, 0, 0, 0x6f, 0, 0, 0, 0]).unwrap();
    let e = p6.pwm_period_ns().unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(pwms.as_path())));
}

#[test]
fn a_kernel_tachometer_is_read_never_invented() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let fans = Fans::discover(&root).unwrap();
    let p6 = fans.require(FanHeader::P6, &root).unwrap();
    let input = p6.hwmon().attr("fan1_input");
    fs::write(&input, "1830\n").unwrap();
    assert_eq!(p6.snapshot().unwrap().tachometer_rpm, Some(1830));
    fs::write(&input, "fast\n").unwrap();
    assert_eq!(p6.snapshot().unwrap_err().path(), Some(input.as_path()));
}

#[test]
fn unbound_or_absent_fans_are_not_present() {
    let (_dir, root) = copy_fixture(Fixture::Mainline);
    fs::remove_file(root.bus_devices("platform").join("fan2").join("driver")).unwrap();
    let fans = Fans::discover(&root).unwrap();
    assert_eq!(fans.all().len(), 1);
    let e = fans.require(FanHeader::P6, &root).unwrap_err();
    assert!(matches!(e, Error::NotPresent { .. }), "{e:?}");
    assert!(e.to_string().starts_with("fan P6 (DT node p6-fan or fan2) not found"), "{e}");
}

#[test]
fn a_bound_fan_without_hwmon_is_reported() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let dev = root.resolve(&root.bus_devices("platform").join("p7-fan")).unwrap();
    fs::remove_dir_all(dev.join("hwmon")).unwrap();
    let e = Fans::discover(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(dev.join("hwmon").as_path())));
}

#[test]
fn snapshot_json_uses_clear_names() {
    let root = Fixture::Mainline.root();
    let json = serde_json::to_value(Fans::discover(&root).unwrap().snapshot().unwrap()).unwrap();
    let fan = &json["fans"][0];
    assert_eq!(fan["header"], "P6");
    assert_eq!(fan["pwm_enable"], "enabled");
    assert_eq!(fan["tachometer_rpm"], serde_json::Value::Null);
    assert_eq!(fan["pwm_period_ns"], 40_000);
}
