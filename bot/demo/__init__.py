"""``tandem demo``: the whole programme in one browser page, on the emulator, with no Telegram."""
