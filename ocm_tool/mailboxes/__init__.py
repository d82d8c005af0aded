"""About mailboxes, for every command that works on them: lists of addresses, temporary access."""
