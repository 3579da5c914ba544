// Unit tests of the configuration file and the command line.
#include "daemon/config/config.h"

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/config/temp_dir.h"

namespace goprod::config {

// Readable failures when two Configs differ (gtest would dump bytes).
void PrintTo(const Config& c, std::ostream* out) {
    *out << "{state_dir=" << c.stateDir << " level=" << spdlog::level::to_string_view(c.logLevel).data()
         << " socket=" << c.socket << " socket_group=" << c.socketGroup << " socket_mode=0o" << std::oct << c.socketMode
         << std::dec << " tcp_listen=" << c.tcpListen << " bus=" << c.bus << " adapter=" << c.adapter
         << " adapters=" << c.adapters.size() << " max_connections=" << c.maxConnections
         << " client_name=" << c.clientName << " auto_connect=" << c.autoConnect
         << " connect_timeout_ms=" << c.connectTimeout.count()
         << " keep_alive_interval_ms=" << c.keepAliveInterval.count()
         << " reconnect_initial_ms=" << c.reconnectInitial.count() << " reconnect_max_ms=" << c.reconnectMax.count()
         << " timeout_ms=" << c.requestTimeout.count() << " queue_depth=" << c.queueDepth
         << " max_cameras=" << c.maxCameras << " max_subscribers=" << c.maxSubscribers << "}";
}

namespace {

using std::chrono::milliseconds;
using test::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string errorOf(const Result<Config>& result) {
    EXPECT_FALSE(result.has_value());
    return result.has_value() ? std::string() : result.error().message;
}

Result<Config> parse(std::string_view text) { return parseConfig(text, "test.conf"); }

CommandLine parseArgs(std::vector<const char*> args) {
    args.insert(args.begin(), "goprod");
    return parseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(Config, DefaultsAreTheDocumentedValues) {
    const Config config;
    EXPECT_EQ(config.stateDir, "/var/lib/goprod");
    EXPECT_EQ(config.logLevel, spdlog::level::info);
    EXPECT_EQ(config.socket, "unix:/run/goprod/goprod.sock");
    EXPECT_EQ(config.socketGroup, "");
    EXPECT_EQ(config.socketMode, 0660U);
    EXPECT_EQ(config.tcpListen, "");
    EXPECT_EQ(config.bus, "");
    EXPECT_EQ(config.adapter, "");
    EXPECT_TRUE(config.adapters.empty());  // issue 16: every powered adapter
    EXPECT_EQ(config.maxConnections, 7U);
    EXPECT_EQ(config.clientName, "goprod");
    EXPECT_TRUE(config.autoConnect);
    EXPECT_EQ(config.connectTimeout, milliseconds{30000});
    EXPECT_EQ(config.keepAliveInterval, milliseconds{3000});
    EXPECT_EQ(config.reconnectInitial, milliseconds{1000});
    EXPECT_EQ(config.reconnectMax, milliseconds{60000});
    EXPECT_EQ(config.requestTimeout, milliseconds{5000});
    EXPECT_EQ(config.queueDepth, 32U);
    EXPECT_EQ(config.maxCameras, 64U);
    EXPECT_EQ(config.maxSubscribers, 64U);
    EXPECT_FALSE(config.claimControl);  // issue 15 E
    EXPECT_EQ(config.journalMaxMib, 8U);  // issue 17
}

// Adding a field to Config breaks this binding on purpose: give the field a key
// in config.cpp's table, a line in goprod.conf, and a value in the tests below.
TEST(Config, EveryFieldHasAKey) {
    const auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y] = Config{};
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i, (void)j, (void)k, (void)l, (void)m,
        (void)n, (void)o, (void)p, (void)q, (void)r, (void)s, (void)t, (void)u, (void)v, (void)w, (void)x, (void)y;
    EXPECT_EQ(configKeys().size(), 25U);
}

TEST(Config, EmptyTextGivesDefaults) {
    auto config = parse("");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(*config, Config{});
}

TEST(Config, EveryKeyIsParsed) {
    auto config = parse(R"(
[daemon]
state_dir = "/srv/goprod"
[logging]
level = "debug"
[api]
socket = "unix:/tmp/g.sock"
socket_group = "goprod"
socket_mode = 0o600
tcp_listen = "0.0.0.0:50051"
tls_certificate = "/etc/goprod/tls/server.pem"
tls_key = "/etc/goprod/tls/server.key"
tls_client_ca = "/etc/goprod/tls/clients-ca.pem"
[bluetooth]
bus = "unix:path=/tmp/bus"
adapter = "hci1"
adapters = ["hci2", "00:1A:7D:DA:71:13"]
max_connections = 5
client_name = "rig"
auto_connect = false
connect_timeout_ms = 10000
keep_alive_interval_ms = 0
reconnect_initial_ms = 500
reconnect_max_ms = 8000
claim_control = true
[requests]
timeout_ms = 2500
queue_depth = 8
[limits]
max_cameras = 4
max_subscribers = 5
[journal]
max_size_mib = 0
)");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->stateDir, "/srv/goprod");
    EXPECT_EQ(config->logLevel, spdlog::level::debug);
    EXPECT_EQ(config->socket, "unix:/tmp/g.sock");
    EXPECT_EQ(config->socketGroup, "goprod");
    EXPECT_EQ(config->socketMode, 0600U);
    EXPECT_EQ(config->tcpListen, "0.0.0.0:50051");
    EXPECT_EQ(config->tlsCertificate, "/etc/goprod/tls/server.pem");
    EXPECT_EQ(config->tlsKey, "/etc/goprod/tls/server.key");
    EXPECT_EQ(config->tlsClientCa, "/etc/goprod/tls/clients-ca.pem");
    EXPECT_EQ(config->bus, "unix:path=/tmp/bus");
    EXPECT_EQ(config->adapter, "hci1");
    EXPECT_EQ(config->adapters, (std::vector<std::string>{"hci2", "00:1A:7D:DA:71:13"}));
    EXPECT_EQ(config->maxConnections, 5U);
    EXPECT_EQ(config->clientName, "rig");
    EXPECT_FALSE(config->autoConnect);
    EXPECT_EQ(config->connectTimeout, milliseconds{10000});
    EXPECT_EQ(config->keepAliveInterval, milliseconds{0});
    EXPECT_EQ(config->reconnectInitial, milliseconds{500});
    EXPECT_EQ(config->reconnectMax, milliseconds{8000});
    EXPECT_EQ(config->requestTimeout, milliseconds{2500});
    EXPECT_EQ(config->queueDepth, 8U);
    EXPECT_EQ(config->maxCameras, 4U);
    EXPECT_EQ(config->maxSubscribers, 5U);
    EXPECT_TRUE(config->claimControl);  // issue 15 E
    EXPECT_EQ(config->journalMaxMib, 0U);  // issue 17: no journal
}

TEST(Config, InlineAndDottedTablesAreTables) {
    auto config = parse("requests = { queue_depth = 3 }\nlimits.max_cameras = 2\n");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->queueDepth, 3U);
    EXPECT_EQ(config->maxCameras, 2U);
}

TEST(Config, UnknownKeyErrorNamesFileLineAndKeyAndSuggestsTheRightOne) {
    const auto error = errorOf(parse("[requests]\n\ntimeot_ms = 100\n"));
    EXPECT_THAT(error, HasSubstr("test.conf:3: requests.timeot_ms: unknown key"));
    EXPECT_THAT(error, HasSubstr("did you mean 'timeout_ms'?"));
}

TEST(Config, KeyInTheWrongTableIsSentToItsTable) {
    EXPECT_THAT(errorOf(parse("[daemon]\nsocket = \"/x\"\n")),
                HasSubstr("test.conf:2: daemon.socket: unknown key (it belongs in [api])"));
}

TEST(Config, UnknownTableIsAnError) {
    EXPECT_THAT(errorOf(parse("[logging]\n[loging]\nlevel = \"info\"\n")),
                AllOf(HasSubstr("test.conf:2: [loging]: unknown table"), HasSubstr("did you mean [logging]?")));
}

TEST(Config, KeyOutsideAnyTableIsAnError) {
    EXPECT_THAT(errorOf(parse("state_dir = \"/x\"\n")),
                HasSubstr("test.conf:1: state_dir: unknown key (it belongs in [daemon])"));
}

TEST(Config, TableGivenAsValueIsAWrongType) {
    EXPECT_THAT(errorOf(parse("daemon = 3\n")),
                HasSubstr("test.conf:1: daemon: expected a table ([daemon]), got an integer"));
}

TEST(Config, WrongTypeErrorNamesLineAndKey) {
    EXPECT_THAT(errorOf(parse("[requests]\ntimeout_ms = \"5000\"\n")),
                HasSubstr("test.conf:2: requests.timeout_ms: expected an integer (milliseconds), got a string"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nauto_connect = 1\n")),
                HasSubstr("test.conf:2: bluetooth.auto_connect: expected a boolean (true or false), got an integer"));
    EXPECT_THAT(errorOf(parse("[daemon]\nstate_dir = 5.5\n")),
                HasSubstr("test.conf:2: daemon.state_dir: expected a string, got a float"));
}

TEST(Config, OutOfRangeValuesAreErrors) {
    EXPECT_THAT(errorOf(parse("[requests]\nqueue_depth = 0\n")),
                HasSubstr("test.conf:2: requests.queue_depth: 0 is out of range (1 to 1024)"));
    EXPECT_THAT(errorOf(parse("[journal]\nmax_size_mib = 1025\n")),
                HasSubstr("journal.max_size_mib: 1025 is out of range (0 to 1024)"));
    EXPECT_THAT(errorOf(parse("[limits]\nmax_cameras = 1025\n")),
                HasSubstr("limits.max_cameras: 1025 is out of range (1 to 1024)"));
    EXPECT_THAT(errorOf(parse("[requests]\ntimeout_ms = -1\n")),
                HasSubstr("requests.timeout_ms: -1 ms is out of range (100 to 600000)"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nkeep_alive_interval_ms = 10\n")),
                HasSubstr("10 ms is out of range (500 to 600000, or 0 for off)"));
    EXPECT_THAT(errorOf(parse("[logging]\nlevel = \"loud\"\n")),
                HasSubstr("test.conf:2: logging.level: unknown log level 'loud'"));
}

TEST(Config, EveryProblemIsReportedInLineOrder) {
    const auto error = errorOf(parse("[limits]\nmax_subscribers = 0\nmax_cameras = 0\n[api]\nbogus = 1\n"));
    const auto first = error.find("test.conf:2:");
    const auto second = error.find("test.conf:3:");
    const auto third = error.find("test.conf:5:");
    ASSERT_NE(first, std::string::npos) << error;
    ASSERT_NE(second, std::string::npos) << error;
    ASSERT_NE(third, std::string::npos) << error;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
    EXPECT_THAT(errorOf(parse("[api]\nsocket = \"unterminated\n")), HasSubstr("test.conf:2:"));
    EXPECT_THAT(errorOf(parse("[api]\nsocket_mode = 0660\n")), HasSubstr("test.conf:2:"));  // leading zeros
    EXPECT_THAT(errorOf(parse("[api]\n[api]\n")), HasSubstr("test.conf:2:"));               // redefined table
}

TEST(Config, SocketModeIsOctalAndAtMost0o777) {
    auto config = parse("[api]\nsocket_mode = 0o640\n");
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->socketMode, 0640U);
    // 660 in decimal is 0o1224: the likely mistake, caught by the range.
    EXPECT_THAT(errorOf(parse("[api]\nsocket_mode = 660\n")), HasSubstr("write it in octal: 0o660"));
    EXPECT_THAT(errorOf(parse("[api]\nsocket_mode = \"0660\"\n")), HasSubstr("got a string"));
}

TEST(Config, BareTcpPortListensOnLoopbackOnly) {
    auto config = parse("[api]\ntcp_listen = \"50051\"\n");
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->tcpListen, "127.0.0.1:50051");
    config = parse("[api]\ntcp_listen = \"[::1]:50051\"\n");
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->tcpListen, "[::1]:50051");
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \"::1:50051\"\n")), HasSubstr("in brackets"));
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \"70000\"\n")), HasSubstr("port 1 to 65535"));
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \"host:\"\n")), HasSubstr("port 1 to 65535"));
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \":80\"\n")), HasSubstr("port 1 to 65535"));
}

// issue 17: plaintext TCP stays on this machine; beyond it, mutual TLS.
TEST(Config, LoopbackListenersAreKnownAsSuch) {
    EXPECT_TRUE(isLoopbackListen("127.0.0.1:50051"));
    EXPECT_TRUE(isLoopbackListen("127.3.2.1:1"));
    EXPECT_TRUE(isLoopbackListen("[::1]:50051"));
    EXPECT_TRUE(isLoopbackListen("localhost:50051"));
    EXPECT_FALSE(isLoopbackListen("0.0.0.0:50051"));
    EXPECT_FALSE(isLoopbackListen("[::]:50051"));
    EXPECT_FALSE(isLoopbackListen("128.0.0.1:50051"));
    EXPECT_FALSE(isLoopbackListen("rig-north:50051"));
    EXPECT_FALSE(isLoopbackListen("localhost.example.com:50051"));
}

TEST(Config, TcpBeyondLoopbackWithoutTlsIsRefused) {
    EXPECT_THAT(errorOf(parse("[api]\nsocket_mode = 0o660\ntcp_listen = \"0.0.0.0:50051\"\n")),
                AllOf(HasSubstr("test.conf:3: api.tcp_listen: \"0.0.0.0:50051\" is beyond loopback"),
                      HasSubstr("tls_client_ca")));
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \"192.168.1.20:50051\"\n")), HasSubstr("beyond loopback"));
    EXPECT_TRUE(parse("[api]\ntcp_listen = \"127.0.0.1:50051\"\n").has_value());
    EXPECT_TRUE(parse("[api]\ntcp_listen = \"localhost:50051\"\n").has_value());
}

TEST(Config, TlsTakesThreeAbsolutePathsTogether) {
    const std::string tls = R"(tls_certificate = "/tls/server.pem"
tls_key = "/tls/server.key"
tls_client_ca = "/tls/ca.pem"
)";
    auto config = parse("[api]\ntcp_listen = \"0.0.0.0:50051\"\n" + tls);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->tlsClientCa, "/tls/ca.pem");
    // TLS on loopback is allowed too (the test rigs use it).
    EXPECT_TRUE(parse("[api]\ntcp_listen = \"50051\"\n" + tls).has_value());
    EXPECT_THAT(errorOf(parse("[api]\ntcp_listen = \"0.0.0.0:1\"\ntls_key = \"/k\"\n")),
                HasSubstr("test.conf:3: api.tls_key: tls_certificate, tls_key and tls_client_ca go together"));
    EXPECT_THAT(errorOf(parse("[api]\n" + tls)), HasSubstr("api.tls_certificate: the TLS files are for tcp_listen"));
    EXPECT_THAT(errorOf(parse("[api]\ntls_key = \"server.key\"\n")),
                HasSubstr("api.tls_key: must be an absolute path"));
    // The command line's overrides meet the same check.
    TempDir dir;
    CommandLine commandLine;
    commandLine.configPath = dir.write("goprod.conf", "[api]\ntcp_listen = \"0.0.0.0:50051\"\n");
    commandLine.configExplicit = true;
    EXPECT_THAT(errorOf(loadConfig(commandLine)), HasSubstr("is beyond loopback"));
}

TEST(Config, SocketTakesAPlainPathAndRefusesOthers) {
    auto config = parse("[api]\nsocket = \"/tmp/a.sock\"\n");
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->socket, "unix:/tmp/a.sock");
    EXPECT_EQ(unixSocketPath(config->socket), "/tmp/a.sock");
    EXPECT_THAT(errorOf(parse("[api]\nsocket = \"relative.sock\"\n")), HasSubstr("absolute path"));
    EXPECT_THAT(errorOf(parse("[api]\nsocket = \"unix:relative.sock\"\n")), HasSubstr("absolute path"));
    EXPECT_THAT(errorOf(parse("[api]\nsocket = \"localhost:50051\"\n")), HasSubstr("absolute path"));
    const std::string longPath = "/" + std::string(120, 'a');
    EXPECT_THAT(errorOf(parse("[api]\nsocket = \"" + longPath + "\"\n")),
                HasSubstr("longer than a unix socket allows"));
}

TEST(Config, NamesAndAddressesAreChecked) {
    EXPECT_THAT(errorOf(parse("[bluetooth]\nadapter = \"/org/bluez/hci0\"\n")), HasSubstr("bluetooth.adapter"));
    // issue 16
    EXPECT_THAT(errorOf(parse("[bluetooth]\nadapters = \"hci0\"\n")), HasSubstr("bluetooth.adapters"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nadapters = [\"hci0\", \"/org/bluez/hci1\"]\n")),
                HasSubstr("bluetooth.adapters"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nmax_connections = 0\n")), HasSubstr("bluetooth.max_connections"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nbus = \"system\"\n")), HasSubstr("must be a D-Bus address"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nclient_name = \"\"\n")), HasSubstr("1 to 64 bytes"));
    EXPECT_THAT(errorOf(parse("[api]\nsocket_group = \"-x\"\n")), HasSubstr("group name"));
    EXPECT_THAT(errorOf(parse("[daemon]\nstate_dir = \"var/lib\"\n")), HasSubstr("absolute path"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nclient_name = \"a\\u0000b\"\n")), HasSubstr("control characters"));
}

TEST(Config, ReconnectMaximumBelowTheInitialDelayIsAnError) {
    EXPECT_THAT(errorOf(parse("[bluetooth]\nreconnect_initial_ms = 5000\nreconnect_max_ms = 2000\n")),
                HasSubstr("test.conf:3: bluetooth.reconnect_max_ms: reconnect_max_ms (2000) is less than"));
    EXPECT_THAT(errorOf(parse("[bluetooth]\nreconnect_initial_ms = 100000\n")),
                HasSubstr("test.conf:2: bluetooth.reconnect_initial_ms:"));
}

TEST(ConfigFile, MissingDefaultFileGivesDefaults) {
    TempDir dir;
    auto config = loadConfigFile(dir.path() / "absent.conf", false);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(*config, Config{});
}

TEST(ConfigFile, MissingExplicitFileIsAnError) {
    TempDir dir;
    const auto path = dir.path() / "absent.conf";
    auto config = loadConfigFile(path, true);
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(config.error().message, AllOf(HasSubstr(path.string()), HasSubstr("No such file")));
}

TEST(ConfigFile, DirectoryIsNotAConfigFile) {
    TempDir dir;
    EXPECT_THAT(errorOf(loadConfigFile(dir.path(), false)), HasSubstr("Is a directory"));
}

TEST(ConfigFile, ErrorsNameTheFilePath) {
    TempDir dir;
    const auto path = dir.write("goprod.conf", "[limits]\nmax_cameras = true\n");
    EXPECT_THAT(errorOf(loadConfigFile(path, true)), HasSubstr(path.string() + ":2: limits.max_cameras:"));
}

TEST(CommandLine, NoArgumentsRunsWithTheDefaultFile) {
    const auto cl = parseArgs({});
    EXPECT_EQ(cl.action, CommandLine::Action::Run);
    EXPECT_EQ(cl.configPath, kDefaultConfigPath);
    EXPECT_FALSE(cl.configExplicit);
    EXPECT_TRUE(cl.overrides.empty());
}

TEST(CommandLine, FlagsOverrideTheFile) {
    TempDir dir;
    const auto path = dir.write("goprod.conf", R"(
[daemon]
state_dir = "/from/file"
[logging]
level = "error"
[api]
socket = "unix:/from/file.sock"
[bluetooth]
bus = "unix:path=/from/file"
adapter = "hci3"
)");
    const auto cl = parseArgs({"--config", path.c_str(), "--state-dir", "/from/flag", "--socket=/from/flag.sock",
                               "--log-level", "trace", "--bus", "unix:path=/from/flag"});
    ASSERT_EQ(cl.action, CommandLine::Action::Run) << cl.message;
    EXPECT_TRUE(cl.configExplicit);
    auto config = loadConfig(cl);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->stateDir, "/from/flag");
    EXPECT_EQ(config->socket, "unix:/from/flag.sock");
    EXPECT_EQ(config->logLevel, spdlog::level::trace);
    EXPECT_EQ(config->bus, "unix:path=/from/flag");
    EXPECT_EQ(config->adapter, "hci3");  // no flag: the file's value stays
}

TEST(CommandLine, ExplicitConfigFileMustExist) {
    TempDir dir;
    const auto path = dir.path() / "absent.conf";
    const auto cl = parseArgs({"--config", path.c_str()});
    ASSERT_EQ(cl.action, CommandLine::Action::Run);
    EXPECT_THAT(errorOf(loadConfig(cl)), HasSubstr(path.string()));
}

TEST(CommandLine, HelpPrintsUsageAndExitsZero) {
    for (const char* flag : {"--help", "-h"}) {
        const auto cl = parseArgs({flag});
        EXPECT_EQ(cl.action, CommandLine::Action::Exit);
        EXPECT_EQ(cl.exitCode, 0);
        EXPECT_THAT(cl.message, AllOf(HasSubstr("--config"), HasSubstr("--state-dir"), HasSubstr("--socket"),
                                      HasSubstr("--log-level"), HasSubstr("--bus"), HasSubstr("--version")));
    }
}

TEST(CommandLine, VersionPrintsTheProjectVersionAndExitsZero) {
    const auto cl = parseArgs({"--version"});
    EXPECT_EQ(cl.action, CommandLine::Action::Exit);
    EXPECT_EQ(cl.exitCode, 0);
    EXPECT_EQ(cl.message, "goprod " GOPROD_VERSION "\n");
}

TEST(CommandLine, UsageErrorsExitTwoWithAMessage) {
    const std::vector<std::vector<const char*>> cases = {
        {"--bogus"},
        {"stray"},
        {"--log-level"},
        {"--log-level", "loud"},
        {"--state-dir", "relative"},
        {"--config", ""},
        {"--socket", "tcp:1"},
    };
    for (const auto& args : cases) {
        const auto cl = parseArgs(args);
        EXPECT_EQ(cl.action, CommandLine::Action::Exit) << args.front();
        EXPECT_EQ(cl.exitCode, 2) << args.front();
        EXPECT_THAT(cl.message, AllOf(HasSubstr("goprod: "), HasSubstr("--help"))) << args.front();
    }
    EXPECT_THAT(parseArgs({"--log-level", "loud"}).message, HasSubstr("--log-level: unknown log level 'loud'"));
}

// The example file, as installed: every key, commented out, with its default.
class ExampleFile : public ::testing::Test {
protected:
    std::string text_ = test::readText(GOPROD_EXAMPLE_CONFIG);

    // "key" if the line is a key line ("key = value"), else "".
    static std::string keyOf(std::string_view line) {
        const auto end = line.find(" = ");
        if (end == std::string_view::npos || end == 0) return {};
        const auto name = line.substr(0, end);
        const bool isKey =
            std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
        return isKey ? std::string(name) : std::string();
    }

    // The example with its "#key = value" lines uncommented (prose comments have a
    // space after the '#').
    std::string uncommented() const {
        std::string out;
        std::istringstream lines(text_);
        for (std::string line; std::getline(lines, line);) {
            if (line.size() > 1 && line[0] == '#' && !keyOf(std::string_view(line).substr(1)).empty()) line.erase(0, 1);
            out += line + "\n";
        }
        return out;
    }
};

TEST_F(ExampleFile, ParsesToTheDefaultsAsShipped) {
    ASSERT_FALSE(text_.empty());
    auto config = parseConfig(text_, "goprod.conf");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(*config, Config{});
}

TEST_F(ExampleFile, ShowsTheDefaultOfEveryKey) {
    auto config = parseConfig(uncommented(), "goprod.conf (uncommented)");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(*config, Config{});
}

TEST_F(ExampleFile, ListsEveryKeyOnce) {
    std::vector<std::string> listed;
    std::string table;
    std::istringstream lines(uncommented());
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > 2 && line.front() == '[' && line.back() == ']') table = line.substr(1, line.size() - 2);
        if (auto key = keyOf(line); !key.empty()) listed.push_back(table + "." + key);
    }
    auto expected = configKeys();
    std::sort(expected.begin(), expected.end());
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, expected);
}

// "Live: a reload applies it." in the comment above a key (consecutive keys share
// one comment) exactly for the keys a reload applies.
TEST_F(ExampleFile, MarksTheLiveKeys) {
    std::string table;
    std::string comment;
    bool afterKey = false;
    std::istringstream lines(text_);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
            table = line.substr(1, line.size() - 2);
            comment.clear();
        } else if (line.rfind("# ", 0) == 0) {
            if (afterKey) comment.clear();
            comment += line + "\n";
            afterKey = false;
        } else if (line.size() > 1 && line[0] == '#') {
            if (auto key = keyOf(std::string_view(line).substr(1)); !key.empty()) {
                const std::string name = table + "." + key;
                EXPECT_EQ(comment.find("# Live: a reload applies it.") != std::string::npos, isLiveKey(name)) << name;
                afterKey = true;
            }
        }
    }
}

}  // namespace
}  // namespace goprod::config
