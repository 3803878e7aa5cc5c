//! Hot spares in the verdict (issue #9): a spare on the shelf (AVAIL) or in
//! use (INUSE: aux SPARED, raw state CANT_OPEN, as both ZFS backends report
//! it) is not a failed disk; a spare that cannot be used (UNAVAIL) is.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

mod support;

use helios64_hal::testing::Fixture;
use helios64_health::{Health, HealthConfig, Reading, ReasonCode, assess};
use helios64_zfs_model::{Vdev, VdevAux, VdevState};

/// The armbian board with one hot spare in its pool, in `state`/`aux`.
fn with_spare(state: VdevState, aux: Option<VdevAux>) -> Health {
    let mut inputs = support::inputs(Fixture::Armbian);
    let Reading::Read(pools) = &mut inputs.pools else { panic!("the fixture has pools") };
    let leaf = pools[0].root.leaves()[0].clone();
    pools[0].spares = vec![Vdev {
        name: "spare-disk".into(),
        path: Some("/var/tmp/spare-disk".into()),
        guid: 4242,
        state,
        aux,
        errors: None,
        space: None,
        slow_ios: None,
        ..leaf
    }];
    assess(&inputs, &HealthConfig::default(), support::now())
}

fn flagged(h: &Health) -> bool {
    h.reasons.iter().any(|r| {
        r.code == ReasonCode::VdevNotOnline && r.subject.vdev.as_deref() == Some("spare-disk")
    })
}

#[test]
fn only_an_unavailable_spare_is_a_failed_disk() {
    assert!(!flagged(&with_spare(VdevState::Online, None)), "AVAIL");
    assert!(!flagged(&with_spare(VdevState::CantOpen, Some(VdevAux::Spared))), "INUSE");
    let unavail = with_spare(VdevState::CantOpen, Some(VdevAux::OpenFailed));
    assert!(flagged(&unavail), "UNAVAIL: {:#?}", unavail.reasons);
    assert!(flagged(&with_spare(VdevState::Removed, None)), "REMOVED spare");
}
