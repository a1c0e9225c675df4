"""The discord-free core: packs, matching, quizzes, scores, daily posts, moderation rules.

Nothing here imports discord.py or a database driver (ruff's banned-api rule enforces it).
"""
