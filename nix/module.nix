# NixOS module: services.helios64.<daemon>. docs/DEPLOYMENT.md
#
# The units are the package's (dist/systemd via systemd.packages, ExecStart
# rewritten to the store by nix/package.nix); this module only enables the
# chosen ones, writes their config and widens a unit where an option asks.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkEnableOption mkIf types;
  cfg = config.services.helios64;
  toml = pkgs.formats.toml { };

  # Each daemon: the units enabling it enables (NixOS names, no suffix) and
  # whether they are services or timers.
  daemons = {
    fand = { units = [ "helios64-fand" ]; kind = "services"; };
    upsd = { units = [ "helios64-upsd" ]; kind = "services"; };
    pin = { units = [ "helios64-pin" ]; kind = "services"; };
    exporter = {
      units = if cfg.exporter.mode == "listen" then [ "helios64-exporter" ] else [ "helios64-exporter-textfile" ];
      kind = if cfg.exporter.mode == "listen" then "services" else "timers";
    };
    scrub = { units = [ "helios64-scrub" ]; kind = "timers"; };
    snap = { units = [ "helios64-snap" ]; kind = "timers"; };
    # Template units, one instance per job: its hourly run and, unless
    # verify = false, its monthly restore test.
    replicate = {
      units = map (j: "helios64-replicate@${j}") jobNames
        ++ lib.optionals cfg.replicate.verify (map (j: "helios64-replicate-verify@${j}") jobNames);
      kind = "timers";
    };
  };
  enabled = lib.filterAttrs (name: _: cfg.${name}.enable) daemons;

  # replicate's jobs, by the rule the daemon applies (valid_job_name): the
  # name is a unit instance, so it is checked here, before systemd sees it.
  jobs = cfg.replicate.settings.jobs;
  jobNames =
    let
      names = lib.attrNames jobs;
      bad = lib.filter (n: builtins.match "[A-Za-z0-9_-]{1,64}" n == null) names;
    in
    if bad == [ ] then names
    else throw "services.helios64.replicate.settings.jobs: ${lib.concatStringsSep ", " bad}: a job name is 1-64 letters, digits, - or _";
  sshJobs = lib.filter (j: jobs.${j}.ssh != null) jobNames;
  # What a job over SSH needs beyond the units' sandbox: the network.
  sshNetwork = {
    PrivateNetwork = false;
    RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6";
    IPAddressDeny = "";
  };
  dataset = types.strMatching "[A-Za-z0-9][A-Za-z0-9_.:/ -]*";
  jobType = types.submodule {
    freeformType = toml.type;
    options = {
      source = mkOption { type = dataset; description = "The source dataset."; };
      target = mkOption { type = dataset; description = "The target dataset (its parent must exist)."; };
      ssh = mkOption {
        type = types.nullOr (types.submodule {
          freeformType = toml.type;
          options.host = mkOption { type = types.strMatching "[A-Za-z0-9][A-Za-z0-9.:-]*"; description = "The target's host."; };
        });
        default = null;
        description = "The target is on another host ([jobs.NAME.ssh]); its units get the network.";
      };
    };
  };

  pwm = mkOption { type = types.nullOr types.ints.u8; default = null; description = "A duty, 0-255."; };
  fanType = types.submodule {
    freeformType = toml.type;
    options = { min_pwm = pwm; max_pwm = pwm; start_pwm = pwm; };
  };
  settingsOption = name: extra: mkOption {
    type = types.submodule { freeformType = toml.type; options = extra; };
    default = { };
    description = "/etc/helios64/${name}.toml (see dist/config/${name}.toml or the runbook). Empty: no file, the daemon's defaults.";
  };
  daemonOptions = name: extra: {
    enable = mkEnableOption "helios64-${name}";
    package = mkOption { type = types.package; default = cfg.package; description = "The helios64 package for this daemon."; };
    settings = settingsOption name extra;
  };
  # Unset typed keys (null) are left out of the file.
  clean = lib.filterAttrsRecursive (_: v: v != null);
  configFile = name: toml.generate "${name}.toml" (clean cfg.${name}.settings);
  hasConfig = name: clean cfg.${name}.settings != { };
in
{
  options.services.helios64 = {
    package = mkOption {
      type = types.package;
      default = pkgs.helios64 or (pkgs.callPackage ./package.nix { });
      description = "The helios64 package (binaries, units, udev rules).";
    };
    fand = daemonOptions "fand" {
      fans = mkOption { type = types.attrsOf fanType; default = { }; description = "fans.p6, fans.p7."; };
    };
    upsd = daemonOptions "upsd" { };
    exporter = daemonOptions "exporter" { } // {
      mode = mkOption {
        type = types.enum [ "listen" "textfile" ];
        default = "listen";
        description = "listen: helios64-exporter.service on 127.0.0.1:9164; textfile: the minute timer writing for node_exporter.";
      };
      textfileDirectory = mkOption {
        type = types.strMatching "/[^ ]*";
        default = "/var/lib/prometheus/node-exporter";
        description = "node_exporter's --collector.textfile.directory (textfile mode).";
      };
    };
    scrub = daemonOptions "scrub" { };
    snap = daemonOptions "snap" { };
    pin = daemonOptions "pin" { };
    replicate = daemonOptions "replicate" {
      jobs = mkOption { type = types.attrsOf jobType; default = { }; description = "[jobs.NAME]: each gets helios64-replicate@NAME.timer."; };
    } // {
      verify = mkOption {
        type = types.bool;
        default = true;
        description = "Enable each job's monthly restore test (helios64-replicate-verify@NAME.timer).";
      };
    };
  };

  config = mkIf (enabled != { }) {
    environment.systemPackages = [ cfg.package ];
    systemd.packages = lib.unique (lib.mapAttrsToList (name: _: cfg.${name}.package) enabled);
    services.udev.packages = [ cfg.package ];
    users.groups.helios64-leds = { };
    systemd.tmpfiles.rules = [ "d /run/helios64 0755 root root -" ]
      ++ lib.optional (cfg.exporter.enable && cfg.exporter.mode == "textfile")
        "d ${cfg.exporter.textfileDirectory} 0755 root root -";
    systemd.targets.helios64.wantedBy = [ "multi-user.target" ];
    # Textfile mode on a box whose node_exporter runs from NixOS: point its
    # textfile collector at the directory the timer writes.
    services.prometheus.exporters.node.extraFlags = mkIf
      (cfg.exporter.enable && cfg.exporter.mode == "textfile" && config.services.prometheus.exporters.node.enable)
      [ "--collector.textfile.directory=${cfg.exporter.textfileDirectory}" ];
    systemd.shutdown = mkIf cfg.upsd.enable {
      helios64-upsd = "${cfg.upsd.package}/lib/systemd/system-shutdown/helios64-upsd";
    };

    environment.etc = lib.mapAttrs' (name: _: lib.nameValuePair "helios64/${name}.toml" { source = configFile name; })
      (lib.filterAttrs (name: _: hasConfig name) enabled);

    systemd.services = lib.mkMerge ((lib.mapAttrsToList
      (name: d: lib.genAttrs
        d.units
        (unit: {
          overrideStrategy = "asDropin";
          restartTriggers = lib.optional (hasConfig name) (configFile name);
        } // lib.optionalAttrs (d.kind == "services") {
          wantedBy = [ "multi-user.target" "helios64.target" ];
        } // lib.optionalAttrs (unit == "helios64-exporter-textfile") {
          serviceConfig.ExecStart = [
            ""
            "${cfg.exporter.package}/bin/helios64-exporter --textfile ${cfg.exporter.textfileDirectory} --smart-state-file %S/helios64-exporter-textfile/smart.json"
          ];
          serviceConfig.ReadWritePaths = [ "" cfg.exporter.textfileDirectory ];
        }))
      enabled)
    ++ lib.optionals cfg.replicate.enable (map
      (j: lib.genAttrs
        ([ "helios64-replicate@${j}" ] ++ lib.optional cfg.replicate.verify "helios64-replicate-verify@${j}")
        (_: { serviceConfig = sshNetwork; }))
      sshJobs));

    systemd.timers = lib.mkMerge (lib.mapAttrsToList
      (name: d: lib.optionalAttrs (d.kind == "timers") (lib.genAttrs d.units (_: {
        overrideStrategy = "asDropin";
        wantedBy = [ "timers.target" "helios64.target" ];
      })))
      enabled);
  };
}
