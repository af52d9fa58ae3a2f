"""Webhooks: tenant endpoints and their signed deliveries (``deliveries``), requests to
tenant-given addresses made safe (``outbound``), and their API (``apis``)."""
