"""Mail: composing, the outbox, delivery, receipts, reminders and sending an invoice."""
