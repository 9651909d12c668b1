# SPDX-License-Identifier: MIT
# bench/: the benchmark drivers over four backends (memory always; kafka,
# amqp, mqtt when configure found their client library), the message
# model, the Kafka mock-cluster helper and scripts/brokers.
# die() and the host object of result documents: every program of bench/
# (the drivers' library, kbench, bench_connect through the library).
KB_BASE_SOURCES = bench/die.h bench/die.c bench/host.h bench/host.c
noinst_LTLIBRARIES += bench/libkbench.la
bench_libkbench_la_SOURCES = \
	bench/backend.h bench/backend-internal.h bench/backend.c bench/conn.c bench/backend-memory.c \
	bench/message.h bench/message.c bench/router.h bench/router.c \
	bench/driver.h bench/driver.c bench/flags.h bench/flags.c bench/transport.h bench/transport.c \
	bench/messaging.h bench/messaging-internal.h bench/messaging.c \
	bench/producer.c bench/consumer.c bench/realtime.c bench/msglog.h bench/msglog.c \
	bench/core.h bench/core.c bench/result.h bench/result.c \
	bench/kalloc-glue.h bench/kalloc-glue.c $(KB_BASE_SOURCES)
KB_GIT_COMMIT_TEXT = $(shell cd '$(top_srcdir)' && git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
bench_libkbench_la_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/preload -DKB_GIT_COMMIT='"$(KB_GIT_COMMIT_TEXT)"' \
	-DKB_MOCKCLUSTER_PATH='"$(pkglibexecdir)/kb-mockcluster"'
bench_libkbench_la_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(RDKAFKA_CFLAGS) $(RABBITMQ_CFLAGS)
bench_libkbench_la_LIBADD = lib/libku.la -lm
if HAVE_KAFKA
bench_libkbench_la_SOURCES += bench/backend-kafka.c
bench_libkbench_la_LIBADD += $(RDKAFKA_LIBS)
pkglibexec_PROGRAMS = bench/kb-mockcluster
bench_kb_mockcluster_SOURCES = bench/kb-mockcluster.c
bench_kb_mockcluster_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(RDKAFKA_CFLAGS)
bench_kb_mockcluster_LDADD = $(RDKAFKA_LIBS)
bench_kb_mockcluster_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
endif
if HAVE_AMQP
bench_libkbench_la_SOURCES += bench/backend-amqp.c
bench_libkbench_la_LIBADD += $(RABBITMQ_LIBS)
endif
if HAVE_MQTT
bench_libkbench_la_SOURCES += bench/backend-mqtt.c
bench_libkbench_la_LIBADD += $(PAHO_LIBS)
endif

KB_DRIVER_LIBS = bench/libkbench.la
KB_DRIVER_LINKFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
bin_PROGRAMS += bench/bench_pub bench/bench_sub bench/bench_e2e bench/bench_core
bench_bench_pub_SOURCES = bench/bench_pub.c
bench_bench_pub_LDADD = $(KB_DRIVER_LIBS)
bench_bench_pub_LDFLAGS = $(KB_DRIVER_LINKFLAGS)
bench_bench_sub_SOURCES = bench/bench_sub.c
bench_bench_sub_LDADD = $(KB_DRIVER_LIBS)
bench_bench_sub_LDFLAGS = $(KB_DRIVER_LINKFLAGS)
bench_bench_e2e_SOURCES = bench/bench_e2e.c
bench_bench_e2e_LDADD = $(KB_DRIVER_LIBS)
bench_bench_e2e_LDFLAGS = $(KB_DRIVER_LINKFLAGS)
bench_bench_core_SOURCES = bench/bench_core.c
bench_bench_core_LDADD = $(KB_DRIVER_LIBS)
bench_bench_core_LDFLAGS = $(KB_DRIVER_LINKFLAGS)

dist_man1_MANS += man/bench_pub.1 man/bench_sub.1 man/bench_e2e.1 man/bench_core.1
# kbench finds it installed as $(pkgdatadir)/brokers
dist_pkgdata_SCRIPTS = scripts/brokers

# minimal client-library loops that bench/perf/baselines.sh compares
# bench_pub against (not installed)
EXTRA_DIST += bench/perf/baselines.sh bench/perf/features.sh bench/perf/history-stores.sh bench/perf/sdk.sh
# what a pinned real-time spinning thread loses to the platform (bounds
# bench_e2e --realtime tail latency)
noinst_PROGRAMS += bench/platform-noise
bench_platform_noise_SOURCES = bench/platform-noise.c
bench_platform_noise_LDADD = -lpthread
if HAVE_AMQP
noinst_PROGRAMS += bench/baseline-amqp
bench_baseline_amqp_SOURCES = bench/baseline-amqp.c
bench_baseline_amqp_CFLAGS = $(AM_CFLAGS) $(RABBITMQ_CFLAGS)
bench_baseline_amqp_LDADD = $(RABBITMQ_LIBS)
endif
if HAVE_MQTT
noinst_PROGRAMS += bench/baseline-mqtt
bench_baseline_mqtt_SOURCES = bench/baseline-mqtt.c
bench_baseline_mqtt_LDADD = $(PAHO_LIBS) -lpthread
endif
