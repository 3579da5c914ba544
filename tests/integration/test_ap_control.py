"""Set AP Control on goprod-sim when the status-69 push never comes (a camera
that lost the registration, a push lost in a reconnection): goprod learns the
AP's state by querying status 69 and answers OK within the deadline."""
from goprod.v1 import goprod_pb2 as pb
import grpc
from harness import goproctl, run
from rig import Rig

OK = grpc.StatusCode.OK.value[0]
STATUS_69_QUERY = ("GP-0076", bytes.fromhex("13 45"))


def target(identifier):
    return pb.CameraRequest(cameras=[identifier])


def test_set_ap_succeeds_from_a_query_when_no_status_push_comes():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("SuppressStatusPushes", "sb", cam, True)
            await rig.sim.control("ClearReceived", "s", cam)
            result = await rig.stub.SetAp(pb.SetApRequest(target=target(cam), on=True), timeout=10)
            assert result.results[0].code == OK, result
            received = await rig.received(cam)
            assert received[0] == ("GP-0072", bytes.fromhex("17 01 01")), received
            assert STATUS_69_QUERY in received, received

            # goproctl too, the other way.
            code, out, err = await goproctl(rig.daemon, "-i", cam, "--timeout", "10", "wifi", "ap", "off")
            assert code == 0, (out, err)
            (status,) = (await rig.stub.GetStatuses(pb.GetValuesRequest(target=target(cam), ids=[69]))).cameras
            assert status.values[0].integer == 0, status
    run(scenario())

