// SPDX-License-Identifier: MIT
// Corpus: C++ new[] of 25 ints (100 bytes) and new of a 24-byte object,
// leaked; a std::vector and std::string that are destroyed are not.
#include <string>
#include <vector>
#include "corpus.h"

struct Obj {
	long a, b, c;
};

// New-expressions may be elided when their result is unused: publish each
// pointer through a volatile global, then drop it.
void *volatile sink;

static NOINLINE void leak_new_array()
{
	sink = new int[25];
	sink = nullptr;
}

static NOINLINE void leak_new_object()
{
	sink = new Obj{1, 2, 3};
	sink = nullptr;
}

static NOINLINE void no_leak_containers()
{
	std::vector<std::string> v;
	for (int i = 0; i < 100; i++)
		v.push_back(std::string(40, 'a' + i % 26));
	delete new Obj{4, 5, 6};
	delete[] new char[1000];
}

int main()
{
	leak_new_array();
	leak_new_object();
	no_leak_containers();
	SCRUB();
	return 0;
}
