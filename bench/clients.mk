# SPDX-License-Identifier: MIT
# bench/clients.mk: cross-client comparison and connection benchmarks:
# kb-proxy (loopback TCP proxy that cuts connections on command),
# bench_connect (connect latency, recovery, memory per channel), the
# JavaScript drivers in clients/js and the `kprof clients` table.
bin_PROGRAMS += bench/kb-proxy
bench_kb_proxy_SOURCES = bench/kb-proxy.c
bench_kb_proxy_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
bench_kb_proxy_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install

# `kprof clients A.json B.json`: the C-vs-JS table (analyze/clients.c).
analyze_kprof_SOURCES += analyze/clients.c

# The JavaScript drivers: kb-js.js plus the npm packages it measures,
# installed with `npm ci` from the committed lock file into the build tree
# (clients/js/node_modules under the build directory; the drivers are run
# with NODE_PATH pointing there). Built for `make check` and by
# `make clients-js`; without npm the JavaScript tests say why they skip.
CLIENTS_JS_FILES = clients/js/kb-js.js clients/js/package.json clients/js/package-lock.json
EXTRA_DIST += $(CLIENTS_JS_FILES) clients/js/.gitignore doc/clients.md
clientsjsdir = $(pkgdatadir)/clients/js
dist_clientsjs_DATA = $(CLIENTS_JS_FILES)
check_SCRIPTS += clients/js/node_modules/.kprof-stamp
clients-js: clients/js/node_modules/.kprof-stamp
clients/js/node_modules/.kprof-stamp: $(srcdir)/clients/js/package.json $(srcdir)/clients/js/package-lock.json
	$(AM_V_GEN)if command -v npm >/dev/null 2>&1; then \
	  $(MKDIR_P) clients/js && \
	  if [ ! clients/js/package.json -ef $(srcdir)/clients/js/package.json ]; then \
	    cp $(srcdir)/clients/js/package.json $(srcdir)/clients/js/package-lock.json clients/js/; fi && \
	  if (cd clients/js && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >clients/js/npm.log 2>&1; then \
	    touch $@; else echo "clients-js: npm ci failed, see clients/js/npm.log" >&2; fi; \
	else echo "clients-js: npm not found; the JavaScript drivers are not installed" >&2; fi
clean-local: clients-js-clean
clients-js-clean:
	-rm -rf clients/js/node_modules clients/js/npm.log
	-if [ ! clients/js/package.json -ef $(srcdir)/clients/js/package.json ]; then \
	  rm -f clients/js/package.json clients/js/package-lock.json; fi
.PHONY: clients-js clients-js-clean
dist_man1_MANS += man/kb-proxy.1

# bench_connect: connection latency, recovery through kb-proxy, memory per
# channel. Links the drivers' backends (bench/libkbench.la) and, for the
# channel counts, the client libraries directly.
bin_PROGRAMS += bench/bench_connect
bench_bench_connect_SOURCES = bench/bench_connect.c bench/bench_connect.h bench/channels.c
bench_bench_connect_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(RDKAFKA_CFLAGS) $(RABBITMQ_CFLAGS)
bench_bench_connect_LDADD = bench/libkbench.la lib/libku.la $(RDKAFKA_LIBS) $(RABBITMQ_LIBS) $(PAHO_LIBS) -ldl -lm
bench_bench_connect_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
