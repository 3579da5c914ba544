// Unit tests of the state writer: saves on its own thread, merges saves that
// pile up (the latest snapshot wins), reports errors, flushes on close. The
// write function is the test's: it can hold a write until the test lets it go.
#include "daemon/config/state_writer.h"

#include <future>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace goprod::config {
namespace {

using ::testing::ElementsAre;

std::vector<KnownCamera> snapshot(const std::string& identifier) {
    KnownCamera c;
    c.identifier = identifier;
    return {c};
}

// The writer's side: records what is written, can hold the first write, fails on demand.
struct Disk {
    std::mutex mutex;
    std::vector<std::string> written;  // the identifier of each snapshot written
    std::promise<void> firstStarted;
    std::shared_future<void> releaseFirst;  // invalid: never hold
    std::string failWith;                   // non-empty: every write fails with it

    Result<void> write(const std::vector<KnownCamera>& cameras) {
        bool first = false;
        std::string error;
        {
            std::lock_guard lock(mutex);
            first = written.empty();
            written.push_back(cameras.empty() ? "" : cameras.front().identifier);
            error = failWith;
        }
        if (first) {
            firstStarted.set_value();
            if (releaseFirst.valid()) releaseFirst.wait();
        }
        if (!error.empty()) return core::fail(core::Errc::Unavailable, error);
        return {};
    }
};

// The core thread's side: posted callbacks wait here until the test runs them.
struct Posted {
    std::mutex mutex;
    std::vector<std::function<void()>> tasks;
    void post(std::function<void()> task) {
        std::lock_guard lock(mutex);
        tasks.push_back(std::move(task));
    }
    void runAll() {
        std::vector<std::function<void()>> now;
        {
            std::lock_guard lock(mutex);
            now.swap(tasks);
        }
        for (auto& task : now) task();
    }
};

std::string outcome(const Result<void>& result) { return result ? "ok" : result.error().message; }

TEST(StateWriter, SavesThatPileUpMergeAndTheLatestSnapshotWins) {
    Disk disk;
    std::promise<void> release;
    disk.releaseFirst = release.get_future().share();
    Posted posted;
    std::vector<std::string> heard;
    {
        StateWriter writer([&disk](const auto& cameras) { return disk.write(cameras); },
                           [&posted](auto task) { posted.post(std::move(task)); });
        writer.save(snapshot("0001"), [&heard](Result<void> r) { heard.push_back("0001 " + outcome(r)); });
        disk.firstStarted.get_future().wait();  // 0001 is being written: the next saves pile up
        writer.save(snapshot("0002"), [&heard](Result<void> r) { heard.push_back("0002 " + outcome(r)); });
        writer.save(snapshot("0003"), [&heard](Result<void> r) { heard.push_back("0003 " + outcome(r)); });
        writer.save(snapshot("0004"), [&heard](Result<void> r) { heard.push_back("0004 " + outcome(r)); });
        release.set_value();
        writer.close();
    }
    EXPECT_THAT(disk.written, ElementsAre("0001", "0004")) << "0002 and 0003 were replaced before their turn";
    EXPECT_TRUE(heard.empty()) << "callbacks run only where they are posted";
    posted.runAll();
    EXPECT_THAT(heard, ElementsAre("0001 ok", "0002 ok", "0003 ok", "0004 ok"));
}

TEST(StateWriter, AFailedWriteIsReportedToEveryCallerItCovers) {
    Disk disk;
    disk.failWith = "could not write cameras.toml: Is a directory";
    std::promise<void> release;
    disk.releaseFirst = release.get_future().share();
    Posted posted;
    std::vector<std::string> heard;
    StateWriter writer([&disk](const auto& cameras) { return disk.write(cameras); },
                       [&posted](auto task) { posted.post(std::move(task)); });
    writer.save(snapshot("0001"), [&heard](Result<void> r) { heard.push_back(outcome(r)); });
    disk.firstStarted.get_future().wait();
    writer.save(snapshot("0002"), [&heard](Result<void> r) { heard.push_back(outcome(r)); });
    writer.save(snapshot("0003"), [&heard](Result<void> r) { heard.push_back(outcome(r)); });
    {
        std::lock_guard lock(disk.mutex);
        disk.failWith.clear();  // the disk recovers before the merged write
    }
    release.set_value();
    writer.close();
    posted.runAll();
    EXPECT_THAT(heard, ElementsAre("could not write cameras.toml: Is a directory", "ok", "ok"));
}

TEST(StateWriter, CloseWritesTheLastSnapshotThenRefusesSaves) {
    Disk disk;
    std::promise<void> release;
    disk.releaseFirst = release.get_future().share();
    Posted posted;
    StateWriter writer([&disk](const auto& cameras) { return disk.write(cameras); },
                       [&posted](auto task) { posted.post(std::move(task)); });
    writer.save(snapshot("0001"));
    disk.firstStarted.get_future().wait();
    writer.save(snapshot("0002"));  // not written yet when close() is called
    auto closed = std::async(std::launch::async, [&writer] { writer.close(); });
    release.set_value();
    closed.get();
    EXPECT_THAT(disk.written, ElementsAre("0001", "0002"));

    std::string heard;
    writer.save(snapshot("0003"), [&heard](Result<void> r) { heard = outcome(r); });
    posted.runAll();
    EXPECT_EQ(heard, "goprod is stopping");
    EXPECT_THAT(disk.written, ElementsAre("0001", "0002"));
}

}  // namespace
}  // namespace goprod::config
