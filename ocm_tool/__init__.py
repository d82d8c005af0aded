"""ocm-tool: export and purge Outlook Customer Manager data left in Microsoft 365 mailboxes."""

__version__ = "0.1.0"
