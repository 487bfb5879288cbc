"""download_datasets.sh against a local HTTP server (127.0.0.1 only, no internet)."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from utils import catalog, config, datasets, download, layouts

SCRIPT = config.repo_root() / "download_datasets.sh"
pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None,
    reason="download_datasets.sh needs bash and curl",
)


class _RangeHandler(BaseHTTPRequestHandler):
    """Serves ``server.files`` (path -> bytes) with Range support; logs (path, Range header).

    Faults, each set on the server: ``portal`` (every path answers 200 with an HTML login
    page), ``redirects`` (path -> path, 302), ``no_range`` (paths whose Range header is
    ignored), ``cut`` (path -> bytes sent before the connection drops, once), ``slow``
    (seconds each response takes).
    """

    def do_GET(self):
        srv = self.server
        srv.log.append((self.path, self.headers.get("Range")))
        if getattr(srv, "portal", False):
            page = b"<!DOCTYPE html>\n<html><body>Welcome to Hotel Wi-Fi: log in</body></html>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if self.path in getattr(srv, "redirects", {}):
            self.send_response(302)
            self.send_header("Location", srv.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if self.path in getattr(srv, "no_range", ()):
            rng = None
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        cut = getattr(srv, "cut", {}).pop(self.path, None)
        if cut is not None:  # send part of it, then drop the connection
            self.wfile.write(body[start : start + cut])
            self.wfile.flush()
            self.close_connection = True
            return
        if getattr(srv, "slow", 0):
            chunks = [body[i : i + 4096] for i in range(start, len(body), 4096)]
            for chunk in chunks:
                self.wfile.write(chunk)
                time.sleep(srv.slow / len(chunks))
            return
        self.wfile.write(body[start:])

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    httpd.files, httpd.log = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/dead"


def _wav_bytes(seconds=0.2, sr=22050) -> bytes:
    buf = io.BytesIO()
    sf.write(
        buf,
        (0.1 * np.sin(np.arange(int(seconds * sr)) * 0.05)).astype(np.float32),
        sr,
        format="WAV",
        subtype="PCM_16",
    )
    return buf.getvalue()


def _gtzan_archive() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for member in (
            "music_speech/music_wav/m1.wav",
            "music_speech/music_wav/m2.wav",
            "music_speech/speech_wav/s1.wav",
            "music_speech/speech_wav/s2.wav",
        ):
            data = _wav_bytes(1.5)
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _env(tmp_path, sources: dict, **extra) -> dict:
    src = tmp_path / "sources.json"
    src.write_text(json.dumps(sources))
    env = dict(
        os.environ,
        MUSICDL_DATA=str(tmp_path / "data"),
        MUSICDL_SOURCES_FILE=str(src),
        PYTHON=sys.executable,
        MUSICDL_CONNECT_TIMEOUT="3",
    )
    env.update(extra)
    return env


def _run(tmp_path, sources: dict, *args, timeout=90, **env):
    r = subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path, sources, **env),
        timeout=timeout,
    )
    out = r.stdout + r.stderr
    assert "syntax error" not in out and "command not found" not in out, out
    return r.returncode, out


def _gtzan_sources(server, data, *, sha=None, urls=None):
    server.files["/ms.tar.gz"] = data
    return {
        "gtzan_music_speech": [
            {
                "name": "music_speech.tar.gz",
                "urls": urls or [server.url + "/ms.tar.gz"],
                "size": len(data),
                "sha256": sha or _sha(data),
            }
        ]
    }


def test_clean_download_then_second_run_does_nothing(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    root = tmp_path / "data" / "gtzan_music_speech"
    with pytest.warns(UserWarning, match="4 GTZAN clips are shorter than 29 s"):  # 1.5 s clips
        df = datasets.load_gtzan_music_speech(root)
    assert df.label.value_counts().to_dict() == {"music": 2, "speech": 2}
    assert not list(tmp_path.rglob("*.part")) and not list((tmp_path / "data").glob(".*unpacking"))
    before = sorted(p for p in tmp_path.rglob("*"))
    n_requests = len(server.log)
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0 and "already present" in out and "nothing to do" in out
    assert len(server.log) == n_requests  # no download at all
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_partial_download_is_resumed_not_restarted(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    dl = tmp_path / "data" / "downloads" / "gtzan_music_speech"
    dl.mkdir(parents=True)
    n = len(data) // 3
    (dl / "music_speech.tar.gz.part").write_bytes(data[:n])
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert ("/ms.tar.gz", f"bytes={n}-") in server.log
    assert (dl / "music_speech.tar.gz").read_bytes() == data
    assert datasets.is_present(tmp_path / "data" / "gtzan_music_speech", "gtzan_music_speech")


def test_checksum_mismatch_is_not_installed(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data, sha="0" * 64)
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc != 0
    assert "checksum mismatch" in out and "NOT installed" in out
    assert not (tmp_path / "data" / "gtzan_music_speech").exists()
    dl = tmp_path / "data" / "downloads" / "gtzan_music_speech"
    assert (
        not (dl / "music_speech.tar.gz").exists() and not (dl / "music_speech.tar.gz.part").exists()
    )
    # and it says where to put a copy obtained by hand
    assert str(dl / "music_speech.tar.gz") in out


def test_dead_first_mirror_then_the_second_works(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data, urls=[_closed_port_url(), server.url + "/ms.tar.gz"])
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert "trying the next source" in out
    assert datasets.is_present(tmp_path / "data" / "gtzan_music_speech", "gtzan_music_speech")


def test_all_sources_fail_prints_where_to_put_a_copy(tmp_path):
    sources = {
        "gtzan_music_speech": [{"name": "music_speech.tar.gz", "urls": [_closed_port_url()]}]
    }
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc != 0
    target = tmp_path / "data" / "downloads" / "gtzan_music_speech" / "music_speech.tar.gz"
    assert "could not be downloaded from any known source" in out
    assert str(target) in out and "music_wav" in out


def test_mtat_zip_parts_are_joined_and_unpacked(server, tmp_path):
    zbuf = io.BytesIO()
    rows = []
    with zipfile.ZipFile(zbuf, "w") as zf:
        for i, folder in enumerate(layouts.MTAT_FOLDERS):
            name = f"{folder}/artist-album-0{i % 9 + 1}-title-30-59.mp3"
            zf.writestr(name, os.urandom(3000))  # incompressible, so the parts split real bytes
            rows.append((2 + i, name))
    blob = zbuf.getvalue()
    cut = [0, len(blob) // 3, 2 * len(blob) // 3, len(blob)]
    ann = pd.DataFrame(
        [[cid, *([0] * 188), p] for cid, p in rows],
        columns=["clip_id", *datasets.TAGS_188, "mp3_path"],
    )
    info = pd.DataFrame(
        [[cid, 1, "t", "a", "b", "u", 30, 59, "o", p] for cid, p in rows],
        columns=list(datasets.CLIP_INFO_COLUMNS),
    )
    files = {
        "annotations_final.csv": ann.to_csv(sep="\t", index=False).encode(),
        "clip_info_final.csv": info.to_csv(sep="\t", index=False).encode(),
    }
    for k in range(3):
        files[f"mp3.zip.00{k + 1}"] = blob[cut[k] : cut[k + 1]]
    entries = []
    for name, data in files.items():
        server.files["/mtat/" + name] = data
        entries.append(
            {
                "name": name,
                "urls": [server.url + "/mtat/" + name],
                "size": len(data),
                "sha256": _sha(data),
            }
        )
    rc, out = _run(tmp_path, {"magnatagatune": entries}, "magnatagatune")
    assert rc == 0, out
    root = tmp_path / "data" / "magnatagatune"
    assert sorted(p.name for p in (root / "mp3").iterdir()) == list(layouts.MTAT_FOLDERS)
    df = datasets.load_magnatagatune(root)
    assert len(df) == 16 and {"title", "artist"} <= set(df.columns)
    rc, out = _run(tmp_path, {"magnatagatune": entries}, "magnatagatune")
    assert rc == 0 and "already present" in out


def test_list_check_and_help_run_offline(tmp_path):
    rc, out = _run(tmp_path, {}, "--list")
    assert rc == 0 and "opihi.cs.uvic.ca" in out and "mirg.city.ac.uk" in out
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 0 and "not present" in out
    rc, out = _run(tmp_path, {}, "--help")
    assert rc == 0 and "magnatagatune" in out
    rc, out = _run(tmp_path, {}, "nonsense")
    assert rc == 2 and "unknown argument" in out


# ---------------------------------------------------------------- failures that must not cost data


def _mtat_downloads(dl: Path, n: int = 16) -> list:
    """Writes MTAT's five downloads (three zip parts of stored mp3s) into ``dl``; returns the members."""
    zbuf = io.BytesIO()
    names = [
        f"{layouts.MTAT_FOLDERS[i % 16]}/artist-album-{i:02d}-title-30-59.mp3" for i in range(n)
    ]
    with zipfile.ZipFile(zbuf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in names:
            zf.writestr(name, os.urandom(3000))
    blob = zbuf.getvalue()
    rows = [(2 + i, name) for i, name in enumerate(names)]
    ann = pd.DataFrame(
        [[cid, *([0] * 188), p] for cid, p in rows],
        columns=["clip_id", *datasets.TAGS_188, "mp3_path"],
    )
    info = pd.DataFrame(
        [[cid, 1, "t", "a", "b", "u", 30, 59, "o", p] for cid, p in rows],
        columns=list(datasets.CLIP_INFO_COLUMNS),
    )
    dl.mkdir(parents=True)
    (dl / datasets.ANNOTATION_FILE).write_text(ann.to_csv(sep="\t", index=False))
    (dl / datasets.CLIP_INFO_FILE).write_text(info.to_csv(sep="\t", index=False))
    cut = [0, len(blob) // 3, 2 * len(blob) // 3, len(blob)]
    for k in range(3):
        (dl / f"mp3.zip.00{k + 1}").write_bytes(blob[cut[k] : cut[k + 1]])
    return names


def _corrupt_member(dl: Path, member: str) -> None:
    """Flips one byte inside ``member``'s stored data, so its CRC check fails on extraction."""
    parts = sorted(dl.glob("mp3.zip.*"))
    blob = bytearray(b"".join(p.read_bytes() for p in parts))
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
        info = zf.getinfo(member)
    start = info.header_offset
    n_name, n_extra = (
        int.from_bytes(blob[start + 26 : start + 28], "little"),
        int.from_bytes(blob[start + 28 : start + 30], "little"),
    )
    blob[start + 30 + n_name + n_extra + 100] ^= 0xFF
    offset = 0
    for p in parts:
        size = p.stat().st_size
        p.write_bytes(bytes(blob[offset : offset + size]))
        offset += size


def test_damaged_mp3_is_left_out_not_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    names = _mtat_downloads(dl)
    _corrupt_member(dl, names[5])
    with pytest.warns(
        UserWarning, match="1 mp3 files in the archive are damaged and were not unpacked"
    ):
        root = download.install("magnatagatune", downloads=dl)
    assert not (root / "mp3" / names[5]).exists()  # not a file with wrong bytes that looks fine
    assert all((root / "mp3" / n).is_file() for n in names if n != names[5])


def test_full_disk_while_unpacking_gtzan_keeps_the_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    dl.mkdir()
    (dl / "music_speech.tar.gz").write_bytes(_gtzan_archive())

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download.os, "replace", full_disk)
    with pytest.raises(OSError, match="free disk space") as info:
        download.install("gtzan_music_speech", downloads=dl)
    assert "delete" not in str(info.value)  # the archive is fine: never advise deleting it
    assert (dl / "music_speech.tar.gz").is_file()
    assert not list((tmp_path / "data").glob(".*unpacking"))


def test_full_disk_while_unpacking_mtat_is_not_called_damage(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    _mtat_downloads(dl)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "extract", full_disk)
    with pytest.raises(OSError, match="free disk space") as info:
        download.install("magnatagatune", downloads=dl)
    assert "damaged" not in str(info.value) and "delete" not in str(info.value)
    assert len(list(dl.glob("mp3.zip.*"))) == 3
    root = tmp_path / "data" / "magnatagatune"
    assert not (root / "mp3").exists() and not (root / ".mp3.unpacking").exists()


def test_all_says_which_failed_and_never_to_delete_a_download_that_was_not_installed(
    server, tmp_path
):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:  # a valid archive, but not GTZAN
        info = tarfile.TarInfo("other/readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    sources = _gtzan_sources(server, buf.getvalue())
    sources["magnatagatune"] = [{"name": "annotations_final.csv", "urls": [_closed_port_url()]}]
    rc, out = _run(tmp_path, sources, "all")
    assert rc != 0
    assert "does not contain music_wav/" in out and "could not be installed" in out
    assert "can be deleted" not in out
    assert "not installed: gtzan_music_speech magnatagatune" in out
    assert (
        tmp_path / "data" / "downloads" / "gtzan_music_speech" / "music_speech.tar.gz"
    ).is_file()


def test_checksums_need_no_sha256sum(server, tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("dirname", "sed", "awk", "df", "wc", "tr", "mkdir", "mv", "rm", "curl"):
        (tools / tool).symlink_to(shutil.which(tool))
    assert (
        shutil.which("sha256sum", path=str(tools)) is None
        and shutil.which("shasum", path=str(tools)) is None
    )
    data = _gtzan_archive()
    src = tmp_path / "sources.json"
    src.write_text(json.dumps(_gtzan_sources(server, data)))
    env = dict(
        os.environ,
        PATH=str(tools),
        MUSICDL_DATA=str(tmp_path / "data"),
        MUSICDL_SOURCES_FILE=str(src),
        PYTHON=sys.executable,
        MUSICDL_CONNECT_TIMEOUT="3",
    )
    r = subprocess.run(
        [shutil.which("bash"), str(SCRIPT), "gtzan_music_speech"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert datasets.is_present(tmp_path / "data" / "gtzan_music_speech", "gtzan_music_speech")


# ---------------------------------------------------------------- issue 14: traps and faults


def _fake_df(tmp_path, free_kb: int) -> str:
    """A folder holding a ``df`` that reports ``free_kb`` free 1024-byte blocks, for PATH."""
    tools = tmp_path / "fake-df"
    tools.mkdir()
    df = tools / "df"
    df.write_text(
        "#!/bin/sh\n"
        "echo 'Filesystem 1024-blocks Used Available Capacity Mounted on'\n"
        f"echo '/dev/fake 999999999 1 {free_kb} 1% /'\n"
    )
    df.chmod(0o755)
    return f"{tools}{os.pathsep}{os.environ['PATH']}"


def test_free_space_is_measured_on_big_disks_too(server, tmp_path):
    # 3 GB free, 10 GB needed: the old check printed "syntax error" (awk wrote 3.072e+09) and
    # went on downloading.
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    sources["gtzan_music_speech"][0]["size"] = 5_000_000_000
    rc, out = _run(tmp_path, sources, "gtzan_music_speech", PATH=_fake_df(tmp_path, 3_000_000))
    assert rc != 0
    assert "not enough free disk space" in out and "need about 10.0 GB, found 3.1 GB" in out
    assert "MUSICDL_DATA" in out and server.log == []  # nothing was downloaded
    (tmp_path / "fake-df" / "df").unlink()
    (tmp_path / "fake-df").rmdir()
    sources = _gtzan_sources(server, data)
    rc, out = _run(tmp_path, sources, "gtzan_music_speech", PATH=_fake_df(tmp_path, 70_000_000))
    assert rc == 0, out  # 70 GB free is enough, with no arithmetic error on the way


def test_free_space_counts_what_is_already_downloaded(server, tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    data = _gtzan_archive()
    src = tmp_path / "sources.json"
    src.write_text(json.dumps(_gtzan_sources(server, data)))
    monkeypatch.setenv(catalog.SOURCES_ENV, str(src))
    dl = catalog.downloads_dir("gtzan_music_speech")
    dl.mkdir(parents=True)
    before = subprocess.run(
        [sys.executable, "-m", "utils.download", "--need-bytes", "gtzan_music_speech"],
        capture_output=True,
        text=True,
        cwd=config.repo_root(),
    )
    (dl / "music_speech.tar.gz.part").write_bytes(data[: len(data) // 2])
    after = subprocess.run(
        [sys.executable, "-m", "utils.download", "--need-bytes", "gtzan_music_speech"],
        capture_output=True,
        text=True,
        cwd=config.repo_root(),
    )
    assert int(before.stdout) - int(after.stdout) == len(data) // 2


def _mtat_files(n: int = 16) -> dict:
    """MTAT's five downloads (three zip parts of 16 mp3s), by name."""
    zbuf = io.BytesIO()
    names = [
        f"{layouts.MTAT_FOLDERS[i % 16]}/artist-album-{i:02d}-title-30-59.mp3" for i in range(n)
    ]
    with zipfile.ZipFile(zbuf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in names:
            zf.writestr(name, os.urandom(3000))
    blob = zbuf.getvalue()
    rows = [(2 + i, name) for i, name in enumerate(names)]
    ann = pd.DataFrame(
        [[cid, *([0] * 188), p] for cid, p in rows],
        columns=["clip_id", *datasets.TAGS_188, "mp3_path"],
    )
    info = pd.DataFrame(
        [[cid, 1, "t", "a", "b", "u", 30, 59, "o", p] for cid, p in rows],
        columns=list(datasets.CLIP_INFO_COLUMNS),
    )
    cut = [0, len(blob) // 3, 2 * len(blob) // 3, len(blob)]
    files = {
        "annotations_final.csv": ann.to_csv(sep="\t", index=False).encode(),
        "clip_info_final.csv": info.to_csv(sep="\t", index=False).encode(),
    }
    for k in range(3):
        files[f"mp3.zip.00{k + 1}"] = blob[cut[k] : cut[k + 1]]
    return files


def _mtat_sources(server, files: dict) -> dict:
    """Like the real MTAT sources: no size, no checksum."""
    entries = []
    for name, data in files.items():
        server.files["/mtat/" + name] = data
        entries.append({"name": name, "urls": [server.url + "/mtat/" + name]})
    return {"magnatagatune": entries}


def test_captive_portal_page_is_rejected_and_does_not_trap_later_runs(server, tmp_path):
    files = _mtat_files()
    sources = _mtat_sources(server, files)
    server.portal = True
    rc, out = _run(tmp_path, sources, "magnatagatune")
    assert rc != 0
    dl = tmp_path / "data" / "downloads" / "magnatagatune"
    assert not [p.name for p in dl.iterdir() if p.name in files], "a page saved as an archive"
    assert "web page" in out and "log in" in out and "NOT installed" in out
    assert (dl / "mp3.zip.001.rejected").read_bytes().startswith(b"<!DOCTYPE html>")
    # A page saved under the archive's name by an older version of the script:
    (dl / "annotations_final.csv").write_bytes((dl / "mp3.zip.001.rejected").read_bytes())
    server.portal = False  # logged in: the real files come through
    rc, out = _run(tmp_path, sources, "magnatagatune")
    assert rc == 0, out
    assert "moved it aside" in out
    assert (dl / "annotations_final.csv").read_bytes() == files["annotations_final.csv"]
    assert len(datasets.load_magnatagatune(tmp_path / "data" / "magnatagatune")) == 16


def test_install_names_the_download_to_delete(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    _mtat_downloads(dl)
    ann = dl / "annotations_final.csv"
    ann.write_text(ann.read_text().splitlines()[0] + "\n")  # header only: truncated
    with pytest.raises(ValueError, match="no rows") as info:
        download.install("magnatagatune", downloads=dl)
    assert f"delete it, then run {layouts.DATASETS['magnatagatune'].fetch_command}" in str(
        info.value
    )
    assert str(ann) in str(info.value)
    (dl / "mp3.zip.002").write_text("<html><body>Service unavailable</body></html>")
    with pytest.raises(ValueError, match=r"mp3\.zip\.002 is a web page") as info:
        download.install("magnatagatune", downloads=dl)
    assert "delete it" in str(info.value)


def test_partial_mp3_folder_is_refused_not_taken_as_installed(tmp_path):
    files = _mtat_files()
    dl = tmp_path / "data" / "downloads" / "magnatagatune"
    dl.mkdir(parents=True)
    for name, data in files.items():
        (dl / name).write_bytes(data)
    partial = tmp_path / "data" / "magnatagatune" / "mp3" / "0"
    partial.mkdir(parents=True)
    (partial / "artist-album-00-title-30-59.mp3").write_bytes(b"\xff\xfb" + os.urandom(100))
    sources = {"magnatagatune": [{"name": n, "urls": [_closed_port_url()]} for n in files]}
    rc, out = _run(tmp_path, sources, "magnatagatune")
    assert rc != 0
    assert "is not a finished install" in out and "Move it away" in out
    assert "lacks 15 of the 16 mp3 files" in out
    assert "can be deleted" not in out  # never advise deleting the downloads here
    assert not (tmp_path / "data" / "magnatagatune" / "annotations_final.csv").exists()
    rc, out = _run(tmp_path, sources, "--check")
    assert "magnatagatune: not present" in out
    # an old run that had copied the annotations beside the partial folder is not "present"
    shutil.copy(dl / "annotations_final.csv", tmp_path / "data" / "magnatagatune")
    rc, out = _run(tmp_path, sources, "magnatagatune")
    assert rc != 0 and "already present" not in out and "Move it away" in out
    # moved away as told: the next run installs
    shutil.move(tmp_path / "data" / "magnatagatune", tmp_path / "partial-copy")
    rc, out = _run(tmp_path, sources, "magnatagatune")
    assert rc == 0, out
    assert (tmp_path / "data" / "magnatagatune" / download.INSTALLED_MARKER).is_file()


def test_install_checks_that_the_annotated_clips_have_their_mp3(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    _mtat_downloads(dl, n=16)
    ann = pd.read_csv(dl / "annotations_final.csv", sep="\t")
    extra = ann.iloc[[0] * 20].copy()
    extra["clip_id"] = range(1000, 1020)
    extra["mp3_path"] = [f"0/not-in-the-archive-{i}.mp3" for i in range(20)]
    pd.concat([ann, extra]).to_csv(dl / "annotations_final.csv", sep="\t", index=False)
    with pytest.raises(ValueError, match="lacks 20 of the 36 mp3 files"):
        download.install("magnatagatune", downloads=dl)
    assert not (tmp_path / "data" / "magnatagatune" / "mp3").exists()


def _write_gtzan(root: Path, seconds: dict, *, sr: int = 1000) -> None:
    """GTZAN-layout wav files (names starting with m: music), at a low rate to stay small."""
    for name, sec in seconds.items():
        folder = root / "music_speech" / ("music_wav" if name.startswith("m") else "speech_wav")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.wav").write_bytes(_wav_bytes(sec, sr=sr))


def test_check_compares_with_the_expected_counts(tmp_path):
    root = tmp_path / "data" / "gtzan_music_speech"
    _write_gtzan(root, {f"{k}{i}": 30.0 for k in "ms" for i in range(5)})
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 1, out
    assert "5 music + 5 speech clips" in out and "expected 64 + 64" in out
    assert "59 music clips are missing" in out and "PROBLEM" in out and "OK" not in out
    mtat = tmp_path / "data" / "magnatagatune"
    mtat.mkdir()
    (mtat / "annotations_final.csv").write_bytes(_mtat_files(32)["annotations_final.csv"])
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 1
    assert "32 clips" in out and "expected 25,863" in out and "32 clips have no usable mp3" in out


def test_check_says_ok_on_a_whole_gtzan_and_flags_a_truncated_wav(tmp_path):
    root = tmp_path / "data" / "gtzan_music_speech"
    _write_gtzan(root, {f"{k}{i:02d}": 30.0 for k in "ms" for i in range(64)})
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 0 and "gtzan_music_speech: OK" in out, out
    wav = root / "music_speech" / "music_wav" / "m07.wav"
    wav.write_bytes(wav.read_bytes()[: 44 + 2 * 1000 * 12])  # 12 s left; the header says 30 s
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 1 and "PROBLEM" in out
    assert "m07.wav (truncated: the header says 30.00 s (30,000 frames)" in out
    assert "holds 12.00 s (12,000 frames)" in out
    assert "1 clips are shorter than 29 s" in out


def test_stuck_part_with_http_416_is_moved_aside_and_retried(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    del sources["gtzan_music_speech"][0]["size"], sources["gtzan_music_speech"][0]["sha256"]
    dl = tmp_path / "data" / "downloads" / "gtzan_music_speech"
    dl.mkdir(parents=True)
    (dl / "music_speech.tar.gz.part").write_bytes(data + b"left over from something else")
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert "416" in out and "Moved it aside" in out and "downloading again" in out
    assert (dl / "music_speech.tar.gz").read_bytes() == data
    assert not list(dl.glob("*.part*"))


def test_transfer_cut_half_way_is_resumed_in_the_same_run(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    server.cut = {"/ms.tar.gz": len(data) // 2}
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert "connection was cut" in out
    assert ("/ms.tar.gz", f"bytes={len(data) // 2}-") in server.log
    assert datasets.is_present(tmp_path / "data" / "gtzan_music_speech", "gtzan_music_speech")


def test_redirect_is_followed(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data, urls=[server.url + "/old/ms.tar.gz"])
    server.redirects = {"/old/ms.tar.gz": "/ms.tar.gz"}
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert [p for p, _ in server.log] == ["/old/ms.tar.gz", "/ms.tar.gz"]


def test_server_that_ignores_range_gives_a_whole_file(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    server.no_range = {"/ms.tar.gz"}
    dl = tmp_path / "data" / "downloads" / "gtzan_music_speech"
    dl.mkdir(parents=True)
    (dl / "music_speech.tar.gz.part").write_bytes(data[: len(data) // 3])
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert "cannot resume; downloading from the start" in out
    assert (dl / "music_speech.tar.gz").read_bytes() == data


def _tar_with(member: tarfile.TarInfo, data: bytes = b"x") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        good = _wav_bytes(0.1)
        for name in ("music_speech/music_wav/m1.wav", "music_speech/speech_wav/s1.wav"):
            info = tarfile.TarInfo(name)
            info.size = len(good)
            tar.addfile(info, io.BytesIO(good))
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return buf.getvalue()


@pytest.mark.parametrize("without_data_filter", [False, True])
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_tar_path_traversal_is_refused(tmp_path, monkeypatch, kind, without_data_filter):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    if without_data_filter:  # the fallback for Pythons older than 3.11.4
        monkeypatch.delattr(tarfile, "data_filter")
    member = tarfile.TarInfo(
        {"dotdot": "../../evil.txt", "absolute": str(tmp_path / "evil.txt"), "symlink": "link"}[
            kind
        ]
    )
    if kind == "symlink":
        member.type, member.linkname = tarfile.SYMTYPE, str(tmp_path / "evil.txt")
    else:
        member.size = 1
    dl = tmp_path / "dl"
    dl.mkdir()
    (dl / "music_speech.tar.gz").write_bytes(_tar_with(member))
    if kind == "absolute" and not without_data_filter:
        download.install("gtzan_music_speech", downloads=dl)  # the "data" filter makes it relative
    else:
        with pytest.raises(ValueError, match="could not be unpacked.*delete it"):
            download.install("gtzan_music_speech", downloads=dl)
        assert not (tmp_path / "data" / "gtzan_music_speech").exists()
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "data" / "evil.txt").exists()


def test_zip_path_traversal_stays_inside(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    dl = tmp_path / "dl"
    names = _mtat_downloads(dl)
    parts = sorted(dl.glob("mp3.zip.*"))
    blob = io.BytesIO(b"".join(p.read_bytes() for p in parts))
    with zipfile.ZipFile(blob, "a") as zf:
        zf.writestr("../../evil.mp3", b"x")
        zf.writestr(str(tmp_path / "abs.mp3"), b"x")
    for p in parts[1:]:
        p.unlink()
    parts[0].write_bytes(blob.getvalue())
    root = download.install("magnatagatune", downloads=dl)
    assert all((root / "mp3" / n).is_file() for n in names)
    assert not (tmp_path / "evil.mp3").exists() and not (tmp_path / "abs.mp3").exists()
    assert not (tmp_path / "data" / "evil.mp3").exists()


def test_two_runs_at_once_download_once(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    server.slow = 2.0
    env = _env(tmp_path, sources)
    procs = [
        subprocess.Popen(
            ["bash", str(SCRIPT), "gtzan_music_speech"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=90)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("waiting for it to finish" in o for o in outs) == 1, outs
    assert sum("already present" in o for o in outs) == 1, outs
    assert [p for p, _ in server.log] == ["/ms.tar.gz"]  # one download, not two into one .part
    assert datasets.is_present(tmp_path / "data" / "gtzan_music_speech", "gtzan_music_speech")
    assert not (tmp_path / "data" / "downloads" / "gtzan_music_speech" / ".lock").exists()


def test_lock_of_a_killed_run_is_taken_over(server, tmp_path):
    data = _gtzan_archive()
    sources = _gtzan_sources(server, data)
    lock = tmp_path / "data" / "downloads" / "gtzan_music_speech" / ".lock"
    lock.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (lock / "pid").write_text(f"{dead.pid}\n")
    rc, out = _run(tmp_path, sources, "gtzan_music_speech")
    assert rc == 0, out
    assert "no longer running" in out


def test_read_only_data_folder_says_to_set_musicdl_data(tmp_path):
    sources = {"gtzan_music_speech": [{"name": "music_speech.tar.gz", "urls": ["http://x/y"]}]}
    # /proc refuses new folders even to root, so this is a real failure to write
    rc, out = _run(tmp_path, sources, "gtzan_music_speech", MUSICDL_DATA="/proc/musicdl-data")
    assert rc != 0
    assert "Set MUSICDL_DATA to a writable folder" in out and "Traceback" not in out


def test_usage_text_is_the_comment_only(tmp_path):
    rc, out = _run(tmp_path, {}, "--help")
    assert rc == 0 and "bash download_datasets.sh --list" in out
    assert "set -euo" not in out and "pipefail" not in out


# ---------------------------------------------------------------- GTZAN genre (optional)


def test_all_leaves_the_optional_gtzan_genre_out(server, tmp_path):
    text = SCRIPT.read_text()
    branch = text[text.index("\n    all)") : text.index(";;", text.index("\n    all)"))]
    assert [line.split()[1] for line in branch.splitlines() if "fetch " in line] == list(
        layouts.CORE_DATASETS
    )
    assert "gtzan_genre" not in branch and "gtzan_genre" not in layouts.CORE_DATASETS
    assert "download_datasets.sh all" in (config.repo_root() / "Makefile").read_text()
    # and a run of `all`, with every source of gtzan_genre served: none is asked for
    server.files["/genres.tar.gz"] = b"never asked for"
    sources = {
        "gtzan_music_speech": [{"name": "music_speech.tar.gz", "urls": [_closed_port_url()]}],
        "magnatagatune": [{"name": "annotations_final.csv", "urls": [_closed_port_url()]}],
        "gtzan_genre": [{"name": "genres.tar.gz", "urls": [server.url + "/genres.tar.gz"]}],
    }
    rc, out = _run(tmp_path, sources, "all")
    assert rc != 0 and "not installed: gtzan_music_speech magnatagatune" in out
    assert server.log == [] and "gtzan_genre" not in out
    assert not (tmp_path / "data" / "downloads" / "gtzan_genre").exists()


def _genre_archive() -> bytes:
    """A genres.tar.gz in the real layout: one short clip per genre, and the real
    collection's unreadable jazz.00054.wav."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        members = {
            f"genres/{g}/{g}.00000.wav": _wav_bytes(1.5, sr=1000) for g in layouts.GTZAN_GENRES
        }
        members["genres/jazz/jazz.00054.wav"] = b"RIFF\x00\x00\x00\x00WAVEbroken"
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


#: Split lists in the format of coreyker/dnn-mgr's gtzan/*_filtered.txt (a few lines each).
_GENRE_LISTS = {
    "train_filtered.txt": b"blues/blues.00000.wav\njazz/jazz.00054.wav\nrock/rock.00000.wav\n",
    "valid_filtered.txt": b"classical/classical.00000.wav\ncountry/country.00000.wav\n",
    "test_filtered.txt": b"disco/disco.00000.wav\nmetal/metal.00000.wav\n",
}


def _genre_sources(server, archive: bytes, *, sha=None, lists=None) -> dict:
    server.files["/genres.tar.gz"] = archive
    entries = [
        {
            "name": "genres.tar.gz",
            "urls": [_closed_port_url(), server.url + "/genres.tar.gz"],
            "sha256": sha if sha is not None else ["0" * 64, _sha(archive)],  # either copy
        }
    ]
    for name, data in (lists or _GENRE_LISTS).items():
        server.files["/lists/" + name] = data
        entries.append({"name": name, "urls": [server.url + "/lists/" + name]})
    return {"gtzan_genre": entries}


def test_gtzan_genre_download_installs_audio_and_split_lists(server, tmp_path):
    sources = _genre_sources(server, _genre_archive())
    rc, out = _run(tmp_path, sources, "gtzan_genre")
    assert rc == 0, out
    assert "trying the next source" in out  # the dead first source
    assert "lists 3 clips; the published train part has 443" in out  # named, still installed
    root = tmp_path / "data" / "gtzan_genre"
    assert sorted(p.name for p in (root / "genres").iterdir()) == list(layouts.GTZAN_GENRES)
    assert (root / "test_filtered.txt").read_bytes() == _GENRE_LISTS["test_filtered.txt"]
    with pytest.warns(UserWarning) as caught:
        df = datasets.load_gtzan_genre(root)
        parts = datasets.gtzan_genre_split(df)
    assert "jazz.00054" in " ".join(str(w.message) for w in caught)
    assert parts["train"]["clip"].tolist() == ["blues.00000", "rock.00000"]
    assert parts["valid"]["genre"].tolist() == ["classical", "country"]
    n = len(server.log)
    rc, out = _run(tmp_path, sources, "gtzan_genre")
    assert rc == 0 and "already present" in out and len(server.log) == n
    # a list lost from beside the audio: the next run fetches that list, not the archive
    (root / "test_filtered.txt").unlink()
    (tmp_path / "data" / "downloads" / "gtzan_genre" / "test_filtered.txt").unlink()
    rc, out = _run(tmp_path, sources, "gtzan_genre")
    assert rc == 0, out
    assert [p for p, _ in server.log[n:]] == ["/lists/test_filtered.txt"]
    assert (root / "test_filtered.txt").is_file()
    rc, out = _run(tmp_path, sources, "--check")
    assert rc == 1 and "gtzan_genre: 10 clips" in out and "known unreadable jazz.00054" in out
    assert "99 blues clips are missing" in out and "98 jazz clips" in out
    assert "train_filtered.txt lists 3 clips, the published train part 443" in out


def test_gtzan_genre_wrong_checksum_or_bad_list_is_not_installed(server, tmp_path):
    archive = _genre_archive()
    sources = _genre_sources(server, archive, sha=["a" * 64, "b" * 64])
    rc, out = _run(tmp_path, sources, "gtzan_genre")
    assert rc != 0
    assert f"expected sha256 {'a' * 64} or {'b' * 64}, found {_sha(archive)}" in out
    assert "NOT installed" in out and not (tmp_path / "data" / "gtzan_genre").exists()
    assert "genres_original" in out and "train_filtered.txt" in out  # where to put a copy
    lists = dict(_GENRE_LISTS, **{"valid_filtered.txt": b"Rate limit exceeded, try later\n" * 50})
    fresh = tmp_path / "fresh"  # the good lists of the first run are not downloaded again
    fresh.mkdir()
    rc, out = _run(fresh, _genre_sources(server, archive, lists=lists), "gtzan_genre")
    assert rc != 0 and "valid_filtered.txt, line 1: expected one GTZAN clip" in out
    assert "could not be installed" in out and "Delete it" in out
    assert not (fresh / "data" / "gtzan_genre").exists()  # checked before unpacking


def test_list_names_gtzan_genre_as_optional_with_its_sources(tmp_path):
    rc, out = _run(tmp_path, {}, "--list")
    assert rc == 0
    section = out[out.index("gtzan_genre: GTZAN genre collection") :]
    assert "demo:  none (optional" in section
    assert "huggingface.co/datasets/marsyas/gtzan" in section and "opihi.cs.uvic.ca" in section
    assert "coreyker/dnn-mgr/master/gtzan/test_filtered.txt" in section
    rc, out = _run(tmp_path, {}, "--check")
    assert rc == 0 and "gtzan_genre: not present" in out and "optional" in out


def test_offer_gives_a_command_that_works_from_the_notebooks_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "no-data"))
    notebooks = config.repo_root() / "notebooks"
    lines = catalog.offer(["gtzan_music_speech", "magnatagatune"], cwd=notebooks)
    commands = [line.split("  ")[-1] for line in lines if "!bash" in line]
    assert commands == [
        "!bash ../download_datasets.sh gtzan_music_speech",
        "!bash ../download_datasets.sh magnatagatune",
    ]
    assert (notebooks / "../download_datasets.sh").is_file()
    assert any("demo" in line and "188 tags" in line for line in lines)
    assert catalog.offer([], cwd=notebooks) == []
    # every dataset a notebook may declare has an offer; an optional one is skipped, not demoed
    for name in layouts.DATASETS:
        assert catalog.offer([name], cwd=notebooks)
    optional = catalog.offer(["gtzan_genre"], cwd=notebooks)
    assert "skipped" in optional[0] and optional[1].endswith("download_datasets.sh gtzan_genre")
