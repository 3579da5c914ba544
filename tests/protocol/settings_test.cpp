// TLV settings (opengopro-ble.md §5, §7): builders, parsers and the value tables.
#include "protocol/settings.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/protocol/hex.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::failsWith;
using test::hex;

TEST(Settings, SetBuildsIdLengthValueForTheSettingRequestCharacteristic) {
    auto request = setting::set(setting_id::kVideoResolution, hex("09"));
    ASSERT_TRUE(test::succeeds(request));
    EXPECT_EQ(request->characteristic, Characteristic::SettingRequest);
    EXPECT_EQ(dump(request->message), "02 01 09");
    EXPECT_EQ(request->expects, (ResponseKey{ResponseKey::Kind::Setting, 2, 0}));
    EXPECT_EQ(test::dumpAll(test::framed(*request)), (std::vector<std::string>{"03 02 01 09"}));
}

TEST(Settings, SetAcceptsValuesOfOneToEightBytes) {
    const Bytes value = hex("01 02 03 04 05 06 07 08");
    for (std::size_t n = 1; n <= 8; ++n) {
        SCOPED_TRACE(n);
        auto request = setting::set(32, ByteView(value).first(n));
        ASSERT_TRUE(test::succeeds(request));
        Bytes want{32, static_cast<std::uint8_t>(n)};
        want.insert(want.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_EQ(dump(request->message), dump(want));
        EXPECT_EQ(request->expects, (ResponseKey{ResponseKey::Kind::Setting, 32, 0}));
    }
}

TEST(Settings, SetRejectsEmptyAndNineByteValues) {
    EXPECT_TRUE(failsWith(setting::set(2, Bytes{}), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(setting::set(2, hex("01 02 03 04 05 06 07 08 09")), Errc::InvalidArgument));
}

TEST(Settings, SetWritesIntegersBigEndianInTheRequestedWidth) {
    auto one = setting::set(3, std::uint64_t{0x0A});
    ASSERT_TRUE(test::succeeds(one));
    EXPECT_EQ(dump(one->message), "03 01 0A");
    auto eight = setting::set(32, std::uint64_t{3601}, 8);
    ASSERT_TRUE(test::succeeds(eight));
    EXPECT_EQ(dump(eight->message), "20 08 00 00 00 00 00 00 0E 11");
    auto two = setting::set(32, std::uint64_t{300}, 2);
    ASSERT_TRUE(test::succeeds(two));
    EXPECT_EQ(dump(two->message), "20 02 01 2C");
}

TEST(Settings, SetRejectsIntegerWidthsOutsideOneToEight) {
    EXPECT_TRUE(failsWith(setting::set(2, std::uint64_t{9}, 0), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(setting::set(2, std::uint64_t{9}, 9), Errc::InvalidArgument));
}

TEST(Settings, SetRejectsAnIntegerThatDoesNotFitItsWidth) {
    EXPECT_TRUE(failsWith(setting::set(2, std::uint64_t{256}, 1), Errc::InvalidArgument));
    EXPECT_TRUE(failsWith(setting::set(32, std::uint64_t{0x10000}, 2), Errc::InvalidArgument));
}

TEST(Settings, AValueWithoutAWidthTakesTheTablesElseOneByte) {
    EXPECT_EQ(settingWidth(2), 1U);    // Video Resolution
    EXPECT_EQ(settingWidth(30), 8U);   // Photo Timelapse Rate
    EXPECT_EQ(settingWidth(250), 1U);  // not in the table
}

TEST(Bytes, LargestValueOfEachWidth) {
    EXPECT_EQ(largestValue(1), 0xFFU);
    EXPECT_EQ(largestValue(2), 0xFFFFU);
    EXPECT_EQ(largestValue(4), 0xFFFFFFFFU);
    EXPECT_EQ(largestValue(8), 0xFFFFFFFFFFFFFFFFU);
}

TEST(Settings, KeepAliveIsLedSettingValue0x42) {
    const Request request = setting::keepAlive();
    EXPECT_EQ(request.characteristic, Characteristic::SettingRequest);
    EXPECT_EQ(dump(request.message), "5B 01 42");
    EXPECT_EQ(request.expects, (ResponseKey{ResponseKey::Kind::Setting, 0x5B, 0}));
    EXPECT_EQ(test::dumpAll(test::framed(request)), (std::vector<std::string>{"03 5B 01 42"}));
}

TEST(Settings, ParseSettingRequestReturnsIdAndValue) {
    auto res = parseSettingRequest(hex("02 01 09"));
    ASSERT_TRUE(test::succeeds(res));
    EXPECT_EQ(res->id, 2);
    EXPECT_EQ(dump(res->value), "09");
    auto wide = parseSettingRequest(hex("20 08 00 00 00 00 00 00 0E 11"));
    ASSERT_TRUE(test::succeeds(wide));
    EXPECT_EQ(wide->id, 32);
    EXPECT_EQ(readBigEndian(wide->value), 3601u);
    auto keepAlive = parseSettingRequest(setting::keepAlive().message);
    ASSERT_TRUE(test::succeeds(keepAlive));
    EXPECT_EQ(keepAlive->id, setting_id::kLed);
    EXPECT_EQ(dump(keepAlive->value), "42");
}

TEST(Settings, SettingResponsesEncodeAndParseAsIdAndStatus) {
    EXPECT_EQ(dump(encodeSettingResponse(0x5B, 0)), "5B 00");
    EXPECT_EQ(dump(encodeSettingResponse(3, 2)), "03 02");
    auto ok = parseSettingResponse(hex("02 00"));
    ASSERT_TRUE(test::succeeds(ok));
    EXPECT_EQ(ok->id, 2);
    EXPECT_EQ(ok->status, 0);
    auto rejected = parseSettingResponse(hex("03 01"));
    ASSERT_TRUE(test::succeeds(rejected));
    EXPECT_EQ(rejected->id, 3);
    EXPECT_EQ(rejected->status, 1);
}

TEST(Settings, ValueNamesAreCaseInsensitive) {
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "2.7k"), 4u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "2.7K"), 4u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "5.3K"), 100u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "5.3k"), 100u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "4K"), 1u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "4k"), 1u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "1080"), 9u);
    EXPECT_EQ(settingValue(setting_id::kVideoResolution, "5K"), 24u);
    EXPECT_EQ(settingValue(setting_id::kFramesPerSecond, "240"), 0u);
    EXPECT_EQ(settingValue(setting_id::kFramesPerSecond, "240.0"), 0u);
    EXPECT_EQ(settingValue(setting_id::kFramesPerSecond, "24"), 10u);
    EXPECT_EQ(settingValue(setting_id::kFramesPerSecond, "60"), 5u);
}

TEST(Settings, UnknownValueNamesAndSettingsHaveNoValue) {
    EXPECT_FALSE(settingValue(setting_id::kVideoResolution, "banana"));
    EXPECT_FALSE(settingValue(setting_id::kVideoResolution, ""));
    EXPECT_FALSE(settingValue(setting_id::kFramesPerSecond, "23"));
    EXPECT_FALSE(settingValue(0xFF, "1080"));
}

TEST(Settings, ValueNamesAreTheReverseOfValues) {
    EXPECT_EQ(settingValueName(setting_id::kVideoResolution, 9), "1080");
    EXPECT_EQ(settingValueName(setting_id::kVideoResolution, 4), "2.7K");
    EXPECT_EQ(settingValueName(setting_id::kVideoResolution, 1), "4K");
    EXPECT_EQ(settingValueName(setting_id::kVideoResolution, 100), "5.3K");
    auto fps240 = settingValueName(setting_id::kFramesPerSecond, 0);
    ASSERT_TRUE(fps240);
    EXPECT_EQ(settingValue(setting_id::kFramesPerSecond, *fps240), 0u);
    EXPECT_FALSE(settingValueName(setting_id::kVideoResolution, 250));
}

TEST(Settings, EveryNamedValueInTheTableRoundTripsThroughItsName) {
    ASSERT_FALSE(settingTable().empty());
    for (const auto& info : settingTable()) {
        EXPECT_EQ(findSetting(info.id), &info);
        for (const auto& named : info.values) {
            SCOPED_TRACE(std::string(info.name) + " / " + std::string(named.name));
            EXPECT_EQ(settingValue(info.id, named.name), named.value);
            EXPECT_EQ(settingValueName(info.id, named.value), named.name);
        }
    }
}

TEST(Settings, TableKnowsTheSettingsTheDaemonUses) {
    for (std::uint8_t id : {setting_id::kVideoResolution, setting_id::kFramesPerSecond, setting_id::kAutoPowerDown,
                            setting_id::kLed, setting_id::kVideoLens}) {
        EXPECT_NE(findSetting(id), nullptr) << int{id};
    }
    ASSERT_NE(findSetting(2), nullptr);
    EXPECT_EQ(findSetting(2)->name, "Video Resolution");
    ASSERT_NE(findSetting(3), nullptr);
    EXPECT_EQ(findSetting(3)->name, "Frames Per Second");
}

}  // namespace
}  // namespace goprod::protocol
