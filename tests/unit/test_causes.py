"""The root cause of a failed dataset, read from the server log (no Spark)."""

from __future__ import annotations

from pathlib import Path

from pipelines.local.causes import LogTail, root_cause, with_cause

ERROR = (
    "Error: [FAILED_READ_FILE.NO_HINT] Encountered error while reading file "
    "file:///landing/x/a.tsv. SQLSTATE: KD001"
)
LOG = """2026-12-04T16:03:25,731 ERROR org.apache.spark.executor.Executor: Exception in task 0.0 in stage 3.0 (TID 7)
org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered error while reading file file:///landing/x/a.tsv. SQLSTATE: KD001
\tat org.apache.spark.sql.errors.QueryExecutionErrors$.cannotReadFilesError(QueryExecutionErrors.scala:856)
Caused by: org.apache.spark.SparkRuntimeException: parse failed
\tat org.apache.spark.sql.catalyst.csv.CSVOptions.<init>(CSVOptions.scala:120)
Caused by: java.lang.IllegalArgumentException: Delimiter cannot be empty
\tat org.apache.spark.sql.catalyst.csv.CSVExprUtils$.toChar(CSVExprUtils.scala:82)
\t... 25 more
2026-12-04T16:03:25,753 WARN org.apache.spark.scheduler.TaskSetManager: Lost task 0.0
Caused by: java.lang.IllegalStateException: another trace's cause
2026-12-04T16:03:26,001 WARN org.apache.spark.sql.pipelines: [FAILED_READ_FILE.NO_HINT] again, no trace
"""


def test_the_innermost_cause_of_the_errors_trace_is_surfaced() -> None:
    # issue 17: "[FAILED_READ_FILE.NO_HINT]" on screen, "Delimiter cannot be empty" only in the log
    assert root_cause(ERROR, LOG) == "IllegalArgumentException: Delimiter cannot be empty"
    assert with_cause(ERROR, LOG) == f"IllegalArgumentException: Delimiter cannot be empty (in: {ERROR})"  # fmt: skip
    assert with_cause(ERROR, "") == ERROR  # no log (a remote server): the error as it was
    # the engine's own second line may name the cause: it leads the (printed) first line
    two = f"{ERROR}\nDelimiter cannot be empty"
    assert with_cause(two, LOG) == f"IllegalArgumentException: Delimiter cannot be empty (in: {ERROR})\nDelimiter cannot be empty"  # fmt: skip
    said = "Error: [USER_RAISED_EXCEPTION] quality rule 'x' failed SQLSTATE: P0001"
    assert with_cause(said, LOG) == said  # no trace carries it: nothing to add


def test_the_tail_reads_only_what_the_run_wrote(tmp_path: Path) -> None:
    log = tmp_path / "spark.log"
    log.write_text("2026-12-04T10:00:00,000 WARN old: [FAILED_READ_FILE.NO_HINT]\nCaused by: java.io.IOException: old\n")  # fmt: skip
    tail = LogTail(log)
    with log.open("a") as out:
        out.write(LOG)
    assert root_cause(ERROR, tail.text()) == "IllegalArgumentException: Delimiter cannot be empty"
    assert LogTail(None).text() == ""


def _failed_read(path: str, cause: str, at: str) -> str:
    return (
        f"{at} ERROR org.apache.spark.executor.Executor: Exception in task 0.0\n"
        f"org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered error while "
        f"reading file {path}. SQLSTATE: KD001\n"
        "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.cannotReadFilesError(x.scala:1)\n"
        f"Caused by: {cause}\n"
    )


def test_two_flows_failing_with_one_error_class_keep_their_own_causes() -> None:
    # Two sources' files fail in one run: the same error class, different files and causes.
    log = _failed_read("file:///l/a.tsv", "java.lang.IllegalArgumentException: Delimiter cannot be empty", "2026-12-05T01:00:00,000")  # fmt: skip
    log += _failed_read("file:///l/b.csv", "java.io.EOFException: Unexpected end of input stream", "2026-12-05T01:00:01,000")  # fmt: skip
    error_a = "Error: [FAILED_READ_FILE.NO_HINT] Encountered error while reading file file:///l/a.tsv. SQLSTATE: KD001"  # fmt: skip
    error_b = error_a.replace("a.tsv", "b.csv")
    assert root_cause(error_a, log) == "IllegalArgumentException: Delimiter cannot be empty"
    assert root_cause(error_b, log) == "EOFException: Unexpected end of input stream"
    # Only the class matches (the engine said it another way): one cause in the log is that
    # cause; two different ones are not known, and nothing is added.
    other = "Error: [FAILED_READ_FILE.NO_HINT] a file could not be read"
    assert root_cause(other, _failed_read("file:///l/a.tsv", "java.io.IOException: disk", "2026-12-05T01:00:00,000")) == "IOException: disk"  # fmt: skip
    assert root_cause(other, log) is None
    assert with_cause(other, log) == other
    # The same failure retried: its traces agree, so the cause is known.
    retried = log.replace("file:///l/b.csv", "file:///l/a.tsv").replace("java.io.EOFException: Unexpected end of input stream", "java.lang.IllegalArgumentException: Delimiter cannot be empty")  # fmt: skip
    assert root_cause(other, retried) == "IllegalArgumentException: Delimiter cannot be empty"
