#include "sim/control.h"

#include <spdlog/spdlog.h>

#include "protocol/bytes.h"
#include "protocol/gatt.h"
#include "protocol/queries.h"

namespace goprod::sim {

namespace {
sdbus::Error unknownCamera(const std::string& identifier) {
    return sdbus::Error("io.goprod.Sim.Error.UnknownCamera",
                        "no camera '" + identifier + "' (use the last 4 serial digits, the name or the address)");
}
}  // namespace

Control::Control(sdbus::IConnection& connection, Backend& backend) : connection_(connection), backend_(backend) {
    object_ = sdbus::createObject(connection_, kControlPath);
    auto& o = *object_;
    const char* iface = kControlInterface;

    o.registerMethod("ListCameras").onInterface(iface).withOutputParamNames("cameras").implementedAs([this] {
        std::vector<sdbus::Struct<std::string, std::string, std::string, bool, bool>> out;
        for (CameraEndpoint* camera : backend_.endpoints()) {
            out.emplace_back(camera->config().name(), camera->config().address, camera->path(), camera->paired(),
                             camera->connected());
        }
        return out;
    });
    o.registerMethod("DropLink").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).dropLink(); });
    o.registerMethod("DropLinkDuringNextResponse").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().dropLinkDuringNextMultiPacketResponse(); });
    o.registerMethod("SetResponseDelay").onInterface(iface).withInputParamNames("camera", "milliseconds").implementedAs(
        [this](const std::string& id, const std::uint32_t& ms) {
            camera(id).camera().delayResponses(std::chrono::milliseconds(ms));
        });
    o.registerMethod("NeverAnswerNext").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().neverAnswerNext(); });
    o.registerMethod("CorruptNextPacket").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().corruptNextPacket(); });
    o.registerMethod("TruncateNextPacket").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().truncateNextPacket(); });
    o.registerMethod("DuplicateNextPacket").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().duplicateNextPacket(); });
    o.registerMethod("SuppressStatusPushes").onInterface(iface).withInputParamNames("camera", "suppress").implementedAs(
        [this](const std::string& id, const bool& suppress) { camera(id).camera().suppressStatusPushes(suppress); });
    o.registerMethod("SetBusy").onInterface(iface).withInputParamNames("camera", "busy").implementedAs(
        [this](const std::string& id, const bool& busy) { camera(id).camera().setBusy(busy); });
    o.registerMethod("RefusePairing").onInterface(iface).withInputParamNames("camera", "refuse").implementedAs(
        [this](const std::string& id, const bool& refuse) { camera(id).setRefusePairing(refuse); });
    o.registerMethod("HideNextConnected").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).hideNextConnected(); });
    // As a restarting bluetoothd (simulated BlueZ: org.bluez and all its objects vanish, then come back)
    // or a restarting camera (peripheral mode: it unregisters from bluetoothd, then registers again).
    o.registerMethod("RestartBluez").onInterface(iface).withInputParamNames("down_milliseconds").implementedAs(
        [this](const std::uint32_t& downMs) {
            cancelRestart();
            backend_.stop();
            restartTimer_ = backend_.scheduler().after(std::chrono::milliseconds(downMs), [this] {
                restartTimer_ = 0;
                if (!backend_.running()) backend_.start();
            });
        });
    o.registerMethod("StopBluez").onInterface(iface).implementedAs([this] {
        cancelRestart();
        backend_.stop();
    });
    o.registerMethod("StartBluez").onInterface(iface).implementedAs([this] {
        cancelRestart();
        if (!backend_.running()) backend_.start();
    });
    // group C: the running live stream fails now, or the next one when the shutter starts it.
    o.registerMethod("FailLiveStream").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().failLiveStream(); });
    // Every request message the camera reassembled, in order: (characteristic "GP-0072", bytes).
    o.registerMethod("FailConnections")
        .onInterface(iface)
        .withInputParamNames("camera", "count")
        .implementedAs(
            [this](const std::string& id, const std::uint32_t& count) { camera(id).failConnections(count); });
    o.registerMethod("Received").onInterface(iface).withInputParamNames("camera").withOutputParamNames("messages").implementedAs(
        [this](const std::string& id) {
            std::vector<sdbus::Struct<std::string, std::vector<std::uint8_t>>> out;
            for (const auto& [characteristic, message] : camera(id).camera().receivedMessages()) {
                out.emplace_back(std::string(protocol::info(characteristic).shortName), message);
            }
            return out;
        });
    o.registerMethod("ClearReceived").onInterface(iface).withInputParamNames("camera").implementedAs(
        [this](const std::string& id) { camera(id).camera().clearReceived(); });
    // The pairing agents registered with the simulated AgentManager1: (owner, path, capability, default).
    o.registerMethod("Agents").onInterface(iface).withOutputParamNames("agents").implementedAs([this] {
        std::vector<sdbus::Struct<std::string, std::string, std::string, bool>> out;
        for (const auto& agent : agentManager().agents()) {
            out.emplace_back(agent.owner, agent.path, agent.capability, agent.isDefault);
        }
        return out;
    });
    // Makes the simulated bluetoothd ask an agent about any device: "" when it said yes, else its error.
    o.registerMethod("AskAgent")
        .onInterface(iface)
        .withInputParamNames("owner", "device", "method")
        .withOutputParamNames("error")
        .implementedAs([this](sdbus::Result<std::string>&& result, const std::string& owner, const std::string& device,
                              const std::string& method) {
            auto reply = std::make_shared<sdbus::Result<std::string>>(std::move(result));
            agentManager().askAgent(owner, device, method,
                                    [reply](const std::string& error) { reply->returnResults(error); });
        });
    // issue 15 D: COHN stays ConnectingToNetwork however the station joins (persistent until cleared).
    o.registerMethod("CohnNeverConnects").onInterface(iface).withInputParamNames("camera", "never").implementedAs(
        [this](const std::string& id, const bool& never) { camera(id).camera().cohnNeverConnects(never); });
    // issue 15 E: the camera control status the camera holds (status 114: 0 idle, 1 control, 2 external).
    o.registerMethod("CameraControl")
        .onInterface(iface)
        .withInputParamNames("camera")
        .withOutputParamNames("status")
        .implementedAs([this](const std::string& id) {
            const auto value = camera(id).camera().statusValue(protocol::status_id::kCameraControl);
            return static_cast<std::int32_t>(value ? protocol::readBigEndian(*value) : 0);
        });
    // issue 16: the rig's adapters: (name, address, present, powered, LE links it holds, most it can hold).
    o.registerMethod("Adapters").onInterface(iface).withOutputParamNames("adapters").implementedAs([this] {
        std::vector<sdbus::Struct<std::string, std::string, bool, bool, std::uint32_t, std::uint32_t>> out;
        for (const auto& adapter : rig().adapters()) {
            out.emplace_back(adapter.name, adapter.address, adapter.present, adapter.powered, adapter.connections,
                             adapter.maxConnections);
        }
        return out;
    });
    o.registerMethod("SetMaxConnections")
        .onInterface(iface)
        .withInputParamNames("adapter", "limit")
        .implementedAs([this](const std::string& adapter, const std::uint32_t& limit) {
            rig().setMaxConnections(adapter, limit);
        });
    o.registerMethod("SetRssi")
        .onInterface(iface)
        .withInputParamNames("camera", "adapter", "rssi")
        .implementedAs([this](const std::string& id, const std::string& adapter, const std::int16_t& rssi) {
            rig().setRssi(camera(id), adapter, rssi);
        });
    o.registerMethod("RemoveAdapter")
        .onInterface(iface)
        .withInputParamNames("adapter")
        .implementedAs([this](const std::string& adapter) { rig().removeAdapter(adapter); });
    o.registerMethod("AddAdapter")
        .onInterface(iface)
        .withInputParamNames("adapter")
        .implementedAs([this](const std::string& adapter) { rig().addAdapter(adapter); });
    o.finishRegistration();
    connection_.requestName(kControlBusName);
}

AgentManager& Control::agentManager() {
    AgentManager* manager = backend_.agentManager();
    if (manager == nullptr) {
        throw sdbus::Error("io.goprod.Sim.Error.NotSupported", "the pairing agents belong to the real bluetoothd here");
    }
    return *manager;
}

Rig& Control::rig() {
    Rig* rig = backend_.rig();
    if (rig == nullptr) {
        throw sdbus::Error("io.goprod.Sim.Error.NotSupported", "the adapters are the real bluetoothd's here");
    }
    return *rig;
}

void Control::cancelRestart() {
    if (restartTimer_ != 0) backend_.scheduler().cancel(restartTimer_);
    restartTimer_ = 0;
}

CameraEndpoint& Control::camera(const std::string& identifier) {
    CameraEndpoint* camera = backend_.find(identifier);
    if (camera == nullptr) throw unknownCamera(identifier);
    return *camera;
}

}  // namespace goprod::sim
