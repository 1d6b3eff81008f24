"""Business rules; no Litestar imports here."""
