// Unit tests of the reload plan (SIGHUP): which keys a running daemon takes, and
// which changes wait for a restart.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/config/config.h"

namespace goprod::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every key set to something other than its default.
constexpr std::string_view kEveryKeyChanged = R"(
[daemon]
state_dir = "/var/lib/elsewhere"
[logging]
level = "debug"
[api]
socket = "unix:/run/elsewhere.sock"
socket_group = "video"
socket_mode = 0o600
tcp_listen = "50051"
tls_certificate = "/tls/server.pem"
tls_key = "/tls/server.key"
tls_client_ca = "/tls/ca.pem"
[bluetooth]
bus = "unix:path=/tmp/bus"
adapter = "hci1"
adapters = ["hci2"]
max_connections = 5
client_name = "studio"
auto_connect = false
connect_timeout_ms = 10000
keep_alive_interval_ms = 1000
reconnect_initial_ms = 500
reconnect_max_ms = 5000
claim_control = true
[requests]
timeout_ms = 2000
queue_depth = 8
[limits]
max_cameras = 4
max_subscribers = 8
[journal]
max_size_mib = 2
)";

const std::vector<std::string> kLive = {
    "logging.level",
    "bluetooth.max_connections",  // issue 16
    "bluetooth.connect_timeout_ms",
    "bluetooth.keep_alive_interval_ms",
    "bluetooth.reconnect_initial_ms",
    "bluetooth.reconnect_max_ms",
    "requests.timeout_ms",
    "requests.queue_depth",
    "limits.max_cameras",
    "limits.max_subscribers",
};
const std::vector<std::string> kRestart = {
    "daemon.state_dir",        "api.socket",          "api.socket_group",   "api.socket_mode",
    "api.tcp_listen",          "api.tls_certificate", "api.tls_key",        "api.tls_client_ca",
    "bluetooth.bus",           "bluetooth.adapter",   "bluetooth.adapters", "bluetooth.client_name",
    "bluetooth.auto_connect",
    "bluetooth.claim_control",  // issue 15 E
    "journal.max_size_mib",     // issue 17
};

Config everyKeyChanged() {
    auto config = parseConfig(kEveryKeyChanged, "changed.conf");
    EXPECT_TRUE(config) << config.error().message;
    return config ? *config : Config{};
}

TEST(ReloadPlan, AppliesTheLiveKeysAndListsTheOthersForARestart) {
    const Config running;
    const Config next = everyKeyChanged();
    const ReloadPlan plan = planReload(running, next);
    EXPECT_EQ(plan.applied, kLive);
    EXPECT_EQ(plan.needRestart, kRestart);

    Config expected = next;  // the live keys take the new values, the others keep theirs
    expected.stateDir = running.stateDir;
    expected.socket = running.socket;
    expected.socketGroup = running.socketGroup;
    expected.socketMode = running.socketMode;
    expected.tcpListen = running.tcpListen;
    expected.tlsCertificate = running.tlsCertificate;
    expected.tlsKey = running.tlsKey;
    expected.tlsClientCa = running.tlsClientCa;
    expected.bus = running.bus;
    expected.adapter = running.adapter;
    expected.adapters = running.adapters;
    expected.clientName = running.clientName;
    expected.autoConnect = running.autoConnect;
    expected.claimControl = running.claimControl;
    expected.journalMaxMib = running.journalMaxMib;
    EXPECT_EQ(plan.running, expected);
}

TEST(ReloadPlan, EveryKeyIsEitherLiveOrWaitsForARestart) {
    const ReloadPlan plan = planReload(Config{}, everyKeyChanged());
    std::vector<std::string> planned = plan.applied;
    planned.insert(planned.end(), plan.needRestart.begin(), plan.needRestart.end());
    std::sort(planned.begin(), planned.end());
    auto keys = configKeys();
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(planned, keys);
    for (const auto& key : configKeys()) {
        EXPECT_EQ(isLiveKey(key), std::find(kLive.begin(), kLive.end(), key) != kLive.end()) << key;
    }
}

TEST(ReloadPlan, TheSameFilePlansNothing) {
    const Config running = everyKeyChanged();
    const ReloadPlan plan = planReload(running, running);
    EXPECT_THAT(plan.applied, IsEmpty());
    EXPECT_THAT(plan.needRestart, IsEmpty());
    EXPECT_EQ(plan.running, running);
}

TEST(ReloadPlan, ARestartKeyAloneChangesNothingThatRuns) {
    Config running;
    Config next = running;
    next.socket = "unix:/run/elsewhere.sock";
    next.keepAliveInterval = std::chrono::milliseconds{0};
    const ReloadPlan plan = planReload(running, next);
    EXPECT_THAT(plan.applied, ElementsAre("bluetooth.keep_alive_interval_ms"));
    EXPECT_THAT(plan.needRestart, ElementsAre("api.socket"));
    EXPECT_EQ(plan.running.socket, running.socket);
    EXPECT_EQ(plan.running.keepAliveInterval, std::chrono::milliseconds{0});
}

// A key changed back before a restart is no longer reported.
TEST(ReloadPlan, ComparesWithWhatRunsNotWithTheLastFile) {
    const Config started;
    Config edited = started;
    edited.adapter = "hci1";
    const ReloadPlan first = planReload(started, edited);
    EXPECT_THAT(first.needRestart, ElementsAre("bluetooth.adapter"));
    EXPECT_THAT(planReload(first.running, edited).needRestart, ElementsAre("bluetooth.adapter"));
    EXPECT_THAT(planReload(first.running, started).needRestart, IsEmpty());
}

}  // namespace
}  // namespace goprod::config
