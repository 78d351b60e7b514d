CREATE TABLE `deleted_cursors` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`list` text NOT NULL,
	`owner` text NOT NULL,
	`id` text NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deleted_cursors_key` ON `deleted_cursors` (`list`,`owner`,`id`);