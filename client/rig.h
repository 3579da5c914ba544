// issue 17: goproctl --rig FILE: one command on every daemon of a rig, in
// parallel, the results merged. The rig file (TOML) lists the daemons:
//
//   clock_warning_ms = 5            # optional: warn when a host's clock is further off
//   [[daemon]]
//   name = "north"                  # the HOST column
//   target = "rig-north:50051"      # HOST:PORT (TCP), or a socket path / unix:PATH
//   tls_ca = "ca.pem"               # PEM files, relative to the rig file
//   tls_cert = "client.pem"
//   tls_key = "client.key"
//   tls_server_name = "rig-north"   # optional
//
// Each host runs the command in a thread of its own with its own Session and
// output buffers; runRig() then prints one table per kind with a leading HOST
// column, JSON lines with a "host" field, other lines prefixed with the host.
// Call runRig() from one thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "client/cli.h"
#include "client/commands.h"
#include "client/output.h"
#include "client/values.h"
#include "goprod.grpc.pb.h"

namespace goprod::client {

struct RigDaemon {
    std::string name;
    std::string target;  // a gRPC target: "dns:rig-north:50051", "unix:/run/goprod/goprod.sock"
    TlsOptions tls;
};

struct RigFile {
    // A planned start warns about each host whose clock is further than this from this machine's.
    std::chrono::microseconds clockWarning{std::chrono::milliseconds(5)};
    std::vector<RigDaemon> daemons;
};

// `text` read from `source` (named in errors: "rig.toml:4: ..."); relative
// paths are taken from `base`, the rig file's folder.
Parsed<RigFile> parseRigFile(std::string_view text, const std::filesystem::path& base, std::string_view source);
Parsed<RigFile> loadRigFile(const std::filesystem::path& path);

// One daemon of the rig as runRig() reaches it.
struct RigHost {
    std::string name;
    std::string target;
    bool tls = false;
    v1::Goprod::StubInterface* stub = nullptr;  // null: `unusable` says why (a TLS file it could not read)
    std::string unusable;
    std::function<bool()> reachable;  // Session::daemonReachable
};

// What one host's command printed and returned.
struct HostOutput {
    std::string name;
    int code = 0;
    std::string out;
    std::string err;
    std::vector<Table> tables;
    std::vector<v1::MultiResult> results;  // the MultiResults it got (Session::multiResults)
};

// Runs the command on every host at once; with `shutter --at`, first asks each
// daemon for its clock and warns (on `err`) about each further off than
// `clockWarning`. Returns the rig's exit code (rigExitCode).
int runRig(const Invocation& invocation, const std::vector<RigHost>& hosts, std::chrono::microseconds clockWarning,
           CallCanceller* canceller, std::ostream& out, std::ostream& err);

// Prints the hosts' outputs as one: the tables merged with a HOST column (one
// table per set of columns, in the order they first appear), then each host's
// other lines, "north: ..." (errors "goproctl: north: ..."; JSON lines get "host"),
// and, when writes of several hosts were timed, the rig's start skew.
void printRigOutput(const std::vector<HostOutput>& hosts, std::ostream& out, std::ostream& err);

// 0 when every host succeeded, else the most serious of their codes:
// cancelled, unavailable, timeout, other error, rejected, busy, not found, usage.
int rigExitCode(const std::vector<HostOutput>& hosts);

}  // namespace goprod::client
