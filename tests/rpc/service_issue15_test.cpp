// issue 15 G: component tests of the service's issue-15 RPCs (COHN, live
// streaming, the camera commands, presets and capabilities) over an in-process
// channel on a FakeControl: each field the service checks, refused with
// INVALID_ARGUMENT before anything reaches Control; the bytes that do reach it;
// and how the camera's refusals and the core's errors come out.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cohn.pb.h"
#include "live_streaming.pb.h"
#include "protocol/bytes.h"
#include "protocol/protobuf.h"
#include "response_generic.pb.h"
#include "tests/rpc/test_support.h"

namespace goprod::rpc::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

const std::string kAddr1 = "AA:BB:CC:00:04:56";
const std::string kAddr2 = "AA:BB:CC:00:12:34";
const std::string kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

// The camera's protobuf answer to `request`.
core::Answer protobufAnswerTo(const protocol::Request& request, const google::protobuf::MessageLite& body) {
    core::Answer answer = answerTo(request, 0);
    answer.message = protocol::encodeProtobuf(request.expects.id, request.expects.action, body);
    return answer;
}

core::Answer genericAnswer(const protocol::Request& request, open_gopro::EnumResultGeneric result) {
    open_gopro::ResponseGeneric body;
    body.set_result(result);
    return protobufAnswerTo(request, body);
}

protocol::Bytes liveStatus(open_gopro::EnumLiveStreamStatus state, int kbps = 0) {
    open_gopro::NotifyLiveStreamStatus body;
    body.set_live_stream_status(state);
    if (kbps != 0) body.set_live_stream_bitrate(kbps);
    return protocol::encodeProtobuf(0xF5, protocol::action::kGetLiveStreamStatusResponse, body);
}

class Issue15ServiceTest : public ServiceFixture {
protected:
    void SetUp() override {
        ServiceFixture::SetUp();
        fake_.setCameras({camera("0456", kAddr1), camera("1234", kAddr2)});
        // Protobuf commands succeed with RESULT_SUCCESS; TLV commands with status 0.
        fake_.onRequest = [](const core::CameraView&,
                             const protocol::Request& request) -> FakeControl::Reply<core::Answer> {
            if (request.expects.kind == protocol::ResponseKey::Kind::Protobuf) {
                return core::Result<core::Answer>(genericAnswer(request, open_gopro::RESULT_SUCCESS));
            }
            return core::Result<core::Answer>(answerTo(request, 0));
        };
    }
    static v1::CameraRequest one(const std::string& camera = "0456") {
        v1::CameraRequest target;
        target.add_cameras(camera);
        return target;
    }
    static v1::CameraRequest both() {
        v1::CameraRequest target;
        target.add_cameras("0456");
        target.add_cameras("1234");
        return target;
    }
    std::vector<std::string> sentHex() const {
        std::vector<std::string> out;
        for (const auto& record : fake_.requests()) out.push_back(protocol::toHex(record.request.message));
        return out;
    }
    // Runs StartLiveStream to its end: the steps read, and the final status.
    grpc::Status startLiveStream(const v1::StartLiveStreamRequest& request,
                                 std::vector<v1::LiveStreamProgress>* steps = nullptr) {
        auto ctx = context();
        auto reader = stub_->StartLiveStream(ctx.get(), request);
        v1::LiveStreamProgress progress;
        while (reader->Read(&progress)) {
            if (steps != nullptr) steps->push_back(progress);
        }
        return reader->Finish();
    }
    static v1::StartLiveStreamRequest stream(std::string url = "rtmp://stream.example/live") {
        v1::StartLiveStreamRequest request;
        request.set_url(std::move(url));
        return request;
    }
};

// --- StartLiveStream ----------------------------------------------------------------

TEST_F(Issue15ServiceTest, StartLiveStreamRefusesEachBadFieldBeforeAnythingReachesTheCamera) {
    struct Case {
        std::function<void(v1::StartLiveStreamRequest&)> change;
        std::string message;
    };
    const std::vector<Case> cases = {
        {[](auto& r) { r.set_url(""); }, "the stream URL is empty"},
        {[](auto& r) { r.set_url("rtmp://x/" + std::string(2040, 'a')); },
         "the stream URL is 2049 bytes, at most 2048"},
        {[](auto& r) { r.set_url("http://stream.example/live"); },
         "the stream URL must start with rtmp:// or rtmps://"},
        {[](auto& r) { r.set_url("stream.example/live"); }, "the stream URL must start with rtmp:// or rtmps://"},
        {[](auto& r) { r.set_window(600); }, "window 600 is not 480, 720 or 1080"},
        {[](auto& r) { r.set_lens(static_cast<v1::LiveStreamLens>(9)); }, "unknown lens 9"},
        {[](auto& r) { r.set_minimum_kbps(799); }, "the minimum bitrate 799 kbps is outside 800..8000"},
        {[](auto& r) { r.set_maximum_kbps(8001); }, "the maximum bitrate 8001 kbps is outside 800..8000"},
        {[](auto& r) { r.set_starting_kbps(9000); }, "the starting bitrate 9000 kbps is outside 800..8000"},
        {[](auto& r) {
             r.set_minimum_kbps(4000);
             r.set_maximum_kbps(2000);
         },
         "the minimum bitrate is above the maximum"},
        {[](auto& r) {
             r.set_minimum_kbps(1000);
             r.set_maximum_kbps(2000);
             r.set_starting_kbps(3000);
         },
         "the starting bitrate is outside minimum..maximum"},
        {[](auto& r) { r.set_certificate("not a certificate"); },
         "the certificate is not PEM (no -----BEGIN CERTIFICATE----- line)"},
        {[](auto& r) { r.set_certificate(kPem + std::string(8200, 'A')); },
         "the live-stream mode is 8294 bytes with its URL and certificate; at most 8191 fit in one message"},
    };
    for (const auto& c : cases) {
        auto request = stream();
        c.change(request);
        const auto status = startLiveStream(request);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
        EXPECT_EQ(status.error_message(), c.message);
    }
    EXPECT_THAT(fake_.calls(), IsEmpty());
    EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(Issue15ServiceTest, StartLiveStreamWithoutACameraWhenTwoAreReadyIsInvalid) {
    const auto status = startLiveStream(stream());  // "the only connected camera", but two are
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("several cameras are connected (0456, 1234): choose one"));
    EXPECT_THAT(fake_.liveStreamModes(), IsEmpty());
}

TEST_F(Issue15ServiceTest, StartLiveStreamPassesTheModeAndStreamsEachStepWithTheCamerasStatus) {
    using Step = core::LiveStreamProgress::Step;
    fake_.onLiveStreamStart = [](const std::string&) {
        return std::make_pair(
            std::vector<core::LiveStreamProgress>{
                {Step::Configuring, "configuring", liveStatus(open_gopro::LIVE_STREAM_STATE_CONFIG)},
                {Step::Ready, "ready", liveStatus(open_gopro::LIVE_STREAM_STATE_READY)},
                {Step::Starting, "shutter on", {}},
                {Step::Streaming, "streaming", liveStatus(open_gopro::LIVE_STREAM_STATE_STREAMING, 1000)}},
            FakeControl::Reply<void>(core::Result<void>{}));
    };
    auto request = stream("RTMPS://stream.example/live");  // the scheme in any case
    request.set_camera("1234");
    request.set_window(720);
    request.set_lens(v1::LIVE_STREAM_LENS_LINEAR);
    request.set_minimum_kbps(800);
    request.set_maximum_kbps(8000);
    request.set_starting_kbps(1000);
    request.set_certificate(kPem);
    request.set_no_encode(true);
    std::vector<v1::LiveStreamProgress> steps;
    ASSERT_TRUE(startLiveStream(request, &steps).ok());

    ASSERT_EQ(steps.size(), 4U);
    EXPECT_EQ(steps[0].step(), v1::LiveStreamProgress::STEP_CONFIGURING);
    EXPECT_EQ(steps[0].status().state(), v1::LIVE_STREAM_STATE_CONFIG);
    EXPECT_EQ(steps[1].step(), v1::LiveStreamProgress::STEP_READY);
    EXPECT_EQ(steps[2].step(), v1::LiveStreamProgress::STEP_STARTING);
    EXPECT_FALSE(steps[2].has_status());
    EXPECT_EQ(steps[3].step(), v1::LiveStreamProgress::STEP_STREAMING);
    EXPECT_EQ(steps[3].status().state(), v1::LIVE_STREAM_STATE_STREAMING);
    EXPECT_EQ(steps[3].status().bitrate_kbps(), 1000);

    EXPECT_THAT(fake_.calls(), ElementsAre("liveStreamStart " + kAddr2 + " RTMPS://stream.example/live"));
    const auto modes = fake_.liveStreamModes();
    ASSERT_EQ(modes.size(), 1U);
    const auto& mode = modes[0];
    EXPECT_EQ(mode.windowSize, 7);  // EnumWindowSize 720
    EXPECT_EQ(mode.lens, 4);        // EnumLens linear
    EXPECT_EQ(mode.minimumKbps, 800);
    EXPECT_EQ(mode.maximumKbps, 8000);
    EXPECT_EQ(mode.startingKbps, 1000);
    EXPECT_EQ(mode.certificate, kPem);
    EXPECT_FALSE(mode.encode);
}

TEST_F(Issue15ServiceTest, StartLiveStreamDefaultsLeaveTheCamerasChoice) {
    fake_.onLiveStreamStart = [](const std::string&) {
        return std::make_pair(std::vector<core::LiveStreamProgress>{}, FakeControl::Reply<void>(core::Result<void>{}));
    };
    auto request = stream();
    request.set_camera("0456");
    ASSERT_TRUE(startLiveStream(request).ok());
    const auto modes = fake_.liveStreamModes();
    ASSERT_EQ(modes.size(), 1U);
    EXPECT_FALSE(modes[0].windowSize || modes[0].lens || modes[0].minimumKbps || modes[0].maximumKbps ||
                 modes[0].startingKbps);
    EXPECT_TRUE(modes[0].encode);
    EXPECT_TRUE(modes[0].certificate.empty());
}

TEST_F(Issue15ServiceTest, StartLiveStreamFailuresEndTheStreamWithTheirStatusAfterTheProgress) {
    const std::vector<std::pair<core::Errc, grpc::StatusCode>> cases = {
        {core::Errc::CameraRejected, grpc::StatusCode::FAILED_PRECONDITION},
        {core::Errc::DeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
        {core::Errc::Unavailable, grpc::StatusCode::UNAVAILABLE},
        {core::Errc::ResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
    };
    for (const auto& [errc, code] : cases) {
        fake_.onLiveStreamStart = [errc = errc](const std::string&) {
            return std::make_pair(
                std::vector<core::LiveStreamProgress>{{core::LiveStreamProgress::Step::Configuring, "configuring", {}}},
                FakeControl::Reply<void>(core::fail(errc, "the live stream FAILED_STAY_ON")));
        };
        auto request = stream();
        request.set_camera("0456");
        std::vector<v1::LiveStreamProgress> steps;
        const auto status = startLiveStream(request, &steps);
        EXPECT_EQ(status.error_code(), code);
        EXPECT_THAT(status.error_message(), HasSubstr("the live stream FAILED_STAY_ON"));
        EXPECT_EQ(steps.size(), 1U);
    }
}

TEST_F(Issue15ServiceTest, ACancelledStartLiveStreamCancelsTheStart) {
    fake_.onLiveStreamStart = [](const std::string&) {
        return std::make_pair(
            std::vector<core::LiveStreamProgress>{{core::LiveStreamProgress::Step::Configuring, "configuring", {}}},
            FakeControl::Reply<void>{});
    };
    auto request = stream();
    request.set_camera("0456");
    grpc::ClientContext ctx;
    auto reader = stub_->StartLiveStream(&ctx, request);
    v1::LiveStreamProgress progress;
    ASSERT_TRUE(reader->Read(&progress));
    const auto id = fake_.lastCallId();
    ctx.TryCancel();
    while (reader->Read(&progress)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.cancelled() == std::vector<core::CallId>{id}; }));
}

// --- GetLiveStreamStatus / StopLiveStream -----------------------------------------------

TEST_F(Issue15ServiceTest, LiveStreamStatusIsPerCameraAndACameraWithoutItIsRejected) {
    fake_.onRequest = [](const core::CameraView& camera, const protocol::Request& request) {
        core::Answer answer = answerTo(request, 0);  // "12 34" camera: the 2-byte unsupported reply
        if (camera.identifier == "0456") answer.message = liveStatus(open_gopro::LIVE_STREAM_STATE_STREAMING, 2000);
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(answer));
    };
    v1::LiveStreamStatusResponse response;
    ASSERT_TRUE(stub_->GetLiveStreamStatus(context().get(), both(), &response).ok());
    ASSERT_EQ(response.cameras_size(), 2);
    EXPECT_EQ(response.cameras(0).result().code(), 0);
    EXPECT_EQ(response.cameras(0).status().state(), v1::LIVE_STREAM_STATE_STREAMING);
    EXPECT_EQ(response.cameras(0).status().bitrate_kbps(), 2000);
    EXPECT_EQ(response.cameras(1).result().code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(response.cameras(1).result().message(), HasSubstr("does not support live streaming"));
    // Registered for every push kind, so that changes become events.
    EXPECT_EQ(sentHex()[0], protocol::toHex(protocol::operation::getLiveStreamStatus(true).message));
}

TEST_F(Issue15ServiceTest, StopLiveStreamIsShutterOffOnEveryCamera) {
    v1::MultiResult response;
    ASSERT_TRUE(stub_->StopLiveStream(context().get(), both(), &response).ok());
    ASSERT_EQ(response.results_size(), 2);
    EXPECT_THAT(sentHex(), ElementsAre("01 01 00", "01 01 00"));
}

// --- COHN -------------------------------------------------------------------------------

TEST_F(Issue15ServiceTest, CohnCommandsSendTheirBytesToEachCamera) {
    v1::MultiResult response;
    v1::CreateCohnCertRequest create;
    *create.mutable_target() = both();
    create.set_override(true);
    ASSERT_TRUE(stub_->CreateCohnCert(context().get(), create, &response).ok());
    ASSERT_EQ(response.results_size(), 2);
    ASSERT_TRUE(stub_->ClearCohnCert(context().get(), one(), &response).ok());
    v1::SetCohnRequest off;
    *off.mutable_target() = one("1234");
    ASSERT_TRUE(stub_->SetCohn(context().get(), off, &response).ok());
    EXPECT_THAT(sentHex(), ElementsAre("f1 67 08 01", "f1 67 08 01", "f1 66", "f1 65 08 00"));
}

TEST_F(Issue15ServiceTest, ACohnResultOtherThanSuccessIsThatCamerasFailedPrecondition) {
    fake_.onRequest = [](const core::CameraView& camera, const protocol::Request& request) {
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(genericAnswer(
            request, camera.identifier == "1234" ? open_gopro::RESULT_ILL_FORMED : open_gopro::RESULT_SUCCESS)));
    };
    v1::CreateCohnCertRequest create;
    *create.mutable_target() = both();
    v1::MultiResult response;
    ASSERT_TRUE(stub_->CreateCohnCert(context().get(), create, &response).ok());
    ASSERT_EQ(response.results_size(), 2);
    EXPECT_EQ(response.results(0).code(), 0);
    EXPECT_EQ(response.results(1).code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(response.results(1).message(), "Create COHN Certificate failed: RESULT_ILL_FORMED");
}

TEST_F(Issue15ServiceTest, GetCohnCertIsForOneCameraAndItsFailureIsTheRpcs) {
    v1::CohnCert response;
    EXPECT_EQ(stub_->GetCohnCert(context().get(), both(), &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(fake_.requests(), IsEmpty());

    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        open_gopro::ResponseCOHNCert body;
        body.set_result(open_gopro::RESULT_RESOURCE_NOT_AVAILABLE);
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(protobufAnswerTo(request, body)));
    };
    const auto refused = stub_->GetCohnCert(context().get(), one(), &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(refused.error_message(), "Get COHN Certificate failed: RESULT_RESOURCE_NOT_AVAILABLE");

    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        open_gopro::ResponseCOHNCert body;
        body.set_result(open_gopro::RESULT_SUCCESS);
        body.set_cert(kPem);
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(protobufAnswerTo(request, body)));
    };
    ASSERT_TRUE(stub_->GetCohnCert(context().get(), one("1234"), &response).ok());
    EXPECT_EQ(response.cert(), kPem);
    EXPECT_EQ(response.result().identifier(), "1234");

    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>(
            core::Result<core::Answer>(core::fail(core::Errc::Unavailable, "the camera's link was lost")));
    };
    EXPECT_EQ(stub_->GetCohnCert(context().get(), one(), &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(Issue15ServiceTest, ProvisionCohnRefusesBadNetworksBeforeAnythingStarts) {
    const std::vector<std::pair<v1::ProvisionCohnRequest, std::string>> cases = [] {
        std::vector<std::pair<v1::ProvisionCohnRequest, std::string>> out;
        v1::ProvisionCohnRequest request;
        request.set_camera("0456");
        out.emplace_back(request, "ssid is empty");
        request.set_ssid(std::string(33, 's'));
        out.emplace_back(request, "ssid is 33 bytes long; at most 32 are allowed");
        request.set_ssid("home");
        request.set_password(std::string(64, 'p'));
        out.emplace_back(request, "password is 64 bytes long; at most 63 are allowed");
        return out;
    }();
    for (const auto& [request, message] : cases) {
        auto ctx = context();
        auto reader = stub_->ProvisionCohn(ctx.get(), request);
        v1::ProvisionCohnProgress progress;
        EXPECT_FALSE(reader->Read(&progress));
        const auto status = reader->Finish();
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        EXPECT_EQ(status.error_message(), message);
    }
    EXPECT_THAT(fake_.calls(), IsEmpty());
}

TEST_F(Issue15ServiceTest, ProvisionCohnStreamsTheStepsThenTheCredentials) {
    using Step = core::CohnProgress::Step;
    fake_.onProvisionCohn = [](const std::string&, const std::string& ssid, const std::optional<std::string>&) {
        return std::make_pair(std::vector<core::CohnProgress>{{Step::DateTime, ""},
                                                              {Step::Network, "CONNECTING"},
                                                              {Step::Certificate, ""},
                                                              {Step::Waiting, "COHN_STATE_ConnectingToNetwork"}},
                              FakeControl::Reply<core::CohnCredentials>(
                                  core::CohnCredentials{"192.168.50.100", "gopro", "secret", kPem, ssid}));
    };
    v1::ProvisionCohnRequest request;
    request.set_camera("1234");
    request.set_ssid("home");
    request.set_password("network-password");
    auto ctx = context();
    auto reader = stub_->ProvisionCohn(ctx.get(), request);
    std::vector<v1::ProvisionCohnProgress> steps;
    v1::ProvisionCohnProgress progress;
    while (reader->Read(&progress)) steps.push_back(progress);
    ASSERT_TRUE(reader->Finish().ok());
    ASSERT_EQ(steps.size(), 5U);
    EXPECT_EQ(steps[0].step(), v1::ProvisionCohnProgress::STEP_DATE_TIME);
    EXPECT_EQ(steps[3].step(), v1::ProvisionCohnProgress::STEP_WAITING);
    EXPECT_EQ(steps[3].detail(), "COHN_STATE_ConnectingToNetwork");
    EXPECT_EQ(steps[4].step(), v1::ProvisionCohnProgress::STEP_PROVISIONED);
    EXPECT_EQ(steps[4].credentials().ip_address(), "192.168.50.100");
    EXPECT_EQ(steps[4].credentials().cert(), kPem);
    EXPECT_EQ(steps[4].credentials().ssid(), "home");
    EXPECT_THAT(fake_.calls(), ElementsAre("provisionCohn " + kAddr2 + " home password=network-password"));
}

TEST_F(Issue15ServiceTest, ProvisionCohnThatTimesOutEndsWithDeadlineExceeded) {
    fake_.onProvisionCohn = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(
            std::vector<core::CohnProgress>{{core::CohnProgress::Step::Waiting, "COHN_STATE_ConnectingToNetwork"}},
            FakeControl::Reply<core::CohnCredentials>(core::fail(
                core::Errc::DeadlineExceeded, "COHN did not connect in time (COHN_STATE_ConnectingToNetwork)")));
    };
    v1::ProvisionCohnRequest request;
    request.set_camera("0456");
    request.set_ssid("home");
    auto ctx = context();
    auto reader = stub_->ProvisionCohn(ctx.get(), request);
    v1::ProvisionCohnProgress progress;
    int messages = 0;
    while (reader->Read(&progress)) ++messages;
    const auto status = reader->Finish();
    EXPECT_EQ(messages, 1);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_THAT(status.error_message(), HasSubstr("COHN_STATE_ConnectingToNetwork"));
}

// --- The camera commands ---------------------------------------------------------------

TEST_F(Issue15ServiceTest, SetCameraControlRefusesUnknownValues) {
    for (const int control : {0, 4, -1}) {
        v1::SetCameraControlRequest request;
        *request.mutable_target() = one();
        request.set_control(static_cast<v1::CameraControl>(control));
        v1::MultiResult response;
        const auto status = stub_->SetCameraControl(context().get(), request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << control;
        EXPECT_THAT(status.error_message(), HasSubstr("unknown camera control " + std::to_string(control)));
    }
    EXPECT_THAT(fake_.requests(), IsEmpty());
    v1::SetCameraControlRequest request;
    *request.mutable_target() = both();
    request.set_control(v1::CAMERA_CONTROL_EXTERNAL);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetCameraControl(context().get(), request, &response).ok());
    EXPECT_EQ(response.results_size(), 2);
    EXPECT_THAT(sentHex(), ElementsAre("f1 69 08 02", "f1 69 08 02"));
}

TEST_F(Issue15ServiceTest, SetCameraNameIsOneToThirtyTwoBytes) {
    for (const std::string& name : {std::string(), std::string(33, 'n')}) {
        v1::SetCameraNameRequest request;
        *request.mutable_target() = one();
        request.set_name(name);
        v1::MultiResult response;
        const auto status = stub_->SetCameraName(context().get(), request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        EXPECT_EQ(status.error_message(),
                  "the camera name is " + std::to_string(name.size()) + " bytes long; 1 to 32 are allowed");
    }
    EXPECT_THAT(fake_.requests(), IsEmpty());
    v1::SetCameraNameRequest request;
    *request.mutable_target() = one();
    request.set_name(std::string(32, 'n'));
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetCameraName(context().get(), request, &response).ok());
    ASSERT_EQ(fake_.requests().size(), 1U);
    EXPECT_EQ(protocol::toHex(fake_.requests()[0].request.message).substr(0, 17), "f1 62 0a 20 6e 6e");
}

TEST_F(Issue15ServiceTest, ACameraWithoutTheOperationAnswersUnsupportedAndIsRejected) {
    fake_.onRequest = [](const core::CameraView& camera, const protocol::Request& request) {
        // 0456 lacks it: the 2-byte [feature][status] reply; 1234 answers RESULT_SUCCESS.
        auto answer =
            camera.identifier == "0456" ? answerTo(request, 0) : genericAnswer(request, open_gopro::RESULT_SUCCESS);
        if (camera.identifier == "0456") answer.message = {request.expects.id, 0x01};
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(answer));
    };
    v1::SetCameraNameRequest request;
    *request.mutable_target() = both();
    request.set_name("Rig");
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetCameraName(context().get(), request, &response).ok());
    ASSERT_EQ(response.results_size(), 2);
    EXPECT_EQ(response.results(0).code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(response.results(0).message(), HasSubstr("does not support it"));
    EXPECT_EQ(response.results(1).code(), 0);
}

TEST_F(Issue15ServiceTest, TlvCommandsCarryTheCamerasStatusAndCoreErrorsPerCamera) {
    fake_.onRequest = [](const core::CameraView& camera, const protocol::Request& request) {
        if (camera.identifier == "1234") {
            return FakeControl::Reply<core::Answer>(
                core::Result<core::Answer>(core::fail(core::Errc::DeadlineExceeded, "no answer within 10 s")));
        }
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(answerTo(request, 1)));  // status 1: error
    };
    v1::MultiResult response;
    ASSERT_TRUE(stub_->Hilight(context().get(), both(), &response).ok());
    ASSERT_EQ(response.results_size(), 2);
    EXPECT_EQ(response.results(0).code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(response.results(0).camera_status(), 1U);
    EXPECT_THAT(response.results(0).message(), HasSubstr("Hilight Moment"));
    EXPECT_EQ(response.results(1).code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_THAT(sentHex(), ElementsAre("18", "18"));
}

TEST_F(Issue15ServiceTest, EveryIssue15CommandSendsItsBytes) {
    v1::MultiResult response;
    ASSERT_TRUE(stub_->PowerDown(context().get(), one(), &response).ok());
    ASSERT_TRUE(stub_->Reboot(context().get(), one(), &response).ok());
    v1::SetTurboTransferRequest turbo;
    *turbo.mutable_target() = one();
    turbo.set_on(true);
    ASSERT_TRUE(stub_->SetTurboTransfer(context().get(), turbo, &response).ok());
    ASSERT_TRUE(stub_->ReleaseNetwork(context().get(), one(), &response).ok());
    EXPECT_THAT(sentHex(), ElementsAre("04", "11", "f1 6b 08 01", "f1 78"));
}

// --- Presets and capabilities ------------------------------------------------------------

TEST_F(Issue15ServiceTest, GetCapabilitiesRefusesIdsAbove255) {
    v1::GetValuesRequest request;
    *request.mutable_target() = one();
    request.add_ids(2);
    request.add_ids(256);
    v1::CapabilitiesResponse response;
    const auto status = stub_->GetCapabilities(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(Issue15ServiceTest, GetPresetsOfACameraThatAnswersGarbageIsInternalForThatCamera) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        auto answer = answerTo(request, 0);
        answer.message = {request.expects.id, request.expects.action, 0xFF, 0xFF};  // not a NotifyPresetStatus
        return FakeControl::Reply<core::Answer>(core::Result<core::Answer>(answer));
    };
    v1::GetPresetsRequest request;
    *request.mutable_target() = one();
    v1::PresetsResponse response;
    ASSERT_TRUE(stub_->GetPresets(context().get(), request, &response).ok());
    ASSERT_EQ(response.cameras_size(), 1);
    EXPECT_EQ(response.cameras(0).result().code(), grpc::StatusCode::INTERNAL);
    EXPECT_TRUE(response.cameras(0).groups().empty());
}

}  // namespace
}  // namespace goprod::rpc::testing
