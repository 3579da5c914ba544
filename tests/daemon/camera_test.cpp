// Unit tests of one camera's life through the registry: the connection state
// machine (both orders of BlueZ signals and replies, pairing, services,
// notifications, session set-up), requests through the camera (framing,
// reassembly, deadlines, cancellation, overflow, busy gating), link loss and
// reconnection with backoff, sleep, two cameras on one adapter, BlueZ
// restarts, keep-alive, AP control and station mode. A fake BlueZ port with a
// camera behind it (goprod-sim's model), a deterministic executor: no sleeps, no threads.
#include "daemon/core/camera.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/core/registry.h"
#include "network_management.pb.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "tests/daemon/fake_bluez_port.h"

namespace goprod::core {
namespace {

using namespace std::chrono_literals;
using protocol::Bytes;
using protocol::Characteristic;
using test::CoreHarness;
using test::failedWith;
using test::FakeExecutor;
using test::hexDump;
using test::Outcome;
using test::pending;
using test::SimCamera;
using test::succeeded;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using C = Characteristic;
namespace pb = open_gopro;

Bytes hex(std::string_view text) {
    auto b = protocol::fromHex(text);
    EXPECT_TRUE(b.has_value()) << text;
    return b ? *b : Bytes{};
}

std::string answerOf(const std::shared_ptr<Outcome<Answer>>& o) {
    if (!o->ok()) return o->describe();
    return hexDump(o->value().message);
}

// The session set-up as the camera receives it, without the date and time
// (its bytes depend on the wall clock): checked separately.
std::vector<std::string> withoutDateTime(std::vector<std::string> log) {
    std::erase_if(log, [](const std::string& line) { return line.rfind("GP-0072 0F", 0) == 0; });
    return log;
}

const std::string kPairingFinish = [] {
    auto r = protocol::operation::pairingFinish("goprod");
    return "GP-0091 " + hexDump(r->message);
}();

// ---------------------------------------------------------------------------

class CameraTest : public ::testing::Test, public CoreHarness {
protected:
    explicit CameraTest(RegistrySettings settings = defaultSettings()) : CoreHarness(std::move(settings)) {}

    // One camera, BlueZ up, connected to Ready.
    void readyCamera(const std::string& id = "0456") {
        bluezUp();
        addCamera(id);
        connectToReady(id);
        script(id).clearLog();
    }

    const ObjectPath& dev(const std::string& id = "0456") { return devices.at(id).path(); }
    void connected(bool on, const std::string& id = "0456") {
        port.updateDevice(dev(id), [on](DeviceInfo& i) { i.connected = on; });
    }
    void paired(const std::string& id = "0456") {
        port.updateDevice(dev(id), [](DeviceInfo& i) { i.paired = true; });
    }
    // A connection attempt the camera fails by refusing to pair; the attempt's
    // Disconnect stays under way (disconnect is answered by hand).
    std::shared_ptr<Outcome<CameraView>> attemptWithRefusedPairing() {
        bluezUp();
        addCamera("0456");
        port.setAutomatic("pair", false);
        port.setAutomatic("disconnect", false);
        auto waiter = connect("0456");
        executor.drain();
        port.failLast("pair", Error{Errc::PairingFailed, "org.bluez.Error.AuthenticationFailed", {}});
        executor.drain();
        return waiter;
    }
    std::size_t countIn(const std::vector<std::string>& log, const std::string& line) {
        return static_cast<std::size_t>(std::count(log.begin(), log.end(), line));
    }
};

// ---------------------------------------------------------------------------
// Lifecycle

using CameraLifecycle = CameraTest;

TEST_F(CameraLifecycle, GoesFromDiscoveredThroughPairingAndSetUpToReady) {
    bluezUp();
    addCamera("0456");
    EXPECT_EQ(state("0456"), CameraState::Discovered);
    port.setAllManual();

    auto waiter = connect("0456");
    executor.drain();
    EXPECT_THAT(port.log(), ElementsAre("connect dev_D4_1C_00_00_04_56"));
    EXPECT_EQ(state("0456"), CameraState::Connecting);

    // Connected=true before the Connect() reply.
    connected(true);
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Pairing);
    EXPECT_THAT(port.log(), ElementsAre("connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56"));
    port.succeedLast("connect");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Pairing) << "the Connect reply changes nothing";
    EXPECT_EQ(port.count("pair"), 1U);

    paired();
    port.succeedLast("pair");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::ResolvingServices);
    EXPECT_THAT(port.log(), ElementsAre("connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56",
                                        "setTrusted dev_D4_1C_00_00_04_56 true"));
    EXPECT_EQ(port.count("startNotify"), 0U);

    port.resolveServices(dev());
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Subscribing);
    std::vector<std::string> notified;
    for (const auto i : port.indices("startNotify")) notified.push_back(port.call(i).path);
    EXPECT_THAT(notified, ::testing::UnorderedElementsAre(
                              charPath("0456", C::CommandResponse), charPath("0456", C::SettingResponse),
                              charPath("0456", C::QueryResponse), charPath("0456", C::NetworkManagementResponse)));
    EXPECT_EQ(port.count("write"), 0U) << "nothing is written before notifications are on";

    for (const auto i : port.indices("startNotify")) {
        EXPECT_EQ(state("0456"), CameraState::Subscribing);
        port.succeed(i);
        executor.drain();
    }
    EXPECT_EQ(state("0456"), CameraState::Initializing);
    EXPECT_TRUE(pending(waiter));

    // The camera answers the session set-up.
    port.setAutomatic("write", true);
    port.succeedLast("write");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_THAT(withoutDateTime(script("0456").log()),
                ElementsAre(kPairingFinish, "GP-0072 50", "GP-0072 51", "GP-0072 3C", "GP-0076 53 08 0A 45 46"));
    const auto log = script("0456").log();
    ASSERT_EQ(log.size(), 6U);
    EXPECT_EQ(log.back().substr(0, 14), "GP-0072 0F 0A ") << "Set Local Date Time comes last: " << log.back();
    const auto dateTime = script("0456").received().back().message;
    ASSERT_EQ(dateTime.size(), 12U);
    const auto local = protocol::parseLocalDateTimeParams(protocol::ByteView(dateTime).subspan(2));
    ASSERT_TRUE(local.has_value());
    EXPECT_GE(local->time.year, 2024);
    EXPECT_EQ(port.maxOpenWrites(), 1U);

    ASSERT_TRUE(succeeded(waiter));
    const CameraView& view = waiter->value();
    EXPECT_EQ(view.state, CameraState::Ready);
    EXPECT_EQ(view.identifier, "0456");
    EXPECT_EQ(view.address, "D4:1C:00:00:04:56");
    EXPECT_EQ(view.model, "HERO12 Black");
    EXPECT_EQ(view.firmware, "H23.01.01.10.00");
    EXPECT_EQ(view.serial, "C35013245000456");
    EXPECT_EQ(view.openGoProVersion, "2.0");
    EXPECT_EQ(view.batteryPercent, 87);
    EXPECT_TRUE(view.paired);
    EXPECT_TRUE(view.known);
    EXPECT_TRUE(view.autoConnect);
    EXPECT_THAT(stateEvents("0456"),
                ElementsAre(CameraState::Connecting, CameraState::Pairing, CameraState::ResolvingServices,
                            CameraState::Subscribing, CameraState::Initializing, CameraState::Ready));
}

TEST_F(CameraLifecycle, PairsOnceWhenConnectedArrivesAfterTheConnectReply) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    auto waiter = connect("0456");
    executor.drain();
    port.succeedLast("connect");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Connecting) << "BlueZ has not said Connected yet";
    EXPECT_EQ(port.count("pair"), 0U);

    connected(true);
    port.resolveServices(dev());
    executor.drain();
    EXPECT_EQ(port.count("pair"), 1U);
    EXPECT_EQ(port.count("connect"), 1U);
    ASSERT_TRUE(succeeded(waiter));
    EXPECT_EQ(state("0456"), CameraState::Ready);
}

TEST_F(CameraLifecycle, ReachesReadyWithEitherOrderOfConnectedAndTheReply) {
    for (const bool before : {true, false}) {
        SCOPED_TRACE(before ? "Connected before the reply" : "Connected after the reply");
        CoreHarness h;
        h.port.connectedBeforeReply = before;
        h.bluezUp();
        h.addCamera("0456");
        auto waiter = h.connect("0456");
        h.executor.drain();
        EXPECT_TRUE(succeeded(waiter));
        EXPECT_EQ(h.port.count("connect"), 1U);
        EXPECT_EQ(h.port.count("pair"), 1U);
        EXPECT_EQ(h.state("0456"), CameraState::Ready);
    }
}

TEST_F(CameraLifecycle, ServicesResolvedBeforePairingWaitsForThePairingToSubscribe) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("pair", false);
    auto waiter = connect("0456");
    executor.drain();  // Connected, characteristics exported, ServicesResolved=true
    EXPECT_TRUE(port.deviceInfo(dev()).servicesResolved);
    EXPECT_EQ(state("0456"), CameraState::Pairing);
    EXPECT_EQ(port.count("startNotify"), 0U) << "no notifications on an unencrypted link";

    port.succeedLast("pair");  // the reply before the Paired property
    executor.drain();
    EXPECT_EQ(port.count("startNotify"), 4U);
    paired();
    executor.drain();
    EXPECT_EQ(port.count("startNotify"), 4U) << "Paired=true afterwards subscribes nothing twice";
    EXPECT_TRUE(succeeded(waiter));
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_THAT(withoutDateTime(script("0456").log()).front(), kPairingFinish);
}

TEST_F(CameraLifecycle, AnAlreadyPairedCameraSkipsPairingAndPairingFinish) {
    bluezUp();
    auto device = test::makeGoProDevice("0456");
    device.info.paired = true;
    device.info.trusted = true;
    addCamera(device);

    connectToReady("0456");
    EXPECT_EQ(port.count("pair"), 0U);
    EXPECT_EQ(port.count("setTrusted"), 0U);
    EXPECT_THAT(withoutDateTime(script("0456").log()),
                ElementsAre("GP-0072 50", "GP-0072 51", "GP-0072 3C", "GP-0076 53 08 0A 45 46"));
    EXPECT_THAT(stateEvents("0456"),
                ElementsAre(CameraState::Connecting, CameraState::ResolvingServices, CameraState::Subscribing,
                            CameraState::Initializing, CameraState::Ready))
        << "never Pairing";
}

TEST_F(CameraLifecycle, APairingFailureFailsTheConnectWaiterWithPairingFailedAtItsDeadline) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("pair", false);
    auto waiter = connect("0456", 400ms);  // before the retry (at least half of reconnectInitial)
    executor.drain();
    ASSERT_EQ(state("0456"), CameraState::Pairing);

    port.failLast("pair", Error{Errc::Unavailable, "org.bluez.Error.AuthenticationFailed", {}});
    executor.drain();
    EXPECT_TRUE(pending(waiter)) << "it waits for the retries";
    executor.advance(400ms);
    ASSERT_TRUE(failedWith(waiter, Errc::PairingFailed));
    EXPECT_THAT(waiter->result->error().message,
                HasSubstr("could not connect to camera 0456 after 1 attempt: pairing failed: "));
    EXPECT_THAT(waiter->result->error().message, HasSubstr("AuthenticationFailed"));
    EXPECT_GE(port.count("disconnect"), 1U) << "the half-set-up link is dropped";
    EXPECT_THAT(camera("0456").view().lastError, HasSubstr("pairing failed"));
}

TEST_F(CameraLifecycle, AConnectionThatDoesNotCompleteInTimeIsAbandoned) {
    CoreHarness h([] {
        auto s = CoreHarness::defaultSettings();
        s.camera.connectTimeout = 10s;
        return s;
    }());
    h.bluezUp();
    h.addCamera("0456");
    h.port.setAutomatic("connect", false);
    auto waiter = h.connect("0456", 60s);
    h.executor.drain();
    h.executor.advance(9999ms);
    EXPECT_TRUE(pending(waiter));
    EXPECT_EQ(h.state("0456"), CameraState::Connecting);

    h.executor.advance(1ms);
    EXPECT_TRUE(pending(waiter)) << "it waits for the retries";
    EXPECT_THAT(h.camera("0456").view().lastError, HasSubstr("did not complete in time"));
    EXPECT_EQ(h.port.count("disconnect"), 1U) << "the pending Connect is cancelled";
    EXPECT_EQ(h.state("0456"), CameraState::LinkLost);
    EXPECT_EQ(h.port.count("connect"), 1U) << "a failed attempt is retried after a backoff, not at once";
    h.executor.advance(2s);
    EXPECT_THAT(h.stateEvents("0456"),
                ElementsAre(CameraState::Connecting, CameraState::LinkLost, CameraState::Connecting))
        << "auto-connect tries again";
    ASSERT_EQ(h.port.count("connect"), 2U);
    const auto delay = h.port.call(h.port.last("connect")).at - h.port.call(h.port.indices("connect")[0]).at;
    EXPECT_GE(delay, 11s);
    EXPECT_LE(delay, 12s);
}

TEST_F(CameraLifecycle, AConnectWaiterFailsAtItsOwnDeadline) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("connect", false);
    auto waiter = connect("0456", 3s);
    executor.advance(3s);
    ASSERT_TRUE(failedWith(waiter, Errc::DeadlineExceeded));
    EXPECT_EQ(state("0456"), CameraState::Connecting) << "the attempt itself goes on";
}

TEST_F(CameraLifecycle, AFailedStartNotifyFailsTheAttempt) {
    bluezUp();
    addCamera("0456");
    port.setAutomatic("startNotify", false);
    auto waiter = connect("0456");
    executor.drain();
    ASSERT_EQ(port.pendingCount("startNotify"), 4U);
    port.succeed(port.indices("startNotify")[0]);
    port.fail(port.indices("startNotify")[1], Error{Errc::PairingFailed, "Not paired", {}});
    port.succeed(port.indices("startNotify")[2]);
    executor.drain();
    EXPECT_TRUE(pending(waiter)) << "it waits for the retries";
    EXPECT_EQ(state("0456"), CameraState::LinkLost);
    EXPECT_THAT(camera("0456").view().lastError, HasSubstr("could not enable notifications"));
    EXPECT_EQ(port.count("write"), 0U);
}

TEST_F(CameraLifecycle, ACameraThatDoesNotAnswerItsSessionSetUpIsDisconnected) {
    bluezUp();
    addCamera("0456");
    script("0456").silentCommands.insert(0x51);
    port.setAutomatic("connect", false);
    auto waiter = connect("0456", 60s);
    executor.drain();
    connected(true);
    port.resolveServices(dev());
    port.succeedLast("connect");
    executor.drain();
    ASSERT_EQ(state("0456"), CameraState::Initializing);
    EXPECT_EQ(port.count("disconnect"), 0U);

    executor.advance(5s);  // the session timeout
    EXPECT_EQ(port.count("disconnect"), 1U);
    EXPECT_NE(state("0456"), CameraState::Ready);
    EXPECT_THAT(camera("0456").view().lastError, HasSubstr("Open GoPro version"));
    EXPECT_TRUE(pending(waiter)) << "the user waits for the retry";

    // The camera answers again: the retry gets it ready.
    script("0456").silentCommands.clear();
    ASSERT_EQ(port.count("connect"), 2U);
    connected(true);
    port.resolveServices(dev());
    port.succeedLast("connect");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_TRUE(succeeded(waiter));
}

TEST_F(CameraLifecycle, ALinkDropDuringTheSessionSetUpKeepsTheConnectWaiterForTheRetry) {
    bluezUp();
    addCamera("0456");
    script("0456").answering = false;
    auto waiter = connect("0456", 60s);
    executor.drain();
    ASSERT_EQ(state("0456"), CameraState::Initializing);
    script("0456").answering = true;
    port.dropLink(dev());
    executor.drain();
    EXPECT_TRUE(succeeded(waiter));
    EXPECT_EQ(port.count("connect"), 2U);
    EXPECT_EQ(state("0456"), CameraState::Ready);
}

// ---------------------------------------------------------------------------
// Requests through the camera

using CameraRequests = CameraTest;

TEST_F(CameraRequests, RequestsQueuedWhileInitializingRunAfterTheSessionSteps) {
    bluezUp();
    addCamera("0456");
    script("0456").pushStatus(protocol::status_id::kEncoding, {1});  // recording: a HiLight is accepted
    port.setAutomatic("write", false);
    auto waiter = connect("0456");
    executor.drain();
    ASSERT_EQ(state("0456"), CameraState::Initializing);

    auto hilight = request("0456", protocol::command::hilight());
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")));
    executor.drain();
    EXPECT_EQ(port.count("write"), 1U);

    port.setAutomatic("write", true);
    port.succeedLast("write");
    executor.drain();
    EXPECT_TRUE(succeeded(waiter));
    EXPECT_THAT(withoutDateTime(script("0456").log()),
                ElementsAre(kPairingFinish, "GP-0072 50", "GP-0072 51", "GP-0072 3C", "GP-0076 53 08 0A 45 46",
                            "GP-0072 18", "GP-0076 13 46"));
    EXPECT_EQ(answerOf(hilight), "18 00");
    EXPECT_EQ(answerOf(status), "13 00 46 01 57");
}

TEST_F(CameraRequests, AMultiPacketWriteGoesPacketByPacketAndNothingInterleaves) {
    readyCamera();
    port.setAutomatic("write", false);
    const auto connectNew =
        *protocol::operation::connectNew("a-network-with-a-long-name", "a password of 40 characters.....");
    auto packets = *protocol::fragment(connectNew.message, protocol::Sender::Client);
    ASSERT_GE(packets.size(), 3U);
    script("0456").pushStatus(protocol::status_id::kEncoding, {1});  // recording: a HiLight is accepted
    executor.drain();

    const auto before = port.writes().size();
    auto big = request("0456", connectNew);
    auto small = request("0456", protocol::command::hilight());
    executor.drain();
    const auto path = charPath("0456", C::NetworkManagementRequest);
    for (std::size_t i = 0; i < packets.size(); ++i) {
        ASSERT_EQ(port.writes().size(), before + i + 1) << "one packet at a time";
        EXPECT_EQ(port.writes().back(), hexDump(packets[i]));
        EXPECT_EQ(port.call(port.last("write")).path, path);
        port.succeedLast("write");
        executor.drain();
    }
    // The camera answered the whole message; only then the next request.
    ASSERT_TRUE(succeeded(big));
    EXPECT_EQ(big->value().message[0], 0x02);
    EXPECT_EQ(big->value().message[1], 0x85);
    ASSERT_EQ(port.writes().size(), before + packets.size() + 1);
    EXPECT_EQ(port.writes().back(), "01 18");
    port.succeedLast("write");
    executor.drain();
    EXPECT_EQ(answerOf(small), "18 00");
    EXPECT_EQ(port.maxOpenWrites(), 1U);
    EXPECT_EQ(script("0456").malformedWrites(), 0);
}

TEST_F(CameraRequests, AMultiPacketResponseIsReassembled) {
    readyCamera();
    protocol::QueryResponse big{0x13, 0, {}};
    for (std::uint8_t id = 1; id <= 20; ++id) big.entries.push_back({id, Bytes{id, 0, 0, id}});
    const Bytes message = *protocol::encodeQueryResponse(big);
    ASSERT_GT(SimCamera::packets(message).size(), 4U);
    script("0456").override = [&](Characteristic c, const Bytes& m) -> std::optional<std::vector<SimCamera::Reply>> {
        if (c == C::QueryRequest && m[0] == 0x13) return std::vector<SimCamera::Reply>{{C::QueryResponse, message}};
        return std::nullopt;
    };
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues));
    executor.drain();
    ASSERT_TRUE(succeeded(status));
    EXPECT_EQ(hexDump(status->value().message), hexDump(message));
    EXPECT_EQ(status->value().from, C::QueryResponse);
}

TEST_F(CameraRequests, AMalformedNotificationIsDiscardedAndTheNextValidAnswerStillMatches) {
    readyCamera();
    script("0456").answering = false;
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")));
    executor.drain();
    const auto path = charPath("0456", C::QueryResponse);
    port.notify(path, hex("85 01 02 03"));  // a continuation with no start
    port.notify(path, hex(""));             // empty
    port.notify(path, hex("20 40 13 00"));  // a 13-bit start of 64 bytes, never finished...
    executor.drain();
    EXPECT_TRUE(pending(status));
    // ... interrupted by the real answer.
    script("0456").sendNow(C::QueryResponse, hex("13 00 46 01 32"));
    executor.drain();
    EXPECT_EQ(answerOf(status), "13 00 46 01 32");
    EXPECT_EQ(camera("0456").state(), CameraState::Ready);
}

TEST_F(CameraRequests, ARequestFailsAtItsDeadlineAndItsLateAnswerNeverCompletesANewerOne) {
    readyCamera();
    script("0456").answering = false;
    auto first = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")), 2s);
    executor.drain();
    executor.advance(2s);
    ASSERT_TRUE(failedWith(first, Errc::DeadlineExceeded));

    auto second = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")), 10s);
    executor.drain();
    EXPECT_EQ(script("0456").log(), std::vector<std::string>{"GP-0076 13 46"})
        << "the same question waits until the late answer comes";
    script("0456").sendNow(C::QueryResponse, hex("13 00 46 01 11"));  // the late answer
    executor.drain();
    EXPECT_TRUE(pending(second));
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0076 13 46", "GP-0076 13 46"));
    script("0456").sendNow(C::QueryResponse, hex("13 00 46 01 22"));
    executor.drain();
    EXPECT_EQ(answerOf(second), "13 00 46 01 22");
}

TEST_F(CameraRequests, ControlCancelFailsTheRequestWithCancelled) {
    readyCamera();
    script("0456").answering = false;
    CallId call = 0;
    auto hilight = request("0456", protocol::command::hilight(), 5s, &call);
    auto queued = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("08")));
    executor.drain();
    ASSERT_NE(call, 0U);
    registry->cancel(call);
    executor.drain();
    EXPECT_TRUE(failedWith(hilight, Errc::Cancelled));
    EXPECT_TRUE(pending(queued));
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 18", "GP-0076 13 08")) << "the queue moves on";
    registry->cancel(call);  // harmless once finished
    executor.drain();
    EXPECT_EQ(hilight->calls, 1);
}

TEST_F(CameraRequests, ABoundedQueueRefusesTheRequestBeyondItsDepth) {
    CoreHarness h([] {
        auto s = CoreHarness::defaultSettings();
        s.camera.queue.maxDepth = 3;
        return s;
    }());
    h.bluezUp();
    h.addCamera("0456");
    h.connectToReady("0456");
    h.script("0456").answering = false;
    std::vector<std::shared_ptr<Outcome<Answer>>> accepted;
    for (int i = 0; i < 3; ++i) accepted.push_back(h.request("0456", protocol::command::hilight()));
    auto refused = h.request("0456", protocol::command::hilight());
    h.executor.drain();
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));
    for (const auto& o : accepted) EXPECT_TRUE(pending(o));
    EXPECT_EQ(h.camera("0456").view().queueDepth, 3U);
}

TEST_F(CameraRequests, ABusyCameraHoldsCommandsWhileQueriesOvertake) {
    readyCamera();
    script("0456").pushStatus(protocol::status_id::kBusy, {1});
    executor.drain();
    EXPECT_TRUE(camera("0456").view().busy);

    auto hilight = request("0456", protocol::command::hilight());
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("0A")));
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0076 13 0A"));
    EXPECT_EQ(answerOf(status), "13 00 0A 01 00");
    EXPECT_TRUE(pending(hilight));

    script("0456").pushStatus(protocol::status_id::kEncoding, {1});  // recording: a HiLight is accepted
    script("0456").pushStatus(protocol::status_id::kBusy, {0});
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0076 13 0A", "GP-0072 18"));
    EXPECT_EQ(answerOf(hilight), "18 00");
    EXPECT_FALSE(camera("0456").view().busy);
}

TEST_F(CameraRequests, ACameraStatusOtherThanSuccessIsStillAnAnswer) {
    readyCamera();
    script("0456").override = [](Characteristic c, const Bytes& m) -> std::optional<std::vector<SimCamera::Reply>> {
        if (c == C::CommandRequest && m[0] == 0x18)
            return std::vector<SimCamera::Reply>{{C::CommandResponse, hex("18 02")}};
        return std::nullopt;
    };
    auto hilight = request("0456", protocol::command::hilight());
    executor.drain();
    EXPECT_EQ(answerOf(hilight), "18 02");
}

TEST_F(CameraRequests, ARequestToACameraNobodyConnectsFailsAtOnce) {
    bluezUp();
    addCamera("0456");
    auto r = request("0456", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));
    EXPECT_EQ(port.count("write"), 0U);
}

TEST_F(CameraRequests, StatusPushesReachSubscribersAndTheCameraView) {
    readyCamera();
    events.clear();
    script("0456").pushStatus(protocol::status_id::kBattery, {42});
    executor.drain();
    EXPECT_EQ(camera("0456").view().batteryPercent, 42);
    const auto it =
        std::find_if(events.begin(), events.end(), [](const Event& e) { return e.kind == Event::Kind::StatusPush; });
    ASSERT_NE(it, events.end());
    ASSERT_EQ(it->entries.size(), 1U);
    EXPECT_EQ(it->entries[0].first, protocol::status_id::kBattery);
    EXPECT_EQ(hexDump(it->entries[0].second), "2A");
}

// ---------------------------------------------------------------------------
// Link loss and reconnection

class CameraLink : public CameraTest {
protected:
    // A ready camera whose writes wait for the test, and a message of several
    // packets (Connect New) in flight with only its first packet written.
    struct MultiPacketWrite {
        std::shared_ptr<Outcome<Answer>> request;
        std::size_t firstWrite = 0;    // the port's call, for succeed()
        std::size_t writesBefore = 0;  // writes before the message's first packet
    };
    MultiPacketWrite multiPacketWriteInFlight() {
        readyCamera();
        port.setAutomatic("write", false);
        const auto connectNew =
            *protocol::operation::connectNew("a-network-with-a-long-name", "a password of 40 characters.....");
        MultiPacketWrite write;
        write.writesBefore = port.writes().size();
        write.request = request("0456", connectNew, 30s);
        executor.drain();
        EXPECT_EQ(port.writes().size(), write.writesBefore + 1);
        write.firstWrite = port.last("write");
        return write;
    }
};

TEST_F(CameraLink, ADisconnectFailsTheRequestInFlightAndQueuedOnesRunAfterReconnection) {
    readyCamera();
    script("0456").answering = false;
    auto shutter = request("0456", protocol::command::setShutter(true), 30s);
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("0A")), 30s);
    executor.drain();
    ASSERT_THAT(script("0456").log(), ElementsAre("GP-0072 01 01 01"));

    port.dropLink(dev());
    script("0456").answering = true;
    executor.drain();
    ASSERT_TRUE(failedWith(shutter, Errc::Unavailable));
    EXPECT_EQ(state("0456"), CameraState::Ready) << "reconnected at once";
    EXPECT_EQ(port.count("connect"), 2U);
    EXPECT_EQ(answerOf(status), "13 00 0A 01 00");
    const auto log = withoutDateTime(script("0456").log());
    EXPECT_EQ(countIn(log, "GP-0072 01 01 01"), 1U) << "a shutter is never re-sent";
    EXPECT_EQ(log.back(), "GP-0076 13 0A") << "after the session set-up";
    EXPECT_THAT(stateEvents("0456"), ::testing::IsSupersetOf({CameraState::LinkLost}));
}

TEST_F(CameraLink, ADisconnectMidMultiPacketResponseDiscardsThePartialMessage) {
    readyCamera();
    script("0456").answering = false;
    auto info = request("0456", protocol::command::getHardwareInfo(), 30s);
    executor.drain();
    const auto stale = SimCamera::packets(
        protocol::encodeCommandResponse(0x3C, 0, protocol::encodeHardwareInfo(script("0456").sim().hardwareInfo())));
    ASSERT_GE(stale.size(), 3U);
    const auto path = charPath("0456", C::CommandResponse);
    port.notify(path, stale[0]);
    executor.drain();

    // Reconnected at once; the first session answer has not come yet when the
    // rest of the old message shows up.
    port.setAutomatic("write", false);
    events.clear();
    port.dropLink(dev());
    executor.drain();
    ASSERT_TRUE(failedWith(info, Errc::Unavailable));
    ASSERT_EQ(state("0456"), CameraState::Initializing);
    ASSERT_EQ(port.pendingCount("write"), 1U);
    for (std::size_t i = 1; i < stale.size(); ++i) port.notify(path, stale[i]);
    executor.drain();
    for (const auto& e : events) {
        EXPECT_NE(e.kind, Event::Kind::Notification) << "a stale message came through: " << hexDump(e.message);
    }
    port.setAutomatic("write", true);
    script("0456").answering = true;
    port.succeedLast("write");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
}

TEST_F(CameraLink, ADisconnectMidMultiPacketWriteWritesNoMorePackets) {
    const auto [big, first, before] = multiPacketWriteInFlight();
    ASSERT_FALSE(HasFailure());

    port.setAutomatic("connect", false);  // stay disconnected for a moment
    port.dropLink(dev());
    executor.drain();
    EXPECT_TRUE(failedWith(big, Errc::Unavailable));
    port.succeed(first);  // the reply to the first packet was on its way
    executor.drain();
    EXPECT_EQ(port.writes().size(), before + 1) << "the rest of the message belongs to the old link";
}

// No attempt follows a Disconnect: the ended link alone stops the rest of the message.
TEST_F(CameraLink, ADisconnectAskedMidMultiPacketWriteWritesNoMorePackets) {
    const auto [big, first, before] = multiPacketWriteInFlight();
    ASSERT_FALSE(HasFailure());

    auto disconnected = std::make_shared<Outcome<CameraView>>();
    registry->disconnect("0456", test::capture(disconnected));
    executor.drain();
    ASSERT_TRUE(succeeded(disconnected));
    EXPECT_TRUE(failedWith(big, Errc::Unavailable));
    port.succeed(first);  // the reply to the first packet was on its way
    executor.drain();
    EXPECT_EQ(port.writes().size(), before + 1) << "the rest of the message belongs to the ended link";
    EXPECT_EQ(port.count("connect"), 1U) << "nothing reconnected";
}

TEST_F(CameraLink, AFullQueueDuringAnOutageStillLetsTheSessionSetUpRun) {
    CoreHarness h([] {
        auto s = CoreHarness::defaultSettings();
        s.camera.queue.maxDepth = 4;
        return s;
    }());
    h.bluezUp();
    h.addCamera("0456");
    h.connectToReady("0456");
    h.script("0456").clearLog();
    h.port.setAutomatic("connect", false);
    h.port.dropLink(h.device("0456").path());
    h.executor.drain();
    std::vector<std::shared_ptr<Outcome<Answer>>> queued;
    for (int i = 0; i < 4; ++i) queued.push_back(h.request("0456", protocol::command::hilight(), 60s));
    auto refused = h.request("0456", protocol::command::hilight(), 60s);
    h.executor.drain();
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));

    h.port.updateDevice(h.device("0456").path(), [](DeviceInfo& i) { i.connected = true; });
    h.port.resolveServices(h.device("0456").path());
    h.port.succeedLast("connect");
    h.executor.drain();
    EXPECT_EQ(h.state("0456"), CameraState::Ready);
    EXPECT_THAT(withoutDateTime(h.script("0456").log()),
                ElementsAre("GP-0072 50", "GP-0072 51", "GP-0072 3C", "GP-0076 53 08 0A 45 46", "GP-0072 18",
                            "GP-0072 18", "GP-0072 18", "GP-0072 18"));
    for (const auto& o : queued) EXPECT_TRUE(succeeded(o));
}

TEST_F(CameraLink, TheAttemptAfterAFailedOneWaitsForTheDisconnectAndStartsWithConnect) {
    auto waiter = attemptWithRefusedPairing();
    ASSERT_TRUE(pending(waiter)) << "it waits for the retries";
    executor.advance(10s);  // the Disconnect is under way, Connected is still true
    EXPECT_THAT(
        port.log({"connect", "pair", "disconnect"}),
        ElementsAre("connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56", "disconnect dev_D4_1C_00_00_04_56"))
        << "nothing new on the dying link";

    port.setAutomatic("pair", true);
    port.setAutomatic("disconnect", true);
    connected(false);  // the Disconnect takes effect
    executor.drain();
    EXPECT_THAT(camera("0456").view().lastError, HasSubstr("pairing failed")) << "not \"the camera disconnected\"";
    port.succeed(port.last("disconnect"));
    executor.drain();
    EXPECT_THAT(
        port.log({"connect", "pair", "disconnect"}),
        ElementsAre("connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56", "disconnect dev_D4_1C_00_00_04_56",
                    "connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56"))
        << "the new attempt starts with Connect";
    EXPECT_EQ(state("0456"), CameraState::Ready);
    ASSERT_TRUE(succeeded(waiter));
    EXPECT_EQ(waiter->value().connectAttempts, 2U);
}

// BlueZ's order when it drops a link on request: ServicesResolved=false (Connected
// still true), the Disconnect() reply, then Connected=false. The property change
// before the reply must not make the next attempt start on the dying link.
TEST_F(CameraLink, PropertiesOfTheAbandonedLinkDoNotStartTheNextAttemptOnIt) {
    auto waiter = attemptWithRefusedPairing();
    ASSERT_TRUE(pending(waiter)) << "it waits for the retries";
    port.updateDevice(dev(), [](DeviceInfo& i) { i.servicesResolved = false; });  // still Connected=true
    executor.drain();
    port.setAutomatic("pair", true);
    port.setAutomatic("connect", false);
    port.succeed(port.last("disconnect"));
    executor.advance(10s);  // the retry's backoff
    EXPECT_THAT(
        port.log({"connect", "pair"}),
        ElementsAre("connect dev_D4_1C_00_00_04_56", "pair dev_D4_1C_00_00_04_56", "connect dev_D4_1C_00_00_04_56"))
        << "the new attempt starts with Connect, not with Pair on the old link";
    connected(false);  // the old link's Connected=false arrives late
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Connecting) << "not a link loss of the new attempt";
    port.updateDevice(dev(), [](DeviceInfo& i) { i.connected = i.servicesResolved = true; });
    port.succeed(port.last("connect"));
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
}

TEST_F(CameraLink, ReconnectsWithAJitteredExponentialBackoffUpToTheCap) {
    readyCamera();
    port.unreachable.insert(dev());
    port.dropLink(dev());
    executor.drain();
    for (int i = 0; i < 40; ++i) executor.advance(10s);

    std::vector<double> at;
    for (const auto i : port.indices("connect"))
        at.push_back(std::chrono::duration<double>(port.call(i).at - FakeExecutor::kStart).count());
    ASSERT_GE(at.size(), 10U);
    // at[0]: the first connection. at[1]: at once after the drop. Then 2 s · 2^k · [0.5, 1), capped at 60 s.
    EXPECT_EQ(at[1], at[0]) << "the first retry is immediate";
    double base = 2.0;
    for (std::size_t k = 2; k < at.size(); ++k, base = std::min(base * 2, 60.0)) {
        const double delay = at[k] - at[k - 1];
        EXPECT_GE(delay, base / 2) << "retry " << k;
        EXPECT_LE(delay, base) << "retry " << k;
        if (base * 2 <= 60.0 && k + 1 < at.size()) {  // the next delay is not capped
            EXPECT_GT(at[k + 1] - at[k], delay) << "delays grow";
        }
    }
    EXPECT_EQ(state("0456"), CameraState::LinkLost);

    port.unreachable.clear();
    executor.advance(61s);
    EXPECT_EQ(state("0456"), CameraState::Ready) << "the next retry succeeds";
}

TEST_F(CameraLink, AReconnectionRestoresTheStatusAndSettingRegistrationsClientsMade) {
    readyCamera();
    auto statuses = request("0456", protocol::query(protocol::QueryId::RegisterStatusUpdates, hex("11 22")));
    auto settings = request("0456", protocol::query(protocol::QueryId::RegisterSettingUpdates, hex("02 03")));
    executor.drain();
    ASSERT_TRUE(succeeded(statuses));
    ASSERT_TRUE(succeeded(settings));
    auto unregister = request("0456", protocol::query(protocol::QueryId::UnregisterSettingUpdates, hex("03")));
    executor.drain();
    ASSERT_TRUE(succeeded(unregister));
    script("0456").clearLog();

    port.dropLink(dev());
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_THAT(withoutDateTime(script("0456").log()),
                ElementsAre("GP-0072 50", "GP-0072 51", "GP-0072 3C", "GP-0076 53 08 0A 45 46 11 22", "GP-0076 52 02"));
}

TEST_F(CameraLink, ASleepingCameraIsNotWokenWhenAutoConnectIsOff) {
    readyCamera();
    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    ASSERT_TRUE(succeeded(off));

    auto sleep = request("0456", protocol::command::sleep());
    executor.drain();
    ASSERT_EQ(answerOf(sleep), "05 00");
    port.dropLink(dev());
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Sleeping);
    executor.advance(10min);
    EXPECT_EQ(port.count("connect"), 1U);
    EXPECT_EQ(state("0456"), CameraState::Sleeping);
    auto later = request("0456", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(later, Errc::Unavailable));
}

TEST_F(CameraLink, ASleepingCameraIsReconnectedWhenAutoConnectIsOn) {
    readyCamera();
    port.setAutomatic("connect", false);  // the camera drops the link as it answers
    auto sleep = request("0456", protocol::command::sleep());
    executor.drain();
    ASSERT_EQ(answerOf(sleep), "05 00");
    port.dropLink(dev());
    executor.drain();
    EXPECT_THAT(stateEvents("0456"), ::testing::IsSupersetOf({CameraState::Sleeping}));
    EXPECT_EQ(port.count("connect"), 2U) << "auto-connect wakes it";
    port.setAutomatic("connect", true);
    connected(true);
    port.resolveServices(dev());
    port.succeedLast("connect");
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
}

TEST_F(CameraLink, AnUnexpectedDisconnectIsNotSleep) {
    readyCamera();
    auto sleep = request("0456", protocol::command::sleep());
    script("0456").silentCommands.insert(0x05);  // no acknowledgement
    executor.drain();
    port.setAutomatic("connect", false);
    port.dropLink(dev());
    executor.drain();
    EXPECT_TRUE(failedWith(sleep, Errc::Unavailable));
    EXPECT_EQ(state("0456"), CameraState::Connecting);
    EXPECT_THAT(stateEvents("0456"), ::testing::Not(::testing::Contains(CameraState::Sleeping)));
}

// As the camera (and goprod-sim) does it: the answer and the disconnect in the
// same instant. The link-down is handled before the Sleep's completion runs.
TEST_F(CameraLink, ASleepAnsweredAsTheLinkDropsIsSleep) {
    readyCamera();
    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    ASSERT_TRUE(succeeded(off));

    auto sleep = request("0456", protocol::command::sleep());
    executor.drain();
    EXPECT_EQ(answerOf(sleep), "05 00");
    EXPECT_EQ(state("0456"), CameraState::Sleeping);
    EXPECT_THAT(stateEvents("0456"), ::testing::Not(::testing::Contains(CameraState::LinkLost)));
    executor.advance(10min);
    EXPECT_EQ(port.count("connect"), 1U) << "not woken";
    EXPECT_EQ(state("0456"), CameraState::Sleeping);
}

TEST_F(CameraLink, ASleepRefusedAsTheLinkDropsIsALinkLoss) {
    readyCamera();
    auto off = std::make_shared<Outcome<CameraView>>();
    registry->setAutoConnect("0456", false, test::capture(off));
    executor.drain();
    ASSERT_TRUE(succeeded(off));
    script("0456").override = [this](protocol::Characteristic,
                                     const protocol::Bytes& m) -> std::optional<std::vector<SimCamera::Reply>> {
        if (m != protocol::command::sleep().message) return std::nullopt;
        executor.post([this] {
            script("0456").sendNow(protocol::Characteristic::CommandResponse, hex("05 01"));
            port.dropLink(dev());
        });
        return std::vector<SimCamera::Reply>{};
    };

    auto sleep = request("0456", protocol::command::sleep());
    port.setAutomatic("connect", false);
    executor.drain();
    EXPECT_EQ(answerOf(sleep), "05 01");
    EXPECT_THAT(stateEvents("0456"), ::testing::Not(::testing::Contains(CameraState::Sleeping)));
    EXPECT_EQ(port.count("connect"), 2U) << "a link loss: the wanted connection is restored";
}

TEST_F(CameraLink, BlueZVanishingFailsTheRequestAndTheNextAtOnceAndItsReturnReconnects) {
    readyCamera();
    script("0456").answering = false;
    auto r = request("0456", protocol::command::hilight(), 30s);
    executor.drain();
    ASSERT_THAT(script("0456").log(), ElementsAre("GP-0072 18"));

    port.vanish();
    executor.drain();
    ASSERT_TRUE(failedWith(r, Errc::Unavailable));
    EXPECT_EQ(state("0456"), CameraState::LinkLost);
    // Nothing can reach the camera without BlueZ: a request says so at once
    // instead of waiting for a link that cannot come.
    auto refused = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")), 30s);
    executor.drain();
    ASSERT_TRUE(failedWith(refused, Errc::Unavailable));
    EXPECT_EQ(refused->result->error().message, "BlueZ is not running (org.bluez is not on the bus)");
    executor.advance(5s);
    EXPECT_EQ(port.count("connect"), 1U) << "nothing to connect to without BlueZ";

    script("0456").answering = true;
    port.appear();
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    EXPECT_EQ(port.count("connect"), 2U);
    auto after = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")), 30s);
    executor.drain();
    EXPECT_EQ(answerOf(after), "13 00 46 01 57");
}

TEST_F(CameraLink, BlueZVanishingMidWriteFailsTheRequest) {
    readyCamera();
    port.setAutomatic("write", false);
    auto r = request("0456", protocol::command::hilight(), 30s);
    executor.drain();
    ASSERT_EQ(port.pendingCount("write"), 1U);
    port.vanish();
    executor.drain();
    EXPECT_TRUE(failedWith(r, Errc::Unavailable));
    EXPECT_EQ(port.pendingCount("write"), 0U);
}

// ---------------------------------------------------------------------------
// Two cameras on one adapter

using TwoCameras = CameraTest;

TEST_F(TwoCameras, ConnectOneAtATimeThenProceedConcurrently) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    port.setAutomatic("connect", false);
    auto a = connect("0456");
    auto b = connect("0789");
    executor.drain();
    ASSERT_THAT(port.log({"connect"}), ElementsAre("connect dev_D4_1C_00_00_04_56"));
    executor.advance(5s);
    EXPECT_EQ(port.count("connect"), 1U) << "the second waits for the first to settle";

    connected(true, "0456");
    port.resolveServices(dev("0456"));
    port.succeedLast("connect");
    executor.drain();
    ASSERT_TRUE(succeeded(a));
    ASSERT_THAT(port.log({"connect"}), ElementsAre("connect dev_D4_1C_00_00_04_56", "connect dev_D4_1C_00_00_07_89"));
    connected(true, "0789");
    port.resolveServices(dev("0789"));
    port.succeedLast("connect");
    executor.drain();
    ASSERT_TRUE(succeeded(b));

    script("0456").answering = false;
    script("0789").answering = false;
    script("0456").clearLog();
    script("0789").clearLog();
    auto ra = request("0456", protocol::command::hilight());
    auto rb = request("0789", protocol::command::hilight());
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 18"));
    EXPECT_THAT(script("0789").log(), ElementsAre("GP-0072 18")) << "the cameras do not wait for each other";
    script("0789").sendNow(C::CommandResponse, hex("18 00"));
    executor.drain();
    EXPECT_TRUE(succeeded(rb));
    EXPECT_TRUE(pending(ra));
    script("0456").sendNow(C::CommandResponse, hex("18 01"));
    executor.drain();
    EXPECT_EQ(answerOf(ra), "18 01");
}

TEST_F(TwoCameras, AFailedAttemptLetsTheOtherCameraGo) {
    bluezUp();
    addCamera("0456");
    addCamera("0789");
    port.setAutomatic("connect", false);
    auto a = connect("0456");
    auto b = connect("0789");
    executor.drain();
    executor.advance(2s);  // a connection attempt takes time
    port.failLast("connect", Error{Errc::Unavailable, "le-connection-abort-by-local", {}});
    executor.drain();
    EXPECT_TRUE(pending(a)) << "it waits for the retry";
    ASSERT_THAT(port.log({"connect"}), ElementsAre("connect dev_D4_1C_00_00_04_56", "connect dev_D4_1C_00_00_07_89"));
}

// ---------------------------------------------------------------------------
// Keep-alive

class CameraKeepAlive : public CameraTest {
protected:
    CameraKeepAlive()
        : CameraTest([] {
              auto s = defaultSettings();
              s.camera.keepAlive = 3s;
              return s;
          }()) {}
};

TEST_F(CameraKeepAlive, IsSentEveryIntervalThroughTheQueue) {
    readyCamera();
    executor.advance(2999ms);
    EXPECT_TRUE(script("0456").log().empty());
    executor.advance(1ms);
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0074 5B 01 42"));
    executor.advance(3s);
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0074 5B 01 42", "GP-0074 5B 01 42"));
}

TEST_F(CameraKeepAlive, ChangingTheIntervalWhileOneIsInFlightKeepsASingleSchedule) {
    readyCamera();
    script("0456").answering = false;
    executor.advance(3s);
    ASSERT_THAT(script("0456").log(), ElementsAre("GP-0074 5B 01 42"));
    auto done = std::make_shared<Outcome<void>>();
    registry->setKeepAlive("0456", 5s, test::capture(done));
    executor.drain();
    ASSERT_TRUE(succeeded(done));
    script("0456").sendNow(C::SettingResponse, hex("5B 00"));
    script("0456").answering = true;
    script("0456").clearLog();
    executor.advance(20s);
    EXPECT_EQ(script("0456").log().size(), 4U) << "one keep-alive every 5 s";
}

TEST_F(CameraKeepAlive, IsNotSentWhileRequestsFlow) {
    readyCamera();
    script("0456").clearLog();
    for (int i = 0; i < 10; ++i) {
        executor.advance(2s);
        auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("08")));
        executor.drain();
        ASSERT_TRUE(succeeded(status));
    }
    EXPECT_THAT(script("0456").log(), ::testing::Each("GP-0076 13 08")) << "every request resets its timer";
    executor.advance(3s);
    EXPECT_EQ(script("0456").log().back(), "GP-0074 5B 01 42") << "an idle link gets it";
}

TEST_F(CameraKeepAlive, IsNotSentWhileARequestIsInFlight) {
    readyCamera();
    script("0456").answering = false;
    script("0456").clearLog();
    auto slow = request("0456", protocol::command::hilight(), 60s);
    executor.advance(10s);
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 18"));
}

TEST_F(CameraKeepAlive, TakesNoClientSlot) {
    CoreHarness h([] {
        auto s = CoreHarness::defaultSettings();
        s.camera.queue.maxDepth = 3;
        s.camera.keepAlive = 3s;
        return s;
    }());
    h.bluezUp();
    h.addCamera("0456");
    h.connectToReady("0456");
    h.script("0456").answering = false;
    h.script("0456").clearLog();
    h.executor.advance(3s);
    ASSERT_THAT(h.script("0456").log(), ElementsAre("GP-0074 5B 01 42")) << "in flight, unanswered";
    std::vector<std::shared_ptr<Outcome<Answer>>> accepted;
    for (int i = 0; i < 3; ++i) accepted.push_back(h.request("0456", protocol::command::hilight(), 60s));
    auto refused = h.request("0456", protocol::command::hilight(), 60s);
    h.executor.drain();
    for (const auto& o : accepted) EXPECT_TRUE(pending(o)) << "the client's 3 requests fit";
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));
    EXPECT_EQ(h.camera("0456").view().queueDepth, 3U) << "queue_depth counts what the limit counts";
}

TEST_F(CameraKeepAlive, CanBeTurnedOff) {
    readyCamera();
    auto done = std::make_shared<Outcome<void>>();
    registry->setKeepAlive("0456", 0ms, test::capture(done));
    executor.drain();
    executor.advance(30s);
    EXPECT_TRUE(script("0456").log().empty());
}

// A reload (SIGHUP) with a new default interval applies it to every camera.
TEST_F(CameraKeepAlive, AReloadAppliesANewInterval) {
    readyCamera();
    auto settings = defaultSettings();
    settings.camera.keepAlive = 1s;
    registry->reconfigure(settings);
    executor.advance(3s);
    EXPECT_EQ(script("0456").log().size(), 3U) << "one keep-alive a second";
}

// A reload that leaves the default interval alone keeps the one a client set.
TEST_F(CameraKeepAlive, AReloadOfOtherKeysKeepsTheIntervalAClientSet) {
    readyCamera();
    auto done = std::make_shared<Outcome<void>>();
    registry->setKeepAlive("0456", 0ms, test::capture(done));
    executor.drain();
    auto settings = defaultSettings();
    settings.camera.keepAlive = 3s;  // unchanged
    settings.camera.connectTimeout = 10s;
    registry->reconfigure(settings);
    executor.advance(30s);
    EXPECT_TRUE(script("0456").log().empty());
}

TEST_F(CameraRequests, AReloadChangesTheQueueDepthForNewRequests) {
    readyCamera();
    script("0456").answering = false;
    std::vector<std::shared_ptr<Outcome<Answer>>> accepted;
    for (int i = 0; i < 3; ++i) accepted.push_back(request("0456", protocol::command::hilight()));
    executor.drain();
    auto settings = defaultSettings();
    settings.camera.queue.maxDepth = 2;
    registry->reconfigure(settings);
    auto refused = request("0456", protocol::command::hilight());
    executor.drain();
    EXPECT_TRUE(failedWith(refused, Errc::ResourceExhausted));
    for (const auto& o : accepted) EXPECT_TRUE(pending(o)) << "a lower depth never drops a queued request";
}

// ---------------------------------------------------------------------------
// AP control and AP information

using CameraAp = CameraTest;

TEST_F(CameraAp, SetApWaitsForStatus69) {
    readyCamera();
    script("0456").sim().apStuck(true);
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", true, in(10s), test::capture(done));
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 17 01 01"));
    EXPECT_TRUE(pending(done)) << "acknowledged is not up";
    script("0456").pushStatus(protocol::status_id::kApMode, {1});
    executor.drain();
    EXPECT_TRUE(succeeded(done));
}

TEST_F(CameraAp, SetApOffSucceedsWhenStatus69SaysOff) {
    readyCamera();
    script("0456").pushStatus(protocol::status_id::kApMode, {1});
    executor.drain();
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", false, in(10s), test::capture(done));
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 17 01 00"));
    EXPECT_TRUE(succeeded(done));
}

TEST_F(CameraAp, SetApFailsWhenStatus69NeverFollows) {
    readyCamera();
    script("0456").sim().apStuck(true);
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", true, in(10s), test::capture(done));
    executor.advance(10s);
    EXPECT_TRUE(failedWith(done, Errc::DeadlineExceeded));
}

TEST_F(CameraAp, SetApQueriesStatus69WhenNoPushComes) {
    readyCamera();
    script("0456").sim().suppressStatusPushes(true);
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", true, in(10s), test::capture(done));
    executor.drain();
    EXPECT_TRUE(pending(done));
    script("0456").clearLog();
    executor.advance(1s);
    EXPECT_THAT(script("0456").log(C::QueryRequest), ElementsAre("13 45"));
    EXPECT_TRUE(succeeded(done)) << "the query shows the AP on";
    executor.advance(5s);
    EXPECT_THAT(script("0456").log(C::QueryRequest), ElementsAre("13 45")) << "no query after that";
}

TEST_F(CameraAp, SetApQueriesStatus69EverySecondUntilTheDeadline) {
    readyCamera();
    script("0456").sim().apStuck(true);
    script("0456").clearLog();
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", true, in(3500ms), test::capture(done));
    executor.advance(3500ms);
    EXPECT_TRUE(failedWith(done, Errc::DeadlineExceeded));
    EXPECT_THAT(script("0456").log(C::QueryRequest), ElementsAre("13 45", "13 45", "13 45"));
}

TEST_F(CameraAp, SetApRefusedByTheCameraIsCameraRejected) {
    readyCamera();
    script("0456").override = [](Characteristic c, const Bytes& m) -> std::optional<std::vector<SimCamera::Reply>> {
        if (c == C::CommandRequest && m[0] == 0x17)
            return std::vector<SimCamera::Reply>{{C::CommandResponse, hex("17 01")}};
        return std::nullopt;
    };
    auto done = std::make_shared<Outcome<void>>();
    registry->setAp(registry->newCallId(), "0456", true, in(10s), test::capture(done));
    executor.drain();
    ASSERT_TRUE(failedWith(done, Errc::CameraRejected));
    EXPECT_EQ(done->result->error().cameraStatus, 1);
}

TEST_F(CameraAp, CancellingSetApWhileItWaitsForTheStatusFailsItWithCancelled) {
    readyCamera();
    script("0456").sim().apStuck(true);
    auto done = std::make_shared<Outcome<void>>();
    const CallId call = registry->newCallId();
    registry->setAp(call, "0456", true, in(10s), test::capture(done));
    executor.drain();
    ASSERT_TRUE(pending(done));
    registry->cancel(call);
    executor.drain();
    EXPECT_TRUE(failedWith(done, Errc::Cancelled));
    script("0456").pushStatus(protocol::status_id::kApMode, {1});
    executor.advance(10s);
    EXPECT_EQ(done->calls, 1);
}

TEST_F(CameraAp, ReadApInfoReadsTheSsidAndPasswordCharacteristics) {
    readyCamera();
    auto info = std::make_shared<Outcome<ApInfo>>();
    registry->readApInfo(registry->newCallId(), "0456", in(5s), test::capture(info));
    executor.drain();
    ASSERT_TRUE(succeeded(info));
    EXPECT_EQ(info->value().ssid, "GP24500456");
    EXPECT_EQ(info->value().password, "x7Y-pass");
    std::vector<std::string> reads;
    for (const auto i : port.indices("read")) reads.push_back(port.call(i).path);
    EXPECT_THAT(reads, ElementsAre(charPath("0456", C::WifiApSsid), charPath("0456", C::WifiApPassword)));
}

TEST_F(CameraAp, ReadApInfoFailsWhenAReadFails) {
    readyCamera();
    port.setAutomatic("read", false);
    auto info = std::make_shared<Outcome<ApInfo>>();
    registry->readApInfo(registry->newCallId(), "0456", in(5s), test::capture(info));
    executor.drain();
    port.answerRead(port.last("read"), Unexpected{Error{Errc::PairingFailed, "Not paired", {}}});
    executor.drain();
    EXPECT_TRUE(failedWith(info, Errc::PairingFailed));
    EXPECT_EQ(port.count("read"), 1U);
}

// ---------------------------------------------------------------------------
// Station mode

class StationMode : public CameraTest {
protected:
    StationMode() {
        simConfig = [](const test::GoProDevice& device) {
            auto config = test::simCameraConfig(device);
            config.networks = {
                {"office", 4, 5180, pb::SCAN_FLAG_AUTHENTICATED | pb::SCAN_FLAG_CONFIGURED, "office pass"},
                {"cafe", 2, 2437, pb::SCAN_FLAG_AUTHENTICATED, "correct horse battery staple"},
                {"guest", 3, 2412, pb::SCAN_FLAG_OPEN, ""}};
            return config;
        };
    }
    void SetUp() override { readyCamera(); }

    // The camera's notifications with this network-management action are kept
    // back on the way (late or lost) until releaseNext().
    void holdNotifications(std::uint8_t action) {
        script("0456").hold = [action](Characteristic c, const Bytes& m) {
            return c == C::NetworkManagementResponse && m.size() >= 2 && m[0] == 0x02 && m[1] == action;
        };
    }
    void releaseNext() { ASSERT_TRUE(script("0456").releaseNext()) << "nothing held"; }

    std::shared_ptr<Outcome<std::vector<ScanEntry>>> scan(Executor::Clock::duration timeout = 30s,
                                                          CallId* call = nullptr) {
        auto o = std::make_shared<Outcome<std::vector<ScanEntry>>>();
        const CallId id = registry->newCallId();
        if (call) *call = id;
        registry->wifiScan(id, "0456", in(timeout), test::capture(o));
        return o;
    }
    std::shared_ptr<Outcome<void>> join(const std::string& ssid, std::optional<std::string> password,
                                        Executor::Clock::duration timeout = 30s, CallId* call = nullptr) {
        auto o = std::make_shared<Outcome<void>>();
        const CallId id = registry->newCallId();
        if (call) *call = id;
        registry->wifiConnect(
            id, "0456", ssid, std::move(password), in(timeout),
            [this](const WifiProgress& p) { progress.push_back(p); }, test::capture(o));
        return o;
    }
    std::vector<std::string> network() { return script("0456").log(C::NetworkManagementRequest); }
    static std::string entriesRequest(int start, int max, int scanId) {
        return hexDump(protocol::operation::getApEntries(start, max, scanId).message);
    }

    std::vector<WifiProgress> progress;
};

TEST_F(StationMode, ScanReturnsTheEntriesOfTheCamerasScan) {
    auto o = scan();
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    ASSERT_EQ(o->value().size(), 3U);
    EXPECT_EQ(o->value()[0].ssid, "office");
    EXPECT_EQ(o->value()[0].signalStrengthBars, 4);
    EXPECT_EQ(o->value()[0].signalFrequencyMhz, 5180);
    EXPECT_TRUE(o->value()[0].configured());
    EXPECT_FALSE(o->value()[1].configured());
    EXPECT_EQ(o->value()[2].flags, 0U);
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1)));
}

TEST_F(StationMode, ScanWorksWhenTheNotificationComesBeforeTheStartScanResponse) {
    holdNotifications(protocol::action::kStartScanResponse);
    auto o = scan();
    executor.drain();
    releaseNext();  // the response, after the notification
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(o->value().size(), 3U);
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1)));
}

TEST_F(StationMode, ScanWaitsForTheScanToFinish) {
    script("0456").sim().numberScansFrom(7);
    holdNotifications(protocol::action::kScanNotification);
    auto o = scan();
    executor.advance(5s);
    EXPECT_TRUE(pending(o));
    EXPECT_THAT(network(), ElementsAre("02 02"));
    releaseNext();  // scan 7 done, 3 entries
    executor.drain();
    EXPECT_TRUE(succeeded(o));
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 7)));
}

TEST_F(StationMode, ScanRefusedByTheCameraIsCameraRejected) {
    script("0456").sim().suppressStatusPushes(true);  // goprod does not know it is busy
    script("0456").sim().setBusy(true);
    auto o = scan();
    executor.drain();
    ASSERT_TRUE(failedWith(o, Errc::CameraRejected));
    EXPECT_THAT(o->result->error().message, HasSubstr("RESULT_RESOURCE_NOT_AVAILABLE"));
    EXPECT_FALSE(o->result->error().cameraStatus);  // not a TLV status byte
}

TEST_F(StationMode, ConnectsToAConfiguredNetworkWithConnectAndNoPassword) {
    // Only the final provisioning state is notified (PROVISIONING_STARTED is lost on the way).
    script("0456").hold = [](Characteristic c, const Bytes& m) {
        const auto note = protocol::decodeProtobuf(m);
        const auto* state = note ? note->as<pb::NotifProvisioningState>() : nullptr;
        return c == C::NetworkManagementResponse && state && state->provisioning_state() == pb::PROVISIONING_STARTED;
    };
    auto o = join("office", std::nullopt);
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1),
                                       hexDump(protocol::operation::connect("office")->message)));
    std::vector<WifiProgress::Step> steps;
    for (const auto& p : progress) steps.push_back(p.step);
    EXPECT_THAT(steps, ElementsAre(WifiProgress::Step::Scanning, WifiProgress::Step::Scanning,
                                   WifiProgress::Step::Found, WifiProgress::Step::Connecting,
                                   WifiProgress::Step::Provisioning, WifiProgress::Step::Provisioning));
    EXPECT_EQ(progress.back().detail, "PROVISIONING_SUCCESS_NEW_AP");
    EXPECT_THAT(progress[3].detail, HasSubstr("Connect to"));
}

TEST_F(StationMode, APasswordForAConfiguredNetworkIsReportedUnused) {
    auto o = join("office", std::string("a new password"));
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(network().back(), hexDump(protocol::operation::connect("office")->message)) << "Connect carries none";
    ASSERT_EQ(progress[3].step, WifiProgress::Step::Connecting);
    EXPECT_TRUE(progress[3].savedPassword);
    EXPECT_THAT(progress[3].detail, HasSubstr("saved password, not the one given"));
    EXPECT_TRUE(progress.back().savedPassword);
    EXPECT_FALSE(progress[2].savedPassword) << "not known before the connection starts";
}

TEST_F(StationMode, ANewNetworkDoesNotUseASavedPassword) {
    auto o = join("cafe", std::string("correct horse battery staple"));
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    for (const auto& p : progress) EXPECT_FALSE(p.savedPassword) << p.detail;
}

TEST_F(StationMode, ConnectsToANewNetworkWithConnectNewWrittenPacketByPacket) {
    auto o = join("cafe", std::string("correct horse battery staple"));
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    const auto request = *protocol::operation::connectNew("cafe", "correct horse battery staple");
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1), hexDump(request.message)));
    const auto packets = *protocol::fragment(request.message, protocol::Sender::Client);
    ASSERT_GT(packets.size(), 1U);
    auto written = port.writes(charPath("0456", C::NetworkManagementRequest));
    ASSERT_GE(written.size(), packets.size());
    written.erase(written.begin(), written.end() - static_cast<std::ptrdiff_t>(packets.size()));
    for (std::size_t i = 0; i < packets.size(); ++i) EXPECT_EQ(written[i], hexDump(packets[i])) << "packet " << i;
    EXPECT_EQ(port.maxOpenWrites(), 1U);
    EXPECT_EQ(progress.back().detail, "PROVISIONING_SUCCESS_NEW_AP");
}

TEST_F(StationMode, ConnectsToAnOpenNetworkWithoutAPassword) {
    auto o = join("guest", std::nullopt);
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    EXPECT_EQ(network().back(), hexDump(protocol::operation::connectNew("guest", "")->message));
}

TEST_F(StationMode, ANewSecuredNetworkWithoutAPasswordIsInvalidArgument) {
    auto o = join("cafe", std::nullopt);
    executor.drain();
    EXPECT_TRUE(failedWith(o, Errc::InvalidArgument));
    EXPECT_EQ(network().size(), 2U) << "nothing sent after the scan";
}

TEST_F(StationMode, ProvisioningCompletesWhenItsNotificationIsHandledBeforeTheConnectResponse) {
    // The camera notifies the result right behind the response: the
    // notification is handled before the response's completion runs.
    script("0456").hold = [](Characteristic c, const Bytes& m) {
        return c == C::NetworkManagementResponse && m.size() >= 2 && m[0] == 0x02 &&
               (m[1] == protocol::action::kConnectResponse || m[1] == protocol::action::kProvisioningNotification);
    };
    auto o = join("office", std::nullopt, 30s);
    executor.drain();
    script("0456").releaseAll();  // the response and the notifications back to back, nothing run in between
    executor.drain();
    EXPECT_TRUE(succeeded(o));
}

TEST_F(StationMode, ProvisioningCompletesWhenTheResultIsNotifiedLater) {
    holdNotifications(protocol::action::kProvisioningNotification);
    auto o = join("office", std::nullopt);
    executor.advance(3s);
    ASSERT_TRUE(pending(o));
    releaseNext();  // PROVISIONING_STARTED
    executor.drain();
    ASSERT_TRUE(pending(o));
    releaseNext();  // PROVISIONING_SUCCESS_NEW_AP
    executor.drain();
    EXPECT_TRUE(succeeded(o));
}

TEST_F(StationMode, ANetworkTheCameraDoesNotSeeIsNotFound) {
    auto o = join("elsewhere", std::string("password1"));
    executor.drain();
    ASSERT_TRUE(failedWith(o, Errc::NotFound));
    EXPECT_THAT(o->result->error().message, HasSubstr("elsewhere"));
    EXPECT_EQ(network().size(), 2U);
}

TEST_F(StationMode, AProvisioningErrorIsCameraRejected) {
    auto o = join("cafe", std::string("wrong password"));
    executor.drain();
    ASSERT_TRUE(failedWith(o, Errc::CameraRejected));
    EXPECT_THAT(o->result->error().message, HasSubstr("the network refused the password"));
    EXPECT_THAT(o->result->error().message, HasSubstr("PROVISIONING_ERROR_PASSWORD_AUTH"));
    EXPECT_FALSE(o->result->error().cameraStatus);
}

TEST_F(StationMode, AConnectRefusedByTheCameraIsCameraRejected) {
    script("0456").override = [](Characteristic c, const Bytes& m) -> std::optional<std::vector<SimCamera::Reply>> {
        if (c != C::NetworkManagementRequest || m.size() < 2 || m[1] != protocol::action::kConnect) return std::nullopt;
        pb::ResponseConnect refused;
        refused.set_result(pb::RESULT_ARGUMENT_INVALID);
        refused.set_provisioning_state(pb::PROVISIONING_NEVER_STARTED);
        refused.set_timeout_seconds(0);
        return std::vector<SimCamera::Reply>{
            {C::NetworkManagementResponse, SimCamera::protobuf(0x02, protocol::action::kConnectResponse, refused)}};
    };
    auto o = join("office", std::nullopt);
    executor.drain();
    ASSERT_TRUE(failedWith(o, Errc::CameraRejected));
    EXPECT_THAT(o->result->error().message, HasSubstr("RESULT_ARGUMENT_INVALID"));
    EXPECT_FALSE(o->result->error().cameraStatus);
}

TEST_F(StationMode, LosingTheLinkMidOperationIsUnavailable) {
    holdNotifications(protocol::action::kProvisioningNotification);
    auto o = join("office", std::nullopt);
    executor.drain();
    ASSERT_TRUE(pending(o));
    port.setAutomatic("connect", false);
    port.dropLink(dev());
    executor.drain();
    EXPECT_TRUE(failedWith(o, Errc::Unavailable));
}

TEST_F(StationMode, AnOperationFailsAtItsDeadline) {
    holdNotifications(protocol::action::kScanNotification);
    auto o = scan(8s);
    executor.advance(7999ms);
    ASSERT_TRUE(pending(o));
    executor.advance(1ms);
    ASSERT_TRUE(failedWith(o, Errc::DeadlineExceeded));
    EXPECT_THAT(o->result->error().message, HasSubstr("scan"));
}

TEST_F(StationMode, AnOperationCanBeCancelled) {
    holdNotifications(protocol::action::kProvisioningNotification);
    CallId call = 0;
    auto o = join("office", std::nullopt, 30s, &call);
    executor.drain();
    ASSERT_TRUE(pending(o));
    registry->cancel(call);
    executor.drain();
    EXPECT_TRUE(failedWith(o, Errc::Cancelled));
    // The channel is free again.
    auto next = scan();
    executor.drain();
    EXPECT_TRUE(succeeded(next));
}

TEST_F(StationMode, TwoOperationsOnOneCameraRunOneAfterTheOther) {
    holdNotifications(protocol::action::kScanNotification);
    auto first = scan();
    auto second = scan();
    executor.drain();
    EXPECT_THAT(network(), ElementsAre("02 02")) << "the second waits for the channel";
    releaseNext();  // scan 1 done
    executor.drain();
    EXPECT_TRUE(succeeded(first));
    EXPECT_TRUE(pending(second));
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1), "02 02"));
    releaseNext();  // scan 2 done
    executor.drain();
    EXPECT_TRUE(succeeded(second));
    EXPECT_THAT(network(), ElementsAre("02 02", entriesRequest(0, 3, 1), "02 02", entriesRequest(0, 3, 2)));
}

TEST_F(StationMode, OtherRequestsFlowWhileAnOperationWaitsForANotification) {
    script("0456").pushStatus(protocol::status_id::kEncoding, {1});  // recording: a HiLight is accepted
    holdNotifications(protocol::action::kScanNotification);
    auto o = scan();
    executor.drain();
    auto hilight = request("0456", protocol::command::hilight());
    auto status = request("0456", protocol::query(protocol::QueryId::GetStatusValues, hex("46")));
    executor.drain();
    EXPECT_EQ(answerOf(hilight), "18 00");
    EXPECT_EQ(answerOf(status), "13 00 46 01 57");
    EXPECT_TRUE(pending(o));
    releaseNext();  // scan 1 done
    executor.drain();
    EXPECT_TRUE(succeeded(o));
}

TEST_F(StationMode, ScanNotificationsAlsoReachEventSubscribers) {
    events.clear();
    auto o = scan();
    executor.drain();
    ASSERT_TRUE(succeeded(o));
    const auto n = std::count_if(events.begin(), events.end(), [](const Event& e) {
        return e.kind == Event::Kind::Notification && e.message.size() > 2 && e.message[0] == 0x02 &&
               e.message[1] == 0x0B;
    });
    EXPECT_EQ(n, 1);
}

TEST_F(StationMode, ARequestToACameraThatIsNotReadyFailsAtOnce) {
    port.setAutomatic("connect", false);
    port.dropLink(dev());
    executor.drain();
    auto o = scan();
    executor.drain();
    EXPECT_TRUE(failedWith(o, Errc::Unavailable));
}

// issue 15 F: a client's preset registration is restored on reconnection, and
// the camera's preset pushes become their own event kind.
TEST_F(CameraLink, PresetPushesAreEventsAndTheRegistrationSurvivesAReconnection) {
    readyCamera();
    auto registered = request("0456", protocol::operation::getPresetStatus(false, true));
    executor.drain();
    ASSERT_TRUE(succeeded(registered));
    events.clear();
    auto setting = request("0456", protocol::setting::set(protocol::setting_id::kVideoResolution, 4, 1).value());
    executor.drain();
    ASSERT_TRUE(succeeded(setting));
    const auto pushes = [&] {
        return std::count_if(events.begin(), events.end(), [](const Event& e) {
            return e.kind == Event::Kind::Presets && e.message.size() > 2 && e.message[1] == 0xF3;
        });
    };
    EXPECT_EQ(pushes(), 1) << "the setting change modified the active preset";
    EXPECT_TRUE(std::none_of(events.begin(), events.end(),
                             [](const Event& e) { return e.kind == Event::Kind::Notification; }));

    script("0456").clearLog();
    port.dropLink(dev());
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    const auto log = withoutDateTime(script("0456").log());
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back(), "GP-0076 F5 72 08 01 08 02") << "registered again on the new link";
    events.clear();
    setting = request("0456", protocol::setting::set(protocol::setting_id::kVideoResolution, 9, 1).value());
    executor.drain();
    EXPECT_EQ(pushes(), 1) << "the camera pushes again";
}

TEST_F(CameraLink, GettingPresetsWithoutRegisteringIsNotRestored) {
    readyCamera();
    auto read = request("0456", protocol::operation::getPresetStatus(true));
    executor.drain();
    ASSERT_TRUE(succeeded(read));
    script("0456").clearLog();
    port.dropLink(dev());
    executor.drain();
    EXPECT_EQ(state("0456"), CameraState::Ready);
    for (const auto& line : script("0456").log()) EXPECT_EQ(line.rfind("GP-0076 F5 72", 0), std::string::npos) << line;
}

// ---------------------------------------------------------------------------
// issue 15 E: external control for the session

class CameraControlClaim : public CameraTest {
protected:
    CameraControlClaim()
        : CameraTest([] {
              auto s = defaultSettings();
              s.camera.claimControl = true;
              return s;
          }()) {}

    std::shared_ptr<Outcome<CameraView>> disconnect() {
        auto disconnected = std::make_shared<Outcome<CameraView>>();
        registry->disconnect("0456", test::capture(disconnected));
        return disconnected;
    }
    std::shared_ptr<Outcome<void>> claim(bool on) {
        auto outcome = std::make_shared<Outcome<void>>();
        registry->claimControl("0456", on, in(5s), test::capture(outcome));
        return outcome;
    }
};

TEST_F(CameraControlClaim, IsTheLastSessionStepAndDisconnectGivesItBackFirst) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    EXPECT_EQ(script("0456").log().back(), "GP-0072 F1 69 08 02");
    EXPECT_EQ(script("0456").sim().statusValue(protocol::status_id::kCameraControl), protocol::Bytes{2});
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(events.back().camera.controlClaimed) << "the Ready event shows the claim";

    script("0456").clearLog();
    auto again = claim(true);
    executor.drain();
    EXPECT_TRUE(succeeded(again));
    EXPECT_TRUE(script("0456").log().empty()) << "a claim the camera holds is not sent again";

    port.setAutomatic("disconnect", false);
    auto disconnected = disconnect();
    executor.drain();
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 F1 69 08 00"));
    EXPECT_EQ(port.count("disconnect"), 1U) << "once the camera took the release";
    port.succeedLast("disconnect");
    executor.drain();
    EXPECT_TRUE(succeeded(disconnected));
    EXPECT_FALSE(disconnected->value().controlClaimed);
    EXPECT_EQ(script("0456").sim().statusValue(protocol::status_id::kCameraControl), protocol::Bytes{0});
}

TEST_F(CameraControlClaim, ACameraThatDoesNotTakeTheReleaseIsDisconnectedAfterTwoSeconds) {
    readyCamera();
    script("0456").answering = false;
    auto disconnected = disconnect();
    executor.advance(1999ms);
    EXPECT_FALSE(disconnected->finished());
    EXPECT_EQ(port.count("disconnect"), 0U);
    executor.advance(1ms);
    executor.drain();
    EXPECT_TRUE(succeeded(disconnected));
    EXPECT_EQ(port.count("disconnect"), 1U);
}

TEST_F(CameraControlClaim, ReleasedControlIsNotGivenBackAgainNorClaimedOnReconnection) {
    readyCamera();
    auto released = claim(false);
    executor.drain();
    EXPECT_TRUE(succeeded(released));
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 F1 69 08 00"));
    script("0456").clearLog();
    auto disconnected = disconnect();
    executor.drain();
    EXPECT_TRUE(succeeded(disconnected));
    EXPECT_TRUE(script("0456").log().empty());
    connectToReady("0456");
    EXPECT_THAT(script("0456").log(), ::testing::Not(::testing::Contains("GP-0072 F1 69 08 02")));
}

// Without the setting, a session sends no claim until a client asks for one.
TEST_F(CameraRequests, NoControlClaimUnlessConfiguredOrAsked) {
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    EXPECT_THAT(script("0456").log(), ::testing::Not(::testing::Contains("GP-0072 F1 69 08 02")));
    script("0456").clearLog();
    auto outcome = std::make_shared<Outcome<void>>();
    registry->claimControl("0456", true, in(5s), test::capture(outcome));
    executor.drain();
    EXPECT_TRUE(succeeded(outcome));
    EXPECT_THAT(script("0456").log(), ElementsAre("GP-0072 F1 69 08 02"));
}

}  // namespace
}  // namespace goprod::core

namespace goprod::core {
namespace {

// A HERO10 lacks Set Local Date Time and refuses it (status 2): the session
// sets its clock with Set Date Time instead, and the camera still gets ready.
TEST_F(CameraTest, ACameraBeforeHero11GetsItsClockSetWithoutTheTimeZone) {
    simConfig = [](const test::GoProDevice& device) {
        auto config = test::simCameraConfig(device);
        sim::applyModel(config, *sim::findCameraModel("hero10"));
        return config;
    };
    bluezUp();
    addCamera("0456");
    connectToReady("0456");
    std::vector<std::string> clockWrites;
    for (const auto& line : script("0456").log()) {
        if (line.rfind("GP-0072 0F", 0) == 0 || line.rfind("GP-0072 0D", 0) == 0)
            clockWrites.push_back(line.substr(0, 13));
    }
    EXPECT_THAT(clockWrites, ElementsAre("GP-0072 0F 0A", "GP-0072 0D 07"));
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    auto read = request("0456", protocol::command::getDateTime());
    executor.drain();
    ASSERT_TRUE(succeeded(read));
    const auto response = protocol::parseCommandResponse(read->value().message);
    ASSERT_TRUE(response && response->ok());
    const auto clock = protocol::parseDateTimeResponse(response->payload);
    ASSERT_TRUE(clock.has_value());
    EXPECT_EQ(clock->year, local.tm_year + 1900) << "the camera's clock was set (it starts in 2024)";
}

}  // namespace
}  // namespace goprod::core
