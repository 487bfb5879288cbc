"""Checking and installing the real datasets once downloaded, and the downloader's command line.

:func:`inspect_download` checks a fetched file (an HTML page saved under an archive's name,
a wrong size); :func:`install` unpacks the downloaded files into the layouts
:mod:`utils.datasets` reads. ``download_datasets.sh`` does the downloading (curl,
resumable) and calls this module for everything else; what there is to download (URLs,
sizes, checksums) is :mod:`utils.catalog`'s, so paths and sources have one home.

The GTZAN genre collection is optional: ``download_datasets.sh gtzan_genre`` fetches it (and
the three lists of its fault-filtered split) on request; ``all`` leaves it out.

Command line (used by ``download_datasets.sh``)::

    python -m utils.download --list              # datasets, where they are, their sources
    python -m utils.download --check             # verify the datasets that are present
    python -m utils.download --where magnatagatune [--demo] [--quick]
    python -m utils.download --plan magnatagatune   # files to fetch: name, size, sha256s, urls
    python -m utils.download --install magnatagatune
    python -m utils.download --inspect magnatagatune FILE [--content-type TYPE]

The script calls this module dozens of times per run, so it imports :mod:`utils.datasets`
(NumPy, pandas) only in the functions that read tables or audio: a ``--where`` or
``--inspect`` call then starts in a fraction of the time.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import warnings
import zlib
from pathlib import Path

from . import catalog, config, files, layouts

__all__ = [
    "inspect_download",
    "install",
    "INSTALLED_MARKER",
]


#: How the first bytes of a web page (a captive portal's login page, an error page) begin.
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--")


def inspect_download(
    path, *, min_size: int | None = None, content_type: str | None = None
) -> str | None:
    """Why a downloaded file is surely not the file asked for, or ``None`` when nothing says so.

    Hotel and conference networks answer every address with their login page (status 200)
    until the user logs in; without a known size or checksum that page would be saved under
    the archive's name. This catches it by its content type and its first bytes.

    Parameters
    ----------
    path : str or pathlib.Path
        The downloaded file.
    min_size : int, optional
        The real file is larger than this (:attr:`SourceFile.min_size`).
    content_type : str, optional
        The ``Content-Type`` the server sent, where known.

    Returns
    -------
    str or None
        A reason such as ``"a web page (HTML, content type text/html), not the file asked
        for"``, or ``None``.

    Example
    -------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "mp3.zip.001"
    >>> _ = page.write_text("<!DOCTYPE html><html><body>Please log in</body></html>")
    >>> inspect_download(page)
    "a web page (HTML: it starts with '<!DOCTYPE html><html><body>Please log in'), not the file asked for"
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(1024)
    size = path.stat().st_size
    ctype = (content_type or "").split(";")[0].strip().lower()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_STARTS) and (b"<html" in start or b"<!doctype html" in start):
        shown = head.strip()[:40].decode("utf-8", "replace")
        return f"a web page (HTML: it starts with {shown!r}), not the file asked for"
    if ctype in ("text/html", "application/xhtml+xml"):
        return f"a web page (content type {ctype}, {size:,} bytes), not the file asked for"
    if min_size and size < min_size:
        return f"only {size:,} bytes, but the real file is larger than {min_size:,} bytes"
    return None


# --------------------------------------------------------------------------------------
# Installing downloaded archives (called by download_datasets.sh)
# --------------------------------------------------------------------------------------


class _Concatenated:
    """A read-only, seekable file over several files one after the other (split zip parts)."""

    def __init__(self, paths):
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 (closed by close())
        self._sizes = [os.fstat(f.fileno()).st_size for f in self._files]
        self._starts = [sum(self._sizes[:i]) for i in range(len(self._sizes))]
        self._total = sum(self._sizes)
        self._pos = 0

    def seekable(self):
        return True

    def readable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=0):
        base = {0: 0, 1: self._pos, 2: self._total}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n=-1):
        if n is None or n < 0:
            n = self._total - self._pos
        chunks = []
        while n > 0 and self._pos < self._total:
            i = max(j for j, s in enumerate(self._starts) if s <= self._pos)
            f = self._files[i]
            f.seek(self._pos - self._starts[i])
            chunk = f.read(min(n, self._starts[i] + self._sizes[i] - self._pos))
            if not chunk:
                break
            chunks.append(chunk)
            self._pos += len(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self):
        for f in self._files:
            f.close()


def _find_dir(top: Path, test, *, depth: int = 2) -> Path | None:
    if test(top):
        return top
    if depth:
        for sub in sorted(p for p in top.iterdir() if p.is_dir()):
            found = _find_dir(sub, test, depth=depth - 1)
            if found:
                return found
    return None


#: What a damaged archive raises while it is read (gzip.BadGzipFile is an OSError, so it is
#: named here to tell it apart from the OSErrors of writing: a full disk, no permission).
_DAMAGED = (EOFError, zlib.error, gzip.BadGzipFile)


def _write_failed(err: OSError, *, into: Path, downloads: Path) -> OSError:
    return OSError(
        f"Could not write the unpacked files into {into}: {err}. Check the free disk space and the "
        f"write permission there, then run this again; the downloaded files in {downloads} are kept "
        f"and are not the problem."
    )


def _install_gtzan(real: Path, downloads: Path) -> None:
    archive = downloads / "music_speech.tar.gz"
    if not archive.is_file():
        raise FileNotFoundError(
            f"Expected the downloaded archive {archive}; "
            f"run {layouts.DATASETS['gtzan_music_speech'].fetch_command}"
        )
    if (real / "music_speech").exists():
        raise FileExistsError(
            f"{real / 'music_speech'} exists but is incomplete (no music_wav/ in it). "
            f"Move it away (it is not deleted automatically), then run this again."
        )
    _unpack_tar(
        archive,
        real,
        folder="music_speech",
        is_root=lambda d: (d / "music_wav").is_dir() and (d / "speech_wav").is_dir(),
        wrong=f"{archive} does not contain music_wav/ and speech_wav/ folders; is it the right archive?",
        fetch=layouts.DATASETS["gtzan_music_speech"].fetch_command,
        downloads=downloads,
    )


def _unpack_tar(archive: Path, real: Path, *, folder, is_root, wrong, fetch, downloads) -> None:
    """Unpack ``archive`` beside ``real`` and move the folder ``is_root`` finds to ``real/folder``.

    Unpacks into a hidden temporary folder first, so an interrupted run leaves nothing half
    installed; a damaged archive says to download it again, a full disk says so.
    """
    import tarfile

    tmp = real.parent / f".{real.name}.unpacking"
    try:
        if tmp.exists():
            shutil.rmtree(tmp)  # our own leftover from an interrupted run
        tmp.mkdir(parents=True)
        _extract_tar(archive, tmp)
        found = _find_dir(tmp, is_root)
        if found is None:
            raise ValueError(wrong)
        real.mkdir(parents=True, exist_ok=True)
        os.replace(found, real / folder)
    except (tarfile.TarError, *_DAMAGED) as err:
        raise ValueError(
            f"{archive} could not be unpacked ({err}); delete it and download it again ({fetch})."
        ) from None
    except OSError as err:
        raise _write_failed(err, into=real.parent, downloads=downloads) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _extract_tar(archive: Path, into: Path) -> None:
    """Unpack ``archive`` into ``into``, refusing members that would land outside it."""
    import tarfile

    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python < 3.11.4: the same refusals as the "data" filter, by hand
            tar.extractall(into, members=_safe_members(tar))


def _install_gtzan_genre(real: Path, downloads: Path) -> None:
    """Unpack ``genres.tar.gz`` (unless the audio is there) and put the split lists beside it."""
    from . import datasets  # numpy and pandas: only where needed

    fetch = layouts.DATASETS["gtzan_genre"].fetch_command
    archive = downloads / layouts.GTZAN_GENRE_ARCHIVE
    has_audio = layouts.is_present(real, "gtzan_genre")
    lists = {part: downloads / f for part, f in layouts.GTZAN_GENRE_SPLIT_FILES.items()}
    absent = [] if has_audio or archive.is_file() else [str(archive)]
    absent += [str(p) for p in lists.values() if not p.is_file() and not (real / p.name).is_file()]
    if absent:
        raise FileNotFoundError(f"Expected the downloaded files {', '.join(absent)}; run {fetch}")
    new_lists = {part: p for part, p in lists.items() if not (real / p.name).is_file()}
    for part, path in new_lists.items():  # the small files first: a bad one stops before unpacking
        why = inspect_download(path)
        if why:
            raise ValueError(f"{path} is {why}: delete it, then run {fetch} again.")
        names = datasets.read_gtzan_genre_list(path)  # a clear ValueError for a damaged list
        want = layouts.GTZAN_GENRE_SPLIT_SIZES[part]
        if len(names) != want:
            warnings.warn(
                f"{path} lists {len(names)} clips; the published {part} part has {want}. It is "
                f"installed, but it is not the split of Kereliuk et al. (2015).",
                stacklevel=2,
            )
    if not has_audio:
        _unpack_gtzan_genre(archive, real, downloads=downloads)
    try:
        for path in new_lists.values():
            part = real / (path.name + ".copying")
            shutil.copyfile(path, part)
            os.replace(part, real / path.name)
    except OSError as err:
        raise _write_failed(err, into=real, downloads=downloads) from None


def _unpack_gtzan_genre(archive: Path, real: Path, *, downloads: Path) -> None:
    fetch = layouts.DATASETS["gtzan_genre"].fetch_command
    for folder in layouts.GTZAN_GENRE_FOLDERS:
        if (real / folder).exists():
            raise FileExistsError(
                f"{real / folder} exists but is incomplete (no blues/ in it). Move it away (it is "
                f"not deleted automatically), then run this again."
            )
    _unpack_tar(
        archive,
        real,
        folder=layouts.GTZAN_GENRE_FOLDERS[0],
        is_root=lambda d: all((d / g).is_dir() for g in layouts.GTZAN_GENRES),
        wrong=(
            f"{archive} does not contain the ten genre folders "
            f"({', '.join(layouts.GTZAN_GENRES)}); is it the GTZAN genre archive? If not, "
            f"delete it and run {fetch}."
        ),
        fetch=fetch,
        downloads=downloads,
    )


def _missing_lists(real: Path) -> list:
    """The split lists of GTZAN genre that are not installed in ``real``."""
    return [f for f in layouts.GTZAN_GENRE_SPLIT_FILES.values() if not (real / f).is_file()]


def _safe_members(tar):
    """The members of ``tar``, refusing absolute paths, ``..`` and links (as the "data" filter does)."""
    import tarfile

    for m in tar.getmembers():
        parts = m.name.replace("\\", "/").split("/")
        if m.name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
            raise tarfile.TarError(f"member {m.name!r} would be written outside the target folder")
        if m.issym() or m.islnk():
            raise tarfile.TarError(
                f"member {m.name!r} is a link, which a dataset archive never holds"
            )
        if not (m.isfile() or m.isdir()):
            raise tarfile.TarError(f"member {m.name!r} is a device or pipe, not a file")
        yield m


def _unlink_member(tmp: Path, member: str) -> None:
    """Remove what a failed ``ZipFile.extract`` left of ``member`` in ``tmp``."""
    parts = [p for p in member.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts:
        target = tmp.joinpath(*parts)
        if target.resolve().is_relative_to(tmp.resolve()) and target.is_file():
            target.unlink()


#: Written into the MTAT folder as the last step of :func:`install`: a finished install.
INSTALLED_MARKER = ".installed"


def _tolerated(n: int) -> int:
    """How many of ``n`` mp3 files may be damaged or missing (the release has a few bad ones)."""
    return max(10, n // 100)


def _missing_mp3(mp3: Path, mp3_paths) -> list:
    return [p for p in mp3_paths if not (mp3 / p).is_file()]


def _mtat_complete(real: Path) -> bool:
    """True when MTAT in ``real`` was installed by :func:`install` or holds every listed mp3."""
    if (real / INSTALLED_MARKER).is_file():
        return True
    ann = real / layouts.ANNOTATION_FILE
    try:
        fetch = layouts.dataset("magnatagatune").fetch_command
        rows = files.read_table(ann, ("mp3_path",), what="MTAT annotations", fetch=fetch)
        rows = rows["mp3_path"]
    except (ValueError, OSError):
        return False
    return len(_missing_mp3(real / "mp3", rows)) <= _tolerated(len(rows))


def _read_download(path: Path, required, *, what: str):
    """``files.read_table`` for a file in the downloads folder: say to delete it when bad."""
    fetch = layouts.dataset("magnatagatune").fetch_command
    try:
        return files.read_table(path, required, what=what, fetch=fetch)
    except ValueError as err:
        raise ValueError(
            f"{err} The bad file is the download {path}: delete it, then run "
            f"{layouts.DATASETS['magnatagatune'].fetch_command} (which skips files already "
            f"downloaded, so it must be deleted first)."
        ) from None


def _install_mtat(real: Path, downloads: Path) -> None:
    fetch = layouts.DATASETS["magnatagatune"].fetch_command
    parts = sorted(downloads.glob("mp3.zip.[0-9][0-9][0-9]"))
    csvs = [downloads / layouts.CLIP_INFO_FILE, downloads / layouts.ANNOTATION_FILE]
    absent = [str(p) for p in csvs if not p.is_file()] + (
        [] if parts else [str(downloads / "mp3.zip.001")]
    )
    if absent:
        raise FileNotFoundError(f"Expected the downloaded files {', '.join(absent)}; run {fetch}")
    for f in [*csvs, *parts]:
        why = inspect_download(f)
        if why:
            raise ValueError(f"{f} is {why}: delete it, then run {fetch} again.")
    ann = _read_download(
        downloads / layouts.ANNOTATION_FILE,
        ("clip_id",) + layouts.TAGS_188 + ("mp3_path",),
        what="MTAT annotations",
    )
    _read_download(
        downloads / layouts.CLIP_INFO_FILE, layouts.CLIP_INFO_COLUMNS, what="MTAT clip information"
    )
    expected = list(ann["mp3_path"])
    mp3 = real / "mp3"
    if mp3.is_dir() and not (real / INSTALLED_MARKER).is_file():
        missing = _missing_mp3(mp3, expected)
        if len(missing) > _tolerated(len(expected)):
            raise FileExistsError(
                f"{mp3} exists but is not a finished install: it lacks {len(missing):,} of the "
                f"{len(expected):,} mp3 files that {layouts.ANNOTATION_FILE} lists (first: "
                f"{missing[0]}). Move it away (it is not deleted automatically), then run {fetch} "
                f"again; the downloads in {downloads} are fine and are kept."
            )
    try:
        real.mkdir(parents=True, exist_ok=True)
        if not mp3.is_dir():
            _unpack_mp3(parts, real / ".mp3.unpacking", mp3, downloads=downloads, expected=expected)
        for src in csvs:  # the annotations file is the dataset's marker: it goes last
            part = real / (src.name + ".copying")
            shutil.copyfile(src, part)
            os.replace(part, real / src.name)
        missing = _missing_mp3(mp3, expected)
        (real / INSTALLED_MARKER).write_text(
            f"clips {len(expected)}\nwithout mp3 {len(missing)}\n", encoding="utf-8"
        )
    except OSError as err:
        raise _write_failed(err, into=real, downloads=downloads) from None


def _unpack_mp3(parts: list, tmp: Path, mp3: Path, *, downloads: Path, expected: list) -> None:
    import zipfile

    if tmp.exists():
        shutil.rmtree(tmp)  # our own leftover from an interrupted run
    tmp.mkdir()
    names = " + ".join(p.name for p in parts)
    try:
        joined = _Concatenated(parts)
        bad = []
        try:
            with zipfile.ZipFile(joined) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                for m in members:
                    try:
                        zf.extract(m, tmp)
                    except (zipfile.BadZipFile, *_DAMAGED) as err:  # damage; a full disk is not
                        # extract leaves what it wrote before the CRC check
                        _unlink_member(tmp, m.filename)
                        bad.append(f"{m.filename} ({err})")
        except zipfile.BadZipFile as err:
            raise ValueError(
                f"{names} joined is not a valid zip archive ({err}); a part is probably "
                f"incomplete: delete {', '.join(str(p) for p in parts)} and download them again."
            ) from None
        finally:
            joined.close()
        files.warn_files("mp3 files in the archive are damaged and were not unpacked", bad)
        if len(bad) > _tolerated(len(members)):
            raise ValueError(
                f"{len(bad)} of {len(members)} archive members are damaged; delete "
                f"{', '.join(str(p) for p in parts)} and download them again."
            )
        found = _find_dir(tmp, lambda d: (d / "0").is_dir() or (d / "f").is_dir())
        if found is None:
            raise ValueError(
                f"The mp3 archive holds no folders 0..f; is {parts[0]} the MTAT mp3.zip? "
                f"If not, delete {', '.join(str(p) for p in parts)} and download them again."
            )
        missing = _missing_mp3(found, expected)
        if len(missing) > len(bad) + _tolerated(len(expected)):
            raise ValueError(
                f"The mp3 archive ({names}) lacks {len(missing):,} of the {len(expected):,} mp3 "
                f"files that {layouts.ANNOTATION_FILE} lists (first: {missing[0]}): a part is "
                f"incomplete or from another release. Delete "
                f"{', '.join(str(p) for p in parts)} and download them again."
            )
        files.warn_files(
            f"clips of {layouts.ANNOTATION_FILE} have no mp3 file in the archive",
            [m for m in missing if not any(b.startswith(m + " (") for b in bad)],
        )
        os.replace(found, mp3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install(name: str, *, downloads=None) -> Path:
    """Unpack the downloaded files of dataset ``name`` into the data folder.

    Parameters
    ----------
    name : str
        A key of :data:`utils.layouts.DATASETS`.
    downloads : str or pathlib.Path, optional
        Folder holding the downloaded files; default :func:`downloads_dir`.

    Returns
    -------
    pathlib.Path
        The installed dataset folder (:func:`utils.layouts.real_path`).

    Raises
    ------
    FileNotFoundError
        When a downloaded file is missing (the message names it and the command to run).
    ValueError
        When a download is damaged or not the expected archive (delete it and download again).
    OSError
        When the unpacked files cannot be written (disk full, no permission); the downloads
        are fine and kept.

    Notes
    -----
    Unpacks into a temporary folder and renames at the end, so an interrupted run never
    leaves a folder that looks complete. Never deletes the downloads; they can be removed
    by hand once the dataset is installed. Damaged mp3 files of MTAT (up to 1% of them) are
    reported in a warning and left out. For GTZAN genre, the split lists are checked and
    copied beside the audio; audio already there (e.g. unpacked by hand) is kept.

    Example
    -------
    ::

        install("gtzan_music_speech")
    """
    ds = layouts.dataset(name)
    real = layouts.real_path(name)
    if _installed(name):
        return real
    downloads = Path(downloads) if downloads else catalog.downloads_dir(name)
    installers = {
        "gtzan_music_speech": _install_gtzan,
        "magnatagatune": _install_mtat,
        "gtzan_genre": _install_gtzan_genre,
    }
    installers[ds.name](real, downloads)
    if not layouts.is_present(real, name):  # pragma: no cover - defensive
        raise RuntimeError(f"Installing {ds.title} finished but {real / ds.marker} is missing.")
    return real


def _installed(name: str) -> bool:
    """The real dataset is present and, for MTAT, its mp3 folder is complete; for GTZAN
    genre, its split lists are there too.
    """
    real = layouts.real_path(name)
    if not layouts.is_present(real, name):
        return False
    if name == "gtzan_genre":
        return not _missing_lists(real)
    return name != "magnatagatune" or _mtat_complete(real)


def _manual(name: str) -> str:
    ds = layouts.dataset(name)
    dl = catalog.downloads_dir(name)
    real = layouts.real_path(name)
    files = "\n".join(
        f"    {dl / f.name}    (from {' or '.join(f.urls)})" for f in catalog.sources(name)
    )
    layout = {
        "gtzan_music_speech": f"{real}/music_speech/music_wav/*.wav and .../speech_wav/*.wav",
        "magnatagatune": f"{real}/annotations_final.csv, clip_info_final.csv and mp3/0..f/*.mp3",
        "gtzan_genre": f"{real}/genres/<genre>/<genre>.000NN.wav (or the Kaggle copy's "
        f"genres_original/ folder, from kaggle.com/datasets/andradaolteanu/"
        f"gtzan-dataset-music-genre-classification) and the split lists "
        f"{', '.join(layouts.GTZAN_GENRE_SPLIT_FILES.values())} in {real}",
    }[name]
    text = (
        f"To install {ds.title} by hand, put these files here and run `{ds.fetch_command}` again:\n{files}\n"
        f"or unpack the dataset yourself so that {layout} exist."
    )
    if name == "gtzan_music_speech":
        text += (
            f"\nThe original host is reported dead. The HEAR benchmark keeps a copy at "
            f"{catalog.HEAR_ZENODO} (its GTZAN Music Speech task: 128 clips of 30 s at 48 kHz, "
            "in HEAR's layout, with the labels listed in the archive): download that task's "
            "archive (no public record states its size or checksum, so it is not fetched for "
            "you), then write each clip as 22,050 Hz mono 16-bit wav into music_wav/ or "
            'speech_wav/ by its label, e.g. with .venv/bin/python -c "from utils import audio; '
            "import soundfile as sf; sf.write('OUT.wav', audio.load('IN.wav', sr=22050), 22050, "
            f"subtype='PCM_16')\" for OUT.wav in {real}/music_speech/music_wav/, and run "
            f"`{ds.fetch_command}` again to check the 64 + 64 clips."
        )
    return text


# --------------------------------------------------------------------------------------
# Command line (used by download_datasets.sh)
# --------------------------------------------------------------------------------------


def _check_gtzan(real: Path) -> list:
    """Problems of the installed GTZAN Music/Speech (prints the counts)."""
    from . import datasets  # numpy and pandas: only where needed

    df = datasets.load_gtzan_music_speech(real)
    counts = df["label"].value_counts().to_dict()
    found = {label: counts.get(label, 0) for label in layouts.GTZAN_CLIPS}
    print(
        f"gtzan_music_speech: {found['music']} music + {found['speech']} speech clips in {real} "
        f"(expected {layouts.GTZAN_CLIPS['music']} + {layouts.GTZAN_CLIPS['speech']})"
    )
    problems = [
        f"{want - found[label]} {label} clips are missing"
        for label, want in layouts.GTZAN_CLIPS.items()
        if found[label] < want
    ]
    short = df[df["duration"] < layouts.GTZAN_MIN_SECONDS]
    if len(short):
        problems.append(
            f"{len(short)} clips are shorter than {layouts.GTZAN_MIN_SECONDS:g} s (truncated), e.g. "
            f"{short['path'].iloc[0]} ({short['duration'].iloc[0]:.2f} s)"
        )
    if df.attrs.get("skipped"):
        problems.append(f"{len(df.attrs['skipped'])} files could not be read or were skipped")
    return problems


def _check_mtat(real: Path) -> list:
    """Problems of the installed MagnaTagATune (prints the counts)."""
    from . import datasets  # numpy and pandas: only where needed

    df = datasets.load_magnatagatune(real, drop_missing=False)
    min_bytes = int(layouts.MTAT_MIN_DURATION * layouts.MTAT_BITRATE / 8 / 2)
    small = [
        f"{p} ({os.stat(p).st_size:,} bytes)"
        for p in df["path"]
        if os.path.isfile(p) and 0 < os.stat(p).st_size < min_bytes
    ]
    missing = df.attrs["missing"]
    print(
        f"magnatagatune: {len(df):,} clips in {real} (expected {layouts.MTAT_CLIPS:,}), "
        f"{len(missing):,} without usable mp3, {len(small):,} mp3 files under {min_bytes:,} bytes"
    )
    problems = []
    if len(df) != layouts.MTAT_CLIPS:
        problems.append(
            f"{layouts.ANNOTATION_FILE} has {len(df):,} clips, expected {layouts.MTAT_CLIPS:,}"
        )
    if len(missing) + len(small) > 10:  # the original release has a few empty files
        problems.append(
            f"{len(missing):,} clips have no usable mp3 file"
            + (f" (e.g. {missing[0]})" if missing else "")
            + f" and {len(small):,} mp3 files are too short to hold a 29 s clip"
            + (f" (e.g. {small[0]})" if small else "")
        )
    elif small:
        print(f"  note: {len(small)} mp3 files are unusually small: {', '.join(small)}")
    return problems


def _check_gtzan_genre(real: Path) -> list:
    """Problems of the installed GTZAN genre collection (prints the counts)."""
    from . import datasets  # numpy and pandas: only where needed

    df = datasets.load_gtzan_genre(real)
    skipped = [Path(s.rsplit(" (", 1)[0]).stem for s in df.attrs["skipped"]]
    known = [s for s in skipped if s in layouts.GTZAN_GENRE_UNREADABLE]
    expected = len(layouts.GTZAN_GENRES) * layouts.GTZAN_GENRE_CLIPS
    print(
        f"gtzan_genre: {len(df):,} clips in {real} (expected {expected:,}"
        + (f", less the known unreadable {', '.join(known)}" if known else "")
        + ")"
    )
    counts = df["genre"].value_counts().to_dict()
    problems = []
    for genre in layouts.GTZAN_GENRES:
        lacking = layouts.GTZAN_GENRE_CLIPS - counts.get(genre, 0)
        lacking -= sum(s.startswith(genre + ".") for s in known)
        if lacking > 0:
            problems.append(f"{lacking} {genre} clips are missing or unreadable")
    short = df[df["duration"] < layouts.GTZAN_MIN_SECONDS]
    if len(short):
        problems.append(
            f"{len(short)} clips are shorter than {layouts.GTZAN_MIN_SECONDS:g} s (truncated), e.g. "
            f"{short['path'].iloc[0]} ({short['duration'].iloc[0]:.2f} s)"
        )
    missing = _missing_lists(real)
    if missing:
        problems.append(
            f"the split lists {', '.join(missing)} are missing (run "
            f"{layouts.DATASETS['gtzan_genre'].fetch_command}: it fetches only what is missing)"
        )
    for part, file_name in layouts.GTZAN_GENRE_SPLIT_FILES.items():
        if file_name not in missing:
            n = len(datasets.read_gtzan_genre_list(real / file_name))
            if n != layouts.GTZAN_GENRE_SPLIT_SIZES[part]:
                problems.append(
                    f"{file_name} lists {n} clips, the published {part} part "
                    f"{layouts.GTZAN_GENRE_SPLIT_SIZES[part]}"
                )
    return problems


def _check() -> int:
    problems = 0
    checks = {
        "gtzan_music_speech": _check_gtzan,
        "magnatagatune": _check_mtat,
        "gtzan_genre": _check_gtzan_genre,
    }
    for name, ds in layouts.DATASETS.items():
        real = layouts.real_path(name)
        if not layouts.is_present(real, name):
            meanwhile = (
                "optional, fetched only on request" if ds.optional else "the demo is used meanwhile"
            )
            print(f"{name}: not present in {real} (get it with: {ds.fetch_command}; {meanwhile})")
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                found = checks[name](real)
            for w in caught:
                print(f"  warning: {w.message}")
        except (ValueError, FileNotFoundError) as err:
            found = [str(err)]
        if found:
            problems += 1
            print(f"{name}: PROBLEM in {real}:")
            for why in found:
                print(f"  - {why}")
            print(
                f"  To repair: move {real} away (nothing is deleted automatically), then run "
                f"{ds.fetch_command}"
            )
        else:
            print(f"{name}: OK")
    return 1 if problems else 0


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.download",
        description="Dataset paths, sources and checks (used by download_datasets.sh).",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--list", action="store_true", help="datasets, where they are, and their download sources"
    )
    action.add_argument(
        "--check", action="store_true", help="verify the real datasets that are present"
    )
    action.add_argument("--data-dir", action="store_true", help="print the data folder")
    action.add_argument("--where", metavar="NAME", help="print the folder of dataset NAME")
    action.add_argument(
        "--present", metavar="NAME", help="exit 0 when the real dataset NAME is installed, else 1"
    )
    action.add_argument("--downloads", metavar="NAME", help="print the downloads folder of NAME")
    action.add_argument(
        "--plan",
        metavar="NAME",
        help="print NAME's files: name, size, sha256, urls (tab-separated)",
    )
    action.add_argument(
        "--need-bytes", metavar="NAME", help="print the free disk space NAME needs, in bytes"
    )
    action.add_argument(
        "--install", metavar="NAME", help="unpack the downloaded files of NAME into place"
    )
    action.add_argument("--manual", metavar="NAME", help="print how to install NAME by hand")
    action.add_argument(
        "--inspect",
        nargs=2,
        metavar=("NAME", "FILE"),
        help="exit 1 and say why when FILE, a download of NAME, is surely not the file asked for",
    )
    parser.add_argument(
        "--content-type", default="", help="with --inspect: the Content-Type the server sent"
    )
    parser.add_argument("--demo", action="store_true", help="with --where: the demo copy")
    parser.add_argument(
        "--quick", action="store_true", help="with --where --demo: the quick demo copy"
    )
    args = parser.parse_args(argv)
    try:
        if args.list:
            from . import datasets

            for row in datasets.status():
                print(f"{row['dataset']}: {row['title']}")
                print(f"  real:  {'present' if row['real'] else 'missing'}  {row['path']}")
                if row["optional"]:
                    print("  demo:  none (optional dataset: not part of `all`, fetched on request)")
                else:
                    demo = layouts.demo_path(row["dataset"])
                    print(f"  demo:  {'present' if row['demo'] else 'not generated'}  {demo}")
                    print(
                        f"  quick demo: {'present' if row['demo_quick'] else 'not generated'}  "
                        f"{layouts.demo_path(row['dataset'], quick=True)}"
                    )
                print(f"  fetch: {row['fetch']}")
                for f in catalog.sources(row["dataset"]):
                    size = f"{f.size:,} bytes" if f.size else "size unknown"
                    print(f"    {f.name}: {size}, sha256 {' or '.join(f.checksums) or 'unknown'}")
                    for url in f.urls:
                        print(f"      {url}")
            return 0
        if args.check:
            return _check()
        if args.data_dir:
            print(config.data_dir())
        elif args.where:
            print(
                layouts.demo_path(args.where, quick=args.quick)
                if args.demo
                else layouts.real_path(args.where)
            )
        elif args.present:
            return 0 if _installed(args.present) else 1
        elif args.downloads:
            print(catalog.downloads_dir(args.downloads))
        elif args.plan:
            for f in catalog.plan(args.plan):
                sha = ",".join(f.checksums) or "-"
                print("\t".join([f.name, str(f.size or "-"), sha, " ".join(f.urls)]))
        elif args.need_bytes:
            print(catalog.need_bytes(args.need_bytes))
        elif args.install:
            print(f"{args.install}: installed in {install(args.install)}")
        elif args.manual:
            print(_manual(args.manual))
        elif args.inspect:
            name, path = args.inspect
            stem = Path(path).name.removesuffix(".part")
            expected = next((f for f in catalog.sources(name) if f.name == stem), None)
            why = inspect_download(
                path,
                min_size=expected.min_size if expected else None,
                content_type=args.content_type,
            )
            if why:
                print(why)
                return 1
    except (ValueError, OSError) as err:  # OSError includes FileNotFoundError, FileExistsError
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main())
