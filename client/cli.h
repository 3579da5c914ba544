// goproctl's command line: the subcommands and options (CLI11), turned into
// one Invocation with every value already checked, so that the commands only
// talk to goprod. Parsing prints help, version and usage errors itself.
// Any thread; no shared state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "goprod.pb.h"
#include "protocol/bytes.h"

namespace goprod::client {

enum class Command {
    List,
    Discover,
    Connect,
    Disconnect,
    Forget,
    AutoConnect,
    Shutter,
    Sleep,
    PresetGroup,
    Preset,
    Analytics,
    Set,
    GetSettings,
    GetStatus,
    Info,
    WifiApInfo,
    WifiAp,
    WifiScan,
    WifiConnect,
    Watch,
    Raw,
    KeepAlive,
    DateTime,
    Status,
    // issue 15 D: COHN
    CohnStatus,
    CohnProvision,
    CohnCert,
    CohnClear,
    CohnOn,
    CohnOff,
    // group C: live streaming
    LiveStreamStart,
    LiveStreamStatus,
    LiveStreamStop,
    // issue 15 group A
    Hilight,
    PowerDown,
    Reboot,
    Turbo,
    Control,
    Name,
    WifiRelease,
    // issue 15 B: presets and setting capabilities
    Presets,
    Capabilities,
    // issue 15 F: preset visibility and the custom preset update
    PresetVisibility,
    PresetCustom,
    // issue 15 E
    DateTimeGet,
    LastMedia,
    Adapters,  // issue 16
    Journal,   // issue 17
};

// "wifi connect", as typed.
std::string_view commandName(Command command);

// Where `wifi connect` takes the password from: the argument (or none), one
// line of standard input (--password-stdin), or a prompt on the terminal (--ask).
enum class PasswordSource { Argument, Stdin, Terminal };

inline constexpr std::string_view kDefaultSocket = "unix:/run/goprod/goprod.sock";

// issue 17: mutual TLS to a daemon's TCP listener: PEM files. Without a CA the
// channel is plaintext (unix sockets, loopback TCP).
struct TlsOptions {
    std::string ca;          // the CA that signed the daemon's certificate
    std::string cert;        // this client's certificate, signed by the CA goprod trusts
    std::string key;         // its private key
    std::string serverName;  // the name to check the daemon's certificate for ("" = the target's host)
    bool enabled() const { return !ca.empty(); }
};

struct Invocation {
    Command command = Command::List;

    // Common options.
    std::vector<std::string> cameras;  // -i, in order; at most one for single-camera commands
    bool all = false;
    std::string target{kDefaultSocket};    // gRPC target: "unix:/path"
    std::optional<double> timeoutSeconds;  // --timeout as given
    bool json = false;
    TlsOptions tls;       // issue 17: --tls-ca, --tls-cert, --tls-key, --tls-server-name
    std::string rigFile;  // issue 17: --rig FILE: every daemon it lists ("" = the one target)

    // Command parameters; each command reads its own.
    bool on = false;              // shutter, auto-connect, wifi ap
    double discoverSeconds = 10;  // discover --duration
    v1::PresetGroup presetGroup = v1::PRESET_GROUP_UNSPECIFIED;
    std::uint32_t preset = 0;
    v1::SetSettingRequest setting;   // set: the `setting` oneof, no target
    std::vector<std::uint32_t> ids;  // get settings / get status
    std::string ssid;
    std::optional<std::string> password;  // given as an argument, or read by readPassword()
    PasswordSource passwordSource = PasswordSource::Argument;
    std::vector<v1::Event::Kind> kinds;  // watch --kind
    v1::Characteristic characteristic = v1::CHARACTERISTIC_UNSPECIFIED;
    protocol::Bytes message;  // raw
    std::uint32_t keepAliveSeconds = 0;
    std::optional<std::int32_t> utcOffsetMinutes;  // date-time
    bool dst = false;
    // issue 15 D: cohn cert --out, cohn provision --cert-out ("" = standard output / not written)
    std::string certOut;
    v1::StartLiveStreamRequest liveStream;  // group C: livestream start (no camera)
    // issue 15 group A
    v1::CameraControl control = v1::CAMERA_CONTROL_UNSPECIFIED;  // control
    std::string name;                                            // name
    bool includeHidden = false;  // issue 15 B: presets --all
    // issue 15 F
    bool registerUpdates = false;             // presets --register
    std::int32_t presetId = 0;                // preset-visibility, preset-custom
    std::optional<std::int32_t> presetTitle;  // preset-custom --title
    std::string presetName;                   // preset-custom --name ("" = unchanged)
    std::optional<std::int32_t> presetIcon;   // preset-custom --icon
    bool session = false;        // issue 15 E: control --session
    // issue 16: connect --adapter ("" unpins) and --priority; absent: the camera keeps its own
    std::optional<std::string> adapter;
    std::optional<std::int32_t> priority;
    // issue 17: shutter --at, the planned start
    std::optional<std::chrono::system_clock::time_point> startAt;
    // issue 17: journal --since/--until (absent: from the oldest entry kept / up to now)
    std::optional<std::chrono::system_clock::time_point> since;
    std::optional<std::chrono::system_clock::time_point> until;
};

// The gRPC deadline in seconds (0 = none): --timeout, else the command's
// default (10 s; longer where the camera itself takes long; none for watch).
double timeoutSeconds(const Invocation& invocation);

// The time zone of this machine now, for `date-time --local`.
struct LocalZone {
    std::int32_t utcOffsetMinutes = 0;
    bool dst = false;
};

struct Environment {
    std::optional<std::string> socket;  // GOPROD_SOCKET
    LocalZone zone;
    std::chrono::system_clock::time_point now;  // what "shutter on --at +2s" counts from
};
Environment processEnvironment();

struct ParseOutcome {
    std::optional<Invocation> invocation;  // absent: exit with exitCode
    int exitCode = 0;
};

// args without the program name. Help and --version go to `out`, usage
// errors ("goproctl: ...") to `err` with exit code 2.
ParseOutcome parseCommandLine(const std::vector<std::string>& args, const Environment& environment, std::ostream& out,
                              std::ostream& err);

// "/run/x.sock" -> "unix:/run/x.sock", "x.sock" -> "unix:x.sock"; targets
// with one of gRPC's schemes ("unix:", "dns:", "ipv4:", ...) stay as they are.
std::string grpcTarget(std::string_view socket);

// issue 17: whether a gRPC target is a unix socket (TLS is for TCP targets only).
bool isUnixTarget(std::string_view target);

// issue 17: why a command cannot run across a rig, "" if it can: watch never
// ends, and the commands on one camera act on one host's camera.
std::string rigMisuse(Command command);

}  // namespace goprod::client
