"""Download sources of the real datasets, and installing what was downloaded.

``download_datasets.sh`` does the downloading (resumable, mirror after mirror, checksums)
and asks this module for everything it needs, so that paths, URLs, sizes and checksums
have one home::

    python -m utils.download --list              # datasets, where they are, their sources
    python -m utils.download --check             # verify the datasets that are present
    python -m utils.download --plan magnatagatune  # files to fetch: name, size, sha256, urls
    python -m utils.download --install magnatagatune  # unpack the downloaded files into place

``$MUSICDL_SOURCES_FILE`` names a JSON file that replaces :data:`SOURCES` (tests, mirrors).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .datasets import (
    ANNOTATION_FILE,
    CLIP_INFO_COLUMNS,
    CLIP_INFO_FILE,
    DATASETS,
    TAGS_188,
    _get,
    _read_table,
    _warn_files,
    data_dir,
    demo_path,
    is_present,
    load_gtzan_music_speech,
    load_magnatagatune,
    real_path,
    status,
)

__all__ = ["SOURCES", "SOURCES_ENV", "SourceFile", "sources", "downloads_dir", "install"]


@dataclass(frozen=True)
class SourceFile:
    """One file to download, with the mirrors that serve it.

    Attributes
    ----------
    name : str
        File name in the downloads folder (``<data>/downloads/<dataset>/<name>``).
    urls : tuple of str
        Mirrors, tried in this order.
    size : int or None
        Size in bytes, where known; checked after the download.
    sha256 : str or None
        SHA-256 of the file, where known; checked after the download. ``None`` means no
        stable published checksum is known: then only the size (if known) and the
        archive's own integrity (when it is unpacked) are checked.
    note : str
        Where the checksum comes from, or why there is none.
    """

    name: str
    urls: tuple
    size: int | None = None
    sha256: str | None = None
    note: str = ""


_MTAT_MIRRORS = ("https://mirg.city.ac.uk/datasets/magnatagatune", "http://mi.soi.city.ac.uk/datasets/magnatagatune")

#: Where the real datasets come from: the one registry of URLs, sizes and checksums.
#: ``download_datasets.sh`` reads it through ``python -m utils.download --plan NAME``;
#: ``$MUSICDL_SOURCES_FILE`` (a JSON file, see :func:`sources`) replaces it, e.g. in tests.
SOURCES = {
    "gtzan_music_speech": (
        SourceFile(
            "music_speech.tar.gz",
            ("http://opihi.cs.uvic.ca/sound/music_speech.tar.gz",),
            size=297_055_930,
            sha256="8753bc4129fc0a916d6efcf25dbcaf30e06b41acb44ad7c3d0b5c9d9c90ff546",
            note="size and sha256 as recorded by TensorFlow Datasets (gtzan_music_speech/checksums.tsv); "
            "the host has been reported dead. The HEAR benchmark keeps a 48 kHz copy on Zenodo in its "
            "own layout (not fetched automatically: its rate and folders differ).",
        ),
    ),
    "magnatagatune": tuple(
        SourceFile(
            name,
            tuple(f"{mirror}/{name}" for mirror in _MTAT_MIRRORS),
            note="no published checksum; the zip archive's own CRCs are checked when it is unpacked",
        )
        for name in ("annotations_final.csv", "clip_info_final.csv", "mp3.zip.001", "mp3.zip.002", "mp3.zip.003")
    ),
}

#: Environment variable naming a JSON file that replaces :data:`SOURCES` (for tests and mirrors).
SOURCES_ENV = "MUSICDL_SOURCES_FILE"


def sources(name: str) -> tuple:
    """The files to download for dataset ``name``, with their mirrors.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.

    Returns
    -------
    tuple of SourceFile
        From ``$MUSICDL_SOURCES_FILE`` when it is set and names this dataset, else from
        :data:`SOURCES`. The JSON file maps a dataset name to a list of objects with keys
        ``name``, ``urls`` (list), and optionally ``size``, ``sha256``, ``note``.

    Example
    -------
    >>> [f.name for f in sources("gtzan_music_speech")]
    ['music_speech.tar.gz']
    """
    _get(name)
    override = os.environ.get(SOURCES_ENV)
    if override:
        path = Path(override)
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(f"${SOURCES_ENV} must name a readable JSON file of sources; {path}: {err}") from None
        if name in table:
            return tuple(
                SourceFile(f["name"], tuple(f["urls"]), f.get("size"), f.get("sha256"), f.get("note", ""))
                for f in table[name]
            )
    return SOURCES[name]


def downloads_dir(name: str) -> Path:
    """Where ``download_datasets.sh`` keeps the downloaded archives of dataset ``name``."""
    return data_dir() / "downloads" / _get(name).name


# --------------------------------------------------------------------------------------
# Installing downloaded archives (called by download_datasets.sh)
# --------------------------------------------------------------------------------------


class _Concatenated:
    """A read-only, seekable file over several files one after the other (split zip parts)."""

    def __init__(self, paths):
        self._files = [open(p, "rb") for p in paths]
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


def _install_gtzan(real: Path, downloads: Path) -> None:
    import tarfile

    archive = downloads / "music_speech.tar.gz"
    if not archive.is_file():
        raise FileNotFoundError(f"Expected the downloaded archive {archive}; run {DATASETS['gtzan_music_speech'].fetch_command}")
    if (real / "music_speech").exists():
        raise FileExistsError(
            f"{real / 'music_speech'} exists but is incomplete (no music_wav/ in it). "
            f"Move it away (it is not deleted automatically), then run this again."
        )
    tmp = real.parent / f".{real.name}.unpacking"
    if tmp.exists():
        shutil.rmtree(tmp)  # our own leftover from an interrupted run
    tmp.mkdir(parents=True)
    try:
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tar.extractall(tmp)
        found = _find_dir(tmp, lambda d: (d / "music_wav").is_dir() and (d / "speech_wav").is_dir())
        if found is None:
            raise ValueError(f"{archive} does not contain music_wav/ and speech_wav/ folders; is it the right archive?")
        real.mkdir(parents=True, exist_ok=True)
        os.replace(found, real / "music_speech")
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(f"{archive} could not be unpacked ({err}); delete it and download it again.") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install_mtat(real: Path, downloads: Path) -> None:
    import zipfile

    parts = sorted(downloads.glob("mp3.zip.[0-9][0-9][0-9]"))
    csvs = [downloads / CLIP_INFO_FILE, downloads / ANNOTATION_FILE]
    absent = [str(p) for p in csvs if not p.is_file()] + ([] if parts else [str(downloads / "mp3.zip.001")])
    if absent:
        raise FileNotFoundError(f"Expected the downloaded files {', '.join(absent)}; run {DATASETS['magnatagatune'].fetch_command}")
    _read_table(downloads / ANNOTATION_FILE, ("clip_id",) + TAGS_188 + ("mp3_path",), what="MTAT annotations")
    _read_table(downloads / CLIP_INFO_FILE, CLIP_INFO_COLUMNS, what="MTAT clip information")
    real.mkdir(parents=True, exist_ok=True)
    mp3 = real / "mp3"
    if not mp3.is_dir():
        tmp = real / ".mp3.unpacking"
        if tmp.exists():
            shutil.rmtree(tmp)  # our own leftover from an interrupted run
        tmp.mkdir()
        joined = _Concatenated(parts)
        bad = []
        try:
            with zipfile.ZipFile(joined) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                for m in members:
                    try:
                        zf.extract(m, tmp)
                    except (zipfile.BadZipFile, OSError, EOFError) as err:
                        bad.append(f"{m.filename} ({err})")
        except zipfile.BadZipFile as err:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ValueError(
                f"{' + '.join(p.name for p in parts)} joined is not a valid zip archive ({err}); "
                f"a part is probably incomplete: delete the parts in {downloads} and download again."
            ) from None
        finally:
            joined.close()
        _warn_files("mp3 files in the archive are damaged and were not unpacked", bad)
        if len(bad) > max(10, len(members) // 100):
            shutil.rmtree(tmp, ignore_errors=True)
            raise ValueError(f"{len(bad)} of {len(members)} archive members are damaged; download the parts again.")
        found = _find_dir(tmp, lambda d: (d / "0").is_dir() or (d / "f").is_dir())
        if found is None:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ValueError(f"The mp3 archive holds no folders 0..f; is {parts[0]} the MTAT mp3.zip?")
        os.replace(found, mp3)
        shutil.rmtree(tmp, ignore_errors=True)
    for src in csvs:  # the annotations file is the dataset's marker: it goes last
        part = real / (src.name + ".copying")
        shutil.copyfile(src, part)
        os.replace(part, real / src.name)


def install(name: str, *, downloads=None) -> Path:
    """Unpack the downloaded files of dataset ``name`` into the data folder.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    downloads : str or pathlib.Path, optional
        Folder holding the downloaded files; default :func:`downloads_dir`.

    Returns
    -------
    pathlib.Path
        The installed dataset folder (:func:`real_path`).

    Notes
    -----
    Unpacks into a temporary folder and renames at the end, so an interrupted run never
    leaves a folder that looks complete. Never deletes the downloads; they can be removed
    by hand once the dataset is installed.

    Example
    -------
    >>> install("gtzan_music_speech")  # doctest: +SKIP
    """
    ds = _get(name)
    real = real_path(name)
    if is_present(real, name):
        return real
    downloads = Path(downloads) if downloads else downloads_dir(name)
    {"gtzan_music_speech": _install_gtzan, "magnatagatune": _install_mtat}[ds.name](real, downloads)
    if not is_present(real, name):  # pragma: no cover - defensive
        raise RuntimeError(f"Installing {ds.title} finished but {real / ds.marker} is missing.")
    return real


def _manual(name: str) -> str:
    ds = _get(name)
    dl = downloads_dir(name)
    files = "\n".join(f"    {dl / f.name}    (from {' or '.join(f.urls)})" for f in sources(name))
    layout = {
        "gtzan_music_speech": f"{real_path(name)}/music_speech/music_wav/*.wav and .../speech_wav/*.wav",
        "magnatagatune": f"{real_path(name)}/annotations_final.csv, clip_info_final.csv and mp3/0..f/*.mp3",
    }[name]
    return (
        f"To install {ds.title} by hand, put these files here and run `{ds.fetch_command}` again:\n{files}\n"
        f"or unpack the dataset yourself so that {layout} exist."
    )


def _check() -> int:
    problems = 0
    for name, ds in DATASETS.items():
        real = real_path(name)
        if not is_present(real, name):
            print(f"{name}: not present in {real} (get it with: {ds.fetch_command}; the demo is used meanwhile)")
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if name == "gtzan_music_speech":
                    df = load_gtzan_music_speech(real)
                    counts = df["label"].value_counts().to_dict()
                    print(f"{name}: OK, {counts.get('music', 0)} music + {counts.get('speech', 0)} speech clips in {real}")
                else:
                    df = load_magnatagatune(real, drop_missing=False)
                    print(f"{name}: OK, {len(df)} clips, {len(df.attrs['missing'])} without usable mp3, in {real}")
            for w in caught:
                print(f"  warning: {w.message}")
        except (ValueError, FileNotFoundError) as err:
            problems += 1
            print(f"{name}: PROBLEM in {real}: {err}")
    return 1 if problems else 0


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.download", description="Dataset paths, sources and checks (used by download_datasets.sh)."
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="datasets, where they are, and their download sources")
    action.add_argument("--check", action="store_true", help="verify the real datasets that are present")
    action.add_argument("--data-dir", action="store_true", help="print the data folder")
    action.add_argument("--where", metavar="NAME", help="print the folder of dataset NAME")
    action.add_argument("--present", metavar="NAME", help="exit 0 when the real dataset NAME is installed, else 1")
    action.add_argument("--downloads", metavar="NAME", help="print the downloads folder of NAME")
    action.add_argument("--plan", metavar="NAME", help="print NAME's files: name, size, sha256, urls (tab-separated)")
    action.add_argument("--need-bytes", metavar="NAME", help="print the free disk space NAME needs, in bytes")
    action.add_argument("--install", metavar="NAME", help="unpack the downloaded files of NAME into place")
    action.add_argument("--manual", metavar="NAME", help="print how to install NAME by hand")
    parser.add_argument("--demo", action="store_true", help="with --where: the demo copy")
    parser.add_argument("--quick", action="store_true", help="with --where --demo: the quick demo copy")
    args = parser.parse_args(argv)
    try:
        if args.list:
            for row in status():
                print(f"{row['dataset']}: {row['title']}")
                print(f"  real:  {'present' if row['real'] else 'missing'}  {row['path']}")
                print(f"  demo:  {'present' if row['demo'] else 'not generated'}  {demo_path(row['dataset'])}")
                print(f"  quick demo: {'present' if row['demo_quick'] else 'not generated'}  {demo_path(row['dataset'], quick=True)}")
                print(f"  fetch: {row['fetch']}")
                for f in sources(row["dataset"]):
                    size = f"{f.size:,} bytes" if f.size else "size unknown"
                    print(f"    {f.name}: {size}, sha256 {f.sha256 or 'unknown'}")
                    for url in f.urls:
                        print(f"      {url}")
            return 0
        if args.check:
            return _check()
        if args.data_dir:
            print(data_dir())
        elif args.where:
            print(demo_path(args.where, quick=args.quick) if args.demo else real_path(args.where))
        elif args.present:
            return 0 if is_present(real_path(args.present), args.present) else 1
        elif args.downloads:
            print(downloads_dir(args.downloads))
        elif args.plan:
            for f in sources(args.plan):
                print("\t".join([f.name, str(f.size or "-"), f.sha256 or "-", " ".join(f.urls)]))
        elif args.need_bytes:
            known = sum(2 * f.size for f in sources(args.need_bytes) if f.size)
            if os.environ.get(SOURCES_ENV) or known:
                print(known + 1_000_000)
            else:
                print(_get(args.need_bytes).approx_bytes)
        elif args.install:
            print(f"{args.install}: installed in {install(args.install)}")
        elif args.manual:
            print(_manual(args.manual))
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main())
