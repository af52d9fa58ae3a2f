import subprocess

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


@pytest.fixture(scope="module")
def formats(media_dir, tmp_path_factory):
    """The lesson in each container an upload may be: mp4 (given), wav, flac, mkv, mp3, ogg."""
    d = tmp_path_factory.mktemp("formats")
    for name, codec in [("lesson.mkv", ["-c", "copy"]), ("lesson.mp3", []), ("lesson.ogg", ["-c:a", "libopus"])]:
        source = media_dir / ("lesson.mp4" if name.endswith("mkv") else "lesson.wav")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *codec, str(d / name)], check=True)
    for name in ("lesson.mp4", "lesson.wav", "lesson.flac"):
        (d / name).write_bytes((media_dir / name).read_bytes())
    return d


@pytest.mark.parametrize(
    ("name", "format_name"),
    [
        ("lesson.mp4", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("lesson.wav", "wav"),
        ("lesson.flac", "flac"),
        ("lesson.mkv", "matroska,webm"),
        ("lesson.mp3", "mp3"),
        ("lesson.ogg", "ogg"),
    ],
)
def test_it_probes_every_genuine_container(formats, name, format_name):
    info = media.probe(formats / name)
    assert info.format_name == format_name and info.has_audio
    assert 8 < info.duration_s < 15 and info.header_duration_s == pytest.approx(info.duration_s, abs=1.0)


@pytest.mark.parametrize(("source", "name"), [("lesson.mp4", "lesson.wav"), ("lesson.wav", "lesson.mp3")])
def test_it_refuses_contents_that_do_not_match_the_extension(formats, tmp_path, source, name):
    """The rule: the extension decides the one demuxer that may open a file, so an MP4 renamed
    .wav is refused (not_media) rather than opened as whatever its bytes claim."""
    renamed = tmp_path / name
    renamed.write_bytes((formats / source).read_bytes())
    with pytest.raises(AnalysisError) as caught:
        media.probe(renamed)
    assert caught.value.code == "not_media"
    assert "does not match its name" in caught.value.message


def test_the_given_name_decides_for_a_file_without_an_extension(formats, tmp_path):
    """A chunked upload's part file has no extension of its own: the user's name counts."""
    part = tmp_path / "0b1c.part"
    part.write_bytes((formats / "lesson.mp4").read_bytes())
    assert media.probe(part, name="lesson.mp4").has_video
    for name in (None, "lesson.txt", "lesson.m3u8"):
        with pytest.raises(AnalysisError) as caught:
            media.probe(part, name=name)
        assert caught.value.code == "not_media"


def test_every_ffmpeg_input_is_a_whitelisted_local_file():
    from analysis import ffmpeg_input

    args = ffmpeg_input.input_args("concat:a.mp4|b.mp4", demuxer="mov")
    assert args[:4] == ["-protocol_whitelist", "file,pipe", "-format_whitelist", "mov"]
    assert args[-2] == "-i" and args[-1].startswith("file:/") and args[-1].endswith("concat:a.mp4|b.mp4")


def test_a_frame_over_the_caps_is_refused(media_dir):
    for options in (media.MediaOptions(max_video_side=1000), media.MediaOptions(max_video_pixels=1280 * 700)):
        with pytest.raises(AnalysisError) as caught:
            media.probe(media_dir / "lesson.mp4", options)
        assert caught.value.code == "too_large_frame" and "1280x720" in caught.value.message
