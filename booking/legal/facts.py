"""What the legal pages say about the service itself, taken from its real settings at
render time: how long a time is held and data is kept, who receives it. The admin's
text names them as {{placeholders}}; a fact the settings do not know becomes a blank
to fill, marked like the template's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from booking.services.erasure import Retention
from booking.services.practice import PracticeDetails

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class LegalFacts:
    practice_name: str
    practice_email: str
    practice_phone: str
    booking_site: str  # the service's host name, as visitors see it in the address bar
    hold_minutes: int  # how long an unconfirmed request keeps its time
    retention: Retention
    mail_server: str  # the SMTP server's host; "" when mail is only written to files
    video_hosts: tuple[str, ...]  # hosts of the therapists' online meeting rooms
    webhook_hosts: tuple[str, ...]  # receivers of booking events that include client data

    @classmethod
    def of(cls, config: Mapping[str, Any], *, practice: PracticeDetails | None = None,
           video_hosts: tuple[str, ...] = (), webhook_hosts: tuple[str, ...] = ()) -> LegalFacts:
        """The facts from the settings and, where the admin saved them, the practice's
        details (else the PRACTICE_* settings)."""
        mail = urlsplit(config["MAIL_URL"])
        practice = practice or PracticeDetails.from_config(config)
        return cls(
            practice_name=practice.name, practice_email=practice.email,
            practice_phone=practice.phone,
            booking_site=urlsplit(config["BASE_URL"]).hostname or "",
            hold_minutes=config["BOOKING_HOLD_MINUTES"],
            retention=Retention.from_config(config),
            mail_server=(mail.hostname or "") if mail.scheme.startswith("smtp") else "",
            video_hosts=video_hosts, webhook_hosts=webhook_hosts,
        )

    def placeholders(self, language: str) -> dict[str, str]:
        """{{name}} -> what it stands for, in `language` ("de" or "en")."""
        words = _WORDS[language]
        return {
            "practice_name": self.practice_name,
            "practice_email": self.practice_email,
            "practice_phone": self.practice_phone or words["phone_blank"],
            "booking_site": self.booking_site,
            "hold_minutes": str(self.hold_minutes),
            "retention_unconfirmed": _period(self.retention.unconfirmed_days, words, "lapsed"),
            "retention_cancelled": _period(self.retention.cancelled_days, words, "cancelled"),
            "retention_completed": _period(self.retention.completed_days, words, "took_place"),
            "mail_server": self.mail_server or words["mail_blank"],
            "video_services": ", ".join(self.video_hosts) or words["video_blank"],
            "webhook_receivers": ", ".join(self.webhook_hosts) or words["no_webhooks"],
        }


# The names an admin may use, in the order the editor lists them.
PLACEHOLDERS = ("practice_name", "practice_email", "practice_phone", "booking_site",
                "hold_minutes", "retention_unconfirmed", "retention_cancelled",
                "retention_completed", "mail_server", "video_services", "webhook_receivers")

_WORDS = {
    "de": {
        "took_place": "bis {days} nach dem Termin (und nach der letzten Änderung der Buchung)",
        "cancelled": "bis {days} nach der Absage",
        "lapsed": "bis {days} nach Ablauf der Reservierung",
        "day": "{days} Tag", "days": "{days} Tage",
        "kept": "bis die Praxis sie löscht (keine automatische Löschfrist eingestellt)",
        "phone_blank": "[Telefonnummer eintragen]",
        "mail_blank": "[Mailserver des E-Mail-Anbieters eintragen]",
        "video_blank": "[Videodienst eintragen oder diesen Punkt streichen]",
        "no_webhooks": "keine",
    },
    "en": {
        "took_place": "until {days} after the appointment (and after the booking's last change)",
        "cancelled": "until {days} after the cancellation",
        "lapsed": "until {days} after the unconfirmed reservation lapsed",
        "day": "{days} day", "days": "{days} days",
        "kept": "until the practice erases them (no automatic erasure period is set)",
        "phone_blank": "[Enter the phone number]",
        "mail_blank": "[Enter the mail provider's server]",
        "video_blank": "[Enter the video service or remove this item]",
        "no_webhooks": "none",
    },
}


def _period(days: int, words: Mapping[str, str], counted_from: str) -> str:
    if not days:
        return words["kept"]
    return words[counted_from].format(days=words["day" if days == 1 else "days"].format(days=days))
