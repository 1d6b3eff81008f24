"""Dashboard: the vendor's day, figures, attention items and charts."""
