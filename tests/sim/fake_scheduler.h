// A Scheduler for unit tests: time stands still until the test advances it,
// then due timers run in (due time, creation) order, including timers they
// create within the advanced window. Test code only, one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <utility>

#include "sim/scheduler.h"

namespace goprod::sim::test {

class FakeScheduler final : public Scheduler {
public:
    // 2024-04-04 13:00:00 UTC, tutorial 9's date, so that clock tests read naturally.
    FakeScheduler() : now_(std::chrono::sys_seconds{std::chrono::seconds{1712235600}}) {}

    TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        const TimerId id = nextId_++;
        timers_.emplace(Key{now_ + delay, id}, std::move(fn));
        return id;
    }

    void cancel(TimerId id) override {
        for (auto it = timers_.begin(); it != timers_.end(); ++it) {
            if (it->first.id == id) {
                timers_.erase(it);
                return;
            }
        }
    }

    std::chrono::system_clock::time_point now() const override { return now_; }
    std::chrono::steady_clock::time_point monotonicNow() const override {
        return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            now_.time_since_epoch()));
    }

    // Moves the clock forward, running every timer that falls due on the way.
    void advance(std::chrono::milliseconds by) {
        const auto target = now_ + by;
        while (!timers_.empty() && timers_.begin()->first.due <= target) {
            auto node = timers_.extract(timers_.begin());
            now_ = std::max(now_, node.key().due);
            node.mapped()();
        }
        now_ = target;
    }

    // Runs what is due now (latency 0 answers), without moving the clock.
    void runDue() { advance(std::chrono::milliseconds{0}); }

    std::size_t pending() const { return timers_.size(); }

private:
    struct Key {
        std::chrono::system_clock::time_point due;
        TimerId id;
        bool operator<(const Key& other) const { return due != other.due ? due < other.due : id < other.id; }
    };

    std::chrono::system_clock::time_point now_;
    std::map<Key, std::function<void()>> timers_;
    TimerId nextId_ = 1;
};

}  // namespace goprod::sim::test
