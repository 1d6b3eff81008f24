"""Live updates: channel backends, the browser stream, announcements and listeners."""
