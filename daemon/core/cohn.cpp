#include "daemon/core/cohn.h"

#include <memory>
#include <utility>

#include "cohn.pb.h"
#include "daemon/core/wifi.h"
#include "protocol/result_codes.h"
#include "response_generic.pb.h"

namespace goprod::core {

namespace {

namespace pb = open_gopro;

class CohnProvisioning final : public std::enable_shared_from_this<CohnProvisioning> {
public:
    CohnProvisioning(Executor& executor, std::function<Camera*()> find, Deadline deadline)
        : executor_(executor), find_(std::move(find)), deadline_(deadline) {}
    ~CohnProvisioning() { executor_.cancel(timer_); }

    std::string ssid;
    std::optional<std::string> password;
    protocol::LocalDateTime now;
    std::function<void(const CohnProgress&)> progress;
    std::function<void(Result<CohnCredentials>)> done;

    void start() {
        timer_ = executor_.at(deadline_, [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->finish(fail(Errc::DeadlineExceeded, self->phase_ + " timed out"));
        });
        auto request = protocol::command::setLocalDateTime(now);
        if (!request) return finish(fail(Errc::InvalidArgument, protocol::describe(request.error())));
        step(CohnProgress::Step::DateTime, "Set Local Date Time", "setting the camera's local date and time");
        submit(std::move(*request), [this](const protocol::Bytes& message) {
            const auto response = protocol::parseCommandResponse(message);
            if (!response || !response->ok()) {
                return finish(
                    Unexpected{Error{Errc::CameraRejected, "the camera refused Set Local Date Time",
                                     response ? std::optional<std::uint8_t>(response->status) : std::nullopt}});
            }
            joinNetwork();
        });
    }

    bool finished() const { return finished_; }

    void cancel() {
        if (auto op = wifi_.lock()) op->abort(Error{Errc::Cancelled, "cancelled by the caller", {}});
        finish(fail(Errc::Cancelled, "cancelled by the caller"));
    }

private:
    void step(CohnProgress::Step s, std::string phase, std::string detail) {
        phase_ = std::move(phase);
        if (progress) progress(CohnProgress{s, std::move(detail)});
    }

    // One request through the camera's queue; `onAnswer` gets the answer's message.
    void submit(protocol::Request request, std::function<void(const protocol::Bytes&)> onAnswer) {
        Camera* camera = find_();
        if (camera == nullptr) return finish(fail(Errc::Unavailable, "the camera is gone"));
        ticket_ = camera->submit(std::move(request), RequestOptions{deadline_, Priority::Normal, {}, {}},
                                 [weak = weak_from_this(), onAnswer = std::move(onAnswer)](Result<Answer> answer) {
                                     auto self = weak.lock();
                                     if (!self || self->finished_) return;
                                     self->ticket_ = 0;
                                     if (!answer) return self->finish(Unexpected{answer.error()});
                                     onAnswer(answer->message);
                                 });
    }

    // A protobuf answer: the message, or the error it means (unsupported, malformed).
    Result<protocol::ProtobufMessage> decoded(const protocol::Bytes& message) const {
        if (message.size() == 2) {
            return fail(Errc::CameraRejected, phase_ + " failed: the camera does not support it");
        }
        auto decodedMessage = protocol::decodeProtobuf(message);
        if (!decodedMessage) {
            return fail(Errc::Internal,
                        "malformed answer to " + phase_ + ": " + protocol::describe(decodedMessage.error()));
        }
        return std::move(*decodedMessage);
    }

    // A ResponseGeneric answer that must say success, then `next`.
    void generic(protocol::Request request, std::function<void()> next) {
        submit(std::move(request), [this, next = std::move(next)](const protocol::Bytes& message) {
            auto answer = decoded(message);
            if (!answer) return finish(Unexpected{answer.error()});
            const auto* response = answer->as<pb::ResponseGeneric>();
            if (response == nullptr) return finish(fail(Errc::Internal, "unexpected answer to " + phase_));
            if (response->result() != pb::RESULT_SUCCESS) {
                return finish(
                    fail(Errc::CameraRejected,
                         phase_ + " failed: " + std::string(protocol::resultGenericName(response->result()))));
            }
            next();
        });
    }

    void joinNetwork() {
        Camera* camera = find_();
        if (camera == nullptr) return finish(fail(Errc::Unavailable, "the camera is gone"));
        step(CohnProgress::Step::Network, "joining the network", "joining \"" + ssid + "\" in station mode");
        auto op = makeWifiConnect(
            executor_, *camera, ssid, password, deadline_,
            [weak = weak_from_this()](const WifiProgress& wifi) {
                auto self = weak.lock();
                if (self && !self->finished_ && self->progress) {
                    self->progress(CohnProgress{CohnProgress::Step::Network, wifi.detail});
                }
            },
            [weak = weak_from_this()](Result<void> joined) {
                auto self = weak.lock();
                if (!self || self->finished_) return;
                if (!joined) return self->finish(Unexpected{joined.error()});
                self->certificate();
            });
        wifi_ = op;
        camera->runNetworkOperation(std::move(op));
    }

    void certificate() {
        step(CohnProgress::Step::Certificate, "Clear COHN Certificate", "clearing the certificate");
        generic(protocol::operation::clearCohnCert(), [this] {
            step(CohnProgress::Step::Certificate, "Create COHN Certificate", "creating a certificate");
            generic(protocol::operation::createCohnCert(false), [this] { waitConnected(); });
        });
    }

    void waitConnected() {
        Camera* camera = find_();
        if (camera == nullptr) return finish(fail(Errc::Unavailable, "the camera is gone"));
        step(CohnProgress::Step::Waiting, "waiting for COHN to connect", "registering for COHN status");
        // Watch before asking, so that no push between the answer and the watch is missed.
        watch_ = camera->watchCohnStatus(
            [weak = weak_from_this()](const protocol::ProtobufMessage& push) {
                if (auto self = weak.lock(); self && !self->finished_) self->status(push);
            },
            [weak = weak_from_this()](const Error& error) {
                if (auto self = weak.lock()) {
                    self->watch_ = 0;
                    self->finish(Unexpected{error});
                }
            });
        submit(protocol::operation::getCohnStatus(true), [this](const protocol::Bytes& message) {
            auto answer = decoded(message);
            if (!answer) return finish(Unexpected{answer.error()});
            status(*answer);
        });
    }

    void status(const protocol::ProtobufMessage& message) {
        const auto* cohn = message.as<pb::NotifyCOHNStatus>();
        if (cohn == nullptr || connected_) return;
        const int state = cohn->state();
        if (state != lastState_) {
            lastState_ = state;
            phase_ = "waiting for COHN to connect (state " + pb::EnumCOHNNetworkState_Name(cohn->state()) + ")";
            if (progress)
                progress(CohnProgress{CohnProgress::Step::Waiting, pb::EnumCOHNNetworkState_Name(cohn->state())});
        }
        if (state != pb::COHN_STATE_NetworkConnected) return;
        connected_ = true;
        unwatch();
        credentials_.ipAddress = cohn->ipaddress();
        credentials_.username = cohn->username();
        credentials_.password = cohn->password();
        credentials_.ssid = cohn->ssid().empty() ? ssid : cohn->ssid();
        phase_ = "Get COHN Certificate";
        submit(protocol::operation::getCohnCert(), [this](const protocol::Bytes& message) {
            auto answer = decoded(message);
            if (!answer) return finish(Unexpected{answer.error()});
            const auto* cert = answer->as<pb::ResponseCOHNCert>();
            if (cert == nullptr) return finish(fail(Errc::Internal, "unexpected answer to Get COHN Certificate"));
            if (cert->result() != pb::RESULT_SUCCESS || cert->cert().empty()) {
                return finish(fail(Errc::CameraRejected, "Get COHN Certificate failed: " +
                                                             std::string(protocol::resultGenericName(cert->result()))));
            }
            credentials_.cert = cert->cert();
            finish(std::move(credentials_));
        });
    }

    void unwatch() {
        if (watch_ == 0) return;
        if (Camera* camera = find_()) camera->unwatchCohnStatus(watch_);
        watch_ = 0;
    }

    void finish(Result<CohnCredentials> result) {
        if (finished_) return;
        finished_ = true;
        auto keep = shared_from_this();
        executor_.cancel(timer_);
        unwatch();
        if (ticket_ != 0) {
            if (Camera* camera = find_()) camera->cancel(ticket_);
            ticket_ = 0;
        }
        if (auto d = std::move(done)) d(std::move(result));
    }

    Executor& executor_;
    std::function<Camera*()> find_;
    Deadline deadline_;
    Executor::TimerId timer_ = 0;
    RequestQueue::Ticket ticket_ = 0;
    std::weak_ptr<NetworkOperation> wifi_;
    std::uint64_t watch_ = 0;
    std::string phase_ = "COHN provisioning";
    int lastState_ = -1;
    bool connected_ = false;
    bool finished_ = false;
    CohnCredentials credentials_;
};

}  // namespace

std::function<void()> provisionCohn(Executor& executor, std::function<Camera*()> find, std::string ssid,
                                    std::optional<std::string> password, protocol::LocalDateTime now, Deadline deadline,
                                    std::function<void(const CohnProgress&)> progress,
                                    std::function<void(Result<CohnCredentials>)> done) {
    auto op = std::make_shared<CohnProvisioning>(executor, std::move(find), deadline);
    op->ssid = std::move(ssid);
    op->password = std::move(password);
    op->now = now;
    op->progress = std::move(progress);
    // The operation lives as long as something waits on it: its own callbacks hold it weakly, so `done` keeps it.
    op->done = [op, done = std::move(done)](Result<CohnCredentials> result) mutable {
        auto d = std::move(done);
        op.reset();
        d(std::move(result));
    };
    op->start();
    if (op->finished()) return {};  // nothing left to cancel
    return [weak = std::weak_ptr<CohnProvisioning>(op)] {
        if (auto o = weak.lock()) o->cancel();
    };
}

}  // namespace goprod::core
