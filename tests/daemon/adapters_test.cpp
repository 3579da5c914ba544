// issue 16: unit tests of the registry's adapters: which adapters it uses
// ([bluetooth] adapters, by name or address), and each adapter's connection
// budget (max_connections): a camera that would go over waits, visibly, and
// is connected once room frees. A fake BlueZ port with goprod-sim's camera
// model behind it, a deterministic executor.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/core/registry.h"
#include "tests/daemon/fake_bluez_port.h"

namespace goprod::core {
namespace {

using namespace std::chrono_literals;
using test::CoreHarness;
using test::pending;
using test::succeeded;

RegistrySettings withBudget(std::size_t maxConnections, std::vector<std::string> adapters = {}) {
    auto s = CoreHarness::defaultSettings();
    s.maxConnections = maxConnections;
    s.adapters = std::move(adapters);
    return s;
}

std::vector<CameraView> list(CoreHarness& h) {
    std::vector<CameraView> out;
    h.registry->listCameras([&out](std::vector<CameraView> v) { out = std::move(v); });
    h.executor.drain();
    return out;
}

CameraView viewOf(CoreHarness& h, const std::string& id) {
    for (auto& v : list(h)) {
        if (v.identifier == id) return v;
    }
    ADD_FAILURE() << "no camera " << id;
    return {};
}

RegistryStatus status(CoreHarness& h) {
    RegistryStatus out;
    h.registry->status([&out](RegistryStatus s) { out = std::move(s); });
    h.executor.drain();
    return out;
}

TEST(RegistryAdapters, EveryAdapterNamedByNameOrAddressIsUsedAndNoOther) {
    CoreHarness h(withBudget(7, {"hci1", "00:1a:7d:da:71:15"}));
    h.port.addAdapter("/org/bluez/hci1", "00:1A:7D:DA:71:14");
    h.port.addAdapter("/org/bluez/hci2", "00:1A:7D:DA:71:15");
    h.bluezUp();  // and hci0, not listed
    h.addCamera("0001");
    h.addCamera("0002", "/org/bluez/hci1");
    h.addCamera("0003", "/org/bluez/hci2");
    std::vector<std::string> ids;
    for (const auto& v : list(h)) ids.push_back(v.identifier + "@" + v.adapter);
    EXPECT_EQ(ids, (std::vector<std::string>{"0002@hci1", "0003@hci2"}));
    h.connectToReady("0002");
    h.connectToReady("0003");
    const auto s = status(h);
    ASSERT_EQ(s.adapters.size(), 3U);
    EXPECT_FALSE(s.adapters[0].used);  // hci0
    EXPECT_TRUE(s.adapters[1].used);
    EXPECT_TRUE(s.adapters[2].used);
}

TEST(RegistryAdapters, ACameraThatWouldGoOverTheBudgetWaitsVisiblyAndConnectsWhenRoomFrees) {
    CoreHarness h(withBudget(1));
    h.bluezUp();
    h.addCamera("0001");
    h.addCamera("0002");
    h.connectToReady("0001");
    auto second = h.connect("0002", 120s);
    h.executor.advance(30s);
    EXPECT_TRUE(pending(second));
    EXPECT_EQ(h.port.count("connect"), 1U) << "goprod never asks the adapter for more than its budget";
    EXPECT_EQ(viewOf(h, "0002").waiting, "no adapter has room");
    EXPECT_EQ(viewOf(h, "0001").waiting, "");
    auto s = status(h);
    ASSERT_EQ(s.adapters.size(), 1U);
    EXPECT_EQ(s.adapters[0].budget, 1U);
    EXPECT_EQ(s.adapters[0].connections, 1U);

    h.registry->disconnect("0001", [](Result<CameraView>) {});
    h.executor.drain();
    ASSERT_TRUE(succeeded(second));
    EXPECT_EQ(h.state("0002"), CameraState::Ready);
    EXPECT_EQ(viewOf(h, "0002").waiting, "");
    EXPECT_EQ(status(h).adapters[0].connections, 1U);
}

TEST(RegistryAdapters, EachAdapterHasItsOwnBudget) {
    CoreHarness h(withBudget(1));
    h.port.addAdapter("/org/bluez/hci1", "00:1A:7D:DA:71:14");
    h.bluezUp();
    h.addCamera("0001");
    h.addCamera("0002", "/org/bluez/hci1");
    h.addCamera("0003", "/org/bluez/hci1");
    h.connectToReady("0001");
    h.connectToReady("0002");  // hci0 is full, hci1 is not
    auto third = h.connect("0003", 120s);
    h.executor.advance(30s);
    EXPECT_TRUE(pending(third));
    EXPECT_EQ(viewOf(h, "0003").waiting, "no adapter has room");
}

TEST(RegistryAdapters, ARaisedBudgetOnReloadConnectsTheWaitingCamera) {
    CoreHarness h(withBudget(1));
    h.bluezUp();
    h.addCamera("0001");
    h.addCamera("0002");
    h.connectToReady("0001");
    auto second = h.connect("0002", 120s);
    h.executor.advance(30s);
    ASSERT_TRUE(pending(second));
    h.registry->reconfigure(withBudget(2));
    h.executor.drain();
    ASSERT_TRUE(succeeded(second));
    EXPECT_EQ(h.state("0001"), CameraState::Ready);
}

TEST(RegistryAdapters, AControllerThatRefusesForLackOfRoomLowersItsBudgetToWhatItHolds) {
    CoreHarness h(withBudget(7));
    h.bluezUp();
    h.addCamera("0001");
    h.addCamera("0002");
    h.addCamera("0003");
    h.connectToReady("0001");
    h.port.setAutomatic("connect", false);
    auto second = h.connect("0002", 120s);
    h.executor.drain();
    ASSERT_EQ(h.port.count("connect"), 2U);
    h.port.failLast(
        "connect",
        Error{Errc::ResourceExhausted, "org.bluez.Error.Failed: le-connection-concurrent-connection-limit", {}});
    h.executor.advance(60s);  // past any backoff
    EXPECT_EQ(status(h).adapters[0].budget, 1U) << "it holds one link";
    EXPECT_EQ(h.port.count("connect"), 2U) << "not asked again while it has no room";
    EXPECT_EQ(viewOf(h, "0002").waiting, "no adapter has room");
    auto third = h.connect("0003", 120s);
    h.executor.advance(10s);
    EXPECT_EQ(h.port.count("connect"), 2U);
    EXPECT_EQ(viewOf(h, "0003").waiting, "no adapter has room");

    h.port.setAutomatic("connect", true);
    h.registry->disconnect("0001", [](Result<CameraView>) {});
    h.executor.advance(60s);
    EXPECT_EQ(h.port.count("connect"), 3U) << "one link freed: one camera connected";
    EXPECT_NE(succeeded(second), succeeded(third));
}

}  // namespace
}  // namespace goprod::core
