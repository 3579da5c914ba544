#include "daemon/runtime/memory_trim.h"

#include <cstdio>

#include <malloc.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace goprod::runtime {

std::size_t residentBytes() {
    std::FILE* statm = std::fopen("/proc/self/statm", "re");
    if (statm == nullptr) return 0;
    unsigned long size = 0;
    unsigned long resident = 0;
    const int read = std::fscanf(statm, "%lu %lu", &size, &resident);
    std::fclose(statm);
    if (read != 2) return 0;
    return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

void limitMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

MemoryTrim::MemoryTrim(EventLoop& loop, std::chrono::milliseconds period, std::size_t slack)
    : loop_(loop), period_(period), slack_(slack), baseline_(residentBytes()) {}

void MemoryTrim::start() {
    loop_.at(loop_.now() + period_, [this] { checkAndReschedule(); });
}

void MemoryTrim::checkAndReschedule() {
    check();
    loop_.at(loop_.now() + period_, [this] { checkAndReschedule(); });
}

void MemoryTrim::check() {
    const std::size_t now = residentBytes();
    if (now > baseline_ + slack_) {
        malloc_trim(0);
        baseline_ = residentBytes();
        ++trims_;
        spdlog::debug("memory: RSS {} KiB, {} KiB after malloc_trim", now / 1024, baseline_ / 1024);
    }
}

}  // namespace goprod::runtime
