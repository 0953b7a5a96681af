"""The one binary cache format: what goes in comes out, and damage reads as None."""

from __future__ import annotations

import pytest

from pyflash.core.blob import seal, unseal, unseal_file

FMT = "test-blob/1"
VALUE = ("head", 1, 2.5, None, ["list", b"bytes"], {"k": (1, 2)})
BODY = [("card", i, "text " * 3) for i in range(50)]


def flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


def head_end(blob: bytes) -> int:
    """Where the body starts: digest (16) + length (8) + head."""
    return 16 + 8 + int.from_bytes(blob[16:24], "little")


def test_round_trip_with_and_without_body():
    sealed = unseal(FMT, seal(FMT, VALUE, BODY))
    assert sealed is not None
    assert sealed.value == VALUE
    assert sealed.body() == BODY
    bare = unseal(FMT, seal(FMT, VALUE))
    assert bare is not None and bare.value == VALUE and bare.body() is None


def test_an_empty_body_is_not_no_body():
    sealed = unseal(FMT, seal(FMT, "v", []))
    assert sealed is not None and sealed.body() == []


@pytest.mark.parametrize("where", ["digest", "length", "head start", "head end"])
def test_a_flipped_byte_in_the_head_reads_as_none(where):
    blob = seal(FMT, VALUE, BODY)
    index = {"digest": 3, "length": 17, "head start": 24, "head end": head_end(blob) - 1}[where]
    assert unseal(FMT, flip(blob, index)) is None


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_flipped_byte_in_the_body_spoils_only_the_body(where):
    blob = seal(FMT, VALUE, BODY)
    start = head_end(blob)
    assert start < len(blob)
    index = {"first": start, "middle": (start + len(blob)) // 2, "last": len(blob) - 1}[where]
    sealed = unseal(FMT, flip(blob, index))
    assert sealed is not None and sealed.value == VALUE  # the head is still good
    assert sealed.body() is None


def test_another_format_reads_as_none():
    blob = seal(FMT, VALUE, BODY)
    assert unseal("test-blob/2", blob) is None
    assert unseal(FMT, seal("test-blob/2", VALUE, BODY)) is None


@pytest.mark.parametrize("keep", [0, 1, 16, 23, 24, 30])
def test_a_truncated_head_reads_as_none(keep):
    blob = seal(FMT, VALUE, BODY)
    assert keep < head_end(blob)
    assert unseal(FMT, blob[:keep]) is None


def test_a_truncated_body_spoils_only_the_body():
    blob = seal(FMT, VALUE, BODY)
    sealed = unseal(FMT, blob[:-1])
    assert sealed is not None and sealed.value == VALUE
    assert sealed.body() is None
    empty_body = unseal(FMT, blob[: head_end(blob)])
    assert empty_body is not None and empty_body.body() is None


@pytest.mark.parametrize("junk", [b"", b"garbage", b"\x00" * 64, b"\xff" * 64])
def test_foreign_bytes_read_as_none(junk):
    assert unseal(FMT, junk) is None


class CountingPath(type(__import__("pathlib").Path())):  # a Path that records how much each open reads
    reads: list[int] = []

    def open(self, *args, **kwargs):
        fh = super().open(*args, **kwargs)
        original = fh.read

        def read(n=-1):
            data = original(n)
            CountingPath.reads.append(len(data))
            return data

        fh.read = read
        return fh


def test_unseal_file_reads_the_head_only_and_the_body_when_asked(tmp_path):
    blob = seal(FMT, VALUE, BODY)
    path = CountingPath(tmp_path / "entry.bin")
    path.write_bytes(blob)
    CountingPath.reads = []
    sealed = unseal_file(FMT, path)
    assert sealed is not None and sealed.value == VALUE
    assert sum(CountingPath.reads) == head_end(blob) < len(blob)  # nothing of the body yet
    assert sealed.body() == BODY
    assert sum(CountingPath.reads) == len(blob)


def test_unseal_file_sees_damage_and_a_replaced_or_missing_body(tmp_path):
    path = tmp_path / "entry.bin"
    blob = seal(FMT, VALUE, BODY)
    path.write_bytes(flip(blob, 3))
    assert unseal_file(FMT, path) is None  # a damaged head
    for junk in (b"", b"garbage", b"\xff" * 64):
        path.write_bytes(junk)
        assert unseal_file(FMT, path) is None
    path.write_bytes(blob)
    sealed = unseal_file(FMT, path)
    assert sealed is not None
    path.write_bytes(seal(FMT, VALUE, [*BODY, "another"]))  # replaced after the head was read
    assert sealed.body() is None  # its checksum no longer matches: never trusted
    path.write_bytes(blob)
    again = unseal_file(FMT, path)
    assert again is not None
    path.unlink()
    assert again.body() is None  # gone: read as a damaged body
    with pytest.raises(OSError):
        unseal_file(FMT, path)
