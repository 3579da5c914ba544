"""issue 16 (goprod): each adapter's connection budget ([bluetooth] max_connections)
on the real goprod, goproctl and goprod-sim, on one adapter (test_rig_placement.py
has several): a camera that would go over it is not
connected, says why ("no adapter has room") in the API and in `goproctl list`,
and is connected once room frees."""

import grpc

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import BudgetRig

NO_ROOM = "no adapter has room"


async def sim_connected(rig):
    (cameras,) = await rig.sim.control("ListCameras")
    return {c[0].split()[-1]: c[4] for c in cameras}


def test_a_camera_over_the_budget_waits_visibly_and_connects_when_room_frees():
    async def scenario():
        async with BudgetRig(1, ["--cameras", "2"]) as rig:
            first, second = await rig.discover(2)
            await rig.connect(first)

            # The adapter holds its budget: the second camera's Connect runs out of
            # time and says why; BlueZ was never asked for a second link.
            try:
                await rig.stub.Connect(pb.ConnectRequest(camera=second), timeout=3)
                raise AssertionError("connected over the budget")
            except grpc.aio.AioRpcError as e:
                assert e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e
                assert NO_ROOM in e.details(), e.details()
            assert await sim_connected(rig) == {first: True, second: False}
            camera = await rig.stub.GetCamera(pb.GetCameraRequest(camera=second))
            assert camera.waiting == NO_ROOM, camera
            assert camera.adapter == "hci0", camera
            code, out, err = await goproctl(rig.daemon, "list")
            assert code == 0, (code, out, err)
            row = next(line for line in out.splitlines() if line.startswith(second))
            assert NO_ROOM in row and " hci0 " in row, out
            assert out.splitlines()[0].split()[:4] == ["IDENTIFIER", "NAME", "STATE", "ADAPTER"], out
            # The adapter's row: one connection of a budget of one.
            code, out, err = await goproctl(rig.daemon, "status")
            assert code == 0, (code, out, err)
            row = next(line for line in out.splitlines() if line.startswith("hci0 "))
            assert row.split()[-1] == "1/1", out

            # Room frees: the waiting camera is connected without being asked again.
            await rig.stub.Disconnect(pb.DisconnectRequest(camera=first), timeout=30)
            camera = await rig.wait_state(second, pb.CAMERA_STATE_READY)
            assert camera.waiting == "", camera
            assert await sim_connected(rig) == {first: False, second: True}
    run(scenario())
