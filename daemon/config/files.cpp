#include "daemon/config/files.h"

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace goprod::config {

namespace {

std::string errnoText(int error) { return std::system_category().message(error); }

Unexpected<core::Error> ioFailure(const std::string& what, const std::filesystem::path& path, int error) {
    return core::fail(core::Errc::Unavailable, what + " " + path.string() + ": " + errnoText(error));
}

// Closes a descriptor on every path out of a function.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&&) = delete;
    FileDescriptor& operator=(FileDescriptor&&) = delete;

    int get() const { return fd_; }
    // Closes now, reporting the error: on some file systems close() is where a
    // failed write shows up.
    int close() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

private:
    int fd_;
};

}  // namespace

FileContents readSmallFile(const std::filesystem::path& path, std::size_t maxBytes) {
    FileContents out;
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
    if (fd.get() < 0) {
        out.error = errno;
        return out;
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) {
        out.error = errno;
        return out;
    }
    if (S_ISDIR(st.st_mode)) {
        out.error = EISDIR;
        return out;
    }
    if (!S_ISREG(st.st_mode)) {
        out.error = EINVAL;
        return out;
    }
    // One byte more than the limit tells "exactly at the limit" from "larger".
    std::vector<char> buffer(maxBytes + 1);
    std::size_t used = 0;
    while (used < buffer.size()) {
        const ssize_t n = ::read(fd.get(), buffer.data() + used, buffer.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            out.error = errno;
            return out;
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    if (used > maxBytes) {
        out.error = EFBIG;
        return out;
    }
    out.text.assign(buffer.data(), used);
    return out;
}

std::string fileErrorText(int error, std::size_t maxBytes) {
    if (error == EFBIG) return "larger than " + std::to_string(maxBytes) + " bytes";
    if (error == EINVAL) return "not a regular file";
    return errnoText(error);
}

core::Result<void> syncDirectory(const std::filesystem::path& dir) {
    FileDescriptor fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (fd.get() < 0) return ioFailure("cannot open directory", dir, errno);
    if (fsync(fd.get()) != 0) return ioFailure("cannot sync directory", dir, errno);
    return {};
}

core::Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view text, mode_t mode) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    std::string name = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    FileDescriptor fd{mkostemp(name.data(), O_CLOEXEC)};
    if (fd.get() < 0) return ioFailure("cannot create a temporary file in", dir, errno);
    const std::filesystem::path temporary = name;

    auto failWith = [&](const std::string& what, const std::filesystem::path& subject, int error) {
        ::unlink(temporary.c_str());
        return ioFailure(what, subject, error);
    };

    if (fchmod(fd.get(), mode) != 0) return failWith("cannot set the mode of", temporary, errno);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return failWith("cannot write", temporary, errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (fsync(fd.get()) != 0) return failWith("cannot sync", temporary, errno);
    if (fd.close() != 0) return failWith("cannot close", temporary, errno);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) return failWith("cannot rename over", path, errno);
    return syncDirectory(dir);
}

core::Result<void> makeDirectories(const std::filesystem::path& dir, mode_t mode) {
    std::filesystem::path current;
    for (const auto& part : dir) {
        current /= part;
        if (::mkdir(current.c_str(), mode) == 0) continue;
        const int error = errno;
        struct stat st {};
        if (error == EEXIST && ::stat(current.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
        return ioFailure("cannot create directory", current, error == EEXIST ? ENOTDIR : error);
    }
    return {};
}

}  // namespace goprod::config
