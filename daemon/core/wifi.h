// The network operations: station mode (the WiFi seed: scan for networks, and
// connect the camera to one) and the camera's access point (Set AP). Each
// station-mode operation runs as one NetworkOperation on the camera: it holds
// the network-management channel from the scan to the provisioning result,
// while its requests go through the camera's queue like any other.
// Core thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/camera.h"

namespace goprod::core {

// Start scan, wait for the scan to succeed, read the entries.
std::shared_ptr<NetworkOperation> makeWifiScan(Executor& executor, Camera& camera, Deadline deadline,
                                               std::function<void(Result<std::vector<ScanEntry>>)> done);

// Scan, then Connect (a network the camera already knows) or Connect New (as
// the seed does, from the entry's flags), then wait for the provisioning result.
std::shared_ptr<NetworkOperation> makeWifiConnect(Executor& executor, Camera& camera, std::string ssid,
                                                  std::optional<std::string> password, Deadline deadline,
                                                  std::function<void(const WifiProgress&)> progress,
                                                  std::function<void(Result<void>)> done);

// Set AP Control, then waits until status 69 says the access point is on (or
// off): acknowledged is not up. Not a NetworkOperation: it needs no
// network-management channel, so it does not wait behind a scan. `find` gives
// the camera again once it answered (nullptr: forgotten meanwhile). Returns
// what cancels it; empty when the request was refused at once (`done` has the
// answer).
std::function<void()> setAp(Camera& camera, std::function<Camera*()> find, bool on, Deadline deadline,
                            std::function<void(Result<void>)> done);

}  // namespace goprod::core
