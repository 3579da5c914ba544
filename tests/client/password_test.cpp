// Unit tests of client/password: --password-stdin's one line. (--ask needs a
// terminal: tests/integration/test_goproctl_input.py drives it under a pty.)
#include "client/password.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace goprod::client {
namespace {

using ::testing::HasSubstr;

Parsed<std::string> fromStdin(const std::string& text) {
    std::istringstream in(text);
    return passwordFromStream(in);
}

std::string value(const Parsed<std::string>& parsed) { return parsed ? *parsed : "error: " + parsed.error(); }

TEST(Password, StdinGivesTheFirstLineWithoutItsNewline) {
    EXPECT_EQ(value(fromStdin("s3cret pass\n")), "s3cret pass");
    EXPECT_EQ(value(fromStdin("s3cret\r\n")), "s3cret");
    EXPECT_EQ(value(fromStdin("no newline")), "no newline");
    EXPECT_EQ(value(fromStdin("first\nsecond\n")), "first");
    EXPECT_EQ(value(fromStdin("  spaces kept  \n")), "  spaces kept  ");
}

TEST(Password, StdinEmptyOrTooLongIsAnError) {
    EXPECT_THAT(fromStdin("").error(), HasSubstr("no password on standard input"));
    EXPECT_THAT(fromStdin("\n").error(), HasSubstr("empty"));
    EXPECT_THAT(fromStdin(std::string(64, 'p') + "\n").error(), HasSubstr("at most 63 bytes"));
    EXPECT_EQ(value(fromStdin(std::string(63, 'p') + "\n")), std::string(63, 'p'));
}

}  // namespace
}  // namespace goprod::client
