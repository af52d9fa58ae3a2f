"""Review: coaches' time-stamped comments (``comments``), corrections of a result
(``corrections``) and their API (``apis``), and share links of a clip for a teacher (``shares``)."""
