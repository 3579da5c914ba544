// group C: live streaming. The start flow (opengopro-ble.md §8.3, the
// live-stream flow): Set Live Stream Mode, register for the live-stream
// status and wait until the camera says READY, then shutter on and wait for
// STREAMING. It runs as a NetworkOperation on the camera (the stream needs
// the camera's network: one at a time with scans and station-mode joins, and
// it ends when the link drops); its requests go through the camera's queue.
// Core thread only.
#pragma once

#include <functional>
#include <memory>

#include "daemon/core/camera.h"
#include "protocol/protobuf.h"

namespace goprod::core {

std::shared_ptr<NetworkOperation> makeLiveStreamStart(Executor& executor, Camera& camera,
                                                      protocol::operation::LiveStreamMode mode, Deadline deadline,
                                                      std::function<void(const LiveStreamProgress&)> progress,
                                                      std::function<void(Result<void>)> done);

}  // namespace goprod::core
