// The calls a front end may cancel while they run (Control::cancel): each
// call's id with what cancels it. newId() may be called from any thread;
// everything else runs on the core thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>

#include "daemon/core/control.h"

namespace goprod::core {

class CallTracker {
public:
    CallId newId() { return next_.fetch_add(1); }

    // `cancel` runs if cancel(call) comes before untrack(call). Call 0: not cancellable, ignored.
    void track(CallId call, std::function<void()> cancel) {
        if (call != 0) calls_[call] = std::move(cancel);
    }
    // The call finished.
    void untrack(CallId call) { calls_.erase(call); }
    // Runs the call's cancel hook once (it is untracked first); nothing for a call that finished.
    void cancel(CallId call);
    std::size_t size() const { return calls_.size(); }

private:
    std::map<CallId, std::function<void()>> calls_;
    std::atomic<CallId> next_{1};
};

}  // namespace goprod::core
