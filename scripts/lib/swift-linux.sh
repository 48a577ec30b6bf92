# Sourced by scripts/swift-tests.sh: a Swift toolchain on a Debian 12 machine, which has none.
#
# Debian 13 (trixie) ships `swiftlang` (Swift 6.0.3). It is installed into a minimal trixie root
# made with debootstrap, kept OUTSIDE the clone so that a second run (or another clone) reuses it:
#   $PERISAI_SWIFT_ROOT, default /var/cache/perisai/swift-linux/root
# About 530 MB of packages from Debian's mirror (the host's own, read from its apt sources) and
# 3.3 GB on disk, 2-3 minutes the first time. Needs root (debootstrap, mount, chroot). The host's
# packages are not touched, except installing `debootstrap` itself.
#
# Every Swift command runs in a private mount namespace (`unshare --mount`): /proc, /sys, /dev and
# the clone are mounted inside it only, and vanish with it, so nothing stays mounted after a run
# and two runs (two clones) at once do not see each other's mounts.
#
#   swift_root_ready        # the root with swift in it, made when missing (or fails saying why)
#   in_swift_root DIR CMD…  # CMD in the chroot, the clone at /perisai, $PERISAI_TARGET at
#                           #   /perisai-target, working directory DIR (inside the chroot)
#
# The environment inside is clean (env -i) but for PERISAI_TEST_RUN, the marker by which
# scripts/test.sh finds processes a run left behind (scripts/lib/survivors.sh), and the variables
# named in SWIFT_PASS_ENV.

PERISAI_SWIFT_ROOT=${PERISAI_SWIFT_ROOT:-/var/cache/perisai/swift-linux/root}

swift_fail() {
  echo "scripts/swift-tests.sh: $*" >&2
  exit 1
}

# The Debian mirror the host itself uses (MIRROR overrides it).
swift_host_mirror() {
  if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
  local m=""
  m=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1 || true)
  [ -n "$m" ] || m=$(awk '$1 == "deb" && !/security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 || true)
  [ -n "$m" ] || swift_fail "no Debian mirror found in the host's apt sources; set MIRROR=http://…/debian"
  echo "$m"
}

# Runs CMD in the root with /proc, /sys and /dev mounted, in a mount namespace of its own.
# Arguments: DIR CMD...; binds: SWIFT_BINDS ("HOSTDIR:ROOTDIR" ...).
in_swift_root() {
  local dir=$1; shift
  local pass=(PERISAI_TEST_RUN="${PERISAI_TEST_RUN:-}")
  local name
  for name in ${SWIFT_PASS_ENV:-}; do pass+=("$name=${!name:-}"); done
  # The script given to the namespace's shell: mount, then chroot with a clean environment.
  # shellcheck disable=SC2016
  unshare --mount --propagation private -- bash -c '
    set -e
    root=$1; dir=$2; binds=$3; npass=$4; shift 4
    pass=("${@:1:npass}"); shift "$npass"
    mount -t proc proc "$root/proc"
    mount -t sysfs sys "$root/sys"
    mount --rbind /dev "$root/dev"
    for b in $binds; do
      mkdir -p "$root${b#*:}"
      mount --bind "${b%%:*}" "$root${b#*:}"
    done
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${pass[@]}" \
      sh -c '\''cd "$0" && exec "$@"'\'' "$dir" "$@"
  ' bash "$PERISAI_SWIFT_ROOT" "$dir" "${SWIFT_BINDS:-}" "${#pass[@]}" "${pass[@]}" "$@"
}

swift_root_ready() {
  local root=$PERISAI_SWIFT_ROOT
  if [ -x "$root/usr/libexec/swift/bin/swift" ] && [ -f "$root/.perisai-swift-ready" ]; then
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || swift_fail "no Swift toolchain in $root, and making one needs root (debootstrap, mount, chroot). Run this once as root, or install Swift 5.10+ (swift.org) and put it on PATH."
  command -v unshare >/dev/null && command -v chroot >/dev/null || swift_fail "unshare and chroot are needed (apt-get install -y util-linux coreutils)"
  mkdir -p "$(dirname "$root")"
  # One setup at a time, also across clones.
  exec 8>"$(dirname "$root")/setup.lock"
  flock 8
  if [ ! -x "$root/usr/libexec/swift/bin/swift" ] || [ ! -f "$root/.perisai-swift-ready" ]; then
    echo "==> Setting up Swift (Debian 13 swiftlang) in $root: once; later runs reuse it"
    if ! command -v debootstrap >/dev/null; then
      apt-get update -q || swift_fail "apt-get update failed: cannot install debootstrap"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap || swift_fail "apt-get install debootstrap failed"
    fi
    # A root whose debootstrap did not finish is made again from the start.
    if [ ! -f "$root/.perisai-debootstrap-done" ]; then
      rm -rf "$root"
      mkdir -p "$root"
      nice -n 10 debootstrap --variant=minbase trixie "$root" "$(swift_host_mirror)" \
        || { rm -rf "$root"; swift_fail "debootstrap of Debian 13 (trixie) into $root failed (mirror: $(swift_host_mirror))"; }
      touch "$root/.perisai-debootstrap-done"
    fi
    # libc6-dev: without it Foundation cannot build ("libc not found").
    in_swift_root / apt-get update -q || swift_fail "apt-get update in $root failed"
    in_swift_root / env DEBIAN_FRONTEND=noninteractive nice -n 10 \
      apt-get install -y -q --no-install-recommends swiftlang libc6-dev \
      || swift_fail "installing swiftlang into $root failed"
    in_swift_root / apt-get clean
    [ -x "$root/usr/libexec/swift/bin/swift" ] || swift_fail "swiftlang installed, but no swift in $root/usr/libexec/swift/bin"
    touch "$root/.perisai-swift-ready"
  fi
  flock -u 8
  exec 8>&-
}
