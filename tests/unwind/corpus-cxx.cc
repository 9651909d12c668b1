// SPDX-License-Identifier: MIT
// corpus-cxx: the C++ program of the unwinder comparison (see harness.h and
// compare.sh). Exceptions thrown through several frames and caught a few
// frames up, with points in the destructors that run while the exception
// unwinds (the walk then crosses libgcc's unwinder and libstdc++'s
// personality routine), in catch blocks and after a rethrow; std::sort
// and std::map with lambda comparators, std::function, virtual calls,
// std::thread; then the same under the asynchronous sampler (with fewer
// throws: libgcc's unwinder and libstdc++ still get a good share).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;
static thread_local bool points_on = true;
static thread_local unsigned tick;

static void maybe_point(unsigned every)
{
	if (points_on && ++tick % every == 0)
		uw_point();
}

struct Guard {
	int v;
	explicit Guard(int x) : v(x) {}
	~Guard()
	{
		sink += (unsigned long)v;
		maybe_point(3); // runs during unwinding too
	}
};

struct Oops : std::runtime_error {
	int depth;
	Oops(const char *w, int d) : std::runtime_error(w), depth(d) {}
};

NOINLINE static int thrower(int d, int at)
{
	Guard g(d);
	std::string s(32, 'a' + d % 26);

	if (d == at)
		throw Oops("oops", d);
	return thrower(d + 1, at) + (int)s.size();
}

NOINLINE static int catcher(int at)
{
	try {
		return thrower(0, at);
	} catch (const Oops &e) {
		maybe_point(2);
		return e.depth;
	}
}

NOINLINE static int rethrower(int at)
{
	try {
		Guard g(at);
		return catcher(at) + thrower(0, at);
	} catch (...) {
		maybe_point(2);
		throw;
	}
}

NOINLINE static int outer(int at)
{
	try {
		return rethrower(at);
	} catch (const std::exception &e) {
		maybe_point(1);
		return (int)std::string(e.what()).size();
	}
}

struct Shape {
	virtual ~Shape() = default;
	virtual double area(int k) const = 0;
};
struct Sq : Shape {
	double s;
	explicit Sq(double x) : s(x) {}
	NOINLINE double area(int k) const override
	{
		maybe_point(5);
		return s * s + k;
	}
};
struct Circ : Shape {
	double r;
	explicit Circ(double x) : r(x) {}
	NOINLINE double area(int k) const override
	{
		if (k % 7 == 0)
			throw std::out_of_range("k");
		return 3.14159 * r * r + k;
	}
};

NOINLINE static double shapes(int n)
{
	std::vector<std::unique_ptr<Shape>> v;
	double t = 0;

	for (int i = 0; i < n; i++)
		v.push_back(i % 2 ? std::unique_ptr<Shape>(new Sq(i)) : std::unique_ptr<Shape>(new Circ(i)));
	for (int i = 0; i < n; i++) {
		try {
			t += v[(size_t)i]->area(i);
		} catch (const std::out_of_range &) {
			maybe_point(1);
		}
	}
	return t;
}

NOINLINE static void containers(int n, unsigned seed)
{
	std::vector<int> v((size_t)n);
	std::map<std::string, int, std::function<bool(const std::string &, const std::string &)>> m(
		[](const std::string &a, const std::string &b) {
			maybe_point(13);
			return a < b;
		});

	for (auto &x : v)
		x = (int)(seed = seed * 1103515245u + 12345u) % 10000;
	std::sort(v.begin(), v.end(), [](int a, int b) {
		maybe_point(17);
		return a < b;
	});
	for (int i = 0; i < n / 4; i++)
		m[std::to_string(v[(size_t)i])] += i;
	sink += m.size();
}

NOINLINE static int recurse(int d)
{
	volatile int keep = d;

	if (d == 0) {
		uw_point();
		return 0;
	}
	return recurse(d - 1) + keep;
}

// throws: every round throws through outer() (else one in four rounds:
// under the sampler, code that does little but throw would spend most of
// its time in libgcc's unwinder).
static void work(int rounds, unsigned seed, bool throws = true)
{
	for (int r = 0; r < rounds; r++) {
		for (int at = 1; at < 8 && (throws || (seed + (unsigned)r) % 4 == 0); at++)
			sink += (unsigned long)outer(at);
		sink += (unsigned long)shapes(60);
		containers(500, seed + (unsigned)r);
		sink += (unsigned long)recurse(50 + r % 200);
	}
}

static void thread_main(unsigned seed)
{
	uw_thread_start();
	work(3 * uw_scale(), seed);
	uw_async_begin();
	points_on = false;
	for (int r = 0; !uw_async_done(400 * uw_scale()) && r < 100000; r++)
		work(1, seed + (unsigned)r, false);
	uw_async_end();
}

int main()
{
	uw_init();
	work(8 * uw_scale(), 1);
	{
		std::vector<std::thread> t;

		for (unsigned i = 0; i < 3; i++)
			t.emplace_back(thread_main, 100 + i);
		for (auto &x : t)
			x.join();
	}
	uw_async_begin();
	points_on = false;
	for (int r = 0; !uw_async_done(1000 * uw_scale()) && r < 100000; r++)
		work(1, 7u + (unsigned)r, false);
	points_on = true;
	uw_async_end();
	return uw_finish();
}
