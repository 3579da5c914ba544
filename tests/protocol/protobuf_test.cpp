// Protobuf operations (opengopro-ble.md §8, §9.3): builders, the
// (feature, action) router, and the single- and multi-packet vectors.
#include "protocol/protobuf.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "camera_control.pb.h"
#include "cohn.pb.h"
#include "live_streaming.pb.h"
#include "media.pb.h"
#include "network_management.pb.h"
#include "preset_status.pb.h"
#include "response_generic.pb.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::dumpAll;
using test::failsWith;
using test::hex;
using ::testing::HasSubstr;
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

// issue 15 D: COHN builders and answers (§8.1, §8.3, §9.3), checked against libprotobuf's own encoding.
TEST(Protobuf, CohnCertificateOperationsGoToTheirCharacteristics) {
    const Request create = operation::createCohnCert(false);
    EXPECT_EQ(create.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(create.expects, protobuf(0xF1, 0xE7));
    EXPECT_EQ(dumpAll(test::framed(create)), Strings{"02 F1 67"});  // §9.3
    open_gopro::RequestCreateCOHNCert override;
    override.set_override(true);
    EXPECT_EQ(dump(operation::createCohnCert(true).message), "F1 67 08 01");
    EXPECT_EQ(operation::createCohnCert(true).message, encodeProtobuf(0xF1, 0x67, override));

    const Request clear = operation::clearCohnCert();
    EXPECT_EQ(clear.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(clear.expects, protobuf(0xF1, 0xE6));
    EXPECT_EQ(dumpAll(test::framed(clear)), Strings{"02 F1 66"});

    const Request get = operation::getCohnCert();
    EXPECT_EQ(get.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(get.expects, protobuf(0xF5, 0xEE));
    EXPECT_EQ(dumpAll(test::framed(get)), Strings{"02 F5 6E"});
}

TEST(Protobuf, SetCohnSettingCarriesCohnActive) {
    const Request on = operation::setCohnSetting(true);
    EXPECT_EQ(on.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(on.expects, protobuf(0xF1, 0xE5));
    EXPECT_EQ(dumpAll(test::framed(on)), Strings{"04 F1 65 08 01"});
    EXPECT_EQ(dump(operation::setCohnSetting(false).message), "F1 65 08 00");
    auto decoded = decodeProtobuf(operation::setCohnSetting(true).message);
    ASSERT_TRUE(test::succeeds(decoded));
    ASSERT_NE(decoded->as<open_gopro::RequestSetCOHNSetting>(), nullptr);
    EXPECT_TRUE(decoded->as<open_gopro::RequestSetCOHNSetting>()->cohn_active());
}

TEST(Protobuf, CohnCertificateResponseCarriesThePem) {
    open_gopro::ResponseCOHNCert built;
    built.set_result(open_gopro::RESULT_SUCCESS);
    built.set_cert("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
    const std::string body = built.SerializeAsString();
    Bytes message{0xF5, 0xEE};
    message.insert(message.end(), body.begin(), body.end());
    // result 1, then field 2 (length-delimited) with the PEM's bytes.
    EXPECT_EQ(dump(Bytes(message.begin(), message.begin() + 6)), "F5 EE 08 01 12 3B");
    const Classified incoming = classify(Characteristic::QueryResponse, message);
    EXPECT_EQ(incoming.kind, Incoming::Response);
    EXPECT_TRUE(completes(operation::getCohnCert().expects, incoming));
    auto decoded = decodeProtobuf(message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* cert = decoded->as<open_gopro::ResponseCOHNCert>();
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(cert->result(), open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(cert->cert(), built.cert());
}

TEST(Protobuf, CohnPasswordIsRedactedInText) {
    auto message = test::reassemble(test::cohnStatusPackets());
    ASSERT_TRUE(message);
    auto decoded = decodeProtobuf(*message);
    ASSERT_TRUE(test::succeeds(decoded));
    EXPECT_THAT(shortText(*decoded->body), ::testing::Not(HasSubstr("Gzt2m6YMvLAo")));
    EXPECT_THAT(shortText(*decoded->body), HasSubstr("<redacted>"));
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

// ---- group C: live streaming (§8.1: F1 79 -> F1 F9; F5 74 -> F5 F4, pushes F5 F5) ----

TEST(Protobuf, SetLiveStreamModeCarriesEveryFieldOfTheSpecTable) {
    operation::LiveStreamMode mode;
    mode.url = "rtmp://a/b";
    mode.windowSize = 7;  // 720
    mode.minimumKbps = 800;
    mode.maximumKbps = 8000;
    mode.startingKbps = 1000;
    mode.lens = 4;  // linear
    mode.certificate = "PEM";
    auto request = operation::setLiveStreamMode(mode);
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request->expects, protobuf(0xF1, 0xF9));
    // url (1) "rtmp://a/b", encode (2) 1, window_size (3) 7, cert (6) "PEM", minimum (7) 800,
    // maximum (8) 8000, starting (9) 1000, lens (10) 4: field order, varints by hand.
    EXPECT_EQ(dump(request->message),
              "F1 79 0A 0A 72 74 6D 70 3A 2F 2F 61 2F 62 10 01 18 07 32 03 50 45 4D 38 A0 06 40 C0 3E 48 E8 07 50 04");
    // libprotobuf reads the same fields back.
    auto decoded = decodeProtobuf(request->message);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* body = decoded->as<open_gopro::RequestSetLiveStreamMode>();
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body->url(), "rtmp://a/b");
    EXPECT_TRUE(body->encode());
    EXPECT_EQ(body->window_size(), open_gopro::WINDOW_SIZE_720);
    EXPECT_EQ(body->cert(), "PEM");
    EXPECT_EQ(body->minimum_bitrate(), 800);
    EXPECT_EQ(body->maximum_bitrate(), 8000);
    EXPECT_EQ(body->starting_bitrate(), 1000);
    EXPECT_EQ(body->lens(), open_gopro::LENS_LINEAR);
}

TEST(Protobuf, SetLiveStreamModeLeavesUnsetOptionsOffTheWire) {
    operation::LiveStreamMode mode;
    mode.url = "rtmp://h/x";
    mode.encode = false;
    auto request = operation::setLiveStreamMode(mode);
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(dumpAll(test::framed(*request)), Strings{"10 F1 79 0A 0A 72 74 6D 70 3A 2F 2F 68 2F 78 10 00"});
}

void refused(const operation::LiveStreamMode& mode, const std::string& why) {
    const auto request = operation::setLiveStreamMode(mode);
    ASSERT_TRUE(failsWith(request, Errc::InvalidArgument));
    EXPECT_THAT(request.error().detail, HasSubstr(why));
}

TEST(Protobuf, SetLiveStreamModeRefusesWhatTheCameraWould) {
    operation::LiveStreamMode mode;
    refused(mode, "URL is empty");
    mode.url = "rtmp://h/x";
    mode.windowSize = 5;
    refused(mode, "window size 5");
    mode.windowSize.reset();
    mode.lens = 1;
    refused(mode, "lens 1");
    mode.lens.reset();
    mode.maximumKbps = 8001;
    refused(mode, "maximum bitrate 8001");
    mode.maximumKbps = 1000;
    mode.minimumKbps = 2000;
    refused(mode, "above the maximum");
    mode.minimumKbps = 800;
    mode.startingKbps = 1500;
    refused(mode, "outside minimum..maximum");
}

TEST(Protobuf, GetLiveStreamStatusRegistersEveryKindUnpacked) {
    const Request request = operation::getLiveStreamStatus(true);
    EXPECT_EQ(request.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(request.expects, protobuf(0xF5, 0xF4));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"0A F5 74 08 01 08 02 08 03 08 04"});
    EXPECT_EQ(dump(operation::getLiveStreamStatus(false).message), "F5 74");
    // §9.3, seen on the air (issue #270): the same registrations in another order.
    auto seen = decodeProtobuf(hex("F5 74 08 04 08 02 08 03 08 01"));
    ASSERT_TRUE(test::succeeds(seen));
    const auto* body = seen->as<open_gopro::RequestGetLiveStreamStatus>();
    ASSERT_NE(body, nullptr);
    ASSERT_EQ(body->register_live_stream_status_size(), 4);
    EXPECT_EQ(body->register_live_stream_status(0), open_gopro::REGISTER_LIVE_STREAM_STATUS_BITRATE);
    EXPECT_EQ(body->register_live_stream_status(3), open_gopro::REGISTER_LIVE_STREAM_STATUS_STATUS);
}

TEST(Protobuf, LiveStreamStatusResponseAndPushAreToldApart) {
    // READY, no error, encode, 1000 kbps, window sizes 4 and 12, lenses 0 and 4.
    const Bytes body = hex("08 02 10 00 18 01 20 E8 07 28 04 28 0C 58 00 58 04");
    Bytes response{0xF5, 0xF4};
    response.insert(response.end(), body.begin(), body.end());
    Bytes push{0xF5, 0xF5};
    push.insert(push.end(), body.begin(), body.end());

    const Classified answer = classify(Characteristic::QueryResponse, response);
    EXPECT_EQ(answer.kind, Incoming::Response);
    EXPECT_TRUE(completes(operation::getLiveStreamStatus(true).expects, answer));
    const Classified pushed = classify(Characteristic::QueryResponse, push);
    EXPECT_EQ(pushed.kind, Incoming::LiveStreamNotification);
    EXPECT_FALSE(completes(operation::getLiveStreamStatus(true).expects, pushed));

    for (const auto& message : {response, push}) {
        auto decoded = decodeProtobuf(message);
        ASSERT_TRUE(test::succeeds(decoded));
        const auto* status = decoded->as<open_gopro::NotifyLiveStreamStatus>();
        ASSERT_NE(status, nullptr);
        EXPECT_EQ(status->live_stream_status(), open_gopro::LIVE_STREAM_STATE_READY);
        EXPECT_EQ(status->live_stream_error(), open_gopro::LIVE_STREAM_ERROR_NONE);
        EXPECT_TRUE(status->live_stream_encode());
        EXPECT_EQ(status->live_stream_bitrate(), 1000);
        ASSERT_EQ(status->live_stream_window_size_supported_array_size(), 2);
        EXPECT_EQ(status->live_stream_window_size_supported_array(1), open_gopro::WINDOW_SIZE_1080);
        ASSERT_EQ(status->live_stream_lens_supported_array_size(), 2);
        EXPECT_EQ(status->live_stream_lens_supported_array(1), open_gopro::LENS_LINEAR);
    }
    EXPECT_EQ(protobufTypeName(0xF1, 0xF9), "open_gopro.ResponseGeneric");
    EXPECT_EQ(protobufTypeName(0xF5, 0xF5), "open_gopro.NotifyLiveStreamStatus");
}

// issue 15 group A: §8.1/§8.3 — Release Network F1 78 (no fields), Set Camera Name F1 62 {1: name}.
TEST(Protobuf, ReleaseNetworkAndSetCameraName) {
    const Request release = operation::releaseNetwork();
    EXPECT_EQ(release.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(release.expects, protobuf(0xF1, 0xF8));
    EXPECT_EQ(dumpAll(test::framed(release)), Strings{"02 F1 78"});

    const Request name = operation::setCameraName("Rig");
    EXPECT_EQ(name.characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(name.expects, protobuf(0xF1, 0xE2));
    EXPECT_EQ(dumpAll(test::framed(name)), Strings{"07 F1 62 0A 03 52 69 67"});
    auto decoded = decodeProtobuf(name.message);
    ASSERT_TRUE(test::succeeds(decoded));
    ASSERT_NE(decoded->as<open_gopro::RequestSetCameraName>(), nullptr);
    EXPECT_EQ(decoded->as<open_gopro::RequestSetCameraName>()->name(), "Rig");
}

// issue 15 F: preset changes, visibility, custom preset update
TEST(Protobuf, GetPresetStatusThatRegistersIsTaggedForTheDaemon) {
    // Registrations are restored on reconnection: the builder says which request makes one.
    EXPECT_EQ(operation::getPresetStatus(false, true).kind, RequestKind::RegisterPresetStatus);
    EXPECT_EQ(operation::getPresetStatus(true).kind, RequestKind::Other);
    EXPECT_EQ(operation::getPresetStatus(false).kind, RequestKind::Other);
}

TEST(Protobuf, PresetPushCarriesEveryPresetFieldOfTheSpecTable) {
    // §8.3 Preset: 1 id 4, 2 mode 12, 3 title_id 94, 5 user_defined, 6 icon 3,
    // 7 setting {1 id 2, 2 value 9, 3 is_caption}, 8 is_modified, 9 is_fixed false,
    // 10 custom_name "Dive", 11 is_visible false; PresetGroup 1 id 1000, 7 active_preset_id 4.
    auto decoded =
        decodeProtobuf(hex("F5 F3 0A 25 08 E8 07 12 1E 08 04 10 0C 18 5E 28 01 30 03 3A 06 08 02 10 09 18 01"
                           " 40 01 48 00 52 04 44 69 76 65 58 00 38 04"));
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* status = decoded->as<open_gopro::NotifyPresetStatus>();
    ASSERT_NE(status, nullptr);
    ASSERT_EQ(status->preset_group_array_size(), 1);
    const auto& group = status->preset_group_array(0);
    EXPECT_EQ(group.active_preset_id(), 4);
    ASSERT_EQ(group.preset_array_size(), 1);
    const auto& preset = group.preset_array(0);
    EXPECT_EQ(preset.id(), 4);
    EXPECT_EQ(preset.title_id(), 94);
    EXPECT_TRUE(preset.user_defined());
    EXPECT_EQ(preset.icon(), 3);
    EXPECT_TRUE(preset.is_modified());
    EXPECT_FALSE(preset.is_fixed());
    EXPECT_EQ(preset.custom_name(), "Dive");
    ASSERT_TRUE(preset.has_is_visible());
    EXPECT_FALSE(preset.is_visible());
    ASSERT_EQ(preset.setting_array_size(), 1);
    EXPECT_EQ(preset.setting_array(0).id(), 2);
    EXPECT_EQ(preset.setting_array(0).value(), 9);
    EXPECT_TRUE(preset.setting_array(0).is_caption());
    EXPECT_EQ(protocol::classify(Characteristic::QueryResponse, hex("F5 F3 0A 00")).kind, Incoming::PresetNotification);
}

TEST(Protobuf, PresetVisibilityShowsAndTheAnswerCanRefuse) {
    EXPECT_EQ(dump(operation::presetSetVisibility(4, true).message), "F1 63 08 04 10 01");
    auto refused = decodeProtobuf(hex("F1 E3 08 03"));
    ASSERT_TRUE(test::succeeds(refused));
    EXPECT_EQ(refused->as<open_gopro::ResponseGeneric>()->result(), open_gopro::RESULT_NOT_SUPPORTED);
}

TEST(Protobuf, CustomPresetNameIsUtf8OfAtMost16Bytes) {
    // Sixteen bytes of two-byte characters fit; the name goes with title 94.
    auto accented = operation::customPresetUpdate(
        std::nullopt, "\xC3\x89\xC3\x89\xC3\x89\xC3\x89\xC3\x89\xC3\x89\xC3\x89\xC3\x89", std::nullopt);
    ASSERT_TRUE(test::succeeds(accented));
    EXPECT_EQ(dump(accented->message), "F1 64 08 5E 12 10 C3 89 C3 89 C3 89 C3 89 C3 89 C3 89 C3 89 C3 89");
    EXPECT_TRUE(
        failsWith(operation::customPresetUpdate(std::nullopt, "Dive\xFF", std::nullopt), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(operation::customPresetUpdate(94, "\xC3", std::nullopt), Errc::InvalidArgument));
    auto icon = operation::customPresetUpdate(std::nullopt, std::nullopt, 7);
    ASSERT_TRUE(test::succeeds(icon));
    EXPECT_EQ(dump(icon->message), "F1 64 18 07");
}

// issue 15 E: §8.1 — Get Last Captured Media F5 6D (no fields) on GP-0076, answered
// F5 ED ResponseLastCapturedMedia {1: result, 2: media {1: folder, 2: file}} on GP-0077.
TEST(Protobuf, GetLastCapturedMediaAndItsAnswer) {
    const Request request = operation::getLastCapturedMedia();
    EXPECT_EQ(request.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(request.expects, protobuf(0xF5, 0xED));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"02 F5 6D"});

    // result 1 (success); media: folder "100GOPRO", file "GX010001.MP4"; 30 bytes, one packet
    const Bytes answer =
        hex("F5 ED 08 01 12 18 0A 08 31 30 30 47 4F 50 52 4F 12 0C 47 58 30 31 30 30 30 31 2E 4D 50 34");
    auto decoded = decodeProtobuf(answer);
    ASSERT_TRUE(test::succeeds(decoded));
    const auto* media = decoded->as<open_gopro::ResponseLastCapturedMedia>();
    ASSERT_NE(media, nullptr);
    EXPECT_EQ(media->result(), open_gopro::RESULT_SUCCESS);
    EXPECT_EQ(media->media().folder(), "100GOPRO");
    EXPECT_EQ(media->media().file(), "GX010001.MP4");
    EXPECT_EQ(protobufTypeName(0xF5, 0xED), "open_gopro.ResponseLastCapturedMedia");
    EXPECT_EQ(operationName(0xF5, 0x6D), "Get Last Captured Media");

    // And the other way: built with libprotobuf, the same bytes.
    open_gopro::ResponseLastCapturedMedia built;
    built.set_result(open_gopro::RESULT_SUCCESS);
    built.mutable_media()->set_folder("100GOPRO");
    built.mutable_media()->set_file("GX010001.MP4");
    EXPECT_EQ(dump(encodeProtobuf(0xF5, 0xED, built)), dump(answer));
}

}  // namespace
}  // namespace goprod::protocol
