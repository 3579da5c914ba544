"""goprod's pairing agent, against goprod-sim's AgentManager1 on a private bus:
goprod registers it without asking to be the default agent (which would take
pairing away from the desktop's agent), says yes only for the camera whose
Pair() it is making, and refuses every other device's request, logging it."""
from harness import run
from rig import Rig

FOREIGN = "/org/bluez/hci0/dev_66_55_44_33_22_11"  # a nearby device that is no camera of goprod's
ASKING = ["RequestAuthorization", "RequestConfirmation", "AuthorizeService", "RequestPasskey", "RequestPinCode"]
REJECTED = "org.bluez.Error.Rejected"


async def goprods_agent(rig):
    (agents,) = await rig.sim.control("Agents")
    assert len(agents) == 1, agents
    owner, path, capability, is_default = agents[0]
    assert (path, capability) == ("/io/goprod/agent", "NoInputNoOutput")
    return owner, is_default


def test_the_agent_is_not_the_default_and_answers_only_for_the_camera_goprod_pairs():
    async def scenario():
        async with Rig() as rig:
            (identifier,) = await rig.discover(1)
            # The sim asks the agent of the client that called Pair(), as bluetoothd does.
            camera = await rig.connect(identifier)
            assert camera.paired
            owner, is_default = await goprods_agent(rig)
            assert not is_default, "goprod asked to be the default agent"
            (cameras,) = await rig.sim.control("ListCameras")
            camera_path = cameras[0][2]
            assert f"accepting RequestAuthorization for {camera_path}" in rig.daemon.output()

            for method in ASKING:
                (error,) = await rig.sim.control("AskAgent", "sss", owner, FOREIGN, method)
                assert error == REJECTED, method
                assert f"refusing {method} for {FOREIGN}" in rig.daemon.output()
            # Its own camera too, once the pairing is over.
            (error,) = await rig.sim.control("AskAgent", "sss", owner, camera_path, "RequestAuthorization")
            assert error == REJECTED
            assert f"refusing RequestAuthorization for {camera_path}" in rig.daemon.output()
    run(scenario())
