CREATE TABLE `assistant_files` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`assistant_id` text NOT NULL,
	`file_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`assistant_id`) REFERENCES `assistants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assistant_files_pair` ON `assistant_files` (`assistant_id`,`file_id`);--> statement-breakpoint
CREATE TABLE `assistants` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`created_at` integer NOT NULL,
	`model` text NOT NULL,
	`name` text,
	`description` text,
	`instructions` text,
	`tools` text NOT NULL,
	`tool_resources` text,
	`metadata` text NOT NULL,
	`temperature` real,
	`top_p` real,
	`response_format` text,
	`reasoning_effort` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assistants_id` ON `assistants` (`id`);--> statement-breakpoint
CREATE INDEX `assistants_tenant_seq` ON `assistants` (`tenant`,`seq`);--> statement-breakpoint
CREATE TABLE `chunks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`vector_store_id` text NOT NULL,
	`file_id` text NOT NULL,
	`chunk_index` integer NOT NULL,
	`text` text NOT NULL,
	FOREIGN KEY (`vector_store_id`) REFERENCES `vector_stores`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chunks_store_file` ON `chunks` (`vector_store_id`,`file_id`);--> statement-breakpoint
CREATE TABLE `file_contents` (
	`file_id` text PRIMARY KEY NOT NULL,
	`data` blob NOT NULL,
	FOREIGN KEY (`file_id`) REFERENCES `files`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `files` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`created_at` integer NOT NULL,
	`bytes` integer NOT NULL,
	`filename` text NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`status_details` text,
	`expires_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `files_id` ON `files` (`id`);--> statement-breakpoint
CREATE INDEX `files_tenant_seq` ON `files` (`tenant`,`seq`);--> statement-breakpoint
CREATE TABLE `message_files` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`message_id` text NOT NULL,
	`file_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_files_pair` ON `message_files` (`message_id`,`file_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
CREATE UNIQUE INDEX `messages_id` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_thread_seq` ON `messages` (`thread_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_run` ON `messages` (`run_id`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`run_id` text NOT NULL,
	`thread_id` text NOT NULL,
	`assistant_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`step_details` text NOT NULL,
	`last_error` text,
	`cancelled_at` integer,
	`completed_at` integer,
	`expired_at` integer,
	`failed_at` integer,
	`usage` text,
	`metadata` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `run_steps_id` ON `run_steps` (`id`);--> statement-breakpoint
CREATE INDEX `run_steps_run_seq` ON `run_steps` (`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `runs` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`thread_id` text NOT NULL,
	`assistant_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`status` text NOT NULL,
	`started_at` integer,
	`expires_at` integer,
	`cancelled_at` integer,
	`failed_at` integer,
	`completed_at` integer,
	`incomplete_at` integer,
	`required_action` text,
	`last_error` text,
	`model` text NOT NULL,
	`instructions` text NOT NULL,
	`tools` text NOT NULL,
	`tool_resources` text,
	`metadata` text NOT NULL,
	`temperature` real,
	`top_p` real,
	`max_prompt_tokens` integer,
	`max_completion_tokens` integer,
	`truncation_strategy` text,
	`incomplete_details` text,
	`usage` text,
	`response_format` text,
	`tool_choice` text,
	`parallel_tool_calls` integer NOT NULL,
	`reasoning_effort` text,
	`turn` integer DEFAULT 0 NOT NULL,
	`engine_state` text,
	FOREIGN KEY (`thread_id`) REFERENCES `threads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_id` ON `runs` (`id`);--> statement-breakpoint
CREATE INDEX `runs_thread_seq` ON `runs` (`thread_id`,`seq`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`status`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `threads` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`created_at` integer NOT NULL,
	`tool_resources` text,
	`metadata` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `threads_id` ON `threads` (`id`);--> statement-breakpoint
CREATE TABLE `vector_store_file_batches` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`vector_store_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`vector_store_id`) REFERENCES `vector_stores`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vector_store_file_batches_id` ON `vector_store_file_batches` (`id`);--> statement-breakpoint
CREATE TABLE `vector_store_files` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`file_id` text NOT NULL,
	`tenant` text NOT NULL,
	`vector_store_id` text NOT NULL,
	`batch_id` text,
	`created_at` integer NOT NULL,
	`status` text NOT NULL,
	`usage_bytes` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`chunking_strategy` text,
	`attributes` text,
	FOREIGN KEY (`vector_store_id`) REFERENCES `vector_stores`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vector_store_files_store_file` ON `vector_store_files` (`vector_store_id`,`file_id`);--> statement-breakpoint
CREATE INDEX `vector_store_files_store_seq` ON `vector_store_files` (`vector_store_id`,`seq`);--> statement-breakpoint
CREATE INDEX `vector_store_files_batch` ON `vector_store_files` (`batch_id`);--> statement-breakpoint
CREATE TABLE `vector_stores` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant` text NOT NULL,
	`created_at` integer NOT NULL,
	`name` text,
	`status` text NOT NULL,
	`last_active_at` integer,
	`expires_after` text,
	`expires_at` integer,
	`metadata` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vector_stores_id` ON `vector_stores` (`id`);--> statement-breakpoint
CREATE INDEX `vector_stores_tenant_seq` ON `vector_stores` (`tenant`,`seq`);