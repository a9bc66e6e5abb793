"""Run a Python entry point with every connection outside this machine refused and reported.

    python tests/network_guard.py <script.py | -m module> [args...]

Connections and name lookups of any host but 127.0.0.1 / ::1 / localhost raise `OSError` and
print `NETWORK-ATTEMPT <where>` on stderr, so a test can run the benchmarks' and the CLI's entry
points and prove that none reaches for the internet (LiteLLM's price list, telemetry, a hub).
It imports nothing of the project, so an entry point that imports LiteLLM before the package
(which sets LITELLM_LOCAL_MODEL_COST_MAP) is caught.
"""

import runpy
import socket
import sys

LOCAL = {"127.0.0.1", "::1", "localhost", None}
MARK = "NETWORK-ATTEMPT"


def _refuse(where: object) -> None:
    sys.stderr.write(f"{MARK} {where}\n")
    raise OSError(f"no network outside this machine ({where})")


def guard() -> None:
    """Patch the socket module: only local hosts and Unix sockets are reached."""
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def local_connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(address, tuple) and host not in LOCAL:
            _refuse(address)
        return connect(self, address)

    def local_lookup(host: object, *args: object, **kwargs: object) -> list:
        if host not in LOCAL:
            _refuse(f"lookup {host}")
        return lookup(host, *args, **kwargs)

    socket.socket.connect = local_connect  # type: ignore[method-assign]
    socket.getaddrinfo = local_lookup  # type: ignore[assignment]


def main(argv: list[str]) -> None:
    guard()
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
