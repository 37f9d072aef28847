"""Start ``siting serve``: load the scenario once, build the page and the app, run uvicorn.

Starlette and uvicorn are the optional extra ``serve`` (``pip install "siting[serve]"``); they are
imported here, lazily, and their absence is a :class:`~siting.errors.MissingDependency` with the
install hint. Bound to loopback (127.0.0.1, the default) the server needs no token; bound to any
other address (a meeting-room network) it makes a random access token and every request must carry
it — the address printed at start includes it. Ctrl-C stops uvicorn cleanly: open requests finish,
a running optimisation is ended, the port is released.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting.errors import InputError, MissingDependency
from siting.results import RunResult
from siting.serve.engine import WhatIf

__all__ = ["Served", "is_loopback", "prepare", "serve"]

logger = logging.getLogger(__name__)

INSTALL_HINT = 'siting serve needs starlette and uvicorn: pip install "siting[serve]"'


def _require() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(INSTALL_HINT) from exc


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Served:
    """What :func:`prepare` built: the app, the state, the token (None on loopback) and the folder."""

    app: Any
    whatif: WhatIf
    token: str | None
    out_dir: Path
    loopback: bool


def prepare(res: RunResult, *, out_dir: Path, host: str = "127.0.0.1", token: str | None = None) -> Served:
    """The app of a finished run (:func:`siting.pipeline.run_scenario`), ready for uvicorn.

    Parameters
    ----------
    res : RunResult
    out_dir : Path
        The only folder the server writes in; created.
    host : str
        Where it will listen; beyond loopback a random token is required (``token`` overrides it).
    """
    _require()
    from siting.serve.app import create_app
    from siting.serve.optimizer import Optimizer
    from siting.serve.page import page_html

    loop = is_loopback(host)
    if token is None and not loop:
        token = secrets.token_urlsafe(18)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    w = WhatIf(res)
    opt = Optimizer(w, out_dir / ".siting-serve")
    page = page_html(w, token=token)
    app = create_app(w, out_dir=out_dir, page=page, token=token, loopback=loop, optimizer=opt)
    return Served(app, w, token, out_dir, loop)


def serve(served: Served, *, host: str = "127.0.0.1", port: int = 8765, report: Callable[[str], None] = print,
          sock: socket.socket | None = None) -> None:
    """Run uvicorn until Ctrl-C (or SIGTERM); prints the address (with the token when one is needed)."""
    _require()
    import uvicorn

    config = uvicorn.Config(served.app, host=host, port=port, log_level="warning", server_header=False,
                            limit_concurrency=100, timeout_keep_alive=5, lifespan="on")
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    if sock is None:
        try:
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host.strip("[]"), port))
            sock.listen(128)  # connections wait for uvicorn from here on, so the address printed works at once
        except OSError as exc:
            raise InputError(f"cannot listen on {shown}:{port} ({exc.strerror}): choose another --port or --host") from None
    port = sock.getsockname()[1]
    url = f"http://{shown}:{port}/" + (f"?token={served.token}" if served.token else "")
    report(f"  serving on {url}")
    if served.token:
        report(f"  access token: {served.token} (every request needs it; share the address only with the meeting)")
    report(f"  saves and exports go to {served.out_dir.resolve()}")
    report("  press Ctrl-C to stop")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has shut down cleanly, then passes Ctrl-C on
        pass
    finally:
        sock.close()
    report("  stopped")
