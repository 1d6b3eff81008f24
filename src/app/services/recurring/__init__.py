"""Recurring profiles: an invoice made again each period, exactly once per period, by an in-process scheduler."""
