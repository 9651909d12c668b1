// SPDX-License-Identifier: MIT
// goprof: writes the Go-made golden profiles of tests/kprof/golden/
// (go.cpu.pb.gz with runtime/pprof's CPU profiler, go.heap.pb.gz with its
// heap profiler; with a second argument "b", go.cpu.b.pb.gz with the
// work shifted from encodeMessages to routeMessages, for diff tests).
// Run once by hand; the outputs are committed:
//   GO111MODULE=off GOCACHE=/tmp/gocache go run goprof.go OUTDIR [b]
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var sink []byte

//go:noinline
func hashLoop(n int) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < n; i++ {
		h = (h ^ uint64(i)) * 1099511628211
	}
	return h
}

//go:noinline
func encodeMessages(d time.Duration) uint64 {
	var s uint64
	for end := time.Now().Add(d); time.Now().Before(end); {
		s += hashLoop(20000)
	}
	return s
}

//go:noinline
func allocMessages(d time.Duration) int {
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		sink = make([]byte, 4096)
		n++
	}
	return n
}

//go:noinline
func routeMessages(d time.Duration) uint64 {
	return encodeMessages(d/2) + hashLoop(1000)
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: goprof OUTDIR [b]")
		os.Exit(2)
	}
	dir := os.Args[1]
	variant := len(os.Args) == 3 && os.Args[2] == "b"
	enc, route, cpuName := 600*time.Millisecond, 600*time.Millisecond, "/go.cpu.pb.gz"
	if variant {
		enc, route, cpuName = 200*time.Millisecond, 1200*time.Millisecond, "/go.cpu.b.pb.gz"
	}
	runtime.MemProfileRate = 4096
	f, err := os.Create(dir + cpuName)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	s := encodeMessages(enc)
	s += routeMessages(route)
	n := allocMessages(300 * time.Millisecond)
	pprof.StopCPUProfile()
	f.Close()
	if variant {
		fmt.Println(s != 0, n > 0)
		return
	}
	h, err := os.Create(dir + "/go.heap.pb.gz")
	if err != nil {
		panic(err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(h); err != nil {
		panic(err)
	}
	h.Close()
	fmt.Println(s != 0, n > 0)
}
