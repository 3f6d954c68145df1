"""Issue 14: the validator over hundreds of mutated copies of the shipped src/conf.

In-process (one config folder, one file changed and restored per case) with a fixed seed, so a
failure is reproducible by its case number. Every mutation either still validates or is
refused with config problems, each naming a file of the config; never another exception. The
dangerous cases of ``config_cases`` are refused by their exact messages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.errors import ConfigErrors, ConfigProblem
from tests.unit.config_cases import CASES, EXPECTED

SEED = 14
MUTATIONS = 400
WRONG_VALUES = ("[1, 2]", "{a: 1}", "true", "-1", "''", "null", "3.5", "~", "'x' * 3", "0x1F")
BREAKING = (
    b"\t", b": :", b"[", b"{", b"\x00", b"\xff\xfe", b"&a ", b"*zz ", b"!foo ", b'"', b"\r\nx: [",
    b"- ", b"? ", b"%YAML 1.1\n", b"---\n", b"\xc3", b"*", b"!!int notanumber",
)  # fmt: skip
Mutation = Callable[[random.Random, bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _key_lines(lines: list[bytes]) -> list[int]:
    return [
        i for i, line in enumerate(lines) if b":" in line and not line.lstrip().startswith(b"#")
    ]


def _delete_key(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.choice(_key_lines(lines))]
    return b"\n".join(lines)


def _wrong_value(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.choice(_key_lines(lines))
    key, _sep, _value = lines[index].partition(b": ")
    lines[index] = key.rstrip(b":") + b": " + rng.choice(WRONG_VALUES).encode()
    return b"\n".join(lines)


def _typo(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.choice(_key_lines(lines))
    line = lines[index]
    start = len(line) - len(line.lstrip(b" -{"))
    end = line.index(b":", start) if b":" in line[start:] else len(line)
    if end - start >= 2:
        at = rng.randrange(start, end - 1)
        line = line[:at] + line[at + 1 : at + 2] + line[at : at + 1] + line[at + 2 :]
    lines[index] = line
    return b"\n".join(lines)


def _break(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(BREAKING) + data[at:]


MUTATORS: tuple[Mutation, ...] = (_delete_key, _wrong_value, _typo, _break)


def _located(problem_text: str, conf: Path) -> bool:
    return problem_text.startswith(f"{conf}/") or problem_text.startswith(str(conf))


def _problems(conf: Path) -> list[ConfigProblem] | None:
    """The problems of ``conf``, None when it validates."""
    try:
        load_config(conf)
    except ConfigErrors as exc:
        return exc.problems
    return None


def test_mutated_configs_fail_only_as_config_errors_naming_a_file(conf_copy: Path) -> None:
    rng = random.Random(SEED)
    files = sorted(p for p in conf_copy.rglob("*.y*ml"))
    refused = 0
    for case in range(MUTATIONS):
        path = rng.choice(files)
        original = path.read_bytes()
        mutator = rng.choice(MUTATORS)
        path.write_bytes(mutator(rng, original))
        where = f"case {case}: {mutator.__name__} of {path.relative_to(conf_copy)}"
        try:
            problems = _problems(conf_copy)
        except Exception as exc:  # the defect this test exists to find
            pytest.fail(f"{where} raised {type(exc).__name__}: {exc}")
        finally:
            path.write_bytes(original)
        if problems is not None:
            refused += 1
            assert problems, where
            for problem in problems:
                assert _located(str(problem), conf_copy), f"{where}: {problem}"
                assert problem.message, where
    # most mutations must be caught, or the corpus is not testing anything
    assert refused > MUTATIONS * 0.6, refused


def test_every_dangerous_case_exits_2_from_the_cli(
    conf_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    monkeypatch.chdir(conf_copy)
    for case, relative, old, new in CASES:
        path = conf_copy / relative
        original = path.read_text(encoding="utf-8")
        path.write_text(new if old is None else original.replace(old, new, 1), encoding="utf-8")
        try:
            assert main(["validate"]) == 2, case
            err = capsys.readouterr().err
            expected = [m.replace("{conf}", str(conf_copy)) for m in EXPECTED[case]]
            assert err.splitlines()[1:] == expected, case
            assert "Traceback" not in err
        finally:
            path.write_text(original, encoding="utf-8")
