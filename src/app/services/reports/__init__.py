"""Reports: tax per rate and currency, receivables ageing, revenue by customer; pages, CSV and PDF."""
