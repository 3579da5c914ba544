// Unit tests of the API's error table (daemon/rpc/status.h): each row, and the
// message formats api/README.md documents.
#include "daemon/rpc/status.h"

#include <gtest/gtest.h>

namespace goprod::rpc {
namespace {

TEST(StatusTable, MapsEveryInternalErrorToItsGrpcCode) {
    EXPECT_EQ(statusCode(core::Errc::InvalidArgument), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(statusCode(core::Errc::NotFound), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(statusCode(core::Errc::CameraRejected), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(statusCode(core::Errc::PairingFailed), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(statusCode(core::Errc::Unavailable), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(statusCode(core::Errc::DeadlineExceeded), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_EQ(statusCode(core::Errc::ResourceExhausted), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(statusCode(core::Errc::Cancelled), grpc::StatusCode::CANCELLED);
    EXPECT_EQ(statusCode(core::Errc::Internal), grpc::StatusCode::INTERNAL);
}

TEST(StatusTable, ACameraRejectionNamesTheCameraStatus) {
    const auto status = toStatus(cameraRejected("Set Shutter on", 2));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), "the camera rejected Set Shutter on: camera status 2 (invalid parameter)");
    EXPECT_EQ(statusMessage(cameraRejected("Sleep", 1)), "the camera rejected Sleep: camera status 1 (error)");
    EXPECT_EQ(statusMessage(cameraRejected("Sleep", 7)), "the camera rejected Sleep: camera status 7 (reserved)");
}

TEST(StatusTable, ARejectionWithoutAStatusKeepsItsMessage) {
    const core::Error error{core::Errc::CameraRejected, "the camera could not join \"cafe\"", {}};
    EXPECT_EQ(statusMessage(error), "the camera could not join \"cafe\"");
}

TEST(StatusTable, APairingFailureIsAFailedPreconditionThatSaysSo) {
    const core::Error error{core::Errc::PairingFailed, "Authentication Failed", {}};
    const auto status = toStatus(error);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), "pairing failed: Authentication Failed");
    EXPECT_EQ(statusMessage(core::Error{core::Errc::PairingFailed, "", {}}), "pairing failed");
}

TEST(StatusTable, AnEmptyMessageBecomesTheCodesName) {
    EXPECT_EQ(statusMessage(core::Error{core::Errc::Unavailable, "", {}}), "unavailable");
    EXPECT_EQ(statusMessage(core::Error{core::Errc::DeadlineExceeded, "", {}}), "deadline exceeded");
}

TEST(StatusTable, OtherMessagesPassThroughUnchanged) {
    const auto status = toStatus(core::Error{core::Errc::NotFound, "no camera \"9999\"", {}});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "no camera \"9999\"");
}

TEST(CameraResultCodes, SuccessIsNotAnErrorAndEveryOtherStatusIsARejection) {
    EXPECT_TRUE(checkCameraStatus("Set Shutter on", 0));
    for (int status : {1, 2, 3, 255}) {
        const auto checked = checkCameraStatus("Set Shutter on", static_cast<std::uint8_t>(status));
        ASSERT_FALSE(checked);
        EXPECT_EQ(checked.error().code, core::Errc::CameraRejected);
        EXPECT_EQ(checked.error().cameraStatus, status);
    }
}

TEST(CameraResultCodes, AMalformedAnswerIsInternal) {
    const auto error = malformedAnswer("Get Hardware Info", protocol::Error{protocol::Errc::Truncated, "2 bytes"});
    EXPECT_EQ(error.code, core::Errc::Internal);
    EXPECT_EQ(statusCode(error.code), grpc::StatusCode::INTERNAL);
    EXPECT_NE(error.message.find("malformed answer to Get Hardware Info"), std::string::npos);
}

}  // namespace
}  // namespace goprod::rpc
