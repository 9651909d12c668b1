# SPDX-License-Identifier: MIT
# hostile-pprof.py OUT: a gzipped pprof heap profile (inuse_objects/count,
# inuse_space/bytes) whose function and file names hold ill-formed UTF-8,
# markup, a newline and a C0 control, for the flame graph and leak paths.
import gzip
import os
import sys


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'gen'))
from pbwire import field, uint, varint  # noqa: E402


strings = [b"", b"inuse_objects", b"count", b"inuse_space", b"bytes",
           b"main", b"/src/main.c",
           b"bad\xff\xfe<b>&amp;\n\x01name", b"/src/\xc0\xaf<dir>/x.c"]
prof = b""
prof += field(1, uint(1, 1) + uint(2, 2))  # sample_type inuse_objects/count
prof += field(1, uint(1, 3) + uint(2, 4))  # inuse_space/bytes
# one sample: leaf location 2 (bad name), caller location 1 (main)
prof += field(2, field(1, varint(2) + varint(1)) + field(2, varint(1) + varint(48)))
prof += field(4, uint(1, 1) + field(4, uint(1, 1) + uint(2, 3)))  # location 1: main:3
prof += field(4, uint(1, 2) + field(4, uint(1, 2) + uint(2, 7)))  # location 2: bad:7
prof += field(5, uint(1, 1) + uint(2, 5) + uint(4, 6))  # function 1 main /src/main.c
prof += field(5, uint(1, 2) + uint(2, 7) + uint(4, 8))  # function 2
for s in strings:
    prof += field(6, s)
open(sys.argv[1], "wb").write(gzip.compress(prof))
