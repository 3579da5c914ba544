// Unit tests of client/output and client/exit_codes: table layout, escaping,
// skew, JSON lines, the progress line, and the status -> exit code mapping.
#include "client/output.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/exit_codes.h"
#include "client/values.h"
#include "protocol/settings.h"

namespace goprod::client {
namespace {

using ::testing::ElementsAre;

TEST(Table, PadsColumnsToTheWidestCellWithoutTrailingBlanks) {
    Table table({"A", "LONG HEADER", "N"});
    table.alignRight(2);
    table.addRow({"wide cell", "x", "7"});
    table.addRow({"b", "", "1234"});
    std::ostringstream out;
    table.print(out);
    EXPECT_EQ(out.str(),
              "A          LONG HEADER     N\n"
              "wide cell  x               7\n"
              "b                       1234\n");
}

TEST(Table, CountsUtf8CharactersNotBytes) {
    Table table({"SSID", "X"});
    table.addRow({"Café", "1"});
    table.addRow({"Cafe", "2"});
    std::ostringstream out;
    table.print(out);
    EXPECT_EQ(out.str(), "SSID  X\nCafé  1\nCafe  2\n");
    EXPECT_EQ(displayWidth("Café"), 4U);
}

TEST(Table, ShortRowsArePadded) {
    Table table({"A", "B"});
    table.addRow({"only"});
    std::ostringstream out;
    table.print(out);
    EXPECT_EQ(out.str(), "A     B\nonly\n");
}

TEST(Printable, EscapesControlBytesAndInvalidUtf8) {
    EXPECT_EQ(printable("GP24500456"), "GP24500456");
    EXPECT_EQ(printable("Café ☕"), "Café ☕");
    EXPECT_EQ(printable(std::string("a\x1b[2Jb", 6)), "a\\x1b[2Jb");
    EXPECT_EQ(printable(std::string("\xff\xc3", 2)), "\\xff\\xc3");
    EXPECT_EQ(printable("back\\slash"), "back\\x5cslash");  // escapes stay unambiguous
    EXPECT_EQ(printable(std::string("\0", 1)), "\\x00");
}

TEST(Skew, MaxMinusMinOfSentTimes) {
    v1::MultiResult result;
    auto add = [&](std::int64_t seconds, std::int32_t nanos) {
        auto* camera = result.add_results();
        camera->mutable_sent()->set_seconds(seconds);
        camera->mutable_sent()->set_nanos(nanos);
    };
    EXPECT_FALSE(startSkew(result));
    add(100, 999'000'000);
    EXPECT_FALSE(startSkew(result));  // one camera: nothing to compare
    add(101, 1'500'000);
    result.add_results();  // a camera that never sent does not count
    add(101, 0);
    EXPECT_EQ(startSkew(result), std::chrono::microseconds(2500));
    EXPECT_EQ(milliseconds(*startSkew(result)), "2.5 ms");
}

TEST(Output, StateNamesAndClockTimes) {
    EXPECT_EQ(stateName(v1::CAMERA_STATE_READY), "ready");
    EXPECT_EQ(stateName(v1::CAMERA_STATE_LINK_LOST), "link lost");
    EXPECT_EQ(stateName(v1::CAMERA_STATE_RESOLVING_SERVICES), "resolving services");
    EXPECT_EQ(clockTime(google::protobuf::Timestamp{}), "-");
}

TEST(Output, JsonLineIsOneLineOfTheProtoMapping) {
    v1::CameraResult result;
    result.set_identifier("0456");
    result.set_camera_status(2);
    const std::string json = jsonLine(result);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    EXPECT_EQ(json, R"({"identifier":"0456","code":0,"message":"","cameraStatus":2})");
}

TEST(Output, ValuesFallBackToTheProtocolTables) {
    v1::Value value;
    value.set_id(2);
    value.set_raw(std::string("\x09", 1));
    EXPECT_EQ(valueName(value, true), "Video Resolution");
    EXPECT_EQ(valueText(value, true), "9 (1080)");
    value.set_display("shown as is");
    EXPECT_EQ(valueText(value, true), "shown as is");
    v1::Value text;
    text.set_id(200);
    text.set_text("hello");
    EXPECT_EQ(valueText(text, false), "\"hello\"");
}

TEST(Progress, TerminalRedrawsInPlaceOtherwisePlainLines) {
    std::ostringstream terminal;
    {
        Progress progress(terminal, true);
        progress.update("one");
        progress.update("one");  // unchanged: not drawn again
        progress.update("two");
    }
    EXPECT_EQ(terminal.str(), "\r\033[Kone\r\033[Ktwo\r\033[K");

    std::ostringstream log;
    {
        Progress progress(log, false);
        progress.update("one");
        progress.update("two");
    }
    EXPECT_EQ(log.str(), "one\ntwo\n");

    std::ostringstream quiet;
    Progress(quiet, true, false).update("nothing");
    EXPECT_EQ(quiet.str(), "");
}

TEST(ExitCodes, OneMappingForStatusesAndCameraResults) {
    EXPECT_EQ(exitCodeFor(grpc::StatusCode::OK), 0);
    EXPECT_EQ(exitCodeFor(grpc::StatusCode::NOT_FOUND), 3);
    EXPECT_EQ(exitCodeFor(9), 4);   // FAILED_PRECONDITION from CameraResult.code
    EXPECT_EQ(exitCodeFor(-1), 1);  // not a google.rpc.Code
    EXPECT_EQ(exitCodeFor(100), 1);
    EXPECT_EQ(outcomeWord(0), "ok");
    EXPECT_EQ(outcomeWord(9), "rejected");
    EXPECT_EQ(outcomeWord(8), "busy");
    EXPECT_EQ(statusCodeName(14), "UNAVAILABLE");
    EXPECT_EQ(statusCodeName(16), "UNAUTHENTICATED");
    EXPECT_EQ(statusCodeName(17), "UNKNOWN");
}

// The completion script lists values by hand; each must be one goproctl accepts.
TEST(Completion, EveryValueTheScriptOffersIsAccepted) {
    std::ifstream file(GOPROCTL_COMPLETION);
    ASSERT_TRUE(file) << GOPROCTL_COMPLETION;
    const std::string script((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    // std::regex would do, but GCC 12 warns inside it under the sanitizers.
    auto words = [&](const std::string& variable) {
        const std::string key = "local " + variable + "=\"";
        const auto begin = script.find(key);
        EXPECT_NE(begin, std::string::npos) << variable;
        std::vector<std::string> out;
        if (begin == std::string::npos) return out;
        const auto first = begin + key.size();
        std::istringstream in(script.substr(first, script.find('"', first) - first));
        for (std::string word; in >> word;) out.push_back(word);
        return out;
    };
    for (const auto& name : words("resolutions")) EXPECT_TRUE(resolutionSetting(name)) << name;
    for (const auto& name : words("fps")) EXPECT_TRUE(fpsSetting(name)) << name;
    for (const auto& name : words("kinds")) EXPECT_TRUE(parseEventKind(name)) << name;
    for (const auto& name : words("characteristics")) EXPECT_TRUE(parseCharacteristic(name)) << name;
    // And every frame rate of the table is offered.
    const auto offered = words("fps");
    for (const auto& value : protocol::findSetting(3)->values) {
        EXPECT_NE(std::find(offered.begin(), offered.end(), value.name), offered.end()) << value.name;
    }
}

v1::DaemonStatus healthyStatus() {
    v1::DaemonStatus status;
    status.set_bluez_running(true);
    auto* adapter = status.add_adapters();
    adapter->set_name("hci0");
    adapter->set_address("00:1A:7D:DA:71:13");
    adapter->set_powered(true);
    adapter->set_used(true);
    status.mutable_streams()->set_limit(64);
    status.mutable_cameras()->set_limit(64);
    return status;
}

TEST(DaemonStatus, HealthyHasNothingToDo) {
    EXPECT_THAT(daemonProblems(healthyStatus()), ::testing::IsEmpty());
    EXPECT_TRUE(camerasReachable(healthyStatus()));
}

TEST(DaemonStatus, WithoutBluezSaysToStartItAndNothingIsReachable) {
    v1::DaemonStatus status;
    EXPECT_THAT(daemonProblems(status), ElementsAre("BlueZ is not running: systemctl start bluetooth"));
    EXPECT_FALSE(camerasReachable(status));
}

TEST(DaemonStatus, APoweredOffAdapterSaysToPowerItOn) {
    auto status = healthyStatus();
    status.mutable_adapters(0)->set_powered(false);
    EXPECT_THAT(daemonProblems(status),
                ElementsAre("adapter hci0 is powered off: bluetoothctl power on (or rfkill unblock bluetooth)"));
    EXPECT_FALSE(camerasReachable(status));
}

TEST(DaemonStatus, NoAdapterOrNoneGoprodMayUseIsSaid) {
    auto none = healthyStatus();
    none.clear_adapters();
    ASSERT_EQ(daemonProblems(none).size(), 1U);
    EXPECT_THAT(daemonProblems(none)[0], ::testing::StartsWith("no adapter: "));
    EXPECT_FALSE(camerasReachable(none));

    auto other = healthyStatus();
    other.mutable_adapters(0)->set_used(false);
    ASSERT_EQ(daemonProblems(other).size(), 1U);
    EXPECT_THAT(daemonProblems(other)[0], ::testing::HasSubstr("[bluetooth] adapter"));
    EXPECT_FALSE(camerasReachable(other));
}

// issue 16: goproctl adapters
TEST(DaemonStatus, AdaptersInNameOrderWithStateBudgetAndCameras) {
    auto status = healthyStatus();
    auto adapter = [&](const std::string& name, bool used, bool powered, unsigned budget,
                       std::vector<std::string> cameras) {
        auto* a = status.add_adapters();
        a->set_name(name);
        a->set_address("00:1A:7D:DA:71:" + name.substr(3));
        a->set_used(used);
        a->set_powered(powered);
        a->set_budget(budget);
        a->set_connections(static_cast<std::uint32_t>(cameras.size()));
        for (const auto& id : cameras) a->add_cameras(id);
        return a;
    };
    status.mutable_adapters(0)->set_budget(7);
    status.mutable_adapters(0)->set_connections(1);
    status.mutable_adapters(0)->add_cameras("0456");
    adapter("hci10", true, true, 2, {"0457", "0458"})->set_budget_lowered(true);
    adapter("hci2", true, false, 7, {});
    adapter("hci3", false, true, 7, {});
    std::ostringstream out;
    printAdapters(out, status);
    EXPECT_EQ(out.str(),
              "ADAPTER  ADDRESS            STATE                            CONNECTIONS  CAMERAS\n"
              "hci0     00:1A:7D:DA:71:13  has room                         1/7          0456\n"
              "hci2     00:1A:7D:DA:71:2   powered off                      0/7          -\n"
              "hci3     00:1A:7D:DA:71:3   not used ([bluetooth] adapters)  0/7          -\n"
              "hci10    00:1A:7D:DA:71:10  full                             2/2 lowered  0457 0458\n");
}

// issue 17
TEST(DaemonStatus, TheClockLineSaysWhetherItIsSynchronizedAndItsOffsetFromHere) {
    auto status = healthyStatus();
    status.mutable_clock()->set_seconds(1'700'000'000);
    EXPECT_THAT(clockText(status, std::nullopt), ::testing::EndsWith(", synchronisation unknown"));
    status.mutable_clock_sync()->set_known(true);
    EXPECT_THAT(clockText(status, std::nullopt), ::testing::HasSubstr(", not synchronized (no time daemon"));
    status.mutable_clock_sync()->set_synchronized(true);
    status.mutable_clock_sync()->mutable_estimated_error()->set_nanos(500'000);
    const ClockOffset offset{std::chrono::microseconds(-230), std::chrono::microseconds(180)};
    EXPECT_THAT(clockText(status, offset), ::testing::EndsWith(", synchronized (estimated error 0.5 ms), offset from "
                                                               "this machine -230 µs (within 90 µs)"));
}

TEST(DaemonStatus, LimitsReachedAreSaidButCamerasStayReachable) {
    auto status = healthyStatus();
    status.mutable_streams()->set_count(64);
    EXPECT_THAT(daemonProblems(status), ElementsAre(::testing::HasSubstr("max_subscribers")));
    EXPECT_TRUE(camerasReachable(status));
}

TEST(DaemonStatus, UptimeInHoursMinutesSecondsAndDays) {
    google::protobuf::Duration uptime;
    uptime.set_seconds(3725);
    EXPECT_EQ(uptimeText(uptime), "01:02:05");
    uptime.set_seconds(2 * 86400 + 59);
    EXPECT_EQ(uptimeText(uptime), "2 d 00:00:59");
}

TEST(DaemonStatus, PrintsTheSummaryAndTheAdapters) {
    auto status = healthyStatus();
    status.set_version("0.1.0");
    status.set_cameras_known(1);
    status.mutable_adapters(0)->set_budget(7);  // issue 16
    status.mutable_adapters(0)->set_connections(2);
    std::ostringstream out;
    printDaemonStatus(out, status);
    EXPECT_THAT(out.str(), ::testing::HasSubstr("goprod   0.1.0\n"));
    EXPECT_THAT(out.str(), ::testing::HasSubstr("BlueZ    running\n"));
    EXPECT_THAT(out.str(), ::testing::HasSubstr("cameras  1 known, 0 connected, 0 ready (0 of 64 tracked)\n"));
    EXPECT_THAT(out.str(), ::testing::HasSubstr("USED  CONNECTIONS\n"));
    EXPECT_THAT(out.str(), ::testing::HasSubstr("hci0     00:1A:7D:DA:71:13  yes      no           yes   2/7\n"));
}

}  // namespace
}  // namespace goprod::client
