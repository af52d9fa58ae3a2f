"""Billing: what each job costs (``costs``), the tenant's monthly budget and its holds
(``budgets``), and the usage API (``apis``)."""
