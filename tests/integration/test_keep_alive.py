"""Keep-alive under load, on goprod-sim: it is needed only on an idle link, so it
is not sent while requests flow, and it never takes one of the client's queue
slots (queue_depth clients all fit while it is due)."""
import asyncio
import os

from goprod.v1 import goprod_pb2 as pb
import grpc
from harness import run
from rig import KEEP_ALIVE, Rig

OK = grpc.StatusCode.OK.value[0]
DEPTH = 4           # requests.queue_depth
KEEP_ALIVE_MS = 500  # bluetooth.keep_alive_interval_ms: due several times during the load
ROUNDS = 10         # requests each client makes, one after the other
STATUS_QUERY = ("GP-0076", bytes.fromhex("13 46"))


class KeepAliveRig(Rig):
    async def start_daemon(self):
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write(f"[bluetooth]\nkeep_alive_interval_ms = {KEEP_ALIVE_MS}\n[requests]\nqueue_depth = {DEPTH}\n")
        await super().start_daemon()


def test_a_full_client_queue_under_sustained_load_gets_no_keep_alive_in_its_way():
    async def scenario():
        async with KeepAliveRig() as rig:
            (cam,) = await rig.ready(1)
            # Slow answers: the queue stays full (DEPTH clients) for many keep-alive periods.
            await rig.sim.control("SetResponseDelay", "su", cam, 100)
            await rig.sim.control("ClearReceived", "s", cam)
            request = pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[70])

            async def client(n):
                for i in range(ROUNDS):
                    (answer,) = (await rig.stub.GetStatuses(request, timeout=30)).cameras
                    assert answer.result.code == OK, f"client {n}, request {i}: {answer.result}"

            await asyncio.gather(*(client(n) for n in range(DEPTH)))
            received = await rig.sim.received(cam)
            queries = [i for i, m in enumerate(received) if m == STATUS_QUERY]
            assert len(queries) == DEPTH * ROUNDS
            between = received[queries[0]:queries[-1]]
            assert KEEP_ALIVE not in between, "keep-alive was sent while requests flowed"
            assert "keep-alive: the deadline passed" not in rig.daemon.output()
    run(scenario())

