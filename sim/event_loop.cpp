#include "sim/event_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace goprod::sim {

EventLoop::EventLoop(std::vector<sdbus::IConnection*> connections) : connections_(std::move(connections)) {
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
        try {
            node.mapped()();
        } catch (const std::exception& error) {  // one camera's failure must not stop the others
            spdlog::error("timer failed: {}", error.what());
        }
    }
}

int EventLoop::run() {
    std::vector<pollfd> fds(connections_.size() + 1);
    while (!stopping_) {
        for (auto* connection : connections_) {
            while (connection->processPendingRequest()) {
            }
        }
        runDueTimers();
        if (stopping_) break;
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        const auto nowUs = static_cast<std::uint64_t>(ts.tv_sec) * 1000000U + static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
        int timeoutMs = -1;
        for (std::size_t i = 0; i < connections_.size(); ++i) {
            const auto poll = connections_[i]->getEventLoopPollData();
            fds[i] = {poll.fd, poll.events, 0};
            if (poll.timeout_usec != UINT64_MAX) {
                const int ms = poll.timeout_usec <= nowUs ? 0 : static_cast<int>((poll.timeout_usec - nowUs + 999) / 1000);
                timeoutMs = timeoutMs < 0 ? ms : std::min(timeoutMs, ms);
            }
        }
        if (!timers_.empty()) {
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first.due - Clock::now());
            const int timerMs = wait.count() < 0 ? 0 : static_cast<int>(wait.count());
            timeoutMs = timeoutMs < 0 ? timerMs : std::min(timeoutMs, timerMs);
        }
        fds.back() = {signalFd_, POLLIN, 0};
        if (::poll(fds.data(), fds.size(), timeoutMs) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
        if ((fds.back().revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (read(signalFd_, &info, sizeof info) == sizeof info) return static_cast<int>(info.ssi_signo);
        }
    }
    stopping_ = false;  // run() may be called again
    return 0;
}

}  // namespace goprod::sim
