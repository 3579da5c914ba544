#include "sim/event_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <stdexcept>

namespace goprod::sim {

EventLoop::EventLoop(sdbus::IConnection& connection) : connection_(connection) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signalFd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signalFd_ < 0) throw std::runtime_error("signalfd failed");
}

EventLoop::~EventLoop() {
    if (signalFd_ >= 0) close(signalFd_);
}

Scheduler::TimerId EventLoop::after(std::chrono::milliseconds delay, std::function<void()> fn) {
    const TimerId id = nextId_++;
    const Key key{Clock::now() + delay, id};
    timers_.emplace(key, std::move(fn));
    keys_.emplace(id, key);
    return id;
}

void EventLoop::cancel(TimerId id) {
    const auto it = keys_.find(id);
    if (it == keys_.end()) return;
    timers_.erase(it->second);
    keys_.erase(it);
}

std::chrono::system_clock::time_point EventLoop::now() const { return std::chrono::system_clock::now(); }

void EventLoop::runDueTimers() {
    // A timer may add or cancel timers, so take one at a time.
    while (!timers_.empty() && timers_.begin()->first.due <= Clock::now()) {
        auto node = timers_.extract(timers_.begin());
        keys_.erase(node.key().id);
        node.mapped()();
    }
}

int EventLoop::run() {
    while (!stopping_) {
        while (connection_.processPendingRequest()) {
        }
        runDueTimers();
        if (stopping_) break;
        const auto poll = connection_.getEventLoopPollData();
        int timeoutMs = -1;
        if (poll.timeout_usec != UINT64_MAX) {
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            const auto nowUs = static_cast<std::uint64_t>(ts.tv_sec) * 1000000U + static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
            timeoutMs = poll.timeout_usec <= nowUs ? 0 : static_cast<int>((poll.timeout_usec - nowUs + 999) / 1000);
        }
        if (!timers_.empty()) {
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first.due - Clock::now());
            const int timerMs = wait.count() < 0 ? 0 : static_cast<int>(wait.count());
            timeoutMs = timeoutMs < 0 ? timerMs : std::min(timeoutMs, timerMs);
        }
        pollfd fds[2] = {{poll.fd, poll.events, 0}, {signalFd_, POLLIN, 0}};
        if (::poll(fds, 2, timeoutMs) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (read(signalFd_, &info, sizeof info) == sizeof info) return static_cast<int>(info.ssi_signo);
        }
    }
    return 0;
}

}  // namespace goprod::sim
