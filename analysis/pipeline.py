"""Run the stages over one media file and gather a ``cultivate.result/1`` result.

The caller passes two callbacks, so this package never touches a database, a queue or a
socket: ``on_progress(stage, fraction)`` reports overall progress in 0..1 and
``should_cancel()`` is polled between stages and inside long ones.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from analysis import discourse, highlights, media, prosody, qa, questions, render, speakers, speech, vad, visual
from analysis.devices import bound_heap, torch_device
from analysis.errors import Cancelled

SCHEMA = "cultivate.result/1"

# Stage name -> (start, end) of its share of overall progress. Transcription dominates.
STAGES = {
    "probing": (0.0, 0.02),
    "decoding": (0.02, 0.06),
    "transcribing": (0.06, 0.82),
    "speakers": (0.82, 0.93),
    "discourse": (0.93, 0.96),
    "voice": (0.96, 0.97),
    "rendering": (0.97, 0.995),
    "checking": (0.995, 1.0),
}
# A transcript is flagged as doubtful below this mean word probability, or when more than
# this share of its segments failed Whisper's quality checks.
LOW_CONFIDENCE = 0.45
DOUBTFUL_SHARE = 0.3

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]


@dataclass
class PipelineOptions:
    """Attributes:
    media: Limits and ffmpeg threads for probing and decoding.
    speech: Whisper model and decoding choices.
    """

    media: media.MediaOptions = field(default_factory=media.MediaOptions)
    speech: speech.TranscribeOptions = field(default_factory=speech.TranscribeOptions)
    vad: vad.VadOptions = field(default_factory=vad.VadOptions)
    speakers: speakers.DiarizeOptions = field(default_factory=speakers.DiarizeOptions)
    discourse: discourse.DiscourseOptions = field(default_factory=discourse.DiscourseOptions)
    visual: visual.VisualOptions = field(default_factory=visual.VisualOptions)
    highlights: highlights.HighlightOptions = field(default_factory=highlights.HighlightOptions)
    render: render.RenderOptions = field(default_factory=render.RenderOptions)
    qa: qa.QaOptions = field(default_factory=qa.QaOptions)
    render_dir: str | None = None  # where clips go; None renders nothing


@dataclass
class Result:
    """What the pipeline found; ``to_dict()`` is the ``cultivate.result/1`` document."""

    media: media.MediaInfo
    segments: list[speech.Segment]
    language: str
    timings: dict[str, dict]
    models: dict[str, dict]
    source_name: str = ""
    speakers: list[discourse.SpeakerStats] = field(default_factory=list)
    overlaps: list[speakers.Overlap] = field(default_factory=list)
    questions: list[discourse.Question] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    prosody: dict = field(default_factory=dict)
    session: str = "classroom"
    notes: list[str] = field(default_factory=list)
    visual: dict = field(default_factory=dict)
    highlights: list[highlights.Highlight] = field(default_factory=list)
    qa: dict | None = None

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "source": {"name": self.source_name},
            "media": self.media.to_dict(),
            "language": self.language,
            "session": self.session,
            "segments": [s.to_dict() for s in self.segments],
            "speakers": [asdict(s) for s in self.speakers],
            "overlaps": [asdict(o) for o in self.overlaps],
            "questions": [asdict(q) for q in self.questions],
            "metrics": self.metrics,
            "prosody": self.prosody,
            "visual": self.visual,
            "highlights": [h.to_dict() for h in self.highlights],
            "qa": self.qa,
            "notes": self.notes,
            "timings": self.timings,
            "models": self.models,
        }


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished child processes (ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU seconds per stage, for ``Result.timings`` and cost accounting."""

    def __init__(self) -> None:
        self.timings: dict[str, dict] = {}
        # Stages overlap on threads, so the job's CPU seconds are the process's, not a sum;
        # with the ffmpeg children's (decoding, encoding, checking), which process_time misses.
        self.cpu_start = _cpu_seconds()

    def measure(self, stage: str, device: str, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            self.timings[stage] = {
                "wall_s": round(time.perf_counter() - wall, 3),
                "cpu_s": round(time.process_time() - cpu, 3),
                "device": device,
            }


def run(
    source: str | os.PathLike,
    options: PipelineOptions | None = None,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
) -> Result:
    """Analyse one local media file.

    Args:
      source: Path to a video or audio file.
      options: Stage options; defaults work on any machine.
      on_progress: ``(stage, overall_fraction)``; called often, the caller throttles.
      should_cancel: Returns True to stop; the pipeline then raises ``Cancelled``.
    Returns:
      The result; nothing is written anywhere.
    Raises:
      AnalysisError: bad media (permanent) or a missing model (not permanent).
      Cancelled: when ``should_cancel`` asked to stop.
    """
    options = options or PipelineOptions()
    bound_heap()

    def report(stage: str, fraction: float) -> None:
        if on_progress:
            lo, hi = STAGES[stage]
            on_progress(stage, round(lo + (hi - lo) * min(max(fraction, 0.0), 1.0), 4))

    def check_cancel() -> None:
        if should_cancel and should_cancel():
            raise Cancelled()

    clock = _Clock()
    total_start = time.perf_counter()
    report("probing", 0.0)
    info = clock.measure("probe", "cpu", media.probe, source, options.media)
    check_cancel()
    # The video branch runs beside the audio branch: ffmpeg decoding and OpenCV release the GIL.
    # It stops early when the caller cancels or the audio branch fails.
    stop = threading.Event()

    def video_should_stop() -> bool:
        return stop.is_set() or bool(should_cancel and should_cancel())

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="visual")
    seen = pool.submit(
        clock.measure, "visual", "cpu", visual.analyse, source, info.display_size, options.visual, video_should_stop
    )
    try:
        return _Run(source, info, options, clock, report, should_cancel, seen, total_start).all()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Run:
    """One file's analysis after the probe, a method per branch; the visual branch is already
    running in ``seen``."""

    source: str | os.PathLike
    info: media.MediaInfo
    options: PipelineOptions
    clock: _Clock
    report: Callable[[str, float], None]
    should_cancel: CancelFn | None
    seen: Future
    total_start: float

    def check_cancel(self) -> None:
        if self.should_cancel and self.should_cancel():
            raise Cancelled()

    def all(self) -> Result:
        audio = self.decode()
        encoder_device = "cpu" if self.options.speakers.method == "mfcc" else torch_device(self.options.speakers.device)
        transcript, spans, diarization = self.words_and_voices(audio, encoder_device)
        talk = self.discourse(transcript, spans, diarization)
        self.report("voice", 0.0)
        voice = self.clock.measure("prosody", "cpu", _prosody, audio, diarization, talk)
        seen_video = self.seen.result()
        metrics = {
            **talk.metrics,
            **_overlap_metrics(diarization.overlaps),
            **_responder_visual(talk.questions, seen_video),
        }
        picked, quality, render_notes = self.highlights(talk, diarization, seen_video)
        self.clock.timings["total"] = {
            "wall_s": round(time.perf_counter() - self.total_start, 3),
            "cpu_s": round(_cpu_seconds() - self.clock.cpu_start, 3),
        }
        return Result(
            media=self.info,
            segments=talk.segments,
            language=transcript.language,
            timings=self.clock.timings,
            models={
                "whisper": transcript.model,
                "vad": {"name": "silero-vad", "engine": "onnxruntime (bundled with faster-whisper)", "device": "cpu"},
                "speakers": {
                    "name": diarization.method,
                    "clustering": self.options.speakers.clustering,
                    "device": encoder_device,
                    "count_requested": self.options.speakers.speakers,
                },
                "faces": visual.model_info(self.options.visual),
                "questions": {"name": "ngram-minilm-logreg", "version": questions.model_version()},
            },
            source_name=os.path.basename(os.fspath(self.source)),
            speakers=talk.speakers,
            overlaps=diarization.overlaps,
            questions=talk.questions,
            metrics=metrics,
            prosody=voice,
            session=self.options.discourse.session,
            notes=diarization.notes
            + talk.notes
            + _transcript_notes(transcript, spans)
            + seen_video.notes
            + render_notes,
            visual=seen_video.to_dict(),
            highlights=picked,
            qa=quality,
        )

    def decode(self):
        self.report("decoding", 0.0)
        audio = self.clock.measure(
            "decode_audio",
            "cpu",
            media.decode_audio,
            self.source,
            expected_duration_s=self.info.duration_s,
            threads=self.options.media.threads,
            max_duration_s=self.options.media.max_duration_s,  # whatever the file said, never decode past the limit
        )
        self.check_cancel()
        return audio

    def words_and_voices(self, audio, encoder_device: str):
        """The transcript, with who spoke when worked out beside it (it needs the audio, not the words)."""
        stop = threading.Event()
        side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speakers")
        voices = side.submit(_who_spoke, audio, self.options, self.clock, encoder_device, stop)
        try:
            self.report("transcribing", 0.0)
            transcript = self.clock.measure(
                "transcribe",
                speech.describe_model(self.options.speech)["device"],
                speech.transcribe,
                audio,
                self.options.speech,
                on_progress=lambda f: self.report("transcribing", f),
                should_cancel=self.should_cancel,
            )
            self.check_cancel()
            self.report("speakers", 0.0)
            spans, diarization = voices.result()
        finally:
            stop.set()
            side.shutdown(wait=True, cancel_futures=True)
        self.check_cancel()
        return transcript, spans, diarization

    def discourse(self, transcript, spans, diarization) -> discourse.Discourse:
        self.report("discourse", 0.0)
        segments = discourse.attribute(transcript.segments, diarization.turns)
        # Talk time counts speech heard as one voice: overlapped stretches are reported apart.
        solo = speakers.without_overlaps(diarization.turns, diarization.overlaps)
        talk = self.clock.measure(
            "discourse", "cpu", discourse.analyse, segments, solo, spans, self.info.duration_s, self.options.discourse
        )
        self.check_cancel()
        return talk

    def highlights(self, talk, diarization, seen_video):
        """At most five moments; rendered and checked when there is a picture and a folder."""
        engagement = {q.start: q.responder_visual.get("engagement") for q in talk.questions}
        picked = highlights.pick(
            talk.questions, diarization.turns, talk.segments, self.info.duration_s, engagement, self.options.highlights
        )
        quality = None
        if self.options.render_dir and picked and self.info.display_size:
            self.report("rendering", 0.0)
            clips = self.clock.measure(
                "render", "cpu", render.render, self.source, self.info, picked, seen_video.samples, talk.segments,
                self.options.render_dir, self.options.render, self.should_cancel,
            )  # fmt: skip
            self.check_cancel()
            self.report("checking", 0.0)
            paths = [os.path.join(self.options.render_dir, c.video) for c in clips]
            quality = self.clock.measure("qa", "cpu", qa.check, paths, self.options.qa)
        self.report("checking", 1.0)
        notes = []
        if self.options.render_dir and picked and not self.info.display_size:
            notes.append("No video stream: highlight clips were not rendered.")
        return picked, quality, notes


def _who_spoke(audio, options: PipelineOptions, clock: _Clock, encoder_device: str, stop: threading.Event):
    """Speech spans and speaker turns (the side branch that runs beside transcription)."""
    spans = clock.measure("vad", "cpu", vad.detect_speech, audio, options.vad)
    diarization = clock.measure(
        "speakers", encoder_device, speakers.diarize, audio, spans, options.speakers, should_stop=stop.is_set
    )
    return spans, diarization


def _overlap_metrics(overlaps: list[speakers.Overlap]) -> dict:
    """How much speech was heard as two voices at once (kept out of every talk share)."""
    return {"overlap_count": len(overlaps), "overlap_s": round(sum(o.end - o.start for o in overlaps), 2)}


def _responder_visual(asked: list[discourse.Question], seen: visual.Visual, after_s: float = 5.0) -> dict:
    """Motion and engagement in the seconds after each question, summarised per label."""
    out = {}
    for q in asked:
        q.responder_visual = visual.summarise(seen.samples, q.end, q.end + after_s)
    for label in ("OEQ", "CEQ"):
        values = [
            q.responder_visual for q in asked if q.label == label and q.responder_visual["engagement"] is not None
        ]
        key = label.lower()
        out[f"{key}_after_engagement"] = (
            round(sum(v["engagement"] for v in values) / len(values), 3) if values else None
        )
        out[f"{key}_after_motion"] = round(sum(v["motion"] for v in values) / len(values), 3) if values else None
    return out


def _prosody(audio, diarization: speakers.Diarization, talk: discourse.Discourse) -> dict:
    """Voice measures per speaker (also copied onto each speaker's stats) and for the file."""
    per_speaker = {}
    for stats in talk.speakers:
        spans = [(t.start, t.end) for t in diarization.turns if t.speaker == stats.id]
        stats.voice = asdict(prosody.voice_stats(audio, spans))
        per_speaker[stats.id] = stats.voice
    turns = [(t.start, t.end, t.speaker) for t in diarization.turns]
    words = sorted((w.start, w.end, s.speaker) for s in talk.segments for w in s.words)
    integrated, lra = prosody.loudness(audio)
    return {
        "file": {
            "loudness_lufs": integrated,
            "loudness_range_lu": lra,
            "measured_on": "16 kHz mono analysis signal (BS.1770 K-weighting, EBU R128 gating)",
        },
        "speakers": per_speaker,
        "pauses": asdict(prosody.pauses(turns)),
        "overlaps": asdict(prosody.overlaps(words)),
    }


def _transcript_notes(transcript: speech.Transcript, spans) -> list[str]:
    words = [w for s in transcript.segments for w in s.words]
    if spans and not words:
        return ["Sound was detected but no words were recognised: it may be music, noise, or speech not in English."]
    doubtful = transcript.doubtful_share > DOUBTFUL_SHARE
    if words and (doubtful or sum(w.probability for w in words) / len(words) < LOW_CONFIDENCE):
        return ["The transcript has low confidence: the speech may not be in English, or may be music or noise."]
    return []
