// Unit tests of the connection scheduler: one attempt at a time per adapter,
// the earliest due camera first (the highest priority among the due), adapters in parallel, and the timer for the
// next attempt due. A deterministic executor; no cameras, no BlueZ.
#include "daemon/core/connection_scheduler.h"

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/daemon/fake_executor.h"

namespace goprod::core {
namespace {

using namespace std::chrono_literals;
using Candidate = ConnectionScheduler::Candidate;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kHci0 = "/org/bluez/hci0";
constexpr std::string_view kHci1 = "/org/bluez/hci1";

class ConnectionSchedulerTest : public ::testing::Test {
protected:
    test::FakeExecutor executor;
    int wakes = 0;
    ConnectionScheduler scheduler{executor, [this] { ++wakes; }};

    Executor::Clock::time_point in(Executor::Clock::duration d) const { return executor.now() + d; }
};

TEST_F(ConnectionSchedulerTest, OneAttemptAtATimePerAdapterTheEarliestFirst) {
    const std::vector<Candidate> candidates{{"0456", kHci0, in(-1s)}, {"0789", kHci0, in(-2s)}};
    EXPECT_THAT(scheduler.plan({kHci0}, candidates), ElementsAre(1U));
    EXPECT_EQ(scheduler.attemptOn(kHci0), "0789");
    EXPECT_THAT(scheduler.plan({kHci0}, candidates), IsEmpty()) << "the adapter is busy";
    scheduler.settled("0789");
    EXPECT_EQ(scheduler.attemptOn(kHci0), "");
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci0, in(-1s)}}), ElementsAre(0U));
}

TEST_F(ConnectionSchedulerTest, EqualDueTimesGoInTheOrderGiven) {
    const auto now = in(0s);
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci0, now}, {"0789", kHci0, now}}), ElementsAre(0U));
}

// issue 16
TEST_F(ConnectionSchedulerTest, AmongTheDueTheHighestPriorityGoesFirstAndNotDueOnesWait) {
    const std::vector<Candidate> candidates{
        {"0456", kHci0, in(-2s), 0}, {"0789", kHci0, in(-1s), 5}, {"0123", kHci0, in(1s), 9}};
    EXPECT_THAT(scheduler.plan({kHci0}, candidates), ElementsAre(1U));
    scheduler.settled("0789");
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci0, in(-2s), 0}, {"0123", kHci0, in(1s), 9}}), ElementsAre(0U))
        << "a higher priority not due yet does not hold back a due one";
}

TEST_F(ConnectionSchedulerTest, AdaptersConnectInParallelInAdapterOrder) {
    const std::vector<Candidate> candidates{{"0456", kHci1, in(0s)}, {"0789", kHci0, in(0s)}};
    EXPECT_THAT(scheduler.plan({kHci0, kHci1}, candidates), ElementsAre(1U, 0U));
    EXPECT_EQ(scheduler.attemptOn(kHci0), "0789");
    EXPECT_EQ(scheduler.attemptOn(kHci1), "0456");
}

TEST_F(ConnectionSchedulerTest, OnlyTheAdaptersGivenAreUsed) {
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci1, in(0s)}}), IsEmpty());
    EXPECT_EQ(scheduler.attemptOn(kHci1), "");
    EXPECT_FALSE(scheduler.timerArmed());
}

TEST_F(ConnectionSchedulerTest, ACandidateNotDueYetWakesTheCallerWhenItIs) {
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci0, in(3s)}}), IsEmpty());
    EXPECT_TRUE(scheduler.timerArmed());
    executor.advance(2999ms);
    EXPECT_EQ(wakes, 0);
    executor.advance(1ms);
    EXPECT_EQ(wakes, 1);
    EXPECT_FALSE(scheduler.timerArmed());
    EXPECT_THAT(scheduler.plan({kHci0}, {{"0456", kHci0, executor.now()}}), ElementsAre(0U));
}

TEST_F(ConnectionSchedulerTest, TheTimerIsForTheEarliestDueOnAnyAdapter) {
    scheduler.plan({kHci0, kHci1}, {{"0456", kHci0, in(5s)}, {"0789", kHci1, in(2s)}});
    executor.advance(2s);
    EXPECT_EQ(wakes, 1);
}

TEST_F(ConnectionSchedulerTest, PlanningAgainReplacesTheTimer) {
    scheduler.plan({kHci0}, {{"0456", kHci0, in(2s)}});
    scheduler.plan({kHci0}, {{"0456", kHci0, in(5s)}});
    executor.advance(4s);
    EXPECT_EQ(wakes, 0) << "the first timer is gone";
    executor.advance(1s);
    EXPECT_EQ(wakes, 1);
}

TEST_F(ConnectionSchedulerTest, ABusyAdapterArmsNoTimer) {
    scheduler.plan({kHci0}, {{"0456", kHci0, in(0s)}});
    scheduler.plan({kHci0}, {{"0456", kHci0, in(0s)}, {"0789", kHci0, in(2s)}});
    EXPECT_FALSE(scheduler.timerArmed()) << "settled() leads to the next plan";
}

TEST_F(ConnectionSchedulerTest, ARemovedAdapterIsFree) {
    scheduler.plan({kHci0}, {{"0456", kHci0, in(0s)}});
    scheduler.adapterRemoved(std::string(kHci0));
    EXPECT_EQ(scheduler.attemptOn(kHci0), "");
}

TEST_F(ConnectionSchedulerTest, ResetFreesEveryAdapterAndStopsTheTimer) {
    scheduler.plan({kHci0, kHci1}, {{"0456", kHci0, in(0s)}, {"0789", kHci1, in(2s)}});
    scheduler.reset();
    EXPECT_EQ(scheduler.attemptOn(kHci0), "");
    EXPECT_FALSE(scheduler.timerArmed());
    executor.advance(5s);
    EXPECT_EQ(wakes, 0);
}

TEST_F(ConnectionSchedulerTest, NoWakeAfterTheSchedulerIsGone) {
    int lateWakes = 0;
    auto gone = std::make_unique<ConnectionScheduler>(executor, [&lateWakes] { ++lateWakes; });
    gone->plan({kHci0}, {{"0456", kHci0, in(1s)}});
    gone.reset();
    executor.advance(2s);
    EXPECT_EQ(lateWakes, 0);
}

}  // namespace
}  // namespace goprod::core
