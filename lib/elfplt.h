/* SPDX-License-Identifier: MIT */
/*
 * elfplt: the name of the procedure linkage table stub at an address of an
 * x86-64 ELF object ("malloc@plt"), as objdump, perf and gdb print it. No
 * symbol covers a PLT stub, yet every call into a shared library runs
 * through one, so profiles hit them often; without this they show an
 * unnamed frame. The stub is decoded, not guessed from its index: its
 * indirect jump names a GOT slot, and the dynamic relocation of that slot
 * names the function (lazy stubs of an IBT .plt, which have no such jump,
 * are named through their push of the .rela.plt index). An IRELATIVE slot
 * has no symbol: it is named "*ABS*+0xADDEND@plt", as objdump does.
 *
 * Hostile input: every offset, index and size read from the object is
 * checked against the section that holds it; damaged data gives "no
 * name", never a read outside libelf's buffers. No global state.
 */
#ifndef KU_ELFPLT_H
#define KU_ELFPLT_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/*
 * If vaddr (an ELF virtual address of elf) is inside .plt, .plt.sec or
 * .plt.got, write a name for the stub to buf, its start to *entry, and
 * return 1. With *literal 0 the name is the raw symbol of the stub's
 * target (mangled, no version): the caller demangles it and appends
 * "@plt". With *literal 1 it is final: "*ABS*+0x9d3a0@plt" for an
 * IRELATIVE slot, "[plt]" for the header entry of .plt (the lazy-binding
 * trampoline). Returns 0 when vaddr is in no PLT section or the stub
 * cannot be decoded, -EINVAL on bad arguments.
 */
int ku_elf_plt_name(Elf *elf, uint64_t vaddr, char *buf, size_t len, uint64_t *entry, int *literal);

#endif
