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


class CalendarProblem(BookingError):
    """Why a busy calendar cannot be used. The message is English and safe to log (at
    most the host, never the address's secret); `problem` is the same as data, a
    `code` and its values (host, status, limit), for a page to say in its language."""

    def __init__(self, message: str, code: str, **values: str | int):
        super().__init__(message)
        self.problem = {"code": code, **values}


class AddressRefused(CalendarProblem):
    """A calendar address the service will not fetch: not http(s), or pointing into a
    private network."""


class CalendarUnavailable(CalendarProblem):
    """A busy calendar could not be read (network, HTTP status, size, format)."""
