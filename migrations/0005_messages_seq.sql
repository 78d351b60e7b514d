PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`thread_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`content` text NOT NULL,
	`attachments` text,
	`assistant_id` text,
	`run_id` text,
	`metadata` text NOT NULL,
	`completed_at` integer,
	`incomplete_at` integer,
	`incomplete_details` text,
	FOREIGN KEY (`thread_id`) REFERENCES `threads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_messages`("seq", "id", "tenant", "thread_id", "created_at", "role", "status", "content", "attachments", "assistant_id", "run_id", "metadata", "completed_at", "incomplete_at", "incomplete_details") SELECT "seq", "id", "tenant", "thread_id", "created_at", "role", "status", "content", "attachments", "assistant_id", "run_id", "metadata", "completed_at", "incomplete_at", "incomplete_details" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_thread_seq` ON `messages` (`thread_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_run` ON `messages` (`run_id`) WHERE "messages"."run_id" IS NOT NULL;