// Unit tests of the logging setup and log level names.
#include "daemon/config/logging.h"

#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace goprod::config {
namespace {

using ::testing::HasSubstr;

TEST(Logging, ParsesEveryLevelName) {
    const std::pair<const char*, spdlog::level::level_enum> cases[] = {
        {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},         {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
        {"critical", spdlog::level::critical}, {"off", spdlog::level::off},
    };
    for (const auto& [name, level] : cases) {
        auto parsed = parseLogLevel(name);
        ASSERT_TRUE(parsed.has_value()) << name;
        EXPECT_EQ(*parsed, level) << name;
    }
}

TEST(Logging, LevelNamesRoundTrip) {
    for (auto level : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                       spdlog::level::err, spdlog::level::critical, spdlog::level::off}) {
        auto parsed = parseLogLevel(logLevelName(level));
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(*parsed, level);
    }
    EXPECT_EQ(logLevelName(spdlog::level::warn), "warn");
}

TEST(Logging, UnknownLevelIsAnErrorListingTheLevels) {
    for (const char* text : {"", "INFO", "verbose", "info "}) {
        auto parsed = parseLogLevel(text);
        ASSERT_FALSE(parsed.has_value()) << text;
        EXPECT_EQ(parsed.error().code, core::Errc::InvalidArgument);
        EXPECT_THAT(parsed.error().message, HasSubstr("trace, debug, info, warn, error, critical, off"));
    }
}

// Restores JOURNAL_STREAM as it was.
class JournalStreamEnv : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* value = std::getenv("JOURNAL_STREAM")) saved_ = value;
        had_ = std::getenv("JOURNAL_STREAM") != nullptr;
    }
    void TearDown() override {
        if (had_) {
            setenv("JOURNAL_STREAM", saved_.c_str(), 1);
        } else {
            unsetenv("JOURNAL_STREAM");
        }
    }
    static std::string stderrIdentity() {
        struct stat st {};
        EXPECT_EQ(fstat(STDERR_FILENO, &st), 0);
        return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    }

private:
    std::string saved_;
    bool had_ = false;
};

TEST_F(JournalStreamEnv, StderrIsTheJournalOnlyWhenTheVariableNamesIt) {
    unsetenv("JOURNAL_STREAM");
    EXPECT_FALSE(stderrIsJournal());
    setenv("JOURNAL_STREAM", stderrIdentity().c_str(), 1);
    EXPECT_TRUE(stderrIsJournal());
    setenv("JOURNAL_STREAM", "1:2", 1);  // inherited, but stderr was redirected since
    EXPECT_FALSE(stderrIsJournal());
    setenv("JOURNAL_STREAM", "garbage", 1);
    EXPECT_FALSE(stderrIsJournal());
}

TEST_F(JournalStreamEnv, SetupInstallsTheGoprodDefaultLoggerAtTheLevel) {
    for (bool journal : {false, true}) {
        if (journal) {
            setenv("JOURNAL_STREAM", stderrIdentity().c_str(), 1);
        } else {
            unsetenv("JOURNAL_STREAM");
        }
        setupLogging(spdlog::level::warn);
        auto logger = spdlog::default_logger();
        ASSERT_NE(logger, nullptr);
        EXPECT_EQ(logger->name(), "goprod");
        EXPECT_EQ(logger->level(), spdlog::level::warn);
        EXPECT_EQ(spdlog::get("goprod"), logger);
        spdlog::debug("below the level: not written");
    }
    setupLogging(spdlog::level::info);  // again: replaces the logger instead of failing on the name
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

}  // namespace
}  // namespace goprod::config
