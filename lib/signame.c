/* SPDX-License-Identifier: MIT */
/* signame: signal names for the libraries' variables (see signame.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ku.h"
#include "signame.h"

static const struct {
	const char *name;
	int no;
} signals[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},	{"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
	{"PIPE", SIGPIPE}, {"ALRM", SIGALRM},	{"TERM", SIGTERM}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},	{"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU},
	{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
	{"PWR", SIGPWR},   {"KILL", SIGKILL},	{"STOP", SIGSTOP}, {"SEGV", SIGSEGV}, {"BUS", SIGBUS},
	{"FPE", SIGFPE},   {"ILL", SIGILL},	{"ABRT", SIGABRT}, {"TRAP", SIGTRAP}, {"SYS", SIGSYS},
};

static const int never_sigs[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

/* A decimal number in [lo, hi] that is the whole of s, or -1. */
static long parse_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	return v;
}

int ku_signal_parse(const char *s, const int *deny, size_t ndeny)
{
	int no = -1;
	long v;

	if (!s)
		return -EINVAL;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < KU_ARRAY_SIZE(signals) && no < 0; i++)
		if (strcmp(s, signals[i].name) == 0)
			no = signals[i].no;
	if (no < 0 && strncmp(s, "RTMIN+", 6) == 0 && (v = parse_num(s + 6, 0, SIGRTMAX - SIGRTMIN)) >= 0)
		no = SIGRTMIN + (int)v;
	if (no < 0 && strncmp(s, "RTMAX-", 6) == 0 && (v = parse_num(s + 6, 0, SIGRTMAX - SIGRTMIN)) >= 0)
		no = SIGRTMAX - (int)v;
	if (no < 0 && (v = parse_num(s, 1, SIGRTMAX)) > 0)
		no = (int)v;
	if (no < 0)
		return -EINVAL;
	for (size_t i = 0; i < KU_ARRAY_SIZE(never_sigs); i++)
		if (no == never_sigs[i])
			return -EINVAL;
	for (size_t i = 0; i < ndeny; i++)
		if (no == deny[i])
			return -EINVAL;
	return no;
}
