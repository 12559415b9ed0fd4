"""Business time: calendars, durations, dates people type, SLA clocks."""
