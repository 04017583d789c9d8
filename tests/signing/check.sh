#!/usr/bin/env bash
# Signed PDFs made by motcua, judged by independent verifiers (SIGNING.md §7): pyHanko
# (the gate), qpdf --check, pdfsig's text, and motcua's own verifier; with the negative
# cases (a flipped byte is rejected by both pyHanko and motcua).
#
# Installs what it needs: qpdf, poppler-utils (apt) and pyHanko in a venv under
# $SIGN_TOOLS (default /var/cache/motcua-ci/sign-tools).
# Usage: MOTCUA_BIN=path/to/motcua tests/signing/check.sh
set -euo pipefail
BIN="${MOTCUA_BIN:?set MOTCUA_BIN}"
TOOLS="${SIGN_TOOLS:-/var/cache/motcua-ci/sign-tools}"
need=()
command -v qpdf >/dev/null || need+=(qpdf)
command -v pdfsig >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x "$TOOLS/venv/bin/pyhanko" ]; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q 'pyhanko-cli==0.6.0' 'pyhanko==0.38.0'
fi
PYHANKO="$TOOLS/venv/bin/pyhanko"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
"$BIN" sign demo "$W" >/dev/null
validate() { "$PYHANKO" sign validate --no-revocation-check --trust-replace --trust "$W/root.pem" "$1"; }

echo "-- one signature (an official): pyHanko says intact, trusted, untouched"
out=$(validate "$W/signed-1.pdf")
echo "$out"
grep -Eq '^ChuKyLanhDao:[0-9a-f]{64}:INTACT:TRUSTED,UNTOUCHED$' <<<"$out"

echo "-- the organisation's signature added: the first acceptably extended, the second untouched"
out=$(validate "$W/signed-2.pdf")
echo "$out"
grep -Eq '^ChuKyLanhDao:[0-9a-f]{64}:INTACT:TRUSTED,EXTENDED_WITH_FORM_FILLING,ACCEPTABLE_MODIFICATIONS$' <<<"$out"
grep -Eq '^ChuKyCoQuan:[0-9a-f]{64}:INTACT:TRUSTED,UNTOUCHED$' <<<"$out"

echo "-- qpdf --check"
qpdf --check "$W/signed-2.pdf" | tail -1
qpdf --check "$W/signed-2.pdf" | grep -q "No syntax or stream encoding errors found"

echo "-- pdfsig (its exit code means nothing: read its text)"
out=$(pdfsig "$W/signed-2.pdf" 2>&1 || true)
echo "$out" | grep -E "Signature #|Signature Validation|Signer Certificate Common Name" || true
[ "$(grep -c 'Signature is Valid' <<<"$out")" -eq 2 ]

echo "-- motcua's own verifier agrees"
"$BIN" sign verify "$W/signed-2.pdf" --root "$W/root.pem"

echo "-- a flipped byte in the signed part: rejected by pyHanko and by motcua"
python3 - "$W/signed-1.pdf" "$W/flipped.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[300] ^= 1; open(sys.argv[2], "wb").write(b)
PY
if validate "$W/flipped.pdf" >"$W/flipped.txt" 2>&1; then echo "pyHanko accepted a flipped byte" >&2; exit 1; fi
grep -q "INVALID" "$W/flipped.txt" || { cat "$W/flipped.txt"; exit 1; }
if "$BIN" sign verify "$W/flipped.pdf" --root "$W/root.pem"; then echo "motcua accepted a flipped byte" >&2; exit 1; fi
echo "signing check: OK"
