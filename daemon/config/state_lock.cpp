#include "daemon/config/state_lock.h"

#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/core.h>

#include "daemon/config/files.h"

namespace goprod::config {

namespace {

constexpr std::size_t kMaxPidText = 32;

Unexpected<core::Error> failure(const std::string& what, const std::filesystem::path& path, int error) {
    return core::fail(core::Errc::Unavailable,
                      fmt::format("cannot {} {}: {}", what, path.string(), std::system_category().message(error)));
}

// The holder's pid as it wrote it, or "unknown" (it may not have written it yet).
std::string holderPid(const std::filesystem::path& file) {
    const FileContents contents = readSmallFile(file, kMaxPidText);
    std::string pid;
    for (char c : contents.text) {
        if (c < '0' || c > '9') break;
        pid += c;
    }
    return pid.empty() ? "unknown" : pid;
}

}  // namespace

Result<StateLock> StateLock::acquire(const std::filesystem::path& dir) {
    if (auto made = makeDirectories(dir, 0700); !made) return Unexpected{made.error()};
    const auto file = dir / kLockFileName;
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return failure("open", file, errno);
    StateLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        if (error != EWOULDBLOCK) return failure("lock", file, error);
        return core::fail(
            core::Errc::Unavailable,
            fmt::format("the state directory {} is in use by another goprod (pid {})", dir.string(), holderPid(file)));
    }
    const std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        return failure("write", file, errno);
    }
    return lock;
}

StateLock::~StateLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace goprod::config
