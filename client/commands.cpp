#include "client/commands.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include <strings.h>

#include "client/exit_codes.h"
#include "client/output.h"
#include "client/values.h"
#include "protocol/bytes.h"
#include "protocol/text.h"
#include "protocol/utf8.h"

namespace goprod::client {

void CallCanceller::attach(grpc::ClientContext* context) {
    std::lock_guard lock(mutex_);
    contexts_.push_back(context);
    if (cancelled_) context->TryCancel();
}

void CallCanceller::detach(grpc::ClientContext* context) {
    std::lock_guard lock(mutex_);
    std::erase(contexts_, context);
}

void CallCanceller::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    for (auto* context : contexts_) context->TryCancel();
}

bool CallCanceller::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

namespace {

using google::protobuf::RepeatedPtrField;

// One RPC's context: the deadline and the interrupt hook.
class Call {
public:
    Call(Session& session, const Invocation& invocation) : session_(session) {
        const double seconds = timeoutSeconds(invocation);
        if (seconds > 0) {
            context.set_deadline(
                std::chrono::system_clock::now() +
                std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)));
        }
        if (session_.canceller != nullptr) session_.canceller->attach(&context);
    }
    ~Call() {
        if (session_.canceller != nullptr) session_.canceller->detach(&context);
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    grpc::ClientContext context;

private:
    Session& session_;
};

bool interrupted(const Session& session) { return session.canceller != nullptr && session.canceller->cancelled(); }

// Prints a failed RPC as "goproctl: <message>" and maps its code.
int reportStatus(Session& session, const Invocation& invocation, const grpc::Status& status) {
    std::string message = status.error_message();
    switch (status.error_code()) {
        case grpc::StatusCode::UNAVAILABLE:
            if (session.daemonReachable && !session.daemonReachable()) {
                // gRPC's text ends with the cause: "...; last error: UNKNOWN: unix:/x: No such file or directory".
                std::string cause = message;
                if (const auto last = cause.rfind(": "); last != std::string::npos) cause.erase(0, last + 2);
                if (cause.find("Permission denied") != std::string::npos) {
                    // The socket is there, but only its group may use it.
                    const std::string group = session.socketGroup ? session.socketGroup() : std::string();
                    message = "no permission to use goprod's socket " + invocation.target +
                              ": the user must be in the socket's group" +
                              (group.empty() ? std::string() : " \"" + group + "\"") +
                              " (add it with usermod -aG, then log in again)";
                } else if (session.tls) {  // issue 17: a refused certificate looks the same from here
                    message = "cannot reach goprod at " + invocation.target +
                              " over TLS (is the daemon running, and do its CA and this client's certificate match?)";
                    if (!cause.empty()) message += ": " + cause;
                } else {
                    message = "cannot reach goprod at " + invocation.target + " (is the daemon running?)";
                    if (!cause.empty()) message += ": " + cause;
                }
            }
            break;
        case grpc::StatusCode::DEADLINE_EXCEEDED:
            // gRPC's own "Deadline Exceeded" does not say which limit.
            if (message.empty() || message == "Deadline Exceeded") {
                char seconds[32];
                std::snprintf(seconds, sizeof seconds, "%g", timeoutSeconds(invocation));
                message = std::string(commandName(invocation.command)) + ": no answer within " + seconds +
                          " s (raise it with --timeout)";
            }
            break;
        case grpc::StatusCode::CANCELLED:
            if (interrupted(session)) message = "interrupted";
            break;
        default:
            break;
    }
    if (message.empty()) message = std::string(statusCodeName(static_cast<int>(status.error_code())));
    session.err << "goproctl: " << message << '\n';
    return exitCodeFor(status.error_code());
}

// A CameraResult that failed: "goproctl: 0456: <message>"; its exit code.
int reportCameraFailure(Session& session, const v1::CameraResult& result) {
    const std::string camera = result.identifier().empty() ? "" : result.identifier() + ": ";
    session.err << "goproctl: " << camera << failureText(result) << '\n';
    return exitCodeFor(result.code());
}

v1::CameraRequest target(const Invocation& invocation) {
    v1::CameraRequest request;
    for (const auto& camera : invocation.cameras) request.add_cameras(camera);
    request.set_all(invocation.all);
    return request;
}

// An SSID or password as the API gives it: the string field, or the bytes
// field when it is not UTF-8 (the other is then empty).
const std::string& either(const std::string& text, const std::string& raw) { return raw.empty() ? text : raw; }

std::string firstCamera(const Invocation& invocation) {
    return invocation.cameras.empty() ? std::string() : invocation.cameras.front();
}

template <class Request, class Response>
using Unary = grpc::Status (v1::Goprod::StubInterface::*)(grpc::ClientContext*, const Request&, Response*);

template <class Request, class Response>
grpc::Status callUnary(Session& session, const Invocation& invocation, Unary<Request, Response> method,
                       const Request& request, Response* response) {
    Call call(session, invocation);
    return (session.stub.*method)(&call.context, request, response);
}

// ---- output pieces ----

std::string cameraState(const v1::Camera& camera) {
    std::string state = stateName(camera.state());
    if (camera.encoding()) {
        state += ", encoding";
    } else if (camera.busy()) {
        state += ", busy";
    }
    if (camera.control_claimed()) state += ", external control";  // issue 15 E
    // issue 16: "no adapter has room"
    if (!camera.waiting().empty()) state += ", " + camera.waiting();
    return state;
}

// issue 16: "hci1", "hci1 (pinned)", "- (pinned to hci3)".
std::string adapterCell(const v1::Camera& camera) {
    std::string cell = camera.adapter().empty() ? "-" : camera.adapter();
    const auto& pin = camera.pinned_adapter();
    if (pin.empty()) return cell;
    return cell + (pin == camera.adapter() ? " (pinned)" : " (pinned to " + printable(pin) + ")");
}

void printCameras(Session& session, const RepeatedPtrField<v1::Camera>& cameras) {
    Table table(
        {"IDENTIFIER", "NAME", "STATE", "ADAPTER", "MODEL", "FIRMWARE", "BATTERY", "RSSI", "QUEUE", "LAST ERROR"});
    table.alignRight(6);
    table.alignRight(7);
    table.alignRight(8);
    for (const auto& camera : cameras) {
        table.addRow({
            camera.identifier().empty() ? camera.address() : camera.identifier(),
            printable(camera.name()),
            cameraState(camera),
            adapterCell(camera),  // issue 16
            camera.model().empty() ? "-" : camera.model(),
            camera.firmware().empty() ? "-" : camera.firmware(),
            camera.has_battery_percent() ? std::to_string(camera.battery_percent()) + "%" : "-",
            camera.has_rssi() ? std::to_string(camera.rssi()) + " dBm" : "-",
            std::to_string(camera.queue_depth()),
            printable(camera.last_error()),
        });
    }
    session.print(table);
}

// Name/value lines for a single record ("SSID      GP24500456").
void printFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
    std::size_t width = 0;
    for (const auto& [name, value] : fields) width = std::max(width, displayWidth(name));
    for (const auto& [name, value] : fields) {
        out << name << std::string(width - displayWidth(name) + 2, ' ') << value << '\n';
    }
}

// The per-camera table of a control command; with `times`, the shutter's
// send and acknowledgement times and each camera's offset from the first.
int reportMulti(Session& session, const Invocation& invocation, const v1::MultiResult& result, bool times) {
    if (session.multiResults) session.multiResults(result);
    if (invocation.json) {
        session.out << jsonLine(result) << '\n';
    } else if (!times) {
        Table table({"CAMERA", "RESULT"});
        for (const auto& camera : result.results())
            table.addRow({camera.identifier(), std::string(outcomeWord(camera.code()))});
        session.print(table);
    } else {
        const auto skew = startSkew(result);
        std::optional<std::chrono::nanoseconds> first;
        for (const auto& camera : result.results()) {
            if (!camera.has_sent()) continue;
            const auto sent = sinceEpoch(camera.sent());
            if (!first || sent < *first) first = sent;
        }
        std::vector<std::string> headers{"CAMERA", "RESULT", "SENT", "ACKNOWLEDGED", "LATENCY"};
        if (skew) headers.emplace_back("OFFSET");
        // issue 17: a planned start: how long after its instant each write left
        const auto planned = std::find_if(result.results().begin(), result.results().end(),
                                          [](const v1::CameraResult& r) { return r.has_planned(); });
        const bool plan = planned != result.results().end();
        if (plan) headers.emplace_back("AFTER PLAN");
        Table table(std::move(headers));
        table.alignRight(4);
        table.alignRight(5);
        for (const auto& camera : result.results()) {
            std::vector<std::string> row{camera.identifier(), std::string(outcomeWord(camera.code())),
                                         camera.has_sent() ? clockTime(camera.sent()) : "-",
                                         camera.has_acknowledged() ? clockTime(camera.acknowledged()) : "-", "-"};
            if (camera.has_sent() && camera.has_acknowledged()) {
                row[4] = milliseconds(sinceEpoch(camera.acknowledged()) - sinceEpoch(camera.sent()));
            }
            if (skew) row.push_back(camera.has_sent() ? "+" + milliseconds(sinceEpoch(camera.sent()) - *first) : "-");
            if (plan) {
                row.push_back(camera.has_sent() && camera.has_planned()
                                  ? microseconds(sinceEpoch(camera.sent()) - sinceEpoch(camera.planned()))
                                  : "-");
            }
            table.addRow(std::move(row));
        }
        session.print(table);
        if (plan) session.out << "planned start: " << clockTime(planned->planned()) << '\n';
        if (skew) {
            const auto sent = std::count_if(result.results().begin(), result.results().end(),
                                            [](const v1::CameraResult& r) { return r.has_sent(); });
            session.out << "start skew: " << milliseconds(*skew) << " across " << sent << " cameras\n";
        }
    }
    int code = kExitOk;
    for (const auto& camera : result.results()) {
        if (camera.code() == 0) continue;
        const int failure = reportCameraFailure(session, camera);
        if (code == kExitOk) code = failure;  // the first failing camera decides
    }
    return code;
}

template <class Request>
int multi(Session& session, const Invocation& invocation, Unary<Request, v1::MultiResult> method,
          const Request& request, bool times = false) {
    v1::MultiResult result;
    const auto status = callUnary(session, invocation, method, request, &result);
    if (!status.ok()) return reportStatus(session, invocation, status);
    return reportMulti(session, invocation, result, times);
}

int printCamera(Session& session, const Invocation& invocation, const grpc::Status& status, const v1::Camera& camera) {
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(camera) << '\n';
    } else {
        RepeatedPtrField<v1::Camera> one;
        *one.Add() = camera;
        printCameras(session, one);
    }
    return kExitOk;
}

// ---- commands ----

int list(Session& session, const Invocation& invocation) {
    v1::ListCamerasResponse response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::ListCameras, v1::ListCamerasRequest{}, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    // -i narrows the list to the cameras named, by identifier or address
    // (case-insensitive, as goprod's selectors); one it does not know is NOT_FOUND.
    auto named = [](const std::string& wanted, const v1::Camera& camera) {
        return strcasecmp(wanted.c_str(), camera.identifier().c_str()) == 0 ||
               strcasecmp(wanted.c_str(), camera.address().c_str()) == 0;
    };
    std::vector<std::string> missing;
    if (!invocation.cameras.empty()) {
        for (const auto& wanted : invocation.cameras) {
            if (std::none_of(response.cameras().begin(), response.cameras().end(),
                             [&](const v1::Camera& camera) { return named(wanted, camera); })) {
                missing.push_back(wanted);
            }
        }
        auto* cameras = response.mutable_cameras();
        cameras->erase(std::remove_if(cameras->begin(), cameras->end(),
                                      [&](const v1::Camera& camera) {
                                          return std::none_of(
                                              invocation.cameras.begin(), invocation.cameras.end(),
                                              [&](const std::string& wanted) { return named(wanted, camera); });
                                      }),
                       cameras->end());
    }
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else if (invocation.cameras.empty() && response.cameras().empty()) {
        session.out << "no cameras known; find some with: goproctl discover\n";
    } else if (!response.cameras().empty()) {
        printCameras(session, response.cameras());
    }
    for (const auto& wanted : missing) {
        session.err << "goproctl: no such camera \"" << printable(wanted) << "\" (goproctl list shows them all)\n";
    }
    return missing.empty() ? kExitOk : exitCodeFor(grpc::StatusCode::NOT_FOUND);
}

int discover(Session& session, const Invocation& invocation) {
    v1::DiscoverRequest request;
    const auto duration =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(invocation.discoverSeconds));
    request.mutable_duration()->set_seconds(std::chrono::duration_cast<std::chrono::seconds>(duration).count());
    request.mutable_duration()->set_nanos(static_cast<std::int32_t>(duration.count() % 1'000'000'000));

    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", invocation.discoverSeconds);
    Progress progress(session.err, session.terminal, !invocation.json);
    progress.update(std::string("discovering cameras for ") + seconds + " s...");

    Call call(session, invocation);
    auto reader = session.stub.Discover(&call.context, request);
    RepeatedPtrField<v1::Camera> found;
    v1::Camera camera;
    while (reader->Read(&camera)) {
        if (invocation.json) {
            session.out << jsonLine(camera) << std::endl;
            continue;
        }
        // A camera may be reported again as its advertisements change: keep the newest.
        auto same = std::find_if(found.begin(), found.end(), [&](const v1::Camera& c) {
            return c.identifier() == camera.identifier() && c.address() == camera.address();
        });
        const bool known = same != found.end();
        if (known) {
            *same = camera;
        } else {
            *found.Add() = camera;
        }
        const std::string label = camera.identifier().empty() ? camera.address() : camera.identifier();
        if (session.terminal) {
            std::string names;
            for (const auto& c : found)
                names += (names.empty() ? "" : ", ") + (c.identifier().empty() ? c.address() : c.identifier());
            progress.update(std::string("discovering cameras for ") + seconds + " s... found " +
                            std::to_string(found.size()) + ": " + names);
        } else if (!known) {
            progress.update("found " + label + " (" + printable(camera.name()) + ", " + camera.address() + ")");
        }
    }
    const auto status = reader->Finish();
    progress.clear();
    if (!invocation.json) {
        if (!found.empty()) {
            printCameras(session, found);
        } else if (status.ok()) {
            session.out << "no cameras found\n";  // a failed scan found nothing to say so about
        }
    }
    if (!status.ok()) return reportStatus(session, invocation, status);
    return kExitOk;
}

int connect(Session& session, const Invocation& invocation) {
    v1::ConnectRequest request;
    request.set_camera(firstCamera(invocation));
    if (invocation.adapter) request.set_adapter(*invocation.adapter);  // issue 16
    if (invocation.priority) request.set_priority(*invocation.priority);
    v1::Camera camera;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::Connect, request, &camera);
    const int code = printCamera(session, invocation, status, camera);
    // The retries were the daemon's; say they happened (JSON has connect_attempts).
    if (status.ok() && !invocation.json && camera.connect_attempts() > 1) {
        session.out << "connected after " << camera.connect_attempts() << " attempts\n";
    }
    return code;
}

int disconnect(Session& session, const Invocation& invocation) {
    v1::DisconnectRequest request;
    request.set_camera(firstCamera(invocation));
    v1::Camera camera;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::Disconnect, request, &camera);
    return printCamera(session, invocation, status, camera);
}

int autoConnect(Session& session, const Invocation& invocation) {
    v1::SetAutoConnectRequest request;
    request.set_camera(firstCamera(invocation));
    request.set_enabled(invocation.on);
    v1::Camera camera;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::SetAutoConnect, request, &camera);
    return printCamera(session, invocation, status, camera);
}

int forget(Session& session, const Invocation& invocation) {
    v1::ForgetRequest request;
    request.set_camera(firstCamera(invocation));
    v1::ForgetResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::Forget, request, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        session.out << "forgot " << (request.camera().empty() ? "the camera" : request.camera()) << '\n';
    }
    return kExitOk;
}

// Exit code of the first camera that failed (each failure on stderr), else OK.
template <class Cameras>
int cameraFailures(Session& session, const Cameras& cameras) {
    int code = kExitOk;
    for (const auto& camera : cameras) {
        if (camera.result().code() == 0) continue;
        const int failure = reportCameraFailure(session, camera.result());
        if (code == kExitOk) code = failure;
    }
    return code;
}

int getValues(Session& session, const Invocation& invocation, bool settings) {
    v1::GetValuesRequest request;
    *request.mutable_target() = target(invocation);
    for (auto id : invocation.ids) request.add_ids(id);
    v1::ValuesResponse response;
    const auto status =
        callUnary(session, invocation,
                  settings ? &v1::Goprod::StubInterface::GetSettings : &v1::Goprod::StubInterface::GetStatuses, request,
                  &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        // A CAMERA column only when there is more than one camera to tell apart.
        const bool several = response.cameras_size() > 1;
        std::vector<std::string> headers{"ID", "NAME", "VALUE"};
        if (several) headers.insert(headers.begin(), "CAMERA");
        Table table(std::move(headers));
        table.alignRight(several ? 1 : 0);
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            for (const auto& value : camera.values()) {
                std::vector<std::string> row{std::to_string(value.id()), valueName(value, settings),
                                             printable(valueText(value, settings))};
                if (several) row.insert(row.begin(), camera.result().identifier());
                table.addRow(std::move(row));
            }
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

int info(Session& session, const Invocation& invocation) {
    v1::HardwareInfoResponse response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::GetHardwareInfo, target(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"CAMERA", "MODEL", "FIRMWARE", "SERIAL", "OPEN GOPRO", "AP SSID", "AP MAC"});
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            const auto& hardware = camera.info();
            std::string model = printable(hardware.model_name());
            if (hardware.model_number() != 0) {
                model += (model.empty() ? "" : " ") + std::string("(") + std::to_string(hardware.model_number()) + ")";
            }
            table.addRow({camera.result().identifier(), model, printable(hardware.firmware_version()),
                          printable(hardware.serial_number()),
                          camera.open_gopro_version().empty() ? "-" : camera.open_gopro_version(),
                          printable(either(hardware.ap_ssid(), hardware.ap_ssid_raw())),
                          printable(hardware.ap_mac_address())});
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

v1::CameraRequest oneCamera(const Invocation& invocation) {
    v1::CameraRequest request;
    if (!invocation.cameras.empty()) request.add_cameras(invocation.cameras.front());
    return request;
}

int apInfo(Session& session, const Invocation& invocation) {
    v1::ApInfo response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::GetApInfo, oneCamera(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) session.out << jsonLine(response) << '\n';
    if (response.result().code() != 0) return reportCameraFailure(session, response.result());
    if (!invocation.json)
        printFields(session.out, {{"SSID", printable(either(response.ssid(), response.ssid_raw()))},
                                  {"PASSWORD", printable(either(response.password(), response.password_raw()))}});
    return kExitOk;
}

int scan(Session& session, const Invocation& invocation) {
    Progress progress(session.err, session.terminal, !invocation.json);
    progress.update("scanning for WiFi networks...");
    v1::ScanNetworksResponse response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::ScanNetworks, oneCamera(invocation), &response);
    progress.clear();
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) session.out << jsonLine(response) << '\n';
    if (response.result().code() != 0) return reportCameraFailure(session, response.result());
    if (invocation.json) return kExitOk;
    if (response.networks().empty()) {
        session.out << "no networks found\n";
        return kExitOk;
    }
    Table table({"SSID", "SIGNAL", "FREQUENCY", "SECURITY", "CONFIGURED"});
    table.alignRight(1);
    table.alignRight(2);
    for (const auto& network : response.networks()) {
        table.addRow(
            {printable(either(network.ssid(), network.ssid_raw())),
             std::to_string(network.signal_strength_bars()) + " bars",
             network.signal_frequency_mhz() > 0 ? std::to_string(network.signal_frequency_mhz()) + " MHz" : "-",
             network.open() ? "open" : "secured", network.configured() ? "yes" : "no"});
    }
    session.print(table);
    return kExitOk;
}

// An API enum value as a word for people: "STEP_NETWORK_JOINED" less `prefix`,
// lower case, '_' as `separator` ("network joined").
std::string enumWords(std::string name, std::string_view prefix, char separator) {
    if (name.starts_with(prefix)) name.erase(0, prefix.size());
    std::transform(name.begin(), name.end(), name.begin(),
                   [separator](unsigned char c) { return c == '_' ? separator : static_cast<char>(std::tolower(c)); });
    return name;
}

// Sets a request's ssid; the rare SSID that is not UTF-8 goes as bytes (ssid is a string field).
template <class Request>
void setSsid(Request& request, const std::string& ssid) {
    if (protocol::isUtf8(ssid)) {
        request.set_ssid(ssid);
    } else {
        request.set_ssid_raw(ssid);
    }
}

std::string stepName(v1::ConnectNetworkProgress::Step step) {
    return enumWords(v1::ConnectNetworkProgress::Step_Name(step), "STEP_", '_');
}

int connectNetwork(Session& session, const Invocation& invocation) {
    v1::ConnectNetworkRequest request;
    request.set_camera(firstCamera(invocation));
    setSsid(request, invocation.ssid);
    if (invocation.password) request.set_password(*invocation.password);

    const auto start = session.clock();
    auto seconds = [&] { return std::chrono::duration<double>(session.clock() - start).count(); };
    auto elapsed = [&] {
        char text[32];
        std::snprintf(text, sizeof text, "[%5.1f s] ", seconds());
        return std::string(text);
    };
    Progress progress(session.err, session.terminal, !invocation.json);
    progress.update(elapsed() + "connecting to " + printable(invocation.ssid) + "...");

    Call call(session, invocation);
    auto reader = session.stub.ConnectNetwork(&call.context, request);
    v1::ConnectNetworkProgress step;
    bool connected = false;
    bool savedPassword = false;
    while (reader->Read(&step)) {
        connected = connected || step.step() == v1::ConnectNetworkProgress::STEP_CONNECTED;
        savedPassword = savedPassword || step.saved_password();
        if (invocation.json) {
            session.out << jsonLine(step) << std::endl;
            continue;
        }
        progress.update(elapsed() + stepName(step.step()) +
                        (step.detail().empty() ? "" : ": " + printable(step.detail())));
    }
    const auto status = reader->Finish();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds());
    progress.clear();
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (!invocation.json) {
        session.out << (connected ? "connected to " : "finished connecting to ") << printable(invocation.ssid) << " in "
                    << took << '\n';
        // A password given for a network the camera knows is not used: say so, it may be a new one.
        if (savedPassword) {
            session.out << "the camera uses its saved password"
                        << (invocation.password ? " (the password given was not used)" : "") << '\n';
        }
    }
    return kExitOk;
}

// issue 15 D: "network connected"
std::string cohnStateName(v1::CohnState state) { return enumWords(v1::CohnState_Name(state), "COHN_STATE_", ' '); }

// --- group C: live streaming ---------------------------------------------------

// "streaming", "failed-stay-on"
std::string liveStateName(v1::LiveStreamState state) {
    return enumWords(v1::LiveStreamState_Name(state), "LIVE_STREAM_STATE_", '-');
}

std::string liveStatusText(const v1::LiveStreamStatus& status) {
    std::string text = liveStateName(status.state());
    if (!status.error_name().empty()) text += " (" + status.error_name() + ")";
    if (status.bitrate_kbps() > 0) text += ", " + std::to_string(status.bitrate_kbps()) + " kbps";
    return text;
}

int liveStreamStart(Session& session, const Invocation& invocation) {
    v1::StartLiveStreamRequest request = invocation.liveStream;
    request.set_camera(firstCamera(invocation));
    Progress progress(session.err, session.terminal, !invocation.json);
    progress.update("setting the live-stream mode...");
    Call call(session, invocation);
    auto reader = session.stub.StartLiveStream(&call.context, request);
    v1::LiveStreamProgress step;
    bool streaming = false;
    while (reader->Read(&step)) {
        streaming = streaming || step.step() == v1::LiveStreamProgress::STEP_STREAMING;
        if (invocation.json) {
            session.out << jsonLine(step) << std::endl;
            continue;
        }
        const std::string name = enumWords(v1::LiveStreamProgress::Step_Name(step.step()), "STEP_", '_');
        progress.update(name + (step.detail().empty() ? "" : ": " + printable(step.detail())));
    }
    const auto status = reader->Finish();
    progress.clear();
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (!invocation.json) {
        session.out << (streaming ? "streaming to " : "finished starting the stream to ")
                    << printable(invocation.liveStream.url()) << '\n';
    }
    return kExitOk;
}

int liveStreamStatus(Session& session, const Invocation& invocation) {
    v1::LiveStreamStatusResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetLiveStreamStatus,
                                  target(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"CAMERA", "STATE", "ERROR", "ENCODE", "BITRATE"});
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            const auto& s = camera.status();
            table.addRow({camera.result().identifier(), liveStateName(s.state()),
                          s.error_name().empty() ? "-" : s.error_name(), s.encode() ? "yes" : "no",
                          s.bitrate_kbps() > 0 ? std::to_string(s.bitrate_kbps()) + " kbps" : "-"});
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

std::string eventDetail(const v1::Event& event) {
    switch (event.kind()) {
        case v1::Event::KIND_STATE_CHANGED: {
            // Only the change a failure caused says why; the camera's last_error
            // would repeat it on every later line.
            std::string text = cameraState(event.camera());
            if (!event.error().empty()) text += ": " + printable(event.error());
            return text;
        }
        case v1::Event::KIND_STATUS:
        case v1::Event::KIND_SETTING: {
            const bool setting = event.kind() == v1::Event::KIND_SETTING;
            std::string text;
            for (const auto& value : event.values()) {
                std::string name = valueName(value, setting);
                if (name.empty()) name = "#" + std::to_string(value.id());
                text += (text.empty() ? "" : ", ") + name + ": " + printable(valueText(value, setting));
            }
            return text;
        }
        case v1::Event::KIND_LIVE_STREAM:  // group C
            return liveStatusText(event.live_stream());
        case v1::Event::KIND_NOTIFICATION: {
            const auto& bytes = event.message();
            return protocol::toHex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
        }
        case v1::Event::KIND_COHN_STATUS: {  // issue 15 D; the password stays out of the terminal's scrollback
            const auto& cohn = event.cohn_status();
            std::string text = cohnStateName(cohn.state());
            if (!cohn.ip_address().empty()) text += " at " + printable(cohn.ip_address());
            return text;
        }
        case v1::Event::KIND_PRESETS: {  // issue 15 F: each group's active preset, modified ones marked
            std::string text;
            for (const auto& group : event.preset_groups()) {
                text += (text.empty() ? "" : ", ") + (group.name().empty() ? std::to_string(group.id()) : group.name());
                text += " " + std::to_string(group.active_preset_id());
                for (const auto& preset : group.presets()) {
                    if (preset.id() != group.active_preset_id()) continue;
                    if (!preset.custom_name().empty()) text += " " + printable(preset.custom_name());
                    if (preset.modified()) text += " (modified)";
                }
            }
            return text;
        }
        case v1::Event::KIND_REQUEST_DONE: {
            std::string text = printable(event.request()) + ": " + std::string(outcomeWord(event.code()));
            if (!event.error().empty()) text += ": " + printable(event.error());
            return text;
        }
        default:
            return "";
    }
}

int watch(Session& session, const Invocation& invocation) {
    v1::WatchEventsRequest request;
    for (const auto& camera : invocation.cameras) request.add_cameras(camera);
    for (auto kind : invocation.kinds) request.add_kinds(kind);

    Call call(session, invocation);
    auto reader = session.stub.WatchEvents(&call.context, request);
    v1::Event event;
    while (reader->Read(&event)) {
        if (invocation.json) {
            session.out << jsonLine(event) << std::endl;
        } else {
            std::string camera =
                event.camera().identifier().empty() ? event.camera().address() : event.camera().identifier();
            if (camera.empty()) camera = "-";
            std::string kind = eventKindName(event.kind());
            kind.resize(std::max<std::size_t>(kind.size(), 13), ' ');
            session.out << clockTime(event.time()) << "  " << camera << "  " << kind << "  " << eventDetail(event)
                        << std::endl;
        }
        if (!session.out) {
            // Nobody reads our output any more (a closed pipe): stop watching.
            call.context.TryCancel();
            break;
        }
    }
    const auto status = reader->Finish();
    if (!session.out) return kExitError;
    // watch ends by Ctrl-C, or when the --timeout the user asked for runs out:
    // both are its normal end, not failures.
    if (status.error_code() == grpc::StatusCode::CANCELLED && interrupted(session)) return kExitOk;
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && invocation.timeoutSeconds) return kExitOk;
    if (!status.ok()) return reportStatus(session, invocation, status);
    return kExitOk;
}

int raw(Session& session, const Invocation& invocation) {
    v1::SendRawRequest request;
    request.set_camera(firstCamera(invocation));
    request.set_characteristic(invocation.characteristic);
    request.set_message(std::string(invocation.message.begin(), invocation.message.end()));
    v1::SendRawResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::SendRaw, request, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) session.out << jsonLine(response) << '\n';
    if (response.result().code() != 0) return reportCameraFailure(session, response.result());
    if (!invocation.json) {
        const auto& bytes = response.response();
        session.out << protocol::toHex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}) << '\n';
    }
    return kExitOk;
}

// A health check: the status, what to do about what is wrong, and exit 5
// (UNAVAILABLE) when goprod cannot reach any camera.
int daemonStatus(Session& session, const Invocation& invocation) {
    v1::DaemonStatus response;
    const auto before = std::chrono::system_clock::now();
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetDaemonStatus,
                                  v1::GetDaemonStatusRequest{}, &response);
    const auto after = std::chrono::system_clock::now();
    if (!status.ok()) return reportStatus(session, invocation, status);
    // issue 17: the daemon's clock against this machine's, at the middle of the call.
    const ClockOffset offset = clockOffset(response, before, after);
    const auto problems = daemonProblems(response);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
        for (const auto& problem : problems) session.err << "goproctl: " << problem << '\n';
    } else {
        printDaemonStatus(session.out, response, offset);
        if (!problems.empty()) session.out << "\nto do:\n";
        for (const auto& problem : problems) session.out << "  " << problem << '\n';
    }
    return camerasReachable(response) ? kExitOk : kExitUnavailable;
}

// issue 16: the adapters with their budgets and cameras; JSON: one Adapter per line.
int adapters(Session& session, const Invocation& invocation) {
    v1::DaemonStatus response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetDaemonStatus,
                                  v1::GetDaemonStatusRequest{}, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        for (const auto& adapter : response.adapters()) session.out << jsonLine(adapter) << '\n';
    } else {
        session.print(adaptersTable(response));
    }
    // The same verdict as status: nothing to connect through is an error worth a non-zero exit.
    if (camerasReachable(response)) return kExitOk;
    for (const auto& problem : daemonProblems(response)) session.err << "goproctl: " << problem << '\n';
    return kExitUnavailable;
}

// --- issue 15 D: COHN ---------------------------------------------------------------

// The certificate to FILE; false (and a message) when it cannot be written.
bool writeCert(Session& session, const std::string& path, const std::string& pem) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << pem;
    file.close();
    if (file) return true;
    session.err << "goproctl: cannot write the certificate to " << path << '\n';
    return false;
}

int cohnStatus(Session& session, const Invocation& invocation) {
    v1::GetCohnStatusRequest request;
    *request.mutable_target() = target(invocation);
    v1::CohnStatusResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetCohnStatus, request, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"CAMERA", "PROVISIONED", "STATE", "ENABLED", "SSID", "ADDRESS", "USERNAME", "PASSWORD"});
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            const auto& cohn = camera.status();
            auto orDash = [](const std::string& text) { return text.empty() ? std::string("-") : printable(text); };
            table.addRow({camera.result().identifier(), cohn.provisioned() ? "yes" : "no", cohnStateName(cohn.state()),
                          cohn.enabled() ? "yes" : "no", orDash(cohn.ssid()), orDash(cohn.ip_address()),
                          orDash(cohn.username()), orDash(cohn.password())});
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

// --- issue 15 B: presets and setting capabilities ---

int cohnCert(Session& session, const Invocation& invocation) {
    v1::CohnCert response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::GetCohnCert, oneCamera(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (!invocation.certOut.empty() && !writeCert(session, invocation.certOut, response.cert())) return kExitError;
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else if (invocation.certOut.empty()) {
        session.out << response.cert();
    }
    return kExitOk;
}

std::string stepName(v1::ProvisionCohnProgress::Step step) {
    return enumWords(v1::ProvisionCohnProgress::Step_Name(step), "STEP_", ' ');
}

int cohnProvision(Session& session, const Invocation& invocation) {
    v1::ProvisionCohnRequest request;
    request.set_camera(firstCamera(invocation));
    setSsid(request, invocation.ssid);
    if (invocation.password) request.set_password(*invocation.password);

    const auto start = session.clock();
    auto elapsed = [&] {
        char text[32];
        std::snprintf(text, sizeof text, "[%5.1f s] ", std::chrono::duration<double>(session.clock() - start).count());
        return std::string(text);
    };
    Progress progress(session.err, session.terminal, !invocation.json);
    progress.update(elapsed() + "provisioning COHN on " + printable(invocation.ssid) + "...");

    Call call(session, invocation);
    auto reader = session.stub.ProvisionCohn(&call.context, request);
    v1::ProvisionCohnProgress step;
    std::optional<v1::CohnCredentials> credentials;
    while (reader->Read(&step)) {
        if (step.has_credentials()) credentials = step.credentials();
        if (invocation.json) {
            session.out << jsonLine(step) << std::endl;
            continue;
        }
        progress.update(elapsed() + stepName(step.step()) +
                        (step.detail().empty() ? "" : ": " + printable(step.detail())));
    }
    const auto status = reader->Finish();
    progress.clear();
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (!credentials) {
        session.err << "goproctl: goprod ended provisioning without the credentials\n";
        return kExitError;
    }
    if (!invocation.certOut.empty() && !writeCert(session, invocation.certOut, credentials->cert())) return kExitError;
    if (!invocation.json) {
        printFields(session.out, {{"SSID", printable(credentials->ssid())},
                                  {"ADDRESS", printable(credentials->ip_address())},
                                  {"USERNAME", printable(credentials->username())},
                                  {"PASSWORD", printable(credentials->password())},
                                  {"CERTIFICATE", invocation.certOut.empty() ? "(goproctl cohn cert prints it)"
                                                                             : invocation.certOut}});
    }
    return kExitOk;
}

// Set Setting; when a camera rejects the value, asks it which values it accepts
// now (Get Setting Capabilities) and names them on stderr.
int setSetting(Session& session, const Invocation& invocation) {
    v1::SetSettingRequest request = invocation.setting;
    *request.mutable_target() = target(invocation);
    v1::MultiResult result;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::SetSetting, request, &result);
    if (!status.ok()) return reportStatus(session, invocation, status);
    const int code = reportMulti(session, invocation, result, false);
    v1::GetValuesRequest ask;
    ask.add_ids(request.has_resolution() ? 2 : request.has_fps() ? 3 : request.generic().id());
    for (const auto& camera : result.results()) {
        if (camera.has_camera_status()) ask.mutable_target()->add_cameras(camera.identifier());
    }
    if (ask.target().cameras().empty()) return code;
    v1::CapabilitiesResponse capabilities;
    if (!callUnary(session, invocation, &v1::Goprod::StubInterface::GetCapabilities, ask, &capabilities).ok()) {
        return code;  // the rejection above is the answer; the hint is a bonus
    }
    for (const auto& camera : capabilities.cameras()) {
        if (camera.result().code() != 0) continue;
        for (const auto& setting : camera.settings()) {
            std::string allowed;
            for (const auto& value : setting.allowed()) allowed += (allowed.empty() ? "" : ", ") + value.display();
            session.err << "goproctl: " << camera.result().identifier() << ": "
                        << (setting.name().empty() ? "setting " + std::to_string(setting.id()) : setting.name())
                        << " accepts now: " << (allowed.empty() ? "no value" : printable(allowed)) << '\n';
        }
    }
    return code;
}

int presets(Session& session, const Invocation& invocation) {
    v1::GetPresetsRequest request;
    *request.mutable_target() = target(invocation);
    request.set_include_hidden(invocation.includeHidden);
    request.set_register_updates(invocation.registerUpdates);  // issue 15 F
    v1::PresetsResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetPresets, request, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"GROUP", "ID", "ACTIVE", "MODE", "NAME", "TITLE", "VISIBLE", "SETTINGS"});
        table.alignRight(1);
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            for (const auto& group : camera.groups()) {
                const std::string groupName = group.name().empty() ? std::to_string(group.id()) : group.name();
                for (const auto& preset : group.presets()) {
                    std::string settings;
                    for (const auto& setting : preset.settings()) {
                        if (!settings.empty()) settings += ", ";
                        settings += (setting.name().empty() ? std::to_string(setting.id()) : setting.name()) + " " +
                                    setting.display();
                    }
                    table.addRow({groupName, std::to_string(preset.id()), preset.active() ? "*" : "",
                                  preset.mode_name().empty() ? std::to_string(preset.mode()) : preset.mode_name(),
                                  printable(preset.custom_name()), std::to_string(preset.title_id()),
                                  preset.visible() ? "yes" : "no", printable(settings)});
                }
            }
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

int capabilities(Session& session, const Invocation& invocation) {
    v1::GetValuesRequest request;
    *request.mutable_target() = target(invocation);
    for (auto id : invocation.ids) request.add_ids(id);
    v1::CapabilitiesResponse response;
    const auto status = callUnary(session, invocation, &v1::Goprod::StubInterface::GetCapabilities, request, &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        const bool several = response.cameras_size() > 1;
        std::vector<std::string> headers{"ID", "NAME", "ALLOWED"};
        if (several) headers.insert(headers.begin(), "CAMERA");
        Table table(std::move(headers));
        table.alignRight(several ? 1 : 0);
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            for (const auto& setting : camera.settings()) {
                std::string allowed;
                for (const auto& value : setting.allowed()) {
                    allowed += (allowed.empty() ? "" : ", ") + value.display();
                }
                std::vector<std::string> row{std::to_string(setting.id()), setting.name(),
                                             allowed.empty() ? "(none now)" : printable(allowed)};
                if (several) row.insert(row.begin(), camera.result().identifier());
                table.addRow(std::move(row));
            }
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

// --- issue 15 E: the camera's clock ---

// "+05:30" for an offset in minutes.
std::string utcOffsetText(std::int32_t minutes) {
    char text[16];
    const std::int32_t magnitude = minutes < 0 ? -minutes : minutes;
    std::snprintf(text, sizeof text, "%c%02d:%02d", minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    return text;
}

int dateTimeGet(Session& session, const Invocation& invocation) {
    v1::DateTimeResponse response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::GetDateTime, target(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"CAMERA", "CAMERA CLOCK", "UTC OFFSET", "DST"});
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            const bool zone = camera.has_utc_offset_minutes();
            table.addRow({camera.result().identifier(), camera.local_time(),
                          zone ? utcOffsetText(camera.utc_offset_minutes()) : "-",
                          zone ? (camera.dst() ? "yes" : "no") : "-"});
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

int lastMedia(Session& session, const Invocation& invocation) {
    v1::LastMediaResponse response;
    const auto status =
        callUnary(session, invocation, &v1::Goprod::StubInterface::GetLastMedia, target(invocation), &response);
    if (!status.ok()) return reportStatus(session, invocation, status);
    if (invocation.json) {
        session.out << jsonLine(response) << '\n';
    } else {
        Table table({"CAMERA", "MEDIA"});
        for (const auto& camera : response.cameras()) {
            if (camera.result().code() != 0) continue;
            table.addRow({camera.result().identifier(), printable(camera.folder() + "/" + camera.file())});
        }
        if (!table.empty()) session.print(table);
    }
    return cameraFailures(session, response.cameras());
}

// --- issue 17: the capture journal ---------------------------------------------------

// Whether a camera is one of those asked for (-i: identifiers or addresses; none: every
// camera). Shutter results name identifiers only: the journal's other entries give
// each identifier's address.
class CameraPick {
public:
    CameraPick(const Invocation& invocation, const std::vector<v1::CaptureEntry>& entries)
        : asked_(invocation.cameras) {
        for (const auto& entry : entries) {
            if (entry.has_encoding()) addresses_[entry.encoding().camera()] = entry.encoding().address();
            if (entry.has_media()) addresses_[entry.media().camera()] = entry.media().address();
        }
    }
    bool operator()(const std::string& identifier) const {
        if (asked_.empty()) return true;
        const auto address = addresses_.find(identifier);
        return std::any_of(asked_.begin(), asked_.end(), [&](const std::string& camera) {
            return camera == identifier ||
                   (address != addresses_.end() && protocol::sameIgnoringCase(camera, address->second));
        });
    }
    bool concerns(const v1::CaptureEntry& entry) const {
        if (entry.has_encoding()) return (*this)(entry.encoding().camera());
        if (entry.has_media()) return (*this)(entry.media().camera());
        const auto& results = entry.shutter().result().results();
        return std::any_of(results.begin(), results.end(), [this](const auto& r) { return (*this)(r.identifier()); });
    }

private:
    std::vector<std::string> asked_;
    std::map<std::string, std::string> addresses_;
};

// One row per camera and event (TIME, CAMERA, EVENT, DETAIL), with its time for sorting.
struct JournalRow {
    std::chrono::nanoseconds at;
    std::vector<std::string> cells;
};

void addJournalRows(std::vector<JournalRow>& rows, const CameraPick& picked, const v1::CaptureEntry& entry) {
    const auto row = [&rows](const google::protobuf::Timestamp& at, std::vector<std::string> cells) {
        cells.insert(cells.begin(), dateTimeText(at));
        rows.push_back({sinceEpoch(at), std::move(cells)});
    };
    if (entry.has_shutter()) {
        const auto& shutter = entry.shutter();
        const std::string event =
            std::string("shutter ") + (shutter.on() ? "on" : "off") + (shutter.has_planned() ? " (planned)" : "");
        for (const auto& result : shutter.result().results()) {
            if (!picked(result.identifier())) continue;
            const bool sent = result.has_sent();
            std::string detail;
            if (result.code() != 0) {
                detail = failureText(result);
            } else if (result.has_acknowledged() && sent) {
                detail =
                    "acknowledged after " + milliseconds(sinceEpoch(result.acknowledged()) - sinceEpoch(result.sent()));
            }
            if (shutter.has_planned() && sent) {
                detail += (detail.empty() ? "" : ", ") +
                          microseconds(sinceEpoch(result.sent()) - sinceEpoch(shutter.planned())) + " after the plan";
            }
            row(sent ? result.sent() : entry.time(), {result.identifier(), event, detail});
        }
    } else if (entry.has_encoding()) {
        const auto& change = entry.encoding();
        if (!picked(change.camera())) return;
        row(entry.time(), {change.camera(), change.encoding() ? "encoding started" : "encoding stopped", ""});
    } else if (entry.has_media()) {
        const auto& media = entry.media();
        if (!picked(media.camera())) return;
        row(entry.time(), {media.camera(), "media", printable(media.folder() + "/" + media.file())});
    }
}

// Every entry in the range, page by page (ListCaptures answers at most 1000 at a time);
// the table in time order (a shutter entry is recorded once every camera answered, after
// the encoding changes it caused), JSON in the journal's order.
int journal(Session& session, const Invocation& invocation) {
    v1::ListCapturesRequest request;
    if (invocation.since) setTimestamp(request.mutable_since(), *invocation.since);
    if (invocation.until) setTimestamp(request.mutable_until(), *invocation.until);
    std::vector<v1::CaptureEntry> entries;
    for (;;) {
        v1::ListCapturesResponse response;
        const auto status =
            callUnary(session, invocation, &v1::Goprod::StubInterface::ListCaptures, request, &response);
        if (!status.ok()) return reportStatus(session, invocation, status);
        entries.insert(entries.end(), response.entries().begin(), response.entries().end());
        if (!response.more() || response.entries().empty()) break;
        request.set_after_sequence(response.entries(response.entries_size() - 1).sequence());
    }
    const CameraPick picked(invocation, entries);
    if (invocation.json) {
        for (const auto& entry : entries) {
            if (picked.concerns(entry)) session.out << jsonLine(entry) << '\n';
        }
        return kExitOk;
    }
    std::vector<JournalRow> rows;
    for (const auto& entry : entries) addJournalRows(rows, picked, entry);
    std::stable_sort(rows.begin(), rows.end(), [](const JournalRow& a, const JournalRow& b) { return a.at < b.at; });
    Table table({"TIME", "CAMERA", "EVENT", "DETAIL"});
    for (auto& row : rows) table.addRow(std::move(row.cells));
    if (!table.empty()) session.print(table);
    return kExitOk;
}

}  // namespace

int run(const Invocation& invocation, Session& session) {
    using Stub = v1::Goprod::StubInterface;
    switch (invocation.command) {
        case Command::List:
            return list(session, invocation);
        case Command::Discover:
            return discover(session, invocation);
        case Command::Connect:
            return connect(session, invocation);
        case Command::Disconnect:
            return disconnect(session, invocation);
        case Command::Forget:
            return forget(session, invocation);
        case Command::AutoConnect:
            return autoConnect(session, invocation);
        case Command::Shutter: {
            v1::SetShutterRequest request;
            *request.mutable_target() = target(invocation);
            request.set_on(invocation.on);
            if (invocation.startAt) setTimestamp(request.mutable_start_at(), *invocation.startAt);  // issue 17
            return multi(session, invocation, &Stub::SetShutter, request, true);
        }
        case Command::Sleep:
            return multi(session, invocation, &Stub::Sleep, target(invocation));
        case Command::PresetGroup: {
            v1::LoadPresetGroupRequest request;
            *request.mutable_target() = target(invocation);
            request.set_group(invocation.presetGroup);
            return multi(session, invocation, &Stub::LoadPresetGroup, request);
        }
        case Command::Preset: {
            v1::LoadPresetRequest request;
            *request.mutable_target() = target(invocation);
            request.set_preset(invocation.preset);
            return multi(session, invocation, &Stub::LoadPreset, request);
        }
        case Command::Analytics:
            return multi(session, invocation, &Stub::EnableAnalytics, target(invocation));
        case Command::Set:
            return setSetting(session, invocation);  // issue 15 B
        case Command::GetSettings:
            return getValues(session, invocation, true);
        case Command::GetStatus:
            return getValues(session, invocation, false);
        case Command::Info:
            return info(session, invocation);
        case Command::WifiApInfo:
            return apInfo(session, invocation);
        case Command::WifiAp: {
            v1::SetApRequest request;
            *request.mutable_target() = target(invocation);
            request.set_on(invocation.on);
            return multi(session, invocation, &Stub::SetAp, request);
        }
        case Command::WifiScan:
            return scan(session, invocation);
        case Command::WifiConnect:
            return connectNetwork(session, invocation);
        case Command::Watch:
            return watch(session, invocation);
        case Command::Raw:
            return raw(session, invocation);
        case Command::KeepAlive: {
            v1::SetKeepAliveRequest request;
            *request.mutable_target() = target(invocation);
            request.mutable_interval()->set_seconds(invocation.keepAliveSeconds);
            return multi(session, invocation, &Stub::SetKeepAlive, request);
        }
        case Command::DateTime: {
            v1::SetDateTimeRequest request;
            *request.mutable_target() = target(invocation);
            // No time: goprod writes the next whole second at its start (issue 17); the
            // table says when each camera's write left, relative to that second.
            if (invocation.utcOffsetMinutes) {
                request.set_utc_offset_minutes(*invocation.utcOffsetMinutes);
                request.set_dst(invocation.dst);
            }
            return multi(session, invocation, &Stub::SetDateTime, request, true);
        }
        case Command::Status:
            return daemonStatus(session, invocation);
        // issue 15 D
        case Command::CohnStatus:
            return cohnStatus(session, invocation);
        case Command::CohnProvision:
            return cohnProvision(session, invocation);
        case Command::CohnCert:
            return cohnCert(session, invocation);
        case Command::CohnClear:
            return multi(session, invocation, &Stub::ClearCohnCert, target(invocation));
        case Command::CohnOn:
        case Command::CohnOff: {
            v1::SetCohnRequest request;
            *request.mutable_target() = target(invocation);
            request.set_enabled(invocation.command == Command::CohnOn);
            return multi(session, invocation, &Stub::SetCohn, request);
        }
        // group C: live streaming
        case Command::LiveStreamStart:
            return liveStreamStart(session, invocation);
        case Command::LiveStreamStatus:
            return liveStreamStatus(session, invocation);
        case Command::LiveStreamStop:
            return multi(session, invocation, &Stub::StopLiveStream, target(invocation));
        // issue 15 group A
        case Command::Hilight:
            return multi(session, invocation, &Stub::Hilight, target(invocation));
        case Command::PowerDown:
            return multi(session, invocation, &Stub::PowerDown, target(invocation));
        case Command::Reboot:
            return multi(session, invocation, &Stub::Reboot, target(invocation));
        case Command::Turbo: {
            v1::SetTurboTransferRequest request;
            *request.mutable_target() = target(invocation);
            request.set_on(invocation.on);
            return multi(session, invocation, &Stub::SetTurboTransfer, request);
        }
        case Command::Control: {
            v1::SetCameraControlRequest request;
            *request.mutable_target() = target(invocation);
            request.set_control(invocation.control);
            request.set_session(invocation.session);  // issue 15 E
            return multi(session, invocation, &Stub::SetCameraControl, request);
        }
        case Command::Name: {
            v1::SetCameraNameRequest request;
            *request.mutable_target() = target(invocation);
            request.set_name(invocation.name);
            return multi(session, invocation, &Stub::SetCameraName, request);
        }
        case Command::WifiRelease:
            return multi(session, invocation, &Stub::ReleaseNetwork, target(invocation));
        // issue 15 B: presets and setting capabilities
        case Command::Presets:
            return presets(session, invocation);
        case Command::Capabilities:
            return capabilities(session, invocation);
        // issue 15 F: preset visibility and the custom preset update
        case Command::PresetVisibility: {
            v1::SetPresetVisibilityRequest request;
            *request.mutable_target() = target(invocation);
            request.set_preset_id(invocation.presetId);
            request.set_visible(invocation.on);
            return multi(session, invocation, &Stub::SetPresetVisibility, request);
        }
        case Command::PresetCustom: {
            v1::UpdateCustomPresetRequest request;
            *request.mutable_target() = target(invocation);
            request.set_preset_id(invocation.presetId);
            if (invocation.presetTitle) request.set_title_id(*invocation.presetTitle);
            request.set_custom_name(invocation.presetName);
            if (invocation.presetIcon) request.set_icon_id(*invocation.presetIcon);
            return multi(session, invocation, &Stub::UpdateCustomPreset, request);
        }
        // issue 15 E
        case Command::DateTimeGet:
            return dateTimeGet(session, invocation);
        case Command::LastMedia:
            return lastMedia(session, invocation);
        case Command::Adapters:  // issue 16
            return adapters(session, invocation);
        case Command::Journal:  // issue 17
            return journal(session, invocation);
    }
    session.err << "goproctl: unknown command\n";
    return kExitError;
}

}  // namespace goprod::client
