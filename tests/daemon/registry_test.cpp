// Unit tests of the camera registry: which cameras a selection names,
// forgetting and persisting known cameras, restoring them at start (with
// discovery when one is not in sight), discovery for users, limits on
// cameras and subscribers, event filters, user disconnects and shutdown.
// A fake BlueZ port with goprod-sim's camera model behind it, a deterministic executor.
#include "daemon/core/registry.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/commands.h"
#include "protocol/queries.h"
#include "tests/daemon/fake_bluez_port.h"

namespace goprod::core {
namespace {

using namespace std::chrono_literals;
using test::CoreHarness;
using test::failedWith;
using test::Outcome;
using test::pending;
using test::succeeded;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RegistryTest : public ::testing::Test, public CoreHarness {
protected:
    explicit RegistryTest(RegistrySettings settings = defaultSettings()) : CoreHarness(std::move(settings)) {}

    std::shared_ptr<Outcome<std::vector<CameraView>>> resolve(Selection selection) {
        auto o = std::make_shared<Outcome<std::vector<CameraView>>>();
        registry->resolve(std::move(selection), test::capture(o));
        executor.drain();
        return o;
    }
    static std::vector<std::string> ids(const std::vector<CameraView>& views) {
        std::vector<std::string> out;
        for (const auto& v : views) out.push_back(v.identifier);
        return out;
    }
    // A ready camera with auto-connect (a request would wait for its reconnection), then BlueZ leaves the bus.
    void readyCameraThenBluezGone(const std::string& id) {
        bluezUp();
        addCamera(id);
        connectToReady(id);
        camera(id).setAutoConnect(true);
        port.vanish();
        executor.drain();
    }
    std::vector<CameraView> list() {
        std::vector<CameraView> out;
        registry->listCameras([&out](std::vector<CameraView> v) { out = std::move(v); });
        executor.drain();
        return out;
    }
    static CameraView knownView(const std::string& id, bool autoConnect) {
        CameraView v;
        v.identifier = id;
        v.name = "GoPro " + id;
        v.address = test::makeGoProDevice(id).info.address;
        v.model = "HERO12 Black";
        v.known = true;
        v.autoConnect = autoConnect;
        return v;
    }
};

// ---------------------------------------------------------------------------
// Selection

using RegistrySelection = RegistryTest;

TEST_F(RegistrySelection, SelectsACameraByItsIdentifier) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    auto o = resolve({{"0789"}, false});
    ASSERT_TRUE(succeeded(o));
    EXPECT_THAT(ids(o->value()), ElementsAre("0789"));
}

TEST_F(RegistrySelection, SelectsACameraByItsAddressInAnyCase) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    auto lower = resolve({{"d4:1c:00:00:07:89"}, false});
    ASSERT_TRUE(succeeded(lower));
    EXPECT_THAT(ids(lower->value()), ElementsAre("0789"));
    auto upper = resolve({{"D4:1C:00:00:04:56"}, false});
    ASSERT_TRUE(succeeded(upper));
    EXPECT_THAT(ids(upper->value()), ElementsAre("0456"));
}

TEST_F(RegistrySelection, KeepsTheSelectorsOrderAndNamesEachCameraOnce) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    auto o = resolve({{"0789", "0456", "d4:1c:00:00:07:89"}, false});
    ASSERT_TRUE(succeeded(o));
    EXPECT_THAT(ids(o->value()), ElementsAre("0789", "0456"));
}

TEST_F(RegistrySelection, TheDefaultIsTheOnlyReadyCamera) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0789");
    auto o = resolve({});
    ASSERT_TRUE(succeeded(o));
    EXPECT_THAT(ids(o->value()), ElementsAre("0789"));

    // And requests without a selector go to it.
    auto r = request("", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(succeeded(r));
    EXPECT_THAT(script("0789").log().back(), "GP-0072 18");
}

TEST_F(RegistrySelection, TheDefaultIsNeverACameraThatIsNotConnected) {
    bluezUp();
    addCamera("0456");
    auto o = resolve({});
    ASSERT_TRUE(failedWith(o, Errc::Unavailable));
    EXPECT_EQ(o->result->error().message, "no camera is connected");
    auto r = request("", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));
    EXPECT_THAT(script("0456").log(), IsEmpty());
}

TEST_F(RegistrySelection, AnAmbiguousDefaultIsAnErrorThatListsTheConnectedCameras) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    addCamera("0123");
    connectToReady("0456");
    connectToReady("0789");
    auto two = resolve({});
    ASSERT_TRUE(failedWith(two, Errc::InvalidArgument));
    EXPECT_EQ(two->result->error().message, "several cameras are connected (0456, 0789): choose one");
}

TEST_F(RegistrySelection, AnUnknownCameraIsNotFoundAndTheErrorListsTheCameras) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    auto o = resolve({{"9999"}, false});
    ASSERT_TRUE(failedWith(o, Errc::NotFound));
    EXPECT_THAT(o->result->error().message, HasSubstr("9999"));
    EXPECT_THAT(o->result->error().message, HasSubstr("0456, 0789"));

    auto c = connect("cam");
    executor.drain();
    EXPECT_TRUE(failedWith(c, Errc::NotFound)) << "not a selector that names one camera: not looked for";
}

// ---------------------------------------------------------------------------
// Connect: retries within the deadline, cameras not seen yet

using RegistryConnect = RegistryTest;

TEST_F(RegistryConnect, WaitsForTheRetriesAndSaysHowManyAttemptsItTook) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    auto o = connect("0456", 60s);
    executor.drain();
    port.failLast("connect", Error{Errc::Unavailable, "le-connection-abort-by-local", {}});
    executor.drain();
    EXPECT_TRUE(pending(o));
    executor.advance(2s);  // the first backoff: 1 s to 2 s
    ASSERT_EQ(port.count("connect"), 2U);
    port.failLast("connect", Error{Errc::Unavailable, "le-connection-abort-by-local", {}});
    executor.drain();
    EXPECT_TRUE(pending(o));
    port.setAutomatic("connect", true);
    executor.advance(4s);  // the second backoff: 2 s to 4 s
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(o->value().state, CameraState::Ready);
    EXPECT_EQ(o->value().connectAttempts, 3U);

    auto again = connect("0456");
    executor.drain();
    ASSERT_TRUE(succeeded(again));
    EXPECT_EQ(again->value().connectAttempts, 0U) << "already ready";
}

TEST_F(RegistryConnect, AtTheDeadlineNamesTheFailedAttemptsAndTheLastError) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    auto o = connect("0456", 900ms);  // the first retry comes after 1 s at the earliest
    executor.drain();
    port.failLast("connect", Error{Errc::Unavailable, "le-connection-abort-by-local", {}});
    executor.drain();
    EXPECT_TRUE(pending(o));
    executor.advance(900ms);
    ASSERT_TRUE(failedWith(o, Errc::Unavailable));
    EXPECT_EQ(o->result->error().message,
              "could not connect to camera 0456 after 1 attempt: le-connection-abort-by-local");
}

TEST_F(RegistryConnect, ACameraNotSeenYetIsLookedForAndConnectedWhenItAppears) {
    bluezUp();
    auto o = connect("0456", 30s);
    executor.drain();
    EXPECT_TRUE(pending(o));
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}),
                ElementsAre("startDiscovery /org/bluez/hci0 pattern=GoPro 0456"))
        << "filtered to the camera named";
    executor.advance(5s);
    addCamera("0456");
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(o->value().state, CameraState::Ready);
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}),
                ElementsAre("startDiscovery /org/bluez/hci0 pattern=GoPro 0456", "stopDiscovery /org/bluez/hci0"));

    auto byAddress = connect("d4:1c:00:00:07:89", 30s);
    executor.drain();
    EXPECT_EQ(port.log({"startDiscovery"}).back(), "startDiscovery /org/bluez/hci0 pattern=D4:1C:00:00:07:89");
    addCamera("0789");
    executor.drain();
    ASSERT_TRUE(succeeded(byAddress));
    EXPECT_EQ(byAddress->value().identifier, "0789");
}

// Right after start (READY=1), goprod may not have read BlueZ's objects yet:
// `systemctl start goprod && goproctl -i 0456 connect` must not say NOT_FOUND.
TEST_F(RegistryConnect, ACameraNamedBeforeBluezsObjectsAreReadIsLookedForOnceTheyAre) {
    auto o = connect("0456", 30s);
    executor.drain();
    EXPECT_TRUE(pending(o)) << "BlueZ's devices are not read yet: not a reason for NOT_FOUND";
    addCamera("0456");  // BlueZ knows it: goprod reads it with the rest
    bluezUp();
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(o->value().state, CameraState::Ready);
}

TEST_F(RegistryConnect, ACameraThatDoesNotAppearIsNotFoundAtTheDeadline) {
    bluezUp();
    auto o = connect("0702", 3s);
    executor.advance(2999ms);
    EXPECT_TRUE(pending(o));
    executor.advance(1ms);
    ASSERT_TRUE(failedWith(o, Errc::NotFound));
    EXPECT_EQ(o->result->error().message, "camera 0702 was not found within 3 s (is it on and in range?)");
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}),
                ElementsAre("startDiscovery /org/bluez/hci0 pattern=GoPro 0702", "stopDiscovery /org/bluez/hci0"));
}

TEST_F(RegistryConnect, TheFilterIsDroppedWhileAnythingElseNeedsDiscovery) {
    bluezUp();
    auto o = connect("0702", 30s);
    executor.drain();
    auto found = std::make_shared<Outcome<void>>();
    const CallId call = registry->newCallId();
    registry->discover(call, 5s, [](const CameraView&) {}, test::capture(found));
    executor.advance(5s);
    ASSERT_TRUE(succeeded(found));
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}),
                ElementsAre("startDiscovery /org/bluez/hci0 pattern=GoPro 0702", "startDiscovery /org/bluez/hci0",
                            "startDiscovery /org/bluez/hci0 pattern=GoPro 0702"))
        << "every GoPro while the user discovers, then the one camera again";
    EXPECT_TRUE(pending(o));
}

TEST_F(RegistrySelection, WithoutCamerasTheDefaultIsUnavailable) {
    bluezUp();
    auto o = resolve({});
    EXPECT_TRUE(failedWith(o, Errc::Unavailable));
    auto r = request("", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));
}

TEST_F(RegistrySelection, WithoutBluezEveryRequestIsUnavailableAtOnce) {
    readyCameraThenBluezGone("0456");
    const auto bluezGone = "BlueZ is not running (org.bluez is not on the bus)";

    auto r = request("0456", protocol::command::hilight(), 5s);
    auto c = connect("0456");
    auto d = std::make_shared<Outcome<void>>();
    registry->discover(
        registry->newCallId(), 10s, [](const CameraView&) {}, test::capture(d));
    auto unknown = resolve({{"9999"}, false});
    auto byDefault = resolve({});
    executor.drain();  // no time passes: each answer comes at once
    for (const auto* error : {&r->result->error(), &c->result->error(), &d->result->error(), &unknown->result->error(),
                              &byDefault->result->error()}) {
        EXPECT_EQ(error->code, Errc::Unavailable);
        EXPECT_EQ(error->message, bluezGone);
    }
}

TEST_F(RegistrySelection, BlueZAbsentFailsDiscoveryAtOnceButNotBeforeItIsKnownNorWhileItLoads) {
    // Not known yet (the daemon is starting): a discovery waits for BlueZ.
    auto early = std::make_shared<Outcome<void>>();
    registry->discover(
        registry->newCallId(), 10s, [](const CameraView&) {}, test::capture(early));
    executor.drain();
    EXPECT_TRUE(pending(early));

    registry->bluezAbsent();  // BlueZ is known not to be there
    auto late = std::make_shared<Outcome<void>>();
    registry->discover(
        registry->newCallId(), 10s, [](const CameraView&) {}, test::capture(late));
    executor.drain();
    ASSERT_TRUE(failedWith(late, Errc::Unavailable));
    EXPECT_EQ(late->result->error().message, "BlueZ is not running (org.bluez is not on the bus)");

    registry->bluezStarting();  // on the bus again, its objects still loading: wait as at start
    auto loading = std::make_shared<Outcome<void>>();
    registry->discover(
        registry->newCallId(), 10s, [](const CameraView&) {}, test::capture(loading));
    executor.drain();
    EXPECT_TRUE(pending(loading));

    bluezUp();
    addCamera("0456");
    auto found = resolve({{"0456"}, false});
    EXPECT_TRUE(succeeded(found)) << "BlueZ is back";
}

TEST_F(RegistrySelection, AllNamesEveryReadyCamera) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    addCamera("0123");
    auto none = resolve({{}, true});
    EXPECT_TRUE(failedWith(none, Errc::Unavailable));

    connectToReady("0456");
    connectToReady("0789");
    auto o = resolve({{}, true});
    ASSERT_TRUE(succeeded(o));
    EXPECT_THAT(ids(o->value()), ElementsAre("0456", "0789"));
}

// ---------------------------------------------------------------------------
// requestEach: one hop for a request on several cameras

using RegistryRequestEach = RegistryTest;

std::shared_ptr<test::Outcome<std::vector<CameraAnswer>>> requestEach(CoreHarness& h, Selection selection,
                                                                      CallId* call = nullptr) {
    auto o = std::make_shared<test::Outcome<std::vector<CameraAnswer>>>();
    const CallId id = h.registry->newCallId();
    if (call) *call = id;
    h.registry->requestEach(id, std::move(selection), protocol::command::getOpenGoProVersion(), h.in(5s), {},
                            test::capture(o));
    return o;
}

TEST_F(RegistryRequestEach, AnswersEachCameraInSelectionOrderAndNamesACameraOnce) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    connectToReady("0789");
    script("0456").clearLog();
    script("0789").clearLog();
    auto o = requestEach(*this, {{"0789", "0456", "D4:1C:00:00:07:89"}, false});
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    ASSERT_EQ(o->value().size(), 2U);
    EXPECT_EQ(o->value()[0].camera.identifier, "0789");
    EXPECT_EQ(o->value()[1].camera.identifier, "0456");
    for (const auto& outcome : o->value()) {
        ASSERT_TRUE(outcome.answer.has_value()) << outcome.answer.error().message;
        EXPECT_EQ(outcome.answer->message[1], 0x00) << "the camera's status: success";
    }
    EXPECT_THAT(script("0789").log(protocol::Characteristic::CommandRequest), ElementsAre("51")) << "once";
    EXPECT_THAT(script("0456").log(protocol::Characteristic::CommandRequest), ElementsAre("51"));
}

TEST_F(RegistryRequestEach, ACameraThatFailsIsOneOutcomeNotTheWholeCall) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    auto o = requestEach(*this, {{"0456", "0789"}, false});
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    ASSERT_EQ(o->value().size(), 2U);
    EXPECT_TRUE(o->value()[0].answer.has_value());
    ASSERT_FALSE(o->value()[1].answer.has_value()) << "0789 is not connected";
    EXPECT_EQ(o->value()[1].answer.error().code, Errc::Unavailable);
}

TEST_F(RegistryRequestEach, ASelectionThatDoesNotResolveFailsAsAWhole) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    script("0456").clearLog();
    auto o = requestEach(*this, {{"0456", "9999"}, false});
    executor.drain();
    EXPECT_TRUE(failedWith(o, Errc::NotFound));
    EXPECT_THAT(script("0456").log(), IsEmpty()) << "nothing is sent when the selection fails";
}

TEST_F(RegistryRequestEach, WithoutBluezEachCameraIsUnavailableAtOnce) {
    readyCameraThenBluezGone("0456");
    auto o = requestEach(*this, {{"0456"}, false});
    executor.drain();  // no time passes
    ASSERT_TRUE(succeeded(o)) << "the selection resolves: the answer is per camera";
    ASSERT_EQ(o->value().size(), 1U);
    ASSERT_FALSE(o->value()[0].answer.has_value());
    EXPECT_EQ(o->value()[0].answer.error().code, Errc::Unavailable);
    EXPECT_EQ(o->value()[0].answer.error().message, "BlueZ is not running (org.bluez is not on the bus)");
}

TEST_F(RegistryRequestEach, CancellingTheCallCancelsEveryCamerasRequest) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    connectToReady("0789");
    script("0456").answering = false;
    script("0789").answering = false;
    CallId call = 0;
    auto o = requestEach(*this, {{}, true}, &call);
    executor.drain();
    EXPECT_TRUE(pending(o));
    registry->cancel(call);
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    ASSERT_EQ(o->value().size(), 2U);
    for (const auto& outcome : o->value()) {
        ASSERT_FALSE(outcome.answer.has_value());
        EXPECT_EQ(outcome.answer.error().code, Errc::Cancelled);
    }
}

TEST_F(RegistrySelection, IgnoresDevicesThatAreNotGoPros) {
    bluezUp();
    auto headphones = test::makeGoProDevice("0456");
    headphones.info.name = "Headphones";
    port.addDevice(headphones);
    auto longName = test::makeGoProDevice("0789");
    longName.info.name = "GoPro 07890";
    port.addDevice(longName);
    executor.drain();
    EXPECT_THAT(list(), IsEmpty());
}

// ---------------------------------------------------------------------------
// Known cameras: persist, forget, restore

using RegistryKnown = RegistryTest;

TEST_F(RegistryKnown, PersistsACameraOnceAUserConnectedIt) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    EXPECT_THAT(persisted, IsEmpty()) << "seen is not known";
    connectToReady("0456");
    ASSERT_FALSE(persisted.empty());
    const auto& last = persisted.back();
    ASSERT_EQ(last.size(), 1U);
    EXPECT_EQ(last[0].identifier, "0456");
    EXPECT_EQ(last[0].address, "D4:1C:00:00:04:56");
    EXPECT_TRUE(last[0].known);
    EXPECT_TRUE(last[0].autoConnect);
    EXPECT_EQ(last[0].model, "HERO12 Black");
    EXPECT_EQ(last[0].firmware, "H23.01.01.10.00");
    EXPECT_GT(last[0].lastSeenUnix, 0);

    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    ASSERT_TRUE(succeeded(off));
    EXPECT_FALSE(off->value().autoConnect);
    ASSERT_EQ(persisted.back().size(), 1U);
    EXPECT_FALSE(persisted.back()[0].autoConnect);
}

TEST_F(RegistryKnown, ForgetRemovesTheBluezDeviceAndTheStateEntry) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    connectToReady("0789");
    script("0456").answering = false;
    auto inFlight = request("0456", protocol::command::hilight(), 30s);
    auto queued = request("0456", protocol::command::hilight(), 30s);
    executor.drain();

    auto done = std::make_shared<Outcome<void>>();
    registry->forget("0456", test::capture(done));
    executor.drain();
    ASSERT_TRUE(succeeded(done));
    EXPECT_THAT(port.log({"removeDevice"}), ElementsAre("removeDevice dev_D4_1C_00_00_04_56"));
    EXPECT_EQ(port.call(port.last("removeDevice")).path, std::string(test::kAdapterPath));
    EXPECT_TRUE(failedWith(inFlight, Errc::Unavailable));
    EXPECT_TRUE(failedWith(queued, Errc::Unavailable));
    ASSERT_FALSE(persisted.empty());
    EXPECT_THAT(ids(persisted.back()), ElementsAre("0789"));
    EXPECT_THAT(ids(list()), ElementsAre("0789"));
    EXPECT_EQ(registry->find("0456"), nullptr);

    auto again = resolve({{"0456"}, false});
    EXPECT_TRUE(failedWith(again, Errc::NotFound));
    executor.advance(5min);
    EXPECT_EQ(port.count("connect"), 2U) << "a forgotten camera is not reconnected";
}

TEST_F(RegistryKnown, CallsThatChangeWhatIsRememberedAnswerOnceItIsSaved) {
    bluezUp();
    addCamera("0456");
    holdSaves = true;
    auto connected = connect("0456");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_TRUE(pending(connected)) << "a new camera: answered once it is saved";
    auto runHeld = [this] {
        auto held = std::move(heldSaves);
        heldSaves.clear();
        for (auto& save : held) save();
        executor.drain();
    };
    runHeld();
    ASSERT_TRUE(succeeded(connected));
    EXPECT_TRUE(connected->value().known);

    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    EXPECT_TRUE(pending(off));
    runHeld();
    ASSERT_TRUE(succeeded(off));
    EXPECT_FALSE(off->value().autoConnect);

    auto forgotten = std::make_shared<Outcome<void>>();
    registry->forget("0456", test::capture(forgotten));
    executor.drain();
    EXPECT_TRUE(pending(forgotten));
    runHeld();
    EXPECT_TRUE(succeeded(forgotten));
}

TEST_F(RegistryKnown, CallsThatChangeWhatIsRememberedFailWhenTheSaveFails) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    persistResult = fail(Errc::Unavailable, "could not save the known cameras to /state: Is a directory");

    auto connected = connect("0789");
    executor.drain();
    EXPECT_EQ(state("0789"), CameraState::Ready);
    ASSERT_TRUE(failedWith(connected, Errc::Unavailable));
    EXPECT_THAT(connected->result->error().message, HasSubstr("could not save the known cameras to /state"));

    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    ASSERT_TRUE(failedWith(off, Errc::Unavailable));

    auto forgotten = std::make_shared<Outcome<void>>();
    registry->forget("0456", test::capture(forgotten));
    executor.drain();
    ASSERT_TRUE(failedWith(forgotten, Errc::Unavailable));
    EXPECT_EQ(port.count("removeDevice"), 1U) << "forgotten in BlueZ all the same";

    persistResult = {};
    auto on = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0789", true, test::capture(on));
    executor.drain();
    EXPECT_TRUE(succeeded(on)) << "saves work again once the disk does";
}

TEST_F(RegistryKnown, RestoredCamerasAreConnectedWhenTheyShowUpAndDiscoveryRunsUntilThen) {
    registry->restore({knownView("0456", true), knownView("0789", false)});
    auto before = list();
    ASSERT_THAT(ids(before), ElementsAre("0456", "0789"));
    EXPECT_EQ(before[0].state, CameraState::Disconnected);
    EXPECT_TRUE(before[0].known);
    EXPECT_EQ(before[0].model, "HERO12 Black");

    bluezUp();
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}), ElementsAre("startDiscovery /org/bluez/hci0"))
        << "0456 is wanted and not in sight";

    addCamera("0789");
    EXPECT_EQ(port.count("connect"), 0U) << "auto-connect is off for 0789";
    EXPECT_EQ(port.count("stopDiscovery"), 0U);

    addCamera("0456");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_EQ(state("0789"), CameraState::Disconnected);
    EXPECT_THAT(port.log({"startDiscovery", "stopDiscovery"}),
                ElementsAre("startDiscovery /org/bluez/hci0", "stopDiscovery /org/bluez/hci0"));
}

TEST_F(RegistryKnown, ConnectingAKnownCameraThatIsNotInSightDiscoversItFirst) {
    registry->restore({knownView("0456", false)});
    bluezUp();
    EXPECT_EQ(port.count("startDiscovery"), 0U);
    auto waiter = connect("0456");
    executor.drain();
    EXPECT_EQ(port.count("startDiscovery"), 1U);
    EXPECT_TRUE(pending(waiter));
    addCamera("0456");
    executor.drain();
    EXPECT_TRUE(succeeded(waiter));
}

// ---------------------------------------------------------------------------
// Limits

class RegistryLimits : public RegistryTest {
protected:
    RegistryLimits()
        : RegistryTest([] {
              auto s = defaultSettings();
              s.maxCameras = 2;
              s.maxSubscribers = 2;
              return s;
          }()) {}
};

TEST_F(RegistryLimits, IgnoresCamerasBeyondTheLimit) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    addCamera("0123");
    EXPECT_THAT(ids(list()), ElementsAre("0456", "0789"));
    auto o = resolve({{"0123"}, false});
    EXPECT_TRUE(failedWith(o, Errc::NotFound));
}

TEST_F(RegistryLimits, RestoresNoMoreCamerasThanTheLimit) {
    registry->restore({knownView("0456", true), knownView("0789", true), knownView("0123", true)});
    EXPECT_EQ(list().size(), 2U);
}

TEST_F(RegistryLimits, RefusesSubscribersBeyondTheLimit) {
    // The harness holds one subscription already.
    auto second = registry->subscribe({}, [](const Event&) {});
    ASSERT_TRUE(second.has_value());
    auto third = registry->subscribe({}, [](const Event&) {});
    ASSERT_FALSE(third.has_value());
    EXPECT_EQ(third.error().code, Errc::ResourceExhausted);
    registry->unsubscribe(*second);
    EXPECT_TRUE(registry->subscribe({}, [](const Event&) {}).has_value());
}

// ---------------------------------------------------------------------------
// Events

using RegistryEvents = RegistryTest;

TEST_F(RegistryEvents, AFilterPassesOnlyItsCamerasAndKinds) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    connectToReady("0789");
    std::vector<Event> got;
    auto sub = registry->subscribe({{"0789"}, {Event::Kind::StatusPush}}, [&got](const Event& e) { got.push_back(e); });
    ASSERT_TRUE(sub.has_value());
    std::vector<Event> byAddress;
    auto sub2 =
        registry->subscribe({{"d4:1c:00:00:04:56"}, {}}, [&byAddress](const Event& e) { byAddress.push_back(e); });
    ASSERT_TRUE(sub2.has_value());

    script("0456").pushStatus(protocol::status_id::kBattery, {50});
    script("0789").pushStatus(protocol::status_id::kBattery, {60});
    auto r = request("0789", protocol::command::hilight());
    executor.drain();
    ASSERT_TRUE(succeeded(r));
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].kind, Event::Kind::StatusPush);
    EXPECT_EQ(got[0].camera.identifier, "0789");
    EXPECT_EQ(got[0].camera.batteryPercent, 60);
    ASSERT_FALSE(byAddress.empty());
    for (const auto& e : byAddress) EXPECT_EQ(e.camera.identifier, "0456");

    registry->unsubscribe(*sub);
    script("0789").pushStatus(protocol::status_id::kBattery, {61});
    executor.drain();
    EXPECT_EQ(got.size(), 1U) << "nothing after unsubscribe";
}

TEST_F(RegistryEvents, PublishesEachStateChangeOnce) {
    bluezUp();
    addCamera("0456");
    std::vector<Event> got;
    auto sub = registry->subscribe({{}, {Event::Kind::StateChanged}}, [&got](const Event& e) { got.push_back(e); });
    ASSERT_TRUE(sub.has_value());
    connectToReady("0456");
    std::vector<CameraState> states;
    for (const auto& e : got) {
        EXPECT_EQ(e.kind, Event::Kind::StateChanged);
        states.push_back(e.camera.state);
    }
    EXPECT_THAT(states, ElementsAre(CameraState::Connecting, CameraState::Pairing, CameraState::ResolvingServices,
                                    CameraState::Subscribing, CameraState::Initializing, CameraState::Ready));
    got.clear();
    script("0456").pushStatus(protocol::status_id::kBattery, {10});
    executor.drain();
    EXPECT_THAT(got, IsEmpty()) << "a battery change is not a state change";
}

TEST_F(RegistryEvents, PublishesRequestDoneWithTheOutcome) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    events.clear();
    script("0456").answering = false;
    auto r = request("0456", protocol::command::hilight(), 1s);
    executor.advance(1s);
    ASSERT_TRUE(failedWith(r, Errc::DeadlineExceeded));
    const auto it =
        std::find_if(events.begin(), events.end(), [](const Event& e) { return e.kind == Event::Kind::RequestDone; });
    ASSERT_NE(it, events.end());
    EXPECT_EQ(it->request, "command 0x18");
    ASSERT_TRUE(it->error.has_value());
    EXPECT_EQ(it->error->code, Errc::DeadlineExceeded);
}

// ---------------------------------------------------------------------------
// Discovery, disconnect, shutdown

using RegistryControl = RegistryTest;

TEST_F(RegistryControl, DiscoverReportsCamerasUntilItsDurationEnds) {
    bluezUp();
    addCamera("0456");
    std::vector<std::string> found;
    auto done = std::make_shared<Outcome<void>>();
    registry->discover(
        registry->newCallId(), 10s, [&found](const CameraView& v) { found.push_back(v.identifier); },
        test::capture(done));
    executor.drain();
    EXPECT_THAT(port.log({"startDiscovery"}), ElementsAre("startDiscovery /org/bluez/hci0"));
    EXPECT_THAT(found, ElementsAre("0456"));
    addCamera("0789");
    EXPECT_THAT(found, ::testing::Contains("0789"));
    executor.advance(10s);
    EXPECT_TRUE(succeeded(done));
    EXPECT_THAT(port.log({"stopDiscovery"}), ElementsAre("stopDiscovery /org/bluez/hci0"));
}

TEST_F(RegistryControl, ACancelledDiscoveryEndsWithCancelled) {
    bluezUp();
    const CallId call = registry->newCallId();
    auto done = std::make_shared<Outcome<void>>();
    registry->discover(
        call, 10s, [](const CameraView&) {}, test::capture(done));
    executor.drain();
    registry->cancel(call);
    executor.drain();
    EXPECT_TRUE(failedWith(done, Errc::Cancelled));
    EXPECT_EQ(port.count("stopDiscovery"), 1U);
}

TEST_F(RegistryControl, AUserDisconnectStopsReconnecting) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    auto done = std::make_shared<Outcome<CameraView>>();
    registry->disconnect("0456", test::capture(done));
    executor.drain();
    ASSERT_TRUE(succeeded(done));
    EXPECT_EQ(state("0456"), CameraState::Disconnected);
    executor.advance(5min);
    EXPECT_EQ(port.count("connect"), 1U);
    auto r = request("0456", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));

    connectToReady("0456");
    EXPECT_EQ(port.count("connect"), 2U);
}

TEST_F(RegistryControl, ADisconnectAnswersWithTheStateItLeadsToAndIsNoError) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    events.clear();
    // bluetoothd answers Disconnect() before it signals Connected=false.
    port.setAutomatic("disconnect", false);
    auto done = std::make_shared<Outcome<CameraView>>();
    registry->disconnect("0456", test::capture(done));
    executor.drain();
    port.succeedLast("disconnect");
    executor.drain();
    ASSERT_TRUE(succeeded(done));
    EXPECT_EQ(done->value().state, CameraState::Disconnected);
    EXPECT_EQ(done->value().lastError, "");

    port.dropLink(device("0456").info.path);  // Connected=false, late
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Disconnected);
    EXPECT_EQ(camera("0456").view().lastError, "");
    EXPECT_THAT(stateEvents("0456"), ElementsAre(CameraState::Disconnected));
    for (const auto& e : events) EXPECT_FALSE(e.error) << "a disconnection asked for is no failure";
}

TEST_F(RegistryControl, OnlyTheStateChangeAFailureCausedCarriesItsError) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    events.clear();
    port.dropLink(device("0456").info.path);
    executor.advance(5s);  // auto-connect reconnects
    ASSERT_EQ(state("0456"), CameraState::Ready);
    std::vector<const Event*> changes;
    for (const auto& e : events) {
        if (e.kind == Event::Kind::StateChanged) changes.push_back(&e);
    }
    ASSERT_GE(changes.size(), 3U);
    EXPECT_EQ(changes[0]->camera.state, CameraState::LinkLost);
    ASSERT_TRUE(changes[0]->error);
    EXPECT_EQ(changes[0]->error->code, Errc::Unavailable);
    EXPECT_EQ(changes[0]->error->message, "the camera disconnected");
    for (std::size_t i = 1; i < changes.size(); ++i) {
        EXPECT_FALSE(changes[i]->error) << cameraStateName(changes[i]->camera.state);
    }
}

TEST_F(RegistryControl, ADisconnectFailsAConnectWaiterWithCancelled) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    auto waiter = connect("0456");
    executor.drain();
    auto done = std::make_shared<Outcome<CameraView>>();
    registry->disconnect("0456", test::capture(done));
    executor.drain();
    EXPECT_TRUE(failedWith(waiter, Errc::Cancelled));
    EXPECT_TRUE(succeeded(done));
}

TEST_F(RegistryControl, ACancelledConnectEndsWithCancelled) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    const CallId call = registry->newCallId();
    auto waiter = std::make_shared<Outcome<CameraView>>();
    registry->connect(call, "0456", {}, in(30s), test::capture(waiter));
    executor.drain();
    registry->cancel(call);
    executor.drain();
    EXPECT_TRUE(failedWith(waiter, Errc::Cancelled));
}

TEST_F(RegistryControl, ConnectingAReadyCameraAnswersAtOnce) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    auto again = connect("0456");
    executor.drain();
    ASSERT_TRUE(succeeded(again));
    EXPECT_EQ(again->value().state, CameraState::Ready);
    EXPECT_EQ(port.count("connect"), 1U);
}

TEST_F(RegistryControl, ACameraOnAnotherAdapterThanTheConfiguredOneIsIgnored) {
    CoreHarness h([] {
        auto s = CoreHarness::defaultSettings();
        s.adapters = {"hci1"};
        return s;
    }());
    h.port.addAdapter("/org/bluez/hci1", "00:1A:7D:DA:71:14");
    h.bluezUp();
    h.addCamera("0456");
    h.addCamera("0789", "/org/bluez/hci1");
    std::vector<CameraView> views;
    h.registry->listCameras([&views](std::vector<CameraView> v) { views = std::move(v); });
    h.executor.drain();
    ASSERT_EQ(views.size(), 1U);
    EXPECT_EQ(views[0].identifier, "0789");
    h.connectToReady("0789");
}

TEST_F(RegistryControl, ACameraSeenAndGoneAgainIsDropped) {
    bluezUp();
    addCamera("0456");
    ASSERT_EQ(list().size(), 1U);
    port.removeDeviceObject(device("0456").path());
    executor.drain();
    EXPECT_THAT(list(), IsEmpty());
}

TEST_F(RegistryControl, AKnownCameraOutOfRangeStaysListedAndIsSearchedFor) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    port.setAutomatic("connect", false);
    port.dropLink(device("0456").path());
    port.removeDeviceObject(device("0456").path());
    executor.drain();
    auto views = list();
    ASSERT_EQ(views.size(), 1U);
    EXPECT_EQ(views[0].state, CameraState::LinkLost);
    EXPECT_EQ(port.count("startDiscovery"), 1U);

    port.setAutomatic("connect", true);
    port.addDevice(device("0456"), &script("0456"));
    executor.advance(2s);  // the next retry of the backoff
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_EQ(port.count("stopDiscovery"), 1U);
}

TEST_F(RegistryControl, ShutdownFailsWhatIsPending) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    connectToReady("0456");
    script("0456").answering = false;
    auto r = request("0456", protocol::command::hilight(), 30s);
    port.setAutomatic("connect", false);
    auto waiter = connect("0789");
    executor.drain();
    registry->shutdown();
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));
    EXPECT_TRUE(failedWith(waiter, Errc::Unavailable));
}

TEST_F(RegistryControl, NothingConnectsWhileTheAdapterIsOff) {
    port.addAdapter(std::string(test::kAdapterPath), std::string(test::kAdapterAddress), false);
    port.appear();
    addCamera("0456");
    auto waiter = connect("0456");
    executor.drain();
    EXPECT_EQ(port.count("connect"), 0U);
    port.setAdapterPowered(std::string(test::kAdapterPath), true);
    executor.drain();
    EXPECT_TRUE(succeeded(waiter));
}

}  // namespace
}  // namespace goprod::core
