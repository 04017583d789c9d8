#!/bin/sh
# Build and check the motcua .deb.
#
# Usage (from anywhere; CI runs it as root):
#   CARGO_TARGET_DIR=/work/target packaging/check-deb.sh [--no-build]
#
#   --no-build   package the existing $CARGO_TARGET_DIR/release/motcua (cargo deb --no-build)
#                instead of letting cargo-deb build it.
#
# Steps: install missing tools (cargo-deb, lintian, systemd-analyze, dpkg-dev), cargo deb,
# list the contents, check conffiles and the systemd/sysusers/tmpfiles fragments in the
# maintainer scripts, lintian (fails on errors, prints warnings), systemd-analyze verify on
# the unit extracted from the .deb, and a smoke run of the packaged binary with the packaged
# config (READY=1 / WATCHDOG=1 over a fake NOTIFY_SOCKET when python3 is available).
# Nothing is installed on this machine from the .deb; systemd need not be PID 1.
set -eu

NO_BUILD=""
for arg in "$@"; do
	case "$arg" in
		--no-build) NO_BUILD="--no-build" ;;
		-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
		*) echo "check-deb: unknown argument $arg" >&2; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR="$TARGET_DIR"
OUT_DIR="$TARGET_DIR/debian"
UNIT=motcua.service

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'check-deb: FAIL: %s\n' "$*" >&2; exit 1; }

# ---- tools -----------------------------------------------------------------
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
APT_UPDATED=""
need_pkg() { # need_pkg <command> <debian package>
	command -v "$1" >/dev/null 2>&1 && return 0
	say "installing $2 (for $1)"
	if [ -z "$APT_UPDATED" ]; then
		$SUDO apt-get update -qq || true
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$2" >/dev/null
	command -v "$1" >/dev/null 2>&1 || fail "$1 still missing after installing $2"
}
need_pkg dpkg-deb dpkg
need_pkg dpkg-shlibdeps dpkg-dev      # cargo-deb uses it for depends = "$auto"
need_pkg lintian lintian
need_pkg systemd-analyze systemd
if ! cargo deb --version >/dev/null 2>&1; then
	say "installing cargo-deb"
	cargo install cargo-deb --locked
fi
cargo deb --version

# ---- build the .deb ------------------------------------------------------------
say "cargo deb $NO_BUILD (CARGO_TARGET_DIR=$TARGET_DIR)"
if [ -n "$NO_BUILD" ] && [ ! -x "$TARGET_DIR/release/motcua" ]; then
	fail "--no-build given but $TARGET_DIR/release/motcua does not exist"
fi
rm -f "$OUT_DIR"/motcua_*.deb
# cargo-deb prints the path of the .deb it wrote on stdout.
mkdir -p "$OUT_DIR"
cargo deb $NO_BUILD --output "$OUT_DIR" > "$OUT_DIR/.cargo-deb.out" || fail "cargo deb failed"
DEB=$(tail -n 1 "$OUT_DIR/.cargo-deb.out")
[ -f "$DEB" ] || fail "cargo deb did not produce a .deb (got '$DEB')"
echo "package: $DEB ($(du -h "$DEB" | cut -f1), $(stat -c %s "$DEB") bytes)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# ---- contents ---------------------------------------------------------------
say "dpkg-deb --info"
dpkg-deb --info "$DEB"
say "dpkg-deb --contents"
dpkg-deb --contents "$DEB"

dpkg-deb --extract "$DEB" "$WORK/root"
dpkg-deb --control "$DEB" "$WORK/control"

for f in usr/bin/motcua etc/motcua/config.toml usr/lib/udev/rules.d/60-motcua.rules \
	usr/lib/systemd/system/$UNIT usr/lib/sysusers.d/motcua.conf usr/lib/tmpfiles.d/motcua.conf \
	usr/lib/systemd/system/motcua-update.service usr/lib/systemd/system/motcua-update.path \
	usr/lib/systemd/system/motcua-usb-backup.service usr/lib/systemd/system/motcua-usb-backup.path \
	usr/share/doc/motcua/copyright; do
	[ -e "$WORK/root/$f" ] || fail "missing /$f in the package"
done
grep -qx /etc/motcua/config.toml "$WORK/control/conffiles" || fail "/etc/motcua/config.toml is not a conffile"
echo "conffiles: $(tr '\n' ' ' < "$WORK/control/conffiles")"
if grep -nE 'MODE="0?6[0-7]6"|MODE="0?[0-7][0-7][2367]"' "$WORK/root/usr/lib/udev/rules.d/60-motcua.rules"; then
	fail "udev rules give world write access"
fi

# ---- maintainer scripts --------------------------------------------------------
say "maintainer scripts"
for s in postinst prerm postrm; do
	[ -f "$WORK/control/$s" ] || fail "no $s in the package"
	if grep -n '#DEBHELPER#' "$WORK/control/$s"; then fail "$s still contains #DEBHELPER#"; fi
	sh -n "$WORK/control/$s" || fail "$s: shell syntax error"
done
chk() { # chk <script> <pattern> <what>: the generated fragment is there exactly once
	n=$(grep -c -- "$2" "$WORK/control/$1" || true)
	[ "$n" -ge 1 ] || fail "$1 lacks $3 ($2)"
	[ "$n" -eq 1 ] || fail "$1 has $3 $n times (was the debhelper token repeated, e.g. in a comment?)"
	echo "ok: $1 has $3"
}
[ "$(grep -c '# Automatically added by cargo-deb' "$WORK/control/postinst")" -ge 4 ] \
	|| fail "postinst: expected the cargo-deb fragments (sysusers, tmpfiles, enable, start)"
# (our own postinst also calls systemd-sysusers before the fragments: match the fragment's form)
chk postinst 'systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} motcua.conf$' "user creation"
chk postinst 'systemd-tmpfiles.*motcua.conf' "data directory creation"
chk postinst "deb-systemd-helper enable $UNIT" "enable"
chk postinst "deb-systemd-invoke \$_dh_action $UNIT" "start/restart"
chk postinst 'systemctl --system daemon-reload' "daemon-reload"
chk prerm "deb-systemd-invoke stop.*$UNIT" "stop on remove"
chk postrm "deb-systemd-helper purge.*$UNIT" "purge of the enablement state"
chk postrm 'if \[ -e /var/lib/motcua/.purge-ok \]' "the data-keeping purge rule"
# The update helper's units are enabled, but the package never stops or restarts them:
# the helper is what runs dpkg.
grep -q 'deb-systemd-helper enable motcua-update.path' "$WORK/control/postinst" \
	|| grep -q 'deb-systemd-helper enable.*motcua-update.path' "$WORK/control/postinst" \
	|| fail "postinst does not enable motcua-update.path"
echo "ok: postinst enables motcua-update.path"
if grep -nE 'deb-systemd-invoke (restart|stop|\$_dh_action).*motcua-update' "$WORK/control/postinst"; then
	fail "postinst stops or restarts the update helper (it runs dpkg)"
fi
# prerm may stop it only when the package is being removed, never on upgrade.
if awk '/deb-systemd-invoke stop.*motcua-update/ && prev !~ /"\$1" = remove/ { bad = 1 } { prev = $0 } END { exit !bad }' "$WORK/control/prerm"; then
	fail "prerm stops the update helper outside removal"
fi
echo "ok: the update helper is never stopped or restarted by the package"

# ---- lintian ------------------------------------------------------------------------
say "lintian"
# --fail-on error: warnings and info are printed but do not fail the check.
# (lintian only warns when run as root, which is what CI does.)
LINTIAN_OPTS="--fail-on error --display-info --tag-display-limit 0"
# shellcheck disable=SC2086
if lintian $LINTIAN_OPTS "$DEB" > "$WORK/lintian.txt" 2>&1; then LINTIAN_RC=0; else LINTIAN_RC=$?; fi
cat "$WORK/lintian.txt"
echo "lintian: $(grep -c '^E:' "$WORK/lintian.txt" || true) error(s), $(grep -c '^W:' "$WORK/lintian.txt" || true) warning(s), $(grep -c '^I:' "$WORK/lintian.txt" || true) info"
[ "$LINTIAN_RC" -eq 0 ] || fail "lintian reported errors (exit $LINTIAN_RC)"

# ---- systemd-analyze verify ----------------------------------------------------------
# verify checks that ExecStart= points to an existing executable. The binary is not
# installed on this machine, so we verify a copy of the packaged unit whose ExecStart=
# points into the extracted package tree; every other line is the packaged one.
say "systemd-analyze verify $UNIT"
mkdir -p "$WORK/units"
sed "s|^ExecStart=/usr/bin/motcua|ExecStart=$WORK/root/usr/bin/motcua|" \
	"$WORK/root/usr/lib/systemd/system/$UNIT" > "$WORK/units/$UNIT"
if SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$WORK/units/$UNIT" > "$WORK/verify.txt" 2>&1; then
	VERIFY_RC=0
else
	VERIFY_RC=$?
fi
cat "$WORK/verify.txt"
[ "$VERIFY_RC" -eq 0 ] || fail "systemd-analyze verify failed (exit $VERIFY_RC)"
# Any complaint about our unit is a failure, even when the exit code is 0.
if grep -q "$UNIT:" "$WORK/verify.txt"; then fail "systemd-analyze verify printed warnings for $UNIT"; fi
echo "systemd-analyze verify: OK"
say "systemd-analyze verify motcua-update.{service,path} motcua-usb-backup.{service,path}"
for u in motcua-update motcua-usb-backup; do
	sed "s|^ExecStart=/usr/bin/motcua|ExecStart=$WORK/root/usr/bin/motcua|" \
		"$WORK/root/usr/lib/systemd/system/$u.service" > "$WORK/units/$u.service"
	cp "$WORK/root/usr/lib/systemd/system/$u.path" "$WORK/units/$u.path"
done
if SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$WORK/units/motcua-update.service" \
	"$WORK/units/motcua-update.path" "$WORK/units/motcua-usb-backup.service" \
	"$WORK/units/motcua-usb-backup.path" > "$WORK/verify-update.txt" 2>&1; then VRC=0; else VRC=$?; fi
cat "$WORK/verify-update.txt"
[ "$VRC" -eq 0 ] || fail "systemd-analyze verify of the update units failed (exit $VRC)"
if grep -q "motcua-\(update\|usb-backup\)\.\(service\|path\):" "$WORK/verify-update.txt"; then
	fail "systemd-analyze verify printed warnings for the update units"
fi
echo "systemd-analyze verify (update units): OK"
say "systemd-analyze security (informational)"
systemd-analyze security --offline=true --no-pager "$WORK/units/$UNIT" 2>/dev/null | tail -n 1 || true

# ---- smoke run of the packaged binary with the packaged config -------------------------
# The config file is parsed with deny_unknown_fields, so this proves the shipped
# /etc/motcua/config.toml is accepted. Flags override data_dir/listen to stay in $WORK.
say "smoke run: motcua serve --config <packaged config.toml>"
BIN="$WORK/root/usr/bin/motcua"
"$BIN" --version
mkdir -p "$WORK/data"
if command -v python3 >/dev/null 2>&1; then
	# Fake systemd notify socket: expect READY=1, then WATCHDOG=1 (WatchdogSec=2s → ping ~1s).
	WORK="$WORK" BIN="$BIN" python3 - <<'PY' || fail "sd_notify smoke test failed"
import os, socket, subprocess, sys, time
work, binary = os.environ["WORK"], os.environ["BIN"]
path = os.path.join(work, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(1.0)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="2000000")
# As systemd does: WATCHDOG_PID = the main PID (sd-notify checks it). `exec` keeps the shell's PID.
p = subprocess.Popen(["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" "$@"', binary, "serve",
                      "--config", os.path.join(work, "root/etc/motcua/config.toml"),
                      "--data", os.path.join(work, "data"), "--listen", "127.0.0.1:0"], env=env)
seen, deadline = set(), time.time() + 15
while time.time() < deadline and not {"READY=1", "WATCHDOG=1"} <= seen:
    if p.poll() is not None:
        print(f"motcua exited early with {p.returncode}", file=sys.stderr)
        sys.exit(1)
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    seen.update(line for line in msg.splitlines() if line)
p.terminate()
try:
    rc = p.wait(timeout=15)
except subprocess.TimeoutExpired:
    p.kill(); rc = "killed"
print(f"notify messages: {sorted(seen)}; exit after SIGTERM: {rc}")
missing = {"READY=1", "WATCHDOG=1"} - seen
if missing:
    print(f"missing sd_notify messages: {sorted(missing)}", file=sys.stderr)
    sys.exit(1)
PY
else
	set +e
	timeout -s TERM 5 "$BIN" serve --config "$WORK/root/etc/motcua/config.toml" \
		--data "$WORK/data" --listen 127.0.0.1:0
	rc=$?
	set -e
	[ "$rc" -eq 124 ] || fail "motcua serve exited with $rc before the timeout (config refused?)"
fi

say "check-deb: OK — $DEB"
