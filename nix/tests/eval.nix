# Evaluates nix/module.nix with nixpkgs' lib only (no nixpkgs, no network)
# against stub declarations of the NixOS options it sets, and asserts the
# result. Run by scripts/nix-eval.sh:
#   nix-instantiate --eval --strict --json nix/tests/eval.nix --arg nixpkgsLib PATH
# Throws, naming every failed assertion, when one fails.
{ nixpkgsLib }:
let
  lib = import (nixpkgsLib + "/lib");
  inherit (lib) mkOption types;
  any = mkOption { type = types.anything; default = { }; };
  list = t: mkOption { type = types.listOf t; default = [ ]; };

  # The NixOS options the module sets, declared as loosely as they merge.
  stubs = {
    options = {
      environment.systemPackages = list types.package;
      environment.etc = mkOption { type = types.attrsOf (types.submodule { options.source = mkOption { type = types.path; }; }); default = { }; };
      systemd.packages = list types.package;
      systemd.services = mkOption { type = types.attrsOf types.anything; default = { }; };
      systemd.timers = mkOption { type = types.attrsOf types.anything; default = { }; };
      systemd.targets = mkOption { type = types.attrsOf types.anything; default = { }; };
      systemd.tmpfiles.rules = list types.str;
      systemd.shutdown = mkOption { type = types.attrsOf types.path; default = { }; };
      services.udev.packages = list types.package;
      users.groups = any;
      services.prometheus.exporters.node.enable = mkOption { type = types.bool; default = false; };
      services.prometheus.exporters.node.extraFlags = list types.str;
    };
  };

  # pkgs, as far as the module uses it. formats.toml: nixpkgs' generate is a
  # build (it runs a converter); this one returns a store-path-like value
  # carrying the same values as TOML text, so the test reads what the module
  # passed without a store (Nix cannot write one here).
  scalar = v:
    if builtins.isString v then builtins.toJSON v
    else if builtins.isBool v then lib.boolToString v
    else if builtins.isList v then "[" + lib.concatMapStringsSep ", " scalar v + "]"
    else if builtins.isAttrs v then "{ " + lib.concatStringsSep ", " (lib.mapAttrsToList (k: x: "${k} = ${scalar x}") v) + " }"
    else toString v;
  table = prefix: attrs:
    let
      plain = lib.filterAttrs (_: v: !(builtins.isAttrs v)) attrs;
      sub = lib.filterAttrs (_: builtins.isAttrs) attrs;
    in
    (lib.optionalString (prefix != "" && plain != { }) "[${prefix}]\n")
    + lib.concatStrings (lib.mapAttrsToList (k: v: "${k} = ${scalar v}\n") plain)
    + lib.concatStrings (lib.mapAttrsToList (k: v: table (if prefix == "" then k else "${prefix}.${k}") v) sub);
  tomlValue = with types; let v = nullOr (oneOf [ bool int float str path (attrsOf v) (listOf v) ]); in attrsOf v;
  pkg = { type = "derivation"; name = "helios64-0.1.0"; outPath = "/nix/store/00000000000000000000000000000000-helios64-0.1.0"; };
  pkgs = {
    helios64 = pkg;
    formats.toml = { }: { type = tomlValue; generate = name: value: {
      type = "derivation"; inherit name; outPath = "/nix/store/00000000000000000000000000000000-${name}"; text = table "" value;
    }; };
  };

  evalWith = extra: cfg: (lib.evalModules {
    modules = [ stubs ../module.nix { _module.args.pkgs = pkgs; } { services.helios64 = cfg; } extra ];
  }).config;
  eval = evalWith { };
  # node_exporter enabled by NixOS beside the exporter in textfile mode, and
  # in listen mode.
  withNode = evalWith { services.prometheus.exporters.node.enable = true; };
  nodeTextfile = withNode { exporter.enable = true; exporter.mode = "textfile"; exporter.textfileDirectory = "/srv/prom"; };
  nodeListen = withNode { exporter.enable = true; };

  # fand with a setting, the exporter in textfile mode elsewhere; the rest off.
  a = eval {
    fand.enable = true;
    fand.settings = { fans.p6.min_pwm = 20; inputs.cpu.sensor = "cpu"; };
    exporter.enable = true;
    exporter.mode = "textfile";
    exporter.textfileDirectory = "/srv/prom";
    snap.enable = true;
  };
  fandToml = a.environment.etc."helios64/fand.toml".source.text;
  textfile = a.systemd.services.helios64-exporter-textfile;
  b = eval { upsd.enable = true; };
  # replicate: a local job and one over SSH.
  repJobs = {
    home = { source = "tank/home"; target = "usb/backup/home"; };
    off = { source = "tank/home"; target = "backup/home"; ssh = { host = "backup.example.net"; port = 2222; }; };
  };
  r = eval { replicate.enable = true; replicate.settings.jobs = repJobs; };
  rNoVerify = eval { replicate.enable = true; replicate.verify = false; replicate.settings.jobs = repJobs; };
  repToml = r.environment.etc."helios64/replicate.toml".source.text;
  none = eval { };
  # Rejected: evaluating what the module sets throws (a type error).
  rejects = cfg:
    let c = eval cfg; in
    !(builtins.tryEval (builtins.deepSeq [ c.environment.etc c.systemd.services c.systemd.timers c.systemd.tmpfiles.rules ] true)).success;

  # nix/package.nix with buildRustPackage returning its arguments: what the
  # build would run, native and cross, without building.
  package = canExecute: import ../package.nix {
    inherit lib;
    stdenv = { buildPlatform.canExecute = _: canExecute; hostPlatform = { }; };
    rustPlatform = { buildRustPackage = args: args; bindgenHook = "bindgenHook"; };
    pkg-config = "pkg-config";
    installShellFiles = "installShellFiles";
    zfs = "/zfs";
    udev = "/udev";
    coreutils = "/coreutils";
    util-linux = "/util-linux";
  };
  native = package true;
  cross = package false;

  checks = {
    "package: man pages and completions from helios64-gen-docs" =
      lib.hasInfix "$out/bin/helios64-gen-docs gen-docs-out" native.postInstall
      && lib.hasInfix "installManPage gen-docs-out/man/man1/*.1" native.postInstall
      && lib.hasInfix "--bash gen-docs-out/completions/bash/*" native.postInstall
      && lib.hasInfix "--zsh gen-docs-out/completions/zsh/*" native.postInstall
      && lib.hasInfix "--fish gen-docs-out/completions/fish/*" native.postInstall
      && builtins.elem "installShellFiles" native.nativeBuildInputs;
    "package: a cross build does not run the generator" =
      !(lib.hasInfix "gen-docs-out" cross.postInstall);
    "package: the generator is not installed" =
      lib.hasInfix "rm $out/bin/helios64-gen-docs" native.postInstall
      && lib.hasInfix "rm $out/bin/helios64-gen-docs" cross.postInstall;
    "fand's setting lands in fand.toml" = lib.hasInfix "[fans.p6]\nmin_pwm = 20\n" fandToml;
    "unset typed keys are left out of fand.toml" = !(lib.hasInfix "max_pwm" fandToml);
    "fand.toml restarts fand" = a.systemd.services.helios64-fand.restartTriggers == [ a.environment.etc."helios64/fand.toml".source ];
    "fand is wanted by multi-user and helios64.target" = a.systemd.services.helios64-fand.wantedBy == [ "multi-user.target" "helios64.target" ];
    "units are drop-ins on the package's" = a.systemd.services.helios64-fand.overrideStrategy == "asDropin";
    "the package is in systemd.packages once" = a.systemd.packages == [ pkg ];
    "snap: its timer, not its service, is enabled" = a.systemd.timers.helios64-snap.wantedBy == [ "timers.target" "helios64.target" ] && !(a.systemd.services.helios64-snap ? wantedBy);
    "snap without settings writes no file" = !(a.environment.etc ? "helios64/snap.toml");
    "textfile mode: the timer, not the listen unit" = a.systemd.timers ? helios64-exporter-textfile && !(a.systemd.services ? helios64-exporter);
    "textfile mode: ExecStart replaced with the directory" = textfile.serviceConfig.ExecStart == [ "" "${pkg}/bin/helios64-exporter --textfile /srv/prom --smart-state-file %S/helios64-exporter-textfile/smart.json" ];
    "textfile mode: only that directory writable" = textfile.serviceConfig.ReadWritePaths == [ "" "/srv/prom" ];
    "textfile mode: the directory is created" = builtins.elem "d /srv/prom 0755 root root -" a.systemd.tmpfiles.rules;
    "textfile mode + NixOS node_exporter: its textfile collector reads the directory" =
      nodeTextfile.services.prometheus.exporters.node.extraFlags == [ "--collector.textfile.directory=/srv/prom" ];
    "textfile mode without node_exporter: its flags untouched" = a.services.prometheus.exporters.node.extraFlags == [ ];
    "listen mode: node_exporter's flags untouched" = nodeListen.services.prometheus.exporters.node.extraFlags == [ ];
    "disabled daemons: no unit, no file" = !(a.systemd.services ? helios64-upsd) && !(a.systemd.timers ? helios64-scrub) && !(a.environment.etc ? "helios64/upsd.toml");
    "upsd off: no shutdown hook" = a.systemd.shutdown == { };
    "upsd on: the shutdown hook from the package" = b.systemd.shutdown == { helios64-upsd = "${pkg}/lib/systemd/system-shutdown/helios64-upsd"; };
    "udev rules and the LED group" = a.services.udev.packages == [ pkg ] && a.users.groups ? helios64-leds;
    "the target is wanted by multi-user" = a.systemd.targets.helios64.wantedBy == [ "multi-user.target" ];
    "nothing enabled: nothing set" = none.systemd.packages == [ ] && none.systemd.services == { } && none.environment.etc == { } && none.services.udev.packages == [ ];
    "rejects min_pwm = 256" = rejects { fand.enable = true; fand.settings.fans.p6.min_pwm = 256; };
    "rejects a negative start_pwm" = rejects { fand.enable = true; fand.settings.fans.p7.start_pwm = -1; };
    "rejects an unknown exporter mode" = rejects { exporter.enable = true; exporter.mode = "push"; };
    "rejects a relative textfile directory" = rejects { exporter.enable = true; exporter.mode = "textfile"; exporter.textfileDirectory = "prom"; };
    "replicate: each job's run and restore-test timers" =
      lib.all (t: r.systemd.timers.${t}.wantedBy == [ "timers.target" "helios64.target" ])
        [ "helios64-replicate@home" "helios64-replicate@off" "helios64-replicate-verify@home" "helios64-replicate-verify@off" ];
    "replicate: verify = false, no restore-test timer" =
      rNoVerify.systemd.timers ? "helios64-replicate@home" && !(rNoVerify.systemd.timers ? "helios64-replicate-verify@home");
    "replicate: the jobs land in replicate.toml" =
      lib.hasInfix "[jobs.home]\nsource = \"tank/home\"\ntarget = \"usb/backup/home\"\n" repToml
      && lib.hasInfix "[jobs.off.ssh]\nhost = \"backup.example.net\"\nport = 2222\n" repToml
      && !(lib.hasInfix "ssh = " repToml);
    "replicate: an SSH job's units get the network, a local job's do not" =
      r.systemd.services."helios64-replicate@off".serviceConfig.PrivateNetwork == false
      && r.systemd.services."helios64-replicate-verify@off".serviceConfig.IPAddressDeny == ""
      && !(r.systemd.services."helios64-replicate@home" ? serviceConfig);
    "replicate: the package's template units, once" = r.systemd.packages == [ pkg ];
    "rejects a job name that is not a unit instance" = rejects { replicate.enable = true; replicate.settings.jobs."a.b" = { source = "t/a"; target = "u/a"; }; };
    "rejects a job without a target" = rejects { replicate.enable = true; replicate.settings.jobs.x = { source = "t/a"; }; };
    "rejects a dataset starting with /" = rejects { replicate.enable = true; replicate.settings.jobs.x = { source = "/t/a"; target = "u/a"; }; };
    "accepts valid replicate jobs" = !(rejects { replicate.enable = true; replicate.settings.jobs = repJobs; });
    "accepts a valid fand config" = !(rejects { fand.enable = true; fand.settings.fans.p6.min_pwm = 255; });
  };
  failed = lib.attrNames (lib.filterAttrs (_: ok: !ok) checks);
in
if failed == [ ] then { passed = lib.attrNames checks; }
else throw "nix/tests/eval.nix: FAILED: ${lib.concatStringsSep "; " failed}"
