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
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from utils import config, datasets, download, layouts

SCRIPT = config.repo_root() / "download_datasets.sh"
pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None,
    reason="download_datasets.sh needs bash and curl",
)


class _RangeHandler(BaseHTTPRequestHandler):
    """Serves ``server.files`` (path -> bytes) with Range support; logs (path, Range header)."""

    def do_GET(self):  # noqa: N802 - http.server naming
        self.server.log.append((self.path, self.headers.get("Range")))
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
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


def _run(tmp_path, sources: dict, *args, timeout=90):
    src = tmp_path / "sources.json"
    src.write_text(json.dumps(sources))
    env = dict(
        os.environ,
        MUSICDL_DATA=str(tmp_path / "data"),
        MUSICDL_SOURCES_FILE=str(src),
        PYTHON=sys.executable,
        MUSICDL_CONNECT_TIMEOUT="3",
    )
    r = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    return r.returncode, r.stdout + r.stderr


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
