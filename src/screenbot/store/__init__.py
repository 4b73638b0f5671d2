"""What screenbot remembers: candidates, screenings, answers, processed events and the outbox."""
