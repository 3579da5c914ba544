// Unit tests of client/commands against gMock's MockGoprodStub: the request
// fields each command sends, what it prints (tables, JSON lines, progress),
// streams through mocked ClientReaders, and the exit code of every outcome.
#include "client/commands.h"

#include <sstream>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/test/mock_stream.h>
#include <gtest/gtest.h>

#include "client/cli.h"
#include "client/exit_codes.h"
#include "goprod_mock.grpc.pb.h"

namespace goprod::client {
namespace {

using ::grpc::testing::MockClientReader;
using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;
using ::testing::StrictMock;

google::protobuf::Timestamp at(std::int64_t seconds, std::int32_t nanos) {
    google::protobuf::Timestamp time;
    time.set_seconds(seconds);
    time.set_nanos(nanos);
    return time;
}

v1::CameraResult ok(const std::string& identifier) {
    v1::CameraResult result;
    result.set_identifier(identifier);
    return result;
}

v1::CameraResult failed(const std::string& identifier, grpc::StatusCode code, const std::string& message) {
    v1::CameraResult result = ok(identifier);
    result.set_code(static_cast<int>(code));
    result.set_message(message);
    return result;
}

v1::Camera camera(const std::string& identifier, v1::CameraState state) {
    v1::Camera c;
    c.set_identifier(identifier);
    c.set_address("AA:BB:CC:DD:" + identifier.substr(0, 2) + ":" + identifier.substr(2, 2));
    c.set_name("GoPro " + identifier);
    c.set_state(state);
    return c;
}

// Splits output into lines (without the newline).
std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

class Commands : public ::testing::Test {
protected:
    void SetUp() override {
        // Tables print local times; make them the same everywhere.
        setenv("TZ", "UTC", 1);
        tzset();
    }

    // goproctl ARGS... against the mock: parse, then run. Strict: an RPC the
    // test did not expect fails it, so a usage error provably sends nothing.
    int goproctl(const std::vector<std::string>& args) {
        auto parsed = parseCommandLine(args, {}, out_, err_);
        if (!parsed.invocation) return parsed.exitCode;
        return run(*parsed.invocation, session_);
    }

    std::string out() const { return out_.str(); }
    std::string err() const { return err_.str(); }

    StrictMock<v1::MockGoprodStub> stub_;
    std::ostringstream out_;
    std::ostringstream err_;
    CallCanceller canceller_;
    Session session_{stub_, out_, err_};

    Commands() { session_.canceller = &canceller_; }
};

// ---- request fields ----

TEST_F(Commands, SetResolutionSendsTheTypedField) {
    v1::SetSettingRequest sent;
    v1::MultiResult result;
    *result.add_results() = ok("0456");
    EXPECT_CALL(stub_, SetSetting(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(result), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"set", "resolution", "1080", "-i", "0456"}), kExitOk);
    EXPECT_EQ(sent.setting_case(), v1::SetSettingRequest::kResolution);
    EXPECT_EQ(sent.resolution(), v1::VIDEO_RESOLUTION_1080);
    EXPECT_THAT(sent.target().cameras(), ElementsAre("0456"));
    EXPECT_FALSE(sent.target().all());
    EXPECT_THAT(lines(out()), ElementsAre("CAMERA  RESULT", "0456    ok"));
}

TEST_F(Commands, SetFps240SendsTheZeroEnumValueAsSet) {
    v1::SetSettingRequest sent;
    EXPECT_CALL(stub_, SetSetting(_, _, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"--all", "set", "fps", "240"}), kExitOk);
    EXPECT_EQ(sent.setting_case(), v1::SetSettingRequest::kFps);
    EXPECT_EQ(sent.fps(), v1::FRAMES_PER_SECOND_240);
    EXPECT_TRUE(sent.target().all());
}

TEST_F(Commands, GenericSetSendsIdAndValue) {
    v1::SetSettingRequest sent;
    EXPECT_CALL(stub_, SetSetting(_, _, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"set", "3", "60"}), kExitOk);
    ASSERT_TRUE(sent.has_generic());
    EXPECT_EQ(sent.generic().id(), 3U);
    EXPECT_EQ(sent.generic().value(), 5U);
}

TEST_F(Commands, BadValuesMakeNoRpc) {
    // StrictMock: any call would fail the test.
    EXPECT_EQ(goproctl({"set", "resolution", "1081"}), kExitUsage);
    EXPECT_EQ(goproctl({"raw", "command", "zz"}), kExitUsage);
    EXPECT_EQ(goproctl({"preset-group", "movie"}), kExitUsage);
    EXPECT_EQ(goproctl({"wifi", "connect", ""}), kExitUsage);
    EXPECT_EQ(out(), "");
}

TEST_F(Commands, WifiConnectWithoutPasswordSendsNoPasswordField) {
    v1::ConnectNetworkRequest sent;
    auto* reader = new MockClientReader<v1::ConnectNetworkProgress>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ConnectNetworkRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"wifi", "connect", "HomeNet", "-i", "0456"}), kExitOk);
    EXPECT_EQ(sent.camera(), "0456");
    EXPECT_EQ(sent.ssid(), "HomeNet");
    EXPECT_FALSE(sent.has_password());
}

TEST_F(Commands, WifiConnectWithPasswordSendsIt) {
    v1::ConnectNetworkRequest sent;
    auto* reader = new MockClientReader<v1::ConnectNetworkProgress>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ConnectNetworkRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"wifi", "connect", "HomeNet", "secret"}), kExitOk);
    ASSERT_TRUE(sent.has_password());
    EXPECT_EQ(sent.password(), "secret");
    EXPECT_EQ(sent.camera(), "");  // goprod's default camera
}

TEST_F(Commands, WifiConnectSaysWhenTheCameraUsesItsSavedPassword) {
    v1::ConnectNetworkProgress connected;
    connected.set_step(v1::ConnectNetworkProgress::STEP_CONNECTED);
    connected.set_saved_password(true);
    auto* reader = new MockClientReader<v1::ConnectNetworkProgress>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(DoAll(SetArgPointee<0>(connected), Return(true))).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ConnectNetworkRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"wifi", "connect", "HomeNet", "secret"}), kExitOk);
    EXPECT_THAT(out(), HasSubstr("the camera uses its saved password (the password given was not used)\n"));
}

TEST_F(Commands, RawSendsTheCharacteristicAndBytesAndPrintsTheResponseInHex) {
    v1::SendRawRequest sent;
    v1::SendRawResponse response;
    response.set_response(std::string("\x01\x01\x00", 3));
    EXPECT_CALL(stub_, SendRaw(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"raw", "command", "03010101", "-i", "0456"}), kExitOk);
    EXPECT_EQ(sent.characteristic(), v1::CHARACTERISTIC_COMMAND);
    EXPECT_EQ(sent.message(), std::string("\x03\x01\x01\x01", 4));
    EXPECT_EQ(sent.camera(), "0456");
    EXPECT_EQ(out(), "01 01 00\n");
}

TEST_F(Commands, RawReportsACameraFailureInTheResponse) {
    v1::SendRawResponse response;
    *response.mutable_result() = failed("0456", grpc::StatusCode::FAILED_PRECONDITION, "camera status 2");
    EXPECT_CALL(stub_, SendRaw(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"raw", "settings", "02 01 09"}), kExitRejected);
    EXPECT_EQ(err(), "goproctl: 0456: camera status 2\n");
}

TEST_F(Commands, ControlRequests) {
    v1::LoadPresetGroupRequest group;
    v1::LoadPresetRequest preset;
    v1::SetKeepAliveRequest keepAlive;
    v1::SetDateTimeRequest dateTime;
    v1::SetApRequest ap;
    v1::CameraRequest sleep;
    v1::CameraRequest analytics;
    EXPECT_CALL(stub_, LoadPresetGroup(_, _, _)).WillOnce(DoAll(SaveArg<1>(&group), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, LoadPreset(_, _, _)).WillOnce(DoAll(SaveArg<1>(&preset), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetKeepAlive(_, _, _)).WillOnce(DoAll(SaveArg<1>(&keepAlive), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetDateTime(_, _, _)).WillOnce(DoAll(SaveArg<1>(&dateTime), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetAp(_, _, _)).WillOnce(DoAll(SaveArg<1>(&ap), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, Sleep(_, _, _)).WillOnce(DoAll(SaveArg<1>(&sleep), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, EnableAnalytics(_, _, _)).WillOnce(DoAll(SaveArg<1>(&analytics), Return(grpc::Status::OK)));

    EXPECT_EQ(goproctl({"preset-group", "video", "-i", "0456"}), kExitOk);
    EXPECT_EQ(group.group(), v1::PRESET_GROUP_VIDEO);
    EXPECT_EQ(static_cast<int>(group.group()), 1000);
    EXPECT_EQ(goproctl({"preset", "0x40000001"}), kExitOk);
    EXPECT_EQ(preset.preset(), 0x40000001U);
    EXPECT_EQ(goproctl({"keep-alive", "3"}), kExitOk);
    EXPECT_EQ(keepAlive.interval().seconds(), 3);
    EXPECT_EQ(goproctl({"date-time", "--utc-offset", "-300", "--dst"}), kExitOk);
    EXPECT_FALSE(dateTime.has_time());  // goprod takes "now" when it sends
    ASSERT_TRUE(dateTime.has_utc_offset_minutes());
    EXPECT_EQ(dateTime.utc_offset_minutes(), -300);
    EXPECT_TRUE(dateTime.dst());
    EXPECT_EQ(goproctl({"wifi", "ap", "on", "--all"}), kExitOk);
    EXPECT_TRUE(ap.on());
    EXPECT_TRUE(ap.target().all());
    EXPECT_EQ(goproctl({"sleep", "-i", "0456", "-i", "1234"}), kExitOk);
    EXPECT_THAT(sleep.cameras(), ElementsAre("0456", "1234"));
    EXPECT_EQ(goproctl({"analytics"}), kExitOk);
    EXPECT_TRUE(analytics.cameras().empty());
    EXPECT_FALSE(analytics.all());
}

TEST_F(Commands, DateTimeWithoutOffsetSendsNoOffset) {
    v1::SetDateTimeRequest dateTime;
    EXPECT_CALL(stub_, SetDateTime(_, _, _)).WillOnce(DoAll(SaveArg<1>(&dateTime), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"date-time"}), kExitOk);
    EXPECT_FALSE(dateTime.has_utc_offset_minutes());
}

TEST_F(Commands, SingleCameraRequests) {
    v1::ConnectRequest connect;
    v1::DisconnectRequest disconnect;
    v1::ForgetRequest forget;
    v1::SetAutoConnectRequest autoConnect;
    v1::CameraRequest apInfo;
    EXPECT_CALL(stub_, Connect(_, _, _)).WillOnce(DoAll(SaveArg<1>(&connect), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, Disconnect(_, _, _)).WillOnce(DoAll(SaveArg<1>(&disconnect), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, Forget(_, _, _)).WillOnce(DoAll(SaveArg<1>(&forget), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetAutoConnect(_, _, _)).WillOnce(DoAll(SaveArg<1>(&autoConnect), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, GetApInfo(_, _, _)).WillOnce(DoAll(SaveArg<1>(&apInfo), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"connect", "-i", "0456"}), kExitOk);
    EXPECT_EQ(connect.camera(), "0456");
    EXPECT_EQ(goproctl({"disconnect", "-i", "AA:BB:CC:DD:EE:FF"}), kExitOk);
    EXPECT_EQ(disconnect.camera(), "AA:BB:CC:DD:EE:FF");
    EXPECT_EQ(goproctl({"forget", "-i", "0456"}), kExitOk);
    EXPECT_EQ(forget.camera(), "0456");
    EXPECT_THAT(out(), HasSubstr("forgot 0456\n"));
    EXPECT_EQ(goproctl({"auto-connect", "on", "-i", "0456"}), kExitOk);
    EXPECT_EQ(autoConnect.camera(), "0456");
    EXPECT_TRUE(autoConnect.enabled());
    EXPECT_EQ(goproctl({"wifi", "ap", "info", "-i", "0456"}), kExitOk);
    EXPECT_THAT(apInfo.cameras(), ElementsAre("0456"));
}

TEST_F(Commands, ConnectSaysHowManyAttemptsItTook) {
    v1::Camera retried;
    retried.set_identifier("0456");
    retried.set_state(v1::CAMERA_STATE_READY);
    retried.set_connect_attempts(3);
    v1::Camera first = retried;
    first.set_connect_attempts(1);
    EXPECT_CALL(stub_, Connect(_, _, _))
        .WillOnce(DoAll(SetArgPointee<2>(retried), Return(grpc::Status::OK)))
        .WillOnce(DoAll(SetArgPointee<2>(first), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"connect", "-i", "0456"}), kExitOk);
    EXPECT_THAT(out(), HasSubstr("connected after 3 attempts\n"));
    out_.str("");
    EXPECT_EQ(goproctl({"connect", "-i", "0456"}), kExitOk);
    EXPECT_THAT(out(), HasSubstr("0456"));
    EXPECT_THAT(out(), Not(HasSubstr("attempts")));
}

TEST_F(Commands, GetValuesSendsTheIds) {
    v1::GetValuesRequest settings;
    v1::GetValuesRequest statuses;
    EXPECT_CALL(stub_, GetSettings(_, _, _)).WillOnce(DoAll(SaveArg<1>(&settings), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, GetStatuses(_, _, _)).WillOnce(DoAll(SaveArg<1>(&statuses), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"get", "settings"}), kExitOk);
    EXPECT_TRUE(settings.ids().empty());  // all
    EXPECT_EQ(goproctl({"get", "status", "busy", "70", "--all"}), kExitOk);
    EXPECT_THAT(statuses.ids(), ElementsAre(8U, 70U));
    EXPECT_TRUE(statuses.target().all());
}

TEST_F(Commands, DiscoverSendsTheDuration) {
    v1::DiscoverRequest sent;
    auto* reader = new MockClientReader<v1::Camera>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, DiscoverRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"discover", "--duration", "2.5"}), kExitOk);
    EXPECT_EQ(sent.duration().seconds(), 2);
    EXPECT_EQ(sent.duration().nanos(), 500'000'000);
    EXPECT_EQ(out(), "no cameras found\n");
}

TEST_F(Commands, WatchSendsCamerasAndKinds) {
    v1::WatchEventsRequest sent;
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"watch", "-i", "0456", "--kind", "status", "--kind", "request"}), kExitOk);
    EXPECT_THAT(sent.cameras(), ElementsAre("0456"));
    EXPECT_THAT(sent.kinds(), ElementsAre(v1::Event::KIND_STATUS, v1::Event::KIND_REQUEST_DONE));
}

// ---- deadlines ----

TEST_F(Commands, UnaryCallsCarryTheDeadline) {
    std::chrono::system_clock::time_point deadline;
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(Invoke([&](grpc::ClientContext* context, auto&, auto*) {
        deadline = context->deadline();
        return grpc::Status::OK;
    }));
    const auto before = std::chrono::system_clock::now();
    EXPECT_EQ(goproctl({"list", "--timeout", "3"}), kExitOk);
    EXPECT_GE(deadline, before + std::chrono::seconds(3));
    EXPECT_LE(deadline, std::chrono::system_clock::now() + std::chrono::seconds(3));
}

TEST_F(Commands, WatchHasNoDeadlineByDefault) {
    std::chrono::system_clock::time_point deadline;
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Invoke([&](grpc::ClientContext* context, auto&) {
        deadline = context->deadline();
        return reader;
    }));
    EXPECT_EQ(goproctl({"watch"}), kExitOk);
    EXPECT_GT(deadline, std::chrono::system_clock::now() + std::chrono::hours(24 * 365));
}

// ---- output ----

TEST_F(Commands, ListPrintsAnAlignedTable) {
    v1::ListCamerasResponse response;
    auto* first = response.add_cameras();
    *first = camera("0456", v1::CAMERA_STATE_READY);
    first->set_model("HERO12 Black");
    first->set_firmware("H23.01.01.10.00");
    first->set_battery_percent(85);
    first->set_rssi(-60);
    first->set_queue_depth(2);
    first->set_encoding(true);
    first->set_adapter("hci1");  // issue 16
    auto* second = response.add_cameras();
    *second = camera("1234", v1::CAMERA_STATE_LINK_LOST);
    second->set_battery_percent(100);
    second->set_queue_depth(10);
    second->set_last_error("link lost");
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"list"}), kExitOk);
    EXPECT_THAT(lines(out()),
                ElementsAre("IDENTIFIER  NAME        STATE            ADAPTER  MODEL         FIRMWARE         BATTERY  "
                            "   RSSI  QUEUE  LAST ERROR",
                            "0456        GoPro 0456  ready, encoding  hci1     HERO12 Black  H23.01.01.10.00      85%  "
                            "-60 dBm      2",
                            "1234        GoPro 1234  link lost        -        -             -                   100%  "
                            "      -     10  link lost"));
}

TEST_F(Commands, ListFiltersByIdentifierOrAddress) {
    v1::ListCamerasResponse response;
    *response.add_cameras() = camera("0456", v1::CAMERA_STATE_READY);
    *response.add_cameras() = camera("1234", v1::CAMERA_STATE_READY);
    EXPECT_CALL(stub_, ListCameras(_, _, _))
        .Times(3)
        .WillRepeatedly(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"list", "-i", "aa:bb:cc:dd:12:34"}), kExitOk);
    EXPECT_THAT(out(), HasSubstr("1234"));
    EXPECT_THAT(out(), Not(HasSubstr("0456")));
    out_.str("");
    // A camera goprod does not know is NOT_FOUND (exit 3), as for the other commands.
    EXPECT_EQ(goproctl({"list", "-i", "9999"}), kExitNotFound);
    EXPECT_EQ(out(), "");
    EXPECT_THAT(err(), HasSubstr("no such camera \"9999\""));
    out_.str("");
    err_.str("");
    EXPECT_EQ(goproctl({"list", "-i", "0456", "-i", "9999"}), kExitNotFound);
    EXPECT_THAT(out(), HasSubstr("0456"));
    EXPECT_THAT(err(), HasSubstr("9999"));
}

TEST_F(Commands, EmptyListSaysHowToFindCameras) {
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(Return(grpc::Status::OK));
    EXPECT_EQ(goproctl({"list"}), kExitOk);
    EXPECT_THAT(out(), HasSubstr("goproctl discover"));
}

TEST_F(Commands, JsonIsTheProtobufMappingOnOneLine) {
    v1::ListCamerasResponse response;
    *response.add_cameras() = camera("0456", v1::CAMERA_STATE_READY);
    response.mutable_cameras(0)->set_battery_percent(0);  // an explicitly set optional zero
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"list", "--json"}), kExitOk);
    const auto printed = lines(out());
    ASSERT_EQ(printed.size(), 1U);
    v1::ListCamerasResponse parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(printed[0], &parsed).ok()) << printed[0];
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, response));
    EXPECT_THAT(printed[0], HasSubstr("\"state\":\"CAMERA_STATE_READY\""));
    EXPECT_THAT(printed[0], HasSubstr("\"batteryPercent\":0"));
    EXPECT_THAT(printed[0], HasSubstr("\"queueDepth\":0"));  // defaults are printed for scripts
    EXPECT_THAT(printed[0], Not(HasSubstr("\"rssi\"")));     // unset optionals are not
}

TEST_F(Commands, ShutterPrintsTimesOffsetsAndTheStartSkew) {
    v1::SetShutterRequest sent;
    v1::MultiResult result;
    auto* a = result.add_results();
    *a = ok("0456");
    *a->mutable_sent() = at(1700000000, 100'000'000);
    *a->mutable_acknowledged() = at(1700000000, 150'500'000);
    auto* b = result.add_results();
    *b = ok("1234");
    *b->mutable_sent() = at(1700000000, 102'300'000);
    *b->mutable_acknowledged() = at(1700000000, 160'000'000);
    EXPECT_CALL(stub_, SetShutter(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(result), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"shutter", "on", "-i", "0456", "-i", "1234"}), kExitOk);
    EXPECT_TRUE(sent.on());
    EXPECT_THAT(sent.target().cameras(), ElementsAre("0456", "1234"));
    EXPECT_THAT(lines(out()), ElementsAre("CAMERA  RESULT  SENT             ACKNOWLEDGED     LATENCY   OFFSET",
                                          "0456    ok      22:13:20.100000  22:13:20.150500  50.5 ms  +0.0 ms",
                                          "1234    ok      22:13:20.102300  22:13:20.160000  57.7 ms  +2.3 ms",
                                          "start skew: 2.3 ms across 2 cameras"));
    EXPECT_EQ(err(), "");
}

// issue 17: the capture journal, read page by page.
TEST_F(Commands, JournalShowsEveryCamerasEventsPageByPage) {
    v1::ListCapturesResponse first;
    auto* on = first.add_entries();
    on->set_sequence(7);
    *on->mutable_time() = at(1700000000, 200'000'000);
    on->mutable_shutter()->set_on(true);
    *on->mutable_shutter()->mutable_planned() = at(1700000000, 100'000'000);
    auto* a = on->mutable_shutter()->mutable_result()->add_results();
    *a = ok("0456");
    *a->mutable_sent() = at(1700000000, 100'043'000);
    *a->mutable_acknowledged() = at(1700000000, 150'543'000);
    *on->mutable_shutter()->mutable_result()->add_results() =
        failed("1234", grpc::StatusCode::UNAVAILABLE, "not connected");
    first.set_more(true);
    v1::ListCapturesResponse second;
    auto* started = second.add_entries();
    started->set_sequence(8);
    *started->mutable_time() = at(1700000000, 400'000'000);
    started->mutable_encoding()->set_camera("0456");
    started->mutable_encoding()->set_encoding(true);
    auto* media = second.add_entries();
    media->set_sequence(9);
    *media->mutable_time() = at(1700000009, 0);
    media->mutable_media()->set_camera("0456");
    media->mutable_media()->set_folder("100GOPRO");
    media->mutable_media()->set_file("GX010001.MP4");
    std::vector<v1::ListCapturesRequest> asked;
    const auto answer = [&asked](const v1::ListCapturesResponse& page) {
        return [&asked, page](auto*, const v1::ListCapturesRequest& request, v1::ListCapturesResponse* response) {
            asked.push_back(request);
            *response = page;
            return grpc::Status::OK;
        };
    };
    EXPECT_CALL(stub_, ListCaptures(_, _, _)).WillOnce(answer(first)).WillOnce(answer(second));
    EXPECT_EQ(goproctl({"journal", "--since", "2023-11-14T22:00:00Z"}), kExitOk);
    ASSERT_EQ(asked.size(), 2U);
    EXPECT_EQ(asked[0].since().seconds(), 1699999200);
    EXPECT_EQ(asked[0].after_sequence(), 0U);
    EXPECT_EQ(asked[1].after_sequence(), 7U) << "the next page starts after the last entry";
    EXPECT_EQ(asked[1].since().seconds(), 1699999200);
    EXPECT_THAT(lines(out()),
                ElementsAre("TIME                        CAMERA  EVENT                 DETAIL",
                            "2023-11-14 22:13:20.100043  0456    shutter on (planned)  acknowledged after 50.5 ms, "
                            "+43 µs after the plan",
                            "2023-11-14 22:13:20.200000  1234    shutter on (planned)  not connected",
                            "2023-11-14 22:13:20.400000  0456    encoding started",
                            "2023-11-14 22:13:29.000000  0456    media                 100GOPRO/GX010001.MP4"));
    EXPECT_EQ(err(), "");
}

TEST_F(Commands, JournalJsonIsOneEntryALineAndDashIPicksCamerasByIdentifierOrAddress) {
    v1::ListCapturesResponse response;
    for (const char* camera : {"0456", "1234"}) {
        auto* entry = response.add_entries();
        *entry->mutable_time() = at(1700000000, 500'000'000);
        entry->mutable_encoding()->set_camera(camera);
        entry->mutable_encoding()->set_address(std::string("D4:1C:00:00:") + camera[0] + camera[1] + ":" +
                                               (camera + 2));
        entry->mutable_encoding()->set_encoding(false);
    }
    auto* shutter = response.add_entries()->mutable_shutter();  // recorded last, sent first
    *shutter->mutable_result()->add_results() = ok("1234");
    *shutter->mutable_result()->mutable_results(0)->mutable_sent() = at(1700000000, 100'000'000);
    EXPECT_CALL(stub_, ListCaptures(_, _, _))
        .Times(4)
        .WillRepeatedly(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"journal", "--json"}), kExitOk);
    auto json = lines(out());
    ASSERT_EQ(json.size(), 3U);
    EXPECT_THAT(json[0], HasSubstr("\"encoding\":{\"camera\":\"0456\""));
    out_.str("");
    EXPECT_EQ(goproctl({"journal", "--json", "-i", "1234"}), kExitOk);
    json = lines(out());
    ASSERT_EQ(json.size(), 2U) << "the entries about 1234 only";
    EXPECT_THAT(json[0], HasSubstr("\"camera\":\"1234\""));
    EXPECT_THAT(json[1], HasSubstr("\"shutter\""));
    out_.str("");
    EXPECT_EQ(goproctl({"journal", "-i", "1234"}), kExitOk);
    EXPECT_THAT(lines(out()), ElementsAre("TIME                        CAMERA  EVENT             DETAIL",
                                          "2023-11-14 22:13:20.100000  1234    shutter off",
                                          "2023-11-14 22:13:20.500000  1234    encoding stopped"))
        << "in time order";
    out_.str("");
    EXPECT_EQ(goproctl({"journal", "-i", "d4:1c:00:00:12:34"}), kExitOk);
    EXPECT_EQ(lines(out()).size(), 3U) << "an address picks the camera's shutter rows too";
}

TEST_F(Commands, JournalOffIsReported) {
    EXPECT_CALL(stub_, ListCaptures(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the capture journal is off")));
    session_.daemonReachable = [] { return true; };
    EXPECT_NE(goproctl({"journal"}), kExitOk);
    EXPECT_THAT(err(), HasSubstr("the capture journal is off"));
}

TEST_F(Commands, ShutterOnOneCameraHasNoSkew) {
    v1::MultiResult result;
    auto* a = result.add_results();
    *a = ok("0456");
    *a->mutable_sent() = at(1700000000, 0);
    EXPECT_CALL(stub_, SetShutter(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(result), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"shutter", "off"}), kExitOk);
    EXPECT_THAT(lines(out()), ElementsAre("CAMERA  RESULT  SENT             ACKNOWLEDGED  LATENCY",
                                          "0456    ok      22:13:20.000000  -                   -"));
}

TEST_F(Commands, FirstFailingCameraDecidesTheExitCode) {
    v1::MultiResult result;
    *result.add_results() = ok("0456");
    *result.add_results() = failed("1234", grpc::StatusCode::FAILED_PRECONDITION, "camera rejected: status 2");
    *result.add_results() = failed("7777", grpc::StatusCode::UNAVAILABLE, "not connected");
    EXPECT_CALL(stub_, Sleep(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(result), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"sleep", "--all"}), kExitRejected);
    EXPECT_THAT(lines(out()), ElementsAre("CAMERA  RESULT", "0456    ok", "1234    rejected", "7777    unavailable"));
    EXPECT_THAT(lines(err()),
                ElementsAre("goproctl: 1234: camera rejected: status 2", "goproctl: 7777: not connected"));
}

TEST_F(Commands, MultiResultJsonStillFailsWithTheCameraCode) {
    v1::MultiResult result;
    *result.add_results() = failed("1234", grpc::StatusCode::DEADLINE_EXCEEDED, "");
    EXPECT_CALL(stub_, EnableAnalytics(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(result), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"analytics", "--json"}), kExitTimeout);
    v1::MultiResult parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsed).ok());
    EXPECT_EQ(parsed.results(0).code(), 4);
    EXPECT_EQ(err(), "goproctl: 1234: DEADLINE_EXCEEDED\n");
}

TEST_F(Commands, GetSettingsPrintsNamesAndValues) {
    v1::ValuesResponse response;
    auto* camera = response.add_cameras();
    *camera->mutable_result() = ok("0456");
    auto* resolution = camera->add_values();
    resolution->set_id(2);
    resolution->set_name("Video Resolution");
    resolution->set_raw(std::string("\x09", 1));
    resolution->set_display("9 (1080)");
    auto* fps = camera->add_values();
    fps->set_id(3);
    fps->set_raw(std::string("\x00", 1));  // no name or display: the table gives them
    EXPECT_CALL(stub_, GetSettings(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"get", "settings", "2", "3"}), kExitOk);
    EXPECT_THAT(lines(out()), ElementsAre("ID  NAME               VALUE", " 2  Video Resolution   9 (1080)",
                                          " 3  Frames Per Second  0 (240)"));
}

TEST_F(Commands, GetStatusOnSeveralCamerasAddsACameraColumnAndReportsFailures) {
    v1::ValuesResponse response;
    auto* a = response.add_cameras();
    *a->mutable_result() = ok("0456");
    auto* busy = a->add_values();
    busy->set_id(8);
    busy->set_raw(std::string("\x01", 1));
    auto* b = response.add_cameras();
    *b->mutable_result() = failed("1234", grpc::StatusCode::UNAVAILABLE, "1234 is not connected");
    EXPECT_CALL(stub_, GetStatuses(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"get", "status", "8", "-i", "0456", "-i", "1234"}), kExitUnavailable);
    EXPECT_THAT(lines(out()), ElementsAre("CAMERA  ID  NAME  VALUE", "0456     8  Busy  1 (true)"));
    EXPECT_EQ(err(), "goproctl: 1234: 1234 is not connected\n");
}

TEST_F(Commands, InfoPrintsHardwareAndVersion) {
    v1::HardwareInfoResponse response;
    auto* camera = response.add_cameras();
    *camera->mutable_result() = ok("0456");
    camera->mutable_info()->set_model_number(62);
    camera->mutable_info()->set_model_name("HERO12 Black");
    camera->mutable_info()->set_firmware_version("H23.01.01.10.00");
    camera->mutable_info()->set_serial_number("C3501324500456");
    camera->mutable_info()->set_ap_ssid("GP24500456");
    camera->mutable_info()->set_ap_mac_address("2674f7f65f78");
    camera->set_open_gopro_version("2.0");
    EXPECT_CALL(stub_, GetHardwareInfo(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"info"}), kExitOk);
    EXPECT_THAT(
        lines(out()),
        ElementsAre("CAMERA  MODEL              FIRMWARE         SERIAL          OPEN GOPRO  AP SSID     AP MAC",
                    "0456    HERO12 Black (62)  H23.01.01.10.00  C3501324500456  2.0         GP24500456  "
                    "2674f7f65f78"));
}

TEST_F(Commands, ApInfoPrintsSsidAndPasswordEscapingOddBytes) {
    v1::ApInfo response;
    *response.mutable_result() = ok("0456");
    response.set_ssid("GP24500456");
    response.set_password(std::string("pw\x1b[31m", 7));
    EXPECT_CALL(stub_, GetApInfo(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"wifi", "ap", "info"}), kExitOk);
    EXPECT_THAT(lines(out()), ElementsAre("SSID      GP24500456", "PASSWORD  pw\\x1b[31m"));
}

TEST_F(Commands, WifiScanPrintsNetworksAndProgressOnlyOnStderr) {
    v1::ScanNetworksResponse response;
    *response.mutable_result() = ok("0456");
    auto* home = response.add_networks();
    home->set_ssid("HomeNet");
    home->set_signal_strength_bars(4);
    home->set_signal_frequency_mhz(5180);
    home->set_configured(true);
    auto* cafe = response.add_networks();
    cafe->set_ssid("Café");
    cafe->set_signal_strength_bars(1);
    cafe->set_signal_frequency_mhz(2412);
    cafe->set_open(true);
    EXPECT_CALL(stub_, ScanNetworks(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"wifi", "scan"}), kExitOk);
    EXPECT_THAT(lines(out()),
                ElementsAre("SSID     SIGNAL  FREQUENCY  SECURITY  CONFIGURED",
                            "HomeNet  4 bars   5180 MHz  secured   yes", "Café     1 bars   2412 MHz  open      no"));
    EXPECT_EQ(err(), "scanning for WiFi networks...\n");  // not a terminal: a plain line
}

TEST_F(Commands, WifiScanOnATerminalRedrawsAndErasesItsProgressLine) {
    session_.terminal = true;
    EXPECT_CALL(stub_, ScanNetworks(_, _, _)).WillOnce(Return(grpc::Status::OK));
    EXPECT_EQ(goproctl({"wifi", "scan"}), kExitOk);
    EXPECT_EQ(err(), "\r\033[Kscanning for WiFi networks...\r\033[K");
    EXPECT_EQ(out(), "no networks found\n");
}

// ---- streams ----

TEST_F(Commands, DiscoverCollectsCamerasAndPrintsThemAtTheEnd) {
    auto* reader = new MockClientReader<v1::Camera>();
    auto first = camera("0456", v1::CAMERA_STATE_DISCOVERED);
    auto again = first;
    again.set_rssi(-50);
    const auto second = camera("1234", v1::CAMERA_STATE_DISCOVERED);
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(first), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(second), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(again), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, DiscoverRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"discover", "--duration", "5"}), kExitOk);
    const auto printed = lines(out());
    ASSERT_EQ(printed.size(), 3U);
    EXPECT_THAT(printed[1], AllOf(HasSubstr("0456"), HasSubstr("-50 dBm")));
    EXPECT_THAT(printed[2], HasSubstr("1234"));
    EXPECT_THAT(lines(err()),
                ElementsAre("discovering cameras for 5 s...", "found 0456 (GoPro 0456, AA:BB:CC:DD:04:56)",
                            "found 1234 (GoPro 1234, AA:BB:CC:DD:12:34)"));
}

TEST_F(Commands, DiscoverJsonPrintsOneObjectPerMessage) {
    auto* reader = new MockClientReader<v1::Camera>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(camera("0456", v1::CAMERA_STATE_DISCOVERED)), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(camera("1234", v1::CAMERA_STATE_DISCOVERED)), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, DiscoverRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"discover", "--json"}), kExitOk);
    const auto printed = lines(out());
    ASSERT_EQ(printed.size(), 2U);
    for (const auto& line : printed) {
        v1::Camera parsed;
        EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
    }
    EXPECT_EQ(err(), "");  // no progress with --json
}

TEST_F(Commands, DiscoverStreamErrorKeepsWhatWasFound) {
    auto* reader = new MockClientReader<v1::Camera>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(camera("0456", v1::CAMERA_STATE_DISCOVERED)), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish())
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "bluetoothd went away")));
    EXPECT_CALL(stub_, DiscoverRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"discover"}), kExitUnavailable);
    EXPECT_THAT(out(), HasSubstr("0456"));
    EXPECT_THAT(err(), HasSubstr("goproctl: bluetoothd went away\n"));
}

TEST_F(Commands, WifiConnectShowsEachStepWithElapsedTime) {
    auto now = std::chrono::steady_clock::time_point{};
    session_.clock = [&now] {
        now += std::chrono::milliseconds(1500);
        return now;
    };
    auto step = [](v1::ConnectNetworkProgress::Step s, const std::string& detail) {
        v1::ConnectNetworkProgress progress;
        progress.set_step(s);
        progress.set_detail(detail);
        return progress;
    };
    auto* reader = new MockClientReader<v1::ConnectNetworkProgress>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::ConnectNetworkProgress::STEP_SCANNING, "")), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::ConnectNetworkProgress::STEP_FOUND, "4 bars")), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::ConnectNetworkProgress::STEP_PROVISIONING, "started")), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::ConnectNetworkProgress::STEP_CONNECTED, "")), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ConnectNetworkRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"wifi", "connect", "HomeNet", "pw"}), kExitOk);
    EXPECT_THAT(lines(err()),
                ElementsAre("[  1.5 s] connecting to HomeNet...", "[  3.0 s] scanning", "[  4.5 s] found: 4 bars",
                            "[  6.0 s] provisioning: started", "[  7.5 s] connected"));
    EXPECT_EQ(out(), "connected to HomeNet in 9.0 s\n");
}

TEST_F(Commands, WifiConnectFailureMapsTheStreamStatus) {
    auto* reader = new MockClientReader<v1::ConnectNetworkProgress>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish())
        .WillOnce(Return(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "provisioning failed: wrong password")));
    EXPECT_CALL(stub_, ConnectNetworkRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"wifi", "connect", "HomeNet", "nope"}), kExitRejected);
    EXPECT_THAT(err(), HasSubstr("goproctl: provisioning failed: wrong password\n"));
    EXPECT_EQ(out(), "");
}

TEST_F(Commands, WatchPrintsOneLinePerEvent) {
    v1::Event status;
    status.set_kind(v1::Event::KIND_STATUS);
    *status.mutable_time() = at(1700000000, 5'000'000);
    *status.mutable_camera() = camera("0456", v1::CAMERA_STATE_READY);
    auto* busy = status.add_values();
    busy->set_id(8);
    busy->set_raw(std::string("\x01", 1));
    auto* battery = status.add_values();
    battery->set_id(70);
    battery->set_name("Internal Battery Percentage");
    battery->set_display("85");
    v1::Event state;
    state.set_kind(v1::Event::KIND_STATE_CHANGED);
    *state.mutable_time() = at(1700000001, 0);
    *state.mutable_camera() = camera("1234", v1::CAMERA_STATE_LINK_LOST);
    v1::Event request;
    request.set_kind(v1::Event::KIND_REQUEST_DONE);
    *request.mutable_time() = at(1700000002, 0);
    *request.mutable_camera() = camera("0456", v1::CAMERA_STATE_READY);
    request.set_request("command 0x01");
    request.set_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    request.set_error("status 2");
    v1::Event notification;
    notification.set_kind(v1::Event::KIND_NOTIFICATION);
    *notification.mutable_time() = at(1700000003, 0);
    *notification.mutable_camera() = camera("0456", v1::CAMERA_STATE_READY);
    notification.set_message(std::string("\x02\x0b\x05", 3));

    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(status), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(state), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(request), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(notification), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch"}), kExitOk);
    EXPECT_THAT(lines(out()),
                ElementsAre("22:13:20.005000  0456  status         Busy: 1 (true), Internal Battery Percentage: 85",
                            "22:13:21.000000  1234  state-changed  link lost",
                            "22:13:22.000000  0456  request-done   command 0x01: rejected: status 2",
                            "22:13:23.000000  0456  notification   02 0b 05"));
}

TEST_F(Commands, WatchJsonPrintsOneObjectPerEvent) {
    v1::Event event;
    event.set_kind(v1::Event::KIND_SETTING);
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(event), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(event), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch", "--json"}), kExitOk);
    const auto printed = lines(out());
    ASSERT_EQ(printed.size(), 2U);
    v1::Event parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(printed[0], &parsed).ok());
    EXPECT_EQ(parsed.kind(), v1::Event::KIND_SETTING);
}

TEST_F(Commands, InterruptedWatchEndsWithSuccess) {
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Invoke([this](v1::Event*) {
        canceller_.cancel();  // what main's signal thread does on Ctrl-C
        return false;
    }));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::CANCELLED));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch"}), kExitOk);
    EXPECT_EQ(err(), "");
}

TEST_F(Commands, WatchWithATimeoutEndsWithSuccessWhenItRunsOut) {
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch", "--timeout", "1"}), kExitOk);
}

TEST_F(Commands, WatchEndedByGoprodIsAnError) {
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down")));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch"}), kExitUnavailable);
    EXPECT_EQ(err(), "goproctl: shutting down\n");
}

// ---- errors and exit codes ----

struct StatusCase {
    grpc::StatusCode code;
    int exit;
};

class StatusExitCodes : public Commands, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(StatusExitCodes, EachStatusMapsToItsDocumentedExitCode) {
    const auto [code, exit] = GetParam();
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(Return(grpc::Status(code, "the daemon's words")));
    EXPECT_EQ(goproctl({"list"}), exit);
    if (code != grpc::StatusCode::OK) {
        EXPECT_EQ(err(), "goproctl: the daemon's words\n");
        EXPECT_EQ(out(), "");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Commands, StatusExitCodes,
    ::testing::Values(StatusCase{grpc::StatusCode::OK, 0}, StatusCase{grpc::StatusCode::CANCELLED, 8},
                      StatusCase{grpc::StatusCode::UNKNOWN, 1}, StatusCase{grpc::StatusCode::INVALID_ARGUMENT, 2},
                      StatusCase{grpc::StatusCode::DEADLINE_EXCEEDED, 6}, StatusCase{grpc::StatusCode::NOT_FOUND, 3},
                      StatusCase{grpc::StatusCode::ALREADY_EXISTS, 1},
                      StatusCase{grpc::StatusCode::PERMISSION_DENIED, 1},
                      StatusCase{grpc::StatusCode::RESOURCE_EXHAUSTED, 7},
                      StatusCase{grpc::StatusCode::FAILED_PRECONDITION, 4}, StatusCase{grpc::StatusCode::ABORTED, 7},
                      StatusCase{grpc::StatusCode::OUT_OF_RANGE, 2}, StatusCase{grpc::StatusCode::UNIMPLEMENTED, 1},
                      StatusCase{grpc::StatusCode::INTERNAL, 1}, StatusCase{grpc::StatusCode::UNAVAILABLE, 5},
                      StatusCase{grpc::StatusCode::DATA_LOSS, 1}, StatusCase{grpc::StatusCode::UNAUTHENTICATED, 1}));

TEST_F(Commands, UnreachableDaemonNamesTheSocket) {
    session_.daemonReachable = [] { return false; };
    EXPECT_CALL(stub_, SetShutter(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                      "failed to connect to all addresses; last error: UNKNOWN: "
                                      "unix:/tmp/none.sock: No such file or directory")));
    EXPECT_EQ(goproctl({"--socket", "/tmp/none.sock", "shutter", "on"}), kExitUnavailable);
    EXPECT_EQ(err(),
              "goproctl: cannot reach goprod at unix:/tmp/none.sock (is the daemon running?): "
              "No such file or directory\n");
}

TEST_F(Commands, PermissionDeniedSaysToJoinTheSocketsGroup) {
    session_.daemonReachable = [] { return false; };
    session_.socketGroup = [] { return std::string("goprod"); };
    EXPECT_CALL(stub_, ListCameras(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                      "failed to connect to all addresses; last error: UNKNOWN: "
                                      "unix:/run/goprod/goprod.sock: Permission denied")));
    EXPECT_EQ(goproctl({"list"}), kExitUnavailable);
    EXPECT_THAT(err(), HasSubstr("no permission to use goprod's socket unix:/run/goprod/goprod.sock"));
    EXPECT_THAT(err(), HasSubstr("the user must be in the socket's group \"goprod\""));
    EXPECT_THAT(err(), Not(HasSubstr("is the daemon running")));
}

TEST_F(Commands, UnavailableFromGoprodItselfKeepsItsMessage) {
    session_.daemonReachable = [] { return true; };
    EXPECT_CALL(stub_, Connect(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "0456 is out of range")));
    EXPECT_EQ(goproctl({"connect", "-i", "0456"}), kExitUnavailable);
    EXPECT_EQ(err(), "goproctl: 0456 is out of range\n");
}

TEST_F(Commands, GrpcsOwnDeadlineMessageSaysWhichLimit) {
    EXPECT_CALL(stub_, Sleep(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded")));
    EXPECT_EQ(goproctl({"sleep", "--timeout", "2"}), kExitTimeout);
    EXPECT_EQ(err(), "goproctl: sleep: no answer within 2 s (raise it with --timeout)\n");
}

TEST_F(Commands, InterruptedCallSaysSoAndExits8) {
    canceller_.cancel();  // Ctrl-C before the call: it is cancelled at once
    EXPECT_CALL(stub_, ListCameras(_, _, _)).WillOnce(Return(grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled")));
    EXPECT_EQ(goproctl({"list"}), kExitCancelled);
    EXPECT_EQ(err(), "goproctl: interrupted\n");
}

TEST_F(Commands, EmptyStatusMessageFallsBackToTheCodeName) {
    EXPECT_CALL(stub_, GetApInfo(_, _, _)).WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "")));
    EXPECT_EQ(goproctl({"wifi", "ap", "info", "-i", "9999"}), kExitNotFound);
    EXPECT_EQ(err(), "goproctl: NOT_FOUND\n");
}

TEST_F(Commands, AFailedDiscoverySaysWhyNotThatNoCameraWasFound) {
    auto* reader = new MockClientReader<v1::Camera>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish())
        .WillOnce(
            Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "BlueZ is not running (org.bluez is not on the bus)")));
    EXPECT_CALL(stub_, DiscoverRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"discover"}), kExitUnavailable);
    EXPECT_THAT(out(), Not(HasSubstr("no cameras found")));
    EXPECT_THAT(err(), HasSubstr("BlueZ is not running"));
}

TEST_F(Commands, StatusExitsZeroWhenHealthyAndFiveWhenBluezIsNotRunning) {
    v1::DaemonStatus healthy;
    healthy.set_version("0.1.0");
    healthy.set_bluez_running(true);
    auto* adapter = healthy.add_adapters();
    adapter->set_name("hci0");
    adapter->set_powered(true);
    adapter->set_used(true);
    adapter->set_budget(7);  // issue 16
    adapter->set_connections(3);
    EXPECT_CALL(stub_, GetDaemonStatus(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(healthy), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"status"}), kExitOk);
    EXPECT_THAT(out(), AllOf(HasSubstr("goprod   0.1.0"), HasSubstr("BlueZ    running"), Not(HasSubstr("to do"))));
    EXPECT_THAT(out(), AllOf(HasSubstr("CONNECTIONS"), HasSubstr("yes   3/7")));

    out_.str("");
    v1::DaemonStatus down;
    down.set_version("0.1.0");
    EXPECT_CALL(stub_, GetDaemonStatus(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(down), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"status"}), kExitUnavailable);
    EXPECT_THAT(out(), HasSubstr("to do:\n  BlueZ is not running: systemctl start bluetooth\n"));

    out_.str("");
    EXPECT_CALL(stub_, GetDaemonStatus(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(down), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"--json", "status"}), kExitUnavailable);
    EXPECT_THAT(out(), HasSubstr("\"bluezRunning\":false"));
    EXPECT_THAT(err(), HasSubstr("goproctl: BlueZ is not running: systemctl start bluetooth"));
}

TEST_F(Commands, WatchShowsAnErrorOnlyOnTheStateChangeItCaused) {
    v1::Event lost;
    lost.set_kind(v1::Event::KIND_STATE_CHANGED);
    *lost.mutable_camera() = camera("0456", v1::CAMERA_STATE_LINK_LOST);
    lost.mutable_camera()->set_last_error("the camera disconnected");
    lost.set_code(14);
    lost.set_error("the camera disconnected");
    v1::Event connecting = lost;  // the camera still has its last error; the event has none
    connecting.mutable_camera()->set_state(v1::CAMERA_STATE_CONNECTING);
    connecting.clear_code();
    connecting.clear_error();
    auto* reader = new MockClientReader<v1::Event>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(lost), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(connecting), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, WatchEventsRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"watch"}), kExitOk);
    const auto printed = lines(out());
    ASSERT_EQ(printed.size(), 2U);
    EXPECT_THAT(printed[0], HasSubstr("state-changed  link lost: the camera disconnected"));
    EXPECT_THAT(printed[1], AllOf(HasSubstr("state-changed  connecting"), Not(HasSubstr("disconnected"))));
}

// --- issue 15 G: the issue-15 commands against the mock ------------------------------

v1::MultiResult twoCameras(const v1::CameraResult& second) {
    v1::MultiResult result;
    *result.add_results() = ok("0456");
    *result.add_results() = second;
    return result;
}

// Each multi-camera command: the RPC, the selection as given, one line per camera,
// --json the MultiResult, and the first failing camera's exit code.
TEST_F(Commands, EveryIssue15MultiCameraCommandSendsTheSelectionAndPrintsEachCamera) {
    v1::CameraRequest hilight, powerDown, reboot, stop, release, clear;
    v1::SetTurboTransferRequest turbo;
    v1::SetCameraControlRequest control;
    v1::SetCameraNameRequest name;
    v1::SetCohnRequest cohn;
    const auto answer = twoCameras(ok("1234"));
    EXPECT_CALL(stub_, Hilight(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&hilight), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, PowerDown(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&powerDown), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, Reboot(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&reboot), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, StopLiveStream(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&stop), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, ReleaseNetwork(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&release), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, ClearCohnCert(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&clear), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetTurboTransfer(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&turbo), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetCameraControl(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&control), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetCameraName(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&name), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_CALL(stub_, SetCohn(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&cohn), SetArgPointee<2>(answer), Return(grpc::Status::OK)));

    const std::vector<std::vector<std::string>> commands = {
        {"-i", "0456", "-i", "1234", "hilight"},
        {"--all", "power-down"},
        {"-i", "0456", "-i", "1234", "reboot"},
        {"--all", "livestream", "stop"},
        {"wifi", "release", "-i", "0456"},
        {"cohn", "clear"},
        {"-i", "0456", "-i", "1234", "turbo", "off"},
        {"--all", "control", "external"},
        {"name", "Rig", "-i", "1234"},
        {"cohn", "on", "--all"},
    };
    for (const auto& args : commands) {
        out_.str("");
        EXPECT_EQ(goproctl(args), kExitOk) << args.back();
        EXPECT_THAT(lines(out()), ElementsAre("CAMERA  RESULT", "0456    ok", "1234    ok")) << args.back();
    }
    EXPECT_THAT(hilight.cameras(), ElementsAre("0456", "1234"));
    EXPECT_TRUE(powerDown.all());
    EXPECT_THAT(reboot.cameras(), ElementsAre("0456", "1234"));
    EXPECT_TRUE(stop.all());
    EXPECT_THAT(release.cameras(), ElementsAre("0456"));
    EXPECT_TRUE(clear.cameras().empty());
    EXPECT_FALSE(clear.all());  // the only connected camera
    EXPECT_THAT(turbo.target().cameras(), ElementsAre("0456", "1234"));
    EXPECT_FALSE(turbo.on());
    EXPECT_TRUE(control.target().all());
    EXPECT_EQ(control.control(), v1::CAMERA_CONTROL_EXTERNAL);
    EXPECT_THAT(name.target().cameras(), ElementsAre("1234"));
    EXPECT_EQ(name.name(), "Rig");
    EXPECT_TRUE(cohn.target().all());
    EXPECT_TRUE(cohn.enabled());
    EXPECT_EQ(err(), "");
}

TEST_F(Commands, Issue15MultiCameraJsonAndTheFirstFailingCamerasExitCode) {
    const auto answer = twoCameras(failed("1234", grpc::StatusCode::FAILED_PRECONDITION,
                                          "the camera rejected Hilight Moment: camera status 1 (error)"));
    EXPECT_CALL(stub_, Hilight(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(answer), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"--json", "--all", "hilight"}), kExitRejected);
    v1::MultiResult parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsed).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, answer));
    EXPECT_EQ(err(), "goproctl: 1234: the camera rejected Hilight Moment: camera status 1 (error)\n");

    const auto unavailable = twoCameras(failed("1234", grpc::StatusCode::UNAVAILABLE, "camera 1234 is not connected"));
    EXPECT_CALL(stub_, SetTurboTransfer(_, _, _))
        .WillOnce(DoAll(SetArgPointee<2>(unavailable), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"--all", "turbo", "on"}), kExitUnavailable);
    EXPECT_CALL(stub_, Reboot(_, _, _)).WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "no camera 9999")));
    EXPECT_EQ(goproctl({"-i", "9999", "reboot"}), kExitNotFound);
    EXPECT_CALL(stub_, SetCameraName(_, _, _))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "several cameras are connected")));
    EXPECT_EQ(goproctl({"name", "Rig"}), kExitUsage);
}

TEST_F(Commands, LivestreamStartSendsTheOptionsShowsEachStepAndSaysWhereItStreams) {
    v1::StartLiveStreamRequest sent;
    auto step = [](v1::LiveStreamProgress::Step s, const std::string& detail) {
        v1::LiveStreamProgress progress;
        progress.set_step(s);
        progress.set_detail(detail);
        return progress;
    };
    auto* reader = new MockClientReader<v1::LiveStreamProgress>();
    EXPECT_CALL(*reader, Read(_))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::LiveStreamProgress::STEP_CONFIGURING, "")), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::LiveStreamProgress::STEP_READY, "READY")), Return(true)))
        .WillOnce(DoAll(SetArgPointee<0>(step(v1::LiveStreamProgress::STEP_STREAMING, "")), Return(true)))
        .WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, StartLiveStreamRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"-i", "0456", "livestream", "start", "rtmp://example/live", "--window", "1080", "--lens",
                        "wide", "--min-kbps", "1000", "--max-kbps", "4000", "--start-kbps", "2000"}),
              kExitOk);
    EXPECT_EQ(sent.camera(), "0456");
    EXPECT_EQ(sent.url(), "rtmp://example/live");
    EXPECT_EQ(sent.window(), 1080U);
    EXPECT_EQ(sent.lens(), v1::LIVE_STREAM_LENS_WIDE);
    EXPECT_EQ(sent.minimum_kbps(), 1000U);
    EXPECT_EQ(sent.maximum_kbps(), 4000U);
    EXPECT_EQ(sent.starting_kbps(), 2000U);
    EXPECT_FALSE(sent.no_encode());
    EXPECT_EQ(out(), "streaming to rtmp://example/live\n");
    EXPECT_THAT(err(), AllOf(HasSubstr("configuring"), HasSubstr("ready: READY"), HasSubstr("streaming")));
}

TEST_F(Commands, LivestreamStartJsonIsOneLinePerStepAndFailuresMapTheirCodes) {
    auto* reader = new MockClientReader<v1::LiveStreamProgress>();
    v1::LiveStreamProgress configuring;
    configuring.set_step(v1::LiveStreamProgress::STEP_CONFIGURING);
    EXPECT_CALL(*reader, Read(_)).WillOnce(DoAll(SetArgPointee<0>(configuring), Return(true))).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish())
        .WillOnce(Return(
            grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "waiting for the live stream to be READY timed out")));
    EXPECT_CALL(stub_, StartLiveStreamRaw(_, _)).WillOnce(Return(reader));
    EXPECT_EQ(goproctl({"--json", "livestream", "start", "rtmp://example/live"}), kExitTimeout);
    EXPECT_THAT(lines(out()), ElementsAre("{\"step\":\"STEP_CONFIGURING\",\"detail\":\"\"}"));
    EXPECT_EQ(err(), "goproctl: waiting for the live stream to be READY timed out\n");

    for (const auto& [code, exit] : {std::pair{grpc::StatusCode::FAILED_PRECONDITION, kExitRejected},
                                     std::pair{grpc::StatusCode::INVALID_ARGUMENT, kExitUsage},
                                     std::pair{grpc::StatusCode::UNAVAILABLE, kExitUnavailable}}) {
        auto* failing = new MockClientReader<v1::LiveStreamProgress>();
        EXPECT_CALL(*failing, Read(_)).WillOnce(Return(false));
        EXPECT_CALL(*failing, Finish()).WillOnce(Return(grpc::Status(code, "the daemon's words")));
        EXPECT_CALL(stub_, StartLiveStreamRaw(_, _)).WillOnce(Return(failing));
        EXPECT_EQ(goproctl({"livestream", "start", "rtmp://example/live"}), exit);
    }
}

TEST_F(Commands, LivestreamStatusPrintsEachCameraAndFailsWithTheFailingOne) {
    v1::LiveStreamStatusResponse response;
    auto* streaming = response.add_cameras();
    *streaming->mutable_result() = ok("0456");
    streaming->mutable_status()->set_state(v1::LIVE_STREAM_STATE_STREAMING);
    streaming->mutable_status()->set_encode(true);
    streaming->mutable_status()->set_bitrate_kbps(2000);
    *response.add_cameras()->mutable_result() =
        failed("1234", grpc::StatusCode::FAILED_PRECONDITION, "the camera does not support live streaming");
    v1::CameraRequest sent;
    EXPECT_CALL(stub_, GetLiveStreamStatus(_, _, _))
        .WillRepeatedly(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"--all", "livestream", "status"}), kExitRejected);
    EXPECT_TRUE(sent.all());
    ASSERT_EQ(lines(out()).size(), 2U);
    EXPECT_THAT(lines(out())[1], AllOf(HasSubstr("0456"), HasSubstr("streaming"), HasSubstr("2000 kbps")));
    EXPECT_EQ(err(), "goproctl: 1234: the camera does not support live streaming\n");
    out_.str("");
    EXPECT_EQ(goproctl({"--all", "--json", "livestream", "status"}), kExitRejected);
    v1::LiveStreamStatusResponse parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsed).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, response));
}

TEST_F(Commands, CohnStatusCertAndTheirJson) {
    v1::CohnStatusResponse status;
    auto* camera = status.add_cameras();
    *camera->mutable_result() = ok("0456");
    camera->mutable_status()->set_provisioned(true);
    camera->mutable_status()->set_state(v1::COHN_STATE_NETWORK_CONNECTED);
    camera->mutable_status()->set_ip_address("192.168.50.100");
    EXPECT_CALL(stub_, GetCohnStatus(_, _, _))
        .WillRepeatedly(DoAll(SetArgPointee<2>(status), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"cohn", "status"}), kExitOk);
    EXPECT_THAT(out(), AllOf(HasSubstr("0456"), HasSubstr("192.168.50.100")));
    out_.str("");
    EXPECT_EQ(goproctl({"cohn", "status", "--json"}), kExitOk);
    v1::CohnStatusResponse parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsed).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, status));

    v1::CohnCert cert;
    *cert.mutable_result() = ok("0456");
    cert.set_cert("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    EXPECT_CALL(stub_, GetCohnCert(_, _, _))
        .WillOnce(DoAll(SetArgPointee<2>(cert), Return(grpc::Status::OK)))
        .WillOnce(DoAll(SetArgPointee<2>(cert), Return(grpc::Status::OK)))
        .WillOnce(Return(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                      "Get COHN Certificate failed: RESULT_RESOURCE_NOT_AVAILABLE")));
    out_.str("");
    EXPECT_EQ(goproctl({"cohn", "cert"}), kExitOk);
    EXPECT_EQ(out(), cert.cert());
    out_.str("");
    EXPECT_EQ(goproctl({"cohn", "cert", "--json"}), kExitOk);
    v1::CohnCert parsedCert;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsedCert).ok());
    EXPECT_EQ(parsedCert.cert(), cert.cert());
    EXPECT_EQ(goproctl({"cohn", "cert"}), kExitRejected);
    EXPECT_THAT(err(), HasSubstr("RESULT_RESOURCE_NOT_AVAILABLE"));
}

TEST_F(Commands, CohnProvisionPrintsTheCredentialsOrFailsWithItsCode) {
    auto provisioned = [] {
        v1::ProvisionCohnProgress step;
        step.set_step(v1::ProvisionCohnProgress::STEP_PROVISIONED);
        auto* credentials = step.mutable_credentials();
        credentials->set_ip_address("192.168.50.100");
        credentials->set_username("gopro");
        credentials->set_password("cohn-pass");
        credentials->set_ssid("HomeNet");
        return step;
    }();
    v1::ProvisionCohnRequest sent;
    auto* reader = new MockClientReader<v1::ProvisionCohnProgress>();
    EXPECT_CALL(*reader, Read(_)).WillOnce(DoAll(SetArgPointee<0>(provisioned), Return(true))).WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ProvisionCohnRaw(_, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(reader)));
    EXPECT_EQ(goproctl({"-i", "0456", "cohn", "provision", "HomeNet"}), kExitOk);
    EXPECT_EQ(sent.camera(), "0456");
    EXPECT_EQ(sent.ssid(), "HomeNet");
    EXPECT_FALSE(sent.has_password());
    EXPECT_THAT(out(), AllOf(HasSubstr("192.168.50.100"), HasSubstr("gopro"), HasSubstr("cohn-pass")));

    auto* timeout = new MockClientReader<v1::ProvisionCohnProgress>();
    EXPECT_CALL(*timeout, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*timeout, Finish())
        .WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "COHN_STATE_ConnectingToNetwork")));
    EXPECT_CALL(stub_, ProvisionCohnRaw(_, _)).WillOnce(Return(timeout));
    EXPECT_EQ(goproctl({"cohn", "provision", "HomeNet"}), kExitTimeout);

    auto* empty = new MockClientReader<v1::ProvisionCohnProgress>();  // ended without the credentials
    EXPECT_CALL(*empty, Read(_)).WillOnce(Return(false));
    EXPECT_CALL(*empty, Finish()).WillOnce(Return(grpc::Status::OK));
    EXPECT_CALL(stub_, ProvisionCohnRaw(_, _)).WillOnce(Return(empty));
    EXPECT_EQ(goproctl({"cohn", "provision", "HomeNet"}), kExitError);
}

TEST_F(Commands, PresetsAndCapabilitiesJsonAndTheirRequests) {
    v1::GetPresetsRequest presetsSent;
    v1::PresetsResponse presets;
    auto* camera = presets.add_cameras();
    *camera->mutable_result() = ok("0456");
    auto* group = camera->add_groups();
    group->set_id(1000);
    group->set_name("Video");
    auto* preset = group->add_presets();
    preset->set_id(0);
    preset->set_mode_name("video");
    preset->set_active(true);
    preset->set_visible(true);
    EXPECT_CALL(stub_, GetPresets(_, _, _))
        .WillRepeatedly(DoAll(SaveArg<1>(&presetsSent), SetArgPointee<2>(presets), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"-i", "0456", "presets", "--all"}), kExitOk);
    EXPECT_TRUE(presetsSent.include_hidden());
    EXPECT_FALSE(presetsSent.target().all());
    EXPECT_THAT(presetsSent.target().cameras(), ElementsAre("0456"));
    EXPECT_THAT(lines(out()).at(1), AllOf(HasSubstr("Video"), HasSubstr("*"), HasSubstr("video")));
    out_.str("");
    EXPECT_EQ(goproctl({"presets", "--json"}), kExitOk);
    EXPECT_FALSE(presetsSent.include_hidden());
    v1::PresetsResponse parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsed).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, presets));

    v1::GetValuesRequest capabilitiesSent;
    v1::CapabilitiesResponse capabilities;
    *capabilities.add_cameras()->mutable_result() =
        failed("0456", grpc::StatusCode::DEADLINE_EXCEEDED, "no answer within 10 s");
    EXPECT_CALL(stub_, GetCapabilities(_, _, _))
        .WillOnce(DoAll(SaveArg<1>(&capabilitiesSent), SetArgPointee<2>(capabilities), Return(grpc::Status::OK)));
    out_.str("");
    EXPECT_EQ(goproctl({"--json", "capabilities", "resolution", "fps"}), kExitTimeout);
    EXPECT_THAT(capabilitiesSent.ids(), ElementsAre(2U, 3U));
    v1::CapabilitiesResponse parsedCapabilities;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines(out()).at(0), &parsedCapabilities).ok());
    EXPECT_THAT(err(), HasSubstr("goproctl: 0456: no answer within 10 s"));
}

}  // namespace
}  // namespace goprod::client

namespace goprod::client {
namespace {

// A read whose every camera failed prints no table, only the failures (as every read does).
TEST_F(Commands, CohnStatusOfOnlyFailedCamerasPrintsNoTable) {
    v1::CohnStatusResponse response;
    *response.add_cameras()->mutable_result() = failed("1234", grpc::StatusCode::UNAVAILABLE, "1234 is not connected");
    EXPECT_CALL(stub_, GetCohnStatus(_, _, _)).WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
    EXPECT_EQ(goproctl({"cohn", "status", "-i", "1234"}), kExitUnavailable);
    EXPECT_EQ(out(), "");
    EXPECT_EQ(err(), "goproctl: 1234: 1234 is not connected\n");
}

}  // namespace
}  // namespace goprod::client
