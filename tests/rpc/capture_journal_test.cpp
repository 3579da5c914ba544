// issue 17: the capture journal through the service (in-process gRPC over a
// FakeControl) and a real journal file: shutter entries with every camera's
// times, encoding changes and the last media read after a stop, ListCaptures'
// range and paging, numbering that goes on after a restart, and a daemon with
// the journal off.
#include "daemon/rpc/capture_journal.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/config/journal_file.h"
#include "daemon/rpc/convert.h"
#include "media.pb.h"
#include "protocol/protobuf.h"
#include "tests/rpc/test_support.h"

namespace goprod::rpc::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kAddr1 = "D4:1C:00:00:04:56";
constexpr const char* kAddr2 = "D4:1C:00:00:12:34";

core::Event encodingEvent(const std::string& identifier, const std::string& address, bool encoding,
                          core::Event::Kind kind = core::Event::Kind::StatusPush) {
    core::Event event;
    event.kind = kind;
    event.camera = camera(identifier, address);
    event.camera.encoding = encoding;
    return event;
}

class CaptureJournalTest : public ServiceFixture {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/goprod-captures-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        openJournal();
        fake_.setCameras({camera("0456", kAddr1), camera("1234", kAddr2)});
        fake_.onRequest = [this](const core::CameraView& camera, const protocol::Request& request) {
            if (request.expects.action != protocol::action::kGetLastCapturedMediaResponse) {
                return succeed(camera, request);
            }
            open_gopro::ResponseLastCapturedMedia body;
            body.set_result(open_gopro::RESULT_SUCCESS);
            body.mutable_media()->set_folder("100GOPRO");
            body.mutable_media()->set_file("GX01" + camera.identifier + ".MP4");
            core::Answer answer = answerTo(request, 0);
            answer.message = protocol::encodeProtobuf(request.expects.id, request.expects.action, body);
            mediaReads_.fetch_add(1);
            return FakeControl::Reply<core::Answer>(answer);
        };
    }
    void TearDown() override {
        ServiceFixture::TearDown();
        closeJournal();
        std::filesystem::remove_all(dir_);
    }

    void openJournal() {
        auto file = config::JournalFile::open(dir_ / "capture-journal.jsonl", 1 << 20);
        ASSERT_TRUE(file.has_value()) << file.error().message;
        file_ = std::move(*file);
        journal_ = std::make_unique<CaptureJournal>(
            *file_, fake_, [this](std::function<void()> task) { fake_.post(std::move(task)); }, 1s,
            [] { return kWallBase + 5s; });
        ASSERT_TRUE(journal_->start().has_value());
        auto options = testOptions();
        options.journal = journal_.get();
        startService(std::move(options));
    }
    void closeJournal() {
        stopService();
        journal_.reset();
        file_.reset();
    }

    v1::ListCapturesResponse list(v1::ListCapturesRequest request = {}) {
        v1::ListCapturesResponse response;
        EXPECT_TRUE(stub_->ListCaptures(context().get(), request, &response).ok());
        return response;
    }
    // Waits until the journal holds `count` entries.
    v1::ListCapturesResponse waitForEntries(int count) {
        v1::ListCapturesResponse response;
        fake_.waitFor([&] {
            response = list();
            return response.entries_size() >= count;
        });
        return response;
    }
    v1::MultiResult shutter(bool on, std::optional<std::chrono::system_clock::time_point> at = {}) {
        v1::SetShutterRequest request;
        request.mutable_target()->set_all(true);
        request.set_on(on);
        if (at) setTimestamp(request.mutable_start_at(), *at);
        v1::MultiResult response;
        EXPECT_TRUE(stub_->SetShutter(context(20s).get(), request, &response).ok());
        return response;
    }
    std::string fileText() {
        std::ifstream in(dir_ / "capture-journal.jsonl");
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::filesystem::path dir_;
    std::unique_ptr<config::JournalFile> file_;
    std::unique_ptr<CaptureJournal> journal_;
    std::atomic<int> mediaReads_{0};
};

TEST_F(CaptureJournalTest, AShutterIsRecordedWithEveryCamerasTimes) {
    const auto answered = shutter(true);
    const auto listed = waitForEntries(1);
    ASSERT_EQ(listed.entries_size(), 1);
    const auto& entry = listed.entries(0);
    EXPECT_EQ(entry.sequence(), 1U);
    EXPECT_EQ(entry.time().seconds(), 1'700'000'005);
    ASSERT_TRUE(entry.has_shutter());
    EXPECT_TRUE(entry.shutter().on());
    EXPECT_FALSE(entry.shutter().has_planned());
    ASSERT_EQ(entry.shutter().result().results_size(), 2);
    EXPECT_EQ(entry.shutter().result().SerializeAsString(), answered.SerializeAsString())
        << "the journal keeps what the caller was told";
    for (const auto& result : entry.shutter().result().results()) {
        EXPECT_EQ(result.sent().nanos(), 10'000'000);
        EXPECT_EQ(result.acknowledged().nanos(), 30'000'000);
    }
    // One JSON object per line, every field spelt out.
    const std::string text = fileText();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
    EXPECT_THAT(text, HasSubstr("\"shutter\":{\"on\":true"));
    EXPECT_THAT(text, HasSubstr("\"identifier\":\"0456\""));
}

TEST_F(CaptureJournalTest, APlannedShutterKeepsItsInstant) {
    shutter(false, kWallBase + 2s);
    const auto listed = waitForEntries(1);
    ASSERT_EQ(listed.entries_size(), 1);
    const auto& shutter = listed.entries(0).shutter();
    EXPECT_FALSE(shutter.on());
    EXPECT_EQ(shutter.planned().seconds(), 1'700'000'002);
    for (const auto& result : shutter.result().results()) EXPECT_EQ(result.planned().seconds(), 1'700'000'002);
}

TEST_F(CaptureJournalTest, EncodingChangesAreRecordedAndAStopReadsTheLastMedia) {
    fake_.emit(encodingEvent("0456", kAddr1, true, core::Event::Kind::StateChanged));  // ready while encoding
    fake_.emit(encodingEvent("0456", kAddr1, true));  // a battery push while encoding: no entry
    fake_.emit(encodingEvent("0456", kAddr1, true, core::Event::Kind::SettingPush));  // not listened to
    fake_.emit(encodingEvent("1234", kAddr2, false));  // not encoding before either: no entry
    fake_.emit(encodingEvent("0456", kAddr1, false));
    const auto listed = waitForEntries(3);
    ASSERT_EQ(listed.entries_size(), 3);
    ASSERT_TRUE(listed.entries(0).has_encoding());
    EXPECT_EQ(listed.entries(0).encoding().camera(), "0456");
    EXPECT_EQ(listed.entries(0).encoding().address(), kAddr1);
    EXPECT_TRUE(listed.entries(0).encoding().encoding());
    EXPECT_FALSE(listed.entries(1).encoding().encoding());
    ASSERT_TRUE(listed.entries(2).has_media());
    EXPECT_EQ(listed.entries(2).media().camera(), "0456");
    EXPECT_EQ(listed.entries(2).media().folder(), "100GOPRO");
    EXPECT_EQ(listed.entries(2).media().file(), "GX010456.MP4");
    EXPECT_EQ(mediaReads_.load(), 1);
    EXPECT_EQ(listed.entries(2).sequence(), 3U);
}

TEST_F(CaptureJournalTest, ACameraWithoutLastMediaLeavesNoMediaEntry) {
    fake_.onRequest = [](const core::CameraView&, const protocol::Request& request) {
        core::Answer answer = answerTo(request, 0);
        answer.message = {request.expects.id, 2};  // the 2-byte "not supported" answer of older cameras
        return FakeControl::Reply<core::Answer>(answer);
    };
    fake_.emit(encodingEvent("0456", kAddr1, true));
    fake_.emit(encodingEvent("0456", kAddr1, false));
    waitForEntries(2);
    ASSERT_TRUE(fake_.waitFor([&] { return !fake_.requests().empty(); }));
    shutter(true);  // a later entry proves the media answer was handled before it
    const auto listed = waitForEntries(3);
    ASSERT_EQ(listed.entries_size(), 3);
    EXPECT_TRUE(listed.entries(2).has_shutter());
}

TEST_F(CaptureJournalTest, ListCapturesTakesATimeRangeAndPages) {
    for (int i = 0; i < 5; ++i) shutter(i % 2 == 0);
    waitForEntries(5);
    v1::ListCapturesRequest request;
    request.set_limit(2);
    auto page = list(request);
    ASSERT_EQ(page.entries_size(), 2);
    EXPECT_TRUE(page.more());
    request.set_after_sequence(page.entries(1).sequence());
    page = list(request);
    ASSERT_EQ(page.entries_size(), 2);
    EXPECT_EQ(page.entries(0).sequence(), 3U);
    request.set_after_sequence(4);
    page = list(request);
    ASSERT_EQ(page.entries_size(), 1);
    EXPECT_FALSE(page.more());

    v1::ListCapturesRequest range;
    setTimestamp(range.mutable_since(), kWallBase + 6s);
    EXPECT_EQ(list(range).entries_size(), 0) << "every entry is at +5 s";
    setTimestamp(range.mutable_since(), kWallBase + 5s);
    EXPECT_EQ(list(range).entries_size(), 5) << "since is inclusive";
    setTimestamp(range.mutable_until(), kWallBase + 5s);
    EXPECT_EQ(list(range).entries_size(), 0) << "until is exclusive";

    v1::ListCapturesRequest bad;
    bad.mutable_since()->set_nanos(-1);
    v1::ListCapturesResponse response;
    auto status = stub_->ListCaptures(context().get(), bad, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    bad.mutable_since()->set_nanos(0);
    bad.mutable_until()->set_seconds(1'000'000'000'000'000);  // beyond year 9999: would overflow the clock
    status = stub_->ListCaptures(context().get(), bad, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CaptureJournalTest, NumberingGoesOnAfterARestartAndACutLineIsSkipped) {
    shutter(true);
    waitForEntries(1);
    closeJournal();
    {
        std::ofstream out(dir_ / "capture-journal.jsonl", std::ios::app);
        out << "{\"sequence\":\"2\",\"shut";  // killed in the middle of a write
    }
    openJournal();
    shutter(false);
    const auto listed = waitForEntries(2);
    ASSERT_EQ(listed.entries_size(), 2);
    EXPECT_EQ(listed.entries(0).sequence(), 1U);
    EXPECT_EQ(listed.entries(1).sequence(), 2U);
    EXPECT_FALSE(listed.entries(1).shutter().on());
}

TEST_F(CaptureJournalTest, WithTheJournalOffListCapturesSaysSo) {
    startService(testOptions());
    v1::ListCapturesResponse response;
    const auto status = stub_->ListCaptures(context().get(), {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("max_size_mib = 0"));
}

}  // namespace
}  // namespace goprod::rpc::testing
