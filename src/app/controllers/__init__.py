"""HTTP controllers, one module per resource; ROUTE_HANDLERS is what the app mounts."""

from app.controllers.audit import AuditController
from app.controllers.auth import AuthController
from app.controllers.customers import CustomerController
from app.controllers.credit_notes import CreditNoteController
from app.controllers.dashboard import DashboardController
from app.controllers.events import events
from app.controllers.health import favicon, health, ready
from app.controllers.invoices_editor import InvoiceEditorController
from app.controllers.invoices_send import InvoiceEmailController
from app.controllers.invoices_payments import InvoicePaymentsController
from app.controllers.invoices_pdf import InvoicePdfController
from app.controllers.invoices_schedule import InvoiceScheduleController
from app.controllers.invoices import InvoiceController
from app.controllers.members import AccountController, CloseAccountController, InvitationController, MembersController
from app.controllers.outbox import OutboxController
from app.controllers.pay import PayController
from app.controllers.invoices_payment_link import PaymentLinkController
from app.controllers.payments import PaymentsController
from app.controllers.reports import ReportsController
from app.controllers.settings_reminders import ReminderSettingsController
from app.controllers.settings import SettingsController
from app.controllers.settings_stripe import StripeSettingsController
from app.controllers.settings_stripe_check import StripeCheckController
from app.controllers.webhooks import WebhookController

ROUTE_HANDLERS: list = [
    health,
    ready,
    favicon,
    AuthController,
    DashboardController,
    events,
    SettingsController,
    StripeSettingsController,
    StripeCheckController,
    PaymentLinkController,
    PayController,
    WebhookController,
    CustomerController,
    CreditNoteController,
    InvoiceController,
    InvoiceEditorController,
    OutboxController,
    InvoiceEmailController,
    InvoicePdfController,
    InvoicePaymentsController,
    InvoiceScheduleController,
    PaymentsController,
    ReminderSettingsController,
    ReportsController,
    MembersController,
    InvitationController,
    AccountController,
    AuditController,
    CloseAccountController,
]
