/* SPDX-License-Identifier: MIT */
/*
 * fuzz-plt: libFuzzer target for the PLT stub decoder of lib/elfplt.c.
 * An input is a whole ELF file (the seeds, copied by fuzz.sh, are a test
 * program, libc and librabbitmq). It is copied into a buffer of its exact
 * size and opened with elf_memory(); then the first 8 entries of 8 bytes
 * of each of the first 48 sections, and 16 addresses taken from the
 * input's tail, are named. Damaged section headers, relocations, symbol
 * tables or stubs must give "no name", never a crash or a read outside the
 * image, and a name is always NUL-terminated inside the buffer.
 */
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfplt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return elf_version(EV_CURRENT) == EV_NONE;
}

static void name_at(Elf *elf, uint64_t vaddr)
{
	char buf[64];
	uint64_t entry = 0;
	int literal = 0;

	memset(buf, 'x', sizeof buf);
	if (ku_elf_plt_name(elf, vaddr, buf, sizeof buf, &entry, &literal) == 1) {
		if (!memchr(buf, 0, sizeof buf) || entry > vaddr)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Elf_Scn *scn = NULL;
	uint8_t *img;
	Elf *elf;

	if (size < 64)
		return 0;
	img = malloc(size);
	if (!img)
		return 0;
	memcpy(img, data, size);
	elf = elf_memory((char *)img, size);
	if (elf) {
		for (int ns = 0; ns < 48 && (scn = elf_nextscn(elf, scn)) != NULL; ns++) {
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh))
				continue;
			for (uint64_t k = 0; k < 8; k++)
				name_at(elf, sh.sh_addr + 8 * k);
		}
		for (size_t i = 0; i < 16 && (i + 1) * 8 <= size; i++) {
			uint64_t a;

			memcpy(&a, data + size - (i + 1) * 8, 8);
			name_at(elf, a);
		}
		elf_end(elf);
	}
	free(img);
	return 0;
}
