// Unit tests of goprod-sim's rig layout (issue 16): adapter addresses, the
// --visible rules and the per-adapter RSSI.
#include "sim/rig.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace goprod::sim {
namespace {

TEST(RigTest, AdapterAddressesCountUpFromTheFirst) {
    EXPECT_EQ(adapterAddress("00:1A:7D:DA:71:13", 0), "00:1A:7D:DA:71:13");
    EXPECT_EQ(adapterAddress("00:1A:7D:DA:71:13", 1), "00:1A:7D:DA:71:14");
    EXPECT_EQ(adapterAddress("00:1A:7D:DA:71:FF", 2), "00:1A:7D:DA:71:01");
    std::set<std::string> distinct;
    for (int i = 0; i < kMaxAdapters; ++i) distinct.insert(adapterAddress("00:1A:7D:DA:71:F8", i));
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kMaxAdapters));
}

TEST(RigTest, AdapterIndexReadsNamesAndNumbers) {
    EXPECT_EQ(adapterIndex("hci3"), 3);
    EXPECT_EQ(adapterIndex("12"), 12);
    EXPECT_FALSE(adapterIndex("hci"));
    EXPECT_FALSE(adapterIndex("usb1"));
    EXPECT_FALSE(adapterIndex("00:1A:7D:DA:71:13"));
}

TEST(RigTest, EveryAdapterSeesEveryCameraByDefault) {
    RigLayout layout(256, 8);
    for (int a = 0; a < 8; ++a) {
        for (int c = 0; c < 256; ++c) EXPECT_TRUE(layout.sees(a, c));
    }
}

TEST(RigTest, DefaultRssiDiffersPerAdapterAndStaysInRange) {
    EXPECT_EQ(RigLayout::defaultRssi(0, 0), -55);  // the one-adapter sim's camera
    for (int c = 0; c < kMaxCameras; ++c) {
        std::set<int> values;
        for (int a = 0; a < kMaxAdapters; ++a) {
            const int rssi = RigLayout::defaultRssi(a, c);
            EXPECT_LE(rssi, -55);
            EXPECT_GE(rssi, -84);
            values.insert(rssi);
        }
        EXPECT_EQ(values.size(), static_cast<std::size_t>(kMaxAdapters)) << "camera " << c;
    }
}

TEST(RigTest, SetRssiChangesOneCell) {
    RigLayout layout(4, 2);
    layout.setRssi(1, 2, -30);
    EXPECT_EQ(layout.rssi(1, 2), -30);
    EXPECT_EQ(layout.rssi(0, 2), RigLayout::defaultRssi(0, 2));
    EXPECT_EQ(layout.rssi(1, 1), RigLayout::defaultRssi(1, 1));
}

TEST(RigTest, RulesParseRangesListsNamesAndStars) {
    std::string error;
    auto rule = parseVisibilityRule("0-2,5:hci1,hci3", 8, 4, error);
    ASSERT_TRUE(rule) << error;
    EXPECT_EQ(rule->cameras, (std::vector<int>{0, 1, 2, 5}));
    EXPECT_EQ(rule->adapters, (std::vector<int>{1, 3}));
    rule = parseVisibilityRule("*:hci0-hci2", 3, 4, error);
    ASSERT_TRUE(rule) << error;
    EXPECT_EQ(rule->cameras, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(rule->adapters, (std::vector<int>{0, 1, 2}));
    rule = parseVisibilityRule("7:*", 8, 2, error);
    ASSERT_TRUE(rule) << error;
    EXPECT_EQ(rule->adapters, (std::vector<int>{0, 1}));
}

TEST(RigTest, MalformedOrOutOfRangeRulesAreRefused) {
    for (const char* text : {"0-7", "0-7:", ":hci0", "a:hci0", "3-1:hci0", "0:hcix", "0:hci0,", "0-8:hci0", "0:hci4"}) {
        std::string error;
        EXPECT_FALSE(parseVisibilityRule(text, 8, 4, error)) << text;
        EXPECT_FALSE(error.empty()) << text;
    }
}

TEST(RigTest, NamedCamerasAreSeenOnlyByTheirRulesAdapters) {
    std::string error;
    RigLayout layout(10, 3);
    layout.apply({*parseVisibilityRule("0-3:hci0", 10, 3, error), *parseVisibilityRule("3,4:hci2", 10, 3, error)});
    for (int c = 0; c <= 2; ++c) {
        EXPECT_TRUE(layout.sees(0, c));
        EXPECT_FALSE(layout.sees(1, c));
        EXPECT_FALSE(layout.sees(2, c));
    }
    EXPECT_TRUE(layout.sees(0, 3));  // named by both rules: the union
    EXPECT_FALSE(layout.sees(1, 3));
    EXPECT_TRUE(layout.sees(2, 3));
    EXPECT_FALSE(layout.sees(0, 4));
    EXPECT_TRUE(layout.sees(2, 4));
    for (int c = 5; c < 10; ++c) {  // named by no rule: every adapter
        for (int a = 0; a < 3; ++a) EXPECT_TRUE(layout.sees(a, c));
    }
}

}  // namespace
}  // namespace goprod::sim
