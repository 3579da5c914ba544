// What both clients of the daemon benchmark measure the same way: latency
// percentiles and the CPU time the process has used.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <sys/resource.h>

namespace goprod::bench {

// The p-th percentile (0..100) of `values`, nearest rank; 0 for none.
inline double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<std::size_t>(p / 100 * (values.size() - 1) + 0.5))];
}

// User + system CPU seconds of this process so far.
inline double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace goprod::bench
