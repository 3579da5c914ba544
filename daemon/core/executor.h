// Deferred work and time on the core thread. The daemon runs one real
// executor; unit tests use a deterministic fake with a manual clock.
// Every method is called on the core thread, and callbacks run there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace goprod::core {

class Executor {
public:
    using Clock = std::chrono::steady_clock;
    using TimerId = std::uint64_t;

    virtual ~Executor() = default;
    // Runs fn after the current callback returns (never inside post()).
    virtual void post(std::function<void()> fn) = 0;
    // Runs fn at `when` (or as soon as possible if it is past); same-time timers run in order.
    virtual TimerId at(Clock::time_point when, std::function<void()> fn) = 0;
    // Harmless for a timer that already ran or was cancelled.
    virtual void cancel(TimerId id) = 0;
    virtual Clock::time_point now() const = 0;
};

}  // namespace goprod::core
