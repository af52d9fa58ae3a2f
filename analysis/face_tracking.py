"""Faces followed from sample to sample: track ids, hysteresis, and the face the camera follows.

The tracker gives each face a ``track`` id kept from sample to sample by nearest-centre
association and decides which face is followed (the teacher): the largest face at first,
the same person afterwards, changed only after it has been missed for a while. A track is
reported only once one of its faces has scored ``TrackOptions.confirm_score``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.faces import Face


@dataclass
class TrackOptions:
    """Attributes:
    match_distance: A face continues a track when its centre is within this many face widths
      of where the track was last seen (and this many more per further second unseen).
    size_ratio: ... and its width is within this factor of the track's.
    max_gap_s: A track unseen for longer than this ends.
    switch_after_s: The followed face changes to another only once it has been missed for
      this long; until then no face is followed in the samples that miss it.
    confirm_score: A track is reported only once one of its faces has scored at least this
      (hysteresis, as in edge linking): a real face, even a dim or small one, scores high
      now and then, and then every weaker sighting of it counts; a patch of background that
      the detector scores just over its own threshold never does.
    """

    match_distance: float = 1.0
    size_ratio: float = 2.0
    max_gap_s: float = 5.0
    switch_after_s: float = 3.0
    confirm_score: float = 0.6


@dataclass
class _Track:
    id: int
    face: Face
    last: int  # index of the last sample that saw it
    confirmed: bool = True  # False until a face of it scores confirm_score (TrackOptions)


class Tracker:
    """Gives faces track ids across samples and keeps the followed face the same person.

    Invariants: a track id is never reused; a sample has at most one face per track; a face
    is reported only once a face of its track has scored ``confirm_score``; the followed track changes only once it has been missed for ``switch_after_s`` (or has ended),
    and then to the largest face in view.
    """

    def __init__(self, options: TrackOptions | None = None, sample_fps: float = 1.0):
        self.options = options or TrackOptions()
        self.fps = sample_fps
        self._tracks: list[_Track] = []
        self._next = 1
        self._index = -1
        self.followed: int | None = None
        self._missed = 0

    def update(self, found: list[Face]) -> tuple[list[Face], Face | None]:
        """Add the next sample's faces.

        Returns:
          The faces with ``track`` set, the followed one first when it is seen (then the
          others, largest first), and the followed face or None.
        """
        self._index += 1
        o = self.options
        self._tracks = [t for t in self._tracks if (self._index - t.last) / self.fps <= o.max_gap_s]
        pairs = []
        for ti, track in enumerate(self._tracks):
            reach = o.match_distance * max(1.0, (self._index - track.last) / self.fps)
            for fi, face in enumerate(found):
                ratio = max(face.w, track.face.w) / max(1, min(face.w, track.face.w))
                distance = np.hypot(*np.subtract(_centre(face), _centre(track.face))) / max(face.w, track.face.w)
                if ratio <= o.size_ratio and distance <= reach:
                    pairs.append((distance, ti, fi))
        ids: dict[int, int] = {}
        shown: set[int] = set()
        for _, ti, fi in sorted(pairs):  # nearest first: greedy, enough for a handful of faces
            track = self._tracks[ti]
            if fi not in ids and track.last < self._index:
                ids[fi] = track.id
                track.face, track.last = found[fi], self._index
                track.confirmed = track.confirmed or found[fi].score >= o.confirm_score
                if track.confirmed:
                    shown.add(fi)
        for fi, face in enumerate(found):
            if fi not in ids:
                ids[fi] = self._next
                confirmed = face.score >= o.confirm_score
                self._tracks.append(_Track(self._next, face, self._index, confirmed))
                self._next += 1
                if confirmed:
                    shown.add(fi)
        out = [replace(face, track=ids[fi]) for fi, face in enumerate(found) if fi in shown]
        main = self._follow(out)
        rest = sorted((f for f in out if f is not main), key=lambda f: -f.w * f.h)
        return ([main] if main else []) + rest, main

    def _follow(self, faces: list[Face]) -> Face | None:
        main = next((f for f in faces if f.track == self.followed), None)
        if main is not None:
            self._missed = 0
            return main
        self._missed += 1
        ended = all(t.id != self.followed for t in self._tracks)
        if faces and (self.followed is None or ended or self._missed / self.fps >= self.options.switch_after_s):
            main = max(faces, key=lambda f: f.w * f.h)
            self.followed, self._missed = main.track, 0
        return main


def _centre(face: Face) -> tuple[float, float]:
    return face.x + face.w / 2, face.y + face.h / 2
