// The daemon's settings: their defaults, the TOML configuration file
// (/etc/goprod/goprod.conf) and the command line that overrides it.
// Called once at start-up from the main thread; the functions share no state,
// so any thread may call them.
//
// Every key, its table, type, range and default is documented in the example
// file daemon/config/goprod.conf (installed as /etc/goprod/goprod.conf); a unit
// test checks that the example lists every key with the default below.
//
// Start-up, in main():
//   auto cl = parseCommandLine(argc, argv);
//   if (cl.action == CommandLine::Action::Exit) { print cl.message; return cl.exitCode; }
//   auto config = loadConfig(cl);   // the file, then the flags over it
//   if (!config) { print config.error().message; return 1; }
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/common.h>

#include "daemon/core/error.h"

namespace goprod::config {

using core::Result;

// <sysconfdir>/goprod/goprod.conf as configured by meson (daemon/config/meson.build).
inline constexpr std::string_view kDefaultConfigPath = GOPROD_CONFIG_PATH;

// Upper bound of [limits] max_cameras, and the number of known cameras the state
// store reads: one number so a full registry always fits in the state file.
inline constexpr std::size_t kMaxCamerasLimit = 1024;

// Every setting, with its default. TOML key in brackets.
struct Config {
    // [daemon] state_dir: known cameras (cameras.toml) live here; created 0700.
    std::filesystem::path stateDir = "/var/lib/goprod";

    // [logging] level: trace, debug, info, warn, error, critical or off.
    spdlog::level::level_enum logLevel = spdlog::level::info;

    // [api] socket: the gRPC address of the local API, "unix:" + absolute path.
    // A bare absolute path is accepted and stored with the "unix:" prefix.
    std::string socket = "unix:/run/goprod/goprod.sock";
    // [api] socket_group: group that owns the socket ("" = the daemon's group).
    std::string socketGroup;
    // [api] socket_mode: permission bits of the socket (TOML octal: 0o660).
    std::uint32_t socketMode = 0660;
    // [api] tcp_listen: also listen on TCP, "HOST:PORT" ("" = no TCP). A bare
    // "PORT" means loopback only and is stored as "127.0.0.1:PORT". A host other
    // than loopback (127.0.0.0/8, [::1], localhost) needs the three TLS files below:
    // plaintext TCP stays on this machine.
    std::string tcpListen;
    // issue 17: [api] tls_certificate, tls_key, tls_client_ca: PEM files (absolute
    // paths), all three or none. With them the TCP listener speaks mutual TLS: the
    // server's certificate and key, and the CA whose certificates clients must show.
    // The unix socket stays plaintext (its file mode guards it).
    std::string tlsCertificate;
    std::string tlsKey;
    std::string tlsClientCa;

    // [bluetooth] bus: D-Bus address where BlueZ lives ("" = the system bus; sd-bus
    // then also honours DBUS_SYSTEM_BUS_ADDRESS).
    std::string bus;
    // [bluetooth] adapter: e.g. "hci0" ("" = no restriction). Kept for old files: it
    // means the same as a one-element `adapters`.
    std::string adapter;
    // [bluetooth] adapters: the adapters goprod uses, names ("hci1") or addresses;
    // empty = every powered adapter. Joined with `adapter` when both are set.
    std::vector<std::string> adapters;
    // [bluetooth] max_connections: the connections goprod holds at most on one
    // adapter (controllers hold a handful of LE links each).
    std::size_t maxConnections = 7;
    // [bluetooth] client_name: the name this host gives itself in the pairing-finish
    // message (shown by the camera).
    std::string clientName = "goprod";
    // [bluetooth] auto_connect: connect the known cameras (those with autoConnect) at start.
    bool autoConnect = true;
    // [bluetooth] connect_timeout_ms: one connection attempt (BlueZ Connect, GATT
    // discovery, notifications enabled), as a whole.
    std::chrono::milliseconds connectTimeout{30000};
    // [bluetooth] keep_alive_interval_ms: period of the keep-alive request that stops
    // the camera from sleeping (0 = never send it).
    std::chrono::milliseconds keepAliveInterval{3000};
    // [bluetooth] reconnect_initial_ms / reconnect_max_ms: delay before reconnecting a
    // lost camera; doubles after each failure, up to the maximum.
    std::chrono::milliseconds reconnectInitial{1000};
    std::chrono::milliseconds reconnectMax{60000};

    // [requests] timeout_ms: deadline of a request that brings none of its own.
    std::chrono::milliseconds requestTimeout{5000};
    // [requests] queue_depth: requests queued per camera (in flight included)
    // before a new one fails with ResourceExhausted.
    std::size_t queueDepth = 32;

    // [limits] max_cameras: cameras the daemon tracks (known and discovered).
    std::size_t maxCameras = 64;
    // [limits] max_subscribers: concurrent API streams (event subscriptions,
    // status watches), all clients together.
    std::size_t maxSubscribers = 64;

    // issue 15 E: [bluetooth] claim_control: claim external control of each camera
    // in every session (Set Camera Control Status), released when a user disconnects it.
    bool claimControl = false;

    // issue 17: [journal] max_size_mib: the capture journal (capture-journal.jsonl in the
    // state directory) is rotated at this size, one older file kept (0 = no journal).
    std::size_t journalMaxMib = 8;

    bool operator==(const Config&) const = default;
};

// "table.key" of every configuration key, in the order of the example file.
std::vector<std::string> configKeys();

// Reads a configuration file over the defaults. A missing file is an error only
// when `mustExist` (the user named it); a missing default file means defaults.
// Every failure is InvalidArgument: syntax errors ("FILE:LINE:COLUMN: syntax
// error: ..."), and unknown keys, wrong types and out-of-range values, all of
// them reported, one a line, in line order, as "FILE:LINE: table.key: problem".
// A file that cannot be read fails with "FILE: cannot read ...: reason".
Result<Config> loadConfigFile(const std::filesystem::path& path, bool mustExist);

// Parses a configuration from text; `sourceName` names it in error messages.
Result<Config> parseConfig(std::string_view text, std::string_view sourceName);

// What the command line asks for.
struct CommandLine {
    enum class Action { Run, Exit };
    Action action = Action::Run;
    // With Exit: 0 after --help or --version (print `message` to stdout), 2 after
    // a usage error (print `message` to stderr).
    int exitCode = 0;
    std::string message;

    std::filesystem::path configPath{kDefaultConfigPath};
    bool configExplicit = false;  // --config given: the file must exist
    // Flags that override the file: ("table.key", value), already validated.
    std::vector<std::pair<std::string, std::string>> overrides;
};

// Parses argv (argv[0] is the program name). Never prints and never exits.
// Flags: --config FILE, --state-dir DIR, --socket PATH, --log-level LEVEL,
// --bus ADDRESS, -h/--help, --version.
CommandLine parseCommandLine(int argc, const char* const* argv);

// Reads the configuration file named by the command line, then applies its flags.
Result<Config> loadConfig(const CommandLine& commandLine);

// A reload (SIGHUP): what a configuration read again changes in the running one.
struct ReloadPlan {
    // The configuration in force afterwards: the new values of the live keys, the
    // running values of the others (they apply at the next start).
    Config running;
    std::vector<std::string> applied;      // "table.key" of the live keys that changed
    std::vector<std::string> needRestart;  // "table.key" of the other keys that changed
};

// Whether a running daemon takes a new value of "table.key" on reload: the log
// level, keep-alive, timeouts, queue depth, limits and reconnection backoff.
bool isLiveKey(std::string_view key);

// Compares `next` (freshly loaded) with `running`, key by key, in table order.
ReloadPlan planReload(const Config& running, const Config& next);

// issue 17: whether a tcp_listen "HOST:PORT" stays on this machine: 127.0.0.0/8,
// [::1] or localhost.
bool isLoopbackListen(std::string_view hostPort);

// The path of a "unix:" socket address, or empty for other addresses.
std::filesystem::path unixSocketPath(std::string_view address);

}  // namespace goprod::config
