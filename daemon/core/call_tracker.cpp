#include "daemon/core/call_tracker.h"

namespace goprod::core {

void CallTracker::cancel(CallId call) {
    const auto it = calls_.find(call);
    if (it == calls_.end()) return;
    auto cancelIt = std::move(it->second);
    calls_.erase(it);
    cancelIt();
}

}  // namespace goprod::core
