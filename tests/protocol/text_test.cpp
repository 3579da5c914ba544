#include "protocol/text.h"

#include <gtest/gtest.h>

namespace goprod::protocol {
namespace {

TEST(AsciiLower, LowersOnlyTheAsciiLetters) {
    EXPECT_EQ(asciiLower("D4:D7:CF:A1:B2:C3"), "d4:d7:cf:a1:b2:c3");
    EXPECT_EQ(asciiLower("GP-0072 Video_Resolution @[`{"), "gp-0072 video_resolution @[`{");
    EXPECT_EQ(asciiLower("\xC3\x89T\xC9"), "\xC3\x89t\xC9");  // UTF-8 and Latin-1 bytes stay as they are
    EXPECT_EQ(asciiLower(""), "");
}

TEST(SameIgnoringCase, ComparesAsciiLettersInAnyCaseAndNothingElse) {
    EXPECT_TRUE(sameIgnoringCase("D4:1C:00:00:07:89", "d4:1c:00:00:07:89"));
    EXPECT_TRUE(sameIgnoringCase("", ""));
    EXPECT_FALSE(sameIgnoringCase("d4:1c", "d4:1c:00"));
    EXPECT_FALSE(sameIgnoringCase("\xC9", "\xE9")) << "bytes beyond ASCII are compared as they are";
}

}  // namespace
}  // namespace goprod::protocol
