// The goproctl commands: each turns an Invocation into RPCs on the stub it
// is given and prints the outcome, returning the process exit code. The stub
// is an interface so that tests drive the commands with a mock.
// Call from one thread; CallCanceller::cancel() may come from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <ostream>
#include <vector>

#include <grpcpp/client_context.h>

#include "client/cli.h"
#include "client/output.h"
#include "goprod.grpc.pb.h"

namespace goprod::client {

// Cancels the RPCs in progress when the user interrupts (SIGINT/SIGTERM seen
// by main's signal thread); an interrupt before a call cancels it at once.
// One RPC per session; a rig's sessions share one canceller (issue 17).
class CallCanceller {
public:
    void attach(grpc::ClientContext* context);
    void detach(grpc::ClientContext* context);
    void cancel();
    bool cancelled() const;

private:
    mutable std::mutex mutex_;
    std::vector<grpc::ClientContext*> contexts_;
    bool cancelled_ = false;
};

struct Session {
    Session(v1::Goprod::StubInterface& stubRef, std::ostream& outStream, std::ostream& errStream)
        : stub(stubRef), out(outStream), err(errStream) {}

    v1::Goprod::StubInterface& stub;
    std::ostream& out;
    std::ostream& err;
    bool terminal = false;  // stderr is a terminal: progress is redrawn in place
    CallCanceller* canceller = nullptr;
    // Asked after an UNAVAILABLE status: did the channel reach goprod at all?
    // (gRPC says UNAVAILABLE both for "no daemon" and for goprod's own
    // "camera not connected".) Unset: assume it did.
    std::function<bool()> daemonReachable;
    // The group that owns goprod's socket, "" if unknown: named when the
    // socket refuses the user (permission denied).
    std::function<std::string()> socketGroup;
    std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
    // issue 17: the channel speaks TLS: a refused handshake also reads as UNAVAILABLE.
    bool tls = false;
    // issue 17: where tables go; unset: printed to `out`. goproctl --rig collects
    // each host's tables here to print them as one, with a HOST column.
    std::function<void(const Table&)> tables;
    // issue 17: each MultiResult a command got (shutter, date-time, ...), for the rig's own start skew.
    std::function<void(const v1::MultiResult&)> multiResults;
    void print(const Table& table) {
        if (tables) {
            tables(table);
        } else {
            table.print(out);
        }
    }
};

int run(const Invocation& invocation, Session& session);

}  // namespace goprod::client
