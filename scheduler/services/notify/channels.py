"""The two ways out: email over SMTP (standard library smtplib) and a team's incoming webhook.

Both carry an idempotency key derived from the delivery's id (the email's Message-ID, the
webhook's `Idempotency-Key` header), so a message sent twice can be recognised as one by mail
clients and receivers (docs/notifications.md#delivery-guarantees).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qsl, unquote, urlsplit

from scheduler.store import DeliveryRow

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = ("1", "true", "yes")


class DeliveryError(Exception):
    """A message that could not be delivered this time: the sentence says where and why."""


class SmtpUrlError(ValueError):
    """A `ROTA_SMTP_URL` that cannot be used; the message says which part is wrong."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes: host, port, TLS (`smtps` from the start, or STARTTLS) and a login."""

    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    def where(self) -> str:
        """Name the server for messages: 'smtp.example:587' (never the password)."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read `smtp://user:pass@host:port?starttls=1` or `smtps://...` (notifications.md#settings).

    Raises SmtpUrlError naming the part that is wrong: scheme, host, port or an option.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise SmtpUrlError(f"ROTA_SMTP_URL: {err}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise SmtpUrlError(
            f'ROTA_SMTP_URL: the scheme must be smtp:// or smtps://, got "{parts.scheme}"'
        )
    if not parts.hostname:
        raise SmtpUrlError("ROTA_SMTP_URL: no host, e.g. smtp://mail.example:587")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"starttls"})
    if unknown:
        raise SmtpUrlError(f"ROTA_SMTP_URL: unknown option {unknown[0]!r}; expected starttls=1")
    starttls = options.get("starttls", "").lower() in TRUE
    if starttls and parts.scheme == "smtps":
        raise SmtpUrlError("ROTA_SMTP_URL: smtps:// is TLS already; starttls=1 is for smtp://")
    return SmtpSettings(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        ssl=parts.scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def message_id(delivery: DeliveryRow, mail_from: str) -> str:
    """Return the email's Message-ID, the same on every attempt: '<rota-delivery-7@host>'."""
    address = parseaddr(mail_from)[1]
    domain = address.rsplit("@", 1)[-1] if "@" in address else "rota.invalid"
    return f"<rota-delivery-{delivery.id}@{domain}>"


def email_message(
    delivery: DeliveryRow, mail_from: str, base_url: str | None, now: datetime, link: str | None
) -> EmailMessage:
    """Build the email of a delivery: plain text, the page's address at the end if known."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = delivery.target
    message["Subject"] = delivery.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(delivery, mail_from)
    body = delivery.body
    if link and base_url:
        body += f"\n\n{base_url.rstrip('/')}{link}"
    message.set_content(body + "\n\n-- \nRota, the on-call scheduler\n")
    return message


def send_email(smtp: SmtpSettings, message: EmailMessage, timeout: float) -> None:
    """Hand one email to the SMTP server; raise DeliveryError saying what went wrong."""
    try:
        if smtp.ssl:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(message)
    except TimeoutError:
        raise DeliveryError(f"SMTP server {smtp.where()} timed out after {timeout:g}s") from None
    except ConnectionRefusedError:
        raise DeliveryError(f"SMTP server {smtp.where()} refused the connection") from None
    except smtplib.SMTPServerDisconnected as err:
        # smtplib reports a read that timed out as a disconnection "...: timed out".
        if str(err).endswith("timed out"):
            raise DeliveryError(
                f"SMTP server {smtp.where()} timed out after {timeout:g}s"
            ) from None
        raise DeliveryError(f"SMTP server {smtp.where()}: {err}") from None
    except smtplib.SMTPRecipientsRefused as err:
        refused = "; ".join(f"{k}: {v[0]} {_text(v[1])}" for k, v in err.recipients.items())
        raise DeliveryError(
            f"SMTP server {smtp.where()} refused the recipient ({refused})"
        ) from None
    except smtplib.SMTPResponseException as err:
        raise DeliveryError(
            f"SMTP server {smtp.where()} answered {err.smtp_code} {_text(err.smtp_error)}"
        ) from None
    except (smtplib.SMTPException, OSError) as err:
        raise DeliveryError(f"SMTP server {smtp.where()}: {err or type(err).__name__}") from None


def post_webhook(delivery: DeliveryRow, timeout: float) -> None:
    """POST `{"text": ...}` to the team's webhook; raise DeliveryError unless it answers 2xx."""
    request = urllib.request.Request(
        delivery.target,
        data=json.dumps({"text": slack_escaped(delivery.body)}).encode(),
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Rota notifications",
            "Idempotency-Key": f"rota-delivery-{delivery.id}",
        },
        method="POST",
    )
    where = _host(delivery.target)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as err:
        detail = _text(err.read(200)) if err.fp else ""
        raise DeliveryError(f"webhook {where} answered HTTP {err.code} {detail}".rstrip()) from None
    except TimeoutError:
        raise DeliveryError(f"webhook {where} timed out after {timeout:g}s") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise DeliveryError(f"webhook {where} timed out after {timeout:g}s") from None
        raise DeliveryError(f"webhook {where} unreachable: {err.reason}") from None
    except OSError as err:
        raise DeliveryError(f"webhook {where}: {err}") from None


def slack_escaped(text: str) -> str:
    """Escape &, < and > as Slack asks, so names cannot ping channels or forge links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]
