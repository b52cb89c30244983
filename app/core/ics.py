"""A calendar entry for one event (RFC 5545, written by `icalendar`), to attach to an e-mail."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from app.core.timeutil import utcnow

MIME = "text/calendar"


def event(
    *,
    uid: str,
    starts_at: datetime,
    summary: str,
    url: str,
    description: str,
    length: timedelta = timedelta(hours=1),
    sequence: int = 0,
) -> bytes:
    """One event as an iCalendar file: published (METHOD:PUBLISH, no attendees: nobody's
    address is in it), in UTC. The same `uid` with a higher `sequence` updates it."""
    calendar = Calendar()
    calendar.add("prodid", "-//Videosparring//Videosparring//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", uid)
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", starts_at)
    entry.add("dtend", starts_at + length)
    entry.add("sequence", sequence)
    entry.add("summary", summary)
    entry.add("description", description)
    entry.add("url", url)
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
