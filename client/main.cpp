// goproctl: parses the command line, reads the WiFi password when asked to
// (--password-stdin, --ask: before any thread starts), opens the gRPC channel
// to goprod (issue 17: or one to every daemon of a rig file) and runs the
// command. SIGINT/SIGTERM are taken by a signal thread
// that cancels the RPC in progress, so that an interrupted command still exits
// through its normal path (exit code 8, or 0 for watch).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <grp.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/channel.h"
#include "client/cli.h"
#include "client/commands.h"
#include "client/exit_codes.h"
#include "client/password.h"
#include "client/rig.h"

int main(int argc, char** argv) {
    using namespace goprod::client;
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parseCommandLine(args, processEnvironment(), std::cout, std::cerr);
    if (!parsed.invocation) return parsed.exitCode;
    Invocation& invocation = *parsed.invocation;
    if (invocation.passwordSource != PasswordSource::Argument) {
        auto password = invocation.passwordSource == PasswordSource::Stdin ? passwordFromStream(std::cin)
                                                                           : passwordFromTerminal(invocation.ssid);
        if (!password) {
            std::cerr << "goproctl: " << password.error() << '\n';
            return kExitUsage;
        }
        invocation.password = std::move(*password);
    }

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

    // issue 17: --rig: every daemon of the rig file, each on its own channel.
    auto runRigFile = [&invocation, &canceller]() -> int {
        auto rig = loadRigFile(invocation.rigFile);
        if (!rig) {
            std::cerr << "goproctl: " << rig.error() << '\n';
            return kExitUsage;
        }
        std::vector<std::unique_ptr<goprod::v1::Goprod::Stub>> stubs;
        std::vector<RigHost> hosts;
        for (const auto& daemon : rig->daemons) {
            RigHost host{daemon.name, daemon.target, daemon.tls.enabled(), nullptr, {}, {}};
            if (auto channel = openChannel(daemon.target, daemon.tls)) {
                stubs.push_back(goprod::v1::Goprod::NewStub(*channel));
                host.stub = stubs.back().get();
                host.reachable = [channel = *channel] { return channel->GetState(false) == GRPC_CHANNEL_READY; };
            } else {
                host.unusable = channel.error();
            }
            hosts.push_back(std::move(host));
        }
        return runRig(invocation, hosts, rig->clockWarning, &canceller, std::cout, std::cerr);
    };

    auto runOne = [&invocation, &canceller]() -> int {
        auto opened = openChannel(invocation.target, invocation.tls);
        if (!opened) {
            std::cerr << "goproctl: " << opened.error() << '\n';
            return kExitUsage;
        }
        auto channel = *opened;
        auto stub = goprod::v1::Goprod::NewStub(channel);
        Session session{*stub, std::cout, std::cerr};
        session.terminal = isatty(STDERR_FILENO) == 1;
        session.canceller = &canceller;
        session.tls = invocation.tls.enabled();
        // Connected (or connecting again after a drop) means goprod answered before.
        session.daemonReachable = [&channel] {
            const auto state = channel->GetState(false);
            return state == GRPC_CHANNEL_READY;
        };

        session.socketGroup = [&invocation]() -> std::string {
            constexpr std::string_view kUnix = "unix:";
            if (!invocation.target.starts_with(kUnix)) return {};
            struct stat socket {};
            if (stat(invocation.target.c_str() + kUnix.size(), &socket) != 0) return {};
            const struct group* group = getgrgid(socket.st_gid);
            return group != nullptr ? group->gr_name : std::to_string(socket.st_gid);
        };
        return run(invocation, session);
    };

    const int code = invocation.rigFile.empty() ? runOne() : runRigFile();
    std::cout.flush();

    pthread_kill(signalThread.native_handle(), SIGUSR1);
    signalThread.join();
    return code;
}
