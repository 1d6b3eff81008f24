"""Quotes: the editor, numbering and sending, the customer's answer, conversion to an invoice, views."""
