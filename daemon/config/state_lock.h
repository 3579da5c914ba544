// The state directory's lock: STATE_DIR/lock, held with flock(2) for as long as
// the daemon runs, so that two daemons never share the known cameras (nor the
// cameras themselves). The holder's pid is written in the file for the message
// a second daemon gives. The kernel releases the lock when the process dies, so
// a lock file left by a crash never blocks a start.
// Main thread, at start-up (before the state store is read).
#pragma once

#include <filesystem>
#include <string_view>

#include "daemon/core/error.h"

namespace goprod::config {

using core::Result;

inline constexpr std::string_view kLockFileName = "lock";

class StateLock {
public:
    // Creates the directory (0700) if missing and takes the lock. Fails with
    // Unavailable: "the state directory DIR is in use by another goprod (pid N)",
    // or the I/O error that kept it from being taken.
    static Result<StateLock> acquire(const std::filesystem::path& dir);

    StateLock(StateLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    StateLock& operator=(StateLock&&) = delete;
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;
    ~StateLock();  // releases it

private:
    explicit StateLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace goprod::config
