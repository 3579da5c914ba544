// Protobuf operations (opengopro-ble.md §8, §9.3): builders, the
// (feature, action) router, and the single- and multi-packet vectors.
#include "protocol/protobuf.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "camera_control.pb.h"
#include "cohn.pb.h"
#include "network_management.pb.h"
#include "preset_status.pb.h"
#include "response_generic.pb.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using ::testing::HasSubstr;
using test::dump;
using test::dumpAll;
using test::failsWith;
using test::hex;
using Strings = std::vector<std::string>;

ResponseKey protobuf(std::uint8_t feature, std::uint8_t action) {
    return {ResponseKey::Kind::Protobuf, feature, action};
}

// Packets notified by the camera -> reassembled -> decoded.
Result<ProtobufMessage> receive(const std::vector<Bytes>& packets) {
    auto message = test::reassemble(packets);
    if (!message) return fail(Errc::Truncated, "no message");
    return decodeProtobuf(*message);
}

// ---- builders -----------------------------------------------------------------

TEST(Protobuf, StartScanIsFeature02Action02WithAnEmptyBody) {
    const Request request = operation::startScan();
    EXPECT_EQ(request.characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(dump(request.message), "02 02");
    EXPECT_EQ(request.expects, protobuf(0x02, 0x82));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"02 02 02"});
}

TEST(Protobuf, GetApEntriesSerializesAllThreeRequiredFields) {
    const Request request = operation::getApEntries(0, 100, 1);
    EXPECT_EQ(request.characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(request.expects, protobuf(0x02, 0x83));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"08 02 03 08 00 10 64 18 01"});
}

TEST(Protobuf, ConnectCarriesTheSsid) {
    auto request = operation::connect("dabugdabug");
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(request->expects, protobuf(0x02, 0x84));
    EXPECT_EQ(dump(request->message), "02 04 0A 0A 64 61 62 75 67 64 61 62 75 67");
}

TEST(Protobuf, ConnectNewCarriesSsidAndPassword) {
    auto request = operation::connectNew("dabugdabug", "z3y-DCX-Phj");
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(request->expects, protobuf(0x02, 0x85));
    ASSERT_GE(request->message.size(), 2u);
    EXPECT_EQ(dump(ByteView(request->message).first(2)), "02 05");
    open_gopro::RequestConnectNew body;
    ASSERT_TRUE(body.ParseFromArray(request->message.data() + 2, static_cast<int>(request->message.size() - 2)));
    EXPECT_EQ(body.ssid(), "dabugdabug");
    EXPECT_EQ(body.password(), "z3y-DCX-Phj");
}

TEST(Protobuf, ConnectNewAcceptsAnOpenNetworkWithNoPassword) {
    auto request = operation::connectNew("Ring Setup e7", "");
    ASSERT_TRUE(test::succeeds(request));
    open_gopro::RequestConnectNew body;
    ASSERT_TRUE(body.ParseFromArray(request->message.data() + 2, static_cast<int>(request->message.size() - 2)));
    EXPECT_EQ(body.ssid(), "Ring Setup e7");
    EXPECT_TRUE(body.has_password());
    EXPECT_EQ(body.password(), "");
}

TEST(Protobuf, ConnectAndConnectNewRejectSsidsOutsideOneTo32Bytes) {
    EXPECT_TRUE(failsWith(operation::connect(""), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(operation::connect(std::string(33, 's')), Errc::InvalidArgument));
    EXPECT_TRUE(test::succeeds(operation::connect(std::string(32, 's'))));
    EXPECT_TRUE(failsWith(operation::connectNew("", "password"), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(operation::connectNew(std::string(33, 's'), "password"), Errc::InvalidArgument));
}

TEST(Protobuf, ConnectNewRejectsPasswordsLongerThan63Bytes) {
    EXPECT_TRUE(failsWith(operation::connectNew("home", std::string(64, 'p')), Errc::InvalidArgument));
    EXPECT_TRUE(test::succeeds(operation::connectNew("home", std::string(63, 'p'))));
}

TEST(Protobuf, PairingFinishReportsSuccessWithTheClientName) {
    auto request = operation::pairingFinish("goprod");
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::NetworkManagementRequest);
    EXPECT_EQ(request->expects, protobuf(0x03, 0x81));
    EXPECT_EQ(dump(request->message), "03 01 08 00 12 06 67 6F 70 72 6F 64");
    EXPECT_TRUE(failsWith(operation::pairingFinish(""), Errc::InvalidArgument));
}

TEST(Protobuf, SetCameraControlExternal) {
    // §7.1: F1 69 08 02 -> F1 E9 08 01.
    const auto built = operation::setCameraControl(2);
    ASSERT_TRUE(built.has_value());
    const Request& request = *built;
    EXPECT_TRUE(test::failsWith(operation::setCameraControl(4), Errc::InvalidArgument));
    EXPECT_EQ(request.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request.expects, protobuf(0xF1, 0xE9));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"04 F1 69 08 02"});
    auto response = receive({hex("04 F1 E9 08 01")});
    ASSERT_TRUE(test::succeeds(response));
    ASSERT_NE(response->as<open_gopro::ResponseGeneric>(), nullptr);
    EXPECT_EQ(response->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_SUCCESS);
}

TEST(Protobuf, TurboOffAndItsSuccessResponse) {
    // §9.3: 04 F1 6B 08 00 (0072) -> 04 F1 EB 08 01 (0073).
    const Request request = operation::setTurboActive(false);
    EXPECT_EQ(request.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request.expects, protobuf(0xF1, 0xEB));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"04 F1 6B 08 00"});
    EXPECT_EQ(dump(operation::setTurboActive(true).message), "F1 6B 08 01");

    auto message = test::reassemble({hex("04 F1 EB 08 01")});
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::CommandResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_EQ(incoming.key, protobuf(0xF1, 0xEB));
    EXPECT_TRUE(completes(request.expects, incoming));
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->feature, 0xF1);
    EXPECT_EQ(decoded->action, 0xEB);
    ASSERT_NE(decoded->as<open_gopro::ResponseGeneric>(), nullptr);
    EXPECT_EQ(decoded->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_SUCCESS);
}

TEST(Protobuf, CreateCohnCertHasAnEmptyBody) {
    // §9.3: 02 F1 67 (0072) -> 04 F1 E7 08 01.
    const Request request =
        protobufRequest(FeatureId::Command, action::kCreateCohnCert, open_gopro::RequestCreateCOHNCert{});
    EXPECT_EQ(request.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request.expects, protobuf(0xF1, 0xE7));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"02 F1 67"});
    auto response = receive({hex("04 F1 E7 08 01")});
    ASSERT_TRUE(test::succeeds(response));
    ASSERT_NE(response->as<open_gopro::ResponseGeneric>(), nullptr);
    EXPECT_EQ(response->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_SUCCESS);
}

TEST(Protobuf, GetCohnStatusRegistersOnTheQueryCharacteristic) {
    const Request request = operation::getCohnStatus(true);
    EXPECT_EQ(request.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(request.expects, protobuf(0xF5, 0xEF));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"04 F5 6F 08 01"});
    EXPECT_EQ(dump(operation::getCohnStatus(false).message), "F5 6F 08 00");
}

// issue 15 B: presets
TEST(Protobuf, GetPresetStatusOnTheQueryCharacteristic) {
    // §8.1: F5 72 RequestGetPresetStatus -> F5 F2 NotifyPresetStatus; §8.3 fields:
    // 1 register_preset_status (repeated, not packed), 4 include_hidden.
    const Request request = operation::getPresetStatus(false);
    EXPECT_EQ(request.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(request.expects, protobuf(0xF5, 0xF2));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"02 F5 72"});
    EXPECT_EQ(dump(operation::getPresetStatus(true).message), "F5 72 20 01");
    EXPECT_EQ(dump(operation::getPresetStatus(false, true).message), "F5 72 08 01 08 02");
}

TEST(Protobuf, PresetStatusResponseParses) {
    // One group (1000 VIDEO) with preset {id 1, mode 12 VIDEO, is_visible}, active preset 1.
    auto decoded = receive({hex("11 F5 F2 0A 0D 08 E8 07 12 06 08 01 10 0C 58 01 38 01")});
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* status = decoded->as<open_gopro::NotifyPresetStatus>();
    ASSERT_NE(status, nullptr);
    ASSERT_EQ(status->preset_group_array_size(), 1);
    const auto& group = status->preset_group_array(0);
    EXPECT_EQ(group.id(), open_gopro::PRESET_GROUP_ID_VIDEO);
    EXPECT_EQ(group.active_preset_id(), 1);
    ASSERT_EQ(group.preset_array_size(), 1);
    EXPECT_EQ(group.preset_array(0).id(), 1);
    EXPECT_EQ(group.preset_array(0).mode(), open_gopro::FLAT_MODE_VIDEO);
    EXPECT_TRUE(group.preset_array(0).is_visible());
    // The same body as a 0xF3 push.
    auto push = receive({hex("11 F5 F3 0A 0D 08 E8 07 12 06 08 01 10 0C 58 01 38 01")});
    ASSERT_TRUE(test::succeeds(push));
    EXPECT_NE(push->as<open_gopro::NotifyPresetStatus>(), nullptr);
}

TEST(Protobuf, PresetVisibilityOnTheCommandCharacteristic) {
    // §8.1: F1 63 RequestPresetSetVisibility {1 id, 2 visible} -> F1 E3 ResponseGeneric.
    const Request request = operation::presetSetVisibility(0x00010002, false);
    EXPECT_EQ(request.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request.expects, protobuf(0xF1, 0xE3));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"08 F1 63 08 82 80 04 10 00"});
    auto decoded = receive({hex("04 F1 E3 08 01")});
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_SUCCESS);
}

TEST(Protobuf, CustomPresetUpdateSendsTitle94WithAName) {
    // §8.3: 1 title_id, 2 custom_name (1..16, title 94), 3 icon_id.
    auto named = operation::customPresetUpdate(std::nullopt, "Dive", 3);
    ASSERT_TRUE(test::succeeds(named));
    EXPECT_EQ(named->expects, protobuf(0xF1, 0xE4));
    EXPECT_EQ(named->characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(dump(named->message), "F1 64 08 5E 12 04 44 69 76 65 18 03");
    auto titled = operation::customPresetUpdate(5, std::nullopt, std::nullopt);
    ASSERT_TRUE(test::succeeds(titled));
    EXPECT_EQ(dump(titled->message), "F1 64 08 05");
    EXPECT_TRUE(failsWith(operation::customPresetUpdate(5, "Dive", std::nullopt), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(operation::customPresetUpdate(std::nullopt, "", std::nullopt), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(operation::customPresetUpdate(std::nullopt, "seventeen chars!!", std::nullopt),
                          Errc::InvalidArgument));
    EXPECT_TRUE(
        failsWith(operation::customPresetUpdate(std::nullopt, std::nullopt, std::nullopt), Errc::InvalidArgument));
}

TEST(Protobuf, EncodeProtobufPrependsFeatureAndAction) {
    open_gopro::ResponseGeneric success;
    success.set_result(open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(dump(encodeProtobuf(0xF1, 0xEB, success)), "F1 EB 08 01");
    EXPECT_EQ(dump(encodeProtobuf(0x02, 0x02, open_gopro::RequestStartScan{})), "02 02");
}

// ---- decoding -----------------------------------------------------------------

TEST(Protobuf, ScanResponseIsSuccessAndScanningStarted) {
    auto decoded = receive({hex("06 02 82 08 01 10 02")});
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->feature, 0x02);
    EXPECT_EQ(decoded->action, 0x82);
    const auto* scan = decoded->as<open_gopro::ResponseStartScanning>();
    ASSERT_NE(scan, nullptr);
    EXPECT_EQ(scan->result(), open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(scan->scanning_state(), open_gopro::SCANNING_STARTED);
}

TEST(Protobuf, ScanNotificationCarriesScanIdAndCounts) {
    auto decoded = receive({hex("0A 02 0B 08 05 10 01 18 05 20 01")});
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* notif = decoded->as<open_gopro::NotifStartScanning>();
    ASSERT_NE(notif, nullptr);
    EXPECT_EQ(notif->scanning_state(), open_gopro::SCANNING_SUCCESS);
    EXPECT_EQ(notif->scan_id(), 1);
    EXPECT_EQ(notif->total_entries(), 5);
    EXPECT_EQ(notif->total_configured_ssid(), 1);
    EXPECT_THAT(shortText(*decoded->body), HasSubstr("scanning_state: SCANNING_SUCCESS"));
    EXPECT_THAT(shortText(*decoded->body), HasSubstr("scan_id: 1"));
}

TEST(Protobuf, CohnStatusOfTheFourPacketCapture) {
    auto message = test::reassemble(test::cohnStatusPackets());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->size(), 71u);
    const Classified incoming = classify(Characteristic::QueryResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_EQ(incoming.key, protobuf(0xF5, 0xEF));
    EXPECT_TRUE(completes(operation::getCohnStatus(true).expects, incoming));
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* status = decoded->as<open_gopro::NotifyCOHNStatus>();
    ASSERT_NE(status, nullptr);
    EXPECT_EQ(status->status(), open_gopro::COHN_PROVISIONED);
    EXPECT_EQ(status->state(), open_gopro::COHN_STATE_NetworkConnected);
    EXPECT_EQ(status->username(), "gopro");
    EXPECT_EQ(status->password(), "Gzt2m6YMvLAo");
    EXPECT_EQ(status->ipaddress(), "192.168.50.103");
    EXPECT_TRUE(status->enabled());
    EXPECT_EQ(status->ssid(), "dabugdabug");
    EXPECT_EQ(status->macaddress(), "2474f7f66104");
}

TEST(Protobuf, UnsupportedCohnReplyCompletesThePendingRequestByFeature) {
    // §9.3: `02 F5 02` on GP-0077: feature + status only.
    auto message = test::reassemble({hex("02 F5 02")});
    ASSERT_TRUE(message);
    const Classified incoming = classify(Characteristic::QueryResponse, *message);
    EXPECT_EQ(incoming.kind, Incoming::UnsupportedReply);
    EXPECT_EQ(incoming.key, protobuf(0xF5, 0));
    EXPECT_TRUE(completes(operation::getCohnStatus(true).expects, incoming));
    EXPECT_TRUE(completes(protobuf(0xF5, 0xF2), incoming));
    EXPECT_FALSE(completes(operation::setTurboActive(false).expects, incoming));
}

TEST(Protobuf, UnknownFieldsAreIgnored) {
    // ResponseGeneric with an extra varint field 23.
    auto decoded = decodeProtobuf(hex("F1 EB 08 01 B8 01 05"));
    ASSERT_TRUE(test::succeeds(decoded));
    ASSERT_NE(decoded->as<open_gopro::ResponseGeneric>(), nullptr);
    EXPECT_EQ(decoded->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_SUCCESS);
}

TEST(Protobuf, PresetStatusNotificationWithANegativeFlatModeRoundTrips) {
    open_gopro::NotifyPresetStatus status;
    auto* group = status.add_preset_group_array();
    group->set_id(open_gopro::PRESET_GROUP_ID_VIDEO);
    auto* preset = group->add_preset_array();
    preset->set_id(0x00010003);
    preset->set_mode(open_gopro::FLAT_MODE_UNKNOWN);  // a 10-byte varint
    group->add_mode_array(open_gopro::FLAT_MODE_VIDEO);
    const Bytes message = encodeProtobuf(0xF5, action::kPresetStatusNotification, status);
    EXPECT_EQ(classify(Characteristic::QueryResponse, message).kind, Incoming::PresetNotification);
    auto decoded = decodeProtobuf(message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* back = decoded->as<open_gopro::NotifyPresetStatus>();
    ASSERT_NE(back, nullptr);
    ASSERT_EQ(back->preset_group_array_size(), 1);
    EXPECT_EQ(back->preset_group_array(0).id(), open_gopro::PRESET_GROUP_ID_VIDEO);
    ASSERT_EQ(back->preset_group_array(0).preset_array_size(), 1);
    EXPECT_EQ(back->preset_group_array(0).preset_array(0).mode(), open_gopro::FLAT_MODE_UNKNOWN);
    EXPECT_EQ(back->preset_group_array(0).preset_array(0).id(), 0x00010003);
}

TEST(Protobuf, RequestsDecodeToo) {
    // The simulator decodes what the daemon sends.
    auto entries = decodeProtobuf(operation::getApEntries(0, 100, 1).message);
    ASSERT_TRUE(test::succeeds(entries));
    const auto* get = entries->as<open_gopro::RequestGetApEntries>();
    ASSERT_NE(get, nullptr);
    EXPECT_EQ(get->start_index(), 0);
    EXPECT_EQ(get->max_entries(), 100);
    EXPECT_EQ(get->scan_id(), 1);
    auto turbo = decodeProtobuf(hex("F1 6B 08 00"));
    ASSERT_TRUE(test::succeeds(turbo));
    ASSERT_NE(turbo->as<open_gopro::RequestSetTurboActive>(), nullptr);
    EXPECT_FALSE(turbo->as<open_gopro::RequestSetTurboActive>()->active());
}

// ---- routing tables -------------------------------------------------------

TEST(Protobuf, FeaturesAreWrittenToTheirRequestCharacteristics) {
    EXPECT_EQ(requestCharacteristic(0x02), Characteristic::NetworkManagementRequest);
    EXPECT_EQ(requestCharacteristic(0x03), Characteristic::NetworkManagementRequest);
    EXPECT_EQ(requestCharacteristic(0xF1), Characteristic::CommandRequest);
    EXPECT_EQ(requestCharacteristic(0xF5), Characteristic::QueryRequest);
    EXPECT_FALSE(requestCharacteristic(0x77));
}

TEST(Protobuf, FeaturesTravelOnlyOnTheirOwnCharacteristics) {
    EXPECT_TRUE(featureUsesCharacteristic(0x02, Characteristic::NetworkManagementRequest));
    EXPECT_TRUE(featureUsesCharacteristic(0x02, Characteristic::NetworkManagementResponse));
    EXPECT_TRUE(featureUsesCharacteristic(0x03, Characteristic::NetworkManagementResponse));
    EXPECT_TRUE(featureUsesCharacteristic(0xF1, Characteristic::CommandRequest));
    EXPECT_TRUE(featureUsesCharacteristic(0xF1, Characteristic::CommandResponse));
    EXPECT_TRUE(featureUsesCharacteristic(0xF5, Characteristic::QueryRequest));
    EXPECT_TRUE(featureUsesCharacteristic(0xF5, Characteristic::QueryResponse));
    EXPECT_FALSE(featureUsesCharacteristic(0x02, Characteristic::SettingRequest));
    EXPECT_FALSE(featureUsesCharacteristic(0x02, Characteristic::SettingResponse));
    EXPECT_FALSE(featureUsesCharacteristic(0x02, Characteristic::CommandResponse));
    EXPECT_FALSE(featureUsesCharacteristic(0xF5, Characteristic::CommandResponse));
    EXPECT_FALSE(featureUsesCharacteristic(0xF1, Characteristic::QueryResponse));
}

TEST(Protobuf, TypeAndOperationNamesForKnownPairs) {
    EXPECT_EQ(protobufTypeName(0x02, 0x83), "open_gopro.ResponseGetApEntries");
    EXPECT_EQ(protobufTypeName(0x02, 0x82), "open_gopro.ResponseStartScanning");
    EXPECT_EQ(protobufTypeName(0x02, 0x0B), "open_gopro.NotifStartScanning");
    EXPECT_EQ(protobufTypeName(0x02, 0x0C), "open_gopro.NotifProvisioningState");
    EXPECT_EQ(protobufTypeName(0xF1, 0xEB), "open_gopro.ResponseGeneric");
    EXPECT_EQ(protobufTypeName(0xF5, 0xEF), "open_gopro.NotifyCOHNStatus");
    EXPECT_FALSE(protobufTypeName(0x77, 0x01));
    EXPECT_TRUE(operationName(0x02, 0x02));
    EXPECT_FALSE(operationName(0x77, 0x01));
}

TEST(Protobuf, DecodedBodiesHaveTheRoutedType) {
    auto decoded = decodeProtobuf(hex("02 0C 08 05"));
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_EQ(decoded->body->GetTypeName(), "open_gopro.NotifProvisioningState");
    ASSERT_NE(decoded->as<open_gopro::NotifProvisioningState>(), nullptr);
    EXPECT_EQ(decoded->as<open_gopro::NotifProvisioningState>()->provisioning_state(),
              open_gopro::PROVISIONING_SUCCESS_NEW_AP);
    EXPECT_EQ(decoded->as<open_gopro::ResponseGeneric>(), nullptr);
}

}  // namespace
}  // namespace goprod::protocol
