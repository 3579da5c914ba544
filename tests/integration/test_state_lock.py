"""Two goprods on one state directory: the second (its own socket, the same
state directory) refuses to start with exit code 78, naming the directory and
the pid of the daemon that holds it; once the first has stopped, it starts."""
import asyncio
import os
import tempfile

from harness import Daemon, PrivateBus, Sim, goproctl, run

EX_CONFIG = 78


def sharing_state(bus, workdir, first):
    """A daemon with a socket of its own in `workdir` and the state directory of `first`."""
    daemon = Daemon(bus.address, workdir)
    daemon.state_dir = first.state_dir
    return daemon


def test_a_second_daemon_on_the_same_state_directory_refuses_to_start():
    async def scenario():
        bus = await PrivateBus().start()
        sim = await Sim(bus.address).start()
        daemons = []
        try:
            with tempfile.TemporaryDirectory(prefix="goprod-test-") as first_dir, \
                    tempfile.TemporaryDirectory(prefix="goprod-test-") as second_dir:
                first = Daemon(bus.address, first_dir)
                daemons.append(first)
                await first.start()

                second = sharing_state(bus, second_dir, first)
                daemons.append(second)
                try:
                    await second.start()
                except RuntimeError:
                    pass
                else:
                    raise AssertionError("the second goprod started:\n" + second.output())
                code = await asyncio.wait_for(second.proc.wait(), 10)
                output = second.output()
                assert code == EX_CONFIG, output
                assert (f"the state directory {first.state_dir} is in use by another goprod "
                        f"(pid {first.proc.pid})") in output, output
                assert not os.path.exists(second.socket_path)
                status, _, err = await goproctl(first, "list")  # the first one still serves
                assert status == 0, err

                # Once the first has stopped, the directory is free (the lock file stays).
                assert await first.stop() == 0, first.output()
                third = sharing_state(bus, second_dir, first)
                daemons.append(third)
                await third.start()
                status, _, err = await goproctl(third, "list")
                assert status == 0, err
                assert await third.stop() == 0, third.output()
        finally:
            for daemon in daemons:
                if daemon.proc.returncode is None:
                    daemon.proc.kill()
                    await daemon.proc.wait()
                daemon.notify.close()
                daemon.close()
            await sim.stop()
            await bus.stop()
            sim.close()
    run(scenario())
