"""The moderator web dashboard: log in with Discord, then see and change a server through the same core as commands.

Layout: :mod:`bot.web.discord_api` (OAuth2 and the few REST calls the dashboard needs), :mod:`bot.web.access`
(who may manage which server, checked on every request), :mod:`bot.web.app` (the aiohttp application: sessions,
CSRF, rate limits, error pages), :mod:`bot.web.pages` (one handler per page or form), and :mod:`bot.web.serve`
(running it inside the bot's process or as ``python -m bot web``).
"""
