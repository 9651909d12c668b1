/* SPDX-License-Identifier: MIT */
/*
 * corpus.h: helpers for the leak corpus. Each corpus program leaks an
 * exactly known set of blocks from functions that are never inlined, then
 * scrubs the registers and stack slots that could still hold a stale copy
 * of a leaked pointer, so that a conservative scan cannot find one.
 */
#ifndef KALLOC_CORPUS_H
#define KALLOC_CORPUS_H

#include <string.h>

#define NOINLINE __attribute__((noinline))

/* Overwrite a good stretch of dead stack below the caller. */
static NOINLINE void scrub_stack(void)
{
	volatile char buf[16384];

	memset((char *)buf, 0, sizeof(buf));
	__asm__ volatile("" ::: "memory");
}

/* Zero the callee-saved registers (x86-64) that may hold old pointers. */
#if defined(__x86_64__)
#define SCRUB_REGS() __asm__ volatile("xor %%ebx, %%ebx\n\txor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\t" \
				      "xor %%r14d, %%r14d\n\txor %%r15d, %%r15d" ::: "rbx", "r12", "r13", "r14", "r15")
#else
#define SCRUB_REGS() ((void)0)
#endif

#define SCRUB() do { scrub_stack(); SCRUB_REGS(); } while (0)

#endif
