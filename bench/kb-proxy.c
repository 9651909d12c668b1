/* SPDX-License-Identifier: MIT */
/*
 * kb-proxy: a loopback TCP proxy that forwards every connection accepted on
 * LISTEN to TARGET and lets a test break them on command, so that client
 * libraries can be measured while "the broker drops the connection".
 *
 * One thread, one epoll set, level-triggered, every socket non-blocking.
 * Each accepted connection becomes a pair (client side, upstream side) with
 * one bounded buffer per direction; a full buffer stops reading from its
 * source, so a slow reader slows the writer instead of growing memory.
 * EOF is forwarded as a half-close (shutdown SHUT_WR) once the buffer has
 * drained; a reset on one side is forwarded as a reset on the other.
 *
 * Commands arrive one per line on standard input and on an optional Unix
 * control socket (--control PATH); every command gets exactly one reply
 * line, "ok ..." or "error ...". See kb-proxy(1) for the command set.
 * Pairs are freed only at the end of an epoll batch, so an event queued
 * for a pair that was closed earlier in the same batch never touches
 * freed memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define KB_PROXY_BUF (64 * 1024)
#define KB_PROXY_LINE 256

enum kb_proxy_kind { KB_PK_LISTEN, KB_PK_END, KB_PK_STDIN, KB_PK_CTL_LISTEN, KB_PK_CTL, KB_PK_SIGNAL };

/* Every epoll registration points at one of these (first member). */
struct kb_proxy_handle {
	enum kb_proxy_kind kind;
	int fd;
};

struct kb_proxy_pair;

struct kb_proxy_end {
	struct kb_proxy_handle h;
	struct kb_proxy_pair *pair;
	int side; /* 0 = client, 1 = upstream */
	uint32_t events; /* interest currently registered */
};

/* Bytes read from end[i] waiting to be written to end[1 - i]. */
struct kb_proxy_dir {
	char buf[KB_PROXY_BUF];
	size_t off, len;
	bool eof;  /* end[i] sent FIN */
	bool shut; /* FIN forwarded to end[1 - i] */
};

struct kb_proxy_pair {
	struct kb_proxy_end end[2];
	struct kb_proxy_dir dir[2];
	bool connecting;
	bool dead;
	struct kb_proxy_pair *prev, *next; /* live list */
	struct kb_proxy_pair *next_dead;
};

/* A control connection (Unix socket) or standard input: a line reader. */
struct kb_proxy_ctl {
	struct kb_proxy_handle h;
	char line[KB_PROXY_LINE];
	size_t len;
	bool overflow;
	bool binary;
	bool dead;
	struct kb_proxy_ctl *prev, *next, *next_dead;
};

static struct {
	int ep;
	struct kb_proxy_handle listen, ctl_listen, sig;
	struct kb_proxy_ctl in;
	struct sockaddr_storage target;
	socklen_t target_len;
	const char *control_path;
	bool blocked, quit;
	int reserve_fd; /* spare fd, released to shed a connection on EMFILE */
	struct kb_proxy_pair *pairs, *dead;
	struct kb_proxy_ctl *ctls, *dead_ctls;
	unsigned active;
	unsigned long long accepted, cut, refused, failed, bytes_up, bytes_down;
} P = { .ep = -1, .reserve_fd = -1 };

static void proxy_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void proxy_err(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	/* One write, so a reader never sees half a line. */
	memcpy(line, "kb-proxy: ", 10);
	va_start(ap, fmt);
	n = vsnprintf(line + 10, sizeof(line) - 11, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n = 10 + (n > (int)sizeof(line) - 12 ? (int)sizeof(line) - 12 : n);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

static int proxy_epoll(int op, struct kb_proxy_handle *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(P.ep, op, h->fd, &ev);
}

/* Parse "HOST:PORT", "[V6]:PORT" or "PORT" (host defaults to 127.0.0.1). */
static int proxy_resolve(const char *spec, bool passive, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int rc;

	if (colon) {
		size_t n = (size_t)(colon - spec);
		const char *h = spec;

		if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
			h++;
			n -= 2;
		}
		if (n >= sizeof(host))
			return -ENAMETOOLONG;
		if (n) {
			memcpy(host, h, n);
			host[n] = '\0';
		}
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
		return -EINVAL;
	if (passive)
		hints.ai_flags = AI_PASSIVE;
	/* Brokers here listen on IPv4 loopback: prefer it for "localhost". */
	hints.ai_family = AF_INET;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		hints.ai_family = AF_UNSPEC;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc)
		return -EHOSTUNREACH;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int proxy_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory stream's own fd */
}

/* ---- pairs ---------------------------------------------------------------- */

static void proxy_reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Close both ends; with `reset`, both peers see a connection reset. */
static void proxy_pair_kill(struct kb_proxy_pair *p, bool reset)
{
	if (p->dead)
		return;
	p->dead = true;
	for (int i = 0; i < 2; i++) {
		if (p->end[i].h.fd < 0)
			continue;
		epoll_ctl(P.ep, EPOLL_CTL_DEL, p->end[i].h.fd, NULL);
		if (reset)
			proxy_reset_close(p->end[i].h.fd);
		else
			close(p->end[i].h.fd);
		p->end[i].h.fd = -1;
	}
	if (p->prev)
		p->prev->next = p->next;
	else
		P.pairs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next_dead = P.dead;
	P.dead = p;
	P.active--;
}

static void proxy_pair_interest(struct kb_proxy_pair *p)
{
	for (int i = 0; i < 2 && !p->dead; i++) {
		struct kb_proxy_end *e = &p->end[i];
		uint32_t ev = 0;

		if (i == 1 && p->connecting) {
			ev = EPOLLOUT;
		} else if (!p->connecting) {
			if (!p->dir[i].eof && p->dir[i].off + p->dir[i].len < KB_PROXY_BUF)
				ev |= EPOLLIN;
			if (p->dir[1 - i].len)
				ev |= EPOLLOUT;
		}
		if (ev != e->events) {
			proxy_epoll(EPOLL_CTL_MOD, &e->h, ev);
			e->events = ev;
		}
	}
}

/* Write what is buffered for end[to]; returns -1 when the pair died. */
static int proxy_flush(struct kb_proxy_pair *p, int to)
{
	struct kb_proxy_dir *d = &p->dir[1 - to];

	while (d->len) {
		ssize_t n = send(p->end[to].h.fd, d->buf + d->off, d->len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			proxy_pair_kill(p, true);
			return -1;
		}
		d->off += (size_t)n;
		d->len -= (size_t)n;
		if (to == 1)
			P.bytes_up += (unsigned long long)n;
		else
			P.bytes_down += (unsigned long long)n;
	}
	if (!d->len)
		d->off = 0;
	if (d->eof && !d->len && !d->shut) {
		shutdown(p->end[to].h.fd, SHUT_WR);
		d->shut = true;
	}
	if (p->dir[0].shut && p->dir[1].shut) {
		proxy_pair_kill(p, false);
		return -1;
	}
	return 0;
}

static int proxy_fill(struct kb_proxy_pair *p, int from)
{
	struct kb_proxy_dir *d = &p->dir[from];

	while (!d->eof) {
		size_t room;
		ssize_t n;

		if (d->off && d->off + d->len == KB_PROXY_BUF) {
			memmove(d->buf, d->buf + d->off, d->len);
			d->off = 0;
		}
		room = KB_PROXY_BUF - d->off - d->len;
		if (!room)
			break;
		n = recv(p->end[from].h.fd, d->buf + d->off + d->len, room, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			proxy_pair_kill(p, true); /* forward the reset */
			return -1;
		}
		if (n == 0)
			d->eof = true;
		d->len += (size_t)n;
	}
	return proxy_flush(p, 1 - from);
}

static void proxy_end_event(struct kb_proxy_end *e, uint32_t events)
{
	struct kb_proxy_pair *p = e->pair;
	int i = e->side;

	if (p->dead)
		return;
	if (i == 1 && p->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(e->h.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			P.failed++;
			proxy_pair_kill(p, true);
			return;
		}
		p->connecting = false;
		proxy_pair_interest(p);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		if (proxy_fill(p, i) < 0)
			return;
	if (events & EPOLLOUT)
		if (proxy_flush(p, i) < 0)
			return;
	proxy_pair_interest(p);
}

static void proxy_accept(void)
{
	for (;;) {
		int cfd = accept4(P.listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), ufd;
		struct kb_proxy_pair *p;
		int one = 1;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && P.reserve_fd >= 0) {
				/* Shed the waiting connection instead of spinning on it. */
				close(P.reserve_fd);
				cfd = accept(P.listen.fd, NULL, NULL);
				if (cfd >= 0)
					proxy_reset_close(cfd);
				P.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				P.failed++;
				continue;
			}
			return; /* EAGAIN or a transient error */
		}
		P.accepted++;
		if (P.blocked) {
			P.refused++;
			proxy_reset_close(cfd);
			continue;
		}
		ufd = socket(P.target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		p = ufd >= 0 ? calloc(1, sizeof(*p)) : NULL;
		if (!p) {
			P.failed++;
			if (ufd >= 0)
				close(ufd);
			proxy_reset_close(cfd);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (int i = 0; i < 2; i++) {
			p->end[i].h.kind = KB_PK_END;
			p->end[i].pair = p;
			p->end[i].side = i;
		}
		p->end[0].h.fd = cfd;
		p->end[1].h.fd = ufd;
		p->next = P.pairs;
		if (P.pairs)
			P.pairs->prev = p;
		P.pairs = p;
		P.active++;
		if (connect(ufd, (struct sockaddr *)&P.target, P.target_len) < 0) {
			if (errno != EINPROGRESS) {
				P.failed++;
				proxy_pair_kill(p, true);
				continue;
			}
			p->connecting = true;
		}
		proxy_epoll(EPOLL_CTL_ADD, &p->end[0].h, 0);
		proxy_epoll(EPOLL_CTL_ADD, &p->end[1].h, 0);
		proxy_pair_interest(p);
	}
}

static void proxy_reap(void)
{
	while (P.dead) {
		struct kb_proxy_pair *p = P.dead;

		P.dead = p->next_dead;
		free(p);
	}
	while (P.dead_ctls) {
		struct kb_proxy_ctl *c = P.dead_ctls;

		P.dead_ctls = c->next_dead;
		free(c);
	}
}

/* ---- commands --------------------------------------------------------------- */

static void proxy_reply(struct kb_proxy_ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void proxy_reply(struct kb_proxy_ctl *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;
	size_t off = 0;
	int fd = c->h.kind == KB_PK_STDIN ? STDOUT_FILENO : c->h.fd;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* Replies are short; a controller that does not read them loses them. */
	while (off < (size_t)n) {
		ssize_t w = c->h.kind == KB_PK_STDIN ? write(fd, buf + off, (size_t)n - off)
						     : send(fd, buf + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

static void proxy_command(struct kb_proxy_ctl *c, char *line)
{
	char *s = line, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (!*s || *s == '#')
		return;
	if (!strcmp(s, "cut")) {
		unsigned n = 0;

		while (P.pairs) {
			proxy_pair_kill(P.pairs, true);
			n++;
		}
		P.cut += n;
		proxy_reply(c, "ok cut %u", n);
	} else if (!strcmp(s, "block")) {
		P.blocked = true;
		proxy_reply(c, "ok blocked");
	} else if (!strcmp(s, "unblock")) {
		P.blocked = false;
		proxy_reply(c, "ok unblocked");
	} else if (!strcmp(s, "stats")) {
		proxy_reply(c,
			       "ok accepted=%llu active=%u cut=%llu refused=%llu failed=%llu "
			       "bytes_up=%llu bytes_down=%llu blocked=%d fds=%d",
			       P.accepted, P.active, P.cut, P.refused, P.failed, P.bytes_up,
			       P.bytes_down, P.blocked ? 1 : 0, proxy_count_fds());
	} else if (!strcmp(s, "quit")) {
		proxy_reply(c, "ok bye");
		P.quit = true;
	} else if (!strcmp(s, "help")) {
		proxy_reply(c, "ok commands: cut block unblock stats quit help");
	} else {
		size_t n = strcspn(s, " \t");

		proxy_reply(c, "error unknown command '%.*s' (try help)", (int)(n > 64 ? 64 : n), s);
	}
}

static void proxy_ctl_close(struct kb_proxy_ctl *c)
{
	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(P.ep, EPOLL_CTL_DEL, c->h.fd, NULL);
	if (c->h.kind == KB_PK_STDIN) {
		/* The controller went away: so does the proxy. */
		P.quit = true;
		return;
	}
	close(c->h.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		P.ctls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next_dead = P.dead_ctls;
	P.dead_ctls = c;
}

static void proxy_ctl_read(struct kb_proxy_ctl *c)
{
	char buf[4096];
	ssize_t n;

	n = read(c->h.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		proxy_ctl_close(c);
		return;
	}
	for (ssize_t i = 0; i < n && !c->dead && !P.quit; i++) {
		if (buf[i] == '\n') {
			if (c->binary)
				proxy_reply(c, "error binary data in command");
			else if (c->overflow)
				proxy_reply(c, "error command too long (max %d bytes)", KB_PROXY_LINE - 1);
			else {
				c->line[c->len] = '\0';
				proxy_command(c, c->line);
			}
			c->len = 0;
			c->overflow = c->binary = false;
		} else if (buf[i] == '\0') {
			c->binary = true; /* reject the whole line */
		} else if (c->len < KB_PROXY_LINE - 1) {
			c->line[c->len++] = buf[i];
		} else {
			c->overflow = true;
		}
	}
}

static void proxy_ctl_accept(void)
{
	for (;;) {
		int fd = accept4(P.ctl_listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct kb_proxy_ctl *c;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->h.kind = KB_PK_CTL;
		c->h.fd = fd;
		c->next = P.ctls;
		if (P.ctls)
			P.ctls->prev = c;
		P.ctls = c;
		proxy_epoll(EPOLL_CTL_ADD, &c->h, EPOLLIN);
	}
}

/* ---- set-up ------------------------------------------------------------------ */

static void proxy_usage(FILE *f)
{
	fprintf(f,
		"usage: kb-proxy --target HOST:PORT [--listen [HOST:]PORT] [--control PATH]\n"
		"                [--no-stdin] [--port-file FILE]\n"
		"Forwards TCP connections from LISTEN (default 127.0.0.1:0) to TARGET.\n"
		"Prints 'listening HOST:PORT' on stdout, then reads commands, one per line,\n"
		"from stdin and from the control socket: cut block unblock stats quit help.\n");
}

static int proxy_listen_on(const char *spec, int *port_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, rc;

	rc = proxy_resolve(spec, true, &ss, &len);
	if (rc < 0) {
		proxy_err("bad --listen address '%s'", spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
		proxy_err("cannot listen on '%s': %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port_out = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int proxy_control_on(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		proxy_err("control socket path too long: '%s'", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
		proxy_err("cannot listen on control socket '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "control", required_argument, NULL, 'c' },
		{ "no-stdin", no_argument, NULL, 'n' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_spec = "127.0.0.1:0", *target = NULL, *port_file = NULL;
	bool use_stdin = true;
	struct epoll_event evs[64];
	sigset_t mask;
	int c, port = 0;

	while ((c = getopt_long(argc, argv, "l:t:c:np:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_spec = optarg; break;
		case 't': target = optarg; break;
		case 'c': P.control_path = optarg; break;
		case 'n': use_stdin = false; break;
		case 'p': port_file = optarg; break;
		case 'h': proxy_usage(stdout); return 0;
		default: proxy_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		proxy_err("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!target) {
		proxy_err("--target HOST:PORT is required");
		return 2;
	}
	if (proxy_resolve(target, false, &P.target, &P.target_len) < 0) {
		proxy_err("bad --target address '%s'", target);
		return 2;
	}
	if (!use_stdin && !P.control_path) {
		proxy_err("--no-stdin needs --control PATH (or nothing could stop the proxy but a signal)");
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	P.ep = epoll_create1(EPOLL_CLOEXEC);
	P.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	P.listen.kind = KB_PK_LISTEN;
	P.listen.fd = proxy_listen_on(listen_spec, &port);
	if (P.ep < 0 || P.listen.fd < 0)
		return 1;
	proxy_epoll(EPOLL_CTL_ADD, &P.listen, EPOLLIN);
	P.sig.kind = KB_PK_SIGNAL;
	P.sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	proxy_epoll(EPOLL_CTL_ADD, &P.sig, EPOLLIN);
	if (P.control_path) {
		P.ctl_listen.kind = KB_PK_CTL_LISTEN;
		P.ctl_listen.fd = proxy_control_on(P.control_path);
		if (P.ctl_listen.fd < 0)
			return 1;
		proxy_epoll(EPOLL_CTL_ADD, &P.ctl_listen, EPOLLIN);
	}
	if (use_stdin) {
		P.in.h.kind = KB_PK_STDIN;
		P.in.h.fd = STDIN_FILENO;
		if (proxy_epoll(EPOLL_CTL_ADD, &P.in.h, EPOLLIN) < 0) {
			/* A regular file or /dev/null cannot be polled: read it now. */
			if (errno != EPERM) {
				proxy_err("cannot watch stdin: %s", strerror(errno));
				return 1;
			}
			proxy_err("stdin is not a pipe or terminal; use --no-stdin --control PATH");
			return 2;
		}
	}
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0) {
			proxy_err("cannot write port file '%s'", port_file);
			return 1;
		}
	}
	printf("listening 127.0.0.1:%d\n", port);
	fflush(stdout);

	while (!P.quit) {
		int n = epoll_wait(P.ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			proxy_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !P.quit; i++) {
			struct kb_proxy_handle *h = evs[i].data.ptr;

			switch (h->kind) {
			case KB_PK_LISTEN: proxy_accept(); break;
			case KB_PK_END: proxy_end_event((struct kb_proxy_end *)h, evs[i].events); break;
			case KB_PK_STDIN:
			case KB_PK_CTL:
				if (!((struct kb_proxy_ctl *)h)->dead)
					proxy_ctl_read((struct kb_proxy_ctl *)h);
				break;
			case KB_PK_CTL_LISTEN: proxy_ctl_accept(); break;
			case KB_PK_SIGNAL: P.quit = true; break;
			}
		}
		proxy_reap();
	}

	while (P.pairs)
		proxy_pair_kill(P.pairs, false);
	while (P.ctls)
		proxy_ctl_close(P.ctls);
	proxy_reap();
	close(P.listen.fd);
	if (P.control_path) {
		close(P.ctl_listen.fd);
		unlink(P.control_path);
	}
	close(P.sig.fd);
	close(P.ep);
	if (P.reserve_fd >= 0)
		close(P.reserve_fd);
	return 0;
}
