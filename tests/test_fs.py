"""The one atomic writer: all or nothing, no temporary file left, modes kept."""

from __future__ import annotations

import os
import stat

import pytest

from pyflash.core.fs import atomic_write, atomic_write_bytes, atomic_write_text, default_file_mode


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_a_new_file_and_its_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    atomic_write_text(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    assert names(target.parent) == ["out.txt"]
    assert stat.S_IMODE(target.stat().st_mode) == default_file_mode()


def test_parents_false_does_not_create_folders(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "out.bin", lambda fh: None, parents=False)
    assert names(tmp_path) == []


class Boom(Exception):
    pass


@pytest.mark.parametrize("durable", [True, False])
def test_a_failing_writer_leaves_the_old_file_and_no_temp_file(tmp_path, durable):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old contents")

    def write(fh):
        fh.write(b"half of the new")
        raise Boom("disk on fire")

    with pytest.raises(Boom):
        atomic_write(target, write, durable=durable)
    assert target.read_bytes() == b"old contents"
    assert names(tmp_path) == ["data.bin"]


def test_a_failing_writer_creates_nothing(tmp_path):
    target = tmp_path / "new.bin"

    def write(fh):
        fh.write(b"partial")
        raise KeyboardInterrupt  # even an interrupt cleans up

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write)
    assert names(tmp_path) == []


def test_replace_false_refuses_an_existing_file(tmp_path):
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="already exists"):
        atomic_write_bytes(target, b"new", replace=False)
    with pytest.raises(FileExistsError, match="^nope: use --force$"):
        atomic_write(target, lambda fh: None, replace=False, exists_message="nope: use --force")
    assert target.read_bytes() == b"keep me"
    assert names(tmp_path) == ["deck.apkg"]


def test_replace_false_writes_a_new_file(tmp_path):
    target = tmp_path / "new.bin"
    atomic_write_bytes(target, b"fresh", replace=False)
    assert target.read_bytes() == b"fresh"
    assert names(tmp_path) == ["new.bin"]


def test_replace_swaps_the_contents(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")
    inode_before = target.stat().st_ino
    atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["f.txt"]
    if os.name == "posix":
        assert target.stat().st_ino != inode_before  # renamed over, not rewritten in place


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o600, 0o604, 0o755])
def test_the_mode_of_the_replaced_file_is_kept(tmp_path, mode):
    if mode == default_file_mode():
        pytest.skip("the umask would give this mode anyway")
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, mode)
    atomic_write_text(target, "new", durable=False)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text(encoding="utf-8") == "new"
