#include "daemon/config/journal_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace goprod::config {

namespace {

std::string errnoText(int error) { return std::generic_category().message(error); }

int openForAppend(const std::filesystem::path& path) {
    return ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);  // read: the last byte
}

// One write(2) for the whole line where the kernel allows it; a short write
// (a signal, a full disk) goes on where it stopped.
bool writeAll(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// The whole lines of a file, or of its last `fromEnd` bytes; a last line without
// its newline is still being written (or was cut short) and is left out.
void readLines(const std::filesystem::path& path, std::vector<std::string>& lines, std::uint64_t fromEnd = UINT64_MAX) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(in.tellg(), 0));
    in.seekg(static_cast<std::streamoff>(size > fromEnd ? size - fromEnd : 0));
    if (size > fromEnd) std::getline(in, line);  // the rest of a line that began before
    while (std::getline(in, line)) {
        if (in.eof()) break;  // no newline after it
        if (!line.empty()) lines.push_back(std::move(line));
    }
}

}  // namespace

core::Result<std::unique_ptr<JournalFile>> JournalFile::open(std::filesystem::path path, std::uint64_t maxBytes) {
    const int fd = openForAppend(path);
    if (fd < 0) {
        return core::fail(core::Errc::Unavailable, "cannot open " + path.string() + ": " + errnoText(errno));
    }
    struct stat info {};
    std::uint64_t size = ::fstat(fd, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    // A line cut short by a kill: end it, so that the next one starts on its own line.
    if (size > 0) {
        char last = '\n';
        if (::pread(fd, &last, 1, static_cast<off_t>(size - 1)) == 1 && last != '\n' && writeAll(fd, "\n")) ++size;
    }
    return std::unique_ptr<JournalFile>(new JournalFile(std::move(path), maxBytes, fd, size));
}

JournalFile::JournalFile(std::filesystem::path path, std::uint64_t maxBytes, int fd, std::uint64_t size)
    : path_(std::move(path)), maxBytes_(maxBytes), fd_(fd), size_(size), thread_([this] { run(); }) {}

JournalFile::~JournalFile() {
    close();
    if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path JournalFile::rotatedPath() const { return path_.string() + ".1"; }

void JournalFile::append(std::string line) {
    std::lock_guard lock(queueMutex_);
    if (closing_) return;
    queue_.push_back(std::move(line));
    wake_.notify_one();
}

std::vector<std::string> JournalFile::read() {
    std::vector<std::string> lines;
    // The file lock first, then the queue's (the writer's order): a line is
    // either in a file or still queued, never in between.
    std::lock_guard fileLock(fileMutex_);
    readLines(rotatedPath(), lines);
    readLines(path_, lines);
    std::lock_guard queueLock(queueMutex_);
    lines.insert(lines.end(), queue_.begin(), queue_.end());
    return lines;
}

std::vector<std::string> JournalFile::tail(std::uint64_t bytes) {
    std::vector<std::string> lines;
    std::lock_guard fileLock(fileMutex_);
    readLines(path_, lines, bytes);
    if (lines.empty()) readLines(rotatedPath(), lines, bytes);  // just rotated
    return lines;
}

void JournalFile::close() {
    {
        std::lock_guard lock(queueMutex_);
        closing_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void JournalFile::run() {
    for (;;) {
        {
            std::unique_lock lock(queueMutex_);
            wake_.wait(lock, [this] { return !queue_.empty() || closing_; });
            if (queue_.empty()) return;  // closing, and everything is written
        }
        std::lock_guard fileLock(fileMutex_);
        std::deque<std::string> batch;
        {
            std::lock_guard lock(queueMutex_);
            batch.swap(queue_);
        }
        for (const auto& line : batch) writeLocked(line);
        // On disk before the next batch: a capture's evidence should outlive a power cut.
        if (fd_ >= 0) ::fdatasync(fd_);
    }
}

void JournalFile::writeLocked(const std::string& line) {
    const std::string text = line + '\n';
    if (size_ > 0 && size_ + text.size() > maxBytes_) rotateLocked();
    if (fd_ >= 0 && writeAll(fd_, text)) {
        size_ += text.size();
        if (failing_) spdlog::info("capture journal: writing to {} again", path_.string());
        failing_ = false;
        return;
    }
    if (!failing_) spdlog::error("capture journal: cannot write to {}: {}", path_.string(), errnoText(errno));
    failing_ = true;
}

void JournalFile::rotateLocked() {
    if (fd_ >= 0) ::close(fd_);
    if (::rename(path_.c_str(), rotatedPath().c_str()) != 0) {
        spdlog::error("capture journal: cannot rotate {}: {}", path_.string(), errnoText(errno));
    }
    fd_ = openForAppend(path_);
    size_ = 0;
}

}  // namespace goprod::config
