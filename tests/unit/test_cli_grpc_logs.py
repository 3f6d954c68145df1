"""The commands keep gRPC's INFO lines (the Spark Connect client's) out of their output, and a
level the environment sets wins. Checked with gRPC's own API trace, which logs at INFO."""

from __future__ import annotations

import os
import subprocess
import sys

CHANNEL = "import grpc; grpc.insecure_channel('localhost:1').close()"
QUIET = f"from pipelines.cli import quiet_grpc; quiet_grpc(); {CHANNEL}"


def _stderr(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "GRPC_VERBOSITY"} | env
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    return done.stderr


def test_grpc_info_lines_are_kept_out_unless_the_environment_asks_for_them() -> None:
    assert "] grpc_init(void)" in _stderr(CHANNEL, GRPC_TRACE="api")  # what it prevents
    assert _stderr(QUIET, GRPC_TRACE="api") == ""
    assert "] grpc_init(void)" in _stderr(QUIET, GRPC_TRACE="api", GRPC_VERBOSITY="INFO")
