/* SPDX-License-Identifier: MIT */
/*
 * backend-amqp: rabbitmq-c (AMQP 0-9-1) against RabbitMQ. The topic is a
 * non-durable queue on the default exchange. --brokers is host:port
 * (default 127.0.0.1:5672) or an amqp://user:pass@host:port/vhost URL.
 *
 * Publisher: basic.publish; with --ack the channel is in confirm mode and
 * at most `window` messages are unconfirmed (basic.ack/basic.nack from the
 * broker, `multiple` honoured). Consumer: basic.consume with a prefetch of
 * `window` (capped at 65535); without --ack messages are auto-acked by the
 * broker (no_ack), with --ack each polled batch is acknowledged with one
 * multiple basic.ack and rejected ones with basic.nack(requeue), which
 * RabbitMQ redelivers with the redelivered flag.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include "backend-internal.h"
#include "ku.h"

struct kb_conn {
	struct kb_conn_base base;
	enum kb_role role;
	struct kb_opts opts;
	amqp_connection_state_t conn;
	char *queue;
	int down;
	uint64_t next_tag; /* publisher: delivery tags handed out */
	uint64_t settled_hi; /* every tag <= settled_hi is settled */
	uint64_t settled;    /* number of settled tags */
	uint8_t *single;     /* tags > settled_hi settled one by one, by tag % cap */
	uint64_t cap;        /* power of two > window */
	struct kb_stats st;
};

static const char *amqp__reply_text(amqp_rpc_reply_t r, char *buf, size_t len)
{
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return "ok";
	case AMQP_RESPONSE_NONE:
		return "missing RPC reply";
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		return amqp_error_string2(r.library_error);
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = r.reply.decoded;

			snprintf(buf, len, "server closed the connection: %u %.*s", m->reply_code,
				 (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		} else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_channel_close_t *m = r.reply.decoded;

			snprintf(buf, len, "server closed the channel: %u %.*s", m->reply_code,
				 (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		} else {
			snprintf(buf, len, "server exception, method 0x%08x", r.reply.id);
		}
		return buf;
	}
	return "unknown reply";
}

static int amqp__check(struct kb_conn *c, amqp_rpc_reply_t r, const char *what, char *err, size_t errlen)
{
	char buf[256];

	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 0;
	snprintf(err, errlen, "amqp: %s: %s", what, amqp__reply_text(r, buf, sizeof(buf)));
	return -EIO;
}

static int amqp__open(struct kb_conn **out, enum kb_role role, const struct kb_opts *o, char *err, size_t errlen)
{
	struct kb_conn *c = calloc(1, sizeof(*c));
	struct amqp_connection_info ci;
	char *url = NULL, host[256] = "127.0.0.1";
	int port = 5672, rc, tmo = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	struct timeval tv = { tmo / 1000, (tmo % 1000) * 1000 };
	amqp_socket_t *sock;
	const char *user = "guest", *pass = "guest", *vhost = "/";

	*out = NULL;
	if (!c || !(c->queue = strdup(o->topic))) {
		free(c);
		snprintf(err, errlen, "amqp: out of memory");
		return -ENOMEM;
	}
	c->base.be = &kb_backend_amqp;
	c->role = role;
	c->opts = *o;
	if (o->brokers && !strncmp(o->brokers, "amqp://", 7)) {
		url = strdup(o->brokers);
		amqp_default_connection_info(&ci);
		if (!url || amqp_parse_url(url, &ci) != AMQP_STATUS_OK) {
			snprintf(err, errlen, "amqp: bad URL '%s'", o->brokers);
			rc = -EINVAL;
			goto fail;
		}
		snprintf(host, sizeof(host), "%s", ci.host);
		port = ci.port;
		user = ci.user;
		pass = ci.password;
		vhost = ci.vhost;
	} else if (o->brokers) {
		const char *colon = strrchr(o->brokers, ':');
		char *end;

		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - o->brokers) : (int)strlen(o->brokers), o->brokers);
		if (colon) {
			port = (int)strtol(colon + 1, &end, 10);
			if (*end || port <= 0 || port > 65535) {
				snprintf(err, errlen, "amqp: bad port in '%s'", o->brokers);
				rc = -EINVAL;
				goto fail;
			}
		}
	}
	c->conn = amqp_new_connection();
	sock = c->conn ? amqp_tcp_socket_new(c->conn) : NULL;
	if (!sock) {
		snprintf(err, errlen, "amqp: cannot create a socket");
		rc = -ENOMEM;
		goto fail;
	}
	rc = amqp_socket_open_noblock(sock, host, port, &tv);
	if (rc != AMQP_STATUS_OK) {
		snprintf(err, errlen, "amqp: cannot connect to %s:%d within %d ms: %s", host, port, tmo,
			 amqp_error_string2(rc));
		rc = -EHOSTUNREACH;
		goto fail;
	}
	amqp_set_handshake_timeout(c->conn, &tv);
	amqp_set_rpc_timeout(c->conn, &tv);
	if ((rc = amqp__check(c, amqp_login(c->conn, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user, pass),
			      "login", err, errlen)))
		goto fail;
	amqp_channel_open(c->conn, 1);
	if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "channel.open", err, errlen)))
		goto fail;
	amqp_queue_declare(c->conn, 1, amqp_cstring_bytes(c->queue), 0, 0, 0, 0, amqp_empty_table);
	if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "queue.declare", err, errlen)))
		goto fail;
	if (role == KB_PUB && o->ack) {
		c->cap = 64;
		while (c->cap <= (uint64_t)o->window + 1)
			c->cap *= 2;
		c->single = calloc(c->cap, 1);
		if (!c->single) {
			snprintf(err, errlen, "amqp: out of memory");
			rc = -ENOMEM;
			goto fail;
		}
		amqp_confirm_select(c->conn, 1);
		if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "confirm.select", err, errlen)))
			goto fail;
	}
	if (role == KB_SUB) {
		unsigned prefetch;

		/* leftovers of an earlier run would only be skipped as stale */
		amqp_queue_purge(c->conn, 1, amqp_cstring_bytes(c->queue));
		if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "queue.purge", err, errlen)))
			goto fail;
		prefetch = o->window > 65535 ? 65535 : o->window;

		amqp_basic_qos(c->conn, 1, 0, (uint16_t)prefetch, 0);
		if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "basic.qos", err, errlen)))
			goto fail;
		amqp_basic_consume(c->conn, 1, amqp_cstring_bytes(c->queue), amqp_empty_bytes, 0, !o->ack, 0,
				   amqp_empty_table);
		if ((rc = amqp__check(c, amqp_get_rpc_reply(c->conn), "basic.consume", err, errlen)))
			goto fail;
	}
	free(url);
	*out = c;
	return 0;
fail:
	free(url);
	if (c->conn)
		amqp_destroy_connection(c->conn);
	free(c->single);
	free(c->queue);
	free(c);
	return rc;
}

/* Reads confirmations until at most `limit` messages are unconfirmed. */
static int amqp__wait_confirms(struct kb_conn *c, uint64_t limit, int timeout_ms)
{
	uint64_t deadline = ku_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (c->next_tag - c->settled > limit) {
		amqp_frame_t f;
		struct timeval tv = { 0, 100000 };
		int rc = amqp_simple_wait_frame_noblock(c->conn, &f, &tv);

		if (rc == AMQP_STATUS_TIMEOUT) {
			if (ku_now_ns() > deadline) {
				kb__conn_seterr(c, "amqp: %llu confirmations missing after %d ms",
						(unsigned long long)(c->next_tag - c->settled), timeout_ms);
				return -ETIMEDOUT;
			}
			continue;
		}
		if (rc != AMQP_STATUS_OK) {
			c->down = 1;
			kb__conn_seterr(c, "amqp: connection lost: %s", amqp_error_string2(rc));
			return -ENOTCONN;
		}
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (f.payload.method.id == AMQP_BASIC_ACK_METHOD || f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
			bool nack = f.payload.method.id == AMQP_BASIC_NACK_METHOD;
			uint64_t tag = nack ? ((amqp_basic_nack_t *)f.payload.method.decoded)->delivery_tag
					    : ((amqp_basic_ack_t *)f.payload.method.decoded)->delivery_tag;
			bool multiple = nack ? ((amqp_basic_nack_t *)f.payload.method.decoded)->multiple
					     : ((amqp_basic_ack_t *)f.payload.method.decoded)->multiple;
			uint64_t n = 0;

			if (tag > c->next_tag) {
				c->down = 1;
				kb__conn_seterr(c, "amqp: confirmation for unknown delivery tag %llu", (unsigned long long)tag);
				return -EPROTO;
			}
			if (multiple) {
				for (uint64_t t = c->settled_hi + 1; t <= tag; t++) {
					if (c->single[t & (c->cap - 1)])
						c->single[t & (c->cap - 1)] = 0;
					else
						n++;
				}
				if (tag > c->settled_hi)
					c->settled_hi = tag;
			} else if (tag > c->settled_hi && !c->single[tag & (c->cap - 1)]) {
				c->single[tag & (c->cap - 1)] = 1;
				n = 1;
			}
			while (c->single[(c->settled_hi + 1) & (c->cap - 1)] && c->settled_hi < c->next_tag) {
				c->single[(c->settled_hi + 1) & (c->cap - 1)] = 0;
				c->settled_hi++;
			}
			c->settled += n;
			if (nack)
				c->st.failed += n;
			else
				c->st.confirmed += n;
		} else if (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
			   f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
			c->down = 1;
			kb__conn_seterr(c, "amqp: broker closed the %s",
					f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ? "channel" : "connection");
			return -ENOTCONN;
		}
	}
	return 0;
}

static int amqp__publish(struct kb_conn *c, const struct kb_buf *msgs, size_t n)
{
	amqp_bytes_t rk = amqp_cstring_bytes(c->queue);
	int rc;

	if (c->down)
		return -ENOTCONN;
	for (size_t i = 0; i < n; i++) {
		amqp_bytes_t body = { msgs[i].len, (void *)msgs[i].data };

		if (c->opts.ack && c->next_tag - c->settled >= c->opts.window &&
		    (rc = amqp__wait_confirms(c, c->opts.window - 1, c->opts.timeout_ms)))
			return rc;
		rc = amqp_basic_publish(c->conn, 1, amqp_empty_bytes, rk, 0, 0, NULL, body);
		if (rc != AMQP_STATUS_OK) {
			c->down = 1;
			kb__conn_seterr(c, "amqp: publish failed: %s", amqp_error_string2(rc));
			return -ENOTCONN;
		}
		c->next_tag++;
		c->st.published++;
	}
	if (c->st.failed) {
		kb__conn_seterr(c, "amqp: broker rejected %llu messages (basic.nack)", (unsigned long long)c->st.failed);
		return -EIO;
	}
	return 0;
}

static int amqp__poll(struct kb_conn *c, kb_deliver_fn cb, void *arg, int max, int timeout_ms)
{
	int got = 0;
	uint64_t ack_tag = 0;

	if (c->down)
		return -ENOTCONN;
	while (got < max) {
		amqp_envelope_t env;
		struct timeval tv = { got ? 0 : timeout_ms / 1000, got ? 0 : (timeout_ms % 1000) * 1000 };
		amqp_rpc_reply_t r;

		amqp_maybe_release_buffers(c->conn);
		if (got && !amqp_data_in_buffer(c->conn) && !amqp_frames_enqueued(c->conn))
			tv.tv_usec = 0;
		r = amqp_consume_message(c->conn, &env, &tv, 0);
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
			break;
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
			amqp_frame_t f;

			if (amqp_simple_wait_frame(c->conn, &f) != AMQP_STATUS_OK || f.frame_type != AMQP_FRAME_METHOD ||
			    f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
			    f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
				c->down = 1;
				kb__conn_seterr(c, "amqp: broker closed the connection");
				return -ENOTCONN;
			}
			continue;
		}
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			char buf[256];

			c->down = 1;
			kb__conn_seterr(c, "amqp: connection lost: %s", amqp__reply_text(r, buf, sizeof(buf)));
			return -ENOTCONN;
		}
		{
			struct kb_delivery d = { env.message.body.bytes, env.message.body.len, 0, env.redelivered != 0 };
			int verdict = cb(arg, &d);

			got++;
			if (c->opts.ack) {
				if (verdict == 1) {
					amqp_basic_nack(c->conn, 1, env.delivery_tag, 0, 1);
					c->st.nacked++;
				} else {
					ack_tag = env.delivery_tag;
					c->st.acked++;
				}
			}
		}
		amqp_destroy_envelope(&env);
	}
	if (ack_tag && amqp_basic_ack(c->conn, 1, ack_tag, 1) != AMQP_STATUS_OK) {
		c->down = 1;
		kb__conn_seterr(c, "amqp: basic.ack failed: connection lost");
		return -ENOTCONN;
	}
	return got;
}

static int amqp__flush(struct kb_conn *c, int timeout_ms)
{
	int rc;

	if (c->role != KB_PUB || !c->opts.ack)
		return c->down ? -ENOTCONN : 0;
	rc = amqp__wait_confirms(c, 0, timeout_ms);
	if (!rc && c->st.failed) {
		kb__conn_seterr(c, "amqp: broker rejected %llu messages (basic.nack)", (unsigned long long)c->st.failed);
		return -EIO;
	}
	return rc;
}

static void amqp__stats(struct kb_conn *c, struct kb_stats *st)
{
	*st = c->st;
}

static void amqp__close(struct kb_conn *c)
{
	if (!c)
		return;
	if (!c->down) {
		if (c->role == KB_SUB || c->opts.purge) {
			amqp_queue_delete(c->conn, 1, amqp_cstring_bytes(c->queue), 0, 0);
			amqp_get_rpc_reply(c->conn);
		}
		amqp_channel_close(c->conn, 1, AMQP_REPLY_SUCCESS);
		amqp_connection_close(c->conn, AMQP_REPLY_SUCCESS);
	}
	amqp_destroy_connection(c->conn);
	free(c->single);
	free(c->queue);
	free(c);
}

const struct kb_backend kb_backend_amqp = {
	.name = "amqp",
	.networked = true,
	.open = amqp__open,
	.publish = amqp__publish,
	.poll = amqp__poll,
	.flush = amqp__flush,
	.stats = amqp__stats,
	.close = amqp__close,
};
