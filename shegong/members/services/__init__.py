"""Members services: records, 发展党员 steps, the roster spreadsheet, reminders."""
