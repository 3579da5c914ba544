#include "daemon/rpc/capture_journal.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include "daemon/config/journal_file.h"
#include "daemon/rpc/convert.h"
#include "protocol/protobuf.h"

namespace goprod::rpc {

namespace {

std::optional<v1::CaptureEntry> parseEntry(const std::string& line) {
    v1::CaptureEntry entry;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;  // written by a later goprod
    if (!google::protobuf::util::JsonStringToMessage(line, &entry, options).ok()) return std::nullopt;
    return entry;
}

std::string jsonOf(const v1::CaptureEntry& entry) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;  // "encoding": false is said, not implied
    if (!google::protobuf::util::MessageToJsonString(entry, &out, options).ok()) return {};
    return out;
}

}  // namespace

CaptureJournal::CaptureJournal(config::JournalFile& file, core::Control& control, Post post,
                               std::chrono::milliseconds mediaTimeout, Now now)
    : file_(file), control_(control), post_(std::move(post)), mediaTimeout_(mediaTimeout), now_(std::move(now)) {
    // The newest entry is near the end: read the whole journal only when the last MiB
    // holds no whole entry (one of a very large rig, or lines cut short).
    for (const std::uint64_t bytes : {std::uint64_t{1} << 20, UINT64_MAX}) {
        const auto lines = bytes == UINT64_MAX ? file_.read() : file_.tail(bytes);
        for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
            if (const auto entry = parseEntry(*line)) {
                lastSequence_ = entry->sequence();
                return;
            }
        }
    }
}

CaptureJournal::~CaptureJournal() { stop(); }

core::Result<void> CaptureJournal::start() {
    core::EventFilter filter;
    // Encoding changes come in status pushes; a camera that is already encoding when it
    // becomes ready shows it in that state change.
    filter.kinds = {core::Event::Kind::StatusPush, core::Event::Kind::StateChanged};
    auto subscribed =
        control_.observe(std::move(filter), [this](const core::Event& event) { encodingChanged(event.camera); });
    if (!subscribed) return Unexpected{subscribed.error()};
    subscription_ = *subscribed;
    return {};
}

void CaptureJournal::stop() {
    if (subscription_) control_.unsubscribe(*subscription_);
    subscription_.reset();
}

void CaptureJournal::recordShutter(bool on, const std::optional<google::protobuf::Timestamp>& planned,
                                   const v1::MultiResult& result) {
    v1::CaptureEntry entry;
    auto* shutter = entry.mutable_shutter();
    shutter->set_on(on);
    if (planned) *shutter->mutable_planned() = *planned;
    *shutter->mutable_result() = result;
    record(std::move(entry));
}

void CaptureJournal::record(v1::CaptureEntry entry) {
    if (!entry.has_time()) setTimestamp(entry.mutable_time(), now_());
    std::lock_guard lock(mutex_);
    entry.set_sequence(lastSequence_ + 1);
    std::string line = jsonOf(entry);
    if (line.empty()) {
        spdlog::error("capture journal: entry {} could not be written as JSON", entry.sequence());
        return;
    }
    ++lastSequence_;
    file_.append(std::move(line));
}

// On the core thread, at each status push and state change: the view has the encoding status.
void CaptureJournal::encodingChanged(const core::CameraView& camera) {
    auto [known, added] = encoding_.try_emplace(camera.address, false);
    if (known->second == camera.encoding) return;
    known->second = camera.encoding;
    v1::CaptureEntry entry;
    setTimestamp(entry.mutable_time(), now_());  // as it arrives: the capture's own evidence
    auto* change = entry.mutable_encoding();
    change->set_camera(camera.identifier);
    change->set_address(camera.address);
    change->set_encoding(camera.encoding);
    record(std::move(entry));
    if (!camera.encoding) post_([this, camera] { readLastMedia(camera); });
}

// After a capture: the file it made, where the camera can name it.
void CaptureJournal::readLastMedia(const core::CameraView& camera) {
    const core::Deadline deadline = std::chrono::steady_clock::now() + mediaTimeout_;
    control_.request(
        control_.newCallId(), camera.address, protocol::operation::getLastCapturedMedia(), deadline,
        [this, camera](core::Result<core::Answer> answer) {
            auto media = answer ? lastMediaOf(*answer) : core::Result<LastMedia>(Unexpected{answer.error()});
            if (!media) {
                spdlog::debug("capture journal: no last media from {}: {}", camera.identifier, media.error().message);
                return;
            }
            v1::CaptureEntry entry;
            auto* out = entry.mutable_media();
            out->set_camera(camera.identifier);
            out->set_address(camera.address);
            out->set_folder(media->folder);
            out->set_file(media->file);
            record(std::move(entry));
        });
}

v1::ListCapturesResponse CaptureJournal::list(const v1::ListCapturesRequest& request) const {
    const std::uint32_t limit =
        request.limit() == 0 ? kMaxListed : std::min<std::uint32_t>(request.limit(), kMaxListed);
    v1::ListCapturesResponse response;
    for (const auto& line : file_.read()) {
        auto entry = parseEntry(line);
        if (!entry) continue;  // a line cut short: whole lines only
        if (entry->sequence() <= request.after_sequence()) continue;
        const auto time = fromTimestamp(entry->time());
        if (request.has_since() && time < fromTimestamp(request.since())) continue;
        if (request.has_until() && time >= fromTimestamp(request.until())) continue;
        if (static_cast<std::uint32_t>(response.entries_size()) == limit) {
            response.set_more(true);
            break;
        }
        *response.add_entries() = std::move(*entry);
    }
    return response;
}

}  // namespace goprod::rpc
