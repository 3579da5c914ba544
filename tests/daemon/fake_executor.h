// A deterministic core::Executor for unit tests: time stands still until the
// test advances it; posted work runs only when the test asks (runPosted(),
// drain(), advance()); due timers run in (due time, creation) order, each
// followed by the work it posted, including timers created within the
// advanced window. Test code only, one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <utility>

#include "daemon/core/executor.h"

namespace goprod::core::test {

class FakeExecutor final : public Executor {
public:
    // A fixed, arbitrary steady-clock instant: far from zero so that "deadline
    // zero" and "a second ago" are ordinary values.
    static constexpr Clock::time_point kStart = Clock::time_point{std::chrono::hours{1000}};

    FakeExecutor() = default;
    FakeExecutor(const FakeExecutor&) = delete;
    FakeExecutor& operator=(const FakeExecutor&) = delete;

    void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

    TimerId at(Clock::time_point when, std::function<void()> fn) override {
        const TimerId id = nextId_++;
        timers_.emplace(Key{when, id}, std::move(fn));
        due_.emplace(id, when);
        return id;
    }

    void cancel(TimerId id) override {
        wallDue_.erase(id);
        auto it = due_.find(id);
        if (it == due_.end()) return;
        timers_.erase(Key{it->second, id});
        due_.erase(it);
    }

    Clock::time_point now() const override { return now_; }

    // issue 17: the wall clock reads kWallStart at kStart and moves with the steady
    // clock, until stepWallClock() sets it elsewhere.
    static constexpr WallClock::time_point kWallStart = WallClock::time_point{std::chrono::seconds{1'700'000'000}};
    WallClock::time_point wallNow() const override {
        return kWallStart + std::chrono::duration_cast<WallClock::duration>(now_ - kStart) + wallStep_;
    }
    // A wall timer is a steady one at the instant the wall clock reaches `when`;
    // stepWallClock() moves it.
    TimerId atWall(WallClock::time_point when, std::function<void()> fn) override {
        const TimerId id = nextId_++;
        const auto due = steadyAt(when);
        timers_.emplace(Key{due, id}, std::move(fn));
        due_.emplace(id, due);
        wallDue_.emplace(id, when);
        return id;
    }
    // Steps the wall clock by `by` (a time daemon setting it), as the kernel does for
    // CLOCK_REALTIME timers: those not yet due run when the stepped clock reaches them.
    void stepWallClock(WallClock::duration by) {
        wallStep_ += by;
        for (const auto& [id, when] : wallDue_) {
            const auto old = due_.at(id);
            auto node = timers_.extract(Key{old, id});
            node.key().due = std::max(now_, steadyAt(when));
            due_[id] = node.key().due;
            timers_.insert(std::move(node));
        }
    }

    // Runs posted work, including work posted meanwhile, until none is left.
    // Returns how many functions ran.
    std::size_t runPosted() {
        std::size_t ran = 0;
        while (!posted_.empty()) {
            auto fn = std::move(posted_.front());
            posted_.pop_front();
            run(fn);
            ++ran;
        }
        return ran;
    }

    // Runs posted work and timers due now (or earlier) until nothing is left to
    // do without moving the clock.
    void drain() {
        for (;;) {
            runPosted();
            if (timers_.empty() || timers_.begin()->first.due > now_) return;
            runFirstTimer();
        }
    }

    // Moves the clock forward, running on the way every timer that falls due
    // (the clock reads the timer's due time while it runs) and the work each
    // one posts.
    void advance(Clock::duration by) {
        const auto target = now_ + by;
        drain();
        while (!timers_.empty() && timers_.begin()->first.due <= target) {
            now_ = std::max(now_, timers_.begin()->first.due);
            runFirstTimer();
            runPosted();
        }
        now_ = target;
        drain();
    }

    std::size_t pendingTimers() const { return timers_.size(); }
    std::size_t pendingPosted() const { return posted_.size(); }
    // Whether a callback of this executor is running (for "runs from the executor" checks).
    bool running() const { return depth_ > 0; }

private:
    struct Key {
        Clock::time_point due;
        TimerId id;
        bool operator<(const Key& other) const { return due != other.due ? due < other.due : id < other.id; }
    };

    void runFirstTimer() {
        auto node = timers_.extract(timers_.begin());
        due_.erase(node.key().id);
        wallDue_.erase(node.key().id);
        run(node.mapped());
    }

    Clock::time_point steadyAt(WallClock::time_point when) const {
        return now_ + std::chrono::duration_cast<Clock::duration>(when - wallNow());
    }

    void run(std::function<void()>& fn) {
        ++depth_;
        fn();
        --depth_;
    }

    Clock::time_point now_ = kStart;
    std::deque<std::function<void()>> posted_;
    std::map<Key, std::function<void()>> timers_;
    std::map<TimerId, Clock::time_point> due_;
    std::map<TimerId, WallClock::time_point> wallDue_;  // the wall timers among them
    WallClock::duration wallStep_{0};
    TimerId nextId_ = 1;  // 0 stays free for "no timer"
    int depth_ = 0;
};

}  // namespace goprod::core::test
