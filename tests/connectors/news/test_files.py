"""A news JSON-lines file tailed as a live source: only lines appended since the last
poll, a line still being written waits, bad lines are dead letters, a replaced file is
read from its start."""

from __future__ import annotations

import asyncio
import gzip
import os
from pathlib import Path

import orjson
import pytest

from connectors.files.tardis import BadLine
from connectors.news.files import FileSource, complete_lines
from connectors.news.source import FetchError


def line(story_id: str, title: str, at: str = "2025-01-27T11:50:00+00:00") -> str:
    return orjson.dumps({"id": story_id, "published_at": at, "source": "Block Ledger",
                         "title": title, "body": "FET, RENDER and TAO fell 11% to 15%.",
                         "url": f"https://blockledger.example/{story_id}"}).decode() + "\n"


def poll(source: FileSource) -> list:
    result = asyncio.run(source.poll(None, 0))
    return ["not_modified"] if result.not_modified else result.items


def test_tails_appended_lines(tmp_path: Path):
    path = tmp_path / "news.jsonl"
    path.write_text(line("n1", "AI tokens tumble in DeepSeek sell-off"))
    source = FileSource(path)
    assert [i["news_id"] for i in poll(source)] == ["n1"]
    assert poll(source) == ["not_modified"]

    with path.open("a") as fh:
        fh.write(line("n2", "Crypto liquidations top $1 billion") + "\n")   # and a blank line
        fh.write(line("n3", "Bitcoin falls below $98,000")[:40])            # half written
    assert [i["news_id"] for i in poll(source)] == ["n2"]
    with path.open("a") as fh:
        fh.write(line("n3", "Bitcoin falls below $98,000")[40:])
        fh.write("{not json\n")
    n3, bad = poll(source)
    assert n3["news_id"] == "n3" and n3["published_at"] == 1737978600000
    assert isinstance(bad, BadLine) and bad.reason == "bad_json" and bad.source == "news.jsonl:5"


def test_a_replaced_file_is_read_from_the_start(tmp_path: Path):
    path = tmp_path / "news.jsonl"
    path.write_text(line("n1", "One") + line("n2", "Two"))
    source = FileSource(path)
    assert len(poll(source)) == 2
    replacement = tmp_path / "news.jsonl.new"
    replacement.write_text(line("n9", "Rotated"))
    os.replace(replacement, path)
    assert [i["news_id"] for i in poll(source)] == ["n9"]


def test_gzip_files_are_read_whole(tmp_path: Path):
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(line("n1", "One") + line("n2", "Two"))
    assert [i["news_id"] for i in poll(FileSource(path))] == ["n1", "n2"]


def test_missing_file_is_a_fetch_error(tmp_path: Path):
    with pytest.raises(FetchError, match="does not exist"):
        poll(FileSource(tmp_path / "later.jsonl"))


def test_complete_lines_counts_what_the_reader_yields(tmp_path: Path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a":1}\n\n   \n{"b":2}\n{"c":')
    assert complete_lines(path, path.stat().st_size) == 2
