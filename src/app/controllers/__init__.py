"""HTTP controllers, one module per resource; ROUTE_HANDLERS is what the app mounts."""

from litestar import Router

from app.controllers._api import EXCEPTION_HANDLERS as API_EXCEPTION_HANDLERS, api_key_guard
from app.controllers.api_customers import ApiCustomerController
from app.controllers.api_invoices import ApiInvoiceController
from app.controllers.api_quotes import ApiQuoteController
from app.controllers.api_recurring import ApiRecurringController
from app.controllers.api_payments import (
    ApiCreditNoteController, ApiPaymentController, ApiPaymentLinkController, ApiRefundController,
)
from app.controllers.account import AccountController
from app.controllers.account_recovery import AccountRecoveryController
from app.controllers.account_two_factor import TwoFactorController, TwoFactorLoginController
from app.controllers.audit import AuditController
from app.controllers.auth import AuthController
from app.controllers.outbox_accounts import AccountMailboxController
from app.controllers.customers import CustomerController
from app.controllers.credit_notes import CreditNoteController
from app.controllers.dashboard import DashboardController
from app.controllers.events import events
from app.controllers.health import favicon, health, ready
from app.controllers.invoices_editor import InvoiceEditorController
from app.controllers.invoices_autopay import InvoiceAutopayController
from app.controllers.invoices_send import InvoiceEmailController
from app.controllers.invoices_payments import InvoicePaymentsController
from app.controllers.invoices_pdf import InvoicePdfController
from app.controllers.invoices_schedule import InvoiceScheduleController
from app.controllers.invoices import InvoiceController
from app.controllers.members import (
    AccountVendorController, CloseAccountController, InvitationController, MembersController,
)
from app.controllers.outbox import OutboxController
from app.controllers.pay import PayController
from app.controllers.quote_public import QuotePublicController
from app.controllers.quotes import QuoteController
from app.controllers.portal import PortalController, PortalInviteController, PortalSignInController
from app.controllers.invoices_payment_link import PaymentLinkController
from app.controllers.payments import PaymentsController
from app.controllers.recurring import RecurringController
from app.controllers.reports import ReportsController
from app.controllers.settings_reminders import ReminderSettingsController
from app.controllers.settings import SettingsController
from app.controllers.settings_stripe import StripeSettingsController
from app.controllers.settings_stripe_check import StripeCheckController
from app.controllers.settings_tax_rates import TaxRatesController
from app.controllers.webhooks import WebhookController
from app.controllers.settings_api import ApiKeySettingsController
from app.controllers.settings_webhooks import WebhookSettingsController
from app.controllers.settings_import import ImportController

# The public REST API: bearer API keys instead of the session, JSON errors in Stripe's shape, in the OpenAPI schema.
API_ROUTER = Router(
    path="/api/v1",
    route_handlers=[ApiCustomerController, ApiInvoiceController, ApiPaymentController, ApiRefundController,
                    ApiCreditNoteController, ApiPaymentLinkController, ApiQuoteController, ApiRecurringController],
    guards=[api_key_guard],
    exception_handlers=API_EXCEPTION_HANDLERS,
    include_in_schema=True,
    security=[{"ApiKey": []}],
)

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
    InvoiceAutopayController,
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
    TaxRatesController,
    QuoteController,
    QuotePublicController,
    PortalSignInController,
    PortalController,
    PortalInviteController,
    RecurringController,
    ApiKeySettingsController,
    WebhookSettingsController,
    ImportController,
    API_ROUTER,
    AccountController,
    AccountRecoveryController,
    TwoFactorController,
    TwoFactorLoginController,
    AccountMailboxController,
    MembersController,
    InvitationController,
    AccountVendorController,
    AuditController,
    CloseAccountController,
]
