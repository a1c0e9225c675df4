"""Start-up: settings, the bot class, the command line and the try-out; the only layer that knows every other."""
