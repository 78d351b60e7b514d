-- Full-text index over vector store chunks (file_search). drizzle-kit cannot express FTS5 virtual
-- tables, so this migration is written by hand. It is an external-content table over `chunks`,
-- kept in step by triggers; bm25() ranks matches.
CREATE VIRTUAL TABLE `chunks_fts` USING fts5(`text`, content='chunks', content_rowid='id', tokenize='porter unicode61');
--> statement-breakpoint
CREATE TRIGGER `chunks_ai` AFTER INSERT ON `chunks` BEGIN
  INSERT INTO `chunks_fts`(rowid, `text`) VALUES (new.id, new.text);
END;
--> statement-breakpoint
CREATE TRIGGER `chunks_ad` AFTER DELETE ON `chunks` BEGIN
  INSERT INTO `chunks_fts`(`chunks_fts`, rowid, `text`) VALUES ('delete', old.id, old.text);
END;
--> statement-breakpoint
CREATE TRIGGER `chunks_au` AFTER UPDATE ON `chunks` BEGIN
  INSERT INTO `chunks_fts`(`chunks_fts`, rowid, `text`) VALUES ('delete', old.id, old.text);
  INSERT INTO `chunks_fts`(rowid, `text`) VALUES (new.id, new.text);
END;
