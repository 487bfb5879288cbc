"""Feature extraction speed: the 2018 tutorial's serial loop vs ``features.extract``.

Measures, in one run on the same files (the GTZAN Music/Speech clips that notebooks 01-03
extract from: the real dataset when downloaded, else the full demo, generated if missing):

- naive: a serial ``for`` loop (default threading; also shown with BLAS limited to one
  thread, which on a small busy machine is often faster) of ``librosa.load``
  + ``librosa.feature.melspectrogram`` + ``power_to_db`` per file, as the 2018 tutorial did;
- cold: ``features.extract`` with an empty cache (parallel workers, all cores);
- warm: ``features.extract`` again (everything from the cache).

Each is run ``--repeat`` times in interleaved rounds (a fresh cache per round) and the
median is shown. Worker start-up (spawning the processes and importing librosa, once per session) is
measured separately and not counted in "cold". Prints a table, the ratios and
PASS/MISS against the targets (cold >= 1.7x, warm >= 20x faster than naive); always
exits 0.

    python benchmarks/feature_extraction.py [--files N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from utils import audio, config, datasets, features, layouts

TARGET_COLD = 1.7
TARGET_WARM = 20.0
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PARAMS = dict(sr=layouts.GTZAN_SR, n_mels=40, n_fft=2048, hop_length=512)


def find_files(n: int) -> tuple[list[str], str]:
    """The GTZAN Music/Speech clips notebooks 01-03 extract from: real if downloaded, else the demo."""
    root, source = datasets.locate("gtzan_music_speech", config.run_parameters(quick=False))
    clips = datasets.load_gtzan_music_speech(root)
    # alternate music and speech so any n keeps both classes
    order = (
        clips.sort_values("label", kind="stable")
        .groupby("label")
        .cumcount()
        .sort_values(kind="stable")
        .index
    )
    return clips.loc[order, "path"].tolist()[:n], f"GTZAN Music/Speech clips ({source}) from {root}"


def naive(paths):
    import librosa

    out = []
    for p in paths:
        y, sr = librosa.load(p, sr=PARAMS["sr"])
        S = librosa.feature.melspectrogram(
            y=y,
            sr=sr,
            n_mels=PARAMS["n_mels"],
            n_fft=PARAMS["n_fft"],
            hop_length=PARAMS["hop_length"],
        )
        out.append(librosa.power_to_db(S, ref=1.0))
    return out


def warm_up_worker(path, *, seconds):
    y = np.zeros(int(seconds * layouts.GTZAN_SR), np.float32)
    audio.log_mel(y, sr=layouts.GTZAN_SR, n_mels=40)
    time.sleep(0.2)  # keep this worker busy so that every worker gets a warm-up task
    return np.zeros(1)


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=64, help="number of clips (30 s each)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the table shows medians")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths, source = find_files(args.files)
        seconds = sum(audio.load(p, sr=8000).size / 8000 for p in paths)
        print(f"{len(paths)} files, {seconds / 60:.1f} min of audio: {source}")
        print(f"{os.cpu_count()} CPU cores; feature: log-mel {PARAMS}")

        naive([paths[0]])  # import librosa and warm it up in this process
        t_start, _ = timed(
            lambda: features.extract(
                [f"warm-up-{i}" for i in range(4 * (os.cpu_count() or 1))],
                warm_up_worker,
                cache_dir=False,
                progress=False,
                stack="list",
                seconds=1.0,
            )
        )
        from threadpoolctl import threadpool_limits

        times = {"naive": [], "naive1": [], "cold": [], "warm": []}
        for r in range(args.repeat):  # interleaved rounds; the median resists a busy machine
            kw = dict(
                cache_dir=tmp / f"cache{r}",
                progress=False,
                stack="list",
                feature="log_mel",
                **PARAMS,
            )
            t, ref = timed(lambda: naive(paths))
            times["naive"].append(t)
            with threadpool_limits(
                1
            ):  # the same loop without BLAS threads: the best serial time here
                times["naive1"].append(timed(lambda: naive(paths))[0])
            t, cold = timed(lambda kw=kw: features.extract(paths, features.audio_feature, **kw))
            times["cold"].append(t)
            t, warm = timed(lambda kw=kw: features.extract(paths, features.audio_feature, **kw))
            times["warm"].append(t)
        t_naive, t_cold, t_warm = (float(np.median(times[k])) for k in ("naive", "cold", "warm"))

    assert cold.failed == [] and warm.n_cached == len(paths), (cold.failed, warm.n_cached)
    worst = max(float(np.abs(a - b).max()) for a, b in zip(ref, cold.features))
    r_cold, r_warm = t_naive / t_cold, t_naive / t_warm
    print()
    print(f"median of {args.repeat} interleaved rounds")
    print(f"{'run':<44s}{'seconds':>9s}{'vs naive':>10s}   {'min-max s':>13s}")

    def span(k):
        return f"{min(times[k]):.3f}-{max(times[k]):.3f}"

    print(
        f"{'naive serial loop (librosa.load + mel)':<44s}{t_naive:9.2f}{1.0:9.1f}x   {span('naive'):>13s}"
    )
    print(
        f"{'  same, BLAS limited to 1 thread':<44s}{float(np.median(times['naive1'])):9.2f}"
        f"{t_naive / float(np.median(times['naive1'])):9.1f}x   {span('naive1'):>13s}"
    )
    print(
        f"{'features.extract cold (parallel, no cache)':<44s}{t_cold:9.2f}{r_cold:9.1f}x"
        f"   {span('cold'):>13s}"
    )
    print(
        f"{'features.extract warm (cache)':<44s}{t_warm:9.3f}{r_warm:9.1f}x   {span('warm'):>13s}"
    )
    print(f"{'(worker start-up, once per session)':<44s}{t_start:9.2f}")
    print(f"\nsame features: max |naive - extract| = {worst:.2e} dB")
    r_best = float(np.median(times["naive1"])) / t_cold
    print(
        f"cold vs the 1-thread serial loop: {r_best:.2f}x "
        "(information; 2 workers on 2 cores cannot exceed 2x)"
    )
    print(
        f"cold: {r_cold:.2f}x (target >= {TARGET_COLD}x) {'PASS' if r_cold >= TARGET_COLD else 'MISS'}"
    )
    print(
        f"warm: {r_warm:.1f}x (target >= {TARGET_WARM}x) {'PASS' if r_warm >= TARGET_WARM else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
