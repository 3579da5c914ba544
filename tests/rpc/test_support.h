// Shared by the rpc component tests: the service on an in-process gRPC server
// over a FakeControl, a fixed clock, and camera answers built with the
// protocol library's encoders. Test thread only (the fake has its own thread).
#pragma once

#include <chrono>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "daemon/rpc/service.h"
#include "goprod.grpc.pb.h"
#include "protocol/commands.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "tests/rpc/fake_control.h"

namespace goprod::rpc::testing {

// The fixed clock: steady kSteadyBase is wall time kWallBase.
inline const std::chrono::steady_clock::time_point kSteadyBase =
    std::chrono::steady_clock::time_point{} + std::chrono::hours(1000);
inline const std::chrono::system_clock::time_point kWallBase =
    std::chrono::system_clock::time_point{} + std::chrono::seconds(1'700'000'000);

inline ServiceOptions testOptions() {
    ServiceOptions options;
    options.clock.steadyNow = [] { return kSteadyBase; };
    options.clock.systemNow = [] { return kWallBase; };
    return options;
}

// The answer a camera sends to `request` with `status` (and a command payload).
inline core::Answer answerTo(const protocol::Request& request, std::uint8_t status, protocol::ByteView payload = {},
                             std::vector<protocol::QueryEntry> entries = {}) {
    core::Answer answer;
    answer.sentAt = kSteadyBase + std::chrono::milliseconds{10};
    answer.writtenAt = kSteadyBase + std::chrono::milliseconds{12};
    answer.answeredAt = kSteadyBase + std::chrono::milliseconds{30};
    const auto id = request.expects.id;
    switch (request.expects.kind) {
        case protocol::ResponseKey::Kind::Command:
            answer.from = protocol::Characteristic::CommandResponse;
            answer.message = protocol::encodeCommandResponse(id, status, payload);
            break;
        case protocol::ResponseKey::Kind::Setting:
            answer.from = protocol::Characteristic::SettingResponse;
            answer.message = protocol::encodeSettingResponse(id, status);
            break;
        case protocol::ResponseKey::Kind::Query:
            answer.from = protocol::Characteristic::QueryResponse;
            answer.message = *protocol::encodeQueryResponse({id, status, std::move(entries)});
            break;
        case protocol::ResponseKey::Kind::Protobuf:
            answer.from = protocol::Characteristic::NetworkManagementResponse;
            answer.message = {request.expects.id, request.expects.action};
            break;
    }
    return answer;
}

inline FakeControl::Reply<core::Answer> succeed(const core::CameraView&, const protocol::Request& request) {
    return core::Result<core::Answer>(answerTo(request, 0));
}

class ServiceFixture : public ::testing::Test {
protected:
    void SetUp() override { startService(testOptions()); }
    void TearDown() override {
        stopService();
        EXPECT_FALSE(fake_.calledBackFromAnEvent()) << "the service called Control from inside an event callback";
    }

    void startService(ServiceOptions options) {
        stopService();
        service_ = std::make_unique<Service>(fake_, std::move(options));
        grpc::ServerBuilder builder;
        builder.RegisterService(service_.get());
        server_ = builder.BuildAndStart();
        ASSERT_NE(server_, nullptr);
        stub_ = v1::Goprod::NewStub(server_->InProcessChannel({}));
    }
    void stopService() {
        if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds{2});
        stub_.reset();
        server_.reset();
        service_.reset();
    }

    // A context with a generous deadline, so that a bug fails the test instead of hanging it.
    static std::unique_ptr<grpc::ClientContext> context(std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        auto ctx = std::make_unique<grpc::ClientContext>();
        ctx->set_deadline(std::chrono::system_clock::now() + timeout);
        return ctx;
    }

    FakeControl fake_;  // first: outlives the server
    std::unique_ptr<Service> service_;
    std::unique_ptr<grpc::Server> server_;
    std::unique_ptr<v1::Goprod::Stub> stub_;
};

}  // namespace goprod::rpc::testing
