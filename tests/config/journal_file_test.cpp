// issue 17: unit tests of the journal file under the capture journal: lines
// come back in order (queued ones included), rotation keeps one older file and
// bounds the size, a line cut short by a kill is skipped and the next starts
// clean, the file is private (0600).
#include "daemon/config/journal_file.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace goprod::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class JournalFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/goprod-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        path_ = dir_ / "capture-journal.jsonl";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static std::string contents(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::filesystem::path dir_;
    std::filesystem::path path_;
};

TEST_F(JournalFileTest, LinesComeBackInOrderAndReachTheFileWhole) {
    auto journal = JournalFile::open(path_, 1 << 20);
    ASSERT_TRUE(journal.has_value()) << journal.error().message;
    (*journal)->append("{\"a\":1}");
    (*journal)->append("{\"b\":2}");
    EXPECT_THAT((*journal)->read(), ElementsAre("{\"a\":1}", "{\"b\":2}")) << "queued or written, in order";
    (*journal)->close();
    EXPECT_EQ(contents(path_), "{\"a\":1}\n{\"b\":2}\n");
    struct stat info {};
    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST_F(JournalFileTest, ReopeningAppends) {
    {
        auto journal = JournalFile::open(path_, 1 << 20);
        ASSERT_TRUE(journal.has_value());
        (*journal)->append("one");
    }
    auto journal = JournalFile::open(path_, 1 << 20);
    ASSERT_TRUE(journal.has_value());
    (*journal)->append("two");
    EXPECT_THAT((*journal)->read(), ElementsAre("one", "two"));
}

TEST_F(JournalFileTest, RotationKeepsOneOlderFileAndBoundsTheSize) {
    auto journal = JournalFile::open(path_, 100);
    ASSERT_TRUE(journal.has_value());
    std::vector<std::string> written;
    for (int i = 0; i < 40; ++i) {
        written.push_back("line " + std::to_string(i) + std::string(10, 'x'));  // 18-19 bytes with the newline
        (*journal)->append(written.back());
    }
    (*journal)->close();
    EXPECT_LE(std::filesystem::file_size(path_), 100U);
    EXPECT_LE(std::filesystem::file_size((*journal)->rotatedPath()), 100U);
    EXPECT_FALSE(std::filesystem::exists(path_.string() + ".2"));
    const auto kept = (*journal)->read();
    ASSERT_FALSE(kept.empty());
    EXPECT_GE(kept.size(), 6U) << "at least a file's worth";
    // The newest lines, in order, none lost between the two files.
    const std::vector<std::string> newest(written.end() - static_cast<std::ptrdiff_t>(kept.size()), written.end());
    EXPECT_EQ(kept, newest);
}

TEST_F(JournalFileTest, TheTailHoldsTheNewestWholeLinesOfTheFileOrOfTheRotatedOne) {
    auto journal = JournalFile::open(path_, 100);
    ASSERT_TRUE(journal.has_value());
    for (int i = 0; i < 10; ++i) (*journal)->append("line " + std::to_string(i) + std::string(10, 'x'));
    (*journal)->close();  // 10 lines of 17 bytes: 5 in the rotated file, 5 in the file
    EXPECT_THAT((*journal)->tail(40), ElementsAre("line 8xxxxxxxxxx", "line 9xxxxxxxxxx"))
        << "a line that began before the last 40 bytes is left out";
    EXPECT_EQ((*journal)->tail(1 << 20).size(), 5U) << "the file's lines only";
    {
        std::ofstream truncate(path_, std::ios::trunc);  // as right after a rotation
    }
    EXPECT_THAT((*journal)->tail(20), ElementsAre("line 4xxxxxxxxxx"));
}

TEST_F(JournalFileTest, ALineCutShortIsSkippedAndTheNextStartsOnItsOwnLine) {
    {
        std::ofstream out(path_, std::ios::binary);
        out << "{\"whole\":1}\n{\"cut\":";  // goprod killed in the middle of a write
    }
    auto journal = JournalFile::open(path_, 1 << 20);
    ASSERT_TRUE(journal.has_value());
    (*journal)->append("{\"after\":2}");
    (*journal)->close();
    EXPECT_EQ(contents(path_), "{\"whole\":1}\n{\"cut\":\n{\"after\":2}\n");
    // The cut line is a whole line now; readers drop it because it does not parse.
    EXPECT_THAT((*journal)->read(), ElementsAre("{\"whole\":1}", "{\"cut\":", "{\"after\":2}"));
}

TEST_F(JournalFileTest, LinesAfterCloseAreDropped) {
    auto journal = JournalFile::open(path_, 1 << 20);
    ASSERT_TRUE(journal.has_value());
    (*journal)->close();
    (*journal)->append("late");
    EXPECT_THAT((*journal)->read(), IsEmpty());
}

TEST_F(JournalFileTest, AnUnwritableDirectoryIsAClearError) {
    auto journal = JournalFile::open(dir_ / "missing" / "capture-journal.jsonl", 1 << 20);
    ASSERT_FALSE(journal.has_value());
    EXPECT_THAT(journal.error().message, ::testing::HasSubstr("cannot open"));
    EXPECT_THAT(journal.error().message, ::testing::HasSubstr("missing/capture-journal.jsonl"));
}

}  // namespace
}  // namespace goprod::config
