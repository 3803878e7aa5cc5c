# The helios64 package: every binary, and dist/ installed where systemd, udev
# and NixOS look, with the units' command paths rewritten to the store; the
# man pages and shell completions rendered from the binaries' own clap
# definitions (crates/gen-docs). docs/DEPLOYMENT.md
{ lib, stdenv, rustPlatform, pkg-config, installShellFiles, zfs, udev, coreutils, util-linux }:
rustPlatform.buildRustPackage {
  pname = "helios64";
  version = "0.1.0";
  src = lib.cleanSource ../.;
  cargoLock.lockFile = ../Cargo.lock;
  nativeBuildInputs = [ pkg-config rustPlatform.bindgenHook installShellFiles ];
  buildInputs = [ zfs udev ];
  # The test suites need the fixture trees, strace, sanoid and the test VM:
  # they run in CI (./dev test), not in the sandbox.
  doCheck = false;
  postInstall = ''
    install -Dm644 -t $out/lib/systemd/system dist/systemd/*
    install -Dm755 -t $out/lib/systemd/system-shutdown dist/system-shutdown/helios64-upsd
    install -Dm644 -t $out/lib/udev/rules.d dist/udev/*.rules
    install -Dm644 -t $out/lib/sysusers.d dist/sysusers.d/*.conf
    install -Dm644 -t $out/lib/tmpfiles.d dist/tmpfiles.d/*.conf
    install -Dm644 -t $out/share/helios64/config dist/config/*.toml
    for f in $out/lib/systemd/system/* $out/lib/systemd/system-shutdown/* $out/lib/udev/rules.d/*; do
      substituteInPlace "$f" \
        --replace-quiet /usr/bin/helios64 $out/bin/helios64 \
        --replace-quiet /usr/sbin/helios64 $out/bin/helios64 \
        --replace-quiet /usr/sbin/zpool ${zfs}/bin/zpool \
        --replace-quiet /bin/kill ${util-linux}/bin/kill \
        --replace-quiet /bin/chgrp ${coreutils}/bin/chgrp \
        --replace-quiet /bin/chmod ${coreutils}/bin/chmod
    done
  '' + lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    # The generator is one of the workspace's binaries, built for the host:
    # a cross build cannot run it, and goes without man pages and completions.
    $out/bin/helios64-gen-docs gen-docs-out
    installManPage gen-docs-out/man/man1/*.1
    installShellCompletion \
      --bash gen-docs-out/completions/bash/* \
      --zsh gen-docs-out/completions/zsh/* \
      --fish gen-docs-out/completions/fish/*
  '' + ''
    # A build tool, not part of the package.
    rm $out/bin/helios64-gen-docs
  '';
  meta = {
    description = "Kobol Helios64 NAS daemons: fan control, UPS, metrics, scrubs, snapshots";
    license = with lib.licenses; [ mit asl20 ];
    platforms = lib.platforms.linux;
    mainProgram = "helios64";
  };
}
