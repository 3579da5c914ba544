// Unit tests of client/cli: every subcommand parses, bad input is a usage
// error (exit 2, "goproctl: ..." on stderr) before any RPC, common options.
#include "client/cli.h"

#include <sstream>

#include <stdlib.h>  // issue 15 G: mkstemp
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/exit_codes.h"

namespace goprod::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Parse {
    ParseOutcome outcome;
    std::string out;
    std::string err;
};

Parse parse(const std::vector<std::string>& args, const Environment& environment = {}) {
    std::ostringstream out;
    std::ostringstream err;
    Parse result{parseCommandLine(args, environment, out, err), "", ""};
    result.out = out.str();
    result.err = err.str();
    return result;
}

Invocation parsed(const std::vector<std::string>& args, const Environment& environment = {}) {
    auto result = parse(args, environment);
    EXPECT_TRUE(result.outcome.invocation) << result.err;
    return result.outcome.invocation.value_or(Invocation{});
}

struct CommandCase {
    std::vector<std::string> args;
    Command command;
};

TEST(Cli, EverySubcommandParses) {
    const CommandCase cases[] = {
        {{"list"}, Command::List},
        {{"discover"}, Command::Discover},
        {{"discover", "--duration", "5"}, Command::Discover},
        {{"connect"}, Command::Connect},
        {{"disconnect"}, Command::Disconnect},
        {{"forget"}, Command::Forget},
        {{"auto-connect", "on"}, Command::AutoConnect},
        {{"auto-connect", "off"}, Command::AutoConnect},
        {{"shutter", "on"}, Command::Shutter},
        {{"shutter", "off"}, Command::Shutter},
        {{"sleep"}, Command::Sleep},
        {{"preset-group", "video"}, Command::PresetGroup},
        {{"preset-group", "photo"}, Command::PresetGroup},
        {{"preset-group", "timelapse"}, Command::PresetGroup},
        {{"preset", "1"}, Command::Preset},
        {{"analytics"}, Command::Analytics},
        {{"set", "resolution", "1080"}, Command::Set},
        {{"set", "fps", "240"}, Command::Set},
        {{"set", "2", "9"}, Command::Set},
        {{"get", "settings"}, Command::GetSettings},
        {{"get", "settings", "2", "3"}, Command::GetSettings},
        {{"get", "status"}, Command::GetStatus},
        {{"get", "statuses", "8"}, Command::GetStatus},
        {{"info"}, Command::Info},
        {{"wifi", "ap", "info"}, Command::WifiApInfo},
        {{"wifi", "ap", "on"}, Command::WifiAp},
        {{"wifi", "ap", "off"}, Command::WifiAp},
        {{"wifi", "scan"}, Command::WifiScan},
        {{"wifi", "connect", "HomeNet"}, Command::WifiConnect},
        {{"wifi", "connect", "HomeNet", "secret"}, Command::WifiConnect},
        {{"watch"}, Command::Watch},
        {{"watch", "--kind", "status"}, Command::Watch},
        {{"raw", "command", "03010101"}, Command::Raw},
        {{"keep-alive", "0"}, Command::KeepAlive},
        {{"keep-alive", "5"}, Command::KeepAlive},
        {{"date-time"}, Command::DateTime},
        {{"date-time", "--utc-offset", "60"}, Command::DateTime},
    };
    for (const auto& [args, command] : cases) {
        const auto result = parse(args);
        ASSERT_TRUE(result.outcome.invocation) << args.front() << ": " << result.err;
        EXPECT_EQ(result.outcome.invocation->command, command) << args.front();
        EXPECT_EQ(result.err, "");
    }
}

TEST(Cli, HelpOnEverySubcommand) {
    const std::vector<std::vector<std::string>> commands = {
        {"list"},
        {"discover"},
        {"connect"},
        {"disconnect"},
        {"forget"},
        {"auto-connect"},
        {"shutter"},
        {"sleep"},
        {"preset-group"},
        {"preset"},
        {"analytics"},
        {"set"},
        {"set", "resolution"},
        {"set", "fps"},
        {"get"},
        {"get", "settings"},
        {"get", "status"},
        {"info"},
        {"wifi"},
        {"wifi", "ap"},
        {"wifi", "scan"},
        {"wifi", "connect"},
        {"watch"},
        {"raw"},
        {"keep-alive"},
        {"date-time"},
    };
    for (auto args : commands) {
        std::string path = "goproctl";
        for (const auto& word : args) path += " " + word;
        args.emplace_back("--help");
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << path;
        EXPECT_EQ(result.outcome.exitCode, kExitOk) << path;
        EXPECT_THAT(result.out, HasSubstr("Usage: " + path)) << path;
    }
}

TEST(Cli, ProgramHelpListsTheExitCodes) {
    const auto result = parse({"--help"});
    EXPECT_EQ(result.outcome.exitCode, kExitOk);
    EXPECT_THAT(result.out, HasSubstr("3 not found (a camera; for wifi connect and cohn provision, the network)"));
    EXPECT_THAT(result.out, HasSubstr("GOPROD_SOCKET"));
}

TEST(Cli, Version) {
    const auto result = parse({"--version"});
    EXPECT_FALSE(result.outcome.invocation);
    EXPECT_EQ(result.outcome.exitCode, kExitOk);
    EXPECT_THAT(result.out, StartsWith("goproctl "));
}

TEST(Cli, BadInputIsAUsageErrorWithAClearMessage) {
    const std::pair<std::vector<std::string>, const char*> cases[] = {
        {{}, "Usage"},
        {{"bogus"}, "unknown command \"bogus\""},
        {{"get", "bogus"}, "unknown command get \"bogus\""},
        {{"wifi", "bogus"}, "unknown command wifi \"bogus\""},
        {{"set", "resolution", "1081"}, "unknown resolution \"1081\""},
        {{"set", "fps", "59"}, "unknown frame rate \"59\""},
        {{"set", "2", "bogus"}, "unknown value \"bogus\" for setting 2"},
        {{"set", "2"}, "set needs a setting and a value"},
        {{"set"}, "set needs a setting and a value"},
        {{"set", "resolution"}, "VALUE is required"},
        {{"shutter", "maybe"}, "expected on or off"},
        {{"shutter"}, "STATE is required"},
        {{"auto-connect", "yes"}, "expected on or off"},
        {{"preset-group", "movie"}, "unknown preset group"},
        {{"preset", "x"}, "invalid preset ID"},
        {{"preset", "4294967296"}, "out of range"},
        {{"get", "status", "999"}, "out of range"},
        {{"get", "settings", "nonsense"}, "unknown setting"},
        {{"wifi", "ap", "maybe"}, "expected info, on or off"},
        {{"wifi", "connect", std::string(33, 's')}, "SSID must be 1 to 32 bytes"},
        {{"wifi", "connect", ""}, "SSID must be 1 to 32 bytes"},
        {{"wifi", "connect", "net", std::string(64, 'p')}, "password must be at most 63 bytes"},
        {{"wifi", "connect", "net", "secret", "--password-stdin"}, "do not give it as an argument too"},
        {{"wifi", "connect", "net", "secret", "--ask"}, "do not give it as an argument too"},
        {{"wifi", "connect", "net", "--ask", "--password-stdin"}, "excludes"},
        {{"watch", "--kind", "everything"}, "unknown event kind"},
        {{"raw", "GP-0073", "00"}, "write to GP-0072"},
        {{"raw", "command", "xyz"}, "invalid hex"},
        {{"raw", "command"}, "HEX is required"},
        {{"keep-alive", "61"}, "out of range"},
        {{"keep-alive", "-1"}, "keep-alive"},
        {{"discover", "--duration", "0"}, "--duration"},
        {{"discover", "--duration", "121"}, "--duration"},
        {{"list", "--timeout", "0"}, "expected seconds from 0.001 to 86400, got 0"},
        {{"list", "--timeout", "soon"}, "--timeout"},
        {{"list", "--timeout", "nan"}, "0.001 to 86400"},
        {{"list", "--timeout", "inf"}, "0.001 to 86400"},
        {{"list", "--timeout", "1e100"}, "0.001 to 86400"},
        {{"list", "--timeout", "-1"}, "0.001 to 86400"},
        {{"list", "--timeout", "0.0009"}, "0.001 to 86400"},
        {{"list", "--timeout", "86401"}, "0.001 to 86400"},
        {{"discover", "--duration", "nan"}, "--duration"},
        {{"-i", "0456", "-i", "1234", "connect"}, "connect works on one camera; -i was given 2 times"},
        {{"-i", "0456", "-i", "0456", "disconnect"}, "disconnect works on one camera"},
        {{"-i", "0456", "-i", "1234", "forget"}, "forget works on one camera"},
        {{"-i", "0456", "-i", "1234", "auto-connect", "on"}, "auto-connect works on one camera"},
        {{"-i", "0456", "-i", "1234", "wifi", "ap", "info"}, "wifi ap info works on one camera"},
        {{"-i", "0456", "-i", "1234", "wifi", "scan"}, "wifi scan works on one camera"},
        {{"-i", "0456", "-i", "1234", "wifi", "connect", "net"}, "wifi connect works on one camera"},
        {{"-i", "0456", "-i", "1234", "raw", "command", "51"}, "raw works on one camera"},
        {{"-i",
          "04\xff"
          "6",
          "sleep"},
         "-i 04\\xff6 is not valid UTF-8"},
        {{"-i", "caf\xc3", "list"}, "not valid UTF-8"},
        {{"date-time", "--utc-offset", "900"}, "--utc-offset"},
        {{"date-time", "--dst"}, "--dst goes with --utc-offset"},
        {{"-i", "0456", "--all", "sleep"}, "excludes"},
        {{"--all", "connect"}, "connect works on one camera"},
        {{"--all", "wifi", "ap", "info"}, "wifi ap info works on one camera"},
        {{"-i", "", "sleep"}, "-i needs a camera"},
        {{"list", "--frobnicate"}, "frobnicate"},
    };
    for (const auto& [args, message] : cases) {
        std::string line;
        for (const auto& word : args) line += word + " ";
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << line;
        EXPECT_EQ(result.outcome.exitCode, kExitUsage) << line;
        EXPECT_THAT(result.err, HasSubstr(message)) << line;
        if (!args.empty()) {
            EXPECT_THAT(result.err, StartsWith("goproctl: ")) << line;
        }
    }
}

TEST(Cli, IdentifierIsRepeatableAndKeepsItsOrder) {
    const auto invocation = parsed({"-i", "0456", "--identifier", "1234", "shutter", "on", "-i", "AA:BB:CC:DD:EE:FF"});
    EXPECT_THAT(invocation.cameras, ElementsAre("0456", "1234", "AA:BB:CC:DD:EE:FF"));
    EXPECT_FALSE(invocation.all);
    EXPECT_TRUE(invocation.on);
}

TEST(Cli, AllSelectsEveryCamera) {
    const auto invocation = parsed({"shutter", "off", "--all"});
    EXPECT_TRUE(invocation.all);
    EXPECT_TRUE(invocation.cameras.empty());
    EXPECT_FALSE(invocation.on);
}

TEST(Cli, CommonOptionsAfterNestedSubcommands) {
    const auto invocation = parsed({"wifi", "ap", "on", "-i", "0456", "--json", "--timeout", "2.5"});
    EXPECT_EQ(invocation.command, Command::WifiAp);
    EXPECT_THAT(invocation.cameras, ElementsAre("0456"));
    EXPECT_TRUE(invocation.json);
    EXPECT_EQ(invocation.timeoutSeconds, 2.5);
}

TEST(Cli, SocketFromOptionEnvironmentOrDefault) {
    EXPECT_EQ(parsed({"list"}).target, "unix:/run/goprod/goprod.sock");
    Environment environment;
    environment.socket = "/tmp/goprod-test.sock";
    EXPECT_EQ(parsed({"list"}, environment).target, "unix:/tmp/goprod-test.sock");
    EXPECT_EQ(parsed({"--socket", "unix:/x.sock", "list"}, environment).target, "unix:/x.sock");
    EXPECT_EQ(parsed({"list", "--socket", "/y.sock"}).target, "unix:/y.sock");
    EXPECT_EQ(parsed({"list", "--socket", "dns:localhost:50051"}).target, "dns:localhost:50051");
    EXPECT_EQ(parsed({"list", "--socket", "ipv4:127.0.0.1:50051"}).target, "ipv4:127.0.0.1:50051");
    EXPECT_EQ(parsed({"list", "--socket", "unix-abstract:goprod"}).target, "unix-abstract:goprod");
}

// issue 17: mutual TLS to one TCP target, or a rig file for several.
TEST(Cli, TlsOptionsGoWithATcpTarget) {
    const auto invocation = parsed({"--socket", "dns:rig-north:50051", "--tls-ca", "ca.pem", "--tls-cert", "c.pem",
                                    "--tls-key", "c.key", "--tls-server-name", "north", "list"});
    EXPECT_EQ(invocation.target, "dns:rig-north:50051");
    EXPECT_TRUE(invocation.tls.enabled());
    EXPECT_EQ(invocation.tls.ca, "ca.pem");
    EXPECT_EQ(invocation.tls.cert, "c.pem");
    EXPECT_EQ(invocation.tls.key, "c.key");
    EXPECT_EQ(invocation.tls.serverName, "north");
    EXPECT_FALSE(parsed({"list"}).tls.enabled());

    const std::pair<std::vector<std::string>, const char*> refused[] = {
        {{"--socket", "dns:h:1", "--tls-cert", "c.pem", "--tls-key", "c.key", "list"}, "go with --tls-ca"},
        {{"--socket", "dns:h:1", "--tls-ca", "ca.pem", "--tls-cert", "c.pem", "list"}, "go together"},
        {{"--tls-ca", "ca.pem", "list"}, "TLS is for TCP targets"},
        {{"--socket", "/run/x.sock", "--tls-ca", "ca.pem", "list"}, "TLS is for TCP targets"},
    };
    for (const auto& [args, message] : refused) {
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << args.front();
        EXPECT_EQ(result.outcome.exitCode, kExitUsage);
        EXPECT_THAT(result.err, HasSubstr(message));
    }
}

TEST(Cli, RigTakesAFileAndRefusesWhatCannotSpanHosts) {
    Environment environment;
    environment.socket = "/tmp/goprod-test.sock";  // not used with a rig file
    const auto invocation = parsed({"--rig", "rig.toml", "--all", "shutter", "on", "--at", "+3s"}, environment);
    EXPECT_EQ(invocation.rigFile, "rig.toml");
    EXPECT_TRUE(invocation.startAt.has_value());
    EXPECT_EQ(parsed({"list", "--rig", "rig.toml"}).rigFile, "rig.toml");

    const std::pair<std::vector<std::string>, const char*> refused[] = {
        {{"--rig", "rig.toml", "--socket", "/x.sock", "list"}, "excludes"},
        {{"--rig", "rig.toml", "--tls-ca", "ca.pem", "list"}, "the rig file gives each daemon's TLS files"},
        {{"--rig", "rig.toml", "watch"}, "--rig: watch streams until interrupted"},
        {{"--rig", "rig.toml", "-i", "0456", "connect"}, "--rig: connect works on one camera"},
        {{"--rig", "rig.toml", "wifi", "ap", "info"}, "--rig: wifi ap info works on one camera"},
        {{"--rig", "", "list"}, "--rig needs a rig file"},
    };
    for (const auto& [args, message] : refused) {
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << args[2];
        EXPECT_EQ(result.outcome.exitCode, kExitUsage);
        EXPECT_THAT(result.err, HasSubstr(message));
    }
}

TEST(Cli, ASocketWithoutASchemeIsAFilePath) {
    EXPECT_EQ(parsed({"list", "--socket", "goprod.sock"}).target, "unix:goprod.sock");
    EXPECT_EQ(parsed({"list", "--socket", "run/goprod.sock"}).target, "unix:run/goprod.sock");
    EXPECT_EQ(parsed({"list", "--socket", "./x.sock"}).target, "unix:./x.sock");
    EXPECT_EQ(parsed({"list", "--socket", "localhost:50051"}).target, "unix:localhost:50051");
    Environment environment;
    environment.socket = "relative.sock";
    EXPECT_EQ(parsed({"list"}, environment).target, "unix:relative.sock");
}

TEST(Cli, TimeoutAcceptsItsWholeRange) {
    EXPECT_EQ(parsed({"--timeout", "0.001", "list"}).timeoutSeconds, 0.001);
    EXPECT_EQ(parsed({"--timeout", "86400", "list"}).timeoutSeconds, 86400);
    EXPECT_EQ(parsed({"--timeout", "1e3", "list"}).timeoutSeconds, 1000);
}

TEST(Cli, SeveralCamerasStayAllowedWhereTheyMeanSeveral) {
    EXPECT_THAT(parsed({"-i", "0456", "-i", "1234", "list"}).cameras, ElementsAre("0456", "1234"));
    EXPECT_THAT(parsed({"-i", "0456", "-i", "1234", "wifi", "ap", "on"}).cameras, ElementsAre("0456", "1234"));
    EXPECT_THAT(parsed({"-i", "caf\xc3\xa9", "list"}).cameras, ElementsAre("caf\xc3\xa9"));  // UTF-8 is fine
}

TEST(Cli, TimeoutDefaultsPerCommand) {
    EXPECT_EQ(timeoutSeconds(parsed({"list"})), 10);
    EXPECT_EQ(timeoutSeconds(parsed({"shutter", "on"})), 10);
    EXPECT_EQ(timeoutSeconds(parsed({"connect"})), 30);
    EXPECT_EQ(timeoutSeconds(parsed({"discover", "--duration", "20"})), 30);
    EXPECT_EQ(timeoutSeconds(parsed({"wifi", "connect", "net"})), 120);
    EXPECT_EQ(timeoutSeconds(parsed({"wifi", "scan"})), 30);
    EXPECT_EQ(timeoutSeconds(parsed({"watch"})), 0);
    EXPECT_EQ(timeoutSeconds(parsed({"watch", "--timeout", "3"})), 3);
    EXPECT_EQ(timeoutSeconds(parsed({"--timeout", "1", "wifi", "connect", "net"})), 1);
}

TEST(Cli, SetValuesAreResolvedWhileParsing) {
    auto invocation = parsed({"set", "resolution", "1080"});
    EXPECT_EQ(invocation.setting.resolution(), v1::VIDEO_RESOLUTION_1080);
    invocation = parsed({"set", "resolution", "2.7K", "4:3"});  // no quotes needed
    EXPECT_EQ(invocation.setting.resolution(), v1::VIDEO_RESOLUTION_2_7K_4_3);
    invocation = parsed({"set", "fps", "240"});
    EXPECT_EQ(invocation.setting.setting_case(), v1::SetSettingRequest::kFps);
    EXPECT_EQ(invocation.setting.fps(), v1::FRAMES_PER_SECOND_240);
    invocation = parsed({"set", "91", "2"});
    EXPECT_EQ(invocation.setting.generic().id(), 91U);
    invocation = parsed({"set", "fps", "60", "-i", "0456"});
    EXPECT_EQ(invocation.setting.fps(), v1::FRAMES_PER_SECOND_60);
    EXPECT_THAT(invocation.cameras, ElementsAre("0456"));
}

TEST(Cli, WifiConnectTellsMissingFromEmptyPassword) {
    EXPECT_FALSE(parsed({"wifi", "connect", "HomeNet"}).password);
    EXPECT_EQ(parsed({"wifi", "connect", "HomeNet", ""}).password, "");
    const auto invocation = parsed({"wifi", "connect", "Home Net", "p w"});
    EXPECT_EQ(invocation.ssid, "Home Net");
    EXPECT_EQ(invocation.password, "p w");
}

TEST(Cli, WifiConnectPasswordFromStdinOrTerminal) {
    EXPECT_EQ(parsed({"wifi", "connect", "HomeNet"}).passwordSource, PasswordSource::Argument);
    auto invocation = parsed({"wifi", "connect", "HomeNet", "--password-stdin"});
    EXPECT_EQ(invocation.passwordSource, PasswordSource::Stdin);
    EXPECT_FALSE(invocation.password);  // read later, by main
    EXPECT_EQ(parsed({"wifi", "connect", "--ask", "HomeNet"}).passwordSource, PasswordSource::Terminal);
}

TEST(Cli, WifiConnectHelpSaysWhyTheArgumentIsLessSafe) {
    const auto result = parse({"wifi", "connect", "--help"});
    EXPECT_THAT(result.out, HasSubstr("--password-stdin"));
    EXPECT_THAT(result.out, HasSubstr("--ask"));
    EXPECT_THAT(result.out, HasSubstr("ps"));
    EXPECT_THAT(result.out, HasSubstr("shell history"));
}

TEST(Cli, RawTakesHexAsOneOrSeveralWords) {
    const protocol::Bytes shutter{0x03, 0x01, 0x01, 0x01};
    auto invocation = parsed({"raw", "command", "03", "01", "01", "01"});
    EXPECT_EQ(invocation.characteristic, v1::CHARACTERISTIC_COMMAND);
    EXPECT_EQ(invocation.message, shutter);
    invocation = parsed({"raw", "GP-0076", "13 08"});
    EXPECT_EQ(invocation.characteristic, v1::CHARACTERISTIC_QUERY);
    EXPECT_EQ(invocation.message, (protocol::Bytes{0x13, 0x08}));
}

TEST(Cli, WatchKindsRepeat) {
    const auto invocation = parsed({"watch", "--kind", "status", "--kind", "state", "-i", "0456"});
    EXPECT_THAT(invocation.kinds, ElementsAre(v1::Event::KIND_STATUS, v1::Event::KIND_STATE_CHANGED));
    EXPECT_THAT(invocation.cameras, ElementsAre("0456"));
}

TEST(Cli, DateTimeOffsets) {
    EXPECT_FALSE(parsed({"date-time"}).utcOffsetMinutes);
    auto invocation = parsed({"date-time", "--utc-offset", "-300", "--dst"});
    EXPECT_EQ(invocation.utcOffsetMinutes, -300);
    EXPECT_TRUE(invocation.dst);
    Environment environment;
    environment.zone = {120, true};
    invocation = parsed({"date-time", "--local"}, environment);
    EXPECT_EQ(invocation.utcOffsetMinutes, 120);
    EXPECT_TRUE(invocation.dst);
}

TEST(Cli, OtherParameters) {
    EXPECT_EQ(parsed({"preset-group", "PHOTO"}).presetGroup, v1::PRESET_GROUP_PHOTO);
    EXPECT_EQ(parsed({"preset", "0x10"}).preset, 16U);
    EXPECT_EQ(parsed({"keep-alive", "5"}).keepAliveSeconds, 5U);
    EXPECT_EQ(parsed({"discover", "--duration", "2.5"}).discoverSeconds, 2.5);
    EXPECT_THAT(parsed({"get", "status", "busy", "70"}).ids, ElementsAre(8U, 70U));
    EXPECT_THAT(parsed({"get", "settings", "resolution", "fps"}).ids, ElementsAre(2U, 3U));
    EXPECT_TRUE(parsed({"auto-connect", "ON"}).on);
}

// --- issue 15 G: the contract of the issue-15 commands ---------------------------

TEST(Cli, EveryIssue15CommandParsesWithItsParameters) {
    const CommandCase cases[] = {
        {{"hilight"}, Command::Hilight},
        {{"power-down"}, Command::PowerDown},
        {{"reboot"}, Command::Reboot},
        {{"capabilities"}, Command::Capabilities},
        {{"capabilities", "resolution", "3"}, Command::Capabilities},
        {{"control", "idle"}, Command::Control},
        {{"control", "control"}, Command::Control},
        {{"control", "external"}, Command::Control},
        {{"name", "Rig"}, Command::Name},
        {{"turbo", "on"}, Command::Turbo},
        {{"turbo", "off"}, Command::Turbo},
        {{"presets"}, Command::Presets},
        {{"presets", "--all"}, Command::Presets},
        {{"livestream", "start", "rtmp://example/live"}, Command::LiveStreamStart},
        {{"livestream", "status"}, Command::LiveStreamStatus},
        {{"livestream", "stop"}, Command::LiveStreamStop},
        {{"cohn", "status"}, Command::CohnStatus},
        {{"cohn", "provision", "HomeNet"}, Command::CohnProvision},
        {{"cohn", "cert"}, Command::CohnCert},
        {{"cohn", "clear"}, Command::CohnClear},
        {{"cohn", "on"}, Command::CohnOn},
        {{"cohn", "off"}, Command::CohnOff},
        {{"wifi", "release"}, Command::WifiRelease},
    };
    for (auto [args, command] : cases) {
        args.emplace_back("--json");  // every one has --json
        const auto result = parse(args);
        ASSERT_TRUE(result.outcome.invocation) << args.front() << ": " << result.err;
        EXPECT_EQ(result.outcome.invocation->command, command) << args.front() << " " << args[1];
        EXPECT_TRUE(result.outcome.invocation->json) << args.front();
        EXPECT_EQ(result.err, "");
    }
    EXPECT_THAT(parsed({"capabilities", "resolution", "3"}).ids, ElementsAre(2U, 3U));
    EXPECT_EQ(parsed({"control", "EXTERNAL"}).control, v1::CAMERA_CONTROL_EXTERNAL);
    EXPECT_EQ(parsed({"control", "idle"}).control, v1::CAMERA_CONTROL_IDLE);
    EXPECT_EQ(parsed({"control", "control"}).control, v1::CAMERA_CONTROL_CAMERA);
    EXPECT_EQ(parsed({"name", std::string(32, 'n')}).name, std::string(32, 'n'));
    EXPECT_TRUE(parsed({"turbo", "on"}).on);
    EXPECT_FALSE(parsed({"turbo", "off"}).on);
    EXPECT_TRUE(parsed({"presets", "--all"}).includeHidden);
    EXPECT_FALSE(parsed({"presets", "--all"}).all);  // here --all means the hidden presets
    EXPECT_FALSE(parsed({"presets"}).includeHidden);
    EXPECT_EQ(parsed({"cohn", "cert", "--out", "ca.pem"}).certOut, "ca.pem");
    const auto provision = parsed({"cohn", "provision", "HomeNet", "--password-stdin", "--cert-out", "ca.pem"});
    EXPECT_EQ(provision.ssid, "HomeNet");
    EXPECT_EQ(provision.passwordSource, PasswordSource::Stdin);
    EXPECT_EQ(provision.certOut, "ca.pem");
    EXPECT_EQ(parsed({"cohn", "provision", "HomeNet", "--ask"}).passwordSource, PasswordSource::Terminal);
    EXPECT_EQ(parsed({"cohn", "provision", "HomeNet"}).passwordSource, PasswordSource::Argument);
    EXPECT_FALSE(parsed({"cohn", "provision", "HomeNet"}).password);  // a network the camera knows
}

TEST(Cli, LivestreamStartTakesEveryOptionOfTheIssue) {
    const auto invocation =
        parsed({"livestream", "start", "rtmp://example/live", "--window", "720", "--lens", "SuperView", "--min-kbps",
                "800", "--max-kbps", "8000", "--start-kbps", "1000", "--no-encode"});
    const auto& request = invocation.liveStream;
    EXPECT_EQ(request.url(), "rtmp://example/live");
    EXPECT_EQ(request.window(), 720U);
    EXPECT_EQ(request.lens(), v1::LIVE_STREAM_LENS_SUPERVIEW);
    EXPECT_EQ(request.minimum_kbps(), 800U);
    EXPECT_EQ(request.maximum_kbps(), 8000U);
    EXPECT_EQ(request.starting_kbps(), 1000U);
    EXPECT_TRUE(request.no_encode());
    EXPECT_TRUE(request.camera().empty());  // commands.cpp sets it from -i
    EXPECT_EQ(parsed({"livestream", "start", "rtmp://x", "--lens", "wide"}).liveStream.lens(),
              v1::LIVE_STREAM_LENS_WIDE);
    EXPECT_EQ(parsed({"livestream", "start", "rtmp://x", "--lens", "linear"}).liveStream.lens(),
              v1::LIVE_STREAM_LENS_LINEAR);
    const auto defaults = parsed({"livestream", "start", "rtmps://x"}).liveStream;
    EXPECT_EQ(defaults.window(), 0U);
    EXPECT_EQ(defaults.lens(), v1::LIVE_STREAM_LENS_UNSPECIFIED);
    EXPECT_FALSE(defaults.no_encode());
    EXPECT_TRUE(defaults.certificate().empty());
}

TEST(Cli, LivestreamStartReadsTheCertificateFile) {
    char path[] = "/tmp/goproctl-cert-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    ASSERT_EQ(write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
    close(fd);
    EXPECT_EQ(parsed({"livestream", "start", "rtmps://x", "--cert", path}).liveStream.certificate(), pem);
    unlink(path);
}

TEST(Cli, HelpOnEveryIssue15Command) {
    const std::vector<std::vector<std::string>> commands = {
        {"hilight"},
        {"power-down"},
        {"reboot"},
        {"capabilities"},
        {"control"},
        {"name"},
        {"turbo"},
        {"presets"},
        {"livestream"},
        {"livestream", "start"},
        {"livestream", "status"},
        {"livestream", "stop"},
        {"cohn"},
        {"cohn", "status"},
        {"cohn", "provision"},
        {"cohn", "cert"},
        {"cohn", "clear"},
        {"cohn", "on"},
        {"cohn", "off"},
        {"wifi", "release"},
    };
    for (auto args : commands) {
        std::string path = "goproctl";
        for (const auto& word : args) path += " " + word;
        args.emplace_back("--help");
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << path;
        EXPECT_EQ(result.outcome.exitCode, kExitOk) << path;
        EXPECT_THAT(result.out, HasSubstr("Usage: " + path)) << path;
        EXPECT_THAT(result.out, HasSubstr("see 'goproctl --help' for them and the exit codes")) << path;
    }
    // The options of the issue's contract are in their commands' help.
    const auto start = parse({"livestream", "start", "--help"}).out;
    for (const char* option :
         {"--window", "--lens", "--min-kbps", "--max-kbps", "--start-kbps", "--cert", "--no-encode"}) {
        EXPECT_THAT(start, HasSubstr(option));
    }
    const auto provision = parse({"cohn", "provision", "--help"}).out;
    for (const char* option : {"--password-stdin", "--ask", "--cert-out"}) EXPECT_THAT(provision, HasSubstr(option));
    EXPECT_THAT(parse({"cohn", "cert", "--help"}).out, HasSubstr("--out"));
    EXPECT_THAT(parse({"presets", "--help"}).out, HasSubstr("--all"));
}

TEST(Cli, SeveralCamerasWhereTheIssueSaysSoOneWhereItActsOnOne) {
    for (const std::vector<std::string>& command : {std::vector<std::string>{"hilight"},
                                                    {"control", "external"},
                                                    {"turbo", "on"},
                                                    {"power-down"},
                                                    {"reboot"},
                                                    {"livestream", "stop"}}) {
        std::vector<std::string> args{"-i", "0456", "-i", "1234"};
        args.insert(args.end(), command.begin(), command.end());
        EXPECT_THAT(parsed(args).cameras, ElementsAre("0456", "1234")) << command.front();
        args = {"--all"};
        args.insert(args.end(), command.begin(), command.end());
        EXPECT_TRUE(parsed(args).all) << command.front();
    }
    const std::pair<std::vector<std::string>, const char*> single[] = {
        {{"livestream", "start", "rtmp://x"}, "livestream start works on one camera"},
        {{"cohn", "provision", "HomeNet"}, "cohn provision works on one camera"},
        {{"cohn", "cert"}, "cohn cert works on one camera"},
        {{"presets"}, "presets works on one camera"},
        {{"name", "Rig"}, "name works on one camera"},
    };
    for (const auto& [command, message] : single) {
        for (const std::vector<std::string>& selection :
             {std::vector<std::string>{"-i", "0456", "-i", "1234"}, std::vector<std::string>{"--all"}}) {
            auto args = selection;
            args.insert(args.end(), command.begin(), command.end());
            const auto result = parse(args);
            EXPECT_FALSE(result.outcome.invocation) << message;
            EXPECT_EQ(result.outcome.exitCode, kExitUsage) << message;
            EXPECT_THAT(result.err, HasSubstr(message));
        }
    }
}

TEST(Cli, Issue15UsageErrorsExit2BeforeAnyRequest) {
    const std::pair<std::vector<std::string>, const char*> cases[] = {
        {{"hilight", "now"}, "not expected"},
        {{"power-down", "now"}, "not expected"},
        {{"reboot", "now"}, "not expected"},
        {{"capabilities", "bogus"}, "unknown setting \"bogus\""},
        {{"capabilities", "256"}, "out of range"},
        {{"control"}, "STATE is required"},
        {{"control", "remote"}, "unknown camera control \"remote\""},
        {{"name"}, "NAME is required"},
        {{"name", ""}, "the camera name must be 1 to 32 bytes, got 0"},
        {{"name", std::string(33, 'n')}, "the camera name must be 1 to 32 bytes, got 33"},
        {{"turbo"}, "STATE is required"},
        {{"turbo", "maybe"}, "expected on or off"},
        {{"presets", "extra"}, "not expected"},
        {{"livestream"}, "A subcommand is required"},
        {{"livestream", "bogus"}, "unknown command livestream \"bogus\""},
        {{"livestream", "start"}, "URL is required"},
        {{"livestream", "start", "rtmp://x", "--window", "600"}, "--window"},
        {{"livestream", "start", "rtmp://x", "--lens", "fisheye"}, "--lens: expected wide, linear or superview"},
        {{"livestream", "start", "rtmp://x", "--min-kbps", "799"}, "--min-kbps"},
        {{"livestream", "start", "rtmp://x", "--max-kbps", "8001"}, "--max-kbps"},
        {{"livestream", "start", "rtmp://x", "--start-kbps", "9000"}, "--start-kbps"},
        {{"livestream", "start", "rtmp://x", "--cert", "/nonexistent/ca.pem"}, "--cert"},
        {{"livestream", "status", "extra"}, "not expected"},
        {{"livestream", "stop", "extra"}, "not expected"},
        {{"cohn"}, "A subcommand is required"},
        {{"cohn", "bogus"}, "unknown command cohn \"bogus\""},
        {{"cohn", "provision"}, "SSID is required"},
        {{"cohn", "provision", ""}, "SSID must be 1 to 32 bytes"},
        {{"cohn", "provision", std::string(33, 's')}, "SSID must be 1 to 32 bytes"},
        {{"cohn", "provision", "HomeNet", "--password-stdin", "--ask"}, "excludes"},
        {{"cohn", "provision", "HomeNet", "secret"}, "not expected"},  // never a password argument
        {{"cohn", "on", "extra"}, "not expected"},
        {{"wifi", "release", "extra"}, "not expected"},
    };
    for (const auto& [args, message] : cases) {
        std::string line;
        for (const auto& word : args) line += word + " ";
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << line;
        EXPECT_EQ(result.outcome.exitCode, kExitUsage) << line;
        EXPECT_THAT(result.err, HasSubstr(message)) << line;
        EXPECT_THAT(result.err, StartsWith("goproctl: ")) << line;
    }
}

TEST(Cli, Issue15TimeoutsPerCommand) {
    EXPECT_EQ(timeoutSeconds(parsed({"livestream", "start", "rtmp://x"})), 60);
    EXPECT_EQ(timeoutSeconds(parsed({"cohn", "provision", "HomeNet"})), 180);
    for (const std::vector<std::string>& args : {std::vector<std::string>{"hilight"},
                                                 {"reboot"},
                                                 {"power-down"},
                                                 {"presets"},
                                                 {"cohn", "cert"},
                                                 {"livestream", "stop"},
                                                 {"wifi", "release"}}) {
        EXPECT_EQ(timeoutSeconds(parsed(args)), 10) << args.front();
    }
    EXPECT_EQ(timeoutSeconds(parsed({"--timeout", "5", "cohn", "provision", "HomeNet"})), 5);
}

// issue 15 F: presets --register, preset-visibility, preset-custom
TEST(Cli, PresetCommandsParseTheirArguments) {
    EXPECT_TRUE(parsed({"presets", "--register"}).registerUpdates);
    EXPECT_FALSE(parsed({"presets"}).registerUpdates);
    EXPECT_EQ(parsed({"watch", "--kind", "presets"}).kinds, std::vector<v1::Event::Kind>{v1::Event::KIND_PRESETS});

    auto visibility = parsed({"--all", "preset-visibility", "0x00010002", "off"});
    EXPECT_EQ(visibility.command, Command::PresetVisibility);
    EXPECT_EQ(visibility.presetId, 0x00010002);
    EXPECT_FALSE(visibility.on);
    EXPECT_TRUE(visibility.all);

    auto custom = parsed({"preset-custom", "65540", "--name", "Dive", "--icon", "0"});
    EXPECT_EQ(custom.command, Command::PresetCustom);
    EXPECT_EQ(custom.presetId, 65540);
    EXPECT_EQ(custom.presetName, "Dive");
    EXPECT_EQ(custom.presetIcon, std::optional<std::int32_t>(0));
    EXPECT_FALSE(custom.presetTitle);
    custom = parsed({"preset-custom", "65540", "--title", "94", "--name", "\xC3\x89t\xC3\xA9"});
    EXPECT_EQ(custom.presetTitle, std::optional<std::int32_t>(94));
}

TEST(Cli, PresetCommandsRefuseBadArgumentsWithAClearMessage) {
    const std::pair<std::vector<std::string>, const char*> cases[] = {
        {{"preset-visibility", "1"}, "STATE is required"},
        {{"preset-visibility", "1", "maybe"}, "expected on or off"},
        {{"preset-visibility", "x", "on"}, "preset ID"},
        {{"preset-custom", "1"}, "nothing to update"},
        {{"preset-custom", "1", "--name", ""}, "1 to 16 bytes"},
        {{"preset-custom", "1", "--name", "seventeen chars!!"}, "1 to 16 bytes, got 17"},
        {{"preset-custom", "1", "--name", "Dive\xFF"}, "not valid UTF-8"},
        {{"preset-custom", "1", "--name", "Dive", "--title", "5"}, "title 94"},
        {{"preset-custom", "1", "--title", "x"}, "title ID"},
        {{"--all", "preset-custom", "1", "--icon", "2"}, "preset-custom works on one camera"},
    };
    for (const auto& [args, message] : cases) {
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << args.back();
        EXPECT_EQ(result.outcome.exitCode, kExitUsage) << args.back();
        EXPECT_THAT(result.err, HasSubstr(message)) << args.back();
    }
}

// issue 15 E: `date-time` alone and `date-time set` set the clock; `date-time get` reads it.
TEST(Cli, DateTimeGetAndSet) {
    EXPECT_EQ(parsed({"date-time", "get"}).command, Command::DateTimeGet);
    EXPECT_EQ(parsed({"--all", "date-time", "get", "--json"}).command, Command::DateTimeGet);
    auto invocation = parsed({"date-time", "set", "--utc-offset", "330", "--dst"});
    EXPECT_EQ(invocation.command, Command::DateTime);
    EXPECT_EQ(invocation.utcOffsetMinutes, 330);
    EXPECT_TRUE(invocation.dst);
    EXPECT_FALSE(parsed({"date-time", "set"}).utcOffsetMinutes);
    Environment environment;
    environment.zone = {-240, false};
    EXPECT_EQ(parsed({"date-time", "set", "--local"}, environment).utcOffsetMinutes, -240);
    EXPECT_EQ(parsed({"date-time", "--utc-offset", "60"}).command, Command::DateTime);
    for (const auto& args : std::vector<std::vector<std::string>>{{"date-time", "get", "--utc-offset", "60"},
                                                                  {"date-time", "get", "--local"},
                                                                  {"date-time", "set", "--dst"},
                                                                  {"date-time", "set", "--utc-offset", "900"}}) {
        const auto result = parse(args);
        EXPECT_FALSE(result.outcome.invocation) << args.back();
        EXPECT_EQ(result.outcome.exitCode, kExitUsage) << args.back();
    }
    EXPECT_THAT(parse({"date-time", "--help"}).out, HasSubstr("get"));
}

// issue 16
TEST(Cli, ConnectTakesAnAdapterPinAndAPriority) {
    const auto plain = parsed({"connect", "-i", "0456"});
    EXPECT_FALSE(plain.adapter);
    EXPECT_FALSE(plain.priority);
    const auto pinned = parsed({"connect", "-i", "0456", "--adapter", "hci1", "--priority", "-100"});
    EXPECT_EQ(pinned.adapter, std::optional<std::string>("hci1"));
    EXPECT_EQ(pinned.priority, std::optional<std::int32_t>(-100));
    EXPECT_EQ(parsed({"connect", "-i", "0456", "--adapter", ""}).adapter, std::optional<std::string>(""))
        << "an empty adapter unpins";
    EXPECT_EQ(parsed({"adapters", "--json"}).command, Command::Adapters);
    for (const auto& bad : {"101", "-101", "high"}) {
        const auto result = parse({"connect", "-i", "0456", "--priority", bad});
        EXPECT_EQ(result.outcome.exitCode, kExitUsage) << bad;
        EXPECT_THAT(result.err, HasSubstr("--priority")) << bad;
    }
    const auto help = parse({"connect", "--help"});
    EXPECT_THAT(help.out, HasSubstr("--adapter ADAPTER"));
    EXPECT_THAT(parse({"adapters", "--help"}).out, HasSubstr("Usage: goproctl adapters"));
}

// issue 17
TEST(Cli, ShutterAtPlansTheStartAndWaitsPastIt) {
    Environment environment;
    environment.now = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'796'650'000);
    const auto planned = parsed({"--all", "shutter", "on", "--at", "+3s"}, environment);
    ASSERT_TRUE(planned.startAt);
    EXPECT_EQ(*planned.startAt, environment.now + std::chrono::seconds(3));
    EXPECT_FALSE(parsed({"shutter", "on"}).startAt);
    const auto bad = parse({"shutter", "on", "--at", "soon"});
    EXPECT_EQ(bad.outcome.exitCode, kExitUsage);
    EXPECT_THAT(bad.err, HasSubstr("--at \"soon\" is not a time"));
    Invocation future;
    future.command = Command::Shutter;
    future.startAt = std::chrono::system_clock::now() + std::chrono::seconds(60);
    EXPECT_GT(timeoutSeconds(future), 69);
}

TEST(Cli, JournalTakesATimeRange) {
    Environment environment;
    environment.now = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'796'650'000);
    const auto plain = parsed({"journal"}, environment);
    EXPECT_EQ(plain.command, Command::Journal);
    EXPECT_FALSE(plain.since || plain.until);
    const auto range = parsed({"journal", "--since", "-1h", "--until", "2026-12-07T14:10:00Z", "--json"}, environment);
    EXPECT_EQ(range.since, environment.now - std::chrono::hours(1));
    EXPECT_EQ(range.until, std::chrono::system_clock::time_point{} + std::chrono::seconds(1'796'652'600));
    EXPECT_TRUE(range.json);
    const auto bad = parse({"journal", "--since", "yesterday"});
    EXPECT_EQ(bad.outcome.exitCode, kExitUsage);
    EXPECT_THAT(bad.err, HasSubstr("--since \"yesterday\" is not a time"));
}

TEST(Cli, LastMediaOnEveryCamera) {
    const auto invocation = parsed({"--all", "last-media", "--json"});
    EXPECT_EQ(invocation.command, Command::LastMedia);
    EXPECT_TRUE(invocation.all && invocation.json);
    EXPECT_THAT(parsed({"last-media", "-i", "0456", "-i", "0457"}).cameras, ElementsAre("0456", "0457"));
}

}  // namespace
}  // namespace goprod::client
