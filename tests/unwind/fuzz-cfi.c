/* SPDX-License-Identifier: MIT */
/*
 * fuzz-cfi: libFuzzer target for the CFI compiler of lib/cfi.c. An input
 * is a 13-byte header and an image of an object's memory holding its
 * .eh_frame_hdr and .eh_frame (the seeds, made by fuzz.sh, are whole
 * read-only segments of real objects, so the pc-relative pointers hold):
 *   u8  how the text range is placed (see below)
 *   u32 offset of .eh_frame_hdr in the image
 *   i32 text start relative to the image (< 0: before it, as in ELF files
 *       where the code segment precedes the read-only one)
 *   u32 text length
 * The image is copied into a buffer of its exact size (so AddressSanitizer
 * catches a read past it), compiled with ku_cfi_add_image(), a few
 * addresses inside and around the text are looked up with ku_cfi_find(),
 * and the image is forgotten. Damaged CFI must give an error or a short
 * table, never a crash or a read outside [mem_lo, mem_hi).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return ku_cfi_init() < 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uintptr_t lo, hi, tlo, thi;
	uint32_t hoff, tlen;
	int32_t trel;
	uint8_t *buf, how;
	size_t n;

	if (size < 14)
		return 0;
	how = data[0];
	hoff = rd32(data + 1);
	trel = (int32_t)rd32(data + 5);
	tlen = rd32(data + 9);
	n = size - 13;
	buf = malloc(n);
	if (!buf)
		return 0;
	memcpy(buf, data + 13, n);
	lo = (uintptr_t)buf;
	hi = lo + n;
	switch (how & 3) {
	case 0: /* as the seed says */
		tlo = lo + (uintptr_t)(intptr_t)trel;
		thi = tlo + tlen;
		break;
	case 1: /* the whole image is code */
		tlo = lo;
		thi = hi;
		break;
	case 2: /* code right after the image */
		tlo = hi;
		thi = hi + tlen % (1u << 24) + 1;
		break;
	default: /* a text range of any shape, maybe empty or reversed */
		tlo = lo + (uintptr_t)(intptr_t)trel;
		thi = lo + (uintptr_t)tlen;
		break;
	}
	if (ku_cfi_add_image(buf + hoff % n, lo, hi, tlo, thi) > 0) {
		struct ku_cfi_rule r;

		for (int k = -1; k <= 9; k++)
			(void)ku_cfi_find(tlo + (uintptr_t)(intptr_t)k * ((thi - tlo) / 8 + 1), &r);
	}
	ku_cfi_forget_images();
	free(buf);
	return 0;
}
