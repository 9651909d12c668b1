// SPDX-License-Identifier: MIT
// Corpus: a C++ program with standard containers and iostreams, no leaks.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "corpus.h"

static std::map<std::string, std::vector<int>> registry;

int main()
{
	for (int i = 0; i < 200; i++)
		registry["key" + std::to_string(i % 17)].push_back(i);
	auto shared = std::make_shared<std::string>(100, 'z');
	std::unique_ptr<int[]> arr(new int[50]);
	size_t total = 0;
	for (auto &kv : registry)
		total += kv.second.size();
	std::cout << "entries " << registry.size() << " values " << total << " " << shared->size() << std::endl;
	SCRUB();
	return 0;
}
