/* SPDX-License-Identifier: MIT */
/*
 * outdir: the fallback policy for the interposers' output files (see
 * outdir.h). Runs inside the profiled program, at exit or on a snapshot,
 * on a normal thread: plain system calls and fixed buffers, no malloc.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ku.h"
#include "outdir.h"

void ku_outdir_init(struct ku_outdir *od, const char *lib)
{
	memset(od, 0, sizeof(*od));
	od->lib = lib;
}

int ku_outdir_refusal(int err)
{
	return err == -EACCES || err == -EPERM || err == -EROFS;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Appends ", s" (or s) to a list kept in buf. */
static void list_add(char *buf, size_t n, const char *s, const char *why)
{
	size_t len = strlen(buf);

	if (len + 1 >= n)
		return;
	snprintf(buf + len, n - len, "%s%s%s%s%s", len ? ", " : "", s, why ? " (" : "", why ? why : "",
		 why ? ")" : "");
}

const char *ku_outdir_where(const struct ku_outdir *od, const char *path, char *buf, size_t n)
{
	if (od->moved)
		snprintf(buf, n, "%s/%s", od->fallback, base_of(path));
	else
		snprintf(buf, n, "%s", path);
	return buf;
}

/* Makes /tmp/<lib>-<euid> or checks the one there: a real directory (not a
 * symlink), ours, closed to others. */
static int make_dir(struct ku_outdir *od)
{
	struct stat st;
	uid_t euid = geteuid();

	snprintf(od->fallback, sizeof(od->fallback), "/tmp/%s-%lu", od->lib, (unsigned long)euid);
	if (mkdir(od->fallback, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(od->fallback, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != euid || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

int ku_outdir_fallback(struct ku_outdir *od, const char *path, int err, char *buf, size_t n)
{
	const char *slash;

	if (od->moved || !ku_outdir_refusal(err))
		return err;
	if (!od->refused) {
		od->refused = err;
		slash = strrchr(path, '/');
		if (!slash)
			snprintf(od->refused_dir, sizeof(od->refused_dir), "%s", ".");
		else if (slash == path)
			snprintf(od->refused_dir, sizeof(od->refused_dir), "%s", "/");
		else
			snprintf(od->refused_dir, sizeof(od->refused_dir), "%.*s", (int)(slash - path), path);
	}
	if (od->dir_err)
		return od->dir_err;
	if ((od->dir_err = make_dir(od)) < 0)
		return od->dir_err;
	od->moved = 1;
	ku_outdir_where(od, path, buf, n);
	return 0;
}

void ku_outdir_done(struct ku_outdir *od, const char *name, const char *used, int err)
{
	if (err < 0) {
		if (!od->refused && !od->failed_err) {
			od->failed_err = err;
			snprintf(od->failed, sizeof(od->failed), "%s", used ? used : name);
		}
		/* The reason is given once for the lot. */
		list_add(od->lost, sizeof(od->lost), name,
			 err == od->refused || err == od->dir_err || err == od->failed_err ? NULL : ku_strerror(err));
		return;
	}
	list_add(od->written, sizeof(od->written), name, NULL);
	if (!od->first[0] && used)
		snprintf(od->first, sizeof(od->first), "%s", used);
}

int ku_outdir_write(struct ku_outdir *od, const char *path, const char *name,
		    int (*fn)(const char *path, void *arg), void *arg, char *used, size_t n)
{
	char where[KU_OUTDIR_MAX];
	int err;

	ku_outdir_where(od, path, where, sizeof(where));
	err = fn(where, arg);
	if (err < 0 && ku_outdir_fallback(od, path, err, where, sizeof(where)) == 0)
		err = fn(where, arg);
	ku_outdir_done(od, name, where, err);
	if (used && n)
		snprintf(used, n, "%s", err < 0 ? "" : where);
	return err;
}

static const char *dir_why(int err)
{
	if (err == -ENOTDIR)
		return "not a directory";
	if (err == -EPERM)
		return "not a private directory of this user";
	return ku_strerror(err);
}

const char *ku_outdir_message(const struct ku_outdir *od, char *buf, size_t n)
{
	size_t len;

	buf[0] = 0;
	if (od->moved && od->first[0] && !strchr(od->written, ',')) {
		/* One file: its whole path. */
		snprintf(buf, n, "cannot write in %s (%s): wrote %s instead", od->refused_dir,
			 ku_strerror(od->refused), od->first);
	} else if (od->moved) {
		snprintf(buf, n, "cannot write in %s (%s): wrote %s in %s/ instead", od->refused_dir,
			 ku_strerror(od->refused), od->written[0] ? od->written : "nothing", od->fallback);
	} else if (od->refused) {
		snprintf(buf, n, "cannot write in %s (%s), nor in %s/ (%s)", od->refused_dir,
			 ku_strerror(od->refused), od->fallback[0] ? od->fallback : "the fallback directory",
			 dir_why(od->dir_err));
	} else if (od->failed_err) {
		/* Not a refusal (no such directory, a full disk): not moved. */
		snprintf(buf, n, "cannot write %s: %s", od->failed, ku_strerror(od->failed_err));
	}
	if (od->lost[0]) {
		len = strlen(buf);
		if (len < n)
			snprintf(buf + len, n - len, "%slost: %s", len ? "; " : "", od->lost);
	}
	return buf;
}
