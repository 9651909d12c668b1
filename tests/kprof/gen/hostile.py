# SPDX-License-Identifier: MIT
# hostile.py names OUT | bomb OUT MIB: hostile profiles for tests/kprof/hostile.sh
# and the fuzz seed corpora.
#   names: a gzipped pprof heap profile (inuse_objects, inuse_space) whose function names hold ill-formed
#          UTF-8, an overlong and a surrogate sequence, markup, quotes, a
#          newline, a C0 control, an embedded NUL (the name goes on after it),
#          a folded-stack separator and a trailing count-like number; one
#          well-formed non-ASCII name must come out unchanged.
#   bomb:  a valid gzipped profile header followed by MIB MiB of empty string
#          table entries (bytes 0x32 0x00: each a valid, empty string), which
#          compresses about 1000:1. Written in chunks: never in memory whole.
import gzip
import os
import sys
import zlib


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '.'))
from pbwire import field, uint, varint  # noqa: E402


NAMES = [b"main",
         b"bad\xff\xfe<b>&amp;\n\x01name",
         b"nul\x00after_nul",
         b"over\xc0\xaflong \xed\xa0\x80surrogate",
         b"quote\"'\\back\ttab\r",
         b"semi;colon 123",
         b"caf\xc3\xa9_\xe2\x82\xac"]


def names(out):
    strings = [b"", b"inuse_objects", b"count", b"inuse_space", b"bytes"] + NAMES
    prof = field(1, uint(1, 1) + uint(2, 2)) + field(1, uint(1, 3) + uint(2, 4))
    nf = len(NAMES)
    for i in range(nf):
        prof += field(5, uint(1, i + 1) + uint(2, 5 + i))
        prof += field(4, uint(1, i + 1) + field(4, uint(1, i + 1) + uint(2, 10 + i)))
    # stacks: main -> name i (leaf), i objects of 16 bytes, as two samples
    # (1 and i - 1 objects: equal samples to merge); and one deep stack of all
    for i in range(1, nf):
        for n in (1, i - 1):
            prof += field(2, field(1, varint(i + 1) + varint(1)) + field(2, varint(n) + varint(16 * n)))
    prof += field(2, field(1, b"".join(varint(i) for i in range(nf, 0, -1))) + field(2, varint(100) + varint(1600)))
    for s in strings:
        prof += field(6, s)
    open(out, "wb").write(gzip.compress(prof))


def bomb(out, mib):
    hdr = field(1, uint(1, 1) + uint(2, 2)) + field(6, b"") + field(6, b"samples") + field(6, b"count")
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\x32\x00" * (1 << 19)  # 1 MiB
    with open(out, "wb") as f:
        f.write(z.compress(hdr))
        for _ in range(mib):
            f.write(z.compress(chunk))
        f.write(z.flush())


if __name__ == "__main__":
    if sys.argv[1] == "names":
        names(sys.argv[2])
    elif sys.argv[1] == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: hostile.py names OUT | bomb OUT MIB")
