"""issue 16: rigs on the real goprod, goproctl and goprod-sim with several adapters:
budgets held across 8 adapters with 256 cameras, every camera ready when they fit,
an adapter unplugged under load, and placement by signal and by the adapter a
camera is remembered on."""
import asyncio
import json
import os
import time

import grpc

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl
from rig import BudgetRig, left_and_back

NO_ROOM = "no adapter has room"


class PlacementRig(BudgetRig):
    """A rig whose goprod holds at most `budget` links per adapter and knows
    `known` of the sim's cameras (cameras.toml written before it starts, auto-connect
    on, with `entry(identifier)`'s extra keys), as a rig host after a reboot."""

    connect_timeout = 60

    def __init__(self, budget, sim_args, known=0, entry=None, max_cameras=256):
        super().__init__(budget, sim_args, max_cameras=max_cameras)
        self.known = known
        self.entry = entry or (lambda identifier: {})

    async def start_daemon(self):
        if self.known:
            (cameras,) = await self.sim.control("ListCameras")
            state = os.path.join(self.tmp.name, "state")
            os.makedirs(state, mode=0o700, exist_ok=True)
            with open(os.path.join(state, "cameras.toml"), "w") as f:
                f.write("version = 1\n")
                for name, address, *_ in cameras[:self.known]:
                    identifier = name.split()[-1]
                    fields = {"identifier": identifier, "address": address, "name": name, "auto_connect": True,
                              **self.entry(identifier)}
                    f.write("\n[[camera]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items()))
        await super().start_daemon()

    async def cameras(self):
        return {c.identifier: c for c in (await self.stub.ListCameras(pb.ListCamerasRequest())).cameras}

    async def until(self, predicate, what, timeout=60):
        """Polls ListCameras until predicate(cameras) holds; the cameras then."""
        deadline = time.monotonic() + timeout
        while True:
            cameras = await self.cameras()
            if predicate(cameras):
                return cameras
            assert time.monotonic() < deadline, f"{what}: not within {timeout} s: " + ", ".join(
                f"{c.identifier} {pb.CameraState.Name(c.state)} {c.adapter} {c.waiting}" for c in cameras.values())
            await asyncio.sleep(0.05)

    async def sim_adapters(self):
        """name → (present, powered, links held) as goprod-sim's controllers say."""
        (adapters,) = await self.sim.control("Adapters")
        return {a[0]: (a[2], a[3], a[4]) for a in adapters}


def ready(cameras):
    return {i for i, c in cameras.items() if c.state == pb.CAMERA_STATE_READY}


def per_adapter(cameras):
    """adapter → identifiers of its ready cameras."""
    out = {}
    for i in ready(cameras):
        out.setdefault(cameras[i].adapter, set()).add(i)
    return out


async def adapters_json(rig):
    code, out, err = await goproctl(rig.daemon, "adapters", "--json")
    assert code == 0, (code, out, err)
    return {a["name"]: a for a in map(json.loads, out.splitlines())}


def test_256_cameras_on_8_adapters_of_7_connect_56_and_the_rest_wait_politely():
    async def scenario():
        async with PlacementRig(7, ["--cameras", "256", "--adapters", "8", "--max-connections", "7", "--paired"],
                                known=256) as rig:
            cameras = await rig.until(lambda c: len(c) == 256 and len(ready(c)) == 56, "56 cameras ready")
            # Each adapter holds its budget and no more; the others wait and say why.
            assert {a: len(ids) for a, ids in per_adapter(cameras).items()} == {f"hci{i}": 7 for i in range(8)}
            waiting = {i for i, c in cameras.items() if c.waiting == NO_ROOM}
            assert waiting == set(cameras) - ready(cameras), sorted(set(cameras) - ready(cameras) - waiting)
            # BlueZ (the sim) was never asked for a link beyond a budget: 7 per controller, none refused.
            assert {n: links for n, (_, _, links) in (await rig.sim_adapters()).items()} == \
                {f"hci{i}": 7 for i in range(8)}
            assert not [c for c in cameras.values() if c.last_error], "a controller was asked beyond its room"

            code, out, err = await goproctl(rig.daemon, "list")
            assert code == 0, (code, out, err)
            rows = out.splitlines()[1:]
            assert len(rows) == 256 and sum(NO_ROOM in row for row in rows) == 200, out
            adapters = await adapters_json(rig)
            assert sorted(adapters) == sorted(f"hci{i}" for i in range(8))
            for name, adapter in adapters.items():
                assert (adapter["budget"], adapter["connections"]) == (7, 7), adapter
                assert set(adapter["cameras"]) == per_adapter(cameras)[name], adapter
            code, out, err = await goproctl(rig.daemon, "adapters")
            assert code == 0 and all(" full " in row and " 7/7 " in row for row in out.splitlines()[1:]), out

            # Room freed on one adapter: one waiting camera it hears takes it, and only one.
            leaving = sorted(per_adapter(cameras)["hci3"])[0]
            await rig.stub.Disconnect(pb.DisconnectRequest(camera=leaving), timeout=10)
            after = await rig.until(lambda c: len(ready(c)) == 56 and leaving not in ready(c), "the room taken")
            assert len(per_adapter(after)["hci3"]) == 7
            assert sum(c.waiting == NO_ROOM for c in after.values()) == 199
    asyncio.run(scenario())


def test_48_cameras_on_8_adapters_all_become_ready_spread_within_budgets():
    async def scenario():
        async with PlacementRig(7, ["--cameras", "48", "--adapters", "8", "--max-connections", "7", "--paired"],
                                known=48) as rig:
            cameras = await rig.until(lambda c: len(ready(c)) == 48, "48 cameras ready")
            spread = {a: len(ids) for a, ids in per_adapter(cameras).items()}
            assert sorted(spread) == [f"hci{i}" for i in range(8)] and max(spread.values()) <= 7, spread
            assert not any(c.waiting for c in cameras.values())
            # Every camera answers through its adapter.
            results = (await rig.stub.GetStatuses(
                pb.GetValuesRequest(target=pb.CameraRequest(all=True), ids=[70]), timeout=30)).cameras
            assert len(results) == 48 and all(r.result.code == 0 for r in results), results
    asyncio.run(scenario())


def test_an_adapter_unplugged_under_load_moves_its_cameras_within_budget_and_nothing_is_mismatched():
    async def scenario():
        # 12 cameras on 3 adapters of 5: 15 places, so 12 fit while hci1 is away only as 10.
        async with PlacementRig(5, ["--cameras", "12", "--adapters", "3", "--max-connections", "5", "--paired",
                                    "--latency-ms", "20"], known=12) as rig:
            cameras = await rig.until(lambda c: len(ready(c)) == 12, "12 cameras ready")
            moved = per_adapter(cameras)["hci1"]
            assert moved
            # Load: every camera answers a stream of status queries while hci1 goes away.
            stop = asyncio.Event()
            answers = {i: [] for i in cameras}

            async def query(identifier):
                while not stop.is_set():
                    try:
                        reply = await rig.stub.GetStatuses(
                            pb.GetValuesRequest(target=pb.CameraRequest(cameras=[identifier]), ids=[70]), timeout=10)
                    except Exception as error:  # UNAVAILABLE while its link is down: expected
                        answers[identifier].append(("error", str(error)))
                        await asyncio.sleep(0.05)
                        continue
                    answers[identifier].append(reply.cameras[0])
            load = [asyncio.ensure_future(query(i)) for i in cameras]
            deadline = time.monotonic() + 10
            while not all(answers.values()):  # the load is on every camera
                assert time.monotonic() < deadline, answers
                await asyncio.sleep(0.01)
            await rig.sim.control("RemoveAdapter", "s", "hci1")
            after = await rig.until(
                lambda c: len(ready(c)) == 10 and not any(c[i].adapter == "hci1" for i in ready(c)),
                "hci1's cameras on the others")
            stop.set()
            await asyncio.gather(*load)
            spread = {a: len(ids) for a, ids in per_adapter(after).items()}
            assert spread == {"hci0": 5, "hci2": 5}, spread
            # Those that did not fit wait, and say so.
            assert {i for i, c in after.items() if c.waiting == NO_ROOM} == set(after) - ready(after)
            # Nothing mismatched: each answer is its own camera's: battery status 70, or UNAVAILABLE
            # while its link was down (hci1's cameras), never another camera's answer or a hang.
            unavailable = grpc.StatusCode.UNAVAILABLE.value[0]
            deadline_exceeded = grpc.StatusCode.DEADLINE_EXCEEDED.value[0]  # it waited for room: 10 s
            for identifier, replies in answers.items():
                results = [r for r in replies if not isinstance(r, tuple)]
                assert all(r.result.identifier == identifier for r in results), (identifier, results)
                ok = [r for r in results if r.result.code == 0]
                assert ok and all(r.values[0].id == 70 for r in ok), (identifier, results)
                failed = [r.result for r in results if r.result.code != 0] + [r for r in replies if isinstance(r, tuple)]
                assert identifier in moved or not failed, (identifier, failed)
                assert all(r.code in (unavailable, deadline_exceeded) for r in failed if not isinstance(r, tuple)), \
                    (identifier, failed)
            # Plugged back: those that waited connect through it, and those that moved return to
            # it (their remembered adapter) once idle.
            await rig.sim.control("AddAdapter", "s", "hci1")
            await rig.until(lambda c: len(ready(c)) == 12 and per_adapter(c).get("hci1") == moved,
                            "hci1's cameras back on it")
    asyncio.run(scenario())


def test_the_stronger_signal_wins_and_a_remembered_adapter_is_preferred():
    async def scenario():
        async with PlacementRig(7, ["--cameras", "2", "--adapters", "3"]) as rig:
            first, second = await rig.discover(2)
            # Stronger on hci2 by far; the others far weaker.
            for adapter, rssi in (("hci0", -85), ("hci1", -80), ("hci2", -45)):
                await rig.sim.control("SetRssi", "ssn", first, adapter, rssi)
            camera = await rig.connect(first)
            assert camera.adapter == "hci2", camera
            (sim_adapters,) = await rig.sim.control("Adapters")
            hci2 = next(a for a in sim_adapters if a[0] == "hci2")
            assert camera.home_adapter == hci2[1], camera  # remembered by address

            # Remembered on hci2: after a restart it goes back there although hci0 hears it better now.
            await rig.sim.control("SetRssi", "ssn", first, "hci0", -40)
            await rig.stop_daemon()
            await rig.start_daemon()
            camera = await rig.connect(first)
            assert camera.adapter == "hci2", camera

            # Pinned: goproctl connect --adapter moves it, and list shows the pin.
            code, out, err = await goproctl(rig.daemon, "-i", first, "connect", "--adapter", "hci1")
            assert code == 0, (code, out, err)
            camera = await rig.stub.GetCamera(pb.GetCameraRequest(camera=first))
            assert (camera.adapter, camera.pinned_adapter, camera.state) == ("hci1", "hci1", pb.CAMERA_STATE_READY)
            code, out, err = await goproctl(rig.daemon, "list")
            assert "hci1 (pinned)" in next(line for line in out.splitlines() if line.startswith(first)), out
            code, out, err = await goproctl(rig.daemon, "-i", second, "connect", "--adapter", "hci9 x")
            assert code == 2 and "adapter must be" in err, (code, out, err)
    asyncio.run(scenario())


def test_higher_priority_cameras_take_the_room_first():
    async def scenario():
        # Six known cameras, room for two: the two of highest priority connect.
        priorities = {}

        def entry(identifier):
            priorities[identifier] = len(priorities) * 10 - 20  # -20, -10, 0, 10, 20, 30
            return {"priority": priorities[identifier]}
        async with PlacementRig(1, ["--cameras", "6", "--adapters", "2", "--max-connections", "1", "--paired"],
                                known=6, entry=entry) as rig:
            cameras = await rig.until(lambda c: len(ready(c)) == 2, "two cameras ready")
            best = sorted(priorities, key=priorities.get)[-2:]
            assert ready(cameras) == set(best), (priorities, ready(cameras))
            assert {cameras[i].priority for i in best} == {20, 30}
    asyncio.run(scenario())


def test_after_bluetoothd_restarts_every_camera_is_back_on_its_own_adapter():
    async def scenario():
        # 12 cameras, 3 adapters of 4: no room to spare, so each must find its own place again.
        async with PlacementRig(4, ["--cameras", "12", "--adapters", "3", "--max-connections", "4", "--paired"],
                                known=12) as rig:
            before = await rig.until(lambda c: len(ready(c)) == 12, "12 cameras ready")
            events = await rig.watch(kinds=[pb.Event.KIND_STATE_CHANGED])
            await rig.sim.control("RestartBluez", "u", 200)
            await left_and_back(events, list(before))
            events.cancel()
            after = await rig.until(lambda c: len(ready(c)) == 12 and per_adapter(c) == per_adapter(before),
                                    "every camera back home")
            assert all(after[i].home_adapter == before[i].home_adapter for i in after)
            assert {n: links for n, (_, _, links) in (await rig.sim_adapters()).items()} == \
                {"hci0": 4, "hci1": 4, "hci2": 4}
    asyncio.run(scenario())
