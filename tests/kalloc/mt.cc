// SPDX-License-Identifier: MIT
// mt: a multi-threaded C++ program for the "unchanged behaviour" tests.
// Eight threads build maps of strings and vectors and hand results to the
// main thread through a mutex-protected queue; prints a deterministic
// checksum, so its output with and without the preload must be identical.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

static std::mutex mu;
static std::vector<std::unique_ptr<std::string>> results;

static void work(int id)
{
	std::map<std::string, std::vector<uint64_t>> m;
	for (int i = 0; i < 20000; i++) {
		std::string k = "k" + std::to_string((i * 7919 + id) % 513);
		m[k].push_back(static_cast<uint64_t>(i) * 2654435761u);
		if (m[k].size() > 16)
			m[k].erase(m[k].begin());
	}
	uint64_t h = 1469598103934665603ull;
	for (auto &kv : m)
		for (auto v : kv.second)
			h = (h ^ v) * 1099511628211ull;
	auto s = std::make_unique<std::string>(std::to_string(id) + ":" + std::to_string(h));
	std::lock_guard<std::mutex> g(mu);
	results.push_back(std::move(s));
}

int main()
{
	std::vector<std::thread> th;
	for (int i = 0; i < 8; i++)
		th.emplace_back(work, i);
	for (auto &t : th)
		t.join();
	std::map<std::string, int> sorted;
	for (auto &r : results)
		sorted[*r] = 1;
	for (auto &kv : sorted)
		std::printf("%s\n", kv.first.c_str());
	return 0;
}
