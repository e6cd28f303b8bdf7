"""A therapist's own calendars read as busy time: fetched safely (`fetch`) and
expanded into busy intervals (`expand`). The use cases that store them live in
booking.services.busy_calendars."""
