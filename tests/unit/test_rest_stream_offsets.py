"""The REST stream reader's offsets against a real HTTP server (no Spark)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from pipelines.config.model import RestSource
from pipelines.demo.api import demo_api, rate_records
from pipelines.platform import platform_for
from pipelines.sources.rest import rest_request, stream
from pipelines.sources.rest.stream import RestStreamReader


def _reader(url: str, pagination: Mapping[str, object], records_path: str) -> RestStreamReader:
    source = RestSource.model_validate(
        {"type": "rest", "url": url, "records_path": records_path, "pagination": pagination}
    )
    options = {
        "request": json.dumps(rest_request(source, platform_for("local"))),
        "columns": '["rate_id"]',
    }
    return RestStreamReader(options)


def _ids(reader: RestStreamReader, start: dict[str, object], end: dict[str, object]) -> list[str]:
    [partition] = reader.partitions(start, end)
    return [row[0] for row in reader.read(partition)]


def test_offsets_resume_on_a_short_page_and_stay_put_without_new_records() -> None:
    with demo_api(rate_records(10)) as api:
        paging = {"style": "page", "size_param": "size", "size": 4}
        reader = _reader(f"{api.base_url}/rates/page", paging, "data.items")
        start = reader.initialOffset()
        end = reader.latestOffset(start, None)
        assert end == {
            "url": f"{api.base_url}/rates/page", "params": {"size": "4", "page": "3"},
            "page": 3, "seen": 2,
        }  # fmt: skip
        assert _ids(reader, start, end) == [str(i) for i in range(1, 11)]
        assert reader.latestOffset(end, None) == end  # nothing new: no micro-batch
        api.records.extend(rate_records(13)[10:])
        later = reader.latestOffset(end, None)
        assert (later["params"], later["seen"]) == ({"size": "4", "page": "4"}, 1)
        assert _ids(reader, end, later) == ["11", "12", "13"]


def test_a_cursor_stream_resumes_at_the_cursor_of_its_last_page() -> None:
    with demo_api(rate_records(6)) as api:
        paging = {"style": "cursor", "param": "cursor", "cursor_path": "next_cursor"}
        reader = _reader(f"{api.base_url}/rates/cursor", paging, "items")
        start = reader.initialOffset()
        end = reader.latestOffset(start, None)
        assert (end["params"], end["seen"]) == ({"cursor": "4"}, 2)
        api.records.extend(rate_records(9)[6:])
        later = reader.latestOffset(end, None)
        assert (later["params"], later["seen"]) == ({"cursor": "8"}, 1)
        assert _ids(reader, end, later) == ["7", "8", "9"]


def test_a_batch_reads_the_records_its_offset_was_found_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each page is fetched once per batch: finding the end keeps the records it walked for
    the batch that reads them. A batch planned otherwise (another start), or bigger than
    ``CARRIED_ROWS``, fetches its pages again."""
    with demo_api(rate_records(10)) as api:
        paging = {"style": "page", "size_param": "size", "size": 4}
        reader = _reader(f"{api.base_url}/rates/page", paging, "data.items")
        start = reader.initialOffset()
        end = reader.latestOffset(start, None)
        assert api.hits["/rates/page"] == 3  # pages 1-3 (3 is short: the end)
        api.records[0] = dict(api.records[0], rate_id=99)  # changed after the walk
        assert _ids(reader, start, end) == [str(i) for i in range(1, 11)]
        assert api.hits["/rates/page"] == 3  # read what the walk found, fetched nothing

        second = {**start, "seen": 2}  # a batch the last walk did not plan: fetched
        assert _ids(reader, second, end) == [str(i) for i in range(3, 11)]
        assert api.hits["/rates/page"] == 6

        monkeypatch.setattr(stream, "CARRIED_ROWS", 9)  # too many to carry: fetched again
        end = reader.latestOffset(start, None)
        assert _ids(reader, start, end) == ["99", *(str(i) for i in range(2, 11))]
        assert api.hits["/rates/page"] == 12
