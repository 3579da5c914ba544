"""What `meson install` puts where for python3-goprod (packaging/debian's
python3-goprod.install relies on it): the package in PREFIX/lib/python3/dist-packages,
Debian's layout, importable from there with nothing else on the path; the .proto
in DATADIR/goprod/proto/goprod/v1.

meson sets GOPROD_MESON, GOPROD_BUILD_ROOT, GOPROD_PREFIX, GOPROD_DATADIR and
GOPROD_SOURCE_ROOT."""

import os
import subprocess
import sys
import tempfile

import pytest

PACKAGE_FILES = {
    "goprod/__init__.py", "goprod/client.py", "goprod/errors.py", "goprod/events.py", "goprod/rig.py",
    "goprod/v1/__init__.py", "goprod/v1/goprod_pb2.py", "goprod/v1/goprod_pb2_grpc.py",
}


def files_under(folder):
    return {os.path.relpath(os.path.join(root, name), folder) for root, _, names in os.walk(folder) for name in names}


@pytest.fixture(scope="module")
def destdir():
    with tempfile.TemporaryDirectory(prefix="goprod-install-") as folder:
        subprocess.run([os.environ["GOPROD_MESON"], "install", "-C", os.environ["GOPROD_BUILD_ROOT"], "--no-rebuild",
                        "--quiet", "--destdir", folder, "--tags", "python-runtime,devel"],
                       check=True, capture_output=True, text=True, timeout=120)
        yield folder


def site_packages(destdir):
    """Where Debian's python3 finds packages installed with this prefix."""
    return destdir + os.path.join(os.environ["GOPROD_PREFIX"], "lib", "python3", "dist-packages")


def datadir(destdir):
    # get_option('datadir') is relative to the prefix unless given absolute.
    return destdir + os.path.join(os.environ["GOPROD_PREFIX"], os.environ["GOPROD_DATADIR"])


def test_the_package_goes_to_debians_dist_packages(destdir):
    assert files_under(site_packages(destdir)) == PACKAGE_FILES


def test_the_proto_goes_under_datadir(destdir):
    proto = os.path.join(datadir(destdir), "goprod", "proto")
    assert files_under(proto) == {"goprod/v1/goprod.proto"}
    source = os.path.join(os.environ["GOPROD_SOURCE_ROOT"], "proto", "goprod", "v1", "goprod.proto")
    with open(os.path.join(proto, "goprod", "v1", "goprod.proto"), "rb") as installed, open(source, "rb") as original:
        assert installed.read() == original.read()


def test_the_installed_package_imports_on_its_own(destdir):
    site = site_packages(destdir)
    check = ("import goprod, goprod.v1.goprod_pb2_grpc as g; "
             "print(goprod.__file__); print(g.__file__); "
             "print(goprod.Client('/tmp/x.sock').address, goprod.state_name(goprod.pb2.CAMERA_STATE_READY))")
    out = subprocess.run([sys.executable, "-c", check], cwd=destdir, check=True, capture_output=True, text=True,
                         env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": site, "PYTHONDONTWRITEBYTECODE": "1"},
                         timeout=60).stdout.splitlines()
    assert out == [os.path.join(site, "goprod", "__init__.py"),
                   os.path.join(site, "goprod", "v1", "goprod_pb2_grpc.py"),
                   "unix:/tmp/x.sock ready"]
