"""A JVM of our own, driven from Python through py4j: for Java code that is no Spark job
(the demo's MongoDB-compatible server, a JDBC driver asked for a table's metadata).

``start_gateway`` launches ``java`` with pyspark's py4j jar and the jars given on the class
path, an auth token, and ``die_on_exit`` (the JVM ends with this process); what the JVM
printed is in the error when anything fails.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pipelines.errors import LakehouseError
from pipelines.local.maven import java_executable

__all__ = ["Gateway", "java_message", "start_gateway"]

T = TypeVar("T")


@dataclass(frozen=True)
class Gateway:
    """A running JVM: ``jvm`` is py4j's view of its classes; ``stop()`` ends it."""

    gateway: Any  # py4j's JavaGateway
    process: subprocess.Popen[bytes]

    @property
    def jvm(self) -> Any:
        """``gateway.jvm``: ``jvm.java.sql.DriverManager`` and the like."""
        return self.gateway.jvm

    def stop(self) -> None:
        """End the JVM. py4j's gateway is shut down, not just closed: a closed one reconnects
        when a Java object is garbage collected later, and logs an error on stderr once the
        JVM is gone."""
        self.gateway.shutdown()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def start_gateway(
    jars: Sequence[Path], javaopts: Sequence[str], what: str, build: Callable[[Gateway], T]
) -> tuple[Gateway, T]:
    """Start a JVM with ``jars`` and run ``build`` on it (start a server, open a connection).

    Raises:
        LakehouseError: ``{what} did not start: <error> | <the JVM's last lines>``; the JVM
            is stopped.
    """
    from py4j.java_gateway import (  # type: ignore[import-untyped]
        GatewayParameters,
        JavaGateway,
        launch_gateway,
    )

    with _log() as log:
        started: Gateway | None = None
        try:
            with log.open("w") as errors:
                port, token, process = launch_gateway(
                    jarpath=str(_py4j_jar()), classpath=":".join(str(j) for j in jars),
                    javaopts=list(javaopts), java_path=java_executable(), die_on_exit=True,
                    enable_auth=True, redirect_stderr=errors, return_proc=True,
                )  # fmt: skip
            parameters = GatewayParameters(port=port, auth_token=token)
            started = Gateway(JavaGateway(gateway_parameters=parameters), process)
            return started, build(started)
        except LakehouseError:
            if started is not None:
                started.stop()
            raise
        except Exception as error:  # py4j's and the JVM's errors alike: say what the JVM said
            if started is not None:
                started.stop()
            said = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise LakehouseError(
                f"{what} did not start: {error}" + (f" | {' | '.join(said)}" if said else "")
            ) from None


@contextmanager
def _log() -> Any:
    log = Path(tempfile.mkstemp(prefix="lakehouse-jvm-", suffix=".log")[1])
    try:
        yield log
    finally:
        log.unlink(missing_ok=True)


def _py4j_jar() -> Path:
    import pyspark

    found = sorted((Path(pyspark.__file__).parent / "jars").glob("py4j-*.jar"))
    if not found:
        raise LakehouseError("pyspark's jars hold no py4j: reinstall pyspark")
    return found[-1]


def java_message(error: Any) -> str:
    """A ``Py4JJavaError``'s own message, first line (no Java stack): what the driver or the
    client said."""
    exception = error.java_exception
    text = str(exception.getMessage() or exception.toString())
    return text.strip().splitlines()[0]
