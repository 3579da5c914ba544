// Every byte sequence of the two seed tutorials of Open GoPro, exactly:
//   tutorial 2, "Send BLE commands" (the Python/bleak tutorial)
//   tutorial 6, "Connect WiFi" (AP mode and station-mode provisioning)
// Requests are built with the library's builders and framed with
// fragment(msg, Sender::Client); responses go through a Reassembler, classify()
// and the matching parser, as the daemon will handle them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "network_management.pb.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "response_generic.pb.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::dumpAll;
using test::hex;
using Strings = std::vector<std::string>;
using Kind = ResponseKey::Kind;

// A request as the seed writes it: one packet, on that characteristic,
// answered on the paired response characteristic with `expects`.
void expectSeedRequest(const Request& request, const char* packet, Characteristic to, ResponseKey expects) {
    SCOPED_TRACE(packet);
    EXPECT_EQ(request.characteristic, to);
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{packet});
    EXPECT_EQ(request.expects, expects);
}

Request settingRequest(std::uint8_t id, std::string_view name) {
    auto value = settingValue(id, name);
    EXPECT_TRUE(value) << "no value named \"" << name << "\" for setting " << int{id};
    auto request = setting::set(id, value.value_or(0xEE));
    EXPECT_TRUE(test::succeeds(request));
    return request ? *request : Request{};
}

// The seed's notification handler: the response arrives on the response
// characteristic paired with the request's, completes the request, and its
// status (third byte of the packet) is success.
void expectSeedResponse(const Request& request, const char* packet) {
    SCOPED_TRACE(std::string("response ") + packet);
    const auto from = responseCharacteristic(request.characteristic);
    ASSERT_TRUE(from);
    Reassembler reassembler;
    auto out = reassembler.feed(hex(packet));
    EXPECT_FALSE(out.error);
    ASSERT_TRUE(out.message);
    const Classified incoming = classify(*from, *out.message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_EQ(incoming.key, request.expects);
    EXPECT_TRUE(completes(request.expects, incoming));
    if (*from == Characteristic::CommandResponse) {
        auto response = parseCommandResponse(*out.message);
        ASSERT_TRUE(test::succeeds(response));
        EXPECT_EQ(response->id, request.expects.id);
        EXPECT_EQ(response->status, 0);
        EXPECT_TRUE(response->ok());
    } else {
        ASSERT_EQ(*from, Characteristic::SettingResponse);
        auto response = parseSettingResponse(*out.message);
        ASSERT_TRUE(test::succeeds(response));
        EXPECT_EQ(response->id, request.expects.id);
        EXPECT_EQ(response->status, 0);
    }
}

constexpr ResponseKey command(std::uint8_t id) { return {Kind::Command, id, 0}; }
constexpr ResponseKey settingKey(std::uint8_t id) { return {Kind::Setting, id, 0}; }
constexpr ResponseKey protobuf(std::uint8_t feature, std::uint8_t action) { return {Kind::Protobuf, feature, action}; }

// ---- ble-send-commands-tutorial.md -----------------------------------------

TEST(SeedSendCommands, CommandAndSettingCharacteristicsHaveTheSeedUuids) {
    EXPECT_EQ(findCharacteristic("b5f90072-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("b5f90073-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::CommandResponse);
    EXPECT_EQ(findCharacteristic("b5f90074-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::SettingRequest);
    EXPECT_EQ(findCharacteristic("b5f90075-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::SettingResponse);
    // GOPRO_BASE_UUID.format("0072")
    EXPECT_EQ(findCharacteristic("0072"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("0074"), Characteristic::SettingRequest);
}

TEST(SeedSendCommands, SetShutterOnAndOff) {
    expectSeedRequest(command::setShutter(false), "03 01 01 00", Characteristic::CommandRequest, command(0x01));
    expectSeedRequest(command::setShutter(true), "03 01 01 01", Characteristic::CommandRequest, command(0x01));
    // bytearray([3, 1, 1, 1]) / bytearray([3, 1, 1, 0])
    EXPECT_EQ(test::framed(command::setShutter(true)), (std::vector<Bytes>{Bytes{3, 1, 1, 1}}));
    EXPECT_EQ(test::framed(command::setShutter(false)), (std::vector<Bytes>{Bytes{3, 1, 1, 0}}));
    expectSeedResponse(command::setShutter(true), "02:01:00");
    expectSeedResponse(command::setShutter(false), "02:01:00");
}

TEST(SeedSendCommands, Sleep) {
    expectSeedRequest(command::sleep(), "01 05", Characteristic::CommandRequest, command(0x05));
    expectSeedResponse(command::sleep(), "02:05:00");
}

TEST(SeedSendCommands, LoadVideoPhotoAndTimelapsePresetGroups) {
    expectSeedRequest(command::loadPresetGroup(PresetGroup::Video), "04 3E 02 03 E8", Characteristic::CommandRequest,
                      command(0x3E));
    expectSeedRequest(command::loadPresetGroup(PresetGroup::Photo), "04 3E 02 03 E9", Characteristic::CommandRequest,
                      command(0x3E));
    expectSeedRequest(command::loadPresetGroup(PresetGroup::Timelapse), "04 3E 02 03 EA",
                      Characteristic::CommandRequest, command(0x3E));
    auto video = presetGroupFromName("video");
    ASSERT_TRUE(video);
    expectSeedRequest(command::loadPresetGroup(*video), "04 3E 02 03 E8", Characteristic::CommandRequest,
                      command(0x3E));
    expectSeedResponse(command::loadPresetGroup(PresetGroup::Video), "02:3e:00");
}

TEST(SeedSendCommands, LoadActivityCinematicBurstAndNightPresets) {
    expectSeedRequest(command::loadPreset(0x00000001), "06 40 04 00 00 00 01", Characteristic::CommandRequest,
                      command(0x40));
    expectSeedRequest(command::loadPreset(0x00000002), "06 40 04 00 00 00 02", Characteristic::CommandRequest,
                      command(0x40));
    expectSeedRequest(command::loadPreset(0x00010002), "06 40 04 00 01 00 02", Characteristic::CommandRequest,
                      command(0x40));
    expectSeedRequest(command::loadPreset(0x00010003), "06 40 04 00 01 00 03", Characteristic::CommandRequest,
                      command(0x40));
    expectSeedResponse(command::loadPreset(2), "02:40:00");
}

TEST(SeedSendCommands, EnableAnalytics) {
    expectSeedRequest(command::setThirdPartyClient(), "01 50", Characteristic::CommandRequest, command(0x50));
    expectSeedResponse(command::setThirdPartyClient(), "02:50:00");
}

TEST(SeedSendCommands, SetVideoResolutionTo1080And2Point7KAnd5K) {
    expectSeedRequest(settingRequest(setting_id::kVideoResolution, "1080"), "03 02 01 09",
                      Characteristic::SettingRequest, settingKey(2));
    expectSeedRequest(settingRequest(setting_id::kVideoResolution, "2.7K"), "03 02 01 04",
                      Characteristic::SettingRequest, settingKey(2));
    expectSeedRequest(settingRequest(setting_id::kVideoResolution, "5K"), "03 02 01 18",
                      Characteristic::SettingRequest, settingKey(2));
    // The seed's log for this step repeats the preset-group line; the setting
    // response is 02 02 00 (opengopro-ble.md §5, §9.1).
    expectSeedResponse(settingRequest(setting_id::kVideoResolution, "1080"), "02 02 00");
}

TEST(SeedSendCommands, SetFramesPerSecondTo24And60And240) {
    expectSeedRequest(settingRequest(setting_id::kFramesPerSecond, "24"), "03 03 01 0A",
                      Characteristic::SettingRequest, settingKey(3));
    expectSeedRequest(settingRequest(setting_id::kFramesPerSecond, "60"), "03 03 01 05",
                      Characteristic::SettingRequest, settingKey(3));
    expectSeedRequest(settingRequest(setting_id::kFramesPerSecond, "240"), "03 03 01 00",
                      Characteristic::SettingRequest, settingKey(3));
    expectSeedResponse(settingRequest(setting_id::kFramesPerSecond, "240"), "02:03:00");
}

TEST(SeedSendCommands, SettingBytesAreTheSameWhetherBuiltFromNamesOrValues) {
    auto raw = setting::set(2, hex("09"));
    ASSERT_TRUE(test::succeeds(raw));
    EXPECT_EQ(raw->message, settingRequest(2, "1080").message);
}

TEST(SeedSendCommands, ANonSuccessStatusIsNotOk) {
    // "If the Preset Group was not Video, the status will not be success."
    auto rejected = parseSettingResponse(*test::reassemble({hex("02 02 01")}));
    ASSERT_TRUE(test::succeeds(rejected));
    EXPECT_NE(rejected->status, 0);
    auto cmd = parseCommandResponse(*test::reassemble({hex("02 01 02")}));
    ASSERT_TRUE(test::succeeds(cmd));
    EXPECT_FALSE(cmd->ok());
}

// ---- connect-wifi-tutorial.md: access point mode --------------------------

TEST(SeedConnectWifi, ApSsidAndPasswordAreDirectReadsOfRawText) {
    EXPECT_EQ(findCharacteristic("b5f90002-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::WifiApSsid);
    EXPECT_EQ(findCharacteristic("b5f90003-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::WifiApPassword);
    EXPECT_EQ(hex("64:65:62:75:67:68:65:72:6F:31:31"), test::ascii("debughero11"));
    EXPECT_EQ(hex("7A:33:79:2D:44:43:58:2D:50:68:6A"), test::ascii("z3y-DCX-Phj"));
    EXPECT_TRUE(info(Characteristic::WifiApSsid).properties & kRead);
    EXPECT_TRUE(info(Characteristic::WifiApPassword).properties & kRead);
}

TEST(SeedConnectWifi, EnableAndDisableTheAccessPoint) {
    expectSeedRequest(command::setApControl(ApControl::On), "03 17 01 01", Characteristic::CommandRequest,
                      command(0x17));
    expectSeedRequest(command::setApControl(ApControl::Off), "03 17 01 00", Characteristic::CommandRequest,
                      command(0x17));
    // Writing to GoProUuid.COMMAND_REQ_UUID: 03:17:01:01
    EXPECT_EQ(dumpAll(test::framed(command::setApControl(ApControl::On))), Strings{dump(hex("03:17:01:01"))});
    expectSeedResponse(command::setApControl(ApControl::On), "02:17:00");
    expectSeedResponse(command::setApControl(ApControl::Off), "02:17:00");
}

// ---- connect-wifi-tutorial.md: station mode -------------------------------

TEST(SeedConnectWifi, ScanRequestIsWrittenAs020202) {
    const Request scan = operation::startScan();
    expectSeedRequest(scan, "02 02 02", Characteristic::NetworkManagementRequest, protobuf(0x02, 0x82));
    // [0x02, 0x02, *RequestStartScan().SerializePartialToString()], length prepended.
    Bytes seed{0x02, 0x02};
    const std::string body = open_gopro::RequestStartScan().SerializePartialAsString();
    seed.insert(seed.end(), body.begin(), body.end());
    seed.insert(seed.begin(), static_cast<std::uint8_t>(seed.size()));
    EXPECT_EQ(test::framed(scan), std::vector<Bytes>{seed});
}

TEST(SeedConnectWifi, ScanResponseCompletesTheScanRequest) {
    const Request scan = operation::startScan();
    auto message = test::reassemble({hex("06:02:82:08:01:10:02")});
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::NetworkManagementResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_EQ(incoming.key, protobuf(0x02, 0x82));
    EXPECT_TRUE(completes(scan.expects, incoming));
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* response = decoded->as<open_gopro::ResponseStartScanning>();
    ASSERT_NE(response, nullptr);
    EXPECT_EQ(response->result(), open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(response->scanning_state(), open_gopro::SCANNING_STARTED);
}

TEST(SeedConnectWifi, ScanNotificationReportsSuccessAndScanId1) {
    auto message = test::reassemble({hex("0a:02:0b:08:05:10:01:18:05:20:01")});
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::NetworkManagementResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::ScanNotification);
    EXPECT_FALSE(completes(operation::startScan().expects, incoming));
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->feature, 0x02);
    EXPECT_EQ(decoded->action, 0x0B);
    const auto* notif = decoded->as<open_gopro::NotifStartScanning>();
    ASSERT_NE(notif, nullptr);
    EXPECT_EQ(notif->scanning_state(), open_gopro::SCANNING_SUCCESS);
    EXPECT_EQ(notif->scan_id(), 1);
    EXPECT_EQ(notif->total_entries(), 5);
    EXPECT_EQ(notif->total_configured_ssid(), 1);
}

TEST(SeedConnectWifi, GetApEntriesRequestIsWrittenAsTheSeedLogsIt) {
    const Request request = operation::getApEntries(0, 100, 1);
    expectSeedRequest(request, "08 02 03 08 00 10 64 18 01", Characteristic::NetworkManagementRequest,
                      protobuf(0x02, 0x83));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{dump(hex("08:02:03:08:00:10:64:18:01"))});
}

TEST(SeedConnectWifi, SevenApEntriesPacketsDecodeToExactlyFiveNetworks) {
    const auto packets = test::apEntriesPackets();
    ASSERT_EQ(packets.size(), 7u);
    auto message = test::reassemble(packets);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->size(), 118u);
    const Classified incoming = classify(Characteristic::NetworkManagementResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_EQ(incoming.key, protobuf(0x02, 0x83));
    EXPECT_TRUE(completes(operation::getApEntries(0, 100, 1).expects, incoming));

    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->feature, 0x02);
    EXPECT_EQ(decoded->action, 0x83);
    const auto* entries = decoded->as<open_gopro::ResponseGetApEntries>();
    ASSERT_NE(entries, nullptr);
    EXPECT_EQ(entries->result(), open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(entries->scan_id(), 1);

    struct Network {
        const char* ssid;
        int bars;
        int mhz;
        int flags;
    };
    const Network want[] = {
        {"dabugdabug", 3, 5220, 47},
        {"ATTTp4r6Fi", 2, 5745, 1},
        {"ATTb7JgAwa", 2, 5785, 1},
        {"Ring Setup e7", 1, 2412, 0},
        {"Homeynet_2GEXT", 1, 2437, 1},
    };
    ASSERT_EQ(entries->entries_size(), 5);
    for (int i = 0; i < 5; ++i) {
        SCOPED_TRACE(want[i].ssid);
        const auto& entry = entries->entries(i);
        EXPECT_EQ(entry.ssid(), want[i].ssid);
        EXPECT_EQ(entry.signal_strength_bars(), want[i].bars);
        EXPECT_EQ(entry.signal_frequency_mhz(), want[i].mhz);
        EXPECT_EQ(entry.scan_entry_flags(), want[i].flags);
    }
}

TEST(SeedConnectWifi, ConfiguredNetworksUseConnectAndNewOnesConnectNew) {
    // The seed: if scan_entry_flags & SCAN_FLAG_CONFIGURED -> 02 04 RequestConnect,
    // else 02 05 RequestConnectNew(ssid, password), SerializePartialToString().
    auto message = test::reassemble(test::apEntriesPackets());
    ASSERT_TRUE(message);
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* entries = decoded->as<open_gopro::ResponseGetApEntries>();
    ASSERT_NE(entries, nullptr);
    const std::string password = "p@d-NNc-2ts";
    int connects = 0;
    for (const auto& entry : entries->entries()) {
        SCOPED_TRACE(entry.ssid());
        Bytes seed;
        Result<Request> request = fail(Errc::InvalidArgument, "unset");
        if (entry.scan_entry_flags() & open_gopro::SCAN_FLAG_CONFIGURED) {
            open_gopro::RequestConnect body;
            body.set_ssid(entry.ssid());
            seed = {0x02, 0x04};
            const std::string s = body.SerializePartialAsString();
            seed.insert(seed.end(), s.begin(), s.end());
            request = operation::connect(entry.ssid());
            ++connects;
        } else {
            open_gopro::RequestConnectNew body;
            body.set_ssid(entry.ssid());
            body.set_password(password);
            seed = {0x02, 0x05};
            const std::string s = body.SerializePartialAsString();
            seed.insert(seed.end(), s.begin(), s.end());
            request = operation::connectNew(entry.ssid(), password);
        }
        ASSERT_TRUE(test::succeeds(request));
        EXPECT_EQ(request->characteristic, Characteristic::NetworkManagementRequest);
        EXPECT_EQ(dump(request->message), dump(seed));
        EXPECT_EQ(request->expects, protobuf(0x02, seed[1] | 0x80));
    }
    EXPECT_EQ(connects, 1);  // only "dabugdabug" (flags 47) is configured
}

// The seed's yield_fragmented_packets, line by line (13-bit branch and the
// general branch; the 16-bit branch is wrong per the spec and unused here).
std::vector<Bytes> seedYieldFragmentedPackets(const Bytes& payload) {
    constexpr std::size_t kMaxPacketSizeSeed = 20;
    const Bytes kContinuationHeader{0x80};
    const std::size_t length = payload.size();
    Bytes header;
    if (length < (1u << 5) - 1) {
        header = {static_cast<std::uint8_t>(length)};
    } else if (length < (1u << 13) - 1) {
        const std::size_t h = length | 0x2000;
        header = {static_cast<std::uint8_t>((h >> 8) & 0xFF), static_cast<std::uint8_t>(h & 0xFF)};
    } else {
        ADD_FAILURE() << "the seed's 16-bit branch is not a valid header";
        return {};
    }
    std::vector<Bytes> packets;
    bool isFirstPacket = true;
    std::size_t byteIndex = 0;
    while (std::size_t bytesRemaining = length - byteIndex) {
        Bytes packet;
        if (isFirstPacket) {
            packet = header;
            isFirstPacket = false;
        } else {
            packet = kContinuationHeader;
        }
        const std::size_t packetSize = std::min(kMaxPacketSizeSeed - packet.size(), bytesRemaining);
        packet.insert(packet.end(), payload.begin() + static_cast<std::ptrdiff_t>(byteIndex),
                      payload.begin() + static_cast<std::ptrdiff_t>(byteIndex + packetSize));
        packets.push_back(packet);
        byteIndex += packetSize;
    }
    return packets;
}

TEST(SeedConnectWifi, ConnectNewWithA32ByteSsidAnd63BytePasswordIsFragmentedAsTheSeedDoes) {
    const std::string ssid = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    const std::string password = "pw-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVW";
    ASSERT_EQ(ssid.size(), 32u);
    ASSERT_EQ(password.size(), 63u);
    auto request = operation::connectNew(ssid, password);
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(request->expects, protobuf(0x02, 0x85));

    // 02 05 | 0A 20 <32 bytes> | 12 3F <63 bytes> = 101 bytes.
    Bytes want{0x02, 0x05, 0x0A, 0x20};
    want.insert(want.end(), ssid.begin(), ssid.end());
    want.push_back(0x12);
    want.push_back(0x3F);
    want.insert(want.end(), password.begin(), password.end());
    ASSERT_EQ(want.size(), 101u);
    EXPECT_EQ(dump(request->message), dump(want));

    const auto packets = test::framed(*request);
    EXPECT_EQ(dumpAll(packets), dumpAll(seedYieldFragmentedPackets(request->message)));
    ASSERT_EQ(packets.size(), 6u);  // 18 + 4 * 19 + 7
    EXPECT_EQ(dump(ByteView(packets[0]).first(6)), "20 65 02 05 0A 20");
    for (std::size_t i = 1; i < packets.size(); ++i) EXPECT_EQ(packets[i][0], 0x80) << "packet " << i;
    for (std::size_t i = 0; i + 1 < packets.size(); ++i) EXPECT_EQ(packets[i].size(), 20u) << "packet " << i;
    EXPECT_EQ(packets.back().size(), 8u);

    // The camera side (the simulator) gets the request back exactly.
    Reassembler reassembler;
    auto back = test::reassemble(reassembler, packets);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, request->message);
    auto decoded = decodeProtobuf(*back);
    if (decoded) {
        const auto* body = decoded->as<open_gopro::RequestConnectNew>();
        ASSERT_NE(body, nullptr);
        EXPECT_EQ(body->ssid(), ssid);
        EXPECT_EQ(body->password(), password);
    }
}

TEST(SeedConnectWifi, ConnectNewRejectsA33ByteSsidAnEmptySsidAndA64BytePassword) {
    EXPECT_TRUE(test::failsWith(operation::connectNew(std::string(33, 'S'), "password"), Errc::InvalidArgument));
    EXPECT_TRUE(test::failsWith(operation::connectNew("", "password"), Errc::InvalidArgument));
    EXPECT_TRUE(test::failsWith(operation::connectNew("home", std::string(64, 'p')), Errc::InvalidArgument));
}

TEST(SeedConnectWifi, ProvisioningNotificationUntilSuccessNewAp) {
    auto message = test::reassemble({hex("04 02 0C 08 02")});
    ASSERT_TRUE(message);
    EXPECT_EQ(classify(Characteristic::NetworkManagementResponse, *message).kind,
              Incoming::ProvisioningNotification);
    auto started = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(started));
    ASSERT_NE(started->as<open_gopro::NotifProvisioningState>(), nullptr);
    EXPECT_EQ(started->as<open_gopro::NotifProvisioningState>()->provisioning_state(),
              open_gopro::PROVISIONING_STARTED);
    auto done = decodeProtobuf(*test::reassemble({hex("04 02 0C 08 05")}));
    ASSERT_TRUE(test::succeeds(done));
    ASSERT_NE(done->as<open_gopro::NotifProvisioningState>(), nullptr);
    EXPECT_EQ(done->as<open_gopro::NotifProvisioningState>()->provisioning_state(),
              open_gopro::PROVISIONING_SUCCESS_NEW_AP);
}

// ---- opengopro-ble.md §9.1 single-packet command/setting vectors ----------

TEST(SpecVectors, EveryCommandAndSettingRequestOfSection9Point1) {
    struct Case {
        Request request;
        const char* packet;
        const char* response;
    };
    auto dt = command::setDateTime({2023, 1, 31, 3, 4, 5});
    auto ldt1 = command::setLocalDateTime({{2023, 1, 31, 3, 4, 5}, -120, true});
    auto ldt2 = command::setLocalDateTime({{2024, 4, 4, 13, 0, 5}, -420, true});
    auto lens = setting::set(setting_id::kVideoLens, hex("00"));
    auto apd = setting::set(setting_id::kAutoPowerDown, hex("04"));
    auto fps240 = setting::set(setting_id::kFramesPerSecond, hex("00"));
    auto res27 = setting::set(setting_id::kVideoResolution, hex("04"));
    for (auto* r : {&dt, &ldt1, &ldt2, &lens, &apd, &fps240, &res27}) ASSERT_TRUE(test::succeeds(*r));
    const std::vector<Case> cases = {
        {command::setShutter(true), "03 01 01 01", "02 01 00"},
        {command::setShutter(false), "03 01 01 00", "02 01 00"},
        {command::sleep(), "01 05", "02 05 00"},
        {*dt, "09 0D 07 07 E7 01 1F 03 04 05", "02 0D 00"},
        {*ldt1, "0C 0F 0A 07 E7 01 1F 03 04 05 FF 88 01", "02 0F 00"},
        {*ldt2, "0C 0F 0A 07 E8 04 04 0D 00 05 FE 5C 01", "02 0F 00"},
        {command::getDateTime(), "01 0E", "0B 0E 00 08 07 E6 01 02 03 04 05 06"},
        {command::getLocalDateTime(), "01 10", "0D 10 00 0A 07 E6 01 02 03 04 05 FE 20 01"},
        {command::setApControl(ApControl::On), "03 17 01 01", "02 17 00"},
        {command::setApControl(ApControl::Off), "03 17 01 00", "02 17 00"},
        {command::hilight(), "01 18", "02 18 00"},
        {command::loadPresetGroup(PresetGroup::Video), "04 3E 02 03 E8", "02 3E 00"},
        {command::loadPreset(0x1234ABCD), "06 40 04 12 34 AB CD", "02 40 00"},
        {command::loadPreset(0), "06 40 04 00 00 00 00", "02 40 00"},
        {command::setThirdPartyClient(), "01 50", "02 50 00"},
        {command::getOpenGoProVersion(), "01 51", "06 51 00 01 02 01 00"},
        {settingRequest(2, "1080"), "03 02 01 09", "02 02 00"},
        {*res27, "03 02 01 04", "02 02 00"},
        {*fps240, "03 03 01 00", "02 03 00"},
        {*lens, "03 79 01 00", "02 79 00"},
        {*apd, "03 3B 01 04", "02 3B 00"},
        {setting::keepAlive(), "03 5B 01 42", "02 5B 00"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.packet);
        EXPECT_EQ(dumpAll(test::framed(c.request)), Strings{c.packet});
        expectSeedResponse(c.request, c.response);
    }
}

TEST(SpecVectors, VersionResponseIsTwoPointZero) {
    const Request request = command::getOpenGoProVersion();
    auto message = test::reassemble({hex("06 51 00 01 02 01 00")});
    ASSERT_TRUE(message);
    EXPECT_TRUE(completes(request.expects, classify(Characteristic::CommandResponse, *message)));
    auto response = parseCommandResponse(*message);
    ASSERT_TRUE(test::succeeds(response));
    auto version = parseOpenGoProVersion(response->payload);
    ASSERT_TRUE(test::succeeds(version));
    EXPECT_EQ(version->major, 2u);
    EXPECT_EQ(version->minor, 0u);
}

TEST(SpecVectors, KeepAliveIsAnsweredOnTheSettingResponseCharacteristic) {
    const Request keepAlive = setting::keepAlive();
    EXPECT_EQ(dumpAll(test::framed(keepAlive)), Strings{"03 5B 01 42"});
    expectSeedResponse(keepAlive, "02 5B 00");
}

TEST(SpecVectors, HardwareInfoCompletesGetHardwareInfo) {
    auto message = test::reassemble(test::hardwareInfoPackets());
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::CommandResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_TRUE(completes(command::getHardwareInfo().expects, incoming));
}

TEST(SpecVectors, MultiStatusCompletesItsQuery) {
    const Request request = query(QueryId::GetStatusValues, hex("46 44 23 56 45 61 60 0B 08 13"));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"0B 13 46 44 23 56 45 61 60 0B 08 13"});
    auto message = test::reassemble(test::issue157Packets());
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::QueryResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_TRUE(completes(request.expects, incoming));
}

}  // namespace
}  // namespace goprod::protocol
