// Gives back to the system the memory malloc keeps after a burst of requests.
// gRPC's threads allocate from malloc arenas of their own, and glibc returns
// the free pages inside an arena only on malloc_trim(): without it the
// daemon's RSS stays at its peak after every load. A core-thread timer checks
// RSS every `period` and trims once it grew by `slack` since the last trim,
// which bounds RSS at its post-trim level + `slack` between checks.
// Core thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "daemon/runtime/event_loop.h"

namespace goprod::runtime {

class MemoryTrim {
public:
    MemoryTrim(EventLoop& loop, std::chrono::milliseconds period, std::size_t slack);
    MemoryTrim(const MemoryTrim&) = delete;
    MemoryTrim& operator=(const MemoryTrim&) = delete;

    // Starts the checks (core thread, or before the loop runs).
    void start();
    // One check: trims if RSS grew by more than `slack` since the last trim.
    // The timer runs it every `period` (and schedules the next); tests call it.
    void check();
    std::uint64_t trims() const { return trims_; }

private:
    void checkAndReschedule();

    EventLoop& loop_;
    std::chrono::milliseconds period_;
    std::size_t slack_;
    std::size_t baseline_ = 0;  // RSS after the last trim (or at start)
    std::uint64_t trims_ = 0;
};

// The resident set size of this process, in bytes (0 if /proc cannot tell).
std::size_t residentBytes();

// Caps glibc's malloc arenas; call before any thread starts. Each of gRPC's
// threads would otherwise take an arena of its own (up to 8 per core) and keep
// free pages scattered across them: after a load, RSS came back 2.7 MiB above
// its earlier level with the default and 1.1 MiB with two arenas, at the same
// throughput (bench/daemon_bench.py).
void limitMallocArenas(int arenas);

}  // namespace goprod::runtime
