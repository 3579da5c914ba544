// The cameras the daemon knows (paired before), persisted as STATE_DIR/cameras.toml
// so they are reconnected after a restart. Blocking file I/O with fsync: use one
// StateStore from one thread at a time (start-up, then whichever thread saves),
// never from the D-Bus loop thread.
//
// Writes are atomic: a crash leaves the old file or the new one, never a mix.
//
// A corrupt file (bad TOML, wrong structure, a format version this build does not
// read) makes load() fail with InvalidArgument naming the file and line. The
// daemon then logs it, calls quarantine() (which renames the file to
// cameras.toml.bad-<UTC time> for a human to look at) and starts with no known
// cameras: losing the pairing list is better than refusing to start. Any other
// failure (Unavailable: the directory or file cannot be read or written) is fatal
// at start-up: quarantining a file that could not even be read would be wrong.
//
// Entries that parse but are invalid (identifier not four digits, malformed
// address, a duplicate, beyond kMaxKnownCameras) are skipped with a warning each;
// the rest of the file still loads. An unknown key is ignored with a warning (its
// entry is kept: a newer goprod may have written it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/error.h"

namespace goprod::config {

inline constexpr std::size_t kMaxKnownCameras = kMaxCamerasLimit;
inline constexpr std::string_view kCamerasFileName = "cameras.toml";

struct KnownCamera {
    std::string identifier;         // the four digits ending the camera's name: "0456"
    std::string address;            // Bluetooth address, upper-case hex: "F1:2A:3B:4C:5D:6E"
    std::string name;               // advertised name: "GoPro 0456"
    std::string model;              // "HERO12 Black" ("" = not known yet)
    std::string firmware;           // "H23.01.01.10.00"
    std::string serial;             // "C3501324500456"
    std::int64_t lastSeenUnix = 0;  // last connection, seconds since the epoch (0 = never)
    bool autoConnect = true;        // connect at start and after a link loss
    std::string adapter;            // issue 16: address of the adapter it last connected through ("" = none)
    std::string pinnedAdapter;      // issue 16: the adapter a user pinned it to (name or address; "" = any)
    std::int64_t priority = 0;      // issue 16: higher first when adapters lack room (-100..100)

    bool operator==(const KnownCamera&) const = default;
};

// What is wrong with an entry, or "" if it may be stored. Text fields are at most
// 256 bytes of UTF-8 without control characters: the caller sanitises what a
// camera advertises before storing it.
std::string validateKnownCamera(const KnownCamera& camera);

class StateStore {
public:
    explicit StateStore(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path file() const { return dir_ / kCamerasFileName; }

    // Creates the directory (0700) if missing and removes temporary files a crash
    // left behind. No file yet: an empty list. Skipped entries and unknown keys
    // are described in `warnings` ("FILE:LINE: ...") when it is given.
    Result<std::vector<KnownCamera>> load(std::vector<std::string>* warnings = nullptr);

    // Replaces the file atomically (mode 0600), creating the directory (0700) if
    // missing. Refuses invalid or duplicate entries (InvalidArgument) and more than
    // kMaxKnownCameras (ResourceExhausted) without touching the file.
    Result<void> save(const std::vector<KnownCamera>& cameras);

    // Renames the file to cameras.toml.bad-YYYYMMDDTHHMMSSZ (with "-2", "-3"...
    // if that exists) and returns the new path.
    Result<std::filesystem::path> quarantine();

private:
    std::filesystem::path dir_;
};

}  // namespace goprod::config
