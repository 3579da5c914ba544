// The connection scheduler: one connection attempt at a time per adapter
// (controllers and BlueZ fail parallel LE connection attempts), the earliest
// due camera first, and a timer for when the next one falls due. The registry
// says which adapters are usable and which cameras want a connection (each
// camera keeps its own backoff: Camera::nextAttemptAt()); the scheduler
// decides which attempts start now and remembers which adapter is busy.
// Core thread only.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/bluez_port.h"
#include "daemon/core/executor.h"

namespace goprod::core {

class ConnectionScheduler {
public:
    using TimePoint = Executor::Clock::time_point;

    // A camera that wants a connection: through which adapter, from when.
    struct Candidate {
        std::string_view identifier;
        std::string_view adapter;
        TimePoint due;
        int priority = 0;  // issue 16: higher first among the due ones
    };

    // `wake` runs when the earliest attempt not started falls due: the caller plans again.
    ConnectionScheduler(Executor& executor, std::function<void()> wake);
    ~ConnectionScheduler();
    ConnectionScheduler(const ConnectionScheduler&) = delete;
    ConnectionScheduler& operator=(const ConnectionScheduler&) = delete;

    // The candidates (positions in `candidates`) whose attempt starts now, in
    // adapter order: on each free adapter of `adapters` (those usable now), its
    // due candidate of the highest priority, the earliest due among equals. Their adapters are busy until settled().
    // The timer is armed for the earliest of the others.
    std::vector<std::size_t> plan(const std::vector<std::string_view>& adapters,
                                  const std::vector<Candidate>& candidates);
    // The camera's attempt is over (or the camera is gone): its adapter is free.
    void settled(std::string_view identifier);
    void adapterRemoved(const ObjectPath& adapter);
    // BlueZ went away: no attempt runs, none is due.
    void reset();

    // The camera connecting through `adapter`; empty when it is free.
    std::string_view attemptOn(std::string_view adapter) const;
    bool timerArmed() const { return timer_ != 0; }

private:
    void cancelTimer();

    Executor& executor_;
    std::function<void()> wake_;
    std::map<ObjectPath, std::string, std::less<>> attemptOn_;  // adapter → the camera it is connecting
    Executor::TimerId timer_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace goprod::core
