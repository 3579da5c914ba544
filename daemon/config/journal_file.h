// issue 17: a journal of text lines in the state directory (the capture
// journal), appended on a thread of its own so that a write (and its
// fdatasync) never stalls the caller. Bounded: when the file would pass
// `maxBytes` it becomes NAME.1 (replacing the older one) and a new file starts.
//
// Whole lines only: each line goes to the file in one write(2) with its
// newline. A line cut short (goprod killed in the middle of a write, a full
// disk) is ended with a newline when the file is opened again, so the next
// line starts clean, and readers skip it because it does not parse.
//
// Threading: append(), read(), tail() and close() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/error.h"

namespace goprod::config {

class JournalFile {
public:
    // Opens (creates, mode 0600) `path` and starts the writer thread.
    static core::Result<std::unique_ptr<JournalFile>> open(std::filesystem::path path, std::uint64_t maxBytes);
    ~JournalFile();  // close()
    JournalFile(const JournalFile&) = delete;
    JournalFile& operator=(const JournalFile&) = delete;

    // Queues `line` (without its newline; it must hold none). Lines after close() are dropped.
    void append(std::string line);
    // Every whole line, the rotated file's first, including those still queued.
    std::vector<std::string> read();
    // The whole lines in the last `bytes` of the file (of the rotated one when the
    // file has none), queued lines left out: the newest entries, without reading all.
    std::vector<std::string> tail(std::uint64_t bytes);
    // Writes what is queued, then stops the thread.
    void close();

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path rotatedPath() const;

private:
    JournalFile(std::filesystem::path path, std::uint64_t maxBytes, int fd, std::uint64_t size);
    void run();
    void writeLocked(const std::string& line);  // under fileMutex_
    void rotateLocked();

    const std::filesystem::path path_;
    const std::uint64_t maxBytes_;

    std::mutex fileMutex_;  // the file: writes, rotation and reads
    int fd_ = -1;
    std::uint64_t size_ = 0;
    bool failing_ = false;  // a write failed: said once, until one succeeds again

    std::mutex queueMutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    bool closing_ = false;
    std::thread thread_;  // last: starts once the rest exists
};

}  // namespace goprod::config
