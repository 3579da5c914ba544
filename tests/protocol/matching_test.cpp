// Request/response matching (opengopro-ble.md §3) and the GATT table (§1.4).
#include "protocol/matching.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/commands.h"
#include "protocol/gatt.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "tests/protocol/hex.h"

namespace goprod::protocol {
namespace {

using test::hex;
using Kind = ResponseKey::Kind;

ResponseKey command(std::uint8_t id) { return {Kind::Command, id, 0}; }
ResponseKey settingKey(std::uint8_t id) { return {Kind::Setting, id, 0}; }
ResponseKey queryKey(std::uint8_t id) { return {Kind::Query, id, 0}; }
ResponseKey protobuf(std::uint8_t feature, std::uint8_t action) { return {Kind::Protobuf, feature, action}; }

// ---- responseKeyFor / makeRequest ------------------------------------------

TEST(Matching, TlvCommandWaitsForTheSameCommandId) {
    EXPECT_EQ(responseKeyFor(Characteristic::CommandRequest, hex("01 01 01")), command(0x01));
    EXPECT_EQ(responseKeyFor(Characteristic::CommandRequest, hex("05")), command(0x05));
    EXPECT_EQ(responseKeyFor(Characteristic::CommandRequest, hex("3E 02 03 E8")), command(0x3E));
}

TEST(Matching, ProtobufCommandWaitsForTheRequestActionWithTheResponseBit) {
    EXPECT_EQ(responseKeyFor(Characteristic::CommandRequest, hex("F1 6B 08 00")), protobuf(0xF1, 0xEB));
    EXPECT_EQ(responseKeyFor(Characteristic::CommandRequest, hex("F1 69 08 02")), protobuf(0xF1, 0xE9));
}

TEST(Matching, SettingWaitsForTheSameSettingIdEvenWhenItLooksLikeAFeatureId) {
    // Setting 2 and 3 share their first byte with features 0x02/0x03, which
    // are not used on GP-0074.
    EXPECT_EQ(responseKeyFor(Characteristic::SettingRequest, hex("02 01 09")), settingKey(2));
    EXPECT_EQ(responseKeyFor(Characteristic::SettingRequest, hex("03 01 00")), settingKey(3));
    EXPECT_EQ(responseKeyFor(Characteristic::SettingRequest, hex("5B 01 42")), settingKey(0x5B));
}

TEST(Matching, QueryWaitsForTheSameQueryIdAndProtobufQueriesForTheResponseAction) {
    EXPECT_EQ(responseKeyFor(Characteristic::QueryRequest, hex("12 02")), queryKey(0x12));
    EXPECT_EQ(responseKeyFor(Characteristic::QueryRequest, hex("53 1D")), queryKey(0x53));
    EXPECT_EQ(responseKeyFor(Characteristic::QueryRequest, hex("13")), queryKey(0x13));
    EXPECT_EQ(responseKeyFor(Characteristic::QueryRequest, hex("F5 6F 08 01")), protobuf(0xF5, 0xEF));
    EXPECT_EQ(responseKeyFor(Characteristic::QueryRequest, hex("F5 72")), protobuf(0xF5, 0xF2));
}

TEST(Matching, NetworkManagementRequestsWaitForProtobufResponses) {
    EXPECT_EQ(responseKeyFor(Characteristic::NetworkManagementRequest, hex("02 02")), protobuf(0x02, 0x82));
    EXPECT_EQ(responseKeyFor(Characteristic::NetworkManagementRequest, hex("02 03 08 00 10 64 18 01")),
              protobuf(0x02, 0x83));
    EXPECT_EQ(responseKeyFor(Characteristic::NetworkManagementRequest, hex("02 05 0A 01 61 12 00")),
              protobuf(0x02, 0x85));
    EXPECT_EQ(responseKeyFor(Characteristic::NetworkManagementRequest, hex("03 01 08 00 12 01 61")),
              protobuf(0x03, 0x81));
}

TEST(Matching, MakeRequestKeepsTheMessageUnframedAndComputesItsKey) {
    const Request request = makeRequest(Characteristic::SettingRequest, hex("02 01 09"));
    EXPECT_EQ(request.characteristic, Characteristic::SettingRequest);
    EXPECT_EQ(test::dump(request.message), "02 01 09");
    EXPECT_EQ(request.expects, settingKey(2));
    const Request pb = makeRequest(Characteristic::QueryRequest, hex("F5 6F 08 01"));
    EXPECT_EQ(pb.expects, protobuf(0xF5, 0xEF));
    const Request cmd = makeRequest(Characteristic::CommandRequest, hex("17 01 01"));
    EXPECT_EQ(cmd.expects, command(0x17));
    const Request nm = makeRequest(Characteristic::NetworkManagementRequest, hex("02 02"));
    EXPECT_EQ(nm.expects, protobuf(0x02, 0x82));
}

// ---- request kinds ----------------------------------------------------------

TEST(RequestKinds, BuildersSayWhatTheyBuild) {
    EXPECT_EQ(command::sleep().kind, RequestKind::Sleep);
    EXPECT_EQ(command::setShutter(false).kind, RequestKind::ShutterOff);
    EXPECT_EQ(command::setShutter(true).kind, RequestKind::Other);
    EXPECT_EQ(command::hilight().kind, RequestKind::Other);
    EXPECT_EQ(command::powerDown().kind, RequestKind::Sleep);  // issue 15 group A: an expected disconnection
    EXPECT_EQ(query(QueryId::RegisterStatusUpdates, hex("08 0A")).kind, RequestKind::RegisterStatuses);
    EXPECT_EQ(query(QueryId::UnregisterStatusUpdates, hex("08")).kind, RequestKind::UnregisterStatuses);
    EXPECT_EQ(query(QueryId::RegisterSettingUpdates, hex("02")).kind, RequestKind::RegisterSettings);
    EXPECT_EQ(query(QueryId::UnregisterSettingUpdates, hex("02")).kind, RequestKind::UnregisterSettings);
    EXPECT_EQ(query(QueryId::RegisterCapabilityUpdates, hex("02")).kind, RequestKind::Other);
    EXPECT_EQ(query(QueryId::GetStatusValues, hex("08")).kind, RequestKind::Other);
    EXPECT_EQ(setting::keepAlive().kind, RequestKind::Other);
    EXPECT_EQ(operation::getCohnStatus(true).kind, RequestKind::Other);
}

// SendRaw: the same bytes written by hand are the same request.
TEST(RequestKinds, RawBytesHaveTheKindOfTheBuilderThatMakesThem) {
    std::vector<Request> built = {command::sleep(),
                                  command::setShutter(false),
                                  command::setShutter(true),
                                  command::hilight(),
                                  command::powerDown(),
                                  command::getHardwareInfo(),
                                  query(QueryId::RegisterStatusUpdates, hex("08 0A")),
                                  query(QueryId::RegisterStatusUpdates),
                                  query(QueryId::UnregisterStatusUpdates, hex("08")),
                                  query(QueryId::RegisterSettingUpdates, hex("02 03")),
                                  query(QueryId::UnregisterSettingUpdates, hex("02")),
                                  query(QueryId::GetSettingValues, hex("02")),
                                  setting::keepAlive(),
                                  *setting::set(2, 9),
                                  operation::getCohnStatus(false),
                                  operation::startScan(),
                                  *operation::pairingFinish("goprod")};
    for (const auto& request : built) {
        const Request raw = makeRequest(request.characteristic, request.message);
        EXPECT_EQ(raw.kind, request.kind) << test::dump(request.message);
        EXPECT_EQ(raw.expects, request.expects) << test::dump(request.message);
    }
}

TEST(RequestKinds, OnlyTheExactBytesOnTheirCharacteristicMakeASleepOrShutterOff) {
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("05")).kind, RequestKind::Sleep);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("05 00")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::SettingRequest, hex("05")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("05")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("01 01 00")).kind, RequestKind::ShutterOff);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("01 01 01")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("01 02 00 00")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::SettingRequest, hex("01 01 00")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, {}).kind, RequestKind::Other);
}

TEST(RequestKinds, RegistrationsAreQueriesOnTheQueryCharacteristicOnly) {
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("53 11 22")).kind, RequestKind::RegisterStatuses);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("73 11")).kind, RequestKind::UnregisterStatuses);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("52 02")).kind, RequestKind::RegisterSettings);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("72 02")).kind, RequestKind::UnregisterSettings);
    EXPECT_EQ(makeRequest(Characteristic::CommandRequest, hex("53 11")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::SettingRequest, hex("52 01 02")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, hex("F5 6F 08 01")).kind, RequestKind::Other);
    EXPECT_EQ(makeRequest(Characteristic::QueryRequest, {}).kind, RequestKind::Other);
}

TEST(Succeeded, ATlvAnswerSucceedsWithStatusZero) {
    EXPECT_TRUE(succeeded(command(0x05), hex("05 00")));
    EXPECT_FALSE(succeeded(command(0x05), hex("05 01")));
    EXPECT_FALSE(succeeded(command(0x05), hex("05"))) << "no status";
    EXPECT_TRUE(succeeded(settingKey(2), hex("02 00")));
    EXPECT_FALSE(succeeded(settingKey(2), hex("02 02")));
    EXPECT_TRUE(succeeded(queryKey(0x53), hex("53 00 08 01 00")));
    EXPECT_FALSE(succeeded(queryKey(0x53), hex("53 01")));
    EXPECT_FALSE(succeeded(queryKey(0x53), hex("53 00 08 05 00"))) << "a malformed entry";
}

TEST(Succeeded, AProtobufAnswerCarriesItsResultInItsMessage) {
    EXPECT_FALSE(succeeded(protobuf(0xF5, 0xEF), hex("F5 EF 08 01")));
}

TEST(Matching, KeysDescribeThemselvesForLogs) {
    EXPECT_EQ(describe(command(0x01)), "command 0x01");
    EXPECT_EQ(describe(protobuf(0x02, 0x82)), "protobuf 0x02/0x82");
}

// ---- classify -------------------------------------------------------------

TEST(Classify, CommandResponseIsAResponseKeyedByCommandId) {
    auto c = classify(Characteristic::CommandResponse, hex("01 00"));
    EXPECT_EQ(c.kind, Incoming::Response);
    EXPECT_EQ(c.key, command(0x01));
    auto hw = classify(Characteristic::CommandResponse, hex("3C 00 04 00 00 00 3E"));
    EXPECT_EQ(hw.kind, Incoming::Response);
    EXPECT_EQ(hw.key, command(0x3C));
}

TEST(Classify, ProtobufResponseOnCommandResponseIsKeyedByFeatureAndAction) {
    auto c = classify(Characteristic::CommandResponse, hex("F1 EB 08 01"));
    EXPECT_EQ(c.kind, Incoming::Response);
    EXPECT_EQ(c.key, protobuf(0xF1, 0xEB));
}

TEST(Classify, TwoByteSettingResponseIsASettingResponseNotAnUnsupportedReply) {
    auto c = classify(Characteristic::SettingResponse, hex("02 00"));
    EXPECT_EQ(c.kind, Incoming::Response);
    EXPECT_EQ(c.key, settingKey(2));
    auto fps = classify(Characteristic::SettingResponse, hex("03 00"));
    EXPECT_EQ(fps.kind, Incoming::Response);
    EXPECT_EQ(fps.key, settingKey(3));
    auto keepAlive = classify(Characteristic::SettingResponse, hex("5B 00"));
    EXPECT_EQ(keepAlive.kind, Incoming::Response);
    EXPECT_EQ(keepAlive.key, settingKey(0x5B));
}

TEST(Classify, QueryResponseIsAResponseKeyedByQueryId) {
    auto c = classify(Characteristic::QueryResponse, hex("12 00 02 01 09"));
    EXPECT_EQ(c.kind, Incoming::Response);
    EXPECT_EQ(c.key, queryKey(0x12));
    auto reg = classify(Characteristic::QueryResponse, hex("53 00 1D 00"));
    EXPECT_EQ(reg.kind, Incoming::Response);
    EXPECT_EQ(reg.key, queryKey(0x53));
}

TEST(Classify, QueryPushesAreAsynchronous) {
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("92 00 02 01 04")).kind, Incoming::SettingPush);
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("93 00 0A 01 01")).kind, Incoming::StatusPush);
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("A2 00 02 00 03 00 79 00")).kind,
              Incoming::CapabilityPush);
}

TEST(Classify, ProtobufQueryResponseOnQueryResponseIsKeyedByFeatureAndAction) {
    auto c = classify(Characteristic::QueryResponse, hex("F5 EF 08 01 10 1B"));
    EXPECT_EQ(c.kind, Incoming::Response);
    EXPECT_EQ(c.key, protobuf(0xF5, 0xEF));
}

TEST(Classify, FeatureAndStatusOnlyIsAnUnsupportedReplyKeyedByFeature) {
    // `02 F5 02` on GP-0077 (§3): COHN unsupported.
    auto c = classify(Characteristic::QueryResponse, hex("F5 02"));
    EXPECT_EQ(c.kind, Incoming::UnsupportedReply);
    EXPECT_EQ(c.key, protobuf(0xF5, 0));
    auto cmd = classify(Characteristic::CommandResponse, hex("F1 02"));
    EXPECT_EQ(cmd.kind, Incoming::UnsupportedReply);
    EXPECT_EQ(cmd.key, protobuf(0xF1, 0));
}

TEST(Classify, UnsupportedReplyWhoseStatusByteEqualsARequestActionIsStillUnsupported) {
    // §3: only response/notification action IDs make a message a protobuf
    // response; a request action never comes back from the camera. So a
    // 2-byte [feature][status] stays an unsupported reply even when the status
    // happens to equal a request action (0x03/0x01 Pairing Finish, 0x02/0x02
    // Start Scan), and it must complete the pending request of that feature.
    auto pairing = classify(Characteristic::NetworkManagementResponse, hex("03 01"));
    EXPECT_EQ(pairing.kind, Incoming::UnsupportedReply);
    EXPECT_EQ(pairing.key, protobuf(0x03, 0));
    EXPECT_TRUE(completes(protobuf(0x03, 0x81), pairing));
    auto scan = classify(Characteristic::NetworkManagementResponse, hex("02 02"));
    EXPECT_EQ(scan.kind, Incoming::UnsupportedReply);
    EXPECT_EQ(scan.key, protobuf(0x02, 0));
    EXPECT_TRUE(completes(protobuf(0x02, 0x82), scan));
}

TEST(Classify, PresetStatusNotificationOnQueryResponseIsAsynchronous) {
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("F5 F3 0A 00")).kind, Incoming::PresetNotification);
}

TEST(Classify, ActionFFAfterStationModeIsSpurious) {
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("F5 FF 08 01")).kind, Incoming::Spurious);
    // Bare: 0xFF is a notification action of 0xF5 (§3 dispatch rule), so this
    // is the spurious notification, not an unsupported reply with status 0xFF.
    EXPECT_EQ(classify(Characteristic::QueryResponse, hex("F5 FF")).kind, Incoming::Spurious);
}

TEST(Classify, NetworkManagementResponsesAndNotifications) {
    auto scan = classify(Characteristic::NetworkManagementResponse, hex("02 82 08 01 10 02"));
    EXPECT_EQ(scan.kind, Incoming::Response);
    EXPECT_EQ(scan.key, protobuf(0x02, 0x82));
    EXPECT_EQ(classify(Characteristic::NetworkManagementResponse, hex("02 0B 08 05 10 01 18 05 20 01")).kind,
              Incoming::ScanNotification);
    EXPECT_EQ(classify(Characteristic::NetworkManagementResponse, hex("02 0C 08 05")).kind,
              Incoming::ProvisioningNotification);
    auto entries = classify(Characteristic::NetworkManagementResponse, hex("02 83 08 01 10 01"));
    EXPECT_EQ(entries.kind, Incoming::Response);
    EXPECT_EQ(entries.key, protobuf(0x02, 0x83));
    auto pairing = classify(Characteristic::NetworkManagementResponse, hex("03 81 08 01"));
    EXPECT_EQ(pairing.kind, Incoming::Response);
    EXPECT_EQ(pairing.key, protobuf(0x03, 0x81));
}

TEST(Classify, EmptyMessagesAndRequestCharacteristicsAreUnknown) {
    EXPECT_EQ(classify(Characteristic::CommandResponse, Bytes{}).kind, Incoming::Unknown);
    EXPECT_EQ(classify(Characteristic::QueryResponse, Bytes{}).kind, Incoming::Unknown);
    EXPECT_EQ(classify(Characteristic::CommandRequest, hex("01 00")).kind, Incoming::Unknown);
    EXPECT_EQ(classify(Characteristic::WifiApSsid, hex("64 65")).kind, Incoming::Unknown);
}

TEST(Classify, EveryIncomingKindHasAName) {
    for (auto kind : {Incoming::Response, Incoming::UnsupportedReply, Incoming::SettingPush, Incoming::StatusPush,
                      Incoming::CapabilityPush, Incoming::ScanNotification, Incoming::ProvisioningNotification,
                      Incoming::PresetNotification, Incoming::Spurious, Incoming::Unknown}) {
        EXPECT_FALSE(incomingName(kind).empty());
    }
}

// ---- completes --------------------------------------------------------------

TEST(Completes, AResponseCompletesOnlyTheRequestWithItsExactKey) {
    const Classified shutter{Incoming::Response, command(0x01)};
    EXPECT_TRUE(completes(command(0x01), shutter));
    EXPECT_FALSE(completes(command(0x05), shutter));
    EXPECT_FALSE(completes(settingKey(0x01), shutter));
    EXPECT_FALSE(completes(queryKey(0x01), shutter));
    const Classified turbo{Incoming::Response, protobuf(0xF1, 0xEB)};
    EXPECT_TRUE(completes(protobuf(0xF1, 0xEB), turbo));
    EXPECT_FALSE(completes(protobuf(0xF1, 0xE9), turbo));
}

TEST(Completes, AnUnsupportedReplyCompletesAPendingProtobufRequestByFeatureOnly) {
    const Classified unsupported = classify(Characteristic::QueryResponse, hex("F5 02"));
    EXPECT_TRUE(completes(protobuf(0xF5, 0xEF), unsupported));
    EXPECT_TRUE(completes(protobuf(0xF5, 0xF2), unsupported));
    EXPECT_FALSE(completes(protobuf(0xF1, 0xEB), unsupported));
    EXPECT_FALSE(completes(queryKey(0x12), unsupported));
}

TEST(Completes, PushesAndNotificationsCompleteNothing) {
    const Classified push = classify(Characteristic::QueryResponse, hex("93 00 0A 01 01"));
    EXPECT_FALSE(completes(queryKey(0x53), push));
    EXPECT_FALSE(completes(queryKey(0x93), push));
    const Classified scan = classify(Characteristic::NetworkManagementResponse, hex("02 0B 08 05 10 01 18 05 20 01"));
    EXPECT_FALSE(completes(protobuf(0x02, 0x82), scan));
    const Classified spurious = classify(Characteristic::QueryResponse, hex("F5 FF 08 01"));
    EXPECT_FALSE(completes(protobuf(0xF5, 0xEF), spurious));
}

TEST(Completes, ClassifiedResponsesCompleteTheRequestsThatAskedForThem) {
    const Request shutter = makeRequest(Characteristic::CommandRequest, hex("01 01 01"));
    EXPECT_TRUE(completes(shutter.expects, classify(Characteristic::CommandResponse, hex("01 00"))));
    const Request res = makeRequest(Characteristic::SettingRequest, hex("02 01 09"));
    EXPECT_TRUE(completes(res.expects, classify(Characteristic::SettingResponse, hex("02 00"))));
    EXPECT_FALSE(completes(res.expects, classify(Characteristic::SettingResponse, hex("03 00"))));
    const Request scan = makeRequest(Characteristic::NetworkManagementRequest, hex("02 02"));
    EXPECT_TRUE(completes(scan.expects, classify(Characteristic::NetworkManagementResponse, hex("02 82 08 01 10 02"))));
}

// ---- gatt -------------------------------------------------------------------

TEST(Gatt, FindsACharacteristicByItsFullUuidInAnyCase) {
    EXPECT_EQ(findCharacteristic("b5f90072-aa8d-11e3-9046-0002a5d5c51b"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("B5F90072-AA8D-11E3-9046-0002A5D5C51B"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("b5f90092-AA8D-11e3-9046-0002a5d5c51b"), Characteristic::NetworkManagementResponse);
}

TEST(Gatt, FindsACharacteristicByItsShortNames) {
    EXPECT_EQ(findCharacteristic("GP-0072"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("0072"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("b5f90072"), Characteristic::CommandRequest);
    EXPECT_EQ(findCharacteristic("GP-0075"), Characteristic::SettingResponse);
    EXPECT_EQ(findCharacteristic("0002"), Characteristic::WifiApSsid);
    EXPECT_EQ(findCharacteristic("0091"), Characteristic::NetworkManagementRequest);
}

TEST(Gatt, UnknownCharacteristicNamesAreNotFound) {
    EXPECT_FALSE(findCharacteristic("GP-9999"));
    EXPECT_FALSE(findCharacteristic("9999"));
    EXPECT_FALSE(findCharacteristic(""));
    EXPECT_FALSE(findCharacteristic("0000fea6-0000-1000-8000-00805f9b34fb"));
}

TEST(Gatt, EveryCharacteristicIsFoundByItsOwnUuidAndShortName) {
    ASSERT_FALSE(characteristics().empty());
    for (const auto& c : characteristics()) {
        SCOPED_TRACE(std::string(c.shortName));
        EXPECT_EQ(info(c.id).id, c.id);
        EXPECT_EQ(findCharacteristic(c.uuid), c.id);
        EXPECT_EQ(findCharacteristic(c.shortName), c.id);
        EXPECT_EQ(c.uuid.size(), 36u);
        EXPECT_EQ(c.uuid.substr(8), "-aa8d-11e3-9046-0002a5d5c51b");
    }
}

TEST(Gatt, RequestCharacteristicsPairWithTheirResponseCharacteristics) {
    EXPECT_EQ(responseCharacteristic(Characteristic::CommandRequest), Characteristic::CommandResponse);
    EXPECT_EQ(responseCharacteristic(Characteristic::SettingRequest), Characteristic::SettingResponse);
    EXPECT_EQ(responseCharacteristic(Characteristic::QueryRequest), Characteristic::QueryResponse);
    EXPECT_EQ(responseCharacteristic(Characteristic::SensorRequest), Characteristic::SensorResponse);
    EXPECT_EQ(responseCharacteristic(Characteristic::NetworkManagementRequest),
              Characteristic::NetworkManagementResponse);
    EXPECT_FALSE(responseCharacteristic(Characteristic::CommandResponse));
    EXPECT_FALSE(responseCharacteristic(Characteristic::WifiApSsid));
}

TEST(Gatt, TableCarriesTheDocumentedUuidsNamesAndProperties) {
    const auto& cmd = info(Characteristic::CommandRequest);
    EXPECT_EQ(cmd.uuid, "b5f90072-aa8d-11e3-9046-0002a5d5c51b");
    EXPECT_EQ(cmd.shortName, "GP-0072");
    EXPECT_EQ(cmd.service, Service::ControlAndQuery);
    EXPECT_TRUE(cmd.properties & kWrite);
    EXPECT_TRUE(info(Characteristic::CommandResponse).properties & kNotify);
    EXPECT_TRUE(info(Characteristic::QueryResponse).properties & kNotify);
    EXPECT_TRUE(info(Characteristic::NetworkManagementResponse).properties & kNotify);
    EXPECT_TRUE(info(Characteristic::WifiApSsid).properties & kRead);
    EXPECT_EQ(info(Characteristic::NetworkManagementRequest).service, Service::CameraManagement);
    EXPECT_EQ(info(Characteristic::WifiApPassword).service, Service::WifiAccessPoint);
    EXPECT_EQ(info(Service::ControlAndQuery).uuid, kControlAndQueryServiceUuid);
}

TEST(Gatt, OnlyTheNotifyingHalfOfARequestPairCarriesResponses) {
    for (auto c : {Characteristic::CommandResponse, Characteristic::SettingResponse, Characteristic::QueryResponse,
                   Characteristic::SensorResponse, Characteristic::NetworkManagementResponse}) {
        EXPECT_TRUE(isResponseCharacteristic(c)) << info(c).shortName;
    }
    for (auto c : {Characteristic::CommandRequest, Characteristic::QueryRequest, Characteristic::WifiApSsid,
                   Characteristic::Internal81}) {
        EXPECT_FALSE(isResponseCharacteristic(c)) << info(c).shortName;
    }
}

TEST(Completes, RequestsMayShareAnAnswerOnlyWithTheSameKeyOrTheSameProtobufFeature) {
    using Kind = ResponseKey::Kind;
    EXPECT_TRUE(mayShareAnswer({Kind::Command, 0x51, 0}, {Kind::Command, 0x51, 0}));
    EXPECT_FALSE(mayShareAnswer({Kind::Command, 0x51, 0}, {Kind::Command, 0x3C, 0}));
    EXPECT_FALSE(mayShareAnswer({Kind::Command, 0x02, 0}, {Kind::Setting, 0x02, 0}));
    // An unsupported reply [feature][status] completes any pending operation of its feature.
    EXPECT_TRUE(mayShareAnswer({Kind::Protobuf, 0xF5, 0xEF}, {Kind::Protobuf, 0xF5, 0xF2}));
    EXPECT_FALSE(mayShareAnswer({Kind::Protobuf, 0xF5, 0xEF}, {Kind::Protobuf, 0xF1, 0xEF}));
}

}  // namespace
}  // namespace goprod::protocol
