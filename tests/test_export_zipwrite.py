"""The package's zip writer (export/anki/zipwrite.py): zipfile reads it, pieces join, same bytes on any core count."""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest

from pyflash.export.anki import zipwrite


def _data(size: int) -> bytes:
    rng = random.Random(size)
    words = [b"<span class=\"k\">def</span>", b" ", b"xs", b"\n", b"\x00\x01", bytes(range(256))]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words)
    return bytes(out[:size])


@pytest.mark.parametrize("size", [0, 1, 1000, zipwrite.PIECE - 1, zipwrite.PIECE, 2 * zipwrite.PIECE + 17])
def test_pieces_deflated_apart_are_one_deflate_stream(size):
    data = _data(size)
    for workers in (1, 3):
        body, crc = zipwrite.deflate(data, workers)
        assert zlib.decompress(body, -15) == data
        assert crc == zlib.crc32(data)


def test_zipfile_reads_the_archive_and_the_bytes_do_not_depend_on_the_cores():
    entries = [("collection.anki2", _data(2 * zipwrite.PIECE + 5)), ("media", b'{"0":"caf\xc3\xa9.png"}'),
               ("0", b""), ("é", b"x" * 100)]
    written = []
    for workers in (1, 2, 4):
        fh = io.BytesIO()
        zipwrite.write_zip(fh, entries, workers=workers)
        written.append(fh.getvalue())
    assert written[0] == written[1] == written[2]
    with zipfile.ZipFile(io.BytesIO(written[0])) as zf:
        assert zf.testzip() is None
        assert [(i.filename, i.compress_type, i.date_time) for i in zf.infolist()] == [
            (name, zipfile.ZIP_DEFLATED, (1980, 1, 1, 0, 0, 0)) for name, _ in entries
        ]
        assert [zf.read(name) for name, _ in entries] == [data for _, data in entries]
        assert zf.getinfo("0").external_attr >> 16 == 0o644


def test_too_big_for_a_plain_zip_raises_before_writing(monkeypatch):
    monkeypatch.setattr(zipwrite, "_LIMIT", 50)
    fh = io.BytesIO()
    with pytest.raises(OverflowError):
        zipwrite.write_zip(fh, [("a", _data(100))])
    assert fh.getvalue() == b""


def test_a_package_too_big_for_the_writer_is_written_by_zipfile(tmp_path, monkeypatch):
    from pyflash.export.anki import package as ax

    monkeypatch.setattr(zipwrite, "_LIMIT", 50)
    picture = tmp_path / "p.png"
    picture.write_bytes(b"\x89PNG" + bytes(200))
    out = tmp_path / "out.apkg"
    ax.write_atomically(out, _data(1000), force=False, media={"p.png": picture})
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["collection.anki2", "media", "0"]
        assert zf.read("collection.anki2") == _data(1000) and zf.read("0") == picture.read_bytes()
