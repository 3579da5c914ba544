// protocol::isUtf8 agrees with what protobuf accepts in a `string` field.
#include "protocol/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace goprod::protocol {
namespace {

TEST(Utf8, WellFormedTextIsUtf8) {
    EXPECT_TRUE(isUtf8(""));
    EXPECT_TRUE(isUtf8("dabugdabug"));
    EXPECT_TRUE(isUtf8("caf\xc3\xa9"));             // é
    EXPECT_TRUE(isUtf8("\xe2\x82\xac 5"));          // €
    EXPECT_TRUE(isUtf8("\xf0\x9f\x93\xb7 GoPro"));  // 📷
    EXPECT_TRUE(isUtf8(std::string("a\0b", 3)));    // NUL is a code point
}

TEST(Utf8, MalformedBytesAreNot) {
    EXPECT_FALSE(isUtf8("caf\xe9"));           // Latin-1 é
    EXPECT_FALSE(isUtf8("\xc3"));              // cut short
    EXPECT_FALSE(isUtf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(isUtf8("\xe0\x80\xaf"));      // overlong, 3 bytes
    EXPECT_FALSE(isUtf8("\xed\xa0\x80"));      // a UTF-16 surrogate
    EXPECT_FALSE(isUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(isUtf8("\x80"));              // a lone continuation byte
    EXPECT_FALSE(isUtf8("\xff"));
}

TEST(Utf8, ValidUtf8EscapesOnlyTheBadBytes) {
    EXPECT_EQ(validUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(validUtf8("found \"caf\xe9\""), "found \"caf\\xe9\"");
    EXPECT_EQ(validUtf8("\xc3"), "\\xc3");
    EXPECT_TRUE(isUtf8(validUtf8("\xff\xfe\xed\xa0\x80 ok")));
}

}  // namespace
}  // namespace goprod::protocol
