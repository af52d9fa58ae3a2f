"""Cultivate's analysis pipeline: plain Python, no Django.

Stages are flat modules (``media``, ``speech``) orchestrated by ``pipeline.run``.
"""

from analysis.errors import AnalysisError, Cancelled
from analysis.pipeline import SCHEMA, PipelineOptions, Result, run

__all__ = ["SCHEMA", "AnalysisError", "Cancelled", "PipelineOptions", "Result", "run"]
