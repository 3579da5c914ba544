// issue 17: goproctl --rig: the rig file, the merged output, the rig's exit
// code, and runRig() on two gMock stubs (one host down, a clock off).
#include "client/rig.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/exit_codes.h"
#include "goprod_mock.grpc.pb.h"

namespace goprod::client {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrictMock;

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string errorOf(const Parsed<RigFile>& parsed) {
    EXPECT_FALSE(parsed);
    return parsed ? std::string() : parsed.error();
}

TEST(RigFile, ListsEachDaemonWithItsTargetAndTlsFilesFromTheRigFilesFolder) {
    auto rig = parseRigFile(R"(clock_warning_ms = 2
[[daemon]]
name = "north"
target = "rig-north:50051"
tls_ca = "tls/ca.pem"
tls_cert = "tls/client.pem"
tls_key = "/etc/goprod/client.key"
tls_server_name = "north.rig"
[[daemon]]
name = "local"
target = "/run/goprod/goprod.sock"
[[daemon]]
name = "v6"
target = "ipv6:[::1]:50051"
)",
                            "/home/me/rigs", "rig.toml");
    ASSERT_TRUE(rig) << rig.error();
    EXPECT_EQ(rig->clockWarning, std::chrono::milliseconds(2));
    ASSERT_EQ(rig->daemons.size(), 3U);
    EXPECT_EQ(rig->daemons[0].name, "north");
    EXPECT_EQ(rig->daemons[0].target, "dns:rig-north:50051");
    EXPECT_EQ(rig->daemons[0].tls.ca, "/home/me/rigs/tls/ca.pem");
    EXPECT_EQ(rig->daemons[0].tls.cert, "/home/me/rigs/tls/client.pem");
    EXPECT_EQ(rig->daemons[0].tls.key, "/etc/goprod/client.key");
    EXPECT_EQ(rig->daemons[0].tls.serverName, "north.rig");
    EXPECT_EQ(rig->daemons[1].target, "unix:/run/goprod/goprod.sock");
    EXPECT_FALSE(rig->daemons[1].tls.enabled());
    EXPECT_EQ(rig->daemons[2].target, "ipv6:[::1]:50051");

    auto defaults = parseRigFile("[[daemon]]\nname = \"a\"\ntarget = \"a:1\"\n", "/", "rig.toml");
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_EQ(defaults->clockWarning, std::chrono::milliseconds(5));
}

TEST(RigFile, MistakesAreNamedWithTheirLine) {
    EXPECT_THAT(errorOf(parseRigFile("clock_warning_ms = 5\n", "/", "rig.toml")), HasSubstr("no [[daemon]] tables"));
    EXPECT_THAT(errorOf(parseRigFile("[[daemon]]\nname = \"a\"\n", "/", "rig.toml")),
                HasSubstr("rig.toml:1: daemon a: target is missing"));
    EXPECT_THAT(errorOf(parseRigFile("[[daemon]]\ntarget = \"a:1\"\n", "/", "rig.toml")),
                HasSubstr("every daemon needs a name"));
    EXPECT_THAT(
        errorOf(parseRigFile("[[daemon]]\nname = \"a\"\ntarget = \"a:1\"\n[[daemon]]\nname = \"a\"\ntarget = \"b:1\"\n",
                             "/", "rig.toml")),
        HasSubstr("rig.toml:4: daemon \"a\" is listed twice"));
    EXPECT_THAT(errorOf(parseRigFile("[[daemon]]\nname = \"a\"\ntarget = \"a:1\"\ntls_crt = \"x\"\n", "/", "rig.toml")),
                HasSubstr("rig.toml:4: tls_crt: unknown key"));
    EXPECT_THAT(
        errorOf(parseRigFile("[[daemon]]\nname = \"a\"\ntarget = \"a:1\"\ntls_cert = \"c\"\ntls_key = \"k\"\n", "/",
                             "rig.toml")),
        HasSubstr("tls_cert and tls_key go with tls_ca"));
    EXPECT_THAT(errorOf(parseRigFile("[[daemon]]\nname = \"a\"\ntarget = \"/run/x.sock\"\ntls_ca = \"ca\"\n", "/",
                                     "rig.toml")),
                HasSubstr("TLS is for TCP targets"));
    EXPECT_THAT(errorOf(parseRigFile("clock_warning_ms = -1\n[[daemon]]\nname = \"a\"\ntarget = \"a:1\"\n", "/",
                                     "rig.toml")),
                HasSubstr("rig.toml:1: clock_warning_ms"));
    EXPECT_THAT(errorOf(parseRigFile("[[daemon]\n", "/", "rig.toml")), HasSubstr("rig.toml:1: syntax error"));
}

TEST(RigOutput, TablesOfOneKindAreOneTableWithAHostColumn) {
    HostOutput north{"north", kExitOk, "north: note\n", "", {}, {}};
    Table one({"CAMERA", "RESULT", "LATENCY", "OFFSET"});
    one.alignRight(2);
    one.addRow({"0702", "ok", "1.2 ms", "+0.0 ms"});
    one.addRow({"0703", "ok", "1.3 ms", "+0.1 ms"});
    north.tables.push_back(one);
    // One camera: no OFFSET column on that host.
    HostOutput south{"south", kExitOk, "", "", {}, {}};
    Table two({"CAMERA", "RESULT", "LATENCY"});
    two.alignRight(2);
    two.addRow({"0704", "ok", "10.5 ms"});
    south.tables.push_back(two);
    std::ostringstream out, err;
    printRigOutput({north, south}, out, err);
    EXPECT_THAT(lines(out.str()), ElementsAre("HOST   CAMERA  RESULT  LATENCY  OFFSET",  //
                                              "north  0702    ok       1.2 ms  +0.0 ms",  //
                                              "north  0703    ok       1.3 ms  +0.1 ms",  //
                                              "south  0704    ok      10.5 ms  -",        //
                                              "north: north: note"));
    EXPECT_EQ(err.str(), "");
}

TEST(RigOutput, JsonLinesGetTheHostAndErrorsNameIt) {
    HostOutput north{"north", kExitOk, "{\"cameras\":[]}\n{}\n", "", {}, {}};
    HostOutput south{"south", kExitUnavailable, "", "goproctl: cannot reach goprod\nprogress\n", {}, {}};
    std::ostringstream out, err;
    printRigOutput({north, south}, out, err);
    EXPECT_THAT(lines(out.str()), ElementsAre("{\"host\":\"north\",\"cameras\":[]}", "{\"host\":\"north\"}"));
    EXPECT_THAT(lines(err.str()), ElementsAre("goproctl: south: cannot reach goprod", "south: progress"));
}

TEST(RigOutput, WritesTimedOnSeveralHostsGiveTheRigsStartSkew) {
    auto sentAt = [](std::vector<std::int32_t> nanos) {
        v1::MultiResult result;
        for (auto n : nanos) {
            auto* camera = result.add_results();
            camera->mutable_sent()->set_seconds(100);
            camera->mutable_sent()->set_nanos(n);
        }
        result.add_results()->set_identifier("never sent");
        return result;
    };
    HostOutput north{"north", kExitOk, "", "", {}, {sentAt({1'000'000, 1'500'000})}};
    HostOutput south{"south", kExitOk, "", "", {}, {sentAt({3'000'000})}};
    HostOutput down{"down", kExitUnavailable, "", "goproctl: cannot reach goprod\n", {}, {}};
    std::ostringstream out, err;
    printRigOutput({north, south, down}, out, err);
    EXPECT_EQ(out.str(), "rig start skew: 2.0 ms across 3 cameras on 2 hosts (each host's clock)\n");
    // One host: its own skew line says it all.
    std::ostringstream one;
    printRigOutput({north, down}, one, err);
    EXPECT_EQ(one.str(), "");
}

TEST(RigOutput, TheMostSeriousHostCodeIsTheRigs) {
    auto code = [](std::vector<int> codes) {
        std::vector<HostOutput> hosts;
        for (int c : codes) hosts.push_back({"h", c, "", "", {}, {}});
        return rigExitCode(hosts);
    };
    EXPECT_EQ(code({kExitOk, kExitOk}), kExitOk);
    EXPECT_EQ(code({kExitNotFound, kExitUnavailable, kExitOk}), kExitUnavailable);
    EXPECT_EQ(code({kExitUsage, kExitRejected}), kExitRejected);
    EXPECT_EQ(code({kExitTimeout, kExitCancelled}), kExitCancelled);
    EXPECT_EQ(code({kExitOk, kExitBusy}), kExitBusy);
}

google::protobuf::Timestamp timestamp(std::chrono::system_clock::time_point when) {
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    google::protobuf::Timestamp out;
    out.set_seconds(nanos / 1'000'000'000);
    out.set_nanos(static_cast<std::int32_t>(nanos % 1'000'000'000));
    return out;
}

class RigRun : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
    }
    std::vector<RigHost> hosts() {
        return {{"north", "dns:north:1", true, &north_, {}, {}}, {"south", "dns:south:1", true, &south_, {}, [] {
                     return false;  // never connected: the daemon is down
                 }}};
    }
    StrictMock<v1::MockGoprodStub> north_;
    StrictMock<v1::MockGoprodStub> south_;
    CallCanceller canceller_;
    std::ostringstream out_, err_;
};

TEST_F(RigRun, AHostThatIsDownIsReportedAndTheOthersResultsPrinted) {
    v1::ListCamerasResponse listed;
    listed.add_cameras()->set_identifier("0702");
    EXPECT_CALL(north_, ListCameras(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(listed), Return(grpc::Status::OK)));
    EXPECT_CALL(south_, ListCameras(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect; last error: Connection refused")));
    Invocation invocation;
    invocation.command = Command::List;
    EXPECT_EQ(runRig(invocation, hosts(), std::chrono::milliseconds(5), &canceller_, out_, err_), kExitUnavailable);
    const auto printed = lines(out_.str());
    ASSERT_EQ(printed.size(), 2U) << out_.str();
    EXPECT_THAT(printed[0], AllOf(HasSubstr("HOST"), HasSubstr("IDENTIFIER")));
    EXPECT_THAT(printed[1], HasSubstr("north  0702"));
    EXPECT_EQ(err_.str(),
              "goproctl: south: cannot reach goprod at dns:south:1 over TLS (is the daemon running, and do its CA and "
              "this client's certificate match?): Connection refused\n");
}

TEST_F(RigRun, APlannedStartWarnsAboutAHostWhoseClockIsOffAndStartsEveryHostAtTheSameInstant) {
    const auto startAt = std::chrono::system_clock::now() + std::chrono::seconds(3);
    auto answerClock = [](std::chrono::seconds off) {
        return [off](grpc::ClientContext*, const v1::GetDaemonStatusRequest&, v1::DaemonStatus* status) {
            *status->mutable_clock() = timestamp(std::chrono::system_clock::now() + off);
            return grpc::Status::OK;
        };
    };
    EXPECT_CALL(north_, GetDaemonStatus(_, _, _)).Times(2).WillRepeatedly(Invoke(answerClock(std::chrono::seconds(0))));
    EXPECT_CALL(south_, GetDaemonStatus(_, _, _)).Times(2).WillRepeatedly(Invoke(answerClock(std::chrono::seconds(1))));
    v1::SetShutterRequest northSent, southSent;
    EXPECT_CALL(north_, SetShutter(_, _, _)).WillOnce(DoAll(::testing::SaveArg<1>(&northSent), Return(grpc::Status::OK)));
    EXPECT_CALL(south_, SetShutter(_, _, _)).WillOnce(DoAll(::testing::SaveArg<1>(&southSent), Return(grpc::Status::OK)));
    Invocation invocation;
    invocation.command = Command::Shutter;
    invocation.on = true;
    invocation.all = true;
    invocation.startAt = startAt;
    EXPECT_EQ(runRig(invocation, hosts(), std::chrono::milliseconds(5), &canceller_, out_, err_), kExitOk);
    EXPECT_THAT(err_.str(), AllOf(HasSubstr("goproctl: warning: south: its clock is +1000"),
                                  HasSubstr("more than the rig's 5.0 ms"), Not(HasSubstr("north"))));
    EXPECT_EQ(northSent.start_at().SerializeAsString(), timestamp(startAt).SerializeAsString());
    EXPECT_EQ(southSent.start_at().SerializeAsString(), timestamp(startAt).SerializeAsString());
    EXPECT_TRUE(northSent.target().all());
}

}  // namespace
}  // namespace goprod::client
