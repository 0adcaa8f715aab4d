"""Does a storm of sign-ins slow other requests down? (issue 13, point 4)

Usage: python benchmarks/bench_signin.py [WAREHOUSE]   (default: $JAMLIK_DB or
data/jamlik.duckdb, built, computed and published: make demo). The warehouse is only read; the
side store with one account lives in a temporary folder.

A live uvicorn server on localhost; 4 threads sign in with wrong passwords as fast as they can
(argon2id with the production parameters; the throttle is set so high that every attempt is
really checked), while the main thread times ``GET /api/areas/0580``. Reported: the median and
maximum time of that request with and without the storm, and the number of sign-ins checked.
Before the change the password check ran on the event loop: 9 ms became 3,1 s (issue 13).
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from jamlik.model import Settings  # noqa: E402
from jamlik.web import create_app  # noqa: E402
from jamlik.web._throttle import Policy, SignInThrottle  # noqa: E402
from jamlik.web.auth import StrategyState  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _times(url: str, seconds: float) -> list[float]:
    out = []
    with httpx.Client() as client:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            assert client.get(url + "/api/areas/0580").status_code == 200
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
    return out


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("JAMLIK_DB", "data/jamlik.duckdb")
    if not Path(db).exists():
        print(f"no warehouse at {db}; build the demo first (make demo)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=db, extra={"strategy_db": str(Path(tmp) / "side.duckdb"),
                                               "secret": "s" * 40})
        never = Policy(free=10**9)
        state = StrategyState(settings, throttle=SignInThrottle(user_policy=never,
                                                                address_policy=never))
        with state.open() as (_, accounts):
            accounts.create_user(None, "admin", "correct horse battery", "admin")
        app = create_app(settings)
        app.state.jamlik_strategy = state
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(),
                                               log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{server.config.port}"
        _times(url, 1.0)  # warm up
        idle = _times(url, 5.0)
        stop, attempts = threading.Event(), [0]

        def storm(k: int) -> None:
            with httpx.Client() as client:
                token = re.search(r'name="csrf" value="([^"]+)"',
                                  client.get(url + "/logga-in").text).group(1)
                while not stop.is_set():
                    client.post(url + "/logga-in", data={"username": f"admin{k % 2 or ''}",
                                                         "password": "wrong password!!",
                                                         "csrf": token})
                    attempts[0] += 1

        threads = [threading.Thread(target=storm, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        busy = _times(url, 10.0)
        stop.set()
        for thread in threads:
            thread.join()
        server.should_exit = True
        print(f"{'':<28} {'median ms':>10} {'max ms':>8}")
        print(f"{'GET /api/areas/0580, idle':<28} {statistics.median(idle):>10.1f} "
              f"{max(idle):>8.1f}")
        print(f"{'  … during 4 sign-in loops':<28} {statistics.median(busy):>10.1f} "
              f"{max(busy):>8.1f}")
        print(f"sign-ins checked: {attempts[0]} in ~11 s")


if __name__ == "__main__":
    main()
