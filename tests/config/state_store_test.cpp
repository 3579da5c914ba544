// Unit tests of the known-camera store (cameras.toml in the state directory).
#include "daemon/config/state_store.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/config/temp_dir.h"

namespace goprod::config {
namespace {

using test::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

KnownCamera camera(std::string identifier, std::string address) {
    KnownCamera c;
    c.identifier = std::move(identifier);
    c.address = std::move(address);
    c.name = "GoPro " + c.identifier;
    c.model = "HERO12 Black";
    c.firmware = "H23.01.01.10.00";
    c.serial = "C35013245" + c.identifier;
    c.lastSeenUnix = 1712345678;
    c.autoConnect = true;
    return c;
}

std::vector<std::string> filesIn(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

mode_t modeOf(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
}

TEST(StateStore, MissingFileLoadsEmptyAndCreatesTheDirectory0700) {
    TempDir tmp;
    const auto dir = tmp.path() / "var" / "goprod";
    StateStore store{dir};
    auto cameras = store.load();
    ASSERT_TRUE(cameras.has_value()) << cameras.error().message;
    EXPECT_THAT(*cameras, IsEmpty());
    ASSERT_TRUE(std::filesystem::is_directory(dir));
    EXPECT_EQ(modeOf(dir), 0700U);
}

TEST(StateStore, SaveCreatesTheDirectory0700) {
    TempDir tmp;
    const auto dir = tmp.path() / "state";
    StateStore store{dir};
    ASSERT_TRUE(store.save({camera("0456", "F1:2A:3B:4C:5D:6E")}).has_value());
    EXPECT_EQ(modeOf(dir), 0700U);
    EXPECT_EQ(modeOf(store.file()), 0600U);
}

TEST(StateStore, SavedCamerasLoadBackUnchanged) {
    TempDir tmp;
    StateStore store{tmp.path()};
    auto second = camera("1234", "AA:BB:CC:DD:EE:FF");
    second.autoConnect = false;
    second.model.clear();  // not known yet
    second.lastSeenUnix = 0;
    second.name = "It's \"Dad's\" cam \\ caméra ✓";  // quotes, backslash, UTF-8 survive the writer
    second.adapter = "00:1A:7D:DA:71:14";  // issue 16: placement
    second.pinnedAdapter = "hci1";
    second.priority = -7;
    const std::vector<KnownCamera> saved = {camera("0456", "F1:2A:3B:4C:5D:6E"), second};
    auto result = store.save(saved);
    ASSERT_TRUE(result.has_value()) << result.error().message;

    std::vector<std::string> warnings;
    auto loaded = StateStore{tmp.path()}.load(&warnings);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(*loaded, saved);
    EXPECT_THAT(warnings, IsEmpty());
}

TEST(StateStore, SaveReplacesTheFileAndLeavesNoTemporaryFile) {
    TempDir tmp;
    StateStore store{tmp.path()};
    ASSERT_TRUE(store.save({camera("0456", "F1:2A:3B:4C:5D:6E"), camera("1234", "AA:BB:CC:DD:EE:FF")}).has_value());
    ASSERT_TRUE(store.save({camera("1234", "AA:BB:CC:DD:EE:FF")}).has_value());
    EXPECT_THAT(filesIn(tmp.path()), ElementsAre("cameras.toml"));
    auto loaded = store.load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded, std::vector<KnownCamera>{camera("1234", "AA:BB:CC:DD:EE:FF")});
}

TEST(StateStore, EmptyListIsSavedAndLoaded) {
    TempDir tmp;
    StateStore store{tmp.path()};
    ASSERT_TRUE(store.save({}).has_value());
    auto loaded = store.load();
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_THAT(*loaded, IsEmpty());
}

TEST(StateStore, LoadRemovesTemporaryFilesLeftByACrash) {
    TempDir tmp;
    tmp.write(".cameras.toml.tmp-Ab12Cd", "half a file");
    tmp.write("unrelated", "kept");
    ASSERT_TRUE(StateStore{tmp.path()}.load().has_value());
    EXPECT_THAT(filesIn(tmp.path()), ElementsAre("unrelated"));
}

TEST(StateStore, CorruptFileErrorNamesFileAndLine) {
    TempDir tmp;
    const auto file = tmp.write("cameras.toml", "version = 1\n[[camera]]\nidentifier = \"0456\nbroken\n");
    auto loaded = StateStore{tmp.path()}.load();
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(loaded.error().message, HasSubstr(file.string() + ":3:"));
}

TEST(StateStore, WrongStructureIsCorrupt) {
    TempDir tmp;
    const auto file = tmp.write("cameras.toml", "version = 1\n\ncamera = \"0456\"\n");
    auto loaded = StateStore{tmp.path()}.load();
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(loaded.error().message, HasSubstr(file.string() + ":3: 'camera' is not an array"));
}

TEST(StateStore, NewerFormatVersionIsRefused) {
    TempDir tmp;
    tmp.write("cameras.toml", "version = 2\n");
    auto loaded = StateStore{tmp.path()}.load();
    ASSERT_FALSE(loaded.has_value());
    EXPECT_THAT(loaded.error().message, HasSubstr("cameras.toml:1: unsupported format version 2"));
}

TEST(StateStore, QuarantineMovesTheCorruptFileAsideAndTheNextLoadIsEmpty) {
    TempDir tmp;
    tmp.write("cameras.toml", "[[camera]\n");
    StateStore store{tmp.path()};
    ASSERT_FALSE(store.load().has_value());

    auto moved = store.quarantine();
    ASSERT_TRUE(moved.has_value()) << moved.error().message;
    EXPECT_EQ(moved->parent_path(), tmp.path());
    EXPECT_THAT(moved->filename().string(), HasSubstr("cameras.toml.bad-"));
    EXPECT_EQ(test::readText(*moved), "[[camera]\n");
    EXPECT_FALSE(std::filesystem::exists(store.file()));

    auto loaded = store.load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_THAT(*loaded, IsEmpty());
}

TEST(StateStore, QuarantineNeverOverwritesAnEarlierCopy) {
    TempDir tmp;
    StateStore store{tmp.path()};
    tmp.write("cameras.toml", "first");
    auto first = store.quarantine();
    tmp.write("cameras.toml", "second");
    auto second = store.quarantine();
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(*first, *second);
    EXPECT_EQ(test::readText(*first), "first");
    EXPECT_EQ(test::readText(*second), "second");
}

TEST(StateStore, QuarantineWithoutAFileFails) {
    TempDir tmp;
    auto moved = StateStore{tmp.path()}.quarantine();
    ASSERT_FALSE(moved.has_value());
    EXPECT_EQ(moved.error().code, core::Errc::Unavailable);
}

TEST(StateStore, InvalidEntriesAreSkippedWithAWarningNamingTheirLine) {
    TempDir tmp;
    tmp.write("cameras.toml", R"(version = 1

[[camera]]
identifier = "0456"
address = "f1:2a:3b:4c:5d:6e"

[[camera]]
identifier = "45a"
address = "AA:BB:CC:DD:EE:01"

[[camera]]
identifier = "1111"
address = "AA-BB-CC-DD-EE-02"

[[camera]]
identifier = "2222"

[[camera]]
identifier = "3333"
address = "AA:BB:CC:DD:EE:03"
last_seen = "yesterday"

[[camera]]
identifier = "0456"
address = "AA:BB:CC:DD:EE:04"

[[camera]]
identifier = "4444"
address = "AA:BB:CC:DD:EE:05"
colour = "red"
)");
    std::vector<std::string> warnings;
    auto loaded = StateStore{tmp.path()}.load(&warnings);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    ASSERT_EQ(loaded->size(), 2U);
    EXPECT_EQ((*loaded)[0].identifier, "0456");
    EXPECT_EQ((*loaded)[0].address, "F1:2A:3B:4C:5D:6E");  // BlueZ spells addresses in upper case
    EXPECT_TRUE((*loaded)[0].autoConnect);
    EXPECT_EQ((*loaded)[1].identifier, "4444");
    EXPECT_THAT(warnings,
                ElementsAre(HasSubstr("cameras.toml:7: camera entry skipped: identifier '45a'"),
                            HasSubstr("cameras.toml:11: camera entry skipped: address 'AA-BB-CC-DD-EE-02'"),
                            HasSubstr("cameras.toml:15: camera entry skipped: address is missing"),
                            HasSubstr("cameras.toml:18: camera entry skipped: last_seen"),
                            HasSubstr("cameras.toml:23: camera entry skipped: 0456 AA:BB:CC:DD:EE:04 is listed twice"),
                            HasSubstr("cameras.toml:27: unknown key 'colour' ignored")));
}

// issue 16
TEST(StateStore, APriorityOutOfRangeSkipsTheEntry) {
    TempDir tmp;
    tmp.write("cameras.toml", "version = 1\n[[camera]]\nidentifier = \"0456\"\naddress = \"F1:2A:3B:4C:5D:6E\"\npriority = 101\n");
    std::vector<std::string> warnings;
    auto loaded = StateStore{tmp.path()}.load(&warnings);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_THAT(*loaded, IsEmpty());
    EXPECT_THAT(warnings, ElementsAre(HasSubstr("priority 101 is not within -100..100")));
}

TEST(StateStore, EntriesBeyondTheLimitAreSkipped) {
    TempDir tmp;
    std::string text = "version = 1\n";
    const std::size_t count = kMaxKnownCameras + 3;
    for (std::size_t i = 0; i < count; ++i) {
        char entry[128];
        std::snprintf(entry, sizeof entry,
                      "[[camera]]\nidentifier = \"%04zu\"\naddress = \"AA:BB:CC:DD:%02zX:%02zX\"\n", i % 10000,
                      (i >> 8) & 0xff, i & 0xff);
        text += entry;
    }
    tmp.write("cameras.toml", text);
    std::vector<std::string> warnings;
    auto loaded = StateStore{tmp.path()}.load(&warnings);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->size(), kMaxKnownCameras);
    EXPECT_THAT(warnings, ElementsAre(HasSubstr("skipped: more than 1024")));
}

TEST(StateStore, SaveRefusesInvalidDuplicateOrTooManyEntriesAndKeepsTheFile) {
    TempDir tmp;
    StateStore store{tmp.path()};
    const std::vector<KnownCamera> good = {camera("0456", "F1:2A:3B:4C:5D:6E")};
    ASSERT_TRUE(store.save(good).has_value());

    auto bad = store.save({camera("45", "F1:2A:3B:4C:5D:6E")});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, core::Errc::InvalidArgument);

    auto duplicate = store.save({camera("0456", "F1:2A:3B:4C:5D:6E"), camera("0456", "AA:BB:CC:DD:EE:FF")});
    ASSERT_FALSE(duplicate.has_value());
    EXPECT_THAT(duplicate.error().message, HasSubstr("listed twice"));

    auto sameAddress = store.save({camera("0456", "F1:2A:3B:4C:5D:6E"), camera("1234", "f1:2a:3b:4c:5d:6e")});
    ASSERT_FALSE(sameAddress.has_value());

    auto control = camera("1234", "AA:BB:CC:DD:EE:FF");
    control.name = "bad\nname";
    ASSERT_FALSE(store.save({control}).has_value());

    std::vector<KnownCamera> many(kMaxKnownCameras + 1, camera("0456", "F1:2A:3B:4C:5D:6E"));
    auto tooMany = store.save(many);
    ASSERT_FALSE(tooMany.has_value());
    EXPECT_EQ(tooMany.error().code, core::Errc::ResourceExhausted);

    auto loaded = store.load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded, good);
}

TEST(StateStore, ValidationAcceptsOnlyFourDigitIdentifiersAndColonAddresses) {
    EXPECT_EQ(validateKnownCamera(camera("0456", "F1:2A:3B:4C:5D:6E")), "");
    EXPECT_EQ(validateKnownCamera(camera("0456", "f1:2a:3b:4c:5d:6e")), "");
    EXPECT_NE(validateKnownCamera(camera("04567", "F1:2A:3B:4C:5D:6E")), "");
    EXPECT_NE(validateKnownCamera(camera("", "F1:2A:3B:4C:5D:6E")), "");
    EXPECT_NE(validateKnownCamera(camera("0456", "F1:2A:3B:4C:5D")), "");
    EXPECT_NE(validateKnownCamera(camera("0456", "F1:2A:3B:4C:5D:6G")), "");
    EXPECT_NE(validateKnownCamera(camera("0456", "F12:A:3B:4C:5D:6E")), "");
    auto longName = camera("0456", "F1:2A:3B:4C:5D:6E");
    longName.name = std::string(257, 'x');
    EXPECT_THAT(validateKnownCamera(longName), HasSubstr("longer than 256"));
    auto utf8 = camera("0456", "F1:2A:3B:4C:5D:6E");
    utf8.name = "Caméra \xE2\x9C\x93";
    EXPECT_EQ(validateKnownCamera(utf8), "");
    for (const char* bad : {"\xFF", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
        utf8.name = bad;
        EXPECT_THAT(validateKnownCamera(utf8), HasSubstr("not valid UTF-8")) << bad;
    }
}

TEST(StateStore, StateDirThatIsAFileIsUnavailable) {
    TempDir tmp;
    const auto notDir = tmp.write("state", "a file");
    auto loaded = StateStore{notDir}.load();
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, core::Errc::Unavailable);
    EXPECT_THAT(loaded.error().message, HasSubstr(notDir.string()));
}

}  // namespace
}  // namespace goprod::config
