"""PayPort: an open invoice desk on top of Stripe."""

import os

# Piccolo finds its engine through this module path; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
