// Unit tests of the event hub: filters by kind and camera (identifier, or
// address in any case), the subscriber limit, wants() without subscribers,
// and subscribers that unsubscribe from their own callback.
#include "daemon/core/event_hub.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace goprod::core {
namespace {

Event eventOf(Event::Kind kind, const std::string& identifier, const std::string& address) {
    Event e;
    e.kind = kind;
    e.camera.identifier = identifier;
    e.camera.address = address;
    return e;
}

constexpr auto kState = Event::Kind::StateChanged;
constexpr auto kStatus = Event::Kind::StatusPush;
const std::string kAddress = "D4:1C:00:00:04:56";

TEST(EventHub, WantsNothingWithoutSubscribers) {
    EventHub hub(4);
    EXPECT_FALSE(hub.wants(kState, "0456", kAddress));
    auto sub = hub.subscribe({}, [](const Event&) {});
    ASSERT_TRUE(sub.has_value());
    EXPECT_TRUE(hub.wants(kState, "0456", kAddress));
    hub.unsubscribe(*sub);
    EXPECT_FALSE(hub.wants(kState, "0456", kAddress));
}

TEST(EventHub, WantsFollowsTheFilters) {
    EventHub hub(4);
    ASSERT_TRUE(hub.subscribe({{"0789"}, {kStatus}}, [](const Event&) {}).has_value());
    EXPECT_TRUE(hub.wants(kStatus, "0789", "D4:1C:00:00:07:89"));
    EXPECT_FALSE(hub.wants(kState, "0789", "D4:1C:00:00:07:89")) << "another kind";
    EXPECT_FALSE(hub.wants(kStatus, "0456", kAddress)) << "another camera";
    ASSERT_TRUE(hub.subscribe({{"d4:1c:00:00:04:56"}, {}}, [](const Event&) {}).has_value());
    EXPECT_TRUE(hub.wants(kState, "0456", kAddress)) << "an address in another case names the camera";
    EXPECT_FALSE(hub.wants(kState, "0457", "D4:1C:00:00:04:57"));
    ASSERT_TRUE(hub.subscribe({{"D4:1c:00:00:04:57"}, {}}, [](const Event&) {}).has_value());
    EXPECT_TRUE(hub.wants(kState, "0457", "D4:1C:00:00:04:57")) << "so does one in mixed case";
}

TEST(EventHub, PublishReachesTheSubscribersWhoseFilterMatches) {
    EventHub hub(4);
    std::vector<std::string> all, status0789, byAddress;
    ASSERT_TRUE(hub.subscribe({}, [&all](const Event& e) { all.push_back(e.camera.identifier); }).has_value());
    ASSERT_TRUE(hub.subscribe({{"0789"}, {kStatus}},
                              [&status0789](const Event& e) { status0789.push_back(e.camera.identifier); })
                    .has_value());
    ASSERT_TRUE(hub.subscribe({{"d4:1c:00:00:04:56"}, {}},
                              [&byAddress](const Event& e) { byAddress.push_back(e.camera.identifier); })
                    .has_value());
    hub.publish(eventOf(kStatus, "0789", "D4:1C:00:00:07:89"));
    hub.publish(eventOf(kState, "0789", "D4:1C:00:00:07:89"));
    hub.publish(eventOf(kStatus, "0456", kAddress));
    EXPECT_EQ(all, (std::vector<std::string>{"0789", "0789", "0456"}));
    EXPECT_EQ(status0789, (std::vector<std::string>{"0789"}));
    EXPECT_EQ(byAddress, (std::vector<std::string>{"0456"}));
}

TEST(EventHub, TheLimitCountsSubscribersAndUnsubscribeFreesASlot) {
    EventHub hub(2);
    auto first = hub.subscribe({}, [](const Event&) {});
    auto second = hub.subscribe({}, [](const Event&) {});
    ASSERT_TRUE(first && second);
    EXPECT_NE(*first, *second);
    auto third = hub.subscribe({}, [](const Event&) {});
    ASSERT_FALSE(third.has_value());
    EXPECT_EQ(third.error().code, Errc::ResourceExhausted);
    EXPECT_EQ(hub.size(), 2U);
    hub.unsubscribe(*first);
    EXPECT_EQ(hub.size(), 1U);
    EXPECT_TRUE(hub.subscribe({}, [](const Event&) {}).has_value());
}

// issue 17: goprod's own listener (the capture journal) takes no API stream's slot.
TEST(EventHub, InternalSubscribersAreNeitherLimitedNorCounted) {
    EventHub hub(1);
    std::vector<std::string> heard;
    auto internal = hub.subscribe({{}, {kState}}, [&](const Event& e) { heard.push_back(e.camera.identifier); }, true);
    ASSERT_TRUE(internal.has_value());
    EXPECT_EQ(hub.size(), 0U);
    EXPECT_TRUE(hub.wants(kState, "0456", kAddress)) << "counted or not, it hears events";
    auto stream = hub.subscribe({}, [](const Event&) {});
    ASSERT_TRUE(stream.has_value()) << "the API's one slot is still free";
    EXPECT_EQ(hub.size(), 1U);
    EXPECT_FALSE(hub.subscribe({}, [](const Event&) {}).has_value());
    hub.publish(eventOf(kState, "0456", kAddress));
    EXPECT_EQ(heard, std::vector<std::string>{"0456"});
    hub.unsubscribe(*internal);
    EXPECT_EQ(hub.size(), 1U);
    hub.publish(eventOf(kState, "0789", kAddress));
    EXPECT_EQ(heard.size(), 1U);
}

TEST(EventHub, ANewLimitAppliesToTheNextSubscription) {
    EventHub hub(1);
    ASSERT_TRUE(hub.subscribe({}, [](const Event&) {}).has_value());
    EXPECT_FALSE(hub.subscribe({}, [](const Event&) {}).has_value());
    hub.setLimit(2);
    EXPECT_TRUE(hub.subscribe({}, [](const Event&) {}).has_value());
    hub.setLimit(1);
    EXPECT_EQ(hub.size(), 2U) << "a lower limit drops nobody";
    EXPECT_FALSE(hub.subscribe({}, [](const Event&) {}).has_value());
}

TEST(EventHub, ASubscriberMayUnsubscribeFromItsCallback) {
    EventHub hub(4);
    int calls = 0;
    std::uint64_t id = 0;
    auto sub = hub.subscribe({}, [&](const Event&) {
        ++calls;
        hub.unsubscribe(id);  // would deadlock if called under the hub's mutex
    });
    ASSERT_TRUE(sub.has_value());
    id = *sub;
    hub.publish(eventOf(kState, "0456", kAddress));
    hub.publish(eventOf(kState, "0456", kAddress));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(hub.size(), 0U);
}

// Streams subscribe and unsubscribe on gRPC threads while events go out on the core thread.
TEST(EventHub, SubscribersComeAndGoFromOtherThreadsWhileEventsGoOut) {
    EventHub hub(64);
    std::atomic<int> received{0};
    ASSERT_TRUE(hub.subscribe({{"0456"}, {}}, [&received](const Event&) { ++received; }).has_value());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&hub] {
            for (int i = 0; i < 500; ++i) {
                auto sub = hub.subscribe({}, [](const Event&) {});
                if (sub) hub.unsubscribe(*sub);
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        const auto event = eventOf(kState, "0456", kAddress);
        if (hub.wants(event.kind, event.camera.identifier, event.camera.address)) hub.publish(event);
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(received, 2000) << "the steady subscriber gets every event";
    EXPECT_EQ(hub.size(), 1U);
}

}  // namespace
}  // namespace goprod::core
