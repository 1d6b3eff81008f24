"""Re-encrypt every stored Stripe secret with the current SECRET_KEY (after a rotation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app import encryption
from app.db import write_transaction
from app.tables.api import WebhookEndpoint
from app.tables.payments import PlatformWebhookEndpoint, StripeConnection

# (table, its encrypted columns): every secret PayPort keeps (outgoing webhook endpoints' signing secrets too).
ENCRYPTED = ((StripeConnection, ("secret_key_enc", "webhook_secret_enc")), (PlatformWebhookEndpoint, ("secret_enc",)),
             (WebhookEndpoint, ("secret_enc",)))


@dataclass
class RotationReport:
    """How many secrets now use the current key, and those no configured key could read (left unchanged)."""

    rotated: int = 0
    unreadable: list[str] = field(default_factory=list)


async def rotate_secrets() -> RotationReport:
    """Re-encrypt each stored secret with the current key, in one transaction; unreadable ones stay as they are."""
    report = RotationReport()
    async with write_transaction():
        for table, columns in ENCRYPTED:
            for row in await table.select(table.id, *(getattr(table, c) for c in columns)):
                changes = {}
                for column in columns:
                    if not row[column]:
                        continue
                    try:
                        changes[getattr(table, column)] = encryption.reencrypt(row[column])
                    except encryption.SecretUnreadable:
                        report.unreadable.append(f"{table._meta.tablename} {row['id']} {column}")
                if changes:
                    await table.update(changes).where(table.id == row["id"])
                    report.rotated += len(changes)
    return report
