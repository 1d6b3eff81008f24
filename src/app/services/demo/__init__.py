"""Demo data for make run: the demo vendor gets a realistic first look (never in production)."""
