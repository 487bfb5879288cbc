"""librosa's recordings over a slow or captive network, on loopback servers (127.0.0.1 only):
a server that accepts and never answers, one that trickles, one that serves the file.

What a workshop user notices: how long notebook 01's requests for recordings hold the
notebook, whether it says why a stand-in plays, and that nothing half-downloaded stays.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time

import pytest

from utils import config, examples

#: The recordings notebook 01 asks for, in turn.
NOTEBOOK_01 = ["trumpet", "brahms", "choice", "fishin", "vibeace", "pistachio", "nutcracker"]


class Silent:
    """Accepts connections and never answers (a captive portal that holds them)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.accepted = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class Serving:
    """Serves ``body`` for every path; ``rate`` bytes a second when given (a trickle)."""

    def __init__(self, body: bytes, *, rate: float | None = None):
        self.gets, self.heads = [], []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _headers(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()

            def do_HEAD(self):
                owner.heads.append(self.path)
                self._headers()

            def do_GET(self):
                owner.gets.append(self.path)
                self._headers()
                step = 1024 if rate else len(body)
                try:
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i : i + step])
                        self.wfile.flush()
                        if rate:
                            time.sleep(step / rate)
                except OSError:  # the client gave up
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def session(quick_gtzan, tmp_path, monkeypatch):
    """A fresh session with no recording cached anywhere, and the demo for the stand-ins."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo-quick").symlink_to(quick_gtzan, target_is_directory=True)
    (tmp_path / "no-recordings").mkdir()
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("LIBROSA_DATA_DIR", str(tmp_path / "no-recordings"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(examples._NETWORK, "failed", None)
    monkeypatch.setitem(examples._NETWORK, "spent", 0.0)
    return config.run_parameters(quick=True, dataset="demo")


def _ask_all(params):
    start = time.monotonic()
    clips = [examples.example_clip(name, params) for name in NOTEBOOK_01]
    return clips, time.monotonic() - start


def test_a_server_that_never_answers_costs_one_timeout_per_session(session, monkeypatch, capsys):
    server = Silent()
    try:
        monkeypatch.setattr(examples, "LIBROSA_DATA_URL", server.url)
        clips, seconds = _ask_all(session)
    finally:
        server.close()
    assert not any(c.recording for c in clips)
    assert seconds < examples.NETWORK_TIMEOUT + 2, f"seven requests took {seconds:.1f} s"
    assert len(server.accepted) == 1, "the server is asked once per session"
    said = capsys.readouterr().out
    assert "unavailable (no answer from 127.0.0.1: TimeoutError" in said
    assert "make data downloads the recordings once" in said


def test_a_trickling_download_stops_at_the_budget_and_leaves_no_part(
    session, monkeypatch, capsys, tmp_path
):
    server = Serving(b"x" * 2_000_000, rate=4096)  # 4 kB/s: 2 MB would take 8 minutes
    monkeypatch.setattr(examples, "DOWNLOAD_BUDGET", 2.0)
    try:
        monkeypatch.setattr(examples, "LIBROSA_DATA_URL", server.url)
        clips, seconds = _ask_all(session)
    finally:
        server.close()
    assert not any(c.recording for c in clips)
    bound = examples.DOWNLOAD_BUDGET + examples.NETWORK_TIMEOUT + 2
    assert seconds < bound, f"seven requests took {seconds:.1f} s"
    assert len(server.gets) == 1, f"one download tried, then the stand-ins: {server.gets}"
    said = capsys.readouterr().out
    assert "unavailable (download too slow: trumpet:" in said and "kB/s" in said
    assert list((tmp_path / "data").glob("librosa/*")) == [], "a partial download stayed"


def _serve_as_librosa(monkeypatch, body: bytes):
    index, registry = examples._librosa_index()
    registry = {name: hashlib.sha256(body).hexdigest() for name in registry}
    monkeypatch.setattr(examples, "_librosa_index", lambda: (index, registry))


def test_a_recording_downloads_once_and_is_read_from_the_cache_after(session, monkeypatch):
    body = b"OggS" + bytes(range(256)) * 400
    _serve_as_librosa(monkeypatch, body)
    server = Serving(body)
    try:
        monkeypatch.setattr(examples, "LIBROSA_DATA_URL", server.url)
        first = examples.example_clip("brahms", session)
        again = examples.example_clip("brahms", session)
    finally:
        server.close()
    assert first.recording and first.title == "Brahms - Hungarian Dance #5"
    assert first.path.parent == examples.examples_cache() and first.path.read_bytes() == body
    assert again.path == first.path and len(server.gets) == 1


def test_a_file_that_is_not_librosas_is_not_kept(session, monkeypatch, capsys):
    server = Serving(b"<html>please log in</html>")  # a portal answering every request
    try:
        monkeypatch.setattr(examples, "LIBROSA_DATA_URL", server.url)
        clip = examples.example_clip("trumpet", session)
    finally:
        server.close()
    assert not clip.recording
    assert "is not librosa's recording (its sha256 differs)" in capsys.readouterr().out
    assert not examples.examples_cache().exists() or not any(examples.examples_cache().iterdir())


def test_fetch_examples_from_a_silent_server_fails_in_bounded_time(session, monkeypatch):
    server = Silent()
    start = time.monotonic()
    try:
        monkeypatch.setattr(examples, "LIBROSA_DATA_URL", server.url)
        with pytest.raises(OSError, match="Could not reach http://127.0.0.1") as err:
            examples.fetch_examples()
    finally:
        server.close()
    assert time.monotonic() - start < examples.NETWORK_TIMEOUT + 2
    assert "run `make data` online" in str(err.value)
