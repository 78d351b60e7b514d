DROP INDEX `messages_run`;--> statement-breakpoint
CREATE INDEX `messages_run` ON `messages` (`run_id`) WHERE "messages"."run_id" IS NOT NULL;