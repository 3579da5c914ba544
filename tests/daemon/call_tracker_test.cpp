// Unit tests of the call tracker: each call's cancel hook runs at most once,
// and never after the call finished.
#include "daemon/core/call_tracker.h"

#include <gtest/gtest.h>

namespace goprod::core {
namespace {

TEST(CallTracker, IdsAreFreshAndNeverZero) {
    CallTracker calls;
    const auto first = calls.newId();
    const auto second = calls.newId();
    EXPECT_NE(first, 0U);
    EXPECT_NE(first, second);
}

TEST(CallTracker, CancelRunsTheHookOnce) {
    CallTracker calls;
    const auto id = calls.newId();
    int cancelled = 0;
    calls.track(id, [&cancelled] { ++cancelled; });
    calls.cancel(id);
    calls.cancel(id);
    EXPECT_EQ(cancelled, 1);
    EXPECT_EQ(calls.size(), 0U);
}

TEST(CallTracker, AFinishedCallIsNotCancelled) {
    CallTracker calls;
    const auto id = calls.newId();
    int cancelled = 0;
    calls.track(id, [&cancelled] { ++cancelled; });
    calls.untrack(id);
    calls.cancel(id);
    EXPECT_EQ(cancelled, 0);
}

TEST(CallTracker, CancelTouchesOnlyItsCall) {
    CallTracker calls;
    const auto a = calls.newId();
    const auto b = calls.newId();
    int cancelledA = 0, cancelledB = 0;
    calls.track(a, [&cancelledA] { ++cancelledA; });
    calls.track(b, [&cancelledB] { ++cancelledB; });
    calls.cancel(a);
    EXPECT_EQ(cancelledA, 1);
    EXPECT_EQ(cancelledB, 0);
    EXPECT_EQ(calls.size(), 1U);
}

TEST(CallTracker, CallZeroIsNotCancellable) {
    CallTracker calls;
    int cancelled = 0;
    calls.track(0, [&cancelled] { ++cancelled; });
    calls.cancel(0);
    EXPECT_EQ(cancelled, 0);
    EXPECT_EQ(calls.size(), 0U);
}

// A hook finishes its call, which untracks it, or starts the next step under the same id.
TEST(CallTracker, AHookMayUntrackOrTrackAgain) {
    CallTracker calls;
    const auto id = calls.newId();
    int cancelled = 0;
    calls.track(id, [&] {
        ++cancelled;
        calls.untrack(id);
        calls.track(id, [&cancelled] { cancelled += 10; });
    });
    calls.cancel(id);
    EXPECT_EQ(cancelled, 1);
    calls.cancel(id);
    EXPECT_EQ(cancelled, 11) << "the hook tracked again runs on the next cancel";
}

}  // namespace
}  // namespace goprod::core
