"""Invoices: totals, lifecycle, the editor, the list, documents, PDF, templates and CSV."""
