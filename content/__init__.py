"""What the bot says: briefing and directory formats, cards, strings and minutes."""
