// issue 16: unit tests of the registry's adapters: which adapters it uses
// ([bluetooth] adapters, by name or address), and each adapter's connection
// budget (max_connections): a camera that would go over waits, visibly, and
// is connected once room frees. A fake BlueZ port with goprod-sim's camera
// model behind it, a deterministic executor.
#include <memory>
#include <string>
#include <utility>
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

// ---------------------------------------------------------------------------
// issue 16: placement. A camera seen by several adapters has a Device1 on each
// (here each with its own camera model behind it, as two radios hear one camera).

constexpr const char* kHci1 = "/org/bluez/hci1";
constexpr const char* kHci1Address = "00:1A:7D:DA:71:14";

struct Rig {
    explicit Rig(RegistrySettings settings) : h(std::move(settings)) {}
    // Adapter hci1 next to hci0, both powered, BlueZ up.
    void twoAdapters() {
        h.port.addAdapter(kHci1, kHci1Address);
        h.bluezUp();
    }
    // Camera `id` as hci0 and hci1 hear it.
    void camera(const std::string& id, std::int16_t rssi0, std::int16_t rssi1) {
        auto device = test::makeGoProDevice(id);
        device.info.rssi = rssi0;
        h.addCamera(device);
        seenBy(id, kHci1, rssi1);
    }
    void seenBy(const std::string& id, const ObjectPath& adapter, std::int16_t rssi) {
        auto device = test::makeGoProDevice(id, adapter);
        device.info.rssi = rssi;
        sims.push_back(std::make_unique<test::SimCamera>(h.executor, h.port, device, test::simCameraConfig(device)));
        h.port.addDevice(device, sims.back().get());
        h.executor.drain();
    }
    std::shared_ptr<test::Outcome<CameraView>> connect(const std::string& id, Placement placement = {}) {
        auto o = std::make_shared<test::Outcome<CameraView>>();
        h.registry->connect(h.registry->newCallId(), id, std::move(placement), h.in(120s), test::capture(o));
        return o;
    }
    std::string adapterOf(const std::string& id) { return viewOf(h, id).adapter; }

    CoreHarness h;
    std::vector<std::unique_ptr<test::SimCamera>> sims;  // the models behind the second sightings
};

TEST(RegistryPlacement, TheStrongerSignalWins) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -80, -50);
    auto done = rig.connect("0001");
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(done));
    EXPECT_EQ(rig.adapterOf("0001"), "hci1");
    EXPECT_EQ(viewOf(rig.h, "0001").homeAdapter, kHci1Address) << "remembered";
}

TEST(RegistryPlacement, SignalsWithinTheMarginGoToTheLeastLoadedAdapterAndConnectInParallel) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -60, -64);
    rig.camera("0002", -60, -64);
    rig.h.port.setAutomatic("connect", false);
    auto first = rig.connect("0001");
    auto second = rig.connect("0002");
    rig.h.executor.drain();
    ASSERT_EQ(rig.h.port.count("connect"), 2U) << "one attempt on each adapter at once";
    rig.h.port.setAutomatic("connect", true);
    for (const auto i : rig.h.port.indices("connect")) rig.h.port.finishLikeBluez(i);
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(first));
    ASSERT_TRUE(succeeded(second));
    EXPECT_NE(rig.adapterOf("0001"), rig.adapterOf("0002"));
}

TEST(RegistryPlacement, AfterAFailedAttemptTheNextTriesAnotherAdapterThatHearsIt) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    // What bluetoothd 5.66 answers for a camera out of the adapter's range, and for a full controller alike.
    rig.h.port.unreachable.insert(rig.h.device("0001").path());
    auto done = rig.connect("0001");
    rig.h.executor.advance(10s);
    ASSERT_TRUE(succeeded(done));
    EXPECT_EQ(done->value().adapter, "hci1");
    EXPECT_EQ(rig.h.port.log({"connect"}).size(), 2U) << "one failure on hci0, then hci1";
}

TEST(RegistryPlacement, AControllerThatRefusesForLackOfRoomSendsTheCameraToAnotherAdapter) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.camera("0002", -50, -80);
    rig.h.connectToReady("0001");
    rig.h.port.setAutomatic("connect", false);
    auto second = rig.connect("0002");
    rig.h.executor.drain();
    rig.h.port.failLast(
        "connect",
        Error{Errc::ResourceExhausted, "org.bluez.Error.Failed: le-connection-concurrent-connection-limit", {}});
    rig.h.port.setAutomatic("connect", true);
    rig.h.executor.advance(10s);
    ASSERT_TRUE(succeeded(second));
    EXPECT_EQ(second->value().adapter, "hci1");
    const auto s = status(rig.h);
    EXPECT_EQ(s.adapters[0].budget, 1U);
    EXPECT_TRUE(s.adapters[0].budgetLowered);
    EXPECT_EQ(s.adapters[0].cameras, std::vector<std::string>{"0001"});
    EXPECT_EQ(s.adapters[1].cameras, std::vector<std::string>{"0002"});
}

TEST(RegistryPlacement, TheHomeAdapterIsPreferredWhileItHasRoom) {
    Rig rig(withBudget(1));
    CameraView known;
    known.identifier = "0001";
    known.name = "GoPro 0001";
    known.address = test::makeGoProDevice("0001").info.address;
    known.known = true;
    known.homeAdapter = "00:1a:7d:da:71:13";  // hci0's address, in another case
    rig.h.registry->restore({known});
    rig.twoAdapters();
    rig.camera("0001", -80, -50);
    rig.camera("0002", -60, -90);
    rig.h.connectToReady("0001");
    EXPECT_EQ(rig.adapterOf("0001"), "hci0") << "home, although hci1 hears it better";
    rig.h.connectToReady("0002");
    EXPECT_EQ(rig.adapterOf("0002"), "hci1") << "hci0 is full: the other adapter that hears it";
    EXPECT_EQ(viewOf(rig.h, "0002").homeAdapter, kHci1Address);
}

TEST(RegistryPlacement, ACameraWhoseHomeIsFullKeepsItsHomeAndGoesBackWhenThereIsRoom) {
    Rig rig(withBudget(1));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.camera("0002", -50, -80);
    rig.h.connectToReady("0001");
    const auto home = viewOf(rig.h, "0001").homeAdapter;  // hci0's address
    rig.h.registry->disconnect("0001", [](Result<CameraView>) {});
    rig.h.executor.drain();
    rig.h.connectToReady("0002");
    ASSERT_EQ(rig.adapterOf("0002"), "hci0");
    auto second = rig.connect("0001");
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(second));
    EXPECT_EQ(rig.adapterOf("0001"), "hci1") << "hci0 is full";
    // Notifications while it is ready there (its signal, say) do not make hci1 its home.
    rig.h.port.updateDevice(test::makeGoProDevice("0001", kHci1).info.path, [](DeviceInfo& d) { d.rssi = -79; });
    rig.h.executor.drain();
    EXPECT_EQ(viewOf(rig.h, "0001").homeAdapter, home);
    rig.h.registry->disconnect("0002", [](Result<CameraView>) {});
    rig.h.executor.drain();
    EXPECT_EQ(rig.adapterOf("0001"), "hci0") << "room at home again";
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
}

TEST(RegistryPlacement, APinnedCameraUsesOnlyItsAdapterAndWaitsForRoomThere) {
    Rig rig(withBudget(1));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.camera("0002", -50, -80);
    auto first = rig.connect("0001", Placement{std::string("hci1"), std::nullopt});
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(first));
    EXPECT_EQ(rig.adapterOf("0001"), "hci1");
    EXPECT_EQ(viewOf(rig.h, "0001").pinnedAdapter, "hci1");
    auto second = rig.connect("0002", Placement{std::string(kHci1Address), std::nullopt});
    rig.h.executor.advance(30s);
    EXPECT_TRUE(pending(second)) << "hci0 has room, but it is pinned to hci1";
    EXPECT_EQ(viewOf(rig.h, "0002").waiting, std::string("adapter ") + kHci1Address + " has no room");
    rig.h.registry->disconnect("0001", [](Result<CameraView>) {});
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(second));
    EXPECT_EQ(rig.adapterOf("0002"), "hci1");
}

TEST(RegistryPlacement, PinningToAnAdapterTheConfigurationLeavesOutIsRefused) {
    Rig rig(withBudget(7, {"hci1"}));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    auto done = rig.connect("0001", Placement{std::string("hci0"), std::nullopt});
    rig.h.executor.drain();
    ASSERT_TRUE(done->finished());
    ASSERT_FALSE(done->ok());
    EXPECT_EQ(done->code(), Errc::InvalidArgument);
    EXPECT_EQ(done->result->error().message, "adapter hci0 is not one goprod uses ([bluetooth] adapters)");
    EXPECT_EQ(rig.h.port.count("connect"), 0U);
}

TEST(RegistryPlacement, PinningAReadyCameraElsewhereMovesItThere) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.h.connectToReady("0001");
    ASSERT_EQ(rig.adapterOf("0001"), "hci0");
    rig.h.port.setAutomatic("disconnect", false);
    auto moved = rig.connect("0001", Placement{std::string("hci1"), std::nullopt});
    rig.h.executor.drain();
    // Still ready on hci0 while that link goes down: a notification then is no answer yet.
    rig.h.port.updateDevice(rig.h.device("0001").path(), [](DeviceInfo& d) { d.rssi = -49; });
    rig.h.executor.drain();
    EXPECT_TRUE(pending(moved));
    rig.h.port.setAutomatic("disconnect", true);
    for (const auto i : rig.h.port.indices("disconnect")) rig.h.port.finishLikeBluez(i);
    rig.h.executor.drain();
    ASSERT_TRUE(succeeded(moved));
    EXPECT_EQ(moved->value().adapter, "hci1");
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
    EXPECT_FALSE(rig.h.port.deviceInfo(rig.h.device("0001").path()).connected) << "the hci0 link is down";
}

TEST(RegistryPlacement, HigherPriorityCamerasConnectFirst) {
    CoreHarness h(withBudget(1));
    h.bluezUp();
    h.addCamera("0001");
    h.addCamera("0002");
    h.addCamera("0003");
    h.port.setAutomatic("connect", false);
    std::vector<std::shared_ptr<test::Outcome<CameraView>>> waiting;
    for (const auto& [id, priority] : {std::pair{"0001", 0}, {"0002", 5}, {"0003", -5}}) {
        auto o = std::make_shared<test::Outcome<CameraView>>();
        h.registry->connect(h.registry->newCallId(), id, Placement{std::nullopt, priority}, h.in(120s),
                            test::capture(o));
        waiting.push_back(o);
    }
    h.executor.drain();
    // The first call's attempt started before the others were asked for; then the highest first.
    ASSERT_EQ(h.port.count("connect"), 1U);
    h.port.setAutomatic("connect", true);
    h.port.finishLikeBluez(h.port.last("connect"));
    h.executor.drain();
    EXPECT_TRUE(succeeded(waiting[0]));
    EXPECT_EQ(viewOf(h, "0003").waiting, "no adapter has room");
    h.registry->disconnect("0001", [](Result<CameraView>) {});
    h.executor.drain();
    EXPECT_TRUE(succeeded(waiting[1])) << "priority 5 before priority -5";
    EXPECT_TRUE(pending(waiting[2]));
}

TEST(RegistryPlacement, AnAdapterLostMovesItsCamerasAndTheyReturnWhenItIsBack) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.h.connectToReady("0001");
    ASSERT_EQ(rig.adapterOf("0001"), "hci0");
    // A request in flight when the adapter goes fails; it is not sent again on the new link.
    rig.h.script("0001").answering = false;
    auto inFlight = rig.h.request("0001", protocol::command::setShutter(true), 30s);
    rig.h.executor.drain();
    rig.h.port.removeAdapter("/org/bluez/hci0");
    rig.h.executor.drain();
    rig.h.executor.advance(1s);  // the session's replies
    ASSERT_FALSE(pending(inFlight));
    EXPECT_EQ(inFlight->code(), Errc::Unavailable);
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
    EXPECT_EQ(rig.adapterOf("0001"), "hci1");
    EXPECT_EQ(viewOf(rig.h, "0001").homeAdapter, std::string(test::kAdapterAddress)) << "home stays the lost adapter";
    for (const auto& line : rig.sims.back()->log()) EXPECT_EQ(line.find("GP-0072 01 01 01"), std::string::npos) << line;

    rig.h.script("0001").answering = true;
    rig.h.port.addAdapter();
    rig.h.port.addDevice(rig.h.device("0001"), &rig.h.script("0001"));
    rig.h.executor.advance(1s);
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
    EXPECT_EQ(rig.adapterOf("0001"), "hci0") << "back home once idle";
    EXPECT_FALSE(rig.h.port.deviceInfo(test::makeGoProDevice("0001", kHci1).path()).connected);
}

TEST(RegistryPlacement, AnAdapterPoweredOffMovesItsCamerasAndTheyReturnWhenItIsOnAgain) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.h.connectToReady("0001");
    ASSERT_EQ(rig.adapterOf("0001"), "hci0");
    // hciconfig hci0 down: Powered=false, and the kernel drops its links.
    rig.h.port.setAdapterPowered("/org/bluez/hci0", false);
    rig.h.port.dropLink(rig.h.device("0001").path());
    rig.h.executor.advance(1s);
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
    EXPECT_EQ(rig.adapterOf("0001"), "hci1");
    EXPECT_EQ(viewOf(rig.h, "0001").homeAdapter, std::string(test::kAdapterAddress));
    rig.h.port.setAdapterPowered("/org/bluez/hci0", true);
    rig.h.executor.advance(1s);
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
    EXPECT_EQ(rig.adapterOf("0001"), "hci0") << "back home";
}

TEST(RegistryPlacement, ABusyCameraMovesHomeOnlyWhenIdle) {
    Rig rig(withBudget(7));
    rig.twoAdapters();
    rig.camera("0001", -50, -80);
    rig.h.connectToReady("0001");
    rig.h.port.removeAdapter("/org/bluez/hci0");
    rig.h.executor.drain();
    ASSERT_EQ(rig.adapterOf("0001"), "hci1");
    rig.sims.back()->answering = false;
    auto busy = rig.h.request("0001", protocol::command::setShutter(true), 10s);
    rig.h.executor.drain();
    rig.h.port.addAdapter();
    rig.h.port.addDevice(rig.h.device("0001"), &rig.h.script("0001"));
    rig.h.executor.advance(5s);
    EXPECT_TRUE(pending(busy)) << "not disturbed by a move";
    EXPECT_EQ(rig.adapterOf("0001"), "hci1");
    rig.h.executor.advance(10s);  // the request's deadline: idle again
    EXPECT_EQ(busy->code(), Errc::DeadlineExceeded);
    EXPECT_EQ(rig.adapterOf("0001"), "hci0");
    EXPECT_EQ(rig.h.state("0001"), CameraState::Ready);
}

}  // namespace
}  // namespace goprod::core
