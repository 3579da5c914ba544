// goprod-sim's control interface (io.goprod.Sim1 at /io/goprod/Sim, bus name
// io.goprod.Sim): lets tests and users inject faults and inspect what the
// cameras received, at run time. Runs on the EventLoop thread.
#pragma once

#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "sim/backend.h"

namespace goprod::sim {

inline constexpr const char* kControlBusName = "io.goprod.Sim";
inline constexpr const char* kControlPath = "/io/goprod/Sim";
inline constexpr const char* kControlInterface = "io.goprod.Sim1";

class Control {
public:
    Control(sdbus::IConnection& connection, Backend& backend);

private:
    CameraEndpoint& camera(const std::string& identifier);
    AgentManager& agentManager();  // NotSupported where the backend has none
    Rig& rig();                    // NotSupported where the backend has none
    void cancelRestart();  // a pending RestartBluez comeback

    sdbus::IConnection& connection_;
    Backend& backend_;
    std::unique_ptr<sdbus::IObject> object_;
    Scheduler::TimerId restartTimer_ = 0;
};

}  // namespace goprod::sim
