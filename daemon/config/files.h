// Small-file I/O for the configuration and state files: bounded reads and
// atomic replacement. Blocking system calls (fsync): call them where blocking
// for a few milliseconds is acceptable (start-up, the state store's thread).
// No shared state: any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "daemon/core/error.h"

namespace goprod::config {

struct FileContents {
    int error = 0;  // 0, or an errno value (EFBIG: larger than the limit; EINVAL: not a regular file)
    std::string text;
};

// Reads a whole regular file of at most `maxBytes`. Opened non-blocking so a
// FIFO planted in place of a file is refused instead of hanging the caller.
FileContents readSmallFile(const std::filesystem::path& path, std::size_t maxBytes);

// Describes a readSmallFile() error for a message ("No such file or directory").
std::string fileErrorText(int error, std::size_t maxBytes);

// Replaces `path` with `text` so that a crash leaves either the old or the new
// file, never a mix: write a temporary file in the same directory, fsync it,
// rename it over `path`, fsync the directory. The temporary file is named
// ".NAME.tmp-XXXXXX" and removed on failure. Fails with Unavailable.
core::Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view text, mode_t mode);

// fsync()s a directory, making a rename in it durable.
core::Result<void> syncDirectory(const std::filesystem::path& dir);

// Creates `dir` (and missing parents) with `mode`; an existing directory is kept
// as it is (its mode is the administrator's choice). Fails with Unavailable.
core::Result<void> makeDirectories(const std::filesystem::path& dir, mode_t mode);

}  // namespace goprod::config
