import numpy as np
import pytest

from analysis import media
from analysis.errors import AnalysisError


def test_it_reads_video_facts(media_dir):
    info = media.probe(media_dir / "lesson.mp4")
    assert (info.width, info.height) == (1280, 720)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.fps == 25.0
    assert 8 < info.duration_s < 15


def test_it_accepts_audio_only_files(media_dir):
    info = media.probe(media_dir / "lesson.flac")
    assert info.has_audio and not info.has_video
    assert info.audio_codec == "flac"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty.mp4", "empty_file"),
        ("notes.mp4", "not_media"),
        ("report.mp4", "not_media"),
        ("headless.mp4", "not_media"),
        ("silent-video.mp4", "no_audio"),
        ("missing.mp4", "missing_file"),
    ],
)
def test_it_names_what_is_wrong_with_bad_media(media_dir, name, code):
    with pytest.raises(AnalysisError) as caught:
        media.probe(media_dir / name)
    assert caught.value.code == code
    assert caught.value.permanent
    assert str(media_dir) not in caught.value.message  # no paths in messages for people


def test_it_rejects_recordings_over_the_limit(media_dir):
    with pytest.raises(AnalysisError) as caught:
        media.probe(media_dir / "lesson.wav", media.MediaOptions(max_duration_s=5))
    assert caught.value.code == "too_long"
    assert "limit" in caught.value.message


def test_it_decodes_audio_to_16k_mono_float(media_dir):
    info = media.probe(media_dir / "lesson.mp4")
    audio = media.decode_audio(media_dir / "lesson.mp4", expected_duration_s=info.duration_s)
    assert audio.dtype == np.float32
    assert abs(audio.size / media.SAMPLE_RATE - info.duration_s) < 0.2
    assert 0 < np.abs(audio).max() <= 1.0


def test_the_decode_does_not_depend_on_the_length_estimate(media_dir):
    """The samples fill a buffer sized from the probed length; a wrong guess only costs a copy."""
    info = media.probe(media_dir / "lesson.mp4")
    right = media.decode_audio(media_dir / "lesson.mp4", expected_duration_s=info.duration_s)
    for guess in (None, 0.5, 10 * info.duration_s):
        again = media.decode_audio(media_dir / "lesson.mp4", expected_duration_s=guess)
        assert np.array_equal(again, right)
        assert again.base is None or again.base.size <= 1.1 * again.size + media.SAMPLE_RATE  # no big tail kept


def test_it_reports_a_truncated_file_as_damaged(media_dir):
    path = media_dir / "truncated.mp4"
    try:
        info = media.probe(path)
        media.decode_audio(path, expected_duration_s=info.duration_s)
    except AnalysisError as exc:
        assert exc.code == "corrupt"
        assert "damaged" in exc.message
    else:
        pytest.fail("a file cut in half decoded without complaint")
