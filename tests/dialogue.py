"""Synthetic two-voice dialogues with exact ground truth, for tests and benchmarks.

espeak-ng speaks each turn; leading and trailing silence is trimmed so every turn's start
and end are known to the sample, and the pauses between turns are exactly as scripted.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

RATE = 22_050

# (espeak voice, pitch 0-99, words per minute)
VOICES = {
    "teacher": ("en-us", 40, 150),
    "child": ("en-us+f4", 90, 140),
    "coach": ("en-gb", 45, 155),
    "teacher2": ("en-us+f2", 60, 150),
    "woman_teacher": ("en-us+f3", 45, 150),  # with "girl": teacher and child, both female voices
    "girl": ("en-us+f4", 85, 145),
}


@dataclass
class Turn:
    speaker: str  # a key of VOICES
    text: str
    label: str = ""  # OEQ, CEQ, NQ for the asker's lines; "" for answers
    pause_after: float = 1.0  # seconds of silence before the next turn
    start: float = 0.0
    end: float = 0.0


def speak(voice: str, pitch: int, wpm: int, text: str, workdir: Path) -> np.ndarray:
    path = workdir / "turn.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples


def render(turns: list[Turn], out: Path, lead_in: float = 0.5) -> list[Turn]:
    """Speak ``turns`` into the WAV file ``out``; fill in each turn's start and end.

    Also writes ``out`` with suffix ``.json`` holding the turns (the ground truth).
    """
    pieces = [np.zeros(int(lead_in * RATE), np.float32)]
    t = lead_in
    with tempfile.TemporaryDirectory() as tmp:
        for turn in turns:
            voice, pitch, wpm = VOICES[turn.speaker]
            audio = speak(voice, pitch, wpm, turn.text, Path(tmp))
            turn.start, turn.end = round(t, 4), round(t + audio.size / RATE, 4)
            pieces += [audio, np.zeros(int(round(turn.pause_after * RATE)), np.float32)]
            t = turn.end + int(round(turn.pause_after * RATE)) / RATE
    samples = np.concatenate(pieces)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    out.with_suffix(".json").write_text(json.dumps([asdict(x) for x in turns], indent=1))
    return turns


def lesson_turns(asker: str = "teacher", answerer: str = "child") -> list[Turn]:
    """A short lesson: questions of each kind, instructions, answers, varied wait times."""
    a, b = asker, answerer
    return [
        Turn(a, "Good morning friends. Today we are going to plant some seeds.", "NQ", 0.8),
        Turn(a, "What do you think a seed needs to grow?", "OEQ", 2.5),
        Turn(b, "I think it needs water and sunshine.", "", 1.0),
        Turn(a, "Is the soil wet or dry?", "CEQ", 1.2),
        Turn(b, "It is dry.", "", 0.9),
        Turn(a, "Please put your cups on the table.", "NQ", 1.5),
        Turn(a, "How many seeds are in your hand?", "CEQ", 0.7),
        Turn(b, "Three seeds.", "", 1.1),
        Turn(a, "Why do you think the plant by the window grew so tall?", "OEQ", 3.2),
        Turn(b, "Because it wanted to reach the light from the sun.", "", 0.8),
        Turn(a, "Tell me about the roots you can see.", "OEQ", 2.0),
        Turn(b, "They are white and thin like hair.", "", 1.0),
        Turn(a, "Did you water your plant yesterday?", "CEQ", 1.4),
        Turn(b, "Yes I did.", "", 1.0),
    ]
