"""The one binary cache format: what goes in comes out, and damage reads as None."""

from __future__ import annotations

import pytest

from pyflash.core.blob import seal, unseal

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
