// SPDX-License-Identifier: MIT
// cpuburn: a small C++ program that burns CPU in named places, for the
// analyzer's tests: a namespaced function, a template, a static C-style
// function and an inlined helper. Run under gperftools' libprofiler.so
// (CPUPROFILE=out.prof LD_PRELOAD=libprofiler.so cpuburn [seconds]) it makes
// the legacy-format profiles of tests/kprof/golden/ and the live
// symbolization test.
#include <chrono>
#include <cstdio>
#include <cstdlib>

static volatile unsigned long kb_sink;

// Named functions must survive -O2: no inlining, no cloning, no closed
// forms for the loops (each step depends on the previous one non-linearly).
#if defined(__clang__)
#define BURN_FN __attribute__((noinline))
#else
#define BURN_FN __attribute__((noinline, noclone))
#endif

namespace broker {
template <typename T> struct Codec {
	BURN_FN static T encode(T seed, int n)
	{
		T h = seed;
		for (int i = 0; i < n; i++)
			h = (h ^ (T)i) * (T)1099511628211ull;
		return h;
	}
};

BURN_FN unsigned long route_message(int n)
{
	unsigned long h = 7;
	for (int i = 0; i < n; i++)
		h = h * 31 + ((unsigned long)i ^ (h >> 7));
	return h + Codec<unsigned long>::encode(h, n / 4);
}
} // namespace broker

extern "C" {
BURN_FN static unsigned long checksum_static(int n)
{
	unsigned long s = 0;
	for (int i = 0; i < n; i++)
		s = (s ^ (s >> 13)) * 2654435761u + (unsigned long)i;
	return s;
}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
	while (std::chrono::steady_clock::now() < end) {
		kb_sink += broker::Codec<unsigned long>::encode(kb_sink, 200000);
		kb_sink += broker::route_message(100000);
		kb_sink += checksum_static(100000);
	}
	std::printf("%lu\n", kb_sink & 1);
	return 0;
}
