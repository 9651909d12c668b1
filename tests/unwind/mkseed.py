# SPDX-License-Identifier: MIT
# mkseed.py ELF OUT: a seed for fuzz-cfi: the read-only segment of ELF that
# holds .eh_frame_hdr (and .eh_frame), as the loader maps it, after the
# header fuzz-cfi.c describes (text = the executable segment).
import struct
import sys

elf = open(sys.argv[1], "rb").read()
if elf[:4] != b"\x7fELF" or elf[4] != 2:
    sys.exit("mkseed: %s: not a 64-bit ELF file" % sys.argv[1])
phoff, = struct.unpack_from("<Q", elf, 0x20)
phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
loads, hdr = [], None
for i in range(phnum):
    p_type, p_flags, p_off, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_flags, p_off, p_vaddr, p_filesz, p_memsz))
    elif p_type == 0x6474E550:  # PT_GNU_EH_FRAME
        hdr = p_vaddr
if hdr is None:
    sys.exit("mkseed: %s: no PT_GNU_EH_FRAME" % sys.argv[1])
seg = [l for l in loads if l[2] <= hdr < l[2] + l[3]][0]
text = [l for l in loads if l[0] & 1][0]
flags, off, vaddr, filesz, _ = seg
image = elf[off:off + filesz]
head = struct.pack("<BIiI", 0, hdr - vaddr, text[2] - vaddr, text[4])
open(sys.argv[2], "wb").write(head + image)
