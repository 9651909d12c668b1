/* SPDX-License-Identifier: MIT */
/*
 * symchain: lib/symbolize's answer for addresses of one ELF object, in
 * the output format of `addr2line -a -f -i -C -e OBJ`, so that the two can
 * be compared frame for frame (tests/symbolize/chains.sh):
 *
 *     symchain OBJ < addresses
 *
 * Each input line is an ELF virtual address in hex (as addr2line takes
 * it); symchain turns it into a file offset through the PT_LOAD headers
 * (lib/symbolize looks up file offsets, as the interposers record them)
 * and prints "0x%016x", then per frame, innermost first, the function
 * ("??" when unknown) and "file:line" ("??:0" without line information).
 * Exit status 1 when OBJ cannot be read, 2 on bad usage or input.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ku.h"
#include "symbolize.h"

/* File offset of ELF virtual address vaddr, through the PT_LOAD headers. */
static int symchain_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t nph;

	if (elf_getphdrnum(elf, &nph) != 0)
		return -EINVAL;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (ph && ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr && vaddr < ph->p_vaddr + ph->p_filesz) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -ERANGE;
}

int main(int argc, char **argv)
{
	struct ku_sym_frame fr[KU_SYM_CHAIN_MAX];
	struct ku_sym *s;
	char line[256];
	Elf *elf;
	int fd, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: symchain OBJECT < addresses\n");
		return 2;
	}
	elf_version(EV_CURRENT);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		fprintf(stderr, "symchain: %s: not a readable ELF object\n", argv[1]);
		return 1;
	}
	if ((rc = ku_sym_new(&s, 0)) < 0) {
		fprintf(stderr, "symchain: %s\n", ku_strerror(rc));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *end;
		uint64_t vaddr = strtoull(line, &end, 16), off;
		size_t n = 0;

		if (end == line || (*end && *end != '\n')) {
			fprintf(stderr, "symchain: bad address '%.40s'\n", line);
			return 2;
		}
		printf("0x%016" PRIx64 "\n", vaddr);
		if (symchain_offset(elf, vaddr, &off) != 0 ||
		    ku_sym_lookup(s, argv[1], NULL, off, fr, KU_ARRAY_SIZE(fr), &n) != 0 || n == 0) {
			printf("??\n??:0\n");
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			printf("%s\n", fr[i].function ? fr[i].function : "??");
			if (fr[i].file)
				printf("%s:%d\n", fr[i].file, fr[i].line);
			else
				printf("??:0\n");
		}
	}
	ku_sym_free(s);
	elf_end(elf);
	close(fd);
	return 0;
}
