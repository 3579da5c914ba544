// Unit tests of goprod-sim's camera model: every seed request gets the seed's
// answer byte for byte, the state rules, station mode, and each fault, on a
// fake clock (no bus, no sleeps).
#include "sim/camera.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "camera_control.pb.h"
#include "cohn.pb.h"
#include "live_streaming.pb.h"
#include "media.pb.h"
#include "network_management.pb.h"
#include "preset_status.pb.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "response_generic.pb.h"
#include "tests/protocol/hex.h"
#include "tests/sim/fake_scheduler.h"

namespace goprod::sim {
namespace {

namespace pb = open_gopro;
using protocol::Bytes;
using protocol::Characteristic;
using protocol::test::dump;
using protocol::test::hex;
using std::chrono::milliseconds;
using test::FakeScheduler;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using C = Characteristic;

// "0073: 02 01 00": a notified packet as the tests spell expectations.
std::string line(Characteristic c, protocol::ByteView packet) {
    return std::string(protocol::info(c).shortName.substr(3)) + ": " + dump(packet);
}
std::string pk(std::string_view characteristic, std::string_view packet) {
    return std::string(characteristic) + ": " + dump(hex(packet));
}

class CameraTest : public ::testing::Test {
protected:
    CameraTest() { start(CameraConfig{}); }

    void start(CameraConfig config) {
        camera_.reset();
        sent_.clear();
        camera_ = std::make_unique<Camera>(
            std::move(config), scheduler_,
            Camera::Hooks{[this](Characteristic c, Bytes packet) { sent_.emplace_back(c, std::move(packet)); },
                          [this] {
                              ++drops_;
                              sent_.emplace_back(C::Internal81, Bytes{});  // marker
                          }});
        camera_->connected();
    }

    Camera& camera() { return *camera_; }

    // A request message framed as clients send it, one write per packet.
    void send(const protocol::Request& request) {
        auto packets = protocol::fragment(request.message, protocol::Sender::Client);
        ASSERT_TRUE(packets);
        for (const auto& packet : *packets) EXPECT_TRUE(camera_->write(request.characteristic, packet));
    }
    void sendPacket(Characteristic c, std::string_view packet) { EXPECT_TRUE(camera_->write(c, hex(packet))); }

    // What the camera notified since the last call, once due timers ran.
    std::vector<std::string> take(milliseconds advance = milliseconds{0}) {
        scheduler_.advance(advance);
        std::vector<std::string> out;
        for (const auto& [c, packet] : sent_) out.push_back(c == C::Internal81 ? "dropLink" : line(c, packet));
        sent_.clear();
        return out;
    }

    // One packet in, what came out with latency 0.
    std::vector<std::string> exchange(Characteristic c, std::string_view packet) {
        sendPacket(c, packet);
        return take();
    }

    // The messages (reassembled) notified since the last call.
    std::vector<std::pair<Characteristic, Bytes>> takeMessages(milliseconds advance = milliseconds{0}) {
        scheduler_.advance(advance);
        std::map<Characteristic, protocol::Reassembler> reassemblers;
        std::vector<std::pair<Characteristic, Bytes>> out;
        for (const auto& [c, packet] : sent_) {
            if (c == C::Internal81) continue;
            auto result = reassemblers[c].feed(packet);
            EXPECT_FALSE(result.error) << protocol::describe(*result.error);
            if (result.message) out.emplace_back(c, std::move(*result.message));
        }
        sent_.clear();
        return out;
    }

    template <class M>
    static M decode(const Bytes& message) {
        auto decoded = protocol::decodeProtobuf(message);
        EXPECT_TRUE(decoded) << (decoded ? "" : protocol::describe(decoded.error()));
        if (!decoded || decoded->as<M>() == nullptr) return M{};
        return *decoded->as<M>();
    }

    FakeScheduler scheduler_;
    std::vector<std::pair<Characteristic, Bytes>> sent_;
    int drops_ = 0;
    std::unique_ptr<Camera> camera_;
};

// The send-commands seed (tutorial 2) and §9.1: request → the seed's answer.
TEST_F(CameraTest, EveryCommandSeedGetsTheSeedsAnswer) {
    const std::vector<std::pair<std::string_view, std::string_view>> seeds = {
        {"03 01 01 01", "02 01 00"},           // shutter on
        {"03 01 01 00", "02 01 00"},           // shutter off
        {"04 3E 02 03 E8", "02 3E 00"},        // video group
        {"04 3E 02 03 E9", "02 3E 00"},        // photo group
        {"04 3E 02 03 EA", "02 3E 00"},        // timelapse group
        {"06 40 04 00 00 00 01", "02 40 00"},  // Activity
        {"06 40 04 00 00 00 02", "02 40 00"},  // Cinematic
        {"06 40 04 00 01 00 02", "02 40 00"},  // Burst
        {"06 40 04 00 01 00 03", "02 40 00"},  // Night
        {"01 50", "02 50 00"},                 // enable analytics
        {"01 51", "06 51 00 01 02 01 00"},     // Open GoPro 2.0
        {"03 17 01 01", "02 17 00"},           // AP on
        {"03 17 01 00", "02 17 00"},           // AP off
        {"09 0D 07 07 E7 01 1F 03 04 05", "02 0D 00"},
        {"0C 0F 0A 07 E7 01 1F 03 04 05 FF 88 01", "02 0F 00"},
        {"0C 0F 0A 07 E8 04 04 0D 00 05 FE 5C 01", "02 0F 00"},
    };
    for (const auto& [request, response] : seeds) {
        EXPECT_THAT(exchange(C::CommandRequest, request), ElementsAre(pk("0073", response))) << request;
    }
}

TEST_F(CameraTest, EverySettingSeedGetsTheSeedsAnswer) {
    const std::vector<std::pair<std::string_view, std::string_view>> seeds = {
        {"03 02 01 09", "02 02 00"},  // 1080
        {"03 02 01 04", "02 02 00"},  // 2.7K
        {"03 03 01 00", "02 03 00"},  // 240 fps (at 2.7K)
        {"03 79 01 00", "02 79 00"},  // lens wide
        {"03 3B 01 04", "02 3B 00"},  // auto power down 5 min
        {"03 5B 01 42", "02 5B 00"},  // keep-alive
    };
    for (const auto& [request, response] : seeds) {
        EXPECT_THAT(exchange(C::SettingRequest, request), ElementsAre(pk("0075", response))) << request;
    }
    EXPECT_EQ(camera().settingValue(2), 4U);
    EXPECT_EQ(camera().settingValue(3), 0U);
    EXPECT_EQ(camera().settingValue(59), 4U);
    EXPECT_EQ(camera().settingValue(91), 3U) << "the keep-alive leaves the LED setting alone";
}

TEST_F(CameraTest, TheSeedsArrivedByteForByte) {
    sendPacket(C::CommandRequest, "03 01 01 01");
    sendPacket(C::SettingRequest, "03 5B 01 42");
    EXPECT_THAT(camera().receivedMessages(), ElementsAre(std::pair{C::CommandRequest, hex("01 01 01")},
                                                         std::pair{C::SettingRequest, hex("5B 01 42")}));
    camera().clearReceived();
    EXPECT_THAT(camera().receivedMessages(), IsEmpty());
}

TEST_F(CameraTest, ShutterDrivesEncoding) {
    EXPECT_FALSE(camera().encoding());
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_TRUE(camera().encoding());
    exchange(C::CommandRequest, "03 01 01 00");
    EXPECT_FALSE(camera().encoding());
    EXPECT_EQ(camera().statusValue(39), hex("00 00 00 01")) << "one video recorded";
}

TEST_F(CameraTest, ResponsesLeaveThroughTheSchedulerEvenWithoutLatency) {
    sendPacket(C::CommandRequest, "03 01 01 01");
    EXPECT_THAT(sent_, IsEmpty()) << "nothing is notified from inside write()";
    EXPECT_THAT(take(), ElementsAre(pk("0073", "02 01 00")));
}

TEST_F(CameraTest, LatencyDelaysEveryAnswer) {
    CameraConfig config;
    config.latency = milliseconds{50};
    start(config);
    sendPacket(C::CommandRequest, "01 50");
    EXPECT_THAT(take(milliseconds{49}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0073", "02 50 00")));
}

TEST_F(CameraTest, HardwareInfoIsTheSeedsSixPackets) {
    CameraConfig config;
    config.apSsid = "HERO12 Blackdebug";  // the python log's camera had a renamed AP
    start(config);
    EXPECT_THAT(exchange(C::CommandRequest, "01 3C"),
                ElementsAre(pk("0073", "20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61"),
                            pk("0073", "80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39"),
                            pk("0073", "81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32"),
                            pk("0073", "82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c"),
                            pk("0073", "83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02"),
                            pk("0073", "84 5b 5d 01 01")));
}

TEST_F(CameraTest, HardwareInfoOfTheDefaultCameraParses) {
    sendPacket(C::CommandRequest, "01 3C");
    const auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(answer[0].second.size(), 91U) << "the Kotlin log's length (20 5B)";
    const auto response = protocol::parseCommandResponse(answer[0].second);
    ASSERT_TRUE(response);
    const auto info = protocol::parseHardwareInfo(response->payload);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->modelNumber, 62U);
    EXPECT_EQ(info->serialNumber, "C3501324500702");
    EXPECT_EQ(info->apSsid, "GP24500702");
    EXPECT_EQ(info->firmwareVersion, "H23.01.01.99.56");
}

TEST_F(CameraTest, HardwareInfoIsWhatGetHardwareInfoAnswers) {
    sendPacket(C::CommandRequest, "01 3C");
    const auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    const auto response = protocol::parseCommandResponse(answer[0].second);
    ASSERT_TRUE(response);
    const auto info = protocol::parseHardwareInfo(response->payload);
    ASSERT_TRUE(info);
    EXPECT_EQ(*info, camera().hardwareInfo());
}

TEST_F(CameraTest, DateTimeIsStoredAndAdvances) {
    EXPECT_THAT(exchange(C::CommandRequest, "01 10"),
                ElementsAre(pk("0073", "0D 10 00 0A 07 E8 04 04 0D 00 00 00 00 00")))
        << "never set: the scheduler's clock, UTC";
    exchange(C::CommandRequest, "09 0D 07 07 E7 01 1F 03 04 05");  // 2023-01-31 03:04:05
    EXPECT_THAT(exchange(C::CommandRequest, "01 0E"), ElementsAre(pk("0073", "0B 0E 00 08 07 E7 01 1F 03 04 05 02")))
        << "a Tuesday";
    scheduler_.advance(milliseconds{2500});
    EXPECT_THAT(exchange(C::CommandRequest, "01 0E"), ElementsAre(pk("0073", "0B 0E 00 08 07 E7 01 1F 03 04 07 02")));
    exchange(C::CommandRequest, "0C 0F 0A 07 E7 01 1F 03 04 05 FF 88 01");
    EXPECT_THAT(exchange(C::CommandRequest, "01 10"),
                ElementsAre(pk("0073", "0D 10 00 0A 07 E7 01 1F 03 04 05 FF 88 01")));
}

TEST_F(CameraTest, DateTimeThatDoesNotExistIsRejected) {
    EXPECT_THAT(exchange(C::CommandRequest, "09 0D 07 07 E7 02 1E 03 04 05"), ElementsAre(pk("0073", "02 0D 02")))
        << "30 February";
    EXPECT_THAT(exchange(C::CommandRequest, "08 0D 06 07 E7 01 1F 03 04"), ElementsAre(pk("0073", "02 0D 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "0C 0F 0A 07 E7 01 1F 03 04 05 F0 00 00"),
                ElementsAre(pk("0073", "02 0F 02")))
        << "UTC offset of −4096 minutes";
}

TEST_F(CameraTest, PresetsUpdateTheirStatuses) {
    exchange(C::CommandRequest, "06 40 04 00 00 00 02");  // Cinematic
    EXPECT_EQ(camera().presetGroup(), kVideoGroup);
    EXPECT_EQ(camera().preset(), 2U);
    EXPECT_EQ(camera().statusValue(93), hex("00 00 00 02"));
    exchange(C::CommandRequest, "06 40 04 00 01 00 03");  // Night photo
    EXPECT_EQ(camera().statusValue(96), hex("00 00 03 E9"));
    EXPECT_EQ(camera().statusValue(97), hex("00 01 00 03"));
    EXPECT_EQ(camera().statusValue(94), hex("00 01 00 03"));
    exchange(C::CommandRequest, "04 3E 02 03 E8");  // back to video: its last preset
    EXPECT_EQ(camera().preset(), 2U);
    EXPECT_EQ(camera().statusValue(89), hex("0C")) << "flat mode VIDEO";
}

TEST_F(CameraTest, UnknownPresetsAndGroupsAreInvalidParameters) {
    EXPECT_THAT(exchange(C::CommandRequest, "06 40 04 12 34 AB CD"), ElementsAre(pk("0073", "02 40 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "04 3E 02 03 EB"), ElementsAre(pk("0073", "02 3E 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 3E 01 01"), ElementsAre(pk("0073", "02 3E 02")));
    EXPECT_EQ(camera().preset(), 0U);
}

TEST_F(CameraTest, UnknownCommandsAndBadParametersAreInvalidParameters) {
    EXPECT_THAT(exchange(C::CommandRequest, "01 77"), ElementsAre(pk("0073", "02 77 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 02"), ElementsAre(pk("0073", "02 01 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "02 01 05"), ElementsAre(pk("0073", "02 01 02")))
        << "a parameter longer than the message";
    EXPECT_THAT(exchange(C::CommandRequest, "03 17 01 03"), ElementsAre(pk("0073", "02 17 02")));
}

TEST_F(CameraTest, HilightOnlyWhileRecording) {
    EXPECT_THAT(exchange(C::CommandRequest, "01 18"), ElementsAre(pk("0073", "02 18 01")));
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_THAT(exchange(C::CommandRequest, "01 18"), ElementsAre(pk("0073", "02 18 00")));
    EXPECT_EQ(camera().statusValue(58), hex("01"));
}

TEST_F(CameraTest, FrameRate240At4KIsRejected) {
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 01"), ElementsAre(pk("0075", "02 02 00")));  // 4K
    EXPECT_THAT(exchange(C::SettingRequest, "03 03 01 00"), ElementsAre(pk("0075", "02 03 02")));  // 240
    EXPECT_EQ(camera().settingValue(3), 5U);
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 09"), ElementsAre(pk("0075", "02 02 00")));  // 1080
    EXPECT_THAT(exchange(C::SettingRequest, "03 03 01 00"), ElementsAre(pk("0075", "02 03 00")));  // 240
    for (std::string_view resolution : {"03 02 01 01", "03 02 01 64", "03 02 01 18"}) {            // 4K, 5.3K, 5K
        EXPECT_THAT(exchange(C::SettingRequest, resolution), ElementsAre(pk("0075", "02 02 02"))) << resolution;
    }
    EXPECT_EQ(camera().settingValue(2), 9U);
}

TEST_F(CameraTest, TheSeedsFiveKResolutionIsAcceptedAtTwentyFourFps) {
    // The send-commands seed sets 5K (0x18, a HERO9 value): every seed byte sequence must work.
    EXPECT_THAT(exchange(C::SettingRequest, "03 03 01 0A"), ElementsAre(pk("0075", "02 03 00")));  // 24
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 18"), ElementsAre(pk("0075", "02 02 00")));  // 5K
    EXPECT_THAT(exchange(C::SettingRequest, "03 03 01 00"), ElementsAre(pk("0075", "02 03 02")));  // 240 at 5K
    EXPECT_EQ(camera().settingValue(2), 0x18U);
}

TEST_F(CameraTest, UnknownSettingsAndValuesAreInvalidParameters) {
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 63"), ElementsAre(pk("0075", "02 02 02")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 FA 01 00"), ElementsAre(pk("0075", "02 FA 02")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 5B 01 07"), ElementsAre(pk("0075", "02 5B 02")));
    EXPECT_THAT(exchange(C::SettingRequest, "02 02 01"), ElementsAre(pk("0075", "02 02 02"))) << "no value";
    EXPECT_THAT(exchange(C::SettingRequest, "0A 20 08 00 00 00 00 00 00 0E 11"), ElementsAre(pk("0075", "02 20 00")))
        << "a 64-bit setting (nightlapse 3601 = Auto)";
}

TEST_F(CameraTest, SettingsChangesWhileEncodingAreRejected) {
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 04"), ElementsAre(pk("0075", "02 02 01")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 5B 01 42"), ElementsAre(pk("0075", "02 5B 00")))
        << "the keep-alive always works";
    EXPECT_THAT(exchange(C::CommandRequest, "06 40 04 00 00 00 01"), ElementsAre(pk("0073", "02 40 01")));
    EXPECT_THAT(exchange(C::CommandRequest, "01 05"), ElementsAre(pk("0073", "02 05 01")));
}

TEST_F(CameraTest, VideoSettingsNeedTheVideoGroup) {
    exchange(C::CommandRequest, "04 3E 02 03 E9");  // photo
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 09"), ElementsAre(pk("0075", "02 02 01")));
    exchange(C::CommandRequest, "04 3E 02 03 E8");  // video
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 09"), ElementsAre(pk("0075", "02 02 00")));
}

TEST_F(CameraTest, QuerySeedsGetTheSeedsAnswers) {
    EXPECT_THAT(exchange(C::QueryRequest, "02 12 02"), ElementsAre(pk("0077", "05 12 00 02 01 09")));
    exchange(C::SettingRequest, "03 03 01 00");
    EXPECT_THAT(exchange(C::QueryRequest, "04 12 02 03 79"),
                ElementsAre(pk("0077", "0B 12 00 02 01 09 03 01 00 79 01 00")));
    EXPECT_THAT(exchange(C::QueryRequest, "02 53 1D"), ElementsAre(pk("0077", "04 53 00 1D 00")));
    EXPECT_THAT(exchange(C::QueryRequest, "02 13 1D"), ElementsAre(pk("0077", "04 13 00 1D 00")));
}

TEST_F(CameraTest, RegisteredSettingIsPushedWhenItChanges) {
    EXPECT_THAT(exchange(C::QueryRequest, "02 52 02"), ElementsAre(pk("0077", "05 52 00 02 01 09")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 04"),
                ElementsAre(pk("0075", "02 02 00"), pk("0077", "05 92 00 02 01 04")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 04"), ElementsAre(pk("0075", "02 02 00")))
        << "no push without a change";
    EXPECT_THAT(exchange(C::QueryRequest, "01 72"), ElementsAre(pk("0077", "02 72 00")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 02 01 09"), ElementsAre(pk("0075", "02 02 00")));
}

// §9.2, issue #157: the same IDs, answered in ascending order over three packets.
TEST_F(CameraTest, MultiStatusQueryIsSortedAndFramedLikeTheCapture) {
    exchange(C::CommandRequest, "03 17 01 01");
    scheduler_.advance(milliseconds{200});
    exchange(C::CommandRequest, "06 40 04 00 00 00 01");
    EXPECT_THAT(exchange(C::QueryRequest, "0B 13 46 44 23 56 45 61 60 0B 08 13"),
                ElementsAre(pk("0077", "20 29 13 00 08 01 00 0b 01 00 13 01 00 23 04 00 00 0c a7 44"),
                            pk("0077", "80 01 00 45 01 01 46 01 57 56 01 00 60 04 00 00 03 e8 61 04"),
                            pk("0077", "81 00 00 00 01")))
        << "the capture, with this camera's battery (87 %)";
}

TEST_F(CameraTest, UnknownIdsAreSkippedAndEmptyListsMeanAll) {
    EXPECT_THAT(exchange(C::QueryRequest, "03 13 0A FE"), ElementsAre(pk("0077", "05 13 00 0A 01 00")));
    sendPacket(C::QueryRequest, "01 13");
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    auto all = protocol::parseQueryResponse(answer[0].second);
    ASSERT_TRUE(all);
    EXPECT_GT(all->entries.size(), 60U);
    EXPECT_TRUE(std::is_sorted(all->entries.begin(), all->entries.end(),
                               [](const auto& a, const auto& b) { return a.id < b.id; }));
    sendPacket(C::QueryRequest, "01 12");
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    all = protocol::parseQueryResponse(answer[0].second);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->entries.front(), (protocol::QueryEntry{2, {9}}));
    const auto nightlapse =
        std::find_if(all->entries.begin(), all->entries.end(), [](const auto& e) { return e.id == 32; });
    ASSERT_NE(nightlapse, all->entries.end());
    EXPECT_EQ(nightlapse->value, hex("00 00 00 00 00 00 0E 11")) << "64-bit settings are reported on 8 bytes";
    EXPECT_THAT(exchange(C::QueryRequest, "01 99"), ElementsAre(pk("0077", "02 99 02")));
}

TEST_F(CameraTest, CapabilitiesFollowTheResolution) {
    const auto frameRates = [this] {
        sendPacket(C::QueryRequest, "02 32 03");
        const auto answer = takeMessages();
        std::vector<int> values;
        if (answer.size() != 1) return values;
        const auto response = protocol::parseQueryResponse(answer[0].second);
        if (!response) return values;
        for (const auto& entry : response->entries) values.push_back(entry.value.at(0));
        return values;
    };
    EXPECT_THAT(frameRates(), ElementsAre(0, 1, 2, 5, 6, 8, 9, 10, 13));
    exchange(C::SettingRequest, "03 02 01 01");  // 4K
    EXPECT_THAT(frameRates(), ElementsAre(1, 2, 5, 6, 8, 9, 10));
}

TEST_F(CameraTest, RegisteredCapabilitiesArePushedWhenTheyChange) {
    take();
    sendPacket(C::QueryRequest, "02 62 03");
    take();
    EXPECT_THAT(
        exchange(C::SettingRequest, "03 02 01 64"),  // 5.3K: at most 60 fps
        ElementsAre(pk("0075", "02 02 00"), pk("0077", "11 A2 00 03 01 05 03 01 06 03 01 08 03 01 09 03 01 0A")));
}

TEST_F(CameraTest, RegisteredEncodingIsPushedAfterShutterOn) {
    EXPECT_THAT(exchange(C::QueryRequest, "02 53 0A"), ElementsAre(pk("0077", "05 53 00 0A 01 00")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"),
                ElementsAre(pk("0073", "02 01 00"), pk("0077", "05 93 00 0A 01 01")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 00"),
                ElementsAre(pk("0073", "02 01 00"), pk("0077", "05 93 00 0A 01 00")));
}

TEST_F(CameraTest, PhotoPresetsEndTheirCaptureByThemselves) {
    exchange(C::CommandRequest, "06 40 04 00 01 00 00");  // Photo
    exchange(C::QueryRequest, "02 53 0A");
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"),
                ElementsAre(pk("0073", "02 01 00"), pk("0077", "05 93 00 0A 01 01")));
    EXPECT_THAT(take(milliseconds{499}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0077", "05 93 00 0A 01 00")));
    EXPECT_EQ(camera().statusValue(38), hex("00 00 00 01"));
}

TEST_F(CameraTest, ApControlChangesStatus69AfterTheDelay) {
    EXPECT_THAT(exchange(C::QueryRequest, "02 53 45"), ElementsAre(pk("0077", "05 53 00 45 01 00")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 17 01 01"), ElementsAre(pk("0073", "02 17 00")));
    EXPECT_FALSE(camera().apEnabled()) << "the response only means accepted";
    EXPECT_THAT(take(milliseconds{199}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0077", "05 93 00 45 01 01")));
    EXPECT_TRUE(camera().apEnabled());
    EXPECT_EQ(camera().read(C::WifiApState).value(), Bytes{1});
    EXPECT_THAT(exchange(C::CommandRequest, "03 17 01 00"), ElementsAre(pk("0073", "02 17 00")));
    EXPECT_THAT(take(milliseconds{200}), ElementsAre(pk("0077", "05 93 00 45 01 00")));
    EXPECT_FALSE(camera().apEnabled());
}

TEST_F(CameraTest, AStuckApIsAcknowledgedButStatus69DoesNotFollow) {
    exchange(C::QueryRequest, "02 53 45");
    camera().apStuck(true);
    EXPECT_THAT(exchange(C::CommandRequest, "03 17 01 01"), ElementsAre(pk("0073", "02 17 00")));
    EXPECT_THAT(take(milliseconds{60000}), IsEmpty());
    EXPECT_FALSE(camera().apEnabled());
    camera().apStuck(false);
    EXPECT_THAT(exchange(C::CommandRequest, "03 17 01 01"), ElementsAre(pk("0073", "02 17 00")));
    EXPECT_THAT(take(milliseconds{200}), ElementsAre(pk("0077", "05 93 00 45 01 01")));
}

TEST_F(CameraTest, ApCredentialsAreReadRaw) {
    EXPECT_EQ(camera().read(C::WifiApSsid).value(), hex("47 50 32 34 35 30 30 37 30 32"));  // GP24500702
    EXPECT_EQ(camera().read(C::WifiApPassword).value(), Bytes({'p', '@', 'd', '-', 'N', 'N', 'c', '-', '2', 't', 's'}));
    EXPECT_FALSE(camera().read(C::CommandRequest));
    EXPECT_FALSE(camera().read(C::QueryResponse));
}

TEST_F(CameraTest, OnlyWritableCharacteristicsAcceptWrites) {
    EXPECT_FALSE(camera().write(C::CommandResponse, hex("02 01 00")));
    EXPECT_FALSE(camera().write(C::WifiApState, hex("01")));
    EXPECT_TRUE(camera().write(C::WifiApPower, hex("01")));
    EXPECT_TRUE(camera().write(C::WifiApSsid, hex("6E 65 77 2D 61 70")));  // "new-ap"
    EXPECT_EQ(camera().read(C::WifiApSsid).value(), hex("6E 65 77 2D 61 70"));
}

TEST_F(CameraTest, SleepAnswersThenDropsTheLink) {
    EXPECT_THAT(exchange(C::CommandRequest, "01 05"), ElementsAre(pk("0073", "02 05 00"), "dropLink"));
    EXPECT_TRUE(camera().asleep());
    EXPECT_FALSE(camera().linkUp());
    EXPECT_THAT(exchange(C::CommandRequest, "01 50"), IsEmpty()) << "no link, nothing heard";
    camera().connected();
    EXPECT_FALSE(camera().asleep()) << "connecting wakes the camera";
    EXPECT_THAT(exchange(C::CommandRequest, "01 50"), ElementsAre(pk("0073", "02 50 00")));
}

TEST_F(CameraTest, RebootAnswersThenDropsTheLinkAwake) {
    EXPECT_THAT(exchange(C::CommandRequest, "01 11"), ElementsAre(pk("0073", "02 11 00"), "dropLink"));
    EXPECT_FALSE(camera().asleep());
}

// issue 15 group A
TEST_F(CameraTest, PowerDownAnswersThenDropsTheLinkButNotWhileRecording) {
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_THAT(exchange(C::CommandRequest, "01 04"), ElementsAre(pk("0073", "02 04 01")));
    EXPECT_TRUE(camera().linkUp());
    exchange(C::CommandRequest, "03 01 01 00");
    EXPECT_THAT(exchange(C::CommandRequest, "01 04"), ElementsAre(pk("0073", "02 04 00"), "dropLink"));
    EXPECT_TRUE(camera().asleep());
    EXPECT_FALSE(camera().linkUp());
}

TEST_F(CameraTest, BusyRejectsCommandsButNotQueriesOrShutterOff) {
    exchange(C::CommandRequest, "03 01 01 01");
    exchange(C::QueryRequest, "02 53 08");
    camera().setBusy(true);
    EXPECT_THAT(take(), ElementsAre(pk("0077", "05 93 00 08 01 01")));
    EXPECT_TRUE(camera().busy());
    EXPECT_THAT(exchange(C::CommandRequest, "06 40 04 00 00 00 01"), ElementsAre(pk("0073", "02 40 01")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 79 01 00"), ElementsAre(pk("0075", "02 79 01")));
    EXPECT_THAT(exchange(C::QueryRequest, "02 13 08"), ElementsAre(pk("0077", "05 13 00 08 01 01")));
    EXPECT_THAT(exchange(C::CommandRequest, "01 51"), ElementsAre(pk("0073", "06 51 00 01 02 01 00")));
    EXPECT_THAT(exchange(C::SettingRequest, "03 5B 01 42"), ElementsAre(pk("0075", "02 5B 00")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 00"), ElementsAre(pk("0073", "02 01 00")));
    EXPECT_FALSE(camera().encoding());
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 01 01")));
    sendPacket(C::NetworkManagementRequest, "02 02 02");
    const auto scan = takeMessages();
    ASSERT_EQ(scan.size(), 1U);
    EXPECT_EQ(decode<pb::ResponseStartScanning>(scan[0].second).result(), pb::RESULT_RESOURCE_NOT_AVAILABLE);
    camera().setBusy(false);
    EXPECT_THAT(take(), ElementsAre(pk("0077", "05 93 00 08 01 00")));
    EXPECT_THAT(exchange(C::CommandRequest, "06 40 04 00 00 00 01"), ElementsAre(pk("0073", "02 40 00")));
}

TEST_F(CameraTest, SuppressedStatusPushesLeaveTheStatusToQueries) {
    exchange(C::QueryRequest, "02 53 08");
    camera().suppressStatusPushes(true);
    camera().setBusy(true);
    EXPECT_THAT(take(), IsEmpty());
    EXPECT_THAT(exchange(C::QueryRequest, "02 13 08"), ElementsAre(pk("0077", "05 13 00 08 01 01")));
    camera().suppressStatusPushes(false);
    camera().setBusy(false);
    EXPECT_THAT(take(), ElementsAre(pk("0077", "05 93 00 08 01 00")));
}

// Connect-WiFi seed (tutorial 6): scan, then the seven packets of Get AP Entries.
TEST_F(CameraTest, WifiScanAnswersTheSeedsBytes) {
    EXPECT_THAT(exchange(C::NetworkManagementRequest, "02 02 02"), ElementsAre(pk("0092", "06 02 82 08 01 10 02")));
    EXPECT_THAT(take(milliseconds{299}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0092", "0a 02 0b 08 05 10 01 18 05 20 01")));
    EXPECT_THAT(exchange(C::NetworkManagementRequest, "08 02 03 08 00 10 64 18 01"),
                ElementsAre(pk("0092", "20:76:02:83:08:01:10:01:1a:13:0a:0a:64:61:62:75:67:64:61:62"),
                            pk("0092", "80:75:67:10:03:20:e4:28:28:2f:1a:13:0a:0a:41:54:54:54:70:34"),
                            pk("0092", "81:72:36:46:69:10:02:20:f1:2c:28:01:1a:13:0a:0a:41:54:54:62"),
                            pk("0092", "82:37:4a:67:41:77:61:10:02:20:99:2d:28:01:1a:16:0a:0d:52:69"),
                            pk("0092", "83:6e:67:20:53:65:74:75:70:20:65:37:10:01:20:ec:12:28:00:1a"),
                            pk("0092", "84:17:0a:0e:48:6f:6d:65:79:6e:65:74:5f:32:47:45:58:54:10:01"),
                            pk("0092", "85:20:85:13:28:01")));
}

TEST_F(CameraTest, ScansCanBeNumberedFromAnyId) {
    camera().numberScansFrom(7);
    exchange(C::NetworkManagementRequest, "02 02 02");
    auto done = takeMessages(milliseconds{300});
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(decode<pb::NotifStartScanning>(done[0].second).scan_id(), 7);
    exchange(C::NetworkManagementRequest, "02 02 02");
    done = takeMessages(milliseconds{300});
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(decode<pb::NotifStartScanning>(done[0].second).scan_id(), 8);
}

TEST_F(CameraTest, ApEntriesArePagedAndCheckTheScanId) {
    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    send(protocol::operation::getApEntries(1, 2, 1));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    auto entries = decode<pb::ResponseGetApEntries>(answer[0].second);
    EXPECT_EQ(entries.result(), pb::RESULT_SUCCESS);
    ASSERT_EQ(entries.entries_size(), 2);
    EXPECT_EQ(entries.entries(0).ssid(), "ATTTp4r6Fi");
    EXPECT_EQ(entries.entries(1).ssid(), "ATTb7JgAwa");

    send(protocol::operation::getApEntries(0, 100, 7));
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    entries = decode<pb::ResponseGetApEntries>(answer[0].second);
    EXPECT_EQ(entries.result(), pb::RESULT_ARGUMENT_INVALID);
    EXPECT_EQ(entries.scan_id(), 7);
    EXPECT_EQ(entries.entries_size(), 0);

    send(protocol::operation::getApEntries(9, 100, 1));
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(decode<pb::ResponseGetApEntries>(answer[0].second).result(), pb::RESULT_ARGUMENT_OUT_OF_BOUNDS);
}

TEST_F(CameraTest, ConnectNewArrivesFragmentedAndProvisions) {
    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    const auto request = protocol::operation::connectNew("ATTTp4r6Fi", "att-p4r6-pass");
    ASSERT_TRUE(request);
    const auto packets = protocol::fragment(request->message, protocol::Sender::Client);
    ASSERT_TRUE(packets);
    ASSERT_GT(packets->size(), 1U) << "the point of this test";
    EXPECT_EQ((*packets)[1][0], 0x80);
    camera().clearReceived();
    send(*request);
    EXPECT_THAT(camera().receivedMessages(), ElementsAre(std::pair{C::NetworkManagementRequest, request->message}));

    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(dump(answer[0].second), dump(hex("02 85 08 01 10 02 18 1E")));  // SUCCESS, STARTED, 30 s
    EXPECT_EQ(dump(answer[1].second), dump(hex("02 0C 08 02")));              // STARTED
    answer = takeMessages(milliseconds{500});
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(answer[0].first, C::NetworkManagementResponse);
    EXPECT_EQ(dump(answer[0].second), dump(hex("02 0C 08 05")));  // PROVISIONING_SUCCESS_NEW_AP
    EXPECT_EQ(answer[1].first, C::QueryResponse);
    EXPECT_EQ(protocol::classify(C::QueryResponse, answer[1].second).kind, protocol::Incoming::Spurious)
        << "the spec's known issue: the daemon must ignore it";
    EXPECT_EQ(camera().stationSsid(), "ATTTp4r6Fi");
    EXPECT_EQ(camera().statusValue(29), Bytes({'A', 'T', 'T', 'T', 'p', '4', 'r', '6', 'F', 'i'}));

    // The network is configured now: the next scan counts it, and Connect works.
    send(protocol::operation::startScan());
    answer = takeMessages(milliseconds{300});
    ASSERT_EQ(answer.size(), 2U);
    const auto note = decode<pb::NotifStartScanning>(answer[1].second);
    EXPECT_EQ(note.scan_id(), 2);
    EXPECT_EQ(note.total_configured_ssid(), 2);
    send(protocol::operation::connect("ATTTp4r6Fi").value());
    answer = takeMessages(milliseconds{500});
    ASSERT_EQ(answer.size(), 4U);
    EXPECT_EQ(decode<pb::ResponseConnect>(answer[0].second).result(), pb::RESULT_SUCCESS);
    EXPECT_EQ(dump(answer[2].second), dump(hex("02 0C 08 05")));
}

TEST_F(CameraTest, ConnectNewWithAWrongPasswordFailsAuthentication) {
    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    send(protocol::operation::connectNew("Homeynet_2GEXT", "not-the-password").value());
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(dump(answer[0].second), dump(hex("02 85 08 01 10 02 18 1E")));
    answer = takeMessages(milliseconds{500});
    ASSERT_EQ(answer.size(), 1U) << "no spurious notification: the camera never became a station";
    EXPECT_EQ(dump(answer[0].second), dump(hex("02 0C 08 08")));  // PROVISIONING_ERROR_PASSWORD_AUTH
    EXPECT_EQ(camera().stationSsid(), "");
}

TEST_F(CameraTest, ConnectNeedsAScannedConfiguredNetwork) {
    send(protocol::operation::connect("dabugdabug").value());
    auto answer = takeMessages(milliseconds{1000});
    ASSERT_EQ(answer.size(), 1U) << "no scan yet";
    EXPECT_EQ(decode<pb::ResponseConnect>(answer[0].second).result(), pb::RESULT_ARGUMENT_INVALID);

    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    send(protocol::operation::connect("ATTb7JgAwa").value());
    answer = takeMessages(milliseconds{1000});
    ASSERT_EQ(answer.size(), 1U) << "not configured: Connect New is the way";
    EXPECT_EQ(decode<pb::ResponseConnect>(answer[0].second).result(), pb::RESULT_ARGUMENT_INVALID);

    send(protocol::operation::connect("dabugdabug").value());
    answer = takeMessages(milliseconds{1000});
    ASSERT_EQ(answer.size(), 4U);
    EXPECT_EQ(dump(answer[0].second), dump(hex("02 84 08 01 10 02 18 1E")));
    EXPECT_EQ(dump(answer[2].second), dump(hex("02 0C 08 05")));
    EXPECT_EQ(camera().stationSsid(), "dabugdabug");
    exchange(C::CommandRequest, "03 17 01 01");
    take(milliseconds{200});
    EXPECT_EQ(camera().stationSsid(), "") << "AP on leaves station mode";
}

TEST_F(CameraTest, ProtobufCommandsAnswerLikeTheSpec) {
    EXPECT_THAT(exchange(C::CommandRequest, "04 F1 69 08 02"), ElementsAre(pk("0073", "04 F1 E9 08 01")));
    EXPECT_EQ(camera().statusValue(114), hex("02"));
    EXPECT_THAT(exchange(C::CommandRequest, "04 F1 69 08 01"), ElementsAre(pk("0073", "04 F1 E9 08 05")))
        << "CAMERA_CONTROL is the camera's own state";
    EXPECT_THAT(exchange(C::CommandRequest, "04 F1 6B 08 01"), ElementsAre(pk("0073", "04 F1 EB 08 01")));
    EXPECT_EQ(camera().statusValue(113), hex("01"));
    EXPECT_THAT(exchange(C::CommandRequest, "04 F1 6B 08 00"), ElementsAre(pk("0073", "04 F1 EB 08 01")));
    EXPECT_EQ(camera().statusValue(113), hex("00"));
    EXPECT_THAT(exchange(C::CommandRequest, "02 F1 67"), ElementsAre(pk("0073", "04 F1 E7 08 01")));
    EXPECT_THAT(exchange(C::CommandRequest, "02 F1 69"), ElementsAre(pk("0073", "04 F1 E9 08 02")))
        << "missing the required field: RESULT_ILL_FORMED";
}

TEST_F(CameraTest, PairingFinishAnswersSuccess) {
    send(protocol::operation::pairingFinish("goprod").value());
    EXPECT_THAT(take(), ElementsAre(pk("0092", "04 03 81 08 01")));
    EXPECT_EQ(camera().statusValue(19), hex("04"));
}

TEST_F(CameraTest, UnsupportedOperationsGetTheTwoByteReply) {
    EXPECT_THAT(exchange(C::CommandRequest, "02 F1 62"), ElementsAre(pk("0073", "02 F1 02")))
        << "Set Camera Name is MAX 2 and LIT HERO only";
    EXPECT_THAT(exchange(C::NetworkManagementRequest, "02 02 06"), ElementsAre(pk("0092", "02 02 02")));
    for (auto [c, reply] :
         {std::pair{C::QueryResponse, hex("F5 02")}, std::pair{C::NetworkManagementResponse, hex("02 02")}}) {
        EXPECT_EQ(protocol::classify(c, reply).kind, protocol::Incoming::UnsupportedReply) << dump(reply);
    }
}

TEST_F(CameraTest, PresetStatusIsReportedAndPushed) {
    pb::RequestGetPresetStatus body;
    body.add_register_preset_status(pb::REGISTER_PRESET_STATUS_PRESET_GROUP_ARRAY);
    send(protocol::protobufRequest(protocol::FeatureId::Query, protocol::action::kGetPresetStatus, body));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(answer[0].second[1], 0xF2);
    auto status = decode<pb::NotifyPresetStatus>(answer[0].second);
    ASSERT_EQ(status.preset_group_array_size(), 3);
    EXPECT_EQ(status.preset_group_array(0).id(), pb::PRESET_GROUP_ID_VIDEO);
    EXPECT_EQ(status.preset_group_array(0).preset_array_size(), 4);
    EXPECT_EQ(status.preset_group_array(1).preset_array(2).custom_name(), "Burst");

    exchange(C::CommandRequest, "06 40 04 00 01 00 02");  // Burst
    sent_.clear();
    sendPacket(C::CommandRequest, "06 40 04 00 00 00 02");  // Cinematic
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(protocol::classify(answer[1].first, answer[1].second).kind, protocol::Incoming::PresetNotification);
    status = decode<pb::NotifyPresetStatus>(answer[1].second);
    EXPECT_EQ(status.preset_group_array(0).active_preset_id(), 2);
    EXPECT_EQ(status.preset_group_array(1).active_preset_id(), 0x00010002);
}

TEST_F(CameraTest, CohnStatusFollowsTheCertificate) {
    send(protocol::operation::getCohnStatus(true));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(decode<pb::NotifyCOHNStatus>(answer[0].second).status(), pb::COHN_UNPROVISIONED);
    sendPacket(C::CommandRequest, "02 F1 67");
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U) << "the response, then the registered status";
    EXPECT_EQ(decode<pb::NotifyCOHNStatus>(answer[1].second).status(), pb::COHN_PROVISIONED);
}

// issue 15 D: COHN reaches NetworkConnected only with a certificate, enabled, in station mode.
TEST_F(CameraTest, CohnConnectsOnlyAfterStationModeWithACertificate) {
    send(protocol::operation::getCohnStatus(true));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    auto status = decode<pb::NotifyCOHNStatus>(answer[0].second);
    EXPECT_EQ(status.state(), pb::COHN_STATE_Idle);
    EXPECT_TRUE(status.enabled());
    EXPECT_FALSE(status.has_password()) << "no credentials before a certificate";

    send(protocol::operation::createCohnCert(false));
    answer = takeMessages(milliseconds{60000});
    ASSERT_EQ(answer.size(), 2U) << "the response, then the registered status";
    status = decode<pb::NotifyCOHNStatus>(answer[1].second);
    EXPECT_EQ(status.status(), pb::COHN_PROVISIONED);
    EXPECT_EQ(status.state(), pb::COHN_STATE_NetworkDisconnected) << "a certificate alone does not connect";
    EXPECT_EQ(status.username(), "gopro");
    EXPECT_EQ(status.password(), CameraConfig{}.cohnPassword);
    EXPECT_FALSE(status.has_ipaddress());

    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    send(protocol::operation::connectNew("ATTTp4r6Fi", "att-p4r6-pass").value());
    answer = takeMessages(milliseconds{500});
    ASSERT_FALSE(answer.empty());
    status = decode<pb::NotifyCOHNStatus>(answer.back().second);
    EXPECT_EQ(status.state(), pb::COHN_STATE_ConnectingToNetwork);
    answer = takeMessages(milliseconds{299});
    EXPECT_TRUE(answer.empty()) << "connects cohnConnectDelay after the join";
    answer = takeMessages(milliseconds{1});
    ASSERT_EQ(answer.size(), 1U);
    status = decode<pb::NotifyCOHNStatus>(answer[0].second);
    EXPECT_EQ(status.state(), pb::COHN_STATE_NetworkConnected);
    EXPECT_EQ(status.ipaddress(), CameraConfig{}.cohnIpAddress);
    EXPECT_EQ(status.ssid(), "ATTTp4r6Fi");
    EXPECT_EQ(camera().cohnState(), pb::COHN_STATE_NetworkConnected);

    send(protocol::operation::getCohnCert());
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    const auto cert = decode<pb::ResponseCOHNCert>(answer[0].second);
    EXPECT_EQ(cert.result(), pb::RESULT_SUCCESS);
    EXPECT_EQ(cert.cert(), CameraConfig{}.cohnCertificate);

    send(protocol::operation::setCohnSetting(false));
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(dump(answer[0].second), dump(hex("F1 E5 08 01")));
    status = decode<pb::NotifyCOHNStatus>(answer[1].second);
    EXPECT_FALSE(status.enabled());
    EXPECT_EQ(status.state(), pb::COHN_STATE_Idle);

    send(protocol::operation::clearCohnCert());
    takeMessages();
    send(protocol::operation::getCohnCert());
    answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(decode<pb::ResponseCOHNCert>(answer[0].second).result(), pb::RESULT_RESOURCE_NOT_AVAILABLE);
}

TEST_F(CameraTest, CohnNeverConnectsFaultHoldsItConnecting) {
    camera().cohnNeverConnects(true);
    send(protocol::operation::createCohnCert(false));
    send(protocol::operation::startScan());
    takeMessages(milliseconds{300});
    send(protocol::operation::connectNew("ATTTp4r6Fi", "att-p4r6-pass").value());
    takeMessages(milliseconds{60000});
    EXPECT_EQ(camera().stationSsid(), "ATTTp4r6Fi");
    EXPECT_EQ(camera().cohnState(), pb::COHN_STATE_ConnectingToNetwork);
    camera().cohnNeverConnects(false);
    takeMessages(milliseconds{300});
    EXPECT_EQ(camera().cohnState(), pb::COHN_STATE_NetworkConnected);
}

TEST_F(CameraTest, MalformedPacketsAreDroppedSilently) {
    EXPECT_THAT(exchange(C::CommandRequest, "80 01 02"), IsEmpty()) << "continuation with nothing in progress";
    EXPECT_THAT(exchange(C::CommandRequest, "60 01 02"), IsEmpty()) << "reserved header";
    EXPECT_THAT(exchange(C::CommandRequest, "05 01 01"), IsEmpty()) << "the rest never comes";
    EXPECT_THAT(exchange(C::CommandRequest, "01 50"), ElementsAre(pk("0073", "02 50 00")))
        << "a new start packet replaces the unfinished message";
}

TEST_F(CameraTest, MalformedPacketsAreCounted) {
    exchange(C::CommandRequest, "01 50");
    EXPECT_EQ(camera().malformedPackets(), 0U);
    exchange(C::CommandRequest, "80 01 02");  // continuation with nothing in progress
    exchange(C::CommandRequest, "60 01 02");  // reserved header
    EXPECT_EQ(camera().malformedPackets(), 2U);
}

TEST_F(CameraTest, NeverAnswerSwallowsOneRequest) {
    camera().neverAnswerNext();
    EXPECT_THAT(take(), IsEmpty());
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), IsEmpty());
    EXPECT_THAT(take(milliseconds{60000}), IsEmpty());
    EXPECT_FALSE(camera().encoding()) << "swallowed whole, no effect either";
    EXPECT_EQ(camera().receivedMessages().size(), 1U);
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 01 00")));
}

TEST_F(CameraTest, SwallowedRequestsAreRecordedButHaveNoEffectAndNoAnswer) {
    camera().swallowRequests(
        [](Characteristic c, protocol::ByteView m) { return c == C::CommandRequest && m[0] == 0x01; });
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), IsEmpty());
    EXPECT_THAT(take(milliseconds{60000}), IsEmpty());
    EXPECT_FALSE(camera().encoding());
    EXPECT_THAT(exchange(C::CommandRequest, "01 50"), ElementsAre(pk("0073", "02 50 00"))) << "others are answered";
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), IsEmpty()) << "persistent";
    EXPECT_EQ(camera().receivedMessages().size(), 3U);
    camera().swallowRequests({});
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 01 00")));
}

TEST_F(CameraTest, SetStatusValueChangesTheStatusAndPushesItWhenRegistered) {
    camera().setStatusValue(70, Bytes{50});
    EXPECT_THAT(take(), IsEmpty()) << "not registered";
    EXPECT_THAT(exchange(C::QueryRequest, "02 53 46"), ElementsAre(pk("0077", "05 53 00 46 01 32")));
    camera().setStatusValue(70, Bytes{42});
    EXPECT_THAT(take(), ElementsAre(pk("0077", "05 93 00 46 01 2a")));
    EXPECT_EQ(camera().statusValue(70), Bytes{42});
}

TEST_F(CameraTest, DelayedResponsesKeepTheirOrder) {
    camera().delayResponses(milliseconds{100});
    sendPacket(C::CommandRequest, "01 50");
    camera().delayResponses(milliseconds{0});
    sendPacket(C::SettingRequest, "03 5B 01 42");
    EXPECT_THAT(take(milliseconds{99}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0073", "02 50 00"), pk("0075", "02 5B 00")));
    camera().delayResponses(milliseconds{250});
    sendPacket(C::CommandRequest, "01 50");
    EXPECT_THAT(take(milliseconds{249}), IsEmpty());
    EXPECT_THAT(take(milliseconds{1}), ElementsAre(pk("0073", "02 50 00")));
}

TEST_F(CameraTest, CorruptNextPacketInvertsItsContent) {
    camera().corruptNextPacket();
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 FE FF")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 00"), ElementsAre(pk("0073", "02 01 00"))) << "one-shot";
}

TEST_F(CameraTest, TruncateNextPacketCutsItsLastByte) {
    camera().truncateNextPacket();
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 01")));
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 00"), ElementsAre(pk("0073", "02 01 00")));
}

TEST_F(CameraTest, DuplicateNextPacketSendsItTwice) {
    camera().duplicateNextPacket();
    EXPECT_THAT(exchange(C::CommandRequest, "01 51"),
                ElementsAre(pk("0073", "06 51 00 01 02 01 00"), pk("0073", "06 51 00 01 02 01 00")));
    EXPECT_THAT(exchange(C::CommandRequest, "01 51"), ElementsAre(pk("0073", "06 51 00 01 02 01 00")));
}

TEST_F(CameraTest, DropLinkDuringAMultiPacketResponse) {
    camera().dropLinkDuringNextMultiPacketResponse();
    EXPECT_THAT(exchange(C::CommandRequest, "01 51"), ElementsAre(pk("0073", "06 51 00 01 02 01 00")))
        << "single-packet answers do not trigger it";
    EXPECT_THAT(exchange(C::CommandRequest, "01 3C"),
                ElementsAre(pk("0073", "20 5B 3C 00 04 00 00 00 3E 0C 48 45 52 4F 31 32 20 42 6C 61"), "dropLink"));
    EXPECT_EQ(drops_, 1);
    EXPECT_FALSE(camera().linkUp());
    EXPECT_FALSE(camera().asleep());
    EXPECT_THAT(take(milliseconds{1000}), IsEmpty());
    camera().connected();
    EXPECT_EQ(exchange(C::CommandRequest, "01 3C").size(), 5U) << "one-shot";
}

TEST_F(CameraTest, DisconnectCancelsWhatWasQueuedForTheLink) {
    camera().delayResponses(milliseconds{50});
    sendPacket(C::CommandRequest, "01 50");
    camera().disconnected();
    EXPECT_THAT(take(milliseconds{100}), IsEmpty());
    EXPECT_EQ(drops_, 0);
}

TEST_F(CameraTest, RegistrationsDoNotSurviveAReconnect) {
    exchange(C::QueryRequest, "02 53 0A");
    camera().disconnected();
    camera().connected();
    EXPECT_THAT(exchange(C::CommandRequest, "03 01 01 01"), ElementsAre(pk("0073", "02 01 00")));
}

TEST_F(CameraTest, ApStartsEvenWithoutALink) {
    exchange(C::CommandRequest, "03 17 01 01");
    camera().disconnected();
    scheduler_.advance(milliseconds{200});
    EXPECT_TRUE(camera().apEnabled());
    EXPECT_THAT(take(), IsEmpty());
}

TEST_F(CameraTest, DestroyingTheCameraCancelsItsTimers) {
    exchange(C::CommandRequest, "03 17 01 01");
    sendPacket(C::CommandRequest, "01 50");
    EXPECT_GT(scheduler_.pending(), 0U);
    camera_.reset();
    EXPECT_EQ(scheduler_.pending(), 0U);
}

TEST(CameraConfig, DefaultsAreTheSeedCamera) {
    const CameraConfig config;
    EXPECT_EQ(config.name(), "GoPro 0702");
    EXPECT_EQ(config.apSsid, "GP24500702");
    EXPECT_EQ(config.networks.size(), 5U);
    const CameraConfig first = makeCameraConfig(0);
    EXPECT_EQ(first.serial, config.serial);
    EXPECT_EQ(first.address, config.address);
}

TEST(CameraConfig, CamerasOfARunAreDistinct) {
    std::set<std::string> serials, names, addresses, ssids, passwords, macs;
    for (int i = 0; i < 16; ++i) {
        const CameraConfig config = makeCameraConfig(i);
        serials.insert(config.serial);
        names.insert(config.name());
        addresses.insert(config.address);
        ssids.insert(config.apSsid);
        passwords.insert(config.apPassword);
        macs.insert(config.apMac);
        EXPECT_EQ(config.serial.size(), 14U);
        EXPECT_EQ(config.apSsid, "GP" + config.serial.substr(6));
        EXPECT_EQ(config.address.size(), 17U);
        EXPECT_EQ(config.apPassword.size(), 11U);
    }
    for (const auto* set : {&serials, &names, &addresses, &ssids, &passwords, &macs}) EXPECT_EQ(set->size(), 16U);
    EXPECT_EQ(makeCameraConfig(1).name(), "GoPro 0703");
}

// ---- group C: live streaming -------------------------------------------------

class LiveStreamTest : public CameraTest {
protected:
    void joinNetwork() {
        send(protocol::operation::startScan());
        takeMessages(milliseconds{300});
        send(protocol::operation::connect("dabugdabug").value());
        takeMessages(milliseconds{1000});
        ASSERT_EQ(camera().stationSsid(), "dabugdabug");
    }
    // Set Live Stream Mode; the camera's result.
    int setMode(const std::string& url) {
        protocol::operation::LiveStreamMode mode;
        mode.url = url;
        mode.startingKbps = 1500;
        send(protocol::operation::setLiveStreamMode(mode).value());
        auto answer = takeMessages();
        EXPECT_FALSE(answer.empty());
        if (answer.empty()) return -1;
        EXPECT_EQ(dump(Bytes(answer[0].second.begin(), answer[0].second.begin() + 2)), "F1 F9");
        return decode<pb::ResponseGeneric>(answer[0].second).result();
    }
    // Registers; the status in the answer.
    pb::NotifyLiveStreamStatus registerStatus() {
        send(protocol::operation::getLiveStreamStatus(true));
        auto answer = takeMessages();
        EXPECT_EQ(answer.size(), 1U);
        if (answer.empty()) return {};
        EXPECT_EQ(answer[0].second[1], 0xF4);
        return decode<pb::NotifyLiveStreamStatus>(answer[0].second);
    }
    // The live-stream pushes among the messages notified after `advance`.
    std::vector<pb::NotifyLiveStreamStatus> pushes(milliseconds advance = milliseconds{0}) {
        std::vector<pb::NotifyLiveStreamStatus> out;
        for (const auto& [c, message] : takeMessages(advance)) {
            if (protocol::classify(c, message).kind == protocol::Incoming::LiveStreamNotification) {
                out.push_back(decode<pb::NotifyLiveStreamStatus>(message));
            }
        }
        return out;
    }
};

TEST_F(LiveStreamTest, ModeIsRefusedWithoutANetwork) {
    EXPECT_EQ(registerStatus().live_stream_status(), pb::LIVE_STREAM_STATE_IDLE);
    EXPECT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_RESOURCE_NOT_AVAILABLE);
    EXPECT_THAT(pushes(milliseconds{1000}), IsEmpty()) << "nothing changed";
}

TEST_F(LiveStreamTest, ConfigReadyStreamingAndCompleteArePushedToARegisteredClient) {
    joinNetwork();
    const auto idle = registerStatus();
    EXPECT_EQ(idle.live_stream_status(), pb::LIVE_STREAM_STATE_IDLE);
    EXPECT_EQ(idle.live_stream_window_size_supported_array_size(), 3);
    EXPECT_EQ(idle.live_stream_minimum_stream_bitrate(), 800);
    EXPECT_EQ(idle.live_stream_maximum_stream_bitrate(), 8000);

    ASSERT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_SUCCESS);
    // CONFIG came with the answer (takeMessages in setMode); READY after the configuration delay.
    auto pushed = pushes(milliseconds{299});
    EXPECT_THAT(pushed, IsEmpty());
    pushed = pushes(milliseconds{1});
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(pushed[0].live_stream_status(), pb::LIVE_STREAM_STATE_READY);

    exchange(C::CommandRequest, "03 01 01 01");  // shutter on
    EXPECT_EQ(camera().liveStreamState(), pb::LIVE_STREAM_STATE_STREAMING);
    EXPECT_TRUE(camera().encoding());
    send(protocol::operation::getLiveStreamStatus(false));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(decode<pb::NotifyLiveStreamStatus>(answer[0].second).live_stream_bitrate(), 1500);

    sendPacket(C::CommandRequest, "03 01 01 00");  // shutter off
    pushed = pushes();
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(pushed[0].live_stream_status(), pb::LIVE_STREAM_STATE_COMPLETE_STAY_ON);
    EXPECT_FALSE(camera().encoding());
}

TEST_F(LiveStreamTest, SetModePushesConfigRightBehindItsAnswer) {
    joinNetwork();
    registerStatus();
    protocol::operation::LiveStreamMode mode;
    mode.url = "rtmp://stream.example/live";
    send(protocol::operation::setLiveStreamMode(mode).value());
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);
    EXPECT_EQ(dump(answer[0].second), "F1 F9 08 01");
    EXPECT_EQ(protocol::classify(answer[1].first, answer[1].second).kind, protocol::Incoming::LiveStreamNotification);
    EXPECT_EQ(decode<pb::NotifyLiveStreamStatus>(answer[1].second).live_stream_status(),
              pb::LIVE_STREAM_STATE_CONFIG);
}

TEST_F(LiveStreamTest, AnUnreachableServerFailsTheConfiguration) {
    joinNetwork();
    registerStatus();
    ASSERT_EQ(setMode("rtmp://nowhere.invalid:1935/live"), pb::RESULT_SUCCESS);
    const auto pushed = pushes(milliseconds{300});
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(pushed[0].live_stream_status(), pb::LIVE_STREAM_STATE_FAILED_STAY_ON);
    EXPECT_EQ(pushed[0].live_stream_error(), pb::LIVE_STREAM_ERROR_CREATESTREAM);
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_NE(camera().liveStreamState(), pb::LIVE_STREAM_STATE_STREAMING);
}

TEST_F(LiveStreamTest, BadUrlsAndBitratesAreRefused) {
    joinNetwork();
    EXPECT_EQ(setMode("http://stream.example/live"), pb::RESULT_ARGUMENT_INVALID);
    pb::RequestSetLiveStreamMode body;
    body.set_url("rtmp://stream.example/live");
    body.set_maximum_bitrate(9000);
    send(protocol::protobufRequest(protocol::FeatureId::Command, protocol::action::kSetLiveStreamMode, body));
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 1U);
    EXPECT_EQ(decode<pb::ResponseGeneric>(answer[0].second).result(), pb::RESULT_ARGUMENT_OUT_OF_BOUNDS);
    EXPECT_EQ(camera().liveStreamState(), pb::LIVE_STREAM_STATE_IDLE);
}

TEST_F(LiveStreamTest, TheFaultFailsTheRunningStreamOrTheNextOne) {
    joinNetwork();
    ASSERT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_SUCCESS);
    take(milliseconds{300});
    registerStatus();
    camera().failLiveStream();  // not streaming yet: the next stream fails
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_EQ(camera().liveStreamState(), pb::LIVE_STREAM_STATE_FAILED_STAY_ON);
    EXPECT_FALSE(camera().encoding());

    ASSERT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_SUCCESS);
    take(milliseconds{300});
    exchange(C::CommandRequest, "03 01 01 01");
    ASSERT_EQ(camera().liveStreamState(), pb::LIVE_STREAM_STATE_STREAMING);
    camera().failLiveStream();
    const auto pushed = pushes();
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(pushed[0].live_stream_status(), pb::LIVE_STREAM_STATE_FAILED_STAY_ON);
    EXPECT_EQ(pushed[0].live_stream_error(), pb::LIVE_STREAM_ERROR_NETWORK);
    EXPECT_FALSE(camera().encoding());
}

TEST_F(LiveStreamTest, LeavingTheNetworkFailsTheStream) {
    joinNetwork();
    ASSERT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_SUCCESS);
    take(milliseconds{300});
    exchange(C::CommandRequest, "03 01 01 01");
    exchange(C::CommandRequest, "03 17 01 01");  // AP on: station mode ends
    take(milliseconds{200});
    EXPECT_EQ(camera().liveStreamState(), pb::LIVE_STREAM_STATE_FAILED_STAY_ON);
    EXPECT_FALSE(camera().encoding());
}

TEST_F(LiveStreamTest, RegistrationEndsWithTheLink) {
    joinNetwork();
    registerStatus();
    camera().disconnected();
    camera().connected();
    ASSERT_EQ(setMode("rtmp://stream.example/live"), pb::RESULT_SUCCESS);
    EXPECT_THAT(pushes(milliseconds{300}), IsEmpty());
}

// issue 15 F: presets that change (pushes), visibility, the custom preset update
class PresetTest : public CameraTest {
protected:
    pb::NotifyPresetStatus presets(bool includeHidden = false, bool registerUpdates = false) {
        send(protocol::operation::getPresetStatus(includeHidden, registerUpdates));
        auto answer = takeMessages();
        EXPECT_EQ(answer.size(), 1U);
        return answer.empty() ? pb::NotifyPresetStatus{} : decode<pb::NotifyPresetStatus>(answer.back().second);
    }
    // The 0xF3 pushes among what the camera sent.
    std::vector<pb::NotifyPresetStatus> pushes(const std::vector<std::pair<Characteristic, Bytes>>& messages) {
        std::vector<pb::NotifyPresetStatus> out;
        for (const auto& [c, message] : messages) {
            if (protocol::classify(c, message).kind == protocol::Incoming::PresetNotification) {
                out.push_back(decode<pb::NotifyPresetStatus>(message));
            }
        }
        return out;
    }
    static const pb::Preset* find(const pb::NotifyPresetStatus& status, std::int32_t id) {
        for (const auto& group : status.preset_group_array()) {
            for (const auto& preset : group.preset_array()) {
                if (preset.id() == id) return &preset;
            }
        }
        return nullptr;
    }
    // The answer's result; a registered client's push may follow it.
    int generic(const protocol::Request& request) {
        send(request);
        auto answer = takeMessages();
        EXPECT_FALSE(answer.empty());
        if (answer.empty() || answer[0].second.size() == 2) return -1;  // [feature][2]: not supported
        return decode<pb::ResponseGeneric>(answer[0].second).result();
    }
    void poseAs(std::string_view flag) {
        CameraConfig config;
        applyModel(config, *findCameraModel(flag));
        start(config);
    }
};

TEST_F(PresetTest, ASettingChangeModifiesTheActivePresetAndIsPushedOnlyWhenRegistered) {
    EXPECT_FALSE(find(presets(), 1)->is_modified());
    exchange(C::CommandRequest, "06 40 04 00 00 00 01");  // Activity
    // Not registered: the change goes unannounced.
    EXPECT_THAT(pushes(takeMessages()), IsEmpty());
    sendPacket(C::SettingRequest, "03 02 01 04");  // 2.7K
    EXPECT_THAT(pushes(takeMessages()), IsEmpty());
    EXPECT_TRUE(find(presets(), 1)->is_modified());

    presets(false, true);
    sendPacket(C::SettingRequest, "03 02 01 09");  // 1080
    auto pushed = pushes(takeMessages());
    ASSERT_EQ(pushed.size(), 1U);
    const auto* activity = find(pushed[0], 1);
    ASSERT_NE(activity, nullptr);
    EXPECT_TRUE(activity->is_modified());
    EXPECT_FALSE(find(pushed[0], 2)->is_modified());
    EXPECT_EQ(activity->setting_array(0).id(), 2);
    EXPECT_EQ(activity->setting_array(0).value(), 9);

    // Loading another preset changes the group's active preset: pushed too.
    sendPacket(C::CommandRequest, "06 40 04 00 00 00 02");  // Cinematic
    pushed = pushes(takeMessages());
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(pushed[0].preset_group_array(0).active_preset_id(), 2);
    // The same value again changes nothing: no push.
    sendPacket(C::SettingRequest, "03 02 01 09");
    EXPECT_THAT(pushes(takeMessages()), IsEmpty());
}

TEST_F(PresetTest, VisibilityIsAMax2Operation) {
    // A HERO12 lacks it: the 2-byte "not supported" reply, nothing hidden.
    EXPECT_EQ(generic(protocol::operation::presetSetVisibility(0x00010002, false)), -1);
    EXPECT_NE(find(presets(), 0x00010002), nullptr);

    poseAs("max2");
    presets(false, true);
    EXPECT_EQ(generic(protocol::operation::presetSetVisibility(0x00010002, false)), pb::RESULT_SUCCESS);
    // The hidden preset is left out, unless asked for, then reported invisible.
    EXPECT_EQ(find(presets(), 0x00010002), nullptr);
    const auto all = presets(true);
    const auto* burst = find(all, 0x00010002);
    ASSERT_NE(burst, nullptr);
    EXPECT_FALSE(burst->is_visible());
    EXPECT_TRUE(find(presets(true), 0x00010001)->is_visible());
    EXPECT_EQ(generic(protocol::operation::presetSetVisibility(77, false)), pb::RESULT_ARGUMENT_INVALID);
    EXPECT_EQ(generic(protocol::operation::presetSetVisibility(0x00010002, true)), pb::RESULT_SUCCESS);
    EXPECT_TRUE(find(presets(), 0x00010002)->is_visible());
}

TEST_F(PresetTest, CustomPresetUpdateAppliesToTheActiveCustomPreset) {
    poseAs("hero13");
    auto named = protocol::operation::customPresetUpdate(std::nullopt, "Dive", 12);
    ASSERT_TRUE(named);
    // The active preset (Standard) is not custom: nothing to update.
    EXPECT_EQ(generic(*named), pb::RESULT_RESOURCE_NOT_AVAILABLE);

    exchange(C::CommandRequest, "06 40 04 00 01 00 04");  // the custom preset
    presets(false, true);
    send(*named);
    auto answer = takeMessages();
    ASSERT_EQ(answer.size(), 2U);  // the answer, then the push
    EXPECT_EQ(decode<pb::ResponseGeneric>(answer[0].second).result(), pb::RESULT_SUCCESS);
    const auto pushed = pushes(answer);
    ASSERT_EQ(pushed.size(), 1U);
    const auto* custom = find(pushed[0], static_cast<std::int32_t>(kCustomPreset));
    ASSERT_NE(custom, nullptr);
    EXPECT_TRUE(custom->user_defined());
    EXPECT_EQ(custom->title_id(), 94);
    EXPECT_EQ(custom->custom_name(), "Dive");
    EXPECT_EQ(custom->icon(), 12);

    // Another title replaces the name; a name without title 94 is refused.
    EXPECT_EQ(generic(*protocol::operation::customPresetUpdate(5, std::nullopt, std::nullopt)), pb::RESULT_SUCCESS);
    const auto status = presets();
    custom = find(status, static_cast<std::int32_t>(kCustomPreset));
    EXPECT_EQ(custom->title_id(), 5);
    EXPECT_FALSE(custom->has_custom_name());
    pb::RequestCustomPresetUpdate body;
    body.set_custom_name("Dive");
    EXPECT_EQ(
        generic(protocol::protobufRequest(protocol::FeatureId::Command, protocol::action::kCustomPresetUpdate, body)),
        pb::RESULT_ARGUMENT_INVALID);
    body.set_title_id(94);
    body.set_custom_name("seventeen chars!!");
    EXPECT_EQ(
        generic(protocol::protobufRequest(protocol::FeatureId::Command, protocol::action::kCustomPresetUpdate, body)),
        pb::RESULT_ARGUMENT_OUT_OF_BOUNDS);
}

TEST_F(PresetTest, CustomPresetUpdateNeedsHero12Firmware2) {
    const auto update = *protocol::operation::customPresetUpdate(std::nullopt, "Dive", std::nullopt);
    exchange(C::CommandRequest, "06 40 04 00 01 00 04");
    EXPECT_EQ(generic(update), -1);  // H23.01.01...: v1.x
    CameraConfig config;
    config.firmware = "H23.01.02.32.00";  // v2.0
    start(config);
    exchange(C::CommandRequest, "06 40 04 00 01 00 04");
    EXPECT_EQ(generic(update), pb::RESULT_SUCCESS);
    poseAs("hero11");
    exchange(C::CommandRequest, "06 40 04 00 01 00 04");
    EXPECT_EQ(generic(update), -1);
}

// --- issue 15 E ---------------------------------------------------------------

// Spec §4: Set and Get Local Date Time from HERO11 on; a HERO10 answers them as
// unknown commands, and Get Date Time still works.
TEST_F(CameraTest, LocalDateTimeIsRefusedBeforeHero11) {
    CameraConfig config;
    applyModel(config, *findCameraModel("hero10"));
    start(config);
    EXPECT_THAT(exchange(C::CommandRequest, "01 10"), ElementsAre(pk("0073", "02 10 02")));
    EXPECT_THAT(exchange(C::CommandRequest, "0C 0F 0A 07 E7 01 1F 03 04 05 FF 88 01"),
                ElementsAre(pk("0073", "02 0F 02")));
    exchange(C::CommandRequest, "09 0D 07 07 E7 01 1F 03 04 05");
    EXPECT_THAT(exchange(C::CommandRequest, "01 0E"), ElementsAre(pk("0073", "0B 0E 00 08 07 E7 01 1F 03 04 05 02")));
    applyModel(config, *findCameraModel("hero11"));
    start(config);
    EXPECT_THAT(exchange(C::CommandRequest, "01 10"),
                ElementsAre(pk("0073", "0D 10 00 0A 07 E8 04 04 0D 00 00 00 00 00")));
}

// Get Last Captured Media (F5 6D): refused before any capture, then the file the
// last capture made, a video when the shutter stops it, a photo once taken.
TEST_F(CameraTest, LastCapturedMediaIsTheFileTheLastCaptureMade) {
    const auto lastMedia = [this] {
        sendPacket(C::QueryRequest, "02 F5 6D");
        auto messages = takeMessages();
        EXPECT_EQ(messages.size(), 1U);
        if (messages.empty()) return pb::ResponseLastCapturedMedia{};
        EXPECT_EQ(messages[0].first, C::QueryResponse);
        EXPECT_EQ(messages[0].second[1], 0xED);
        return decode<pb::ResponseLastCapturedMedia>(messages[0].second);
    };
    auto answer = lastMedia();
    EXPECT_EQ(answer.result(), pb::RESULT_RESOURCE_NOT_AVAILABLE);
    EXPECT_FALSE(answer.has_media());

    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_EQ(lastMedia().result(), pb::RESULT_RESOURCE_NOT_AVAILABLE) << "still recording";
    exchange(C::CommandRequest, "03 01 01 00");
    answer = lastMedia();
    EXPECT_EQ(answer.result(), pb::RESULT_SUCCESS);
    EXPECT_EQ(answer.media().folder(), "100GOPRO");
    EXPECT_EQ(answer.media().file(), "GX010001.MP4");
    ASSERT_TRUE(camera().lastMedia());
    EXPECT_EQ(camera().lastMedia()->file, "GX010001.MP4");

    exchange(C::CommandRequest, "04 3E 02 03 E9");  // photo group
    exchange(C::CommandRequest, "03 01 01 01");
    EXPECT_EQ(lastMedia().media().file(), "GX010001.MP4") << "the photo is not taken yet";
    take(camera().config().photoDuration);
    answer = lastMedia();
    EXPECT_EQ(answer.media().folder(), "100GOPRO");
    EXPECT_EQ(answer.media().file(), "GOPR0002.JPG");
}

TEST_F(CameraTest, LastCapturedMediaIsUnsupportedBeforeHero12) {
    CameraConfig config;
    applyModel(config, *findCameraModel("hero11"));
    start(config);
    EXPECT_THAT(exchange(C::QueryRequest, "02 F5 6D"), ElementsAre(pk("0077", "02 F5 02")));
}

}  // namespace
}  // namespace goprod::sim
