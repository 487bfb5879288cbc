"""utils.audio: loading real formats, segmenting, log-mel (librosa and Keras), psychoacoustics."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from utils import audio, layouts, psychoacoustics

SR = 22050


def tone(freq, seconds, *, sr=SR, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# --------------------------------------------------------------------------- load


@pytest.mark.parametrize(
    "name, native_sr, channels",
    [
        ("gtzan_genre_country.00000.wav", 22050, 1),
        ("irmas_cla_0189_2_44k_stereo.wav", 44100, 2),
        ("cuidado_falla_cancion_44k.flac", 44100, 1),
        ("mtg_jamendo_948_44k_stereo.mp3", 44100, 2),
        ("dali_48k_stereo.mp3", 48000, 2),
    ],
)
def test_load_real_formats(shared_data, name, native_sr, channels):
    path = shared_data / "real_clips" / name
    info = sf.info(str(path))
    assert (info.samplerate, info.channels) == (native_sr, channels)
    y = audio.load(path, sr=layouts.MTAT_SR)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - info.frames * layouts.MTAT_SR / native_sr) <= 2
    assert np.abs(y).max() <= 1.0 + 1e-3 and np.abs(y).max() > 0.01
    # same as: soundfile, channel mean, soxr_hq resampling
    import librosa

    raw, _ = sf.read(str(path), dtype="float32", always_2d=True)
    expected = librosa.resample(
        raw.mean(axis=1), orig_sr=native_sr, target_sr=layouts.MTAT_SR, res_type="soxr_hq"
    )
    np.testing.assert_allclose(y, expected, atol=1e-5)


def test_load_ogg_and_mtat_mp3(shared_data):
    y = audio.load(next((shared_data / "librosa" / "audio").glob("*Choice*.ogg")), sr=SR)
    assert abs(len(y) / SR - 25.03) < 0.01
    y = audio.load(
        next((shared_data / "mtat" / "audio").glob("*.mp3")), sr=layouts.MTAT_SR, duration=3.0
    )
    assert y.shape == (48000,)


def test_load_offset_duration_and_channels(tmp_path):
    ramp = np.linspace(-0.5, 0.5, 2 * 8000, dtype=np.float32)
    stereo = np.stack([ramp, -0.5 * ramp], axis=1)
    path = tmp_path / "ramp.wav"
    sf.write(path, stereo, 8000, subtype="FLOAT")
    y = audio.load(path, sr=8000, offset=0.5, duration=0.25)
    np.testing.assert_allclose(y, 0.25 * ramp[4000:6000], atol=1e-7)
    both = audio.load(path, sr=8000, mono=False)
    assert both.shape == (2, 16000)
    assert audio.load(path, sr=16000).shape == (32000,)


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00garbage" * 50, bytes(range(256)) * 40])
@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_load_bad_file_raises_clear_error(tmp_path, content, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(audio.AudioError, match="bad"):
        audio.load(path, sr=SR)


def test_load_zero_length_and_missing(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, np.float32), SR)
    with pytest.raises(audio.AudioError, match="no audio samples"):
        audio.load(path, sr=SR)
    with pytest.raises(audio.AudioError, match="no such audio file"):
        audio.load(tmp_path / "missing.wav", sr=SR)
    sf.write(tmp_path / "short.wav", np.zeros(100, np.float32), SR)
    with pytest.raises(audio.AudioError, match="offset"):
        audio.load(tmp_path / "short.wav", sr=SR, offset=1.0)


# --------------------------------------------------------------------------- segmenting


def test_segment_signal_and_spectrogram():
    x = np.arange(10)
    segs = audio.segment(x, size=4, hop=3)
    np.testing.assert_array_equal(segs, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    S = np.random.default_rng(0).normal(size=(40, 1293))
    X = audio.segment(S, size=80, hop=80)
    assert X.shape == (16, 40, 80)
    np.testing.assert_array_equal(X[3], S[:, 240:320])
    # frames on the first axis
    assert audio.segment(S.T, size=80, hop=40, axis=0).shape == (31, 80, 40)
    # shorter than one window: padded (default) or nothing
    assert audio.segment(np.ones(3), size=5, hop=5).tolist() == [[1, 1, 1, 0, 0]]
    assert audio.segment(np.ones(3), size=5, hop=5, pad=False).shape == (0, 5)


def test_center_crop():
    np.testing.assert_array_equal(audio.center_crop(np.arange(10), size=4), [3, 4, 5, 6])
    np.testing.assert_array_equal(audio.center_crop(np.ones(2), size=5), [0, 1, 1, 0, 0])
    assert audio.center_crop(np.zeros((40, 100)), size=80).shape == (40, 80)


# --------------------------------------------------------------------------- mel


@pytest.fixture(scope="module")
def music():
    """Real music at 16 kHz (5 s of 'choice'), or a synthetic chord when the data is absent."""
    from conftest import SHARED_DATA

    clips = list((SHARED_DATA / "librosa" / "audio").glob("*Choice*.ogg"))
    if clips:
        return audio.load(clips[0], sr=16000, duration=5.0)
    rng = np.random.default_rng(0)
    return (
        sum(tone(f, 5, sr=16000, amp=0.2) for f in (220, 277, 330)) + 0.01 * rng.normal(size=80000)
    ).astype(np.float32)


@pytest.mark.parametrize(
    "params",
    [
        dict(n_mels=96, n_fft=512, hop_length=256),
        dict(n_mels=40, n_fft=1024, hop_length=512, fmin=20.0, fmax=7000.0),
    ],
)
def test_log_mel_equals_librosa(music, params):
    import librosa

    S = librosa.feature.melspectrogram(y=music, sr=16000, **params)
    expected = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)
    got = audio.log_mel(music, sr=16000, **params)
    assert got.shape == expected.shape == (params["n_mels"], 1 + len(music) // params["hop_length"])
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "params",
    [
        dict(n_mels=96, n_fft=512, hop_length=256),
        dict(n_mels=40, n_fft=1024, hop_length=512, fmin=20.0, fmax=7000.0),
    ],
)
def test_log_mel_keras_compatible_matches_keras_layer(music, params):
    keras = pytest.importorskip("keras")
    layer = keras.layers.MelSpectrogram(**audio.keras_mel_kwargs(sr=16000, **params))
    expected = np.asarray(layer(music[None]))[0]
    got = audio.log_mel(music, sr=16000, keras_compatible=True, **params)
    assert got.shape == expected.shape
    diff = np.abs(got - expected).max()
    print(
        f"keras_compatible log-mel vs keras.layers.MelSpectrogram {params}: max |diff| = {diff:.5f} dB"
    )
    assert diff < 0.1


def test_mfcc_and_stats(music):
    import librosa

    M = audio.mfcc(music, sr=16000, n_mfcc=13)
    np.testing.assert_allclose(
        M, librosa.feature.mfcc(y=music, sr=16000, n_mfcc=13), rtol=1e-4, atol=1e-3
    )
    v = audio.mfcc_stats(music, sr=16000, n_mfcc=13)
    assert v.shape == (52,)
    np.testing.assert_allclose(v[:13], M.mean(axis=1), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(v[13:26], M.std(axis=1), rtol=1e-5, atol=1e-4)
    assert audio.mfcc_stats(music, sr=16000, n_mfcc=13, deltas=False).shape == (26,)
    assert np.all(np.isfinite(audio.mfcc_stats(np.zeros(4000, np.float32), sr=16000)))


# --------------------------------------------------------------------------- psychoacoustics


def test_bark_edges_follow_zwicker_and_terhardts_formula():
    # An independent reference: Zwicker & Terhardt (1980) give the critical-band rate as
    # z(f) = 13 arctan(0.00076 f) + 3.5 arctan((f / 7500)^2); edge b must sit at b Bark.
    f = psychoacoustics.BARK_EDGES
    z = 13 * np.arctan(0.00076 * f) + 3.5 * np.arctan((f / 7500) ** 2)
    np.testing.assert_allclose(z, np.arange(25), atol=0.25)
    assert np.all(np.diff(f) > 0) and f[0] == 0


def test_bark_bands_route_each_bin_to_its_band():
    n_fft = 512
    S = np.random.default_rng(1).random((n_fft // 2 + 1, 3))
    B = psychoacoustics.bark_bands(S, sr=SR, n_fft=n_fft)
    assert B.shape == (24, 3)
    np.testing.assert_allclose(B.sum(axis=0), S.sum(axis=0))  # all bins < 11,025 Hz land in a band
    freqs = np.arange(n_fft // 2 + 1) * SR / n_fft
    in_band_3 = (freqs >= 300) & (freqs < 400)
    np.testing.assert_allclose(B[3], S[in_band_3].sum(axis=0))
    assert np.all(B[23] == 0)  # 12-15.5 kHz is above Nyquist at 22,050 Hz


def test_phon_and_sone_monotonic_in_level():
    levels = np.linspace(-10, 130, 400)
    L = np.tile(levels, (24, 1))
    phon = psychoacoustics.db_to_phon(L)
    assert np.all(np.diff(phon, axis=1) >= 0)
    assert np.all(np.diff(phon[:, levels > 5], axis=1).sum(axis=1) > 0)
    # near 1 kHz the contours pass through dB = phon (band 9: 1080-1270 Hz)
    np.testing.assert_allclose(psychoacoustics.db_to_phon(np.full((24, 1), 60.0))[9], 60.0)
    sone = psychoacoustics.phon_to_sone(phon)
    assert np.all(np.diff(sone, axis=1) >= 0)
    np.testing.assert_allclose(
        psychoacoustics.phon_to_sone(np.array([40.0, 50.0, 60.0])), [1, 2, 4]
    )


def test_iso226_equal_loudness_contours():
    phons = [3, 20, 40, 60, 80, 100]
    f, spl = psychoacoustics.equal_loudness_contours(phons)
    assert spl.shape == (6, len(f))
    at_1k = spl[:, list(f).index(1000)]
    np.testing.assert_allclose(at_1k, phons, atol=0.05)  # definition of the phon
    assert np.all(np.diff(spl, axis=0) > 0)  # louder contour, higher SPL, at every frequency
    # the published ISO 226:2003 40-phon contour (dB SPL at the standard's 29 frequencies)
    iso_40_phon = [
        99.85,
        93.94,
        88.17,
        82.63,
        77.78,
        73.08,
        68.48,
        64.37,
        60.59,
        56.70,
        53.41,
        50.40,
        47.58,
        44.98,
        43.05,
        41.34,
        40.06,
        40.01,
        41.82,
        42.51,
        39.23,
        36.51,
        35.61,
        36.65,
        40.01,
        45.83,
        51.80,
        54.28,
        51.49,
    ]
    np.testing.assert_allclose(spl[2], iso_40_phon, atol=0.01)
    _, spl2 = psychoacoustics.equal_loudness_contours([40], freqs=[100, 1000])
    np.testing.assert_allclose(spl2[0], [spl[2, list(f).index(100)], 40.0], atol=0.05)


def test_rhythm_pattern_of_am_tone_peaks_at_2_hz_in_its_band():
    carrier, fm = 1000.0, 2.0  # 1000 Hz lies in Bark band 8 (920-1080 Hz)
    t = np.arange(int(18 * SR)) / SR
    y = (0.3 * (1 + np.sin(2 * np.pi * fm * t)) / 2 * np.sin(2 * np.pi * carrier * t)).astype(
        np.float32
    )
    rp = psychoacoustics.rhythm_patterns(y, sr=SR)
    assert rp.shape == (24, 60)
    band, col = np.unravel_index(np.argmax(rp), rp.shape)
    mod = psychoacoustics.modulation_frequencies()
    assert abs(band - 8) <= 1
    assert abs(mod[col] - fm) <= 0.2, f"peak at {mod[col]:.2f} Hz"
    assert rp[band, col] > 5 * np.median(rp)


def test_rhythm_patterns_of_silence_and_short_clips():
    f = psychoacoustics.rp_features(np.zeros(7 * SR, np.float32), sr=SR)
    for k, shape in {"rp": (24, 60), "ssd": (24, 7), "rh": (60,)}.items():
        assert f[k].shape == shape and np.all(np.isfinite(f[k]))
    assert f["rp"].max() < 1e-3
    short = psychoacoustics.rhythm_patterns(
        tone(440, 1.0), sr=SR
    )  # shorter than one 5.94 s segment: padded
    assert short.shape == (24, 60) and np.all(np.isfinite(short))
    at_16k = psychoacoustics.rhythm_patterns(
        tone(440, 7.0, sr=16000), sr=16000
    )  # resampled to 22,050 Hz
    assert at_16k.shape == (24, 60)


def test_rhythm_patterns_match_reference_implementation(shared_data):
    """Pearson r >= 0.98 per clip against the original authors' rp_extract (default options)."""
    ref = json.loads((shared_data / "reference" / "rp_extract_reference.json").read_text())
    report = []
    for name, rel in ref["files"].items():
        y = audio.load(
            shared_data / rel, sr=psychoacoustics.SR_RP
        )  # file says: mono mean, soxr_hq to 22,050 Hz
        feats = psychoacoustics.rp_features(y, sr=psychoacoustics.SR_RP)
        for key, shape in (("rp", (24, 60)), ("ssd", (24, 7)), ("rh", (60,))):
            expected = np.asarray(ref["features"][name][key])
            got = feats[key]
            assert got.shape == shape
            got = got.ravel(order="F")  # the reference's Fortran layout: index = band + 24 * column
            r = np.corrcoef(got, expected)[0, 1]
            big = np.abs(expected) > 1e-3 * np.abs(expected).max()
            max_rel = float(np.max(np.abs(got - expected)[big] / np.abs(expected)[big]))
            report.append(f"{name:32s} {key:3s} r={r:.6f} max_rel_err={max_rel:.2e}")
            if key in ("rp", "ssd"):
                assert r >= 0.98, report[-1]
    print("\n" + "\n".join(report))


def test_mp3_offset_read_matches_a_full_decode_quietly(shared_data, capfd):
    path = next((shared_data / "mtat" / "audio").glob("*.mp3"))
    full = audio.load(path, sr=layouts.MTAT_SR)
    part = audio.load(path, sr=layouts.MTAT_SR, offset=10.0, duration=5.0)
    start = 10 * layouts.MTAT_SR
    assert part.shape == (5 * layouts.MTAT_SR,)
    assert np.abs(part - full[start : start + part.size]).max() < 1e-3
    assert "part2_3_length" not in capfd.readouterr().err, (
        "libmpg123's seek message should be silenced"
    )


# --------------------------------------------------------------------------- bad files named (issue 14)


def test_truncated_wav_warns_with_both_lengths(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, np.zeros(2 * SR, np.float32), SR, subtype="PCM_16")
    assert audio.truncation(path) is None
    path.write_bytes(path.read_bytes()[: 44 + 2 * SR])  # 1 s of samples; the header says 2 s
    why = audio.truncation(path)
    assert why.startswith("truncated: the header says 2.00 s") and "holds 1.00 s" in why
    assert "download it again" in why
    with pytest.warns(UserWarning, match=r"cut\.wav: truncated: the header says 2\.00 s"):
        assert len(audio.load(path, sr=SR)) == SR


def test_text_file_named_mp3_is_not_a_recognised_audio_format(tmp_path, capfd):
    path = tmp_path / "page.mp3"
    path.write_text("<html><body>Not Found</body></html>\n")
    with pytest.raises(audio.AudioError, match="page.mp3: not a recognised audio format"):
        audio.load(path, sr=SR)
    with pytest.raises(audio.AudioError, match="it is a text file"):
        audio.duration(path)
    err = capfd.readouterr().err
    assert "mpg123" not in err and "Illegal Audio-MPEG-Header" not in err
    assert "possibly a pipe" not in err


def test_an_mp3_decoding_slightly_beyond_full_scale_is_clipped_without_a_warning(tmp_path):
    # lossy codecs overshoot a master that peaked at full scale; a wav that does is too loud
    import warnings

    import soundfile as sf

    t = np.arange(16000) / 16000
    loud = (0.98 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)  # decodes to about 1.01
    sf.write(tmp_path / "loud.mp3", loud, 16000, format="MP3", subtype="MPEG_LAYER_III")
    raw, _ = sf.read(tmp_path / "loud.mp3", dtype="float32")
    assert 1.0 < np.abs(raw).max() < audio.LOSSY_OVERSHOOT, "the codec overshoots a little"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = audio.load(tmp_path / "loud.mp3", sr=16000)
    assert np.abs(y).max() <= 1.0
    sf.write(tmp_path / "loud.wav", 1.05 * loud, 16000, subtype="FLOAT")
    with pytest.warns(UserWarning, match="beyond"):
        audio.load(tmp_path / "loud.wav", sr=16000)
