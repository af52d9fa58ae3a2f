"""Transcript-only question labels: lines of text labelled and cached (``labelling``), and their
API (``apis``)."""
