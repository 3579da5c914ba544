// Unit tests of client/values: command-line values to API fields, checked
// against the protocol library's tables.
#include "client/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/settings.h"

namespace goprod::client {
namespace {

using ::testing::HasSubstr;

TEST(Resolution, NamesMapToTheTypedEnumInAnyCase) {
    const std::pair<const char*, v1::VideoResolution> cases[] = {
        {"1080", v1::VIDEO_RESOLUTION_1080},  {"2.7K", v1::VIDEO_RESOLUTION_2_7K},
        {"2.7k", v1::VIDEO_RESOLUTION_2_7K},  {"4K", v1::VIDEO_RESOLUTION_4K},
        {"4k", v1::VIDEO_RESOLUTION_4K},      {"5K", v1::VIDEO_RESOLUTION_5K},
        {"5.3K", v1::VIDEO_RESOLUTION_5_3K},  {"5.3k", v1::VIDEO_RESOLUTION_5_3K},
        {"720", v1::VIDEO_RESOLUTION_720},    {"2.7K 4:3", v1::VIDEO_RESOLUTION_2_7K_4_3},
        {"1080p", v1::VIDEO_RESOLUTION_1080},
    };
    for (const auto& [name, expected] : cases) {
        const auto setting = resolutionSetting(name);
        ASSERT_TRUE(setting) << name;
        EXPECT_EQ(setting->setting_case(), v1::SetSettingRequest::kResolution) << name;
        EXPECT_EQ(setting->resolution(), expected) << name;
    }
}

TEST(Resolution, EveryNameOfTheTableParsesToItsValue) {
    for (const auto& value : protocol::findSetting(2)->values) {
        const auto setting = resolutionSetting(value.name);
        ASSERT_TRUE(setting) << value.name;
        const std::uint64_t sent =
            setting->has_generic() ? setting->generic().value() : static_cast<std::uint64_t>(setting->resolution());
        EXPECT_EQ(sent, value.value) << value.name;
    }
}

TEST(Resolution, ValuesTheApiEnumLacksGoAsGenericSetting2) {
    const auto setting = resolutionSetting("4K 9:16 V2");
    ASSERT_TRUE(setting);
    ASSERT_TRUE(setting->has_generic());
    EXPECT_EQ(setting->generic().id(), 2U);
    EXPECT_EQ(setting->generic().value(), 109U);
}

TEST(Resolution, UnknownNameIsRefusedWithTheKnownNames) {
    const auto setting = resolutionSetting("1081");
    ASSERT_FALSE(setting);
    EXPECT_THAT(setting.error(), HasSubstr("unknown resolution \"1081\""));
    EXPECT_THAT(setting.error(), HasSubstr("1080"));
    EXPECT_THAT(setting.error(), HasSubstr("5.3K"));
    EXPECT_FALSE(resolutionSetting("9"));  // a camera number is not a name
}

TEST(Fps, NamesMapToTheTypedEnum) {
    const std::pair<const char*, v1::FramesPerSecond> cases[] = {
        {"24", v1::FRAMES_PER_SECOND_24},    {"30", v1::FRAMES_PER_SECOND_30},    {"60", v1::FRAMES_PER_SECOND_60},
        {"120", v1::FRAMES_PER_SECOND_120},  {"240", v1::FRAMES_PER_SECOND_240},  {"240.0", v1::FRAMES_PER_SECOND_240},
        {"60fps", v1::FRAMES_PER_SECOND_60}, {"60FPS", v1::FRAMES_PER_SECOND_60},
    };
    for (const auto& [name, expected] : cases) {
        const auto setting = fpsSetting(name);
        ASSERT_TRUE(setting) << name;
        // 240 fps is the enum's zero: the oneof case still says it is set.
        EXPECT_EQ(setting->setting_case(), v1::SetSettingRequest::kFps) << name;
        EXPECT_EQ(setting->fps(), expected) << name;
    }
}

TEST(Fps, EveryNameOfTheTableRoundTrips) {
    for (const auto& value : protocol::findSetting(3)->values) {
        const auto setting = fpsSetting(value.name);
        ASSERT_TRUE(setting) << value.name;
        EXPECT_EQ(static_cast<std::uint64_t>(setting->fps()), value.value) << value.name;
        EXPECT_EQ(protocol::settingValueName(3, static_cast<std::uint64_t>(setting->fps())), value.name);
    }
}

TEST(Fps, UnknownRateIsRefused) {
    const auto setting = fpsSetting("59");
    ASSERT_FALSE(setting);
    EXPECT_THAT(setting.error(), HasSubstr("unknown frame rate \"59\""));
    EXPECT_THAT(setting.error(), HasSubstr("240"));
}

TEST(GenericSetting, ValueNamesComeFirst) {
    auto setting = genericSetting("2", "1080");
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().id(), 2U);
    EXPECT_EQ(setting->generic().value(), 9U);

    setting = genericSetting("3", "60");  // 60 fps, not the camera's value 60
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().value(), 5U);
}

TEST(GenericSetting, NumbersThatAreNoNameAreTheCamerasValue) {
    auto setting = genericSetting("2", "9");
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().value(), 9U);
    EXPECT_EQ(setting->generic().width(), 0U);  // goprod uses the setting's known width

    setting = genericSetting("88", "0x32");  // LCD Brightness: any value
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().id(), 88U);
    EXPECT_EQ(setting->generic().value(), 50U);
}

TEST(GenericSetting, IdByNameOrAlias) {
    auto setting = genericSetting("video-resolution", "4k");
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().id(), 2U);
    EXPECT_EQ(setting->generic().value(), 1U);

    setting = genericSetting("FPS", "30");
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().id(), 3U);
    EXPECT_EQ(setting->generic().value(), 8U);
}

TEST(GenericSetting, BadInputIsRefused) {
    auto setting = genericSetting("2", "bogus");
    ASSERT_FALSE(setting);
    EXPECT_THAT(setting.error(), HasSubstr("unknown value \"bogus\" for setting 2 (Video Resolution)"));

    setting = genericSetting("88", "300");  // one byte on the wire
    ASSERT_FALSE(setting);
    EXPECT_THAT(setting.error(), HasSubstr("out of range (0..255)"));

    setting = genericSetting("88", "bright");
    ASSERT_FALSE(setting);
    EXPECT_THAT(setting.error(), HasSubstr("takes a number"));

    EXPECT_FALSE(genericSetting("256", "1"));
    EXPECT_FALSE(genericSetting("no-such-setting", "1"));
}

TEST(GenericSetting, EightByteSettingsTakeLargeValues) {
    const auto setting = genericSetting("30", "4294967296");  // Photo Timelapse Rate: 8 bytes
    ASSERT_TRUE(setting);
    EXPECT_EQ(setting->generic().value(), 4294967296ULL);
}

TEST(Ids, StatusesByNumberOrName) {
    EXPECT_EQ(*parseStatusId("8"), 8U);
    EXPECT_EQ(*parseStatusId("busy"), 8U);
    EXPECT_EQ(*parseStatusId("Encoding"), 10U);
    EXPECT_EQ(*parseStatusId("0x46"), 70U);
    EXPECT_THAT(parseStatusId("256").error(), HasSubstr("out of range"));
    EXPECT_THAT(parseStatusId("nonsense").error(), HasSubstr("unknown status \"nonsense\""));
}

TEST(Ids, SettingsByNumberNameOrAlias) {
    EXPECT_EQ(*parseSettingId("2"), 2U);
    EXPECT_EQ(*parseSettingId("resolution"), 2U);
    EXPECT_EQ(*parseSettingId("frames_per_second"), 3U);
    EXPECT_FALSE(parseSettingId("-1"));
}

TEST(PresetGroup, NamesInAnyCase) {
    EXPECT_EQ(*parsePresetGroup("video"), v1::PRESET_GROUP_VIDEO);
    EXPECT_EQ(*parsePresetGroup("PHOTO"), v1::PRESET_GROUP_PHOTO);
    EXPECT_EQ(*parsePresetGroup("Timelapse"), v1::PRESET_GROUP_TIMELAPSE);
    EXPECT_THAT(parsePresetGroup("movie").error(), HasSubstr("video, photo, timelapse"));
}

TEST(Characteristic, WordsAndGattNames) {
    EXPECT_EQ(*parseCharacteristic("command"), v1::CHARACTERISTIC_COMMAND);
    EXPECT_EQ(*parseCharacteristic("Settings"), v1::CHARACTERISTIC_SETTINGS);
    EXPECT_EQ(*parseCharacteristic("query"), v1::CHARACTERISTIC_QUERY);
    EXPECT_EQ(*parseCharacteristic("network"), v1::CHARACTERISTIC_NETWORK);
    EXPECT_EQ(*parseCharacteristic("GP-0072"), v1::CHARACTERISTIC_COMMAND);
    EXPECT_EQ(*parseCharacteristic("gp-0074"), v1::CHARACTERISTIC_SETTINGS);
    EXPECT_EQ(*parseCharacteristic("0076"), v1::CHARACTERISTIC_QUERY);
    EXPECT_EQ(*parseCharacteristic("GP-0091"), v1::CHARACTERISTIC_NETWORK);
    EXPECT_EQ(*parseCharacteristic("b5f90072-aa8d-11e3-9046-0002a5d5c51b"), v1::CHARACTERISTIC_COMMAND);
}

TEST(Characteristic, ResponseCharacteristicPointsAtItsRequest) {
    const auto result = parseCharacteristic("GP-0073");
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error(), HasSubstr("write to GP-0072"));
    EXPECT_THAT(parseCharacteristic("flux").error(), HasSubstr("unknown characteristic"));
}

TEST(Hex, AnySpellingNoEmptyNoOverlong) {
    const protocol::Bytes shutter{0x03, 0x01, 0x01, 0x01};
    EXPECT_EQ(*parseHexMessage("03010101"), shutter);
    EXPECT_EQ(*parseHexMessage("03 01 01 01"), shutter);
    EXPECT_EQ(*parseHexMessage("03:01:01:01"), shutter);
    EXPECT_THAT(parseHexMessage("0g").error(), HasSubstr("invalid hex"));
    EXPECT_THAT(parseHexMessage("").error(), HasSubstr("empty"));
    EXPECT_THAT(parseHexMessage(std::string(2 * 8192, 'a')).error(), HasSubstr("at most 8191"));
}

TEST(EventKind, ShortAndFullNames) {
    EXPECT_EQ(*parseEventKind("state"), v1::Event::KIND_STATE_CHANGED);
    EXPECT_EQ(*parseEventKind("state-changed"), v1::Event::KIND_STATE_CHANGED);
    EXPECT_EQ(*parseEventKind("STATUS"), v1::Event::KIND_STATUS);
    EXPECT_EQ(*parseEventKind("setting"), v1::Event::KIND_SETTING);
    EXPECT_EQ(*parseEventKind("notification"), v1::Event::KIND_NOTIFICATION);
    EXPECT_EQ(*parseEventKind("KIND_REQUEST_DONE"), v1::Event::KIND_REQUEST_DONE);
    EXPECT_EQ(*parseEventKind("request"), v1::Event::KIND_REQUEST_DONE);
    EXPECT_THAT(parseEventKind("unspecified").error(), HasSubstr("unknown event kind"));
    EXPECT_EQ(eventKindName(v1::Event::KIND_REQUEST_DONE), "request-done");
}

TEST(Numbers, DecimalHexAndLimits) {
    EXPECT_EQ(*parseUnsigned("42", 100, "x"), 42U);
    EXPECT_EQ(*parseUnsigned("0x2A", 100, "x"), 42U);
    EXPECT_FALSE(parseUnsigned("", 100, "x"));
    EXPECT_FALSE(parseUnsigned("-1", 100, "x"));
    EXPECT_FALSE(parseUnsigned("1.5", 100, "x"));
    EXPECT_FALSE(parseUnsigned("101", 100, "x"));
    EXPECT_FALSE(parseUnsigned("99999999999999999999999", UINT64_MAX, "x"));
}

TEST(OnOff, AnyCaseNothingElse) {
    EXPECT_TRUE(*parseOnOff("on"));
    EXPECT_TRUE(*parseOnOff("ON"));
    EXPECT_FALSE(*parseOnOff("off"));
    EXPECT_FALSE(parseOnOff("yes"));
}

// issue 17: shutter --at
TEST(Values, InstantsAreRelativeOrRfc3339) {
    using namespace std::chrono;
    const auto now = system_clock::time_point{} + seconds(1'796'650'000);
    EXPECT_EQ(parseInstant("+2s", now).value(), now + seconds(2));
    EXPECT_EQ(parseInstant("+1.5s", now).value(), now + milliseconds(1500));
    EXPECT_EQ(parseInstant("+250ms", now).value(), now + milliseconds(250));
    EXPECT_EQ(parseInstant("+1m", now).value(), now + minutes(1));
    EXPECT_EQ(parseInstant("+2h", now).value(), now + hours(2));
    EXPECT_EQ(parseInstant("-90s", now).value(), now - seconds(90));  // journal --since
    EXPECT_EQ(parseInstant("-2d", now).value(), now - hours(48));
    const auto utc = system_clock::time_point{} + seconds(1'796'652'600);  // 2026-12-07T14:10:00Z
    EXPECT_EQ(parseInstant("2026-12-07T14:10:00Z", now).value(), utc);
    EXPECT_EQ(parseInstant("2026-12-07T15:10:00.250+01:00", now).value(), utc + milliseconds(250));
    EXPECT_EQ(parseInstant("2026-12-07t09:40:00.000001-04:30", now).value(), utc + microseconds(1));
    for (const auto* bad :
         {"", "+", "-", "+2", "+2y", "+-1s", "--1s", "-+1s", "+xs", "-367d", "+ 1s", "2026-12-07",
          "2026-12-07T14:10:00", "2026-13-07T14:10:00Z", "2026-12-07T14:10:00+0100", "tomorrow", "+1e9s"}) {
        const auto parsed = parseInstant(bad, now);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_NE(parsed.error().find("RFC 3339"), std::string::npos) << bad;
    }
    EXPECT_EQ(parseInstant("soon", now, "--since").error().rfind("--since \"soon\" is not a time", 0), 0U);
}

}  // namespace
}  // namespace goprod::client
