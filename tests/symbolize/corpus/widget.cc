// SPDX-License-Identifier: MIT
// Inline-chain corpus, C++: a std::string built in a constructor (the
// basic_string constructor and Widget::Widget inlined into make_widget),
// a class template whose member calls std::vector::push_back (allocator
// chains a dozen deep), std::sort with a lambda, std::map, make_shared.
// Built at -O2 and -O3 by g++ and clang++.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Widget {
	std::string name;
	int id;
	Widget(const char *n, int i) : name(n), id(i) {}
};

template <typename T> struct Box {
	std::vector<T> items;
	void add(const T &x) { items.push_back(x); }
	size_t size() const { return items.size(); }
};

// Never freed, so the widgets stay reachable at exit (a global vector's
// destructor would free its buffer before the leak check and make them
// leaks); only `leaked` and its name are lost.
std::vector<Widget *> *widgets = new std::vector<Widget *>;
Widget *volatile leaked;

__attribute__((noinline)) Widget *make_widget(const char *name, int id)
{
	return new Widget(name, id);
}

__attribute__((noinline)) size_t fill_box(int n)
{
	Box<std::string> b;
	for (int i = 0; i < n; i++)
		b.add(std::string(40 + i, 'a' + i % 26));
	return b.size();
}

__attribute__((noinline)) long sort_and_count(int n)
{
	std::vector<std::pair<int, std::string>> v;
	for (int i = 0; i < n; i++)
		v.emplace_back((i * 7919) % n, std::to_string(i) + " a string long enough for the heap");
	std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
	std::map<std::string, int> m;
	for (auto &e : v)
		m[e.second] += e.first;
	auto sp = std::make_shared<std::vector<int>>(n, 3);
	return (long)m.size() + (long)sp->size();
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 1;
	long s = 0;

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 5; i++)
			widgets->push_back(make_widget("a widget name that does not fit in the small buffer", i));
		leaked = make_widget("a leaked widget whose name is long enough for the heap", 99);
		s += (long)fill_box(20);
		s += sort_and_count(300);
	}
	leaked = nullptr;
	std::printf("%ld %zu\n", s, widgets->size());
	return 0;
}
