// Unit tests of the per-camera request queue: one request in flight, answers
// matched by key, FIFO and priorities, busy gating, deadlines and late answers,
// cancellation, bounded depth, link loss, write failures, failAll and
// destruction. A deterministic executor and a fake link: no sleeps, no real time.
#include "daemon/core/request_queue.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/core/error.h"
#include "protocol/commands.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "tests/daemon/fake_executor.h"
#include "tests/protocol/hex.h"

namespace goprod::core {

inline void PrintTo(Errc code, std::ostream* os) { *os << errcName(code); }

namespace {

using namespace std::chrono_literals;
using protocol::Bytes;
using protocol::Characteristic;
using protocol::Incoming;
using protocol::Request;
using protocol::test::dump;
using protocol::test::hex;
using test::FakeExecutor;
using ::testing::ElementsAre;
using C = Characteristic;

// ---------------------------------------------------------------------------
// Requests and their answers, as the camera spells them (unframed messages).

Request statusQuery() { return protocol::query(protocol::QueryId::GetStatusValues, hex("08")); }     // 13 08
constexpr const char* kStatusAnswer = "13 00 08 01 00";                                              // on GP-0077
Request settingsQuery() { return protocol::query(protocol::QueryId::GetSettingValues, hex("02")); }  // 12 02
constexpr const char* kSettingsAnswer = "12 00 02 01 01";
Request hilight() { return protocol::command::hilight(); }                                          // 18
constexpr const char* kHilightAnswer = "18 00";                                                     // on GP-0073
Request presetGroup() { return protocol::command::loadPresetGroup(protocol::PresetGroup::Video); }  // 3E 02 03 E8
constexpr const char* kPresetGroupAnswer = "3E 00";
Request shutterOn() { return protocol::command::setShutter(true); }    // 01 01 01
Request shutterOff() { return protocol::command::setShutter(false); }  // 01 01 00
constexpr const char* kShutterAnswer = "01 00";
Request keepAlive() { return protocol::setting::keepAlive(); }              // 5B 01 42 on GP-0074
constexpr const char* kKeepAliveAnswer = "5B 00";                           // on GP-0075
Request cohnStatus() { return protocol::operation::getCohnStatus(false); }  // F5 6F ... on GP-0076

constexpr const char* kBatteryPush = "93 00 46 01 64";  // status push: battery 100 %

// ---------------------------------------------------------------------------
// A RequestLink that records every write and lets the test report its outcome.

class FakeLink final : public RequestLink {
public:
    Time send(const Request& request, std::function<void(Result<Time>)> sent) override {
        writes_.push_back(Write{request, std::move(sent), false});
        return issuedAt;
    }
    Time issuedAt{};  // what send() says: the first packet's WriteValue was issued then
    void answered(const Request& request, const Bytes& message) override {
        answers.push_back(dump(request.message) + " → " + dump(message));
    }
    std::vector<std::string> answers;  // what answered() was told, in order

    std::size_t count() const { return writes_.size(); }
    const Request& request(std::size_t i) const { return writes_.at(i).request; }
    // The written messages, as hex dumps, in write order.
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const auto& w : writes_) out.push_back(dump(w.request.message));
        return out;
    }

    // Every packet of write i was accepted (BlueZ's reply to the last came at `at`).
    void accept(std::size_t i, Time at = {}) { report(i, at); }
    void fail(std::size_t i, Error error) { report(i, Unexpected{std::move(error)}); }
    void acceptAll() {
        for (std::size_t i = 0; i < writes_.size(); ++i) {
            if (!writes_[i].reported) accept(i);
        }
    }
    bool reported(std::size_t i) const { return writes_.at(i).reported; }

private:
    struct Write {
        Request request;
        std::function<void(Result<Time>)> sent;
        bool reported = false;
    };

    void report(std::size_t i, Result<Time> result) {
        auto& write = writes_.at(i);
        ASSERT_FALSE(write.reported) << "write " << i << " reported twice by the test";
        write.reported = true;
        auto sent = std::move(write.sent);  // the callback may write again
        sent(std::move(result));
    }

    std::deque<Write> writes_;  // references stay valid while the queue writes more
};

// ---------------------------------------------------------------------------
// What became of one submitted request.

struct Outcome {
    RequestQueue::Ticket ticket = 0;
    int calls = 0;
    int order = 0;            // 1 = the first request to finish in this test
    bool viaExecutor = true;  // every call came from a callback the executor ran
    std::optional<Result<Answer>> result;

    bool finished() const { return calls > 0; }
};

std::string describe(const Outcome& o) {
    if (!o.result) return "still pending";
    if (o.result->has_value()) {
        return "answered " + dump((*o.result)->message) + " from " +
               std::string(protocol::info((*o.result)->from).shortName);
    }
    return "failed with " + std::string(errcName(o.result->error().code)) + " (" + o.result->error().message + ")";
}

::testing::AssertionResult pending(const std::shared_ptr<Outcome>& o) {
    if (!o->finished()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected pending, " << describe(*o);
}

::testing::AssertionResult answered(const std::shared_ptr<Outcome>& o, Characteristic from, std::string_view message) {
    if (o->calls != 1) return ::testing::AssertionFailure() << "done ran " << o->calls << " times, " << describe(*o);
    if (!o->result->has_value() || (*o->result)->from != from || dump((*o->result)->message) != dump(hex(message))) {
        return ::testing::AssertionFailure() << "expected answered " << dump(hex(message)) << " from "
                                             << protocol::info(from).shortName << ", " << describe(*o);
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult failedWith(const std::shared_ptr<Outcome>& o, Errc code) {
    if (o->calls != 1) return ::testing::AssertionFailure() << "done ran " << o->calls << " times, " << describe(*o);
    if (o->result->has_value() || o->result->error().code != code) {
        return ::testing::AssertionFailure() << "expected failed with " << errcName(code) << ", " << describe(*o);
    }
    return ::testing::AssertionSuccess();
}

struct Pushed {
    Characteristic from;
    std::string message;
    Incoming kind;
};

// ---------------------------------------------------------------------------

class RequestQueueTest : public ::testing::Test {
protected:
    RequestQueueTest() { makeQueue(QueueLimits{}, true); }

    void makeQueue(QueueLimits limits, bool linkUp) {
        queue_.reset();
        queue_ = std::make_unique<RequestQueue>(executor_, link_, limits);
        queue_->setUnsolicitedHandler([this](const Answer& answer, const protocol::Classified& classified) {
            pushed_.push_back(Pushed{answer.from, dump(answer.message), classified.kind});
        });
        if (linkUp) queue_->linkUp();
        executor_.drain();
    }

    RequestQueue& queue() { return *queue_; }

    using Clock = Executor::Clock;
    struct Submit {
        Clock::duration timeout = 5s;
        Priority priority = Priority::Normal;
        std::optional<bool> waitUntilIdle;
    };

    std::shared_ptr<Outcome> submit(Request request, Submit how) {
        RequestOptions options;
        options.deadline = executor_.now() + how.timeout;
        options.priority = how.priority;
        options.waitUntilIdle = how.waitUntilIdle;
        return submitWith(std::move(request), options);
    }
    std::shared_ptr<Outcome> submitWith(Request request, const RequestOptions& options) {
        auto outcome = std::make_shared<Outcome>();
        outcome->ticket = queue_->submit(std::move(request), options, [this, outcome](Result<Answer> result) {
            ++outcome->calls;
            if (outcome->calls > 1) {
                ADD_FAILURE() << "done ran again for ticket " << outcome->ticket << " with "
                              << (result ? "an answer" : std::string(errcName(result.error().code))) << " after "
                              << describe(*outcome);
                return;
            }
            outcome->order = ++finishedCount_;
            outcome->viaExecutor = executor_.running();
            outcome->result.emplace(std::move(result));
        });
        EXPECT_EQ(outcome->calls, 0) << "done ran inside submit()";
        return outcome;
    }
    std::shared_ptr<Outcome> submit(Request request) { return submit(std::move(request), Submit{}); }
    // issue 17: a request planned for `at` (its deadline `timeout` after it).
    std::shared_ptr<Outcome> plan(Request request, Clock::time_point at, Clock::duration timeout = 5s) {
        RequestOptions options;
        options.deadline = at + timeout;
        options.sendAt = executor_.wallNow() + (at - executor_.now());  // the same instant on the wall clock
        return submitWith(std::move(request), options);
    }
    std::shared_ptr<Outcome> submit(Request request, Clock::duration timeout) {
        return submit(std::move(request), Submit{timeout, Priority::Normal, {}});
    }

    // The camera's answer (or any message) on a response characteristic.
    void answer(Characteristic from, std::string_view message) {
        queue_->onMessage(from, hex(message));
        executor_.drain();
    }
    // Accepts the last write and lets the queue react.
    void acceptLast() {
        ASSERT_GT(link_.count(), 0U);
        link_.accept(link_.count() - 1);
        executor_.drain();
    }

    FakeExecutor executor_;
    FakeLink link_;
    std::vector<Pushed> pushed_;
    int finishedCount_ = 0;
    std::unique_ptr<RequestQueue> queue_;  // last: destroyed first, while what its callbacks touch lives
};

using QueueOrder = RequestQueueTest;
using QueueMatching = RequestQueueTest;
using QueueBusy = RequestQueueTest;
using QueueDeadlines = RequestQueueTest;
using QueueCancel = RequestQueueTest;
using QueueLink = RequestQueueTest;
using QueueLifetime = RequestQueueTest;

class QueueDepth : public RequestQueueTest {
protected:
    QueueDepth() {
        QueueLimits limits;
        limits.maxDepth = 2;
        makeQueue(limits, true);
    }
};

// ---------------------------------------------------------------------------
// One in flight, FIFO, priorities.

TEST_F(QueueOrder, SendsTheSecondRequestOnlyAfterTheFirstIsAnswered) {
    auto first = submit(statusQuery());
    auto second = submit(settingsQuery());
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("13 08"));
    EXPECT_EQ(link_.request(0).characteristic, C::QueryRequest);
    EXPECT_EQ(queue().depth(), 2U);

    acceptLast();
    EXPECT_THAT(link_.messages(), ElementsAre("13 08")) << "the write was accepted, but no answer yet";

    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(first, C::QueryResponse, kStatusAnswer));
    EXPECT_TRUE(pending(second));
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "12 02"));

    acceptLast();
    answer(C::QueryResponse, kSettingsAnswer);
    EXPECT_TRUE(answered(second, C::QueryResponse, kSettingsAnswer));
    EXPECT_EQ(queue().depth(), 0U);
}

// issue 17: "sent" is when the link issued the first WriteValue, not when the queue handed it over.
TEST_F(QueueOrder, AnAnswerCarriesWhenTheWriteWasIssuedAcceptedAndAnswered) {
    const auto base = executor_.now();
    link_.issuedAt = base + 3ms;
    auto query = submit(statusQuery());
    executor_.drain();
    link_.accept(0, base + 7ms);
    executor_.advance(20ms);
    answer(C::QueryResponse, kStatusAnswer);
    ASSERT_TRUE(answered(query, C::QueryResponse, kStatusAnswer));
    const Answer& got = **query->result;
    EXPECT_EQ(got.sentAt, base + 3ms);
    EXPECT_EQ(got.writtenAt, base + 7ms);
    EXPECT_EQ(got.answeredAt, base + 20ms);

    // The camera may answer before BlueZ's reply to the write: that time is then unknown.
    auto early = submit(statusQuery());
    executor_.drain();
    answer(C::QueryResponse, kStatusAnswer);
    ASSERT_TRUE(answered(early, C::QueryResponse, kStatusAnswer));
    EXPECT_EQ((**early->result).sentAt, base + 3ms);
    EXPECT_EQ((**early->result).writtenAt, Executor::Clock::time_point{});
    link_.accept(1, base + 30ms);  // late: nobody waits for it any more
    executor_.drain();
}

// issue 17: planned requests (SetShutter's start_at).
TEST_F(QueueOrder, APlannedRequestIsWrittenAtItsInstantAndNotBefore) {
    const auto at = executor_.now() + 5s;
    auto shutter = plan(shutterOn(), at);
    executor_.advance(4900ms);
    EXPECT_EQ(link_.count(), 0U);
    executor_.advance(100ms);
    ASSERT_THAT(link_.messages(), ElementsAre("01 01 01"));
    EXPECT_EQ(executor_.now(), at);
    acceptLast();
    answer(C::CommandResponse, kShutterAnswer);
    EXPECT_TRUE(answered(shutter, C::CommandResponse, kShutterAnswer));
}

// The instant is the wall clock's: a time daemon stepping the clock meanwhile is followed.
TEST_F(QueueOrder, APlannedRequestFollowsAStepOfTheWallClock) {
    const auto wallAt = executor_.wallNow() + 5s;
    auto back = plan(shutterOn(), executor_.now() + 5s, 20s);
    executor_.advance(1s);
    executor_.stepWallClock(-3s);  // the clock was 3 s fast: the instant is now 7 s away
    executor_.advance(6900ms);
    EXPECT_EQ(link_.count(), 0U);
    executor_.advance(100ms);
    ASSERT_THAT(link_.messages(), ElementsAre("01 01 01"));
    EXPECT_EQ(executor_.wallNow(), wallAt);
    acceptLast();
    answer(C::CommandResponse, kShutterAnswer);
    EXPECT_TRUE(answered(back, C::CommandResponse, kShutterAnswer));

    const auto later = executor_.wallNow() + 5s;
    auto ahead = plan(shutterOn(), executor_.now() + 5s);
    executor_.stepWallClock(2s);  // the clock was 2 s slow: 3 s to go
    executor_.advance(2900ms);
    EXPECT_EQ(link_.count(), 1U);
    executor_.advance(100ms);
    EXPECT_EQ(link_.count(), 2U);
    EXPECT_EQ(executor_.wallNow(), later);
    acceptLast();
    answer(C::CommandResponse, kShutterAnswer);
    EXPECT_TRUE(answered(ahead, C::CommandResponse, kShutterAnswer));
}

TEST_F(QueueOrder, OtherRequestsGoBeforeTheHoldBackAndWaitWithinIt) {
    const auto at = executor_.now() + 5s;
    auto shutter = plan(shutterOn(), at);
    auto early = submit(statusQuery(), 10s);
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("13 08")) << "4 s before the instant: the link is free to use";
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    executor_.advance(4500ms);  // within the hold-back (1 s)
    auto late = submit(statusQuery(), 10s);
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("13 08")) << "the link is kept free for the instant";
    executor_.advance(500ms);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "01 01 01")) << "at the instant, the planned request first";
    acceptLast();
    answer(C::CommandResponse, kShutterAnswer);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "01 01 01", "13 08"));
    EXPECT_TRUE(pending(late));
    EXPECT_TRUE(answered(shutter, C::CommandResponse, kShutterAnswer));
}

TEST_F(QueueOrder, ARequestStillInFlightAtTheInstantDelaysThePlannedOne) {
    auto query = submit(statusQuery(), 10s);
    executor_.drain();
    auto shutter = plan(shutterOn(), executor_.now() + 500ms);
    executor_.advance(600ms);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08")) << "one request in flight, always";
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "01 01 01"));
    EXPECT_TRUE(pending(shutter));
}

TEST_F(QueueOrder, APlannedRequestCancelledBeforeItsInstantIsNeverWritten) {
    auto shutter = plan(shutterOn(), executor_.now() + 5s);
    executor_.advance(2s);
    EXPECT_TRUE(queue().cancel(shutter->ticket));
    executor_.advance(10s);
    EXPECT_EQ(link_.count(), 0U);
    EXPECT_TRUE(failedWith(shutter, Errc::Cancelled));
}

TEST_F(QueueOrder, TellsTheLinkWhichRequestAnAnswerCompletedBeforeItsDoneRuns) {
    auto first = submit(hilight());
    executor_.drain();
    acceptLast();
    queue().onMessage(C::CommandResponse, hex(kHilightAnswer));
    EXPECT_THAT(link_.answers, ElementsAre("18 → " + dump(hex(kHilightAnswer)))) << "at once";
    EXPECT_TRUE(pending(first)) << "done is posted";
    executor_.drain();
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    answer(C::QueryResponse, kStatusAnswer);  // completes nothing
    EXPECT_EQ(link_.answers.size(), 1U);
}

TEST_F(QueueOrder, SendsAndCompletesRequestsInSubmissionOrder) {
    auto a = submit(hilight());
    auto b = submit(presetGroup());
    auto c = submit(statusQuery());
    auto d = submit(settingsQuery());
    executor_.drain();

    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    acceptLast();
    answer(C::CommandResponse, kPresetGroupAnswer);
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    acceptLast();
    answer(C::QueryResponse, kSettingsAnswer);

    EXPECT_THAT(link_.messages(), ElementsAre("18", "3E 02 03 E8", "13 08", "12 02"));
    EXPECT_TRUE(answered(a, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(answered(b, C::CommandResponse, kPresetGroupAnswer));
    EXPECT_TRUE(answered(c, C::QueryResponse, kStatusAnswer));
    EXPECT_TRUE(answered(d, C::QueryResponse, kSettingsAnswer));
    EXPECT_EQ(a->order, 1);
    EXPECT_EQ(b->order, 2);
    EXPECT_EQ(c->order, 3);
    EXPECT_EQ(d->order, 4);
}

TEST_F(QueueOrder, SendsNormalRequestsBeforeLowPriorityOnes) {
    auto first = submit(statusQuery());
    auto keep = submit(keepAlive(), Submit{5s, Priority::Low, {}});
    auto normal1 = submit(hilight());
    auto normal2 = submit(settingsQuery());
    executor_.drain();
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    acceptLast();
    answer(C::QueryResponse, kSettingsAnswer);
    acceptLast();
    answer(C::SettingResponse, kKeepAliveAnswer);

    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "18", "12 02", "5B 01 42"));
    EXPECT_EQ(link_.request(3).characteristic, C::SettingRequest);
    EXPECT_TRUE(answered(first, C::QueryResponse, kStatusAnswer));
    EXPECT_TRUE(answered(normal1, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(answered(normal2, C::QueryResponse, kSettingsAnswer));
    EXPECT_TRUE(answered(keep, C::SettingResponse, kKeepAliveAnswer));
}

TEST_F(QueueOrder, KeepsLowPriorityRequestsInTheirOwnOrder) {
    auto first = submit(hilight());
    auto low1 = submit(keepAlive(), Submit{5s, Priority::Low, {}});
    auto low2 = submit(statusQuery(), Submit{5s, Priority::Low, {}});
    executor_.drain();
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    acceptLast();
    answer(C::SettingResponse, kKeepAliveAnswer);
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);

    EXPECT_THAT(link_.messages(), ElementsAre("18", "5B 01 42", "13 08"));
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(answered(low1, C::SettingResponse, kKeepAliveAnswer));
    EXPECT_TRUE(answered(low2, C::QueryResponse, kStatusAnswer));
}

TEST_F(QueueOrder, SendsALoneLowPriorityRequestAtOnce) {
    auto keep = submit(keepAlive(), Submit{5s, Priority::Low, {}});
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("5B 01 42"));
    acceptLast();
    answer(C::SettingResponse, kKeepAliveAnswer);
    EXPECT_TRUE(answered(keep, C::SettingResponse, kKeepAliveAnswer));
}

// ---------------------------------------------------------------------------
// Matching answers by key.

TEST_F(QueueMatching, DeliversAStatusPushToTheUnsolicitedHandlerWithoutCompletingTheRequest) {
    auto query = submit(statusQuery());
    executor_.drain();
    acceptLast();

    answer(C::QueryResponse, kBatteryPush);
    EXPECT_TRUE(pending(query));
    ASSERT_EQ(pushed_.size(), 1U);
    EXPECT_EQ(pushed_[0].from, C::QueryResponse);
    EXPECT_EQ(pushed_[0].message, dump(hex(kBatteryPush)));
    EXPECT_EQ(pushed_[0].kind, Incoming::StatusPush);

    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(query, C::QueryResponse, kStatusAnswer));
    EXPECT_EQ(pushed_.size(), 1U) << "the answer is not unsolicited";
}

TEST_F(QueueMatching, DeliversAnswersNobodyWaitsForToTheUnsolicitedHandler) {
    auto query = submit(statusQuery());
    executor_.drain();
    acceptLast();

    answer(C::CommandResponse, kShutterAnswer);  // another characteristic
    answer(C::QueryResponse, kSettingsAnswer);   // the same characteristic, another query
    answer(C::SettingResponse, "13 00");         // the same ID, but a setting's answer
    EXPECT_TRUE(pending(query));
    ASSERT_EQ(pushed_.size(), 3U);
    EXPECT_EQ(pushed_[0].kind, Incoming::Response);
    EXPECT_EQ(pushed_[0].message, "01 00");
    EXPECT_EQ(pushed_[1].message, dump(hex(kSettingsAnswer)));
    EXPECT_EQ(pushed_[2].from, C::SettingResponse);

    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(query, C::QueryResponse, kStatusAnswer));
}

TEST_F(QueueMatching, DeliversMessagesToTheUnsolicitedHandlerWhenNothingIsQueued) {
    answer(C::QueryResponse, kBatteryPush);
    answer(C::CommandResponse, kShutterAnswer);
    ASSERT_EQ(pushed_.size(), 2U);
    EXPECT_EQ(pushed_[0].kind, Incoming::StatusPush);
    EXPECT_EQ(pushed_[1].kind, Incoming::Response);
    EXPECT_EQ(link_.count(), 0U);
}

TEST_F(QueueMatching, CompletesTheRequestWhenItsAnswerArrivesBeforeTheWriteIsAcknowledged) {
    auto first = submit(hilight());
    auto second = submit(statusQuery());
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("18"));

    answer(C::CommandResponse, kHilightAnswer);  // the notification overtakes the write's reply
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_THAT(link_.messages(), ElementsAre("18")) << "a write is never interleaved with the one still going";

    link_.accept(0);
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("18", "13 08"));
    EXPECT_TRUE(pending(second));
    EXPECT_EQ(first->calls, 1);
}

TEST_F(QueueMatching, MatchesAProtobufAnswerByFeatureAndResponseAction) {
    auto cohn = submit(cohnStatus());
    executor_.drain();
    ASSERT_EQ(link_.count(), 1U);
    EXPECT_EQ(link_.request(0).characteristic, C::QueryRequest);
    acceptLast();

    answer(C::QueryResponse, "F5 F3 08 01");  // preset notification: not an answer
    answer(C::QueryResponse, "F5 F2 08 01");  // another operation's answer (get preset status)
    EXPECT_TRUE(pending(cohn));
    ASSERT_EQ(pushed_.size(), 2U);
    EXPECT_EQ(pushed_[0].kind, Incoming::PresetNotification);
    EXPECT_EQ(pushed_[1].kind, Incoming::Response);

    answer(C::QueryResponse, "F5 EF 08 01");
    EXPECT_TRUE(answered(cohn, C::QueryResponse, "F5 EF 08 01"));
}

TEST_F(QueueMatching, CompletesAProtobufRequestWithTheCamerasNotSupportedReply) {
    auto cohn = submit(cohnStatus());
    executor_.drain();
    acceptLast();
    answer(C::QueryResponse, "F5 02");
    EXPECT_TRUE(answered(cohn, C::QueryResponse, "F5 02"));
}

// ---------------------------------------------------------------------------
// Busy (status 8).

TEST_F(QueueBusy, HoldsACommandWhileBusyAndLetsQueriesAndShutterOffOvertakeIt) {
    queue().setBusy(true);
    EXPECT_TRUE(queue().busy());
    auto command = submit(presetGroup());
    auto query = submit(statusQuery());
    auto off = submit(shutterOff());
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("13 08"));

    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(query, C::QueryResponse, kStatusAnswer));
    ASSERT_THAT(link_.messages(), ElementsAre("13 08", "01 01 00"));

    acceptLast();
    answer(C::CommandResponse, kShutterAnswer);
    EXPECT_TRUE(answered(off, C::CommandResponse, kShutterAnswer));
    EXPECT_TRUE(pending(command));
    EXPECT_EQ(link_.count(), 2U) << "the command waits while the camera is busy";

    queue().setBusy(false);
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("13 08", "01 01 00", "3E 02 03 E8"));
    acceptLast();
    answer(C::CommandResponse, kPresetGroupAnswer);
    EXPECT_TRUE(answered(command, C::CommandResponse, kPresetGroupAnswer));
}

TEST_F(QueueBusy, HoldsShutterOnAndSettingsWhileBusy) {
    queue().setBusy(true);
    auto on = submit(shutterOn());
    auto keep = submit(keepAlive());
    auto set = submit(protocol::setting::set(protocol::setting_id::kVideoResolution, 1, 1).value());
    executor_.drain();
    EXPECT_EQ(link_.count(), 0U);
    EXPECT_TRUE(pending(on));
    EXPECT_TRUE(pending(keep));
    EXPECT_TRUE(pending(set));

    queue().setBusy(false);
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01"));
}

TEST_F(QueueBusy, SendsWaitingCommandsInTheirOwnOrderOnceNoLongerBusy) {
    queue().setBusy(true);
    auto first = submit(hilight());
    auto second = submit(presetGroup());
    executor_.drain();
    EXPECT_EQ(link_.count(), 0U);

    queue().setBusy(false);
    executor_.drain();
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    acceptLast();
    answer(C::CommandResponse, kPresetGroupAnswer);
    EXPECT_THAT(link_.messages(), ElementsAre("18", "3E 02 03 E8"));
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(answered(second, C::CommandResponse, kPresetGroupAnswer));
}

TEST_F(QueueBusy, FailsACommandThatWaitsPastItsDeadline) {
    queue().setBusy(true);
    auto command = submit(hilight(), 1s);
    executor_.advance(999ms);
    EXPECT_TRUE(pending(command));
    executor_.advance(1ms);
    EXPECT_TRUE(failedWith(command, Errc::DeadlineExceeded));

    queue().setBusy(false);
    executor_.drain();
    EXPECT_EQ(link_.count(), 0U);
}

TEST_F(QueueBusy, LetsTheCallerOverrideTheWaitRule) {
    queue().setBusy(true);
    auto command = submit(hilight(), Submit{5s, Priority::Normal, false});
    auto query = submit(statusQuery(), Submit{5s, Priority::Normal, true});
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("18"));
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(command, C::CommandResponse, kHilightAnswer));
    EXPECT_EQ(link_.count(), 1U) << "a query told to wait waits";

    queue().setBusy(false);
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("18", "13 08"));
    EXPECT_TRUE(pending(query));
}

// ---------------------------------------------------------------------------
// Deadlines and late answers.

TEST_F(QueueDeadlines, FailAQueuedRequestWithDeadlineExceeded) {
    auto first = submit(hilight(), 10s);
    auto queued = submit(statusQuery(), 1s);
    executor_.drain();
    acceptLast();

    executor_.advance(999ms);
    EXPECT_TRUE(pending(queued));
    executor_.advance(1ms);
    EXPECT_TRUE(failedWith(queued, Errc::DeadlineExceeded));
    EXPECT_TRUE(pending(first));
    EXPECT_EQ(queue().depth(), 1U);

    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_THAT(link_.messages(), ElementsAre("18")) << "the expired request is never sent";
}

TEST_F(QueueDeadlines, FailARequestInFlightWithDeadlineExceededAndSendTheNext) {
    auto first = submit(statusQuery(), 1s);
    auto next = submit(hilight(), 10s);
    executor_.drain();
    acceptLast();

    executor_.advance(999ms);
    EXPECT_TRUE(pending(first));
    executor_.advance(1ms);
    EXPECT_TRUE(failedWith(first, Errc::DeadlineExceeded));
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "18")) << "another key is not held back";
    EXPECT_TRUE(pending(next));
}

TEST_F(QueueDeadlines, DropALateAnswerAndHoldBackTheNewerRequestWithTheSameKeyUntilItArrives) {
    auto expired = submit(statusQuery(), 1s);
    auto newer = submit(statusQuery(), 10s);
    executor_.drain();
    acceptLast();

    executor_.advance(1s);
    EXPECT_TRUE(failedWith(expired, Errc::DeadlineExceeded));
    EXPECT_THAT(link_.messages(), ElementsAre("13 08")) << "held back while the late answer may come";

    executor_.advance(500ms);
    answer(C::QueryResponse, "13 00 08 01 01");  // the expired request's answer
    EXPECT_TRUE(pending(newer)) << "a late answer never completes a newer request";
    EXPECT_EQ(expired->calls, 1);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "13 08")) << "sent once the late answer came";

    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(newer, C::QueryResponse, kStatusAnswer));
}

TEST_F(QueueDeadlines, SendTheHeldBackRequestWhenTheStaleGracePasses) {
    auto expired = submit(statusQuery(), 1s);
    auto newer = submit(statusQuery(), 10s);
    executor_.drain();
    acceptLast();

    executor_.advance(1s);
    EXPECT_TRUE(failedWith(expired, Errc::DeadlineExceeded));
    executor_.advance(QueueLimits{}.staleGrace - 1ms);
    EXPECT_EQ(link_.count(), 1U);
    executor_.advance(1ms);
    EXPECT_EQ(link_.count(), 2U) << "the late answer is no longer waited for";
    EXPECT_TRUE(pending(newer));

    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(newer, C::QueryResponse, kStatusAnswer));
}

TEST_F(QueueDeadlines, FailAHeldBackRequestAtItsOwnDeadlineWithoutSendingIt) {
    auto expired = submit(statusQuery(), 1s);
    auto newer = submit(statusQuery(), 1500ms);
    executor_.drain();
    acceptLast();

    executor_.advance(1s);
    EXPECT_TRUE(failedWith(expired, Errc::DeadlineExceeded));
    executor_.advance(500ms);
    EXPECT_TRUE(failedWith(newer, Errc::DeadlineExceeded));

    answer(C::QueryResponse, kStatusAnswer);
    executor_.advance(1min);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08"));
    EXPECT_EQ(expired->calls, 1);
    EXPECT_EQ(newer->calls, 1);
}

TEST_F(QueueDeadlines, FailARequestWhoseDeadlineHasAlreadyPassed) {
    auto late = submit(hilight(), -1s);
    executor_.drain();
    EXPECT_TRUE(failedWith(late, Errc::DeadlineExceeded));
    EXPECT_EQ(queue().depth(), 0U);
}

TEST_F(QueueDeadlines, NeverSendARequestWhoseDeadlineHasAlreadyPassed) {
    auto late = submit(shutterOn(), -1s);
    executor_.drain();
    EXPECT_TRUE(failedWith(late, Errc::DeadlineExceeded));
    EXPECT_EQ(link_.count(), 0U) << "the caller is told DeadlineExceeded, yet the camera got the shutter";
}

TEST_F(QueueDeadlines, NeverSendARequestWhoseDeadlineArrivesTogetherWithThePreviousAnswer) {
    auto first = submit(hilight(), 10s);
    executor_.drain();
    acceptLast();
    // The answer and the next request's deadline fall due in the same turn of the
    // loop, the answer first (a timer created earlier runs earlier).
    executor_.at(executor_.now() + 1s, [this] { queue().onMessage(C::CommandResponse, hex(kHilightAnswer)); });
    auto shutter = submit(shutterOn(), 1s);

    executor_.advance(1s);
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(failedWith(shutter, Errc::DeadlineExceeded));
    EXPECT_THAT(link_.messages(), ElementsAre("18")) << "a request past its deadline was written to the camera";
}

TEST_F(QueueDeadlines, HoldNothingBackForARequestThatExpiredBeforeItWasSent) {
    auto first = submit(hilight(), 10s);
    auto queued = submit(statusQuery(), 1s);
    executor_.drain();
    acceptLast();
    executor_.advance(1s);
    EXPECT_TRUE(failedWith(queued, Errc::DeadlineExceeded));

    auto again = submit(statusQuery(), 10s);
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    EXPECT_THAT(link_.messages(), ElementsAre("18", "13 08")) << "no answer can come for a request never sent";
    EXPECT_TRUE(pending(again));
}

// ---------------------------------------------------------------------------
// Cancellation.

TEST_F(QueueCancel, CancelsAQueuedRequestWhichIsThenNeverSent) {
    auto first = submit(hilight());
    auto queued = submit(statusQuery());
    executor_.drain();
    acceptLast();

    EXPECT_TRUE(queue().cancel(queued->ticket));
    executor_.drain();
    EXPECT_TRUE(failedWith(queued, Errc::Cancelled));
    EXPECT_EQ(queue().depth(), 1U);

    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
    executor_.advance(1min);
    EXPECT_THAT(link_.messages(), ElementsAre("18"));
}

TEST_F(QueueCancel, CancelsTheRequestInFlightAndSendsTheNext) {
    auto first = submit(statusQuery());
    auto next = submit(hilight());
    executor_.drain();
    acceptLast();

    EXPECT_TRUE(queue().cancel(first->ticket));
    executor_.drain();
    EXPECT_TRUE(failedWith(first, Errc::Cancelled));
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "18"));
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(next, C::CommandResponse, kHilightAnswer));
}

TEST_F(QueueCancel, ReturnsFalseForARequestThatAlreadyFinished) {
    auto done = submit(hilight());
    executor_.drain();
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_FALSE(queue().cancel(done->ticket));

    auto expired = submit(statusQuery(), 1s);
    executor_.drain();
    acceptLast();
    executor_.advance(1s);
    EXPECT_FALSE(queue().cancel(expired->ticket));

    auto cancelled = submit(settingsQuery());
    EXPECT_TRUE(queue().cancel(cancelled->ticket));
    EXPECT_FALSE(queue().cancel(cancelled->ticket));
    executor_.drain();

    EXPECT_FALSE(queue().cancel(9999));
    EXPECT_TRUE(answered(done, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(failedWith(expired, Errc::DeadlineExceeded));
    EXPECT_TRUE(failedWith(cancelled, Errc::Cancelled));
}

TEST_F(QueueCancel, NeverLetsTheCancelledRequestsAnswerCompleteANewerOneWithTheSameKey) {
    auto cancelled = submit(shutterOn());
    executor_.drain();
    acceptLast();
    EXPECT_TRUE(queue().cancel(cancelled->ticket));
    executor_.drain();
    auto newer = submit(shutterOff());
    executor_.drain();

    answer(C::CommandResponse, kShutterAnswer);  // the answer to shutter on
    EXPECT_TRUE(failedWith(cancelled, Errc::Cancelled));
    EXPECT_TRUE(pending(newer)) << "a late answer to the cancelled request completed the newer one";
}

// ---------------------------------------------------------------------------
// Bounded depth.

TEST_F(QueueDepth, RefusesASubmitBeyondMaxDepthWithResourceExhaustedAfterSubmitReturns) {
    auto first = submit(hilight());
    auto second = submit(statusQuery());
    auto refused = submit(settingsQuery());  // submit() checks that done did not run inside it
    EXPECT_TRUE(pending(refused));
    EXPECT_EQ(queue().depth(), 2U);

    executor_.runPosted();
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));
    EXPECT_TRUE(pending(first));
    EXPECT_TRUE(pending(second));

    executor_.drain();
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_THAT(link_.messages(), ElementsAre("18", "13 08"));
    EXPECT_EQ(refused->calls, 1);
}

TEST_F(QueueDepth, AcceptsAgainOnceARequestFinishes) {
    auto first = submit(hilight());
    auto second = submit(statusQuery());
    executor_.drain();
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_EQ(queue().depth(), 1U);

    auto third = submit(settingsQuery());
    executor_.drain();
    EXPECT_TRUE(pending(third));
    EXPECT_EQ(queue().depth(), 2U);
    EXPECT_TRUE(answered(first, C::CommandResponse, kHilightAnswer));
}

TEST_F(QueueDepth, CountsCancelledAndExpiredRequestsOutOfTheDepth) {
    auto first = submit(hilight(), 1s);
    auto second = submit(statusQuery());
    EXPECT_TRUE(queue().cancel(second->ticket));
    executor_.drain();
    acceptLast();
    executor_.advance(1s);
    EXPECT_TRUE(failedWith(first, Errc::DeadlineExceeded));
    EXPECT_EQ(queue().depth(), 0U);

    auto a = submit(settingsQuery());
    auto b = submit(presetGroup());
    executor_.drain();
    EXPECT_TRUE(pending(a));
    EXPECT_TRUE(pending(b));
}

// ---------------------------------------------------------------------------
// The link: down, up, write failures.

TEST_F(QueueLink, SendsNothingUntilTheLinkIsUp) {
    makeQueue(QueueLimits{}, false);
    EXPECT_FALSE(queue().linkIsUp());
    auto first = submit(statusQuery());
    auto second = submit(hilight());
    executor_.drain();
    EXPECT_EQ(link_.count(), 0U);

    queue().linkUp();
    executor_.drain();
    EXPECT_TRUE(queue().linkIsUp());
    ASSERT_THAT(link_.messages(), ElementsAre("13 08"));
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(first, C::QueryResponse, kStatusAnswer));
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "18"));
    EXPECT_TRUE(pending(second));
}

TEST_F(QueueLink, FailsTheRequestInFlightAtOnceWhenTheLinkDropsAndNeverResendsIt) {
    auto shutter = submit(shutterOn(), 10s);
    auto queued = submit(statusQuery(), 10s);
    executor_.drain();
    acceptLast();

    queue().linkDown();
    executor_.drain();  // no time passes
    EXPECT_FALSE(queue().linkIsUp());
    EXPECT_TRUE(failedWith(shutter, Errc::Unavailable));
    EXPECT_TRUE(pending(queued));
    EXPECT_EQ(link_.count(), 1U);

    queue().linkUp();
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01", "13 08")) << "shutter on is not re-sent";
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(queued, C::QueryResponse, kStatusAnswer));
    EXPECT_EQ(shutter->calls, 1);
}

TEST_F(QueueLink, FailsARequestWhoseWriteIsStillGoingWhenTheLinkDrops) {
    auto shutter = submit(shutterOn(), 10s);
    executor_.drain();
    ASSERT_EQ(link_.count(), 1U);

    queue().linkDown();
    executor_.drain();
    EXPECT_TRUE(failedWith(shutter, Errc::Unavailable));
    link_.fail(0, Error{Errc::Unavailable, "org.bluez.Error.NotConnected", {}});
    executor_.drain();
    EXPECT_EQ(shutter->calls, 1);
}

TEST_F(QueueLink, KeepsQueuedRequestsWaitingAcrossALinkDropAndSendsThemAfterLinkUp) {
    queue().linkDown();
    executor_.drain();
    auto first = submit(statusQuery(), 10s);
    auto second = submit(hilight(), 10s);
    executor_.advance(9s);
    EXPECT_EQ(link_.count(), 0U);
    EXPECT_TRUE(pending(first));
    EXPECT_TRUE(pending(second));

    queue().linkUp();
    executor_.drain();
    ASSERT_THAT(link_.messages(), ElementsAre("13 08"));
    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(first, C::QueryResponse, kStatusAnswer));
    EXPECT_TRUE(answered(second, C::CommandResponse, kHilightAnswer));
}

TEST_F(QueueLink, FailsQueuedRequestsWhoseDeadlinePassesWhileTheLinkIsDown) {
    queue().linkDown();
    executor_.drain();
    auto soon = submit(statusQuery(), 1s);
    auto later = submit(hilight(), 10s);
    executor_.advance(1s);
    EXPECT_TRUE(failedWith(soon, Errc::DeadlineExceeded));
    EXPECT_TRUE(pending(later));

    queue().linkUp();
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("18"));
}

TEST_F(QueueLink, FailsTheRequestWithTheLinksErrorWhenTheWriteFailsAndSendsTheNext) {
    auto first = submit(shutterOn());
    auto next = submit(statusQuery());
    executor_.drain();

    link_.fail(0, Error{Errc::Internal, "org.bluez.Error.Failed: write rejected", {}});
    executor_.drain();
    ASSERT_TRUE(failedWith(first, Errc::Internal));
    EXPECT_EQ(first->result->error().message, "org.bluez.Error.Failed: write rejected");
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01", "13 08"));

    acceptLast();
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_TRUE(answered(next, C::QueryResponse, kStatusAnswer));
}

TEST_F(QueueLink, IgnoresAWriteResultFromBeforeTheLinkDroppedOnceReconnected) {
    auto old = submit(shutterOn(), 10s);
    executor_.drain();
    queue().linkDown();
    executor_.drain();
    EXPECT_TRUE(failedWith(old, Errc::Unavailable));
    queue().linkUp();
    executor_.drain();
    auto next = submit(statusQuery(), 10s);
    auto third = submit(hilight(), 10s);
    executor_.drain();

    link_.fail(0, Error{Errc::Unavailable, "org.bluez.Error.NotConnected", {}});  // the old write's result
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01", "13 08"));
    EXPECT_TRUE(pending(next)) << "the old write's failure is not the new request's";

    answer(C::QueryResponse, kStatusAnswer);  // before the new write's own report
    EXPECT_TRUE(answered(next, C::QueryResponse, kStatusAnswer));
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01", "13 08"))
        << "the old link's report does not end the new write: nothing may interleave with it";

    link_.accept(1);
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("01 01 01", "13 08", "18"));
    EXPECT_TRUE(pending(third));
    EXPECT_EQ(old->calls, 1);
}

TEST_F(QueueLink, SendsNothingWhileTheLinkIsDown) {
    queue().linkDown();
    auto query = submit(statusQuery(), 10s);
    queue().setBusy(true);
    queue().setBusy(false);
    answer(C::QueryResponse, kBatteryPush);
    executor_.advance(5s);
    EXPECT_EQ(link_.count(), 0U);
    EXPECT_TRUE(pending(query));
}

// ---------------------------------------------------------------------------
// failAll, exactly-once delivery, destruction.

TEST_F(QueueLifetime, FailAllFailsEveryRequestWithTheGivenError) {
    queue().setBusy(true);
    auto inFlight = submit(statusQuery());
    auto waiting = submit(hilight());  // waits for not busy
    auto low = submit(keepAlive(), Submit{5s, Priority::Low, false});
    executor_.drain();
    acceptLast();
    ASSERT_EQ(queue().depth(), 3U);

    queue().failAll(Error{Errc::NotFound, "camera removed", {}});
    executor_.drain();
    for (const auto& o : {inFlight, waiting, low}) {
        ASSERT_TRUE(failedWith(o, Errc::NotFound));
        EXPECT_EQ(o->result->error().message, "camera removed");
    }
    EXPECT_EQ(queue().depth(), 0U);

    answer(C::QueryResponse, kStatusAnswer);
    queue().setBusy(false);
    executor_.advance(1min);
    EXPECT_THAT(link_.messages(), ElementsAre("13 08"));
    for (const auto& o : {inFlight, waiting, low}) EXPECT_EQ(o->calls, 1);
}

TEST_F(QueueLifetime, AcceptsNewRequestsAfterFailAll) {
    auto first = submit(statusQuery());
    executor_.drain();
    acceptLast();
    queue().failAll(Error{Errc::Unavailable, "bluetoothd restarted", {}});
    executor_.drain();
    EXPECT_TRUE(failedWith(first, Errc::Unavailable));

    auto next = submit(hilight());
    executor_.drain();
    EXPECT_THAT(link_.messages(), ElementsAre("13 08", "18"));
    acceptLast();
    answer(C::CommandResponse, kHilightAnswer);
    EXPECT_TRUE(answered(next, C::CommandResponse, kHilightAnswer));
}

TEST_F(QueueLifetime, CallsDoneExactlyOnceOnEveryPath) {
    QueueLimits limits;
    limits.maxDepth = 3;
    makeQueue(limits, true);
    std::vector<std::shared_ptr<Outcome>> all;

    // Answered, with a duplicate answer and a late write report afterwards.
    auto ok = submit(hilight());
    all.push_back(ok);
    executor_.drain();
    answer(C::CommandResponse, kHilightAnswer);
    answer(C::CommandResponse, kHilightAnswer);
    link_.accept(0);
    executor_.drain();

    // Expired in flight, then its late answer; expired while queued.
    auto expiredInFlight = submit(statusQuery(), 2s);
    auto expiredQueued = submit(settingsQuery(), 1s);
    all.push_back(expiredInFlight);
    all.push_back(expiredQueued);
    executor_.drain();
    acceptLast();
    executor_.advance(2s);
    answer(C::QueryResponse, kStatusAnswer);
    EXPECT_FALSE(queue().cancel(expiredInFlight->ticket));

    // Cancelled in flight (then its write report and answer), cancelled while queued, cancelled twice.
    auto cancelledInFlight = submit(presetGroup());
    auto cancelledQueued = submit(hilight());
    all.push_back(cancelledInFlight);
    all.push_back(cancelledQueued);
    executor_.drain();
    EXPECT_TRUE(queue().cancel(cancelledQueued->ticket));
    EXPECT_TRUE(queue().cancel(cancelledInFlight->ticket));
    EXPECT_FALSE(queue().cancel(cancelledInFlight->ticket));
    executor_.drain();
    link_.acceptAll();
    executor_.drain();
    answer(C::CommandResponse, kPresetGroupAnswer);

    // Refused beyond the depth.
    auto a = submit(hilight(), 30s);
    auto b = submit(settingsQuery(), 30s);
    auto c = submit(shutterOff(), 30s);
    auto refused = submit(statusQuery(), 30s);
    for (const auto& o : {a, b, c, refused}) all.push_back(o);
    executor_.drain();

    // Write failure (a), link down in flight (b), then failAll (c).
    link_.fail(link_.count() - 1, Error{Errc::Internal, "write failed", {}});
    executor_.drain();
    queue().linkDown();
    executor_.drain();
    link_.acceptAll();
    queue().linkUp();
    executor_.drain();
    queue().failAll(Error{Errc::NotFound, "camera removed", {}});
    executor_.drain();
    link_.acceptAll();
    executor_.drain();
    answer(C::CommandResponse, kShutterAnswer);
    answer(C::QueryResponse, kSettingsAnswer);
    executor_.advance(1h);

    EXPECT_TRUE(answered(ok, C::CommandResponse, kHilightAnswer));
    EXPECT_TRUE(failedWith(expiredInFlight, Errc::DeadlineExceeded));
    EXPECT_TRUE(failedWith(expiredQueued, Errc::DeadlineExceeded));
    EXPECT_TRUE(failedWith(cancelledInFlight, Errc::Cancelled));
    EXPECT_TRUE(failedWith(cancelledQueued, Errc::Cancelled));
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));
    EXPECT_TRUE(failedWith(a, Errc::Internal));
    EXPECT_TRUE(failedWith(b, Errc::Unavailable));
    EXPECT_TRUE(failedWith(c, Errc::NotFound));
    for (const auto& o : all) {
        EXPECT_EQ(o->calls, 1) << "ticket " << o->ticket;
        EXPECT_TRUE(o->viaExecutor) << "done ran inside a queue method, not posted: ticket " << o->ticket;
    }
    EXPECT_EQ(queue().depth(), 0U);
}

TEST_F(QueueLifetime, CanBeDestroyedWithTimersWritesAndStaleKeysPending) {
    auto expired = submit(statusQuery(), 1s);
    auto heldBack = submit(statusQuery(), 30s);  // held back by the expired one's key
    auto waiting = submit(hilight(), 30s);
    executor_.drain();
    acceptLast();
    executor_.advance(1s);
    ASSERT_TRUE(failedWith(expired, Errc::DeadlineExceeded));
    // Now: a deadline timer per queued request, a stale-key timer, and maybe a write in flight.
    const std::size_t writes = link_.count();

    queue_.reset();
    executor_.drain();
    executor_.advance(1h);  // every timer the queue set falls due
    for (std::size_t i = 0; i < link_.count(); ++i) {
        if (!link_.reported(i)) link_.fail(i, Error{Errc::Unavailable, "gone", {}});
    }
    executor_.advance(1h);
    EXPECT_EQ(link_.count(), writes) << "nothing is sent after destruction";
    for (const auto& o : {expired, heldBack, waiting}) EXPECT_EQ(o->calls, 1) << "ticket " << o->ticket;
    EXPECT_FALSE(heldBack->result && heldBack->result->has_value()) << "nothing answered it";
    EXPECT_FALSE(waiting->result && waiting->result->has_value()) << "nothing answered it";
}

TEST_F(QueueLifetime, CanBeDestroyedWithAWriteReportStillToCome) {
    auto inFlight = submit(shutterOn(), 1s);
    executor_.drain();
    ASSERT_EQ(link_.count(), 1U);
    queue_.reset();
    executor_.drain();
    link_.accept(0);  // the link reports after the queue is gone
    executor_.advance(1h);
    EXPECT_EQ(inFlight->calls, 1) << "done runs exactly once, also when the queue goes away";
}

// ---------------------------------------------------------------------------
// Which requests wait for the camera to stop being busy.

TEST(WaitsUntilIdle, QueriesDoNotWait) {
    using protocol::QueryId;
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(statusQuery()));
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(settingsQuery()));
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(protocol::query(QueryId::GetStatusValues)));
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(protocol::query(QueryId::RegisterStatusUpdates, hex("08 0A"))));
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(protocol::query(QueryId::GetSettingCapabilities, hex("02"))));
}

TEST(WaitsUntilIdle, ShutterOffDoesNotWait) { EXPECT_FALSE(RequestQueue::waitsUntilIdle(shutterOff())); }

TEST(WaitsUntilIdle, ShutterOnWaits) { EXPECT_TRUE(RequestQueue::waitsUntilIdle(shutterOn())); }

TEST(WaitsUntilIdle, SettingsWait) {
    auto resolution = protocol::setting::set(protocol::setting_id::kVideoResolution, 1, 1);
    ASSERT_TRUE(resolution);
    EXPECT_TRUE(RequestQueue::waitsUntilIdle(*resolution));
    EXPECT_TRUE(RequestQueue::waitsUntilIdle(keepAlive()));
}

TEST(WaitsUntilIdle, OtherCommandsWait) {
    EXPECT_TRUE(RequestQueue::waitsUntilIdle(hilight()));
    EXPECT_TRUE(RequestQueue::waitsUntilIdle(presetGroup()));
    EXPECT_TRUE(RequestQueue::waitsUntilIdle(protocol::command::sleep()));
}

TEST(WaitsUntilIdle, ProtobufQueriesDoNotWait) {
    const Request cohn = cohnStatus();
    ASSERT_EQ(cohn.characteristic, C::QueryRequest);
    ASSERT_GE(cohn.message.size(), 2U);
    EXPECT_EQ(cohn.message[0], 0xF5);
    EXPECT_FALSE(RequestQueue::waitsUntilIdle(cohn));
}

}  // namespace
}  // namespace goprod::core
