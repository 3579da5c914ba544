"""issue 15 H: `./run demo` (examples/demo.sh) with the real binaries: the walk-through
runs to the end and shows what it claims (the presets, a live-stream set-up with its
progress, COHN provisioning with the credentials and a root CA that parses), and a
step that fails stops the demo with a non-zero exit, everything it started torn down."""
import os
import re
import subprocess
import tempfile

import pytest

from harness import GOPROCTL, GOPROD, SIM

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "demo.sh")
ANSI = re.compile(r"\033\[[0-9;]*[A-Za-z]")


def build_dir(folder, goproctl=GOPROCTL):
    """The layout demo.sh expects of a build folder, pointing at the binaries under test."""
    for sub, name, target in (("sim", "goprod-sim", SIM), ("daemon", "goprod", GOPROD),
                              ("client", "goproctl", goproctl)):
        os.makedirs(os.path.join(folder, sub))
        os.symlink(os.path.abspath(target), os.path.join(folder, sub, name))
    return folder


def demo(build):
    done = subprocess.run(["bash", DEMO, build], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=180)
    return done.returncode, ANSI.sub("", done.stdout.decode())


def section(out, title):
    """The lines of the demo's section whose heading starts with `title`."""
    start = out.index("\n" + title)
    end = re.compile(r"\n\d+\. |\nDone\.").search(out, start + 1)
    return out[start:end.start() if end else len(out)]


def test_demo_shows_presets_live_stream_and_cohn_provisioning():
    with tempfile.TemporaryDirectory() as folder:
        code, out = demo(build_dir(folder))
    assert code == 0, out
    assert out.rstrip().endswith("Done. Everything started here is being stopped."), out

    presets = section(out, "5. ")
    assert "$ goproctl -i 0702 presets" in presets
    assert re.search(r"^GROUP +ID +ACTIVE +MODE +NAME", presets, re.M), presets
    for group in ("video", "photo", "timelapse"):  # every group, each with its active preset
        assert re.search(rf"^{group} +\d+ +\* ", presets, re.M), presets

    stream = section(out, "6. ")
    # The progress, a line per step (through a pipe), in the flow's order, then the answer.
    steps = re.findall(r"^([a-z]+): ", stream, re.M)
    assert steps[:4] == ["configuring", "ready", "starting", "streaming"], stream
    assert "streaming to rtmp://stream.example/live" in stream
    assert re.search(r"^0702 +streaming +- +yes +\d+ kbps$", stream, re.M), stream
    assert re.search(r"livestream stop\n.*\n0702 +ok$", stream, re.M), stream

    cohn = section(out, "7. ")
    assert "--password-stdin" in cohn and "att-p4r6-pass" not in cohn  # the password stays off the screen
    for progress in ("date time:", "network: PROVISIONING_SUCCESS_NEW_AP", "certificate: creating",
                     "waiting: COHN_STATE_NetworkConnected", "provisioned: on the network"):
        assert progress in cohn, cohn
    fields = dict(re.findall(r"^(SSID|ADDRESS|USERNAME|PASSWORD|CERTIFICATE) +(\S+)$", cohn, re.M))
    assert fields["SSID"] == "ATTTp4r6Fi" and fields["USERNAME"] == "gopro", cohn
    assert re.fullmatch(r"192\.168\.50\.\d+", fields["ADDRESS"]) and len(fields["PASSWORD"]) == 12, fields
    assert f"{fields['CERTIFICATE']}: root CA 'GoPro C3501324500703' valid until" in cohn, cohn
    row = re.search(r"^0703 +yes +network connected +yes +ATTTp4r6Fi +(\S+) +gopro +(\S+)$", cohn, re.M)
    assert row and row.groups() == (fields["ADDRESS"], fields["PASSWORD"]), cohn

    # The sections after them still ran.
    assert "start skew:" in section(out, "8. ") and "sleeping" in section(out, "9. ")


@pytest.mark.parametrize("failing", ["livestream start", "cohn provision"])
def test_a_failing_step_fails_the_demo_and_tears_everything_down(failing):
    """goproctl refuses one step (exit 4, as for a camera's refusal): the demo stops there, non-zero."""
    with tempfile.TemporaryDirectory() as folder:
        wrapper = os.path.join(folder, "goproctl")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\ncase " $* " in *" {failing} "*) echo "goproctl: refused" >&2; exit 4 ;; esac\n'
                    f'exec {os.path.abspath(GOPROCTL)} "$@"\n')
        os.chmod(wrapper, 0o755)
        code, out = demo(build_dir(os.path.join(folder, "build"), goproctl=wrapper))
    assert code != 0, out
    assert f" {failing} " in out and out.rstrip().endswith("goproctl: refused"), out  # it stopped right there
    assert "8. All three cameras" not in out and "Done." not in out, out
    work = re.search(r"^goprod: unix:(\S+)/goprod\.sock", out, re.M).group(1)
    assert not os.path.exists(work), work  # its cleanup ran: the temporary folder is gone
