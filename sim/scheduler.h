// The simulator's clock and timers, as an interface so that the camera model
// runs on the D-Bus layer's poll loop in goprod-sim and on a fake, manually
// advanced clock in unit tests. Single-threaded: implementations and callers
// live on the one thread that runs the loop; callbacks run on it too, never
// from inside after().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace goprod::sim {

class Scheduler {
public:
    virtual ~Scheduler() = default;

    using TimerId = std::uint64_t;

    // Runs fn once, delay from now (0 means "on the next loop iteration").
    // Timers due at the same time run in the order they were created.
    virtual TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
    // Harmless for a timer that already ran or was cancelled.
    virtual void cancel(TimerId id) = 0;
    // Wall-clock time, the camera's idea of "now" (fake in tests).
    virtual std::chrono::system_clock::time_point now() const = 0;
    // Monotonic time, for ordering and delays: unaffected by wall-clock steps.
    virtual std::chrono::steady_clock::time_point monotonicNow() const = 0;
};

}  // namespace goprod::sim
