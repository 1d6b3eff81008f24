"""Piccolo tables; every row that belongs to a vendor carries it."""
