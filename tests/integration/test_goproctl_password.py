"""goproctl wifi connect takes the password from standard input
(--password-stdin) or from a prompt on the terminal with echo off (--ask), so
that it need not be on the command line where ps shows it (issue 12, item 7)."""
import asyncio
import fcntl
import os
import select
import subprocess
import termios

from harness import GOPROCTL, run
from rig import Rig

SSID, PASSWORD = "ATTTp4r6Fi", "att-p4r6-pass"  # a network of the sim, new to the camera


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


async def ctl(rig, *args, stdin=b"", new_session=False):
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", rig.daemon.target, *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=new_session)
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    return proc.returncode, out.decode(), err.decode()


async def connect_new_sent(rig, cam):
    return [m for c, m in await rig.received(cam) if c == "GP-0091" and m[:2] == bytes.fromhex("02 05")]


def test_password_from_stdin():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", SSID, "--password-stdin",
                                       stdin=(PASSWORD + "\n").encode())
            assert code == 0, (out, err)
            sent = await connect_new_sent(rig, cam)
            # The line without its newline, and nothing else.
            assert sent and PASSWORD.encode() in sent[0] and PASSWORD.encode() + b"\n" not in sent[0]
    run(scenario())


def test_password_stdin_errors_are_usage_errors_before_any_request():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            for stdin, message in ((b"", "no password on standard input"), (b"\n", "empty"),
                                   (b"p" * 64 + b"\n", "at most 63 bytes")):
                code, _, err = await ctl(rig, "-i", cam, "wifi", "connect", SSID, "--password-stdin", stdin=stdin)
                assert code == 2 and message in err, (stdin, err)
            code, _, err = await ctl(rig, "-i", cam, "wifi", "connect", SSID, PASSWORD, "--password-stdin")
            assert code == 2 and "not give it as an argument too" in err, err
            code, _, err = await ctl(rig, "-i", cam, "wifi", "connect", SSID, "--ask", "--password-stdin")
            assert code == 2, err
            assert await rig.received(cam) == []
    run(scenario())


def test_ask_without_a_terminal_is_a_usage_error():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            # A new session has no controlling terminal: /dev/tty cannot be opened.
            code, _, err = await ctl(rig, "-i", cam, "wifi", "connect", SSID, "--ask", new_session=True)
            assert code == 2 and "--ask needs a terminal" in err, err
            assert await rig.received(cam) == []
    run(scenario())


def read_until(fd, wanted, timeout=30):
    """Reads the pty master until `wanted` appears; returns everything read."""
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no {wanted!r} from goproctl; got {seen!r}"
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the other side closed
            chunk = b""
        assert chunk, f"goproctl closed the terminal before {wanted!r}; got {seen!r}"
        seen += chunk
    return seen


def ask_on_a_pty(target, cam):
    """Runs goproctl --ask with a pty as its controlling terminal and answers the
    prompt; returns (exit code, what the terminal showed, echo during the prompt, echo after)."""
    master, slave = os.openpty()

    def controlling_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([GOPROCTL, "--socket", target, "-i", cam, "wifi", "connect", SSID, "--ask"],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=controlling_terminal)
    os.close(slave)
    try:
        shown = read_until(master, b"Password for " + SSID.encode() + b": ")
        echo_while_asking = bool(termios.tcgetattr(master)[3] & termios.ECHO)
        os.write(master, (PASSWORD + "\n").encode())
        out, err = proc.communicate(timeout=60)
        echo_after = bool(termios.tcgetattr(master)[3] & termios.ECHO)
        while select.select([master], [], [], 0)[0]:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        return proc.returncode, shown, echo_while_asking, echo_after, out.decode(), err.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_ask_prompts_on_the_terminal_with_echo_off():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, shown, echo_while_asking, echo_after, out, err = await asyncio.to_thread(
                ask_on_a_pty, rig.daemon.target, cam)
            assert code == 0, (shown, out, err)
            assert not echo_while_asking
            assert echo_after, "goproctl left the terminal without echo"
            assert PASSWORD.encode() not in shown, shown
            sent = await connect_new_sent(rig, cam)
            assert sent and PASSWORD.encode() in sent[0]
    run(scenario())
