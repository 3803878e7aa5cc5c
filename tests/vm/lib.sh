# shellcheck shell=bash
# QEMU options are comma-separated by design:
# shellcheck disable=SC2054
# Functions of tests/vm/run (sourced; uses its globals). Split out so that the
# entry point stays readable: versions and cache, accelerator, tests, boot.

# ---- cleanup: processes we started and directories we own -------------------
CLEANUP_PIDS=()
CLEANUP_GROUPS=()
CLEANUP_DIRS=()
cleanup() {
  local p d
  for p in "${CLEANUP_GROUPS[@]+"${CLEANUP_GROUPS[@]}"}"; do
    kill -TERM -- "-$p" 2> /dev/null || true
    wait "$p" 2> /dev/null || true
  done
  for p in "${CLEANUP_PIDS[@]+"${CLEANUP_PIDS[@]}"}"; do
    if kill -0 "$p" 2> /dev/null; then
      kill -TERM "$p" 2> /dev/null || true
      wait "$p" 2> /dev/null || true
    fi
  done
  for d in "${CLEANUP_DIRS[@]+"${CLEANUP_DIRS[@]}"}"; do safe_rm_tree "$d"; done
}
on_signal() {
  log "interrupted"
  exit 130
}
trap cleanup EXIT
trap on_signal INT TERM HUP

# Removes a tree that may contain a chroot: never follows mounts out of it.
safe_rm_tree() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  # Mount points below $dir, deepest first (an interrupted mmdebstrap can leave some).
  while read -r m; do
    umount -l "$m" 2> /dev/null || true
  done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$dir"
}

# ---- host tools ----------------------------------------------------------------
ensure_host_tools() {
  local missing=() c
  for c in qemu-system-x86_64 qemu-img mmdebstrap mkfs.ext4 python3 flock timeout; do
    command -v "$c" > /dev/null || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ] || [ "$(id -u)" = 0 ]; then
    # Idempotent and quick when everything is installed; installs otherwise.
    "$REPO/scripts/deps.sh" vm || die "scripts/deps.sh vm could not install: ${missing[*]:-the VM packages}"
  fi
}

# ---- versions: kernel ABI and ZFS, resolved now, never pinned ------------------
# A private apt state under the cache, so the answer depends neither on the
# host's sources nor on how stale the host's lists are.
APTD=$CACHE/apt
apt_private() {
  local tool=$1
  shift
  "$tool" -o Dir::Etc::SourceList="$APTD/sources.list" -o Dir::Etc::SourceParts="$APTD/none" \
    -o Dir::Etc::Preferences="$APTD/none/preferences" -o Dir::Etc::PreferencesParts="$APTD/none" \
    -o Dir::State="$APTD/state" -o Dir::State::Lists="$APTD/lists" \
    -o Dir::State::status="$APTD/status" -o Dir::Cache="$APTD/cache" \
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Acquire::Languages=none \
    -o Acquire::Retries=3 -o Debug::NoLocking=1 "$@"
}

host_mirrors() {
  # The host's own Debian mirror (CI machines often have a closer one).
  MIRROR=${HELIOS64_VM_MIRROR:-}
  SECURITY=${HELIOS64_VM_SECURITY_MIRROR:-}
  local u
  while read -r u; do
    case "$u" in
      *debian-security*) [ -n "$SECURITY" ] || SECURITY=$u ;;
      *debian) [ -n "$MIRROR" ] || MIRROR=$u ;;
    esac
  done < <(awk '/^URIs:/ { print $2 } /^deb / { print ($2 ~ /^\[/) ? $3 : $2 }' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2> /dev/null)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
}

resolve_versions() {
  local meta zseries lock
  host_mirrors
  case "$KERNEL" in
    6.12) meta=linux-image-6.12-amd64 ZSUITE=bookworm-backports zseries=2.3 ;;
    6.1) meta=linux-image-amd64 ZSUITE=bookworm zseries=2.1 ;;
    *) die "unknown kernel '$KERNEL' (use 6.12 or 6.1)" ;;
  esac
  mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/state" "$APTD/none"
  touch "$APTD/status"
  {
    local s
    for s in bookworm bookworm-updates bookworm-backports; do
      echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $s main contrib"
    done
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SECURITY bookworm-security main contrib"
  } > "$APTD/sources.list"
  exec {lock}> "$CACHE/apt.lock"
  flock "$lock"
  if [ "${HELIOS64_VM_OFFLINE:-0}" = 1 ]; then
    log "HELIOS64_VM_OFFLINE=1: using the package lists from the last run"
  elif ! apt_private apt-get update -qq > "$APTD/update.log" 2>&1; then
    if compgen -G "$APTD/lists/*Packages*" > /dev/null; then
      log "warning: apt update failed (see $APTD/update.log); using the lists from the last run"
    else
      cat "$APTD/update.log" >&2
      die "cannot fetch Debian package lists from $MIRROR and $SECURITY"
    fi
  fi
  flock -u "$lock"
  KABI=$(apt_private apt-cache depends "$meta" 2> /dev/null |
    awk '/Depends: linux-image-[0-9]/ { sub(/.*linux-image-/, ""); print; exit }')
  [ -n "$KABI" ] || die "cannot resolve the kernel ABI from $meta"
  ZVER=$(apt_private apt-cache madison zfs-dkms 2> /dev/null |
    awk -F' *[|] *' -v s="$ZSUITE/contrib" -v z="$zseries." \
      'index($3, s) && index($2, z) == 1 { print $2; exit }')
  [ -n "$ZVER" ] || die "no zfs-dkms $zseries.x in $ZSUITE"
  log "guest kernel $KABI, zfs-dkms $ZVER ($ZSUITE)"
}

# ---- image cache ---------------------------------------------------------------------
recipe_hash() {
  (cd "$HERE/image" && find . -type f -print0 | sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-12
}

# Sets IMG to the image directory; builds it first on a cache miss or --rebuild.
ensure_image() {
  local base key dir lock
  base=$CACHE/images/$KERNEL
  key="$KABI-zfs$ZVER-$(recipe_hash)"
  dir=$base/$key
  mkdir -p "$base"
  # One builder per flavour; others wait, then find the image built.
  exec {lock}> "$base/.lock"
  flock "$lock"
  if [ ! -f "$dir/root.qcow2" ] || [ "$REBUILD" = 1 ]; then
    build_image "$base" "$key"
  fi
  touch "$dir/last-used"
  flock -u "$lock"
  IMG=$dir
}

build_image() {
  local base=$1 key=$2 dir tmp blog bpid t0 last=0
  dir=$base/$key
  [ "$(id -u)" = 0 ] || die "the image $key is not cached and building it needs root"
  # We hold the flavour's lock: any build directory left here is from a run
  # that was killed.
  local stale
  for stale in "$base"/.build-*; do
    [ -e "$stale" ] && safe_rm_tree "$stale"
  done
  tmp=$(mktemp -d "$base/.build-XXXXXX")
  CLEANUP_DIRS+=("$tmp")
  blog=$tmp.log
  log "building image $key (cold build, several minutes; log: $blog)"
  t0=$(date +%s)
  # Own process group: on interruption mmdebstrap and DKMS must stop too.
  setsid "$HERE/image/build" "$tmp" "$KABI" "$ZVER" "$ZSUITE" "$MIRROR" "$SECURITY" > "$blog" 2>&1 &
  bpid=$!
  CLEANUP_GROUPS+=("$bpid")
  while kill -0 "$bpid" 2> /dev/null; do
    sleep 2
    if [ $(($(date +%s) - last)) -ge 60 ]; then
      last=$(date +%s)
      log "  ... $((last - t0)) s: $(grep -v -i warning "$blog" | tail -n 1 | cut -c1-100)"
    fi
  done
  if ! wait "$bpid"; then
    tail -n 60 "$blog" >&2
    die "image build failed after $(($(date +%s) - t0)) s (full log: $blog)"
  fi
  grep '^TIMING' "$blog" | sed 's/^/vm:   /' >&2
  cp "$blog" "$tmp/build.log"
  rm -f "$blog"
  touch "$tmp/last-used"
  chmod 755 "$tmp" # mktemp made it private; the cache is readable by all
  if [ -e "$dir" ]; then
    mv "$dir" "$tmp.old"
    CLEANUP_DIRS+=("$tmp.old")
  fi
  mv "$tmp" "$dir"
  log "image built in $(($(date +%s) - t0)) s: $(du -sh "$dir" | cut -f1)"
  prune_images "$base"
}

# Keeps the three most recently used images of a kernel flavour.
prune_images() {
  local base=$1 d
  # shellcheck disable=SC2012 # our own directory names: no odd characters
  for d in $(ls -1dt "$base"/*/last-used 2> /dev/null | tail -n +4); do
    log "pruning old image $(dirname "$d")"
    safe_rm_tree "$(dirname "$d")"
  done
}

# Test binaries are built on the host and run in the guest: the host's glibc
# must not be newer than the guest's.
check_glibc() {
  local img=$1 host guest
  host=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
  guest=$(awk '$1 == "libc6" { split($2, v, "-"); print v[1] }' "$img/packages.txt")
  [ -n "$guest" ] || die "cannot tell the guest's glibc version from $img/packages.txt"
  if ! printf '%s\n%s\n' "$host" "$guest" | sort -V -C; then
    die "host glibc $host is newer than the guest's $guest: binaries built here would not run there"
  fi
}

# ---- accelerator: KVM only if a guest really boots with it ------------------------
kernel_file() {
  if [ -f "$1/vmlinux" ]; then echo "$1/vmlinux"; else echo "$1/vmlinuz"; fi
}

# Boots the guest kernel under KVM without a root disk: a working KVM reaches
# the "cannot mount root" panic in a second or two. Prints "kvm" or
# "tcg <reason>".
probe_kvm() {
  local img=$1 dir plog pid i verdict=""
  [ -c /dev/kvm ] || { echo "tcg: no /dev/kvm"; return; }
  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "tcg: /dev/kvm is not accessible"; return; fi
  dir=$(mktemp -d)
  CLEANUP_DIRS+=("$dir")
  plog=$dir/serial.log
  # In a subshell, so that a QEMU killed by a signal (it aborts on some KVM
  # failures) is reported into the probe's log, not on our stderr.
  (qemu-system-x86_64 -accel kvm -cpu host -machine pc -m 256 -smp 1 -nodefaults \
    -no-user-config -display none -no-reboot -kernel "$(kernel_file "$img")" \
    -append "console=ttyS0 panic=-1 root=/dev/helios64-kvm-probe" \
    -serial "file:$plog" < /dev/null) > "$dir/stderr" 2>&1 &
  pid=$!
  CLEANUP_PIDS+=("$pid")
  for i in $(seq 1 200); do
    if grep -qE 'Kernel panic|VFS: Unable to mount root' "$plog" 2> /dev/null; then
      verdict=kvm
    elif grep -qiE 'error|failed|could not' "$dir/stderr"; then
      verdict="tcg: KVM probe failed: $(grep -iE 'error|failed|could not' "$dir/stderr" | head -n 1)"
    elif ! kill -0 "$pid" 2> /dev/null; then
      verdict="tcg: KVM probe exited without booting the kernel"
    fi
    [ -n "$verdict" ] && break
    sleep 0.1
  done
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  echo "${verdict:-tcg: KVM probe did not reach the root-mount panic within 20 s}"
}

choose_accel() {
  local img=$1 key file result
  case "$ACCEL" in
    tcg) ACC=tcg; log "accelerator: TCG (requested)"; return ;;
    kvm) ACC=kvm; log "accelerator: KVM (requested)"; return ;;
  esac
  # Cached per host boot, QEMU and guest kernel: the answer cannot change in between.
  key=$( {
    cat /proc/sys/kernel/random/boot_id
    qemu-system-x86_64 --version | head -n 1
    echo "$KABI"
  } | sha256sum | cut -c1-16)
  file=$CACHE/accel/$key
  mkdir -p "$CACHE/accel"
  if [ ! -s "$file" ]; then
    local tmp
    tmp=$(mktemp "$file.XXXXXX")
    probe_kvm "$img" > "$tmp"
    mv "$tmp" "$file"
  fi
  result=$(cat "$file")
  if [ "$result" = kvm ]; then
    ACC=kvm
    log "accelerator: KVM (probe booted the guest kernel)"
  else
    ACC=tcg
    log "accelerator: TCG (${result#tcg: })"
  fi
}

# ---- one run: share directory, disks, test binaries -----------------------------
prepare_run() {
  local img=$1 a i
  case "$REPO" in *"'"* | *$'\n'*) die "the repository path cannot contain quotes or newlines: $REPO" ;; esac
  RUN=$(mktemp -d "${TMPDIR:-/tmp}/helios64-vm.XXXXXX")
  CLEANUP_DIRS+=("$RUN")
  mkdir -p "$RUN/share/bin" "$RUN/share/sbin" "$RUN/share/out" "$RUN/disks"
  cp -r "$HERE/guest" "$RUN/share/guest"
  {
    echo "H64_MODE='$MODE'"
    echo "H64_FLAVOUR='$KERNEL'"
    echo "H64_ACCEL='$ACC'"
    echo "H64_TEST_THREADS='$THREADS'"
    # Leave the guest time to report a hung test before the host pulls the plug.
    echo "H64_TEST_TIMEOUT='$((TIMEOUT > 240 ? TIMEOUT - 120 : TIMEOUT / 2))'"
    echo "H64_REPO='$REPO'"
  } > "$RUN/share/config"
  : > "$RUN/share/args"
  for a in "${TEST_ARGS[@]+"${TEST_ARGS[@]}"}"; do
    case "$a" in *$'\n'*) die "test arguments cannot contain newlines" ;; esac
    printf '%s\n' "$a" >> "$RUN/share/args"
  done
  for i in 1 2 3 4 5; do qemu-img create -q -f qcow2 "$RUN/disks/bay$i.qcow2" 2G; done
  qemu-img create -q -f qcow2 "$RUN/disks/nvme1.qcow2" 2G
  for i in 1 2 3 4; do qemu-img create -q -f qcow2 "$RUN/disks/zvdev$i.qcow2" 512M; done
}

build_tests() {
  local json=$RUN/cargo.json
  log "building the test binaries (cargo test -p helios64-vm-tests --features vm --no-run)"
  (cd "$REPO" && HELIOS64_VM_BUILD=1 "$CARGO" test -p helios64-vm-tests --features vm --no-run \
    --message-format=json-render-diagnostics) > "$json" ||
    die "cargo could not build the VM test suite"
  local target=vm
  [ "$MODE" = systemd ] && target=systemd
  python3 - "$json" "$RUN/share/bin" "$target" << 'PY' >&2 || die "no test binaries to run"
import json, os, shutil, sys
src, dst, target = sys.argv[1], sys.argv[2], sys.argv[3]
found = 0
for line in open(src):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
        continue
    if "helios64-vm-tests" not in msg["package_id"] or msg["target"]["kind"] != ["test"]:
        continue
    # One suite per mode: `vm` (the default mode, --shell) or `systemd`.
    if msg["target"]["name"] != target:
        continue
    shutil.copy2(msg["executable"], dst)
    print("vm:   test binary", os.path.basename(msg["executable"]))
    found += 1
if not found:
    sys.exit(f"vm: cargo built no `{target}` test executable for helios64-vm-tests")
PY
  # The project's binaries (helios64 and the daemons) the tests run, in
  # sbin/ so that run-tests, which runs everything in bin/, leaves them be.
  log "building the project's binaries (cargo build --workspace --bins)"
  (cd "$REPO" && "$CARGO" build --workspace --bins --message-format=json-render-diagnostics) \
    > "$RUN/cargo-bins.json" || die "cargo could not build the project's binaries"
  python3 - "$RUN/cargo-bins.json" "$RUN/share/sbin" << 'PY' >&2 || die "no binaries built"
import json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
found = 0
for line in open(src):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
            and msg["target"]["kind"] == ["bin"]:
        shutil.copy2(msg["executable"], dst)
        found += 1
if not found:
    sys.exit("vm: cargo built no binary")
print(f"vm:   {found} project binaries")
PY
  # A binary built without HELIOS64_VM_BUILD, or a filter that matches
  # nothing, would "pass" with zero tests: refuse that here.
  local bin list total=0
  for bin in "$RUN"/share/bin/*; do
    list=$("$bin" --list --format=terse "${TEST_ARGS[@]+"${TEST_ARGS[@]}"}" 2>&1) ||
      die "the test binary rejects the arguments '${TEST_ARGS[*]}': $list"
    total=$((total + $(grep -c ': test$' <<< "$list" || true)))
  done
  [ "$total" -gt 0 ] || die "no test to run (filter: ${TEST_ARGS[*]:-none})"
  log "  $total test(s) selected"
}

# ---- boot -----------------------------------------------------------------------------
boot() {
  local img=$1 serial live qerr qrc=0 rc reason i t0 tpid q=()
  mkdir -p "$LOG_DIR"
  serial=$LOG_DIR/serial-$(date +%Y%m%d-%H%M%S)-$$.log
  ln -sfn "$(basename "$serial")" "$LOG_DIR/serial-latest.log"
  # Keep the 20 newest runs (serial + tests log each).
  # shellcheck disable=SC2012 # our own file names: no odd characters
  ls -1t "$LOG_DIR"/serial-2*.log 2> /dev/null | tail -n +41 | xargs -r rm -f
  qerr=$RUN/qemu.stderr

  case "$ACC" in
    kvm) q+=(-accel kvm -cpu host) ;;
    *) q+=(-accel tcg,thread=multi,tb-size=512 -cpu max) ;;
  esac
  q+=(-machine pc -m "$MEM" -smp "$CPUS" -nodefaults -no-user-config -display none -no-reboot)
  # ata_piix & co. stay unloaded so that the AHCI ports are ata1..ata6, as on
  # the board; mitigations=off spares TCG the page-table isolation cost.
  q+=(-kernel "$(kernel_file "$img")" -initrd "$img/initramfs.cpio"
    -append "console=ttyS0 panic=-1 loglevel=4 net.ifnames=0 mitigations=off modprobe.blacklist=ata_piix,pata_acpi,ata_generic,kvm_amd,kvm_intel")
  q+=(-drive "if=none,id=root,file=$img/root.qcow2,format=qcow2,snapshot=on,cache=unsafe"
    -device virtio-blk-pci,drive=root,addr=0x3)
  q+=(-fsdev "local,id=h64share,path=$RUN/share,security_model=none"
    -device virtio-9p-pci,fsdev=h64share,mount_tag=h64share,addr=0x4)
  q+=(-fsdev "local,id=h64repo,path=$REPO,security_model=none,readonly=on"
    -device virtio-9p-pci,fsdev=h64repo,mount_tag=h64repo,addr=0x5)
  q+=(-device virtio-serial-pci,addr=0x6 -device virtserialport,chardev=h64out,name=h64.out)
  q+=(-netdev user,id=lan1,restrict=on -device e1000,netdev=lan1,mac=64:62:66:d0:00:01,addr=0x7)
  q+=(-device ahci,id=sata,addr=0x8)
  for i in 1 2 3 4 5; do
    q+=(-drive "if=none,id=bay$i,file=$RUN/disks/bay$i.qcow2,format=qcow2,cache=unsafe"
      -device "ide-hd,drive=bay$i,bus=sata.$((i - 1)),serial=H64BAY$i")
  done
  q+=(-drive "if=none,id=nvme1,file=$RUN/disks/nvme1.qcow2,format=qcow2,cache=unsafe"
    -device nvme,drive=nvme1,serial=NVME1,addr=0x9)
  for i in 1 2 3 4; do
    q+=(-drive "if=none,id=zvdev$i,file=$RUN/disks/zvdev$i.qcow2,format=qcow2,cache=unsafe"
      -device "virtio-blk-pci,drive=zvdev$i,serial=H64ZVDEV$i,addr=$(printf '0x%x' $((9 + i)))")
  done

  # The guest's live channel (test output, progress) is a virtio-serial port
  # backed by a file, followed here with tail: a stdio backend would count
  # as disconnected once stdin hits EOF and the guest's writes would stall.
  live=${serial%.log}.tests.log
  : > "$live"
  q+=(-chardev "file,id=h64out,path=$live")
  t0=$(date +%s)
  if [ "$MODE" = shell ]; then
    log "interactive shell; Ctrl-A x kills the VM; serial log: $serial"
    q+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$serial" -serial chardev:con
      -mon chardev=con,mode=readline)
    TMPDIR=$RUN qemu-system-x86_64 "${q[@]}" || qrc=$?
  else
    log "booting ($ACC, $CPUS vCPU, $MEM; timeout $TIMEOUT s; serial log: $serial)"
    q+=(-serial "file:$serial")
    TMPDIR=$RUN timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${q[@]}" < /dev/null 2> "$qerr" &
    QPID=$!
    CLEANUP_PIDS+=("$QPID")
    tail -n +1 -F --pid="$QPID" "$live" 2> /dev/null &
    tpid=$!
    CLEANUP_PIDS+=("$tpid")
    # A KVM that cannot run the guest stops it with an "internal error" and
    # leaves QEMU waiting forever: notice that instead of waiting for timeout.
    while kill -0 "$QPID" 2> /dev/null; do
      if grep -q 'KVM internal error' "$qerr" 2> /dev/null; then
        log "KVM stopped the guest (internal error); try --accel=tcg"
        kill -TERM "$QPID" 2> /dev/null || true
        break
      fi
      sleep 1
    done
    wait "$QPID" || qrc=$?
    # tail notices QEMU's exit within a second and prints what is left first.
    wait "$tpid" 2> /dev/null || true
  fi
  log "VM ran $(($(date +%s) - t0)) s"

  rc=$(cat "$RUN/share/out/rc" 2> /dev/null || true)
  reason=$(cat "$RUN/share/out/failure" 2> /dev/null || true)
  if [ -z "$rc" ]; then
    if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
      reason="timed out after $TIMEOUT s (HELIOS64_VM_TIMEOUT / --timeout)"
    elif grep -q 'Kernel panic' "$serial"; then
      reason="guest kernel panic: $(grep -m1 'Kernel panic' "$serial")"
    else
      reason="the guest stopped without reporting a result (qemu exit code $qrc)"
    fi
    rc=3
  fi
  if [ "$MODE" = systemd ] && [ "$rc" = 0 ] && [ -z "$(cat "$RUN/share/args")" ]; then
    check_ups_poweroff "$serial" "$live" "$qrc" || { rc=1; reason=$POWEROFF_FAILURE; }
  fi
  if [ "$rc" = 3 ]; then
    # The VM itself failed: the kernel's and the setup's last words matter.
    [ -s "$qerr" ] && { log "qemu stderr:"; sed 's/^/  /' "$qerr" >&2; }
    log "---- serial log tail ($serial) ----"
    tail -n 40 "$serial" >&2
    log "FAILED: $reason"
  elif [ "$rc" != 0 ]; then
    log "FAILED: $reason (kernel messages: $serial)"
  elif [ "$MODE" = shell ]; then
    log "shell session ended (serial log: $serial)"
  else
    log "PASSED (serial log: $serial)"
  fi
  return "$rc"
}

# --systemd, after a passing suite: the guest armed the UPS power-off (mains
# off, pack low) and helios64-upsd, under its unit, must have powered the
# guest off by itself. Evidence: QEMU exited on its own before the timeout,
# the daemon logged its decision (the journal, streamed to the live log;
# its `systemctl poweroff ...: done` line comes while systemd is already
# stopping the journal's forwarding, and was lost once in CI, so it is not
# required), the
# system-shutdown hooks ran with the verb poweroff, and the kernel powered
# down. Sets POWEROFF_FAILURE and fails otherwise.
check_ups_poweroff() {
  local serial=$1 live=$2 qrc=$3 armed
  POWEROFF_FAILURE=''
  if [ ! -f "$RUN/share/out/poweroff-armed" ]; then
    POWEROFF_FAILURE="the suite passed but the guest never armed the UPS power-off check"
  elif [ -f "$RUN/share/out/poweroff-failed" ]; then
    POWEROFF_FAILURE="UPS power-off: $(cat "$RUN/share/out/poweroff-failed")"
  elif [ "$qrc" != 0 ]; then
    POWEROFF_FAILURE="UPS power-off: QEMU did not exit by itself (exit code $qrc)"
  elif ! grep -q 'helios64-upsd\[[0-9]*\]: SHUTDOWN: battery low' "$live"; then
    POWEROFF_FAILURE="UPS power-off: helios64-upsd's journal has no 'SHUTDOWN: battery low'"
  elif ! grep -q 'helios64-vm: system-shutdown hooks ran (poweroff)' "$serial"; then
    POWEROFF_FAILURE="UPS power-off: systemd-shutdown did not run the hooks with 'poweroff'"
  elif ! grep -q 'reboot: Power down' "$serial"; then
    POWEROFF_FAILURE="UPS power-off: the kernel did not power down"
  fi
  [ -z "$POWEROFF_FAILURE" ] || return 1
  armed=$(cat "$RUN/share/out/poweroff-armed")
  log "UPS power-off: helios64-upsd powered the guest off $(($(stat -c %Y "$serial") - armed)) s after mains loss at 6.9 V (hooks ran, kernel powered down)"
}
