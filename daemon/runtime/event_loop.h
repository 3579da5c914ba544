// The daemon's core thread: one thread runs run(), which multiplexes with
// poll(2) the D-Bus connection (processed here, not by an sdbus-c++ thread),
// a timer heap, wall-clock timers (one CLOCK_REALTIME timerfd armed for the
// earliest) and work posted from other threads. Every callback (posted
// work, timers, D-Bus handlers and replies) runs on that thread, so the code
// it drives needs no locks.
//
// Threading: post(), stop() and onLoopThread() from any thread; stop() is also
// async-signal-safe (an atomic store and a write(2) to an eventfd), so a
// SIGTERM handler may call it. at(), cancel(), attach(), detach() and
// onConnectionLost() on the loop thread, or while run() is not running.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/core/executor.h"

namespace sdbus {
class IConnection;
}

namespace goprod::runtime {

class EventLoop final : public core::Executor {
public:
    EventLoop();  // throws std::system_error when no eventfd can be made
    ~EventLoop() override;
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // The connection is made after the loop (it is attached to it), so it is
    // attached later. The loop only polls and processes it; its owner keeps it
    // alive until detach() or until the loop is destroyed.
    void attach(sdbus::IConnection& connection);
    void detach();
    // Runs on the loop thread when processing the connection fails (the bus
    // went away); the connection is already detached. Without a handler the
    // loop logs the failure and stops.
    void onConnectionLost(std::function<void(const std::string& reason)> handler);

    // core::Executor. post() is the only one safe from other threads. Work
    // that has not run when the loop stops never runs (it is destroyed with
    // the loop, on the thread that destroys it).
    void post(std::function<void()> fn) override;
    TimerId at(Clock::time_point when, std::function<void()> fn) override;
    void cancel(TimerId id) override;
    Clock::time_point now() const override { return Clock::now(); }
    TimerId atWall(WallClock::time_point when, std::function<void()> fn) override;
    WallClock::time_point wallNow() const override { return WallClock::now(); }

    // Runs until stop(); a stop() before run() makes it return at once. A
    // stopped loop stays stopped. Exceptions thrown by callbacks are logged
    // and swallowed: one failing callback must not stop the daemon. Throws
    // std::system_error only if poll(2) itself fails.
    void run();
    void stop() noexcept;
    bool onLoopThread() const { return loopThread_.load() == std::this_thread::get_id(); }

private:
    // A timer's place in its map: by due time, then in the order timers were set.
    template <class TimePoint>
    struct DueKey {
        TimePoint due;
        TimerId id;
        bool operator<(const DueKey& other) const { return due != other.due ? due < other.due : id < other.id; }
    };
    using Key = DueKey<Clock::time_point>;
    using WallKey = DueKey<WallClock::time_point>;  // issue 17

    void processConnection();
    void runDueTimers();
    void runDueWallTimers();
    void armWallTimer();  // the timerfd for the earliest wall timer, or disarmed
    void runPosted();
    void wait();
    void wake() noexcept;

    int eventFd_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<std::thread::id> loopThread_{};

    std::mutex mutex_;  // guards posted_
    std::deque<std::function<void()>> posted_;

    std::map<Key, std::function<void()>> timers_;
    std::map<TimerId, Clock::time_point> due_;
    // issue 17: the wall-clock timers, and the timerfd the kernel fires when the
    // wall clock reaches the earliest (stepped or not).
    std::map<WallKey, std::function<void()>> wallTimers_;
    std::map<TimerId, WallClock::time_point> wallDue_;
    int wallFd_ = -1;
    bool wallFired_ = false;  // the last poll found the timerfd readable
    TimerId nextId_ = 1;

    sdbus::IConnection* connection_ = nullptr;
    std::function<void(const std::string&)> connectionLost_;
};

}  // namespace goprod::runtime
