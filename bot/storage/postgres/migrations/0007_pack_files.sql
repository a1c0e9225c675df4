-- Start-up reads a pack file again only when its bytes changed: each synced file's digest (SHA-256 of the loader's
-- version and the file's bytes), its pack and its item count, written in the same transaction as its items.
CREATE TABLE pack_files (
    file    TEXT PRIMARY KEY,
    digest  TEXT NOT NULL,
    pack_id TEXT NOT NULL REFERENCES packs (id),
    items   INTEGER NOT NULL
);

-- Folding accents was most of the cost of writing an item (three calls per row for its search vector): translate()
-- compares each character with every entry of its table. Text that is plain ASCII has nothing to fold, so it is
-- returned as it is; other text is translated as before, so every stored search vector stays what it was.
CREATE OR REPLACE FUNCTION fold_diacritics(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$SELECT CASE WHEN $1 ~ '^[\x01-\x7f]*$' THEN $1 ELSE translate($1,
    'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ',
    'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYy') END$$;
