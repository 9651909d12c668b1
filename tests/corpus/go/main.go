// SPDX-License-Identifier: MIT
// A Go program linked dynamically through cgo (so LD_PRELOAD reaches it):
// goroutines, the Go runtime's own signals (SIGURG preemption, its own
// SIGPROF handler only when profiling), and C allocations through cgo.
package main

/*
#include <stdlib.h>
#include <string.h>
static long cwork(int n) {
	long s = 0;
	for (int i = 0; i < n; i++) {
		char *p = malloc(64 + i % 100);
		memset(p, i, 64);
		s += p[0];
		free(p);
	}
	return s;
}
*/
import "C"

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	res := make([]int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			m := map[string]int{}
			for i := 0; i < 20000; i++ {
				m[fmt.Sprintf("k%d", i%500)] += i
			}
			res[g] = len(m) + int(C.cwork(C.int(2000)))%7
		}(g)
	}
	wg.Wait()
	words := strings.Fields(strings.Repeat("b a c ", 1000))
	sort.Strings(words)
	fmt.Println(res, words[0], words[len(words)-1])
}
