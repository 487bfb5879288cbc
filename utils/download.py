"""Where the real datasets come from, and installing them once downloaded.

:data:`SOURCES` is the one registry of download URLs, sizes and checksums;
:func:`install` unpacks the downloaded files into the layouts :mod:`utils.datasets`
reads. ``download_datasets.sh`` does the downloading (curl, resumable) and calls this
module for everything else, so paths and sources have one home.

Command line (used by ``download_datasets.sh``)::

    python -m utils.download --list              # datasets, where they are, their sources
    python -m utils.download --check             # verify the datasets that are present
    python -m utils.download --where magnatagatune [--demo] [--quick]
    python -m utils.download --plan magnatagatune   # files to fetch: name, size, sha256, urls
    python -m utils.download --install magnatagatune
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from . import config, datasets, layouts

__all__ = [
    "SourceFile",
    "SOURCES",
    "SOURCES_ENV",
    "APPROX_BYTES",
    "sources",
    "downloads_dir",
    "install",
]


# --------------------------------------------------------------------------------------
# Download sources
# --------------------------------------------------------------------------------------


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


_MTAT_MIRRORS = (
    "https://mirg.city.ac.uk/datasets/magnatagatune",
    "http://mi.soi.city.ac.uk/datasets/magnatagatune",
)

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
        for name in (
            "annotations_final.csv",
            "clip_info_final.csv",
            "mp3.zip.001",
            "mp3.zip.002",
            "mp3.zip.003",
        )
    ),
}

#: Environment variable naming a JSON file that replaces :data:`SOURCES` (for tests and mirrors).
SOURCES_ENV = "MUSICDL_SOURCES_FILE"

#: Rough disk space (bytes) the download plus the unpacked dataset need, for the free-space
#: check, where :data:`SOURCES` gives no file sizes to add up.
APPROX_BYTES = {"gtzan_music_speech": 700_000_000, "magnatagatune": 7_000_000_000}


def sources(name: str) -> tuple:
    """The files to download for dataset ``name``, with their mirrors.

    Parameters
    ----------
    name : str
        A key of :data:`utils.layouts.DATASETS`.

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
    layouts.dataset(name)  # a clear error for an unknown name
    override = os.environ.get(SOURCES_ENV)
    if override:
        path = Path(override)
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(
                f"${SOURCES_ENV} must name a readable JSON file of sources; {path}: {err}"
            ) from None
        if name in table:
            return tuple(
                SourceFile(
                    f["name"], tuple(f["urls"]), f.get("size"), f.get("sha256"), f.get("note", "")
                )
                for f in table[name]
            )
    return SOURCES[name]


def downloads_dir(name: str) -> Path:
    """Where ``download_datasets.sh`` keeps the downloaded archives of dataset ``name``."""
    return config.data_dir() / "downloads" / layouts.dataset(name).name


def _need_bytes(name: str) -> int:
    known = sum(2 * f.size for f in sources(name) if f.size)  # the download and its unpacked copy
    if os.environ.get(SOURCES_ENV) or known:
        return known + 1_000_000
    return APPROX_BYTES[layouts.dataset(name).name]


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
    import tarfile

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
    tmp = real.parent / f".{real.name}.unpacking"
    try:
        if tmp.exists():
            shutil.rmtree(tmp)  # our own leftover from an interrupted run
        tmp.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tar.extractall(tmp)
        found = _find_dir(tmp, lambda d: (d / "music_wav").is_dir() and (d / "speech_wav").is_dir())
        if found is None:
            raise ValueError(
                f"{archive} does not contain music_wav/ and speech_wav/ folders; is it the right archive?"
            )
        real.mkdir(parents=True, exist_ok=True)
        os.replace(found, real / "music_speech")
    except (tarfile.TarError, *_DAMAGED) as err:
        raise ValueError(
            f"{archive} could not be unpacked ({err}); delete it and download it again."
        ) from None
    except OSError as err:
        raise _write_failed(err, into=real.parent, downloads=downloads) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _unlink_member(tmp: Path, member: str) -> None:
    """Remove what a failed ``ZipFile.extract`` left of ``member`` in ``tmp``."""
    parts = [p for p in member.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts:
        target = tmp.joinpath(*parts)
        if target.resolve().is_relative_to(tmp.resolve()) and target.is_file():
            target.unlink()


def _install_mtat(real: Path, downloads: Path) -> None:
    parts = sorted(downloads.glob("mp3.zip.[0-9][0-9][0-9]"))
    csvs = [downloads / layouts.CLIP_INFO_FILE, downloads / layouts.ANNOTATION_FILE]
    absent = [str(p) for p in csvs if not p.is_file()] + (
        [] if parts else [str(downloads / "mp3.zip.001")]
    )
    if absent:
        raise FileNotFoundError(
            f"Expected the downloaded files {', '.join(absent)}; "
            f"run {layouts.DATASETS['magnatagatune'].fetch_command}"
        )
    datasets.read_table(
        downloads / layouts.ANNOTATION_FILE,
        ("clip_id",) + layouts.TAGS_188 + ("mp3_path",),
        what="MTAT annotations",
    )
    datasets.read_table(
        downloads / layouts.CLIP_INFO_FILE, layouts.CLIP_INFO_COLUMNS, what="MTAT clip information"
    )
    mp3 = real / "mp3"
    try:
        real.mkdir(parents=True, exist_ok=True)
        if not mp3.is_dir():
            _unpack_mp3(parts, real / ".mp3.unpacking", mp3, downloads=downloads)
        for src in csvs:  # the annotations file is the dataset's marker: it goes last
            part = real / (src.name + ".copying")
            shutil.copyfile(src, part)
            os.replace(part, real / src.name)
    except OSError as err:
        raise _write_failed(err, into=real, downloads=downloads) from None


def _unpack_mp3(parts: list, tmp: Path, mp3: Path, *, downloads: Path) -> None:
    import zipfile

    if tmp.exists():
        shutil.rmtree(tmp)  # our own leftover from an interrupted run
    tmp.mkdir()
    try:
        joined = _Concatenated(parts)
        bad = []
        try:
            with zipfile.ZipFile(joined) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                for m in members:
                    try:
                        zf.extract(m, tmp)
                    except (
                        zipfile.BadZipFile,
                        *_DAMAGED,
                    ) as err:  # a damaged member; a full disk is not
                        _unlink_member(
                            tmp, m.filename
                        )  # extract leaves what it wrote before the CRC check
                        bad.append(f"{m.filename} ({err})")
        except zipfile.BadZipFile as err:
            raise ValueError(
                f"{' + '.join(p.name for p in parts)} joined is not a valid zip archive ({err}); "
                f"a part is probably incomplete: delete the parts in {downloads} and download again."
            ) from None
        finally:
            joined.close()
        datasets.warn_files("mp3 files in the archive are damaged and were not unpacked", bad)
        if len(bad) > max(10, len(members) // 100):
            raise ValueError(
                f"{len(bad)} of {len(members)} archive members are damaged; delete the parts in {downloads} "
                f"and download them again."
            )
        found = _find_dir(tmp, lambda d: (d / "0").is_dir() or (d / "f").is_dir())
        if found is None:
            raise ValueError(
                f"The mp3 archive holds no folders 0..f; is {parts[0]} the MTAT mp3.zip?"
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
    reported in a warning and left out.

    Example
    -------
    >>> install("gtzan_music_speech")  # doctest: +SKIP
    """
    ds = layouts.dataset(name)
    real = layouts.real_path(name)
    if layouts.is_present(real, name):
        return real
    downloads = Path(downloads) if downloads else downloads_dir(name)
    {"gtzan_music_speech": _install_gtzan, "magnatagatune": _install_mtat}[ds.name](real, downloads)
    if not layouts.is_present(real, name):  # pragma: no cover - defensive
        raise RuntimeError(f"Installing {ds.title} finished but {real / ds.marker} is missing.")
    return real


def _manual(name: str) -> str:
    ds = layouts.dataset(name)
    dl = downloads_dir(name)
    real = layouts.real_path(name)
    files = "\n".join(f"    {dl / f.name}    (from {' or '.join(f.urls)})" for f in sources(name))
    layout = {
        "gtzan_music_speech": f"{real}/music_speech/music_wav/*.wav and .../speech_wav/*.wav",
        "magnatagatune": f"{real}/annotations_final.csv, clip_info_final.csv and mp3/0..f/*.mp3",
    }[name]
    return (
        f"To install {ds.title} by hand, put these files here and run `{ds.fetch_command}` again:\n{files}\n"
        f"or unpack the dataset yourself so that {layout} exist."
    )


# --------------------------------------------------------------------------------------
# Command line (used by download_datasets.sh)
# --------------------------------------------------------------------------------------


def _check() -> int:
    problems = 0
    for name, ds in layouts.DATASETS.items():
        real = layouts.real_path(name)
        if not layouts.is_present(real, name):
            print(
                f"{name}: not present in {real} (get it with: {ds.fetch_command}; the demo is used meanwhile)"
            )
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if name == "gtzan_music_speech":
                    df = datasets.load_gtzan_music_speech(real)
                    counts = df["label"].value_counts().to_dict()
                    music, speech = counts.get("music", 0), counts.get("speech", 0)
                    print(f"{name}: OK, {music} music + {speech} speech clips in {real}")
                else:
                    df = datasets.load_magnatagatune(real, drop_missing=False)
                    print(
                        f"{name}: OK, {len(df)} clips, "
                        f"{len(df.attrs['missing'])} without usable mp3, in {real}"
                    )
            for w in caught:
                print(f"  warning: {w.message}")
        except (ValueError, FileNotFoundError) as err:
            problems += 1
            print(f"{name}: PROBLEM in {real}: {err}")
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
    parser.add_argument("--demo", action="store_true", help="with --where: the demo copy")
    parser.add_argument(
        "--quick", action="store_true", help="with --where --demo: the quick demo copy"
    )
    args = parser.parse_args(argv)
    try:
        if args.list:
            for row in datasets.status():
                print(f"{row['dataset']}: {row['title']}")
                print(f"  real:  {'present' if row['real'] else 'missing'}  {row['path']}")
                demo = layouts.demo_path(row["dataset"])
                print(f"  demo:  {'present' if row['demo'] else 'not generated'}  {demo}")
                print(
                    f"  quick demo: {'present' if row['demo_quick'] else 'not generated'}  "
                    f"{layouts.demo_path(row['dataset'], quick=True)}"
                )
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
            print(config.data_dir())
        elif args.where:
            print(
                layouts.demo_path(args.where, quick=args.quick)
                if args.demo
                else layouts.real_path(args.where)
            )
        elif args.present:
            return 0 if layouts.is_present(layouts.real_path(args.present), args.present) else 1
        elif args.downloads:
            print(downloads_dir(args.downloads))
        elif args.plan:
            for f in sources(args.plan):
                print("\t".join([f.name, str(f.size or "-"), f.sha256 or "-", " ".join(f.urls)]))
        elif args.need_bytes:
            print(_need_bytes(args.need_bytes))
        elif args.install:
            print(f"{args.install}: installed in {install(args.install)}")
        elif args.manual:
            print(_manual(args.manual))
    except (ValueError, OSError) as err:  # OSError includes FileNotFoundError, FileExistsError
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main())
