#include "daemon/core/wifi.h"

#include <algorithm>

#include "network_management.pb.h"
#include "response_generic.pb.h"
#include "protocol/commands.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"

namespace goprod::core {

namespace {

namespace pb = open_gopro;
using protocol::FeatureId;

constexpr std::int32_t kMaxEntries = 100;

bool isSuccess(int result) { return result == protocol::kResultSuccess; }

// Protobuf results are not TLV status bytes: the name goes in the message,
// not in cameraStatus (which would print as "camera status N (reserved)").
Error rejected(const std::string& what, int result) {
    return Error{Errc::CameraRejected, what + " failed: " + std::string(protocol::resultGenericName(result)), {}};
}

class StationOperation final : public NetworkOperation, public std::enable_shared_from_this<StationOperation> {
public:
    using Entries = std::vector<ScanEntry>;

    StationOperation(Executor& executor, Camera& camera, Deadline deadline) : executor_(executor), camera_(camera) {
        deadline_ = deadline;
    }
    ~StationOperation() override { executor_.cancel(timer_); }

    std::function<void(Result<Entries>)> onScanned;  // scan only
    std::optional<std::string> ssid;                 // connect
    std::optional<std::string> password;
    std::function<void(const WifiProgress&)> progress;
    std::function<void(Result<void>)> onConnected;

    void arm() {
        timer_ = executor_.at(deadline_, [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->finish(fail(Errc::DeadlineExceeded, self->phaseText() + " timed out"));
        });
    }

    void start() override {
        report(WifiProgress::Step::Scanning, "starting a scan");
        submit(protocol::operation::startScan(), [this](const protocol::ProtobufMessage& answer) {
            const auto* response = answer.as<pb::ResponseStartScanning>();
            if (!response) return finish(fail(Errc::Internal, "unexpected answer to Start Scan"));
            if (!isSuccess(response->result())) return finish(Unexpected{rejected("Start Scan", response->result())});
            scanAccepted_ = true;
            maybeGetEntries();
        });
    }

    void notification(const protocol::ProtobufMessage& message) override {
        if (done_) return;
        if (const auto* scan = message.as<pb::NotifStartScanning>()) {
            switch (scan->scanning_state()) {
                case pb::SCANNING_SUCCESS:
                    scanId_ = scan->scan_id();
                    totalEntries_ = scan->total_entries();
                    scanFinished_ = true;
                    report(WifiProgress::Step::Scanning,
                           "scan " + std::to_string(scanId_) + " found " + std::to_string(totalEntries_) + " networks");
                    maybeGetEntries();
                    return;
                case pb::SCANNING_ABORTED_BY_SYSTEM:
                case pb::SCANNING_CANCELLED_BY_USER:
                    return finish(fail(Errc::CameraRejected, "the camera's scan ended: " +
                                                                 pb::EnumScanning_Name(scan->scanning_state())));
                default: return;
            }
        }
        if (const auto* provisioning = message.as<pb::NotifProvisioningState>()) {
            if (phase_ == Phase::Provisioning) provisioned(provisioning->provisioning_state());
            // Right behind the Connect response, before its completion ran: keep it for then.
            else if (phase_ == Phase::Connecting) earlyProvisioning_.push_back(provisioning->provisioning_state());
        }
    }

    void abort(const Error& error) override { finish(Unexpected{error}); }

private:
    enum class Phase : std::uint8_t { Scanning, Entries, Connecting, Provisioning };

    std::string phaseText() const {
        switch (phase_) {
            case Phase::Scanning: return "the scan";
            case Phase::Entries: return "reading the scan entries";
            case Phase::Connecting: return "connecting";
            case Phase::Provisioning: return "provisioning";
        }
        return "the operation";
    }

    void report(WifiProgress::Step step, std::string detail) {
        if (progress) progress(WifiProgress{step, std::move(detail), savedPassword_});
    }

    // A request through the camera's queue whose answer is a protobuf message.
    void submit(protocol::Request request, std::function<void(const protocol::ProtobufMessage&)> onAnswer) {
        RequestOptions options{deadline_, Priority::Normal, false, {}};
        ticket_ = camera_.submit(std::move(request), options,
                                 [weak = weak_from_this(), onAnswer = std::move(onAnswer)](Result<Answer> answer) {
                                     auto self = weak.lock();
                                     if (!self || self->done_) return;
                                     self->ticket_ = 0;
                                     if (!answer) return self->finish(Unexpected{answer.error()});
                                     auto message = protocol::decodeProtobuf(answer->message);
                                     if (!message) {
                                         return self->finish(
                                             fail(Errc::Internal, "malformed answer: " + protocol::describe(message.error())));
                                     }
                                     onAnswer(*message);
                                 });
    }

    void maybeGetEntries() {
        if (!scanAccepted_ || !scanFinished_ || phase_ != Phase::Scanning) return;
        phase_ = Phase::Entries;
        const auto count = std::min(std::max(totalEntries_, 1), kMaxEntries);
        submit(protocol::operation::getApEntries(0, count, scanId_), [this](const protocol::ProtobufMessage& answer) {
            const auto* response = answer.as<pb::ResponseGetApEntries>();
            if (!response) return finish(fail(Errc::Internal, "unexpected answer to Get AP Entries"));
            if (!isSuccess(response->result())) {
                return finish(Unexpected{rejected("Get AP Entries", response->result())});
            }
            Entries entries;
            for (const auto& e : response->entries()) {
                entries.push_back(ScanEntry{e.ssid(), e.signal_strength_bars(), e.signal_frequency_mhz(),
                                            static_cast<std::uint32_t>(e.scan_entry_flags())});
            }
            if (onScanned) {
                auto done = std::move(onScanned);
                finishQuietly();
                return done(std::move(entries));
            }
            connect(entries);
        });
    }

    void connect(const Entries& entries) {
        const auto it = std::find_if(entries.begin(), entries.end(), [this](const ScanEntry& e) { return e.ssid == *ssid; });
        if (it == entries.end()) {
            return finish(fail(Errc::NotFound, "the camera does not see a network named \"" + *ssid +
                                                   "\" (scan to list the networks it sees: goproctl wifi scan)"));
        }
        report(WifiProgress::Step::Found, "found \"" + *ssid + "\" (" + std::to_string(it->signalStrengthBars) +
                                              " bars, " + std::to_string(it->signalFrequencyMhz) + " MHz)");
        phase_ = Phase::Connecting;
        protocol::Result<protocol::Request> request = protocol::fail(protocol::Errc::InvalidArgument, "");
        std::string operation;
        std::string note;
        if (it->configured()) {
            operation = "Connect";  // the camera knows this network: no password needed
            request = protocol::operation::connect(*ssid);
            savedPassword_ = true;  // Connect carries none: a password given is not used
            note = password ? " (the camera uses its saved password, not the one given)"
                            : " (the camera uses its saved password)";
        } else {
            const bool open = (it->flags & pb::SCAN_FLAG_AUTHENTICATED) == 0;
            if (!password && !open) {
                return finish(fail(Errc::InvalidArgument,
                                   "\"" + *ssid + "\" is new to the camera and needs a password"));
            }
            operation = "Connect New";
            request = protocol::operation::connectNew(*ssid, password.value_or(""));
        }
        if (!request) return finish(fail(Errc::InvalidArgument, request.error().detail));
        report(WifiProgress::Step::Connecting, operation + " to \"" + *ssid + "\"" + note);
        submit(std::move(*request), [this, operation](const protocol::ProtobufMessage& answer) {
            int result = 0;
            int state = 0;
            if (const auto* r = answer.as<pb::ResponseConnect>()) {
                result = r->result();
                state = r->provisioning_state();
            } else if (const auto* n = answer.as<pb::ResponseConnectNew>()) {
                result = n->result();
                state = n->provisioning_state();
            } else {
                return finish(fail(Errc::Internal, "unexpected answer to " + operation));
            }
            if (!isSuccess(result)) return finish(Unexpected{rejected(operation, result)});
            phase_ = Phase::Provisioning;
            provisioned(state);
            auto early = std::move(earlyProvisioning_);
            for (const int s : early) {
                if (done_) break;
                provisioned(s);
            }
        });
    }

    void provisioned(int state) {
        const auto name = pb::EnumProvisioning_Name(state);
        switch (state) {
            case pb::PROVISIONING_SUCCESS_NEW_AP:
            case pb::PROVISIONING_SUCCESS_OLD_AP: {
                report(WifiProgress::Step::Provisioning, name);
                auto done = std::move(onConnected);
                finishQuietly();
                return done({});
            }
            case pb::PROVISIONING_STARTED:
            case pb::PROVISIONING_NEVER_STARTED:
            case pb::PROVISIONING_UNKNOWN: report(WifiProgress::Step::Provisioning, name); return;
            default:
                return finish(fail(Errc::CameraRejected, "provisioning failed: " +
                                                             std::string(protocol::provisioningStateText(state)) +
                                                             " (" + name + ")"));
        }
    }

    // Ends the operation with an error (or cancellation); exactly once.
    void finish(Result<void> result) {
        if (done_) return;
        auto scanned = std::move(onScanned);
        auto connected = std::move(onConnected);
        finishQuietly();
        if (scanned) scanned(Unexpected{result.error()});
        if (connected) connected(std::move(result));
    }

    void finishQuietly() {
        done_ = true;
        executor_.cancel(timer_);
        if (ticket_ != 0) camera_.cancel(ticket_);
        ticket_ = 0;
        auto keep = shared_from_this();  // networkOperationDone() may drop the camera's reference
        camera_.networkOperationDone(this);
    }

    Executor& executor_;
    Camera& camera_;
    Deadline deadline_;
    Executor::TimerId timer_ = 0;
    RequestQueue::Ticket ticket_ = 0;
    Phase phase_ = Phase::Scanning;
    bool scanAccepted_ = false;
    bool scanFinished_ = false;
    bool done_ = false;
    bool savedPassword_ = false;
    std::int32_t scanId_ = 0;
    std::int32_t totalEntries_ = 0;
    std::vector<int> earlyProvisioning_;  // notified while the Connect response was on its way
};

}  // namespace

std::shared_ptr<NetworkOperation> makeWifiScan(Executor& executor, Camera& camera, Deadline deadline,
                                               std::function<void(Result<std::vector<ScanEntry>>)> done) {
    auto op = std::make_shared<StationOperation>(executor, camera, deadline);
    op->onScanned = std::move(done);
    op->arm();
    return op;
}

std::shared_ptr<NetworkOperation> makeWifiConnect(Executor& executor, Camera& camera, std::string ssid,
                                                  std::optional<std::string> password, Deadline deadline,
                                                  std::function<void(const WifiProgress&)> progress,
                                                  std::function<void(Result<void>)> done) {
    auto op = std::make_shared<StationOperation>(executor, camera, deadline);
    op->ssid = std::move(ssid);
    op->password = std::move(password);
    op->progress = std::move(progress);
    op->onConnected = std::move(done);
    op->arm();
    return op;
}

std::function<void()> setAp(Camera& camera, std::function<Camera*()> find, bool on, Deadline deadline,
                            std::function<void(Result<void>)> done) {
    // Shared by the request, the status wait and cancel: whoever finishes first calls `done`.
    struct Call {
        bool cancelled = false;
        bool waiting = false;  // acknowledged: waiting for status 69
        std::function<Camera*()> find;
        std::function<void(Result<void>)> done;
        void finish(Result<void> result) {
            if (!done) return;
            auto d = std::move(done);
            done = nullptr;
            d(std::move(result));
        }
    };
    auto state = std::make_shared<Call>();
    state->find = std::move(find);
    state->done = std::move(done);
    const auto ticket = camera.submit(
        protocol::command::setApControl(on ? protocol::ApControl::On : protocol::ApControl::Off),
        RequestOptions{deadline, Priority::Normal, {}, {}}, [on, deadline, state](Result<Answer> a) {
            if (!a) return state->finish(Unexpected{a.error()});
            const auto response = protocol::parseCommandResponse(a->message);
            if (!response || !response->ok()) {
                return state->finish(
                    Unexpected{Error{Errc::CameraRejected, "the camera refused Set AP Control",
                                     response ? std::optional<std::uint8_t>(response->status) : std::nullopt}});
            }
            Camera* c = state->find();
            if (!c || state->cancelled) return state->finish(fail(Errc::Cancelled, "cancelled"));
            // Acknowledged is not up: wait until status 69 says so.
            state->waiting = true;
            c->waitForStatus(
                protocol::status_id::kApMode,
                [on](const protocol::Bytes& v) {
                    return std::any_of(v.begin(), v.end(), [](std::uint8_t b) { return b != 0; }) == on;
                },
                deadline, [state](Result<void> r) { state->finish(std::move(r)); });
        });
    if (ticket == 0) return {};
    return [state, ticket] {
        state->cancelled = true;
        if (state->waiting) return state->finish(fail(Errc::Cancelled, "cancelled by the caller"));
        if (auto* c = state->find()) c->cancel(ticket);
    };
}

}  // namespace goprod::core
