"""Autopay: charge an invoice's amount due to the customer's saved card off-session, retry declines, tell the customer."""
