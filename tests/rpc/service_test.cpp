// Component tests of goprod::rpc::Service over an in-process channel, on a
// FakeControl. No sleeps: tests wait on the fake's records with bounded waits.
#include <atomic>
#include <future>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "daemon/rpc/convert.h"
#include "protocol/bytes.h"
#include "tests/rpc/test_support.h"

namespace goprod::rpc::testing {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kAddr1 = "AA:BB:CC:00:04:56";
const std::string kAddr2 = "AA:BB:CC:00:12:34";
const std::string kAddr3 = "AA:BB:CC:00:56:78";

std::string hex(const std::string& bytes) {
    return protocol::toHex(protocol::ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}
std::string hex(const protocol::Bytes& bytes) { return protocol::toHex(bytes); }

class ServiceTest : public ServiceFixture {
protected:
    void SetUp() override {
        ServiceFixture::SetUp();
        fake_.setCameras({camera("0456", kAddr1)});
        fake_.onRequest = succeed;
    }
    void threeCameras() { fake_.setCameras({camera("0456", kAddr1), camera("1234", kAddr2), camera("5678", kAddr3)}); }
    v1::CameraRequest all() {
        v1::CameraRequest target;
        target.set_all(true);
        return target;
    }
    grpc::Status shutter(bool on, v1::MultiResult* out, v1::CameraRequest target = {}) {
        v1::SetShutterRequest request;
        *request.mutable_target() = std::move(target);
        request.set_on(on);
        return stub_->SetShutter(context().get(), request, out);
    }
};

// --- Cameras --------------------------------------------------------------------

TEST_F(ServiceTest, ListCamerasReturnsEveryCameraWithItsState) {
    auto sleeping = camera("1234", kAddr2, core::CameraState::Sleeping);
    sleeping.batteryPercent = 81;
    sleeping.lastSeenUnix = 1'700'000'123;
    fake_.setCameras({camera("0456", kAddr1), sleeping});
    v1::ListCamerasResponse response;
    ASSERT_TRUE(stub_->ListCameras(context().get(), {}, &response).ok());
    ASSERT_EQ(response.cameras_size(), 2);
    EXPECT_EQ(response.cameras(0).identifier(), "0456");
    EXPECT_EQ(response.cameras(0).state(), v1::CAMERA_STATE_READY);
    EXPECT_FALSE(response.cameras(0).has_battery_percent());
    EXPECT_EQ(response.cameras(1).state(), v1::CAMERA_STATE_SLEEPING);
    EXPECT_EQ(response.cameras(1).battery_percent(), 81);
    EXPECT_EQ(response.cameras(1).last_seen().seconds(), 1'700'000'123);
}

TEST_F(ServiceTest, GetCameraOfAnUnknownCameraIsNotFound) {
    v1::GetCameraRequest request;
    request.set_camera("9999");
    v1::Camera response;
    const auto status = stub_->GetCamera(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("9999"));
}

TEST_F(ServiceTest, GetCameraByAddressFindsIt) {
    v1::GetCameraRequest request;
    request.set_camera("aa:bb:cc:00:04:56");
    v1::Camera response;
    ASSERT_TRUE(stub_->GetCamera(context().get(), request, &response).ok());
    EXPECT_EQ(response.identifier(), "0456");
}

TEST_F(ServiceTest, ConnectReturnsTheReadyCameraWithTheLongTimeoutAsDeadline) {
    fake_.onConnect = [](const std::string&) { return core::Result<core::CameraView>(camera("0456", kAddr1)); };
    v1::ConnectRequest request;
    request.set_camera("0456");
    v1::Camera response;
    grpc::ClientContext ctx;  // no deadline: the service's longTimeout (60 s)
    const auto before = std::chrono::steady_clock::now();
    ASSERT_TRUE(stub_->Connect(&ctx, request, &response).ok());
    EXPECT_EQ(response.state(), v1::CAMERA_STATE_READY);
    EXPECT_THAT(fake_.calls(), ElementsAre("connect 0456"));
    const auto deadline = *fake_.lastDeadline();
    EXPECT_GE(deadline, before + 59s);
    EXPECT_LE(deadline, std::chrono::steady_clock::now() + 60s);
}

// issue 16
TEST_F(ServiceTest, ConnectPassesTheAdapterPinAndPriority) {
    fake_.onConnect = [](const std::string&) { return core::Result<core::CameraView>(camera("0456", kAddr1)); };
    v1::ConnectRequest request;
    request.set_camera("0456");
    request.set_adapter("hci1");
    request.set_priority(-100);
    v1::Camera response;
    ASSERT_TRUE(stub_->Connect(context().get(), request, &response).ok());
    request.set_adapter("00:1a:7d:DA:71:13");
    request.clear_priority();
    ASSERT_TRUE(stub_->Connect(context().get(), request, &response).ok());
    request.set_adapter("");  // unpins
    request.set_priority(100);
    ASSERT_TRUE(stub_->Connect(context().get(), request, &response).ok());
    EXPECT_THAT(fake_.calls(), ElementsAre("connect 0456 adapter=hci1 priority=-100",
                                           "connect 0456 adapter=00:1a:7d:DA:71:13", "connect 0456 adapter= priority=100"));
}

TEST_F(ServiceTest, ConnectRefusesABadAdapterOrPriority) {
    const std::vector<std::pair<std::optional<std::string>, std::optional<int>>> bad = {
        {"hci 1", {}}, {"/org/bluez/hci1", {}}, {"00:1A:7D:DA:71:1", {}}, {std::string(33, 'a'), {}},
        {{}, 101},     {{}, -101},              {"hci1", 1000}};
    for (const auto& [adapter, priority] : bad) {
        v1::ConnectRequest request;
        request.set_camera("0456");
        if (adapter) request.set_adapter(*adapter);
        if (priority) request.set_priority(*priority);
        v1::Camera response;
        const auto status = stub_->Connect(context().get(), request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << request.ShortDebugString();
        EXPECT_THAT(status.error_message(), AnyOf(HasSubstr("adapter must be"), HasSubstr("is not within -100..100")));
    }
    EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(ServiceTest, ConnectWithoutACameraIsInvalid) {
    v1::Camera response;
    const auto status = stub_->Connect(context().get(), {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("camera is required"));
    EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(ServiceTest, ConnectPairingFailureIsFailedPrecondition) {
    fake_.onConnect = [](const std::string&) {
        return core::Result<core::CameraView>(core::fail(core::Errc::PairingFailed, "the camera refused the pairing"));
    };
    v1::ConnectRequest request;
    request.set_camera("0456");
    v1::Camera response;
    const auto status = stub_->Connect(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), "pairing failed: the camera refused the pairing");
}

TEST_F(ServiceTest, DisconnectWithoutACameraDisconnectsTheOnlyConnectedOne) {
    v1::Camera response;
    ASSERT_TRUE(stub_->Disconnect(context().get(), {}, &response).ok());
    EXPECT_THAT(fake_.calls(), ElementsAre("disconnect " + kAddr1));
}

TEST_F(ServiceTest, ForgetPassesTheCoreErrorThrough) {
    fake_.onForget = [](const std::string& s) {
        return core::Result<void>(core::fail(core::Errc::NotFound, "no camera " + s));
    };
    v1::ForgetRequest request;
    request.set_camera("7777");
    v1::ForgetResponse response;
    const auto status = stub_->Forget(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "no camera 7777");
}

TEST_F(ServiceTest, SetAutoConnectReturnsTheCamera) {
    v1::SetAutoConnectRequest request;
    request.set_camera("0456");
    request.set_enabled(true);
    v1::Camera response;
    ASSERT_TRUE(stub_->SetAutoConnect(context().get(), request, &response).ok());
    EXPECT_TRUE(response.auto_connect());
    EXPECT_THAT(fake_.calls(), ElementsAre("setAutoConnect 0456 on"));
}

// --- Error table through the RPCs ---------------------------------------------------

struct Mapping {
    core::Errc errc;
    grpc::StatusCode code;
    const char* name;
};

class ErrorMapping : public ServiceTest, public ::testing::WithParamInterface<Mapping> {};

TEST_P(ErrorMapping, SingleCameraRpcFailsWithTheMappedCode) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>(core::fail(GetParam().errc, "it went wrong"));
    };
    v1::SendRawRequest request;
    request.set_characteristic(v1::CHARACTERISTIC_COMMAND);
    request.set_message(std::string("\x01\x01\x01", 3));
    v1::SendRawResponse response;
    const auto status = stub_->SendRaw(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), GetParam().code);
    EXPECT_THAT(status.error_message(), HasSubstr("it went wrong"));
}

TEST_P(ErrorMapping, MultiCameraResultCarriesTheMappedCodeAndTheRpcSucceeds) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>(core::fail(GetParam().errc, "it went wrong"));
    };
    v1::MultiResult response;
    ASSERT_TRUE(shutter(true, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).identifier(), "0456");
    EXPECT_EQ(response.results(0).code(), static_cast<int>(GetParam().code));
    EXPECT_THAT(response.results(0).message(), HasSubstr("it went wrong"));
}

INSTANTIATE_TEST_SUITE_P(
    EveryErrc, ErrorMapping,
    ::testing::Values(Mapping{core::Errc::InvalidArgument, grpc::StatusCode::INVALID_ARGUMENT, "InvalidArgument"},
                      Mapping{core::Errc::NotFound, grpc::StatusCode::NOT_FOUND, "NotFound"},
                      Mapping{core::Errc::CameraRejected, grpc::StatusCode::FAILED_PRECONDITION, "CameraRejected"},
                      Mapping{core::Errc::PairingFailed, grpc::StatusCode::FAILED_PRECONDITION, "PairingFailed"},
                      Mapping{core::Errc::Unavailable, grpc::StatusCode::UNAVAILABLE, "Unavailable"},
                      Mapping{core::Errc::DeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED, "DeadlineExceeded"},
                      Mapping{core::Errc::ResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED, "ResourceExhausted"},
                      Mapping{core::Errc::Cancelled, grpc::StatusCode::CANCELLED, "Cancelled"},
                      Mapping{core::Errc::Internal, grpc::StatusCode::INTERNAL, "Internal"}),
    [](const ::testing::TestParamInfo<Mapping>& info) { return std::string(info.param.name); });

TEST_F(ServiceTest, CameraRejectionIsFailedPreconditionWithTheCameraStatusInTheMessage) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        return FakeControl::Reply<core::Answer>(answerTo(request, 2));
    };
    v1::SetSettingRequest request;
    request.set_fps(v1::FRAMES_PER_SECOND_240);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetSetting(context().get(), request, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    const auto& result = response.results(0);
    EXPECT_EQ(result.code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_EQ(result.camera_status(), 2U);
    EXPECT_EQ(result.message(),
              "the camera rejected setting Frames Per Second (3) = 0 (240): camera status 2 (invalid parameter)");
}

TEST_F(ServiceTest, MalformedCameraAnswerIsInternal) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        core::Answer answer;
        answer.message = {0x01};  // a command response needs [id][status]
        return FakeControl::Reply<core::Answer>(answer);
    };
    v1::MultiResult response;
    ASSERT_TRUE(shutter(true, &response).ok());
    EXPECT_EQ(response.results(0).code(), static_cast<int>(grpc::StatusCode::INTERNAL));
    EXPECT_THAT(response.results(0).message(), HasSubstr("malformed answer to Set Shutter on"));
}

// --- Selection ------------------------------------------------------------------------

TEST_F(ServiceTest, AnUnknownCameraFailsTheWholeRpcWithNotFound) {
    threeCameras();
    v1::CameraRequest target;
    target.add_cameras("0456");
    target.add_cameras("9999");
    v1::MultiResult response;
    const auto status = shutter(true, &response, target);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("9999"));
    EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(ServiceTest, AnAmbiguousDefaultSelectionErrorPassesThrough) {
    threeCameras();
    v1::MultiResult response;
    const auto status = shutter(true, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "several cameras are connected (0456, 1234, 5678): choose one");
}

TEST_F(ServiceTest, AllWithNoReadyCameraIsUnavailable) {
    fake_.setCameras({camera("0456", kAddr1, core::CameraState::Disconnected)});
    v1::MultiResult response;
    const auto status = shutter(true, &response, all());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(status.error_message(), "no camera is ready");
}

TEST_F(ServiceTest, CamerasAndAllTogetherAreInvalid) {
    auto target = all();
    target.add_cameras("0456");
    v1::MultiResult response;
    EXPECT_EQ(shutter(true, &response, target).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, AnEmptySelectorIsInvalid) {
    v1::CameraRequest target;
    target.add_cameras("");
    v1::MultiResult response;
    EXPECT_EQ(shutter(true, &response, target).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, ACameraNamedTwiceRunsOnce) {
    v1::CameraRequest target;
    target.add_cameras("0456");
    target.add_cameras(kAddr1);
    v1::MultiResult response;
    ASSERT_TRUE(shutter(true, &response, target).ok());
    EXPECT_EQ(response.results_size(), 1);
    EXPECT_EQ(fake_.requests().size(), 1U);
}

TEST_F(ServiceTest, SingleCameraRpcRefusesSeveralCameras) {
    threeCameras();
    v1::ApInfo response;
    const auto status = stub_->GetApInfo(context().get(), all(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(),
              "GetApInfo works on one camera at a time; the selection names 3: 0456, 1234, 5678");
}

// --- Validation ------------------------------------------------------------------------

TEST_F(ServiceTest, UnknownResolutionIsInvalid) {
    v1::SetSettingRequest request;
    request.set_resolution(static_cast<v1::VideoResolution>(3));
    v1::MultiResult response;
    const auto status = stub_->SetSetting(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "unknown video resolution 3");
    request.set_resolution(v1::VIDEO_RESOLUTION_UNSPECIFIED);
    EXPECT_EQ(stub_->SetSetting(context().get(), request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(ServiceTest, UnknownFpsIsInvalid) {
    v1::SetSettingRequest request;
    request.set_fps(static_cast<v1::FramesPerSecond>(4));
    v1::MultiResult response;
    const auto status = stub_->SetSetting(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "unknown frames per second value 4");
}

TEST_F(ServiceTest, NoSettingIsInvalid) {
    v1::MultiResult response;
    const auto status = stub_->SetSetting(context().get(), {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("no setting given"));
}

TEST_F(ServiceTest, GenericSettingIdAbove255IsInvalid) {
    v1::SetSettingRequest request;
    request.mutable_generic()->set_id(256);
    v1::MultiResult response;
    const auto status = stub_->SetSetting(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "setting id 256 is out of range (0..255)");
}

TEST_F(ServiceTest, GenericSettingWithABadWidthIsInvalid) {
    v1::SetSettingRequest request;
    request.mutable_generic()->set_id(59);
    request.mutable_generic()->set_width(3);
    v1::MultiResult response;
    EXPECT_EQ(stub_->SetSetting(context().get(), request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    request.mutable_generic()->set_width(1);
    request.mutable_generic()->set_value(256);
    const auto status = stub_->SetSetting(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "value 256 does not fit in 1 byte");
}

TEST_F(ServiceTest, UnknownPresetGroupIsInvalid) {
    v1::LoadPresetGroupRequest request;
    request.set_group(static_cast<v1::PresetGroup>(1003));
    v1::MultiResult response;
    const auto status = stub_->LoadPresetGroup(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("unknown preset group 1003"));
    request.set_group(v1::PRESET_GROUP_UNSPECIFIED);
    EXPECT_EQ(stub_->LoadPresetGroup(context().get(), request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, ValueIdAbove255IsInvalid) {
    v1::GetValuesRequest request;
    request.add_ids(300);
    v1::ValuesResponse response;
    const auto status = stub_->GetStatuses(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "id 300 is out of range (0..255)");
}

TEST_F(ServiceTest, KeepAliveOutsideOneToSixtySecondsIsInvalid) {
    v1::SetKeepAliveRequest request;
    v1::MultiResult response;
    for (const auto& [seconds, nanos] : std::vector<std::pair<int, int>>{{0, 500'000'000}, {61, 0}, {-1, 0}}) {
        request.mutable_interval()->set_seconds(seconds);
        request.mutable_interval()->set_nanos(nanos);
        const auto status = stub_->SetKeepAlive(context().get(), request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << seconds << "s " << nanos << "ns";
    }
    EXPECT_TRUE(fake_.keepAlives().empty());
}

TEST_F(ServiceTest, KeepAliveZeroTurnsItOffAndTenSecondsIsPassedOn) {
    v1::SetKeepAliveRequest request;
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetKeepAlive(context().get(), request, &response).ok());
    request.mutable_interval()->set_seconds(10);
    ASSERT_TRUE(stub_->SetKeepAlive(context().get(), request, &response).ok());
    EXPECT_EQ(response.results(0).code(), 0);
    const auto calls = fake_.keepAlives();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0], std::make_pair(kAddr1, std::chrono::milliseconds{0}));
    EXPECT_EQ(calls[1], std::make_pair(kAddr1, std::chrono::milliseconds{10'000}));
}

TEST_F(ServiceTest, SendRawWithoutAMessageOrCharacteristicIsInvalid) {
    v1::SendRawRequest request;
    request.set_characteristic(v1::CHARACTERISTIC_COMMAND);
    v1::SendRawResponse response;
    auto status = stub_->SendRaw(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "message is empty");
    request.set_characteristic(v1::CHARACTERISTIC_UNSPECIFIED);
    request.set_message("\x01");
    status = stub_->SendRaw(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("characteristic"));
    EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(ServiceTest, SetDateTimeOutOfRangeOffsetIsInvalid) {
    v1::SetDateTimeRequest request;
    request.set_utc_offset_minutes(15 * 60);
    v1::MultiResult response;
    EXPECT_EQ(stub_->SetDateTime(context().get(), request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// --- Commands and their bytes ------------------------------------------------------------

TEST_F(ServiceTest, ShutterOnSendsTheSeedBytesToTheDefaultCamera) {
    v1::MultiResult response;
    ASSERT_TRUE(shutter(true, &response).ok());
    const auto requests = fake_.requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].selector, kAddr1);
    EXPECT_EQ(requests[0].request.characteristic, protocol::Characteristic::CommandRequest);
    EXPECT_EQ(hex(requests[0].request.message), "01 01 01");
    EXPECT_EQ(response.results(0).code(), 0);
}

TEST_F(ServiceTest, EveryControlRpcSendsTheProtocolLibrarysBytes) {
    v1::MultiResult response;
    v1::LoadPresetGroupRequest group;
    group.set_group(v1::PRESET_GROUP_PHOTO);
    ASSERT_TRUE(stub_->LoadPresetGroup(context().get(), group, &response).ok());
    v1::LoadPresetRequest preset;
    preset.set_preset(0x10203040);
    ASSERT_TRUE(stub_->LoadPreset(context().get(), preset, &response).ok());
    ASSERT_TRUE(stub_->Sleep(context().get(), {}, &response).ok());
    ASSERT_TRUE(stub_->EnableAnalytics(context().get(), {}, &response).ok());
    v1::SetSettingRequest setting;
    setting.set_resolution(v1::VIDEO_RESOLUTION_1080);
    ASSERT_TRUE(stub_->SetSetting(context().get(), setting, &response).ok());
    setting.set_fps(v1::FRAMES_PER_SECOND_240);
    ASSERT_TRUE(stub_->SetSetting(context().get(), setting, &response).ok());
    setting.mutable_generic()->set_id(59);
    setting.mutable_generic()->set_value(4);
    ASSERT_TRUE(stub_->SetSetting(context().get(), setting, &response).ok());

    std::vector<std::string> sent;
    for (const auto& record : fake_.requests()) sent.push_back(hex(record.request.message));
    EXPECT_THAT(sent,
                ElementsAre(hex(protocol::command::loadPresetGroup(protocol::PresetGroup::Photo).message),
                            hex(protocol::command::loadPreset(0x10203040).message), "05",
                            hex(protocol::command::setThirdPartyClient().message), "02 01 09", "03 01 00", "3b 01 04"));
    EXPECT_EQ(sent[0], "3e 02 03 e9");
}

TEST_F(ServiceTest, SetLocalDateTimeSendsTheTimeAtTheGivenOffset) {
    v1::SetDateTimeRequest request;
    request.mutable_time()->set_seconds(1'700'000'000);  // 2023-11-14 22:13:20 UTC
    request.set_utc_offset_minutes(-300);
    request.set_dst(true);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetDateTime(context().get(), request, &response).ok());
    const auto requests = fake_.requests();
    ASSERT_EQ(requests.size(), 1U);
    auto expected = protocol::command::setLocalDateTime({{2023, 11, 14, 17, 13, 20}, -300, true});
    ASSERT_TRUE(expected);
    EXPECT_EQ(hex(requests[0].request.message), hex(expected->message));
}

// issue 17: "now" is the next whole second, written at its start.
TEST_F(ServiceTest, SetDateTimeWithoutATimeWritesTheNextWholeSecondAtItsStart) {
    v1::SetDateTimeRequest request;
    request.set_utc_offset_minutes(0);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetDateTime(context().get(), request, &response).ok());
    // The fixed clock reads 2023-11-14 22:13:20.000 UTC: 100 ms on, the next second is :21.
    EXPECT_EQ(fake_.lastSendAt(), std::optional<core::WallTime>(kWallBase + 1s));
    auto expected = protocol::command::setLocalDateTime({{2023, 11, 14, 22, 13, 21}, 0, false});
    ASSERT_TRUE(expected);
    EXPECT_EQ(hex(fake_.requests().at(0).request.message), hex(expected->message));
    EXPECT_EQ(response.results(0).planned().seconds(), 1'700'000'001);

    // With a time given, it is written at once, as it was.
    request.mutable_time()->set_seconds(1'700'000'000);
    ASSERT_TRUE(stub_->SetDateTime(context().get(), request, &response).ok());
    EXPECT_EQ(fake_.lastSendAt(), std::nullopt);
}

TEST_F(ServiceTest, GetDaemonStatusGivesItsClockAndWhatTheKernelSaysOfItsSynchronisation) {
    auto options = testOptions();
    options.clock.sync = [] { return ClockSync{true, 1500us, 250us}; };
    startService(options);
    v1::DaemonStatus status;
    ASSERT_TRUE(stub_->GetDaemonStatus(context().get(), {}, &status).ok());
    EXPECT_EQ(status.clock().seconds(), 1'700'000'000);
    EXPECT_TRUE(status.clock_sync().known());
    EXPECT_TRUE(status.clock_sync().synchronized());
    EXPECT_EQ(status.clock_sync().max_error().nanos(), 1'500'000);
    EXPECT_EQ(status.clock_sync().estimated_error().nanos(), 250'000);

    options.clock.sync = [] { return std::optional<ClockSync>(); };
    startService(options);
    ASSERT_TRUE(stub_->GetDaemonStatus(context().get(), {}, &status).ok());
    EXPECT_FALSE(status.clock_sync().known());
}

TEST_F(ServiceTest, GetSettingsDecodesValuesWithNamesAndDisplayStrings) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        return FakeControl::Reply<core::Answer>(answerTo(request, 0, {}, {{2, {9}}, {3, {0}}, {200, {7}}}));
    };
    v1::GetValuesRequest request;
    request.add_ids(2);
    request.add_ids(3);
    request.add_ids(200);
    v1::ValuesResponse response;
    ASSERT_TRUE(stub_->GetSettings(context().get(), request, &response).ok());
    EXPECT_EQ(hex(fake_.requests().at(0).request.message), "12 02 03 c8");
    ASSERT_EQ(response.cameras_size(), 1);
    const auto& values = response.cameras(0).values();
    ASSERT_EQ(values.size(), 3);
    EXPECT_EQ(values[0].name(), "Video Resolution");
    EXPECT_EQ(values[0].integer(), 9);
    EXPECT_EQ(values[0].display(), protocol::formatSettingValue(2, protocol::Bytes{9}));
    EXPECT_EQ(values[1].name(), "Frames Per Second");
    EXPECT_EQ(values[1].display(), protocol::formatSettingValue(3, protocol::Bytes{0}));
    EXPECT_EQ(values[2].name(), "");  // unknown to the tables: raw and integer only
    EXPECT_EQ(values[2].raw(), std::string("\x07", 1));
}

TEST_F(ServiceTest, GetStatusesDecodesIntegersAndText) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        return FakeControl::Reply<core::Answer>(
            answerTo(request, 0, {}, {{70, {81}}, {30, {'G', 'P', '1', '2'}}, {8, {1}}}));
    };
    v1::ValuesResponse response;
    ASSERT_TRUE(stub_->GetStatuses(context().get(), {}, &response).ok());
    EXPECT_EQ(hex(fake_.requests().at(0).request.message), "13");
    const auto& values = response.cameras(0).values();
    ASSERT_EQ(values.size(), 3);
    EXPECT_EQ(values[0].name(), "Internal Battery Percentage");
    EXPECT_EQ(values[0].integer(), 81);
    EXPECT_EQ(values[1].text(), "GP12");
    EXPECT_EQ(values[1].display(), "\"GP12\"");
    EXPECT_EQ(values[2].display(), "1 (true)");
}

TEST_F(ServiceTest, GetHardwareInfoReturnsTheInfoAndTheOpenGoProVersion) {
    protocol::HardwareInfo info;
    info.modelNumber = 62;
    info.modelName = "HERO12 Black";
    info.boardType = "0x05";
    info.firmwareVersion = "H23.01.01.10.00";
    info.serialNumber = "C3501324500456";
    info.apSsid = "GP24500456";
    info.apMacAddress = "0657474f5052";
    fake_.onRequest = [info](const core::CameraView&, const protocol::Request& request) {
        const auto id = request.expects.id;
        const auto payload = id == static_cast<std::uint8_t>(protocol::CommandId::GetHardwareInfo)
                                 ? protocol::encodeHardwareInfo(info)
                                 : protocol::encodeOpenGoProVersion({2, 0});
        return FakeControl::Reply<core::Answer>(answerTo(request, 0, payload));
    };
    v1::HardwareInfoResponse response;
    ASSERT_TRUE(stub_->GetHardwareInfo(context().get(), {}, &response).ok());
    ASSERT_EQ(response.cameras_size(), 1);
    const auto& camera = response.cameras(0);
    EXPECT_EQ(camera.result().code(), 0);
    EXPECT_EQ(camera.info().model_number(), 62U);
    EXPECT_EQ(camera.info().model_name(), "HERO12 Black");
    EXPECT_EQ(camera.info().firmware_version(), "H23.01.01.10.00");
    EXPECT_EQ(camera.info().serial_number(), "C3501324500456");
    EXPECT_EQ(camera.info().ap_ssid(), "GP24500456");
    EXPECT_EQ(camera.open_gopro_version(), "2.0");

    v1::VersionResponse version;
    ASSERT_TRUE(stub_->GetOpenGoProVersion(context().get(), {}, &version).ok());
    EXPECT_EQ(version.cameras(0).major(), 2U);
    EXPECT_EQ(version.cameras(0).minor(), 0U);
}

TEST_F(ServiceTest, GetApInfoReturnsTheSsidAndPassword) {
    fake_.onReadApInfo = [](const std::string&) {
        return FakeControl::Reply<core::ApInfo>(core::ApInfo{"GP24500456", "p@ss-word"});
    };
    v1::ApInfo response;
    ASSERT_TRUE(stub_->GetApInfo(context().get(), {}, &response).ok());
    EXPECT_EQ(response.result().identifier(), "0456");
    EXPECT_EQ(response.ssid(), "GP24500456");
    EXPECT_EQ(response.password(), "p@ss-word");
}

TEST_F(ServiceTest, ApInfoThatIsNotUtf8ComesInTheRawFields) {
    fake_.onReadApInfo = [](const std::string&) {
        return FakeControl::Reply<core::ApInfo>(core::ApInfo{"GP\xff-AP", "caf\xe9-pass"});
    };
    v1::ApInfo response;
    ASSERT_TRUE(stub_->GetApInfo(context().get(), {}, &response).ok());  // it parses: no invalid string field
    EXPECT_EQ(response.ssid(), "");
    EXPECT_EQ(response.ssid_raw(), "GP\xff-AP");
    EXPECT_EQ(response.password(), "");
    EXPECT_EQ(response.password_raw(), "caf\xe9-pass");
}

TEST_F(ServiceTest, SetApRunsOnEveryCameraWithOneResultEach) {
    threeCameras();
    fake_.onSetAp = [](const std::string& selector, bool) {
        if (selector == kAddr3) {
            return FakeControl::Reply<void>(core::fail(core::Errc::DeadlineExceeded, "status 69 never came"));
        }
        return FakeControl::Reply<void>(core::Result<void>{});
    };
    v1::SetApRequest request;
    *request.mutable_target() = all();
    request.set_on(true);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetAp(context().get(), request, &response).ok());
    ASSERT_EQ(response.results_size(), 3);
    EXPECT_EQ(response.results(0).code(), 0);
    EXPECT_EQ(response.results(1).code(), 0);
    EXPECT_EQ(response.results(2).code(), static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED));
    EXPECT_EQ(response.results(2).message(), "status 69 never came");
}

TEST_F(ServiceTest, ScanNetworksReturnsTheEntries) {
    fake_.onWifiScan = [](const std::string&) {
        return FakeControl::Reply<std::vector<core::ScanEntry>>(
            std::vector<core::ScanEntry>{{"home", 3, 2412, 0x03}, {"cafe", 1, 5180, 0x00}});
    };
    v1::ScanNetworksResponse response;
    ASSERT_TRUE(stub_->ScanNetworks(context().get(), {}, &response).ok());
    ASSERT_EQ(response.networks_size(), 2);
    EXPECT_EQ(response.networks(0).ssid(), "home");
    EXPECT_TRUE(response.networks(0).configured());
    EXPECT_FALSE(response.networks(0).open());
    EXPECT_EQ(response.networks(1).signal_frequency_mhz(), 5180);
    EXPECT_TRUE(response.networks(1).open());
    EXPECT_EQ(response.networks(0).ssid_raw(), "");
}

// Raw bytes through a generic call: what a client sends that does not parse.
grpc::Status rawUnary(grpc::Server& server, const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(server.InProcessChannel({}));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds{10});
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    return done.get_future().get();
}

TEST_F(ServiceTest, ARequestThatDoesNotParseIsInvalidArgumentNotUnimplemented) {
    // SetShutterRequest{target{cameras: "04\xff6"}, on: true}: a string field that is not UTF-8.
    const auto status = rawUnary(*server_, "/goprod.v1.Goprod/SetShutter",
                                 std::string("\x0a\x06\x0a\x04"
                                             "04\xff"
                                             "6\x10\x01",
                                             10));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("goprod.v1.SetShutterRequest"));
    // Truncated: a length that runs past the end.
    EXPECT_EQ(rawUnary(*server_, "/goprod.v1.Goprod/ListCameras", "\x0a\x10\x0a").error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(fake_.calls().empty());
    // A request that parses still reaches the service, through the same handler.
    EXPECT_TRUE(rawUnary(*server_, "/goprod.v1.Goprod/ListCameras", "").ok());
}

TEST(Convert, IntegersFitInt32UnlessTheyCannot) {
    const protocol::Bytes small{0x00, 0x57};  // 87
    auto value = settingValue(2, small);
    EXPECT_EQ(value.typed_case(), v1::Value::kInteger);
    EXPECT_EQ(value.integer(), 87);
    const protocol::Bytes large{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};  // 2^32
    value = settingValue(2, large);
    EXPECT_EQ(value.typed_case(), v1::Value::kLargeInteger);
    EXPECT_EQ(value.large_integer(), 4294967296);
}

TEST(Convert, AStatusStringThatIsNotUtf8IsOnlyRaw) {
    const std::string ssid = "GP\xff-AP";
    const protocol::Bytes raw(ssid.begin(), ssid.end());
    const auto value = statusValue(30, raw);  // Access Point SSID
    EXPECT_EQ(value.typed_case(), v1::Value::TYPED_NOT_SET);
    EXPECT_EQ(value.raw(), ssid);
    EXPECT_THAT(value.display(), HasSubstr("GP\\xff-AP"));
}

TEST_F(ServiceTest, ScanEntriesThatAreNotUtf8ComeAsBytes) {
    fake_.onWifiScan = [](const std::string&) {
        return FakeControl::Reply<std::vector<core::ScanEntry>>(
            std::vector<core::ScanEntry>{{"caf\xc3\xa9", 3, 2412, 0x01}, {"caf\xe9", 1, 5180, 0x01}});
    };
    v1::ScanNetworksResponse response;
    ASSERT_TRUE(stub_->ScanNetworks(context().get(), {}, &response).ok());
    ASSERT_EQ(response.networks_size(), 2);
    EXPECT_EQ(response.networks(0).ssid(), "caf\xc3\xa9");  // UTF-8 "café"
    EXPECT_EQ(response.networks(0).ssid_raw(), "");
    EXPECT_EQ(response.networks(1).ssid(), "");
    EXPECT_EQ(response.networks(1).ssid_raw(), "caf\xe9");  // Latin-1 "café"
}

TEST_F(ServiceTest, ConnectNetworkTakesSsidRawAndQuotesItInValidUtf8) {
    fake_.onWifiConnect = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(std::vector<core::WifiProgress>{{core::WifiProgress::Step::Found, "found \"caf\xe9\""}},
                              FakeControl::Reply<void>(core::Result<void>{}));
    };
    v1::ConnectNetworkRequest request;
    request.set_ssid_raw("caf\xe9");
    auto ctx = context();
    auto reader = stub_->ConnectNetwork(ctx.get(), request);
    std::vector<std::string> details;
    v1::ConnectNetworkProgress progress;
    while (reader->Read(&progress)) details.push_back(progress.detail());
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_THAT(details, ElementsAre("found \"caf\\xe9\"", "connected to \"caf\\xe9\""));
    EXPECT_THAT(fake_.calls(), ElementsAre("wifiConnect " + kAddr1 + " caf\xe9 no-password"));

    v1::ConnectNetworkRequest both;
    both.set_ssid("cafe");
    both.set_ssid_raw("caf\xe9");
    auto ctx2 = context();
    auto refused = stub_->ConnectNetwork(ctx2.get(), both);
    while (refused->Read(&progress)) {
    }
    EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, SendRawReturnsTheReassembledResponseWithItsTimes) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        return FakeControl::Reply<core::Answer>(answerTo(request, 0));
    };
    v1::SendRawRequest request;
    request.set_camera("0456");
    request.set_characteristic(v1::CHARACTERISTIC_SETTINGS);
    request.set_message(std::string("\x02\x01\x09", 3));
    v1::SendRawResponse response;
    ASSERT_TRUE(stub_->SendRaw(context().get(), request, &response).ok());
    EXPECT_EQ(fake_.requests().at(0).request.characteristic, protocol::Characteristic::SettingRequest);
    EXPECT_EQ(hex(response.response()), "02 00");
    EXPECT_EQ(response.result().sent().seconds(), 1'700'000'000);
    EXPECT_EQ(response.result().sent().nanos(), 10'000'000);
    EXPECT_EQ(response.result().written().nanos(), 12'000'000);  // issue 17
    EXPECT_EQ(response.result().acknowledged().nanos(), 30'000'000);
}

// --- Fan-out ----------------------------------------------------------------------------

// issue 17: a planned start.
TEST_F(ServiceTest, ShutterWithStartAtPlansEveryCameraAtTheInstantAndReportsIt) {
    threeCameras();
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        auto answer = answerTo(request, 0);
        answer.sentAt = kSteadyBase + 2s + 40us;
        return FakeControl::Reply<core::Answer>(answer);
    };
    v1::SetShutterRequest request;
    *request.mutable_target() = all();
    request.set_on(true);
    setTimestamp(request.mutable_start_at(), kWallBase + 2s);
    v1::MultiResult response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 20s);
    ASSERT_TRUE(stub_->SetShutter(&ctx, request, &response).ok());
    EXPECT_EQ(fake_.lastSendAt(), std::optional<core::WallTime>(kWallBase + 2s));
    ASSERT_EQ(response.results_size(), 3);
    for (const auto& result : response.results()) {
        EXPECT_EQ(result.planned().seconds(), 1'700'000'002);
        EXPECT_EQ(result.planned().nanos(), 0);
        EXPECT_EQ(result.sent().nanos(), 40'000);
    }
    EXPECT_FALSE(response.has_spread()) << "all three sent at the same instant";
}

TEST_F(ServiceTest, ShutterRefusesAStartInThePastTooSoonTooFarOrBeyondTheCallsDeadline) {
    const std::pair<std::chrono::milliseconds, const char*> cases[] = {
        {-1000ms, "must be at least 100 ms ahead"},
        {50ms, "must be at least 100 ms ahead"},
        {601'000ms, "at most 10 minutes"},
        {30'000ms, "the call's deadline ends before start_at"},
    };
    for (const auto& [lead, message] : cases) {
        v1::SetShutterRequest request;
        request.mutable_target()->add_cameras("0456");
        request.set_on(true);
        setTimestamp(request.mutable_start_at(), kWallBase + lead);
        v1::MultiResult response;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 10s);
        const auto status = stub_->SetShutter(&ctx, request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << lead.count();
        EXPECT_THAT(status.error_message(), HasSubstr(message)) << lead.count();
    }
    // Beyond year 9999: refused before it could overflow the clock.
    v1::SetShutterRequest request;
    request.set_on(true);
    request.mutable_start_at()->set_seconds(1'000'000'000'000'000);
    v1::MultiResult response;
    const auto status = stub_->SetShutter(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("start_at is not a valid timestamp"));
    EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(ServiceTest, ShutterOnThreeCamerasRunsConcurrentlyAndReportsEachCamera) {
    threeCameras();
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>{};  // hold: all three must be in flight together
    };
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::SetShutterRequest request;
    *request.mutable_target() = all();
    request.set_on(true);
    v1::MultiResult response;
    std::promise<grpc::Status> finished;
    stub_->async()->SetShutter(&ctx, &request, &response, [&](grpc::Status s) { finished.set_value(std::move(s)); });
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.requests().size() == 3; }));
    const auto requests = fake_.requests();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        auto answer = answerTo(requests[i].request, i == 1 ? 1 : 0);
        // Each camera starts a little later: the skew the API reports.
        answer.sentAt = kSteadyBase + std::chrono::milliseconds{5 * static_cast<int>(i)};
        answer.answeredAt = answer.sentAt + 20ms;
        ASSERT_TRUE(fake_.answer(requests[i].id, answer));
    }
    auto future = finished.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(future.get().ok());

    ASSERT_EQ(response.results_size(), 3);
    EXPECT_EQ(response.results(0).identifier(), "0456");
    EXPECT_EQ(response.results(1).identifier(), "1234");
    EXPECT_EQ(response.results(2).identifier(), "5678");
    EXPECT_EQ(response.results(0).code(), 0);
    EXPECT_EQ(response.results(1).code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_EQ(response.results(1).camera_status(), 1U);
    EXPECT_EQ(response.results(1).message(), "the camera rejected Set Shutter on: camera status 1 (error)");
    EXPECT_EQ(response.results(2).code(), 0);
    for (int i = 0; i < 3; ++i) {
        const auto& result = response.results(i);
        EXPECT_EQ(result.sent().seconds(), 1'700'000'000);
        EXPECT_EQ(result.sent().nanos(), 5'000'000 * i) << i;
        EXPECT_EQ(result.acknowledged().nanos(), 5'000'000 * i + 20'000'000) << i;
    }
    EXPECT_EQ(response.spread().nanos(), 10'000'000) << "issue 17: the first to the last sent that succeeded";
    EXPECT_FALSE(response.results(0).has_planned());
}

// --- Deadlines and cancellation -------------------------------------------------------------

TEST_F(ServiceTest, TheClientDeadlineReachesControl) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    const auto before = std::chrono::steady_clock::now();
    v1::SetShutterRequest request;
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetShutter(&ctx, request, &response).ok());
    const auto deadline = fake_.requests().at(0).deadline;
    EXPECT_GT(deadline, before + 2s);
    EXPECT_LE(deadline, before + 3s + 100ms);  // gRPC rounds the timeout it carries up a little
}

TEST_F(ServiceTest, WithoutAClientDeadlineTheDefaultTimeoutApplies) {
    grpc::ClientContext ctx;
    const auto before = std::chrono::steady_clock::now();
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetShutter(&ctx, {}, &response).ok());
    const auto deadline = fake_.requests().at(0).deadline;
    EXPECT_GE(deadline, before + 5s);
    EXPECT_LE(deadline, std::chrono::steady_clock::now() + 5s);
}

TEST_F(ServiceTest, AClientDeadlineShorterThanTheCameraIsDeadlineExceededAndCancelsTheRequest) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>{};  // the camera never answers
    };
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 300ms);
    v1::MultiResult response;
    const auto status = stub_->SetShutter(&ctx, {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    ASSERT_EQ(fake_.requests().size(), 1U);
    const auto id = fake_.requests()[0].id;
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.cancelled() == std::vector<core::CallId>{id}; }));
}

TEST_F(ServiceTest, AClientCancelCancelsEveryControlCallWithItsId) {
    threeCameras();
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>{};
    };
    grpc::ClientContext ctx;
    v1::SetShutterRequest request;
    request.mutable_target()->add_cameras("0456");
    request.mutable_target()->add_cameras("5678");
    v1::MultiResult response;
    std::promise<grpc::Status> finished;
    stub_->async()->SetShutter(&ctx, &request, &response, [&](grpc::Status s) { finished.set_value(std::move(s)); });
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.requests().size() == 2; }));
    ctx.TryCancel();
    auto future = finished.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(future.get().error_code(), grpc::StatusCode::CANCELLED);
    const auto requests = fake_.requests();
    EXPECT_TRUE(fake_.waitFor([&] {
        auto cancelled = fake_.cancelled();
        std::sort(cancelled.begin(), cancelled.end());
        return cancelled == std::vector<core::CallId>{requests[0].id, requests[1].id};
    }));
}

TEST_F(ServiceTest, ACancelledConnectCancelsTheConnectCall) {
    grpc::ClientContext ctx;
    v1::ConnectRequest request;
    request.set_camera("0456");
    v1::Camera response;
    std::promise<grpc::Status> finished;
    stub_->async()->Connect(&ctx, &request, &response, [&](grpc::Status s) { finished.set_value(std::move(s)); });
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.heldIds().size() == 1; }));
    const auto id = fake_.lastCallId();
    ctx.TryCancel();
    auto future = finished.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(future.get().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.cancelled() == std::vector<core::CallId>{id}; }));
}

// --- Streams ------------------------------------------------------------------------------

TEST_F(ServiceTest, DiscoverStreamsEveryCameraFoundThenEnds) {
    fake_.discoverFinds = {camera("0456", kAddr1, core::CameraState::Discovered),
                           camera("1234", kAddr2, core::CameraState::Discovered)};
    v1::DiscoverRequest request;
    request.mutable_duration()->set_seconds(3);
    auto ctx = context();
    auto reader = stub_->Discover(ctx.get(), request);
    std::vector<std::string> found;
    v1::Camera camera;
    while (reader->Read(&camera)) found.push_back(camera.identifier());
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_THAT(found, ElementsAre("0456", "1234"));
    EXPECT_THAT(fake_.calls(), ElementsAre("discover 3000"));
}

TEST_F(ServiceTest, DiscoverDurationOutsideItsBoundsIsInvalid) {
    for (const auto& [seconds, nanos] : std::vector<std::pair<int, int>>{{121, 0}, {-1, 0}, {0, 500'000'000}}) {
        v1::DiscoverRequest request;
        request.mutable_duration()->set_seconds(seconds);
        request.mutable_duration()->set_nanos(nanos);
        auto ctx = context();
        auto reader = stub_->Discover(ctx.get(), request);
        v1::Camera camera;
        EXPECT_FALSE(reader->Read(&camera));
        EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT) << seconds << "s " << nanos;
    }
    EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(ServiceTest, DiscoverWithoutADurationScansTenSeconds) {
    auto ctx = context();
    auto reader = stub_->Discover(ctx.get(), {});
    v1::Camera camera;
    while (reader->Read(&camera)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_THAT(fake_.calls(), ElementsAre("discover 10000"));
}

TEST_F(ServiceTest, ACancelledDiscoverCancelsTheScan) {
    fake_.discoverHolds = true;
    fake_.discoverFinds = {camera("0456", kAddr1, core::CameraState::Discovered)};
    grpc::ClientContext ctx;
    auto reader = stub_->Discover(&ctx, {});
    v1::Camera camera;
    ASSERT_TRUE(reader->Read(&camera));
    const auto id = fake_.lastCallId();
    ctx.TryCancel();
    while (reader->Read(&camera)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.cancelled() == std::vector<core::CallId>{id}; }));
}

core::Event batteryEvent(const std::string& identifier, const std::string& address, std::uint8_t percent) {
    core::Event event;
    event.kind = core::Event::Kind::StatusPush;
    event.camera = camera(identifier, address);
    event.entries = {{70, {percent}}};
    return event;
}

TEST_F(ServiceTest, WatchEventsPassesTheFilterAndStreamsTheEvents) {
    v1::WatchEventsRequest request;
    request.add_cameras("0456");
    request.add_kinds(v1::Event::KIND_STATUS);
    request.add_kinds(v1::Event::KIND_REQUEST_DONE);
    grpc::ClientContext ctx;
    auto reader = stub_->WatchEvents(&ctx, request);
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.subscribers().size() == 1; }));
    const auto filter = fake_.subscribers().begin()->second.filter;
    EXPECT_THAT(filter.cameras, ElementsAre("0456"));
    EXPECT_THAT(filter.kinds, ElementsAre(core::Event::Kind::StatusPush, core::Event::Kind::RequestDone));

    fake_.emit(batteryEvent("1234", kAddr2, 50));  // another camera: filtered out
    fake_.emit(batteryEvent("0456", kAddr1, 81));
    core::Event done;
    done.kind = core::Event::Kind::RequestDone;
    done.camera = camera("0456", kAddr1);
    done.request = "command 0x01";
    done.error = core::Error{core::Errc::CameraRejected, "the camera rejected Set Shutter on", 2};
    fake_.emit(done);

    v1::Event event;
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.kind(), v1::Event::KIND_STATUS);
    EXPECT_EQ(event.camera().identifier(), "0456");
    ASSERT_EQ(event.values_size(), 1);
    EXPECT_EQ(event.values(0).name(), "Internal Battery Percentage");
    EXPECT_EQ(event.values(0).integer(), 81);
    EXPECT_EQ(event.time().seconds(), 1'700'000'000);
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.kind(), v1::Event::KIND_REQUEST_DONE);
    EXPECT_EQ(event.request(), "command 0x01");
    EXPECT_EQ(event.code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_EQ(event.error(), "the camera rejected Set Shutter on: camera status 2 (invalid parameter)");

    ctx.TryCancel();
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.unsubscribed().size() == 1 && fake_.subscribers().empty(); }));
}

TEST_F(ServiceTest, WatchEventsWithAnUnknownKindIsInvalid) {
    v1::WatchEventsRequest request;
    request.add_kinds(static_cast<v1::Event::Kind>(42));
    auto ctx = context();
    auto reader = stub_->WatchEvents(ctx.get(), request);
    v1::Event event;
    EXPECT_FALSE(reader->Read(&event));
    const auto status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "unknown event kind 42");
    EXPECT_TRUE(fake_.subscribers().empty());
}

TEST_F(ServiceTest, TheSubscriberLimitOfTheCorePassesThrough) {
    fake_.maxSubscribers = 0;
    auto ctx = context();
    auto reader = stub_->WatchEvents(ctx.get(), {});
    v1::Event event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServiceTest, ASlowEventReaderLosesTheStreamWithResourceExhausted) {
    auto options = testOptions();
    options.maxStreamBacklog = 4;
    startService(options);
    grpc::ClientContext ctx;
    auto reader = stub_->WatchEvents(&ctx, {});
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.subscribers().size() == 1; }));
    constexpr int kEvents = 200;  // far more than a transport holds for a reader that does not read
    for (int i = 0; i < kEvents; ++i) fake_.emit(batteryEvent("0456", kAddr1, static_cast<std::uint8_t>(i)));
    std::promise<void> delivered;  // the fake's thread runs this after every event above
    fake_.post([&] { delivered.set_value(); });
    ASSERT_EQ(delivered.get_future().wait_for(10s), std::future_status::ready);
    // The service never calls back into Control from inside an event callback:
    // the unsubscribe comes from gRPC's side, once the stream is over.
    int received = 0;
    v1::Event event;
    while (reader->Read(&event)) ++received;
    const auto status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), HasSubstr("reads too slowly"));
    EXPECT_LT(received, kEvents);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.unsubscribed().size() == 1 && fake_.subscribers().empty(); }));
}

TEST_F(ServiceTest, StreamsBeyondTheLimitAreResourceExhausted) {
    auto options = testOptions();
    options.maxStreams = 1;
    startService(options);
    grpc::ClientContext first;
    auto reader = stub_->WatchEvents(&first, {});
    ASSERT_TRUE(fake_.waitFor([&] { return fake_.subscribers().size() == 1; }));
    v1::DaemonStatus daemon;
    ASSERT_TRUE(stub_->GetDaemonStatus(context().get(), {}, &daemon).ok());
    EXPECT_EQ(daemon.streams().count(), 1U);

    auto ctx = context();
    auto second = stub_->Discover(ctx.get(), {});
    v1::Camera camera;
    EXPECT_FALSE(second->Read(&camera));
    const auto status = second->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(status.error_message(), "too many open streams (the limit is 1)");

    first.TryCancel();
    v1::Event event;
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServiceTest, ConnectNetworkStreamsTheProgressThenConnected) {
    using Step = core::WifiProgress::Step;
    fake_.onWifiConnect = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(std::vector<core::WifiProgress>{{Step::Scanning, "scan 1"},
                                                              {Step::Found, "home: configured"},
                                                              {Step::Connecting, "Connect"},
                                                              {Step::Provisioning, "PROVISIONING_STARTED"}},
                              FakeControl::Reply<void>(core::Result<void>{}));
    };
    v1::ConnectNetworkRequest request;
    request.set_ssid("home");
    auto ctx = context();
    auto reader = stub_->ConnectNetwork(ctx.get(), request);
    std::vector<v1::ConnectNetworkProgress::Step> steps;
    v1::ConnectNetworkProgress progress;
    while (reader->Read(&progress)) steps.push_back(progress.step());
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_THAT(steps,
                ElementsAre(v1::ConnectNetworkProgress::STEP_SCANNING, v1::ConnectNetworkProgress::STEP_FOUND,
                            v1::ConnectNetworkProgress::STEP_CONNECTING, v1::ConnectNetworkProgress::STEP_PROVISIONING,
                            v1::ConnectNetworkProgress::STEP_CONNECTED));
    EXPECT_EQ(progress.detail(), "connected to \"home\"");
    EXPECT_THAT(fake_.calls(), ElementsAre("wifiConnect " + kAddr1 + " home no-password"));
}

TEST_F(ServiceTest, ConnectNetworkFailureEndsTheStreamWithTheErrorAfterTheProgress) {
    fake_.onWifiConnect = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(
            std::vector<core::WifiProgress>{{core::WifiProgress::Step::Scanning, "scan 1"}},
            FakeControl::Reply<void>(core::fail(core::Errc::CameraRejected, "the camera could not join \"cafe\"")));
    };
    v1::ConnectNetworkRequest request;
    request.set_ssid("cafe");
    request.set_password("secret-password");
    auto ctx = context();
    auto reader = stub_->ConnectNetwork(ctx.get(), request);
    int messages = 0;
    v1::ConnectNetworkProgress progress;
    while (reader->Read(&progress)) ++messages;
    const auto status = reader->Finish();
    EXPECT_EQ(messages, 1);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(fake_.calls(), ElementsAre("wifiConnect " + kAddr1 + " cafe password=secret-password"));
}

TEST_F(ServiceTest, ConnectNetworkRefusesBadSsidsAndPasswords) {
    const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
        {"", std::nullopt},
        {std::string(33, 's'), std::nullopt},
        {"home", std::string(64, 'p')},
    };
    const std::vector<std::string> messages = {"ssid is empty", "ssid is 33 bytes long; at most 32 are allowed",
                                               "password is 64 bytes long; at most 63 are allowed"};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        v1::ConnectNetworkRequest request;
        request.set_ssid(cases[i].first);
        if (cases[i].second) request.set_password(*cases[i].second);
        auto ctx = context();
        auto reader = stub_->ConnectNetwork(ctx.get(), request);
        v1::ConnectNetworkProgress progress;
        EXPECT_FALSE(reader->Read(&progress));
        const auto status = reader->Finish();
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        EXPECT_EQ(status.error_message(), messages[i]);
    }
    EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(ServiceTest, ConnectNetworkAcceptsThirtyTwoByteSsidsAndEmptyPasswords) {
    fake_.onWifiConnect = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(std::vector<core::WifiProgress>{}, FakeControl::Reply<void>(core::Result<void>{}));
    };
    v1::ConnectNetworkRequest request;
    request.set_ssid(std::string(32, 's'));
    request.set_password("");
    auto ctx = context();
    auto reader = stub_->ConnectNetwork(ctx.get(), request);
    v1::ConnectNetworkProgress progress;
    while (reader->Read(&progress)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(progress.step(), v1::ConnectNetworkProgress::STEP_CONNECTED);
}

TEST_F(ServiceTest, ACancelledConnectNetworkCancelsTheWifiConnect) {
    fake_.onWifiConnect = [](const std::string&, const std::string&, const std::optional<std::string>&) {
        return std::make_pair(std::vector<core::WifiProgress>{{core::WifiProgress::Step::Scanning, "scan 1"}},
                              FakeControl::Reply<void>{});
    };
    v1::ConnectNetworkRequest request;
    request.set_ssid("home");
    grpc::ClientContext ctx;
    auto reader = stub_->ConnectNetwork(&ctx, request);
    v1::ConnectNetworkProgress progress;
    ASSERT_TRUE(reader->Read(&progress));
    const auto id = fake_.lastCallId();
    ctx.TryCancel();
    while (reader->Read(&progress)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(fake_.waitFor([&] { return fake_.cancelled() == std::vector<core::CallId>{id}; }));
}

// --- The daemon itself -----------------------------------------------------------

TEST_F(ServiceTest, GetDaemonStatusReportsVersionUptimeBluezCamerasAndStreamsAgainstTheirLimits) {
    auto steady = std::make_shared<std::atomic<std::int64_t>>(0);  // seconds on a fake steady clock
    auto options = testOptions();
    options.version = "1.2.3";
    options.maxStreams = 3;
    options.clock.steadyNow = [steady] { return std::chrono::steady_clock::time_point(std::chrono::seconds(*steady)); };
    startService(options);
    *steady = 3725;  // 1 h 2 min 5 s later
    fake_.registryStatus.bluezRunning = true;
    fake_.registryStatus.adapters = {
        {"/org/bluez/hci0", "00:1A:7D:DA:71:13", true, false, true, 5, 3, "hci0", true, {"0456", "0457", "0458"}},
        {"/org/bluez/hci1", "00:1A:7D:DA:71:14", false, false, false, 0, 0, "hci1", false, {}}};
    fake_.registryStatus.cameras = 4;
    fake_.registryStatus.maxCameras = 64;
    fake_.registryStatus.known = 2;
    fake_.registryStatus.connected = 1;
    fake_.registryStatus.ready = 1;
    fake_.registryStatus.discoveries = 0;
    fake_.maxSubscribers = 3;

    // One open stream with one event subscriber.
    auto watchContext = context();
    auto watch = stub_->WatchEvents(watchContext.get(), v1::WatchEventsRequest{});
    watch->WaitForInitialMetadata();

    v1::DaemonStatus status;
    ASSERT_TRUE(stub_->GetDaemonStatus(context().get(), {}, &status).ok());
    EXPECT_EQ(status.version(), "1.2.3");
    EXPECT_EQ(status.uptime().seconds(), 3725);
    EXPECT_TRUE(status.bluez_running());
    ASSERT_EQ(status.adapters_size(), 2);
    EXPECT_EQ(status.adapters(0).name(), "hci0");
    EXPECT_EQ(status.adapters(0).path(), "/org/bluez/hci0");
    EXPECT_EQ(status.adapters(0).address(), "00:1A:7D:DA:71:13");
    EXPECT_TRUE(status.adapters(0).powered());
    EXPECT_TRUE(status.adapters(0).used());
    EXPECT_EQ(status.adapters(0).budget(), 5U);  // issue 16
    EXPECT_EQ(status.adapters(0).connections(), 3U);
    EXPECT_TRUE(status.adapters(0).budget_lowered());
    EXPECT_THAT(status.adapters(0).cameras(), ElementsAre("0456", "0457", "0458"));
    EXPECT_EQ(status.adapters(1).name(), "hci1");
    EXPECT_FALSE(status.adapters(1).budget_lowered());
    EXPECT_TRUE(status.adapters(1).cameras().empty());
    EXPECT_FALSE(status.adapters(1).powered());
    EXPECT_FALSE(status.adapters(1).used());
    EXPECT_EQ(status.cameras_known(), 2U);
    EXPECT_EQ(status.cameras_connected(), 1U);
    EXPECT_EQ(status.cameras_ready(), 1U);
    EXPECT_EQ(status.cameras().count(), 4U);
    EXPECT_EQ(status.cameras().limit(), 64U);
    EXPECT_EQ(status.streams().count(), 1U);
    EXPECT_EQ(status.streams().limit(), 3U);
    EXPECT_EQ(status.event_subscribers().count(), 1U);
    EXPECT_EQ(status.event_subscribers().limit(), 3U);

    watchContext->TryCancel();
    watch->Finish();
}

TEST_F(ServiceTest, GetDaemonStatusWithoutBluezStillAnswers) {
    fake_.registryStatus = {};
    v1::DaemonStatus status;
    ASSERT_TRUE(stub_->GetDaemonStatus(context().get(), {}, &status).ok());
    EXPECT_FALSE(status.bluez_running());
    EXPECT_EQ(status.adapters_size(), 0);
}

// --- issue 15 F: preset registration, visibility, the custom preset update ---------

class PresetServiceTest : public ServiceTest {
protected:
    // The camera's active preset is `active`; protobuf operations succeed.
    void activePresetIs(std::uint32_t active) {
        fake_.onRequest = [active](const core::CameraView&, const protocol::Request& request) {
            if (request.expects.kind == protocol::ResponseKey::Kind::Protobuf) {
                auto answer = answerTo(request, 0);
                answer.message = {request.expects.id, request.expects.action, 0x08, 0x01};  // RESULT_SUCCESS
                return FakeControl::Reply<core::Answer>(answer);
            }
            protocol::Bytes value;
            protocol::appendBigEndian(value, active, 4);
            return FakeControl::Reply<core::Answer>(
                answerTo(request, 0, {}, {{protocol::status_id::kPreset, std::move(value)}}));
        };
    }
    v1::UpdateCustomPresetRequest update(std::int32_t presetId, std::string name) {
        v1::UpdateCustomPresetRequest request;
        request.set_preset_id(presetId);
        request.set_custom_name(std::move(name));
        return request;
    }
    std::vector<std::string> sent() {
        std::vector<std::string> out;
        for (const auto& record : fake_.requests()) out.push_back(hex(record.request.message));
        return out;
    }
};

TEST_F(PresetServiceTest, GetPresetsRegistersOnlyWhenAskedAndTagsTheRequest) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request&) {
        return FakeControl::Reply<core::Answer>(
            core::Result<core::Answer>(core::fail(core::Errc::Unavailable, "not connected")));
    };
    v1::GetPresetsRequest request;
    v1::PresetsResponse response;
    ASSERT_TRUE(stub_->GetPresets(context().get(), request, &response).ok());
    request.set_register_updates(true);
    ASSERT_TRUE(stub_->GetPresets(context().get(), request, &response).ok());
    const auto requests = fake_.requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(hex(requests[0].request.message), "f5 72");
    EXPECT_EQ(requests[0].request.kind, protocol::RequestKind::Other);
    EXPECT_EQ(hex(requests[1].request.message), "f5 72 08 01 08 02");
    EXPECT_EQ(requests[1].request.kind, protocol::RequestKind::RegisterPresetStatus);
}

TEST_F(PresetServiceTest, SetPresetVisibilitySendsTheOperationToEveryCamera) {
    threeCameras();
    activePresetIs(0);
    v1::SetPresetVisibilityRequest request;
    *request.mutable_target() = all();
    request.set_preset_id(0x00010002);
    request.set_visible(false);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetPresetVisibility(context().get(), request, &response).ok());
    EXPECT_THAT(sent(), ElementsAre("f1 63 08 82 80 04 10 00", "f1 63 08 82 80 04 10 00", "f1 63 08 82 80 04 10 00"));
    ASSERT_EQ(response.results_size(), 3);
    for (const auto& result : response.results()) EXPECT_EQ(result.code(), 0) << result.message();
}

TEST_F(PresetServiceTest, CustomPresetUpdateReadsTheActivePresetFirst) {
    activePresetIs(0x00010004);
    v1::MultiResult response;
    auto request = update(0x00010004, "Dive");
    request.set_icon_id(3);
    ASSERT_TRUE(stub_->UpdateCustomPreset(context().get(), request, &response).ok());
    EXPECT_THAT(sent(), ElementsAre("13 61", "f1 64 08 5e 12 04 44 69 76 65 18 03"));
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).code(), 0) << response.results(0).message();
}

TEST_F(PresetServiceTest, CustomPresetUpdateOfAnotherPresetIsRefusedBeforeItIsSent) {
    activePresetIs(2);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->UpdateCustomPreset(context().get(), update(0x00010004, "Dive"), &response).ok());
    EXPECT_THAT(sent(), ElementsAre("13 61"));
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_THAT(response.results(0).message(), HasSubstr("preset 65540 is not the active preset (2 is)"));
}

TEST_F(PresetServiceTest, CustomPresetUpdateChecksItsFieldsAndTheSelection) {
    activePresetIs(0x00010004);
    v1::MultiResult response;
    auto status = stub_->UpdateCustomPreset(context().get(), update(0x00010004, std::string(17, 'x')), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("1 to 16"));
    status = stub_->UpdateCustomPreset(context().get(), update(0x00010004, ""), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("nothing to update"));
    auto titled = update(0x00010004, "Dive");
    titled.set_title_id(5);
    status = stub_->UpdateCustomPreset(context().get(), titled, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("title 94"));
    threeCameras();
    auto several = update(0x00010004, "Dive");
    *several.mutable_target() = all();
    status = stub_->UpdateCustomPreset(context().get(), several, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("one camera at a time"));
    EXPECT_THAT(sent(), ::testing::IsEmpty());
}

// issue 15 E: SetCameraControl with `session` goes to Control::claimControl, never as raw bytes.
TEST_F(ServiceTest, SessionCameraControlClaimsAndReleasesThroughControl) {
    v1::SetCameraControlRequest request;
    request.set_session(true);
    request.set_control(v1::CAMERA_CONTROL_EXTERNAL);
    v1::MultiResult response;
    ASSERT_TRUE(stub_->SetCameraControl(context().get(), request, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).code(), 0);
    request.set_control(v1::CAMERA_CONTROL_IDLE);
    ASSERT_TRUE(stub_->SetCameraControl(context().get(), request, &response).ok());
    EXPECT_EQ(fake_.controlClaims(), (std::vector<std::pair<std::string, bool>>{{kAddr1, true}, {kAddr1, false}}));

    request.set_control(v1::CAMERA_CONTROL_CAMERA);
    const auto status = stub_->SetCameraControl(context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(fake_.controlClaims().size(), 2U);
}

}  // namespace
}  // namespace goprod::rpc::testing
