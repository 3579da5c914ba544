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
    // Harmless for a timer that already ran or was cancelled (either kind).
    virtual void cancel(TimerId id) = 0;
    virtual Clock::time_point now() const = 0;

    // issue 17: timers against the wall clock, for instants a user gives (a planned
    // start): fn runs when the wall clock reaches `when`, also after the clock was
    // stepped meanwhile (a time daemon correcting it), which a steady-clock timer
    // converted once would not follow.
    using WallClock = std::chrono::system_clock;
    virtual TimerId atWall(WallClock::time_point when, std::function<void()> fn) = 0;
    virtual WallClock::time_point wallNow() const = 0;
};

}  // namespace goprod::core
