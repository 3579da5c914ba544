// issue 15 D: COHN provisioning, the camera on the home network, end to end as
// tutorial 9 does it: Set Local Date Time, join the network through the
// station-mode operation (wifi.h), Clear and Create the certificate, register
// for COHN status and wait for NetworkConnected, then read the certificate.
// Every request goes through the camera's queue. Core thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/core/camera.h"
#include "protocol/commands.h"

namespace goprod::core {

// `find` gives the camera again between steps (nullptr: forgotten meanwhile).
// Returns what cancels it. `done` runs exactly once.
std::function<void()> provisionCohn(Executor& executor, std::function<Camera*()> find, std::string ssid,
                                    std::optional<std::string> password, protocol::LocalDateTime now, Deadline deadline,
                                    std::function<void(const CohnProgress&)> progress,
                                    std::function<void(Result<CohnCredentials>)> done);

}  // namespace goprod::core
