#include "daemon/rpc/service.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/timex.h>
#include <time.h>

#include <fmt/core.h>
#include <google/protobuf/descriptor.h>

#include "cohn.pb.h"
#include "daemon/core/bluez_port.h"
#include "daemon/rpc/capture_journal.h"
#include "daemon/rpc/convert.h"
#include "daemon/rpc/reactors.h"
#include "daemon/rpc/status.h"
#include "daemon/rpc/unparsable.h"
#include "media.pb.h"  // issue 15 E
#include "preset_status.pb.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"
#include "protocol/settings.h"
#include "protocol/text.h"  // issue 15 G
#include "protocol/utf8.h"
#include "response_generic.pb.h"

namespace goprod::rpc {

namespace {

using core::Errc;
using std::chrono::milliseconds;

// Limits on what a client sends (the camera registry has its own).
constexpr std::size_t kMaxSelectors = 64;
constexpr std::size_t kMaxSelectorLength = 64;
constexpr std::size_t kMaxSsidLength = 32;
constexpr std::size_t kMaxPasswordLength = 63;
constexpr std::size_t kMaxValueIds = 256;
constexpr milliseconds kDefaultDiscover{10'000};
constexpr milliseconds kMinDiscover{1'000};
constexpr milliseconds kMaxDiscover{120'000};
constexpr milliseconds kMinKeepAlive{1'000};
constexpr milliseconds kMaxKeepAlive{60'000};
constexpr int kMinUtcOffset = -12 * 60;  // UTC-12
constexpr int kMaxUtcOffset = 14 * 60;   // UTC+14

core::Error invalid(std::string message) { return core::Error{Errc::InvalidArgument, std::move(message), {}}; }

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// --- Validation -------------------------------------------------------------

core::Result<void> checkSelector(const std::string& selector) {
    if (selector.empty()) return Unexpected{invalid("empty camera selector")};
    if (selector.size() > kMaxSelectorLength) {
        return Unexpected{invalid("camera selector longer than " + std::to_string(kMaxSelectorLength) + " characters")};
    }
    return {};
}

core::Result<core::Selection> selectionFrom(const v1::CameraRequest& request) {
    if (request.all() && request.cameras_size() > 0) {
        return Unexpected{invalid("give cameras or all, not both")};
    }
    if (static_cast<std::size_t>(request.cameras_size()) > kMaxSelectors) {
        return Unexpected{invalid("more than " + std::to_string(kMaxSelectors) + " cameras in one request")};
    }
    core::Selection selection;
    selection.all = request.all();
    for (const auto& selector : request.cameras()) {
        if (auto ok = checkSelector(selector); !ok) return Unexpected{ok.error()};
        selection.selectors.push_back(selector);
    }
    return selection;
}

// One camera by selector, or the default camera when empty.
core::Result<core::Selection> singleSelection(const std::string& camera) {
    core::Selection selection;
    if (camera.empty()) return selection;
    if (auto ok = checkSelector(camera); !ok) return Unexpected{ok.error()};
    selection.selectors.push_back(camera);
    return selection;
}

core::Result<void> requireCamera(const std::string& camera) {
    if (camera.empty()) return Unexpected{invalid("camera is required (an identifier such as \"0456\" or an address)")};
    return checkSelector(camera);
}

// A protobuf Duration as milliseconds, refusing malformed values.
core::Result<milliseconds> durationFrom(const google::protobuf::Duration& duration, std::string_view field) {
    constexpr std::int64_t kMaxSeconds = 315'576'000'000;  // the Duration type's own bound
    const std::int64_t seconds = duration.seconds();
    const std::int32_t nanos = duration.nanos();
    if (seconds > kMaxSeconds || seconds < -kMaxSeconds || nanos <= -1'000'000'000 || nanos >= 1'000'000'000 ||
        (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
        return Unexpected{invalid(std::string(field) + " is not a valid duration")};
    }
    return milliseconds{seconds * 1000 + nanos / 1'000'000};
}

std::string secondsText(milliseconds value) {
    if (value.count() % 1000 == 0) return std::to_string(value.count() / 1000) + " s";
    return std::to_string(value.count()) + " ms";
}

// issue 16: Connect's adapter pin and priority.
core::Result<core::Placement> placementOf(const v1::ConnectRequest& request) {
    core::Placement placement;
    if (request.has_adapter()) {
        const auto& adapter = request.adapter();
        if (!adapter.empty() && !core::isAdapterName(adapter)) {
            return Unexpected{invalid("adapter must be a name such as \"hci1\" or an address, or \"\" to unpin")};
        }
        placement.adapter = adapter;
    }
    if (request.has_priority()) {
        if (request.priority() < core::kMinPriority || request.priority() > core::kMaxPriority) {
            return Unexpected{invalid("priority " + std::to_string(request.priority()) + " is not within " +
                                      std::to_string(core::kMinPriority) + ".." + std::to_string(core::kMaxPriority))};
        }
        placement.priority = request.priority();
    }
    return placement;
}

// issue 17: start_at, at least kMinLead and at most kMaxLead from now (a wall-clock instant:
// the camera's queue writes it from a wall-clock timer).
constexpr auto kMinLead = std::chrono::milliseconds(100);
constexpr auto kMaxLead = std::chrono::minutes(10);
core::Result<core::WallTime> plannedInstant(const google::protobuf::Timestamp& at, const TimeBase& time) {
    if (!validTimestamp(at)) return Unexpected{invalid("start_at is not a valid timestamp")};
    const auto wall = fromTimestamp(at);
    const auto lead = wall - time.systemNow();
    if (lead < kMinLead) {
        return Unexpected{invalid(fmt::format("start_at is {:.3f} s from now: it must be at least {} ms ahead",
                                              std::chrono::duration<double>(lead).count(), kMinLead.count()))};
    }
    if (lead > kMaxLead) {
        return Unexpected{invalid(fmt::format("start_at is {:.0f} s ahead: at most {} minutes",
                                              std::chrono::duration<double>(lead).count(), kMaxLead.count()))};
    }
    return wall;
}

core::Result<void> checkSsid(std::string_view ssid) {
    if (ssid.empty()) return Unexpected{invalid("ssid is empty")};
    if (ssid.size() > kMaxSsidLength) {
        return Unexpected{invalid("ssid is " + std::to_string(ssid.size()) + " bytes long; at most " +
                                  std::to_string(kMaxSsidLength) + " are allowed")};
    }
    return {};
}

core::Result<void> checkPassword(std::string_view password) {
    if (password.size() > kMaxPasswordLength) {
        return Unexpected{invalid("password is " + std::to_string(password.size()) + " bytes long; at most " +
                                  std::to_string(kMaxPasswordLength) + " are allowed")};
    }
    return {};
}

core::Result<protocol::Bytes> valueIds(const google::protobuf::RepeatedField<std::uint32_t>& ids) {
    if (static_cast<std::size_t>(ids.size()) > kMaxValueIds) {
        return Unexpected{invalid("more than " + std::to_string(kMaxValueIds) + " ids")};
    }
    protocol::Bytes bytes;
    for (const std::uint32_t id : ids) {
        if (id > 255) return Unexpected{invalid("id " + std::to_string(id) + " is out of range (0..255)")};
        bytes.push_back(static_cast<std::uint8_t>(id));
    }
    return bytes;
}

// --- Descriptions of requests, for error messages ----------------------------

std::string commandText(protocol::CommandId id) {
    return std::string(protocol::commandName(static_cast<std::uint8_t>(id)).value_or("command"));
}

std::string settingText(std::uint8_t id, std::uint64_t value) {
    std::string text = "setting ";
    if (const auto* info = protocol::findSetting(id)) {
        text += std::string(info->name) + " (" + std::to_string(id) + ")";
    } else {
        text += std::to_string(id);
    }
    text += " = " + std::to_string(value);
    if (auto name = protocol::settingValueName(id, value)) text += " (" + std::string(*name) + ")";
    return text;
}

// --- Answers ------------------------------------------------------------------

using Check = std::function<core::Result<void>(const core::Answer&)>;

core::Result<protocol::CommandResponse> commandAnswer(const std::string& what, const core::Answer& answer) {
    auto response = protocol::parseCommandResponse(answer.message);
    if (!response) return Unexpected{malformedAnswer(what, response.error())};
    if (auto ok = checkCameraStatus(what, response->status); !ok) return Unexpected{ok.error()};
    return std::move(*response);
}

Check commandCheck(std::string what) {
    return [what = std::move(what)](const core::Answer& answer) -> core::Result<void> {
        auto response = commandAnswer(what, answer);
        if (!response) return Unexpected{response.error()};
        return {};
    };
}

Check settingCheck(std::string what) {
    return [what = std::move(what)](const core::Answer& answer) -> core::Result<void> {
        auto response = protocol::parseSettingResponse(answer.message);
        if (!response) return Unexpected{malformedAnswer(what, response.error())};
        return checkCameraStatus(what, response->status);
    };
}

core::Result<protocol::QueryResponse> queryAnswer(const std::string& what, const core::Answer& answer) {
    auto response = protocol::parseQueryResponse(answer.message);
    if (!response) return Unexpected{malformedAnswer(what, response.error())};
    if (auto ok = checkCameraStatus(what, response->status); !ok) return Unexpected{ok.error()};
    return std::move(*response);
}

core::Result<protocol::HardwareInfo> hardwareInfoFrom(const std::string& what, const core::Answer& answer) {
    auto response = commandAnswer(what, answer);
    if (!response) return Unexpected{response.error()};
    auto parsed = protocol::parseHardwareInfo(response->payload);
    if (!parsed) return Unexpected{malformedAnswer(what, parsed.error())};
    return std::move(*parsed);
}

core::Result<protocol::OpenGoProVersion> versionFrom(const std::string& what, const core::Answer& answer) {
    auto response = commandAnswer(what, answer);
    if (!response) return Unexpected{response.error()};
    auto parsed = protocol::parseOpenGoProVersion(response->payload);
    if (!parsed) return Unexpected{malformedAnswer(what, parsed.error())};
    return *parsed;
}

v1::CameraResult resultOf(const core::CameraView& camera, const core::Result<core::Answer>& answer,
                          const TimeBase& time, const Check& check) {
    if (!answer) return errorResult(camera, answer.error());
    const auto ok = check(*answer);
    v1::CameraResult result = ok ? okResult(camera) : errorResult(camera, ok.error());
    setAnswerTimes(&result, *answer, time);
    return result;
}

v1::CameraResult resultOf(const core::CameraView& camera, const core::Result<void>& outcome) {
    return outcome ? okResult(camera) : errorResult(camera, outcome.error());
}

// --- Selections -----------------------------------------------------------------

core::Error noReadyCamera() { return core::Error{Errc::Unavailable, "no camera is ready", {}}; }

// A camera named twice (by identifier and by address) runs once.
std::vector<core::CameraView> distinct(std::vector<core::CameraView> cameras) {
    std::vector<core::CameraView> out;
    for (auto& camera : cameras) {
        const bool seen = std::any_of(out.begin(), out.end(),
                                      [&](const core::CameraView& other) { return other.address == camera.address; });
        if (!seen) out.push_back(std::move(camera));
    }
    return out;
}

std::string identifiers(const std::vector<core::CameraView>& cameras) {
    std::string text;
    for (const auto& camera : cameras) {
        if (!text.empty()) text += ", ";
        text += camera.identifier.empty() ? camera.address : camera.identifier;
    }
    return text;
}

template <class Item>
using PerCamera = std::function<void(const core::CameraView&, std::function<void(Item)>)>;

// Resolves the selection and runs `perCamera` on every camera at once; `done`
// gets one item per camera, in selection order. The RPC fails as a whole only
// when the selection does not resolve or is empty.
template <class Item>
void fanOut(const std::shared_ptr<UnaryCall>& call, core::Selection selection, PerCamera<Item> perCamera,
            std::function<void(std::vector<Item>)> done) {
    call->control().resolve(std::move(selection), [call, perCamera = std::move(perCamera), done = std::move(done)](
                                                      core::Result<std::vector<core::CameraView>> resolved) mutable {
        if (call->ended()) return;
        if (!resolved) {
            call->fail(resolved.error());
            return;
        }
        auto cameras = distinct(std::move(*resolved));
        if (cameras.empty()) {
            call->fail(noReadyCamera());
            return;
        }
        auto gather = std::make_shared<Gather<Item>>(cameras.size(), std::move(done));
        for (std::size_t i = 0; i < cameras.size(); ++i) {
            perCamera(cameras[i], [gather, i](Item item) { gather->set(i, std::move(item)); });
        }
    });
}

// Resolves a selection that must name exactly one camera (`Call` is a
// UnaryCall or a Stream: anything with ended() and fail()).
template <class Call>
void resolveOne(core::Control& control, const std::shared_ptr<Call>& call, core::Selection selection, std::string rpc,
                std::function<void(const core::CameraView&)> then) {
    control.resolve(std::move(selection), [call, rpc = std::move(rpc), then = std::move(then)](
                                              core::Result<std::vector<core::CameraView>> resolved) {
        if (call->ended()) return;
        if (!resolved) {
            call->fail(resolved.error());
            return;
        }
        const auto cameras = distinct(std::move(*resolved));
        if (cameras.empty()) {
            call->fail(noReadyCamera());
            return;
        }
        if (cameras.size() > 1) {
            call->fail(invalid(rpc + " works on one camera at a time; the selection names " +
                               std::to_string(cameras.size()) + ": " + identifiers(cameras)));
            return;
        }
        then(cameras.front());
    });
}

// One camera's answer read by `parse`: fills `result` (with the answer's times)
// and hands what parsed to `use`. False when there was no answer or it did not parse.
template <class Parse, class Use>
bool readAnswer(const core::CameraView& camera, const core::Result<core::Answer>& answer, const TimeBase& time,
                v1::CameraResult* result, Parse parse, Use use) {
    if (!answer) {
        *result = errorResult(camera, answer.error());
        return false;
    }
    auto parsed = parse(*answer);
    *result = parsed ? okResult(camera) : errorResult(camera, parsed.error());
    setAnswerTimes(result, *answer, time);
    if (!parsed) return false;
    use(*parsed);
    return true;
}

// The same request on every selected camera, in one hop; `toItem` makes each
// camera's part of the response, written to `out` in selection order. The RPC
// fails as a whole only when the selection does not resolve or names no camera.
template <class Item>
void eachCamera(const std::shared_ptr<UnaryCall>& call, core::Selection selection, protocol::Request request,
                core::Deadline deadline,
                std::function<Item(const core::CameraView&, const core::Result<core::Answer>&)> toItem,
                google::protobuf::RepeatedPtrField<Item>* out) {
    requestEach(call, std::move(selection), std::move(request), deadline, {},
                [call, toItem = std::move(toItem), out](core::Result<std::vector<core::CameraAnswer>> outcomes) {
                    if (call->ended()) return;
                    if (!outcomes) {
                        call->fail(outcomes.error());
                        return;
                    }
                    if (outcomes->empty()) {
                        call->fail(noReadyCamera());
                        return;
                    }
                    call->finish(grpc::Status::OK, [&] {
                        for (const auto& outcome : *outcomes) *out->Add() = toItem(outcome.camera, outcome.answer);
                    });
                });
}

// One command or setting on every selected camera, one CameraResult each.
// `record` (issue 17: the capture journal) hears the outcome even when the
// client has gone meanwhile: what was written to the cameras is kept.
void runOnEach(const std::shared_ptr<UnaryCall>& call, core::Selection selection, protocol::Request request,
               Check check, core::Deadline deadline, TimeBase time, v1::MultiResult* response,
               std::optional<core::WallTime> sendAt = {}, std::function<void(const v1::MultiResult&)> record = {}) {
    requestEach(call, std::move(selection), std::move(request), deadline, sendAt,
                [call, check = std::move(check), time, response, sendAt,
                 record = std::move(record)](core::Result<std::vector<core::CameraAnswer>> outcomes) {
                    if (!outcomes || outcomes->empty()) {
                        if (!call->ended()) call->fail(outcomes ? noReadyCamera() : outcomes.error());
                        return;
                    }
                    v1::MultiResult result;
                    for (const auto& outcome : *outcomes) {
                        auto* item = result.add_results();
                        *item = resultOf(outcome.camera, outcome.answer, time, check);
                        if (sendAt) setTimestamp(item->mutable_planned(), *sendAt);
                    }
                    setSpread(result);
                    if (record) record(result);
                    if (call->ended()) return;
                    call->finish(grpc::Status::OK, [&] { *response = std::move(result); });
                });
}

// GetSettings / GetStatuses: one query per camera, values decoded with the protocol tables.
void runValues(const std::shared_ptr<UnaryCall>& call, core::Selection selection, protocol::QueryId queryId,
               protocol::Bytes ids, core::Deadline deadline, TimeBase time, v1::ValuesResponse* response) {
    const bool settings = queryId == protocol::QueryId::GetSettingValues;
    std::string what(protocol::queryName(static_cast<std::uint8_t>(queryId)).value_or("query"));
    eachCamera<v1::CameraValues>(
        call, std::move(selection), protocol::query(queryId, ids), deadline,
        [what = std::move(what), settings, time](const core::CameraView& camera,
                                                 const core::Result<core::Answer>& answer) {
            v1::CameraValues values;
            readAnswer(
                camera, answer, time, values.mutable_result(),
                [&what](const core::Answer& read) { return queryAnswer(what, read); },
                [&values, settings](const protocol::QueryResponse& parsed) {
                    for (const auto& entry : parsed.entries) {
                        *values.add_values() =
                            settings ? settingValue(entry.id, entry.value) : statusValue(entry.id, entry.value);
                    }
                });
            return values;
        },
        response->mutable_cameras());
}

// --- The shapes of the handlers ---------------------------------------------------

using Call = std::shared_ptr<UnaryCall>;

// A Control callback that ends the RPC: its error, or OK with `fill` writing
// the response from the value (with nothing for Result<void>).
template <class T, class Fill>
auto finisher(Call call, Fill fill) {
    return [call = std::move(call), fill = std::move(fill)](core::Result<T> result) {
        if (!result) {
            call->fail(result.error());
            return;
        }
        call->finish(grpc::Status::OK, [&] {
            if constexpr (std::is_void_v<T>) {
                fill();
            } else {
                fill(*result);
            }
        });
    };
}

// Connect, Disconnect, SetAutoConnect: the camera as it is after the change.
auto cameraFinisher(Call call, v1::Camera* response) {
    return finisher<core::CameraView>(std::move(call),
                                      [response](const core::CameraView& camera) { toProto(camera, response); });
}

// fanOut() whose items, one per camera in selection order, are the response's `out`.
template <class Item>
void collect(const Call& call, core::Selection selection, PerCamera<Item> perCamera,
             google::protobuf::RepeatedPtrField<Item>* out) {
    fanOut<Item>(call, std::move(selection), std::move(perCamera), [call, out](std::vector<Item> items) {
        call->finish(grpc::Status::OK, [&] {
            for (auto& item : items) *out->Add() = std::move(item);
        });
    });
}

// One Control call per selected camera, one CameraResult each: `start(camera,
// done)` makes the call with `done` as its callback.
template <class Start>
void outcomesOnEach(const Call& call, core::Selection selection, v1::MultiResult* response, Start start) {
    PerCamera<v1::CameraResult> perCamera = [start = std::move(start)](const core::CameraView& camera,
                                                                       std::function<void(v1::CameraResult)> done) {
        start(camera,
              [camera, done = std::move(done)](core::Result<void> outcome) { done(resultOf(camera, outcome)); });
    };
    collect(call, std::move(selection), std::move(perCamera), response->mutable_results());
}

// A cancellable Control call on the one camera `selection` names (`rpc` names
// the RPC for the error): `start(address, id, finished)` makes it, and
// `fill(camera, value)` writes the response from its result.
template <class T, class Start, class Fill>
void callOnOne(core::Control& control, const Call& call, core::Selection selection, std::string rpc, Start start,
               Fill fill) {
    resolveOne(control, call, std::move(selection), std::move(rpc),
               [call, start = std::move(start), fill = std::move(fill)](const core::CameraView& camera) {
                   cancellable<T>(
                       call,
                       [&](core::CallId id, std::function<void(core::Result<T>)> finished) {
                           start(camera.address, id, std::move(finished));
                       },
                       finisher<T>(call, [camera, fill](const T& value) { fill(camera, value); }));
               });
}

// What commandOnEach sends to every camera, and how it reads each answer.
struct Command {
    protocol::Request request;
    Check check;
};

// A command answered by a TLV command response, named by `what` in errors.
Command tlvCommand(protocol::Request request, std::string what) {
    return {std::move(request), commandCheck(std::move(what))};
}

// issue 15 group A: a protobuf operation answered by ResponseGeneric, or by
// [feature][status] from a camera that lacks it. Results are not status bytes:
// their name goes in the message (as in daemon/core/wifi.cpp).
Command genericCommand(protocol::Request request, std::string what) {
    Check check = [what = std::move(what)](const core::Answer& answer) -> core::Result<void> {
        if (answer.message.size() == 2) {
            return Unexpected{core::Error{
                Errc::CameraRejected,
                what + " failed: the camera does not support it (status " + std::to_string(answer.message[1]) + ")",
                {}}};
        }
        auto decoded = protocol::decodeProtobuf(answer.message);
        if (!decoded) return Unexpected{malformedAnswer(what, decoded.error())};
        const auto* generic = decoded->as<open_gopro::ResponseGeneric>();
        if (generic == nullptr) {
            return Unexpected{core::Error{Errc::Internal, "unexpected answer to " + what, {}}};
        }
        if (generic->result() != protocol::kResultSuccess) {
            return Unexpected{
                core::Error{Errc::CameraRejected,
                            what + " failed: " + std::string(protocol::resultGenericName(generic->result())),
                            {}}};
        }
        return {};
    };
    return {std::move(request), std::move(check)};
}

// A stream's Control call id, cancelled when the stream ends early.
template <class Message>
core::CallId streamCall(core::Control& control, Stream<Message>& stream) {
    const core::CallId id = control.newCallId();
    stream.onAbort([&control, id] { control.cancel(id); });
    return id;
}

// --- Requests that take more than a selection to check ------------------------------

core::Result<Command> settingCommand(const v1::SetSettingRequest& request) {
    std::uint8_t id = 0;
    std::uint64_t value = 0;
    std::size_t width = 0;
    switch (request.setting_case()) {
        case v1::SetSettingRequest::kResolution:
            if (request.resolution() == v1::VIDEO_RESOLUTION_UNSPECIFIED ||
                !v1::VideoResolution_IsValid(request.resolution())) {
                return Unexpected{invalid("unknown video resolution " + std::to_string(request.resolution()))};
            }
            id = protocol::setting_id::kVideoResolution;
            value = static_cast<std::uint64_t>(request.resolution());
            break;
        case v1::SetSettingRequest::kFps:
            if (!v1::FramesPerSecond_IsValid(request.fps())) {
                return Unexpected{invalid("unknown frames per second value " + std::to_string(request.fps()))};
            }
            id = protocol::setting_id::kFramesPerSecond;
            value = static_cast<std::uint64_t>(request.fps());
            break;
        case v1::SetSettingRequest::kGeneric: {
            const auto& generic = request.generic();
            if (generic.id() > 255) {
                return Unexpected{invalid("setting id " + std::to_string(generic.id()) + " is out of range (0..255)")};
            }
            id = static_cast<std::uint8_t>(generic.id());
            value = generic.value();
            width = generic.width();
            if (width != 0 && width != 1 && width != 2 && width != 4 && width != 8) {
                return Unexpected{
                    invalid("width " + std::to_string(width) + " is not 1, 2, 4 or 8 (or 0: the known width)")};
            }
            if (width != 0 && value > protocol::largestValue(width)) {
                return Unexpected{invalid("value " + std::to_string(value) + " does not fit in " +
                                          std::to_string(width) + (width == 1 ? " byte" : " bytes"))};
            }
            break;
        }
        default:
            return Unexpected{invalid("no setting given: set resolution, fps or generic")};
    }
    if (width == 0) {
        width = protocol::settingWidth(id);
        if (value > protocol::largestValue(width)) {
            return Unexpected{invalid("value " + std::to_string(value) + " does not fit in setting " +
                                      std::to_string(id) + "'s " + std::to_string(width) +
                                      (width == 1 ? " byte" : " bytes"))};
        }
    }
    auto built = protocol::setting::set(id, value, width);
    if (!built) return Unexpected{invalid(protocol::describe(built.error()))};
    return Command{std::move(*built), settingCheck(settingText(id, value))};
}

// Set Local Date Time with a UTC offset, else Set Date Time in the host's zone;
// the request's time, else `clock`'s now.
core::Result<Command> dateTimeCommand(const v1::SetDateTimeRequest& request, const Clock& clock) {
    // Before 1970 is no camera's time.
    if (request.has_time() && (request.time().seconds() < 0 || !validTimestamp(request.time()))) {
        return Unexpected{invalid("time is not a valid timestamp")};
    }
    const auto when = request.has_time() ? fromTimestamp(request.time()) : clock.systemNow();
    time_t seconds = std::chrono::system_clock::to_time_t(when);
    struct tm fields {};
    std::string what;
    if (request.has_utc_offset_minutes()) {
        const int offset = request.utc_offset_minutes();
        if (offset < kMinUtcOffset || offset > kMaxUtcOffset) {
            return Unexpected{invalid("utc_offset_minutes " + std::to_string(offset) + " is out of range (" +
                                      std::to_string(kMinUtcOffset) + ".." + std::to_string(kMaxUtcOffset) + ")")};
        }
        seconds += static_cast<time_t>(offset) * 60;
        gmtime_r(&seconds, &fields);
        what = commandText(protocol::CommandId::SetLocalDateTime);
    } else {
        if (request.dst()) return Unexpected{invalid("dst needs utc_offset_minutes (Set Local Date Time)")};
        // Set Date Time carries no zone: the camera shows what it gets, so the host's local time.
        localtime_r(&seconds, &fields);
        what = commandText(protocol::CommandId::SetDateTime);
    }
    const protocol::DateTime dateTime = protocol::dateTimeFrom(fields);
    auto command = request.has_utc_offset_minutes()
                       ? protocol::command::setLocalDateTime(
                             {dateTime, static_cast<std::int16_t>(request.utc_offset_minutes()), request.dst()})
                       : protocol::command::setDateTime(dateTime);
    if (!command) return Unexpected{invalid(protocol::describe(command.error()))};
    return tlvCommand(std::move(*command), std::move(what));
}

core::Result<milliseconds> keepAliveInterval(const v1::SetKeepAliveRequest& request) {
    milliseconds interval{0};
    if (request.has_interval()) {
        auto asked = durationFrom(request.interval(), "interval");
        if (!asked) return Unexpected{asked.error()};
        interval = *asked;
    }
    if (interval.count() != 0 && (interval < kMinKeepAlive || interval > kMaxKeepAlive)) {
        return Unexpected{invalid("keep-alive interval must be 0 (off) or " + secondsText(kMinKeepAlive) + " to " +
                                  secondsText(kMaxKeepAlive))};
    }
    return interval;
}

core::Result<milliseconds> discoverDuration(const v1::DiscoverRequest& request) {
    milliseconds duration = kDefaultDiscover;
    if (request.has_duration()) {
        auto asked = durationFrom(request.duration(), "duration");
        if (!asked) return Unexpected{asked.error()};
        if (asked->count() != 0) duration = *asked;
        if (duration < kMinDiscover || duration > kMaxDiscover) {
            return Unexpected{invalid("discover duration must be " + secondsText(kMinDiscover) + " to " +
                                      secondsText(kMaxDiscover) + " (0 = " + secondsText(kDefaultDiscover) + ")")};
        }
    }
    return duration;
}

struct NetworkTarget {
    core::Selection selection;
    std::string ssid;
    std::optional<std::string> password;
};

core::Result<NetworkTarget> networkTarget(const v1::ConnectNetworkRequest& request) {
    auto selection = singleSelection(request.camera());
    if (!selection) return Unexpected{selection.error()};
    if (!request.ssid().empty() && !request.ssid_raw().empty()) {
        return Unexpected{invalid("give ssid or ssid_raw, not both")};
    }
    NetworkTarget target{std::move(*selection), request.ssid_raw().empty() ? request.ssid() : request.ssid_raw(), {}};
    if (auto ok = checkSsid(target.ssid); !ok) return Unexpected{ok.error()};
    if (request.has_password()) {
        if (auto ok = checkPassword(request.password()); !ok) return Unexpected{ok.error()};
        target.password = request.password();
    }
    return target;
}

core::Result<core::EventFilter> eventFilter(const v1::WatchEventsRequest& request) {
    core::EventFilter filter;
    if (static_cast<std::size_t>(request.cameras_size()) > kMaxSelectors) {
        return Unexpected{invalid("more than " + std::to_string(kMaxSelectors) + " cameras in one request")};
    }
    for (const auto& camera : request.cameras()) {
        if (auto ok = checkSelector(camera); !ok) return Unexpected{ok.error()};
        filter.cameras.push_back(camera);
    }
    for (const int kind : request.kinds()) {
        const auto mapped = fromProto(static_cast<v1::Event::Kind>(kind));
        if (!mapped) return Unexpected{invalid("unknown event kind " + std::to_string(kind))};
        if (std::find(filter.kinds.begin(), filter.kinds.end(), *mapped) == filter.kinds.end()) {
            filter.kinds.push_back(*mapped);
        }
    }
    return filter;
}

grpc::Status tooManyStreams(std::size_t limit) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "too many open streams (the limit is " + std::to_string(limit) + ")"};
}

}  // namespace

Service::Service(core::Control& control, Options options)
    : control_(control), options_(std::move(options)), started_(options_.clock.steadyNow()) {
    // Every RPC: a new one left out here answers UNIMPLEMENTED to a request that does not parse.
    refuseUnparsable("ListCameras", &Service::ListCameras);
    refuseUnparsable("GetCamera", &Service::GetCamera);
    refuseUnparsable("Discover", &Service::Discover);
    refuseUnparsable("Connect", &Service::Connect);
    refuseUnparsable("Disconnect", &Service::Disconnect);
    refuseUnparsable("Forget", &Service::Forget);
    refuseUnparsable("SetAutoConnect", &Service::SetAutoConnect);
    refuseUnparsable("SetShutter", &Service::SetShutter);
    refuseUnparsable("Sleep", &Service::Sleep);
    refuseUnparsable("LoadPresetGroup", &Service::LoadPresetGroup);
    refuseUnparsable("LoadPreset", &Service::LoadPreset);
    refuseUnparsable("EnableAnalytics", &Service::EnableAnalytics);
    refuseUnparsable("SetSetting", &Service::SetSetting);
    refuseUnparsable("GetSettings", &Service::GetSettings);
    refuseUnparsable("GetStatuses", &Service::GetStatuses);
    refuseUnparsable("GetHardwareInfo", &Service::GetHardwareInfo);
    refuseUnparsable("GetOpenGoProVersion", &Service::GetOpenGoProVersion);
    refuseUnparsable("SetDateTime", &Service::SetDateTime);
    refuseUnparsable("SetKeepAlive", &Service::SetKeepAlive);
    refuseUnparsable("GetApInfo", &Service::GetApInfo);
    refuseUnparsable("SetAp", &Service::SetAp);
    refuseUnparsable("ScanNetworks", &Service::ScanNetworks);
    refuseUnparsable("ConnectNetwork", &Service::ConnectNetwork);
    refuseUnparsable("WatchEvents", &Service::WatchEvents);
    refuseUnparsable("SendRaw", &Service::SendRaw);
    refuseUnparsable("GetDaemonStatus", &Service::GetDaemonStatus);
    // issue 15 D
    refuseUnparsable("GetCohnStatus", &Service::GetCohnStatus);
    refuseUnparsable("CreateCohnCert", &Service::CreateCohnCert);
    refuseUnparsable("ClearCohnCert", &Service::ClearCohnCert);
    refuseUnparsable("GetCohnCert", &Service::GetCohnCert);
    refuseUnparsable("SetCohn", &Service::SetCohn);
    refuseUnparsable("ProvisionCohn", &Service::ProvisionCohn);
    // group C
    refuseUnparsable("StartLiveStream", &Service::StartLiveStream);
    refuseUnparsable("GetLiveStreamStatus", &Service::GetLiveStreamStatus);
    refuseUnparsable("StopLiveStream", &Service::StopLiveStream);
    // issue 15 group A
    refuseUnparsable("Hilight", &Service::Hilight);
    refuseUnparsable("PowerDown", &Service::PowerDown);
    refuseUnparsable("Reboot", &Service::Reboot);
    refuseUnparsable("SetTurboTransfer", &Service::SetTurboTransfer);
    refuseUnparsable("SetCameraControl", &Service::SetCameraControl);
    refuseUnparsable("SetCameraName", &Service::SetCameraName);
    refuseUnparsable("ReleaseNetwork", &Service::ReleaseNetwork);
    // issue 15 B: presets and setting capabilities
    refuseUnparsable("GetPresets", &Service::GetPresets);
    refuseUnparsable("GetCapabilities", &Service::GetCapabilities);
    // issue 15 F
    refuseUnparsable("SetPresetVisibility", &Service::SetPresetVisibility);
    refuseUnparsable("UpdateCustomPreset", &Service::UpdateCustomPreset);
    // issue 15 E
    refuseUnparsable("GetDateTime", &Service::GetDateTime);
    refuseUnparsable("GetLastMedia", &Service::GetLastMedia);
    refuseUnparsable("ListCaptures", &Service::ListCaptures);  // issue 17
}

void Service::setLimits(std::chrono::milliseconds requestTimeout, std::size_t maxStreams) {
    options_.requestTimeout = requestTimeout;
    options_.maxStreams = maxStreams;
}

namespace {

// The RPC's index among the service's methods: the generated code registers
// them in the order of the .proto, which is the descriptor's.
template <class Request>
int methodIndex(const char* name) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(v1::Goprod::service_full_name());
    const auto* method = service != nullptr ? service->FindMethodByName(name) : nullptr;
    if (method == nullptr || method->input_type() != Request::descriptor()) {
        throw std::logic_error(std::string("goprod.v1.Goprod has no method ") + name + " taking " +
                               Request::descriptor()->full_name());
    }
    return method->index();
}

}  // namespace

template <class Request, class Response>
void Service::refuseUnparsable(const char* name,
                               grpc::ServerUnaryReactor* (Service::*method)(grpc::CallbackServerContext*,
                                                                            const Request*, Response*)) {
    auto inner = std::make_unique<grpc::internal::CallbackUnaryHandler<Request, Response>>(
        [this, method](grpc::CallbackServerContext* context, const Request* request,
                       Response* response) -> grpc::ServerUnaryReactor* {
            if (!unparsable()) return (this->*method)(context, request, response);
            auto* reactor = context->DefaultReactor();
            reactor->Finish(unparsableStatus<Request>());
            return reactor;
        });
    MarkMethodCallback(methodIndex<Request>(name), new ParseChecked<Request, Response, true>(std::move(inner)));
}

template <class Request, class Response>
void Service::refuseUnparsable(const char* name,
                               grpc::ServerWriteReactor<Response>* (Service::*method)(grpc::CallbackServerContext*,
                                                                                      const Request*)) {
    auto inner = std::make_unique<grpc::internal::CallbackServerStreamingHandler<Request, Response>>(
        [this, method](grpc::CallbackServerContext* context,
                       const Request* request) -> grpc::ServerWriteReactor<Response>* {
            if (!unparsable()) return (this->*method)(context, request);
            return failedStream<Response>(unparsableStatus<Request>());
        });
    MarkMethodCallback(methodIndex<Request>(name), new ParseChecked<Request, Response, false>(std::move(inner)));
}

Service::~Service() = default;

std::optional<ClockSync> readClockSync() {
    timex tx{};
    const int state = adjtimex(&tx);
    if (state < 0) return std::nullopt;
    return ClockSync{state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0, std::chrono::microseconds(tx.maxerror),
                     std::chrono::microseconds(tx.esterror)};
}

core::Deadline Service::deadlineFor(const grpc::CallbackServerContext* context, milliseconds fallback) const {
    const auto steadyNow = std::chrono::steady_clock::now();
    const auto systemNow = std::chrono::system_clock::now();
    const auto client = context->deadline();
    // gRPC reports "no deadline" as the clock's maximum.
    if (client >= systemNow + std::chrono::hours(24 * 365)) return steadyNow + fallback;
    // The camera's deadline falls a little before the client's, so that a
    // per-camera DEADLINE_EXCEEDED result still reaches the client in time.
    const auto remaining = std::chrono::duration_cast<std::chrono::steady_clock::duration>(client - systemNow);
    const auto margin = std::min<std::chrono::steady_clock::duration>(remaining / 10, milliseconds(200));
    return steadyNow + remaining - margin;
}

// issue 17: a planned request's deadline counts from its instant; a call whose own deadline
// ends before the instant is refused, naming `instant`.
core::Result<core::Deadline> Service::plannedDeadline(const grpc::CallbackServerContext* context, const TimeBase& time,
                                                      core::WallTime sendAt, std::string_view instant) const {
    const auto lead = std::chrono::duration_cast<milliseconds>(sendAt - time.systemNow());
    const core::Deadline deadline = deadlineFor(context, lead + options_.requestTimeout.get());
    if (deadline - std::chrono::steady_clock::now() <= lead) {
        return Unexpected{
            invalid("the call's deadline ends before " + std::string(instant) + ": give it a longer timeout")};
    }
    return deadline;
}

std::unique_ptr<StreamSlot> Service::acquireStream() {
    if (streams_->fetch_add(1) >= options_.maxStreams) {
        streams_->fetch_sub(1);
        return nullptr;
    }
    return std::make_unique<StreamSlot>(streams_);
}

template <class Message>
grpc::ServerWriteReactor<Message>* Service::failedStream(grpc::Status status) {
    auto* reactor = new StreamReactor<Message>(control_, 1, nullptr);
    reactor->stream()->finish(std::move(status));
    return reactor;
}

// Creates the RPC's reactor and runs `start` with its call; an error `start`
// returns (the request does not validate) fails the RPC at once.
template <class Start>
grpc::ServerUnaryReactor* Service::unary(Start start) {
    auto* reactor = new UnaryReactor(control_);
    if (core::Result<void> started = start(reactor->call()); !started) reactor->call()->fail(started.error());
    return reactor;
}

// unary() on a CameraRequest: `start(call, selection)` once the selection validates.
template <class Start>
grpc::ServerUnaryReactor* Service::onSelection(const v1::CameraRequest& target, Start start) {
    return unary([&](const Call& call) -> core::Result<void> {
        auto selection = selectionFrom(target);
        if (!selection) return Unexpected{selection.error()};
        return start(call, std::move(*selection));
    });
}

// One command on every selected camera, one CameraResult each: `build()`
// gives the Command (a Command or a Result<Command>).
template <class Build>
grpc::ServerUnaryReactor* Service::commandOnEach(grpc::CallbackServerContext* context, const v1::CameraRequest& target,
                                                 v1::MultiResult* response, Build build) {
    return onSelection(target, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        core::Result<Command> command = build();
        if (!command) return Unexpected{command.error()};
        runOnEach(call, std::move(selection), std::move(command->request), std::move(command->check),
                  deadlineFor(context, options_.requestTimeout), TimeBase::now(options_.clock), response);
        return {};
    });
}

// A server stream on validated arguments: fails at once when they did not
// validate or when `maxStreams` are open, else `run(reactor, args)` feeds it.
template <class Message, class Args, class Run>
grpc::ServerWriteReactor<Message>* Service::openStream(core::Result<Args> args, Run run) {
    if (!args) return failedStream<Message>(toStatus(args.error()));
    auto slot = acquireStream();
    if (!slot) return failedStream<Message>(tooManyStreams(options_.maxStreams));
    auto* reactor = new StreamReactor<Message>(control_, options_.maxStreamBacklog, std::move(slot));
    run(reactor, std::move(*args));
    return reactor;
}

// --- Cameras --------------------------------------------------------------------

grpc::ServerUnaryReactor* Service::ListCameras(grpc::CallbackServerContext* /*context*/,
                                               const v1::ListCamerasRequest* /*request*/,
                                               v1::ListCamerasResponse* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        control_.listCameras([call, response](std::vector<core::CameraView> cameras) {
            call->finish(grpc::Status::OK, [&] {
                for (const auto& camera : cameras) toProto(camera, response->add_cameras());
            });
        });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::GetCamera(grpc::CallbackServerContext* /*context*/,
                                             const v1::GetCameraRequest* request, v1::Camera* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        auto selection = singleSelection(request->camera());
        if (!selection) return Unexpected{selection.error()};
        // Any state will do here: GetCamera also shows cameras that are not connected.
        resolveOne(control_, call, std::move(*selection), "GetCamera",
                   [call, response](const core::CameraView& camera) {
                       call->finish(grpc::Status::OK, [&] { toProto(camera, response); });
                   });
        return {};
    });
}

grpc::ServerWriteReactor<v1::Camera>* Service::Discover(grpc::CallbackServerContext* /*context*/,
                                                        const v1::DiscoverRequest* request) {
    return openStream<v1::Camera>(discoverDuration(*request), [this](auto* reactor, milliseconds duration) {
        auto stream = reactor->stream();
        control_.discover(
            streamCall(control_, *stream), duration,
            [stream](const core::CameraView& camera) {
                v1::Camera message;
                toProto(camera, &message);
                stream->write(std::move(message));
            },
            [stream](core::Result<void> done) {
                if (done) {
                    stream->finish(grpc::Status::OK);
                } else {
                    stream->fail(done.error());
                }
            });
    });
}

grpc::ServerUnaryReactor* Service::Connect(grpc::CallbackServerContext* context, const v1::ConnectRequest* request,
                                           v1::Camera* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        if (auto ok = requireCamera(request->camera()); !ok) return ok;
        auto placement = placementOf(*request);
        if (!placement) return Unexpected{placement.error()};
        const core::Deadline deadline = deadlineFor(context, options_.longTimeout);
        cancellable<core::CameraView>(
            call,
            [this, camera = request->camera(), placement = *placement, deadline](
                core::CallId id, std::function<void(core::Result<core::CameraView>)> finished) {
                control_.connect(id, camera, placement, deadline, std::move(finished));
            },
            cameraFinisher(call, response));
        return {};
    });
}

grpc::ServerUnaryReactor* Service::Disconnect(grpc::CallbackServerContext* /*context*/,
                                              const v1::DisconnectRequest* request, v1::Camera* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        if (!request->camera().empty()) {
            if (auto ok = checkSelector(request->camera()); !ok) return ok;
            control_.disconnect(request->camera(), cameraFinisher(call, response));
            return {};
        }
        // No camera named: the only connected one, as for every other RPC.
        core::Control* control = &control_;
        resolveOne(control_, call, core::Selection{}, "Disconnect",
                   [control, finished = cameraFinisher(call, response)](const core::CameraView& camera) {
                       control->disconnect(camera.address, finished);
                   });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::Forget(grpc::CallbackServerContext* /*context*/, const v1::ForgetRequest* request,
                                          v1::ForgetResponse* /*response*/) {
    return unary([&](const Call& call) -> core::Result<void> {
        if (auto ok = requireCamera(request->camera()); !ok) return ok;
        control_.forget(request->camera(), finisher<void>(call, [] {}));
        return {};
    });
}

grpc::ServerUnaryReactor* Service::SetAutoConnect(grpc::CallbackServerContext* /*context*/,
                                                  const v1::SetAutoConnectRequest* request, v1::Camera* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        if (auto ok = requireCamera(request->camera()); !ok) return ok;
        control_.setAutoConnect(request->camera(), request->enabled(), cameraFinisher(call, response));
        return {};
    });
}

// --- Control --------------------------------------------------------------------

grpc::ServerUnaryReactor* Service::SetShutter(grpc::CallbackServerContext* context,
                                              const v1::SetShutterRequest* request, v1::MultiResult* response) {
    auto command = [&] {
        return tlvCommand(protocol::command::setShutter(request->on()),
                          commandText(protocol::CommandId::SetShutter) + (request->on() ? " on" : " off"));
    };
    // issue 17: every shutter goprod writes goes to the capture journal.
    std::function<void(const v1::MultiResult&)> record;
    if (options_.journal != nullptr) {
        std::optional<google::protobuf::Timestamp> planned;
        if (request->has_start_at()) planned = request->start_at();
        record = [journal = options_.journal, on = request->on(), planned](const v1::MultiResult& result) {
            journal->recordShutter(on, planned, result);
        };
    }
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        std::optional<core::WallTime> sendAt;
        core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
        if (request->has_start_at()) {
            // issue 17: a planned start, written to every camera at the instant from the core thread.
            auto instant = plannedInstant(request->start_at(), time);
            if (!instant) return Unexpected{instant.error()};
            auto planned = plannedDeadline(context, time, *instant, "start_at");
            if (!planned) return Unexpected{planned.error()};
            sendAt = *instant;
            deadline = *planned;
        }
        core::Result<Command> built = command();
        if (!built) return Unexpected{built.error()};
        runOnEach(call, std::move(selection), std::move(built->request), std::move(built->check), deadline, time,
                  response, sendAt, record);
        return {};
    });
}

grpc::ServerUnaryReactor* Service::Sleep(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                         v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::sleep(), commandText(protocol::CommandId::Sleep));
    });
}

grpc::ServerUnaryReactor* Service::LoadPresetGroup(grpc::CallbackServerContext* context,
                                                   const v1::LoadPresetGroupRequest* request,
                                                   v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&]() -> core::Result<Command> {
        const auto group = fromProto(request->group());
        if (!group) {
            return Unexpected{invalid("unknown preset group " + std::to_string(request->group()) +
                                      " (video 1000, photo 1001, timelapse 1002)")};
        }
        const auto id = static_cast<std::uint32_t>(*group);
        return tlvCommand(protocol::command::loadPresetGroup(*group),
                          commandText(protocol::CommandId::LoadPresetGroup) + " " +
                              std::string(protocol::presetGroupName(id).value_or("")) + " (" + std::to_string(id) +
                              ")");
    });
}

grpc::ServerUnaryReactor* Service::LoadPreset(grpc::CallbackServerContext* context,
                                              const v1::LoadPresetRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] {
        return tlvCommand(protocol::command::loadPreset(request->preset()),
                          commandText(protocol::CommandId::LoadPreset) + " " + std::to_string(request->preset()));
    });
}

grpc::ServerUnaryReactor* Service::EnableAnalytics(grpc::CallbackServerContext* context,
                                                   const v1::CameraRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::setThirdPartyClient(),
                          commandText(protocol::CommandId::SetThirdPartyClient));
    });
}

grpc::ServerUnaryReactor* Service::SetSetting(grpc::CallbackServerContext* context,
                                              const v1::SetSettingRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] { return settingCommand(*request); });
}

grpc::ServerUnaryReactor* Service::GetSettings(grpc::CallbackServerContext* context,
                                               const v1::GetValuesRequest* request, v1::ValuesResponse* response) {
    return getValues(context, *request, protocol::QueryId::GetSettingValues, response);
}

grpc::ServerUnaryReactor* Service::GetStatuses(grpc::CallbackServerContext* context,
                                               const v1::GetValuesRequest* request, v1::ValuesResponse* response) {
    return getValues(context, *request, protocol::QueryId::GetStatusValues, response);
}

grpc::ServerUnaryReactor* Service::getValues(grpc::CallbackServerContext* context, const v1::GetValuesRequest& request,
                                             protocol::QueryId query, v1::ValuesResponse* response) {
    return onSelection(request.target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        auto ids = valueIds(request.ids());
        if (!ids) return Unexpected{ids.error()};
        runValues(call, std::move(selection), query, std::move(*ids), deadlineFor(context, options_.requestTimeout),
                  TimeBase::now(options_.clock), response);
        return {};
    });
}

grpc::ServerUnaryReactor* Service::GetHardwareInfo(grpc::CallbackServerContext* context,
                                                   const v1::CameraRequest* request,
                                                   v1::HardwareInfoResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
        const TimeBase time = TimeBase::now(options_.clock);
        // Hardware info, then the Open GoPro version, one after the other on each camera.
        PerCamera<v1::CameraHardwareInfo> perCamera = [call, deadline, time](
                                                          const core::CameraView& camera,
                                                          std::function<void(v1::CameraHardwareInfo)> done) {
            requestOn(
                call, camera, protocol::command::getHardwareInfo(), deadline,
                [call, camera, deadline, time, done = std::move(done)](core::Result<core::Answer> answer) {
                    v1::CameraHardwareInfo out;
                    const auto hardwareInfo = [](const core::Answer& answer) {
                        return hardwareInfoFrom(commandText(protocol::CommandId::GetHardwareInfo), answer);
                    };
                    const bool read =
                        readAnswer(camera, answer, time, out.mutable_result(), hardwareInfo,
                                   [&out](const protocol::HardwareInfo& info) { toProto(info, out.mutable_info()); });
                    if (!read) {
                        done(std::move(out));
                        return;
                    }
                    requestOn(call, camera, protocol::command::getOpenGoProVersion(), deadline,
                              [camera, out = std::move(out), done](core::Result<core::Answer> versionAnswer) mutable {
                                  const auto version =
                                      versionAnswer
                                          ? versionFrom(commandText(protocol::CommandId::GetOpenGoProVersion),
                                                        *versionAnswer)
                                          : core::Result<protocol::OpenGoProVersion>(Unexpected{versionAnswer.error()});
                                  if (version) {
                                      out.set_open_gopro_version(std::to_string(version->major) + "." +
                                                                 std::to_string(version->minor));
                                  } else {
                                      // The outcome is the version's; the times stay those of the hardware info.
                                      auto result = errorResult(camera, version.error());
                                      *result.mutable_sent() = out.result().sent();
                                      *result.mutable_acknowledged() = out.result().acknowledged();
                                      *out.mutable_result() = std::move(result);
                                      out.clear_info();
                                  }
                                  done(std::move(out));
                              });
                });
        };
        collect(call, std::move(selection), std::move(perCamera), response->mutable_cameras());
        return {};
    });
}

grpc::ServerUnaryReactor* Service::GetOpenGoProVersion(grpc::CallbackServerContext* context,
                                                       const v1::CameraRequest* request,
                                                       v1::VersionResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        eachCamera<v1::CameraVersion>(
            call, std::move(selection), protocol::command::getOpenGoProVersion(),
            deadlineFor(context, options_.requestTimeout),
            [time](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraVersion out;
                const auto version = [](const core::Answer& answer) {
                    return versionFrom(commandText(protocol::CommandId::GetOpenGoProVersion), answer);
                };
                readAnswer(camera, answer, time, out.mutable_result(), version,
                           [&out](const protocol::OpenGoProVersion& read) {
                               out.set_major(read.major);
                               out.set_minor(read.minor);
                           });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

grpc::ServerUnaryReactor* Service::SetDateTime(grpc::CallbackServerContext* context,
                                               const v1::SetDateTimeRequest* request, v1::MultiResult* response) {
    if (request->has_time()) {
        return commandOnEach(context, request->target(), response,
                             [&] { return dateTimeCommand(*request, options_.clock); });
    }
    // issue 17: "now" is written at the start of the next whole second (at least kMinLead
    // ahead) and carries that second, so that each camera's clock is within one write
    // latency of the host's; each result's sent - planned says how far within.
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        const auto second = std::chrono::ceil<std::chrono::seconds>(time.systemNow() + kMinLead);
        v1::SetDateTimeRequest aligned = *request;
        setTimestamp(aligned.mutable_time(), second);
        core::Result<Command> built = dateTimeCommand(aligned, options_.clock);
        if (!built) return Unexpected{built.error()};
        const core::WallTime sendAt = second;
        const auto deadline =
            plannedDeadline(context, time, sendAt, "the next whole second (the clock is written at its start)");
        if (!deadline) return Unexpected{deadline.error()};
        runOnEach(call, std::move(selection), std::move(built->request), std::move(built->check), *deadline, time,
                  response, sendAt);
        return {};
    });
}

grpc::ServerUnaryReactor* Service::SetKeepAlive(grpc::CallbackServerContext* /*context*/,
                                                const v1::SetKeepAliveRequest* request, v1::MultiResult* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const auto interval = keepAliveInterval(*request);
        if (!interval) return Unexpected{interval.error()};
        core::Control* control = &control_;
        outcomesOnEach(call, std::move(selection), response,
                       [control, interval = *interval](const core::CameraView& camera, auto done) {
                           control->setKeepAlive(camera.address, interval, std::move(done));
                       });
        return {};
    });
}

// --- WiFi -----------------------------------------------------------------------

grpc::ServerUnaryReactor* Service::GetApInfo(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                             v1::ApInfo* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        core::Control* control = &control_;
        callOnOne<core::ApInfo>(
            control_, call, std::move(selection), "GetApInfo",
            [control, deadline = deadlineFor(context, options_.requestTimeout)](const std::string& address,
                                                                                core::CallId id, auto finished) {
                control->readApInfo(id, address, deadline, std::move(finished));
            },
            [response](const core::CameraView& camera, const core::ApInfo& info) {
                *response->mutable_result() = okResult(camera);
                setSsid(info.ssid, response->mutable_ssid(), response->mutable_ssid_raw());
                setSsid(info.password, response->mutable_password(), response->mutable_password_raw());
            });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::SetAp(grpc::CallbackServerContext* context, const v1::SetApRequest* request,
                                         v1::MultiResult* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        core::Control* control = &control_;
        outcomesOnEach(call, std::move(selection), response,
                       [call, control, on = request->on(), deadline = deadlineFor(context, options_.longTimeout)](
                           const core::CameraView& camera, auto done) {
                           cancellable<void>(
                               call,
                               [control, &camera, on, deadline](core::CallId id,
                                                                std::function<void(core::Result<void>)> finished) {
                                   control->setAp(id, camera.address, on, deadline, std::move(finished));
                               },
                               std::move(done));
                       });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::ScanNetworks(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                                v1::ScanNetworksResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        core::Control* control = &control_;
        callOnOne<std::vector<core::ScanEntry>>(
            control_, call, std::move(selection), "ScanNetworks",
            [control, deadline = deadlineFor(context, options_.longTimeout)](const std::string& address,
                                                                             core::CallId id, auto finished) {
                control->wifiScan(id, address, deadline, std::move(finished));
            },
            [response](const core::CameraView& camera, const std::vector<core::ScanEntry>& entries) {
                *response->mutable_result() = okResult(camera);
                for (const auto& entry : entries) *response->add_networks() = toProto(entry);
            });
        return {};
    });
}

grpc::ServerWriteReactor<v1::ConnectNetworkProgress>* Service::ConnectNetwork(
    grpc::CallbackServerContext* context, const v1::ConnectNetworkRequest* request) {
    using Progress = v1::ConnectNetworkProgress;
    return openStream<Progress>(networkTarget(*request), [this, context](auto* reactor, NetworkTarget target) {
        auto stream = reactor->stream();
        core::Control* control = &control_;
        const core::CallId id = streamCall(control_, *stream);
        const core::Deadline deadline = deadlineFor(context, options_.longTimeout);
        resolveOne(control_, stream, std::move(target.selection), "ConnectNetwork",
                   [stream, control, id, deadline, ssid = std::move(target.ssid),
                    password = std::move(target.password)](const core::CameraView& camera) {
                       auto savedPassword = std::make_shared<bool>(false);  // both callbacks run on the core thread
                       control->wifiConnect(
                           id, camera.address, ssid, password, deadline,
                           [stream, savedPassword](const core::WifiProgress& progress) {
                               *savedPassword = progress.savedPassword;
                               Progress message;
                               message.set_step(toProto(progress.step));
                               message.set_detail(protocol::validUtf8(progress.detail));  // quotes the SSID
                               message.set_saved_password(progress.savedPassword);
                               stream->write(std::move(message));
                           },
                           [stream, ssid, savedPassword](core::Result<void> done) {
                               if (!done) {
                                   stream->fail(done.error());
                                   return;
                               }
                               Progress message;
                               message.set_step(Progress::STEP_CONNECTED);
                               message.set_detail(
                                   protocol::validUtf8("connected to " + quoted(ssid) +
                                                       (*savedPassword ? " with the password the camera saved" : "")));
                               message.set_saved_password(*savedPassword);
                               stream->write(std::move(message));
                               stream->finish(grpc::Status::OK);
                           });
                       // A cancel between resolve and here reached Control before it knew the id.
                       if (stream->ended()) control->cancel(id);
                   });
    });
}

// --- Events and raw messages ----------------------------------------------------

grpc::ServerWriteReactor<v1::Event>* Service::WatchEvents(grpc::CallbackServerContext* /*context*/,
                                                          const v1::WatchEventsRequest* request) {
    return openStream<v1::Event>(eventFilter(*request), [this](auto* reactor, core::EventFilter filter) {
        // Headers now: a client can wait for them to know that the subscription is live.
        reactor->StartSendInitialMetadata();
        auto stream = reactor->stream();

        // Events may arrive, and the stream may end, before subscribe() returns the id.
        struct Subscription {
            std::mutex mutex;
            std::optional<std::uint64_t> id;
            bool ended = false;
        };
        auto subscription = std::make_shared<Subscription>();
        core::Control* control = &control_;
        stream->onAbort([control, subscription] {
            std::optional<std::uint64_t> id;
            {
                std::lock_guard lock(subscription->mutex);
                subscription->ended = true;
                id = subscription->id;
            }
            if (id) control->unsubscribe(*id);
        });
        auto subscribed =
            control_.subscribe(std::move(filter), [stream, clock = options_.clock](const core::Event& event) {
                stream->write(toProto(event, clock.systemNow()));
            });
        if (!subscribed) {
            stream->fail(subscribed.error());
            return;
        }
        bool ended = false;
        {
            std::lock_guard lock(subscription->mutex);
            subscription->id = *subscribed;
            ended = subscription->ended;
        }
        if (ended) control_.unsubscribe(*subscribed);
    });
}

grpc::ServerUnaryReactor* Service::SendRaw(grpc::CallbackServerContext* context, const v1::SendRawRequest* request,
                                           v1::SendRawResponse* response) {
    auto* reactor = new UnaryReactor(control_);
    auto call = reactor->call();
    auto selection = singleSelection(request->camera());
    if (!selection) {
        call->fail(selection.error());
        return reactor;
    }
    const auto characteristic = fromProto(request->characteristic());
    if (!characteristic) {
        call->fail(invalid("characteristic must be COMMAND, SETTINGS, QUERY or NETWORK"));
        return reactor;
    }
    if (request->message().empty()) {
        call->fail(invalid("message is empty"));
        return reactor;
    }
    if (request->message().size() > protocol::kMax13BitLength) {
        call->fail(invalid("message is " + std::to_string(request->message().size()) + " bytes long; at most " +
                           std::to_string(protocol::kMax13BitLength) + " are allowed"));
        return reactor;
    }
    protocol::Request raw =
        protocol::makeRequest(*characteristic, protocol::Bytes(request->message().begin(), request->message().end()));
    const core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
    const TimeBase time = TimeBase::now(options_.clock);
    // The selection names one camera at most: one selector, or the only connected one.
    requestEach(call, std::move(*selection), std::move(raw), deadline, {},
                [call, time, response](core::Result<std::vector<core::CameraAnswer>> outcomes) {
                    if (outcomes && outcomes->empty()) outcomes = Unexpected{noReadyCamera()};
                    if (!outcomes) {
                        call->fail(outcomes.error());
                        return;
                    }
                    const auto& [camera, answer] = outcomes->front();
                    if (!answer) {
                        call->fail(answer.error());
                        return;
                    }
                    // Raw answers are not interpreted: the caller reads the camera's status itself.
                    call->finish(grpc::Status::OK, [&] {
                        *response->mutable_result() = okResult(camera);
                        setAnswerTimes(response->mutable_result(), *answer, time);
                        response->set_response(std::string(answer->message.begin(), answer->message.end()));
                    });
                });
    return reactor;
}

// --- The daemon itself ----------------------------------------------------------

grpc::ServerUnaryReactor* Service::GetDaemonStatus(grpc::CallbackServerContext* /*context*/,
                                                   const v1::GetDaemonStatusRequest* /*request*/,
                                                   v1::DaemonStatus* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        const auto uptime = options_.clock.steadyNow() - started_;
        control_.status([call, response, uptime, version = options_.version, streams = streams_->load(),
                         maxStreams = options_.maxStreams, clock = options_.clock](core::RegistryStatus status) {
            call->finish(grpc::Status::OK, [&] {
                toProto(status, response);
                // issue 17: read last, as close to the answer as can be
                if (const auto sync = clock.sync ? clock.sync() : std::nullopt) {
                    auto* out = response->mutable_clock_sync();
                    out->set_known(true);
                    out->set_synchronized(sync->synchronized);
                    setDuration(out->mutable_max_error(), sync->maxError);
                    setDuration(out->mutable_estimated_error(), sync->estimatedError);
                }
                setTimestamp(response->mutable_clock(), clock.systemNow());
                response->set_version(version);
                setDuration(response->mutable_uptime(), uptime);
                response->mutable_streams()->set_count(static_cast<std::uint32_t>(streams));
                response->mutable_streams()->set_limit(static_cast<std::uint32_t>(maxStreams));
            });
        });
        return {};
    });
}

// --- issue 15 D: COHN ------------------------------------------------------------

namespace {

// A protobuf answer, refused when the camera does not support the operation or it does not decode.
core::Result<protocol::ProtobufMessage> protobufAnswer(const std::string& what, const core::Answer& answer) {
    const auto incoming = protocol::classify(answer.from, answer.message);
    if (incoming.kind == protocol::Incoming::UnsupportedReply) {
        return Unexpected{core::Error{Errc::CameraRejected, what + " failed: the camera does not support it", {}}};
    }
    auto decoded = protocol::decodeProtobuf(answer.message);
    if (!decoded) return Unexpected{malformedAnswer(what, decoded.error())};
    return std::move(*decoded);
}

// Protobuf results are not status bytes: the result's name goes in the message.
core::Error protobufRejected(const std::string& what, int result) {
    return core::Error{Errc::CameraRejected, what + " failed: " + std::string(protocol::resultGenericName(result)), {}};
}

Check genericCheck(std::string what) {
    return [what = std::move(what)](const core::Answer& answer) -> core::Result<void> {
        auto decoded = protobufAnswer(what, answer);
        if (!decoded) return Unexpected{decoded.error()};
        const auto* response = decoded->as<open_gopro::ResponseGeneric>();
        if (response == nullptr) return Unexpected{core::Error{Errc::Internal, "unexpected answer to " + what, {}}};
        if (response->result() != open_gopro::RESULT_SUCCESS)
            return Unexpected{protobufRejected(what, response->result())};
        return {};
    };
}

core::Result<v1::CohnStatus> cohnStatusFrom(const std::string& what, const core::Answer& answer) {
    auto decoded = protobufAnswer(what, answer);
    if (!decoded) return Unexpected{decoded.error()};
    v1::CohnStatus status;
    if (!cohnStatusFromMessage(answer.message, &status)) {
        return Unexpected{core::Error{Errc::Internal, "unexpected answer to " + what, {}}};
    }
    return status;
}

core::Result<std::string> cohnCertFrom(const std::string& what, const core::Answer& answer) {
    auto decoded = protobufAnswer(what, answer);
    if (!decoded) return Unexpected{decoded.error()};
    const auto* response = decoded->as<open_gopro::ResponseCOHNCert>();
    if (response == nullptr) return Unexpected{core::Error{Errc::Internal, "unexpected answer to " + what, {}}};
    if (response->result() != open_gopro::RESULT_SUCCESS) return Unexpected{protobufRejected(what, response->result())};
    return response->cert();
}

v1::ProvisionCohnProgress::Step toProto(core::CohnProgress::Step step) {
    switch (step) {
        case core::CohnProgress::Step::DateTime:
            return v1::ProvisionCohnProgress::STEP_DATE_TIME;
        case core::CohnProgress::Step::Network:
            return v1::ProvisionCohnProgress::STEP_NETWORK;
        case core::CohnProgress::Step::Certificate:
            return v1::ProvisionCohnProgress::STEP_CERTIFICATE;
        case core::CohnProgress::Step::Waiting:
            return v1::ProvisionCohnProgress::STEP_WAITING;
    }
    return v1::ProvisionCohnProgress::STEP_UNSPECIFIED;
}

struct CohnTarget {
    NetworkTarget network;
    protocol::LocalDateTime now;
};

// The network as ConnectNetwork checks it, and the host's local time with its UTC offset (DST included).
core::Result<CohnTarget> cohnTarget(const v1::ProvisionCohnRequest& request, const Clock& clock) {
    v1::ConnectNetworkRequest network;
    network.set_camera(request.camera());
    network.set_ssid(request.ssid());
    network.set_ssid_raw(request.ssid_raw());
    if (request.has_password()) network.set_password(request.password());
    auto target = networkTarget(network);
    if (!target) return Unexpected{target.error()};
    const time_t seconds = std::chrono::system_clock::to_time_t(clock.systemNow());
    struct tm fields {};
    localtime_r(&seconds, &fields);
    const protocol::LocalDateTime now{protocol::dateTimeFrom(fields), static_cast<std::int16_t>(fields.tm_gmtoff / 60),
                                      fields.tm_isdst > 0};
    return CohnTarget{std::move(*target), now};
}

}  // namespace

grpc::ServerUnaryReactor* Service::GetCohnStatus(grpc::CallbackServerContext* context,
                                                 const v1::GetCohnStatusRequest* request,
                                                 v1::CohnStatusResponse* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        eachCamera<v1::CameraCohnStatus>(
            call, std::move(selection), protocol::operation::getCohnStatus(request->register_updates()),
            deadlineFor(context, options_.requestTimeout),
            [time](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraCohnStatus out;
                readAnswer(
                    camera, answer, time, out.mutable_result(),
                    [](const core::Answer& read) { return cohnStatusFrom("Get COHN Status", read); },
                    [&out](const v1::CohnStatus& status) { *out.mutable_status() = status; });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

// --- issue 15 B: presets and setting capabilities ---------------------------------

grpc::ServerUnaryReactor* Service::GetPresets(grpc::CallbackServerContext* context,
                                              const v1::GetPresetsRequest* request, v1::PresetsResponse* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        eachCamera<v1::CameraPresets>(
            call, std::move(selection),
            protocol::operation::getPresetStatus(request->include_hidden(), request->register_updates()),
            deadlineFor(context, options_.requestTimeout),
            [time](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraPresets out;
                const auto presets = [](const core::Answer& read) -> core::Result<protocol::ProtobufMessage> {
                    auto message = protocol::decodeProtobuf(read.message);
                    if (!message) return Unexpected{malformedAnswer("Get Preset Status", message.error())};
                    if (message->as<open_gopro::NotifyPresetStatus>() == nullptr) {
                        return Unexpected{core::Error{Errc::Internal, "unexpected answer to Get Preset Status", {}}};
                    }
                    return std::move(*message);
                };
                readAnswer(camera, answer, time, out.mutable_result(), presets,
                           [&out](const protocol::ProtobufMessage& message) {
                               toProto(*message.as<open_gopro::NotifyPresetStatus>(), &out);
                           });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

grpc::ServerUnaryReactor* Service::GetCapabilities(grpc::CallbackServerContext* context,
                                                   const v1::GetValuesRequest* request,
                                                   v1::CapabilitiesResponse* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        auto ids = valueIds(request->ids());
        if (!ids) return Unexpected{ids.error()};
        const TimeBase time = TimeBase::now(options_.clock);
        const auto query = protocol::QueryId::GetSettingCapabilities;
        eachCamera<v1::CameraCapabilities>(
            call, std::move(selection), protocol::query(query, *ids), deadlineFor(context, options_.requestTimeout),
            [time, asked = *ids](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraCapabilities out;
                const std::string what(
                    protocol::queryName(static_cast<std::uint8_t>(protocol::QueryId::GetSettingCapabilities))
                        .value_or("query"));
                readAnswer(
                    camera, answer, time, out.mutable_result(),
                    [&what](const core::Answer& read) { return queryAnswer(what, read); },
                    [&out, &asked](const protocol::QueryResponse& parsed) { toProto(parsed.entries, asked, &out); });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

// --- group C: live streaming ---------------------------------------------------

namespace {
struct LiveStreamTarget {
    core::Selection selection;
    protocol::operation::LiveStreamMode mode;
};

// issue 15 G: an rtmp:// or rtmps:// URL (any case), a PEM certificate or none.
core::Result<void> checkStreamUrlAndCertificate(const protocol::operation::LiveStreamMode& mode) {
    const std::string url = protocol::asciiLower(mode.url.substr(0, 8));
    if (!mode.url.empty() && !url.starts_with("rtmp://") && !url.starts_with("rtmps://")) {
        return Unexpected{invalid("the stream URL must start with rtmp:// or rtmps://")};
    }
    if (!mode.certificate.empty() && mode.certificate.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return Unexpected{invalid("the certificate is not PEM (no -----BEGIN CERTIFICATE----- line)")};
    }
    return {};
}

core::Result<LiveStreamTarget> liveStreamTarget(const v1::StartLiveStreamRequest& request) {
    auto selection = singleSelection(request.camera());
    if (!selection) return Unexpected{selection.error()};
    protocol::operation::LiveStreamMode mode;
    mode.url = request.url();
    mode.encode = !request.no_encode();
    if (request.window() != 0) {
        mode.windowSize = windowFromLines(request.window());
        if (!mode.windowSize) {
            return Unexpected{invalid("window " + std::to_string(request.window()) + " is not 480, 720 or 1080")};
        }
    }
    if (request.lens() != v1::LIVE_STREAM_LENS_UNSPECIFIED) {
        mode.lens = lensFromProto(request.lens());
        if (!mode.lens) return Unexpected{invalid("unknown lens " + std::to_string(request.lens()))};
    }
    const auto kbps = [](std::uint32_t v) -> std::optional<std::int32_t> {
        if (v == 0) return std::nullopt;
        return static_cast<std::int32_t>(std::min<std::uint32_t>(v, 1U << 30));
    };
    mode.minimumKbps = kbps(request.minimum_kbps());
    mode.maximumKbps = kbps(request.maximum_kbps());
    mode.startingKbps = kbps(request.starting_kbps());
    mode.certificate = request.certificate();
    // issue 15 G: what the camera would refuse (a URL it cannot stream to, a
    // certificate it cannot read) or goprod could not send (one message is at
    // most 8191 bytes) is the caller's mistake, not the camera's rejection.
    if (auto ok = checkStreamUrlAndCertificate(mode); !ok) return Unexpected{ok.error()};
    // The protocol library's checks, before anything reaches a camera.
    auto built = protocol::operation::setLiveStreamMode(mode);
    if (!built) return Unexpected{invalid(built.error().detail)};
    if (built->message.size() > protocol::kMax13BitLength) {  // issue 15 G
        return Unexpected{invalid("the live-stream mode is " + std::to_string(built->message.size()) +
                                  " bytes with its URL and certificate; at most " +
                                  std::to_string(protocol::kMax13BitLength) + " fit in one message")};
    }
    return LiveStreamTarget{std::move(*selection), std::move(mode)};
}
}  // namespace

grpc::ServerWriteReactor<v1::LiveStreamProgress>* Service::StartLiveStream(
    grpc::CallbackServerContext* context, const v1::StartLiveStreamRequest* request) {
    using Progress = v1::LiveStreamProgress;
    return openStream<Progress>(liveStreamTarget(*request), [this, context](auto* reactor, LiveStreamTarget target) {
        auto stream = reactor->stream();
        core::Control* control = &control_;
        const core::CallId id = streamCall(control_, *stream);
        const core::Deadline deadline = deadlineFor(context, options_.longTimeout);
        resolveOne(control_, stream, std::move(target.selection), "StartLiveStream",
                   [stream, control, id, deadline, mode = std::move(target.mode)](const core::CameraView& camera) {
                       control->liveStreamStart(
                           id, camera.address, mode, deadline,
                           [stream](const core::LiveStreamProgress& progress) {
                               Progress message;
                               message.set_step(toProto(progress.step));
                               message.set_detail(progress.detail);
                               if (auto status = liveStreamStatus(progress.status)) {
                                   *message.mutable_status() = std::move(*status);
                               }
                               stream->write(std::move(message));
                           },
                           [stream](core::Result<void> done) {
                               if (!done) {
                                   stream->fail(done.error());
                                   return;
                               }
                               stream->finish(grpc::Status::OK);
                           });
                       if (stream->ended()) control->cancel(id);
                   });
    });
}

grpc::ServerUnaryReactor* Service::GetLiveStreamStatus(grpc::CallbackServerContext* context,
                                                       const v1::CameraRequest* request,
                                                       v1::LiveStreamStatusResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        // Registered: the camera's later changes become KIND_LIVE_STREAM events.
        eachCamera<v1::CameraLiveStreamStatus>(
            call, std::move(selection), protocol::operation::getLiveStreamStatus(true),
            deadlineFor(context, options_.requestTimeout),
            [time](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraLiveStreamStatus out;
                const auto parse = [](const core::Answer& a) -> core::Result<v1::LiveStreamStatus> {
                    if (a.message.size() == 2) {
                        return Unexpected{core::Error{Errc::CameraRejected,
                                                      "the camera does not support live streaming", {}}};
                    }
                    auto status = liveStreamStatus(a.message);
                    if (!status) return Unexpected{core::Error{Errc::Internal, "malformed live-stream status", {}}};
                    return std::move(*status);
                };
                readAnswer(camera, answer, time, out.mutable_result(), parse,
                           [&out](const v1::LiveStreamStatus& status) { *out.mutable_status() = status; });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

grpc::ServerUnaryReactor* Service::CreateCohnCert(grpc::CallbackServerContext* context,
                                                  const v1::CreateCohnCertRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] {
        return Command{protocol::operation::createCohnCert(request->override()),
                       genericCheck("Create COHN Certificate")};
    });
}

grpc::ServerUnaryReactor* Service::ClearCohnCert(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                                 v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return Command{protocol::operation::clearCohnCert(), genericCheck("Clear COHN Certificate")};
    });
}

grpc::ServerUnaryReactor* Service::GetCohnCert(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                               v1::CohnCert* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
        const TimeBase time = TimeBase::now(options_.clock);
        resolveOne(control_, call, std::move(selection), "GetCohnCert",
                   [call, deadline, time, response](const core::CameraView& camera) {
                       requestOn(call, camera, protocol::operation::getCohnCert(), deadline,
                                 [call, camera, time, response](core::Result<core::Answer> answer) {
                                     // One camera: its failure is the RPC's, as GetApInfo's.
                                     auto cert = answer ? cohnCertFrom("Get COHN Certificate", *answer)
                                                        : core::Result<std::string>(Unexpected{answer.error()});
                                     if (!cert) {
                                         call->fail(cert.error());
                                         return;
                                     }
                                     call->finish(grpc::Status::OK, [&] {
                                         *response->mutable_result() = okResult(camera);
                                         setAnswerTimes(response->mutable_result(), *answer, time);
                                         response->set_cert(protocol::validUtf8(*cert));
                                     });
                                 });
                   });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::SetCohn(grpc::CallbackServerContext* context, const v1::SetCohnRequest* request,
                                           v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] {
        return Command{protocol::operation::setCohnSetting(request->enabled()),
                       genericCheck(std::string("Set COHN Setting ") + (request->enabled() ? "on" : "off"))};
    });
}

grpc::ServerWriteReactor<v1::ProvisionCohnProgress>* Service::ProvisionCohn(grpc::CallbackServerContext* context,
                                                                            const v1::ProvisionCohnRequest* request) {
    using Progress = v1::ProvisionCohnProgress;
    return openStream<Progress>(
        cohnTarget(*request, options_.clock), [this, context](auto* reactor, CohnTarget target) {
            auto stream = reactor->stream();
            core::Control* control = &control_;
            const core::CallId id = streamCall(control_, *stream);
            const core::Deadline deadline = deadlineFor(context, options_.longTimeout);
            resolveOne(control_, stream, std::move(target.network.selection), "ProvisionCohn",
                       [stream, control, id, deadline, now = target.now, ssid = std::move(target.network.ssid),
                        password = std::move(target.network.password)](const core::CameraView& camera) {
                           control->provisionCohn(
                               id, camera.address, ssid, password, now, deadline,
                               [stream](const core::CohnProgress& progress) {
                                   Progress message;
                                   message.set_step(toProto(progress.step));
                                   message.set_detail(protocol::validUtf8(progress.detail));
                                   stream->write(std::move(message));
                               },
                               [stream](core::Result<core::CohnCredentials> done) {
                                   if (!done) {
                                       stream->fail(done.error());
                                       return;
                                   }
                                   Progress message;
                                   message.set_step(Progress::STEP_PROVISIONED);
                                   message.set_detail(protocol::validUtf8("on the network \"" + done->ssid + "\" at " +
                                                                          done->ipAddress));
                                   auto* credentials = message.mutable_credentials();
                                   credentials->set_ip_address(protocol::validUtf8(done->ipAddress));
                                   credentials->set_username(protocol::validUtf8(done->username));
                                   credentials->set_password(protocol::validUtf8(done->password));
                                   credentials->set_cert(protocol::validUtf8(done->cert));
                                   credentials->set_ssid(protocol::validUtf8(done->ssid));
                                   stream->write(std::move(message));
                                   stream->finish(grpc::Status::OK);
                               });
                           // A cancel between resolve and here reached Control before it knew the id.
                           if (stream->ended()) control->cancel(id);
                       });
        });
}

grpc::ServerUnaryReactor* Service::StopLiveStream(grpc::CallbackServerContext* context,
                                                  const v1::CameraRequest* request, v1::MultiResult* response) {
    // The spec's way: shutter off ends the stream.
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::setShutter(false), "stop live stream (shutter off)");
    });
}

// --- issue 15 group A: more camera commands -------------------------------------

grpc::ServerUnaryReactor* Service::Hilight(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                           v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::hilight(), commandText(protocol::CommandId::Hilight));
    });
}

grpc::ServerUnaryReactor* Service::PowerDown(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                             v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::powerDown(), commandText(protocol::CommandId::PowerDown));
    });
}

grpc::ServerUnaryReactor* Service::Reboot(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                          v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return tlvCommand(protocol::command::reboot(), commandText(protocol::CommandId::Reboot));
    });
}

grpc::ServerUnaryReactor* Service::SetTurboTransfer(grpc::CallbackServerContext* context,
                                                    const v1::SetTurboTransferRequest* request,
                                                    v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] {
        return genericCommand(protocol::operation::setTurboActive(request->on()),
                              std::string("Set Turbo Transfer ") + (request->on() ? "on" : "off"));
    });
}

grpc::ServerUnaryReactor* Service::SetCameraControl(grpc::CallbackServerContext* context,
                                                    const v1::SetCameraControlRequest* request,
                                                    v1::MultiResult* response) {
    if (request->session()) return claimControl(context, *request, response);  // issue 15 E
    return commandOnEach(context, request->target(), response, [&]() -> core::Result<Command> {
        const auto status = cameraControlStatus(request->control());
        if (!status) {
            return Unexpected{invalid("unknown camera control " + std::to_string(request->control()) +
                                      " (idle 1, camera 2, external 3)")};
        }
        auto built = protocol::operation::setCameraControl(*status);
        if (!built) return Unexpected{invalid(protocol::describe(built.error()))};
        return genericCommand(std::move(*built), "Set Camera Control Status " + std::to_string(*status));
    });
}

grpc::ServerUnaryReactor* Service::SetCameraName(grpc::CallbackServerContext* context,
                                                 const v1::SetCameraNameRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&]() -> core::Result<Command> {
        if (auto ok = checkSsid(request->name()); !ok) {
            return Unexpected{invalid("the camera name is " + std::to_string(request->name().size()) +
                                      " bytes long; 1 to 32 are allowed")};
        }
        return genericCommand(protocol::operation::setCameraName(request->name()),
                              "Set Camera Name " + quoted(request->name()));
    });
}

grpc::ServerUnaryReactor* Service::ReleaseNetwork(grpc::CallbackServerContext* context,
                                                  const v1::CameraRequest* request, v1::MultiResult* response) {
    return commandOnEach(context, *request, response, [] {
        return genericCommand(protocol::operation::releaseNetwork(), "Release Network");
    });
}

// --- issue 15 F: preset visibility and the custom preset update ---------------------

grpc::ServerUnaryReactor* Service::SetPresetVisibility(grpc::CallbackServerContext* context,
                                                       const v1::SetPresetVisibilityRequest* request,
                                                       v1::MultiResult* response) {
    return commandOnEach(context, request->target(), response, [&] {
        return genericCommand(protocol::operation::presetSetVisibility(request->preset_id(), request->visible()),
                              "Set Preset Visibility of preset " + std::to_string(request->preset_id()) +
                                  (request->visible() ? " (visible)" : " (hidden)"));
    });
}

namespace {

// Whether the camera's answer to Get Status Values 97 names `presetId` as its active preset.
core::Result<void> checkActivePreset(std::int32_t presetId, const core::Answer& answer) {
    auto read = queryAnswer("Get Status 97 (active preset)", answer);
    if (!read) return Unexpected{read.error()};
    for (const auto& entry : read->entries) {
        if (entry.id != protocol::status_id::kPreset) continue;
        const auto active = protocol::readBigEndian(entry.value);
        if (active == static_cast<std::uint32_t>(presetId)) return {};
        return Unexpected{core::Error{Errc::CameraRejected,
                                      "preset " + std::to_string(presetId) + " is not the active preset (" +
                                          std::to_string(active) +
                                          " is); the camera updates only its active custom preset: load it first",
                                      {}}};
    }
    return Unexpected{core::Error{Errc::Internal, "the camera did not report its active preset", {}}};
}

}  // namespace

// --- issue 15 E: the camera's clock ------------------------------------------------

namespace {

// The camera's clock as the API gives it. Without an offset the wall time is
// read in goprod's time zone, as SetDateTime without one writes it.
v1::CameraDateTime dateTimeOf(const protocol::DateTime& time, std::optional<protocol::LocalDateTime> local) {
    v1::CameraDateTime out;
    char text[32];
    std::snprintf(text, sizeof text, "%04u-%02u-%02uT%02u:%02u:%02u", time.year, time.month, time.day, time.hour,
                  time.minute, time.second);
    out.set_local_time(text);
    std::tm fields{};
    fields.tm_year = time.year - 1900;
    fields.tm_mon = time.month - 1;
    fields.tm_mday = time.day;
    fields.tm_hour = time.hour;
    fields.tm_min = time.minute;
    fields.tm_sec = time.second;
    time_t seconds = 0;
    if (local) {
        out.set_utc_offset_minutes(local->utcOffsetMinutes);
        out.set_dst(local->dst);
        seconds = timegm(&fields) - time_t{local->utcOffsetMinutes} * 60;
    } else {
        fields.tm_isdst = -1;
        seconds = mktime(&fields);
    }
    setTimestamp(out.mutable_time(), std::chrono::system_clock::from_time_t(seconds));
    return out;
}

// A camera that answers Get Local Date Time with an error status lacks it (before HERO11).
bool lacksLocalDateTime(const core::Result<core::Answer>& answer) {
    if (!answer) return false;
    const auto response = protocol::parseCommandResponse(answer->message);
    return response && !response->ok();
}

}  // namespace

// The camera updates whichever preset is active. So that a client names the
// preset it means, the daemon reads the active one (status 97) first and sends
// the update only when it is `preset_id`; it does not load the preset itself
// (that would change what the camera records, behind the user's back).
grpc::ServerUnaryReactor* Service::UpdateCustomPreset(grpc::CallbackServerContext* context,
                                                      const v1::UpdateCustomPresetRequest* request,
                                                      v1::MultiResult* response) {
    return onSelection(request->target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        std::optional<std::string_view> name;
        if (!request->custom_name().empty()) name = request->custom_name();
        const auto title = request->has_title_id() ? std::optional(request->title_id()) : std::nullopt;
        const auto icon = request->has_icon_id() ? std::optional(request->icon_id()) : std::nullopt;
        auto built = protocol::operation::customPresetUpdate(title, name, icon);
        if (!built) return Unexpected{invalid(protocol::describe(built.error()))};
        const std::int32_t presetId = request->preset_id();
        auto update = std::make_shared<Command>(
            genericCommand(std::move(*built), "Custom Preset Update of preset " + std::to_string(presetId)));
        const auto deadline = deadlineFor(context, options_.requestTimeout);
        const TimeBase time = TimeBase::now(options_.clock);
        resolveOne(control_, call, std::move(selection), "UpdateCustomPreset",
                   [call, update, presetId, deadline, time, response](const core::CameraView& camera) {
                       const auto finish = [call, response](v1::CameraResult result) {
                           call->finish(grpc::Status::OK, [&] { *response->add_results() = std::move(result); });
                       };
                       const auto updateIfActive = [=](core::Result<core::Answer> answer) {
                           if (call->ended()) return;
                           if (!answer) return finish(errorResult(camera, answer.error()));
                           if (auto ok = checkActivePreset(presetId, *answer); !ok) {
                               return finish(errorResult(camera, ok.error()));
                           }
                           requestOn(call, camera, update->request, deadline, [=](core::Result<core::Answer> done) {
                               if (!call->ended()) finish(resultOf(camera, done, time, update->check));
                           });
                       };
                       const protocol::Bytes preset{protocol::status_id::kPreset};
                       requestOn(call, camera, protocol::query(protocol::QueryId::GetStatusValues, preset), deadline,
                                 updateIfActive);
                   });
        return {};
    });
}

grpc::ServerUnaryReactor* Service::GetDateTime(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                               v1::DateTimeResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
        const TimeBase time = TimeBase::now(options_.clock);
        PerCamera<v1::CameraDateTime> perCamera = [call, deadline, time](const core::CameraView& camera,
                                                                         std::function<void(v1::CameraDateTime)> done) {
            requestOn(
                call, camera, protocol::command::getLocalDateTime(), deadline,
                [call, camera, deadline, time, done](core::Result<core::Answer> answer) {
                    if (!lacksLocalDateTime(answer)) {
                        v1::CameraDateTime out;
                        const auto parse = [](const core::Answer& a) -> core::Result<protocol::LocalDateTime> {
                            const std::string what = commandText(protocol::CommandId::GetLocalDateTime);
                            auto response = commandAnswer(what, a);
                            if (!response) return Unexpected{response.error()};
                            auto parsed = protocol::parseLocalDateTimeResponse(response->payload);
                            if (!parsed) return Unexpected{malformedAnswer(what, parsed.error())};
                            return *parsed;
                        };
                        v1::CameraResult result;
                        readAnswer(camera, answer, time, &result, parse,
                                   [&out](const protocol::LocalDateTime& read) { out = dateTimeOf(read.time, read); });
                        *out.mutable_result() = std::move(result);
                        done(std::move(out));
                        return;
                    }
                    requestOn(call, camera, protocol::command::getDateTime(), deadline,
                              [camera, time, done](core::Result<core::Answer> plain) {
                                  v1::CameraDateTime out;
                                  const auto parse = [](const core::Answer& a) -> core::Result<protocol::DateTime> {
                                      const std::string what = commandText(protocol::CommandId::GetDateTime);
                                      auto response = commandAnswer(what, a);
                                      if (!response) return Unexpected{response.error()};
                                      auto parsed = protocol::parseDateTimeResponse(response->payload);
                                      if (!parsed) return Unexpected{malformedAnswer(what, parsed.error())};
                                      return *parsed;
                                  };
                                  v1::CameraResult result;
                                  readAnswer(
                                      camera, plain, time, &result, parse,
                                      [&out](const protocol::DateTime& read) { out = dateTimeOf(read, std::nullopt); });
                                  *out.mutable_result() = std::move(result);
                                  done(std::move(out));
                              });
                });
        };
        collect(call, std::move(selection), std::move(perCamera), response->mutable_cameras());
        return {};
    });
}

// --- issue 15 E: last captured media -------------------------------------------------

grpc::ServerUnaryReactor* Service::GetLastMedia(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                                v1::LastMediaResponse* response) {
    return onSelection(*request, [&](const Call& call, core::Selection selection) -> core::Result<void> {
        const TimeBase time = TimeBase::now(options_.clock);
        eachCamera<v1::CameraLastMedia>(
            call, std::move(selection), protocol::operation::getLastCapturedMedia(),
            deadlineFor(context, options_.requestTimeout),
            [time](const core::CameraView& camera, const core::Result<core::Answer>& answer) {
                v1::CameraLastMedia out;
                readAnswer(camera, answer, time, out.mutable_result(), lastMediaOf, [&out](const LastMedia& media) {
                    out.set_folder(media.folder);
                    out.set_file(media.file);
                });
                return out;
            },
            response->mutable_cameras());
        return {};
    });
}

// --- issue 15 E: external control for the session ------------------------------------

grpc::ServerUnaryReactor* Service::claimControl(grpc::CallbackServerContext* context,
                                                const v1::SetCameraControlRequest& request,
                                                v1::MultiResult* response) {
    return onSelection(request.target(), [&](const Call& call, core::Selection selection) -> core::Result<void> {
        if (request.control() != v1::CAMERA_CONTROL_EXTERNAL && request.control() != v1::CAMERA_CONTROL_IDLE) {
            return Unexpected{invalid("session control claims (external 3) or releases (idle 1), not " +
                                      std::to_string(request.control()))};
        }
        const bool claim = request.control() == v1::CAMERA_CONTROL_EXTERNAL;
        const core::Deadline deadline = deadlineFor(context, options_.requestTimeout);
        core::Control* control = &control_;
        outcomesOnEach(call, std::move(selection), response,
                       [control, claim, deadline](const core::CameraView& camera, auto done) {
                           control->claimControl(camera.address, claim, deadline, std::move(done));
                       });
        return {};
    });
}

// --- issue 17: the capture journal ----------------------------------------------------

grpc::ServerUnaryReactor* Service::ListCaptures(grpc::CallbackServerContext* /*context*/,
                                                const v1::ListCapturesRequest* request,
                                                v1::ListCapturesResponse* response) {
    return unary([&](const Call& call) -> core::Result<void> {
        if (options_.journal == nullptr) {
            return core::fail(Errc::Unavailable,
                              "the capture journal is off ([journal] max_size_mib = 0 in goprod.conf)");
        }
        if ((request->has_since() && !validTimestamp(request->since())) ||
            (request->has_until() && !validTimestamp(request->until()))) {
            return Unexpected{invalid("since and until must be valid timestamps")};
        }
        // Reading the file (a few MiB at most) on this gRPC thread: the core thread is not involved.
        auto listed = options_.journal->list(*request);
        call->finish(grpc::Status::OK, [&] { *response = std::move(listed); });
        return {};
    });
}

}  // namespace goprod::rpc
