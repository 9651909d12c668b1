/* SPDX-License-Identifier: MIT */
/* signame-unit: the one signal-name parser of KALLOC_SIGNAL and KSAMP_SIGNAL. */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "signame.h"
#include "tap.h"

int main(void)
{
	static const int prof[] = {SIGPROF};

	tap_ok(ku_signal_parse("USR2", NULL, 0) == SIGUSR2, "USR2");
	tap_ok(ku_signal_parse("SIGUSR1", NULL, 0) == SIGUSR1, "SIGUSR1");
	tap_ok(ku_signal_parse("TERM", NULL, 0) == SIGTERM, "TERM");
	tap_ok(ku_signal_parse("CONT", NULL, 0) == SIGCONT, "CONT is accepted by both libraries");
	tap_ok(ku_signal_parse("PROF", NULL, 0) == SIGPROF, "PROF for libkalloc");
	tap_ok(ku_signal_parse("PROF", prof, 1) == -EINVAL, "PROF refused where the caller denies it (libksamp)");
	tap_ok(ku_signal_parse("27", prof, 1) == -EINVAL, "SIGPROF by number refused too");
	tap_ok(ku_signal_parse("RTMIN+2", NULL, 0) == SIGRTMIN + 2, "RTMIN+2");
	tap_ok(ku_signal_parse("RTMAX-1", NULL, 0) == SIGRTMAX - 1, "RTMAX-1");
	tap_ok(ku_signal_parse("10", NULL, 0) == 10, "a number");
	tap_ok(ku_signal_parse("KILL", NULL, 0) == -EINVAL, "KILL refused");
	tap_ok(ku_signal_parse("SEGV", NULL, 0) == -EINVAL, "SEGV refused");
	tap_ok(ku_signal_parse("9", NULL, 0) == -EINVAL, "9 (KILL) refused");
	tap_ok(ku_signal_parse("NOPE", NULL, 0) == -EINVAL, "unknown name refused");
	tap_ok(ku_signal_parse("", NULL, 0) == -EINVAL, "empty refused");
	tap_ok(ku_signal_parse("10x", NULL, 0) == -EINVAL, "trailing garbage refused");
	tap_ok(ku_signal_parse("RTMIN+999", NULL, 0) == -EINVAL, "RTMIN out of range refused");
	tap_ok(ku_signal_parse("0", NULL, 0) == -EINVAL, "0 refused");
	tap_ok(ku_signal_parse(NULL, NULL, 0) == -EINVAL, "NULL refused");
	return tap_done();
}
