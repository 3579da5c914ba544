#include "daemon/core/connection_scheduler.h"

#include <optional>

namespace goprod::core {

ConnectionScheduler::ConnectionScheduler(Executor& executor, std::function<void()> wake)
    : executor_(executor), wake_(std::move(wake)) {}

ConnectionScheduler::~ConnectionScheduler() { *alive_ = false; }

std::vector<std::size_t> ConnectionScheduler::plan(const std::vector<std::string_view>& adapters,
                                                   const std::vector<Candidate>& candidates) {
    cancelTimer();
    std::vector<std::size_t> start;
    std::optional<TimePoint> nextDue;
    const auto now = executor_.now();
    for (const auto adapter : adapters) {
        if (!attemptOn(adapter).empty()) continue;
        std::optional<std::size_t> best;      // due now
        std::optional<TimePoint> earliest;  // of those not due yet
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            const auto& candidate = candidates[i];
            if (candidate.adapter != adapter) continue;
            if (candidate.due > now) {
                if (!earliest || candidate.due < *earliest) earliest = candidate.due;
                continue;
            }
            if (!best || candidate.priority > candidates[*best].priority ||
                (candidate.priority == candidates[*best].priority && candidate.due < candidates[*best].due)) {
                best = i;
            }
        }
        if (best) {
            attemptOn_.insert_or_assign(ObjectPath(adapter), std::string(candidates[*best].identifier));
            start.push_back(*best);
        } else if (earliest && (!nextDue || *earliest < *nextDue)) {
            nextDue = earliest;
        }
    }
    if (nextDue) {
        timer_ = executor_.at(*nextDue, [this, alive = alive_] {
            if (!*alive) return;
            timer_ = 0;
            wake_();
        });
    }
    return start;
}

void ConnectionScheduler::settled(std::string_view identifier) {
    for (auto it = attemptOn_.begin(); it != attemptOn_.end();)
        it = it->second == identifier ? attemptOn_.erase(it) : ++it;
}

void ConnectionScheduler::adapterRemoved(const ObjectPath& adapter) { attemptOn_.erase(adapter); }

void ConnectionScheduler::reset() {
    cancelTimer();
    attemptOn_.clear();
}

std::string_view ConnectionScheduler::attemptOn(std::string_view adapter) const {
    const auto it = attemptOn_.find(adapter);
    return it == attemptOn_.end() ? std::string_view{} : std::string_view{it->second};
}

void ConnectionScheduler::cancelTimer() {
    executor_.cancel(timer_);
    timer_ = 0;
}

}  // namespace goprod::core
