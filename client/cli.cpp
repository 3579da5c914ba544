#include "client/cli.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <ostream>

#include <CLI/CLI.hpp>

#include "client/exit_codes.h"
#include "client/output.h"
#include "client/values.h"
#include "protocol/text.h"  // group C
#include "protocol/utf8.h"

#ifndef GOPROD_VERSION
#define GOPROD_VERSION "unknown"
#endif

namespace goprod::client {

namespace {

constexpr std::string_view kFooter = R"(Cameras are chosen with -i (the last 4 serial digits, "0456", or the
Bluetooth address), repeatable; --all means every ready camera; without
either, goprod uses the only connected camera.

Environment:
  GOPROD_SOCKET  the daemon's socket when --socket is not given

Several hosts: --socket dns:HOST:PORT with --tls-ca, --tls-cert and --tls-key
(mutual TLS); --rig FILE runs the command on every daemon a rig file lists.

Exit codes:
  0 ok                 1 other error        2 usage error
  3 not found (a camera; for wifi connect and cohn provision, the network)
  4 camera rejected    5 unavailable (goprod or camera)
  6 timeout            7 busy               8 cancelled or interrupted

Run 'goproctl COMMAND --help' for a command's arguments; man goproctl for more.)";

constexpr std::string_view kSubcommandFooter =
    R"(Common options: -i ID (repeatable), --all, --socket PATH, --timeout SECONDS,
--json, --tls-ca/--tls-cert/--tls-key FILE, --rig FILE;
see 'goproctl --help' for them and the exit codes.)";

constexpr double kMinTimeout = 0.001;
constexpr double kMaxTimeout = 86400;  // a day; gRPC deadlines far beyond overflow

// A number of seconds in [low, high]. CLI::Range lets NaN through (every
// comparison with it is false), so this one asks for the range explicitly.
CLI::Validator secondsRange(double low, double high) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", low, high);
    return CLI::Validator(
        [low, high, text = std::string(range)](std::string& input) -> std::string {
            double seconds = 0;
            if (!CLI::detail::lexical_cast(input, seconds) || !(seconds >= low && seconds <= high)) {
                return "expected seconds from " + text + ", got " + input;
            }
            return {};
        },
        "SECONDS");
}

// What CLI11 fills in; turned into an Invocation once the parse succeeded.
struct Raw {
    std::vector<std::string> cameras;
    bool all = false;
    std::string socket;
    double timeout = 0;
    bool json = false;
    double duration = 10;
    std::string onOff;
    std::string group;
    std::string preset;
    std::vector<std::string> value;  // joined with spaces: "2.7K 4:3" needs no quotes
    std::string settingId;
    std::vector<std::string> ids;
    std::string apAction;
    std::string ssid;
    std::vector<std::string> password;  // 0 or 1 element: tells "" from absent
    bool passwordStdin = false;
    bool ask = false;
    std::vector<std::string> kinds;
    std::string characteristic;
    std::vector<std::string> hex;
    std::string seconds;
    std::int32_t utcOffset = 0;
    bool dst = false;
    bool localZone = false;
    std::string certOut;  // issue 15 D
    // group C: livestream start
    std::string url;
    std::uint32_t window = 0;
    std::string lens;
    std::uint32_t minKbps = 0, maxKbps = 0, startKbps = 0;
    std::string certFile;
    bool noEncode = false;
    std::string control;  // issue 15 group A
    std::string name;
    // issue 15 F
    bool registerPresets = false;
    std::string presetTitle, presetName, presetIcon;
    bool hidden = false;   // issue 15 B: presets --all
    bool session = false;  // issue 15 E: control --session
    std::string adapter;   // issue 16: connect --adapter, --priority
    std::int32_t priority = 0;
    std::string at;  // issue 17: shutter --at
    std::string since, until;  // issue 17: journal
    // issue 17: mutual TLS and rigs
    std::string tlsCa, tlsCert, tlsKey, tlsServerName;
    std::string rig;
};

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
    return out;
}

// The commands that act on one camera: a second -i or --all is a mistake.
// issue 15 G: name too: one name on several cameras would be one access-point SSID.
bool singleCamera(Command command) {
    switch (command) {
        case Command::Connect:
        case Command::Disconnect:
        case Command::Forget:
        case Command::AutoConnect:
        case Command::WifiApInfo:
        case Command::WifiScan:
        case Command::WifiConnect:
        case Command::Raw:
        case Command::CohnProvision:  // issue 15 D
        case Command::CohnCert:
        case Command::LiveStreamStart:  // group C
        case Command::Presets:  // issue 15 B: its --all means the hidden presets
        case Command::Name:
        case Command::PresetCustom:  // issue 15 F: it checks that camera's active preset
            return true;
        default:
            return false;
    }
}

// Every flag and argument, and the pointers needed to learn which command ran.
struct Parser {
    CLI::App app{"Control GoPro cameras through the goprod daemon.", "goproctl"};
    Raw raw;
    std::vector<std::pair<CLI::App*, Command>> leaves;
    CLI::App* set = nullptr;
    CLI::Option* timeout = nullptr;
    CLI::Option* socket = nullptr;
    CLI::Option* rig = nullptr;  // issue 17
    CLI::Option* utcOffset = nullptr;
    CLI::Option* adapter = nullptr;  // issue 16: connect --adapter, --priority
    CLI::Option* priority = nullptr;
    CLI::Option* presetName = nullptr;  // issue 15 F: preset-custom --name ("" given is an error, not absent)
    CLI::Option* utcOffsetSet = nullptr;  // issue 15 E: date-time set --utc-offset

    CLI::App* leaf(CLI::App* parent, std::string name, std::string description, Command command) {
        CLI::App* sub = parent->add_subcommand(std::move(name), std::move(description));
        leaves.emplace_back(sub, command);
        return sub;
    }

    // date-time's and date-time set's options; returns --utc-offset.
    CLI::Option* addClockOptions(CLI::App* sub) {
        auto* offset = sub->add_option("--utc-offset", raw.utcOffset, "Send local time with this UTC offset")
                           ->type_name("MINUTES")
                           ->check(CLI::Range(-720, 840));
        auto* dst = sub->add_flag("--dst", raw.dst, "Daylight saving time is in effect (with --utc-offset)");
        sub->add_flag("--local", raw.localZone, "Use this machine's UTC offset and daylight saving time")
            ->excludes(offset)
            ->excludes(dst);
        return offset;
    }

    Parser() {
        app.set_version_flag("--version", std::string("goproctl ") + GOPROD_VERSION);
        // Subcommands copy the footer when they are created: they get the
        // short one (their help does not list the common options), the
        // program's help gets the full one below.
        app.footer(std::string(kSubcommandFooter));
        app.require_subcommand(1);
        // Common options after the subcommand too ("goproctl shutter on -i 0456");
        // subcommands inherit this setting when they are created.
        app.fallthrough();
        app.failure_message([](const CLI::App*, const CLI::Error& e) {
            return "goproctl: " + std::string(e.what()) + "\nRun 'goproctl --help' for usage.\n";
        });

        auto* identifier = app.add_option("-i,--identifier", raw.cameras,
                                          "Camera: identifier (\"0456\") or Bluetooth address; repeatable")
                               ->type_name("ID")
                               ->allow_extra_args(false);
        app.add_flag("--all", raw.all, "Every ready camera")->excludes(identifier);
        socket = app.add_option("--socket", raw.socket,
                                "goprod's socket (default: $GOPROD_SOCKET, else " + std::string(kDefaultSocket) + ")")
                     ->type_name("PATH");
        timeout = app.add_option("--timeout", raw.timeout,
                                 "Deadline in seconds, 0.001 to 86400 (default 10; longer for slow commands)")
                      ->type_name("SECONDS")
                      ->check(secondsRange(kMinTimeout, kMaxTimeout));
        app.add_flag("--json", raw.json, "Print protobuf's JSON mapping, one object per line");
        // issue 17: a daemon on another host (mutual TLS), or every daemon of a rig
        app.add_option("--tls-ca", raw.tlsCa, "TLS: the CA that signed the daemon's certificate (PEM); TCP targets")
            ->type_name("FILE");
        app.add_option("--tls-cert", raw.tlsCert, "TLS: this client's certificate (PEM), for the daemon to check")
            ->type_name("FILE");
        app.add_option("--tls-key", raw.tlsKey, "TLS: the private key of --tls-cert (PEM)")->type_name("FILE");
        app.add_option("--tls-server-name", raw.tlsServerName,
                       "TLS: the name the daemon's certificate must carry (default: the target's host)")
            ->type_name("NAME");
        rig = app.add_option("--rig", raw.rig,
                             "Run the command on every daemon listed in this rig file (TOML), in parallel; the "
                             "results get a HOST column")
                  ->type_name("FILE")
                  ->excludes(socket);

        leaf(&app, "list", "List the cameras goprod knows, with state, battery and queue", Command::List);
        leaf(&app, "discover", "Scan for cameras and list those found", Command::Discover)
            ->add_option("--duration", raw.duration, "How long to scan, in seconds (1..120, default 10)")
            ->type_name("SECONDS")
            ->check(secondsRange(1, 120));
        CLI::App* connectCamera = leaf(&app, "connect", "Connect to a camera (pairs on first use)", Command::Connect);
        adapter = connectCamera
                      ->add_option("--adapter", raw.adapter,
                                   "Connect it only through this adapter (name or address; \"\" unpins); remembered")
                      ->type_name("ADAPTER");
        priority = connectCamera
                       ->add_option("--priority", raw.priority,
                                    "Who goes first when adapters lack room, -100..100 (higher first; default 0); "
                                    "remembered")
                       ->type_name("N")
                       ->check(CLI::Range(-100, 100));
        leaf(&app, "disconnect", "Disconnect from a camera", Command::Disconnect);
        leaf(&app, "forget", "Forget a camera: unpair it and drop its state", Command::Forget);
        leaf(&app, "auto-connect", "Reconnect to a camera whenever it is seen", Command::AutoConnect)
            ->add_option("STATE", raw.onOff, "on or off")
            ->required();
        CLI::App* shutter =
            leaf(&app, "shutter", "Start (on) or stop (off) recording; prints send and acknowledgement times",
                 Command::Shutter);
        shutter->add_option("STATE", raw.onOff, "on or off")->required();
        shutter
            ->add_option("--at", raw.at,
                         "Write it to every camera at this instant: +2s, +250ms, +1m, or RFC 3339 "
                         "(2026-12-07T13:30:00Z); 0.1 s to 10 min ahead")
            ->type_name("TIME");
        leaf(&app, "sleep", "Put cameras to sleep", Command::Sleep);
        leaf(&app, "preset-group", "Load a preset group", Command::PresetGroup)
            ->add_option("GROUP", raw.group, "video, photo or timelapse")
            ->required();
        leaf(&app, "preset", "Load a preset by ID", Command::Preset)
            ->add_option("ID", raw.preset, "Preset ID (decimal or 0x hex)")
            ->required();
        leaf(&app, "analytics", "Tell cameras a third-party client is in control (Set Third Party Client)",
             Command::Analytics);

        set = app.add_subcommand("set", "Change a setting: set resolution VALUE, set fps VALUE, set ID VALUE");
        set->add_option("ID", raw.settingId, "Setting ID or name (generic form)");
        set->add_option("VALUE", raw.value, "Value name from the setting's table, or the camera's number");
        leaves.emplace_back(set, Command::Set);
        leaf(set, "resolution", "Set the video resolution (setting 2)", Command::Set)
            ->add_option("VALUE", raw.value, "1080, 2.7K, 4K, 5K, 5.3K, ... (any case)")
            ->required();
        leaf(set, "fps", "Set the frame rate (setting 3)", Command::Set)
            ->add_option("VALUE", raw.value, "24, 30, 60, 120, 240, ...")
            ->required();

        CLI::App* get = app.add_subcommand("get", "Read settings or statuses");
        get->require_subcommand(1);
        leaf(get, "settings", "Read settings (all, or the IDs given)", Command::GetSettings)
            ->add_option("ID", raw.ids, "Setting IDs or names");
        leaf(get, "status", "Read statuses (all, or the IDs given)", Command::GetStatus)
            ->alias("statuses")
            ->add_option("ID", raw.ids, "Status IDs or names");

        leaf(&app, "info", "Show hardware info and Open GoPro version", Command::Info);

        CLI::App* wifi = app.add_subcommand("wifi", "Camera WiFi: access point, scan, connect to a network");
        wifi->require_subcommand(1);
        leaf(wifi, "ap", "Show the access point's SSID and password (info), or turn it on or off", Command::WifiAp)
            ->add_option("ACTION", raw.apAction, "info, on or off")
            ->required();
        leaf(wifi, "scan", "Let the camera scan for WiFi networks", Command::WifiScan);
        CLI::App* connect =
            leaf(wifi, "connect", "Connect the camera to a WiFi network, showing progress", Command::WifiConnect);
        connect->add_option("SSID", raw.ssid, "Network name (1..32 bytes)")->required();
        connect
            ->add_option("PASSWORD", raw.password,
                         "Password (0..63 bytes); omit for a configured network. Other local users see it in ps, "
                         "and it stays in the shell history: prefer --password-stdin or --ask")
            ->expected(0, 1);
        auto* passwordStdin = connect->add_flag("--password-stdin", raw.passwordStdin,
                                                "Read the password from the first line of standard input");
        connect->add_flag("--ask", raw.ask, "Ask for the password on the terminal, without echo")
            ->excludes(passwordStdin);

        leaf(&app, "watch", "Print camera events as they happen, until interrupted", Command::Watch)
            ->add_option("--kind", raw.kinds, "state, status, setting, notification, request; repeatable")
            ->type_name("KIND")
            ->allow_extra_args(false);
        CLI::App* rawCommand =
            leaf(&app, "raw", "Send raw bytes through a camera's queue; prints the response", Command::Raw);
        rawCommand->add_option("CHARACTERISTIC", raw.characteristic, "command, settings, query, network, or GP-00XX")
            ->required();
        rawCommand->add_option("HEX", raw.hex, "The unframed message, e.g. 03010101 or \"03 01 01 01\"")->required();
        leaf(&app, "keep-alive", "Set the keep-alive interval (0 = off)", Command::KeepAlive)
            ->add_option("SECONDS", raw.seconds, "0, or 1..60")
            ->required();
        CLI::App* dateTime =
            leaf(&app, "date-time", "Set the camera clock to now (also: date-time set), or show it (date-time get)",
                 Command::DateTime);
        utcOffset = addClockOptions(dateTime);
        leaf(&app, "status", "Show goprod's health: BlueZ, adapters, cameras, streams; says what to fix",
             Command::Status);
        leaf(&app, "adapters", "List the Bluetooth adapters: state, connection budget and cameras", Command::Adapters);
        // issue 17: the capture journal
        CLI::App* journal = leaf(&app, "journal",
                                 "Show the capture journal: shutters with every camera's times, encoding changes, "
                                 "files captured",
                                 Command::Journal);
        journal->add_option("--since", raw.since, "From this time on: -1h, -30m, -2d or RFC 3339 (default: the oldest)")
            ->type_name("TIME");
        journal->add_option("--until", raw.until, "Before this time: -10m or RFC 3339 (default: now)")
            ->type_name("TIME");

        // issue 15 D: COHN, the camera on the home network
        CLI::App* cohn =
            app.add_subcommand("cohn", "Camera on the home network (COHN): status, provisioning, certificate");
        cohn->require_subcommand(1);
        leaf(cohn, "status", "Show COHN status: provisioned, state, address and credentials", Command::CohnStatus);
        CLI::App* provision = leaf(cohn, "provision",
                                   "Put the camera on a network for HTTPS: date/time, join, new certificate, wait "
                                   "until connected; prints address, username, password",
                                   Command::CohnProvision);
        provision->add_option("SSID", raw.ssid, "Network name (1..32 bytes)")->required();
        auto* cohnStdin = provision->add_flag("--password-stdin", raw.passwordStdin,
                                              "Read the network's password from the first line of standard input");
        provision->add_flag("--ask", raw.ask, "Ask for the network's password on the terminal, without echo")
            ->excludes(cohnStdin);
        provision->add_option("--cert-out", raw.certOut, "Write the camera's root CA (PEM) to this file")
            ->type_name("FILE");
        leaf(cohn, "cert", "Print the camera's COHN root CA certificate (PEM)", Command::CohnCert)
            ->add_option("--out", raw.certOut, "Write it to this file instead")
            ->type_name("FILE");
        leaf(cohn, "clear", "Clear the COHN certificate (the camera leaves COHN until a new one)", Command::CohnClear);
        leaf(cohn, "on", "Enable COHN", Command::CohnOn);
        leaf(cohn, "off", "Disable COHN", Command::CohnOff);
        // group C: live streaming
        CLI::App* live =
            app.add_subcommand("livestream", "Live streaming (the camera must be on a network: wifi connect)");
        live->require_subcommand(1);
        CLI::App* start = leaf(live, "start",
                               "Set the live-stream mode, wait until the camera is READY, start streaming (shutter on)",
                               Command::LiveStreamStart);
        start->add_option("URL", raw.url, "rtmp:// or rtmps:// URL of the server")->required();
        start->add_option("--window", raw.window, "Window size: 480, 720 or 1080")
            ->check(CLI::IsMember({480, 720, 1080}));
        start->add_option("--lens", raw.lens, "wide, linear or superview");
        start->add_option("--min-kbps", raw.minKbps, "Minimum bitrate, 800..8000")->check(CLI::Range(800, 8000));
        start->add_option("--max-kbps", raw.maxKbps, "Maximum bitrate, 800..8000")->check(CLI::Range(800, 8000));
        start->add_option("--start-kbps", raw.startKbps, "Starting bitrate, 800..8000")->check(CLI::Range(800, 8000));
        start->add_option("--cert", raw.certFile, "PEM file of the server's certificate authority (rtmps)")
            ->check(CLI::ExistingFile);
        start->add_flag("--no-encode", raw.noEncode, "Do not record to the SD card while streaming");
        leaf(live, "status", "Show the live-stream status (and register for its changes: watch --kind live-stream)",
             Command::LiveStreamStatus);
        leaf(live, "stop", "Stop streaming (shutter off)", Command::LiveStreamStop);
        // issue 15 group A
        leaf(&app, "hilight", "Tag the moment in the video being recorded (HiLight)", Command::Hilight);
        leaf(&app, "power-down", "Power cameras down", Command::PowerDown);
        leaf(&app, "reboot", "Reboot cameras (they reconnect if auto-connect is on)", Command::Reboot);
        leaf(&app, "turbo", "Turn turbo transfer on or off", Command::Turbo)
            ->add_option("STATE", raw.onOff, "on or off")
            ->required();
        leaf(&app, "control", "Set who the camera says is in control (Set Camera Control Status)", Command::Control)
            ->add_option("STATE", raw.control, "idle, control (the camera's user) or external (this client)")
            ->required();
        leaf(&app, "name", "Set the camera's name (MAX 2, LIT HERO)", Command::Name)
            ->add_option("NAME", raw.name, "1..32 bytes")
            ->required();
        leaf(wifi, "release", "Leave the network joined in station mode (back to the access point)",
             Command::WifiRelease);
        // issue 15 B: presets and setting capabilities
        auto* presets =
            leaf(&app, "presets", "List the camera's preset groups and presets (* marks each group's active one)",
                 Command::Presets);
        presets->add_flag("--all", raw.hidden, "Hidden presets too");
        // issue 15 F
        presets->add_flag("--register", raw.registerPresets,
                          "Also register for preset changes (watch --kind presets; kept across reconnections)");
        leaf(&app, "capabilities", "Show the values each setting accepts now (all, or the settings given)",
             Command::Capabilities)
            ->add_option("SETTING", raw.ids, "Setting IDs or names");
        // issue 15 F: preset visibility and the custom preset update
        auto* visibility = leaf(&app, "preset-visibility", "Show or hide a preset in the camera's lists (MAX 2)",
                                Command::PresetVisibility);
        visibility->add_option("ID", raw.preset, "Preset ID (decimal or 0x hex)")->required();
        visibility->add_option("STATE", raw.onOff, "on (visible) or off (hidden)")->required();
        auto* custom = leaf(&app, "preset-custom",
                            "Rename or re-icon the active custom preset (HERO12 v2.0+, HERO13, MAX 2); ID must be "
                            "the active preset",
                            Command::PresetCustom);
        custom->add_option("ID", raw.preset, "Preset ID (decimal or 0x hex): the camera's active preset")->required();
        custom->add_option("--title", raw.presetTitle, "Title ID (open_gopro.EnumPresetTitle; 94 = custom name)")
            ->type_name("T");
        presetName = custom->add_option("--name", raw.presetName, "Custom name, 1 to 16 bytes of UTF-8 (title 94)")
                         ->type_name("N");
        custom->add_option("--icon", raw.presetIcon, "Icon ID (open_gopro.EnumPresetIcon)")->type_name("I");
        // issue 15 E: `date-time` alone still sets (as before); `date-time set` says so, `date-time get` reads.
        leaf(dateTime, "get", "Show the camera clock (with its UTC offset and DST where the camera keeps them)",
             Command::DateTimeGet);
        CLI::App* dateTimeSet = leaf(dateTime, "set", "Set the camera clock to now", Command::DateTime);
        utcOffsetSet = addClockOptions(dateTimeSet);
        leaf(&app, "last-media", "Show the file each camera's last capture made (folder/file under DCIM)",
             Command::LastMedia);
        app.get_subcommand("control")->add_flag(
            "--session", raw.session,
            "For the session: external claims it now and on every reconnection and goprod gives it back "
            "on disconnect; idle releases it");
        app.footer(std::string(kFooter));
    }

    // CLI11 reports an unknown command as "A subcommand is required"; this
    // finds the word that was meant as one and is not.
    // Only `get`, `wifi` and `cohn` need a second word, so the search goes as deep as they do.
    std::optional<std::string> unknownCommand(const std::vector<std::string>& args) const {
        const CLI::App* level = &app;
        std::string path = "";
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (arg == "-i" || arg == "--identifier" || arg == "--socket" || arg == "--timeout" || arg == "--rig" ||
                arg.starts_with("--tls-")) {
                ++i;  // its value
                continue;
            }
            if (arg.starts_with("-")) continue;
            const CLI::App* next = nullptr;
            for (const CLI::App* sub : level->get_subcommands({})) {
                if (sub->check_name(arg)) next = sub;
            }
            if (next == nullptr) return path + "\"" + arg + "\"";
            if (next->get_require_subcommand_min() == 0) return std::nullopt;
            level = next;
            path += next->get_name() + " ";
        }
        return std::nullopt;
    }

    // The innermost subcommand that was given.
    std::optional<Command> chosen() const {
        std::optional<Command> found;
        for (const auto& [sub, command] : leaves) {
            // A parent (`set`) is parsed along with its child; the child comes later in `leaves`.
            if (sub->parsed()) found = command;
        }
        return found;
    }
};

// For a command that acts on one camera, --all or a second -i is a mistake: says which, else "".
std::string singleCameraMisuse(Command command, const Raw& raw) {
    if (!singleCamera(command)) return {};
    const std::string name(commandName(command));
    if (raw.all) return name + " works on one camera; --all is not allowed";
    if (raw.cameras.size() > 1) {
        return name + " works on one camera; -i was given " + std::to_string(raw.cameras.size()) + " times";
    }
    return {};
}

Parsed<Invocation> convert(const Parser& parser, Command command, const Environment& environment) {
    const Raw& raw = parser.raw;
    Invocation out;
    out.command = command;
    out.cameras = raw.cameras;
    out.all = raw.all;
    out.json = raw.json;
    if (parser.timeout->count() > 0) out.timeoutSeconds = raw.timeout;
    if (parser.socket->count() > 0) {
        out.target = grpcTarget(raw.socket);
    } else if (environment.socket && !environment.socket->empty()) {
        out.target = grpcTarget(*environment.socket);
    }
    if (auto misuse = singleCameraMisuse(command, raw); !misuse.empty()) return invalid(misuse);
    // issue 17: TLS for one TCP target; a rig file names each daemon's own.
    out.tls = {raw.tlsCa, raw.tlsCert, raw.tlsKey, raw.tlsServerName};
    const bool anyTls = !raw.tlsCa.empty() || !raw.tlsCert.empty() || !raw.tlsKey.empty() || !raw.tlsServerName.empty();
    if (parser.rig->count() > 0) {
        if (raw.rig.empty()) return invalid("--rig needs a rig file");
        if (anyTls) return invalid("--rig: the rig file gives each daemon's TLS files; --tls-* go with --socket");
        out.rigFile = raw.rig;
        out.target.clear();
    } else if (anyTls) {
        if (raw.tlsCa.empty()) return invalid("--tls-cert, --tls-key and --tls-server-name go with --tls-ca");
        if (raw.tlsCert.empty() != raw.tlsKey.empty()) return invalid("--tls-cert and --tls-key go together");
        if (isUnixTarget(out.target)) {
            return invalid("TLS is for TCP targets (--socket dns:HOST:PORT); " + out.target + " is a unix socket");
        }
    }
    for (const auto& camera : raw.cameras) {
        // Empty strings would read as "the default camera" to goprod.
        if (camera.empty()) return invalid("-i needs a camera identifier or address");
        // The API's selectors are protobuf strings: UTF-8 or nothing.
        if (!protocol::isUtf8(camera)) return invalid("-i " + printable(camera) + " is not valid UTF-8");
    }

    switch (command) {
        case Command::Discover:
            out.discoverSeconds = raw.duration;
            break;
        case Command::Connect:  // issue 16
            if (parser.adapter->count() > 0) out.adapter = raw.adapter;
            if (parser.priority->count() > 0) out.priority = raw.priority;
            break;
        case Command::AutoConnect:
        case Command::Turbo:
        case Command::Shutter: {
            auto on = parseOnOff(raw.onOff);
            if (!on) return invalid(on.error());
            out.on = *on;
            if (!raw.at.empty()) {  // issue 17
                auto at = parseInstant(raw.at, environment.now);
                if (!at) return invalid(at.error());
                out.startAt = *at;
            }
            break;
        }
        case Command::Journal: {  // issue 17
            for (auto [text, option, bound] :
                 {std::tuple{&raw.since, "--since", &out.since}, std::tuple{&raw.until, "--until", &out.until}}) {
                if (text->empty()) continue;
                auto instant = parseInstant(*text, environment.now, option);
                if (!instant) return invalid(instant.error());
                *bound = *instant;
            }
            break;
        }
        case Command::PresetGroup: {
            auto group = parsePresetGroup(raw.group);
            if (!group) return invalid(group.error());
            out.presetGroup = *group;
            break;
        }
        case Command::Preset: {
            auto preset = parseUnsigned(raw.preset, 0xFFFFFFFF, "preset ID");
            if (!preset) return invalid(preset.error());
            out.preset = static_cast<std::uint32_t>(*preset);
            break;
        }
        case Command::Set: {
            const CLI::App* resolution = parser.set->get_subcommand("resolution");
            const CLI::App* fps = parser.set->get_subcommand("fps");
            Parsed<v1::SetSettingRequest> setting = invalid("");
            if (resolution->parsed()) {
                setting = resolutionSetting(joined(raw.value));
            } else if (fps->parsed()) {
                setting = fpsSetting(joined(raw.value));
            } else if (raw.settingId.empty() || raw.value.empty()) {
                return invalid("set needs a setting and a value: set resolution VALUE, set fps VALUE or set ID VALUE");
            } else {
                setting = genericSetting(raw.settingId, joined(raw.value));
            }
            if (!setting) return invalid(setting.error());
            out.setting = std::move(*setting);
            break;
        }
        case Command::GetSettings:
        case Command::GetStatus:
        case Command::Capabilities:  // issue 15 B
            for (const auto& text : raw.ids) {
                auto id = command == Command::GetStatus ? parseStatusId(text) : parseSettingId(text);
                if (!id) return invalid(id.error());
                out.ids.push_back(*id);
            }
            break;
        case Command::WifiAp: {
            std::string action = raw.apAction;
            for (auto& c : action) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (action == "info") {
                out.command = Command::WifiApInfo;
                if (auto misuse = singleCameraMisuse(out.command, raw); !misuse.empty()) return invalid(misuse);
                break;
            }
            auto on = parseOnOff(raw.apAction);
            if (!on) return invalid("wifi ap: expected info, on or off, got \"" + raw.apAction + "\"");
            out.on = *on;
            break;
        }
        case Command::WifiConnect:
            if (raw.ssid.empty() || raw.ssid.size() > 32) {
                return invalid("the SSID must be 1 to 32 bytes, got " + std::to_string(raw.ssid.size()));
            }
            out.ssid = raw.ssid;
            if ((raw.passwordStdin || raw.ask) && !raw.password.empty()) {
                return invalid(std::string(raw.ask ? "--ask" : "--password-stdin") +
                               " reads the password: do not give it as an argument too");
            }
            if (raw.passwordStdin) out.passwordSource = PasswordSource::Stdin;
            if (raw.ask) out.passwordSource = PasswordSource::Terminal;
            if (!raw.password.empty()) {
                if (raw.password.front().size() > 63) {
                    return invalid("the password must be at most 63 bytes, got " +
                                   std::to_string(raw.password.front().size()));
                }
                out.password = raw.password.front();
            }
            break;
        case Command::LiveStreamStart: {  // group C
            auto& request = out.liveStream;
            request.set_url(raw.url);
            request.set_window(raw.window);
            if (!raw.lens.empty()) {
                const std::string lens = protocol::asciiLower(raw.lens);
                if (lens == "wide") {
                    request.set_lens(v1::LIVE_STREAM_LENS_WIDE);
                } else if (lens == "linear") {
                    request.set_lens(v1::LIVE_STREAM_LENS_LINEAR);
                } else if (lens == "superview") {
                    request.set_lens(v1::LIVE_STREAM_LENS_SUPERVIEW);
                } else {
                    return invalid("--lens: expected wide, linear or superview, got \"" + raw.lens + "\"");
                }
            }
            request.set_minimum_kbps(raw.minKbps);
            request.set_maximum_kbps(raw.maxKbps);
            request.set_starting_kbps(raw.startKbps);
            request.set_no_encode(raw.noEncode);
            if (!raw.certFile.empty()) {
                std::ifstream file(raw.certFile, std::ios::binary);
                std::string pem((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
                if (file.bad()) return invalid("--cert: cannot read " + raw.certFile);
                request.set_certificate(std::move(pem));
            }
            break;
        }
        case Command::Watch:
            for (const auto& text : raw.kinds) {
                auto kind = parseEventKind(text);
                if (!kind) return invalid(kind.error());
                out.kinds.push_back(*kind);
            }
            break;
        case Command::Raw: {
            auto characteristic = parseCharacteristic(raw.characteristic);
            if (!characteristic) return invalid(characteristic.error());
            auto message = parseHexMessage(joined(raw.hex));
            if (!message) return invalid(message.error());
            out.characteristic = *characteristic;
            out.message = std::move(*message);
            break;
        }
        case Command::KeepAlive: {
            auto seconds = parseUnsigned(raw.seconds, 60, "keep-alive interval");
            if (!seconds) return invalid(seconds.error() + "; 0 turns it off");
            out.keepAliveSeconds = static_cast<std::uint32_t>(*seconds);
            break;
        }
        case Command::Presets:  // issue 15 B
            out.includeHidden = raw.hidden;
            out.registerUpdates = raw.registerPresets;  // issue 15 F
            break;
        case Command::DateTimeGet:  // issue 15 E: the parent's options set the clock
            if (parser.utcOffset->count() > 0 || raw.dst || raw.localZone) {
                return invalid("date-time get takes no --utc-offset, --dst or --local (they go with date-time set)");
            }
            break;
        case Command::DateTime:
            if (parser.utcOffset->count() > 0 || parser.utcOffsetSet->count() > 0) {
                out.utcOffsetMinutes = raw.utcOffset;
                out.dst = raw.dst;
            } else if (raw.localZone) {
                out.utcOffsetMinutes = environment.zone.utcOffsetMinutes;
                out.dst = environment.zone.dst;
            } else if (raw.dst) {
                return invalid("--dst goes with --utc-offset");
            }
            break;
        // issue 15 D
        case Command::CohnProvision:
            if (raw.ssid.empty() || raw.ssid.size() > 32) {
                return invalid("the SSID must be 1 to 32 bytes, got " + std::to_string(raw.ssid.size()));
            }
            out.ssid = raw.ssid;
            if (raw.passwordStdin) out.passwordSource = PasswordSource::Stdin;
            if (raw.ask) out.passwordSource = PasswordSource::Terminal;
            out.certOut = raw.certOut;
            break;
        case Command::CohnCert:
            out.certOut = raw.certOut;
            break;
        // issue 15 group A
        case Command::Control: {
            auto control = parseCameraControl(raw.control);
            if (!control) return invalid(control.error());
            out.control = *control;
            out.session = raw.session;  // issue 15 E
            if (out.session && out.control == v1::CAMERA_CONTROL_CAMERA) {
                return invalid("control --session takes external (claim) or idle (release)");
            }
            break;
        }
        case Command::Name:
            if (raw.name.empty() || raw.name.size() > 32) {
                return invalid("the camera name must be 1 to 32 bytes, got " + std::to_string(raw.name.size()));
            }
            out.name = raw.name;
            break;
        // issue 15 F
        case Command::PresetVisibility:
        case Command::PresetCustom: {
            auto id = parseUnsigned(raw.preset, 0x7FFFFFFF, "preset ID");
            if (!id) return invalid(id.error());
            out.presetId = static_cast<std::int32_t>(*id);
            if (command == Command::PresetVisibility) {
                auto on = parseOnOff(raw.onOff);
                if (!on) return invalid(on.error());
                out.on = *on;
                break;
            }
            if (raw.presetTitle.empty() && parser.presetName->count() == 0 && raw.presetIcon.empty()) {
                return invalid("nothing to update: give --title, --name or --icon");
            }
            if (!raw.presetTitle.empty()) {
                auto title = parseUnsigned(raw.presetTitle, 0x7FFFFFFF, "title ID");
                if (!title) return invalid(title.error());
                out.presetTitle = static_cast<std::int32_t>(*title);
            }
            if (!raw.presetIcon.empty()) {
                auto icon = parseUnsigned(raw.presetIcon, 0x7FFFFFFF, "icon ID");
                if (!icon) return invalid(icon.error());
                out.presetIcon = static_cast<std::int32_t>(*icon);
            }
            if (parser.presetName->count() > 0) {
                if (!protocol::isUtf8(raw.presetName)) return invalid("--name is not valid UTF-8");
                if (raw.presetName.empty() || raw.presetName.size() > 16) {
                    return invalid("--name must be 1 to 16 bytes, got " + std::to_string(raw.presetName.size()));
                }
                if (out.presetTitle && *out.presetTitle != 94) {
                    return invalid("--name goes with title 94 (custom name), not --title " +
                                   std::to_string(*out.presetTitle));
                }
                out.presetName = raw.presetName;
            }
            break;
        }
        default:
            break;
    }
    // After the switch: `wifi ap info` is known by now.
    if (!out.rigFile.empty()) {
        if (auto misuse = rigMisuse(out.command); !misuse.empty()) return invalid(misuse);
    }
    return out;
}

}  // namespace

std::string_view commandName(Command command) {
    switch (command) {
        case Command::List:
            return "list";
        case Command::Discover:
            return "discover";
        case Command::Connect:
            return "connect";
        case Command::Disconnect:
            return "disconnect";
        case Command::Forget:
            return "forget";
        case Command::AutoConnect:
            return "auto-connect";
        case Command::Shutter:
            return "shutter";
        case Command::Sleep:
            return "sleep";
        case Command::PresetGroup:
            return "preset-group";
        case Command::Preset:
            return "preset";
        case Command::Analytics:
            return "analytics";
        case Command::Set:
            return "set";
        case Command::GetSettings:
            return "get settings";
        case Command::GetStatus:
            return "get status";
        case Command::Info:
            return "info";
        case Command::WifiApInfo:
            return "wifi ap info";
        case Command::WifiAp:
            return "wifi ap";
        case Command::WifiScan:
            return "wifi scan";
        case Command::WifiConnect:
            return "wifi connect";
        case Command::Watch:
            return "watch";
        case Command::Raw:
            return "raw";
        case Command::KeepAlive:
            return "keep-alive";
        case Command::DateTime:
            return "date-time";
        case Command::Status:
            return "status";
        // issue 15 D
        case Command::CohnStatus:
            return "cohn status";
        case Command::CohnProvision:
            return "cohn provision";
        case Command::CohnCert:
            return "cohn cert";
        case Command::CohnClear:
            return "cohn clear";
        case Command::CohnOn:
            return "cohn on";
        case Command::CohnOff:
            return "cohn off";
        case Command::LiveStreamStart:  // group C
            return "livestream start";
        case Command::LiveStreamStatus:
            return "livestream status";
        case Command::LiveStreamStop:
            return "livestream stop";
        // issue 15 group A
        case Command::Hilight:
            return "hilight";
        case Command::PowerDown:
            return "power-down";
        case Command::Reboot:
            return "reboot";
        case Command::Turbo:
            return "turbo";
        case Command::Control:
            return "control";
        case Command::Name:
            return "name";
        case Command::WifiRelease:
            return "wifi release";
        // issue 15 B
        case Command::Presets:
            return "presets";
        case Command::Capabilities:
            return "capabilities";
        // issue 15 F
        case Command::PresetVisibility:
            return "preset-visibility";
        case Command::PresetCustom:
            return "preset-custom";
        // issue 15 E
        case Command::DateTimeGet:
            return "date-time get";
        case Command::LastMedia:
            return "last-media";
        case Command::Adapters:  // issue 16
            return "adapters";
        case Command::Journal:  // issue 17
            return "journal";
    }
    return "?";
}

double timeoutSeconds(const Invocation& invocation) {
    if (invocation.timeoutSeconds) return *invocation.timeoutSeconds;
    switch (invocation.command) {
        case Command::Watch:
            return 0;  // runs until interrupted
        case Command::Discover:
            return invocation.discoverSeconds + 10;
        // Connecting includes pairing and the camera's initialization.
        case Command::Connect:
            return 30;
        // issue 17: a planned start answers after its instant.
        case Command::Shutter:
            if (!invocation.startAt) return 10;
            return 10 +
                   std::max(
                       0.0,
                       std::chrono::duration<double>(*invocation.startAt - std::chrono::system_clock::now()).count());
        // Scans take the camera seconds; AP on waits until the AP is up.
        case Command::WifiScan:
        case Command::WifiAp:
            return 30;
        // Scan, join, DHCP on the camera side.
        case Command::WifiConnect:
            return 120;
        // issue 15 D: the join, then the camera's own connection to the network.
        case Command::CohnProvision:
            return 180;
        // group C: the camera configures the stream before it is READY.
        case Command::LiveStreamStart:
            return 60;
        default:
            return 10;
    }
}

Environment processEnvironment() {
    Environment environment;
    if (const char* socket = std::getenv("GOPROD_SOCKET")) environment.socket = socket;
    environment.now = std::chrono::system_clock::now();
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    if (localtime_r(&now, &local) != nullptr) {
        environment.zone.utcOffsetMinutes = static_cast<std::int32_t>(local.tm_gmtoff / 60);
        environment.zone.dst = local.tm_isdst > 0;
    }
    return environment;
}

std::string grpcTarget(std::string_view socket) {
    // gRPC's own schemes; anything else, relative or absolute, is a file path
    // (gRPC would take "goprod.sock" for a host name).
    static constexpr std::string_view kSchemes[] = {"unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:", "vsock:"};
    for (const auto scheme : kSchemes) {
        if (socket.starts_with(scheme)) return std::string(socket);
    }
    return "unix:" + std::string(socket);
}

bool isUnixTarget(std::string_view target) {
    return target.starts_with("unix:") || target.starts_with("unix-abstract:");
}

std::string rigMisuse(Command command) {
    const std::string name(commandName(command));
    if (command == Command::Watch) {
        return "--rig: watch streams until interrupted; watch each host with --socket (its events carry no host)";
    }
    if (singleCamera(command) || command == Command::WifiApInfo) {
        return "--rig: " + name + " works on one camera, which is on one host: give that host's --socket instead";
    }
    return {};
}

ParseOutcome parseCommandLine(const std::vector<std::string>& args, const Environment& environment, std::ostream& out,
                              std::ostream& err) {
    Parser parser;
    if (args.empty()) {
        // A bare "goproctl" is a request for orientation, not an error message.
        err << parser.app.help();
        return {std::nullopt, kExitUsage};
    }
    if (auto unknown = parser.unknownCommand(args)) {
        err << "goproctl: unknown command " << *unknown << "\nRun 'goproctl --help' for the commands.\n";
        return {std::nullopt, kExitUsage};
    }
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
        parser.app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        const int code = parser.app.exit(e, out, err);
        return {std::nullopt, code == 0 ? kExitOk : kExitUsage};
    }
    const auto command = parser.chosen();
    if (!command) {
        err << "goproctl: a command is required\nRun 'goproctl --help' for usage.\n";
        return {std::nullopt, kExitUsage};
    }
    auto invocation = convert(parser, *command, environment);
    if (!invocation) {
        err << "goproctl: " << invocation.error() << "\n";
        return {std::nullopt, kExitUsage};
    }
    return {std::move(*invocation), kExitOk};
}

}  // namespace goprod::client
