"""The customer portal: sign-in links and sessions (access), what it lists (sections), statements."""
