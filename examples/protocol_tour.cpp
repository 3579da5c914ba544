// goprod-protocol-tour: walks through the two Open GoPro seed tutorials with
// the protocol library alone (no camera, no bus): every request is built and
// framed into 20-byte packets, and the camera's recorded answers are
// reassembled and decoded. `./run demo` runs it.
#include <cstdio>
#include <string>
#include <vector>

#include "network_management.pb.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"

using namespace goprod::protocol;

namespace {

void section(const char* title) { std::printf("\n== %s ==\n", title); }

void showRequest(const char* what, const Request& request) {
    const auto packets = fragment(request.message, Sender::Client);
    std::printf("  %-34s -> %s  %s\n", what, std::string(info(request.characteristic).shortName).c_str(),
                toHex(packets->front()).c_str());
    for (std::size_t i = 1; i < packets->size(); ++i) {
        std::printf("  %-34s    %s  %s\n", "", "       ", toHex((*packets)[i]).c_str());
    }
}

// Reassembles camera packets recorded in the tutorials and says what they are.
std::vector<Bytes> receive(Characteristic from, const std::vector<std::string>& hexPackets) {
    Reassembler reassembler;
    std::vector<Bytes> messages;
    int packets = 0;
    for (const auto& hex : hexPackets) {
        ++packets;
        auto out = reassembler.feed(*fromHex(hex));
        if (out.error) std::printf("  ! %s\n", describe(*out.error).c_str());
        if (out.message) {
            const Classified kind = classify(from, *out.message);
            std::printf("  <- %s  %d packet(s), %zu-byte %s (%s)\n", std::string(info(from).shortName).c_str(),
                        packets, out.message->size(),
                        std::string(incomingName(kind.kind)).c_str(), describe(kind.key).c_str());
            messages.push_back(std::move(*out.message));
            packets = 0;
        }
    }
    return messages;
}

void commandAnswer(const std::string& hex) {
    for (const auto& message : receive(Characteristic::CommandResponse, {hex})) {
        const auto response = parseCommandResponse(message);
        std::printf("     %s: %s\n", std::string(commandName(response->id).value_or("?")).c_str(),
                    std::string(cameraStatusName(response->status)).c_str());
    }
}

}  // namespace

int main() {
    std::printf("Open GoPro protocol tour: the seed tutorials' requests, built and framed by goprod's\n"
                "protocol library, and the camera's recorded answers decoded.\n");

    section("Commands (seed: sending BLE commands)");
    showRequest("shutter on", command::setShutter(true));
    showRequest("shutter off", command::setShutter(false));
    commandAnswer("02 01 00");
    showRequest("sleep", command::sleep());
    showRequest("load video preset group", command::loadPresetGroup(PresetGroup::Video));
    showRequest("load photo preset group", command::loadPresetGroup(PresetGroup::Photo));
    showRequest("load timelapse preset group", command::loadPresetGroup(PresetGroup::Timelapse));
    showRequest("load activity preset", command::loadPreset(0x00000001));
    showRequest("load burst photo preset", command::loadPreset(0x00010002));
    showRequest("enable analytics", command::setThirdPartyClient());

    section("Settings");
    for (const char* name : {"1080", "2.7K", "5K"}) {
        const auto value = settingValue(setting_id::kVideoResolution, name);
        showRequest((std::string("resolution ") + name).c_str(), *setting::set(setting_id::kVideoResolution, *value));
    }
    for (const char* name : {"24", "60", "240"}) {
        const auto value = settingValue(setting_id::kFramesPerSecond, name);
        showRequest((std::string("fps ") + name).c_str(), *setting::set(setting_id::kFramesPerSecond, *value));
    }
    showRequest("keep-alive", setting::keepAlive());
    for (const auto& message : receive(Characteristic::SettingResponse, {"02 02 00"})) {
        const auto response = parseSettingResponse(message);
        std::printf("     setting %d: %s\n", response->id, std::string(cameraStatusName(response->status)).c_str());
    }

    section("Hardware info (6 notifications)");
    showRequest("get hardware info", command::getHardwareInfo());
    for (const auto& message :
         receive(Characteristic::CommandResponse,
                 {"20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61",
                  "80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39",
                  "81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32",
                  "82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c",
                  "83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02", "84 5b 5d 01 01"})) {
        const auto hw = parseHardwareInfo(parseCommandResponse(message)->payload);
        std::printf("     model %u %s, firmware %s, serial %s, AP %s\n", hw->modelNumber, hw->modelName.c_str(),
                    hw->firmwareVersion.c_str(), hw->serialNumber.c_str(), hw->apSsid.c_str());
    }

    section("Status query (3 notifications)");
    const Bytes statuses{0x46, 0x44, 0x23, 0x56, 0x45, 0x61, 0x60, 0x0B, 0x08, 0x13};
    showRequest("get 10 statuses", query(QueryId::GetStatusValues, statuses));
    for (const auto& message : receive(Characteristic::QueryResponse,
                                       {"20 29 13 00 08 01 00 0b 01 00 13 01 00 23 04 00 00 0c a7 44",
                                        "80 01 00 45 01 01 46 01 3a 56 01 00 60 04 00 00 03 e8 61 04",
                                        "81 00 00 00 01"})) {
        const auto response = parseQueryResponse(message);
        for (const auto& entry : response->entries) {
            const StatusInfo* status = findStatus(entry.id);
            std::printf("     %3d %-28s %s\n", entry.id, status ? std::string(status->name).c_str() : "?",
                        formatStatusValue(entry.id, entry.value).c_str());
        }
    }

    section("WiFi (seed: connecting WiFi)");
    showRequest("AP on", command::setApControl(ApControl::On));
    commandAnswer("02 17 00");
    showRequest("start scan", operation::startScan());
    for (const auto& message : receive(Characteristic::NetworkManagementResponse,
                                       {"06 02 82 08 01 10 02", "0a 02 0b 08 05 10 01 18 05 20 01"})) {
        std::printf("     %s\n", shortText(*decodeProtobuf(message)->body).c_str());
    }
    showRequest("get AP entries", operation::getApEntries(0, 100, 1));
    for (const auto& message :
         receive(Characteristic::NetworkManagementResponse,
                 {"20 76 02 83 08 01 10 01 1a 13 0a 0a 64 61 62 75 67 64 61 62",
                  "80 75 67 10 03 20 e4 28 28 2f 1a 13 0a 0a 41 54 54 54 70 34",
                  "81 72 36 46 69 10 02 20 f1 2c 28 01 1a 13 0a 0a 41 54 54 62",
                  "82 37 4a 67 41 77 61 10 02 20 99 2d 28 01 1a 16 0a 0d 52 69",
                  "83 6e 67 20 53 65 74 75 70 20 65 37 10 01 20 ec 12 28 00 1a",
                  "84 17 0a 0e 48 6f 6d 65 79 6e 65 74 5f 32 47 45 58 54 10 01", "85 20 85 13 28 01"})) {
        const auto decoded = decodeProtobuf(message);
        for (const auto& entry : decoded->as<open_gopro::ResponseGetApEntries>()->entries()) {
            std::printf("     %-16s %d bars %5d MHz  flags 0x%02x%s\n", entry.ssid().c_str(),
                        entry.signal_strength_bars(), entry.signal_frequency_mhz(), entry.scan_entry_flags(),
                        (entry.scan_entry_flags() & open_gopro::SCAN_FLAG_CONFIGURED) ? " (configured)" : "");
        }
    }
    showRequest("connect new (fragmented)", *operation::connectNew("Ring Setup e7", "correct-horse-battery"));
    std::printf("\nEverything above came from the protocol library; `./run test` checks each byte.\n");
    return 0;
}
