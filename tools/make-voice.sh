#!/usr/bin/env bash
# Regenerates the built-in Vietnamese voice clips in assets/audio/vi/ from scratch.
#
# Every clip: mono, 16000 Hz, 16-bit signed PCM WAV, spoken by espeak-ng's
# Vietnamese voice at ~0.95 of the normal rate, leading/trailing silence trimmed,
# peak-normalised, with a few milliseconds of fade to avoid clicks. (The fade-out
# is a fade-in on the reversed audio: piped input has no known length.)
# Also writes chime.wav (synthesised here with sox; key "chime") and clips.tsv
# (key<TAB>file, with a header line).
#
# Requires: bash, espeak-ng, sox (Debian: apt-get install espeak-ng sox).
# Usage: tools/make-voice.sh [output dir]   (default: assets/audio/vi next to this script)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$(dirname "$here")/assets/audio/vi}"

VOICE="vi"          # espeak-ng Vietnamese (northern) voice
RATE=166            # words per minute: espeak-ng's default 175 x 0.95
RATE_HZ=16000
PEAK_DB=-3          # peak level of every spoken clip, dBFS
CHIME_PEAK_DB=-5    # the chime a little softer than speech
SILENCE_DB=-50d     # what counts as silence when trimming (low enough to keep stop releases)

for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make-voice: $tool not found" >&2; exit 1; }
done
export LC_ALL=C.UTF-8
# sox -R everywhere: repeatable dither, so regenerating gives identical files.

# The clip set: key (lowercase NFC Vietnamese, words separated by single spaces)
# and an ASCII file name (Telex-style slug: aw=ă aa=â ee=ê oo=ô ow=ơ uw=ư dd=đ,
# tone letter at the end of each syllable: f grave, s acute, r hook, x tilde,
# j dot below; syllables joined by "_"), so mười/mươi/một/mốt never collide.
# Single syllables cover every word the number reader, digit mode and the default
# letter names can produce; the multi-word keys are phrases spoken as a whole,
# which the player prefers when they match (greedy longest match).
CLIPS="$(cat <<'LIST'
không|khoong.wav
một|mootj.wav
hai|hai.wav
ba|ba.wav
bốn|boons.wav
năm|nawm.wav
sáu|saus.wav
bảy|bayr.wav
tám|tams.wav
chín|chins.wav
mười|muwowif.wav
mươi|muwowi.wav
mốt|moots.wav
tư|tuw.wav
lăm|lawm.wav
nhăm|nhawm.wav
linh|linh.wav
lẻ|ler.wav
trăm|trawm.wav
nghìn|nghinf.wav
ngàn|nganf.wav
triệu|trieeuj.wav
tỷ|tyr.wav
a|a.wav
bê|bee.wav
xê|xee.wav
dê|dee.wav
đê|ddee.wav
e|e.wav
giê|giee.wav
hát|hats.wav
ca|ca.wav
lờ|lowf.wav
em|em.wav
mờ|mowf.wav
en|en.wav
nờ|nowf.wav
pê|pee.wav
quy|quy.wav
rờ|rowf.wav
ét|ets.wav
sì|sif.wav
tê|tee.wav
u|u.wav
vê|vee.wav
ích|ichs.wav
xì|xif.wav
i|i.wav
dài|daif.wav
xin|xin.wav
mời|mowif.wav
công|coong.wav
dân|daan.wav
có|cos.wav
số|soos.wav
thứ|thuws.wav
tự|tuwj.wav
đến|ddeens.wav
quầy|quaayf.wav
kính|kinhs.wav
khách|khachs.wav
hàng|hangf.wav
pháp|phaps.wav
hộ|hooj.wav
tịch|tichj.wav
chứng|chuwngs.wav
thực|thuwcj.wav
văn|vawn.wav
hóa|hoas.wav
xã|xax.wav
hội|hooij.wav
kinh|kinh.wav
doanh|doanh.wav
nông|noong.wav
nghiệp|nghieepj.wav
môi|mooi.wav
trường|truwowngf.wav
xin mời công dân có số thứ tự|xin_mowif_coong_daan_cos_soos_thuws_tuwj.wav
đến quầy số|ddeens_quaayf_soos.wav
kính mời công dân có số thứ tự|kinhs_mowif_coong_daan_cos_soos_thuws_tuwj.wav
xin mời số thứ tự|xin_mowif_soos_thuws_tuwj.wav
xin mời khách hàng có số thứ tự|xin_mowif_khachs_hangf_cos_soos_thuws_tuwj.wav
tư pháp hộ tịch chứng thực|tuw_phaps_hooj_tichj_chuwngs_thuwcj.wav
văn hóa xã hội|vawn_hoas_xax_hooij.wav
kinh doanh|kinh_doanh.wav
nông nghiệp môi trường|noong_nghieepj_mooi_truwowngf.wav
LIST
)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Refuse duplicate keys or file names before touching the output.
dups="$(printf '%s\n' "$CLIPS" | cut -d'|' -f1 | sort | uniq -d)"
[ -z "$dups" ] || { echo "make-voice: duplicate keys: $dups" >&2; exit 1; }
dups="$(printf '%s\n' "$CLIPS" | cut -d'|' -f2 | sort | uniq -d)"
[ -z "$dups" ] || { echo "make-voice: duplicate files: $dups" >&2; exit 1; }

speak() { # speak TEXT OUTFILE
    espeak-ng -v "$VOICE" -s "$RATE" --stdout "$1" \
        | sox -R -q -t wav - -t wav -e signed-integer -b 16 -c 1 "$2" \
            silence 1 0.01 "$SILENCE_DB" reverse \
            silence 1 0.01 "$SILENCE_DB" fade q 0.02 reverse \
            fade q 0.005 \
            gain -6 rate -v "$RATE_HZ" \
            norm "$PEAK_DB" \
            pad 0.02 0.02
}

printf 'key\tfile\n' > "$tmp/clips.tsv"
while IFS='|' read -r key file; do
    [ -n "$key" ] || continue
    speak "$key" "$tmp/$file"
    printf '%s\t%s\n' "$key" "$file" >> "$tmp/clips.tsv"
done <<< "$CLIPS"

# Chime: "ding" (E5) then "dong" (C5), each a sine with a soft octave partial and a
# bell-like decay; the second starts 0.45 s after the first; about 1.2 s in all.
tone() { # tone FREQ LENGTH OUTFILE
    sox -R -q -n -r "$RATE_HZ" -c 1 -b 16 "$tmp/p1.wav" synth "$2" sine "$1"
    sox -R -q -n -r "$RATE_HZ" -c 1 -b 16 "$tmp/p2.wav" synth "$2" sine "$(echo "$1" | awk '{print $1*2}')" vol 0.25
    sox -R -q -m "$tmp/p1.wav" "$tmp/p2.wav" -b 16 "$3" fade q 0.008 "$2" 0.6
}
tone 659.26 0.75 "$tmp/ding.wav"
tone 523.25 0.75 "$tmp/dong-raw.wav"
sox -R -q "$tmp/dong-raw.wav" "$tmp/dong.wav" pad 0.45 0
sox -R -q -m "$tmp/ding.wav" "$tmp/dong.wav" -e signed-integer -b 16 -c 1 -r "$RATE_HZ" "$tmp/chime.wav" \
    norm "$CHIME_PEAK_DB" fade q 0 -0 0.05
rm -f "$tmp/p1.wav" "$tmp/p2.wav" "$tmp/ding.wav" "$tmp/dong-raw.wav" "$tmp/dong.wav"
# Listed under the key "chime" (not a Vietnamese word, so it never matches speech);
# the player requires it in a voice set.
printf 'chime\tchime.wav\n' >> "$tmp/clips.tsv"

# Check: every file exists, is non-empty, and has the one format.
for f in "$tmp"/*.wav; do
    fmt="$(soxi -c "$f") $(soxi -r "$f") $(soxi -b "$f") $(soxi -e "$f")"
    [ "$fmt" = "1 $RATE_HZ 16 Signed Integer PCM" ] || { echo "make-voice: $f has format $fmt" >&2; exit 1; }
    [ "$(soxi -s "$f")" -gt 0 ] || { echo "make-voice: $f is empty" >&2; exit 1; }
done

# Replace the output directory's contents only once everything succeeded.
mkdir -p "$out"
find "$out" -maxdepth 1 -type f \( -name '*.wav' -o -name 'clips.tsv' \) -delete
cp "$tmp"/*.wav "$tmp/clips.tsv" "$out/"
n="$(($(wc -l < "$out/clips.tsv") - 2))"
echo "make-voice: $n speech clips + chime.wav in $out ($(du -sh "$out" | cut -f1))"
