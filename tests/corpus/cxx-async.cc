// SPDX-License-Identifier: MIT
// cxx-async: std::thread, std::async, futures carrying exceptions,
// containers and strings built and freed across threads. The output does
// not depend on timing.
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static long work(int id)
{
	std::map<std::string, std::vector<int>> m;
	for (int i = 0; i < 2000; i++)
		m["key" + std::to_string(i % 97)].push_back(i * id);
	if (id % 3 == 0)
		throw std::runtime_error("task " + std::to_string(id) + " failed");
	long s = 0;
	for (auto &kv : m)
		s += (long)kv.second.size();
	return s;
}

int main()
{
	std::vector<std::future<long>> fs;
	for (int i = 1; i <= 8; i++)
		fs.push_back(std::async(std::launch::async, work, i));
	long total = 0;
	int failed = 0;
	for (auto &f : fs) {
		try {
			total += f.get();
		} catch (const std::exception &e) {
			failed++;
			std::cerr << "caught: " << e.what() << "\n";
		}
	}
	std::mutex mu;
	std::vector<std::unique_ptr<std::string>> shared;
	std::vector<std::thread> ts;
	for (int t = 0; t < 4; t++)
		ts.emplace_back([&, t] {
			for (int i = 0; i < 500; i++) {
				auto p = std::make_unique<std::string>(100 + i, (char)('a' + t));
				std::lock_guard<std::mutex> g(mu);
				shared.push_back(std::move(p));
			}
		});
	for (auto &t : ts)
		t.join();
	shared.clear(); // freed on another thread than the one that allocated
	std::cout << "total " << total << " failed " << failed << "\n";
	try {
		std::vector<int> v(4);
		(void)v.at(10);
	} catch (const std::out_of_range &) {
		std::cout << "out_of_range caught\n";
	}
	return 0;
}
