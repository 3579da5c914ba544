// issue 17: the capture journal. Every shutter on/off the API writes (with each
// camera's planned, sent, written and acknowledged times), every encoding change
// a camera reports (status 10, stamped when it arrived) and, when a camera's
// encoding stops, the last file it captured, as v1::CaptureEntry messages in
// protobuf's JSON mapping, one per line of a JournalFile. ListCaptures reads it
// back. Nothing in an entry is a secret: identifiers, addresses, times, result
// codes and messages, file names.
//
// Threading: record*() and list() from any thread; the encoding listener runs
// on the core thread and hands the media read to `post` (Control's methods are
// not called from an event callback).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/core/control.h"
#include "goprod.pb.h"

namespace goprod::config {
class JournalFile;
}

namespace goprod::rpc {

class CaptureJournal {
public:
    using Post = std::function<void(std::function<void()>)>;
    using Now = std::function<std::chrono::system_clock::time_point()>;

    // Numbers new entries after the last one in `file`.
    CaptureJournal(
        config::JournalFile& file, core::Control& control, Post post, std::chrono::milliseconds mediaTimeout,
        Now now = [] { return std::chrono::system_clock::now(); });
    ~CaptureJournal();  // stop()
    CaptureJournal(const CaptureJournal&) = delete;
    CaptureJournal& operator=(const CaptureJournal&) = delete;

    // Follows the cameras' encoding changes until stop().
    core::Result<void> start();
    void stop();

    // A SetShutter call's outcome (`planned`: its start_at).
    void recordShutter(bool on, const std::optional<google::protobuf::Timestamp>& planned,
                       const v1::MultiResult& result);

    // The entries in the request's time range, oldest first, at most its limit.
    v1::ListCapturesResponse list(const v1::ListCapturesRequest& request) const;

    static constexpr std::uint32_t kMaxListed = 1000;

private:
    void record(v1::CaptureEntry entry);
    void encodingChanged(const core::CameraView& camera);
    void readLastMedia(const core::CameraView& camera);

    config::JournalFile& file_;
    core::Control& control_;
    Post post_;
    std::chrono::milliseconds mediaTimeout_;
    Now now_;

    mutable std::mutex mutex_;  // sequence numbers go to the file in order
    std::uint64_t lastSequence_ = 0;

    std::map<std::string, bool> encoding_;  // by address; core thread only
    std::optional<std::uint64_t> subscription_;
};

}  // namespace goprod::rpc
