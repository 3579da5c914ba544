// Unit tests of the state directory's lock (STATE_DIR/lock, flock). Two opens of
// the file conflict even within one process: flock belongs to the open file.
#include "daemon/config/state_lock.h"

#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/config/temp_dir.h"

namespace goprod::config {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

std::string contents(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(StateLock, TheHolderWritesItsPidInTheLockFile) {
    TempDir dir;
    const auto lock = StateLock::acquire(dir.path());
    ASSERT_TRUE(lock) << lock.error().message;
    EXPECT_EQ(contents(dir.path() / "lock"), std::to_string(getpid()) + "\n");
}

TEST(StateLock, ASecondHolderIsRefusedWithTheDirectoryAndThePidOfTheFirst) {
    TempDir dir;
    const auto first = StateLock::acquire(dir.path());
    ASSERT_TRUE(first) << first.error().message;
    const auto second = StateLock::acquire(dir.path());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, "the state directory " + dir.path().string() +
                                          " is in use by another goprod (pid " + std::to_string(getpid()) + ")");
}

TEST(StateLock, ReleasedWhenItsHolderGoes) {
    TempDir dir;
    { ASSERT_TRUE(StateLock::acquire(dir.path())); }
    const auto again = StateLock::acquire(dir.path());
    EXPECT_TRUE(again) << again.error().message;
}

TEST(StateLock, ALockFileLeftByADeadProcessDoesNotBlock) {
    TempDir dir;
    dir.write("lock", "999999\n");
    const auto lock = StateLock::acquire(dir.path());
    ASSERT_TRUE(lock) << lock.error().message;
    EXPECT_EQ(contents(dir.path() / "lock"), std::to_string(getpid()) + "\n");
}

TEST(StateLock, CreatesAMissingStateDirectoryPrivate) {
    TempDir dir;
    const auto state = dir.path() / "state";
    const auto lock = StateLock::acquire(state);
    ASSERT_TRUE(lock) << lock.error().message;
    struct stat info {};
    ASSERT_EQ(stat(state.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700U);
}

TEST(StateLock, AnUnusableDirectoryIsReported) {
    TempDir dir;
    const auto file = dir.write("not-a-directory", "");
    const auto lock = StateLock::acquire(file);
    ASSERT_FALSE(lock);
    EXPECT_THAT(lock.error().message, HasSubstr(file.string()));
}

}  // namespace
}  // namespace goprod::config
