// goproctl: parses the command line, opens the gRPC channel to goprod and
// runs the command. SIGINT/SIGTERM are taken by a signal thread that cancels
// the RPC in progress, so that an interrupted command still exits through
// its normal path (exit code 8, or 0 for watch).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "client/cli.h"
#include "client/commands.h"
#include "client/exit_codes.h"

int main(int argc, char** argv) {
    using namespace goprod::client;
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parseCommandLine(args, processEnvironment(), std::cout, std::cerr);
    if (!parsed.invocation) return parsed.exitCode;
    const Invocation& invocation = *parsed.invocation;

    // Blocked before gRPC starts its threads, so that they inherit the mask
    // and only the signal thread ever sees these signals. SIGUSR1 wakes it at exit.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    CallCanceller canceller;
    std::thread signalThread([&signals, &canceller] {
        bool interruptedOnce = false;
        for (;;) {
            int signal = 0;
            if (sigwait(&signals, &signal) != 0 || signal == SIGUSR1) return;
            // A second interrupt means the cancellation did not end things: leave now.
            if (interruptedOnce) std::_Exit(kExitCancelled);
            interruptedOnce = true;
            canceller.cancel();
        }
    });

    auto channel = grpc::CreateChannel(invocation.target, grpc::InsecureChannelCredentials());
    auto stub = goprod::v1::Goprod::NewStub(channel);
    Session session{*stub, std::cout, std::cerr};
    session.terminal = isatty(STDERR_FILENO) == 1;
    session.canceller = &canceller;
    // Connected (or connecting again after a drop) means goprod answered before.
    session.daemonReachable = [&channel] {
        const auto state = channel->GetState(false);
        return state == GRPC_CHANNEL_READY;
    };

    const int code = run(invocation, session);
    std::cout.flush();

    pthread_kill(signalThread.native_handle(), SIGUSR1);
    signalThread.join();
    return code;
}
