// The load generator of the daemon benchmarks: a C++ gRPC client that sends
// SendRaw Get Open GoPro Version (GP-0072 "51") through goprod, the request
// the direct baseline (direct_client) sends straight to BlueZ.
//
//   grpc_load --socket unix:/path --seconds S [--in-flight K] CAMERA...
//       K calls in flight per camera (default 2, so that goprod's queue always
//       has the next request when an answer comes) for S seconds; one line of
//       JSON with the throughput.
//   grpc_load --socket unix:/path --sequential N CAMERA
//       N calls in a row; the RPC latency and goprod's own view of the camera
//       round trip (acknowledged - sent), whose difference is what goprod and
//       gRPC add.
//
// It prints figures; it asserts nothing about time. Calls use gRPC's callback
// API: each answer starts the next call from gRPC's own thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "goprod.grpc.pb.h"
#include "measure.h"

namespace {

using goprod::bench::cpuSeconds;
using goprod::bench::percentile;

namespace v1 = goprod::v1;
using Clock = std::chrono::steady_clock;

// Counts the loops still calling, so main can wait for the last answer.
class Active {
public:
    void enter() {
        std::lock_guard lock(mutex_);
        ++count_;
    }
    void leave() {
        std::lock_guard lock(mutex_);
        if (--count_ == 0) idle_.notify_all();
    }
    void waitIdle() {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return count_ == 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable idle_;
    long count_ = 0;
};

// One closed loop of calls on one camera.
class Loop {
public:
    Loop(v1::Goprod::Stub& stub, const std::string& camera, std::atomic<bool>& running, Active& active)
        : stub_(stub), running_(running), active_(active) {
        request_.set_camera(camera);
        request_.set_characteristic(v1::CHARACTERISTIC_COMMAND);
        request_.set_message(std::string("\x51", 1));
    }

    void start() {
        active_.enter();
        call();
    }

    // Sequential mode: the latencies, in microseconds.
    std::size_t limit = 0;
    std::vector<double> rpcUs;
    std::vector<double> cameraUs;
    std::uint64_t answered = 0;
    std::uint64_t failed = 0;

private:
    void call() {
        context_ = std::make_unique<grpc::ClientContext>();
        context_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        response_.Clear();
        sentAt_ = Clock::now();
        stub_.async()->SendRaw(context_.get(), &request_, &response_, [this](grpc::Status status) { done(status); });
    }

    void done(const grpc::Status& status) {
        if (status.ok() && response_.result().code() == 0) {
            ++answered;
            if (limit != 0) {
                rpcUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sentAt_).count());
                const auto& result = response_.result();
                cameraUs.push_back(
                    static_cast<double>((result.acknowledged().seconds() - result.sent().seconds()) * 1000000000LL +
                                        (result.acknowledged().nanos() - result.sent().nanos())) /
                    1000.0);
            }
        } else {
            if (failed++ == 0) {
                std::fprintf(stderr, "grpc_load: %s: %s\n", request_.camera().c_str(),
                             status.ok() ? response_.result().message().c_str() : status.error_message().c_str());
            }
        }
        const bool more = limit != 0 ? answered < limit && failed == 0 : running_.load();
        if (more) {
            call();
        } else {
            active_.leave();
        }
    }

    v1::Goprod::Stub& stub_;
    std::atomic<bool>& running_;
    Active& active_;
    v1::SendRawRequest request_;
    v1::SendRawResponse response_;
    std::unique_ptr<grpc::ClientContext> context_;
    Clock::time_point sentAt_;
};

int usage() {
    std::fputs("usage: grpc_load --socket unix:PATH (--seconds S [--in-flight K] | --sequential N) CAMERA...\n",
               stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket;
    double seconds = 0;
    std::size_t sequential = 0;
    int inFlight = 2;
    std::vector<std::string> cameras;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--socket" && i + 1 < argc) {
            socket = argv[++i];
        } else if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::atof(argv[++i]);
        } else if (arg == "--sequential" && i + 1 < argc) {
            sequential = static_cast<std::size_t>(std::atol(argv[++i]));
        } else if (arg == "--in-flight" && i + 1 < argc) {
            inFlight = std::max(1, std::atoi(argv[++i]));
        } else if (!arg.empty() && arg[0] != '-') {
            cameras.push_back(arg);
        } else {
            return usage();
        }
    }
    if (socket.empty() || cameras.empty() || (seconds <= 0) == (sequential == 0)) return usage();

    auto channel = grpc::CreateChannel(socket, grpc::InsecureChannelCredentials());
    auto stub = v1::Goprod::NewStub(channel);
    std::atomic<bool> running{true};
    Active active;
    std::vector<std::unique_ptr<Loop>> loops;
    if (sequential != 0) {
        loops.push_back(std::make_unique<Loop>(*stub, cameras.front(), running, active));
        loops.back()->limit = sequential;
    } else {
        for (const auto& camera : cameras) {
            for (int k = 0; k < inFlight; ++k) loops.push_back(std::make_unique<Loop>(*stub, camera, running, active));
        }
    }

    const double cpuBefore = cpuSeconds();
    const auto started = Clock::now();
    for (auto& loop : loops) loop->start();
    if (sequential == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));  // the window
        running = false;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::uint64_t answered = 0;
    std::uint64_t failed = 0;
    active.waitIdle();
    for (const auto& loop : loops) {
        answered += loop->answered;
        failed += loop->failed;
    }
    // Answers that came after the window are not counted in the rate.
    const double window = sequential != 0 ? std::chrono::duration<double>(Clock::now() - started).count() : elapsed;
    const double cpu = cpuSeconds() - cpuBefore;
    std::printf(
        "{\"cameras\": %zu, \"in_flight_per_camera\": %d, \"requests\": %llu, \"failed\": %llu, "
        "\"seconds\": %.3f, \"requests_per_second\": %.1f, \"client_cpu_ms_per_1000\": %.2f",
        cameras.size(), sequential != 0 ? 1 : inFlight, static_cast<unsigned long long>(answered),
        static_cast<unsigned long long>(failed), window, static_cast<double>(answered) / window,
        answered == 0 ? 0.0 : cpu * 1e6 / static_cast<double>(answered));
    if (sequential != 0) {
        const auto& loop = *loops.front();
        std::vector<double> added;
        for (std::size_t i = 0; i < loop.rpcUs.size(); ++i) added.push_back(loop.rpcUs[i] - loop.cameraUs[i]);
        std::printf(
            ", \"rpc_p50_us\": %.1f, \"rpc_p90_us\": %.1f, \"rpc_p99_us\": %.1f, \"camera_p50_us\": %.1f, "
            "\"added_p50_us\": %.1f, \"added_p90_us\": %.1f, \"added_p99_us\": %.1f",
            percentile(loop.rpcUs, 50), percentile(loop.rpcUs, 90), percentile(loop.rpcUs, 99),
            percentile(loop.cameraUs, 50), percentile(added, 50), percentile(added, 90), percentile(added, 99));
    }
    std::printf("}\n");
    return failed == 0 ? 0 : 1;
}
