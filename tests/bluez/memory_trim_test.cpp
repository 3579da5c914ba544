// runtime::MemoryTrim: the free pages malloc keeps inside its heap after a
// load go back to the system, and nothing happens while RSS stays within slack.
#include "daemon/runtime/memory_trim.h"

#include <chrono>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

namespace goprod::runtime {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// 32 MiB in 8 KiB blocks (below the mmap threshold: they come from the heap),
// then every block freed but one in 64: the survivors pin the heap, so glibc
// keeps the ~31 MiB between them resident until malloc_trim().
std::vector<void*> fragmentedHeap() {
    std::vector<void*> blocks;
    for (int i = 0; i < 4096; ++i) {
        auto* block = static_cast<char*>(std::malloc(8192));
        for (int j = 0; j < 8192; j += 1024) block[j] = 1;  // touched: resident
        blocks.push_back(block);
    }
    std::vector<void*> kept;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i % 64 == 0) {
            kept.push_back(blocks[i]);
        } else {
            std::free(blocks[i]);
        }
    }
    return kept;
}

TEST(MemoryTrim, GivesBackTheFreePagesALoadLeftInTheHeap) {
    EventLoop loop;
    MemoryTrim trim(loop, std::chrono::seconds(10), kMiB);
    const std::size_t before = residentBytes();
    ASSERT_GT(before, 0U);
    const auto kept = fragmentedHeap();
    const std::size_t loaded = residentBytes();
    ASSERT_GT(loaded, before + 16 * kMiB) << "the freed blocks stay resident";

    trim.check();
    EXPECT_EQ(trim.trims(), 1U);
    EXPECT_LT(residentBytes(), before + 4 * kMiB) << "back near the level before the load";
    for (void* block : kept) std::free(block);
}

TEST(MemoryTrim, DoesNothingWhileRssStaysWithinTheSlack) {
    EventLoop loop;
    MemoryTrim trim(loop, std::chrono::seconds(10), 64 * kMiB);
    const auto kept = fragmentedHeap();  // ~32 MiB: less than the slack
    trim.check();
    EXPECT_EQ(trim.trims(), 0U);
    for (void* block : kept) std::free(block);
}

}  // namespace
}  // namespace goprod::runtime
