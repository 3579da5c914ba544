// TLV queries (opengopro-ble.md §6, §9.2): builders, parser, encoder, pushes,
// and status value decoding.
#include "protocol/queries.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/matching.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::dumpAll;
using test::hex;
using Strings = std::vector<std::string>;

// Packets notified on GP-0077 -> reassembled -> parsed.
QueryResponse received(const std::vector<Bytes>& packets) {
    auto message = test::reassemble(packets);
    EXPECT_TRUE(message);
    if (!message) return {};
    auto response = parseQueryResponse(*message);
    EXPECT_TRUE(test::succeeds(response));
    return response ? *response : QueryResponse{};
}

TEST(Queries, GetOneSettingValueIsFramedAs02_12_02) {
    const Request request = query(QueryId::GetSettingValues, hex("02"));
    EXPECT_EQ(request.characteristic, Characteristic::QueryRequest);
    EXPECT_EQ(dump(request.message), "12 02");
    EXPECT_EQ(request.expects, (ResponseKey{ResponseKey::Kind::Query, 0x12, 0}));
    EXPECT_EQ(dumpAll(test::framed(request)), Strings{"02 12 02"});
}

TEST(Queries, EveryRequestOfTheSpecVectorsIsBuiltByteForByte) {
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::GetSettingValues, hex("02 03 79")))), Strings{"04 12 02 03 79"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::RegisterSettingUpdates, hex("02")))), Strings{"02 52 02"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::RegisterStatusUpdates, hex("1D")))), Strings{"02 53 1D"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::GetStatusValues, hex("1D")))), Strings{"02 13 1D"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::GetStatusValues, hex("46 44 23 56 45 61 60 0B 08 13")))),
              Strings{"0B 13 46 44 23 56 45 61 60 0B 08 13"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::RegisterStatusUpdates, hex("0A")))), Strings{"02 53 0A"});
    EXPECT_EQ(dumpAll(test::framed(query(QueryId::RegisterStatusUpdates, hex("08")))), Strings{"02 53 08"});
}

TEST(Queries, QueryWithNoIdsMeansAll) {
    const Request all = query(QueryId::GetStatusValues);
    EXPECT_EQ(dump(all.message), "13");
    EXPECT_EQ(dumpAll(test::framed(all)), Strings{"01 13"});
    EXPECT_EQ(dump(query(QueryId::GetSettingValues).message), "12");
    EXPECT_EQ(query(QueryId::UnregisterStatusUpdates).expects, (ResponseKey{ResponseKey::Kind::Query, 0x73, 0}));
}

TEST(Queries, ParseQueryRequestSplitsIdAndIds) {
    auto req = parseQueryRequest(hex("13 46 44 23"));
    ASSERT_TRUE(test::succeeds(req));
    EXPECT_EQ(req->id, 0x13);
    EXPECT_EQ(dump(req->ids), "46 44 23");
    auto all = parseQueryRequest(hex("12"));
    ASSERT_TRUE(test::succeeds(all));
    EXPECT_EQ(all->id, 0x12);
    EXPECT_TRUE(all->ids.empty());
}

TEST(Queries, SingleSettingValueResponse) {
    // 02 12 02 -> 05 12 00 02 01 09: resolution 1080.
    auto r = received({hex("05 12 00 02 01 09")});
    EXPECT_EQ(r.queryId, 0x12);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.entries, (std::vector<QueryEntry>{{0x02, hex("09")}}));
}

TEST(Queries, ThreeSettingValuesResponse) {
    auto r = received({hex("0B 12 00 02 01 09 03 01 00 79 01 00")});
    EXPECT_EQ(r.queryId, 0x12);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.entries, (std::vector<QueryEntry>{{0x02, hex("09")}, {0x03, hex("00")}, {0x79, hex("00")}}));
}

TEST(Queries, RegisterResponseCarriesTheCurrentValue) {
    auto r = received({hex("05 52 00 02 01 09")});
    EXPECT_EQ(r.queryId, 0x52);
    EXPECT_EQ(r.entries, (std::vector<QueryEntry>{{0x02, hex("09")}}));
}

TEST(Queries, SettingPushReportsTheNewValue) {
    auto message = test::reassemble({hex("05 92 00 02 01 04")});
    ASSERT_TRUE(message);
    EXPECT_EQ(classify(Characteristic::QueryResponse, *message).kind, Incoming::SettingPush);
    auto r = parseQueryResponse(*message);
    ASSERT_TRUE(test::succeeds(r));
    EXPECT_EQ(r->queryId, 0x92);
    EXPECT_EQ(r->entries, (std::vector<QueryEntry>{{0x02, hex("04")}}));
}

TEST(Queries, EmptyStatusValueIsLegal) {
    // Issue #270: status 29 (connected SSID) with a zero-length value.
    for (const char* packet : {"04 53 00 1D 00", "04 13 00 1D 00"}) {
        SCOPED_TRACE(packet);
        auto r = received({hex(packet)});
        ASSERT_EQ(r.entries.size(), 1u);
        EXPECT_EQ(r.entries[0].id, 0x1D);
        EXPECT_TRUE(r.entries[0].value.empty());
    }
}

TEST(Queries, StatusPushesReportEncodingOnAndOff) {
    for (auto [packet, value] : {std::pair{"05 93 00 0A 01 01", 1}, std::pair{"05 93 00 0A 01 00", 0}}) {
        SCOPED_TRACE(packet);
        auto message = test::reassemble({hex(packet)});
        ASSERT_TRUE(message);
        EXPECT_EQ(classify(Characteristic::QueryResponse, *message).kind, Incoming::StatusPush);
        auto r = parseQueryResponse(*message);
        ASSERT_TRUE(test::succeeds(r));
        EXPECT_EQ(r->queryId, 0x93);
        ASSERT_EQ(r->entries.size(), 1u);
        EXPECT_EQ(r->entries[0].id, status_id::kEncoding);
        EXPECT_EQ(decodeStatusValue(status_id::kEncoding, r->entries[0].value), Value{std::int64_t{value}});
    }
}

TEST(Queries, CapabilityPushWithNoValidOptionsHasThreeEmptyEntries) {
    auto message = test::reassemble({hex("08 A2 00 02 00 03 00 79 00")});
    ASSERT_TRUE(message);
    EXPECT_EQ(classify(Characteristic::QueryResponse, *message).kind, Incoming::CapabilityPush);
    auto r = parseQueryResponse(*message);
    ASSERT_TRUE(test::succeeds(r));
    EXPECT_EQ(r->queryId, 0xA2);
    EXPECT_EQ(r->entries, (std::vector<QueryEntry>{{0x02, {}}, {0x03, {}}, {0x79, {}}}));
}

TEST(Queries, CapabilitiesRepeatAnIdOncePerOption) {
    auto r = parseQueryResponse(hex("32 00 02 01 01 02 01 04 02 01 09"));
    ASSERT_TRUE(test::succeeds(r));
    EXPECT_EQ(r->entries, (std::vector<QueryEntry>{{2, hex("01")}, {2, hex("04")}, {2, hex("09")}}));
}

TEST(Queries, MultiStatusResponseOfIssue157ReassemblesToTenEntries) {
    auto packets = test::issue157Packets();
    auto message = test::reassemble(packets);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->size(), 41u);
    auto r = parseQueryResponse(*message);
    ASSERT_TRUE(test::succeeds(r));
    EXPECT_EQ(r->queryId, 0x13);
    EXPECT_EQ(r->status, 0);
    EXPECT_EQ(r->entries, (std::vector<QueryEntry>{
                              {8, hex("00")},
                              {11, hex("00")},
                              {19, hex("00")},
                              {35, hex("00 00 0C A7")},
                              {68, hex("00")},
                              {69, hex("01")},
                              {70, hex("3A")},
                              {86, hex("00")},
                              {96, hex("00 00 03 E8")},
                              {97, hex("00 00 00 01")},
                          }));
}

TEST(Queries, MultiStatusValuesDecodeByTheirTypes) {
    EXPECT_EQ(decodeStatusValue(8, hex("00")), Value{std::int64_t{0}});
    EXPECT_EQ(decodeStatusValue(35, hex("00 00 0C A7")), Value{std::int64_t{3239}});
    EXPECT_EQ(decodeStatusValue(69, hex("01")), Value{std::int64_t{1}});
    EXPECT_EQ(decodeStatusValue(70, hex("3A")), Value{std::int64_t{58}});
    EXPECT_EQ(decodeStatusValue(96, hex("00 00 03 E8")), Value{std::int64_t{1000}});
    EXPECT_EQ(decodeStatusValue(97, hex("00 00 00 01")), Value{std::int64_t{1}});
}

TEST(Queries, OneByteEnumsDecodeSigned) {
    // Status 33 Primary Storage: -1 = Unknown.
    EXPECT_EQ(decodeStatusValue(33, hex("FF")), Value{std::int64_t{-1}});
}

TEST(Queries, StringStatusesDecodeAsText) {
    EXPECT_EQ(decodeStatusValue(30, test::ascii("GP24500702")), Value{std::string("GP24500702")});
    EXPECT_EQ(decodeStatusValue(29, Bytes{}), Value{std::string()});
}

TEST(Queries, MultiStatusValuesFormatSensiblyForPeople) {
    EXPECT_EQ(formatStatusValue(69, hex("01")), "1 (true)");
    EXPECT_EQ(formatStatusValue(8, hex("00")), "0 (false)");
    EXPECT_EQ(formatStatusValue(70, hex("3A")), "58");
    EXPECT_EQ(formatStatusValue(35, hex("00 00 0C A7")), "3239");
    EXPECT_EQ(formatStatusValue(96, hex("00 00 03 E8")), "1000 (Video)");
    EXPECT_EQ(formatStatusValue(30, test::ascii("GP24500702")), "\"GP24500702\"");
    auto message = test::reassemble(test::issue157Packets());
    ASSERT_TRUE(message);
    auto r = parseQueryResponse(*message);
    ASSERT_TRUE(test::succeeds(r));
    for (const auto& entry : r->entries) EXPECT_FALSE(formatStatusValue(entry.id, entry.value).empty());
}

TEST(Queries, SettingValuesFormatWithTheirNames) {
    EXPECT_NE(formatSettingValue(2, hex("09")).find("1080"), std::string::npos) << formatSettingValue(2, hex("09"));
    EXPECT_NE(formatSettingValue(2, hex("04")).find("2.7K"), std::string::npos) << formatSettingValue(2, hex("04"));
}

TEST(Queries, EncodeQueryResponseIsTheInverseOfParse) {
    const std::vector<Bytes> messages = {
        hex("12 00 02 01 09"),
        hex("12 00 02 01 09 03 01 00 79 01 00"),
        hex("53 00 1D 00"),
        hex("A2 00 02 00 03 00 79 00"),
        hex("72 00"),
        hex("13 01"),
        *test::reassemble(test::issue157Packets()),
    };
    for (const auto& message : messages) {
        SCOPED_TRACE(dump(message));
        auto parsed = parseQueryResponse(message);
        ASSERT_TRUE(test::succeeds(parsed));
        auto encoded = encodeQueryResponse(*parsed);
        ASSERT_TRUE(test::succeeds(encoded));
        EXPECT_EQ(dump(*encoded), dump(message));
    }
}

TEST(Queries, EncodeQueryResponseRejectsValuesLongerThan255Bytes) {
    QueryResponse response{0x13, 0, {{0x1E, Bytes(256, 'a')}}};
    EXPECT_FALSE(encodeQueryResponse(response));
    response.entries[0].value.resize(255);
    auto ok = encodeQueryResponse(response);
    ASSERT_TRUE(test::succeeds(ok));
    EXPECT_EQ(ok->size(), 2u + 2u + 255u);
}

TEST(Queries, StatusTableKnowsTheStatusesTheDaemonWatches) {
    for (std::uint8_t id : {status_id::kBusy, status_id::kEncoding, status_id::kApMode, status_id::kBattery,
                            status_id::kReady, status_id::kPresetGroup, status_id::kPreset,
                            status_id::kCameraControl}) {
        EXPECT_NE(findStatus(id), nullptr) << int{id};
    }
    ASSERT_NE(findStatus(8), nullptr);
    EXPECT_EQ(findStatus(8)->name, "Busy");
    EXPECT_EQ(findStatus(8)->type, ValueType::Boolean);
    ASSERT_NE(findStatus(10), nullptr);
    EXPECT_EQ(findStatus(10)->name, "Encoding");
    ASSERT_NE(findStatus(30), nullptr);
    EXPECT_EQ(findStatus(30)->type, ValueType::String);
    for (const auto& info : statusTable()) EXPECT_EQ(findStatus(info.id), &info);
}

TEST(Queries, QueryIdsHaveNames) {
    EXPECT_TRUE(queryName(0x12));
    EXPECT_TRUE(queryName(0x13));
    EXPECT_TRUE(queryName(0x93));
    EXPECT_FALSE(queryName(0x01));
}

}  // namespace
}  // namespace goprod::protocol
