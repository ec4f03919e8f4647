"""Tandem: a Telegram companion for volunteer mentoring programmes (the core)."""
