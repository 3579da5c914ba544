// group C: live streaming (see live_stream.h).
#include "daemon/core/live_stream.h"

#include "live_streaming.pb.h"
#include "protocol/commands.h"
#include "protocol/result_codes.h"
#include "response_generic.pb.h"

namespace goprod::core {

namespace {

namespace pb = open_gopro;
using Step = LiveStreamProgress::Step;

std::string stateName(int state) { return pb::EnumLiveStreamStatus_Name(static_cast<pb::EnumLiveStreamStatus>(state)); }

class LiveStreamStart final : public NetworkOperation, public std::enable_shared_from_this<LiveStreamStart> {
public:
    LiveStreamStart(Executor& executor, Camera& camera, protocol::operation::LiveStreamMode mode, Deadline deadline)
        : executor_(executor), camera_(camera), mode_(std::move(mode)), deadline_(deadline) {}
    ~LiveStreamStart() override { executor_.cancel(timer_); }

    std::function<void(const LiveStreamProgress&)> progress;
    std::function<void(Result<void>)> done;

    void arm() {
        timer_ = executor_.at(deadline_, [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->finish(fail(Errc::DeadlineExceeded, self->phaseText() + " timed out"));
        });
    }

    void start() override {
        auto request = protocol::operation::setLiveStreamMode(mode_);
        if (!request) return finish(fail(Errc::InvalidArgument, request.error().detail));
        submit(std::move(*request), [this](const Answer& answer) {
            const auto* response = decoded<pb::ResponseGeneric>(answer, "Set Live Stream Mode");
            if (!response) return;
            if (response->result() != protocol::kResultSuccess) {
                return finish(fail(Errc::CameraRejected,
                                   "Set Live Stream Mode failed: " +
                                       std::string(protocol::resultGenericName(response->result())) +
                                       (response->result() == pb::RESULT_RESOURCE_NOT_AVAILABLE
                                            ? " (is the camera on a network? goproctl wifi connect)"
                                            : "")));
            }
            phase_ = Phase::WaitingReady;
            report(Step::Configuring, "the camera accepted the mode and configures the stream", {});
            // Registered, so that READY (or FAILED) comes as a push.
            submit(protocol::operation::getLiveStreamStatus(true), [this](const Answer& status) {
                if (decoded<pb::NotifyLiveStreamStatus>(status, "Get Live Stream Status")) status_(status.message);
            });
        });
    }

    // Live-stream pushes (the camera routes them here while this operation runs).
    void notification(const protocol::ProtobufMessage& message) override {
        if (done_ || message.as<pb::NotifyLiveStreamStatus>() == nullptr) return;
        if (phase_ == Phase::Configuring) return;  // a push for another configuration, before ours was accepted
        status_(protocol::encodeProtobuf(message.feature, message.action, *message.body));
    }

    void abort(const Error& error) override { finish(Unexpected{error}); }

private:
    enum class Phase : std::uint8_t { Configuring, WaitingReady, Starting, Streaming };

    std::string phaseText() const {
        switch (phase_) {
            case Phase::Configuring: return "Set Live Stream Mode";
            case Phase::WaitingReady: return "waiting for the live stream to be READY";
            case Phase::Starting: return "starting the stream";
            case Phase::Streaming: return "waiting for the live stream to be STREAMING";
        }
        return "the live stream";
    }

    template <class M>
    const M* decoded(const Answer& answer, const std::string& what) {
        message_ = protocol::decodeProtobuf(answer.message);
        if (!message_) {
            finish(fail(Errc::Internal, "malformed answer to " + what + ": " + protocol::describe(message_.error())));
            return nullptr;
        }
        const M* body = message_->template as<M>();
        if (!body) finish(fail(Errc::Internal, "unexpected answer to " + what));
        return body;
    }

    void status_(const protocol::Bytes& message) {
        auto parsed = protocol::decodeProtobuf(message);
        if (!parsed) return;
        const auto* status = parsed->as<pb::NotifyLiveStreamStatus>();
        if (!status) return;
        const int state = status->live_stream_status();
        if (state == pb::LIVE_STREAM_STATE_FAILED_STAY_ON || state == pb::LIVE_STREAM_STATE_UNAVAILABLE) {
            const auto error = pb::EnumLiveStreamError_Name(status->live_stream_error());
            return finish(fail(Errc::CameraRejected, "the live stream failed: " + stateName(state) +
                                                         (error.empty() ? "" : " (" + error + ")")));
        }
        if (phase_ == Phase::WaitingReady && state == pb::LIVE_STREAM_STATE_READY) {
            phase_ = Phase::Starting;
            report(Step::Ready, "the stream is READY", message);
            submit(protocol::command::setShutter(true), [this](const Answer& answer) {
                const auto response = protocol::parseCommandResponse(answer.message);
                if (!response || !response->ok()) {
                    return finish(Unexpected{Error{Errc::CameraRejected, "the camera refused shutter on",
                                                   response ? std::optional<std::uint8_t>(response->status)
                                                            : std::nullopt}});
                }
                report(Step::Starting, "shutter on", {});
                if (streaming_) return succeed();
                phase_ = Phase::Streaming;
            });
            return;
        }
        if (state == pb::LIVE_STREAM_STATE_STREAMING && (phase_ == Phase::Starting || phase_ == Phase::Streaming)) {
            streamingStatus_ = message;
            streaming_ = true;
            if (phase_ == Phase::Streaming) succeed();  // else when the shutter's answer comes
        }
    }

    void succeed() {
        report(Step::Streaming, "streaming", streamingStatus_);
        auto d = std::move(done);
        finishQuietly();
        if (d) d({});
    }

    void report(Step step, std::string detail, protocol::Bytes status) {
        if (progress) progress(LiveStreamProgress{step, std::move(detail), std::move(status)});
    }

    void submit(protocol::Request request, std::function<void(const Answer&)> onAnswer) {
        ticket_ = camera_.submit(std::move(request), RequestOptions{deadline_, Priority::Normal, false, {}},
                                 [weak = weak_from_this(), onAnswer = std::move(onAnswer)](Result<Answer> answer) {
                                     auto self = weak.lock();
                                     if (!self || self->done_) return;
                                     self->ticket_ = 0;
                                     if (!answer) return self->finish(Unexpected{answer.error()});
                                     onAnswer(*answer);
                                 });
    }

    void finish(Result<void> result) {
        if (done_) return;
        auto d = std::move(done);
        finishQuietly();
        if (d) d(std::move(result));
    }

    void finishQuietly() {
        done_ = true;
        executor_.cancel(timer_);
        if (ticket_ != 0) camera_.cancel(ticket_);
        ticket_ = 0;
        auto keep = shared_from_this();
        camera_.networkOperationDone(this);
    }

    Executor& executor_;
    Camera& camera_;
    protocol::operation::LiveStreamMode mode_;
    Deadline deadline_;
    Executor::TimerId timer_ = 0;
    RequestQueue::Ticket ticket_ = 0;
    Phase phase_ = Phase::Configuring;
    bool done_ = false;
    bool streaming_ = false;  // STREAMING seen (maybe before the shutter's answer)
    protocol::Bytes streamingStatus_;
    protocol::Result<protocol::ProtobufMessage> message_ = protocol::fail(protocol::Errc::Truncated, "");
};

}  // namespace

std::shared_ptr<NetworkOperation> makeLiveStreamStart(Executor& executor, Camera& camera,
                                                      protocol::operation::LiveStreamMode mode, Deadline deadline,
                                                      std::function<void(const LiveStreamProgress&)> progress,
                                                      std::function<void(Result<void>)> done) {
    auto op = std::make_shared<LiveStreamStart>(executor, camera, std::move(mode), deadline);
    op->progress = std::move(progress);
    op->done = std::move(done);
    op->arm();
    return op;
}

}  // namespace goprod::core
