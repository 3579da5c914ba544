#include "daemon/runtime/event_loop.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <exception>
#include <optional>
#include <system_error>
#include <utility>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sdbus-c++/IConnection.h>
#include <spdlog/spdlog.h>

namespace goprod::runtime {

namespace {

static_assert(std::atomic<bool>::is_always_lock_free, "stop() must stay async-signal-safe");

// Messages handled per wake-up before timers and posted work get their turn,
// so that a flood of D-Bus traffic cannot starve them.
constexpr int kConnectionBatch = 64;

template <class Fn>
void guarded(const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const std::exception& error) {
        spdlog::error("{} threw: {}", what, error.what());
    } catch (...) {
        spdlog::error("{} threw a non-standard exception", what);
    }
}

std::chrono::nanoseconds monotonicNow() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

EventLoop::EventLoop() {
    eventFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (eventFd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    wallFd_ = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
    if (wallFd_ < 0) {
        close(eventFd_);
        throw std::system_error(errno, std::generic_category(), "timerfd_create");
    }
}

EventLoop::~EventLoop() {
    assert(!onLoopThread());  // not from a callback of its own
    close(wallFd_);
    close(eventFd_);
}

void EventLoop::attach(sdbus::IConnection& connection) {
    assert(loopThread_.load() == std::thread::id{} || onLoopThread());
    connection_ = &connection;
}

void EventLoop::detach() {
    assert(loopThread_.load() == std::thread::id{} || onLoopThread());
    connection_ = nullptr;
}

void EventLoop::onConnectionLost(std::function<void(const std::string& reason)> handler) {
    connectionLost_ = std::move(handler);
}

void EventLoop::post(std::function<void()> fn) {
    bool wasEmpty = false;
    {
        std::lock_guard lock(mutex_);
        wasEmpty = posted_.empty();
        posted_.push_back(std::move(fn));
    }
    // runPosted() clears the eventfd before it takes the queue, so a post that
    // finds the queue non-empty is already covered by an earlier wake-up. The
    // loop's own posts (most of them: D-Bus replies and signals, the queues'
    // completions) need none: wait() does not sleep while work is posted.
    if (wasEmpty && !onLoopThread()) wake();
}

core::Executor::TimerId EventLoop::at(Clock::time_point when, std::function<void()> fn) {
    assert(loopThread_.load() == std::thread::id{} || onLoopThread());
    const TimerId id = nextId_++;
    timers_.emplace(Key{when, id}, std::move(fn));
    due_.emplace(id, when);
    return id;
}

core::Executor::TimerId EventLoop::atWall(WallClock::time_point when, std::function<void()> fn) {
    assert(loopThread_.load() == std::thread::id{} || onLoopThread());
    const TimerId id = nextId_++;
    wallTimers_.emplace(WallKey{when, id}, std::move(fn));
    wallDue_.emplace(id, when);
    if (wallTimers_.begin()->first.id == id) armWallTimer();
    return id;
}

void EventLoop::armWallTimer() {
    itimerspec spec{};  // all zero: disarmed
    if (!wallTimers_.empty()) {
        const auto due =
            std::chrono::duration_cast<std::chrono::nanoseconds>(wallTimers_.begin()->first.due.time_since_epoch());
        // An absolute expiry at or before the epoch would read as "disarm": a past instant is due now.
        const auto nanos = std::max<std::int64_t>(due.count(), 1);
        spec.it_value.tv_sec = static_cast<time_t>(nanos / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(nanos % 1'000'000'000);
    }
    if (timerfd_settime(wallFd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(), "timerfd_settime");
    }
}

void EventLoop::cancel(TimerId id) {
    assert(loopThread_.load() == std::thread::id{} || onLoopThread());
    if (const auto wall = wallDue_.find(id); wall != wallDue_.end()) {
        const bool first = wallTimers_.begin()->first.id == id;
        wallTimers_.erase(WallKey{wall->second, id});
        wallDue_.erase(wall);
        if (first) armWallTimer();
        return;
    }
    const auto it = due_.find(id);
    if (it == due_.end()) return;
    timers_.erase(Key{it->second, id});
    due_.erase(it);
}

void EventLoop::stop() noexcept {
    stopping_.store(true);
    wake();
}

void EventLoop::wake() noexcept {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop wakes anyway.
    [[maybe_unused]] const ssize_t written = write(eventFd_, &one, sizeof one);
}

void EventLoop::run() {
    loopThread_.store(std::this_thread::get_id());
    while (!stopping_.load()) {
        processConnection();
        if (stopping_.load()) break;
        runDueTimers();
        if (stopping_.load()) break;
        runDueWallTimers();
        if (stopping_.load()) break;
        runPosted();
        if (stopping_.load()) break;
        wait();
    }
    loopThread_.store(std::thread::id{});
}

void EventLoop::processConnection() {
    if (connection_ == nullptr) return;
    try {
        for (int i = 0; i < kConnectionBatch && connection_ != nullptr && connection_->processPendingRequest(); ++i) {
        }
    } catch (const std::exception& error) {
        // sd_bus_process() fails for good once the bus connection is gone.
        connection_ = nullptr;
        const std::string reason = error.what();
        if (connectionLost_) {
            guarded("connection-lost handler", [&] { connectionLost_(reason); });
        } else {
            spdlog::error("D-Bus connection lost ({}): stopping", reason);
            stopping_.store(true);
        }
    }
}

void EventLoop::runDueTimers() {
    // One at a time: a timer may add or cancel timers. Timers that fall due
    // while this batch runs wait for the next one, after posted work.
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first.due <= now && !stopping_.load()) {
        auto node = timers_.extract(timers_.begin());
        due_.erase(node.key().id);
        guarded("timer", node.mapped());
    }
}

void EventLoop::runDueWallTimers() {
    if (!wallFired_) return;
    wallFired_ = false;
    std::uint64_t expirations = 0;
    [[maybe_unused]] const ssize_t got = read(wallFd_, &expirations, sizeof expirations);  // clear it
    const auto now = WallClock::now();
    while (!wallTimers_.empty() && wallTimers_.begin()->first.due <= now && !stopping_.load()) {
        auto node = wallTimers_.extract(wallTimers_.begin());
        wallDue_.erase(node.key().id);
        guarded("wall-clock timer", node.mapped());
    }
    // The fired timerfd is disarmed: arm it for what is left (also a timer whose
    // instant moved away because the clock was stepped back just now).
    armWallTimer();
}

void EventLoop::runPosted() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t got = read(eventFd_, &count, sizeof count);
    std::deque<std::function<void()>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(posted_);
    }
    // Work posted by this batch waits for the next turn: post() never runs
    // its function before the current callback returns.
    for (auto& fn : batch) {
        if (stopping_.load()) break;
        guarded("posted work", fn);
    }
}

void EventLoop::wait() {
    std::optional<std::chrono::nanoseconds> timeout;  // relative; none = sleep until an fd is ready
    if (!timers_.empty()) {
        timeout =
            std::max(std::chrono::nanoseconds::zero(),
                     std::chrono::duration_cast<std::chrono::nanoseconds>(timers_.begin()->first.due - Clock::now()));
    }
    {
        std::lock_guard lock(mutex_);
        if (!posted_.empty()) timeout = std::chrono::nanoseconds::zero();  // posted from this thread: no wake-up came
    }
    // The timerfd is readable once the wall clock reached the earliest wall timer.
    pollfd fds[3] = {{eventFd_, POLLIN, 0}, {wallFd_, POLLIN, 0}, {-1, 0, 0}};
    nfds_t count = 2;
    if (connection_ != nullptr) {
        try {
            const auto data = connection_->getEventLoopPollData();
            fds[2] = {data.fd, data.events, 0};
            count = 3;
            if (data.timeout_usec != UINT64_MAX) {  // absolute, CLOCK_MONOTONIC
                const auto bus = std::max(std::chrono::nanoseconds::zero(),
                                          std::chrono::microseconds(data.timeout_usec) - monotonicNow());
                timeout = timeout ? std::min(*timeout, bus) : bus;
            }
        } catch (const std::exception& error) {
            spdlog::error("D-Bus poll data unavailable: {}", error.what());
            timeout = std::chrono::nanoseconds::zero();  // let processConnection() find out what happened
        }
    }
    timespec ts{};
    if (timeout) {
        ts.tv_sec = static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(*timeout).count());
        ts.tv_nsec = static_cast<long>((*timeout % std::chrono::seconds(1)).count());
    }
    if (ppoll(fds, count, timeout ? &ts : nullptr, nullptr) < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "ppoll");
    }
    wallFired_ = (fds[1].revents & POLLIN) != 0;
}

}  // namespace goprod::runtime
