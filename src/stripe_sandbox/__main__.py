"""`python -m stripe_sandbox`."""

from stripe_sandbox.cli import main

main()
