"""Notifications and digests."""
