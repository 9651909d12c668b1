# SPDX-License-Identifier: MIT
# pbwire.py: the protobuf wire encoding the test generators write profiles
# with (varints, length-delimited and varint fields). Imported by
# tests/kprof/gen/hostile.py and tests/kprof/ci/hostile-pprof.py.


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def uint(num, v):
    return varint(num << 3) + varint(v)
