"""`export --out` never replaces what is not a regular file (issue 8, item 1).

A regular file (or nothing) is replaced atomically; through a symlink the target is replaced
and the link kept; a FIFO and ``-`` are written into; a directory or a socket is refused with
one line.  Everything lives in tmp_path: no test touches /dev.
"""

from __future__ import annotations

import os
import pty
import shutil
import socket
import stat
import subprocess
import threading

from test_export import assert_one_line_failure, build_fixture, run, run_installed


def reference(fx, tmp_path, capsysbinary) -> bytes:
    """The export as a plain new file: what every other destination must receive."""
    plain = tmp_path / "plain.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(plain))
    assert code == 0, err
    return plain.read_bytes()


def test_a_symlink_is_kept_and_its_target_replaced(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    expected = reference(fx, tmp_path, capsysbinary)
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "latest.jsonl"
    target.write_bytes(b"old export\n")
    target.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file keeps its mode
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["latest.jsonl"]  # no temp left


def test_a_dangling_symlink_gets_its_target_created(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    expected = reference(fx, tmp_path, capsysbinary)
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "not-yet.jsonl")
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(link))
    assert code == 0, err
    assert link.is_symlink() and (tmp_path / "not-yet.jsonl").read_bytes() == expected


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    expected = reference(fx, tmp_path, capsysbinary)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_installed("export", "--db", str(fx.db), "--out", str(fifo), cwd=tmp_path)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received == [expected]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert f"to {fifo}" in result.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_symlink_to_a_fifo_streams_into_the_fifo(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    expected = reference(fx, tmp_path, capsysbinary)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_installed("export", "--db", str(fx.db), "--out", str(link), "--format", "conll", cwd=tmp_path)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received and received[0].startswith(b"-DOCSTART- -X- O O\n")
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dash_streams_to_stdout(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    expected = reference(fx, tmp_path, capsysbinary)
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", "-")
    assert code == 0 and stdout == expected and "to stdout" in err
    assert not (tmp_path / "-").exists()


def test_a_directory_or_a_socket_is_refused_and_left_alone(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(tmp_path))
    assert_one_line_failure(code, err, "is a directory")
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(sock_path))
        assert_one_line_failure(code, err, "s.sock", "not a regular file, a FIFO or a character device")
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode) and stdout == b""
        link = tmp_path / "to-dir"
        link.symlink_to(tmp_path, target_is_directory=True)
        code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(link))
        assert_one_line_failure(code, err, "is a directory")
        assert link.is_symlink()


def test_a_failure_while_streaming_says_the_output_stopped_part_way(tmp_path, capsysbinary):
    from test_export import SHORT, corrupt

    fx = build_fixture(tmp_path)
    corrupt(fx.db, fx.short_id, 3, 10_000)  # the last record: the first ones are already out
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", "-")
    assert_one_line_failure(code, err, "[3:10000]", "the output stopped part-way")
    assert stdout.count(b"\n") == 2 and SHORT.encode() not in stdout
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db))  # spooled: all or nothing
    assert_one_line_failure(code, err, "[3:10000]", "nothing was written")
    assert stdout == b""


def test_a_spacy_docbin_is_not_written_raw_onto_a_terminal(tmp_path):
    # `--out -` with stdout on a terminal would pour the binary DocBin, escape bytes and
    # all, onto the screen: refused in one line.  Redirected, `-` still works.
    db = build_fixture(tmp_path).db
    exe = shutil.which("annotator")
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([exe, "export", "--db", str(db), "--format", "spacy", "--out", "-"],
                                stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                text=True, timeout=120)
        os.set_blocking(leader, False)
        try:
            on_screen = os.read(leader, 1 << 16)
        except BlockingIOError:
            on_screen = b""
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 2 and on_screen == b"", on_screen[:80]
    assert len(result.stderr.splitlines()) == 1 and "terminal" in result.stderr
    piped = subprocess.run([exe, "export", "--db", str(db), "--format", "spacy", "--out", "-"],
                           capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert piped.returncode == 0 and len(piped.stdout) > 100
