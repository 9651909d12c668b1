/* SPDX-License-Identifier: MIT */
/*
 * elfplt: PLT stubs named by decoding them (see elfplt.h). The stub forms
 * of x86-64 (the psABI's and GNU ld's IBT variants):
 *   .plt entry 0     ff 35 GOT+8 push; ff 25 GOT+16 jmp          (header)
 *   .plt entry       ff 25 slot jmp; 68 index push; e9 jmp .plt0   (lazy)
 *   .plt IBT entry   f3 0f 1e fa endbr64; 68 index push; f2 e9 ...  (lazy)
 *   .plt.sec entry   f3 0f 1e fa endbr64; f2 ff 25 slot bnd jmp
 *   .plt.got entry   ff 25 slot jmp (or endbr64 + bnd jmp when IBT)
 * "slot" is rip-relative: the jump's end plus the 32-bit displacement.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "elfplt.h"

/* Real objects have a few dozen sections; a damaged one claiming millions
 * must not make each look-up a long walk. */
#define KU__PLT_MAX_SECTIONS 4096

static uint32_t ku__plt_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Symbol name of relocation r of a relocation section sh (its sh_link is
 * the symbol table); NULL when there is none or the data is damaged. */
static const char *ku__plt_relsym(Elf *elf, const GElf_Shdr *sh, uint64_t info)
{
	Elf_Scn *symscn = elf_getscn(elf, sh->sh_link);
	GElf_Shdr symsh;
	Elf_Data *symd;
	GElf_Sym sym;
	size_t i = GELF_R_SYM(info);

	if (i == 0 || !symscn || !gelf_getshdr(symscn, &symsh) ||
	    (symsh.sh_type != SHT_DYNSYM && symsh.sh_type != SHT_SYMTAB))
		return NULL;
	symd = elf_getdata(symscn, NULL);
	if (!symd || i > INT_MAX || !gelf_getsym(symd, (int)i, &sym))
		return NULL;
	return elf_strptr(elf, symsh.sh_link, sym.st_name);
}

/* The relocation that names a stub: the one whose r_offset is slot (index
 * < 0), or number index of .rela.plt. Writes its name; 1 when found. */
static int ku__plt_reloc(Elf *elf, size_t shstrndx, uint64_t slot, int64_t index, char *buf, size_t len,
			 int *literal)
{
	Elf_Scn *scn = NULL;
	int left = KU__PLT_MAX_SECTIONS;

	while (left-- > 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;
		size_t n, k;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (index >= 0 && (!name || strcmp(name, sh.sh_type == SHT_RELA ? ".rela.plt" : ".rel.plt")))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		n = d->d_size / (sh.sh_type == SHT_RELA ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel));
		if (n > INT_MAX)
			n = INT_MAX;
		for (k = index >= 0 ? (size_t)index : 0; k < n; k++) {
			GElf_Rela ra;
			GElf_Rel rl;
			uint64_t off, info;
			int64_t addend = 0;
			const char *sym;

			if (sh.sh_type == SHT_RELA) {
				if (!gelf_getrela(d, (int)k, &ra))
					break;
				off = ra.r_offset;
				info = ra.r_info;
				addend = ra.r_addend;
			} else {
				if (!gelf_getrel(d, (int)k, &rl))
					break;
				off = rl.r_offset;
				info = rl.r_info;
			}
			if (index < 0 && off != slot)
				continue;
			if (GELF_R_TYPE(info) == R_X86_64_IRELATIVE) {
				snprintf(buf, len, "*ABS*+0x%" PRIx64 "@plt", (uint64_t)addend);
				*literal = 1;
				return 1;
			}
			sym = ku__plt_relsym(elf, &sh, info);
			if (!sym || !*sym)
				return 0;
			snprintf(buf, len, "%.*s", (int)strcspn(sym, "@"), sym);
			*literal = 0;
			return 1;
		}
		if (index >= 0)
			return 0;
	}
	return 0;
}

int ku_elf_plt_name(Elf *elf, uint64_t vaddr, char *buf, size_t len, uint64_t *entry, int *literal)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int left = KU__PLT_MAX_SECTIONS;

	if (!elf || !buf || len == 0 || !entry || !literal)
		return -EINVAL;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while (left-- > 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		const unsigned char *b;
		uint64_t es, off, avail;
		size_t p = 0;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || (strcmp(name, ".plt") && strcmp(name, ".plt.sec") && strcmp(name, ".plt.got")))
			return 0;
		es = sh.sh_entsize >= 8 && sh.sh_entsize <= 32 ? sh.sh_entsize : 16;
		off = (vaddr - sh.sh_addr) / es * es;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || off >= d->d_size)
			return 0;
		b = (const unsigned char *)d->d_buf + off;
		avail = d->d_size - off < es ? d->d_size - off : es;
		*entry = sh.sh_addr + off;
		if (avail >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
			p = 4; /* endbr64 */
		if (p < avail && b[p] == 0xf2)
			p++; /* bnd */
		if (p + 6 <= avail && b[p] == 0xff && b[p + 1] == 0x25) {
			uint64_t slot = sh.sh_addr + off + p + 6 + (uint64_t)(int64_t)(int32_t)ku__plt_rd32(b + p + 2);

			return ku__plt_reloc(elf, shstrndx, slot, -1, buf, len, literal);
		}
		if (p + 5 <= avail && b[p] == 0x68 && !strcmp(name, ".plt"))
			return ku__plt_reloc(elf, shstrndx, 0, (int64_t)ku__plt_rd32(b + p + 1), buf, len, literal);
		if (p + 2 <= avail && b[p] == 0xff && b[p + 1] == 0x35 && off == 0 && !strcmp(name, ".plt")) {
			snprintf(buf, len, "[plt]");
			*literal = 1;
			return 1;
		}
		return 0;
	}
	return 0;
}
