// TLV commands (opengopro-ble.md §4, §9.1): builders, request and response
// parsers and encoders, hardware info, version, date/time, result codes.
#include "protocol/commands.h"

#include <ctime>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/result_codes.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::dumpAll;
using test::failsWith;
using test::hex;
using Strings = std::vector<std::string>;

ResponseKey command(std::uint8_t id) { return {ResponseKey::Kind::Command, id, 0}; }

HardwareInfo hero12() {
    HardwareInfo info;
    info.modelNumber = 62;
    info.modelName = "HERO12 Black";
    info.boardType = "0x05";
    info.firmwareVersion = "H23.01.01.99.56";
    info.serialNumber = "C3501324500702";
    info.apSsid = "HERO12 Blackdebug";
    info.apMacAddress = "2674f7f66104";
    return info;
}

// ---- builders -----------------------------------------------------------------

TEST(Commands, SimpleCommandsAreTheirIdAloneOnTheCommandRequestCharacteristic) {
    const std::vector<std::pair<Request, const char*>> cases = {
        {command::sleep(), "01 05"},
        {command::setThirdPartyClient(), "01 50"},
        {command::getHardwareInfo(), "01 3C"},
        {command::getOpenGoProVersion(), "01 51"},
        {command::getDateTime(), "01 0E"},
        {command::getLocalDateTime(), "01 10"},
        {command::hilight(), "01 18"},
        {command::reboot(), "01 11"},
        // issue 15 group A
        {command::powerDown(), "01 04"},
    };
    for (const auto& [request, packet] : cases) {
        SCOPED_TRACE(packet);
        EXPECT_EQ(request.characteristic, Characteristic::CommandRequest);
        EXPECT_EQ(dumpAll(test::framed(request)), Strings{packet});
        EXPECT_EQ(request.expects, command(request.message.at(0)));
    }
}

TEST(Commands, ShutterOnAndOffCarryOneByteParameter) {
    EXPECT_EQ(dump(command::setShutter(true).message), "01 01 01");
    EXPECT_EQ(dump(command::setShutter(false).message), "01 01 00");
    EXPECT_EQ(command::setShutter(true).expects, command(0x01));
}

TEST(Commands, ApControlOffOnAndBounce) {
    EXPECT_EQ(dump(command::setApControl(ApControl::Off).message), "17 01 00");
    EXPECT_EQ(dump(command::setApControl(ApControl::On).message), "17 01 01");
    EXPECT_EQ(dump(command::setApControl(ApControl::Bounce).message), "17 01 02");
}

TEST(Commands, LoadPresetGroupSendsTheGroupIdAsTwoBytes) {
    EXPECT_EQ(dump(command::loadPresetGroup(PresetGroup::Video).message), "3E 02 03 E8");
    EXPECT_EQ(dump(command::loadPresetGroup(PresetGroup::Photo).message), "3E 02 03 E9");
    EXPECT_EQ(dump(command::loadPresetGroup(PresetGroup::Timelapse).message), "3E 02 03 EA");
}

TEST(Commands, LoadPresetSendsTheIdAsFourBigEndianBytes) {
    EXPECT_EQ(dump(command::loadPreset(0x1234ABCD).message), "40 04 12 34 AB CD");
    EXPECT_EQ(dumpAll(test::framed(command::loadPreset(0x1234ABCD))), Strings{"06 40 04 12 34 AB CD"});
    EXPECT_EQ(dump(command::loadPreset(0).message), "40 04 00 00 00 00");
    EXPECT_EQ(command::loadPreset(0x00010003).expects, command(0x40));
}

TEST(Commands, SetDateTimeMatchesTheSpecVector) {
    auto request = command::setDateTime({2023, 1, 31, 3, 4, 5});
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::CommandRequest);
    EXPECT_EQ(request->expects, command(0x0D));
    EXPECT_EQ(dumpAll(test::framed(*request)), Strings{"09 0D 07 07 E7 01 1F 03 04 05"});
}

TEST(Commands, DateTimeFromCalendarFieldsWithALeapSecondAs59) {
    std::tm fields{};
    fields.tm_year = 2016 - 1900;
    fields.tm_mon = 11;  // December
    fields.tm_mday = 31;
    fields.tm_hour = 23;
    fields.tm_min = 59;
    fields.tm_sec = 60;
    EXPECT_EQ(dateTimeFrom(fields), (DateTime{2016, 12, 31, 23, 59, 59}));
    fields.tm_sec = 7;
    EXPECT_EQ(dateTimeFrom(fields), (DateTime{2016, 12, 31, 23, 59, 7}));
}

TEST(Commands, SetLocalDateTimeEncodesNegativeOffsetsAsTwosComplement) {
    auto minus120 = command::setLocalDateTime({{2023, 1, 31, 3, 4, 5}, -120, true});
    ASSERT_TRUE(test::succeeds(minus120));
    EXPECT_EQ(dumpAll(test::framed(*minus120)), Strings{"0C 0F 0A 07 E7 01 1F 03 04 05 FF 88 01"});
    EXPECT_EQ(minus120->expects, command(0x0F));
    auto minus420 = command::setLocalDateTime({{2024, 4, 4, 13, 0, 5}, -420, true});
    ASSERT_TRUE(test::succeeds(minus420));
    EXPECT_EQ(dumpAll(test::framed(*minus420)), Strings{"0C 0F 0A 07 E8 04 04 0D 00 05 FE 5C 01"});
    auto plus60 = command::setLocalDateTime({{2024, 12, 31, 23, 59, 59}, 60, false});
    ASSERT_TRUE(test::succeeds(plus60));
    EXPECT_EQ(dump(plus60->message), "0F 0A 07 E8 0C 1F 17 3B 3B 00 3C 00");
}

TEST(Commands, SetDateTimeRejectsOutOfRangeFields) {
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 13, 1, 0, 0, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 0, 1, 0, 0, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 1, 0, 0, 0, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 1, 32, 0, 0, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 1, 1, 24, 0, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setDateTime({2023, 1, 1, 0, 60, 0}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(command::setLocalDateTime({{2023, 1, 1, 0, 0, 60}, 0, false}), Errc::InvalidArgument));
}

// ---- request parsing (simulator side) ------------------------------------

TEST(Commands, ParseCommandRequestSplitsTheLengthValueParameters) {
    auto preset = parseCommandRequest(hex("40 04 00 00 00 02"));
    ASSERT_TRUE(test::succeeds(preset));
    EXPECT_EQ(preset->id, 0x40);
    ASSERT_EQ(preset->params.size(), 1u);
    EXPECT_EQ(dump(preset->params[0]), "00 00 00 02");
    auto sleep = parseCommandRequest(hex("05"));
    ASSERT_TRUE(test::succeeds(sleep));
    EXPECT_EQ(sleep->id, 0x05);
    EXPECT_TRUE(sleep->params.empty());
    // Set Submode style: two length/value pairs.
    auto two = parseCommandRequest(hex("1B 01 00 01 01"));
    ASSERT_TRUE(test::succeeds(two));
    ASSERT_EQ(two->params.size(), 2u);
    EXPECT_EQ(dump(two->params[0]), "00");
    EXPECT_EQ(dump(two->params[1]), "01");
}

TEST(Commands, EveryBuiltCommandParsesBackToItsIdAndParameters) {
    auto shutter = parseCommandRequest(command::setShutter(true).message);
    ASSERT_TRUE(test::succeeds(shutter));
    EXPECT_EQ(shutter->id, static_cast<std::uint8_t>(CommandId::SetShutter));
    ASSERT_EQ(shutter->params.size(), 1u);
    EXPECT_EQ(dump(shutter->params[0]), "01");
    auto group = parseCommandRequest(command::loadPresetGroup(PresetGroup::Timelapse).message);
    ASSERT_TRUE(test::succeeds(group));
    ASSERT_EQ(group->params.size(), 1u);
    EXPECT_EQ(readBigEndian(group->params[0]), 1002u);
}

TEST(Commands, DateTimeParametersParseBack) {
    auto request = parseCommandRequest(hex("0D 07 07 E7 01 1F 03 04 05"));
    ASSERT_TRUE(test::succeeds(request));
    ASSERT_EQ(request->params.size(), 1u);
    auto time = parseDateTimeParams(request->params[0]);
    ASSERT_TRUE(test::succeeds(time));
    EXPECT_EQ(*time, (DateTime{2023, 1, 31, 3, 4, 5}));
}

TEST(Commands, LocalDateTimeParametersParseBackWithNegativeOffsets) {
    auto a = parseLocalDateTimeParams(hex("07 E7 01 1F 03 04 05 FF 88 01"));
    ASSERT_TRUE(test::succeeds(a));
    EXPECT_EQ(*a, (LocalDateTime{{2023, 1, 31, 3, 4, 5}, -120, true}));
    auto b = parseLocalDateTimeParams(hex("07 E8 04 04 0D 00 05 FE 5C 01"));
    ASSERT_TRUE(test::succeeds(b));
    EXPECT_EQ(b->utcOffsetMinutes, -420);
    EXPECT_TRUE(b->dst);
    EXPECT_EQ(b->time, (DateTime{2024, 4, 4, 13, 0, 5}));
}

// ---- responses ----------------------------------------------------------------

TEST(Commands, CommandResponseIsIdStatusAndPayload) {
    auto ok = parseCommandResponse(hex("01 00"));
    ASSERT_TRUE(test::succeeds(ok));
    EXPECT_EQ(ok->id, 0x01);
    EXPECT_EQ(ok->status, 0);
    EXPECT_TRUE(ok->payload.empty());
    EXPECT_TRUE(ok->ok());
    auto error = parseCommandResponse(hex("17 01"));
    ASSERT_TRUE(test::succeeds(error));
    EXPECT_FALSE(error->ok());
    auto version = parseCommandResponse(hex("51 00 01 02 01 00"));
    ASSERT_TRUE(test::succeeds(version));
    EXPECT_EQ(dump(version->payload), "01 02 01 00");
}

TEST(Commands, EncodeCommandResponseIsTheInverseOfParse) {
    EXPECT_EQ(dump(encodeCommandResponse(0x01, 0)), "01 00");
    EXPECT_EQ(dump(encodeCommandResponse(0x51, 0, hex("01 02 01 00"))), "51 00 01 02 01 00");
    EXPECT_EQ(dumpAll(test::framed(encodeCommandResponse(0x17, 0), Sender::Camera)), Strings{"02 17 00"});
}

TEST(Commands, OpenGoProVersionTwoPointZero) {
    auto response = parseCommandResponse(*test::reassemble({hex("06 51 00 01 02 01 00")}));
    ASSERT_TRUE(test::succeeds(response));
    auto version = parseOpenGoProVersion(response->payload);
    ASSERT_TRUE(test::succeeds(version));
    EXPECT_EQ(*version, (OpenGoProVersion{2, 0}));
    EXPECT_EQ(dump(encodeOpenGoProVersion({2, 0})), "01 02 01 00");
}

TEST(Commands, OpenGoProVersionOneFromTheOneDotZeroSpec) {
    auto version = parseOpenGoProVersion(hex("01 01 01 00"));
    ASSERT_TRUE(test::succeeds(version));
    EXPECT_EQ(*version, (OpenGoProVersion{1, 0}));
}

TEST(Commands, GetDateTimeResponseIgnoresTheWeekdayByte) {
    // 0B 0E 00 08 07 E6 01 02 03 04 05 06: the spec's weekday (6, Saturday) is
    // not the day 2022-01-02 fell on (a Sunday); the date is what counts.
    auto message = test::reassemble({hex("0B 0E 00 08 07 E6 01 02 03 04 05 06")});
    ASSERT_TRUE(message);
    auto response = parseCommandResponse(*message);
    ASSERT_TRUE(test::succeeds(response));
    EXPECT_EQ(response->id, 0x0E);
    auto time = parseDateTimeResponse(response->payload);
    ASSERT_TRUE(test::succeeds(time));
    EXPECT_EQ(*time, (DateTime{2022, 1, 2, 3, 4, 5}));
}

TEST(Commands, EncodedDateTimeResponseCarriesTheRealWeekdaySundayZero) {
    EXPECT_EQ(dump(encodeDateTimeResponse({2022, 1, 2, 3, 4, 5})), "08 07 E6 01 02 03 04 05 00");  // Sunday
    EXPECT_EQ(dump(encodeDateTimeResponse({2023, 1, 31, 3, 4, 5})), "08 07 E7 01 1F 03 04 05 02");  // Tuesday
    EXPECT_EQ(dump(encodeDateTimeResponse({2024, 2, 29, 0, 0, 0})), "08 07 E8 02 1D 00 00 00 04");  // Thursday
    auto back = parseDateTimeResponse(encodeDateTimeResponse({2024, 2, 29, 12, 30, 0}));
    ASSERT_TRUE(test::succeeds(back));
    EXPECT_EQ(*back, (DateTime{2024, 2, 29, 12, 30, 0}));
}

TEST(Commands, GetLocalDateTimeResponseWithNegativeOffset) {
    auto message = test::reassemble({hex("0D 10 00 0A 07 E6 01 02 03 04 05 FE 20 01")});
    ASSERT_TRUE(message);
    auto response = parseCommandResponse(*message);
    ASSERT_TRUE(test::succeeds(response));
    auto time = parseLocalDateTimeResponse(response->payload);
    ASSERT_TRUE(test::succeeds(time));
    EXPECT_EQ(*time, (LocalDateTime{{2022, 1, 2, 3, 4, 5}, -480, true}));
    EXPECT_EQ(dump(encodeLocalDateTimeResponse(*time)), "0A 07 E6 01 02 03 04 05 FE 20 01");
}

// ---- hardware info --------------------------------------------------------

TEST(Commands, HardwareInfoOfTheSixPacketHero12CaptureHasEveryField) {
    auto message = test::reassemble(test::hardwareInfoPackets());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->size(), 98u);
    auto response = parseCommandResponse(*message);
    ASSERT_TRUE(test::succeeds(response));
    EXPECT_EQ(response->id, 0x3C);
    EXPECT_TRUE(response->ok());
    auto info = parseHardwareInfo(response->payload);
    ASSERT_TRUE(test::succeeds(info));
    EXPECT_EQ(info->modelNumber, 62u);
    EXPECT_EQ(info->modelName, "HERO12 Black");
    EXPECT_EQ(info->boardType, "0x05");
    EXPECT_EQ(info->firmwareVersion, "H23.01.01.99.56");
    EXPECT_EQ(info->serialNumber, "C3501324500702");
    EXPECT_EQ(info->apSsid, "HERO12 Blackdebug");
    EXPECT_EQ(info->apMacAddress, "2674f7f66104");
    EXPECT_EQ(*info, hero12());
}

TEST(Commands, HardwareInfoWithoutTheReservedTailParses) {
    // Newest docs: the 11 reserved bytes are not part of the payload.
    const Bytes message = test::hardwareInfoMessage();
    const Bytes payload(message.begin() + 2, message.end() - 11);
    auto info = parseHardwareInfo(payload);
    ASSERT_TRUE(test::succeeds(info));
    EXPECT_EQ(*info, hero12());
}

TEST(Commands, EncodeHardwareInfoRoundTrips) {
    auto parsed = parseHardwareInfo(encodeHardwareInfo(hero12()));
    ASSERT_TRUE(test::succeeds(parsed));
    EXPECT_EQ(*parsed, hero12());
    HardwareInfo other;
    other.modelNumber = 65;
    other.modelName = "HERO13 Black";
    other.boardType = "0x05";
    other.firmwareVersion = "H24.01.02.02.00";
    other.serialNumber = "C3531324500702";
    other.apSsid = "GP24500702";
    other.apMacAddress = "2474f7f66104";
    auto again = parseHardwareInfo(encodeHardwareInfo(other));
    ASSERT_TRUE(test::succeeds(again));
    EXPECT_EQ(*again, other);
}

TEST(Commands, EncodeHardwareInfoLaysOutTheFieldsAsTheCameraDoes) {
    const Bytes message = test::hardwareInfoMessage();
    const Bytes payload(message.begin() + 2, message.end());
    const Bytes encoded = encodeHardwareInfo(hero12());
    ASSERT_GE(encoded.size(), 85u);
    // The length-prefixed fields, byte for byte.
    EXPECT_EQ(dump(ByteView(encoded).first(85)), dump(ByteView(payload).first(85)));
    // "As cameras send it, with the reserved tail": the observed 11 bytes.
    EXPECT_EQ(dump(ByteView(encoded).subspan(85)), "01 00 01 01 01 00 02 5B 5D 01 01");
}

TEST(Commands, HardwareInfoResponseFramesIntoTheSixCapturedPackets) {
    const Bytes response = encodeCommandResponse(0x3C, 0, encodeHardwareInfo(hero12()));
    EXPECT_EQ(dumpAll(test::framed(response, Sender::Camera)), dumpAll(test::hardwareInfoPackets()));
}

// ---- names --------------------------------------------------------------------

TEST(Commands, CommandsAndPresetGroupsHaveNames) {
    EXPECT_EQ(commandName(0x01), "Set Shutter");
    EXPECT_TRUE(commandName(0x3C));
    EXPECT_TRUE(commandName(0x51));
    EXPECT_FALSE(commandName(0x99));
    EXPECT_EQ(presetGroupFromName("video"), PresetGroup::Video);
    EXPECT_EQ(presetGroupFromName("photo"), PresetGroup::Photo);
    EXPECT_EQ(presetGroupFromName("timelapse"), PresetGroup::Timelapse);
    EXPECT_FALSE(presetGroupFromName("burst"));
    EXPECT_TRUE(presetGroupName(1000));
    EXPECT_TRUE(presetGroupName(1002));
    EXPECT_FALSE(presetGroupName(999));
}

TEST(ResultCodes, CameraStatusAndGenericResultNames) {
    EXPECT_EQ(cameraStatusName(0), "success");
    EXPECT_EQ(cameraStatusName(1), "error");
    EXPECT_EQ(cameraStatusName(2), "invalid parameter");
    EXPECT_EQ(cameraStatusName(3), "reserved");
    EXPECT_EQ(cameraStatusName(255), "reserved");
    EXPECT_EQ(resultGenericName(kResultSuccess), "RESULT_SUCCESS");
    EXPECT_EQ(resultGenericName(0), "RESULT_UNKNOWN");
    EXPECT_EQ(resultGenericName(3), "RESULT_NOT_SUPPORTED");
    EXPECT_EQ(resultGenericName(6), "RESULT_RESOURCE_NOT_AVAILABLE");
    EXPECT_EQ(resultGenericName(42), "RESULT_UNDEFINED");
}

TEST(ResultCodes, ProvisioningStatesAreNamedByMeaning) {
    EXPECT_EQ(provisioningStateText(8), "the network refused the password");  // PROVISIONING_ERROR_PASSWORD_AUTH
    EXPECT_EQ(provisioningStateText(7), "the camera could not associate with the network");
    EXPECT_EQ(provisioningStateText(5), "connected to a new network");
    EXPECT_EQ(provisioningStateText(99), "unknown connection state");
}

}  // namespace
}  // namespace goprod::protocol
