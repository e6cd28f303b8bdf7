"""What the API takes and gives, as pydantic models: the same classes validate each
request and, through their JSON Schema, make the OpenAPI document (spec.py), so the
document cannot drift from what the code accepts.

Validators raise PydanticCustomError with a type of their own; problems.py turns
every error type into a message in the request's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from booking import validation
from booking.errors import InvalidInput
from booking.models import FIRST_SESSION_SLUG

MAX_DAYS = 62  # the longest range one availability call covers
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SOURCE_PATTERN = r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,119})?$"  # an article's slug, as on the form
Language = Literal["de", "en"]
Slug = Annotated[str, Field(max_length=80, pattern=SLUG_PATTERN)]


def _storable(value: Any) -> Any:
    """Text that every database can store: no NUL and nothing that is not UTF-8 (a
    lone surrogate from a JSON escape). Runs on every string of a request."""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul", "text must not contain a NUL character")
        try:
            value.encode()
        except UnicodeEncodeError:
            raise PydanticCustomError("encoding", "text must be valid Unicode") from None
    return value


# Instants outside these years cannot be slots, and near the ends of datetime's range
# they overflow when converted between zones (as the form's parse_start).
YEARS = range(2000, 2200)


def _plausible(value: date) -> date:
    if value.year not in YEARS:
        raise PydanticCustomError("year_range", "not a year anything can be booked in")
    return value


def _zone(name: str) -> str:
    try:
        return validation.timezone(name).key
    except InvalidInput:
        raise PydanticCustomError("timezone", "unknown time zone") from None


def _single_line(value: str) -> str:
    if any(ch in value for ch in "\r\n\t"):
        raise PydanticCustomError("single_line", "use a single line")
    return value


def _email(value: str) -> str:
    if not value:
        return value
    try:
        return validation.email(value)
    except InvalidInput:
        raise PydanticCustomError("email", "not a valid email address") from None


Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]
Day = Annotated[date, AfterValidator(_plausible)]
Zone = Annotated[str, Field(max_length=64, examples=["Europe/Berlin", "America/New_York"]),
                 AfterValidator(_zone)]
Line = Annotated[str, AfterValidator(_single_line)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class Request(BaseModel):
    """Every request body refuses unknown fields (a misspelt field would otherwise
    be silently ignored) and text no database can store."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def storable(cls, value: Any) -> Any:
        return _storable(value)


class Query(BaseModel):
    """Query parameters: unknown ones are ignored, as a web page's links may add some."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def storable(cls, value: Any) -> Any:
        return _storable(value)


class TherapistsQuery(Query):
    language: Language | None = Field(
        None, description="Only therapists who hold sessions in this language.")
    tz: Zone = Field("Europe/Berlin", description="The zone of `next_free_start`'s offset.")


class AvailabilityQuery(Query):
    start: Day | Instant = Field(
        description="From this date (midnight in `tz`) or instant (with its offset).",
        examples=["2026-06-01"])
    end: Day | Instant = Field(
        description=f"Up to this date (midnight in `tz`, exclusive) or instant; at most "
                    f"{MAX_DAYS} days after `start`.", examples=["2026-06-08"])
    tz: Zone = Field("Europe/Berlin", description="The zone dates are read in and the "
                                                  "slots' offsets are given in.")
    session_type: Slug = FIRST_SESSION_SLUG

    def instants(self) -> tuple[datetime, datetime]:
        return _instant(self.start, self.tz), _instant(self.end, self.tz)

    @model_validator(mode="after")
    def a_short_forward_range(self) -> AvailabilityQuery:
        start, end = self.instants()
        if end <= start:
            raise PydanticCustomError("range_reversed", "the end must be after the start")
        if end - start > timedelta(days=MAX_DAYS):
            raise PydanticCustomError("range_too_long", "at most {days} days per request",
                                      {"days": MAX_DAYS})
        return self


class TeamAvailabilityQuery(AvailabilityQuery):
    language: Language | None = Field(
        None, description="Only slots of therapists who hold sessions in this language.")


def _instant(value: date | datetime, zone: str) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time(), ZoneInfo(zone)).astimezone(UTC)


class BookingRequest(Request):
    """A visitor's booking, as the form takes it."""

    therapist: Slug | None = Field(
        None, description="The therapist's slug; none books whoever is free first "
                          "(among those speaking `language`, if given).")
    start: Instant = Field(description="A free slot's start, from an availability "
                                             "answer.")
    session_type: Slug = FIRST_SESSION_SLUG
    name: Line = Field(min_length=1, max_length=120)
    email: Email
    phone: Line = Field("", max_length=40)
    partner_name: Line = Field("", max_length=120)
    partner_email: Email = ""
    message: str = Field("", max_length=1000, description="No health details, please.")
    consent: bool = Field(description="The visitor agrees to the processing of their "
                                      "details; must be true.")
    locale: Language | None = Field(
        None, description="The language of the visitor's mails; the request's by default.")
    timezone: Zone = Field("Europe/Berlin", description="The visitor's zone, for mails.")
    source: str = Field("", max_length=120, pattern=SOURCE_PATTERN,
                        description="The article the visitor came from (its slug).")
    language: Language | None = Field(
        None, description="With no `therapist`: only therapists speaking it.")
    reminder: bool = Field(False, description="Remind the visitor by email the day before.")

    @field_validator("consent")
    @classmethod
    def consent_given(cls, value: bool) -> bool:
        if not value:
            raise PydanticCustomError("consent", "consent must be given")
        return value


class CancelRequest(Request):
    reason: str = Field("", max_length=500)


class RescheduleRequest(Request):
    start: Instant = Field(description="A free slot of the same therapist.")


class LanguageOut(BaseModel):
    code: str
    name: str = Field(description="In the request's language.")


class TherapistOut(BaseModel):
    slug: str
    name: str
    title: str = Field(description="In the request's language (German if there is no "
                                   "English one).")
    languages: list[LanguageOut]
    timezone: str
    next_free_start: datetime | None = Field(
        description="The first free slot of the free first consultation, if any.")


class TherapistList(BaseModel):
    therapists: list[TherapistOut]


class SlotOut(BaseModel):
    start: datetime
    end: datetime


class AvailabilityOut(BaseModel):
    therapist: str | None = Field(description="None for the whole team.")
    session_type: str
    timezone: str
    start: datetime
    end: datetime
    slots: list[SlotOut]


class TherapistRef(BaseModel):
    slug: str
    name: str


class BookingOut(BaseModel):
    id: str
    status: Literal["pending", "confirmed", "cancelled", "expired", "completed", "no_show"]
    start: datetime
    end: datetime
    timezone: str
    therapist: TherapistRef
    session_type: str
    hold_until: datetime | None = Field(
        description="A pending booking lapses then unless confirmed from its mail.")
    can_change: bool = Field(description="Whether cancel and reschedule are still open.")


class BookingCreated(BookingOut):
    manage_token: str = Field(description="Send it as `Authorization: Bearer …` to read, "
                                          "cancel or move this booking. Keep it secret.")


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error as RFC 9457 problem details, in the request's language."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = Field(None, description="Per field, for 400 and 422.")
    alternatives: list[SlotOut] | None = Field(
        None, description="For 409: the nearest free slots.")
