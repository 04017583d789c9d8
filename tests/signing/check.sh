#!/usr/bin/env bash
# Signed PDFs made by motcua, judged by independent verifiers (SIGNING.md §7): pyHanko
# (the gate), qpdf --check, pdfsig's text, and motcua's own verifier; with the negative
# cases (a flipped byte, a revision that rewrites a page: rejected by both pyHanko and motcua).
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
command -v softhsm2-util >/dev/null || need+=(softhsm2)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(libsofthsm2)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x "$TOOLS/venv/bin/pyhanko" ] || ! "$TOOLS/venv/bin/python" -c 'import pkcs11' 2>/dev/null; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q 'pyhanko-cli==0.6.0' 'pyhanko[pkcs11]==0.38.0'
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
out=$(qpdf --check "$W/signed-2.pdf")
tail -1 <<<"$out"
grep -q "No syntax or stream encoding errors found" <<<"$out"

echo "-- pdfsig (its exit code means nothing: read its text)"
out=$(pdfsig "$W/signed-2.pdf" 2>&1 || true)
echo "$out" | grep -E "Signature #|Signature Validation|Signer Certificate Common Name" || true
[ "$(grep -c 'Signature is Valid' <<<"$out")" -eq 2 ]

echo "-- the visible appearance: pdftotext finds the Vietnamese lines (embedded font, ToUnicode)"
out=$(pdftotext "$W/signed-2.pdf" -)
grep -q "Ký bởi: Nguyễn Văn An" <<<"$out" || { echo "$out" | tail -8; exit 1; }
grep -q "Thời gian ký: " <<<"$out"

echo "-- motcua's own verifier agrees"
"$BIN" sign verify "$W/signed-2.pdf" --root "$W/root.pem"

echo "-- a certified e-copy: the lời chứng page added, then both signatures; pyHanko, qpdf, pdfsig, pdftotext"
out=$(validate "$W/copy.pdf")
echo "$out"
grep -Eq '^ChuKyNguoiCoThamQuyen:[0-9a-f]{64}:INTACT:TRUSTED,EXTENDED_WITH_FORM_FILLING,ACCEPTABLE_MODIFICATIONS$' <<<"$out"
grep -Eq '^ChuKyCoQuan:[0-9a-f]{64}:INTACT:TRUSTED,UNTOUCHED$' <<<"$out"
out=$(qpdf --check "$W/copy.pdf")
grep -q "No syntax or stream encoding errors found" <<<"$out"
[ "$(pdfsig "$W/copy.pdf" 2>&1 | grep -c 'Signature is Valid')" -eq 2 ]
[ "$(pdfinfo "$W/copy.pdf" | awk '/^Pages:/ {print $2}')" -eq 3 ]
out=$(pdftotext -f 3 -l 3 "$W/copy.pdf" -)
grep -q "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH" <<<"$out" || { echo "$out"; exit 1; }
grep -Eq "Số chứng thực 1 Quyển số 01/[0-9]{4}-SCTĐT/BS" <<<"$out"
grep -q "NGƯỜI THỰC HIỆN CHỨNG THỰC" <<<"$out"
"$BIN" sign verify "$W/copy.pdf" --root "$W/root.pem"

echo "-- both signatures timestamped (RFC 3161, the simulated TSA): pyHanko checks the tokens"
out=$("$PYHANKO" sign validate --no-revocation-check --trust-replace --trust "$W/root.pem" --trust "$W/tsa-root.pem" "$W/signed-ts.pdf")
echo "$out"
grep -Eq '^ChuKyNguoiCoThamQuyen:[0-9a-f]{64}:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_FORM_FILLING,ACCEPTABLE_MODIFICATIONS$' <<<"$out"
grep -Eq '^ChuKyCoQuan:[0-9a-f]{64}:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED$' <<<"$out"
out=$("$BIN" sign verify "$W/signed-ts.pdf" --root "$W/root.pem" --tsa-root "$W/tsa-root.pem")
echo "$out"
[ "$(grep -c 'có dấu thời gian' <<<"$out")" -eq 2 ]
# The TSA's root is trusted for timestamps only: without it, not "Hợp lệ".
if "$BIN" sign verify "$W/signed-ts.pdf" --root "$W/root.pem" >/dev/null; then
  echo "motcua trusted a timestamp from an unpinned TSA" >&2; exit 1
fi

echo "-- the pages as a person sees them: first and last page of a signed result and of a certified copy, against the snapshots (tests/signing/snapshots; --update with SNAPSHOTS=update)"
"$BIN" sign demo "$W/pic" --at 2026-03-05T09:00:00+07:00 >/dev/null
for f in signed-2 copy; do
  n=$(pdfinfo "$W/pic/$f.pdf" | awk '/^Pages:/ {print $2}')
  pdftoppm -r 40 -gray -f 1 -l 1 -singlefile "$W/pic/$f.pdf" "$W/pic/$f-first"
  pdftoppm -r 40 -gray -f "$n" -l "$n" -singlefile "$W/pic/$f.pdf" "$W/pic/$f-last"
done
python3 tests/signing/pages.py "$W/pic" ${SNAPSHOTS:+--$SNAPSHOTS}

echo "-- a flipped byte in the signed part: rejected by pyHanko and by motcua"
python3 - "$W/signed-1.pdf" "$W/flipped.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[300] ^= 1; open(sys.argv[2], "wb").write(b)
PY
if validate "$W/flipped.pdf" >"$W/flipped.txt" 2>&1; then echo "pyHanko accepted a flipped byte" >&2; exit 1; fi
grep -q "INVALID" "$W/flipped.txt" || { cat "$W/flipped.txt"; exit 1; }
if "$BIN" sign verify "$W/flipped.pdf" --root "$W/root.pem"; then echo "motcua accepted a flipped byte" >&2; exit 1; fi
echo "-- a revision appended after both signatures that rewrites page 1: rejected by both"
python3 - "$W/signed-2.pdf" "$W/changed.pdf" <<'PY'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
obj = int(re.search(rb"/Contents (\d+) 0 R", b).group(1))
tr = b[b.rindex(b"trailer"):]
size = int(re.search(rb"/Size (\d+)", tr).group(1))
root = re.search(rb"/Root (\d+ \d+ R)", tr).group(1)
prev = int(b[b.rindex(b"startxref") + 9:].split()[0])
body = b"BT /F1 40 Tf 72 400 Td (SUA DOI) Tj ET"
off = len(b) + 1
upd = b"\n%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (obj, len(body), body)
x = len(b) + len(upd)
upd += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (obj, off, size, root, prev, x)
open(dst, "wb").write(b + upd)
PY
qpdf --check "$W/changed.pdf" >/dev/null
if validate "$W/changed.pdf" >"$W/changed.txt" 2>&1; then echo "pyHanko accepted a changed page" >&2; exit 1; fi
grep -q "ILLEGAL_MODIFICATIONS" "$W/changed.txt" || { cat "$W/changed.txt"; exit 1; }
if out=$("$BIN" sign verify "$W/changed.pdf" --root "$W/root.pem"); then echo "motcua accepted a changed page" >&2; exit 1; fi
grep -q "sửa đổi sau khi ký" <<<"$out" || { echo "$out"; exit 1; }

echo "-- through a PKCS#11 token (SoftHSM2): a key made on the token, the file signed there"
M=/usr/lib/softhsm/libsofthsm2.so
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF="$W/softhsm2.conf"
softhsm2-util --init-token --free --label motcua-test --so-pin 12345678 --pin 123456 >/dev/null
MOTCUA_TOKEN_PIN=123456 "$BIN" sign token-demo "$W/token" --module "$M" --token motcua-test
out=$("$PYHANKO" sign validate --no-revocation-check --trust-replace --trust "$W/token/root.pem" "$W/token/signed-token.pdf")
echo "$out"
grep -Eq '^ChuKyToken:[0-9a-f]{64}:INTACT:TRUSTED,UNTOUCHED$' <<<"$out"
out=$(qpdf --check "$W/token/signed-token.pdf")
grep -q "No syntax or stream encoding errors found" <<<"$out"

echo "-- a wrong PIN is told plainly (once: the appliance never retries it)"
if err=$(MOTCUA_TOKEN_PIN=000000 "$BIN" sign token-demo "$W/token2" --module "$M" --token motcua-test 2>&1); then
  echo "a wrong PIN was accepted" >&2; exit 1
fi
grep -q "Sai mã PIN" <<<"$err" || { echo "$err" >&2; exit 1; }

echo "-- cross-check: pyHanko signs on the same token after motcua; motcua accepts both"
PYHANKO_PKCS11_PIN=123456 "$PYHANKO" sign addsig --field ChuKyPyHanko --use-pades pkcs11 \
  --lib "$M" --token-label motcua-test --cert-label motcua-thu --raw-mechanism \
  "$W/token/signed-token.pdf" "$W/token/cross.pdf" >/dev/null
"$BIN" sign verify "$W/token/cross.pdf" --root "$W/token/root.pem"
echo "signing check: OK"
