// Unit tests of the core thread's event loop (daemon/runtime/event_loop.*),
// without a D-Bus connection. The loop runs on a thread of its own; the test
// waits for what it posted, each wait bounded, never a fixed sleep.
#include "daemon/runtime/event_loop.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include <gtest/gtest.h>

namespace goprod::runtime {
namespace {

using namespace std::chrono_literals;
constexpr auto kBound = 10s;  // how long a test waits for something that should happen at once

class EventLoopTest : public ::testing::Test {
protected:
    void start() {
        std::promise<void> running;
        auto started = running.get_future();
        finished_ = std::async(std::launch::async, [this] { loop_.run(); });
        loop_.post([&running] { running.set_value(); });
        ASSERT_EQ(started.wait_for(kBound), std::future_status::ready);
    }

    void TearDown() override {
        loop_.stop();
        if (finished_.valid()) {
            ASSERT_EQ(finished_.wait_for(kBound), std::future_status::ready);
        }
    }

    // Runs fn on the loop thread and waits for it.
    template <class Fn>
    void onLoop(Fn fn) {
        std::promise<void> done;
        auto future = done.get_future();
        loop_.post([&] {
            fn();
            done.set_value();
        });
        ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    }

    // A log written on the loop thread and read by the test.
    void record(const std::string& what) {
        std::lock_guard lock(mutex_);
        log_.push_back(what);
    }
    std::vector<std::string> log() {
        std::lock_guard lock(mutex_);
        return log_;
    }

    EventLoop loop_;
    std::future<void> finished_;
    std::mutex mutex_;
    std::vector<std::string> log_;
};

TEST_F(EventLoopTest, PostFromAnotherThreadWakesTheIdleLoop) {
    start();
    std::promise<std::thread::id> ran;
    auto future = ran.get_future();
    loop_.post([&] { ran.set_value(std::this_thread::get_id()); });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST_F(EventLoopTest, StopFromAnotherThreadEndsRun) {
    start();
    loop_.stop();
    ASSERT_EQ(finished_.wait_for(kBound), std::future_status::ready);
}

TEST_F(EventLoopTest, StopBeforeRunMakesRunReturnAtOnce) {
    bool ran = false;
    loop_.post([&] { ran = true; });
    loop_.stop();
    loop_.run();  // on this thread: returns without running anything
    EXPECT_FALSE(ran);
}

EventLoop* signalLoop = nullptr;
extern "C" void stopOnSignal(int) { signalLoop->stop(); }

TEST_F(EventLoopTest, StopIsSafeFromASignalHandler) {
    start();
    std::promise<pthread_t> thread;
    auto future = thread.get_future();
    loop_.post([&] { thread.set_value(pthread_self()); });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    signalLoop = &loop_;
    struct sigaction action {};
    struct sigaction previous {};
    action.sa_handler = stopOnSignal;
    sigemptyset(&action.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
    pthread_kill(future.get(), SIGUSR1);  // interrupts the loop's poll
    ASSERT_EQ(finished_.wait_for(kBound), std::future_status::ready);
    sigaction(SIGUSR1, &previous, nullptr);
}

TEST_F(EventLoopTest, TimersRunByDueTimeAndSameTimeTimersInTheOrderTheyWereSet) {
    start();
    std::promise<void> last;
    auto future = last.get_future();
    onLoop([&] {
        const auto t = loop_.now() + 30ms;
        loop_.at(t + 20ms, [&] {
            record("late");
            last.set_value();
        });
        loop_.at(t, [&] { record("first"); });
        loop_.at(t, [&] { record("second"); });
        loop_.at(t, [&] { record("third"); });
        loop_.at(t - 20ms, [&] { record("early"); });
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_EQ(log(), (std::vector<std::string>{"early", "first", "second", "third", "late"}));
}

TEST_F(EventLoopTest, ACancelledTimerNeverRuns) {
    start();
    std::promise<void> last;
    auto future = last.get_future();
    onLoop([&] {
        const auto cancelled = loop_.at(loop_.now() + 10ms, [&] { record("cancelled"); });
        loop_.at(loop_.now() + 30ms, [&] {
            record("kept");
            last.set_value();
        });
        loop_.cancel(cancelled);
        loop_.cancel(cancelled);  // twice is harmless
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_EQ(log(), (std::vector<std::string>{"kept"}));
}

TEST_F(EventLoopTest, CancellingATimerThatRanIsHarmless) {
    start();
    std::promise<core::Executor::TimerId> ran;
    auto future = ran.get_future();
    onLoop([&] {
        auto id = std::make_shared<core::Executor::TimerId>();
        *id = loop_.at(loop_.now(), [&, id] { ran.set_value(*id); });
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    const auto id = future.get();
    onLoop([&] { loop_.cancel(id); });
}

TEST_F(EventLoopTest, AFarTimerRunsNotBeforeItsTimeThoughTheLoopWakesEarlier) {
    start();
    std::promise<std::chrono::steady_clock::duration> ran;
    auto future = ran.get_future();
    onLoop([&] {
        const auto due = loop_.now() + 120ms;
        loop_.at(due, [&, due] { ran.set_value(loop_.now() - due); });
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_GE(future.get(), 0ms);
}

// issue 17: wall-clock timers (a planned start) run when the wall clock reaches them (the
// kernel's CLOCK_REALTIME timer follows a step of the clock; the tests cannot step it),
// by due time, never early, and can be cancelled; a past one runs at once.
TEST_F(EventLoopTest, WallClockTimersRunInOrderNotBeforeTheirTimeAndCancel) {
    start();
    std::promise<void> last;
    auto future = last.get_future();
    std::vector<std::chrono::system_clock::duration> lateness;
    onLoop([&] {
        const auto t = loop_.wallNow() + 60ms;
        const auto check = [&](std::string name, std::chrono::system_clock::time_point due) {
            return [&, name, due] {
                record(name);
                lateness.push_back(loop_.wallNow() - due);
            };
        };
        loop_.atWall(t + 30ms, [&, due = t + 30ms, check] {
            check("late", due)();
            last.set_value();
        });
        loop_.atWall(t, check("first", t));
        loop_.atWall(t, check("second", t));
        const auto cancelled = loop_.atWall(t - 30ms, check("cancelled", t - 30ms));
        loop_.atWall(t - 40ms, check("early", t - 40ms));
        loop_.atWall(loop_.wallNow() - std::chrono::hours(1), check("past", loop_.wallNow() - std::chrono::hours(1)));
        loop_.cancel(cancelled);
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_EQ(log(), (std::vector<std::string>{"past", "early", "first", "second", "late"}));
    onLoop([&] {
        for (const auto& late : lateness) EXPECT_GE(late.count(), 0);
    });
}

TEST_F(EventLoopTest, APastTimerRunsAsSoonAsPossible) {
    start();
    std::promise<void> ran;
    auto future = ran.get_future();
    onLoop([&] { loop_.at(loop_.now() - 1h, [&] { ran.set_value(); }); });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
}

TEST_F(EventLoopTest, WorkPostedFromACallbackRunsAfterItReturns) {
    start();
    std::promise<void> inner;
    auto future = inner.get_future();
    loop_.post([&] {
        loop_.post([&] {
            record("inner");
            inner.set_value();
        });
        record("outer done");
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_EQ(log(), (std::vector<std::string>{"outer done", "inner"}));
}

TEST_F(EventLoopTest, PostsFromOneThreadRunInOrder) {
    start();
    std::promise<void> last;
    auto future = last.get_future();
    for (int i = 0; i < 100; ++i) loop_.post([this, i] { record(std::to_string(i)); });
    loop_.post([&] { last.set_value(); });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    const auto entries = log();
    ASSERT_EQ(entries.size(), 100U);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(entries[static_cast<std::size_t>(i)], std::to_string(i));
}

TEST_F(EventLoopTest, PostsFromManyThreadsAllRun) {
    start();
    constexpr int kThreads = 4;
    constexpr int kPosts = 1000;
    std::atomic<int> count{0};
    std::promise<void> all;
    auto future = all.get_future();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPosts; ++i) {
                loop_.post([&] {
                    if (++count == kThreads * kPosts) all.set_value();
                });
            }
        });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    EXPECT_EQ(count.load(), kThreads * kPosts);
}

TEST_F(EventLoopTest, OnLoopThreadIsTrueOnlyOnTheLoopThread) {
    EXPECT_FALSE(loop_.onLoopThread());
    start();
    EXPECT_FALSE(loop_.onLoopThread());
    bool inside = false;
    onLoop([&] { inside = loop_.onLoopThread(); });
    EXPECT_TRUE(inside);
}

TEST_F(EventLoopTest, ACallbackThatThrowsDoesNotStopTheLoop) {
    start();
    loop_.post([] { throw std::runtime_error("a bug"); });
    std::promise<void> timer;
    auto future = timer.get_future();
    onLoop([&] {
        loop_.at(loop_.now(), [] { throw std::runtime_error("another bug"); });
        loop_.at(loop_.now() + 1ms, [&] { timer.set_value(); });
    });
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
}

TEST_F(EventLoopTest, WorkLeftWhenTheLoopStopsNeverRuns) {
    start();
    std::atomic<bool> ran{false};
    onLoop([&] {
        loop_.stop();
        loop_.post([&] { ran = true; });
    });
    ASSERT_EQ(finished_.wait_for(kBound), std::future_status::ready);
    EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace goprod::runtime
