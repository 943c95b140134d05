"""Tests for annotator.text.loading: bytes on disk -> the document text."""

from __future__ import annotations

import codecs
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotator.text import loading
from annotator.text.loading import LoadError, load_text

ARABIC = "بسم الله الرحمن الرحيم\nقال: «مرحبا» — ١٢٣ ۴۵۶ lam-alef لا"


def write(tmp_path, data: bytes, name: str = "doc.txt"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def load_error(path, encoding=None) -> str:
    with pytest.raises(LoadError) as info:
        load_text(path, encoding)
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg, msg
    return msg


# -- decoding ----------------------------------------------------------------


def test_plain_utf8_arabic_loads_unchanged(tmp_path):
    assert load_text(write(tmp_path, ARABIC.encode("utf-8"))) == ARABIC


def test_path_may_be_a_str_or_a_pathlike(tmp_path):
    p = write(tmp_path, b"abc")
    assert load_text(str(p)) == load_text(p) == "abc"


def test_utf8_bom_is_removed(tmp_path):
    assert load_text(write(tmp_path, codecs.BOM_UTF8 + ARABIC.encode())) == ARABIC


def test_only_the_bom_is_removed_and_a_second_feff_is_kept(tmp_path):
    data = codecs.BOM_UTF8 + "\ufeffx".encode()
    assert load_text(write(tmp_path, data)) == "\ufeffx"


def test_utf16_le_with_bom_is_decoded_and_bom_removed(tmp_path):
    data = codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le")
    assert load_text(write(tmp_path, data)) == ARABIC


def test_utf16_be_with_bom_is_decoded_and_bom_removed(tmp_path):
    data = codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be")
    assert load_text(write(tmp_path, data)) == ARABIC


def test_utf32_le_and_be_with_bom_are_decoded(tmp_path):
    le = write(tmp_path, codecs.BOM_UTF32_LE + ARABIC.encode("utf-32-le"), "le.txt")
    be = write(tmp_path, codecs.BOM_UTF32_BE + ARABIC.encode("utf-32-be"), "be.txt")
    assert load_text(le) == load_text(be) == ARABIC


def test_utf16_text_with_nul_characters_is_not_called_binary(tmp_path):
    data = codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le")
    assert load_text(write(tmp_path, data)) == "a\x00b"


def test_cp1256_arabic_file_read_with_cp1256_equals_the_original(tmp_path):
    original = "بسم الله الرحمن الرحيم\r\nكتاب گچپژ؟ ، ؛"
    p = write(tmp_path, original.encode("cp1256"))
    assert load_text(p, encoding="cp1256") == original.replace("\r\n", "\n")


def test_explicit_utf8_encoding_removes_a_bom_too(tmp_path):
    p = write(tmp_path, codecs.BOM_UTF8 + b"abc")
    assert load_text(p, encoding="utf-8") == "abc"


def test_explicit_utf16_codec_removes_its_bom_once(tmp_path):
    p = write(tmp_path, "\ufeffabc".encode("utf-16"))  # BOM + U+FEFF + abc
    assert load_text(p, encoding="utf-16") == "\ufeffabc"


def test_explicit_utf16_le_reads_a_bomless_utf16_file(tmp_path):
    p = write(tmp_path, "ab\ncd".encode("utf-16-le"))
    assert load_text(p, encoding="utf-16-le") == "ab\ncd"


def test_explicit_encoding_disables_bom_sniffing(tmp_path):
    p = write(tmp_path, codecs.BOM_UTF8 + b"x")
    assert load_text(p, encoding="latin-1") == "\u00ef\u00bb\u00bfx"


# -- newlines and "nothing else changes" ------------------------------------------


def test_crlf_and_lone_cr_become_lf(tmp_path):
    p = write(tmp_path, b"a\r\nb\rc\n\r\n\rd")
    assert load_text(p) == "a\nb\nc\n\n\nd"


def test_offsets_after_crlf_normalisation_index_the_normalised_text(tmp_path):
    p = write(tmp_path, "سطر\r\nكلمة هنا\r\nآخر".encode())
    text = load_text(p)
    start = text.index("كلمة")
    assert start == 4  # 3 letters + one "\n", not two bytes/characters for CRLF
    assert text[start : start + 4] == "كلمة"
    assert text.splitlines() == ["سطر", "كلمة هنا", "آخر"]


def test_crlf_in_utf16_is_normalised_too(tmp_path):
    p = write(tmp_path, codecs.BOM_UTF16_LE + "a\r\nb\rc".encode("utf-16-le"))
    assert load_text(p) == "a\nb\nc"


def test_other_line_separators_controls_and_combining_marks_are_kept(tmp_path):
    text = "a\u0085b\u2028c\u2029d\x0ce\x1b[31m\u202ef\u200c\u0651\u064eg\u0627\u0653"
    assert load_text(write(tmp_path, text.encode())) == text


def test_no_unicode_normalisation_is_applied(tmp_path):
    decomposed = "e\u0301 \u0627\u0653"  # NFC would compose both
    assert load_text(write(tmp_path, decomposed.encode())) == decomposed


def test_leading_and_trailing_whitespace_is_kept(tmp_path):
    assert load_text(write(tmp_path, b"  \n\tx  \n\n")) == "  \n\tx  \n\n"


def test_whitespace_only_text_is_allowed(tmp_path):
    assert load_text(write(tmp_path, b" \n\t ")) == " \n\t "


# -- file-system errors -------------------------------------------------------------


def test_missing_file_is_a_load_error_naming_the_file(tmp_path):
    p = tmp_path / "nope.txt"
    msg = load_error(p)
    assert str(p) in msg and "no such file" in msg


def test_directory_is_a_load_error_naming_the_directory(tmp_path):
    msg = load_error(tmp_path)
    assert str(tmp_path) in msg and "directory" in msg


def test_broken_symlink_is_reported_as_such(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone.txt")
    msg = load_error(link)
    assert str(link) in msg and "broken symbolic link" in msg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_named_pipe_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    msg = load_error(fifo)
    assert str(fifo) in msg and "not a regular file" in msg


# Root reads any file whatever its mode (and CI runs as root), so as root the refusal is
# shown by a child that imports the annotator, then drops to an unprivileged user (nobody)
# before it reads: the kernel's own EACCES, through the real `annotator FILE` code path.
AS_NOBODY = """
import os, sys
from annotator.cli.reader import build_parser, main
from annotator.text.loading import load_text
build_parser().parse_args([sys.argv[3]])  # argparse imports gettext lazily: do it as root
try:
    os.setgroups([]); os.setgid(int(sys.argv[1])); os.setuid(int(sys.argv[1]))
except PermissionError:
    sys.exit(77)  # no CAP_SETUID here: the caller skips
assert load_text(sys.argv[2]) == "open"  # the folder is open to us: the refusal is the file's
main([sys.argv[3], "--db", os.devnull])
"""


@pytest.fixture
def open_folder():
    """A folder every user may enter (pytest's tmp_path sits in a root-only folder)."""
    folder = tempfile.mkdtemp(prefix="annotator-perm-")
    os.chmod(folder, 0o755)
    yield Path(folder)
    shutil.rmtree(folder)


def test_unreadable_file_is_refused_with_one_permission_line(open_folder):
    readable, secret = open_folder / "open.txt", open_folder / "secret.txt"
    readable.write_text("open", encoding="utf-8")
    readable.chmod(0o644)
    secret.write_text("secret", encoding="utf-8")
    secret.chmod(0)
    if os.geteuid() != 0:  # an ordinary user meets the refusal directly
        msg = load_error(secret)
        assert str(secret) in msg and "permission denied" in msg
        return
    try:
        nobody = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        nobody = 65534  # the customary uid of nobody
    result = subprocess.run([sys.executable, "-c", AS_NOBODY, str(nobody), str(readable), str(secret)],
                            capture_output=True, text=True, timeout=60)
    if result.returncode == 77:
        pytest.skip("running as root without the right to change user (CAP_SETUID)")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"annotator: {secret}: permission denied")


def test_control_characters_in_the_file_name_are_shown_as_the_readers_stand_ins(tmp_path):
    p = tmp_path / "bad\nname\u202e\x1b]0;x\x07.txt"
    msg = load_error(p)
    assert "bad\u240aname\u21da\u241b]0;x\u2407.txt" in msg  # ␊ ⇚ ␛ ␇, as in the reader


# -- empty files ----------------------------------------------------------------------


def test_zero_byte_file_is_empty(tmp_path):
    msg = load_error(write(tmp_path, b""))
    assert "empty" in msg and "doc.txt" in msg


@pytest.mark.parametrize(
    "bom",
    [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE],
    ids=["utf8", "utf16le", "utf16be", "utf32le", "utf32be"],
)
def test_file_with_only_a_bom_is_empty(tmp_path, bom):
    msg = load_error(write(tmp_path, bom))
    assert "empty" in msg and "doc.txt" in msg


def test_zero_byte_file_is_empty_with_an_explicit_encoding_too(tmp_path):
    assert "empty" in load_error(write(tmp_path, b""), encoding="cp1256")


# -- binary files -------------------------------------------------------------------


def test_nul_byte_in_the_first_8_kib_means_binary_with_its_offset(tmp_path):
    p = write(tmp_path, b"x" * 100 + b"\x00" + b"y" * 100)
    msg = load_error(p)
    assert msg == f"{p}: looks like a binary file (NUL byte at offset 100), not text"


def test_png_header_is_binary(tmp_path):
    p = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary" in load_error(p)


def test_binary_check_runs_before_utf8_decoding(tmp_path):
    # \xff alone would be an "invalid UTF-8" error; the NUL makes it binary.
    assert "binary" in load_error(write(tmp_path, b"\xff\x00\x01\x02"))


def test_binary_check_applies_after_a_utf8_bom(tmp_path):
    assert "offset 4" in load_error(write(tmp_path, codecs.BOM_UTF8 + b"a\x00"))


def test_nul_byte_after_the_first_8_kib_is_kept_as_text(tmp_path):
    data = b"a" * loading.BINARY_SNIFF_BYTES + b"\x00b"
    assert load_text(write(tmp_path, data)) == data.decode()


def test_bomless_utf16_is_called_binary_with_a_utf16_hint(tmp_path):
    p = write(tmp_path, "سلام world\n".encode("utf-16-le"))
    msg = load_error(p)
    assert "binary" in msg and "--encoding utf-16-le" in msg


def test_binary_check_applies_with_an_8bit_encoding(tmp_path):
    assert "binary" in load_error(write(tmp_path, b"ab\x00cd"), encoding="cp1256")


# -- invalid text ---------------------------------------------------------------


def test_invalid_utf8_message_names_file_byte_offset_line_and_cp1256(tmp_path):
    good = "سطر أول\nسطر ثان\n".encode()
    p = write(tmp_path, good + b"abc\xe1\xff")  # \xe1 starts a bad sequence
    msg = load_error(p)
    bad = len(good) + 3
    assert msg == (
        f"{p}: not valid UTF-8 at byte {bad} (line 3); "
        "if it is a legacy file, try --encoding cp1256"
    )


def test_invalid_utf8_offset_counts_the_bom_and_crlf_bytes(tmp_path):
    data = codecs.BOM_UTF8 + b"a\r\nb\rc\x80"
    msg = load_error(write(tmp_path, data))
    assert "at byte 9 (line 3)" in msg


def test_cp1256_file_read_as_utf8_suggests_cp1256(tmp_path):
    p = write(tmp_path, "abc\nسلام".encode("cp1256"))
    msg = load_error(p)
    assert "at byte 4 (line 2)" in msg and "--encoding cp1256" in msg


def test_invalid_text_in_the_given_encoding_reports_the_byte_offset(tmp_path):
    p = write(tmp_path, b"ok\nok\n\x81")
    msg = load_error(p, encoding="cp1252")  # 0x81 is undefined in cp1252
    assert str(p) in msg and "not valid cp1252" in msg and "at byte 6 (line 3)" in msg


def test_invalid_utf16_after_a_bom_reports_the_byte_offset(tmp_path):
    data = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xdc"  # lone low surrogate
    msg = load_error(write(tmp_path, data))
    assert "not valid UTF-16 at byte 6" in msg


def test_truncated_utf16_file_is_a_load_error(tmp_path):
    data = codecs.BOM_UTF16_BE + "ab".encode("utf-16-be") + b"\x00"
    assert "UTF-16" in load_error(write(tmp_path, data))


def test_unknown_encoding_name_is_a_load_error_that_says_so(tmp_path):
    p = write(tmp_path, b"abc")
    msg = load_error(p, encoding="no-such-codec")
    assert str(p) in msg and "unknown text encoding 'no-such-codec'" in msg


def test_bytes_to_bytes_codec_is_rejected_as_an_encoding(tmp_path):
    assert "unknown text encoding" in load_error(write(tmp_path, b"YWJj"), encoding="base64")


def test_unknown_encoding_is_reported_without_reading_the_file(tmp_path):
    msg = load_error(tmp_path / "missing.txt", encoding="nosuch")
    assert "unknown text encoding" in msg


# -- size -------------------------------------------------------------------------


def test_ten_megabyte_file_loads_fast(tmp_path):
    line = "هذا سطر عربي طويل نسبياً مع some ASCII\r\n"
    text = line * (10_000_000 // len(line.encode()))
    p = write(tmp_path, text.encode())
    started = time.perf_counter()
    loaded = load_text(p)
    elapsed = time.perf_counter() - started
    assert loaded == text.replace("\r\n", "\n")
    assert elapsed < 1.0, f"10 MB took {elapsed:.2f} s"


# -- property: what goes in comes out --------------------------------------------------

# '\r' is excluded because it is normalised by design.  NUL is excluded
# because a NUL byte in UTF-8 marks a binary file by design.  Surrogates are
# excluded because no UTF encoding can write them (codec="utf-8").
texts = st.text(st.characters(codec="utf-8", exclude_characters="\r\x00"))
prop_settings = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_round_trip(path, text):
    if text == "":
        with pytest.raises(LoadError):
            load_text(path)
    else:
        assert load_text(path) == text


@prop_settings
@given(text=texts)
def test_any_text_written_as_utf8_with_bom_loads_back_unchanged(tmp_path, text):
    assert_round_trip(write(tmp_path, codecs.BOM_UTF8 + text.encode()), text)


@prop_settings
@given(text=texts)
def test_any_text_written_as_utf8_without_bom_loads_back_unchanged(tmp_path, text):
    # A leading U+FEFF in BOM-less UTF-8 *is* a BOM on disk, so it is removed.
    assume(not text.startswith("\ufeff"))
    assert_round_trip(write(tmp_path, text.encode()), text)


@prop_settings
@given(text=texts, codec=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]))
def test_any_text_written_as_utf16_or_utf32_with_bom_loads_back_unchanged(tmp_path, text, codec):
    if codec == "utf-16":
        data = text.encode("utf-16")  # platform byte order, BOM included
    else:
        bom = {
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE,
            "utf-32-be": codecs.BOM_UTF32_BE,
        }[codec]
        data = bom + text.encode(codec)
    assert_round_trip(write(tmp_path, data), text)
