"""Scheduling: the SM-2 engine and the step from a grade to a card's next state."""
