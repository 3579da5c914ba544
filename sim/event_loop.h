// The simulator's single-threaded event loop: its D-Bus connections' fds, a
// timer heap and SIGINT/SIGTERM, multiplexed with poll(2). Every handler and
// every timer runs on the thread that calls run(); nothing else is threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <sdbus-c++/IConnection.h>

#include "sim/scheduler.h"

namespace goprod::sim {

class EventLoop final : public Scheduler {
public:
    explicit EventLoop(std::vector<sdbus::IConnection*> connections);
    ~EventLoop() override;
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) override;
    void cancel(TimerId id) override;
    std::chrono::system_clock::time_point now() const override;
    std::chrono::steady_clock::time_point monotonicNow() const override { return Clock::now(); }

    // Runs until SIGINT/SIGTERM or stop(); returns the signal number (0 for
    // stop()). May be called again, e.g. to finish a clean shutdown.
    int run();
    void stop() { stopping_ = true; }

private:
    using Clock = std::chrono::steady_clock;
    struct Key {
        Clock::time_point due;
        TimerId id;
        bool operator<(const Key& other) const { return due != other.due ? due < other.due : id < other.id; }
    };

    void runDueTimers();

    std::vector<sdbus::IConnection*> connections_;
    std::map<Key, std::function<void()>> timers_;
    std::map<TimerId, Key> keys_;
    TimerId nextId_ = 1;
    int signalFd_ = -1;
    bool stopping_ = false;
};

}  // namespace goprod::sim
