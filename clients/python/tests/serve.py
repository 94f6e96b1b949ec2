"""A real `capsule serve` for the tests: bin/capsule (or $CAPSULE_BIN) in a temporary project directory, with a token."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TOKEN = "python-client-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="capsule-py-client-")
        with open(os.path.join(self.dir, "tokens"), "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(os.path.join(self.dir, "tokens"), 0o600)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = None

    def start(self):
        command = os.environ.get("CAPSULE_BIN", os.path.join(ROOT, "bin", "capsule"))
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        self.process = subprocess.Popen([command, "serve", "--port", str(self.port), "--token-file", "tokens", "--runners", "1",
                                         "--drain-timeout", "1s"], cwd=self.dir, stdout=self.log, stderr=self.log,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("capsule serve exited: " + open(os.path.join(self.dir, "serve.log")).read())
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("capsule serve did not get ready")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.close()

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
