CREATE TABLE `run_audit` (
	`run_id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`history` text NOT NULL,
	`turns` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
