/* SPDX-License-Identifier: MIT */
/*
 * kb-mockcluster: runs librdkafka's mock Kafka cluster (rdkafka_mock.h) on
 * loopback in its own process, so its CPU is not charged to the client
 * under test. Prints the bootstrap address on the first line of stdout,
 * then serves one command per line on stdin:
 *   topic NAME PARTITIONS   create a topic (replies "ok" or "error: ...")
 * and exits when stdin closes or on SIGTERM/SIGINT.
 * Usage: kb-mockcluster [--brokers N]
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv)
{
	char errstr[512], line[512];
	int nbrokers = 1;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
			nbrokers = atoi(argv[++i]);
			if (nbrokers < 1 || nbrokers > 16) {
				fprintf(stderr, "kb-mockcluster: --brokers: expected 1..16\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: kb-mockcluster [--brokers N]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "kb-mockcluster: %s\n", errstr);
		return 2;
	}
	mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (!mc) {
		fprintf(stderr, "kb-mockcluster: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 2;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char name[256];
		int parts;

		if (sscanf(line, "topic %255s %d", name, &parts) == 2 && parts > 0 && parts <= 1024) {
			rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts, 1);

			if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
				printf("error: %s\n", rd_kafka_err2str(err));
			else
				printf("ok\n");
		} else {
			printf("error: unknown command\n");
		}
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
