"""Media: recordings checked and stored (``uploads``), resumable chunked uploads (``chunked``),
converter jobs (``conversions``) and short-lived download links (``file_links``). Where a
job's files live is ``jobs.layout``."""
