/* SPDX-License-Identifier: MIT */
/*
 * dropprivs: a daemon's start, in small. Started as root, it allocates
 * (one block leaked on purpose, 4242 bytes), drops its privileges to the
 * uid and gid given (setgroups, setgid, setuid, as mosquitto, nginx and
 * sshd do) and exits normally, so that the interposers write their files
 * at exit as the unprivileged user. Usage: dropprivs UID GID
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile keep;

__attribute__((noinline)) static void leak_before_drop(void)
{
	char *p = malloc(4242);

	if (p)
		memset(p, 'x', 4242);
	__asm__ volatile("" : : "r"(p) : "memory");
}

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if (argc != 3) {
		fprintf(stderr, "usage: dropprivs UID GID\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	leak_before_drop();
	keep = strdup("still reachable");
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		perror("dropprivs: cannot drop privileges");
		return 1;
	}
	printf("running as uid %lu\n", (unsigned long)geteuid());
	return 0;
}
