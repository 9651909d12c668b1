/* SPDX-License-Identifier: MIT */
/*
 * reusefd2: closes stderr, opens its data file (which gets descriptor 2),
 * writes one line to it and exits with the file still open, as a program
 * does whose exit handlers close stderr before it writes its last file.
 * The interposers' messages at exit must not land in that file.
 * Usage: reusefd2 FILE
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *volatile p = malloc(100);
	int fd;

	if (argc != 2)
		return 2;
	strcpy(p, "data\n");
	close(2);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd != 2 || write(fd, p, strlen(p)) != 5)
		return 1;
	free(p);
	return 0;
}
