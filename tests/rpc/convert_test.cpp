// The enum tables of daemon/rpc/convert.cpp: every value of the daemon has its
// own API value, and the values the API sends map back to it.
#include "daemon/rpc/convert.h"

#include <set>

#include <gtest/gtest.h>

namespace goprod::rpc {
namespace {

TEST(Convert, EveryCameraStateHasItsOwnApiState) {
    std::set<int> seen;
    for (int i = 0; i <= static_cast<int>(core::CameraState::Disconnected); ++i) {
        const auto api = toProto(static_cast<core::CameraState>(i));
        EXPECT_NE(api, v1::CAMERA_STATE_UNSPECIFIED) << i;
        EXPECT_TRUE(seen.insert(api).second) << i;
    }
}

// issue 16: where a camera's link goes and why it waits.
TEST(Convert, ACameraCarriesItsAdapterPinHomeAndPriority) {
    core::CameraView view;
    view.identifier = "0456";
    view.adapter = "hci1";
    view.waiting = "no adapter has room";
    view.pinnedAdapter = "hci3";
    view.homeAdapter = "00:1A:7D:DA:71:14";
    view.priority = -7;
    v1::Camera camera;
    toProto(view, &camera);
    EXPECT_EQ(camera.adapter(), "hci1");
    EXPECT_EQ(camera.waiting(), "no adapter has room");
    EXPECT_EQ(camera.pinned_adapter(), "hci3");
    EXPECT_EQ(camera.home_adapter(), "00:1A:7D:DA:71:14");
    EXPECT_EQ(camera.priority(), -7);
}

TEST(Convert, EventKindsMapBothWays) {
    for (int i = 0; i <= static_cast<int>(core::Event::Kind::RequestDone); ++i) {
        const auto kind = static_cast<core::Event::Kind>(i);
        EXPECT_NE(toProto(kind), v1::Event::KIND_UNSPECIFIED) << i;
        EXPECT_EQ(fromProto(toProto(kind)), kind) << i;
    }
    EXPECT_EQ(fromProto(v1::Event::KIND_UNSPECIFIED), std::nullopt);
    EXPECT_EQ(fromProto(static_cast<v1::Event::Kind>(99)), std::nullopt);
}

TEST(Convert, TheFourRequestCharacteristicsAndNothingElse) {
    EXPECT_EQ(fromProto(v1::CHARACTERISTIC_COMMAND), protocol::Characteristic::CommandRequest);
    EXPECT_EQ(fromProto(v1::CHARACTERISTIC_SETTINGS), protocol::Characteristic::SettingRequest);
    EXPECT_EQ(fromProto(v1::CHARACTERISTIC_QUERY), protocol::Characteristic::QueryRequest);
    EXPECT_EQ(fromProto(v1::CHARACTERISTIC_NETWORK), protocol::Characteristic::NetworkManagementRequest);
    EXPECT_EQ(fromProto(v1::CHARACTERISTIC_UNSPECIFIED), std::nullopt);
    EXPECT_EQ(fromProto(static_cast<v1::Characteristic>(99)), std::nullopt);
}

TEST(Convert, PresetGroupsByTheirIds) {
    EXPECT_EQ(fromProto(v1::PRESET_GROUP_VIDEO), protocol::PresetGroup::Video);
    EXPECT_EQ(fromProto(v1::PRESET_GROUP_PHOTO), protocol::PresetGroup::Photo);
    EXPECT_EQ(fromProto(v1::PRESET_GROUP_TIMELAPSE), protocol::PresetGroup::Timelapse);
    EXPECT_EQ(fromProto(v1::PRESET_GROUP_UNSPECIFIED), std::nullopt);
    EXPECT_EQ(fromProto(static_cast<v1::PresetGroup>(1003)), std::nullopt);
}

TEST(Convert, EveryWifiStepHasItsOwnApiStep) {
    std::set<int> seen;
    for (int i = 0; i <= static_cast<int>(core::WifiProgress::Step::Provisioning); ++i) {
        const auto api = toProto(static_cast<core::WifiProgress::Step>(i));
        EXPECT_NE(api, v1::ConnectNetworkProgress::STEP_UNSPECIFIED) << i;
        EXPECT_NE(api, v1::ConnectNetworkProgress::STEP_CONNECTED) << i;  // the service's own last step
        EXPECT_TRUE(seen.insert(api).second) << i;
    }
}

}  // namespace
}  // namespace goprod::rpc
