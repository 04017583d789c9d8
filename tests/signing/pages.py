"""Compares pages rendered by pdftoppm (-gray, PGM) with the committed snapshots.

Usage: pages.py DIR [--update]   (DIR holds NAME.pgm files rendered from the demo's
signed result and certified copy). A page matches when under 0.5% of its pixels differ
by more than 48 grey levels: a moved seal, a lost line of the lời chứng or boxes for
Vietnamese letters fail; anti-aliasing between poppler builds does not.
"""
import gzip
import os
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshots")


def read_pgm(data):
    # P5 <w> <h> <max>\n<bytes>; no comments (pdftoppm writes none).
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5", "not a binary PGM"
    w, h = int(parts[1]), int(parts[2])
    return w, h, parts[4][: w * h]


def main():
    src, update = sys.argv[1], "--update" in sys.argv
    names = sorted(n for n in os.listdir(src) if n.endswith(".pgm"))
    assert names, "nothing rendered"
    bad = 0
    for n in names:
        got = open(os.path.join(src, n), "rb").read()
        ref_path = os.path.join(HERE, n + ".gz")
        if update:
            with gzip.open(ref_path, "wb", compresslevel=9) as f:
                f.write(got)
            print(f"{n}: snapshot written")
            continue
        if not os.path.exists(ref_path):
            print(f"{n}: no snapshot (run with --update, look at it, commit it)")
            bad += 1
            continue
        w1, h1, a = read_pgm(got)
        w2, h2, b = read_pgm(gzip.open(ref_path).read())
        if (w1, h1) != (w2, h2):
            print(f"{n}: size {w1}x{h1}, snapshot {w2}x{h2}")
            bad += 1
            continue
        diff = sum(1 for x, y in zip(a, b) if abs(x - y) > 48)
        share = diff / (w1 * h1)
        print(f"{n}: {diff} of {w1 * h1} pixels differ ({share:.3%})")
        if share > 0.005:
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
