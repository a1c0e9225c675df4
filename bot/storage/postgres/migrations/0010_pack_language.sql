-- Packs say which language their items are written in; a server's setting `languages` filters on it.
ALTER TABLE packs ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
