"""Domain errors: what went wrong in terms a visitor, therapist or operator understands.

Views and the CLI turn these into messages; none of them is a 500.
"""


class BookingError(Exception):
    """Base of all domain errors. `str(error)` is a one-line English explanation."""


class InvalidInput(BookingError):
    """A value was not acceptable (an unknown zone, a malformed email, …)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AlreadyExists(BookingError):
    """A record with this unique value exists already."""


class NotFound(BookingError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class SlotUnavailable(BookingError):
    """The chosen time is not (or no longer) offered: someone else was faster."""


class InvalidTransition(BookingError):
    """A booking cannot move from its current status to the one asked for."""


class FirstSessionAlreadyBooked(BookingError):
    """This person has an upcoming or attended free first consultation already."""


class TooLateToChange(BookingError):
    """Online changes are closed this close to the appointment."""


class AddressRefused(BookingError):
    """A calendar address the service will not fetch: not http(s), or pointing into a
    private network. The message names at most the host, never the secret path."""


class CalendarUnavailable(BookingError):
    """A busy calendar could not be read (network, HTTP status, size, format). The
    message is short and safe to log: at most the host, never the address's secret."""
