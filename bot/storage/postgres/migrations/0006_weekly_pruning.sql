-- The retention sweep deletes weekly leaderboards older than any command reads (see bot.core.admin.WEEKS_KEPT):
-- this index finds them without reading the all-time rows. Points changes never touch it (neither column changes).
CREATE INDEX scores_by_week ON scores (period, guild_id) WHERE period <> 'all';
