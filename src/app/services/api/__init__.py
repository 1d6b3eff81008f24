"""The public REST API's rules: API keys, idempotent replays, rate limits and the objects it answers with."""
