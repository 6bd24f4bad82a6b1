"""The model: users, ties, platforms, motives, the daily rules, events and the recorder; and the
plain-Mesa reference."""
