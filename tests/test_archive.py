"""The web archive's WARC files: records readable alone from their offset, rotation, no
overwriting."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from spiders.archive import WarcArchive

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def write(archive: WarcArchive, n: int, size: int = 200) -> dict:
    # (random text: gzip cannot shrink it much, so sizes are what they say)
    body = (f"<html><h1>Page {n}</h1>" + os.urandom(size).hex() + "</html>").encode()
    return archive.write(
        f"https://paper.example/{n}",
        ("GET", f"/{n}", [("Host", "paper.example")]),
        (200, "OK", [("Content-Type", "text/html")], body),
        NOW,
    )


def test_a_record_is_read_back_alone_from_its_offset(tmp_path):
    archive = WarcArchive(tmp_path, "run1")
    pointers = [write(archive, n) for n in range(3)]
    archive.close()
    for n, pointer in enumerate(pointers):
        with (tmp_path / pointer["file"]).open("rb") as stream:
            stream.seek(pointer["offset"])
            record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == f"https://paper.example/{n}"
        assert record.rec_headers.get_header("WARC-Date") == "2026-12-01T12:00:00Z"
        assert record.http_headers.get_statuscode() == "200"
        assert record.content_stream().read().startswith(f"<html><h1>Page {n}".encode())
    assert archive.records == 3 and archive.bytes > 0


def test_files_rotate_by_size_and_a_run_never_overwrites_one(tmp_path):
    archive = WarcArchive(tmp_path, "run2", max_bytes=1_000)
    files = {write(archive, n, size=2_000)["file"] for n in range(3)}
    archive.close()
    assert len(files) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    # the same run name again: the files are there, none is overwritten
    again = WarcArchive(tmp_path, "run2")
    with pytest.raises(FileExistsError):
        write(again, 9)


def test_retention_deletes_whole_old_files_but_never_the_running_crawls(tmp_path):
    from spiders.archive import prune

    names = []
    for n, days_old in enumerate((30, 20, 10, 0)):
        path = tmp_path / f"starcity-r{n}-feeds-00001.warc.gz"
        path.write_bytes(os.urandom(1_000))
        stamp = NOW.timestamp() - days_old * 86_400
        os.utime(path, (stamp, stamp))
        names.append(path.name)
    # nothing set: everything is kept
    assert prune(tmp_path, NOW) == []
    # by age: older than 15 days, oldest first
    assert prune(tmp_path, NOW, max_age_days=15) == names[:2]
    # by size: the oldest go until the rest fit; the running crawl's file is kept
    assert prune(tmp_path, NOW, max_total_bytes=1_000, keep=frozenset({names[2]})) == [names[3]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[2]]


def test_a_damaged_file_gives_what_came_before_the_damage_and_says_so(tmp_path):
    from spiders.archive import index_archive

    archive = WarcArchive(tmp_path, "run3")
    pointers = [write(archive, n, size=3_000) for n in range(3)]
    archive.close()
    path = tmp_path / pointers[0]["file"]
    whole = path.read_bytes()
    # cut inside the third record, and add a file that is no WARC at all
    path.write_bytes(whole[: pointers[2]["offset"] + 200])
    (tmp_path / "starcity-zz-junk.warc.gz").write_bytes(b"not a warc file at all")
    index, problems = index_archive(tmp_path)
    assert set(index) == {"https://paper.example/0", "https://paper.example/1"}
    assert len(problems) == 2 and any("junk" in p for p in problems)


def test_a_response_is_read_back_with_the_context_the_crawl_wrote_beside_it(tmp_path):
    from spiders.archive import read_response

    archive = WarcArchive(tmp_path, "run4")
    hints = {"title": "Star City premieres", "author": "Jane Doe", "published": "2026-05-29"}
    with_context = archive.write(
        "https://paper.example/a",
        ("GET", "/a", []),
        (200, "OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], b"<p>a</p>"),
        NOW,
        {"source": "paper", "hints": hints},
    )
    without = write(archive, 2)
    archive.close()
    path = tmp_path / with_context["file"]
    first = read_response(path, with_context["offset"], with_context["record_id"])
    assert first.body == b"<p>a</p>" and first.status == 200
    assert first.context == {"source": "paper", "hints": hints}
    assert first.fetched_at == "2026-12-01T12:00:00Z"
    # the header of the bytes on the wire does not describe the body read back
    assert [k for k, _ in first.headers] == ["Content-Type"]
    assert read_response(path, without["offset"]).context == {}
    with pytest.raises(ValueError, match="is <urn:uuid"):
        read_response(path, without["offset"], with_context["record_id"])


def test_a_record_cut_short_is_refused_not_read_as_a_shorter_page(tmp_path):
    from spiders.archive import read_response

    archive = WarcArchive(tmp_path, "run5")
    pointer = write(archive, 1, size=50_000)
    archive.close()
    path = tmp_path / pointer["file"]
    path.write_bytes(path.read_bytes()[: pointer["offset"] + 20_000])
    with pytest.raises(ValueError, match="cut short"):
        read_response(path, pointer["offset"])
