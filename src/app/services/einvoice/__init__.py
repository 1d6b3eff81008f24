"""E-invoices: EN 16931 documents as Factur-X (CII in a PDF/A-3) and Peppol BIS Billing 3.0 (UBL 2.1)."""
